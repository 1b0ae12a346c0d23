/* The agent daemon's state: one epoll loop owning the listener, the host
 * client connections, the event connection to the host and the requests in
 * flight to appvm-init. Internal to agent/; the pure parts it calls live in
 * args.c, buf.c, handler.c, policy.c and status.c. */
#ifndef APPVM_AGENT_AGENT_H
#define APPVM_AGENT_AGENT_H

#include "args.h"
#include "clip.h"
#include "frame_link.h"
#include "outbuf.h"
#include "initctl.h"
#include "policy.h"
#include "proto_session.h"
#include "proto_stream.h"
#include "watch.h"

#include <stdbool.h>
#include <stdint.h>

/* A client whose unsent replies reach this many bytes is not read from
 * until they drain; the largest reply (STATUS) can still be queued on top. */
#define AGENT_OUT_HIGH	16384u
#define AGENT_OUT_LIMIT (AGENT_OUT_HIGH + PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD)
/* Frames handled per wake-up of one client, so a busy one cannot starve others. */
#define AGENT_FRAMES_PER_WAKE 32
/* Payload buffers up to this size are kept between frames. */
#define AGENT_KEEP_PAYLOAD 4096u
/* A client must finish HELLO this soon after it connects. */
#define AGENT_HELLO_TIMEOUT_MS 10000u
/* Requests to init give up after this long. */
#define AGENT_INIT_TIMEOUT_MS 2000u
/* The agent may start before init's control socket exists (an init that
 * creates it after the agent's start: docs/benchmarks.md, "Measured and not
 * taken"): for this long after its start, a connect that finds no socket yet
 * (ENOENT, ECONNREFUSED) is repeated every AGENT_INIT_RETRY_MS without a log
 * line, the request waiting meanwhile (initq.c, initwatch.c). */
#define AGENT_INIT_WAIT_MS  2000u
#define AGENT_INIT_RETRY_MS 10u
/* On SIGTERM: how long the last word to init and the host may take. */
#define AGENT_FINAL_MS 500u
/* An acknowledged shutdown goes to init at the latest this long after the ack was queued. */
#define AGENT_ACK_FLUSH_MS 1000u
/* The event connection must connect and finish HELLO this soon. */
#define AGENT_EVENT_TIMEOUT_MS 5000u
/* How often init is asked whether the app exited, while events are up and
 * init's watch cannot be had (initwatch.c). */
#define AGENT_EXIT_POLL_MS 1000u
/* The start-up's log lines wait at most this long for READY to leave
 * (events_lines_wait). */
#define AGENT_LINES_WAIT_MS 1000u

enum power_req { POWER_NONE, POWER_OFF, POWER_REBOOT };

/* A host client: its frame connection (lib/frame_conn.c) and what it waits for. */
struct client {
	struct watch w;
	struct frame_conn fc;
	bool wait_status;
	uint32_t status_id;
	bool wait_clip; /* a clipboard request waits for the VM's clipboard (clip.c) */
	enum power_req power;
	uint32_t power_limit_ms; /* the host's deadline_ms, passed on to init */
	uint64_t power_deadline;
};

/* One request to appvm-init's control socket, driven by the loop. */
struct initq {
	struct watch w;
	int fd; /* -1: idle */
	enum initctl_cmd cmd;
	char req[INITCTL_REQUEST_MAX];
	size_t req_len, sent;
	char *buf; /* the reply so far: grows up to INITCTL_REPLY_MAX, freed at the end */
	size_t len, cap;
	uint64_t deadline;
	bool waiting;	   /* for init's socket to appear: no fd yet */
	uint64_t retry_at; /* then: the next connect */
};

/* The watch on init (initwatch.c): init pushes each change of its status. */
struct initwatch {
	struct watch w;
	int fd;	   /* -1: not held */
	bool live; /* its first status arrived */
	char *buf; /* what is not decoded yet: up to INITCTL_REPLY_MAX */
	size_t len, cap;
	uint64_t deadline; /* for the first status */
	unsigned backoff_ms;
	uint64_t retry_at;
	int last_err; /* of the last failure, to log each change once */
};

