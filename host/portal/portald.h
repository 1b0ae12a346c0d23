/* appvm-portald's state: one epoll loop owning the guest listener and its
 * connections, the control socket and its clients, the one dialog that may
 * be open and its chooser process, and the VM's grants. Internal to
 * host/portal; the pure parts live in the pd_*.c files. */
#ifndef APPVM_PORTALD_H
#define APPVM_PORTALD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "frame_conn.h"
#include "pd_args.h"
#include "pd_budget.h"
#include "pd_ctlproto.h"
#include "pd_docfs.h"
#include "pd_grants.h"
#include "pd_policy.h"
#include "pd_request.h"
#include "proto_session.h"
#include "proto_stream.h"
#include "vhost_user.h"
#include "vu_sys.h"

#define PD_SOFTWARE "appvm-portald " APPVM_VERSION
#define PD_CAPS	    (PROTO_CAP_FILE_CHOOSER | PROTO_CAP_DOCUMENTS | PROTO_CAP_FOLDERS)
/* A connection whose unsent replies reach this many bytes is not read from
 * until they drain; the largest reply can still be queued on top. */
#define PD_OUT_HIGH  65536u
#define PD_OUT_LIMIT (PD_OUT_HIGH + PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD)
/* Frames handled per wake-up of one connection. */
#define PD_FRAMES_PER_WAKE 32
/* Payload buffers up to this size are kept between frames. */
#define PD_KEEP_PAYLOAD 4096u
/* Requests the host may have in flight on one connection (DOC_GRANT, DOC_REVOKE):
 * an announcement of every grant and a revocation of each. */
#define PD_PENDING_MAX (2 * PD_MAX_GRANTS_LIMIT)
/* Room in a connection's queue for announcing every grant at once. */
#define PD_ANNOUNCE_ROOM(max_grants) ((max_grants) * (PROTO_HEADER_SIZE + 8 + 8 + 4 + 2 + 255))
/* A chooser asked to close gets this long before SIGKILL. */
#define PD_CHOOSER_GRACE_MS 3000u
/* Control clients at once, and how long one may take. */
#define PD_CTL_MAX	  4u
#define PD_CTL_TIMEOUT_MS 5000u

enum pd_watch_kind {
	PD_W_LISTEN,
	PD_W_CONN,
	PD_W_SIGNAL,
	PD_W_CHOOSER,
	PD_W_CTL,
	PD_W_CTLCONN,
	PD_W_FS_LISTEN,
	PD_W_FS_CONN,
	PD_W_FS_KICK,
};

/* The first member of everything registered with epoll. */
struct pd_watch {
	enum pd_watch_kind kind;
};

/* A guest connection: its frame connection (lib/frame_conn.c) and the
 * requests we sent on it. */
struct pd_conn {
	struct pd_watch w;
	struct frame_conn fc;
	uint32_t next_id; /* our requests */
	unsigned n_pending;
	struct {
		uint32_t id;
		uint16_t type;
	} pending[PD_PENDING_MAX];
};

struct pd_chooser {
	struct pd_watch w;
	pid_t pid;  /* 0: none */
	int out_fd; /* -1 once at end of file */
	char *buf;  /* its output */
	size_t len;
	bool overflow; /* wrote more than PD_PICK_OUTPUT_MAX */
	bool reaped;
	int status;	  /* waitpid status, once reaped */
	uint64_t kill_at; /* when asked to close: SIGKILL then (0: not asked) */
};

struct pd_dialog {
	bool active;	      /* a chooser runs or the reply is due */
	bool answered;	      /* the guest got its reply already (cancelled) */
	struct pd_conn *conn; /* NULL once the connection is gone */
	uint32_t request_id;
	uint16_t type;
	uint8_t *payload; /* a copy of the request, which msg points into */
	struct proto_msg *msg;
	struct pd_chooser ch;
};

