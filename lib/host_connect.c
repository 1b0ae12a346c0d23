#include "host_connect.h"

#include "cleanup.h"
#include "ports.h"
#include "unix_addr.h"

#include <errno.h>
#include <linux/vm_sockets.h>
#include <string.h>
#include <sys/socket.h>

int host_connect(const char *unix_path, uint32_t port, bool *ret_connected)
{
	union {
		struct sockaddr sa;
		struct sockaddr_un un;
		struct sockaddr_vm vm;
	} addr;
	socklen_t len;
	memset(&addr, 0, sizeof(addr));
	if (unix_path) {
		int r = unix_addr_set(&addr.un, unix_path);
		if (r < 0)
			return r;
		len = sizeof(addr.un);
	} else {
		addr.vm.svm_family = AF_VSOCK;
		addr.vm.svm_cid = APPVM_HOST_CID;
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
