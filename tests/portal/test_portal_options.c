/* The FileChooser option parser (options.c), fed first with the calls real
 * clients made (gdbus, GTK 3's GtkFileChooserNative, zenity: captured by
 * capture.sh into tests/portal/data), then with hostile and broken ones.
 * Whatever it accepts, the protocol encoder accepts too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "proto.h"

static struct portal_dialog_req req;

static DBusMessage *load_capture(const char *name)
{
	char path[1024];
	static char buf[65536];
	const char *src = getenv("APPVM_SOURCE_DIR");
	snprintf(path, sizeof(path), "%s/tests/portal/data/%s.bin", src ? src : ".", name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	DBusError e;
	dbus_error_init(&e);
	DBusMessage *m = dbus_message_demarshal(buf, (int)n, &e);
	if (!m)
		fail_msg("%s: %s", path, e.message);
	return m;
}

static bool str_is(struct proto_str s, const char *want)
{
	return s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0;
}

#define assert_str(s, want)                                                                        \
	do {                                                                                       \
		if (!str_is((s), (want)))                                                          \
			fail_msg("got \"%.*s\", wanted \"%s\"", (int)(s).len, (s).ptr, (want));    \
	} while (0)

/* Parses, and checks that the host would take the result. */
static int parse(DBusMessage *m, uint16_t type, const char **error, char *err)
{
	*error = NULL;
	int r = portal_parse_dialog(m, type, &req, error, err, 256);
	if (r == 0) {
		struct proto_msg msg;
		static uint8_t frame[PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD];
		size_t len;
		assert_int_equal(portal_dialog_fit(&req), 0);
		memset(&msg, 0, sizeof(msg));
		msg.type = type;
		msg.id = 1;
		msg.u.dialog = req.d;
		assert_int_equal(proto_encode(&msg, frame, sizeof(frame), &len), 0);
	}
	return r;
}

static void test_gdbus_open(void **state)
{
	(void)state;
	const char *error;
	char err[256];
	DBusMessage *m = load_capture("gdbus-open");
	assert_int_equal(parse(m, PROTO_FILE_OPEN, &error, err), 0);
	assert_string_equal(req.token, "t1");
	assert_str(req.d.title, "Open a picture");
	assert_str(req.d.accept_label, "_Open");
	assert_int_equal(req.d.flags, PROTO_DIALOG_MODAL | PROTO_DIALOG_MULTIPLE);
	assert_int_equal(req.d.n_filters, 2);
	assert_str(req.d.filters[0].name, "Images");
	assert_int_equal(req.d.filters[0].n_patterns, 2);
	assert_int_equal(req.d.patterns[0].kind, PROTO_PATTERN_GLOB);
	assert_str(req.d.patterns[0].pattern, "*.png");
	assert_int_equal(req.d.patterns[1].kind, PROTO_PATTERN_MIME);
	assert_str(req.d.patterns[1].pattern, "image/jpeg");
	assert_str(req.d.filters[1].name, "All");
	assert_int_equal(req.d.current_filter, 1);
	assert_int_equal(req.filter_src[1], 1);
	assert_int_equal(req.d.n_choices, 2);
	assert_str(req.d.choices[0].id, "encoding");
	assert_int_equal(req.d.choices[0].n_options, 2);
	assert_str(req.d.options[1].id, "latin1");
	assert_str(req.d.options[1].label, "Western");
	assert_str(req.d.choices[0].initial, "latin1");
	assert_str(req.d.choices[1].id, "ro");
	assert_int_equal(req.d.choices[1].n_options, 0);
	assert_str(req.d.choices[1].initial, "false");
	/* The app's own filter comes back as it sent it. */
	DBusMessage *out = dbus_message_new_method_call(NULL, "/x", "a.b", "c");
	DBusMessageIter it, f;
	dbus_message_iter_init_append(out, &it);
	assert_int_equal(portal_copy_app_filter(m, req.filter_src[1], &it), 0);
	assert_true(dbus_message_has_signature(out, "(sa(us))"));
	dbus_message_iter_init(out, &it);
	dbus_message_iter_recurse(&it, &f);
	const char *name;
	dbus_message_iter_get_basic(&f, &name);
	assert_string_equal(name, "All");
	assert_int_equal(portal_copy_app_filter(m, 7, &it), -ENOENT);
	dbus_message_unref(out);
	dbus_message_unref(m);
}

