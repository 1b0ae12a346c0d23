/* The listener and the host client connections: accept (host CID only, up
 * to the connection limit), read whole frames, hand them to handler.c, write
 * the replies back without ever blocking. */
#include "unix_addr.h"
#include "agent.h"
#include "clock.h"

#include "cleanup.h"
#include "handler.h"
#include "log.h"
#include "proto_io.h"
#include "sysinfo.h"

#include <errno.h>
#include <linux/vm_sockets.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define LISTEN_BACKLOG 64
/* Payload buffers up to this size are kept between frames. */
#define KEEP_PAYLOAD 4096

static int open_vsock(uint32_t port)
{
	struct sockaddr_vm sa = {
	    .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = port};
	_cleanup_close_ int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, LISTEN_BACKLOG) < 0)
		return -errno;
	return steal_fd(&fd);
}

int server_open(struct agent *a)
{
	int fd = a->opt.listen_unix ? unix_sock_listen(a->opt.listen_unix, LISTEN_BACKLOG)
				    : open_vsock(a->opt.port);
	if (fd < 0) {
		if (a->opt.listen_unix)
			log_err("cannot listen on %s: %s", a->opt.listen_unix, strerror(-fd));
		else
			log_err("cannot listen on vsock port %u: %s", a->opt.port, strerror(-fd));
		return fd;
	}
	a->listen_fd = fd;
	a->listen_w.kind = WATCH_LISTEN;
	int r = agent_watch_add(a, fd, &a->listen_w, EPOLLIN);
	if (r < 0)
		return r;
	if (a->opt.listen_unix)
		log_info("listening on %s (Unix socket: no CID check)", a->opt.listen_unix);
	else
		log_info("listening on vsock port %u", a->opt.port);
	return 0;
}

static void client_kill(struct client *c, const char *why)
{
	if (c->dead)
		return;
	if (why)
		log_info("client %u: closed: %s", c->serial, why);
	c->dead = true;
}

