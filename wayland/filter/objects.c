#include "objects.h"

#include "wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void table_init(struct wlf_table *t, uint32_t base, uint32_t limit)
{
	memset(t, 0, sizeof(*t));
	t->base = base;
	t->limit = limit;
}

static void table_free(struct wlf_table *t)
{
	free(t->v);
	free(t->free);
	table_init(t, t->base, t->limit);
}

static struct wlf_obj *table_slot(struct wlf_table *t, uint32_t id)
{
	if (id < t->base || id - t->base >= t->len)
		return NULL;
	return &t->v[id - t->base];
}

static struct wlf_obj *table_get(struct wlf_table *t, uint32_t id)
{
	struct wlf_obj *s = table_slot(t, id);
	return s && s->iface ? s : NULL;
}

static int table_append(struct wlf_table *t, uint32_t *ret_id)
{
	if (t->len >= t->limit)
		return -ENOSPC;
	if (t->len == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 64;
		if (cap > t->limit)
			cap = t->limit;
		struct wlf_obj *v = realloc(t->v, (size_t)cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	memset(&t->v[t->len], 0, sizeof(t->v[0]));
	*ret_id = t->base + t->len++;
	return 0;
}

/* Takes the id the peer chose: the next one or a free one. */
static int table_insert_at(struct wlf_table *t, uint32_t id)
{
	if (id < t->base)
		return -EINVAL;
	uint32_t idx = id - t->base;
	if (idx > t->len)
		return -EINVAL;
	if (idx == t->len) {
		uint32_t got;
		return table_append(t, &got);
	}
	return t->v[idx].iface ? -EEXIST : 0;
}

/* Takes an id of our choosing: a freed one, else the next. */
static int table_alloc(struct wlf_table *t, uint32_t *ret_id)
{
	if (t->nfree > 0) {
		*ret_id = t->free[--t->nfree];
		return 0;
	}
	return table_append(t, ret_id);
}

static void table_release(struct wlf_table *t, uint32_t id, bool reuse)
{
	struct wlf_obj *s = table_get(t, id);
	if (!s)
		return;
	memset(s, 0, sizeof(*s));
	if (!reuse)
		return;
	if (t->nfree == t->free_cap) {
		/* At most one entry per slot, so this stays bounded by len. */
		uint32_t cap = t->free_cap ? t->free_cap * 2 : 32;
		uint32_t *f = realloc(t->free, (size_t)cap * sizeof(*f));
		if (!f)
			return; /* the id is lost for reuse; the next one serves */
		t->free = f;
		t->free_cap = cap;
	}
	t->free[t->nfree++] = id;
}

void wlf_objects_init(struct wlf_objects *o, uint32_t max_objects)
{
	table_init(&o->cli_c, 1, max_objects);
	table_init(&o->cli_s, WLF_SERVER_ID_START, max_objects);
	table_init(&o->up_c, 1, max_objects);
	table_init(&o->up_s, WLF_SERVER_ID_START, max_objects);
}

void wlf_objects_free(struct wlf_objects *o)
{
	table_free(&o->cli_c);
	table_free(&o->cli_s);
	table_free(&o->up_c);
	table_free(&o->up_s);
}

struct wlf_obj *wlf_obj_get(struct wlf_objects *o, uint32_t id)
{
	return id >= WLF_SERVER_ID_START ? table_get(&o->cli_s, id) : table_get(&o->cli_c, id);
}

uint32_t wlf_obj_from_upstream(struct wlf_objects *o, uint32_t up_id)
{
	struct wlf_obj *s =
	    up_id >= WLF_SERVER_ID_START ? table_get(&o->up_s, up_id) : table_get(&o->up_c, up_id);
	return s ? s->peer : 0;
}

static void fill(struct wlf_obj *s, const struct wl_interface *iface, uint32_t version,
		 uint32_t peer, void *local)
{
	s->iface = iface;
	s->version = version;
	s->peer = peer;
	s->flags = 0;
	s->local = local;
}

int wlf_obj_new_client(struct wlf_objects *o, uint32_t id, const struct wl_interface *iface,
		       uint32_t version, bool forward, uint32_t *ret_up_id)
{
	if (id == 0 || id >= WLF_SERVER_ID_START)
		return -EINVAL;
	int r = table_insert_at(&o->cli_c, id);
	if (r < 0)
		return r;
	uint32_t up = 0;
	if (forward) {
		r = table_alloc(&o->up_c, &up);
		if (r < 0)
			return r; /* the appended client slot stays free: harmless */
		fill(table_slot(&o->up_c, up), iface, version, id, NULL);
	}
	fill(table_slot(&o->cli_c, id), iface, version, up, NULL);
	if (ret_up_id)
		*ret_up_id = up;
	return 0;
}

int wlf_obj_new_upstream(struct wlf_objects *o, uint32_t up_id, const struct wl_interface *iface,
			 uint32_t version, uint32_t *ret_id, uint32_t *ret_old)
{
	*ret_old = 0;
	if (up_id < WLF_SERVER_ID_START)
		return -EINVAL;
	struct wlf_obj *prev = table_get(&o->up_s, up_id);
	if (prev) {
		*ret_old = prev->peer;
		wlf_obj_remove(o, prev->peer);
	}
	int r = table_insert_at(&o->up_s, up_id);
	if (r < 0)
		return r;
	uint32_t id;
	r = table_alloc(&o->cli_s, &id);
	if (r < 0)
		return r;
	fill(table_slot(&o->up_s, up_id), iface, version, id, NULL);
	fill(table_slot(&o->cli_s, id), iface, version, up_id, NULL);
	*ret_id = id;
	return 0;
}

int wlf_obj_new_local(struct wlf_objects *o, const struct wl_interface *iface, uint32_t version,
		      void *local, uint32_t *ret_id)
{
	uint32_t id;
	int r = table_alloc(&o->cli_s, &id);
	if (r < 0)
		return r;
	fill(table_slot(&o->cli_s, id), iface, version, 0, local);
	*ret_id = id;
	return 0;
}

void wlf_obj_remove(struct wlf_objects *o, uint32_t id)
{
	struct wlf_obj *s = wlf_obj_get(o, id);
	if (!s)
		return;
	uint32_t up = s->peer;
	if (id >= WLF_SERVER_ID_START) {
		table_release(&o->cli_s, id, true);
		if (up)
			table_release(&o->up_s, up, false);
	} else {
		table_release(&o->cli_c, id, false);
		if (up)
			table_release(&o->up_c, up, true);
	}
}

static void each(struct wlf_table *t, void (*fn)(uint32_t, struct wlf_obj *, void *), void *ud)
{
	for (uint32_t i = 0; i < t->len; i++)
		if (t->v[i].iface)
			fn(t->base + i, &t->v[i], ud);
}

void wlf_objects_each(struct wlf_objects *o, void (*fn)(uint32_t id, struct wlf_obj *obj, void *ud),
		      void *ud)
{
	each(&o->cli_c, fn, ud);
	each(&o->cli_s, fn, ud);
}