static void test_gdbus_save(void **state)
{
	(void)state;
	const char *error;
	char err[256];
	DBusMessage *m = load_capture("gdbus-save");
	assert_int_equal(parse(m, PROTO_FILE_SAVE, &error, err), 0);
	assert_string_equal(req.token, "s1");
	assert_str(req.d.title, "Save report");
	/* current_name wins over current_file; current_folder never travels. */
	assert_str(req.d.current_name, "report.pdf");
	assert_int_equal(req.d.n_filters, 0);
	assert_int_equal(req.d.current_filter, PROTO_NO_FILTER);
	dbus_message_unref(m);

	m = load_capture("gdbus-savefiles");
	assert_int_equal(parse(m, PROTO_FILE_SAVE_MANY, &error, err), 0);
	assert_string_equal(req.token, "m1");
	assert_int_equal(req.d.n_names, 2);
	assert_str(req.d.names[0], "a.txt");
	assert_str(req.d.names[1], "b.txt");
	dbus_message_unref(m);
}

static void test_gtk3(void **state)
{
	(void)state;
	const char *error;
	char err[256];
	DBusMessage *m = load_capture("gtk3-open");
	assert_int_equal(parse(m, PROTO_FILE_OPEN, &error, err), 0);
	assert_true(strncmp(req.token, "gtk", 3) == 0);
	assert_int_equal(req.d.flags, PROTO_DIALOG_MULTIPLE);
	assert_int_equal(req.d.n_filters, 1);
	assert_str(req.d.filters[0].name, "Text");
	assert_str(req.d.patterns[0].pattern, "*.txt");
	assert_str(req.d.patterns[1].pattern, "text/plain");
	assert_int_equal(req.d.n_choices, 1);
	assert_str(req.d.choices[0].id, "ro");
	assert_str(req.d.choices[0].initial, "");
	dbus_message_unref(m);

	/* GTK sends multiple and directory with SaveFile too: ignored there. */
	m = load_capture("gtk3-save");
	assert_int_equal(parse(m, PROTO_FILE_SAVE, &error, err), 0);
	assert_int_equal(req.d.flags, 0);
	assert_str(req.d.current_name, "notes.txt");
	assert_int_equal(req.d.n_filters, 0);
	dbus_message_unref(m);
}

static void test_zenity(void **state)
{
	(void)state;
	const char *error;
	char err[256];
	/* zenity (GTK 3) adds the non-standard cancel_label: ignored. */
	DBusMessage *m = load_capture("zenity-open");
	assert_int_equal(parse(m, PROTO_FILE_OPEN, &error, err), 0);
	assert_str(req.d.title, "zenity open");
	assert_str(req.d.accept_label, "_OK");
	assert_int_equal(req.d.n_filters, 1);
	assert_int_equal(req.d.filters[0].n_patterns, 2);
	assert_str(req.d.patterns[1].pattern, "*.md");
	dbus_message_unref(m);

	m = load_capture("zenity-save");
	assert_int_equal(parse(m, PROTO_FILE_SAVE, &error, err), 0);
	assert_str(req.d.current_name, "zenity-name.txt");
	dbus_message_unref(m);
}

/* A call (s parent, s title, a{sv} options) built entry by entry. */
struct call {
	DBusMessage *m;
	DBusMessageIter top, dict;
};

static void call_begin(struct call *c, const char *title)
{
	const char *parent = "";
	c->m = dbus_message_new_method_call("org.freedesktop.portal.Desktop",
					    "/org/freedesktop/portal/desktop",
					    "org.freedesktop.portal.FileChooser", "OpenFile");
	dbus_message_iter_init_append(c->m, &c->top);
	dbus_message_iter_append_basic(&c->top, DBUS_TYPE_STRING, &parent);
	dbus_message_iter_append_basic(&c->top, DBUS_TYPE_STRING, &title);
	dbus_message_iter_open_container(&c->top, DBUS_TYPE_ARRAY, "{sv}", &c->dict);
}

static DBusMessage *call_end(struct call *c)
{
	dbus_message_iter_close_container(&c->top, &c->dict);
	return c->m;
}

