#include "docstate.h"

#include <errno.h>
#include <string.h>

enum stage_step stage_plan(const struct stage *st, enum stage_op op, bool exists, uint64_t size,
			   int *ret_err)
{
	*ret_err = 0;
	if (st->state == STAGE_LOST) {
		/* The changes made so far are gone: going on would write a
		 * file with holes in its history. */
		*ret_err = EIO;
		return STEP_FAIL;
	}
	bool open = st->state == STAGE_OPEN;
	switch (op) {
	case STAGE_OP_WRITE:
		if (open)
			return STEP_GO;
		return exists ? STEP_BEGIN_KEEP : STEP_BEGIN;
	case STAGE_OP_CREATE:
		size = 0; /* a created file is empty */
			  /* fall through */
	case STAGE_OP_TRUNCATE:
		if (open)
			return size == st->size ? STEP_DONE : STEP_GO;
		/* Nothing of the old content survives a truncation to 0. */
		return size == 0 || !exists ? STEP_BEGIN : STEP_BEGIN_KEEP;
	case STAGE_OP_COMMIT:
		return open && st->dirty ? STEP_COMMIT : STEP_DONE;
	case STAGE_OP_REPLACE:
		if (st->state != STAGE_NONE) {
			/* Someone is writing the document in place. */
			*ret_err = EBUSY;
			return STEP_FAIL;
		}
		return STEP_BEGIN;
	}
	*ret_err = EINVAL;
	return STEP_FAIL;
}

void stage_begun(struct stage *st, bool keep, uint64_t staged_size)
{
	st->state = STAGE_OPEN;
	st->size = staged_size;
	st->dirty = !keep;
}

void stage_wrote(struct stage *st, uint64_t end)
{
	if (end > st->size)
		st->size = end;
	st->dirty = true;
}

void stage_truncated(struct stage *st, uint64_t size)
{
	st->size = size;
	st->dirty = true;
}

void stage_committed(struct stage *st)
{
	st->state = STAGE_NONE;
	st->dirty = false;
	st->size = 0;
}

void stage_failed(struct stage *st)
{
	st->state = STAGE_NONE;
	st->dirty = false;
	st->size = 0;
}

void stage_disconnected(struct stage *st)
{
	bool changes = st->state == STAGE_COMMITTING || (st->state != STAGE_NONE && st->dirty);
	if (changes && st->writers > 0) {
		st->state = STAGE_LOST;
	} else {
		st->state = STAGE_NONE;
		st->size = 0;
	}
	st->dirty = false;
}

void stage_writer_opened(struct stage *st)
{
	st->writers++;
}

bool stage_writer_closed(struct stage *st)
{
	if (st->writers > 0)
		st->writers--;
	if (st->writers > 0)
		return false;
	if (st->state == STAGE_LOST) {
		st->state = STAGE_NONE;
		st->size = 0;
		return false;
	}
	return st->state == STAGE_OPEN;
}

uint64_t stage_size(const struct stage *st, uint64_t file_size)
{
	return st->state == STAGE_OPEN || st->state == STAGE_COMMITTING ? st->size : file_size;
}

int scratch_resize(struct scratch_budget *b, uint64_t old_size, uint64_t new_size)
{
	if (new_size > old_size && new_size - old_size > b->limit - b->used)
		return -ENOSPC;
	b->used = b->used - old_size + new_size;
	return 0;
}

int scratch_add_file(struct scratch_budget *b)
{
	if (b->files >= b->max_files)
		return -ENOSPC;
	b->files++;
	return 0;
}

void scratch_remove_file(struct scratch_budget *b, uint64_t size)
{
	if (b->files > 0)
		b->files--;
	b->used = size <= b->used ? b->used - size : 0;
}

bool scratch_name_ok(const char *name, const char *docname)
{
	size_t n = strlen(name);
	return n > 0 && n <= 255 && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
	       strcmp(name, docname) != 0 && !strchr(name, '/');
}
