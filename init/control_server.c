/* The control socket: root-only requests from the agent (power off, reboot,
 * status). Protocol in docs/init-control.md. */
#include "unix_addr.h"
#include "init.h"

#include "cleanup.h"
#include "io.h"
#include "log.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* A client must send its request this soon after connecting: PID 1 must not
 * wait on a stuck peer for long. */
#define REQUEST_TIMEOUT_MS 500

int ctlsrv_open(const char *path)
{
	struct sockaddr_un sa;
	int r = unix_addr_set(&sa, path);
	if (r < 0)
		return r;

	char dir[sizeof(sa.sun_path)];
	strcpy(dir, path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
	}
	unlink(path);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	mode_t old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || chmod(path, 0600) < 0 || listen(fd, 8) < 0)
		return -errno;
	return steal_fd(&fd);
}

static void reply(int fd, const char *buf, int len)
{
	if (len > 0)
		(void)!send(fd, buf, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void serve(struct init *in, int fd)
{
	char out[CTL_REPLY_MAX];
	struct ucred cred = {.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
	socklen_t cl = sizeof(cred);

	/* The socket file is 0600 already; the peer's credentials are checked
	 * too, since a process with CAP_DAC_OVERRIDE can connect anyway. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 || cred.uid != 0) {
		log_warn("control: refused a connection from uid %d pid %d", (int)cred.uid,
			 (int)cred.pid);
		reply(fd, out, ctl_reply_encode_simple(CTL_ERR_PERMISSION, out, sizeof(out)));
		return;
	}
	char untrusted_req[CTL_REQUEST_MAX];
	size_t len = 0;
	enum ctl_cmd cmd;
	uint32_t limit_ms = 0; /* the shutdown deadline of poweroff/reboot */
	int r = -EAGAIN;
	while (r == -EAGAIN && len < sizeof(untrusted_req)) {
		if (io_wait(fd, POLLIN, REQUEST_TIMEOUT_MS) < 0)
			break;
		ssize_t n = io_read_some(fd, untrusted_req + len, sizeof(untrusted_req) - len);
		if (n == -EAGAIN)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		r = ctl_request_decode(untrusted_req, len, &cmd, &limit_ms);
	}
	if (r == -EAGAIN && len == sizeof(untrusted_req))
		r = -EBADMSG;
	if (r == -EAGAIN) {
		log_warn("control: no complete request from pid %d within %d ms", (int)cred.pid,
			 REQUEST_TIMEOUT_MS);
		return;
	}
	if (r < 0) {
		log_warn("control: bad request from pid %d: %s", (int)cred.pid, strerror(-r));
		reply(
		    fd, out,
		    ctl_reply_encode_simple(r == -EOPNOTSUPP ? CTL_ERR_UNKNOWN : CTL_ERR_MALFORMED,
					    out, sizeof(out)));
		return;
	}
	switch (cmd) {
	case CTL_CMD_STATUS: {
		struct ctl_status st;
		services_status(in, &st);
		reply(fd, out, ctl_reply_encode_status(&st, out, sizeof(out)));
		return;
	}
	case CTL_CMD_POWEROFF:
	case CTL_CMD_REBOOT:
		if (in->phase != SD_NONE) {
			reply(fd, out, ctl_reply_encode_simple(CTL_ERR_SHUTDOWN, out, sizeof(out)));
			return;
		}
		reply(fd, out, ctl_reply_encode_simple(NULL, out, sizeof(out)));
		loop_request_shutdown_within(
		    in, cmd == CTL_CMD_REBOOT ? RB_AUTOBOOT : RB_POWER_OFF, limit_ms,
		    cmd == CTL_CMD_REBOOT ? "reboot requested on the control socket"
					  : "power off requested on the control socket");
		return;
	}
}

void ctlsrv_handle(struct init *in)
{
	for (int i = 0; i < 16; i++) {
		_cleanup_close_ int fd =
		    accept4(in->ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		serve(in, fd);
	}
}