struct events {
	struct watch w;
	struct frame_link link; /* lib/frame_link.c */
	uint64_t next_poll;
	struct agent_exit_key last_exit;
	bool ready_held;	  /* connected before the agent listened: READY waits for it */
	bool ready_sent;	  /* on any connection */
	uint64_t ready_uptime_ms; /* of the last READY, for its log line */
	uint64_t lines_until;	  /* the start-up's lines wait until then at most */
};

struct agent {
	struct agent_opts opt;
	const char *vm_name;
	int epfd;
	struct watch listen_w;
	int listen_fd;
	struct watch sig_w;
	int sig_fd;
	struct frame_set clients; /* of struct client */
	struct initq status_q;	  /* "status": for STATUS replies and exit polling */
	struct initq power_q;	  /* "poweroff" or "reboot" */
	enum power_req power_pending;
	int status_err;		  /* of the last status request, to log each change once */
	uint64_t init_wait_until; /* AGENT_INIT_WAIT_MS after the start */
	struct events ev;
	struct initwatch iw;
	struct agent_clip clip;
	bool stopping;	  /* SIGTERM or SIGINT came: finishing up */
	uint64_t stop_at; /* then: the latest time to exit */
};

/* Registers fd with epoll for the events in mask. Returns 0 or -errno. */
int agent_watch_add(struct agent *a, int fd, struct watch *w, uint32_t mask);
/* Changes the events of a registered fd. Returns 0 or -errno. */
int agent_watch_mod(struct agent *a, int fd, struct watch *w, uint32_t mask);
/* Removes fd from epoll (before closing it). */
void agent_watch_del(struct agent *a, int fd);

/* server.c: the listener and the host clients. */
/* Prepares the (empty) set of clients; a->epfd must be open. */
void server_init(struct agent *a);
/* Opens the listening socket (vsock, or --listen-unix). Returns 0 or -errno (logged). */
int server_open(struct agent *a);
/* Accepts waiting connections, refusing other CIDs and those over the limit. */
void server_on_listen(struct agent *a);
/* Handles readiness of one client: sends, reads and handles frames. */
void server_on_client(struct agent *a, struct client *c, uint32_t events);
/* Resumes every client that waits for init's status (handle_frame, the
 * STATUS case) with its status record; init is NULL when init could not
 * answer. */
void server_status_done(struct agent *a, const struct initctl_status *init);
/* Applies the HELLO and ack deadlines; lowers *next to the earliest one left. */
void server_tick(struct agent *a, uint64_t now, uint64_t *next);
/* Frees the clients marked dead during this loop turn. */
void server_sweep(struct agent *a);
/* Closes every client and the listener (at exit). */
void server_close_all(struct agent *a);

/* initq.c: the agent's one client of appvm-init, non-blocking. */
/* Prepares the two request slots (status_q, power_q). */
void initq_setup(struct agent *a);
/* Returns true while a request is in flight (or waits for init's socket). */
bool initq_busy(const struct initq *q);
/* Makes sure a status request to init is in flight; its answer goes to
 * server_status_done() (every waiting STATUS) and events_app_status(). */
void agent_status_request(struct agent *a);
/* Asks init to power off or reboot within limit_ms (0: init's grace), unless
 * such a request is in flight. */
void agent_power_request(struct agent *a, enum power_req req, uint32_t limit_ms);
/* Handles readiness of a request's socket; hands on a finished answer. */
void initq_on_io(struct agent *a, struct initq *q);
/* Fails requests past their deadline and connects those waiting for init's
 * socket when their time comes; lowers *next to the earliest left. */
void initq_tick(struct agent *a, uint64_t now, uint64_t *next);
/* Drops the requests in flight (at exit). */
void initq_close(struct agent *a);
/* Makes room in a reply buffer (*buf of *cap bytes, len used) for more of
 * init's bytes: it starts at 1 KiB and doubles up to INITCTL_REPLY_MAX.
 * Returns 0, -EBADMSG when it holds as much as a reply may take, or -ENOMEM. */
