/* The host portal chooser: asks the host's xdg-desktop-portal FileChooser
 * (org.freedesktop.portal.Desktop on the user's session bus) to show the
 * dialog, waits for its Response and prints the chooser lines of pd_pick.h.
 * Runs in a child process of the daemon (chooser.c); SIGTERM closes the
 * portal's request. Blocking libdbus calls are fine here. */
#include "portald.h"

#include "pd_pick.h"

#include <dbus/dbus.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define PORTAL_NAME  "org.freedesktop.portal.Desktop"
#define PORTAL_PATH  "/org/freedesktop/portal/desktop"
#define CHOOSER_IF   "org.freedesktop.portal.FileChooser"
#define REQUEST_IF   "org.freedesktop.portal.Request"
#define CALL_TIMEOUT 30000

static volatile sig_atomic_t terminated;

static void on_term(int sig)
{
	(void)sig;
	terminated = 1;
}

/* Appends {key: variant of signature sig} to a{sv}; fill writes the value. */
static bool dict_entry(DBusMessageIter *dict, const char *key, const char *sig,
		       bool (*fill)(DBusMessageIter *v, const void *arg), const void *arg)
{
	DBusMessageIter e, v;
	return dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &e) &&
	       dbus_message_iter_append_basic(&e, DBUS_TYPE_STRING, &key) &&
	       dbus_message_iter_open_container(&e, DBUS_TYPE_VARIANT, sig, &v) && fill(&v, arg) &&
	       dbus_message_iter_close_container(&e, &v) &&
	       dbus_message_iter_close_container(dict, &e);
}

static bool fill_string(DBusMessageIter *v, const void *arg)
{
	const char *s = arg;
	return dbus_message_iter_append_basic(v, DBUS_TYPE_STRING, &s);
}

static bool fill_bool(DBusMessageIter *v, const void *arg)
{
	dbus_bool_t b = *(const bool *)arg;
	return dbus_message_iter_append_basic(v, DBUS_TYPE_BOOLEAN, &b);
}

/* libdbus needs NUL-terminated strings; the dialog's point into a payload. */
static bool append_str(DBusMessageIter *it, struct proto_str s)
{
	char buf[PROTO_LABEL_MAX + 1];
	size_t n = s.len < sizeof(buf) ? s.len : sizeof(buf) - 1;
	memcpy(buf, s.ptr, n);
	buf[n] = '\0';
	const char *p = buf;
	return dbus_message_iter_append_basic(it, DBUS_TYPE_STRING, &p);
}

/* A label the dialog shows as its own: escaped, as the title (pd_label). */
static bool append_label(DBusMessageIter *it, struct proto_str untrusted_label)
{
	char buf[PD_LABEL_SIZE];
	pd_label(buf, untrusted_label);
	const char *p = buf;
	return dbus_message_iter_append_basic(it, DBUS_TYPE_STRING, &p);
}

/* (sa(us)) */
static bool append_filter(DBusMessageIter *it, const struct proto_dialog *d, unsigned i)
{
	const struct proto_filter *f = &d->filters[i];
	DBusMessageIter st, arr, pat;
	if (!dbus_message_iter_open_container(it, DBUS_TYPE_STRUCT, NULL, &st) ||
	    !append_label(&st, f->name) ||
	    !dbus_message_iter_open_container(&st, DBUS_TYPE_ARRAY, "(us)", &arr))
		return false;
	for (unsigned k = f->first; k < (unsigned)f->first + f->n_patterns; k++) {
		dbus_uint32_t kind = d->patterns[k].kind;
		if (!dbus_message_iter_open_container(&arr, DBUS_TYPE_STRUCT, NULL, &pat) ||
		    !dbus_message_iter_append_basic(&pat, DBUS_TYPE_UINT32, &kind) ||
		    !append_str(&pat, d->patterns[k].pattern) ||
		    !dbus_message_iter_close_container(&arr, &pat))
			return false;
	}
	return dbus_message_iter_close_container(&st, &arr) &&
	       dbus_message_iter_close_container(it, &st);
}

static bool fill_filters(DBusMessageIter *v, const void *arg)
{
	const struct proto_dialog *d = arg;
	DBusMessageIter arr;
	if (!dbus_message_iter_open_container(v, DBUS_TYPE_ARRAY, "(sa(us))", &arr))
		return false;
	for (unsigned i = 0; i < d->n_filters; i++)
		if (!append_filter(&arr, d, i))
			return false;
	return dbus_message_iter_close_container(v, &arr);
}

static bool fill_current_filter(DBusMessageIter *v, const void *arg)
{
	const struct proto_dialog *d = arg;
	return append_filter(v, d, d->current_filter);
}

