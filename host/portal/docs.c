/* Document requests against the VM's grants, and telling the guest about
 * grants: announced after HELLO, revoked when the host user says so. The
 * decisions are pd_grants_check's; the file work is pd_docio's. */
#include "portald.h"

#include "log.h"
#include "pd_docio.h"

#include <errno.h>
#include <string.h>

static enum pd_op op_of(const struct proto_msg *m)
{
	switch (m->type) {
	case PROTO_DOC_READ:
		return (m->u.doc_read.flags & PROTO_READ_STAGED) ? PD_OP_READ_STAGED : PD_OP_READ;
	case PROTO_DOC_WRITE:
		return PD_OP_WRITE;
	case PROTO_DOC_CLOSE:
		return PD_OP_CLOSE;
	case PROTO_DOC_BEGIN:
		return PD_OP_BEGIN;
	case PROTO_DOC_TRUNCATE:
		return PD_OP_TRUNCATE;
	case PROTO_DOC_COMMIT:
		return PD_OP_COMMIT;
	case PROTO_DOC_ABORT:
		return PD_OP_ABORT;
	default:
		return PD_OP_STAT;
	}
}

static uint64_t doc_id_of(const struct proto_msg *m)
{
	switch (m->type) {
	case PROTO_DOC_READ:
		return m->u.doc_read.doc_id;
	case PROTO_DOC_WRITE:
		return m->u.doc_write.doc_id;
	case PROTO_DOC_BEGIN:
		return m->u.doc_begin.doc_id;
	case PROTO_DOC_TRUNCATE:
		return m->u.doc_truncate.doc_id;
	default:
		return m->u.doc_id;
	}
}

static void reply_stat(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m,
		       const struct pd_grant *g)
{
	struct proto_msg r;
	const char *why = NULL;
	pd_reply_init(&r, m);
	if (pd_docio_stat(g, &r.u.stat, &why) < 0) {
		pd_conn_error(d, c, m->id, PROTO_ERR_IO, why);
		return;
	}
	pd_conn_send(d, c, &r);
}

static void reply_empty(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m)
{
	struct proto_msg r;
	pd_reply_init(&r, m);
	pd_conn_send(d, c, &r);
}

static void do_read(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m,
		    const struct pd_grant *g)
{
	static uint8_t buf[PROTO_CHUNK];
	size_t n = 0;
	const char *why = NULL;
	bool staged = m->u.doc_read.flags & PROTO_READ_STAGED;
	if (pd_docio_read(g, staged, m->u.doc_read.offset, buf, m->u.doc_read.length, &n, &why) <
	    0) {
		pd_conn_error(d, c, m->id, PROTO_ERR_IO, why);
		return;
	}
	struct proto_msg r;
	pd_reply_init(&r, m);
	r.u.data.ptr = buf;
	r.u.data.len = (uint32_t)n;
	pd_conn_send(d, c, &r);
}

static void do_write(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m,
		     struct pd_grant *g)
{
	const char *why = NULL;
	uint64_t end = m->u.doc_write.offset + m->u.doc_write.data.len;
	uint64_t size = end > g->stage.size ? end : g->stage.size;
	uint32_t code = pd_grants_stage_fits(&d->grants, g, size, &why);
	if (code) {
		pd_conn_error(d, c, m->id, code, why);
		return;
	}
	if (pd_docio_write(&d->grants, g, m->u.doc_write.offset, m->u.doc_write.data.ptr,
			   m->u.doc_write.data.len, &why) < 0) {
		pd_conn_error(d, c, m->id, PROTO_ERR_IO, why);
		return;
	}
	struct proto_msg r;
	pd_reply_init(&r, m);
	r.u.written = m->u.doc_write.data.len;
	pd_conn_send(d, c, &r);
}

static void do_begin(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m,
		     struct pd_grant *g)
{
	const char *why = NULL;
	int r = pd_docio_begin(&d->grants, g, m->u.doc_begin.flags & PROTO_BEGIN_KEEP, c->fc.serial,
			       &why);
	if (r < 0) {
		pd_conn_error(d, c, m->id, r == -EFBIG ? PROTO_ERR_LIMIT : PROTO_ERR_IO, why);
		return;
	}
	reply_stat(d, c, m, g);
}

static void do_truncate(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m,
			struct pd_grant *g)
{
	const char *why = NULL;
	uint32_t code = pd_grants_stage_fits(&d->grants, g, m->u.doc_truncate.size, &why);
	if (code)
		pd_conn_error(d, c, m->id, code, why);
	else if (pd_docio_truncate(&d->grants, g, m->u.doc_truncate.size, &why) < 0)
		pd_conn_error(d, c, m->id, PROTO_ERR_IO, why);
	else
		reply_empty(d, c, m);
}

static void do_commit(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m,
		      struct pd_grant *g)
{
	const char *why = NULL;
	if (pd_docio_commit(&d->grants, g, d->umask_bits, &why) < 0) {
		log_warn("document %016llx: commit failed: %s", (unsigned long long)g->id, why);
		pd_conn_error(d, c, m->id, PROTO_ERR_IO, why);
		return;
	}
	if (d->opt.verbose)
		log_info("document %016llx: written", (unsigned long long)g->id);
	reply_stat(d, c, m, g);
}

