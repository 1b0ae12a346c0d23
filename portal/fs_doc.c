/* File operations that wait for the host: reads (DOC_READ), opens (a fresh
 * DOC_STAT), and changes (DOC_BEGIN, DOC_WRITE, DOC_TRUNCATE, DOC_COMMIT),
 * answered asynchronously from the one loop. Changes to a document run one
 * at a time, in the order the kernel sent them; docstate.c decides which
 * requests each needs. A transfer keeps up to FS_WINDOW requests in flight. */
#include "fs_int.h"
#include "notify.h"

#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { PH_PLAN, PH_BEGIN, PH_XFER, PH_COMMIT };

static void run(struct fs *fs, struct op *op);

struct op *fs_op_new(enum op_kind kind, fuse_req_t req, struct doc *d, struct node *n)
{
	struct op *op = calloc(1, sizeof(*op));
	if (!op)
		return NULL;
	op->kind = kind;
	op->req = req;
	op->doc = d;
	d->refs++;
	op->node = n;
	if (n)
		n->busy++;
	op->eof = UINT64_MAX;
	op->phase = PH_PLAN;
	return op;
}

static void op_free(struct fs *fs, struct op *op)
{
	free(op->buf);
	free(op->name);
	free(op->name2);
	if (op->dir2) {
		op->dir2->busy--;
		fs_node_release(fs, op->dir2);
	}
	if (op->node) {
		op->node->busy--;
		fs_node_release(fs, op->node);
	}
	fs_doc_put(fs, op->doc);
	free(op);
}

static bool changes(enum op_kind k)
{
	return k != OP_READ && k != OP_OPEN && !fs_folder_kind(k);
}

static void reply(struct fs *fs, struct op *op, int err)
{
	fuse_req_t req = op->req;
	struct stat st;
	struct fuse_entry_param e;
	if (!req)
		return;
	if (fs_folder_kind(op->kind)) {
		fs_folder_reply(fs, op, err);
		return;
	}
	if (err) {
		if (op->kind == OP_OPEN || op->kind == OP_CREATE)
			free(op->h);
		fuse_reply_err(req, err);
		return;
	}
	switch (op->kind) {
	case OP_READ: {
		uint64_t n = op->eof < op->len ? op->eof : op->len;
		fuse_reply_buf(req, (const char *)op->buf, n);
		return;
	}
	case OP_WRITE:
		fuse_reply_write(req, op->len);
		return;
	case OP_TRUNCATE:
		fs_attr(fs, op->node, &st);
		fuse_reply_attr(req, &st, FS_TIMEOUT);
		return;
	case OP_CREATE:
		memset(&e, 0, sizeof(e));
		e.ino = op->doc->file->ino;
		e.generation = op->doc->file->generation;
		e.attr_timeout = e.entry_timeout = FS_TIMEOUT;
		fs_attr(fs, op->doc->file, &e.attr);
		op->h->node = op->doc->file;
		/* Closing it commits the new file, even when nothing is written. */
		op->h->wrote = true;
		op->fi.fh = (uintptr_t)op->h;
		if (fuse_reply_create(req, &e, &op->fi) == 0) {
			op->doc->file->nlookup++;
			op->doc->file->opens++;
			op->h->writer = true;
			stage_writer_opened(&op->doc->stage);
		} else {
			free(op->h);
		}
		return;
	case OP_OPEN:
		op->fi.fh = (uintptr_t)op->h;
		if (fuse_reply_open(req, &op->fi) == 0) {
			op->node->opens++;
			if (op->h->writer)
				stage_writer_opened(&op->doc->stage);
		} else {
			free(op->h);
		}
		return;
	default: /* OP_COMMIT, OP_REPLACE */
		fuse_reply_err(req, 0);
		return;
	}
}

/* Starts the first change in the document's queue, and the ones after it
 * when they end at once. */
static void kick(struct fs *fs, struct doc *d)
{
	d->refs++; /* d outlives the operations that end here */
	while (d->queue && d->queue->phase == PH_PLAN && d->queue->inflight == 0 &&
	       !d->queue->waiting) {
		struct op *head = d->queue;
		run(fs, head);
		if (d->queue == head)
			break; /* it waits for the host */
	}
	fs_doc_put(fs, d);
}

static void finish(struct fs *fs, struct op *op, int err)
{
	struct doc *d = op->doc;
	reply(fs, op, err);
	if (changes(op->kind)) {
		struct op **pp = &d->queue;
		while (*pp && *pp != op)
			pp = &(*pp)->next;
		if (*pp)
			*pp = op->next;
	}
	d->refs++; /* d outlives op while the next change starts */
	op_free(fs, op);
	kick(fs, d);
	fs_doc_put(fs, d);
}

