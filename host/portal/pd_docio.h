/* The host file operations behind grants. A grant holds its directory as an
 * O_PATH descriptor and the file's name in it; the file is opened afresh,
 * relative to that descriptor and without following a symlink, for every
 * operation, so moving or swapping things around it cannot redirect a
 * guest's reads or writes. Writes go to a stage in the same directory (an
 * O_TMPFILE, or a hidden temporary name where the filesystem has none) that
 * a commit syncs and renames over the file. Functions return 0 or -errno and
 * set *ret_why (a few words) on failure. */
#ifndef APPVM_PD_DOCIO_H
#define APPVM_PD_DOCIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pd_grants.h"
#include "pd_request.h"

/* Makes a grant record (id not yet given) for a path a chooser picked:
 * PD_MODE_OPEN needs an existing regular file; PD_MODE_SAVE an existing
 * directory and a name in it that is missing or a regular file. Symlinks
 * the user picked are resolved now, once. */
int pd_docio_grant_path(const char *path, enum pd_mode mode, uint32_t perms, uint64_t now_ms,
			struct pd_grant **ret, const char **ret_why);

/* Makes a folder grant record (id not yet given) for a folder a chooser
 * picked (resolved now, once; not the root folder), with an empty node
 * table. */
int pd_docio_grant_folder(const char *path, uint32_t perms, uint64_t now_ms, struct pd_grant **ret,
			  const char **ret_why);

/* Makes grant records for n names in the folder dir_path (save-many):
 * each name, or its first variant "stem (N).ext" that neither exists nor is
 * taken by an earlier name of the batch. ret[0..n) are filled; on failure
 * none is left. */
int pd_docio_grant_batch(const char *dir_path, const char *const *names, unsigned n,
			 uint64_t now_ms, struct pd_grant **ret, const char **ret_why);

/* Opens the granted file for reading: a regular file, no symlink; a FIFO
 * or device swapped in is never opened. Returns the fd, -ENOENT, or -errno
 * (-EINVAL: no longer a regular file). */
int pd_docio_open_read(const struct pd_grant *g);

/* Fills the document's stat record (a folder: EXISTS and its time; a file
 * document: the file it holds). */
int pd_docio_stat(const struct pd_grant *g, struct proto_doc_stat *ret, const char **ret_why);

/* Reads up to len bytes at offset from the file (or the stage); *ret_n is
 * the count (0 at or past the end, or when the file does not exist). */
int pd_docio_read(const struct pd_grant *g, bool staged, uint64_t offset, void *buf, size_t len,
		  size_t *ret_n, const char **ret_why);

/* Opens g's stage for connection conn: empty, or with keep a copy of the
 * file (which must fit the limits: -EFBIG). */
int pd_docio_begin(struct pd_grants *t, struct pd_grant *g, bool keep, unsigned conn,
		   const char **ret_why);

/* Writes to the stage (the caller checked the limits). */
int pd_docio_write(struct pd_grants *t, struct pd_grant *g, uint64_t offset, const void *data,
		   size_t len, const char **ret_why);

/* Sets the stage's size (the caller checked the limits). */
int pd_docio_truncate(struct pd_grants *t, struct pd_grant *g, uint64_t size, const char **ret_why);

/* Makes the stage the file: mode taken from the file it replaces (or
 * 0666 & ~umask_bits for a new one), fsync, rename over the file, fsync of
 * the directory. The stage is gone afterwards, whatever the outcome. */
int pd_docio_commit(struct pd_grants *t, struct pd_grant *g, mode_t umask_bits,
		    const char **ret_why);

/* Drops the stage (its temporary name is removed). */
void pd_docio_abort(struct pd_grants *t, struct pd_grant *g);

/* Drops g's stage, closes its descriptors and frees it (g is out of the
 * table; a folder's nodes and file documents are gone already). */
void pd_docio_free(struct pd_grant *g);

#endif
