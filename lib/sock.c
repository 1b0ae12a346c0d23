#include "sock.h"

#include "cleanup.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/vm_sockets.h>
#include <sys/un.h>

int sock_listen_unix(const char *path, int backlog, bool owner_only)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		_cleanup_close_ int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return -EADDRINUSE;
		unlink(path);
	}
	mode_t old = owner_only ? umask(0177) : 0;
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (owner_only)
		umask(old);
	if (r < 0 || listen(fd, backlog) < 0)
		return -errno;
	return steal_fd(&fd);
}

int sock_connect(const char *unix_path, uint32_t cid, uint32_t port, bool *ret_connected)
{
	union {
		struct sockaddr sa;
		struct sockaddr_un un;
		struct sockaddr_vm vm;
	} addr;
	socklen_t len;
	memset(&addr, 0, sizeof(addr));
	if (unix_path) {
		if (strlen(unix_path) >= sizeof(addr.un.sun_path))
			return -ENAMETOOLONG;
		addr.un.sun_family = AF_UNIX;
		strcpy(addr.un.sun_path, unix_path);
		len = sizeof(addr.un);
	} else {
		addr.vm.svm_family = AF_VSOCK;
		addr.vm.svm_cid = cid;
		addr.vm.svm_port = port;
		len = sizeof(addr.vm);
	}
	_cleanup_close_ int fd =
	    socket(addr.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int r = connect(fd, &addr.sa, len);
	if (r < 0 && errno != EINPROGRESS)
		return -errno;
	*ret_connected = r == 0;
	return steal_fd(&fd);
}