void fs_op_finish(struct fs *fs, struct op *op, int err)
{
	finish(fs, op, err);
}

void fs_op_start(struct fs *fs, struct op *op)
{
	struct doc *d = op->doc;
	if (d->revoked) {
		finish(fs, op, op->kind == OP_OPEN ? ENOENT : EACCES);
		return;
	}
	if (!changes(op->kind)) {
		run(fs, op);
		return;
	}
	struct op **tail = &d->queue;
	while (*tail)
		tail = &(*tail)->next;
	*tail = op;
	kick(fs, d);
}

void fs_doc_fail_queue(struct fs *fs, struct doc *d, int err)
{
	/* The head may be talking to the host: it ends with the host's answer.
	 * One that only waits for a slot would wait for ever: it goes too. */
	struct op *keep = d->queue && d->queue->inflight ? d->queue : NULL;
	struct op *rest = keep ? keep->next : d->queue;
	if (keep)
		keep->next = NULL;
	d->queue = keep;
	while (rest) {
		struct op *next = rest->next;
		rest->next = NULL;
		reply(fs, rest, err);
		op_free(fs, rest);
		rest = next;
	}
}

/* Waits for host slots: fs_op_resume runs it again. A change stays at the
 * head of its document's queue, flagged; reads and opens join fs->waiting. */
static void wait_slots(struct fs *fs, struct op *op)
{
	if (op->waiting)
		return;
	op->waiting = true;
	if (changes(op->kind))
		return;
	op->next = NULL;
	struct op **tail = &fs->waiting;
	while (*tail)
		tail = &(*tail)->next;
	*tail = op;
}

void fs_op_resume(struct fs *fs)
{
	while (fs->waiting && host_free_slots(fs->p) > 0) {
		struct op *op = fs->waiting;
		fs->waiting = op->next;
		op->next = NULL;
		op->waiting = false;
		run(fs, op);
	}
	for (struct doc *d = fs->docs; d && host_free_slots(fs->p) > 0; d = d->next) {
		struct op *head = d->queue;
		if (head && head->waiting) {
			head->waiting = false;
			run(fs, head);
		}
	}
}

void fs_op_drop_waiting(struct fs *fs)
{
	while (fs->waiting) {
		struct op *op = fs->waiting;
		fs->waiting = op->next;
		op->next = NULL;
		op->waiting = false;
		finish(fs, op, EIO);
	}
	for (struct doc *d = fs->docs; d; d = d->next)
		fs_doc_fail_queue(fs, d, EIO);
	for (struct doc *d = fs->docs; d; d = d->next)
		if (d->queue && d->queue->waiting) {
			struct op *head = d->queue;
			head->waiting = false;
			finish(fs, head, EIO);
		}
}

void fs_slots_freed(struct portal *p)
{
	if (p->fs)
		fs_op_resume(p->fs);
}

static int reply_errno(struct fs *fs, struct doc *d, int err, const struct proto_msg *m)
{
	if (err < 0)
		return EIO;
	if (m->type != PROTO_ERROR)
		return 0;
	if (m->u.error.code == PROTO_ERR_NOT_FOUND && !d->revoked) {
		log_info("fs: the host no longer knows document %s", d->dirname);
		fs_doc_revoke(fs, d);
	}
	return host_error_errno(m->u.error.code);
}

int fs_op_errno(struct fs *fs, struct doc *d, int err, const struct proto_msg *m)
{
	return reply_errno(fs, d, err, m);
}

static int send(struct fs *fs, struct op *op, struct proto_msg *m, hreq_done_fn done, uint64_t aux)
{
	int r = host_request(fs->p, m, HOST_DOC_TIMEOUT_MS, done, op, aux, NULL);
	if (r == 0)
		op->inflight++;
	return r;
}

/* Sends the one request of a step; without a free slot the operation waits
 * (fs_op_resume runs it again), and other failures end it. Returns true
 * once sent. */
static bool send_step(struct fs *fs, struct op *op, struct proto_msg *m, hreq_done_fn done)
{
	int r = send(fs, op, m, done, 0);
	if (r == -EAGAIN)
		wait_slots(fs, op);
	else if (r < 0)
		finish(fs, op, EIO);
	return r == 0;
}

bool fs_op_send(struct fs *fs, struct op *op, struct proto_msg *m, hreq_done_fn done)
{
	return send_step(fs, op, m, done);
}

