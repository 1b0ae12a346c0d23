/* The listener and the host client connections: accept (host CID only, up
 * to the connection limit) and hand each whole frame to handler.c; the
 * connections themselves (reading, queued replies, limits, deadlines) are
 * lib/frame_conn.c's. A client waits, not read from, while its STATUS or
 * clipboard request is with init or the VM's clipboard. */
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

static void log_listening(void *ctx)
{
	const struct agent *a = ctx;
	if (a->opt.listen_unix)
		log_info("listening on %s (Unix socket: no CID check)", a->opt.listen_unix);
	else
		log_info("listening on vsock port %u", a->opt.port);
}

/* Its line waits as the start-up's do (events_lines_wait). */
int server_open(struct agent *a)
{
	int fd = a->opt.listen_unix ? unix_sock_listen(a->opt.listen_unix, LISTEN_BACKLOG)
				    : open_vsock(a->opt.port);
	if (fd < 0) {
		if (a->opt.listen_unix)
			log_err("cannot listen on %s: %s", a->opt.listen_unix,
				unix_listen_why(a->opt.listen_unix, fd));
		else
			log_err("cannot listen on vsock port %u: %s", a->opt.port, strerror(-fd));
		return fd;
	}
	a->listen_fd = fd;
	a->listen_w.kind = WATCH_LISTEN;
	int r = agent_watch_add(a, fd, &a->listen_w, EPOLLIN);
	if (r < 0) {
		log_err("cannot watch the listening socket: %s", strerror(-r));
		return r;
	}
	log_defer(log_listening, a);
	return 0;
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
	if (a->clients.n >= a->opt.max_clients) {
		log_warn("refused a connection: %u clients already connected (--max-clients)",
			 a->clients.n);
		return 0;
	}
	struct client *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->w.kind = WATCH_CLIENT;
	int r = frame_set_add(&a->clients, &c->fc, fd, c, &c->w);
	if (r < 0) {
		free(c);
		return r;
	}
	steal_fd(&fd);
	agent_session_init(&c->fc.sess, AGENT_CAPS | (a->clip.enabled ? PROTO_CAP_CLIPBOARD : 0));
	if (a->opt.listen_unix)
		log_debug("client %u: connected", c->fc.serial);
	else
		log_debug("client %u: connected from CID %u port %u", c->fc.serial, peer.vm.svm_cid,
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

static bool held(const struct frame_conn *fc)
{
	const struct client *c = fc->owner;
	return c->wait_status || c->wait_clip;
}

static void handle_frame(void *ctx, struct frame_conn *fc)
{
	struct agent *a = ctx;
	struct client *c = fc->owner;
	struct agent_request req;
	int v = agent_handle_frame(&fc->sess, &fc->rd.header, fc->rd.payload, &fc->out, &req);
	if (log_get_level() >= LOG_LEVEL_DEBUG) {
		const char *name = proto_type_name(fc->rd.header.type);
		log_debug("client %u: %s id=%u%s", fc->serial, name ? name : "unknown type", req.id,
			  req.why ? " refused" : "");
	}
	switch (v) {
	case AGENT_DONE:
		if (req.why)
			log_info("client %u: answered an error: %s", fc->serial, req.why);
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
		log_info("client %u: %s requested (deadline %u ms)", fc->serial,
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
			frame_conn_kill(fc, strerror(-v));
		return;
	case AGENT_CLOSE_AFTER:
		log_info("client %u: closing after the reply: %s", fc->serial, req.why);
		fc->close_after = true;
		return;
	case AGENT_CLOSE:
		frame_conn_kill(fc, req.why);
		return;
	default:
		frame_conn_kill(fc, strerror(-v));
		return;
	}
}

/* The acknowledgement of a shutdown is sent: init is asked now. */
static void sent(void *ctx, struct frame_conn *fc)
{
	struct client *c = fc->owner;
	if (c->power != POWER_NONE && fc->out.len == 0) {
		agent_power_request(ctx, c->power, c->power_limit_ms);
		c->power = POWER_NONE;
	}
}

static void gone(void *ctx, struct frame_conn *fc)
{
	struct agent *a = ctx;
	struct client *c = fc->owner;
	/* The host asked for it; the ack not reaching it changes nothing. */
	if (c->power != POWER_NONE)
		agent_power_request(a, c->power, c->power_limit_ms);
	clip_client_gone(a, c);
	free(c);
}

static const struct frame_ops client_ops = {
    .frame = handle_frame, .held = held, .sent = sent, .gone = gone};

void server_init(struct agent *a)
{
	a->clients = (struct frame_set){
	    .label = "client",
	    .lim = {.out_limit = AGENT_OUT_LIMIT,
		    .out_high = AGENT_OUT_HIGH,
		    .keep_payload = AGENT_KEEP_PAYLOAD,
		    .frames_per_wake = AGENT_FRAMES_PER_WAKE,
		    .hello_timeout_ms = AGENT_HELLO_TIMEOUT_MS},
	    .ops = &client_ops,
	    .ctx = a,
	    .epfd = a->epfd,
	};
	frame_set_init(&a->clients);
}

void server_on_client(struct agent *a, struct client *c, uint32_t events)
{
	frame_set_on_io(&a->clients, &c->fc, events);
}

/* The STATUS requests parked in handle_frame resume here, all with the same
 * answer of init. */
void server_status_done(struct agent *a, const struct initctl_status *init)
{
	struct agent_sysinfo si;
	bool gathered = false;
	for (struct frame_conn *fc = a->clients.head; fc; fc = fc->next) {
		struct client *c = fc->owner;
		if (!c->wait_status || fc->dead)
			continue;
		if (!gathered) {
			agent_sysinfo_gather(&si, a->vm_name);
			agent_status_from_initctl(init, &si.st);
			gathered = true;
		}
		c->wait_status = false;
		int r = agent_reply_status(&fc->out, c->status_id, &si.st);
		if (r < 0)
			frame_conn_kill(fc, strerror(-r));
		else
			frame_set_settle(&a->clients, fc);
	}
	if (gathered)
		agent_sysinfo_free(&si);
}

void server_clip_resume(struct agent *a, unsigned serial, const struct proto_msg *reply)
{
	for (struct frame_conn *fc = a->clients.head; fc; fc = fc->next) {
		struct client *c = fc->owner;
		if (fc->serial != serial || fc->dead || !c->wait_clip)
			continue;
		c->wait_clip = false;
		int r = outbuf_put_msg(&fc->out, reply);
		if (r < 0)
			frame_conn_kill(fc, strerror(-r));
		else
			frame_set_settle(&a->clients, fc);
		return;
	}
}

void server_tick(struct agent *a, uint64_t now, uint64_t *next)
{
	frame_set_tick(&a->clients, now, next);
	for (struct frame_conn *fc = a->clients.head; fc; fc = fc->next) {
		struct client *c = fc->owner;
		if (fc->dead || c->power == POWER_NONE)
			continue;
		if (now >= c->power_deadline) {
			log_warn("client %u: acknowledgement not sent in time; asking init anyway",
				 fc->serial);
			agent_power_request(a, c->power, c->power_limit_ms);
			c->power = POWER_NONE;
		} else if (c->power_deadline < *next) {
			*next = c->power_deadline;
		}
	}
}

void server_sweep(struct agent *a)
{
	frame_set_sweep(&a->clients);
}

void server_close_all(struct agent *a)
{
	for (struct frame_conn *fc = a->clients.head; fc; fc = fc->next)
		((struct client *)fc->owner)->power = POWER_NONE;
	frame_set_close_all(&a->clients);
	if (a->listen_fd >= 0) {
		close(a->listen_fd);
		a->listen_fd = -1;
	}
	if (a->opt.listen_unix)
		unlink(a->opt.listen_unix);
}
