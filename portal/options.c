#include "options.h"

#include "proto_wire.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { M_OPEN = 1, M_SAVE = 2, M_MANY = 4, M_ALL = 7 };

enum key_id {
	K_TOKEN,
	K_ACCEPT,
	K_MODAL,
	K_MULTIPLE,
	K_DIRECTORY,
	K_FILTERS,
	K_CURRENT_FILTER,
	K_CHOICES,
	K_CURRENT_NAME,
	K_CURRENT_FILE,
	K_FILES,
	K_COUNT
};

static const struct {
	const char *name;
	const char *sig;
	unsigned methods;
} keys[K_COUNT] = {
    [K_TOKEN] = {"handle_token", "s", M_ALL},
    [K_ACCEPT] = {"accept_label", "s", M_ALL},
    [K_MODAL] = {"modal", "b", M_ALL},
    [K_MULTIPLE] = {"multiple", "b", M_OPEN},
    [K_DIRECTORY] = {"directory", "b", M_OPEN},
    [K_FILTERS] = {"filters", "a(sa(us))", M_OPEN | M_SAVE},
    [K_CURRENT_FILTER] = {"current_filter", "(sa(us))", M_OPEN | M_SAVE},
    [K_CHOICES] = {"choices", "a(ssa(ss)s)", M_ALL},
    [K_CURRENT_NAME] = {"current_name", "s", M_SAVE},
    [K_CURRENT_FILE] = {"current_file", "ay", M_SAVE},
    [K_FILES] = {"files", "aay", M_MANY},
};

struct parse {
	struct portal_dialog_req *r;
	bool present[K_COUNT];
	DBusMessageIter val[K_COUNT]; /* positioned on the value inside the variant */
	const char **ret_error;
	char *err;
	size_t errlen;
};

