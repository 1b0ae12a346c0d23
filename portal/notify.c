#include "notify.h"

#include "clock.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Kernel requests handled per wakeup while the thread ends. */
#define NOTIFY_DRAIN_BATCH 64

#define NOTIFY_QUEUE 256u

struct note {
	fuse_ino_t parent, child; /* parent 0: an inode invalidation of child */
	char name[256];
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool started, stop, ready;
	int done_r, done_w; /* the thread closes done_w as it ends */
	struct fuse_session *se;
	struct note q[NOTIFY_QUEUE];
	unsigned head, len;
} nq = {.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.done_r = -1,
	.done_w = -1};

static void *run(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&nq.lock);
	for (;;) {
		while (!nq.stop && (nq.len == 0 || !nq.ready))
			pthread_cond_wait(&nq.cond, &nq.lock);
		if (nq.stop)
			break;
		struct note n = nq.q[nq.head];
		nq.head = (nq.head + 1) % NOTIFY_QUEUE;
		nq.len--;
		pthread_mutex_unlock(&nq.lock);
		int r;
		if (n.parent == 0)
			r = fuse_lowlevel_notify_inval_inode(nq.se, n.child, 0, 0);
		else if (n.child)
			r = fuse_lowlevel_notify_delete(nq.se, n.parent, n.child, n.name,
							strlen(n.name));
		else
			r = fuse_lowlevel_notify_inval_entry(nq.se, n.parent, n.name,
							     strlen(n.name));
		/* ENOENT: the kernel has forgotten it already, which is fine. */
		if (r < 0 && r != -ENOENT)
			log_debug("fs: kernel notification failed: %s", strerror(-r));
		pthread_mutex_lock(&nq.lock);
	}
	pthread_mutex_unlock(&nq.lock);
	close(nq.done_w); /* the session is not used past this point */
	return NULL;
}

int notify_start(struct fuse_session *se)
{
	int done[2];
	if (pipe2(done, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	nq.se = se;
	nq.stop = false;
	nq.done_r = done[0];
	nq.done_w = done[1];
	int r = pthread_create(&nq.thread, NULL, run, NULL);
	if (r != 0) {
		close(done[0]);
		close(done[1]);
		nq.done_r = nq.done_w = -1;
		return -r;
	}
	nq.started = true;
	return 0;
}

/* Serves se until the thread has ended (done_r hangs up) or max_ms passed.
 * Returns true once it has ended. */
static bool serve_until_done(struct fuse_session *se, struct fuse_buf *buf, unsigned max_ms)
{
	uint64_t end = clock_now_ms() + max_ms;
	bool reading = true;
	for (;;) {
		struct pollfd fds[2] = {
		    {.fd = nq.done_r, .events = POLLIN},
		    {.fd = reading ? fuse_session_fd(se) : -1, .events = POLLIN},
		};
		int left = clock_remaining_ms(end);
		int r = poll(fds, 2, left);
		if (r < 0 && errno != EINTR)
			return false;
		if (fds[0].revents)
			return true;
		if (r == 0 && left == 0)
			return false;
		for (int i = 0; fds[1].revents && i < NOTIFY_DRAIN_BATCH; i++) {
			r = fuse_session_receive_buf(se, buf);
			if (r == -EAGAIN || r == -EINTR)
				break;
			if (r <= 0) {
				reading = false; /* unmounted: notifications fail at once */
				break;
			}
			fuse_session_process_buf(se, buf);
		}
	}
}

int notify_stop(struct fuse_session *se, struct fuse_buf *buf, unsigned max_ms)
{
	if (!nq.started)
		return 0;
	nq.started = false; /* notifications from now on are dropped */
	pthread_mutex_lock(&nq.lock);
	nq.stop = true;
	nq.len = 0; /* nor do those not sent yet matter any more */
	pthread_cond_signal(&nq.cond);
	pthread_mutex_unlock(&nq.lock);
	bool ended = serve_until_done(se, buf, max_ms);
	close(nq.done_r);
	nq.done_r = -1;
	if (!ended) {
		pthread_detach(nq.thread);
		return -ETIMEDOUT;
	}
	pthread_join(nq.thread, NULL);
	return 0;
}

void notify_set_ready(void)
{
	pthread_mutex_lock(&nq.lock);
	nq.ready = true;
	pthread_cond_signal(&nq.cond);
	pthread_mutex_unlock(&nq.lock);
}

static void push(fuse_ino_t parent, fuse_ino_t child, const char *name)
{
	if (!nq.started)
		return;
	pthread_mutex_lock(&nq.lock);
	if (nq.len == NOTIFY_QUEUE) {
		pthread_mutex_unlock(&nq.lock);
		log_debug("fs: notification queue full; dropping one");
		return;
	}
	struct note *n = &nq.q[(nq.head + nq.len) % NOTIFY_QUEUE];
	n->parent = parent;
	n->child = child;
	snprintf(n->name, sizeof(n->name), "%s", name ? name : "");
	nq.len++;
	pthread_cond_signal(&nq.cond);
	pthread_mutex_unlock(&nq.lock);
}

void notify_delete(fuse_ino_t parent, fuse_ino_t child, const char *name)
{
	push(parent, child, name);
}

void notify_inval_entry(fuse_ino_t parent, const char *name)
{
	push(parent, 0, name);
}

void notify_inval_inode(fuse_ino_t ino)
{
	push(0, ino, NULL);
}
