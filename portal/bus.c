/* The session bus: appvm-portal owns org.freedesktop.portal.Desktop with
 * libdbus, driven by the portal's poll loop through libdbus's watch and
 * timeout functions. Methods on /org/freedesktop/portal/desktop go to
 * chooser.c (FileChooser) and services.c (everything else); methods on
 * Request objects go to chooser.c. */
#include "portal.h"

#include "log.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUS_MAX_WATCHES	 8u
#define BUS_MAX_TIMEOUTS 16u
#define DESKTOP_NAME	 "org.freedesktop.portal.Desktop"
#define DESKTOP_PATH	 "/org/freedesktop/portal/desktop"
#define REQUEST_PATH	 "/org/freedesktop/portal/desktop/request"
/* How long a portal whose bus ended waits for the TERM of a shutdown
 * before it calls the loss a fault (exit status 1: init restarts it). */
#define BUS_LOST_GRACE_MS 500u
#define NAME_OWNER_MATCH                                                                           \
	"type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"            \
	"member='NameOwnerChanged'"

struct bus {
	DBusConnection *conn;
	DBusWatch *watches[BUS_MAX_WATCHES];
	size_t n_watches;
	DBusTimeout *timeouts[BUS_MAX_TIMEOUTS];
	uint64_t due[BUS_MAX_TIMEOUTS];
	size_t n_timeouts;
	DBusWatch *polled[BUS_MAX_WATCHES]; /* the watch behind each pollfd given out */
	size_t n_polled;
	uint64_t lost_at; /* when the connection ended; 0 while it lives */
};

static dbus_bool_t add_watch(DBusWatch *w, void *data)
{
	struct bus *b = ((struct portal *)data)->bus;
	if (b->n_watches == BUS_MAX_WATCHES)
		return FALSE;
	b->watches[b->n_watches++] = w;
	return TRUE;
}

static void remove_watch(DBusWatch *w, void *data)
{
	struct bus *b = ((struct portal *)data)->bus;
	for (size_t i = 0; i < b->n_watches; i++)
		if (b->watches[i] == w) {
			b->watches[i] = b->watches[--b->n_watches];
			break;
		}
	for (size_t i = 0; i < b->n_polled; i++)
		if (b->polled[i] == w)
			b->polled[i] = NULL;
}

static void toggle_watch(DBusWatch *w, void *data)
{
	(void)w, (void)data; /* enabled or not is read at each poll */
}

static void arm(struct bus *b, size_t i)
{
	DBusTimeout *t = b->timeouts[i];
	b->due[i] = dbus_timeout_get_enabled(t)
			? clock_now_ms() + (uint64_t)dbus_timeout_get_interval(t)
			: UINT64_MAX;
}

static dbus_bool_t add_timeout(DBusTimeout *t, void *data)
{
	struct bus *b = ((struct portal *)data)->bus;
	if (b->n_timeouts == BUS_MAX_TIMEOUTS)
		return FALSE;
	b->timeouts[b->n_timeouts] = t;
	arm(b, b->n_timeouts++);
	return TRUE;
}

static void remove_timeout(DBusTimeout *t, void *data)
{
	struct bus *b = ((struct portal *)data)->bus;
	for (size_t i = 0; i < b->n_timeouts; i++)
		if (b->timeouts[i] == t) {
			b->n_timeouts--;
			b->timeouts[i] = b->timeouts[b->n_timeouts];
			b->due[i] = b->due[b->n_timeouts];
			break;
		}
}

static void toggle_timeout(DBusTimeout *t, void *data)
{
	struct bus *b = ((struct portal *)data)->bus;
	for (size_t i = 0; i < b->n_timeouts; i++)
		if (b->timeouts[i] == t)
			arm(b, i);
}

int bus_send(struct portal *p, DBusMessage *m)
{
	return dbus_connection_send(p->bus->conn, m, NULL) ? 0 : -ENOMEM;
}

