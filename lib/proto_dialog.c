/* Payload layouts and field rules of the file chooser and document records
 * (dialogs, their results, documents and their stat record), shared by the
 * codec's reader, writer and rule check. Internal to the codec. */
#include "proto_payload.h"

#include <string.h>

void proto_read_doc(struct rcur *c, struct proto_doc *d)
{
	d->id = rd_u64(c);
	d->size = rd_u64(c);
	d->perms = rd_u32(c);
	d->name = rd_str(c, STR_FILENAME, "bad document name");
}

void proto_write_doc(struct wcur *c, const struct proto_doc *d)
{
	wr_u64(c, d->id);
	wr_u64(c, d->size);
	wr_u32(c, d->perms);
	wr_str(c, STR_FILENAME, d->name);
}

void proto_read_stat(struct rcur *c, struct proto_doc_stat *s)
{
	s->size = rd_u64(c);
	s->mtime_sec = (int64_t)rd_u64(c);
	s->mtime_nsec = rd_u32(c);
	s->flags = rd_u32(c);
	s->staged_size = rd_u64(c);
}

void proto_write_stat(struct wcur *c, const struct proto_doc_stat *s)
{
	wr_u64(c, s->size);
	wr_u64(c, (uint64_t)s->mtime_sec);
	wr_u32(c, s->mtime_nsec);
	wr_u32(c, s->flags);
	wr_u64(c, s->staged_size);
}

static void read_filters(struct rcur *c, struct proto_dialog *d)
{
	uint8_t untrusted_n = rd_u8(c);
	if (untrusted_n > PROTO_MAX_FILTERS) {
		rd_fail(c, "too many filters");
		return;
	}
	d->n_filters = untrusted_n;
	for (unsigned i = 0; i < d->n_filters && !c->err; i++) {
		struct proto_filter *f = &d->filters[i];
		f->name = rd_str(c, STR_LABEL, "bad filter name");
		uint8_t untrusted_np = rd_u8(c);
		if (untrusted_np == 0 || untrusted_np > PROTO_MAX_PATTERNS - d->n_patterns) {
			rd_fail(c, "bad pattern count");
			return;
		}
		f->first = d->n_patterns;
		f->n_patterns = untrusted_np;
		for (unsigned k = 0; k < untrusted_np && !c->err; k++) {
			struct proto_pattern *p = &d->patterns[d->n_patterns++];
			p->kind = rd_u8(c);
			if (p->kind == PROTO_PATTERN_GLOB)
				p->pattern = rd_str(c, STR_GLOB, "bad glob pattern");
			else if (p->kind == PROTO_PATTERN_MIME)
				p->pattern = rd_str(c, STR_MIME_PATTERN, "bad MIME pattern");
			else
				rd_fail(c, "bad pattern kind");
		}
	}
	d->current_filter = rd_u8(c);
}

static void read_choices(struct rcur *c, struct proto_dialog *d)
{
	uint8_t untrusted_n = rd_u8(c);
	if (untrusted_n > PROTO_MAX_CHOICES) {
		rd_fail(c, "too many choices");
		return;
	}
	d->n_choices = untrusted_n;
	for (unsigned i = 0; i < d->n_choices && !c->err; i++) {
		struct proto_choice *ch = &d->choices[i];
		ch->id = rd_str(c, STR_ID, "bad choice id");
		ch->label = rd_str(c, STR_LABEL, "bad choice label");
		uint8_t untrusted_no = rd_u8(c);
		if (untrusted_no > PROTO_MAX_OPTIONS - d->n_options) {
			rd_fail(c, "too many choice options");
			return;
		}
		ch->first = d->n_options;
		ch->n_options = untrusted_no;
		for (unsigned k = 0; k < untrusted_no && !c->err; k++) {
			struct proto_option *o = &d->options[d->n_options++];
			o->id = rd_str(c, STR_ID, "bad option id");
			o->label = rd_str(c, STR_LABEL, "bad option label");
		}
		ch->initial = rd_str(c, STR_ID, "bad choice initial value");
	}
}

void proto_read_dialog(struct rcur *c, struct proto_dialog *d, uint16_t type)
{
	d->flags = rd_u32(c);
	d->title = rd_str(c, STR_LABEL, "bad title");
	d->accept_label = rd_str(c, STR_LABEL, "bad accept label");
	read_filters(c, d);
	read_choices(c, d);
	if (type == PROTO_FILE_SAVE) {
		d->current_name = rd_str(c, STR_FILENAME_OPT, "bad current name");
	} else if (type == PROTO_FILE_SAVE_MANY) {
		uint16_t untrusted_n = rd_u16(c);
		if (untrusted_n < 1 || untrusted_n > PROTO_MAX_DOCS) {
			rd_fail(c, "bad file name count");
			return;
		}
		d->n_names = untrusted_n;
		for (unsigned i = 0; i < d->n_names && !c->err; i++)
			d->names[i] = rd_str(c, STR_FILENAME, "bad file name");
	}
}

