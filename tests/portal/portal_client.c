/* portal-client: a small FileChooser client for the tests (on this machine
 * and inside test VMs): calls OpenFile, SaveFile or SaveFiles on the session
 * bus, waits for the Response of its Request, and prints what came back:
 *
 *   handle /org/freedesktop/portal/desktop/request/1_5/t1
 *   response 0 after 312 ms
 *   uri file:///run/user/1000/doc/5f3a.../notes.txt
 *   path /run/user/1000/doc/5f3a.../notes.txt
 *   choice encoding latin1
 *   filter Text
 *
 * Usage: portal-client [OPTION]... open|save|save-many
 *   --title T, --token T, --name N (save: current_name), --file PATH (save:
 *   current_file; save-many: one of the files, repeatable), --multiple,
 *   --directory, --filter NAME=GLOB (repeatable), --current-filter N,
 *   --choice ID=INITIAL (a check box), --close-after MS (call Request.Close
 *   then, and expect no Response), --timeout S (default 60).
 * Exit status: the response (0, 1, 2), 3 for errors, 4 when the Response
 * did not come in time, 5 when a closed request still got one. */
#include <dbus/dbus.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_LIST 64

static struct {
	const char *title, *token, *name, *method;
	const char *files[MAX_LIST];
	int n_files;
	const char *filters[MAX_LIST];
	int n_filters;
	const char *choices[MAX_LIST];
	int n_choices;
	int current_filter;
	bool multiple, directory;
	long close_after_ms, timeout_s;
} o = {.title = "portal-client", .current_filter = -1, .close_after_ms = -1, .timeout_s = 60};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void die(const char *what)
{
	fprintf(stderr, "portal-client: %s\n", what);
	exit(3);
}

static void entry_begin(DBusMessageIter *dict, const char *key, const char *sig, DBusMessageIter *e,
			DBusMessageIter *v)
{
	if (!dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, e) ||
	    !dbus_message_iter_append_basic(e, DBUS_TYPE_STRING, &key) ||
	    !dbus_message_iter_open_container(e, DBUS_TYPE_VARIANT, sig, v))
		die("out of memory");
}

static void entry_end(DBusMessageIter *dict, DBusMessageIter *e, DBusMessageIter *v)
{
	if (!dbus_message_iter_close_container(e, v) || !dbus_message_iter_close_container(dict, e))
		die("out of memory");
}

static void add_basic(DBusMessageIter *dict, const char *key, int type, const void *value)
{
	DBusMessageIter e, v;
	char sig[2] = {(char)type, 0};
	entry_begin(dict, key, sig, &e, &v);
	dbus_message_iter_append_basic(&v, type, value);
	entry_end(dict, &e, &v);
}

static void add_bytes(DBusMessageIter *it, const char *s)
{
	DBusMessageIter a;
	int n = (int)strlen(s) + 1; /* the portal's byte strings end with a NUL */
	if (!dbus_message_iter_open_container(it, DBUS_TYPE_ARRAY, "y", &a) ||
	    !dbus_message_iter_append_fixed_array(&a, DBUS_TYPE_BYTE, &s, n) ||
	    !dbus_message_iter_close_container(it, &a))
		die("out of memory");
}

/* One filter "NAME=GLOB" as (sa(us)). */
static void add_filter(DBusMessageIter *it, const char *spec)
{
	DBusMessageIter f, pats, pat;
	char name[256];
	const char *eq = strchr(spec, '=');
	if (!eq || eq - spec >= (long)sizeof(name))
		die("--filter wants NAME=GLOB");
	snprintf(name, sizeof(name), "%.*s", (int)(eq - spec), spec);
	const char *n = name, *glob = eq + 1;
	dbus_uint32_t kind = 0;
	if (!dbus_message_iter_open_container(it, DBUS_TYPE_STRUCT, NULL, &f) ||
	    !dbus_message_iter_append_basic(&f, DBUS_TYPE_STRING, &n) ||
	    !dbus_message_iter_open_container(&f, DBUS_TYPE_ARRAY, "(us)", &pats) ||
	    !dbus_message_iter_open_container(&pats, DBUS_TYPE_STRUCT, NULL, &pat) ||
	    !dbus_message_iter_append_basic(&pat, DBUS_TYPE_UINT32, &kind) ||
	    !dbus_message_iter_append_basic(&pat, DBUS_TYPE_STRING, &glob) ||
	    !dbus_message_iter_close_container(&pats, &pat) ||
	    !dbus_message_iter_close_container(&f, &pats) ||
	    !dbus_message_iter_close_container(it, &f))
		die("out of memory");
}

