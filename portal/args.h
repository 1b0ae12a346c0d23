/* appvm-portal's command line (docs/portal.md). Pure: no I/O. */
#ifndef APPVM_PORTAL_ARGS_H
#define APPVM_PORTAL_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* sun_path holds 108 bytes including the NUL. */
#define PORTAL_UNIX_PATH_MAX  107u
#define PORTAL_MOUNTPOINT_MAX 200u

struct portal_opts {
	uint32_t port;	       /* host vsock port */
	const char *host_unix; /* a Unix socket instead of vsock (tests) */
	char mountpoint[PORTAL_MOUNTPOINT_MAX + 1];
	/* The document device's mount (virtio-fs, docs/docfs.md): read-only
	 * file grants are given as paths there ("": none). */
	char docs_mount[PORTAL_MOUNTPOINT_MAX + 1];
	int fuse_fd;		/* -1: none given */
	bool mount;		/* mount the filesystem ourselves (root only) */
	int ready_fd;		/* -1: none */
	uint64_t scratch_limit; /* bytes of scratch files, all documents */
	unsigned scratch_files; /* scratch files, all documents */
	unsigned response_delay_ms;
	bool verbose, help, version;
};

/* Parses argv[1..argc) into o. runtime_dir ($XDG_RUNTIME_DIR, may be NULL)
 * gives the default mount point. Returns 0, or -EINVAL with one line in
 * err. --help and --version set their flags. */
int portal_opts_parse(struct portal_opts *o, int argc, char *const argv[], const char *runtime_dir,
		      char *err, size_t errlen);

/* The --help text. */
extern const char portal_usage[];

#endif
