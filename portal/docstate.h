/* How file operations on a document become staged writes on the host, and
 * the budget of scratch files (docs/portal.md, "The document filesystem").
 * Pure: the filesystem (fs_doc.c) asks what to send and reports what the
 * host answered; nothing here does I/O.
 *
 * A document has at most one stage, opened with DOC_BEGIN (KEEP: starting
 * from the current content) and ended with DOC_COMMIT (the host replaces
 * the file) or DOC_ABORT. In-place writers (write, truncate) open it on
 * their first change and commit on fsync or close; a scratch file renamed
 * onto the document is sent as a whole stage of its own. */
#ifndef APPVM_PORTAL_DOCSTATE_H
#define APPVM_PORTAL_DOCSTATE_H

#include <stdbool.h>
#include <stdint.h>

enum stage_state {
	STAGE_NONE,	  /* no stage on the host */
	STAGE_OPENING,	  /* DOC_BEGIN sent */
	STAGE_OPEN,	  /* a stage is open; size is its size */
	STAGE_COMMITTING, /* DOC_COMMIT sent */
	STAGE_LOST,	  /* the connection ended with changes uncommitted: writes fail
			     until every writer has closed */
};

struct stage {
	enum stage_state state;
	bool dirty;	  /* changed since DOC_BEGIN: something to commit */
	uint64_t size;	  /* the stage's size while open */
	unsigned writers; /* open handles that may write */
};

/* What a guest operation wants done to the document. */
enum stage_op {
	STAGE_OP_WRITE,	   /* write(2) in place */
	STAGE_OP_TRUNCATE, /* truncate(2), O_TRUNC */
	STAGE_OP_CREATE,   /* create the document's name (it did not exist or was unlinked) */
	STAGE_OP_COMMIT,   /* fsync(2), or the close of a handle that wrote */
	STAGE_OP_REPLACE,  /* rename a scratch file onto the document */
};

/* The first request an operation needs. */
enum stage_step {
	STEP_GO,	 /* the operation's own requests (DOC_WRITE, DOC_TRUNCATE, ...) */
	STEP_BEGIN,	 /* DOC_BEGIN without KEEP, then ask again */
	STEP_BEGIN_KEEP, /* DOC_BEGIN KEEP, then ask again */
	STEP_COMMIT,	 /* DOC_COMMIT */
	STEP_DONE,	 /* nothing to send: the operation succeeded */
	STEP_FAIL,	 /* the operation fails with *ret_err */
};

/* Decides the next step of op. exists: the host file exists and the guest
 * has not unlinked its name (a KEEP of nothing is pointless); size: the
 * truncate size. Must not be called while OPENING or COMMITTING (the
 * caller serialises operations per document). */
enum stage_step stage_plan(const struct stage *st, enum stage_op op, bool exists, uint64_t size,
			   int *ret_err);

/* The host answered DOC_BEGIN: the stage is open with staged_size bytes.
 * Without KEEP the content was replaced by nothing, which is a change. */
void stage_begun(struct stage *st, bool keep, uint64_t staged_size);
/* DOC_WRITE of [offset, end) succeeded. */
void stage_wrote(struct stage *st, uint64_t end);
/* DOC_TRUNCATE to size succeeded. */
void stage_truncated(struct stage *st, uint64_t size);
/* DOC_COMMIT succeeded: no stage any more. */
void stage_committed(struct stage *st);
/* DOC_BEGIN or DOC_COMMIT failed: the host holds no stage of ours (the
 * caller aborts a failed commit's stage). */
void stage_failed(struct stage *st);
/* The connection to the host ended: the host dropped the stage. Changes
 * are lost if there were any (LOST); otherwise nothing was. */
void stage_disconnected(struct stage *st);
/* A handle that may write was opened. */
void stage_writer_opened(struct stage *st);
/* A handle that may write was closed. Returns true when the stage should be
 * dropped with DOC_ABORT (the last writer left an open stage uncommitted). */
bool stage_writer_closed(struct stage *st);
/* The size the guest sees: the stage's while one is open, else file_size. */
uint64_t stage_size(const struct stage *st, uint64_t file_size);

/* The memory scratch files may use, all documents together. */
struct scratch_budget {
	uint64_t limit, used; /* bytes: the sum of the scratch files' sizes */
	unsigned max_files, files;
};

/* A scratch file of old_size bytes would become new_size. Returns 0 (and
 * accounts for it) or -ENOSPC. */
int scratch_resize(struct scratch_budget *b, uint64_t old_size, uint64_t new_size);
/* Creating one more scratch file. Returns 0 or -ENOSPC. */
int scratch_add_file(struct scratch_budget *b);
/* A scratch file of size bytes is gone. */
void scratch_remove_file(struct scratch_budget *b, uint64_t size);

/* Returns true if name may be a scratch file next to document docname:
 * 1..255 bytes, not ".", "..", docname, and without '/'. */
bool scratch_name_ok(const char *name, const char *docname);

#endif