static void entry(struct call *c, const char *key, const char *sig, DBusMessageIter *e,
		  DBusMessageIter *v)
{
	dbus_message_iter_open_container(&c->dict, DBUS_TYPE_DICT_ENTRY, NULL, e);
	dbus_message_iter_append_basic(e, DBUS_TYPE_STRING, &key);
	dbus_message_iter_open_container(e, DBUS_TYPE_VARIANT, sig, v);
}

static void entry_close(struct call *c, DBusMessageIter *e, DBusMessageIter *v)
{
	dbus_message_iter_close_container(e, v);
	dbus_message_iter_close_container(&c->dict, e);
}

static void add_string(struct call *c, const char *key, const char *value)
{
	DBusMessageIter e, v;
	entry(c, key, "s", &e, &v);
	dbus_message_iter_append_basic(&v, DBUS_TYPE_STRING, &value);
	entry_close(c, &e, &v);
}

static void add_bool(struct call *c, const char *key, dbus_bool_t value)
{
	DBusMessageIter e, v;
	entry(c, key, "b", &e, &v);
	dbus_message_iter_append_basic(&v, DBUS_TYPE_BOOLEAN, &value);
	entry_close(c, &e, &v);
}

/* One (sa(us)) from "NAME|K:PATTERN|K:PATTERN...". */
static void filter(DBusMessageIter *it, const char *spec)
{
	char buf[1024], *save = NULL;
	DBusMessageIter f, pats, pat;
	snprintf(buf, sizeof(buf), "%s", spec);
	char *name = strtok_r(buf, "|", &save);
	if (!name)
		name = "";
	const char *n = spec[0] == '|' ? "" : name;
	dbus_message_iter_open_container(it, DBUS_TYPE_STRUCT, NULL, &f);
	dbus_message_iter_append_basic(&f, DBUS_TYPE_STRING, &n);
	dbus_message_iter_open_container(&f, DBUS_TYPE_ARRAY, "(us)", &pats);
	for (char *p = spec[0] == '|' ? name : strtok_r(NULL, "|", &save); p;
	     p = strtok_r(NULL, "|", &save)) {
		dbus_uint32_t kind = (dbus_uint32_t)(p[0] - '0');
		const char *pattern = p + 2;
		dbus_message_iter_open_container(&pats, DBUS_TYPE_STRUCT, NULL, &pat);
		dbus_message_iter_append_basic(&pat, DBUS_TYPE_UINT32, &kind);
		dbus_message_iter_append_basic(&pat, DBUS_TYPE_STRING, &pattern);
		dbus_message_iter_close_container(&pats, &pat);
	}
	dbus_message_iter_close_container(&f, &pats);
	dbus_message_iter_close_container(it, &f);
}

static void add_filters(struct call *c, const char *const *specs, size_t n)
{
	DBusMessageIter e, v, list;
	entry(c, "filters", "a(sa(us))", &e, &v);
	dbus_message_iter_open_container(&v, DBUS_TYPE_ARRAY, "(sa(us))", &list);
	for (size_t i = 0; i < n; i++)
		filter(&list, specs[i]);
	dbus_message_iter_close_container(&v, &list);
	entry_close(c, &e, &v);
}

static void add_current(struct call *c, const char *spec)
{
	DBusMessageIter e, v;
	entry(c, "current_filter", "(sa(us))", &e, &v);
	filter(&v, spec);
	entry_close(c, &e, &v);
}

/* One (ssa(ss)s) from id, label, "ID=LABEL,ID=LABEL" (or ""), initial. */
static void choice(DBusMessageIter *list, const char *id, const char *label, const char *opts,
		   const char *initial)
{
	DBusMessageIter c, ol, o;
	char buf[4096], *save = NULL;
	snprintf(buf, sizeof(buf), "%s", opts);
	dbus_message_iter_open_container(list, DBUS_TYPE_STRUCT, NULL, &c);
	dbus_message_iter_append_basic(&c, DBUS_TYPE_STRING, &id);
	dbus_message_iter_append_basic(&c, DBUS_TYPE_STRING, &label);
	dbus_message_iter_open_container(&c, DBUS_TYPE_ARRAY, "(ss)", &ol);
	for (char *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(p, '=');
		*eq = '\0';
		const char *oid = p, *olabel = eq + 1;
		dbus_message_iter_open_container(&ol, DBUS_TYPE_STRUCT, NULL, &o);
		dbus_message_iter_append_basic(&o, DBUS_TYPE_STRING, &oid);
		dbus_message_iter_append_basic(&o, DBUS_TYPE_STRING, &olabel);
		dbus_message_iter_close_container(&ol, &o);
	}
	dbus_message_iter_close_container(&c, &ol);
	dbus_message_iter_append_basic(&c, DBUS_TYPE_STRING, &initial);
	dbus_message_iter_close_container(list, &c);
}

