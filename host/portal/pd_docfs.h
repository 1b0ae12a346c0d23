/* The document device's file system (docs/docfs.md): the VM's read-only
 * file grants as a tree `<id>/<name>` served to the guest kernel's
 * virtio-fs driver, one FUSE request per descriptor chain. Every request is
 * checked against the grant table as it is now, so a revoked document
 * fails its next request. Pure except through the ops table (opening,
 * examining and reading the granted files), which appvm-portald implements
 * with system calls (pd_docfs_sys.c) and the fuzz target with fakes. */
#ifndef APPVM_PD_DOCFS_H
#define APPVM_PD_DOCFS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "pd_args.h"
#include "pd_fuse.h"
#include "pd_grants.h"
#include "vsock_vq.h"

/* Files open at once (each one host descriptor); OPEN beyond: ENFILE. */
#define PD_DOCFS_MAX_HANDLES 1024u
/* Nodes the guest kernel may hold: a directory and a file per grant. */
#define PD_DOCFS_MAX_NODES (2u * PD_MAX_GRANTS_LIMIT)
/* The largest READDIR answer built (the kernel asks for a page). */
#define PD_DOCFS_DIR_MAX 8192u
/* st_blksize of a document: what cp and stdio size their reads by. */
#define PD_DOCFS_BLKSIZE 131072u

struct pd_docfs_stat {
	uint64_t size;
	int64_t mtime_sec;
	uint32_t mtime_nsec;
};

struct pd_docfs_ops {
	/* Opens g's file for reading (pd_docio_open_read). Returns the fd or -errno. */
	int (*open)(void *ctx, const struct pd_grant *g);
	/* Examines g's file: the open fd when >= 0, else afresh by name.
	 * Returns 0 or -errno (-ENOENT: it is gone). */
	int (*stat)(void *ctx, const struct pd_grant *g, int fd, struct pd_docfs_stat *ret);
	/* preadv(2): bytes read, 0 at end of file, or -errno. */
	ssize_t (*preadv)(void *ctx, int fd, const struct iovec *iov, int n, uint64_t offset);
	void (*close)(void *ctx, int fd);
};

enum pd_docfs_kind { PD_DOCFS_ROOT, PD_DOCFS_DIR, PD_DOCFS_FILE };

struct pd_docfs_node {
	uint64_t nodeid; /* 2 and up, never reused */
	uint64_t grant;
	enum pd_docfs_kind kind;
	uint64_t nlookup;
};

struct pd_docfs_handle {
	uint64_t grant;
	int fd;	      /* -1 once revoked */
	uint32_t gen; /* part of the fh, so a stale fh is not another file's */
	bool used;
};

/* What the guest got wrong, and traffic. */
struct pd_docfs_stats {
	uint64_t requests, errors; /* answered, and of those with an error */
	uint64_t unaddressable;	   /* chains with no usable header or no room for a reply */
	uint64_t bytes_read;
};

struct pd_docfs {
	const struct pd_grants *grants;
	const struct pd_docfs_ops *ops;
	void *ctx;
	bool inited; /* INIT done; other requests before it fail (EIO) */
	uint64_t next_nodeid;
	unsigned n_nodes;
	struct pd_docfs_node nodes[PD_DOCFS_MAX_NODES];
	struct pd_docfs_handle h[PD_DOCFS_MAX_HANDLES];
	struct pd_docfs_stats stats;
	uint8_t in[PD_FUSE_IN_MAX];    /* the request, copied once */
	uint8_t out[PD_DOCFS_DIR_MAX]; /* a reply's body */
	struct iovec iov[VSOCK_VQ_WIDE_SEGS];
};

/* Prepares a file system with no guest attached. */
void pd_docfs_init(struct pd_docfs *fs, const struct pd_grants *grants,
		   const struct pd_docfs_ops *ops, void *ctx);

/* True when g appears in the tree: a file grant of its own (not a folder,
 * not a file inside one) that may be read and not written. */
bool pd_docfs_shown(const struct pd_grant *g);

/* Serves the request in chain c and writes the reply into its
 * device-writable part. Returns the bytes written (0: no reply, as for
 * FORGET, or none possible). */
uint32_t pd_docfs_serve(struct pd_docfs *fs, const struct vsock_chain *c);

/* The grant is going: its open files are closed (their next request
 * fails with EIO) and its nodes forgotten (ENOENT). */
void pd_docfs_revoke(struct pd_docfs *fs, uint64_t grant);

/* The guest driver is gone: every file closed, every node forgotten,
 * INIT expected again. */
void pd_docfs_reset(struct pd_docfs *fs);

#endif