/* Accepts one connection. Returns 0, -EAGAIN when none is waiting, or -errno. */
static int accept_one(struct agent *a)
{
	union {
		struct sockaddr sa;
		struct sockaddr_vm vm;
		struct sockaddr_un un;
	} peer;
	socklen_t len = sizeof(peer);
	memset(&peer, 0, sizeof(peer));
	_cleanup_close_ int fd =
	    accept4(a->listen_fd, &peer.sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (!a->opt.listen_unix &&
	    (peer.sa.sa_family != AF_VSOCK || !agent_cid_allowed(peer.vm.svm_cid))) {
		log_warn(
		    "refused a connection from CID %u port %u: only the host (CID 2) may connect",
		    peer.vm.svm_cid, peer.vm.svm_port);
		return 0;
	}
	if (a->n_clients >= a->opt.max_clients) {
		log_warn("refused a connection: %u clients already connected (--max-clients)",
			 a->n_clients);
		return 0;
	}
	struct client *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->w.kind = WATCH_CLIENT;
	c->serial = ++a->next_serial;
	proto_reader_init(&c->rd);
	agent_session_init(&c->sess, AGENT_CAPS | (a->clip.enabled ? PROTO_CAP_CLIPBOARD : 0));
	outbuf_init(&c->out, AGENT_OUT_LIMIT);
	c->hello_deadline = clock_now_ms() + AGENT_HELLO_TIMEOUT_MS;
	int r = agent_watch_add(a, fd, &c->w, EPOLLIN);
	if (r < 0) {
		free(c);
		return r;
	}
	c->fd = steal_fd(&fd);
	c->mask = EPOLLIN;
	c->next = a->clients;
	if (a->clients)
		a->clients->prev = c;
	a->clients = c;
	a->n_clients++;
	if (a->opt.listen_unix)
		log_debug("client %u: connected", c->serial);
	else
		log_debug("client %u: connected from CID %u port %u", c->serial, peer.vm.svm_cid,
			  peer.vm.svm_port);
	return 0;
}

void server_on_listen(struct agent *a)
{
	/* Bounded, so a flood of connections cannot starve the clients. */
	for (int i = 0; i < 64; i++) {
		int r = accept_one(a);
		if (r == -EAGAIN)
			return;
		if (r < 0) {
			log_warn("accept: %s", strerror(-r));
			return;
		}
	}
}

static bool can_read(const struct client *c)
{
	return !c->dead && !c->eof && !c->close_after && !c->wait_status && !c->wait_clip &&
	       c->out.len < AGENT_OUT_HIGH;
}

static void flush(struct client *c)
{
	int r = c->dead ? 0 : outbuf_send(&c->out, c->fd);
	if (r < 0 && r != -EAGAIN)
		client_kill(c, strerror(-r));
}

static void handle_frame(struct agent *a, struct client *c)
{
	struct agent_request req;
	int v = agent_handle_frame(&c->sess, &c->rd.header, c->rd.payload, &c->out, &req);
	if (log_get_level() >= LOG_LEVEL_DEBUG) {
		const char *name = proto_type_name(c->rd.header.type);
		log_debug("client %u: %s id=%u%s", c->serial, name ? name : "unknown type", req.id,
			  req.why ? " refused" : "");
	}
	switch (v) {
	case AGENT_DONE:
		if (req.why)
			log_info("client %u: answered an error: %s", c->serial, req.why);
		return;
	case AGENT_STATUS:
		/* The record needs init's status: this client waits (nothing more
		 * is read from it) until initq.c has init's answer and calls
		 * server_status_done() below. */
		c->wait_status = true;
		c->status_id = req.id;
		agent_status_request(a);
		return;
	case AGENT_POWEROFF:
	case AGENT_REBOOT:
		log_info("client %u: %s requested (deadline %u ms)", c->serial,
			 v == AGENT_POWEROFF ? "shutdown" : "reboot", req.deadline_ms);
		c->power = v == AGENT_POWEROFF ? POWER_OFF : POWER_REBOOT;
		/* Longer deadlines than init takes are clamped: init's grace is
		 * at most 600 s anyway. */
		c->power_limit_ms =
		    req.deadline_ms > INITCTL_DEADLINE_MAX ? INITCTL_DEADLINE_MAX : req.deadline_ms;
		c->power_deadline = clock_now_ms() + AGENT_ACK_FLUSH_MS;
		return;
	case AGENT_CLIP_GET:
	case AGENT_CLIP_SET:
		/* Answered at once, or c waits (wait_clip) until clip.c calls
		 * server_clip_resume(). */
		v = v == AGENT_CLIP_GET ? clip_get(a, c, req.id, &req.clip.get)
					: clip_set(a, c, req.id, &req.clip.set);
		if (v < 0)
			client_kill(c, strerror(-v));
		return;
	case AGENT_CLOSE_AFTER:
		log_info("client %u: closing after the reply: %s", c->serial, req.why);
		c->close_after = true;
		return;
	case AGENT_CLOSE:
		client_kill(c, req.why);
		return;
	default:
		client_kill(c, strerror(-v));
		return;
	}
}

static void read_frames(struct agent *a, struct client *c)
{
	int frames = 0;
	while (can_read(c) && frames < AGENT_FRAMES_PER_WAKE) {
		int r = proto_read_frame(c->fd, &c->rd);
		if (r == 0)
			return;
		if (r == -ENODATA) {
			c->eof = true;
			return;
		}
		if (r < 0) {
			client_kill(c, proto_io_strerror(r));
			return;
		}
		frames++;
		handle_frame(a, c);
		/* A big payload buffer is not kept for the small frames that
		 * usually follow; the reader starts afresh. */
		if (c->rd.payload_size > KEEP_PAYLOAD)
			proto_reader_free(&c->rd);
	}
}

/* Sends what can be sent, then settles the client's epoll interest and end
 * of life. Never reads, so it is safe to call while a frame is handled. */
static void settle(struct agent *a, struct client *c)
{
	flush(c);
	if (c->dead)
		return;
	if (c->power != POWER_NONE && c->out.len == 0) {
		agent_power_request(a, c->power, c->power_limit_ms);
		c->power = POWER_NONE;
	}
	if (c->out.len == 0 && !c->wait_status && !c->wait_clip && (c->eof || c->close_after)) {
		client_kill(c, c->eof ? NULL : "done");
		return;
	}
	uint32_t mask = (can_read(c) ? EPOLLIN : 0) | (c->out.len > 0 ? EPOLLOUT : 0);
	if (mask != c->mask) {
		if (agent_watch_mod(a, c->fd, &c->w, mask) < 0)
			client_kill(c, "epoll failed");
		c->mask = mask;
	}
}

static void pump(struct agent *a, struct client *c)
{
	flush(c);
	read_frames(a, c);
	settle(a, c);
}

void server_on_client(struct agent *a, struct client *c, uint32_t events)
{
	if (c->dead)
		return;
	if (events & EPOLLERR) {
		client_kill(c, "socket error");
		return;
	}
	/* EPOLLHUP with data still to read is handled by reading to EOF. */
	pump(a, c);
	if (!c->dead && (events & EPOLLHUP) && !(events & EPOLLIN))
		client_kill(c, NULL);
}

/* The STATUS requests parked in handle_frame resume here, all with the same
 * answer of init. */
void server_status_done(struct agent *a, const struct initctl_status *init)
{
	struct agent_sysinfo si;
	bool gathered = false;
	for (struct client *c = a->clients; c; c = c->next) {
		if (!c->wait_status || c->dead)
			continue;
		if (!gathered) {
			agent_sysinfo_gather(&si, a->vm_name);
			agent_status_from_initctl(init, &si.st);
			gathered = true;
		}
		c->wait_status = false;
		int r = agent_reply_status(&c->out, c->status_id, &si.st);
		if (r < 0)
			client_kill(c, strerror(-r));
		else
			settle(a, c);
	}
	if (gathered)
		agent_sysinfo_free(&si);
}

void server_clip_resume(struct agent *a, unsigned serial, const struct proto_msg *reply)
{
	for (struct client *c = a->clients; c; c = c->next) {
		if (c->serial != serial || c->dead || !c->wait_clip)
			continue;
		c->wait_clip = false;
		int r = outbuf_put_msg(&c->out, reply);
		if (r < 0)
			client_kill(c, strerror(-r));
		else
			settle(a, c);
		return;
	}
}

void server_tick(struct agent *a, uint64_t now, uint64_t *next)
{
	for (struct client *c = a->clients; c; c = c->next) {
		if (c->dead)
			continue;
		if (!c->sess.established) {
			if (now >= c->hello_deadline) {
				client_kill(c, "no HELLO in time");
				continue;
			}
			if (c->hello_deadline < *next)
				*next = c->hello_deadline;
		}
		if (c->power != POWER_NONE) {
			if (now >= c->power_deadline) {
				log_warn("client %u: acknowledgement not sent in time; asking init "
					 "anyway",
					 c->serial);
				agent_power_request(a, c->power, c->power_limit_ms);
				c->power = POWER_NONE;
			} else if (c->power_deadline < *next) {
				*next = c->power_deadline;
			}
		}
	}
}

static void client_free(struct agent *a, struct client *c)
{
	/* The host asked for it; the ack not reaching it changes nothing. */
	if (c->power != POWER_NONE)
		agent_power_request(a, c->power, c->power_limit_ms);
	clip_client_gone(a, c);
	agent_watch_del(a, c->fd);
	close(c->fd);
	proto_reader_free(&c->rd);
	outbuf_free(&c->out);
	if (c->prev)
		c->prev->next = c->next;
	else
		a->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	a->n_clients--;
	free(c);
}

void server_sweep(struct agent *a)
{
	struct client *c = a->clients;
	while (c) {
		struct client *next = c->next;
		if (c->dead)
			client_free(a, c);
		c = next;
	}
}

void server_close_all(struct agent *a)
{
	for (struct client *c = a->clients; c; c = c->next) {
		c->power = POWER_NONE;
		c->dead = true;
	}
	server_sweep(a);
	if (a->listen_fd >= 0) {
		close(a->listen_fd);
		a->listen_fd = -1;
	}
	if (a->opt.listen_unix)
		unlink(a->opt.listen_unix);
}
