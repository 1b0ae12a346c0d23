#include "wlclip.h"

#include "cleanup.h"
#include "log.h"
#include "unix_addr.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wayland-client.h>

#include "wlr-data-control-unstable-v1-client-protocol.h"

struct offer {
	struct zwlr_data_control_offer_v1 *obj;
	unsigned n;
	char *mimes[WLCLIP_MAX_MIMES];
};

enum stage { STAGE_GLOBALS, STAGE_SELECTION, STAGE_READY };

struct wlclip {
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_seat *seat;
	struct zwlr_data_control_manager_v1 *manager;
	struct zwlr_data_control_device_v1 *device;
	struct wl_callback *stage_cb;
	enum stage stage;
	struct offer *announced; /* offered, not yet the selection */
	struct offer *selection;
	struct zwlr_data_control_source_v1 *source;
	const struct wlclip_ops *ops;
	void *data;
	uint32_t next_token;
	struct token_cb *tokens; /* round trips in flight */
	char failed[160];	 /* set by a handler that found the connection unusable */
};

/* A round trip that reports its token to ops->done. */
struct token_cb {
	struct wlclip *c;
	uint32_t token;
	struct wl_callback *cb;
	struct token_cb *next;
};

/* What a MIME type may be here: 1-255 bytes of printable ASCII. Wayland
 * allows any string; X11 names (UTF8_STRING) are no MIME types but common. */
