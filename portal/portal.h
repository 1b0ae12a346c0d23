/* State shared by appvm-portal's system-call files: the main loop (loop.c),
 * the host link (host.c), the session bus (bus.c, chooser.c, services.c) and
 * the document filesystem (fs*.c). One process, one thread for all of them;
 * only kernel cache invalidations run on a helper thread (notify.c). */
#ifndef APPVM_PORTAL_PORTAL_H
#define APPVM_PORTAL_PORTAL_H

#include "args.h"
#include "clock.h"
#include "frame_link.h"
#include "proto.h"
#include "retry.h"

#include <dbus/dbus.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#define PORTAL_SOFTWARE "appvm-portal " APPVM_VERSION
#define PORTAL_CAPS	(PROTO_CAP_FILE_CHOOSER | PROTO_CAP_DOCUMENTS | PROTO_CAP_FOLDERS)

/* Requests to the host in flight at once, and the bytes they may queue. */
#define HOST_SLOTS     64u
#define HOST_OUT_LIMIT (HOST_SLOTS * (PROTO_HEADER_SIZE + 32788u) + 65536u)
/* How long a document request may wait for its answer (and for a
 * connection to send it on) before the file operation fails with EIO. */
#define HOST_DOC_TIMEOUT_MS 30000u
/* How long any request may wait for a connection to be sent on. */
#define HOST_PARK_TIMEOUT_MS 10000u
/* Connecting and the HELLO exchange must end within this. */
#define HOST_CONNECT_TIMEOUT_MS 5000u
/* Reconnection backoff. The ceiling is what an idle VM pays while no host
 * listens (lib/retry.h); a request made meanwhile does not wait for it: it
 * kicks the link (host.c). */
#define HOST_BACKOFF_MIN_MS 100u
#define HOST_BACKOFF_MAX_MS RETRY_IDLE_MAX_MS
/* Frames handled per wake-up: the loop's other sources get their turn. */
#define HOST_FRAMES_PER_WAKE 64u

struct portal;
struct hreq;

/* Called once per request: with the decoded reply (err 0; an ERROR reply
 * has type PROTO_ERROR), or with err < 0 and reply NULL (-ETIMEDOUT,
 * -ECONNRESET when the connection ended, -ECANCELED when dropped). The
 * reply's strings and blobs live only during the call. */
typedef void (*hreq_done_fn)(struct portal *p, struct hreq *h, int err,
			     const struct proto_msg *reply);

struct hreq {
	bool used;
	bool sent;	   /* on the current connection */
	uint32_t id;	   /* protocol request id */
	uint16_t type;	   /* request type */
	uint64_t deadline; /* of the answer; 0: none */
	uint64_t created;
	hreq_done_fn done;
	void *ctx;
	uint64_t aux;
	uint8_t *frame; /* encoded, while waiting for a connection */
	size_t frame_len;
};

struct host {
	struct frame_link link; /* lib/frame_link.c */
	struct hreq slots[HOST_SLOTS];
	unsigned used;
};

struct fs;
struct chooser;
struct bus;

struct portal {
	struct portal_opts opt;
	struct host host;
	struct bus *bus;
	struct chooser *chooser;
	struct fs *fs;
	bool quit;
	int exit_status;
};

/* loop.c */
/* The signals that stop the portal: blocked in every thread (before the
 * first starts) and read from a signalfd. */
void portal_signals(sigset_t *set);
/* Runs until p->quit. Returns the exit status. */
int portal_loop(struct portal *p);

/* host.c */
void host_init(struct portal *p);
void host_close(struct portal *p);
/* The host connection's fd and poll events, or -1. */
int host_poll_fd(const struct portal *p, short *events);
void host_on_io(struct portal *p, short revents);
/* Connects, times out requests; lowers *next to the next time it needs. */
void host_tick(struct portal *p, uint64_t now, uint64_t *next);
/* Sends request m (its id is set here). timeout_ms 0: wait forever.
 * Returns 0 with *ret (may be NULL) set, -EAGAIN when no slot is free,
 * -ESHUTDOWN after host_close, or the encoder's error. Without a
 * connection the request waits for one until its timeout. */
int host_request(struct portal *p, struct proto_msg *m, uint32_t timeout_ms, hreq_done_fn done,
		 void *ctx, uint64_t aux, struct hreq **ret);
/* Slots free for host_request. */
unsigned host_free_slots(const struct portal *p);
/* Forgets every request whose ctx is ctx: its reply will be dropped. */
void host_forget_ctx(struct portal *p, void *ctx);
/* True while a connection is established. */
bool host_up(const struct portal *p);

/* fs.c: the document filesystem (NULL p->fs when there is none). */
int fs_start(struct portal *p, char *err, size_t errlen);
void fs_stop(struct portal *p);
int fs_poll_fd(const struct portal *p);
void fs_on_io(struct portal *p);
/* Adds or refreshes a document. Returns 0, or -ENOSPC (too many). */
int fs_grant(struct portal *p, const struct proto_doc *d);
/* True if the document is known (granted and not revoked). */
bool fs_has_doc(const struct portal *p, uint64_t id);
/* True once the filesystem knows whether the document's file exists (a
 * grant of size 0 asks the host), or when the document is unknown. */
bool fs_doc_settled(const struct portal *p, uint64_t id);
/* True once the kernel's INIT has been answered. */
bool fs_ready(const struct portal *p);
/* The document ends: its entry vanishes and open handles fail. */
void fs_revoke(struct portal *p, uint64_t id);
/* The host connection ended: stages are gone. */
void fs_disconnected(struct portal *p);
/* A connection is up again: documents the host no longer knows go. */
void fs_connected(struct portal *p);
/* Host slots were freed: operations waiting for them go on. */
void fs_slots_freed(struct portal *p);
/* Lowers *next to the next time the filesystem needs. */
void fs_tick(struct portal *p, uint64_t now, uint64_t *next);

/* bus.c: the session bus connection. */
int bus_start(struct portal *p, char *err, size_t errlen);
void bus_stop(struct portal *p);
/* Adds the bus's fds to fds[] (at most max). Returns how many. */
struct pollfd;
size_t bus_poll_fds(struct portal *p, struct pollfd *fds, size_t max);
void bus_on_io(struct portal *p, const struct pollfd *fds, size_t n);
void bus_tick(struct portal *p, uint64_t now, uint64_t *next);
/* Sends a message (taking no reference). Returns 0 or -ENOMEM. */
int bus_send(struct portal *p, DBusMessage *m);
/* Answers a method call with an error. */
void bus_reply_error(struct portal *p, DBusMessage *call, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* services.c: Settings, NetworkMonitor, ProxyResolver, Trash, properties,
 * introspection. Returns true when it handled the message. */
bool services_handle(struct portal *p, DBusMessage *msg);

/* chooser.c: FileChooser and its Request objects. */
int chooser_init(struct portal *p);
void chooser_free(struct portal *p);
/* Handles FileChooser methods on the portal object. */
bool chooser_handle(struct portal *p, DBusMessage *msg);
/* Handles methods on Request objects. */
DBusHandlerResult chooser_handle_request(struct portal *p, DBusMessage *msg);
/* A bus name went away: its requests are closed. */
void chooser_name_lost(struct portal *p, const char *name);
void chooser_tick(struct portal *p, uint64_t now, uint64_t *next);
/* The host connection ended. */
void chooser_disconnected(struct portal *p);

#endif