static DBusMessage *build_call(void)
{
	const char *member = !strcmp(o.method, "open")	      ? "OpenFile"
			     : !strcmp(o.method, "save")      ? "SaveFile"
			     : !strcmp(o.method, "save-many") ? "SaveFiles"
							      : NULL;
	if (!member)
		die("the method is open, save or save-many");
	DBusMessage *m = dbus_message_new_method_call("org.freedesktop.portal.Desktop",
						      "/org/freedesktop/portal/desktop",
						      "org.freedesktop.portal.FileChooser", member);
	DBusMessageIter it, dict, e, v, list;
	const char *parent = "";
	if (!m)
		die("out of memory");
	dbus_message_iter_init_append(m, &it);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &parent);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &o.title);
	dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &dict);
	if (o.token)
		add_basic(&dict, "handle_token", DBUS_TYPE_STRING, &o.token);
	if (o.multiple) {
		dbus_bool_t t = TRUE;
		add_basic(&dict, "multiple", DBUS_TYPE_BOOLEAN, &t);
	}
	if (o.directory) {
		dbus_bool_t t = TRUE;
		add_basic(&dict, "directory", DBUS_TYPE_BOOLEAN, &t);
	}
	if (o.name)
		add_basic(&dict, "current_name", DBUS_TYPE_STRING, &o.name);
	if (o.n_filters) {
		entry_begin(&dict, "filters", "a(sa(us))", &e, &v);
		dbus_message_iter_open_container(&v, DBUS_TYPE_ARRAY, "(sa(us))", &list);
		for (int i = 0; i < o.n_filters; i++)
			add_filter(&list, o.filters[i]);
		dbus_message_iter_close_container(&v, &list);
		entry_end(&dict, &e, &v);
	}
	if (o.current_filter >= 0) {
		if (o.current_filter >= o.n_filters)
			die("--current-filter names no --filter");
		entry_begin(&dict, "current_filter", "(sa(us))", &e, &v);
		add_filter(&v, o.filters[o.current_filter]);
		entry_end(&dict, &e, &v);
	}
	if (o.n_choices) {
		DBusMessageIter c, opts;
		entry_begin(&dict, "choices", "a(ssa(ss)s)", &e, &v);
		dbus_message_iter_open_container(&v, DBUS_TYPE_ARRAY, "(ssa(ss)s)", &list);
		for (int i = 0; i < o.n_choices; i++) {
			char id[128];
			const char *eq = strchr(o.choices[i], '=');
			if (!eq || eq - o.choices[i] >= (long)sizeof(id))
				die("--choice wants ID=INITIAL");
			snprintf(id, sizeof(id), "%.*s", (int)(eq - o.choices[i]), o.choices[i]);
			const char *idp = id, *label = id, *initial = eq + 1;
			dbus_message_iter_open_container(&list, DBUS_TYPE_STRUCT, NULL, &c);
			dbus_message_iter_append_basic(&c, DBUS_TYPE_STRING, &idp);
			dbus_message_iter_append_basic(&c, DBUS_TYPE_STRING, &label);
			dbus_message_iter_open_container(&c, DBUS_TYPE_ARRAY, "(ss)", &opts);
			dbus_message_iter_close_container(&c, &opts);
			dbus_message_iter_append_basic(&c, DBUS_TYPE_STRING, &initial);
			dbus_message_iter_close_container(&list, &c);
		}
		dbus_message_iter_close_container(&v, &list);
		entry_end(&dict, &e, &v);
	}
	if (o.n_files && !strcmp(o.method, "save")) {
		entry_begin(&dict, "current_file", "ay", &e, &v);
		add_bytes(&v, o.files[0]);
		entry_end(&dict, &e, &v);
	} else if (o.n_files) {
		entry_begin(&dict, "files", "aay", &e, &v);
		dbus_message_iter_open_container(&v, DBUS_TYPE_ARRAY, "ay", &list);
		for (int i = 0; i < o.n_files; i++)
			add_bytes(&list, o.files[i]);
		dbus_message_iter_close_container(&v, &list);
		entry_end(&dict, &e, &v);
	}
	dbus_message_iter_close_container(&it, &dict);
	return m;
}

/* Decodes a file:// URI's path (percent escapes). */
static void print_path(const char *uri)
{
	if (strncmp(uri, "file://", 7) != 0)
		return;
	printf("path ");
	for (const char *s = uri + 7; *s; s++) {
		unsigned v;
		if (*s == '%' && sscanf(s + 1, "%2x", &v) == 1) {
			putchar((int)v);
			s += 2;
		} else {
			putchar(*s);
		}
	}
	putchar('\n');
}

