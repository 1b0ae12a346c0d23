/* The agent's event side of wait-ready, played in a thread: one well-behaved
 * (or broken) event sender, and a crowd of hostile connections of the kind any
 * process in a guest can open to the host's event port. */
#ifndef APPVM_TEST_FAKE_EVENTS_H
#define APPVM_TEST_FAKE_EVENTS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

enum fake_event_mode {
	EVENT_GOOD,	      /* HELLO, then READY */
	EVENT_GARBAGE,	      /* garbage instead of HELLO */
	EVENT_BAD_READY,      /* HELLO, then a malformed READY */
	EVENT_DROP_THEN_GOOD, /* a connection closed before HELLO, then a good one */
};

struct fake_events {
	char path[108];
	enum fake_event_mode mode;
	unsigned delay_ms; /* before the first connection attempt */
	const char *vm_name, *software;
	atomic_int *gate; /* connect only once *gate >= gate_min */
	int gate_min;
	pthread_t thread;
	atomic_int stop;
	atomic_int done;
	atomic_ullong connected_ms; /* clock_now_ms() when the (last) connection was made */
};

/* Starts a thread that connects to path (retrying every 20 ms) and plays the
 * agent's event side. Returns 0 or -errno. */
int fake_events_start(struct fake_events *e, const char *path, enum fake_event_mode mode,
		      unsigned delay_ms);

/* The same, with the VM name and software string to announce (NULL: defaults). */
int fake_events_start_named(struct fake_events *e, const char *path, enum fake_event_mode mode,
			    unsigned delay_ms, const char *vm_name, const char *software);

/* Starts a good event sender that connects once *gate >= gate_min (another
 * fake's done flag, a crowd's connection count). */
int fake_events_start_gated(struct fake_events *e, const char *path, atomic_int *gate,
			    int gate_min);

/* Stops and joins the thread. */
void fake_events_stop(struct fake_events *e);

enum crowd_mode {
	CROWD_SILENT,	  /* connects and never sends a byte */
	CROWD_HELLO_ONLY, /* HELLO, then silence: no READY */
	CROWD_DRIP,	  /* HELLO one byte per second */
	CROWD_GARBAGE,	  /* bytes that are no frame header */
	CROWD_OVERSIZED,  /* a HELLO header announcing 4 GiB */
	CROWD_FLOOD,	  /* HELLO, then APP_EXIT events without end */
	CROWD_REPLY,	  /* HELLO, then a PING reply the host never asked for */
};

struct fake_crowd {
	char path[108];
	enum crowd_mode mode;
	unsigned n;
	pthread_t thread;
	atomic_int stop;
	atomic_int connected;	 /* connections made */
	atomic_int closed;	 /* connections the host closed */
	atomic_uint max_life_ms; /* longest one lived before the host closed it */
};

/* Starts a thread that opens n connections to path, each playing mode, and
 * watches for the host closing them. Returns 0 or -errno. */
int fake_crowd_start(struct fake_crowd *c, const char *path, enum crowd_mode mode, unsigned n);

/* Stops the thread and closes what is left open. */
void fake_crowd_stop(struct fake_crowd *c);

#endif