/* a(ssa(ss)s) */
static bool fill_choices(DBusMessageIter *v, const void *arg)
{
	const struct proto_dialog *d = arg;
	DBusMessageIter arr, st, opts, opt;
	if (!dbus_message_iter_open_container(v, DBUS_TYPE_ARRAY, "(ssa(ss)s)", &arr))
		return false;
	for (unsigned i = 0; i < d->n_choices; i++) {
		const struct proto_choice *ch = &d->choices[i];
		if (!dbus_message_iter_open_container(&arr, DBUS_TYPE_STRUCT, NULL, &st) ||
		    !append_str(&st, ch->id) || !append_label(&st, ch->label) ||
		    !dbus_message_iter_open_container(&st, DBUS_TYPE_ARRAY, "(ss)", &opts))
			return false;
		for (unsigned k = ch->first; k < (unsigned)ch->first + ch->n_options; k++)
			if (!dbus_message_iter_open_container(&opts, DBUS_TYPE_STRUCT, NULL,
							      &opt) ||
			    !append_str(&opt, d->options[k].id) ||
			    !append_label(&opt, d->options[k].label) ||
			    !dbus_message_iter_close_container(&opts, &opt))
				return false;
		if (!dbus_message_iter_close_container(&st, &opts) ||
		    !append_str(&st, ch->initial) || !dbus_message_iter_close_container(&arr, &st))
			return false;
	}
	return dbus_message_iter_close_container(v, &arr);
}

/* aay, each name with its terminating NUL as GLib's bytestrings have. */
static bool fill_files(DBusMessageIter *v, const void *arg)
{
	const struct proto_dialog *d = arg;
	DBusMessageIter arr, bytes;
	if (!dbus_message_iter_open_container(v, DBUS_TYPE_ARRAY, "ay", &arr))
		return false;
	for (unsigned i = 0; i < d->n_names; i++) {
		char safe[PROTO_FILENAME_MAX + 1];
		pd_safe_name(safe, d->names[i]);
		const char *p = safe;
		if (!dbus_message_iter_open_container(&arr, DBUS_TYPE_ARRAY, "y", &bytes) ||
		    !dbus_message_iter_append_fixed_array(&bytes, DBUS_TYPE_BYTE, &p,
							  (int)strlen(safe) + 1) ||
		    !dbus_message_iter_close_container(&arr, &bytes))
			return false;
	}
	return dbus_message_iter_close_container(v, &arr);
}

