/* The pure parts of folder grants: each folder's table of nodes and the
 * limits on them, what a guest's ENTRY_* request may do, which host files a
 * guest is shown, and how a failed host operation is told to the guest. No
 * system calls: descriptors are opened and closed by pd_folderio.c and its
 * callers. */
#ifndef APPVM_PD_FOLDER_H
#define APPVM_PD_FOLDER_H

#include <stdint.h>
#include <sys/stat.h>

#include "pd_grants.h"

/* What a guest asks of a folder (for pd_entry_check). */
enum pd_entry_op {
	PD_E_LOOKUP,
	PD_E_STAT,
	PD_E_FORGET,
	PD_E_READDIR,
	PD_E_OPEN,
	PD_E_CREATE, /* ENTRY_OPEN with CREATE */
	PD_E_MKDIR,
	PD_E_UNLINK,
	PD_E_RENAME,
};

/* Makes g a folder grant: gives it an empty node table. Returns 0 or -ENOMEM. */
int pd_folder_new(struct pd_grant *g);

/* Frees the node table's memory (the nodes' descriptors are the caller's:
 * take them with pd_folder_take first). */
void pd_folder_free(struct pd_folder *f);

/* Decides whether op may be done on document g (NULL: unknown id): g must be
 * a folder grant, and changes need its WRITE. Returns 0, or the protocol
 * error code with *ret_why set to a few words. */
uint32_t pd_entry_check(const struct pd_grant *g, enum pd_entry_op op, const char **ret_why);

/* Returns the descriptor of folder node `id` of grant g as connection conn
 * holds it (node 1, the granted folder, for every connection), with its
 * depth in *ret_depth (0 for node 1); -1 when conn holds no such node. */
int pd_folder_dirfd(const struct pd_grant *g, uint64_t id, unsigned conn, unsigned *ret_depth);

/* Returns the node conn holds for the folder (dev, ino), or NULL. */
struct pd_fnode *pd_folder_find(const struct pd_folder *f, unsigned conn, uint64_t dev,
				uint64_t ino);

/* Checks that one more handle (a node or a file document) fits, a node at
 * `depth`. Returns 0, or PROTO_ERR_LIMIT with *ret_why set. */
uint32_t pd_folder_room(const struct pd_grants *t, unsigned depth, const char **ret_why);

/* Adds a node with one reference, taking fd. Returns 0 with *ret_id set, or
 * -ENOMEM (fd is still the caller's then). The caller checked the room. */
int pd_folder_add(struct pd_grants *t, struct pd_folder *f, int fd, uint64_t dev, uint64_t ino,
		  unsigned conn, unsigned depth, uint64_t *ret_id);

/* Gives back count references on node id of connection conn. Returns the
 * node's descriptor for the caller to close when no reference is left, -1
 * while some are, or -ESTALE when conn holds no such node. */
int pd_folder_forget(struct pd_grants *t, struct pd_folder *f, uint64_t id, unsigned conn,
		     uint64_t count);

/* Removes one node of connection conn (any connection when conn is 0) and
 * returns its descriptor for the caller to close; -1 when none is left. */
int pd_folder_take(struct pd_grants *t, struct pd_folder *f, unsigned conn);

/* A folder met by a walk of a moved subtree: its identity and how far
 * below the moved folder it is (0: the moved folder itself). */
struct pd_fdir {
	uint64_t dev, ino;
	unsigned level;
};

/* What the walk of a folder moved from a parent at depth `from` into one
 * at depth `to` (another depth: a move at the same depth needs no walk)
 * must look at, before it runs; deepest: the deepest node of the grant (any
 * connection; pd_folder_deepest). Returns 0 with *ret_walk and *ret_levels
 * set: moved deeper, a strict walk of every level that may still fit (a
 * folder further down refuses the move); moved shallower, only the levels
 * that may hold a node (none: *ret_walk false, only the moved folder's own
 * nodes follow). Or PROTO_ERR_LIMIT with *ret_why set when the folder
 * itself would be too deep. */
uint32_t pd_folder_move_levels(unsigned from, unsigned to, unsigned deepest, bool *ret_walk,
			       unsigned *ret_levels, const char **ret_why);

/* The depth of the deepest node of f (any connection); 0 without nodes. */
unsigned pd_folder_deepest(const struct pd_folder *f);

/* The protocol error code for a walk's result (pd_fio_walk): 0, or the
 * code with *ret_why set (LIMIT past the walk's bounds). */
uint32_t pd_folder_walk_code(int r, const char **ret_why);

/* After a folder moved to depth `depth`: gives every node of f (of every
 * connection) that is one of the n walked folders v its new depth, depth
 * + its level. Sorts v. */
void pd_folder_moved(struct pd_folder *f, struct pd_fdir *v, unsigned n, unsigned depth);

/* The kind of entry a guest is shown for a host file mode: PROTO_ENTRY_FILE,
 * PROTO_ENTRY_DIR, or 0 for what it never sees (symbolic links, devices,
 * FIFOs, sockets). */
unsigned pd_kind_of(mode_t mode);

/* The same for a directory entry's d_type; -1 when the type is unknown
 * (DT_UNKNOWN: ask fstatat). */
int pd_kind_of_dtype(unsigned char d_type);

/* The protocol error code for the errno of a failed host operation. */
uint32_t pd_errno_code(int err);

/* Fills the entry record of a file or folder (node: a folder's node). */
void pd_entry_fill(struct proto_entry *e, const struct stat *st, uint64_t node);

#endif