struct pd_ctlconn {
	struct pd_watch w;
	struct pd_ctlconn *next;
	int fd;
	char in[PD_CTL_REQUEST_MAX];
	size_t in_len;
	char *out; /* the answer, once the request line is in */
	size_t out_len, out_sent;
	uint64_t deadline;
	bool dead;
};

/* A queue's kick eventfd of the document device. */
struct pd_fskick {
	struct pd_watch w;
	unsigned q;
};

/* The document device (fsdev.c): one vhost-user front-end at a time. */
struct pd_fsdev {
	struct pd_watch listen_w, conn_w;
	struct pd_fskick kick[VU_QUEUES];
	int listen_fd;
	struct vu_sys sys; /* .fd: the front-end's connection, -1 when none */
	struct vu_reader reader;
	struct vhost_user vu;
	struct vhost_dev dev;
	struct vhost_mem mem;
	struct vhost_vq vq[VU_QUEUES];
	struct vhost_chain chain;
	unsigned more; /* queues with chains left for the next turn */
	uint64_t bad_chains;
	struct pd_docfs *fs;
};

struct pd_daemon {
	struct pd_opts opt;
	int epfd;
	struct pd_watch listen_w, sig_w, ctl_w;
	int listen_fd, sig_fd, ctl_fd;
	int spare_fd;		/* on /dev/null: refuses a connection when out of descriptors */
	struct frame_set conns; /* of struct pd_conn */
	struct pd_ctlconn *ctls;
	unsigned n_ctls;
	struct pd_grants grants;
	struct pd_policy policy;
	/* Names the folder moves of all guest connections together may read
	 * (pd_budget.h): the VM is one principal, so reconnecting gets it
	 * no new credit. */
	struct pd_budget walk;
	struct pd_dialog dialog;
	struct pd_fsdev *fsdev; /* NULL without --docs-device */
	mode_t umask_bits;
	bool stop;
};

/* loop.c */
int pd_watch_add(struct pd_daemon *d, int fd, struct pd_watch *w, uint32_t mask);
int pd_watch_mod(struct pd_daemon *d, int fd, struct pd_watch *w, uint32_t mask);
void pd_watch_del(struct pd_daemon *d, int fd);
/* Runs until SIGTERM or SIGINT. Returns 0, or -errno when it could not start. */
int pd_run(struct pd_daemon *d);

/* conn.c: guest connections. */
/* Prepares the (empty) set of connections; d->epfd must be open. */
void pd_conn_init(struct pd_daemon *d);
void pd_conn_accept(struct pd_daemon *d);
void pd_conn_on_io(struct pd_daemon *d, struct pd_conn *c, uint32_t events);
/* Queues a message; on failure the connection is closed. Returns 0 or -errno. */
int pd_conn_send(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m);
/* Prepares *r as the (empty) reply of its own type to request m. */
void pd_reply_init(struct proto_msg *r, const struct proto_msg *m);
/* Queues an ERROR reply to request id. */
void pd_conn_error(struct pd_daemon *d, struct pd_conn *c, uint32_t id, uint32_t code,
		   const char *why);
/* Sends a request of ours (DOC_GRANT, DOC_REVOKE), remembering its id. */
void pd_conn_request(struct pd_daemon *d, struct pd_conn *c, struct proto_msg *m);
/* Sends what can be sent and settles epoll interest. */
void pd_conn_settle(struct pd_daemon *d, struct pd_conn *c);

/* docs.c: document requests and grant announcements. */
void pd_docs_handle(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m);
/* Sends DOC_GRANT for every grant to a guest that just said HELLO. */
void pd_docs_announce(struct pd_daemon *d, struct pd_conn *c);
/* Takes a new grant into the table (the caller checked the room). */
int pd_docs_add(struct pd_daemon *d, struct pd_grant *g);
/* Revokes a grant: its stage is dropped, the guest told. Returns 0 or -ENOENT. */
int pd_docs_revoke(struct pd_daemon *d, uint64_t id);
/* Drops the stages a closing connection began. */
void pd_docs_conn_gone(struct pd_daemon *d, struct pd_conn *c);
/* Drops every grant (at exit). */
void pd_docs_free_all(struct pd_daemon *d);

