/* The document device's file system (docs/docfs.md): the VM's read-only
 * file and folder grants as a tree `<id>/<name>` served to the guest kernel's
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
#include "pd_docfs_index.h"
#include "pd_fuse.h"
#include "pd_grants.h"
#include "vhost_vq.h"

/* Files open at once (each one host descriptor); OPEN beyond: ENFILE. */
#define PD_DOCFS_MAX_HANDLES 1024u
/* Nodes the guest kernel may hold: a directory and a file (or folder) per grant. */
#define PD_DOCFS_MAX_NODES (2u * PD_MAX_GRANTS_LIMIT)
/* Nodes below granted folders the guest kernel may hold at once, all
 * folders together (each one host descriptor); a LOOKUP beyond: ENFILE. */
#define PD_DOCFS_MAX_FNODES 4096u
/* Node slots: a node id is 2 + slot + generation * PD_DOCFS_SLOTS. */
#define PD_DOCFS_SLOTS (PD_DOCFS_MAX_NODES + PD_DOCFS_MAX_FNODES)
_Static_assert(PD_DOCFS_INDEX_SIZE >= PD_DOCFS_SLOTS * 8u / 3u, "the index is never 3/8 full");
/* The largest READDIR answer built (the kernel asks for a page). */
#define PD_DOCFS_DIR_MAX 8192u
/* st_blksize of a document: what cp and stdio size their reads by. */
#define PD_DOCFS_BLKSIZE 131072u

struct pd_docfs_stat {
	uint64_t size;
	int64_t mtime_sec;
	uint32_t mtime_nsec;
	bool dir;	   /* a folder (inside folder grants) */
	uint64_t dev, ino; /* its identity (inside folder grants) */
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
	/* Inside folder grants. Looks one name up in folder dirfd, never
	 * following a link nor leaving it (pd_fio_open, O_PATH): returns the
	 * descriptor with *ret filled, -EACCES for what is not shown (symbolic
	 * links, devices, FIFOs, sockets), or -errno. */
	int (*lookup)(void *ctx, int dirfd, const char *name, struct pd_docfs_stat *ret);
	/* Examines a file or folder held open. Returns 0 or -errno. */
	int (*fstat)(void *ctx, int fd, struct pd_docfs_stat *ret);
	/* Opens the regular file held (O_PATH) by pathfd for reading: that
	 * file, whatever has its name now. Returns the fd or -errno. */
	int (*reopen)(void *ctx, int pathfd);
	/* Lists folder dirfd from cookie (0: the start) as pd_fio_readdir does:
	 * only files and folders. Returns 0 or -errno. */
	int (*readdir)(void *ctx, int dirfd, uint64_t cookie, unsigned max,
		       struct proto_entry_list *out, char *names, size_t names_size);
};

enum pd_docfs_kind {
	PD_DOCFS_ROOT,
	PD_DOCFS_DIR,
	PD_DOCFS_FILE,
	PD_DOCFS_FOLDER, /* a folder grant's folder (`<id>/<name>`) */
	PD_DOCFS_FDIR,	 /* a folder below it */
	PD_DOCFS_FFILE,	 /* a file below it */
};

struct pd_docfs_node {
	uint64_t nodeid; /* 2 and up, never reused in a session */
	uint64_t grant;
	unsigned ghint; /* where grant was last seen in the grant table */
	enum pd_docfs_kind kind;
	uint64_t nlookup;
	int fd;		   /* FDIR, FFILE: held open (O_PATH); else -1 */
	uint64_t dev, ino; /* FDIR, FFILE: what fd is (one node per grant and file) */
};

struct pd_docfs_handle {
	uint64_t grant;
	unsigned ghint; /* where grant was last seen in the grant table */
	uint64_t node;	/* the node opened */
	int fd;		/* -1 once revoked */
	uint32_t gen;	/* part of the fh, so a stale fh is not another file's */
	bool used;
};

/* What the guest got wrong, and traffic. */
struct pd_docfs_stats {
	uint64_t requests, errors; /* answered, and of those with an error */
	uint64_t unaddressable;	   /* chains with no usable header or no room for a reply */
	uint64_t bytes_read;
	uint64_t examined;    /* nodes and index entries looked at to find a node */
	uint64_t grant_steps; /* grant table entries looked at to find a node's grant */
};

/* Where the node using a slot is in nodes[], and the slot's generation. */
struct pd_docfs_slot {
	uint32_t idx, gen;
};

struct pd_docfs {
	const struct pd_grants *grants;
	const struct pd_docfs_ops *ops;
	void *ctx;
	bool inited; /* INIT done; other requests before it fail (EIO) */
	unsigned n_nodes;
	unsigned n_fnodes;   /* of them FDIR and FFILE nodes */
	unsigned max_fnodes; /* PD_DOCFS_MAX_FNODES or fewer */
	struct pd_docfs_node nodes[PD_DOCFS_SLOTS];
	/* Slot of nodes[i] is perm[i]; perm[n_nodes..] are the free slots. */
	uint32_t perm[PD_DOCFS_SLOTS];
	struct pd_docfs_slot slots[PD_DOCFS_SLOTS];
	/* The slots of the nodes by what they are (grant, kind, dev, ino). */
	struct pd_docfs_index index;
	uint64_t swept; /* grants->taken when nodes of grants gone were last dropped */
	struct pd_docfs_handle h[PD_DOCFS_MAX_HANDLES];
	struct pd_docfs_stats stats;
	uint8_t in[PD_FUSE_IN_MAX];    /* the request, copied once */
	uint8_t out[PD_DOCFS_DIR_MAX]; /* a reply's body */
	struct proto_entry_list list;  /* a folder's names, for READDIR */
	char names[PROTO_MAX_ENTRIES * PROTO_ENTRY_MAX];
	struct iovec iov[VHOST_VQ_WIDE_SEGS];
};

/* Prepares a file system with no guest attached. */
void pd_docfs_init(struct pd_docfs *fs, const struct pd_grants *grants,
		   const struct pd_docfs_ops *ops, void *ctx);

/* True when g appears in the tree: a file grant of its own (not a file
 * inside a folder) or a folder grant, that may be read and not written. */
bool pd_docfs_shown(const struct pd_grant *g);

/* Serves the request in chain c and writes the reply into its
 * device-writable part. Returns the bytes written (0: no reply, as for
 * FORGET, or none possible). */
uint32_t pd_docfs_serve(struct pd_docfs *fs, const struct vhost_chain *c);

/* The grant is going: its open files are closed (their next request
 * fails with EIO) and its nodes forgotten (ENOENT), a folder's nodes with
 * their descriptors. */
void pd_docfs_revoke(struct pd_docfs *fs, uint64_t grant);

/* Checks the node tables: the caps, each node where its slot says, and
 * the index holding exactly the nodes, each found under what it is.
 * Returns true when they hold (for tests and the fuzz target). */
bool pd_docfs_consistent(const struct pd_docfs *fs);

/* The guest driver is gone: every file closed, every node forgotten,
 * INIT expected again. */
void pd_docfs_reset(struct pd_docfs *fs);

#endif
