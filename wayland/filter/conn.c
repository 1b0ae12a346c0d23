/* Connections, and the client-to-upstream direction: every message is
 * decoded and checked in full (object ids, opcode, version, arguments, fds,
 * new ids) before a single byte of it is queued upstream. */
#include "conn.h"

#include "internal.h"
#include "opcodes.h"
#include "policy.h"
#include "xdg-shell-client-protocol.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wayland-client-protocol.h>

void wlf_ctx_init(struct wlf_ctx *ctx, enum wlf_mode mode, const char *vm_name)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->mode = mode;
	ctx->vm_name = vm_name;
	ctx->next_conn_id = 1;
}

bool wlf_iface_eq(const struct wl_interface *a, const struct wl_interface *b)
{
	return a == b || strcmp(a->name, b->name) == 0;
}

void wlf_close_fds(int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

const char *wlf_msg_name(const struct wl_interface *iface, const struct wl_message *m, char *buf,
			 size_t size)
{
	snprintf(buf, size, "%s.%s", iface->name, m->name);
	return buf;
}

int wlf_conn_new(struct wlf_ctx *ctx, bool control, struct wlf_conn **ret)
{
	struct wlf_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->ctx = ctx;
	c->id = ctx->next_conn_id++;
	c->control = control;
	wlf_in_init(&c->cin);
	wlf_in_init(&c->uin);
	wlf_out_init(&c->cout, WLF_OUT_HARD_CLIENT);
	wlf_out_init(&c->uout, WLF_OUT_HARD_UP);
	wlf_objects_init(&c->objs, WLF_MAX_OBJECTS);
	int r = control ? wlf_local_init_control(c)
			: wlf_obj_new_client(&c->objs, 1, &wl_display_interface, 1, true, NULL);
	if (r < 0) {
		wlf_objects_free(&c->objs);
		free(c);
		return r;
	}
	c->next = ctx->conns;
	if (ctx->conns)
		ctx->conns->prev = c;
	ctx->conns = c;
	*ret = c;
	return 0;
}

static void free_local(uint32_t id, struct wlf_obj *o, void *ud)
{
	if (o->local)
		wlf_sel_free_local(ud, id, o);
}

void wlf_conn_free(struct wlf_conn *c)
{
	struct wlf_ctx *ctx = c->ctx;
	/* Nothing more goes to this client, whatever its selections' end
	 * tells the others. */
	if (c->state == WLF_CONN_OK)
		c->state = WLF_CONN_OVERFLOW;
	wlf_focus_conn_gone(c);
	wlf_objects_each(&c->objs, free_local, c);
	if (c->prev)
		c->prev->next = c->next;
	else
		ctx->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	wlf_objects_free(&c->objs);
	wlf_in_clear(&c->cin);
	wlf_in_clear(&c->uin);
	wlf_out_clear(&c->cout);
	wlf_out_clear(&c->uout);
	free(c);
}

static void set_state(struct wlf_conn *c, enum wlf_conn_state s, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void set_state(struct wlf_conn *c, enum wlf_conn_state s, const char *fmt, va_list ap)
{
	c->state = s;
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
}

int wlf_conn_client_error(struct wlf_conn *c, uint32_t object, uint32_t code, const char *fmt, ...)
{
	if (c->state != WLF_CONN_OK)
		return -EPROTO;
	va_list ap;
	va_start(ap, fmt);
	set_state(c, WLF_CONN_CLIENT_ERROR, fmt, ap);
	va_end(ap);
	wlf_conn_refresh_focus(c);
	char text[WLF_MAX_REASON + 32];
	snprintf(text, sizeof(text), "appvm-wayland: %s", c->reason);
	uint8_t buf[512];
	struct wlf_enc e;
	wlf_enc_begin(&e, buf, sizeof(buf), 1, WLF_EV_DISPLAY_ERROR);
	wlf_enc_u32(&e, object);
	wlf_enc_u32(&e, code);
	wlf_enc_string(&e, text, strlen(text));
	int n = wlf_enc_end(&e);
	if (n > 0)
		wlf_out_put(&c->cout, buf, (size_t)n, NULL, 0);
	return -EPROTO;
}

int wlf_conn_upstream_error(struct wlf_conn *c, const char *fmt, ...)
{
	if (c->state != WLF_CONN_OK)
		return -EPROTO;
	va_list ap;
	va_start(ap, fmt);
	char why[WLF_MAX_REASON];
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	wlf_conn_client_error(c, 1, WL_DISPLAY_ERROR_IMPLEMENTATION, "upstream: %s", why);
	c->state = WLF_CONN_UPSTREAM_ERROR;
	return -EPROTO;
}

void wlf_conn_upstream_closed(struct wlf_conn *c)
{
	if (c->state == WLF_CONN_OK) {
		c->state = WLF_CONN_UPSTREAM_ERROR;
		snprintf(c->reason, sizeof(c->reason), "upstream closed the connection");
	}
	wlf_conn_refresh_focus(c);
}

/* Queues a message on one of c's outputs; a full output ends the connection. */
static int put(struct wlf_conn *c, struct wlf_out *out, const char *peer, const uint8_t *msg,
	       size_t len, const int *fds, unsigned nfds)
{
	int r = wlf_out_put(out, msg, len, fds, nfds);
	if (r < 0 && c->state == WLF_CONN_OK) {
		c->state = WLF_CONN_OVERFLOW;
		snprintf(c->reason, sizeof(c->reason), "%s does not read what it is sent", peer);
	}
	if (out == &c->cout)
		wlf_conn_refresh_focus(c);
	return r < 0 ? -ENOBUFS : 0;
}

int wlf_conn_put_client(struct wlf_conn *c, const uint8_t *msg, size_t len, const int *fds,
			unsigned nfds)
{
	return put(c, &c->cout, "client", msg, len, fds, nfds);
}

int wlf_conn_send_up(struct wlf_conn *c, const uint8_t *msg, size_t len, const int *fds,
		     unsigned nfds)
{
	return put(c, &c->uout, "upstream", msg, len, fds, nfds);
}

int wlf_conn_post(struct wlf_conn *c, uint32_t object, unsigned opcode, ...)
{
	struct wlf_obj *o = wlf_obj_get(&c->objs, object);
	if (!o || opcode >= (unsigned)o->iface->event_count)
		return -EINVAL; /* the caller's mistake: the object's events are its to know */
	uint8_t buf[WLF_MAX_MSG];
	int fds[WLF_MAX_FDS_SEND];
	unsigned nfds;
	struct wlf_enc e;
	wlf_enc_begin(&e, buf, sizeof(buf), object, (uint16_t)opcode);
	va_list ap;
	va_start(ap, opcode);
	wlf_enc_args(&e, o->iface->events[opcode].signature, ap, fds, WLF_MAX_FDS_SEND, &nfds);
	va_end(ap);
	int n = wlf_enc_end(&e);
	/* A connection being closed takes nothing more, but the fds passed
	 * are closed all the same: a receiver waiting on its pipe reads end
	 * of file, and the filter keeps no fd of it. */
	if (n < 0 || c->state != WLF_CONN_OK) {
		wlf_close_fds(fds, nfds);
		return n < 0 ? n : -ENOBUFS;
	}
	return wlf_conn_put_client(c, buf, (size_t)n, fds, nfds);
}

void wlf_conn_destroy_local(struct wlf_conn *c, uint32_t id)
{
	struct wlf_obj *o = wlf_obj_get(&c->objs, id);
	if (!o)
		return;
	if (o->local)
		wlf_sel_free_local(c, id, o);
	wlf_obj_remove(&c->objs, id);
	if (id < WLF_SERVER_ID_START)
		wlf_conn_post(c, 1, WLF_EV_DISPLAY_DELETE_ID, id);
}

bool wlf_conn_can_read_client(const struct wlf_conn *c)
{
	return c->state == WLF_CONN_OK && c->uout.len < WLF_OUT_SOFT && c->cout.len < WLF_OUT_SOFT;
}

bool wlf_conn_can_read_upstream(const struct wlf_conn *c)
{
	return c->state == WLF_CONN_OK && !c->control && c->cout.len < WLF_OUT_SOFT;
}

/* Object arguments must name live objects of the interface the signature
 * wants. */
static int check_objects(struct wlf_conn *c, const struct wl_interface *iface,
			 const struct wlf_msg *m)
{
	char name[128];
	for (unsigned i = 0; i < m->nargs; i++) {
		const struct wlf_arg *a = &m->args[i];
		if (a->type != 'o' || a->u == 0)
			continue;
		struct wlf_obj *t = wlf_obj_get(&c->objs, a->u);
		if (!t)
			return wlf_conn_client_error(c, m->h.id, WL_DISPLAY_ERROR_INVALID_OBJECT,
						     "unknown object %u in %s", a->u,
						     wlf_msg_name(iface, m->m, name, sizeof(name)));
		if (a->iface && !wlf_iface_eq(t->iface, a->iface))
			return wlf_conn_client_error(
			    c, m->h.id, WL_DISPLAY_ERROR_INVALID_OBJECT,
			    "object %u is a %s, %s needs a %s", a->u, t->iface->name,
			    wlf_msg_name(iface, m->m, name, sizeof(name)), a->iface->name);
	}
	return 0;
}

static int new_id_error(struct wlf_conn *c, uint32_t sender, uint32_t id, int r)
{
	if (r == -ENOSPC || r == -ENOMEM)
		return wlf_conn_client_error(c, sender, WL_DISPLAY_ERROR_NO_MEMORY,
					     "too many objects (new id %u)", id);
	return wlf_conn_client_error(c, sender, WL_DISPLAY_ERROR_INVALID_OBJECT,
				     "invalid new id %u (%s)", id,
				     r == -EEXIST ? "in use" : "not the next free client id");
}

/* Copies the message with its ids turned into upstream ids, creating the
 * objects of its new_id arguments. */
static int forward(struct wlf_conn *c, struct wlf_obj *o, const struct wlf_msg *m, int *fds)
{
	uint8_t buf[WLF_MAX_MSG];
	memcpy(buf, m->raw, m->h.size);
	wlf_set_word(buf, 0, o->peer);
	for (unsigned i = 0; i < m->nargs; i++) {
		const struct wlf_arg *a = &m->args[i];
		if (a->type == 'o' && a->u != 0) {
			struct wlf_obj *t = wlf_obj_get(&c->objs, a->u);
			if (!t->peer)
				goto local_arg;
			wlf_set_word(buf, a->word, t->peer);
		}
	}
	for (unsigned i = 0; i < m->nargs; i++) {
		const struct wlf_arg *a = &m->args[i];
		if (a->type != 'n')
			continue;
		if (!a->iface) {
			/* Only wl_registry.bind names its interface on the wire,
			 * and it does not come here. */
			wlf_close_fds(fds, m->nfds);
			return wlf_conn_client_error(c, m->h.id, WL_DISPLAY_ERROR_INVALID_METHOD,
						     "untyped new id outside wl_registry.bind");
		}
		uint32_t up;
		int r = wlf_obj_new_client(&c->objs, a->u, a->iface, o->version, true, &up);
		if (r < 0) {
			wlf_close_fds(fds, m->nfds);
			return new_id_error(c, m->h.id, a->u, r);
		}
		wlf_set_word(buf, a->word, up);
	}
	return wlf_conn_send_up(c, buf, m->h.size, fds, m->nfds);

local_arg:
	wlf_close_fds(fds, m->nfds);
	return wlf_conn_client_error(c, m->h.id, WL_DISPLAY_ERROR_INVALID_OBJECT,
				     "object of the filter's own passed upstream");
}

/* Host: xdg_toplevel.set_title / set_app_id go up with the VM's tag. */
static int forward_tagged(struct wlf_conn *c, struct wlf_obj *o, const struct wlf_msg *m)
{
	char text[WLF_TAG_MAX + 1];
	const char *s = (const char *)m->args[0].data;
	size_t n = m->h.opcode == XDG_TOPLEVEL_SET_TITLE ? wlf_tag_title(text, c->ctx->vm_name, s)
							 : wlf_tag_app_id(text, c->ctx->vm_name, s);
	uint8_t buf[WLF_MAX_MSG];
	struct wlf_enc e;
	wlf_enc_begin(&e, buf, sizeof(buf), o->peer, m->h.opcode);
	wlf_enc_string(&e, text, n);
	int len = wlf_enc_end(&e);
	if (len < 0)
		return wlf_conn_client_error(c, m->h.id, WL_DISPLAY_ERROR_IMPLEMENTATION,
					     "tagged title does not fit");
	return wlf_conn_send_up(c, buf, (size_t)len, NULL, 0);
}

/* Host: a new toplevel carries the tag from its first request on, so that
 * a window that never sets a title still shows where it comes from. */
static int tag_new_toplevel(struct wlf_conn *c, uint32_t toplevel_id)
{
	struct wlf_obj *t = wlf_obj_get(&c->objs, toplevel_id);
	static const uint16_t ops[] = {XDG_TOPLEVEL_SET_TITLE, XDG_TOPLEVEL_SET_APP_ID};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		char text[WLF_TAG_MAX + 1];
		size_t n = ops[i] == XDG_TOPLEVEL_SET_TITLE
			       ? wlf_tag_title(text, c->ctx->vm_name, "")
			       : wlf_tag_app_id(text, c->ctx->vm_name, "");
		/* "[vm] " and "vm:" lose their separator when nothing follows. */
		n--;
		text[n] = '\0';
		uint8_t buf[256];
		struct wlf_enc e;
		wlf_enc_begin(&e, buf, sizeof(buf), t->peer, ops[i]);
		wlf_enc_string(&e, text, n);
		int len = wlf_enc_end(&e);
		if (len < 0 || wlf_conn_send_up(c, buf, (size_t)len, NULL, 0) < 0)
			return -ENOBUFS;
	}
	return 0;
}

/* Host: a request replaced as wlf_policy_rewrite says (none of them takes
 * fds or creates objects). */
static int forward_rewritten(struct wlf_conn *c, struct wlf_obj *o, const struct wlf_msg *m,
			     const struct wlf_rewrite *rw)
{
	uint8_t buf[16];
	struct wlf_enc e;
	wlf_enc_begin(&e, buf, sizeof(buf), o->peer, rw->opcode);
	if (rw->has_arg)
		wlf_enc_u32(&e, rw->arg);
	int len = wlf_enc_end(&e);
	if (len < 0)
		return wlf_conn_client_error(c, m->h.id, WL_DISPLAY_ERROR_IMPLEMENTATION,
					     "rewritten request does not fit");
	return wlf_conn_send_up(c, buf, (size_t)len, NULL, 0);
}

static int dispatch(struct wlf_conn *c, struct wlf_obj *o, const struct wlf_msg *m, int *fds)
{
	uint32_t id = m->h.id;
	if (o->iface == &wl_registry_interface && m->h.opcode == WL_REGISTRY_BIND)
		return wlf_registry_bind(c, id, o, m);
	if (!o->peer)
		return wlf_local_request(c, id, o, m, fds);
	bool host = c->ctx->mode == WLF_MODE_HOST;
	if (host && wlf_iface_eq(o->iface, &xdg_toplevel_interface) &&
	    (m->h.opcode == XDG_TOPLEVEL_SET_TITLE || m->h.opcode == XDG_TOPLEVEL_SET_APP_ID))
		return forward_tagged(c, o, m);
	struct wlf_rewrite rw;
	if (host && wlf_policy_rewrite(o->iface, m->h.opcode, c->ctx->allow_fullscreen, &rw))
		return forward_rewritten(c, o, m, &rw);
	int r = forward(c, o, m, fds);
	if (r < 0)
		return r;
	if (host && wlf_iface_eq(o->iface, &xdg_surface_interface) &&
	    m->h.opcode == XDG_SURFACE_GET_TOPLEVEL)
		return tag_new_toplevel(c, m->args[0].u);
	if (o->iface == &wl_display_interface && m->h.opcode == WL_DISPLAY_GET_REGISTRY &&
	    c->ctx->mode == WLF_MODE_GUEST)
		return wlf_registry_announce(c, m->args[0].u);
	return 0;
}

static int client_message(struct wlf_conn *c, const struct wlf_header *h, const uint8_t *raw)
{
	char name[128];
	struct wlf_obj *o = wlf_obj_get(&c->objs, h->id);
	if (!o)
		return wlf_conn_client_error(c, h->id, WL_DISPLAY_ERROR_INVALID_OBJECT,
					     "unknown object %u", h->id);
	if (h->opcode >= o->iface->method_count)
		return wlf_conn_client_error(c, h->id, WL_DISPLAY_ERROR_INVALID_METHOD,
					     "%s has no request %u", o->iface->name, h->opcode);
	const struct wl_message *msg = &o->iface->methods[h->opcode];
	wlf_msg_name(o->iface, msg, name, sizeof(name));
	if (wlf_message_since(msg) > o->version)
		return wlf_conn_client_error(c, h->id, WL_DISPLAY_ERROR_INVALID_METHOD,
					     "%s needs version %u, object has %u", name,
					     wlf_message_since(msg), o->version);
	struct wlf_msg m;
	const char *why;
	if (wlf_msg_decode(raw, h, msg, &m, &why) < 0)
		return wlf_conn_client_error(c, h->id, WL_DISPLAY_ERROR_INVALID_METHOD, "%s: %s",
					     name, why);
	if (m.nfds > c->cin.nfds)
		return wlf_conn_client_error(c, h->id, WL_DISPLAY_ERROR_INVALID_METHOD,
					     "%s: file descriptor missing", name);
	if (m.nfds > WLF_MAX_FDS_SEND)
		return wlf_conn_client_error(c, h->id, WL_DISPLAY_ERROR_INVALID_METHOD,
					     "%s: too many file descriptors", name);
	int r = check_objects(c, o->iface, &m);
	if (r < 0)
		return r;
	int fds[WLF_MAX_FDS_SEND];
	for (unsigned i = 0; i < m.nfds; i++)
		fds[i] = wlf_in_pop_fd(&c->cin);
	/* The request's handling creates objects, which may move the table o
	 * points into: what follows reads a copy. */
	struct wlf_obj self = *o;
	return dispatch(c, &self, &m, fds);
}

void wlf_conn_from_client(struct wlf_conn *c)
{
	size_t off = 0;
	while (wlf_conn_can_read_client(c)) {
		struct wlf_header h;
		int r = wlf_header_parse(c->cin.buf + off, c->cin.len - off, &h);
		if (r == -EAGAIN)
			break;
		if (r < 0) {
			wlf_conn_client_error(c, h.id, WL_DISPLAY_ERROR_INVALID_METHOD,
					      "message size %u is impossible", h.size);
			break;
		}
		client_message(c, &h, c->cin.buf + off);
		off += h.size;
	}
	wlf_in_consume(&c->cin, off);
	wlf_conn_refresh_focus(c);
}

void wlf_conn_from_upstream(struct wlf_conn *c)
{
	size_t off = 0;
	while (wlf_conn_can_read_upstream(c)) {
		struct wlf_header h;
		int r = wlf_header_parse(c->uin.buf + off, c->uin.len - off, &h);
		if (r == -EAGAIN)
			break;
		if (r < 0) {
			wlf_conn_upstream_error(c, "message size %u is impossible", h.size);
			break;
		}
		wlf_upstream_message(c, &h, c->uin.buf + off);
		off += h.size;
	}
	wlf_in_consume(&c->uin, off);
	wlf_conn_refresh_focus(c);
}
