/* The document filesystem's own state, shared by fs.c (the FUSE session and
 * the low-level operations), fs_nodes.c (documents, inodes, attributes) and
 * fs_doc.c (operations that wait for the host). docs/portal.md describes
 * what each file operation does. */
#ifndef APPVM_PORTAL_FS_INT_H
#define APPVM_PORTAL_FS_INT_H

#define FUSE_USE_VERSION 35
#include <fuse_lowlevel.h>

#include "docstate.h"
#include "names.h"
#include "portal.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* renameat2(2)'s flag, which the kernel passes to FUSE's rename: glibc's
 * <stdio.h> defines it, musl's does not (and <linux/fs.h> clashes with
 * <sys/mount.h>). */
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

#define FS_MAX_DOCS	 1024u		/* documents known at once */
#define FS_MAX_NODES	 8192u		/* inodes the kernel may hold */
#define FS_WINDOW	 32u		/* host requests one transfer keeps in flight */
#define FS_MAX_WRITE	 (1024u * 1024) /* largest write (and read) the kernel sends */
#define FS_MAX_READ	 (1024u * 1024) /* largest read accepted */
#define FS_TIMEOUT	 1.0		/* entry and attribute cache timeouts, seconds */
#define FS_MAX_PER_CALL	 64		/* kernel requests handled per wakeup */
#define FS_STOP_DRAIN_MS 2000u		/* at exit: for the notification thread to end */
#define FS_FOLDERS_KEEP	 256u		/* host folder nodes kept for folders not in use */

/* NODE_FDIR and NODE_FFILE are a folder and a file inside a folder grant
 * (fs_folder.c); a folder document's d->file is its root NODE_FDIR. */
enum node_kind { NODE_ROOT, NODE_DOCDIR, NODE_DOCFILE, NODE_SCRATCH, NODE_FDIR, NODE_FFILE };

struct op;

struct doc {
	uint64_t id, seq;
	char name[PROTO_FILENAME_MAX + 1];
	char dirname[PORTAL_DOCDIR_LEN + 1];
	uint32_t perms; /* PROTO_PERM_* */
	bool exists;	/* the host file exists, as far as we know */
	bool hidden;	/* the guest unlinked the name; the host file is untouched */
	bool revoked;	/* gone: only kept while something still points here */
	unsigned stats; /* DOC_STATs in flight for exists */
	uint64_t size;	/* the host file's size */
	int64_t mtime_sec;
	uint32_t mtime_nsec;
	bool cache_ok; /* the kernel's cached pages match size and mtime */
	struct stage stage;
	bool folder;		 /* a folder grant: d->file is its root folder */
	struct doc *folder_of;	 /* a file opened inside a folder (no directory of its own) */
	struct node *entries;	 /* a folder: its entries' nodes (not the root) */
	struct node *dir, *file; /* the directory, and the inode its name means now */
	struct node *scratch;	 /* scratch files, oldest first */
	struct op *queue;	 /* changes, one at a time, oldest first */
	unsigned refs;		 /* nodes and operations pointing here */
	struct doc *next;	 /* fs->docs, by seq */
};

struct node {
	fuse_ino_t ino;
	uint64_t generation;
	enum node_kind kind;
	struct doc *doc;
	uint64_t nlookup;
	unsigned opens;
	unsigned busy; /* operations pointing here */
	/* scratch files, and entries of folders */
	char *name; /* NULL once unlinked */
	int memfd;
	uint64_t size, seq;
	struct node *next; /* doc->scratch */
	/* entries of folders (NODE_FDIR, NODE_FFILE) */
	struct node *parent; /* the folder it is in (NULL: removed or the root) */
	struct node *enext;  /* doc->entries */
	uint64_t hnode;	     /* a folder: the host's node (0: unknown since a reconnect) */
	uint64_t hrefs;	     /* references on hnode this side took (LOOKUP, MKDIR) */
	struct doc *sub;     /* a file: the file document while it is open */
	uint16_t mode;	     /* permission bits on the host */
	int64_t mtime_sec;
	uint32_t mtime_nsec;
	uint64_t used; /* a folder: when a request last named it (fs->clock) */
};