void bus_reply_error(struct portal *p, DBusMessage *call, const char *name, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_debug("bus: %s from %s: %s: %s", dbus_message_get_member(call),
		  dbus_message_get_sender(call), name, text);
	if (dbus_message_get_no_reply(call))
		return;
	DBusMessage *r = dbus_message_new_error(call, name, text);
	if (r) {
		bus_send(p, r);
		dbus_message_unref(r);
	}
}

static DBusHandlerResult on_desktop(DBusConnection *c, DBusMessage *msg, void *data)
{
	struct portal *p = data;
	(void)c;
	if (dbus_message_get_type(msg) != DBUS_MESSAGE_TYPE_METHOD_CALL)
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	if (p->opt.verbose)
		log_info("bus: %s.%s from %s", dbus_message_get_interface(msg),
			 dbus_message_get_member(msg), dbus_message_get_sender(msg));
	const char *iface = dbus_message_get_interface(msg);
	if (iface && strcmp(iface, "org.freedesktop.portal.FileChooser") == 0 &&
	    chooser_handle(p, msg))
		return DBUS_HANDLER_RESULT_HANDLED;
	if (services_handle(p, msg))
		return DBUS_HANDLER_RESULT_HANDLED;
	return DBUS_HANDLER_RESULT_NOT_YET_HANDLED; /* libdbus answers UnknownMethod */
}

static DBusHandlerResult on_request(DBusConnection *c, DBusMessage *msg, void *data)
{
	(void)c;
	if (dbus_message_get_type(msg) != DBUS_MESSAGE_TYPE_METHOD_CALL)
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	return chooser_handle_request(data, msg);
}

static DBusHandlerResult on_filter(DBusConnection *c, DBusMessage *msg, void *data)
{
	struct portal *p = data;
	const char *name, *old_owner, *new_owner;
	(void)c;
	if (dbus_message_is_signal(msg, DBUS_INTERFACE_LOCAL, "Disconnected")) {
		/* At shutdown the bus often ends first, with our own TERM on its
		 * way: that is no fault. The verdict waits a moment (bus_tick). */
		p->bus->lost_at = clock_now_ms();
		return DBUS_HANDLER_RESULT_HANDLED;
	}
	if (dbus_message_is_signal(msg, DBUS_INTERFACE_DBUS, "NameOwnerChanged") &&
	    dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &old_owner,
				  DBUS_TYPE_STRING, &new_owner, DBUS_TYPE_INVALID) &&
	    name[0] == ':' && new_owner[0] == '\0')
		chooser_name_lost(p, name);
	return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

int bus_start(struct portal *p, char *err, size_t errlen)
{
	static const DBusObjectPathVTable desktop_vt = {.message_function = on_desktop};
	static const DBusObjectPathVTable request_vt = {.message_function = on_request};
	DBusError e;
	struct bus *b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	p->bus = b;
	dbus_error_init(&e);
	b->conn = dbus_bus_get_private(DBUS_BUS_SESSION, &e);
	if (!b->conn) {
		snprintf(err, errlen, "cannot connect to the session bus: %s", e.message);
		dbus_error_free(&e);
		return -ENOTCONN;
	}
	dbus_connection_set_exit_on_disconnect(b->conn, FALSE);
	if (!dbus_connection_set_watch_functions(b->conn, add_watch, remove_watch, toggle_watch, p,
						 NULL) ||
	    !dbus_connection_set_timeout_functions(b->conn, add_timeout, remove_timeout,
						   toggle_timeout, p, NULL) ||
	    !dbus_connection_register_object_path(b->conn, DESKTOP_PATH, &desktop_vt, p) ||
	    !dbus_connection_register_fallback(b->conn, REQUEST_PATH, &request_vt, p) ||
	    !dbus_connection_add_filter(b->conn, on_filter, p, NULL)) {
		snprintf(err, errlen, "cannot set up the bus connection: out of memory");
		return -ENOMEM;
	}
	dbus_bus_add_match(b->conn, NAME_OWNER_MATCH, &e);
	if (dbus_error_is_set(&e)) {
		snprintf(err, errlen, "cannot watch bus names: %s", e.message);
		dbus_error_free(&e);
		return -EIO;
	}
	int r = dbus_bus_request_name(b->conn, DESKTOP_NAME, DBUS_NAME_FLAG_DO_NOT_QUEUE, &e);
	if (r != DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
		snprintf(err, errlen, "cannot own %s: %s", DESKTOP_NAME,
			 dbus_error_is_set(&e) ? e.message : "another process owns it");
		dbus_error_free(&e);
		return -EEXIST;
	}
	log_info("bus: %s owned as %s", DESKTOP_NAME, dbus_bus_get_unique_name(b->conn));
	return 0;
}

