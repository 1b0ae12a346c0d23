/* Payload layouts and field rules of the folder requests (ENTRY_*,
 * capability FOLDERS): names inside a granted folder, addressed by the
 * folder's document id and a node the host handed out. One reader, one
 * writer and one rule check per message; internal to the codec. */
#include "proto_payload.h"

static void read_entry(struct rcur *c, struct proto_entry *e)
{
	e->kind = rd_u8(c);
	if (rd_u8(c) != 0)
		rd_fail(c, "reserved field not zero");
	e->mode = rd_u16(c);
	e->mtime_nsec = rd_u32(c);
	e->mtime_sec = (int64_t)rd_u64(c);
	e->size = rd_u64(c);
	e->node = rd_u64(c);
}

static void write_entry(struct wcur *c, const struct proto_entry *e)
{
	wr_u8(c, e->kind);
	wr_u8(c, 0);
	wr_u16(c, e->mode);
	wr_u32(c, e->mtime_nsec);
	wr_u64(c, (uint64_t)e->mtime_sec);
	wr_u64(c, e->size);
	wr_u64(c, e->node);
}

static void read_name(struct rcur *c, struct proto_entry_name *n, bool with_flags)
{
	n->doc_id = rd_u64(c);
	n->dir = rd_u64(c);
	n->name = rd_str(c, STR_ENTRY, "bad entry name");
	if (with_flags)
		n->flags = rd_u32(c);
}

static void write_name(struct wcur *c, const struct proto_entry_name *n, bool with_flags)
{
	wr_u64(c, n->doc_id);
	wr_u64(c, n->dir);
	wr_str(c, STR_ENTRY, n->name);
	if (with_flags)
		wr_u32(c, n->flags);
}

static void read_list(struct rcur *c, struct proto_entry_list *l)
{
	uint16_t untrusted_n = rd_u16(c);
	if (untrusted_n > PROTO_MAX_ENTRIES) {
		rd_fail(c, "too many entries");
		return;
	}
	l->n = untrusted_n;
	for (unsigned i = 0; i < l->n && !c->err; i++) {
		l->e[i].cookie = rd_u64(c);
		l->e[i].kind = rd_u8(c);
		l->e[i].name = rd_str(c, STR_ENTRY, "bad entry name");
	}
}

static void write_list(struct wcur *c, const struct proto_entry_list *l)
{
	wr_u16(c, l->n);
	for (unsigned i = 0; i < l->n && i < PROTO_MAX_ENTRIES; i++) {
		wr_u64(c, l->e[i].cookie);
		wr_u8(c, l->e[i].kind);
		wr_str(c, STR_ENTRY, l->e[i].name);
	}
}

void proto_read_entry_op(struct rcur *c, struct proto_msg *m, bool reply)
{
	switch (m->type) {
	case PROTO_ENTRY_LOOKUP:
	case PROTO_ENTRY_MKDIR:
	case PROTO_ENTRY_STAT:
		if (reply) {
			read_entry(c, &m->u.entry);
		} else if (m->type == PROTO_ENTRY_STAT) {
			m->u.entry_node.doc_id = rd_u64(c);
			m->u.entry_node.node = rd_u64(c);
		} else {
			read_name(c, &m->u.entry_name, false);
		}
		break;
	case PROTO_ENTRY_FORGET:
		if (!reply) {
			m->u.entry_node.doc_id = rd_u64(c);
			m->u.entry_node.node = rd_u64(c);
			m->u.entry_node.count = rd_u64(c);
		}
		break;
	case PROTO_ENTRY_READDIR:
		if (reply) {
			read_list(c, &m->u.entries);
		} else {
			m->u.readdir.doc_id = rd_u64(c);
			m->u.readdir.dir = rd_u64(c);
			m->u.readdir.cookie = rd_u64(c);
			m->u.readdir.max = rd_u16(c);
		}
		break;
	case PROTO_ENTRY_OPEN:
		if (reply) {
			m->u.opened.doc_id = rd_u64(c);
			proto_read_stat(c, &m->u.opened.stat);
		} else {
			read_name(c, &m->u.entry_name, true);
		}
		break;
	case PROTO_ENTRY_UNLINK:
		if (!reply)
			read_name(c, &m->u.entry_name, true);
		break;
	case PROTO_ENTRY_RENAME:
		if (!reply) {
			m->u.rename.doc_id = rd_u64(c);
			m->u.rename.dir = rd_u64(c);
			m->u.rename.name = rd_str(c, STR_ENTRY, "bad entry name");
			m->u.rename.new_dir = rd_u64(c);
			m->u.rename.new_name = rd_str(c, STR_ENTRY, "bad new entry name");
			m->u.rename.flags = rd_u32(c);
		}
		break;
	}
}

