/* The agent's command line (docs/agent.md). Pure: no I/O, no allocation. */
#ifndef APPVM_AGENT_ARGS_H
#define APPVM_AGENT_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AGENT_DEFAULT_MAX_CLIENTS 16u
#define AGENT_MAX_CLIENTS_LIMIT	  1024u
/* sun_path holds 108 bytes including the terminating NUL. */
#define AGENT_UNIX_PATH_MAX  107u
#define AGENT_CLIPBOARD_FILE "/run/appvm/clipboard"
/* Room for the ".new" the agent appends while a transfer comes in. */
#define AGENT_FILE_PATH_MAX 4000u

struct agent_opts {
	uint32_t port;		 /* vsock port to listen on */
	uint32_t event_port;	 /* vsock port on the host for events */
	const char *listen_unix; /* listen on this Unix socket instead of vsock */
	const char *event_unix;	 /* send events to this Unix socket instead of vsock */
	const char *init_socket;
	const char *name; /* VM name; NULL: the hostname */
	const char
	    *clipboard_socket;	    /* the guest filter's data-control socket; NULL: no clipboard */
	const char *clipboard_file; /* where the selection the host set is kept */
	unsigned max_clients;
	bool verbose;
	bool help;
	bool version;
};

/* Fills o with the defaults. */
void agent_opts_init(struct agent_opts *o);

/* Parses argv[1..argc) into o (strings are kept by pointer). Returns 0, or
 * -EINVAL with one line in err naming the bad argument. --help and --version
 * set their flags and stop parsing. */
int agent_opts_parse(struct agent_opts *o, int argc, char *const argv[], char *err, size_t errlen);

/* Returns true when events go anywhere: to --event-unix, or over vsock when
 * the agent listens on vsock. */
bool agent_opts_events_enabled(const struct agent_opts *o);

/* The --help text. */
extern const char agent_usage[];

#endif