static void on_begin(struct portal *p, struct hreq *h, int err, const struct proto_msg *m)
{
	struct fs *fs = p->fs;
	struct op *op = h->ctx;
	struct doc *d = op->doc;
	op->inflight--;
	int e = reply_errno(fs, d, err, m);
	if (e) {
		stage_failed(&d->stage);
		finish(fs, op, e);
		return;
	}
	stage_begun(&d->stage, op->keep, m->u.stat.staged_size);
	op->phase = PH_PLAN;
	op->began = true;
	run(fs, op);
}

static void begin(struct fs *fs, struct op *op, bool keep)
{
	struct proto_msg m;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_DOC_BEGIN;
	m.u.doc_begin.doc_id = op->doc->id;
	m.u.doc_begin.flags = keep ? PROTO_BEGIN_KEEP : 0;
	op->keep = keep;
	if (!send_step(fs, op, &m, on_begin))
		return;
	op->doc->stage.state = STAGE_OPENING;
	op->phase = PH_BEGIN;
}

static void replace_done(struct fs *fs, struct op *op)
{
	struct doc *d = op->doc;
	struct node *s = op->node;
	struct node **pp = &d->scratch;
	while (*pp && *pp != s)
		pp = &(*pp)->next;
	if (*pp)
		*pp = s->next;
	s->next = NULL;
	scratch_remove_file(&fs->budget, s->size);
	if (s->memfd >= 0)
		close(s->memfd);
	s->memfd = -1;
	free(s->name);
	s->name = NULL;
	s->size = 0;
	/* The scratch file's inode is the document now: the kernel moved its
	 * name there. The old inode's cached pages hold the old content. */
	s->kind = NODE_DOCFILE;
	struct node *old = d->file;
	d->file = s;
	d->hidden = false;
	d->cache_ok = true;
	if (old) {
		notify_inval_inode(old->ino);
		fs_node_release(fs, old);
	}
}

static void on_commit(struct portal *p, struct hreq *h, int err, const struct proto_msg *m)
{
	struct fs *fs = p->fs;
	struct op *op = h->ctx;
	struct doc *d = op->doc;
	op->inflight--;
	int e = reply_errno(fs, d, err, m);
	if (!e && d->revoked)
		e = EACCES; /* revoked meanwhile: the guest no longer has it */
	if (e) {
		/* Nothing was replaced; the stage is dropped. */
		if (!d->revoked)
			fs_send_quiet(fs, PROTO_DOC_ABORT, d->id);
		stage_failed(&d->stage);
		finish(fs, op, e);
		return;
	}
	stage_committed(&d->stage);
	fs_doc_stat(fs, d, &m->u.stat);
	d->cache_ok = true; /* the kernel wrote these pages itself */
	if (op->h)
		op->h->wrote = false;
	if (op->kind == OP_REPLACE)
		replace_done(fs, op);
	finish(fs, op, 0);
}

static void commit(struct fs *fs, struct op *op)
{
	struct proto_msg m;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_DOC_COMMIT;
	m.u.doc_id = op->doc->id;
	if (!send_step(fs, op, &m, on_commit))
		return;
	op->doc->stage.state = STAGE_COMMITTING;
	op->phase = PH_COMMIT;
}

/* A transfer's requests are all answered. */
static void xfer_done(struct fs *fs, struct op *op)
{
	struct doc *d = op->doc;
	if (op->err) {
		/* A stage this operation opened for a new content goes: what
		 * it holds is neither the old file nor the new one. */
		if ((op->kind == OP_REPLACE || op->kind == OP_CREATE) && op->began &&
		    d->stage.state == STAGE_OPEN && !d->revoked) {
			fs_send_quiet(fs, PROTO_DOC_ABORT, d->id);
			stage_failed(&d->stage);
		}
		finish(fs, op, op->err);
		return;
	}
	switch (op->kind) {
	case OP_WRITE:
		stage_wrote(&d->stage, op->off + op->len);
		if (op->h)
			op->h->wrote = true;
		finish(fs, op, 0);
		return;
	case OP_TRUNCATE:
	case OP_CREATE:
		stage_truncated(&d->stage, op->kind == OP_CREATE ? 0 : op->len);
		if (op->h)
			op->h->wrote = true;
		op->phase = PH_PLAN;
		run(fs, op);
		return;
	case OP_REPLACE:
		commit(fs, op);
		return;
	default:
		finish(fs, op, EIO);
		return;
	}
}

/* Builds the request for the n bytes of a transfer at op->sent: a
 * DOC_READ, or a DOC_WRITE of the caller's buffer or the scratch file (read
 * into chunk). Returns 0 or an errno. */
