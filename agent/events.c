/* The event connection: the agent connects to the host (CID 2, the event
 * port; or a Unix socket in tests) as the HELLO opener, sends READY once the
 * exchange is done, then APP_EXIT whenever init reports a new app exit: init
 * pushes its status on a watch (initwatch.c), or, while that cannot be had
 * and the connection is up, is asked every AGENT_EXIT_POLL_MS. When
 * the connection fails or the host closes it, it is retried with backoff,
 * forever, without blocking the loop; the watch is kept meanwhile, and an
 * exit it reports kicks the connection (frame_link_kick): it is tried at
 * once and the backoff starts over, so a host that listens again soon
 * after hears of it soon; one back much later, at the next retry (at most
 * AGENT_BACKOFF_MAX_MS): the agent does not keep the guest awake for a
 * host that is gone. */
#include "agent.h"
#include "clock.h"

#include "handler.h"
#include "log.h"
#include "sysinfo.h"

#include <string.h>

/* READY and APP_EXIT are tiny; a host that lets this fill is not reading. */
#define EVENT_OUT_LIMIT 4096u

/* The event connection's output queue, in place of the heap: HELLO and READY
 * would otherwise be the agent's first malloc, and musl's first malloc sets
 * up its heap (brk, a guard mapping over part of it, the first group), 2-3
 * ms of CPU under TCG on the way to READY (docs/benchmarks.md, "Taken: no
 * malloc before READY"). */
static uint8_t event_out[EVENT_OUT_LIMIT];

void events_close(struct agent *a)
{
	frame_link_close(&a->ev.link);
}

static void fail(struct agent *a, const char *why)
{
	frame_link_fail(&a->ev.link, why);
}

/* Each connection numbers its frames from 1 (docs/agent.md). */
static void down(void *ctx, bool was_up)
{
	struct agent *a = ctx;
	(void)was_up;
	a->ev.link.next_id = 1;
	a->ev.ready_held = false;
}

static int queue(struct agent *a, struct proto_msg *m)
{
	struct frame_link *l = &a->ev.link;
	m->id = frame_link_take_id(l);
	return outbuf_put_msg(&l->c.out, m);
}

static void log_ready(void *ctx)
{
	const struct agent *a = ctx;
	log_info("events: READY sent (uptime %llu ms)", (unsigned long long)a->ev.ready_uptime_ms);
}

static void send_ready(struct agent *a)
{
	struct proto_msg m;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_READY;
	m.u.ready.uptime_ms = agent_uptime_ms();
	m.u.ready.vm_name = proto_str_from(a->vm_name);
	if (queue(a, &m) < 0) {
		fail(a, "cannot queue READY");
		return;
	}
	/* Its line after READY left (frame_link_flush, then the loop). */
	a->ev.ready_sent = true;
	a->ev.ready_uptime_ms = m.u.ready.uptime_ms;
	log_defer(log_ready, a);
}

/* READY goes out right behind HELLO: it needs nothing from the host's
 * reply, and the host reads it once it has answered (docs/agent.md). But
 * never before the agent listens: the host may connect as soon as it has
 * READY. */
static void hello_sent(void *ctx)
{
	struct agent *a = ctx;
	a->ev.ready_held = a->listen_fd < 0;
	if (!a->ev.ready_held)
		send_ready(a);
}

void events_listening(struct agent *a)
{
	struct events *ev = &a->ev;
	if (!ev->ready_held)
		return; /* sent already, or the connection is gone (down) */
	ev->ready_held = false;
	send_ready(a);
	if (ev->link.state != FRAME_LINK_WAIT)
		frame_link_flush(&ev->link);
}

/* The HELLO exchange is done: app exits are announced from now on. */
static void up(void *ctx)
{
	struct agent *a = ctx;
	struct events *ev = &a->ev;
	memset(&ev->last_exit, 0, sizeof(ev->last_exit));
	ev->next_poll = clock_now_ms(); /* an app that exited already is announced now */
	/* A watch kept while the connection was down reported its first
	 * status then: a fresh one reports the exit to announce now. */
	initwatch_close(a);
}

/* The host sends nothing after its HELLO reply (docs/agent.md). */
static void on_frame(void *ctx, struct frame_conn *c)
{
	(void)c;
	fail(ctx, "unexpected frame from the host");
}

static const struct frame_link_ops link_ops = {
    .hello_sent = hello_sent, .up = up, .frame = on_frame, .down = down};

