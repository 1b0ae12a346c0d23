#include "control_client.h"
#include "clock.h"

#include "cleanup.h"
#include "io.h"
#include "unix_addr.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

static int transact(const char *path, enum ctl_cmd cmd, uint32_t deadline_ms, int timeout_ms,
		    struct ctl_status *ret)
{
	char req[CTL_REQUEST_MAX];
	int req_len = ctl_request_encode(cmd, deadline_ms, req, sizeof(req));
	if (req_len < 0)
		return req_len;
	struct sockaddr_un sa;
	int r = unix_addr_set(&sa, path ? path : INIT_CTL_SOCKET);
	if (r < 0)
		return r;

	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	/* MSG_NOSIGNAL: a refused caller must get -EPERM, not SIGPIPE. When init
	 * already replied and closed (a refusal), the reply is still readable. */
	if (send(fd, req, (size_t)req_len, MSG_NOSIGNAL) < 0 && errno != EPIPE &&
	    errno != ECONNRESET)
		return -errno;

	char buf[CTL_REPLY_MAX];
	size_t len = 0;
	uint64_t deadline = clock_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		r = io_wait_until(fd, POLLIN, deadline);
		if (r < 0)
			return r;
		ssize_t n = io_read_some(fd, buf + len, sizeof(buf) - len);
		if (n == -EAGAIN)
			continue;
		if (n < 0)
			return (int)n;
		if (n == 0)
			return len == 0 ? -ECONNRESET : -EBADMSG;
		len += (size_t)n;
		r = ctl_reply_decode(buf, len, ret);
		if (r != -EAGAIN)
			return r;
		if (len == sizeof(buf))
			return -EBADMSG;
	}
}

int init_ctl_query(const char *sock_path, int timeout_ms, struct ctl_status *ret)
{
	return transact(sock_path, CTL_CMD_STATUS, 0, timeout_ms, ret);
}

int init_ctl_request_poweroff(const char *sock_path, int timeout_ms, uint32_t deadline_ms)
{
	return transact(sock_path, CTL_CMD_POWEROFF, deadline_ms, timeout_ms, NULL);
}

int init_ctl_request_reboot(const char *sock_path, int timeout_ms, uint32_t deadline_ms)
{
	return transact(sock_path, CTL_CMD_REBOOT, deadline_ms, timeout_ms, NULL);
}
