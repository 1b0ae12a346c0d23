/* The upstream-to-client direction: events are decoded against the
 * object's interface, their ids turned into the client's, and a few are
 * looked at on the way: the registry (filtered), delete_id (frees ids),
 * keyboard focus and input serials. */
#include "internal.h"
#include "opcodes.h"
#include "policy.h"

#include <errno.h>
#include <string.h>
#include <wayland-client-protocol.h>

static bool is(const struct wlf_obj *o, const struct wl_interface *iface, const struct wlf_msg *m,
	       uint16_t opcode)
{
	return o->iface == iface && m->h.opcode == opcode;
}

/* wl_display.delete_id: the upstream id is free again, and so is the
 * client's id for the same object. */
static int delete_id(struct wlf_conn *c, const struct wlf_msg *m)
{
	uint32_t up = m->args[0].u;
	uint32_t id = up < WLF_SERVER_ID_START ? wlf_obj_from_upstream(&c->objs, up) : 0;
	if (!id)
		return wlf_conn_upstream_error(c, "delete_id of unknown object %u", up);
	struct wlf_obj *o = wlf_obj_get(&c->objs, id);
	if (o->flags & WLF_OBJ_KBD_ENTERED)
		wlf_focus_leave(c, o);
	wlf_obj_remove(&c->objs, id);
	return wlf_conn_post(c, 1, WLF_EV_DISPLAY_DELETE_ID, id);
}

/* Input events whose serial a client may use to set a selection. */
static void note_input(struct wlf_conn *c, struct wlf_obj *o, const struct wlf_msg *m)
{
	if (is(o, &wl_keyboard_interface, m, WLF_EV_KEYBOARD_ENTER) ||
	    is(o, &wl_keyboard_interface, m, WLF_EV_KEYBOARD_KEY) ||
	    is(o, &wl_pointer_interface, m, WLF_EV_POINTER_ENTER) ||
	    is(o, &wl_pointer_interface, m, WLF_EV_POINTER_BUTTON) ||
	    is(o, &wl_touch_interface, m, WLF_EV_TOUCH_DOWN))
		wlf_focus_serial(c, m->args[0].u);
	if (is(o, &wl_keyboard_interface, m, WLF_EV_KEYBOARD_ENTER)) {
		bool first = c->kbd_entered == 0;
		wlf_focus_enter(c, o);
		/* Selections reach a client just before its keyboard focus. */
		if (first && c->kbd_entered > 0 && c->ctx->mode == WLF_MODE_GUEST)
			wlf_sel_focus_in(c);
	} else if (is(o, &wl_keyboard_interface, m, WLF_EV_KEYBOARD_LEAVE)) {
		wlf_focus_leave(c, o);
	}
}

/* Host: the event in buf (ids already the client's) encoded again with the
 * texts about the host's hardware replaced (wlf_policy_event_text_hidden).
 * Returns the new size, h.size when nothing is hidden, or -EMSGSIZE. */
static int hide_texts(const struct wlf_obj *o, const struct wlf_msg *m, uint8_t *buf)
{
	bool any = false;
	for (unsigned i = 0; i < m->nargs; i++)
		any = any || (m->args[i].type == 's' &&
			      wlf_policy_event_text_hidden(o->iface, m->h.opcode, i));
	if (!any)
		return m->h.size;
	uint8_t out[WLF_MAX_MSG];
	struct wlf_enc e;
	wlf_enc_begin(&e, out, sizeof(out), wlf_word(buf, 0), m->h.opcode);
	for (unsigned i = 0; i < m->nargs; i++) {
		const struct wlf_arg *a = &m->args[i];
		switch (a->type) {
		case 'h':
			break;
		case 's':
			if (wlf_policy_event_text_hidden(o->iface, m->h.opcode, i))
				wlf_enc_string(&e, WLF_HIDDEN_TEXT, strlen(WLF_HIDDEN_TEXT));
			else
				wlf_enc_string(&e, (const char *)a->data, a->data ? a->u - 1 : 0);
			break;
		case 'a':
			wlf_enc_array(&e, a->data, a->u);
			break;
		default:
			wlf_enc_u32(&e, wlf_word(buf, a->word));
			break;
		}
	}
	int n = wlf_enc_end(&e);
	if (n > 0)
		memcpy(buf, out, (size_t)n);
	return n;
}