static int print_response(DBusMessage *sig, long long waited)
{
	DBusMessageIter it, dict, e, v, list, pair;
	dbus_uint32_t code = 99;
	if (!dbus_message_has_signature(sig, "ua{sv}"))
		die("a Response of the wrong signature");
	dbus_message_iter_init(sig, &it);
	dbus_message_iter_get_basic(&it, &code);
	printf("response %u after %lld ms\n", code, waited);
	dbus_message_iter_next(&it);
	dbus_message_iter_recurse(&it, &dict);
	bool uris = false;
	for (; dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY;
	     dbus_message_iter_next(&dict)) {
		const char *key;
		dbus_message_iter_recurse(&dict, &e);
		dbus_message_iter_get_basic(&e, &key);
		dbus_message_iter_next(&e);
		dbus_message_iter_recurse(&e, &v);
		char *sigstr = dbus_message_iter_get_signature(&v);
		if (!strcmp(key, "uris") && !strcmp(sigstr, "as")) {
			uris = true;
			dbus_message_iter_recurse(&v, &list);
			for (; dbus_message_iter_get_arg_type(&list) == DBUS_TYPE_STRING;
			     dbus_message_iter_next(&list)) {
				const char *u;
				dbus_message_iter_get_basic(&list, &u);
				printf("uri %s\n", u);
				print_path(u);
			}
		} else if (!strcmp(key, "choices") && !strcmp(sigstr, "a(ss)")) {
			dbus_message_iter_recurse(&v, &list);
			for (; dbus_message_iter_get_arg_type(&list) == DBUS_TYPE_STRUCT;
			     dbus_message_iter_next(&list)) {
				const char *a, *b;
				dbus_message_iter_recurse(&list, &pair);
				dbus_message_iter_get_basic(&pair, &a);
				dbus_message_iter_next(&pair);
				dbus_message_iter_get_basic(&pair, &b);
				printf("choice %s %s\n", a, b);
			}
		} else if (!strcmp(key, "current_filter") && !strcmp(sigstr, "(sa(us))")) {
			const char *name;
			dbus_message_iter_recurse(&v, &pair);
			dbus_message_iter_get_basic(&pair, &name);
			printf("filter %s\n", name);
		} else {
			printf("result %s %s\n", key, sigstr);
		}
		dbus_free(sigstr);
	}
	if (!uris)
		printf("no uris\n");
	return code <= 2 ? (int)code : 3;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--multiple")) {
			o.multiple = true;
			continue;
		}
		if (!strcmp(a, "--directory")) {
			o.directory = true;
			continue;
		}
		if (a[0] != '-') {
			if (o.method)
				die("usage: portal-client [OPTION]... open|save|save-many");
			o.method = a;
			continue;
		}
		if (i + 1 >= argc)
			die("an option lacks its value");
		const char *val = argv[++i];
		if (!strcmp(a, "--title"))
			o.title = val;
		else if (!strcmp(a, "--token"))
			o.token = val;
		else if (!strcmp(a, "--name"))
			o.name = val;
		else if (!strcmp(a, "--file") && o.n_files < MAX_LIST)
			o.files[o.n_files++] = val;
		else if (!strcmp(a, "--filter") && o.n_filters < MAX_LIST)
			o.filters[o.n_filters++] = val;
		else if (!strcmp(a, "--choice") && o.n_choices < MAX_LIST)
			o.choices[o.n_choices++] = val;
		else if (!strcmp(a, "--current-filter"))
			o.current_filter = atoi(val);
		else if (!strcmp(a, "--close-after"))
			o.close_after_ms = atol(val);
		else if (!strcmp(a, "--timeout"))
			o.timeout_s = atol(val);
		else
			die("usage: portal-client [OPTION]... open|save|save-many");
	}
	if (!o.method)
		die("usage: portal-client [OPTION]... open|save|save-many");

	DBusError err;
	dbus_error_init(&err);
	DBusConnection *c = dbus_bus_get(DBUS_BUS_SESSION, &err);
	if (!c)
		die(err.message);
	DBusMessage *call = build_call();
	DBusMessage *reply = dbus_connection_send_with_reply_and_block(c, call, 30000, &err);
	long long replied = now_ms();
	if (!reply) {
		printf("error %s: %s\n", err.name, err.message);
		return 3;
	}
	const char *handle;
	if (!dbus_message_get_args(reply, &err, DBUS_TYPE_OBJECT_PATH, &handle, DBUS_TYPE_INVALID))
		die("the reply holds no object path");
	printf("handle %s\n", handle);
	fflush(stdout);
	long long deadline = replied + o.timeout_s * 1000;
	bool closed = false;
	for (;;) {
		long long now = now_ms();
		if (!closed && o.close_after_ms >= 0 && now >= replied + o.close_after_ms) {
			DBusMessage *close =
			    dbus_message_new_method_call("org.freedesktop.portal.Desktop", handle,
							 "org.freedesktop.portal.Request", "Close");
			DBusMessage *r =
			    dbus_connection_send_with_reply_and_block(c, close, 10000, &err);
			if (!r) {
				printf("close error %s\n", err.name);
				return 3;
			}
			printf("closed\n");
			fflush(stdout);
			closed = true;
			/* A closed request gets no Response: wait a while to be sure. */
			deadline = now_ms() + 2000;
		}
		if (now >= deadline) {
			if (closed)
				return 0;
			printf("no response in %ld s\n", o.timeout_s);
			return 4;
		}
		dbus_connection_read_write(c, 50);
		DBusMessage *m;
		while ((m = dbus_connection_pop_message(c))) {
			if (dbus_message_is_signal(m, "org.freedesktop.portal.Request",
						   "Response") &&
			    !strcmp(dbus_message_get_path(m), handle)) {
				int code = print_response(m, now_ms() - replied);
				fflush(stdout);
				return closed ? 5 : code;
			}
			dbus_message_unref(m);
		}
	}
}