void proto_write_entry_op(struct wcur *c, const struct proto_msg *m, bool reply)
{
	switch (m->type) {
	case PROTO_ENTRY_LOOKUP:
	case PROTO_ENTRY_MKDIR:
	case PROTO_ENTRY_STAT:
		if (reply) {
			write_entry(c, &m->u.entry);
		} else if (m->type == PROTO_ENTRY_STAT) {
			wr_u64(c, m->u.entry_node.doc_id);
			wr_u64(c, m->u.entry_node.node);
		} else {
			write_name(c, &m->u.entry_name, false);
		}
		break;
	case PROTO_ENTRY_FORGET:
		if (!reply) {
			wr_u64(c, m->u.entry_node.doc_id);
			wr_u64(c, m->u.entry_node.node);
			wr_u64(c, m->u.entry_node.count);
		}
		break;
	case PROTO_ENTRY_READDIR:
		if (reply) {
			write_list(c, &m->u.entries);
		} else {
			wr_u64(c, m->u.readdir.doc_id);
			wr_u64(c, m->u.readdir.dir);
			wr_u64(c, m->u.readdir.cookie);
			wr_u16(c, m->u.readdir.max);
		}
		break;
	case PROTO_ENTRY_OPEN:
		if (reply) {
			wr_u64(c, m->u.opened.doc_id);
			proto_write_stat(c, &m->u.opened.stat);
		} else {
			write_name(c, &m->u.entry_name, true);
		}
		break;
	case PROTO_ENTRY_UNLINK:
		if (!reply)
			write_name(c, &m->u.entry_name, true);
		break;
	case PROTO_ENTRY_RENAME:
		if (!reply) {
			wr_u64(c, m->u.rename.doc_id);
			wr_u64(c, m->u.rename.dir);
			wr_str(c, STR_ENTRY, m->u.rename.name);
			wr_u64(c, m->u.rename.new_dir);
			wr_str(c, STR_ENTRY, m->u.rename.new_name);
			wr_u32(c, m->u.rename.flags);
		}
		break;
	}
}

/* The entry record: a file has no node, a folder a node and no size. */
static const char *check_entry(const struct proto_entry *e)
{
	if (e->kind != PROTO_ENTRY_FILE && e->kind != PROTO_ENTRY_DIR)
		return "bad entry kind";
	if (e->mode > PROTO_MODE_MAX)
		return "bad entry mode";
	if (e->mtime_nsec >= 1000000000u)
		return "bad modification time";
	if (e->size > PROTO_DOC_SIZE_MAX)
		return "size out of range";
	if (e->kind == PROTO_ENTRY_FILE)
		return e->node == 0 ? NULL : "a file with a node";
	return e->node != 0 && e->size == 0 ? NULL : "a folder without a node, or with a size";
}

static const char *check_ids(uint64_t doc_id, uint64_t node)
{
	if (doc_id == 0)
		return "document id 0";
	return node == 0 ? "node 0" : NULL;
}

/* LOOKUP and MKDIR replies: a new reference, never on the root. */
static const char *check_named_reply(const struct proto_msg *m)
{
	const char *why = check_entry(&m->u.entry);
	if (why)
		return why;
	if (m->type == PROTO_ENTRY_MKDIR && m->u.entry.kind != PROTO_ENTRY_DIR)
		return "mkdir answered with a file";
	if (m->u.entry.kind == PROTO_ENTRY_DIR && m->u.entry.node == PROTO_ROOT_NODE)
		return "the root node as a name";
	return NULL;
}

static const char *check_lookup(const struct proto_msg *m, bool reply)
{
	if (reply)
		return check_named_reply(m);
	return check_ids(m->u.entry_name.doc_id, m->u.entry_name.dir);
}

