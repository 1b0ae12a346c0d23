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

/* The depth below / of the folder at `resolved` (an absolute path as
 * realpath gives it: no ".", "..", "//" or link): its components. */
unsigned pd_folder_path_depth(const char *resolved);

/* Returns the descriptor of folder node `id` of grant g as connection conn
 * holds it (node 1, the granted folder, for every connection), with its
 * depth below / in *ret_depth (g->base for node 1); -1 when conn holds no
 * such node. */
int pd_folder_dirfd(const struct pd_grant *g, uint64_t id, unsigned conn, unsigned *ret_depth);

/* Returns the node conn holds for the folder (dev, ino), or NULL. */
struct pd_fnode *pd_folder_find(const struct pd_folder *f, unsigned conn, uint64_t dev,
				uint64_t ino);

/* Sets where folder grant g's folder is, when it is granted: base, its
 * depth below /, and its limit, PD_MAX_DEPTH below that, for good. */
void pd_folder_place(struct pd_grant *g, unsigned base);

/* Checks that one more handle (a node or a file document) of grant g fits,
 * a node at `depth` below / (at most g->limit: PD_MAX_DEPTH below where
 * g's folder was granted; 0 for a file document). Returns 0, or PROTO_ERR_LIMIT with *ret_why set.
 */
uint32_t pd_folder_room(const struct pd_grants *t, const struct pd_grant *g, unsigned depth,
			const char **ret_why);

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

/* A folder moved through grant g (g->limit: `limit`) from a parent at
 * depth `from` into one at depth `to` (depths below /): the levels below
 * the moved folder that the walk of a move deeper (to > from) looks
 * at (a folder further down refuses the move). Returns 0 with *ret_levels
 * set (0 for a move shallower: no walk), or PROTO_ERR_LIMIT with *ret_why
 * set when the folder itself would be deeper than the limit. */
uint32_t pd_folder_move_levels(unsigned limit, unsigned from, unsigned to, unsigned *ret_levels,
			       const char **ret_why);

/* A node of any folder grant that a folder moved shallower may carry
 * along: where its depth is kept and its descriptor (a grant's own folder
 * counts: it may be inside a folder moved through a grant around it). */
struct pd_held {
	unsigned *depth;
	int fd;
};

/* Moved shallower, the folder at depth `at`: every node of every folder
 * grant at depth `at` or deeper, which may be in it (the caller checks:
 * a node `depth - at` levels below it is in it when the folder that many
 * levels above the node is the moved one, since every depth is exact).
 * Returns how many (*ret: an array to free), and in *ret_cost the levels
 * those checks go up (at least 1 each), all together; -ENOMEM. */
int pd_folders_held(struct pd_grants *t, unsigned at, struct pd_held **ret, uint64_t *ret_cost);

/* The protocol error code for a walk's result (pd_fio_walk): 0, or the
 * code with *ret_why set (TOO_BIG past the walk's bounds, LIMIT for a
 * folder too deep). */
uint32_t pd_folder_walk_code(int r, const char **ret_why);

/* After a folder moved to depth `depth`: gives every node of every folder
 * grant of t (of every connection, and a grant's own folder) that is one
 * of the n walked folders v its new depth, depth + its level. Sorts v. */
void pd_folders_moved(struct pd_grants *t, struct pd_fdir *v, unsigned n, unsigned depth);

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
