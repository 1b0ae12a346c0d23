#include "pd_grants.h"
#include "pd_folder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int pd_grants_init(struct pd_grants *t, const struct pd_limits *lim, const uint64_t key[4])
{
	memset(t, 0, sizeof(*t));
	t->lim = *lim;
	t->v = calloc((size_t)lim->max_grants + lim->max_handles + 1, sizeof(*t->v));
	if (!t->v)
		return -ENOMEM;
	pd_ids_init(&t->ids, key);
	return 0;
}

void pd_grants_free(struct pd_grants *t)
{
	for (unsigned i = 0; i < t->n; i++) {
		pd_folder_free(t->v[i]->folder);
		free(t->v[i]->path);
		free(t->v[i]);
	}
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

unsigned pd_grants_room(const struct pd_grants *t)
{
	return t->lim.max_grants - t->n_top;
}

int pd_grants_add(struct pd_grants *t, struct pd_grant *g)
{
	if (g->parent ? t->handles >= t->lim.max_handles : t->n_top >= t->lim.max_grants)
		return -ENOSPC;
	g->id = pd_ids_next(&t->ids);
	g->staged = false;
	t->v[t->n++] = g;
	if (g->parent)
		t->handles++;
	else
		t->n_top++;
	return 0;
}

static int index_of(const struct pd_grants *t, uint64_t id)
{
	for (unsigned i = 0; i < t->n; i++)
		if (t->v[i]->id == id)
			return (int)i;
	return -1;
}

struct pd_grant *pd_grants_find(const struct pd_grants *t, uint64_t id)
{
	int i = index_of(t, id);
	return i < 0 ? NULL : t->v[i];
}

struct pd_grant *pd_grants_take(struct pd_grants *t, uint64_t id)
{
	int i = index_of(t, id);
	if (i < 0)
		return NULL;
	struct pd_grant *g = t->v[i];
	/* The stage stays marked on g, for the caller to drop its file. */
	if (g->staged)
		t->staged_bytes -= g->stage.size;
	/* Keep the listing in the order grants were made. */
	memmove(&t->v[i], &t->v[i + 1], (t->n - (unsigned)i - 1) * sizeof(*t->v));
	t->n--;
	if (g->parent) {
		t->handles--;
	} else {
		t->n_top--;
		t->taken++;
	}
	return g;
}

struct pd_grant *pd_grants_next_file(const struct pd_grants *t, uint64_t folder, unsigned conn)
{
	for (unsigned i = 0; i < t->n; i++)
		if (t->v[i]->parent && (folder == 0 || t->v[i]->parent == folder) &&
		    (conn == 0 || t->v[i]->conn == conn))
			return t->v[i];
	return NULL;
}

uint32_t pd_grants_check(const struct pd_grant *g, enum pd_op op, unsigned conn,
			 const char **ret_why)
{
	if (!g || (g->parent && g->conn != conn)) {
		*ret_why = "no such document";
		return PROTO_ERR_NOT_FOUND;
	}
	if (g->folder && op != PD_OP_STAT && op != PD_OP_CLOSE) {
		*ret_why = "the document is a folder";
		return PROTO_ERR_STATE;
	}
	switch (op) {
	case PD_OP_STAT:
	case PD_OP_CLOSE:
		return 0;
	case PD_OP_READ:
	case PD_OP_READ_STAGED:
		if (!(g->perms & PROTO_PERM_READ)) {
			*ret_why = "document is write-only";
			return PROTO_ERR_PERMISSION;
		}
		if (op == PD_OP_READ_STAGED && !g->staged) {
			*ret_why = "no write in progress";
			return PROTO_ERR_STATE;
		}
		return 0;
	case PD_OP_BEGIN:
	case PD_OP_WRITE:
	case PD_OP_TRUNCATE:
	case PD_OP_COMMIT:
	case PD_OP_ABORT:
		break;
	}
	if (!(g->perms & PROTO_PERM_WRITE)) {
		*ret_why = "document is read-only";
		return PROTO_ERR_PERMISSION;
	}
	if (op == PD_OP_BEGIN) {
		if (g->staged) {
			*ret_why = "a write is already in progress";
			return PROTO_ERR_STATE;
		}
		return 0;
	}
	if (!g->staged) {
		*ret_why = "no write in progress (DOC_BEGIN first)";
		return PROTO_ERR_STATE;
	}
	if (g->stage.conn != conn) {
		*ret_why = "the write in progress belongs to another connection";
		return PROTO_ERR_STATE;
	}
	return 0;
}

uint32_t pd_grants_stage_fits(const struct pd_grants *t, const struct pd_grant *g,
			      uint64_t new_size, const char **ret_why)
{
	uint64_t now = g->staged ? g->stage.size : 0;
	if (new_size > t->lim.max_file_size) {
		*ret_why = "file size limit reached";
		return PROTO_ERR_LIMIT;
	}
	/* Only growth counts against the quota. */
	if (new_size > now && new_size - now > t->lim.staging_quota - t->staged_bytes) {
		*ret_why = "staging space used up";
		return PROTO_ERR_LIMIT;
	}
	return 0;
}

void pd_grants_stage_open(struct pd_grants *t, struct pd_grant *g, unsigned conn, uint64_t size)
{
	g->staged = true;
	g->stage.conn = conn;
	g->stage.size = size;
	t->staged_bytes += size;
}

void pd_grants_stage_resize(struct pd_grants *t, struct pd_grant *g, uint64_t size)
{
	t->staged_bytes = t->staged_bytes - g->stage.size + size;
	g->stage.size = size;
}

void pd_grants_stage_closed(struct pd_grants *t, struct pd_grant *g)
{
	if (!g->staged)
		return;
	t->staged_bytes -= g->stage.size;
	g->stage.size = 0;
	g->staged = false;
}
