/* A scriptable fake guest for the control tests: an "agent" on a Unix
 * socket (optionally behind a fake hybrid CONNECT front) that can misbehave
 * in every way a hostile guest might. It runs in its own thread. The agent's
 * event side (wait-ready) is in fake_events.h. */
#ifndef APPVM_TEST_FAKE_GUEST_H
#define APPVM_TEST_FAKE_GUEST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

enum fake_mode {
	FAKE_GOOD,		/* answers every request properly */
	FAKE_GARBAGE,		/* answers HELLO with bytes that are no frame */
	FAKE_GARBAGE_LATER,	/* proper HELLO, then garbage for the request */
	FAKE_OVERSIZED,		/* reply header announcing a frame over the cap */
	FAKE_TRUNCATED,		/* half a STATUS reply, then close */
	FAKE_WRONG_ID,		/* reply with an id we never sent */
	FAKE_WRONG_TYPE,	/* STATUS reply to a PING */
	FAKE_WRONG_NONCE,	/* PING reply with another nonce */
	FAKE_ERROR_REPLY,	/* ERROR BUSY with a hostile message */
	FAKE_ERROR_ESCAPE,	/* ERROR whose message holds ESC (the codec refuses it) */
	FAKE_HELLO_MISMATCH,	/* ERROR VERSION_MISMATCH to HELLO */
	FAKE_HELLO_BAD_VERSION, /* HELLO reply choosing version 9 */
	FAKE_REQUEST_FIRST,	/* a PING request instead of the HELLO reply */
	FAKE_SILENT,		/* never answers HELLO */
	FAKE_SILENT_LATER,	/* answers HELLO, never the request */
	FAKE_CLOSE_LATER,	/* answers HELLO, closes on the request */
	FAKE_SLOW_DRIP,		/* every reply one byte per 100 ms */
	FAKE_FAST_DRIP,		/* every reply one byte per 5 ms */
	FAKE_EVENTS_FIRST,	/* two events and a guest request before each reply */
	FAKE_EVENT_FLOOD,	/* endless events instead of the reply */
	FAKE_HOSTILE_STATUS,	/* status with escape sequences in a mount point */
	FAKE_ACK_NO_CLOSE,	/* acks SHUTDOWN but keeps the connection open */
	FAKE_ACK_STREAM,	/* acks SHUTDOWN, then streams bytes without end */
	FAKE_RAW,		/* sends the bytes of fake_opts.raw (see there) */
	FAKE_REQUEST_FLOOD,	/* endless guest requests instead of the reply */
	/* The clipboard (content in fake_opts.clip): CLIPBOARD_GET replies
	 * after the first one bent, or a guest request before each. */
	FAKE_CLIP_TOTAL_GROWS, /* the total says one byte more */
	FAKE_CLIP_NO_PROGRESS, /* no bytes at all */
	FAKE_CLIP_PAST_END,    /* a full chunk, past the end of the content */
	FAKE_CLIP_STALL,       /* never comes: the transfer does not end */
	FAKE_CLIP_UNASKED,     /* a CLIPBOARD_SET request of its own before each reply */
	FAKE_CLIP_ONE_BYTE,    /* one byte per reply: a transfer of many round trips */
	FAKE_CLIP_GONE,	       /* NOT_FOUND: the type vanished in the middle */
};

enum fake_front {
	FRONT_NONE,	/* plain Unix socket */
	FRONT_OK,	/* "CONNECT 1024\n" answered "OK 1073741824\n" */
	FRONT_CLOSE,	/* closed after CONNECT (no agent listening) */
	FRONT_GARBAGE,	/* "ERR no listener\n" */
	FRONT_OVERLONG, /* "OK " and 40 digits, no newline */
	FRONT_SILENT,	/* never answers */
};

/* What FAKE_RAW does once its bytes are out. */
enum fake_after {
	AFTER_SILENT, /* keeps the connection open and says nothing more */
	AFTER_CLOSE,  /* closes the connection */
	AFTER_REPLY,  /* goes on as FAKE_GOOD: sends the proper answer */
};

struct fake_opts {
	enum fake_mode mode;
	enum fake_front front;
	/* 0: every connection plays mode; n: only the first n, the rest are
	 * served as FAKE_GOOD (the next well-behaved request). */
	unsigned hostile_conns;
	/* FAKE_RAW: bytes sent instead of the HELLO reply (at_hello) or before
	 * the answer to the first request, one every drip_ms (0: at once). */
	const uint8_t *raw;
	size_t raw_len;
	int at_hello;
	unsigned drip_ms;
	enum fake_after after;
	/* CLIPBOARD_GET of clip_mime (NULL: text/plain;charset=utf-8) serves
	 * these bytes; other types are NOT_FOUND. caps: the HELLO reply's
	 * capabilities (0: CONTROL|CLIPBOARD). */
	const uint8_t *clip;
	uint32_t clip_len;
	const char *clip_mime;
	uint32_t caps;
	/* Strings put in the answers instead of the defaults (NULL: default). */
	const char *software, *vm_name, *agent_version, *store_name, *mount_point, *ifname,
	    *error_msg;
};

struct fake_guest {
	char path[108];
	int listen_fd;
	struct fake_opts o;
	pthread_t thread;
	atomic_int stop;
	atomic_int connections;
	atomic_int requests;	    /* requests answered after HELLO */
	atomic_int got_unsupported; /* our guest request was answered UNSUPPORTED */
	atomic_uint last_deadline_ms;
	atomic_int last_type;
	atomic_int clip_gets;	     /* CLIPBOARD_GET requests seen */
	atomic_uint clip_set_bytes;  /* CLIPBOARD_SET data received */
	atomic_int clip_unsupported; /* our CLIPBOARD_SET was answered UNSUPPORTED */
	atomic_int junk;	     /* bytes that are no frame came from the host */
};

/* Starts a fake agent listening on path. Returns 0 or -errno. */
int fake_guest_start(struct fake_guest *g, const char *path, enum fake_mode mode,
		     enum fake_front front);

/* The same with every option (o is copied; its pointers must outlive g). */
int fake_guest_run(struct fake_guest *g, const char *path, const struct fake_opts *o);

/* Stops the thread and removes the socket. */
void fake_guest_stop(struct fake_guest *g);

#endif
