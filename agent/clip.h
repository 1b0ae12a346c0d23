/* The VM's clipboard as the host reaches it (CLIPBOARD_GET, CLIPBOARD_SET;
 * docs/clipboard.md): one data-control connection to the guest filter's
 * private socket, driven by the agent's epoll loop. Internal to agent/. */
#ifndef APPVM_AGENT_CLIP_H
#define APPVM_AGENT_CLIP_H

#include "clip_xfer.h"
#include "watch.h"

#include <stdbool.h>
#include <stdint.h>

/* A CLIPBOARD_GET at offset 0 is answered within this: the connection made
 * if need be, and the owner of the selection done writing it. */
#define AGENT_CLIP_READ_MS 5000u
/* A completed CLIPBOARD_SET is applied within this. */
#define AGENT_CLIP_SET_MS 3000u
/* An app reading the selection the host set gets this long to take it all. */
#define AGENT_CLIP_SEND_MS 10000u
/* Apps served at once; more are given end of file. */
#define AGENT_CLIP_WRITERS 16u
/* Reconnecting to the data-control socket, while there is a selection to
 * offer again: from 200 ms, doubling up to this. */
#define AGENT_CLIP_RETRY_MAX_MS 5000u

struct wlclip;

struct clip_writer {
	struct watch w;
	struct clip_writer *next;
	int fd;	 /* the app's end */
	int src; /* the content file, our own descriptor of it */
	uint64_t off, end;
	uint64_t deadline;
};

enum clip_conn { CLIP_DOWN, CLIP_CONNECTING, CLIP_UP };

struct agent_clip {
	bool enabled;
	struct watch w; /* the Wayland connection */
	struct wlclip *wl;
	enum clip_conn conn;
	uint32_t mask;
	uint64_t conn_deadline; /* CONNECTING: ready by then, or down */
	uint64_t retry_at;	/* DOWN: reconnect then (0: only on demand) */
	unsigned backoff_ms;
	char conn_err[200]; /* the last connection failure, for replies and logs */

	/* CLIPBOARD_GET: the client parked while the selection is read, then
	 * the snapshot it takes in chunks. */
	bool get_pending;
	uint32_t get_id;
	uint32_t get_max; /* its max_length */
	char get_want[PROTO_MIME_MAX + 1];
	uint64_t get_deadline;
	struct watch rd_w;
	int rd_fd;
	uint8_t *buf;
	size_t cap;
	struct clip_snap snap; /* snap.len: bytes in buf */

	/* CLIPBOARD_SET: the transfer coming in, written to FILE.new, then
	 * applied while its last client waits. */
	struct clip_set_xfer set;
	int set_fd;
	bool apply_pending;
	bool apply_sent;
	unsigned apply_owner;
	uint32_t apply_id;
	uint32_t apply_token;
	uint64_t apply_deadline;

	/* The selection the host set: "MIME\n" then the bytes, in FILE. */
	int content_fd; /* -1: none */
	uint32_t content_off, content_len;
	char content_mime[PROTO_MIME_MAX + 1];
	bool restore; /* offer it once connected, if no one else has a selection */
	struct clip_writer *writers;
	unsigned n_writers;
};

#endif
