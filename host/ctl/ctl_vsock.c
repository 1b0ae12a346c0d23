/* The AF_VSOCK side of the transports: qemu with the kernel's vhost-vsock.
 * Kept apart and small: it only runs where a vsock device exists. */
#include "ctl_transport.h"
#include "cleanup.h"
#include "clock.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/vm_sockets.h>

int ctl_vsock_connect(uint32_t cid, uint32_t port, uint64_t deadline, struct ctl_error *err)
{
	_cleanup_close_ int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		int e = errno;
		ctl_error_set(err, "cannot create a vsock socket: %s", strerror(e));
		return e == EAFNOSUPPORT ? -EHOSTDOWN : -e;
	}
	struct sockaddr_vm sa = {.svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port};
	int e = 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		if (e == EINPROGRESS) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};
			int r;
			do {
				r = poll(&p, 1, clock_remaining_ms(deadline));
			} while (r < 0 && errno == EINTR);
			if (r == 0) {
				ctl_error_set(err, "vsock connect to %u:%u timed out", cid, port);
				return -ETIMEDOUT;
			}
			socklen_t len = sizeof(e);
			if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
				e = errno;
		}
	}
	switch (e) {
	case 0:
		return steal_fd(&fd);
	case ENODEV:
	case EHOSTUNREACH:
	case ENETUNREACH:
		ctl_error_set(err, "no guest with CID %u: %s", cid, strerror(e));
		return -EHOSTDOWN;
	case ECONNRESET:
	case ECONNREFUSED:
		ctl_error_set(err, "guest CID %u: nothing listens on port %u", cid, port);
		return -ECONNREFUSED;
	case ETIMEDOUT:
		ctl_error_set(err, "vsock connect to %u:%u timed out", cid, port);
		return -ETIMEDOUT;
	default:
		ctl_error_set(err, "vsock connect to %u:%u: %s", cid, port, strerror(e));
		return -e;
	}
}

int ctl_vsock_listen(uint32_t port, struct ctl_error *err)
{
	_cleanup_close_ int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		int e = errno;
		ctl_error_set(err, "cannot create a vsock socket: %s", strerror(e));
		return -e;
	}
	struct sockaddr_vm sa = {
	    .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = port};
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, CTL_EVENT_BACKLOG) < 0) {
		int e = errno;
		ctl_error_set(err, "cannot listen on vsock port %u: %s", port, strerror(e));
		return -e;
	}
	return steal_fd(&fd);
}

int ctl_vsock_accept_from(int listen_fd, uint32_t cid)
{
	struct sockaddr_vm sa;
	socklen_t len = sizeof(sa);
	_cleanup_close_ int fd =
	    accept4(listen_fd, (struct sockaddr *)&sa, &len, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	/* The port is the host's, shared by every guest: keep only ours. */
	if (len < sizeof(sa) || sa.svm_family != AF_VSOCK || sa.svm_cid != cid)
		return -EACCES;
	return steal_fd(&fd);
}
