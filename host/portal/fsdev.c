/* The document device (docs/docfs.md): a vhost-user virtio-fs back-end on
 * --docs-device PATH. The VMM (qemu's vhost-user-fs-pci, cloud-hypervisor's
 * --fs) connects, shares the guest's memory and hands over the queues;
 * each kick drains its queue through pd_docfs_serve(), a bounded number of
 * chains per turn of the loop so that one busy guest cannot starve the
 * rest. Idle, nothing here wakes: kicks and the front-end's messages are
 * the only events. */
#include "portald.h"

#include "log.h"
#include "pd_docfs_sys.h"
#include "unix_addr.h"
#include "vu_sys.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* Messages from the front-end, and chains of one queue, per wake-up. */
#define FS_VU_BATCH    16u
#define FS_CHAIN_BATCH 256u

static void on_reset(void *ctx)
{
	pd_docfs_reset(ctx);
}

static void watch_kick(void *ctx, unsigned q, int fd, bool add)
{
	struct pd_daemon *d = ctx;
	struct pd_fsdev *f = d->fsdev;
	/* Removed explicitly: the front-end holds the same eventfd, and epoll
	 * forgets an fd only when every copy of it is closed. */
	int r = add ? pd_watch_add(d, fd, &f->kick[q].w, EPOLLIN) : (pd_watch_del(d, fd), 0);
	if (r < 0)
		log_warn("docs device: cannot watch queue %u: %s", q, strerror(-r));
}

int pd_fsdev_open(struct pd_daemon *d)
{
	if (!d->opt.docs_device[0])
		return 0;
	struct pd_fsdev *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->fs = calloc(1, sizeof(*f->fs));
	if (!f->fs) {
		free(f);
		return -ENOMEM;
	}
	d->fsdev = f;
	f->listen_fd = f->sys.fd = -1;
	f->listen_w.kind = PD_W_FS_LISTEN;
	f->conn_w.kind = PD_W_FS_CONN;
	for (unsigned q = 0; q < VU_QUEUES; q++) {
		f->kick[q] = (struct pd_fskick){.w.kind = PD_W_FS_KICK, .q = q};
		f->vq[q].wide = true;
	}
	pd_docfs_init(f->fs, &d->grants, &pd_docfs_sys_ops, NULL);
	f->dev = (struct vhost_dev){.mem = &f->mem, .vq = f->vq, .reset = on_reset, .ctx = f->fs};
	f->sys = (struct vu_sys){.fd = -1, .watch_kick = watch_kick, .watch_ctx = d};
	vhost_user_init(&f->vu, &f->dev, &vu_sys_ops, &f->sys);
	vu_reader_init(&f->reader);
	const char *path = d->opt.docs_device;
	f->listen_fd = pd_listen(path, 1);
	if (f->listen_fd < 0)
		return f->listen_fd;
	int r = pd_watch_add(d, f->listen_fd, &f->listen_w, EPOLLIN);
	if (r == 0)
		log_info("docs device: waiting for the VMM on %s", path);
	return r;
}

static void drop(struct pd_daemon *d, const char *why)
{
	struct pd_fsdev *f = d->fsdev;
	if (why)
		log_warn("docs device: dropping the VMM: %s", why);
	else
		log_info("docs device: the VMM disconnected");
	vhost_user_detach(&f->vu);
	vu_sys_reader_clear(&f->reader);
	close(f->sys.fd); /* also leaves epoll */
	f->sys.fd = -1;
	f->more = 0;
}

void pd_fsdev_accept(struct pd_daemon *d)
{
	struct pd_fsdev *f = d->fsdev;
	int fd = unix_sock_accept(f->listen_fd, &d->spare_fd);
	if (fd < 0) {
		if (fd == -EMFILE || fd == -ENFILE)
			log_warn("docs device: refused a VMM: out of descriptors");
		return;
	}
	if (f->sys.fd >= 0) {
		log_warn("docs device: a VMM is already connected; refusing another");
		close(fd);
		return;
	}
	if (pd_watch_add(d, fd, &f->conn_w, EPOLLIN) < 0) {
		close(fd);
		return;
	}
	f->sys.fd = fd;
	vu_reader_init(&f->reader);
	vhost_user_attach(&f->vu);
	log_info("docs device: VMM connected");
}

void pd_fsdev_on_conn(struct pd_daemon *d)
{
	struct pd_fsdev *f = d->fsdev;
	char why[160];
	if (f->sys.fd < 0)
		return; /* dropped earlier in this turn of the loop */
	int r = vu_sys_serve(&f->vu, &f->reader, FS_VU_BATCH, why, sizeof(why));
	if (r < 0)
		drop(d, r == -ECONNRESET ? NULL : why);
	else if (f->vu.why)
		log_warn("docs device: refused a message: %s", f->vu.why);
}

/* Serves up to FS_CHAIN_BATCH chains of queue q. Returns true when more
 * wait (kicks stay off until the queue is found empty). */
static bool run_queue(struct pd_fsdev *f, unsigned q)
{
	struct vhost_vq *vq = &f->vq[q];
	bool more = true, used = false;
	for (unsigned i = 0; i < FS_CHAIN_BATCH; i++) {
		int r = vhost_vq_pop(vq, &f->mem, &f->chain);
		if (r == 0) {
			more = false;
			break;
		}
		if (r == -EIO) {
			log_warn("docs device: queue %u broken: %s", q, vq->why);
			more = false;
			break;
		}
		used = true;
		if (r < 0) {
			f->bad_chains++;
			vhost_vq_push_later(vq, f->chain.head, 0);
			continue;
		}
		vhost_vq_push_later(vq, f->chain.head, pd_docfs_serve(f->fs, &f->chain));
	}
	if (used) {
		vhost_vq_publish(vq);
		if (vhost_vq_notify_check(vq))
			vu_sys_notify(&f->vu, 1u << q);
	}
	return more;
}

void pd_fsdev_on_kick(struct pd_daemon *d, struct pd_fskick *k)
{
	struct pd_fsdev *f = d->fsdev;
	uint64_t n;
	int fd = f->vu.kick_fd[k->q];
	if (fd >= 0)
		(void)!read(fd, &n, sizeof(n)); /* non-blocking (vu_sys checked it) */
	if (vhost_user_started(&f->vu, k->q) && run_queue(f, k->q))
		f->more |= 1u << k->q;
}

void pd_fsdev_tick(struct pd_daemon *d, uint64_t now, uint64_t *next)
{
	struct pd_fsdev *f = d->fsdev;
	if (!f || !f->more)
		return;
	unsigned more = f->more;
	f->more = 0;
	for (unsigned q = 0; q < VU_QUEUES; q++)
		if ((more & (1u << q)) && vhost_user_started(&f->vu, q) && run_queue(f, q))
			f->more |= 1u << q;
	if (f->more)
		*next = now;
}

void pd_fsdev_revoke(struct pd_daemon *d, uint64_t id)
{
	if (d->fsdev)
		pd_docfs_revoke(d->fsdev->fs, id);
}

void pd_fsdev_close(struct pd_daemon *d)
{
	struct pd_fsdev *f = d->fsdev;
	if (!f)
		return;
	if (f->sys.fd >= 0)
		drop(d, NULL);
	pd_docfs_reset(f->fs);
	if (f->listen_fd >= 0) {
		close(f->listen_fd);
		unlink(d->opt.docs_device);
	}
	free(f->fs);
	free(f);
	d->fsdev = NULL;
}