void proto_write_dialog(struct wcur *c, const struct proto_dialog *d, uint16_t type)
{
	wr_u32(c, d->flags);
	wr_str(c, STR_LABEL, d->title);
	wr_str(c, STR_LABEL, d->accept_label);
	wr_u8(c, d->n_filters);
	for (unsigned i = 0; i < d->n_filters; i++) {
		const struct proto_filter *f = &d->filters[i];
		wr_str(c, STR_LABEL, f->name);
		wr_u8(c, f->n_patterns);
		for (unsigned k = f->first; k < (unsigned)f->first + f->n_patterns; k++) {
			const struct proto_pattern *p = &d->patterns[k];
			wr_u8(c, p->kind);
			wr_str(c, p->kind == PROTO_PATTERN_MIME ? STR_MIME_PATTERN : STR_GLOB,
			       p->pattern);
		}
	}
	wr_u8(c, d->current_filter);
	wr_u8(c, d->n_choices);
	for (unsigned i = 0; i < d->n_choices; i++) {
		const struct proto_choice *ch = &d->choices[i];
		wr_str(c, STR_ID, ch->id);
		wr_str(c, STR_LABEL, ch->label);
		wr_u8(c, ch->n_options);
		for (unsigned k = ch->first; k < (unsigned)ch->first + ch->n_options; k++) {
			wr_str(c, STR_ID, d->options[k].id);
			wr_str(c, STR_LABEL, d->options[k].label);
		}
		wr_str(c, STR_ID, ch->initial);
	}
	if (type == PROTO_FILE_SAVE) {
		wr_str(c, STR_FILENAME_OPT, d->current_name);
	} else if (type == PROTO_FILE_SAVE_MANY) {
		wr_u16(c, d->n_names);
		for (unsigned i = 0; i < d->n_names; i++)
			wr_str(c, STR_FILENAME, d->names[i]);
	}
}

void proto_read_result(struct rcur *c, struct proto_dialog_result *r)
{
	r->current_filter = rd_u8(c);
	uint8_t untrusted_nc = rd_u8(c);
	if (untrusted_nc > PROTO_MAX_CHOICES) {
		rd_fail(c, "too many choices");
		return;
	}
	r->n_choices = untrusted_nc;
	for (unsigned i = 0; i < r->n_choices && !c->err; i++) {
		r->choices[i].id = rd_str(c, STR_ID, "bad choice id");
		r->choices[i].value = rd_str(c, STR_ID, "bad choice value");
	}
	uint16_t untrusted_nd = rd_u16(c);
	if (untrusted_nd < 1 || untrusted_nd > PROTO_MAX_DOCS) {
		rd_fail(c, "bad document count");
		return;
	}
	r->n_docs = untrusted_nd;
	for (unsigned i = 0; i < r->n_docs && !c->err; i++)
		proto_read_doc(c, &r->docs[i]);
}

void proto_write_result(struct wcur *c, const struct proto_dialog_result *r)
{
	wr_u8(c, r->current_filter);
	wr_u8(c, r->n_choices);
	for (unsigned i = 0; i < r->n_choices; i++) {
		wr_str(c, STR_ID, r->choices[i].id);
		wr_str(c, STR_ID, r->choices[i].value);
	}
	wr_u16(c, r->n_docs);
	for (unsigned i = 0; i < r->n_docs; i++)
		proto_write_doc(c, &r->docs[i]);
}