int initq_grow(char **buf, size_t len, size_t *cap);
/* Whether a connect to init's socket that failed at now with err is to be
 * repeated without a word: init has not created the socket yet, and the
 * agent's first AGENT_INIT_WAIT_MS are not over. Sets *retry_at to the next
 * attempt then (the last one at the end of the wait). */
bool initq_not_yet(const struct agent *a, int err, uint64_t now, uint64_t *retry_at);

/* initwatch.c: init's pushed status, while the event connection is on. */
/* Prepares the (closed) watch. */
void initwatch_setup(struct agent *a);
/* Opens the watch when it is due; fails a watch whose first status is
 * late; lowers *next to its next deadline. */
void initwatch_tick(struct agent *a, uint64_t now, uint64_t *next);
/* Reads the watch; each status goes to events_app_status(). */
void initwatch_on_io(struct agent *a);
/* Returns true while the watch is open (the first status may be on its way). */
bool initwatch_held(const struct agent *a);
/* Closes the watch (no retry is pending then: the next tick may open it). */
void initwatch_close(struct agent *a);

/* clip.c: the VM's clipboard. */
/* Prepares the clipboard (when --clipboard-socket is given); a selection
 * kept from before a restart is offered again once connected. */
void clip_setup(struct agent *a);
/* Answers a CLIPBOARD_GET of client c, at once or once the selection is
 * read (c->wait_clip meanwhile). Returns 0, or -errno when the reply cannot
 * be queued (close c). */
int clip_get(struct agent *a, struct client *c, uint32_t id, const struct proto_clipboard_get *g);
/* Stores a CLIPBOARD_SET chunk of client c; the last one is applied while c
 * waits. Returns as clip_get. */
int clip_set(struct agent *a, struct client *c, uint32_t id, const struct proto_clipboard_set *m);
/* Handles readiness of a clipboard watch (WATCH_CLIP*). */
void clip_on_io(struct agent *a, struct watch *w, uint32_t events);
/* Deadlines and reconnection; lowers *next to the earliest left. */
void clip_tick(struct agent *a, uint64_t now, uint64_t *next);
/* Forgets what client c had started (it is closing). */
void clip_client_gone(struct agent *a, const struct client *c);
/* Closes everything at exit; the kept selection stays on disk. */
void clip_close(struct agent *a);

/* server.c, for clip.c: queues reply to the client with this serial, which
 * waited (wait_clip), and resumes it. Nothing happens when it is gone. */
void server_clip_resume(struct agent *a, unsigned serial, const struct proto_msg *reply);

/* loop.c */
/* Runs the loop until SIGTERM or SIGINT, then finishes up within
 * AGENT_FINAL_MS. Returns 0, or -errno when the agent could not start. */
int agent_run(struct agent *a);

/* events.c: the event connection to the host. */
/* Sets up the event connection state; the first attempt is made at once. */
void events_init(struct agent *a);
/* The agent listens now: a READY held back for it goes out. */
void events_listening(struct agent *a);
/* Handles readiness of the event connection. */
void events_on_io(struct agent *a, uint32_t events);
/* Retries, timeouts, init's watch (or the exit poll while it cannot be
 * had); lowers *next to the next deadline.
 * Once the agent is stopping, nothing new is started. */
void events_tick(struct agent *a, uint64_t now, uint64_t *next);
/* Sends APP_EXIT when init's status shows an exit not yet announced. */
void events_app_status(struct agent *a, const struct initctl_status *st);
/* Returns true while the start-up's log lines (log_defer) wait: the first
 * attempt at the event connection is under way, READY has not left yet,
 * and AGENT_LINES_WAIT_MS have not passed (*next lowered to then). Under
 * emulation printf's first run is costly: it is left until READY is out. */
bool events_lines_wait(const struct agent *a, uint64_t now, uint64_t *next);
/* Returns true while the event connection is up. */
bool events_up(const struct agent *a);
/* Returns true while events are queued on a connection that is up. */
bool events_pending(const struct agent *a);
/* Closes the event connection (no retry is scheduled). */
void events_close(struct agent *a);

#endif
