/* The grants of one VM: which host files its guest may use, how, and the
 * writes staged for them, with the limits on all of it. Pure: records hold
 * file descriptors, but opening and closing them is the caller's job
 * (pd_docio.c); this file only decides and counts. */
#ifndef APPVM_PD_GRANTS_H
#define APPVM_PD_GRANTS_H

#include <stdbool.h>
#include <stdint.h>

#include "pd_ids.h"
#include "proto.h"

#define PD_NAME_MAX  255u /* a host file name (NAME_MAX) */
#define PD_STAGE_TMP 32u  /* room for a named stage file's name */
/* Open handles inside folders (nodes and file documents): the default and
 * the most --max-handles allows; each is one descriptor. */
#define PD_MAX_HANDLES_DEFAULT 1024u
#define PD_MAX_HANDLES_LIMIT   8192u
/* How deep below where a granted folder was when it was granted the guest
 * may make, look up or move a folder through that grant (the limit stays
 * when the folder moves). */
#define PD_MAX_DEPTH 256u
/* The most folders (the moved one included) an ENTRY_RENAME may move to
 * another depth: each is visited to find the subtree's height and the
 * nodes held in it. */
#define PD_MAX_MOVE_DIRS 4096u
/* The most names (files and folders) such a walk reads. */
#define PD_MAX_MOVE_ENTRIES (1u << 16)

/* A folder inside a folder grant that a guest connection looked up: held
 * open (O_PATH), so it stays the same folder whatever happens around it. */
struct pd_fnode {
	uint64_t id; /* 2 and up; never reused within the grant */
	int fd;
	uint64_t dev, ino; /* the folder's identity: one node per folder and connection */
	unsigned conn;	   /* serial of the connection that holds it */
	uint64_t refs;	   /* lookups not yet forgotten */
	/* How far below / the folder is: depths of every folder grant count
	 * from the same place (pd_grant.base), so a move through one grant
	 * keeps the nodes of a grant nested with it exact too. */
	unsigned depth;
};

/* The nodes of a folder grant (the grant's dirfd is the folder itself, node 1). */
struct pd_folder {
	uint64_t next_id;
	struct pd_fnode *v;
	unsigned n, cap;
};

/* A write in progress: a file beside the document's, made the document by a commit. */
struct pd_stage {
	int fd;
	bool named;		/* a temporary name (else an O_TMPFILE) */
	char tmp[PD_STAGE_TMP]; /* that name */
	uint64_t size;		/* what the quota counts: the stage's length */
	unsigned conn;		/* serial of the connection that began it */
};

struct pd_grant {
	uint64_t id;
	uint32_t perms;		    /* PROTO_PERM_* (and PROTO_DOC_FOLDER) */
	int dirfd;		    /* the file's directory (a folder grant: the folder), O_PATH */
	char name[PD_NAME_MAX + 1]; /* the file's name in it (host bytes; "" for a folder) */
	char display[PROTO_FILENAME_MAX + 1]; /* the name the guest sees */
	char *path; /* for the host user's listing only, never used to open */
	uint64_t created_ms;
	bool staged;
	struct pd_stage stage;
	struct pd_folder *folder; /* a folder grant: its nodes */
	unsigned base;		  /* a folder grant: its folder's depth below / */
	/* A folder grant: how deep below / the guest may make or move folders
	 * through it, fixed when it is granted (pd_folder_place): base may
	 * change with moves, the limit never does (pd_folder.c). */
	unsigned limit;
	/* A file document (ENTRY_OPEN): a file inside a folder grant. */
	uint64_t parent; /* the folder grant's id (0: a grant of its own) */
	unsigned conn;	 /* the connection that opened it */
	int fd;		 /* the file it holds, read-only (-1: none) */
	/* The identity of dirfd: to follow renames (a folder grant: moves). */
	uint64_t dir_dev, dir_ino;
	bool orphan; /* its name was removed or replaced by the guest */
};

struct pd_limits {
	unsigned max_grants;
	unsigned max_handles;	/* nodes and file documents of all folders together */
	uint64_t max_file_size; /* largest stage */
	uint64_t staging_quota; /* all stages together */
};

struct pd_grants {
	struct pd_limits lim;
	struct pd_grant **v; /* grants and file documents, oldest first */
	unsigned n;
	unsigned n_top;	  /* grants (not file documents): at most max_grants */
	unsigned handles; /* nodes and file documents: at most max_handles */
	uint64_t staged_bytes;
	/* Grants (not file documents) taken so far: who holds on to their ids
	 * (the document device, which never shows a file document) sees some went. */
	uint64_t taken;
	struct pd_ids ids;
};

/* Prepares an empty table. Returns 0 or -ENOMEM. */
int pd_grants_init(struct pd_grants *t, const struct pd_limits *lim, const uint64_t key[4]);

/* Frees the table's memory (records left in it too; their fds are the caller's). */
void pd_grants_free(struct pd_grants *t);

/* Returns how many more grants fit. */
unsigned pd_grants_room(const struct pd_grants *t);

/* Gives g a fresh id and keeps it (the table owns g from now on). Returns 0
 * or -ENOSPC when the table is full (g is still the caller's then). A
 * record with g->parent set is a file document and counts as a handle. */
int pd_grants_add(struct pd_grants *t, struct pd_grant *g);

/* Returns the grant with this id, or NULL. */
struct pd_grant *pd_grants_find(const struct pd_grants *t, uint64_t id);

/* Removes the grant and returns it, or NULL. The caller drops its stage (if
 * g->staged; no longer counted) and closes and frees it; for a folder, its
 * nodes (pd_folder_take) and file documents (pd_grants_next_file) first. */
struct pd_grant *pd_grants_take(struct pd_grants *t, uint64_t id);

/* Returns a file document of folder grant `folder` (any folder when 0)
 * opened by connection conn (any connection when 0), or NULL. */
struct pd_grant *pd_grants_next_file(const struct pd_grants *t, uint64_t folder, unsigned conn);

/* Operations a guest asks for, for pd_grants_check. */
enum pd_op {
	PD_OP_STAT,
	PD_OP_READ,
	PD_OP_READ_STAGED,
	PD_OP_BEGIN,
	PD_OP_WRITE,
	PD_OP_TRUNCATE,
	PD_OP_COMMIT,
	PD_OP_ABORT,
	PD_OP_CLOSE,
};

/* Decides whether connection `conn` may do op on g (NULL: unknown id): a
 * folder answers only STAT and CLOSE; a file document is its connection's
 * alone. Returns 0, or the protocol error code with *ret_why set. */
uint32_t pd_grants_check(const struct pd_grant *g, enum pd_op op, unsigned conn,
			 const char **ret_why);

/* Checks that g's stage may grow or shrink to new_size. Returns 0, or
 * PROTO_ERR_LIMIT with *ret_why set. */
uint32_t pd_grants_stage_fits(const struct pd_grants *t, const struct pd_grant *g,
			      uint64_t new_size, const char **ret_why);

/* Records a stage opened on g (size bytes so far) by connection conn. */
void pd_grants_stage_open(struct pd_grants *t, struct pd_grant *g, unsigned conn, uint64_t size);

/* Records g's stage's new size. */
void pd_grants_stage_resize(struct pd_grants *t, struct pd_grant *g, uint64_t size);

/* Records that g's stage is gone (committed or dropped). */
void pd_grants_stage_closed(struct pd_grants *t, struct pd_grant *g);

#endif