static bool str_eq(struct proto_str a, struct proto_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static bool str_is(struct proto_str a, const char *lit)
{
	return str_eq(a, proto_str_from(lit));
}

const char *proto_check_doc(const struct proto_doc *d)
{
	if (d->id == 0)
		return "document id 0";
	uint32_t rw = d->perms & (PROTO_PERM_READ | PROTO_PERM_WRITE);
	if (rw == 0 || (d->perms & ~(PROTO_PERM_READ | PROTO_PERM_WRITE | PROTO_DOC_FOLDER)))
		return "bad document permissions";
	if ((d->perms & PROTO_DOC_FOLDER) && !(d->perms & PROTO_PERM_READ))
		return "a folder without read permission";
	if ((d->perms & PROTO_DOC_FOLDER) && d->size != 0)
		return "a folder with a size";
	if (d->size > PROTO_DOC_SIZE_MAX)
		return "document size out of range";
	return NULL;
}

const char *proto_check_stat(const struct proto_doc_stat *s)
{
	const uint32_t known =
	    PROTO_PERM_READ | PROTO_PERM_WRITE | PROTO_STAT_EXISTS | PROTO_STAT_STAGED;
	if ((s->flags & ~known) || !(s->flags & (PROTO_PERM_READ | PROTO_PERM_WRITE)))
		return "bad stat flags";
	if (s->mtime_nsec >= 1000000000u)
		return "bad modification time";
	if (s->size > PROTO_DOC_SIZE_MAX || s->staged_size > PROTO_DOC_SIZE_MAX)
		return "size out of range";
	if (!(s->flags & PROTO_STAT_EXISTS) && (s->size || s->mtime_sec || s->mtime_nsec))
		return "size or time of a missing file";
	if (!(s->flags & PROTO_STAT_STAGED) && s->staged_size)
		return "staged size without a stage";
	return NULL;
}

static const char *check_filters(const struct proto_dialog *d)
{
	unsigned next = 0;
	if (d->n_filters > PROTO_MAX_FILTERS || d->n_patterns > PROTO_MAX_PATTERNS)
		return "too many filters";
	for (unsigned i = 0; i < d->n_filters; i++) {
		const struct proto_filter *f = &d->filters[i];
		if (f->name.len == 0)
			return "empty filter name";
		if (f->first != next || f->n_patterns == 0 || f->n_patterns > d->n_patterns - next)
			return "bad pattern count";
		next += f->n_patterns;
	}
	if (next != d->n_patterns)
		return "bad pattern count";
	for (unsigned k = 0; k < d->n_patterns; k++)
		if (d->patterns[k].kind > PROTO_PATTERN_MIME)
			return "bad pattern kind";
	if (d->current_filter != PROTO_NO_FILTER && d->current_filter >= d->n_filters)
		return "current filter out of range";
	return NULL;
}

static const char *check_choice(const struct proto_dialog *d, const struct proto_choice *ch)
{
	if (ch->id.len == 0)
		return "empty choice id";
	if (ch->n_options == 0) {
		if (ch->initial.len && !str_is(ch->initial, "true") &&
		    !str_is(ch->initial, "false"))
			return "boolean choice not true or false";
		return NULL;
	}
	bool initial_found = ch->initial.len == 0;
	for (unsigned k = ch->first; k < (unsigned)ch->first + ch->n_options; k++) {
		if (d->options[k].id.len == 0)
			return "empty option id";
		for (unsigned j = ch->first; j < k; j++)
			if (str_eq(d->options[j].id, d->options[k].id))
				return "duplicate option id";
		initial_found |= str_eq(d->options[k].id, ch->initial);
	}
	return initial_found ? NULL : "initial value is not an option";
}

static const char *check_choices(const struct proto_dialog *d)
{
	unsigned next = 0;
	if (d->n_choices > PROTO_MAX_CHOICES || d->n_options > PROTO_MAX_OPTIONS)
		return "too many choices";
	for (unsigned i = 0; i < d->n_choices; i++) {
		const struct proto_choice *ch = &d->choices[i];
		if (ch->first != next || ch->n_options > d->n_options - next)
			return "bad option count";
		next += ch->n_options;
		const char *why = check_choice(d, ch);
		if (why)
			return why;
		for (unsigned j = 0; j < i; j++)
			if (str_eq(d->choices[j].id, ch->id))
				return "duplicate choice id";
	}
	return next == d->n_options ? NULL : "bad option count";
}

const char *proto_check_dialog(const struct proto_dialog *d, uint16_t type)
{
	uint32_t allowed = PROTO_DIALOG_MODAL;
	if (type == PROTO_FILE_OPEN)
		allowed |= PROTO_DIALOG_MULTIPLE | PROTO_DIALOG_DIRECTORY;
	if (d->flags & ~allowed)
		return "bad dialog flags";
	const char *why = check_filters(d);
	if (!why)
		why = check_choices(d);
	if (why || type != PROTO_FILE_SAVE_MANY)
		return why;
	if (d->n_filters != 0 || d->current_filter != PROTO_NO_FILTER)
		return "filters in a save-many dialog";
	if (d->n_names < 1 || d->n_names > PROTO_MAX_DOCS)
		return "bad file name count";
	for (unsigned i = 0; i < d->n_names; i++)
		for (unsigned j = 0; j < i; j++)
			if (str_eq(d->names[i], d->names[j]))
				return "duplicate file name";
	return NULL;
}

const char *proto_check_result(const struct proto_dialog_result *r, uint16_t type)
{
	if (r->n_choices > PROTO_MAX_CHOICES)
		return "too many choices";
	for (unsigned i = 0; i < r->n_choices; i++) {
		if (r->choices[i].id.len == 0)
			return "empty choice id";
		for (unsigned j = 0; j < i; j++)
			if (str_eq(r->choices[i].id, r->choices[j].id))
				return "duplicate choice id";
	}
	if (r->n_docs < 1 || r->n_docs > PROTO_MAX_DOCS ||
	    (type == PROTO_FILE_SAVE && r->n_docs != 1))
		return "bad document count";
	for (unsigned i = 0; i < r->n_docs; i++) {
		const char *why = proto_check_doc(&r->docs[i]);
		if (why)
			return why;
		if (type != PROTO_FILE_OPEN && (r->docs[i].perms & PROTO_DOC_FOLDER))
			return "a folder in a save dialog's result";
		for (unsigned j = 0; j < i; j++)
			if (r->docs[i].id == r->docs[j].id)
				return "duplicate document id";
	}
	return NULL;
}