/* entries.c: requests on folder grants. */
void pd_entries_handle(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m);
/* Drops the nodes and file documents a closing connection holds. */
void pd_entries_conn_gone(struct pd_daemon *d, struct pd_conn *c);
/* Drops every node and file document of folder grant g (it is going). */
void pd_entries_drop_folder(struct pd_daemon *d, struct pd_grant *g);

/* dialog.c: the one dialog. */
void pd_dialog_request(struct pd_daemon *d, struct pd_conn *c, const struct proto_header *h,
		       const uint8_t *payload, const struct proto_msg *m);
void pd_dialog_cancel(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m);
/* The connection the dialog belongs to is closing. */
void pd_dialog_conn_gone(struct pd_daemon *d, struct pd_conn *c);
/* The chooser's output or exit moved on. */
void pd_dialog_on_chooser(struct pd_daemon *d);
void pd_dialog_tick(struct pd_daemon *d, uint64_t now, uint64_t *next);
/* At exit: ends the chooser. */
void pd_dialog_stop(struct pd_daemon *d);

/* chooser.c: the chooser process. */
/* Checks at start that a chooser program can be run: prog (a path, or a
 * name searched in PATH as posix_spawnp does) names a regular file
 * (symbolic links followed) this process may execute. Returns 0, -errno
 * from stat or access (-ENOENT: no such file in PATH), or -EISDIR /
 * -EINVAL (not a regular file). */
int pd_chooser_program_check(const char *prog);
/* Starts the configured chooser for r. Returns 0 or -errno. */
int pd_chooser_start(struct pd_daemon *d, struct pd_chooser *ch, const struct pd_chooser_req *r);
/* Reads what the chooser wrote; returns true once it is done (exited and
 * output at end of file). */
bool pd_chooser_pump(struct pd_daemon *d, struct pd_chooser *ch);
/* Reaps the chooser if it exited. */
void pd_chooser_reap(struct pd_chooser *ch);
/* Asks the chooser to close (SIGTERM to its process group). */
void pd_chooser_close(struct pd_chooser *ch, uint64_t now);
/* Frees what the chooser record holds (the process must be reaped). */
void pd_chooser_free(struct pd_daemon *d, struct pd_chooser *ch);

/* dbus.c: the host portal chooser, run in a child process. Writes the
 * chooser lines on out_fd; returns the child's exit status: 0 picked,
 * 1 cancelled, 2 failed. */
int pd_dbus_choose(const struct pd_chooser_req *r, int out_fd);

/* fsdev.c: the document device (--docs-device). */
/* Listens on --docs-device, if given. Returns 0 or -errno. */
int pd_fsdev_open(struct pd_daemon *d);
void pd_fsdev_accept(struct pd_daemon *d);
void pd_fsdev_on_conn(struct pd_daemon *d);
void pd_fsdev_on_kick(struct pd_daemon *d, struct pd_fskick *k);
/* Serves queues left with work by the last turn (then *next is now). */
void pd_fsdev_tick(struct pd_daemon *d, uint64_t now, uint64_t *next);
/* Grant id is going: its open files on the device close. */
void pd_fsdev_revoke(struct pd_daemon *d, uint64_t id);
void pd_fsdev_close(struct pd_daemon *d);

/* ctl.c: the control socket. */
int pd_ctl_open(struct pd_daemon *d);

/* Listens on path (mode 0600), unless a live socket (another daemon's) or a
 * file that is not a socket is there; logs why not. Returns the fd or -errno
 * (-EADDRINUSE for those two). */
int pd_listen(const char *path, int backlog);
void pd_ctl_accept(struct pd_daemon *d);
void pd_ctl_on_io(struct pd_daemon *d, struct pd_ctlconn *c, uint32_t events);
void pd_ctl_tick(struct pd_daemon *d, uint64_t now, uint64_t *next);
void pd_ctl_sweep(struct pd_daemon *d);
void pd_ctl_close_all(struct pd_daemon *d);

#endif
