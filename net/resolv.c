/* resolv.conf: rendered from the configuration (pure), then written under
 * /run and linked from /etc. Written whole to a temporary file and renamed, so
 * a resolver never reads half a file. */
#include "net.h"
#include "net_internal.h"

#include "cleanup.h"
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int net_resolv_render(const struct net_config *c, char *buf, size_t size)
{
	size_t off = 0;
	int n = snprintf(buf, size, "# Written by appvm-net from the [net] section of vm.conf.\n");
	if (n < 0 || (size_t)n >= size)
		return -ENOBUFS;
	off = (size_t)n;
	for (size_t i = 0; i < c->n_dns; i++) {
		char a[64];
		n = snprintf(buf + off, size - off, "nameserver %s\n",
			     net_ip_format(&c->dns[i], -1, a, sizeof(a)));
		if (n < 0 || (size_t)n >= size - off)
			return -ENOBUFS;
		off += (size_t)n;
	}
	if (c->n_search) {
		n = snprintf(buf + off, size - off, "search");
		if (n < 0 || (size_t)n >= size - off)
			return -ENOBUFS;
		off += (size_t)n;
		for (size_t i = 0; i < c->n_search; i++) {
			n = snprintf(buf + off, size - off, " %s", c->search[i]);
			if (n < 0 || (size_t)n >= size - off)
				return -ENOBUFS;
			off += (size_t)n;
		}
		n = snprintf(buf + off, size - off, "\n");
		if (n < 0 || (size_t)n >= size - off)
			return -ENOBUFS;
		off += (size_t)n;
	}
	return (int)off;
}

/* Creates every missing directory above path (mode 0755). Returns 0 or -errno. */
static int make_parents(const char *path)
{
	char dir[PATH_MAX];
	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/* Replaces path with text atomically. Returns 0 or -errno. */
static int write_atomic(const char *path, const char *text, size_t len)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = 0;
	if (fchmod(fd, 0644) < 0)
		r = -errno;
	if (r == 0)
		r = io_write_full(fd, text, len);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

/* Points link at target with a symlink, replacing what is there atomically.
 * Returns 0, 1 when the directory is read-only (nothing done), or -errno. */
static int link_atomic(const char *target, const char *link)
{
	char cur[PATH_MAX];
	ssize_t n = readlink(link, cur, sizeof(cur) - 1);
	if (n >= 0) {
		cur[n] = '\0';
		if (strcmp(cur, target) == 0)
			return 0;
	}
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.appvm-%ld", link, (long)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	(void)unlink(tmp);
	if (symlink(target, tmp) < 0) {
		if (errno == EROFS)
			return 1;
		return -errno;
	}
	if (rename(tmp, link) < 0) {
		int e = errno;
		unlink(tmp);
		return e == EROFS ? 1 : -e;
	}
	return 0;
}

int net_resolv_write(const struct net_config *c, char *err, size_t errlen)
{
	char text[2048];
	int len = net_resolv_render(c, text, sizeof(text));
	if (len < 0) {
		snprintf(err, errlen, "dns: resolv.conf would not fit in %zu bytes", sizeof(text));
		return len;
	}
	int r = make_parents(c->resolv_path);
	if (r == 0)
		r = write_atomic(c->resolv_path, text, (size_t)len);
	if (r < 0) {
		snprintf(err, errlen, "dns: write %s: %s", c->resolv_path, strerror(-r));
		return r;
	}
	if (!c->etc_resolv_path[0])
		return 0;
	r = link_atomic(c->resolv_path, c->etc_resolv_path);
	if (r < 0) {
		snprintf(err, errlen, "dns: link %s to %s: %s", c->etc_resolv_path, c->resolv_path,
			 strerror(-r));
		return r;
	}
	return 0;
}