void bus_stop(struct portal *p)
{
	struct bus *b = p->bus;
	if (!b)
		return;
	if (b->conn) {
		dbus_connection_close(b->conn);
		dbus_connection_unref(b->conn);
	}
	free(b);
	p->bus = NULL;
}

size_t bus_poll_fds(struct portal *p, struct pollfd *fds, size_t max)
{
	struct bus *b = p->bus;
	b->n_polled = 0;
	for (size_t i = 0; i < b->n_watches && b->n_polled < max; i++) {
		DBusWatch *w = b->watches[i];
		if (!dbus_watch_get_enabled(w))
			continue;
		unsigned flags = dbus_watch_get_flags(w);
		fds[b->n_polled].fd = dbus_watch_get_unix_fd(w);
		fds[b->n_polled].events = (short)((flags & DBUS_WATCH_READABLE ? POLLIN : 0) |
						  (flags & DBUS_WATCH_WRITABLE ? POLLOUT : 0));
		fds[b->n_polled].revents = 0;
		b->polled[b->n_polled++] = w;
	}
	return b->n_polled;
}

static void dispatch(struct bus *b)
{
	while (dbus_connection_dispatch(b->conn) == DBUS_DISPATCH_DATA_REMAINS)
		;
}

void bus_on_io(struct portal *p, const struct pollfd *fds, size_t n)
{
	struct bus *b = p->bus;
	for (size_t i = 0; i < n && i < b->n_polled; i++) {
		DBusWatch *w = b->polled[i]; /* NULL once removed meanwhile */
		short re = fds[i].revents;
		if (!w || !re)
			continue;
		unsigned flags = (re & POLLIN ? DBUS_WATCH_READABLE : 0) |
				 (re & POLLOUT ? DBUS_WATCH_WRITABLE : 0) |
				 (re & POLLERR ? DBUS_WATCH_ERROR : 0) |
				 (re & POLLHUP ? DBUS_WATCH_HANGUP : 0);
		dbus_watch_handle(w, flags);
	}
	dispatch(b);
}

void bus_tick(struct portal *p, uint64_t now, uint64_t *next)
{
	struct bus *b = p->bus;
	if (b->lost_at) {
		if (now >= b->lost_at + BUS_LOST_GRACE_MS) {
			log_err("bus: the session bus connection ended");
			p->exit_status = 1;
			p->quit = true;
		} else if (b->lost_at + BUS_LOST_GRACE_MS < *next) {
			*next = b->lost_at + BUS_LOST_GRACE_MS;
		}
		return;
	}
	DBusTimeout *due[BUS_MAX_TIMEOUTS];
	size_t n_due = 0;
	for (size_t i = 0; i < b->n_timeouts; i++)
		if (b->due[i] <= now) {
			due[n_due++] = b->timeouts[i];
			arm(b, i);
		}
	/* Handling one may remove others: each must still be there. */
	for (size_t k = 0; k < n_due; k++)
		for (size_t i = 0; i < b->n_timeouts; i++)
			if (b->timeouts[i] == due[k]) {
				dbus_timeout_handle(due[k]);
				break;
			}
	for (size_t i = 0; i < b->n_timeouts; i++)
		if (b->due[i] < *next)
			*next = b->due[i];
	dispatch(b);
}