static void add_files(struct call *c, const char *const *paths, size_t n)
{
	DBusMessageIter e, v, list, bytes;
	entry(c, "files", "aay", &e, &v);
	dbus_message_iter_open_container(&v, DBUS_TYPE_ARRAY, "ay", &list);
	for (size_t i = 0; i < n; i++) {
		const char *p = paths[i];
		dbus_message_iter_open_container(&list, DBUS_TYPE_ARRAY, "y", &bytes);
		dbus_message_iter_append_fixed_array(&bytes, DBUS_TYPE_BYTE, &p,
						     (int)strlen(p) + 1);
		dbus_message_iter_close_container(&list, &bytes);
	}
	dbus_message_iter_close_container(&v, &list);
	entry_close(c, &e, &v);
}

static void expect_invalid(DBusMessage *m, uint16_t type, const char *error_name,
			   const char *msg_part)
{
	const char *error;
	char err[256];
	int r = parse(m, type, &error, err);
	if (r != -EINVAL || !error || strcmp(error, error_name) != 0 || !strstr(err, msg_part))
		fail_msg("got %d %s \"%s\", wanted %s \"%s\"", r, error ? error : "-", err,
			 error_name, msg_part);
	dbus_message_unref(m);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	struct call c;
	/* Not (ssa{sv}) at all: the D-Bus error. */
	DBusMessage *m = dbus_message_new_method_call(NULL, "/x", "a.b", "OpenFile");
	const char *s = "only one";
	dbus_message_append_args(m, DBUS_TYPE_STRING, &s, DBUS_TYPE_INVALID);
	expect_invalid(m, PROTO_FILE_OPEN, DBUS_ERROR_INVALID_ARGS, "expected arguments (ssa{sv})");

	/* A known key of the wrong type. */
	call_begin(&c, "t");
	add_string(&c, "multiple", "yes");
	expect_invalid(call_end(&c), PROTO_FILE_OPEN, PORTAL_ERROR_INVALID_ARGUMENT,
		       "expected type for key multiple is b, found s");
	call_begin(&c, "t");
	add_bool(&c, "handle_token", TRUE);
	expect_invalid(call_end(&c), PROTO_FILE_OPEN, PORTAL_ERROR_INVALID_ARGUMENT,
		       "handle_token");
	call_begin(&c, "t");
	add_string(&c, "handle_token", "../evil");
	expect_invalid(call_end(&c), PROTO_FILE_OPEN, PORTAL_ERROR_INVALID_ARGUMENT,
		       "invalid handle_token");

	static const struct {
		const char *filter, *msg;
	} bad_filters[] = {
	    {"|0:*.txt", "name is empty"},
	    {"Nothing", "no filters"},
	    {"Kind|2:*.txt", "invalid filter type: 2"},
	    {"Empty|0:", "invalid glob pattern"},
	    {"Mime|1:", "invalid content type"},
	};
	for (size_t i = 0; i < sizeof(bad_filters) / sizeof(bad_filters[0]); i++) {
		call_begin(&c, "t");
		add_filters(&c, &bad_filters[i].filter, 1);
		expect_invalid(call_end(&c), PROTO_FILE_OPEN, PORTAL_ERROR_INVALID_ARGUMENT,
			       bad_filters[i].msg);
	}
	/* current_filter must be one of a non-empty list. */
	static const char *const two[] = {"A|0:*.a", "B|0:*.b"};
	call_begin(&c, "t");
	add_filters(&c, two, 2);
	add_current(&c, "C|0:*.c");
	expect_invalid(call_end(&c), PROTO_FILE_OPEN, PORTAL_ERROR_INVALID_ARGUMENT,
		       "must be present in filters list");

	static const struct {
		const char *id, *label, *opts, *initial, *msg;
	} bad_choices[] = {
	    {"", "L", "", "", "id is empty"},
	    {"c", "", "", "", "label is empty"},
	    {"c", "L", "=x", "", "option id is empty"},
	    {"c", "L", "a=", "", "option label is empty"},
	    {"c", "L", "a=A,b=B", "z", "bad current option: z"},
	    {"c", "L", "", "yes", "bad current option: yes"},
	};
	for (size_t i = 0; i < sizeof(bad_choices) / sizeof(bad_choices[0]); i++) {
		DBusMessageIter e, v, list;
		call_begin(&c, "t");
		entry(&c, "choices", "a(ssa(ss)s)", &e, &v);
		dbus_message_iter_open_container(&v, DBUS_TYPE_ARRAY, "(ssa(ss)s)", &list);
		choice(&list, bad_choices[i].id, bad_choices[i].label, bad_choices[i].opts,
		       bad_choices[i].initial);
		dbus_message_iter_close_container(&v, &list);
		entry_close(&c, &e, &v);
		expect_invalid(call_end(&c), PROTO_FILE_OPEN, PORTAL_ERROR_INVALID_ARGUMENT,
			       bad_choices[i].msg);
	}

	/* SaveFiles: 1 to 64 distinct names. */
	call_begin(&c, "t");
	expect_invalid(call_end(&c), PROTO_FILE_SAVE_MANY, PORTAL_ERROR_INVALID_ARGUMENT,
		       "files is required");
	call_begin(&c, "t");
	add_files(&c, NULL, 0);
	expect_invalid(call_end(&c), PROTO_FILE_SAVE_MANY, PORTAL_ERROR_INVALID_ARGUMENT,
		       "files is empty");
	static const char *const dup[] = {"/a/x.txt", "/b/x.txt"};
	call_begin(&c, "t");
	add_files(&c, dup, 2);
	expect_invalid(call_end(&c), PROTO_FILE_SAVE_MANY, PORTAL_ERROR_INVALID_ARGUMENT,
		       "given twice");
	static const char *const slash[] = {"/tmp/"};
	call_begin(&c, "t");
	add_files(&c, slash, 1);
	expect_invalid(call_end(&c), PROTO_FILE_SAVE_MANY, PORTAL_ERROR_INVALID_ARGUMENT,
		       "has no name");
	static char names[65][16];
	const char *many[65];
	for (int i = 0; i < 65; i++) {
		snprintf(names[i], sizeof(names[i]), "f%d", i);
		many[i] = names[i];
	}
	call_begin(&c, "t");
	add_files(&c, many, 65);
	expect_invalid(call_end(&c), PROTO_FILE_SAVE_MANY, PORTAL_ERROR_INVALID_ARGUMENT,
		       "more than 64");
	call_begin(&c, "t");
	add_files(&c, many, 64);
	const char *error;
	char err[256];
	DBusMessage *ok = call_end(&c);
	assert_int_equal(parse(ok, PROTO_FILE_SAVE_MANY, &error, err), 0);
	assert_int_equal(req.d.n_names, 64);
	dbus_message_unref(ok);
}

