/* Keyboard focus and input serials, as the filter sees them pass from
 * upstream to each client. The host uses the focus to tell a clipboard tool
 * whether one of this VM's windows is focused; the guest uses both to send
 * selections to the focused client and to check the serial of set_selection. */
#include "internal.h"

void wlf_focus_serial(struct wlf_conn *c, uint32_t serial)
{
	c->serials[c->nserials % WLF_RECENT_SERIALS] = serial;
	c->nserials++;
}

bool wlf_focus_serial_ok(const struct wlf_conn *c, uint32_t serial)
{
	unsigned n = c->nserials < WLF_RECENT_SERIALS ? c->nserials : WLF_RECENT_SERIALS;
	for (unsigned i = 0; i < n; i++)
		if (c->serials[i] == serial)
			return true;
	return false;
}

static void conn_focus(struct wlf_conn *c, bool on)
{
	struct wlf_ctx *ctx = c->ctx;
	unsigned before = ctx->focused;
	if (on)
		ctx->focused++;
	else if (ctx->focused > 0)
		ctx->focused--;
	if ((before == 0) != (ctx->focused == 0))
		ctx->focus_changed = true;
}

/* What the filter cannot see is not focus. A client that does not read
 * its events stops the filter reading upstream (backpressure), so the
 * compositor's leave may wait unread for as long as the guest likes; and a
 * connection that is ending reads nothing more. Neither counts as focused,
 * so the focus file never names a VM on stale knowledge. */
static bool holds_focus(const struct wlf_conn *c)
{
	return c->kbd_entered > 0 && c->state == WLF_CONN_OK && c->cout.len < WLF_OUT_SOFT;
}

void wlf_conn_refresh_focus(struct wlf_conn *c)
{
	bool now = holds_focus(c);
	if (now == c->focus_held)
		return;
	c->focus_held = now;
	conn_focus(c, now);
}

void wlf_focus_enter(struct wlf_conn *c, struct wlf_obj *kbd)
{
	if (kbd->flags & WLF_OBJ_KBD_ENTERED)
		return;
	kbd->flags |= WLF_OBJ_KBD_ENTERED;
	c->kbd_entered++;
	wlf_conn_refresh_focus(c);
}

void wlf_focus_leave(struct wlf_conn *c, struct wlf_obj *kbd)
{
	if (!(kbd->flags & WLF_OBJ_KBD_ENTERED))
		return;
	kbd->flags &= ~WLF_OBJ_KBD_ENTERED;
	if (c->kbd_entered > 0)
		c->kbd_entered--;
	wlf_conn_refresh_focus(c);
}

int wlf_focus_settle(struct wlf_focus_settle *s, bool focused, uint64_t now, uint64_t *ret_wake)
{
	int v = focused ? 1 : 0;
	if (ret_wake)
		*ret_wake = UINT64_MAX;
	if (s->written < 0)
		return v;
	if (v == s->written) {
		if (s->pending >= 0)
			s->dropped++;
		s->pending = -1;
		return -1;
	}
	if (s->pending != v) {
		s->pending = v;
		s->since = now;
	}
	if (now >= s->since && now - s->since >= WLF_FOCUS_SETTLE_MS) {
		s->pending = -1;
		return v;
	}
	if (ret_wake)
		*ret_wake = s->since + WLF_FOCUS_SETTLE_MS;
	return -1;
}

void wlf_focus_conn_gone(struct wlf_conn *c)
{
	c->kbd_entered = 0;
	wlf_conn_refresh_focus(c);
}
