#include "control_client.h"

#include "cleanup.h"
#include "io.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int transact(const char *path, enum ctl_cmd cmd, uint32_t deadline_ms, int timeout_ms,
		    struct ctl_status *ret)
{
	char req[CTL_REQUEST_MAX];
	int req_len = ctl_request_encode(cmd, deadline_ms, req, sizeof(req));
	if (req_len < 0)
		return req_len;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (!path)
		path = INIT_CTL_SOCKET;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);

	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	int r = 0;
	/* MSG_NOSIGNAL: a refused caller must get -EPERM, not SIGPIPE. When init
	 * already replied and closed (a refusal), the reply is still readable. */
	if (send(fd, req, (size_t)req_len, MSG_NOSIGNAL) < 0 && errno != EPIPE &&
	    errno != ECONNRESET)
		return -errno;

	char buf[CTL_REPLY_MAX];
	size_t len = 0;
	long deadline = now_ms() + timeout_ms;
	for (;;) {
		long left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		r = io_wait(fd, POLLIN, (int)left);
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