/* Takes g out of the table and frees it (a folder with its nodes and file
 * documents). */
static void drop(struct pd_daemon *d, struct pd_grant *g)
{
	if (g->folder)
		pd_entries_drop_folder(d, g);
	pd_fsdev_revoke(d, g->id); /* its files open on the document device close */
	pd_docio_free(pd_grants_take(&d->grants, g->id));
}

void pd_docs_handle(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m)
{
	uint64_t id = doc_id_of(m);
	struct pd_grant *g = pd_grants_find(&d->grants, id);
	const char *why = NULL;
	uint32_t code = pd_grants_check(g, op_of(m), c->fc.serial, &why);
	if (code) {
		pd_conn_error(d, c, m->id, code, why);
		return;
	}
	switch (m->type) {
	case PROTO_DOC_STAT:
		reply_stat(d, c, m, g);
		break;
	case PROTO_DOC_READ:
		do_read(d, c, m, g);
		break;
	case PROTO_DOC_BEGIN:
		do_begin(d, c, m, g);
		break;
	case PROTO_DOC_WRITE:
		do_write(d, c, m, g);
		break;
	case PROTO_DOC_TRUNCATE:
		do_truncate(d, c, m, g);
		break;
	case PROTO_DOC_COMMIT:
		do_commit(d, c, m, g);
		break;
	case PROTO_DOC_ABORT:
		pd_docio_abort(&d->grants, g);
		reply_empty(d, c, m);
		break;
	case PROTO_DOC_CLOSE:
		if (!g->parent || d->opt.verbose)
			log_info("document %016llx: given up by the guest", (unsigned long long)id);
		drop(d, g);
		reply_empty(d, c, m);
		break;
	}
}

static void fill_doc(struct proto_doc *doc, const struct pd_grant *g)
{
	struct proto_doc_stat st;
	const char *why;
	memset(doc, 0, sizeof(*doc));
	doc->id = g->id;
	doc->perms = g->perms;
	doc->name = proto_str_from(g->display);
	if (pd_docio_stat(g, &st, &why) == 0)
		doc->size = st.size;
}

static void send_grant(struct pd_daemon *d, struct pd_conn *c, const struct pd_grant *g)
{
	struct proto_msg m;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_DOC_GRANT;
	fill_doc(&m.u.doc, g);
	pd_conn_request(d, c, &m);
}

void pd_docs_announce(struct pd_daemon *d, struct pd_conn *c)
{
	bool folders = c->fc.sess.peer_caps & PROTO_CAP_FOLDERS;
	for (unsigned i = 0; i < d->grants.n; i++) {
		const struct pd_grant *g = d->grants.v[i];
		/* File documents are their connection's own; folders only for
		 * a guest that knows them. */
		if (!g->parent && (folders || !g->folder))
			send_grant(d, c, g);
	}
}

int pd_docs_add(struct pd_daemon *d, struct pd_grant *g)
{
	int r = pd_grants_add(&d->grants, g);
	if (r == 0)
		log_info("document %016llx: granted %s for %s%s", (unsigned long long)g->id,
			 (g->perms & PROTO_PERM_WRITE) ? "read-write" : "read-only", g->path,
			 g->folder ? "/ (a folder)" : "");
	return r;
}

int pd_docs_revoke(struct pd_daemon *d, uint64_t id)
{
	struct pd_grant *g = pd_grants_find(&d->grants, id);
	if (!g || g->parent)
		return -ENOENT; /* file documents are not the user's to list or revoke */
	log_info("document %016llx: revoked (%s)", (unsigned long long)id, g->path);
	drop(d, g);
	for (struct frame_conn *fc = d->conns.head; fc; fc = fc->next) {
		struct pd_conn *c = fc->owner;
		if (fc->dead || !fc->sess.established ||
		    !(fc->sess.peer_caps & PROTO_CAP_DOCUMENTS))
			continue;
		struct proto_msg m;
		memset(&m, 0, sizeof(m));
		m.type = PROTO_DOC_REVOKE;
		m.u.doc_id = id;
		pd_conn_request(d, c, &m);
		pd_conn_settle(d, c);
	}
	return 0;
}

void pd_docs_conn_gone(struct pd_daemon *d, struct pd_conn *c)
{
	for (unsigned i = 0; i < d->grants.n; i++) {
		struct pd_grant *g = d->grants.v[i];
		if (g->staged && g->stage.conn == c->fc.serial) {
			log_info("document %016llx: write in progress dropped (connection closed)",
				 (unsigned long long)g->id);
			pd_docio_abort(&d->grants, g);
		}
	}
}

void pd_docs_free_all(struct pd_daemon *d)
{
	while (d->grants.n > 0)
		drop(d, d->grants.v[0]);
	pd_grants_free(&d->grants);
}