struct handle {
	struct node *node;
	int flags;
	bool writer; /* counted in doc->stage.writers */
	bool wrote;  /* changed the document since its last commit */
};

enum op_kind {
	OP_READ,
	OP_WRITE,
	OP_TRUNCATE,
	OP_CREATE,
	OP_COMMIT,
	OP_REPLACE,
	OP_OPEN,
	/* Folder requests (fs_folder.c): one host request each. */
	OP_LOOKUP,
	OP_GETATTR,
	OP_READDIR,
	OP_FOPEN, /* ENTRY_OPEN: open (or create) a file inside a folder */
	OP_MKDIR,
	OP_UNLINK,
	OP_RENAME,
};

struct op {
	enum op_kind kind;
	fuse_req_t req; /* NULL: nobody waits (a commit at the last close) */
	struct doc *doc;
	struct node *node; /* the file; REPLACE: the scratch file */
	struct handle *h;
	struct fuse_file_info fi;
	uint64_t off, len; /* READ, WRITE: the range; TRUNCATE: the size */
	uint8_t *buf;
	uint64_t sent; /* transfers: bytes sent */
	uint64_t eof;  /* READ: where the file ended */
	unsigned inflight;
	int err;
	int phase;	 /* changes: fs_doc.c's PH_* */
	bool keep;	 /* the DOC_BEGIN in flight keeps the content */
	bool began;	 /* REPLACE: its stage is open */
	bool commit;	 /* TRUNCATE without a handle: commit at the end */
	bool waiting;	 /* waits for host slots (reads and opens on fs->waiting) */
	struct op *next; /* doc->queue or fs->waiting */
	/* folder requests */
	char *name, *name2;	/* the name (RENAME: and the new one) */
	struct node *dir2;	/* RENAME: the new folder */
	uint32_t flags;		/* PROTO_OPEN_*, PROTO_UNLINK_*, PROTO_RENAME_* */
	bool retried;		/* sent again after giving idle folders back */
	struct node *resolving; /* a folder whose host node is looked up again first */
};

struct fs {
	struct portal *p;
	struct fuse_session *se;
	struct fuse_buf buf;
	bool inited;
	uid_t uid;
	gid_t gid;
	struct doc *docs;
	unsigned n_docs;
	uint64_t seq, generation;
	struct node *nodes[FS_MAX_NODES];
	unsigned cursor;
	struct scratch_budget budget;
	struct op *waiting; /* operations waiting for host slots, oldest first */
	uint64_t clock;	    /* counts folder requests (node->used) */
};

/* A node whose content is a document's: a granted file, or a file inside a
 * folder (whose document exists while it is open). */
static inline bool fs_is_file(const struct node *n)
{
	return n->kind == NODE_DOCFILE || n->kind == NODE_FFILE;
}

/* The document behind a node's content (NULL: a folder file not open). */
static inline struct doc *fs_file_doc(const struct node *n)
{
	return n->kind == NODE_FFILE ? n->sub : n->doc;
}

/* fs_nodes.c */
struct node *fs_node(struct fs *fs, fuse_ino_t ino);
struct node *fs_node_new(struct fs *fs, enum node_kind kind, struct doc *doc);
/* Frees n when nothing refers to it any more. */
void fs_node_release(struct fs *fs, struct node *n);
struct doc *fs_doc_find(struct fs *fs, uint64_t id);
void fs_doc_put(struct fs *fs, struct doc *d);
/* The guest sees the document's name. */
bool fs_doc_visible(const struct doc *d);
void fs_attr(struct fs *fs, const struct node *n, struct stat *st);
/* Answers a lookup with n (counting the kernel's reference). */
void fs_reply_entry(struct fs *fs, fuse_req_t req, struct node *n);
/* Takes the document's stat as the host reported it. */
void fs_doc_stat(struct fs *fs, struct doc *d, const struct proto_doc_stat *st);
/* The document is gone, locally (the host revoked it or said NOT_FOUND). */
void fs_doc_revoke(struct fs *fs, struct doc *d);
/* Scratch files. */
struct node *fs_scratch_find(struct doc *d, const char *name);
void fs_scratch_unlink(struct fs *fs, struct node *n);

