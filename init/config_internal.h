/* Shared between config.c (the key table, cfg_set) and config_value.c
 * (value validation) and config_check.c. Not a public interface. */
#ifndef APPVM_INIT_CONFIG_INTERNAL_H
#define APPVM_INIT_CONFIG_INTERNAL_H

#include "config.h"

#include <stdbool.h>
#include <stddef.h>

enum sec { SEC_VM, SEC_STORE, SEC_STATE, SEC_NET, SEC_WAYLAND, SEC_AGENT, SEC_APP, SEC_PORTAL };

enum kind {
	K_NAME, /* letters, digits, '-', '_', '.' */
	K_PATH, /* absolute normalised path */
	K_BOOL,
	K_UINT,
	K_PORT, /* vsock port (lib/vsock_addr.h) */
	K_DUR,	/* duration in ms */
	K_ACTION,
	K_FSTYPE,
	K_SOURCE, /* tag:X, label:X, serial:X or /dev/... */
	K_OPTS,	  /* mount options */
	K_ARGV,	  /* command line, split without a shell */
	K_ARGS,	  /* like K_ARGV but may be empty */
	K_USER,	  /* user or group name, or a number */
	K_GROUPS, /* list of K_USER separated by ',' or spaces */
	K_ENV,	  /* NAME=VALUE, repeatable */
	K_TARGET, /* vsock:CID:PORT or unix:PATH (wayland/relay/relay_opts.h) */
};

struct key {
	enum sec sec;
	const char *name;
	enum kind kind;
	size_t off, size;
	unsigned long min, max;
};

/* Formats one line into err. Returns -EINVAL. */
int cfg_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Returns true for 1..max bytes of letters, digits, '-', '_' or '.'. */
bool cfg_is_name(const char *s, size_t max);

/* Validates value for key k and stores it in base (struct cfg, or struct
 * cfg_store for store keys). where names the key in messages. Returns 0,
 * -EINVAL or -ENOSPC with err filled. */
int cfg_set_value(const struct key *k, void *base, const char *v, const char *where, char *err,
		  size_t errlen);

#endif
