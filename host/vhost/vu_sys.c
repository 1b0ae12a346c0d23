#include "vu_sys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int sys_fd_size(void *ctx, int fd, uint64_t *ret_size)
{
	(void)ctx;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size < 0)
		return -EINVAL;
	*ret_size = (uint64_t)st.st_size;
	return 0;
}

static int sys_map(void *ctx, int fd, uint64_t len, void **ret_addr)
{
	(void)ctx;
	void *p =
	    mmap(NULL, (size_t)len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	*ret_addr = p;
	return 0;
}

static void sys_unmap(void *ctx, void *addr, uint64_t len)
{
	(void)ctx;
	munmap(addr, (size_t)len);
}

/* A kick fd that is not an eventfd could stay readable forever (a pipe at
 * end of file) and spin the loop; a blocking one could stall it. */
static int sys_eventfd(void *ctx, int fd)
{
	(void)ctx;
	char path[64], target[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	if (strcmp(target, "anon_inode:[eventfd]") != 0)
		return -EINVAL;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static void sys_close(void *ctx, int fd)
{
	(void)ctx;
	close(fd);
}

/* Replies are small and the front-end waits for each: one that does not
 * read them has failed, and is not waited for. */
static int sys_send(void *ctx, const void *msg, size_t len)
{
	const struct vu_sys *s = ctx;
	ssize_t n;
	do {
		n = send(s->fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EAGAIN;
}

static void sys_watch_kick(void *ctx, unsigned queue, int fd, bool add)
{
	const struct vu_sys *s = ctx;
	if (s->watch_kick)
		s->watch_kick(s->watch_ctx, queue, fd, add);
}

const struct vhost_user_ops vu_sys_ops = {
    .fd_size = sys_fd_size,
    .map = sys_map,
    .unmap = sys_unmap,
    .eventfd = sys_eventfd,
    .close = sys_close,
    .send = sys_send,
    .watch_kick = sys_watch_kick,
};

void vu_sys_reader_clear(struct vu_reader *r)
{
	for (unsigned i = 0; i < r->nfds; i++)
		if (r->fds[i] >= 0)
			close(r->fds[i]);
	vu_reader_init(r);
}

int vu_sys_recv(int fd, struct vu_reader *r)
{
	for (;;) {
		union {
			char buf[CMSG_SPACE(sizeof(int) * VU_MAX_FDS)];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = {r->buf + r->len, vu_reader_want(r)};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = ctl.buf,
				    .msg_controllen = sizeof(ctl.buf)};
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		int bad = 0;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < k; i++) {
				int f;
				memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (vu_reader_add_fd(r, f) < 0) {
					close(f);
					bad = -EPROTO;
				}
			}
		}
		if (bad < 0 || (mh.msg_flags & MSG_CTRUNC))
			return -EPROTO; /* more fds than any message carries */
		if (n == 0)
			return -ECONNRESET;
		int done = vu_reader_advance(r, (size_t)n);
		if (done != 0)
			return done;
	}
}

void vu_sys_notify(struct vhost_user *vu, unsigned due)
{
	for (unsigned q = 0; q < VU_QUEUES; q++) {
		if (!(due & (1u << q)) || vu->call_fd[q] < 0)
			continue;
		uint64_t one = 1;
		/* Non-blocking: a full counter means the guest has a
		 * notification pending anyway. */
		(void)!write(vu->call_fd[q], &one, sizeof(one));
	}
}

int vu_sys_serve(struct vhost_user *vu, struct vu_reader *r, unsigned batch, char *why,
		 size_t whylen)
{
	const struct vu_sys *s = vu->ctx;
	for (unsigned i = 0; i < batch; i++) {
		int e = vu_sys_recv(s->fd, r);
		if (e == -EAGAIN)
			return 0;
		if (e == -ECONNRESET) {
			snprintf(why, whylen, "%s",
				 r->len > 0 ? "closed in the middle of a message" : "disconnected");
			return r->len > 0 ? -EPROTO : -ECONNRESET;
		}
		if (e < 0) {
			snprintf(why, whylen, "%s",
				 e == -EPROTO ? "message framing broken" : strerror(-e));
			return e;
		}
		struct vu_hdr h;
		vu_reader_hdr(r, &h);
		e = vhost_user_handle(vu, r);
		if (e < 0) {
			snprintf(why, whylen, "%s (%u): %s", vu_request_name(h.request), h.request,
				 vu->why ? vu->why : "reply not taken");
			return -EPROTO;
		}
	}
	return 0;
}