/* What the host would refuse is cleaned up or left out, never sent. */
static void test_cleanup(void **state)
{
	(void)state;
	struct call c;
	const char *error;
	char err[256];
	DBusMessage *m;

	call_begin(&c, "Open\ninvoice\xe2\x80\xae"
		       "fdp.exe");
	add_string(&c, "accept_label", "\x1b[31mOK");
	add_string(&c, "unknown", "ignored");
	add_bool(&c, "modal", FALSE);
	add_bool(&c, "modal", TRUE); /* the first of a repeated key counts */
	m = call_end(&c);
	assert_int_equal(parse(m, PROTO_FILE_OPEN, &error, err), 0);
	assert_str(req.d.title, "Open invoice_fdp.exe");
	assert_str(req.d.accept_label, "_[31mOK");
	assert_int_equal(req.d.flags, 0);
	dbus_message_unref(m);

	/* Patterns the host refuses go; a filter left with none goes; the
	 * current filter follows its filter. */
	static const char *const filters[] = {"Slashes|0:../*|1:text/plain;charset=utf-8|1:*/*",
					      "Docs|0:*.odt|1:image/*", "Bidi \xe2\x80\xae|0:*.x"};
	call_begin(&c, "t");
	add_filters(&c, filters, 3);
	add_current(&c, "Docs|0:*.odt|1:image/*");
	m = call_end(&c);
	assert_int_equal(parse(m, PROTO_FILE_OPEN, &error, err), 0);
	assert_int_equal(req.d.n_filters, 2);
	assert_str(req.d.filters[0].name, "Docs");
	assert_int_equal(req.filter_src[0], 1);
	assert_str(req.d.filters[1].name, "Bidi _");
	assert_int_equal(req.filter_src[1], 2);
	assert_int_equal(req.d.current_filter, 0);
	assert_int_equal(req.d.n_patterns, 3);
	dbus_message_unref(m);

	/* A current filter whose filter was left out: none is selected. */
	call_begin(&c, "t");
	add_filters(&c, filters, 3);
	add_current(&c, "Slashes|0:../*|1:text/plain;charset=utf-8|1:*/*");
	m = call_end(&c);
	assert_int_equal(parse(m, PROTO_FILE_OPEN, &error, err), 0);
	assert_int_equal(req.d.current_filter, PROTO_NO_FILTER);
	dbus_message_unref(m);

	/* current_filter alone is the one filter offered, and comes back. */
	call_begin(&c, "t");
	add_current(&c, "Only|0:*.only");
	m = call_end(&c);
	assert_int_equal(parse(m, PROTO_FILE_OPEN, &error, err), 0);
	assert_int_equal(req.d.n_filters, 1);
	assert_int_equal(req.d.current_filter, 0);
	assert_int_equal(req.filter_src[0], PORTAL_FILTER_FROM_CURRENT);
	DBusMessage *out = dbus_message_new_method_call(NULL, "/x", "a.b", "c");
	DBusMessageIter it;
	dbus_message_iter_init_append(out, &it);
	assert_int_equal(portal_copy_app_filter(m, PORTAL_FILTER_FROM_CURRENT, &it), 0);
	assert_true(dbus_message_has_signature(out, "(sa(us))"));
	dbus_message_unref(out);
	dbus_message_unref(m);

	/* Caps: 32 filters, 128 patterns in all. */
	static char specs[40][64];
	const char *sp[40];
	for (int i = 0; i < 40; i++) {
		snprintf(specs[i], sizeof(specs[i]), "F%d|0:*.a|0:*.b|0:*.c|0:*.d|0:*.e", i);
		sp[i] = specs[i];
	}
	call_begin(&c, "t");
	add_filters(&c, sp, 40);
	m = call_end(&c);
	assert_int_equal(parse(m, PROTO_FILE_OPEN, &error, err), 0);
	assert_int_equal(req.d.n_patterns, 128);
	assert_int_equal(req.d.n_filters, 26); /* 25 whole, then 3 of the 26th */
	assert_int_equal(req.d.filters[25].n_patterns, 3);
	dbus_message_unref(m);

	/* Choices: ids that cannot travel unchanged go; options likewise, and
	 * an initial value pointing at one; duplicates go; 8 at most. */
	DBusMessageIter e, v, list;
	call_begin(&c, "t");
	entry(&c, "choices", "a(ssa(ss)s)", &e, &v);
	dbus_message_iter_open_container(&v, DBUS_TYPE_ARRAY, "(ssa(ss)s)", &list);
	choice(&list, "bidi\xe2\x80\xae", "Bidi", "", "");
	choice(&list, "enc", "Enc\n", "u8=UTF-8,bad\x7f=Bad,u8=Again", "bad\x7f");
	choice(&list, "enc", "Twice", "", "true");
	choice(&list, "gone", "All bad", "\x01=x", "");
	for (int i = 0; i < 9; i++) {
		char id[8];
		snprintf(id, sizeof(id), "c%d", i);
		choice(&list, id, "box", "", "true");
	}
	dbus_message_iter_close_container(&v, &list);
	entry_close(&c, &e, &v);
	m = call_end(&c);
	assert_int_equal(parse(m, PROTO_FILE_OPEN, &error, err), 0);
	assert_int_equal(req.d.n_choices, 8);
	assert_str(req.d.choices[0].id, "enc");
	assert_str(req.d.choices[0].label, "Enc ");
	assert_int_equal(req.d.choices[0].n_options, 1);
	assert_str(req.d.options[0].id, "u8");
	assert_str(req.d.choices[0].initial, "");
	assert_str(req.d.choices[1].id, "c0");
	assert_str(req.d.choices[7].id, "c6");
	dbus_message_unref(m);
}

