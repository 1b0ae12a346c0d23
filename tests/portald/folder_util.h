/* Shared by the folder tests of appvm-portald: a fake guest's requests on a
 * folder grant, each checked as it goes (the test fails on anything else).
 * Header-only: each test binary includes it once, after pd_harness.h and
 * cmocka. */
#ifndef APPVM_TEST_FOLDER_UTIL_H
#define APPVM_TEST_FOLDER_UTIL_H

#include <stdio.h>
#include <string.h>

#include "pd_harness.h"

/* Returns base/rel (a static buffer, four in turn). */
static inline const char *fu_at(const char *base, const char *rel)
{
	static char p[4][1200];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", base, rel);
	return p[k];
}

/* Opens a folder dialog the chooser answers with `path`; returns the
 * folder document's id, checking its permissions. */
static inline uint64_t fu_grant(struct pdh *h, struct pdh_conn *c, const char *path, uint32_t perms)
{
	struct proto_msg m, r;
	char line[4200];
	snprintf(line, sizeof(line), "%s\n", path);
	pdh_answer(h, line, 0, false);
	pdh_open_req(&m, PROTO_DIALOG_DIRECTORY, "Pick a folder");
	assert_int_equal(pdh_call(c, &m, &r), 0);
	assert_int_equal(r.u.result.n_docs, 1);
	assert_int_equal(r.u.result.docs[0].perms, perms | PROTO_DOC_FOLDER);
	assert_int_equal(r.u.result.docs[0].size, 0);
	return r.u.result.docs[0].id;
}

/* ENTRY_LOOKUP; returns the error code (0 with *ret filled). */
static inline uint32_t fu_lookup(struct pdh_conn *c, uint64_t doc, uint64_t node, const char *name,
				 struct proto_entry *ret)
{
	struct proto_msg m, r;
	if (ret)
		memset(ret, 0, sizeof(*ret));
	pdh_entry_req(&m, PROTO_ENTRY_LOOKUP, doc, node, name, 0);
	uint32_t code = pdh_call(c, &m, &r);
	if (!code && ret)
		*ret = r.u.entry;
	return code;
}

/* Looks up a folder that must be there; returns its node. */
static inline uint64_t fu_dir(struct pdh_conn *c, uint64_t doc, uint64_t node, const char *name)
{
	struct proto_entry e;
	assert_int_equal(fu_lookup(c, doc, node, name, &e), 0);
	assert_int_equal(e.kind, PROTO_ENTRY_DIR);
	assert_true(e.node > PROTO_ROOT_NODE);
	return e.node;
}

/* ENTRY_OPEN; returns the error code (0 with *ret_doc set). */
static inline uint32_t fu_open(struct pdh_conn *c, uint64_t doc, uint64_t node, const char *name,
			       uint32_t flags, uint64_t *ret_doc)
{
	struct proto_msg m, r;
	*ret_doc = 0;
	pdh_entry_req(&m, PROTO_ENTRY_OPEN, doc, node, name, flags);
	uint32_t code = pdh_call(c, &m, &r);
	if (!code) {
		assert_true(r.u.opened.stat.flags & PROTO_STAT_EXISTS);
		*ret_doc = r.u.opened.doc_id;
	}
	return code;
}

/* A simple request on a document: its error code. */
static inline uint32_t fu_doc(struct pdh_conn *c, uint16_t type, uint64_t id, struct proto_msg *r)
{
	struct proto_msg m, scratch;
	pdh_doc_req(&m, type, id);
	return pdh_call(c, &m, r ? r : &scratch);
}

/* Reads a whole (small) document into a static buffer, NUL-terminated. */
static inline const char *fu_read(struct pdh_conn *c, uint64_t id)
{
	static char buf[PROTO_CHUNK + 1];
	struct proto_msg m, r;
	pdh_read_req(&m, id, 0, PROTO_CHUNK, false);
	assert_int_equal(pdh_call(c, &m, &r), 0);
	memcpy(buf, r.u.data.ptr, r.u.data.len);
	buf[r.u.data.len] = '\0';
	return buf;
}

/* Replaces a document's content with text: DOC_BEGIN, DOC_WRITE,
 * DOC_COMMIT. Returns the commit's error code. */
static inline uint32_t fu_write(struct pdh_conn *c, uint64_t id, const char *text)
{
	struct proto_msg m, r;
	assert_int_equal(fu_doc(c, PROTO_DOC_BEGIN, id, NULL), 0);
	if (text[0]) {
		pdh_write_req(&m, id, 0, text, (uint32_t)strlen(text));
		assert_int_equal(pdh_call(c, &m, &r), 0);
	}
	return fu_doc(c, PROTO_DOC_COMMIT, id, NULL);
}

/* Lists a folder node, max names per request, all pages; writes "name/" for
 * folders and "name" for files, sorted, joined by spaces, into a static
 * buffer. */
static inline int fu_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static inline const char *fu_list(struct pdh_conn *c, uint64_t doc, uint64_t node, uint16_t max)
{
	static char names[256][260], out[256 * 260];
	char *sorted[256];
	unsigned n = 0;
	uint64_t cookie = 0;
	for (;;) {
		struct proto_msg m, r;
		pdh_readdir_req(&m, doc, node, cookie, max);
		assert_int_equal(pdh_call(c, &m, &r), 0);
		assert_true(r.u.entries.n <= max);
		if (r.u.entries.n == 0)
			break;
		for (unsigned i = 0; i < r.u.entries.n && n < 256; i++, n++) {
			const struct proto_dirent *e = &r.u.entries.e[i];
			snprintf(names[n], sizeof(names[n]), "%.*s%s", (int)e->name.len,
				 e->name.ptr, e->kind == PROTO_ENTRY_DIR ? "/" : "");
			sorted[n] = names[n];
		}
		cookie = r.u.entries.e[r.u.entries.n - 1].cookie;
	}
	qsort(sorted, n, sizeof(sorted[0]), fu_cmp);
	out[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, sorted[i]);
	}
	return out;
}

/* ENTRY_RENAME with flags; its error code, with the message of an error in
 * why (NULL: not wanted). */
static inline uint32_t fu_rename(struct pdh_conn *c, uint64_t doc, uint64_t dir, const char *name,
				 uint64_t new_dir, const char *new_name, uint32_t flags,
				 char why[300])
{
	struct proto_msg m, r;
	pdh_rename_req(&m, doc, dir, name, new_dir, new_name, flags);
	uint32_t code = pdh_call(c, &m, &r);
	if (why)
		snprintf(why, 300, "%.*s", code ? (int)r.u.error.message.len : 0,
			 code ? r.u.error.message.ptr : "");
	return code;
}

#endif