static const struct frame_link_conf link_conf = {
    .label = "events",
    .caps = AGENT_CAPS,
    .software = AGENT_SOFTWARE,
    .lim = {.out_limit = EVENT_OUT_LIMIT, .frames_per_wake = 8},
    .timeout_ms = AGENT_EVENT_TIMEOUT_MS,
    .backoff_first_ms = AGENT_BACKOFF_START_MS,
    .backoff_max_ms = AGENT_BACKOFF_MAX_MS,
    .ops = &link_ops,
};

void events_init(struct agent *a)
{
	struct events *ev = &a->ev;
	memset(ev, 0, sizeof(*ev));
	ev->w.kind = WATCH_EVENTS;
	ev->lines_until = clock_now_ms() + AGENT_LINES_WAIT_MS;
	frame_link_init(&ev->link, &link_conf, a, a->opt.event_unix, a->opt.event_port);
	ev->link.epfd = a->epfd;
	ev->link.watch = &ev->w;
	/* event_out is EVENT_OUT_LIMIT bytes, the link's out_limit: it fits. */
	(void)frame_link_set_out_buf(&ev->link, event_out, sizeof(event_out));
	if (agent_opts_events_enabled(&a->opt)) {
		/* The first connect goes out now: its round trip overlaps the
		 * rest of the start-up (events_listening). */
		uint64_t next = UINT64_MAX;
		frame_link_start(&ev->link);
		frame_link_tick(&ev->link, clock_now_ms(), &next);
	}
}

void events_on_io(struct agent *a, uint32_t events)
{
	frame_link_on_io(&a->ev.link, events);
}

void events_tick(struct agent *a, uint64_t now, uint64_t *next)
{
	struct events *ev = &a->ev;
	if (a->stopping || ev->link.state == FRAME_LINK_OFF)
		return; /* no new connection, no more polls: the loop ends soon */
	frame_link_tick(&ev->link, now, next);
	/* Kept while the connection retries too: an exit it reports kicks
	 * the connection (events_app_status). Idle, it costs no wake-up. Not
	 * during the first attempt: start-up goes as when the host listens. */
	if (ev->link.state == FRAME_LINK_UP || ev->link.failures > 0)
		initwatch_tick(a, now, next);
	if (ev->link.state != FRAME_LINK_UP)
		return; /* no polling: nobody to tell */
	if (initwatch_held(a))
		return; /* init pushes; its first status announces an earlier exit */
	if (now >= ev->next_poll) {
		agent_status_request(a);
		ev->next_poll = now + AGENT_EXIT_POLL_MS;
	}
	if (ev->next_poll < *next)
		*next = ev->next_poll;
}

void events_app_status(struct agent *a, const struct initctl_status *st)
{
	struct events *ev = &a->ev;
	struct agent_exit_key key;
	if (ev->link.state == FRAME_LINK_OFF)
		return;
	agent_exit_key_from_initctl(st, &key);
	if (!agent_exit_is_new(&ev->last_exit, &key))
		return;
	if (ev->link.state != FRAME_LINK_UP) {
		/* Announced once the connection is up (up()); try it now. */
		frame_link_kick(&ev->link);
		return;
	}
	struct proto_msg m;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_APP_EXIT;
	m.u.app_exit.how = key.how;
	m.u.app_exit.value = key.value;
	if (queue(a, &m) < 0) {
		fail(a, "cannot queue APP_EXIT");
		return;
	}
	ev->last_exit = key;
	log_info("events: APP_EXIT sent (%s %d)",
		 key.how == PROTO_EXIT_SIGNAL ? "signal" : "status", (int)key.value);
	frame_link_flush(&ev->link);
}

bool events_lines_wait(const struct agent *a, uint64_t now, uint64_t *next)
{
	const struct events *ev = &a->ev;
	const struct frame_link *l = &ev->link;
	if (ev->ready_sent || l->failures > 0 || now >= ev->lines_until ||
	    (l->state != FRAME_LINK_CONNECTING && l->state != FRAME_LINK_HELLO))
		return false;
	if (ev->lines_until < *next)
		*next = ev->lines_until;
	return true;
}

bool events_up(const struct agent *a)
{
	return a->ev.link.state == FRAME_LINK_UP;
}

bool events_pending(const struct agent *a)
{
	return events_up(a) && a->ev.link.c.out.len > 0;
}
