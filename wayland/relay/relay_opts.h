/* appvm-wayland-relay's command line and its target syntax (docs/wayland-vm.md).
 * Pure: no I/O, no allocation. appvm-init checks its [wayland] target key
 * with relay_target_parse() too, so both read it the same way. */
#ifndef APPVM_RELAY_OPTS_H
#define APPVM_RELAY_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* sun_path holds 108 bytes including the terminating NUL. */
#define RELAY_UNIX_PATH_MAX 107u

#define RELAY_DEFAULT_MAX_CONNS	      128u
#define RELAY_MAX_CONNS_LIMIT	      1024u
#define RELAY_DEFAULT_CONNECT_TIMEOUT 30u   /* seconds */
#define RELAY_MAX_CONNECT_TIMEOUT     3600u /* seconds */

/* Connect retries: the first after RELAY_RETRY_FIRST_MS, doubling up to
 * RELAY_RETRY_MAX_MS (lib/retry.h), until the connect timeout. */
#define RELAY_RETRY_FIRST_MS 10u
#define RELAY_RETRY_MAX_MS   500u

enum relay_target_kind { RELAY_TARGET_VSOCK, RELAY_TARGET_UNIX };

struct relay_target {
	enum relay_target_kind kind;
	uint32_t cid, port;		    /* vsock */
	char path[RELAY_UNIX_PATH_MAX + 1]; /* unix */
};

struct relay_opts {
	const char *listen;
	struct relay_target target;
	bool have_target;
	unsigned max_conns;
	unsigned connect_timeout_s; /* 0: retry forever */
	bool verbose;
	bool hold; /* do nothing until killed: waypipe server's command without a filter */
	bool help;
	bool version;
};

/* Parses "vsock:CID:PORT" (CID 2, the host, or 1, the guest's loopback;
 * PORT 1-4294967294; both as lib/vsock_addr.h spells them) or "unix:PATH"
 * (absolute, at most 107 bytes).
 * Returns 0, or -EINVAL with one line in err. */
int relay_target_parse(const char *s, struct relay_target *ret, char *err, size_t errlen);

/* Formats a target back into its textual form. Returns buf. */
const char *relay_target_format(const struct relay_target *t, char *buf, size_t size);

/* Fills o with the defaults. */
void relay_opts_init(struct relay_opts *o);

/* Parses argv[1..argc) into o (strings kept by pointer). Returns 0, or -EINVAL
 * with one line in err. --help and --version set their flags and stop parsing;
 * --hold takes no other option; otherwise --listen and --target are required. */
int relay_opts_parse(struct relay_opts *o, int argc, char *const argv[], char *err, size_t errlen);

/* The --help text. */
extern const char relay_usage[];

#endif
