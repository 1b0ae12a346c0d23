#include "pd_request.h"

#include "pd_pick.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void pd_strv_free(struct pd_strv *s)
{
	for (unsigned i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int pd_strv_addf(struct pd_strv *s, const char *fmt, ...)
{
	if (s->n + 2 > s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 16;
		char **v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	va_list ap;
	va_start(ap, fmt);
	char *str = NULL;
	int r = vasprintf(&str, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	s->v[s->n++] = str;
	s->v[s->n] = NULL;
	return 0;
}

const char *pd_mode_name(enum pd_mode m)
{
	switch (m) {
	case PD_MODE_OPEN:
		return "open";
	case PD_MODE_SAVE:
		return "save";
	case PD_MODE_SAVE_MANY:
		return "save-many";
	case PD_MODE_OPEN_FOLDER:
		return "open-folder";
	}
	return "open";
}

void pd_chooser_req_init(struct pd_chooser_req *r, uint16_t type, const char *vm,
			 const struct proto_dialog *d)
{
	static const char *const fallback[] = {"Open File", "Save File", "Save Files",
					       "Open Folder"};
	memset(r, 0, sizeof(*r));
	r->mode = type == PROTO_FILE_SAVE		? PD_MODE_SAVE
		  : type == PROTO_FILE_SAVE_MANY	? PD_MODE_SAVE_MANY
		  : (d->flags & PROTO_DIALOG_DIRECTORY) ? PD_MODE_OPEN_FOLDER
							: PD_MODE_OPEN;
	r->vm = vm;
	r->d = d;
	pd_dialog_title(r->title, sizeof(r->title), vm, d->title, fallback[r->mode]);
	if (r->mode == PD_MODE_SAVE)
		pd_safe_name(r->name, d->current_name);
}

bool pd_request_multiple(const struct pd_chooser_req *r)
{
	return (r->mode == PD_MODE_OPEN || r->mode == PD_MODE_OPEN_FOLDER) &&
	       (r->d->flags & PROTO_DIALOG_MULTIPLE);
}

static bool glob_usable(const char *g, size_t n)
{
	return n > 0 && !memchr(g, ' ', n) && !memchr(g, '|', n) && !memchr(g, '/', n);
}

static bool already(const struct pd_strv *out, unsigned from, const char *g, size_t n)
{
	for (unsigned i = from; i < out->n; i++)
		if (strlen(out->v[i]) == n && !memcmp(out->v[i], g, n))
			return true;
	return false;
}

int pd_mime_globs(const char *db, size_t db_len, struct proto_str mime, struct pd_strv *out,
		  unsigned max)
{
	bool all = mime.len >= 2 && mime.ptr[mime.len - 1] == '*';
	size_t want = all ? mime.len - 1 : mime.len; /* "image/" or the whole type */
	unsigned from = out->n, added = 0;
	for (const char *line = db, *end = db + db_len; line < end && added < max;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *stop = nl ? nl : end;
		const char *c1 = memchr(line, ':', (size_t)(stop - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(stop - c1 - 1)) : NULL;
		if (line[0] != '#' && c2) {
			const char *type = c1 + 1;
			size_t tl = (size_t)(c2 - type);
			const char *glob = c2 + 1;
			const char *c3 = memchr(glob, ':', (size_t)(stop - glob));
			size_t gl = (size_t)((c3 ? c3 : stop) - glob);
			bool match = all ? (tl > want && !memcmp(type, mime.ptr, want))
					 : (tl == want && !memcmp(type, mime.ptr, want));
			if (match && glob_usable(glob, gl) && !already(out, from, glob, gl)) {
				if (pd_strv_addf(out, "%.*s", (int)gl, glob) < 0)
					return -ENOMEM;
				added++;
			}
		}
		line = stop + 1;
	}
	return (int)added;
}

/* zenity selects its first filter: the current one goes first. Returns the
 * dialog's index of the filter shown at position pos. */
static unsigned zenity_filter_index(const struct proto_dialog *d, unsigned pos)
{
	unsigned cur = d->current_filter;
	if (cur == PROTO_NO_FILTER || cur >= d->n_filters)
		return pos;
	if (pos == 0)
		return cur;
	return pos <= cur ? pos - 1 : pos;
}

/* "NAME | glob glob": zenity splits the name at the first '|' and the
 * patterns at spaces, so '|' in a name becomes '/'. */
static int zenity_filter(const struct proto_dialog *d, const struct proto_filter *f, const char *db,
			 size_t db_len, struct pd_strv *argv)
{
	struct pd_strv globs = {0};
	int r = 0;
	for (unsigned k = f->first; k < (unsigned)f->first + f->n_patterns && r >= 0; k++) {
		const struct proto_pattern *p = &d->patterns[k];
		if (p->kind == PROTO_PATTERN_MIME) {
			if (db)
				r = pd_mime_globs(db, db_len, p->pattern, &globs, 64);
		} else if (glob_usable(p->pattern.ptr, p->pattern.len) &&
			   !already(&globs, 0, p->pattern.ptr, p->pattern.len)) {
			r = pd_strv_addf(&globs, "%.*s", (int)p->pattern.len, p->pattern.ptr);
		}
	}
	/* Nothing zenity can use would hide every file: show them all instead. */
	if (r >= 0 && globs.n == 0)
		r = pd_strv_addf(&globs, "*");
	/* The name as the dialog shows it: escaped, as the title. */
	char name[PD_LABEL_SIZE];
	size_t total = strlen("--file-filter= |") + pd_label(name, f->name) + 1;
	for (unsigned i = 0; r >= 0 && i < globs.n; i++)
		total += strlen(globs.v[i]) + 1;
	char *arg = r >= 0 ? malloc(total) : NULL;
	if (!arg) {
		pd_strv_free(&globs);
		return -ENOMEM;
	}
	char *o = arg + sprintf(arg, "--file-filter=%s |", name);
	for (char *c = arg + strlen("--file-filter="); c < o - 2; c++)
		if (*c == '|')
			*c = '/';
	for (unsigned i = 0; i < globs.n; i++)
		o += sprintf(o, " %s", globs.v[i]);
	r = pd_strv_addf(argv, "%s", arg);
	free(arg);
	pd_strv_free(&globs);
	return r;
}

int pd_zenity_argv(const struct pd_chooser_req *r, const char *db, size_t db_len,
		   struct pd_strv *ret)
{
	const struct proto_dialog *d = r->d;
	struct pd_strv a = {0};
	int e = pd_strv_addf(&a, "zenity");
	if (!e)
		e = pd_strv_addf(&a, "--file-selection");
	if (!e)
		e = pd_strv_addf(&a, "--title=%s", r->title);
	bool opening = r->mode == PD_MODE_OPEN || r->mode == PD_MODE_OPEN_FOLDER;
	if (!e && opening && (d->flags & PROTO_DIALOG_MULTIPLE)) {
		e = pd_strv_addf(&a, "--multiple");
		if (!e)
			e = pd_strv_addf(&a, "--separator=%s", PD_ZENITY_SEPARATOR);
	}
	if (!e && r->mode == PD_MODE_SAVE) {
		e = pd_strv_addf(&a, "--save");
		if (!e)
			e = pd_strv_addf(&a, "--confirm-overwrite");
		if (!e && r->name[0])
			e = pd_strv_addf(&a, "--filename=%s", r->name);
	}
	if (!e && (r->mode == PD_MODE_SAVE_MANY || r->mode == PD_MODE_OPEN_FOLDER))
		e = pd_strv_addf(&a, "--directory");
	/* File filters would hide every folder from a folder dialog. */
	for (unsigned pos = 0; !e && r->mode != PD_MODE_OPEN_FOLDER && pos < d->n_filters; pos++) {
		const struct proto_filter *f = &d->filters[zenity_filter_index(d, pos)];
		e = zenity_filter(d, f, db, db_len, &a);
	}
	if (e) {
		pd_strv_free(&a);
		return e;
	}
	*ret = a;
	return 0;
}

int pd_command_env(const struct pd_chooser_req *r, char *const *base, struct pd_strv *ret)
{
	struct pd_strv e = {0};
	int err = 0;
	for (unsigned i = 0; base && base[i] && !err; i++)
		if (strncmp(base[i], "APPVM_", 6) != 0)
			err = pd_strv_addf(&e, "%s", base[i]);
	if (!err)
		err = pd_strv_addf(&e, "APPVM_VM_NAME=%s", r->vm);
	if (!err)
		err = pd_strv_addf(&e, "APPVM_CHOOSER_MODE=%s", pd_mode_name(r->mode));
	if (!err)
		err = pd_strv_addf(&e, "APPVM_CHOOSER_TITLE=%s", r->title);
	if (!err)
		err = pd_strv_addf(&e, "APPVM_CHOOSER_MULTIPLE=%d", pd_request_multiple(r));
	if (!err)
		err = pd_strv_addf(&e, "APPVM_CHOOSER_NAME=%s", r->name);
	if (err) {
		pd_strv_free(&e);
		return err;
	}
	*ret = e;
	return 0;
}

static void json_s(FILE *f, struct proto_str s)
{
	pd_json_str(f, s.ptr, s.len);
}

static void json_filters(FILE *f, const struct proto_dialog *d)
{
	fputs(",\"filters\":[", f);
	for (unsigned i = 0; i < d->n_filters; i++) {
		const struct proto_filter *fl = &d->filters[i];
		fprintf(f, "%s{\"name\":", i ? "," : "");
		json_s(f, fl->name);
		fputs(",\"patterns\":[", f);
		for (unsigned k = fl->first; k < (unsigned)fl->first + fl->n_patterns; k++) {
			const struct proto_pattern *p = &d->patterns[k];
			fprintf(f, "%s{\"kind\":\"%s\",\"pattern\":", k > fl->first ? "," : "",
				p->kind == PROTO_PATTERN_MIME ? "mime" : "glob");
			json_s(f, p->pattern);
			fputc('}', f);
		}
		fputs("]}", f);
	}
	fputs("],\"current_filter\":", f);
	if (d->current_filter == PROTO_NO_FILTER)
		fputs("null", f);
	else
		fprintf(f, "%u", d->current_filter);
}

static void json_choices(FILE *f, const struct proto_dialog *d)
{
	fputs(",\"choices\":[", f);
	for (unsigned i = 0; i < d->n_choices; i++) {
		const struct proto_choice *ch = &d->choices[i];
		fprintf(f, "%s{\"id\":", i ? "," : "");
		json_s(f, ch->id);
		fputs(",\"label\":", f);
		json_s(f, ch->label);
		fputs(",\"options\":[", f);
		for (unsigned k = ch->first; k < (unsigned)ch->first + ch->n_options; k++) {
			fprintf(f, "%s{\"id\":", k > ch->first ? "," : "");
			json_s(f, d->options[k].id);
			fputs(",\"label\":", f);
			json_s(f, d->options[k].label);
			fputc('}', f);
		}
		fputs("],\"initial\":", f);
		json_s(f, ch->initial);
		fputc('}', f);
	}
	fputc(']', f);
}

void pd_request_json(FILE *f, const struct pd_chooser_req *r)
{
	const struct proto_dialog *d = r->d;
	fputs("{\"vm\":", f);
	pd_json_str(f, r->vm, strlen(r->vm));
	fprintf(f, ",\"mode\":\"%s\",\"title\":", pd_mode_name(r->mode));
	pd_json_str(f, r->title, strlen(r->title));
	fputs(",\"guest_title\":", f);
	json_s(f, d->title);
	fputs(",\"accept_label\":", f);
	json_s(f, d->accept_label);
	fprintf(f, ",\"multiple\":%s,\"modal\":%s", pd_request_multiple(r) ? "true" : "false",
		(d->flags & PROTO_DIALOG_MODAL) ? "true" : "false");
	json_filters(f, d);
	json_choices(f, d);
	fputs(",\"current_name\":", f);
	if (r->mode == PD_MODE_SAVE)
		pd_json_str(f, r->name, strlen(r->name));
	else
		fputs("null", f);
	fputs(",\"names\":[", f);
	for (unsigned i = 0; r->mode == PD_MODE_SAVE_MANY && i < d->n_names; i++) {
		char safe[PROTO_FILENAME_MAX + 1];
		pd_safe_name(safe, d->names[i]);
		fprintf(f, "%s", i ? "," : "");
		pd_json_str(f, safe, strlen(safe));
	}
	fputs("]}\n", f);
}
