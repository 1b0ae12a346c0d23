/* The control socket: the host user lists and revokes the VM's grants
 * (appvmctl TARGET docs ...). One request line per connection, answered,
 * then closed; only the daemon's own user (or root) may ask. */
#include "portald.h"

#include "clock.h"

#include "cleanup.h"
#include "io.h"
#include "log.h"
#include "pd_ctlproto.h"
#include "pd_docio.h"
#include "unix_addr.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

int pd_ctl_open(struct pd_daemon *d)
{
	d->ctl_fd = pd_listen(d->opt.control, 16);
	if (d->ctl_fd < 0)
		return d->ctl_fd;
	d->ctl_w.kind = PD_W_CTL;
	return pd_watch_add(d, d->ctl_fd, &d->ctl_w, EPOLLIN);
}

static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

void pd_ctl_accept(struct pd_daemon *d)
{
	for (int i = 0; i < 8; i++) {
		_cleanup_close_ int fd = unix_sock_accept(d->ctl_fd, &d->spare_fd);
		if (fd < 0) {
			if (fd == -EMFILE || fd == -ENFILE)
				log_warn("refused a control connection: out of descriptors");
			return;
		}
		if (d->n_ctls >= PD_CTL_MAX || !peer_allowed(fd))
			continue;
		struct pd_ctlconn *c = calloc(1, sizeof(*c));
		if (!c)
			return;
		c->w.kind = PD_W_CTLCONN;
		c->deadline = clock_now_ms() + PD_CTL_TIMEOUT_MS;
		if (pd_watch_add(d, fd, &c->w, EPOLLIN) < 0) {
			free(c);
			return;
		}
		c->fd = steal_fd(&fd);
		c->next = d->ctls;
		d->ctls = c;
		d->n_ctls++;
	}
}

static void list(struct pd_daemon *d, FILE *f)
{
	uint64_t now = clock_now_ms();
	pd_ctl_format_ok(f, d->grants.n_top);
	for (unsigned i = 0; i < d->grants.n; i++) {
		const struct pd_grant *g = d->grants.v[i];
		char path[PATH_MAX + 2];
		if (g->parent)
			continue; /* a file opened inside a folder grant */
		/* A folder shows as its path and a slash. */
		snprintf(path, sizeof(path), "%s%s", g->path, g->folder ? "/" : "");
		struct pd_ctl_doc doc = {
		    .id = g->id,
		    .perms = g->perms & (PROTO_PERM_READ | PROTO_PERM_WRITE),
		    .staged = g->staged,
		    .staged_bytes = g->staged ? g->stage.size : 0,
		    .age_s = (now - g->created_ms) / 1000,
		    .path = path,
		    .path_len = strlen(path),
		};
		pd_ctl_format_doc(f, &doc);
	}
}

/* Builds the answer to one request line into c->out. */
static void answer(struct pd_daemon *d, struct pd_ctlconn *c, size_t line_len)
{
	struct pd_ctl_req req;
	FILE *f = open_memstream(&c->out, &c->out_len);
	if (!f) {
		c->dead = true;
		return;
	}
	if (pd_ctl_parse_request(c->in, line_len, &req) < 0) {
		pd_ctl_format_error(f, "usage");
	} else if (req.cmd == PD_CTL_LIST) {
		list(d, f);
	} else if (req.cmd == PD_CTL_REVOKE) {
		if (pd_docs_revoke(d, req.id) < 0)
			pd_ctl_format_error(f, "not-found");
		else
			pd_ctl_format_ok(f, 1);
	} else {
		unsigned n = 0;
		while (d->grants.n > 0 && pd_docs_revoke(d, d->grants.v[0]->id) == 0)
			n++;
		pd_ctl_format_ok(f, n);
	}
	if (fclose(f) != 0)
		c->dead = true;
}

void pd_ctl_on_io(struct pd_daemon *d, struct pd_ctlconn *c, uint32_t events)
{
	if (c->dead)
		return;
	if (!c->out) {
		ssize_t n = io_read_some(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
		if (n == -EAGAIN)
			return;
		if (n <= 0) {
			c->dead = true;
			return;
		}
		c->in_len += (size_t)n;
		char *nl = memchr(c->in, '\n', c->in_len);
		if (!nl && c->in_len == sizeof(c->in)) {
			c->dead = true; /* a line longer than any request */
			return;
		}
		if (!nl)
			return;
		answer(d, c, (size_t)(nl - c->in));
		if (c->dead || pd_watch_mod(d, c->fd, &c->w, EPOLLOUT) < 0) {
			c->dead = true;
			return;
		}
	}
	(void)events;
	while (c->out_sent < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_sent, c->out_len - c->out_sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			c->dead = true;
			return;
		}
		c->out_sent += (size_t)n;
	}
	c->dead = true; /* all said */
}

void pd_ctl_tick(struct pd_daemon *d, uint64_t now, uint64_t *next)
{
	for (struct pd_ctlconn *c = d->ctls; c; c = c->next) {
		if (c->dead)
			continue;
		if (now >= c->deadline)
			c->dead = true;
		else if (c->deadline < *next)
			*next = c->deadline;
	}
}

void pd_ctl_sweep(struct pd_daemon *d)
{
	for (struct pd_ctlconn **pp = &d->ctls; *pp;) {
		struct pd_ctlconn *c = *pp;
		if (!c->dead) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		pd_watch_del(d, c->fd);
		close(c->fd);
		free(c->out);
		free(c);
		d->n_ctls--;
	}
}

void pd_ctl_close_all(struct pd_daemon *d)
{
	for (struct pd_ctlconn *c = d->ctls; c; c = c->next)
		c->dead = true;
	pd_ctl_sweep(d);
	if (d->ctl_fd >= 0) {
		close(d->ctl_fd);
		unlink(d->opt.control);
	}
}