static int invalid(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int invalid(struct parse *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	*p->ret_error = PORTAL_ERROR_INVALID_ARGUMENT;
	return -EINVAL;
}

static unsigned method_bit(uint16_t type)
{
	return type == PROTO_FILE_OPEN ? M_OPEN : type == PROTO_FILE_SAVE ? M_SAVE : M_MANY;
}

/* Copies cleaned-up text into the arena. Text that does not fit (never, with
 * the caps below) becomes empty. */
static struct proto_str put_text(struct portal_dialog_req *r, const char *s, size_t len,
				 enum portal_text cls)
{
	struct proto_str out = {"", 0};
	if (PORTAL_ARENA_SIZE - r->arena_used < PROTO_LABEL_MAX + 1)
		return out;
	char *dst = r->arena + r->arena_used;
	size_t n = portal_sanitize(s, len, cls, dst, PROTO_LABEL_MAX + 1);
	r->arena_used += n + 1;
	out.ptr = dst;
	out.len = (uint16_t)n;
	return out;
}

/* Keeps a string unchanged, for identifiers that must come back as the app
 * sent them. */
static struct proto_str put_raw(struct portal_dialog_req *r, const char *s, size_t len)
{
	struct proto_str out = {"", 0};
	if (PORTAL_ARENA_SIZE - r->arena_used < len + 1)
		return out;
	char *dst = r->arena + r->arena_used;
	memcpy(dst, s, len);
	dst[len] = '\0';
	r->arena_used += len + 1;
	out.ptr = dst;
	out.len = (uint16_t)len;
	return out;
}

static const char *get_string(DBusMessageIter *it)
{
	const char *s = "";
	dbus_message_iter_get_basic(it, &s);
	return s;
}

static bool id_ok(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n <= PROTO_ID_MAX && proto_label_ok(s, n);
}

/* Collects the options dictionary: the first value of every known key that
 * applies to this method, with its type checked. */
static int collect(struct parse *p, DBusMessageIter *dict)
{
	unsigned m = method_bit(p->r->type);
	DBusMessageIter entry;
	dbus_message_iter_recurse(dict, &entry);
	for (; dbus_message_iter_get_arg_type(&entry) == DBUS_TYPE_DICT_ENTRY;
	     dbus_message_iter_next(&entry)) {
		DBusMessageIter kv, var;
		dbus_message_iter_recurse(&entry, &kv);
		const char *key = get_string(&kv);
		dbus_message_iter_next(&kv);
		dbus_message_iter_recurse(&kv, &var);
		size_t k;
		for (k = 0; k < K_COUNT; k++)
			if (strcmp(keys[k].name, key) == 0)
				break;
		if (k == K_COUNT || !(keys[k].methods & m) || p->present[k])
			continue;
		char *sig = dbus_message_iter_get_signature(&var);
		if (!sig)
			return invalid(p, "out of memory");
		bool ok = strcmp(sig, keys[k].sig) == 0;
		if (!ok) {
			int r = invalid(p, "expected type for key %s is %s, found %s", key,
					keys[k].sig, sig);
			dbus_free(sig);
			return r;
		}
		dbus_free(sig);
		p->present[k] = true;
		p->val[k] = var;
	}
	return 0;
}

/* Checks one (sa(us)) as the portal specification requires. */
static int check_filter(struct parse *p, DBusMessageIter *filter)
{
	DBusMessageIter f, pats;
	dbus_message_iter_recurse(filter, &f);
	if (get_string(&f)[0] == '\0')
		return invalid(p, "invalid filter: name is empty");
	dbus_message_iter_next(&f);
	dbus_message_iter_recurse(&f, &pats);
	if (dbus_message_iter_get_arg_type(&pats) == DBUS_TYPE_INVALID)
		return invalid(p, "invalid filter: no filters");
	for (; dbus_message_iter_get_arg_type(&pats) == DBUS_TYPE_STRUCT;
	     dbus_message_iter_next(&pats)) {
		DBusMessageIter pat;
		dbus_uint32_t kind = 0;
		dbus_message_iter_recurse(&pats, &pat);
		dbus_message_iter_get_basic(&pat, &kind);
		dbus_message_iter_next(&pat);
		if (kind > 1)
			return invalid(p, "invalid filter: invalid filter type: %u",
				       (unsigned)kind);
		if (get_string(&pat)[0] == '\0')
			return invalid(p, "invalid filter: invalid %s",
				       kind == 0 ? "glob pattern" : "content type");
	}
	return 0;
}

/* Adds a checked filter to the dialog, keeping the patterns the host takes.
 * A filter left without patterns, or over the caps, is left out. */
static void add_filter(struct parse *p, DBusMessageIter *filter, uint8_t src)
{
	struct proto_dialog *d = &p->r->d;
	DBusMessageIter f, pats;
	if (d->n_filters == PROTO_MAX_FILTERS)
		return;
	dbus_message_iter_recurse(filter, &f);
	const char *name = get_string(&f);
	dbus_message_iter_next(&f);
	dbus_message_iter_recurse(&f, &pats);
	uint8_t first = d->n_patterns, n = 0;
	for (; dbus_message_iter_get_arg_type(&pats) == DBUS_TYPE_STRUCT;
	     dbus_message_iter_next(&pats)) {
		DBusMessageIter pat;
		dbus_uint32_t kind = 0;
		dbus_message_iter_recurse(&pats, &pat);
		dbus_message_iter_get_basic(&pat, &kind);
		dbus_message_iter_next(&pat);
		const char *s = get_string(&pat);
		size_t len = strlen(s);
		bool ok = kind == 0 ? str_class_ok(STR_GLOB, s, len)
				    : str_class_ok(STR_MIME_PATTERN, s, len);
		if (!ok || d->n_patterns == PROTO_MAX_PATTERNS)
			continue;
		d->patterns[d->n_patterns].kind = (uint8_t)kind;
		d->patterns[d->n_patterns].pattern = put_raw(p->r, s, len);
		d->n_patterns++;
		n++;
	}
	if (n == 0)
		return;
	struct proto_filter *out = &d->filters[d->n_filters];
	out->name = put_text(p->r, name, strlen(name), PORTAL_TEXT_LABEL);
	out->first = first;
	out->n_patterns = n;
	p->r->filter_src[d->n_filters++] = src;
}

static bool filters_equal(DBusMessageIter *a, DBusMessageIter *b)
{
	char *sa = dbus_message_iter_get_signature(a), *sb = dbus_message_iter_get_signature(b);
	bool same = sa && sb && strcmp(sa, sb) == 0;
	dbus_free(sa);
	dbus_free(sb);
	if (!same)
		return false;
	int t = dbus_message_iter_get_arg_type(a);
	if (t != dbus_message_iter_get_arg_type(b))
		return false;
	if (t == DBUS_TYPE_STRING) {
		return strcmp(get_string(a), get_string(b)) == 0;
	} else if (t == DBUS_TYPE_UINT32) {
		dbus_uint32_t x = 0, y = 0;
		dbus_message_iter_get_basic(a, &x);
		dbus_message_iter_get_basic(b, &y);
		return x == y;
	} else if (t == DBUS_TYPE_STRUCT || t == DBUS_TYPE_ARRAY) {
		DBusMessageIter ca, cb;
		dbus_message_iter_recurse(a, &ca);
		dbus_message_iter_recurse(b, &cb);
		for (;;) {
			int ta = dbus_message_iter_get_arg_type(&ca);
			if (ta != dbus_message_iter_get_arg_type(&cb))
				return false;
			if (ta == DBUS_TYPE_INVALID)
				return true;
			if (!filters_equal(&ca, &cb))
				return false;
			dbus_message_iter_next(&ca);
			dbus_message_iter_next(&cb);
		}
	}
	return false;
}

static int do_filters(struct parse *p)
{
	struct proto_dialog *d = &p->r->d;
	d->current_filter = PROTO_NO_FILTER;
	unsigned n_app = 0;
	if (p->present[K_FILTERS]) {
		DBusMessageIter list;
		dbus_message_iter_recurse(&p->val[K_FILTERS], &list);
		for (; dbus_message_iter_get_arg_type(&list) == DBUS_TYPE_STRUCT;
		     dbus_message_iter_next(&list), n_app++) {
			int r = check_filter(p, &list);
			if (r < 0)
				return r;
			if (n_app < PORTAL_FILTER_FROM_CURRENT)
				add_filter(p, &list, (uint8_t)n_app);
		}
	}
	if (!p->present[K_CURRENT_FILTER])
		return 0;
	DBusMessageIter *cur = &p->val[K_CURRENT_FILTER];
	int r = check_filter(p, cur);
	if (r < 0)
		return r;
	if (n_app == 0) {
		/* No list: the current filter is the one filter offered. */
		add_filter(p, cur, PORTAL_FILTER_FROM_CURRENT);
		if (d->n_filters == 1)
			d->current_filter = 0;
		return 0;
	}
	DBusMessageIter list;
	dbus_message_iter_recurse(&p->val[K_FILTERS], &list);
	for (unsigned j = 0; dbus_message_iter_get_arg_type(&list) == DBUS_TYPE_STRUCT;
	     dbus_message_iter_next(&list), j++) {
		if (!filters_equal(&list, cur))
			continue;
		for (uint8_t k = 0; k < d->n_filters; k++)
			if (p->r->filter_src[k] == j)
				d->current_filter = k;
		return 0;
	}
	return invalid(p, "current_filter, if specified, must be present in filters list if "
			  "list is nonempty");
}

/* Checks one (ssa(ss)s) as the portal specification requires. */
static int check_choice(struct parse *p, DBusMessageIter *choice)
{
	DBusMessageIter c, opts;
	dbus_message_iter_recurse(choice, &c);
	if (get_string(&c)[0] == '\0')
		return invalid(p, "invalid choice: id is empty");
	dbus_message_iter_next(&c);
	if (get_string(&c)[0] == '\0')
		return invalid(p, "invalid choice: label is empty");
	dbus_message_iter_next(&c);
	dbus_message_iter_recurse(&c, &opts);
	dbus_message_iter_next(&c);
	const char *initial = get_string(&c);
	bool any = false, seen = false;
	for (; dbus_message_iter_get_arg_type(&opts) == DBUS_TYPE_STRUCT;
	     dbus_message_iter_next(&opts)) {
		DBusMessageIter o;
		dbus_message_iter_recurse(&opts, &o);
		const char *id = get_string(&o);
		dbus_message_iter_next(&o);
		if (id[0] == '\0')
			return invalid(p, "invalid choice: option id is empty");
		if (get_string(&o)[0] == '\0')
			return invalid(p, "invalid choice: option label is empty");
		any = true;
		seen = seen || strcmp(id, initial) == 0;
	}
	if (!any && strcmp(initial, "") != 0 && strcmp(initial, "true") != 0 &&
	    strcmp(initial, "false") != 0)
		return invalid(p, "invalid choice: bad current option: %s", initial);
	if (any && !seen && initial[0] != '\0')
		return invalid(p, "invalid choice: bad current option: %s", initial);
	return 0;
}

/* Adds a checked choice when its identifiers can travel unchanged and the
 * caps allow; otherwise it is left out (the app then gets no value for it). */
static void add_choice(struct parse *p, DBusMessageIter *choice)
{
	struct proto_dialog *d = &p->r->d;
	DBusMessageIter c, opts;
	if (d->n_choices == PROTO_MAX_CHOICES)
		return;
	dbus_message_iter_recurse(choice, &c);
	const char *id = get_string(&c);
	dbus_message_iter_next(&c);
	const char *label = get_string(&c);
	dbus_message_iter_next(&c);
	dbus_message_iter_recurse(&c, &opts);
	dbus_message_iter_next(&c);
	const char *initial = get_string(&c);
	if (!id_ok(id))
		return;
	for (uint8_t i = 0; i < d->n_choices; i++)
		if (strcmp(d->choices[i].id.ptr, id) == 0)
			return;
	uint8_t first = d->n_options, n = 0;
	bool had_options = false, initial_kept = false;
	for (; dbus_message_iter_get_arg_type(&opts) == DBUS_TYPE_STRUCT;
	     dbus_message_iter_next(&opts)) {
		DBusMessageIter o;
		dbus_message_iter_recurse(&opts, &o);
		const char *oid = get_string(&o);
		dbus_message_iter_next(&o);
		const char *olabel = get_string(&o);
		had_options = true;
		if (!id_ok(oid))
			continue;
		bool dup = false;
		for (uint8_t k = first; k < d->n_options; k++)
			dup = dup || strcmp(d->options[k].id.ptr, oid) == 0;
		if (dup)
			continue;
		if (d->n_options == PROTO_MAX_OPTIONS) {
			d->n_options = first; /* the choice does not fit: drop it whole */
			return;
		}
		d->options[d->n_options].id = put_raw(p->r, oid, strlen(oid));
		d->options[d->n_options].label =
		    put_text(p->r, olabel, strlen(olabel), PORTAL_TEXT_LABEL);
		d->n_options++;
		n++;
		initial_kept = initial_kept || strcmp(oid, initial) == 0;
	}
	if (had_options && n == 0)
		return; /* not a check box: a list whose options could not travel */
	struct proto_choice *out = &d->choices[d->n_choices++];
	out->id = put_raw(p->r, id, strlen(id));
	out->label = put_text(p->r, label, strlen(label), PORTAL_TEXT_LABEL);
	out->first = first;
	out->n_options = n;
	if (n > 0 && !initial_kept)
		initial = "";
	out->initial = put_raw(p->r, initial, strlen(initial));
}

static int do_choices(struct parse *p)
{
	if (!p->present[K_CHOICES])
		return 0;
	DBusMessageIter list;
	dbus_message_iter_recurse(&p->val[K_CHOICES], &list);
	for (; dbus_message_iter_get_arg_type(&list) == DBUS_TYPE_STRUCT;
	     dbus_message_iter_next(&list)) {
		int r = check_choice(p, &list);
		if (r < 0)
			return r;
		add_choice(p, &list);
	}
	return 0;
}

static const char *get_bytes(DBusMessageIter *ay, int *ret_len)
{
	DBusMessageIter bytes;
	const char *data = NULL;
	*ret_len = 0;
	dbus_message_iter_recurse(ay, &bytes);
	if (dbus_message_iter_get_arg_type(&bytes) == DBUS_TYPE_BYTE)
		dbus_message_iter_get_fixed_array(&bytes, &data, ret_len);
	return data ? data : "";
}

/* The base name of a path given as bytes, cleaned up as a FILENAME. */
static struct proto_str base_name(struct portal_dialog_req *r, DBusMessageIter *ay)
{
	int len;
	size_t base_len;
	const char *path = get_bytes(ay, &len);
	const char *base = portal_basename(path, (size_t)len, &base_len);
	return put_text(r, base, base_len, PORTAL_TEXT_FILENAME);
}

static int do_names(struct parse *p)
{
	struct proto_dialog *d = &p->r->d;
	if (p->r->type == PROTO_FILE_SAVE) {
		if (p->present[K_CURRENT_NAME]) {
			const char *s = get_string(&p->val[K_CURRENT_NAME]);
			d->current_name = put_text(p->r, s, strlen(s), PORTAL_TEXT_FILENAME);
		}
		if (d->current_name.len == 0 && p->present[K_CURRENT_FILE])
			d->current_name = base_name(p->r, &p->val[K_CURRENT_FILE]);
		return 0;
	}
	if (p->r->type != PROTO_FILE_SAVE_MANY)
		return 0;
	if (!p->present[K_FILES])
		return invalid(p, "files is required");
	DBusMessageIter list;
	dbus_message_iter_recurse(&p->val[K_FILES], &list);
	for (; dbus_message_iter_get_arg_type(&list) == DBUS_TYPE_ARRAY;
	     dbus_message_iter_next(&list)) {
		if (d->n_names == PROTO_MAX_DOCS)
			return invalid(p, "files: more than %u files", PROTO_MAX_DOCS);
		struct proto_str name = base_name(p->r, &list);
		if (name.len == 0)
			return invalid(p, "files: file %u has no name", (unsigned)d->n_names + 1);
		for (uint16_t i = 0; i < d->n_names; i++)
			if (d->names[i].len == name.len &&
			    memcmp(d->names[i].ptr, name.ptr, name.len) == 0)
				return invalid(p, "files: the name \"%s\" is given twice",
					       name.ptr);
		d->names[d->n_names++] = name;
	}
	if (d->n_names == 0)
		return invalid(p, "files is empty");
	return 0;
}

static bool get_bool(DBusMessageIter *it)
{
	dbus_bool_t b = FALSE;
	dbus_message_iter_get_basic(it, &b);
	return b;
}

int portal_parse_dialog(DBusMessage *msg, uint16_t type, struct portal_dialog_req *ret,
			const char **ret_error, char *err, size_t errlen)
{
	struct parse p = {.r = ret, .ret_error = ret_error, .err = err, .errlen = errlen};
	DBusMessageIter args;
	memset(ret, 0, offsetof(struct portal_dialog_req, arena));
	ret->type = type;
	if (!dbus_message_has_signature(msg, "ssa{sv}") || !dbus_message_iter_init(msg, &args)) {
		snprintf(err, errlen, "expected arguments (ssa{sv}), got (%s)",
			 dbus_message_get_signature(msg));
		*ret_error = DBUS_ERROR_INVALID_ARGS;
		return -EINVAL;
	}
	dbus_message_iter_next(&args); /* parent_window: means nothing to the host */
	const char *title = get_string(&args);
	ret->d.title = put_text(ret, title, strlen(title), PORTAL_TEXT_LABEL);
	dbus_message_iter_next(&args);
	int r = collect(&p, &args);
	if (r < 0)
		return r;

	if (p.present[K_TOKEN]) {
		const char *token = get_string(&p.val[K_TOKEN]);
		if (!portal_token_ok(token))
			return invalid(&p, "invalid handle_token \"%.64s\": 1-%u of A-Z a-z 0-9 _",
				       token, PORTAL_TOKEN_MAX);
		strcpy(ret->token, token);
	}
	if (p.present[K_ACCEPT]) {
		const char *s = get_string(&p.val[K_ACCEPT]);
		ret->d.accept_label = put_text(ret, s, strlen(s), PORTAL_TEXT_LABEL);
	}
	if (p.present[K_MODAL] && get_bool(&p.val[K_MODAL]))
		ret->d.flags |= PROTO_DIALOG_MODAL;
	if (p.present[K_MULTIPLE] && get_bool(&p.val[K_MULTIPLE]))
		ret->d.flags |= PROTO_DIALOG_MULTIPLE;
	if (p.present[K_DIRECTORY] && get_bool(&p.val[K_DIRECTORY]))
		ret->d.flags |= PROTO_DIALOG_DIRECTORY;
	if ((r = do_filters(&p)) < 0 || (r = do_choices(&p)) < 0 || (r = do_names(&p)) < 0)
		return r;
	return 0;
}

int portal_dialog_fit(struct portal_dialog_req *r)
{
	struct proto_msg m;
	size_t len;
	uint8_t *buf = malloc(PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD);
	if (!buf)
		return -ENOMEM;
	memset(&m, 0, sizeof(m));
	m.type = r->type;
	m.id = 1;
	for (;;) {
		m.u.dialog = r->d;
		int e = proto_encode(&m, buf, PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD, &len);
		if (e != -E2BIG) {
			free(buf);
			return e;
		}
		struct proto_dialog *d = &r->d;
		if (d->n_choices > 0) {
			d->n_choices--;
			d->n_options = d->choices[d->n_choices].first;
		} else if (d->n_filters > 0) {
			d->n_filters--;
			d->n_patterns = d->filters[d->n_filters].first;
			if (d->current_filter != PROTO_NO_FILTER &&
			    d->current_filter >= d->n_filters)
				d->current_filter = PROTO_NO_FILTER;
		} else {
			free(buf);
			return -E2BIG;
		}
	}
}

int portal_copy_value(DBusMessageIter *src, DBusMessageIter *dst)
{
	int t = dbus_message_iter_get_arg_type(src);
	if (dbus_type_is_basic(t)) {
		DBusBasicValue v;
		dbus_message_iter_get_basic(src, &v);
		return dbus_message_iter_append_basic(dst, t, &v) ? 0 : -ENOMEM;
	}
	DBusMessageIter in, out;
	char *sig = NULL;
	const char *contained = NULL;
	if (t == DBUS_TYPE_ARRAY) {
		sig = dbus_message_iter_get_signature(src);
		if (!sig)
			return -ENOMEM;
		contained = sig + 1;
	} else if (t == DBUS_TYPE_VARIANT) {
		dbus_message_iter_recurse(src, &in);
		sig = dbus_message_iter_get_signature(&in);
		if (!sig)
			return -ENOMEM;
		contained = sig;
	}
	dbus_message_iter_recurse(src, &in);
	int r = 0;
	if (!dbus_message_iter_open_container(dst, t, contained, &out)) {
		dbus_free(sig);
		return -ENOMEM;
	}
	for (; r == 0 && dbus_message_iter_get_arg_type(&in) != DBUS_TYPE_INVALID;
	     dbus_message_iter_next(&in))
		r = portal_copy_value(&in, &out);
	if (r < 0) {
		dbus_message_iter_abandon_container(dst, &out);
		dbus_free(sig);
		return r;
	}
	dbus_free(sig);
	return dbus_message_iter_close_container(dst, &out) ? 0 : -ENOMEM;
}

int portal_copy_app_filter(DBusMessage *msg, uint8_t filter_src, DBusMessageIter *out)
{
	DBusMessageIter args, entry;
	const char *want = filter_src == PORTAL_FILTER_FROM_CURRENT ? "current_filter" : "filters";
	const char *want_sig = filter_src == PORTAL_FILTER_FROM_CURRENT ? "(sa(us))" : "a(sa(us))";
	if (!dbus_message_has_signature(msg, "ssa{sv}") || !dbus_message_iter_init(msg, &args))
		return -ENOENT;
	dbus_message_iter_next(&args);
	dbus_message_iter_next(&args);
	dbus_message_iter_recurse(&args, &entry);
	for (; dbus_message_iter_get_arg_type(&entry) == DBUS_TYPE_DICT_ENTRY;
	     dbus_message_iter_next(&entry)) {
		DBusMessageIter kv, var;
		dbus_message_iter_recurse(&entry, &kv);
		if (strcmp(get_string(&kv), want) != 0)
			continue;
		dbus_message_iter_next(&kv);
		dbus_message_iter_recurse(&kv, &var);
		char *sig = dbus_message_iter_get_signature(&var);
		bool ok = sig && strcmp(sig, want_sig) == 0;
		dbus_free(sig);
		if (!ok)
			return -ENOENT; /* the first one counts, as when parsing */
		if (filter_src == PORTAL_FILTER_FROM_CURRENT)
			return portal_copy_value(&var, out);
		DBusMessageIter list;
		dbus_message_iter_recurse(&var, &list);
		for (unsigned i = 0; dbus_message_iter_get_arg_type(&list) == DBUS_TYPE_STRUCT;
		     dbus_message_iter_next(&list), i++)
			if (i == filter_src)
				return portal_copy_value(&list, out);
		return -ENOENT;
	}
	return -ENOENT;
}
