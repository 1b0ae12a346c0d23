/* appvm-portald's command line (docs/portal.md). Pure: no I/O. */
#ifndef APPVM_PD_ARGS_H
#define APPVM_PD_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pd_budget.h"
#include "pd_grants.h"
#include "pd_policy.h"

/* The most grants --max-grants allows: every one is announced to a guest
 * that connects, in one go (docs/portal.md, Limits). */
#define PD_MAX_GRANTS_LIMIT 1024u

/* sun_path holds 108 bytes including the terminating NUL. */
#define PD_SOCKET_PATH_MAX 107u

enum pd_chooser_kind {
	PD_CHOOSER_PORTAL,  /* the host's xdg-desktop-portal over D-Bus */
	PD_CHOOSER_ZENITY,  /* zenity --file-selection */
	PD_CHOOSER_COMMAND, /* a program of the user's */
};

struct pd_opts {
	const char *name; /* the VM's name, shown in every dialog title */
	char listen[PD_SOCKET_PATH_MAX + 1];
	char control[PD_SOCKET_PATH_MAX + 1];
	char docs_device[PD_SOCKET_PATH_MAX + 1]; /* vhost-user-fs socket ("": none) */
	enum pd_chooser_kind chooser;
	const char *command; /* PD_CHOOSER_COMMAND: an absolute path */
	bool open_writable;
	bool folder_writable;
	struct pd_limits limits;
	struct pd_policy_config policy;
	unsigned max_connections;
	unsigned walk_rate; /* names the guest's folder moves may read a second (and burst) */
	uint32_t frame_timeout_ms; /* HELLO, and a frame once begun, within this */
	bool verbose, help, version;
};

/* Parses argv[1..argc) into o (strings kept by pointer). Returns 0, or
 * -EINVAL with one line in err. --help and --version set their flags. */
int pd_opts_parse(struct pd_opts *o, int argc, char *const argv[], char *err, size_t errlen);

/* Parses a size: digits with an optional K, M, G or T suffix (powers of
 * 1024), at least 1. Returns 0 or -EINVAL. */
int pd_parse_size(const char *s, uint64_t *ret);

/* The --help text. */
extern const char pd_usage[];

#endif