static bool mime_ok(const char *mime)
{
	size_t n = strlen(mime);
	if (n == 0 || n > WLCLIP_MIME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (mime[i] < 0x20 || mime[i] > 0x7e)
			return false;
	return true;
}

static void offer_free(struct offer *o)
{
	if (!o)
		return;
	for (unsigned i = 0; i < o->n; i++)
		free(o->mimes[i]);
	if (o->obj)
		zwlr_data_control_offer_v1_destroy(o->obj);
	free(o);
}

static void offer_mime(void *data, struct zwlr_data_control_offer_v1 *obj, const char *mime)
{
	(void)obj;
	struct offer *o = data;
	/* Strange or duplicate names are of no use to anyone. */
	if (o->n == WLCLIP_MAX_MIMES || !mime_ok(mime))
		return;
	for (unsigned i = 0; i < o->n; i++)
		if (strcmp(o->mimes[i], mime) == 0)
			return;
	char *copy = strdup(mime);
	if (copy)
		o->mimes[o->n++] = copy;
}

static const struct zwlr_data_control_offer_v1_listener offer_listener = {.offer = offer_mime};

static void device_data_offer(void *data, struct zwlr_data_control_device_v1 *dev,
			      struct zwlr_data_control_offer_v1 *obj)
{
	(void)dev;
	struct wlclip *c = data;
	offer_free(c->announced);
	c->announced = calloc(1, sizeof(*c->announced));
	if (!c->announced) {
		zwlr_data_control_offer_v1_destroy(obj);
		snprintf(c->failed, sizeof(c->failed), "out of memory");
		return;
	}
	c->announced->obj = obj;
	zwlr_data_control_offer_v1_add_listener(obj, &offer_listener, c->announced);
}

static void device_selection(void *data, struct zwlr_data_control_device_v1 *dev,
			     struct zwlr_data_control_offer_v1 *obj)
{
	(void)dev;
	struct wlclip *c = data;
	struct offer *now = NULL;
	if (obj && c->announced && c->announced->obj == obj) {
		now = c->announced;
		c->announced = NULL;
	}
	offer_free(c->selection);
	c->selection = now;
	if (c->stage == STAGE_READY && c->ops->selection)
		c->ops->selection(c->data);
}

static void device_finished(void *data, struct zwlr_data_control_device_v1 *dev)
{
	(void)dev;
	struct wlclip *c = data;
	snprintf(c->failed, sizeof(c->failed), "the compositor ended data-control (seat gone)");
}

static void device_primary(void *data, struct zwlr_data_control_device_v1 *dev,
			   struct zwlr_data_control_offer_v1 *obj)
{
	(void)data, (void)dev, (void)obj; /* version 1 is bound: never sent */
}

static const struct zwlr_data_control_device_v1_listener device_listener = {
    .data_offer = device_data_offer,
    .selection = device_selection,
    .finished = device_finished,
    .primary_selection = device_primary,
};

static void source_send(void *data, struct zwlr_data_control_source_v1 *src, const char *mime,
			int fd)
{
	struct wlclip *c = data;
	if (src != c->source || !c->ops->send) {
		close(fd);
		return;
	}
	c->ops->send(c->data, mime, fd);
}

static void source_cancelled(void *data, struct zwlr_data_control_source_v1 *src)
{
	struct wlclip *c = data;
	zwlr_data_control_source_v1_destroy(src);
	if (src != c->source)
		return;
	c->source = NULL;
	if (c->ops->cancelled)
		c->ops->cancelled(c->data);
}

static const struct zwlr_data_control_source_v1_listener source_listener = {
    .send = source_send,
    .cancelled = source_cancelled,
};

static void registry_global(void *data, struct wl_registry *reg, uint32_t name, const char *iface,
			    uint32_t version)
{
	(void)version;
	struct wlclip *c = data;
	if (!c->seat && strcmp(iface, wl_seat_interface.name) == 0)
		c->seat = wl_registry_bind(reg, name, &wl_seat_interface, 1);
	else if (!c->manager && strcmp(iface, zwlr_data_control_manager_v1_interface.name) == 0)
		c->manager =
		    wl_registry_bind(reg, name, &zwlr_data_control_manager_v1_interface, 1);
}

static void registry_remove(void *data, struct wl_registry *reg, uint32_t name)
{
	(void)data, (void)reg, (void)name;
}

static const struct wl_registry_listener registry_listener = {
    .global = registry_global,
    .global_remove = registry_remove,
};

static void stage_done(void *data, struct wl_callback *cb, uint32_t serial);
static const struct wl_callback_listener stage_listener = {.done = stage_done};

/* Each stage ends with a round trip: the globals are known, then the
 * device has told the current selection. */
static void stage_done(void *data, struct wl_callback *cb, uint32_t serial)
{
	(void)serial;
	struct wlclip *c = data;
	wl_callback_destroy(cb);
	c->stage_cb = NULL;
	if (c->stage == STAGE_GLOBALS) {
		if (!c->manager || !c->seat) {
			snprintf(c->failed, sizeof(c->failed), "the compositor offers no %s",
				 c->manager ? "seat"
					    : "zwlr_data_control_manager_v1 (data-control)");
			return;
		}
		c->device = zwlr_data_control_manager_v1_get_data_device(c->manager, c->seat);
		zwlr_data_control_device_v1_add_listener(c->device, &device_listener, c);
		c->stage = STAGE_SELECTION;
		c->stage_cb = wl_display_sync(c->display);
		wl_callback_add_listener(c->stage_cb, &stage_listener, c);
		return;
	}
	c->stage = STAGE_READY;
	if (c->ops->selection)
		c->ops->selection(c->data);
}

static void token_done(void *data, struct wl_callback *cb, uint32_t serial)
{
	(void)serial;
	struct token_cb *t = data;
	struct wlclip *c = t->c;
	wl_callback_destroy(cb);
	for (struct token_cb **p = &c->tokens; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	uint32_t token = t->token;
	free(t);
	if (c->ops->done)
		c->ops->done(c->data, token);
}

static const struct wl_callback_listener token_listener = {.done = token_done};

static int fail(char *err, size_t errlen, int r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return r;
}

/* libwayland's own messages (protocol errors) go to our log, at debug level:
 * wlclip_io reports them as errors. */
static void wl_log_handler(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static void wl_log_handler(const char *fmt, va_list ap)
{
	if (log_get_level() >= LOG_LEVEL_DEBUG)
		log_vmsg(LOG_LEVEL_DEBUG, fmt, ap);
}

static int socket_path(const char *path, char *buf, size_t size)
{
	if (!path) {
		path = getenv("WAYLAND_DISPLAY");
		if (!path || !*path)
			path = "wayland-0";
	}
	if (path[0] == '/')
		return snprintf(buf, size, "%s", path) < (int)size ? 0 : -ENAMETOOLONG;
	const char *dir = getenv("XDG_RUNTIME_DIR");
	if (!dir || dir[0] != '/')
		return -ENOTDIR;
	return snprintf(buf, size, "%s/%s", dir, path) < (int)size ? 0 : -ENAMETOOLONG;
}

int wlclip_connect(struct wlclip **ret, const char *path, const struct wlclip_ops *ops, void *data,
		   char *err, size_t errlen)
{
	char where[108];
	struct sockaddr_un sa;
	int r = socket_path(path, where, sizeof(where));
	if (r == -ENOTDIR)
		return fail(
		    err, errlen, -ENOENT,
		    "no compositor: WAYLAND_DISPLAY is a name and XDG_RUNTIME_DIR is not set");
	if (r < 0 || unix_addr_set(&sa, where) < 0)
		return fail(err, errlen, -ENAMETOOLONG, "compositor socket path too long");
	wl_log_set_handler_client(wl_log_handler);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fail(err, errlen, -errno, "socket: %s", strerror(errno));
	/* A Unix connect completes at once or fails: it never waits, even on
	 * a non-blocking socket (a full backlog is EAGAIN). */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		return fail(err, errlen, r, "cannot connect to the compositor at %s: %s", where,
			    strerror(-r));
	}
	struct wlclip *c = calloc(1, sizeof(*c));
	if (!c)
		return fail(err, errlen, -ENOMEM, "out of memory");
	c->ops = ops;
	c->data = data;
	c->display = wl_display_connect_to_fd(fd);
	if (!c->display) {
		free(c);
		return fail(err, errlen, -ENOMEM, "cannot set up a Wayland connection");
	}
	fd = -1; /* the display owns it now */
	c->registry = wl_display_get_registry(c->display);
	wl_registry_add_listener(c->registry, &registry_listener, c);
	c->stage_cb = wl_display_sync(c->display);
	wl_callback_add_listener(c->stage_cb, &stage_listener, c);
	if (wlclip_flush(c) < 0) {
		r = -errno;
		wlclip_free(c);
		return fail(err, errlen, r ? r : -EIO, "cannot talk to the compositor at %s",
			    where);
	}
	*ret = c;
	return 0;
}

void wlclip_free(struct wlclip *c)
{
	if (!c)
		return;
	offer_free(c->announced);
	offer_free(c->selection);
	while (c->tokens) {
		struct token_cb *t = c->tokens;
		c->tokens = t->next;
		wl_callback_destroy(t->cb);
		free(t);
	}
	if (c->source)
		zwlr_data_control_source_v1_destroy(c->source);
	if (c->device)
		zwlr_data_control_device_v1_destroy(c->device);
	if (c->manager)
		zwlr_data_control_manager_v1_destroy(c->manager);
	if (c->seat)
		wl_seat_destroy(c->seat);
	if (c->stage_cb)
		wl_callback_destroy(c->stage_cb);
	if (c->registry)
		wl_registry_destroy(c->registry);
	wl_display_disconnect(c->display);
	free(c);
}

int wlclip_fd(const struct wlclip *c)
{
	return wl_display_get_fd(c->display);
}

int wlclip_flush(struct wlclip *c)
{
	if (wl_display_flush(c->display) < 0) {
		if (errno == EAGAIN)
			return 1;
		return -errno;
	}
	return 0;
}

static int display_failed(struct wlclip *c, char *err, size_t errlen)
{
	int e = wl_display_get_error(c->display);
	if (e == EPROTO) {
		const struct wl_interface *iface = NULL;
		uint32_t id = 0;
		uint32_t code = wl_display_get_protocol_error(c->display, &iface, &id);
		return fail(err, errlen, -EPROTO,
			    "the compositor reported protocol error %u on %s@%u", code,
			    iface ? iface->name : "?", id);
	}
	if (e == 0 || e == EPIPE || e == ECONNRESET)
		return fail(err, errlen, -EPIPE, "the compositor closed the connection");
	return fail(err, errlen, -e, "Wayland connection: %s", strerror(e));
}

int wlclip_io(struct wlclip *c, char *err, size_t errlen)
{
	struct wl_display *d = c->display;
	if (c->failed[0])
		return fail(err, errlen, -EPROTO, "%s", c->failed);
	while (wl_display_prepare_read(d) != 0)
		if (wl_display_dispatch_pending(d) < 0)
			return display_failed(c, err, errlen);
	/* Reads what is there; nothing there is not an error. */
	if (wl_display_read_events(d) < 0 || wl_display_dispatch_pending(d) < 0)
		return display_failed(c, err, errlen);
	if (c->failed[0])
		return fail(err, errlen, -EPROTO, "%s", c->failed);
	if (wlclip_flush(c) < 0)
		return display_failed(c, err, errlen);
	return 0;
}

bool wlclip_ready(const struct wlclip *c)
{
	return c->stage == STAGE_READY && !c->failed[0];
}

bool wlclip_has_selection(const struct wlclip *c)
{
	return c->selection != NULL;
}

unsigned wlclip_mimes(const struct wlclip *c, const char *const **ret)
{
	if (!c->selection) {
		*ret = NULL;
		return 0;
	}
	*ret = (const char *const *)c->selection->mimes;
	return c->selection->n;
}

int wlclip_receive(struct wlclip *c, const char *mime)
{
	int p[2];
	if (!c->selection)
		return -ENOENT;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	if (fcntl(p[0], F_SETFL, O_NONBLOCK) < 0) {
		int r = -errno;
		close(p[0]);
		close(p[1]);
		return r;
	}
	zwlr_data_control_offer_v1_receive(c->selection->obj, mime, p[1]);
	/* libwayland has duplicated the write end into its queue. */
	close(p[1]);
	if (wlclip_flush(c) < 0) {
		close(p[0]);
		return -EPIPE;
	}
	return p[0];
}

static int roundtrip_token(struct wlclip *c, uint32_t *ret_token)
{
	struct token_cb *t = malloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->c = c;
	t->token = ++c->next_token;
	t->cb = wl_display_sync(c->display);
	t->next = c->tokens;
	c->tokens = t;
	wl_callback_add_listener(t->cb, &token_listener, t);
	*ret_token = t->token;
	return wlclip_flush(c) < 0 ? -EPIPE : 0;
}

int wlclip_set(struct wlclip *c, const char *const *mimes, unsigned n, uint32_t *ret_token)
{
	if (!c->device || n == 0)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (!mime_ok(mimes[i]))
			return -EINVAL;
	if (c->source)
		zwlr_data_control_source_v1_destroy(c->source);
	c->source = zwlr_data_control_manager_v1_create_data_source(c->manager);
	zwlr_data_control_source_v1_add_listener(c->source, &source_listener, c);
	for (unsigned i = 0; i < n; i++)
		zwlr_data_control_source_v1_offer(c->source, mimes[i]);
	zwlr_data_control_device_v1_set_selection(c->device, c->source);
	return roundtrip_token(c, ret_token);
}

int wlclip_clear(struct wlclip *c, uint32_t *ret_token)
{
	if (!c->device)
		return -EINVAL;
	zwlr_data_control_device_v1_set_selection(c->device, NULL);
	return roundtrip_token(c, ret_token);
}

bool wlclip_owns(const struct wlclip *c)
{
	return c->source != NULL;
}