static void test_save_names(void **state)
{
	(void)state;
	struct call c;
	const char *error;
	char err[256];
	DBusMessage *m;
	DBusMessageIter e, v, bytes;
	/* current_file's base name, when there is no current_name. */
	call_begin(&c, "t");
	entry(&c, "current_file", "ay", &e, &v);
	dbus_message_iter_open_container(&v, DBUS_TYPE_ARRAY, "y", &bytes);
	const char *path = "/home/u/caf\xc3\xa9 \xff.txt";
	dbus_message_iter_append_fixed_array(&bytes, DBUS_TYPE_BYTE, &path, (int)strlen(path) + 1);
	dbus_message_iter_close_container(&v, &bytes);
	entry_close(&c, &e, &v);
	m = call_end(&c);
	assert_int_equal(parse(m, PROTO_FILE_SAVE, &error, err), 0);
	assert_str(req.d.current_name, "caf\xc3\xa9 _.txt");
	dbus_message_unref(m);

	call_begin(&c, "t");
	add_string(&c, "current_name", "../../etc/passwd");
	m = call_end(&c);
	assert_int_equal(parse(m, PROTO_FILE_SAVE, &error, err), 0);
	assert_str(req.d.current_name, ".._.._etc_passwd");
	dbus_message_unref(m);

	call_begin(&c, "t");
	add_string(&c, "current_name", "..");
	m = call_end(&c);
	assert_int_equal(parse(m, PROTO_FILE_SAVE, &error, err), 0);
	assert_str(req.d.current_name, "_");
	dbus_message_unref(m);
}