static int chunk_msg(struct op *op, uint64_t n, struct proto_msg *m, uint8_t *chunk)
{
	memset(m, 0, sizeof(*m));
	if (op->kind == OP_READ) {
		m->type = PROTO_DOC_READ;
		m->u.doc_read.doc_id = op->doc->id;
		m->u.doc_read.offset = op->off + op->sent;
		m->u.doc_read.length = (uint32_t)n;
		m->u.doc_read.flags = op->doc->stage.state == STAGE_OPEN ? PROTO_READ_STAGED : 0;
		return 0;
	}
	const uint8_t *data = op->buf ? op->buf + op->sent : chunk;
	if (op->kind == OP_REPLACE &&
	    pread(op->node->memfd, chunk, n, (off_t)op->sent) != (ssize_t)n)
		return EIO;
	m->type = PROTO_DOC_WRITE;
	m->u.doc_write.doc_id = op->doc->id;
	m->u.doc_write.offset = (op->kind == OP_REPLACE ? 0 : op->off) + op->sent;
	m->u.doc_write.data.ptr = data;
	m->u.doc_write.data.len = (uint32_t)n;
	return 0;
}

/* Sends the next pieces of a transfer, up to FS_WINDOW in flight, up to byte
 * end; each request's aux is its offset in the transfer. Returns true when
 * nothing is in flight (the transfer is over, or failed: op->err), false
 * while answers are awaited or the operation waits for a slot. */
static bool pump(struct fs *fs, struct op *op, uint64_t end, hreq_done_fn done)
{
	struct proto_msg m;
	uint8_t chunk[PROTO_CHUNK];
	while (!op->err && op->inflight < FS_WINDOW && op->sent < end) {
		uint64_t n = end - op->sent < PROTO_CHUNK ? end - op->sent : PROTO_CHUNK;
		int e = chunk_msg(op, n, &m, chunk);
		if (e) {
			op->err = e;
			break;
		}
		int r = send(fs, op, &m, done, op->sent);
		if (r == -EAGAIN) {
			if (op->inflight == 0)
				wait_slots(fs, op);
			return false;
		}
		if (r < 0) {
			op->err = EIO;
			break;
		}
		op->sent += n;
	}
	return op->inflight == 0;
}

static void on_xfer(struct portal *p, struct hreq *h, int err, const struct proto_msg *m)
{
	struct fs *fs = p->fs;
	struct op *op = h->ctx;
	op->inflight--;
	int e = reply_errno(fs, op->doc, err, m);
	if (e && !op->err)
		op->err = e;
	if (op->inflight == 0 && (op->err || op->sent == op->len))
		xfer_done(fs, op);
	else if (!op->err)
		run(fs, op);
}

/* Sends the next pieces of a write, a scratch file's content, or a
 * truncation. */
static void xfer(struct fs *fs, struct op *op)
{
	struct proto_msg m;
	memset(&m, 0, sizeof(m));
	if (op->kind == OP_TRUNCATE || op->kind == OP_CREATE) {
		if (op->inflight)
			return;
		m.type = PROTO_DOC_TRUNCATE;
		m.u.doc_truncate.doc_id = op->doc->id;
		m.u.doc_truncate.size = op->kind == OP_CREATE ? 0 : op->len;
		op->sent = op->len;
		send_step(fs, op, &m, on_xfer);
		return;
	}
	if (pump(fs, op, op->len, on_xfer) && (op->err || op->sent == op->len))
		xfer_done(fs, op);
}

static void on_read(struct portal *p, struct hreq *h, int err, const struct proto_msg *m)
{
	struct fs *fs = p->fs;
	struct op *op = h->ctx;
	op->inflight--;
	int e = reply_errno(fs, op->doc, err, m);
	uint64_t want = op->len - h->aux < PROTO_CHUNK ? op->len - h->aux : PROTO_CHUNK;
	if (e && !op->err)
		op->err = e;
	if (!e) {
		uint64_t got = m->u.data.len <= want ? m->u.data.len : want;
		memcpy(op->buf + h->aux, m->u.data.ptr, got);
		if (got < want && h->aux + got < op->eof)
			op->eof = h->aux + got;
	}
	run(fs, op);
}

static void read_more(struct fs *fs, struct op *op)
{
	uint64_t end = op->eof < op->len ? op->eof : op->len;
	if (pump(fs, op, end, on_read) && !op->waiting)
		finish(fs, op, op->err);
}