static bool append_options(DBusMessageIter *args, const struct pd_chooser_req *r, const char *token)
{
	const struct proto_dialog *d = r->d;
	DBusMessageIter dict;
	bool modal = d->flags & PROTO_DIALOG_MODAL;
	bool multiple = pd_request_multiple(r), directory = r->mode == PD_MODE_OPEN_FOLDER;
	if (!dbus_message_iter_open_container(args, DBUS_TYPE_ARRAY, "{sv}", &dict))
		return false;
	/* No accept_label: the buttons of a host dialog are the host's words,
	 * never the guest's ("Cancel" on the button that grants the file). */
	bool ok = dict_entry(&dict, "handle_token", "s", fill_string, token) &&
		  dict_entry(&dict, "modal", "b", fill_bool, &modal);
	if (ok && (r->mode == PD_MODE_OPEN || directory))
		ok = dict_entry(&dict, "multiple", "b", fill_bool, &multiple);
	if (ok && directory)
		ok = dict_entry(&dict, "directory", "b", fill_bool, &directory);
	if (ok && d->n_filters && !directory)
		ok = dict_entry(&dict, "filters", "a(sa(us))", fill_filters, d);
	if (ok && d->current_filter != PROTO_NO_FILTER && !directory)
		ok = dict_entry(&dict, "current_filter", "(sa(us))", fill_current_filter, d);
	if (ok && d->n_choices)
		ok = dict_entry(&dict, "choices", "a(ssa(ss)s)", fill_choices, d);
	if (ok && r->mode == PD_MODE_SAVE && r->name[0])
		ok = dict_entry(&dict, "current_name", "s", fill_string, r->name);
	if (ok && r->mode == PD_MODE_SAVE_MANY)
		ok = dict_entry(&dict, "files", "aay", fill_files, d);
	return ok && dbus_message_iter_close_container(args, &dict);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* file:///p or file://localhost/p, percent-decoded. Returns 0 or -EINVAL. */
static int uri_path(const char *uri, char *out, size_t size)
{
	const char *p;
	if (!strncmp(uri, "file:///", 8))
		p = uri + 7;
	else if (!strncmp(uri, "file://localhost/", 17))
		p = uri + 16;
	else
		return -EINVAL;
	size_t o = 0;
	for (; *p; p++) {
		char c = *p;
		if (c == '%') {
			int h = hexval(p[1]), l = h >= 0 ? hexval(p[2]) : -1;
			if (l < 0)
				return -EINVAL;
			c = (char)(h << 4 | l);
			p += 2;
		}
		if (c == '\0' || c == '\n' || o + 1 >= size)
			return -EINVAL;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/* Prints what the portal answered. Returns the exit status. */
static int print_uris(DBusMessageIter *arr, const struct pd_chooser_req *r, FILE *out)
{
	DBusMessageIter it;
	char path[4096], first_dir[4096] = "";
	unsigned n = 0;
	dbus_message_iter_recurse(arr, &it);
	while (dbus_message_iter_get_arg_type(&it) == DBUS_TYPE_STRING) {
		const char *uri;
		dbus_message_iter_get_basic(&it, &uri);
		if (uri_path(uri, path, sizeof(path)) < 0) {
			fprintf(stderr, "appvm-portald: the portal answered an unusable URI\n");
			return 2;
		}
		if (r->mode == PD_MODE_SAVE_MANY) {
			/* The daemon grants the names in the folder itself. */
			char *slash = strrchr(path, '/');
			if (slash)
				*(slash == path ? slash + 1 : slash) = '\0';
			if (n == 0)
				snprintf(first_dir, sizeof(first_dir), "%s", path);
			else if (strcmp(first_dir, path) != 0)
				return 2;
		} else {
			fprintf(out, "%s\n", path);
		}
		n++;
		dbus_message_iter_next(&it);
	}
	if (r->mode == PD_MODE_SAVE_MANY && n > 0)
		fprintf(out, "%s\n", first_dir);
	return 0;
}

static void print_choices(DBusMessageIter *arr, FILE *out)
{
	DBusMessageIter it, st;
	dbus_message_iter_recurse(arr, &it);
	while (dbus_message_iter_get_arg_type(&it) == DBUS_TYPE_STRUCT) {
		const char *id = NULL, *value = NULL;
		dbus_message_iter_recurse(&it, &st);
		if (dbus_message_iter_get_arg_type(&st) == DBUS_TYPE_STRING) {
			dbus_message_iter_get_basic(&st, &id);
			dbus_message_iter_next(&st);
		}
		if (dbus_message_iter_get_arg_type(&st) == DBUS_TYPE_STRING)
			dbus_message_iter_get_basic(&st, &value);
		if (id && value && !strchr(id, '\n') && !strchr(value, '\n'))
			fprintf(out, "choice %s %s\n", id, value);
		dbus_message_iter_next(&it);
	}
}

static void print_filter(DBusMessageIter *st_it, const struct proto_dialog *d, FILE *out)
{
	DBusMessageIter st;
	const char *name = NULL;
	dbus_message_iter_recurse(st_it, &st);
	if (dbus_message_iter_get_arg_type(&st) != DBUS_TYPE_STRING)
		return;
	dbus_message_iter_get_basic(&st, &name);
	/* The portal was given the names escaped: it answers one of those. */
	for (unsigned i = 0; i < d->n_filters; i++) {
		char shown[PD_LABEL_SIZE];
		pd_label(shown, d->filters[i].name);
		if (!strcmp(shown, name)) {
			fprintf(out, "filter %u\n", i);
			return;
		}
	}
}

static int handle_response(DBusMessage *msg, const struct pd_chooser_req *r, FILE *out)
{
	DBusMessageIter args, dict, entry, v;
	dbus_uint32_t response;
	if (!dbus_message_iter_init(msg, &args) ||
	    dbus_message_iter_get_arg_type(&args) != DBUS_TYPE_UINT32)
		return 2;
	dbus_message_iter_get_basic(&args, &response);
	if (response == 1)
		return 1;
	if (response != 0 || !dbus_message_iter_next(&args) ||
	    dbus_message_iter_get_arg_type(&args) != DBUS_TYPE_ARRAY)
		return 2;
	int status = 0;
	dbus_message_iter_recurse(&args, &dict);
	while (dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY) {
		const char *key;
		dbus_message_iter_recurse(&dict, &entry);
		dbus_message_iter_get_basic(&entry, &key);
		dbus_message_iter_next(&entry);
		dbus_message_iter_recurse(&entry, &v);
		int t = dbus_message_iter_get_arg_type(&v);
		if (!strcmp(key, "uris") && t == DBUS_TYPE_ARRAY)
			status = print_uris(&v, r, out);
		else if (!strcmp(key, "choices") && t == DBUS_TYPE_ARRAY)
			print_choices(&v, out);
		else if (!strcmp(key, "current_filter") && t == DBUS_TYPE_STRUCT)
			print_filter(&v, r->d, out);
		if (status)
			return status;
		dbus_message_iter_next(&dict);
	}
	return 0;
}

static void close_request(DBusConnection *conn, const char *handle)
{
	DBusMessage *m = dbus_message_new_method_call(PORTAL_NAME, handle, REQUEST_IF, "Close");
	if (!m)
		return;
	dbus_message_set_no_reply(m, TRUE);
	dbus_connection_send(conn, m, NULL);
	dbus_connection_flush(conn);
	dbus_message_unref(m);
}

static void add_match(DBusConnection *conn, const char *path)
{
	char rule[1024];
	snprintf(rule, sizeof(rule),
		 "type='signal',interface='" REQUEST_IF "',member='Response',path='%s'", path);
	dbus_bus_add_match(conn, rule, NULL);
}

/* Calls the method and waits for its Response. Returns the exit status. */
static int converse(DBusConnection *conn, const struct pd_chooser_req *r, FILE *out)
{
	static const char *const methods[] = {"OpenFile", "SaveFile", "SaveFiles", "OpenFile"};
	char token[32], sender[256], expected[512];
	uint64_t rnd = 0;
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		return 2;
	snprintf(token, sizeof(token), "appvm%016llx", (unsigned long long)rnd);
	const char *unique = dbus_bus_get_unique_name(conn);
	snprintf(sender, sizeof(sender), "%s", unique && unique[0] == ':' ? unique + 1 : "");
	for (char *c = sender; *c; c++)
		if (*c == '.')
			*c = '_';
	snprintf(expected, sizeof(expected), PORTAL_PATH "/request/%s/%s", sender, token);
	/* Subscribe before calling, so a quick Response cannot be missed. */
	add_match(conn, expected);

	DBusMessage *call =
	    dbus_message_new_method_call(PORTAL_NAME, PORTAL_PATH, CHOOSER_IF, methods[r->mode]);
	if (!call)
		return 2;
	DBusMessageIter args;
	const char *parent = "", *title = r->title;
	dbus_message_iter_init_append(call, &args);
	bool ok = dbus_message_iter_append_basic(&args, DBUS_TYPE_STRING, &parent) &&
		  dbus_message_iter_append_basic(&args, DBUS_TYPE_STRING, &title) &&
		  append_options(&args, r, token);
	DBusError err;
	dbus_error_init(&err);
	DBusMessage *reply =
	    ok ? dbus_connection_send_with_reply_and_block(conn, call, CALL_TIMEOUT, &err) : NULL;
	dbus_message_unref(call);
	if (!reply) {
		fprintf(stderr, "appvm-portald: the host portal's %s failed: %s\n",
			methods[r->mode], err.message ? err.message : "cannot build the call");
		dbus_error_free(&err);
		return 2;
	}
	const char *handle = NULL, *portal = dbus_message_get_sender(reply);
	char handle_copy[512], portal_copy[256];
	/* Anyone on the bus may send us a signal: only the portal that
	 * answered the call speaks for the user. */
	snprintf(portal_copy, sizeof(portal_copy), "%s", portal ? portal : "");
	if (!dbus_message_get_args(reply, &err, DBUS_TYPE_OBJECT_PATH, &handle,
				   DBUS_TYPE_INVALID)) {
		dbus_error_free(&err);
		dbus_message_unref(reply);
		return 2;
	}
	snprintf(handle_copy, sizeof(handle_copy), "%s", handle);
	dbus_message_unref(reply);
	if (strcmp(handle_copy, expected) != 0)
		add_match(conn, handle_copy); /* an old portal ignoring handle_token */

	while (!terminated) {
		if (!dbus_connection_read_write(conn, 250))
			return 2;
		DBusMessage *m;
		while ((m = dbus_connection_pop_message(conn))) {
			int status = -1;
			if (dbus_message_is_signal(m, REQUEST_IF, "Response") &&
			    dbus_message_has_path(m, handle_copy) && portal_copy[0] &&
			    dbus_message_has_sender(m, portal_copy))
				status = handle_response(m, r, out);
			dbus_message_unref(m);
			if (status >= 0)
				return status;
		}
	}
	close_request(conn, handle_copy);
	return 1;
}

int pd_dbus_choose(const struct pd_chooser_req *r, int out_fd)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	FILE *out = fdopen(out_fd, "w");
	if (!out)
		return 2;
	DBusError err;
	dbus_error_init(&err);
	DBusConnection *conn = dbus_bus_get_private(DBUS_BUS_SESSION, &err);
	if (!conn) {
		fprintf(stderr, "appvm-portald: cannot reach the session bus: %s\n", err.message);
		dbus_error_free(&err);
		return 2;
	}
	dbus_connection_set_exit_on_disconnect(conn, FALSE);
	int status = converse(conn, r, out);
	dbus_connection_close(conn);
	dbus_connection_unref(conn);
	if (fclose(out) != 0 && status == 0)
		status = 2;
	return status;
}