/* A dialog with every list full is over the protocol's cap (a SaveFile, with
 * its current name): it loses choices from the end, then filters. */
static void test_fit(void **state)
{
	(void)state;
	static char label[257], glob[256], ids[8][8][65], cids[8][65];
	memset(label, 'x', 256);
	memset(glob, 'g', 255);
	memset(&req, 0, sizeof(req));
	req.type = PROTO_FILE_SAVE;
	req.d.title = (struct proto_str){label, 256};
	req.d.accept_label = (struct proto_str){label, 256};
	req.d.current_name = (struct proto_str){label, 255};
	for (int i = 0; i < 32; i++) {
		req.d.filters[i] = (struct proto_filter){{label, 256}, (uint8_t)(i * 4), 4};
		for (int k = 0; k < 4; k++)
			req.d.patterns[i * 4 + k] = (struct proto_pattern){0, {glob, 255}};
	}
	req.d.n_filters = 32;
	req.d.n_patterns = 128;
	req.d.current_filter = 31;
	for (int i = 0; i < 8; i++) {
		memset(cids[i], 'a' + i, 64);
		for (int k = 0; k < 8; k++)
			memset(ids[i][k], 'a' + k, 64);
		req.d.choices[i] = (struct proto_choice){
		    {cids[i], 64}, {label, 256}, (uint8_t)(i * 8), 8, {ids[i][0], 64}};
		for (int k = 0; k < 8; k++) {
			req.d.options[i * 8 + k] =
			    (struct proto_option){{ids[i][k], 64}, {label, 256}};
		}
	}
	req.d.n_choices = 8;
	req.d.n_options = 64;
	struct proto_msg msg;
	static uint8_t frame[PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD];
	size_t len;
	memset(&msg, 0, sizeof(msg));
	msg.type = PROTO_FILE_SAVE;
	msg.u.dialog = req.d;
	assert_int_equal(proto_encode(&msg, frame, sizeof(frame), &len), -E2BIG);
	assert_int_equal(portal_dialog_fit(&req), 0);
	assert_int_equal(req.d.n_choices, 7);
	assert_int_equal(req.d.n_options, 56);
	assert_int_equal(req.d.n_filters, 32);
	assert_int_equal(req.d.current_filter, 31);
	msg.u.dialog = req.d;
	assert_int_equal(proto_encode(&msg, frame, sizeof(frame), &len), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gdbus_open),	  cmocka_unit_test(test_gdbus_save),
	    cmocka_unit_test(test_gtk3),	  cmocka_unit_test(test_zenity),
	    cmocka_unit_test(test_bad_arguments), cmocka_unit_test(test_cleanup),
	    cmocka_unit_test(test_save_names),	  cmocka_unit_test(test_fit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