static void on_stat(struct portal *p, struct hreq *h, int err, const struct proto_msg *m)
{
	struct fs *fs = p->fs;
	struct op *op = h->ctx;
	struct doc *d = op->doc;
	op->inflight--;
	int e = reply_errno(fs, d, err, m);
	if (e) {
		finish(fs, op, d->revoked ? ENOENT : e);
		return;
	}
	fs_doc_stat(fs, d, &m->u.stat);
	if (!fs_doc_visible(d)) {
		finish(fs, op, ENOENT);
		return;
	}
	/* Unchanged since the kernel cached it: keep the cache. */
	op->fi.keep_cache = d->cache_ok;
	d->cache_ok = true;
	finish(fs, op, 0);
}

static void open_doc(struct fs *fs, struct op *op)
{
	struct proto_msg m;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_DOC_STAT;
	m.u.doc_id = op->doc->id;
	send_step(fs, op, &m, on_stat);
}

static enum stage_op plan_op(enum op_kind k)
{
	switch (k) {
	case OP_WRITE:
		return STAGE_OP_WRITE;
	case OP_TRUNCATE:
		return STAGE_OP_TRUNCATE;
	case OP_CREATE:
		return STAGE_OP_CREATE;
	case OP_REPLACE:
		return STAGE_OP_REPLACE;
	default:
		return STAGE_OP_COMMIT;
	}
}

static void run(struct fs *fs, struct op *op)
{
	struct doc *d = op->doc;
	if (fs_folder_kind(op->kind)) {
		fs_folder_run(fs, op);
		return;
	}
	if (op->kind == OP_READ) {
		if (op->inflight == 0 && (op->err || op->sent >= op->len || op->sent >= op->eof)) {
			finish(fs, op, op->err);
			return;
		}
		read_more(fs, op);
		return;
	}
	if (op->kind == OP_OPEN) {
		open_doc(fs, op);
		return;
	}
	switch (op->phase) {
	case PH_BEGIN:
		return; /* resumed by on_begin */
	case PH_COMMIT:
		if (op->inflight == 0)
			commit(fs, op); /* it waited for a slot */
		return;
	case PH_XFER:
		xfer(fs, op);
		return;
	}
	int err = 0;
	enum stage_step step;
	if (op->kind == OP_REPLACE && op->began)
		step = STEP_GO; /* its own stage is open: the content goes next */
	else
		step = stage_plan(&d->stage, plan_op(op->kind), d->exists && !d->hidden, op->len,
				  &err);
	switch (step) {
	case STEP_BEGIN:
	case STEP_BEGIN_KEEP:
		begin(fs, op, step == STEP_BEGIN_KEEP);
		return;
	case STEP_GO:
		op->phase = PH_XFER;
		xfer(fs, op);
		return;
	case STEP_COMMIT:
		commit(fs, op);
		return;
	case STEP_DONE:
		if (op->commit && d->stage.state == STAGE_OPEN && d->stage.dirty) {
			commit(fs, op);
			return;
		}
		if (op->kind == OP_CREATE)
			d->hidden = false;
		finish(fs, op, 0);
		return;
	case STEP_FAIL:
		finish(fs, op, err);
		return;
	}
}

static void on_probe(struct portal *p, struct hreq *h, int err, const struct proto_msg *m)
{
	struct fs *fs = p->fs;
	struct doc *d = fs ? fs_doc_find(fs, h->aux) : NULL;
	if (!d)
		return;
	d->stats--;
	if (err == 0 && m->type == PROTO_DOC_STAT && d->stage.state == STAGE_NONE)
		fs_doc_stat(fs, d, &m->u.stat);
	else if (err == 0 && m->type == PROTO_ERROR)
		reply_errno(fs, d, 0, m);
}

void fs_doc_probe(struct fs *fs, struct doc *d)
{
	struct proto_msg m;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_DOC_STAT;
	m.u.doc_id = d->id;
	if (host_request(fs->p, &m, HOST_DOC_TIMEOUT_MS, on_probe, fs, d->id, NULL) == 0)
		d->stats++;
}

bool fs_doc_settled(const struct portal *p, uint64_t id)
{
	struct doc *d = p->fs ? fs_doc_find(p->fs, id) : NULL;
	return !d || d->stats == 0;
}

void fs_send_quiet(struct fs *fs, uint16_t type, uint64_t doc_id)
{
	struct proto_msg m;
	memset(&m, 0, sizeof(m));
	m.type = type;
	m.u.doc_id = doc_id;
	if (host_request(fs->p, &m, HOST_DOC_TIMEOUT_MS, NULL, NULL, 0, NULL) < 0)
		log_warn("fs: cannot send %s for document %016llx", proto_type_name(type),
			 (unsigned long long)doc_id);
}
