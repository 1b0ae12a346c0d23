#include "unix_addr.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int unix_addr_set(struct sockaddr_un *sa, const char *path)
{
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, n);
	return 0;
}

int unix_sock_listen(const char *path, int backlog)
{
	struct sockaddr_un sa;
	int r = unix_addr_set(&sa, path);
	if (r < 0)
		return r;
	struct stat sb;
	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode))
			return -EADDRINUSE;
		unlink(path);
	}
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* The mode is set at bind time: a chmod after it would leave a window in
	 * which anyone could connect. */
	mode_t old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(fd, backlog) < 0)
		return -errno;
	return steal_fd(&fd);
}

int unix_sock_connect(const char *path, int flags)
{
	struct sockaddr_un sa;
	int r = unix_addr_set(&sa, path);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return steal_fd(&fd);
}

bool unix_sock_live(const char *path)
{
	_cleanup_close_ int fd = unix_sock_connect(path, SOCK_NONBLOCK);
	return fd >= 0 || fd == -EAGAIN;
}

int unix_sock_accept(int lfd, int *spare)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd >= 0)
		return fd;
	int e = errno == EWOULDBLOCK ? EAGAIN : errno;
	if ((e != EMFILE && e != ENFILE) || *spare < 0)
		return -e;
	close(*spare);
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		close(fd); /* the peer sees the connection closed */
	*spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return -e;
}

const char *unix_listen_why(const char *path, int err)
{
	struct stat st;
	if ((err == -EADDRINUSE || err == -EEXIST) && lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return "a file that is not a socket is in the way (left alone)";
		if (unix_sock_live(path))
			return "another process is serving it";
	}
	return strerror(-err);
}