int wlf_upstream_message(struct wlf_conn *c, const struct wlf_header *h, const uint8_t *raw)
{
	char name[128];
	uint32_t id = wlf_obj_from_upstream(&c->objs, h->id);
	struct wlf_obj *o = id ? wlf_obj_get(&c->objs, id) : NULL;
	if (!o)
		return wlf_conn_upstream_error(c, "event for unknown object %u", h->id);
	if (h->opcode >= o->iface->event_count)
		return wlf_conn_upstream_error(c, "%s has no event %u", o->iface->name, h->opcode);
	const struct wl_message *msg = &o->iface->events[h->opcode];
	wlf_msg_name(o->iface, msg, name, sizeof(name));
	if (wlf_message_since(msg) > o->version)
		return wlf_conn_upstream_error(c, "%s sent to a version %u object", name,
					       o->version);
	struct wlf_msg m;
	const char *why;
	if (wlf_msg_decode(raw, h, msg, &m, &why) < 0)
		return wlf_conn_upstream_error(c, "%s: %s", name, why);
	if (m.nfds > c->uin.nfds || m.nfds > WLF_MAX_FDS_SEND)
		return wlf_conn_upstream_error(c, "%s: file descriptors missing", name);

	uint8_t buf[WLF_MAX_MSG];
	memcpy(buf, raw, h->size);
	wlf_set_word(buf, 0, id);
	for (unsigned i = 0; i < m.nargs; i++) {
		struct wlf_arg *a = &m.args[i];
		if (a->type != 'o' || a->u == 0)
			continue;
		uint32_t t = wlf_obj_from_upstream(&c->objs, a->u);
		if (!t)
			return wlf_conn_upstream_error(c, "%s: unknown object %u", name, a->u);
		if (a->iface && !wlf_iface_eq(wlf_obj_get(&c->objs, t)->iface, a->iface))
			return wlf_conn_upstream_error(c, "%s: object %u of the wrong interface",
						       name, a->u);
		wlf_set_word(buf, a->word, t);
		a->u = t;
	}
	uint32_t version = o->version;
	for (unsigned i = 0; i < m.nargs; i++) {
		struct wlf_arg *a = &m.args[i];
		if (a->type != 'n')
			continue;
		uint32_t t, old;
		if (!a->iface ||
		    wlf_obj_new_upstream(&c->objs, a->u, a->iface, version, &t, &old) < 0)
			return wlf_conn_upstream_error(c, "%s: bad new id %u", name, a->u);
		wlf_set_word(buf, a->word, t);
		a->u = t;
	}
	/* New objects may have moved the table o pointed into, or replaced o
	 * itself (a new id reusing the sender's). */
	o = wlf_obj_get(&c->objs, id);
	if (!o)
		return wlf_conn_upstream_error(c, "%s: replaces the object it is sent to", name);

	if (o->iface == &wl_display_interface && h->opcode == WLF_EV_DISPLAY_DELETE_ID)
		return delete_id(c, &m);
	if (is(o, &wl_registry_interface, &m, WLF_EV_REGISTRY_GLOBAL))
		return wlf_registry_up_global(c, id, &m);
	if (is(o, &wl_registry_interface, &m, WLF_EV_REGISTRY_GLOBAL_REMOVE))
		return wlf_registry_up_remove(c, id, &m);
	note_input(c, o, &m);
	int len = c->ctx->mode == WLF_MODE_HOST ? hide_texts(o, &m, buf) : h->size;
	if (len < 0)
		return wlf_conn_upstream_error(c, "%s: too long with its texts hidden", name);

	int fds[WLF_MAX_FDS_SEND];
	for (unsigned i = 0; i < m.nfds; i++)
		fds[i] = wlf_in_pop_fd(&c->uin);
	return wlf_conn_put_client(c, buf, (size_t)len, fds, m.nfds);
}