static const char *check_stat(const struct proto_msg *m, bool reply)
{
	if (reply) {
		const char *why = check_entry(&m->u.entry);
		return why				    ? why
		       : m->u.entry.kind == PROTO_ENTRY_DIR ? NULL
							    : "a node that is a file";
	}
	return check_ids(m->u.entry_node.doc_id, m->u.entry_node.node);
}

static const char *check_forget(const struct proto_msg *m, bool reply)
{
	if (reply)
		return NULL;
	const struct proto_entry_node *f = &m->u.entry_node;
	const char *why = check_ids(f->doc_id, f->node);
	if (why)
		return why;
	if (f->node == PROTO_ROOT_NODE)
		return "the root node is never forgotten";
	return f->count == 0 ? "count 0" : NULL;
}

static const char *check_readdir(const struct proto_msg *m, bool reply)
{
	if (reply) {
		const struct proto_entry_list *l = &m->u.entries;
		if (l->n > PROTO_MAX_ENTRIES)
			return "too many entries";
		for (unsigned i = 0; i < l->n; i++)
			if (l->e[i].kind != PROTO_ENTRY_FILE && l->e[i].kind != PROTO_ENTRY_DIR)
				return "bad entry kind";
		return NULL;
	}
	const char *why = check_ids(m->u.readdir.doc_id, m->u.readdir.dir);
	if (why)
		return why;
	return m->u.readdir.max < 1 || m->u.readdir.max > PROTO_MAX_ENTRIES ? "bad entry count"
									    : NULL;
}

static const char *check_open(const struct proto_msg *m, bool reply)
{
	if (reply) {
		const struct proto_entry_opened *o = &m->u.opened;
		if (o->doc_id == 0)
			return "document id 0";
		const char *why = proto_check_stat(&o->stat);
		if (why)
			return why;
		return (o->stat.flags & PROTO_STAT_EXISTS) ? NULL
							   : "an opened file that does not exist";
	}
	const char *why = check_ids(m->u.entry_name.doc_id, m->u.entry_name.dir);
	uint32_t f = m->u.entry_name.flags;
	if (why)
		return why;
	if (f & ~(PROTO_OPEN_CREATE | PROTO_OPEN_EXCL))
		return "bad open flags";
	return (f & PROTO_OPEN_EXCL) && !(f & PROTO_OPEN_CREATE) ? "EXCL without CREATE" : NULL;
}

static const char *check_mkdir(const struct proto_msg *m, bool reply)
{
	if (reply)
		return check_named_reply(m);
	return check_ids(m->u.entry_name.doc_id, m->u.entry_name.dir);
}

static const char *check_unlink(const struct proto_msg *m, bool reply)
{
	if (reply)
		return NULL;
	const char *why = check_ids(m->u.entry_name.doc_id, m->u.entry_name.dir);
	if (why)
		return why;
	return (m->u.entry_name.flags & ~PROTO_UNLINK_DIR) ? "bad unlink flags" : NULL;
}

static const char *check_rename(const struct proto_msg *m, bool reply)
{
	if (reply)
		return NULL;
	const struct proto_entry_rename *r = &m->u.rename;
	const char *why = check_ids(r->doc_id, r->dir);
	if (why)
		return why;
	if (r->new_dir == 0)
		return "node 0";
	return (r->flags & ~PROTO_RENAME_NOREPLACE) ? "bad rename flags" : NULL;
}

const char *proto_check_entry_op(const struct proto_msg *m, bool reply)
{
	switch (m->type) {
	case PROTO_ENTRY_LOOKUP:
		return check_lookup(m, reply);
	case PROTO_ENTRY_STAT:
		return check_stat(m, reply);
	case PROTO_ENTRY_FORGET:
		return check_forget(m, reply);
	case PROTO_ENTRY_READDIR:
		return check_readdir(m, reply);
	case PROTO_ENTRY_OPEN:
		return check_open(m, reply);
	case PROTO_ENTRY_MKDIR:
		return check_mkdir(m, reply);
	case PROTO_ENTRY_UNLINK:
		return check_unlink(m, reply);
	case PROTO_ENTRY_RENAME:
		return check_rename(m, reply);
	default:
		return NULL;
	}
}