/* fs_doc.c */
/* Starts an operation: reads and opens at once, changes in the document's
 * queue. Takes ownership of op. */
void fs_op_start(struct fs *fs, struct op *op);
struct op *fs_op_new(enum op_kind kind, fuse_req_t req, struct doc *d, struct node *n);
/* Runs operations waiting for host slots. */
void fs_op_resume(struct fs *fs);
/* Fails every operation waiting for host slots (the portal stops). */
void fs_op_drop_waiting(struct fs *fs);
/* Fails the document's queued operations (it was revoked). */
void fs_doc_fail_queue(struct fs *fs, struct doc *d, int err);
/* Sends DOC_STAT to learn whether the file exists and its time. */
void fs_doc_probe(struct fs *fs, struct doc *d);
/* Sends a request whose answer nobody waits for (DOC_ABORT, DOC_CLOSE). */
void fs_send_quiet(struct fs *fs, uint16_t type, uint64_t doc_id);
/* Ends an operation: replies (when someone waits) and frees it. */
void fs_op_finish(struct fs *fs, struct op *op, int err);
/* Sends an operation's one request; without a free slot it waits and runs
 * again later. Returns true once sent (other failures end it with EIO). */
bool fs_op_send(struct fs *fs, struct op *op, struct proto_msg *m, hreq_done_fn done);
/* The errno of a host answer (err < 0: none came); NOT_FOUND revokes d. */
int fs_op_errno(struct fs *fs, struct doc *d, int err, const struct proto_msg *m);

/* fs_folder.c: the entries of folder grants. */
static inline bool fs_folder_kind(enum op_kind k)
{
	return k >= OP_LOOKUP;
}
void fs_folder_run(struct fs *fs, struct op *op);
void fs_folder_reply(struct fs *fs, struct op *op, int err);
void fs_folder_lookup(fuse_req_t req, struct fs *fs, struct node *dir, const char *name);
void fs_folder_getattr(fuse_req_t req, struct fs *fs, struct node *n);
void fs_folder_readdir(fuse_req_t req, struct fs *fs, struct node *dir, size_t size, off_t off);
void fs_folder_open(fuse_req_t req, struct fs *fs, struct node *n, struct fuse_file_info *fi);
void fs_folder_create(fuse_req_t req, struct fs *fs, struct node *dir, const char *name,
		      struct fuse_file_info *fi);
void fs_folder_mkdir(fuse_req_t req, struct fs *fs, struct node *dir, const char *name);
void fs_folder_unlink(fuse_req_t req, struct fs *fs, struct node *dir, const char *name,
		      bool is_dir);
void fs_folder_rename(fuse_req_t req, struct fs *fs, struct node *from, const char *name,
		      struct node *to, const char *newname, unsigned flags);
/* A folder entry's node is being freed: its host references go back. */
void fs_folder_node_gone(struct fs *fs, struct node *n);
/* A folder file with no open handle and nothing in flight gives its file
 * document back. */
void fs_folder_file_idle(struct fs *fs, struct node *n);
/* A folder grant ends: the files opened in it end too. */
void fs_folder_revoke(struct fs *fs, struct doc *d);
/* A new connection: the host's nodes of the old one are gone. */
void fs_folder_connected(struct fs *fs, struct doc *d);

/* The session's private data, and a file handle, from what libfuse passes. */
static inline struct fs *FS(fuse_req_t req)
{
	return fuse_req_userdata(req);
}
static inline struct handle *HANDLE(const struct fuse_file_info *fi)
{
	return (struct handle *)(uintptr_t)fi->fh;
}
/* The document of a live node, or NULL (with the reply ERR sent). */
struct doc *fs_live_doc(fuse_req_t req, struct node *n, int err);
/* Starts an open or a create of the document's file: the host answers
 * before the kernel does (fs_doc.c), and h becomes the file handle then. */
void fs_start_opening(fuse_req_t req, struct fs *fs, enum op_kind kind, struct node *n,
		      struct handle *h, const struct fuse_file_info *fi);
/* fs_dir.c: fills in the operations on names (directories, create,
 * rename, unlink, statfs). */
void fs_dir_ops(struct fuse_lowlevel_ops *ops);

#endif
