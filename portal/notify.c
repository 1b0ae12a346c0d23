#include "notify.h"

#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

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
	struct fuse_session *se;
	struct note q[NOTIFY_QUEUE];
	unsigned head, len;
} nq = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

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
	return NULL;
}

int notify_start(struct fuse_session *se)
{
	nq.se = se;
	nq.stop = false;
	int r = pthread_create(&nq.thread, NULL, run, NULL);
	if (r != 0)
		return -r;
	nq.started = true;
	return 0;
}

void notify_stop(void)
{
	if (!nq.started)
		return;
	pthread_mutex_lock(&nq.lock);
	nq.stop = true;
	pthread_cond_signal(&nq.cond);
	pthread_mutex_unlock(&nq.lock);
	/* Not joined: a notification may be stuck behind a request nobody
	 * will answer any more; the process is about to end anyway. */
	pthread_detach(nq.thread);
	nq.started = false;
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
