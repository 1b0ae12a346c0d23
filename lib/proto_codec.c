/* Frames of v1: the type table with its caps, headers, and the field rules
 * (check_fields) that run on both encode and decode, so the encoder can never
 * produce what the decoder rejects. Payload layouts are in proto_payload.c. */
#include "proto.h"
#include "proto_payload.h"
#include "proto_wire.h"

#include <errno.h>
#include <string.h>

/* Per-type payload caps; 0 in a direction means the type is not sent that way. */
struct type_info {
	uint16_t type;
	const char *name;
	uint32_t request_cap;
	uint32_t reply_cap;
	bool has_request;
	bool has_reply;
};

#define DOC_MAX	    (8 + 8 + 4 + 2 + PROTO_FILENAME_MAX)
#define STAT_SIZE   32u
#define LABEL_FIELD (2 + PROTO_LABEL_MAX)
#define ID_FIELD    (2 + PROTO_ID_MAX)
/* flags, title, accept label; then the filter and choice blocks. */
#define DIALOG_HEAD (4 + 2 * LABEL_FIELD)
#define CHOICES_MAX                                                                                \
	(1 + PROTO_MAX_CHOICES * (ID_FIELD + LABEL_FIELD + 1 + ID_FIELD) +                         \
	 PROTO_MAX_OPTIONS * (ID_FIELD + LABEL_FIELD))
/* No filters (count 0, current filter 0xff), choices, count, names. */
#define SAVE_MANY_MAX                                                                              \
	(DIALOG_HEAD + 2 + CHOICES_MAX + 2 + PROTO_MAX_DOCS * (2 + PROTO_FILENAME_MAX))
/* A dialog with every list full would exceed the global cap: like the status
 * record, the whole payload must fit it. */
#define DIALOG_MAX PROTO_MAX_PAYLOAD
/* Folder entries: document id, node, name; the entry record; a readdir reply. */
#define ENTRY_NAME_MAX	   (8 + 8 + 2 + PROTO_ENTRY_MAX)
#define ENTRY_SIZE	   32u
#define ENTRIES_MAX	   (2 + PROTO_MAX_ENTRIES * (8 + 1 + 2 + PROTO_ENTRY_MAX))
#define RESULT_MAX(n_docs) (1 + 1 + PROTO_MAX_CHOICES * (2 * ID_FIELD) + 2 + (n_docs)*DOC_MAX)

static const struct type_info types[] = {
    {PROTO_HELLO, "HELLO", 8 + 2 + PROTO_NAME_MAX, 8 + 2 + PROTO_NAME_MAX, true, true},
    {PROTO_ERROR, "ERROR", 0, 4 + 2 + PROTO_TEXT_MAX, false, true},
    {PROTO_PING, "PING", 8, 8, true, true},
    {PROTO_STATUS, "STATUS", 0, PROTO_MAX_PAYLOAD, true, true},
    {PROTO_SHUTDOWN, "SHUTDOWN", 4, 0, true, true},
    {PROTO_REBOOT, "REBOOT", 4, 0, true, true},
    {PROTO_READY, "READY", 8 + 2 + PROTO_NAME_MAX, 0, true, false},
    {PROTO_APP_EXIT, "APP_EXIT", 8, 0, true, false},
    {PROTO_CLIPBOARD_GET, "CLIPBOARD_GET", 8 + 2 + PROTO_MIME_MAX, 4 + 4 + PROTO_CHUNK, true, true},
    {PROTO_CLIPBOARD_SET, "CLIPBOARD_SET", 8 + 2 + PROTO_MIME_MAX + 4 + PROTO_CHUNK, 0, true, true},
    {PROTO_FILE_OPEN, "FILE_OPEN", DIALOG_MAX, RESULT_MAX(PROTO_MAX_DOCS), true, true},
    {PROTO_FILE_SAVE, "FILE_SAVE", DIALOG_MAX, RESULT_MAX(1), true, true},
    {PROTO_FILE_SAVE_MANY, "FILE_SAVE_MANY", SAVE_MANY_MAX, RESULT_MAX(PROTO_MAX_DOCS), true, true},
    {PROTO_FILE_CANCEL, "FILE_CANCEL", 4, 0, true, true},
    {PROTO_DOC_GRANT, "DOC_GRANT", DOC_MAX, 0, true, true},
    {PROTO_DOC_REVOKE, "DOC_REVOKE", 8, 0, true, true},
    {PROTO_DOC_READ, "DOC_READ", 24, 4 + PROTO_CHUNK, true, true},
    {PROTO_DOC_WRITE, "DOC_WRITE", 20 + PROTO_CHUNK, 4, true, true},
    {PROTO_DOC_CLOSE, "DOC_CLOSE", 8, 0, true, true},
    {PROTO_DOC_STAT, "DOC_STAT", 8, STAT_SIZE, true, true},
    {PROTO_DOC_BEGIN, "DOC_BEGIN", 12, STAT_SIZE, true, true},
    {PROTO_DOC_TRUNCATE, "DOC_TRUNCATE", 16, 0, true, true},
    {PROTO_DOC_COMMIT, "DOC_COMMIT", 8, STAT_SIZE, true, true},
    {PROTO_DOC_ABORT, "DOC_ABORT", 8, 0, true, true},
    {PROTO_ENTRY_LOOKUP, "ENTRY_LOOKUP", ENTRY_NAME_MAX, ENTRY_SIZE, true, true},
    {PROTO_ENTRY_STAT, "ENTRY_STAT", 16, ENTRY_SIZE, true, true},
    {PROTO_ENTRY_FORGET, "ENTRY_FORGET", 24, 0, true, true},
    {PROTO_ENTRY_READDIR, "ENTRY_READDIR", 26, ENTRIES_MAX, true, true},
    {PROTO_ENTRY_OPEN, "ENTRY_OPEN", ENTRY_NAME_MAX + 4, 8 + STAT_SIZE, true, true},
    {PROTO_ENTRY_MKDIR, "ENTRY_MKDIR", ENTRY_NAME_MAX, ENTRY_SIZE, true, true},
    {PROTO_ENTRY_UNLINK, "ENTRY_UNLINK", ENTRY_NAME_MAX + 4, 0, true, true},
    {PROTO_ENTRY_RENAME, "ENTRY_RENAME", 8 + 2 * (8 + 2 + PROTO_ENTRY_MAX) + 4, 0, true, true},
};

static const struct type_info *type_lookup(uint16_t type)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return &types[i];
	return NULL;
}

int proto_type_known(uint16_t type)
{
	return type_lookup(type) != NULL;
}

const char *proto_type_name(uint16_t type)
{
	const struct type_info *t = type_lookup(type);
	return t ? t->name : NULL;
}

const char *proto_error_name(uint32_t code)
{
	static const char *const names[] = {
	    [PROTO_ERR_UNSUPPORTED] = "UNSUPPORTED",
	    [PROTO_ERR_BAD_REQUEST] = "BAD_REQUEST",
	    [PROTO_ERR_VERSION_MISMATCH] = "VERSION_MISMATCH",
	    [PROTO_ERR_BUSY] = "BUSY",
	    [PROTO_ERR_CANCELLED] = "CANCELLED",
	    [PROTO_ERR_NOT_FOUND] = "NOT_FOUND",
	    [PROTO_ERR_PERMISSION] = "PERMISSION",
	    [PROTO_ERR_IO] = "IO",
	    [PROTO_ERR_INTERNAL] = "INTERNAL",
	    [PROTO_ERR_STATE] = "STATE",
	    [PROTO_ERR_LIMIT] = "LIMIT",
	    [PROTO_ERR_STALE] = "STALE",
	    [PROTO_ERR_NO_ENTRY] = "NO_ENTRY",
	    [PROTO_ERR_EXISTS] = "EXISTS",
	    [PROTO_ERR_NOT_EMPTY] = "NOT_EMPTY",
	    [PROTO_ERR_NOT_DIR] = "NOT_DIR",
	    [PROTO_ERR_IS_DIR] = "IS_DIR",
	    [PROTO_ERR_TOO_BIG] = "TOO_BIG",
	};
	if (code < sizeof(names) / sizeof(names[0]) && names[code])
		return names[code];
	return "INTERNAL";
}

uint32_t proto_max_payload(uint16_t type, uint16_t flags)
{
	const struct type_info *t = type_lookup(type);
	if (!proto_direction_ok(type, flags))
		return PROTO_MAX_PAYLOAD;
	return (flags & PROTO_FLAG_REPLY) ? t->reply_cap : t->request_cap;
}

int proto_header_decode(const uint8_t buf[PROTO_HEADER_SIZE], struct proto_header *ret)
{
	uint16_t untrusted_magic = le16(buf);
	uint16_t untrusted_reserved = le16(buf + 6);
	/* Filled before the checks, so that an error can say what came. */
	*ret = (struct proto_header){
	    .type = le16(buf + 2),
	    .flags = le16(buf + 4),
	    .id = le32(buf + 8),
	    .length = le32(buf + 12),
	};
	if (untrusted_magic != PROTO_MAGIC || untrusted_reserved != 0 ||
	    (ret->flags & ~PROTO_FLAG_REPLY))
		return -EBADMSG;
	if (ret->length > proto_max_payload(ret->type, ret->flags))
		return -EMSGSIZE;
	return 0;
}

void proto_header_encode(const struct proto_header *h, uint8_t out[PROTO_HEADER_SIZE])
{
	struct wcur c = {.p = out, .left = PROTO_HEADER_SIZE};
	wr_u16(&c, PROTO_MAGIC);
	wr_u16(&c, h->type);
	wr_u16(&c, h->flags);
	wr_u16(&c, 0);
	wr_u32(&c, h->id);
	wr_u32(&c, h->length);
}

uint16_t proto_negotiate(uint16_t min_a, uint16_t max_a, uint16_t min_b, uint16_t max_b)
{
	uint16_t lo = min_a > min_b ? min_a : min_b;
	uint16_t hi = max_a < max_b ? max_a : max_b;
	return (lo <= hi && lo >= 1) ? hi : 0;
}

struct proto_str proto_str_from(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	struct proto_str r = {s ? s : "", (uint16_t)(n > 0xffff ? 0xffff : n)};
	return r;
}

void proto_make_error(struct proto_msg *m, uint32_t id, uint32_t code, const char *message)
{
	memset(m, 0, sizeof(*m));
	m->type = PROTO_ERROR;
	m->flags = PROTO_FLAG_REPLY;
	m->id = id;
	m->u.error.code = code;
	m->u.error.message = proto_str_from(message);
	if (m->u.error.message.len > PROTO_TEXT_MAX)
		m->u.error.message.len = PROTO_TEXT_MAX;
}

/* Field rules beyond string classes, shared by encoder and decoder. Returns
 * NULL when the message obeys them, else a few words saying what is wrong. */
static const char *check_doc_op(const struct proto_msg *m, bool reply)
{
	switch (m->type) {
	case PROTO_DOC_GRANT:
		return reply ? NULL : proto_check_doc(&m->u.doc);
	case PROTO_DOC_STAT:
	case PROTO_DOC_COMMIT:
	case PROTO_DOC_BEGIN:
		if (reply)
			return proto_check_stat(&m->u.stat);
		if (m->type != PROTO_DOC_BEGIN)
			return m->u.doc_id == 0 ? "document id 0" : NULL;
		if (m->u.doc_begin.doc_id == 0)
			return "document id 0";
		return (m->u.doc_begin.flags & ~PROTO_BEGIN_KEEP) ? "bad begin flags" : NULL;
	case PROTO_DOC_TRUNCATE:
		if (reply)
			return NULL;
		if (m->u.doc_truncate.doc_id == 0)
			return "document id 0";
		return m->u.doc_truncate.size > PROTO_DOC_SIZE_MAX ? "size out of range" : NULL;
	case PROTO_DOC_READ:
		if (reply)
			return NULL;
		if (m->u.doc_read.doc_id == 0)
			return "document id 0";
		if (m->u.doc_read.length < 1 || m->u.doc_read.length > PROTO_CHUNK)
			return "bad read length";
		if (m->u.doc_read.flags & ~PROTO_READ_STAGED)
			return "bad read flags";
		return m->u.doc_read.offset > PROTO_DOC_SIZE_MAX - m->u.doc_read.length
			   ? "offset out of range"
			   : NULL;
	case PROTO_DOC_WRITE:
		if (reply)
			return m->u.written <= PROTO_CHUNK ? NULL : "bad written count";
		if (m->u.doc_write.doc_id == 0)
			return "document id 0";
		return m->u.doc_write.offset > PROTO_DOC_SIZE_MAX - m->u.doc_write.data.len
			   ? "offset out of range"
			   : NULL;
	default: /* REVOKE, CLOSE, ABORT */
		return (!reply && m->u.doc_id == 0) ? "document id 0" : NULL;
	}
}

static const char *check_fields(const struct proto_msg *m, bool reply)
{
	const char *why = NULL;
	switch (m->type) {
	case PROTO_HELLO:
		if (reply)
			return m->u.hello.version >= 1 ? NULL : "version 0";
		if (m->u.hello.min_version < 1 || m->u.hello.min_version > m->u.hello.max_version)
			return "bad version range";
		return NULL;
	case PROTO_STATUS:
		if (!reply)
			return NULL;
		if (m->u.status.app_state > PROTO_APP_RESTARTING)
			return "bad app state";
		why = proto_exit_check(m->u.status.app_exit_how, m->u.status.app_exit_value, 1);
		if (why)
			return why;
		if (m->u.status.n_stores > PROTO_MAX_STORES ||
		    m->u.status.n_addrs > PROTO_MAX_ADDRS)
			return "too many list entries";
		for (unsigned i = 0; i < m->u.status.n_stores; i++)
			if (m->u.status.stores[i].writable > 1)
				return "bad store writable flag";
		for (unsigned i = 0; i < m->u.status.n_addrs; i++) {
			const struct proto_addr *a = &m->u.status.addrs[i];
			if (a->family != 4 && a->family != 6)
				return "bad address family";
			if (a->prefix > (a->family == 4 ? 32 : 128))
				return "bad address prefix";
		}
		return NULL;
	case PROTO_APP_EXIT:
		return proto_exit_check(m->u.app_exit.how, m->u.app_exit.value, 0);
	case PROTO_CLIPBOARD_GET:
		if (reply) {
			const struct proto_clipboard_data *d = &m->u.clipboard_data;
			if (d->total > PROTO_CLIPBOARD_MAX || d->data.len > d->total)
				return "clipboard size out of range";
			return NULL;
		}
		if (m->u.clipboard_get.max_length < 1 ||
		    m->u.clipboard_get.max_length > PROTO_CHUNK)
			return "bad clipboard chunk length";
		return NULL;
	case PROTO_CLIPBOARD_SET: {
		if (reply)
			return NULL;
		const struct proto_clipboard_set *s = &m->u.clipboard_set;
		if (s->total > PROTO_CLIPBOARD_MAX || s->offset > s->total ||
		    s->data.len > s->total - s->offset)
			return "clipboard chunk out of range";
		return NULL;
	}
	case PROTO_FILE_OPEN:
	case PROTO_FILE_SAVE:
	case PROTO_FILE_SAVE_MANY:
		return reply ? proto_check_result(&m->u.result, m->type)
			     : proto_check_dialog(&m->u.dialog, m->type);
	case PROTO_FILE_CANCEL:
		return NULL;
	case PROTO_DOC_GRANT:
	case PROTO_DOC_REVOKE:
	case PROTO_DOC_READ:
	case PROTO_DOC_WRITE:
	case PROTO_DOC_CLOSE:
	case PROTO_DOC_STAT:
	case PROTO_DOC_BEGIN:
	case PROTO_DOC_TRUNCATE:
	case PROTO_DOC_COMMIT:
	case PROTO_DOC_ABORT:
		return check_doc_op(m, reply);
	default:
		return proto_check_entry_op(m, reply);
	}
}

static bool direction_ok(const struct type_info *t, bool reply)
{
	return t && (reply ? t->has_reply : t->has_request);
}

int proto_direction_ok(uint16_t type, uint16_t flags)
{
	return direction_ok(type_lookup(type), flags & PROTO_FLAG_REPLY);
}

int proto_decode(const struct proto_header *h, const uint8_t *payload, struct proto_msg *ret,
		 const char **ret_why)
{
	bool reply = h->flags & PROTO_FLAG_REPLY;
	const char *why = NULL;
	memset(ret, 0, sizeof(*ret));
	ret->type = h->type;
	ret->flags = h->flags;
	ret->id = h->id;
	if (!direction_ok(type_lookup(h->type), reply)) {
		if (ret_why)
			*ret_why = "unsupported message type";
		return -EOPNOTSUPP;
	}
	struct rcur c = {.p = payload, .left = h->length};
	proto_read_payload(&c, ret, reply);
	rd_end(&c);
	why = c.err ? c.err : check_fields(ret, reply);
	if (why) {
		if (ret_why)
			*ret_why = why;
		return -EBADMSG;
	}
	return 0;
}

int proto_encode(const struct proto_msg *m, uint8_t *buf, size_t cap, size_t *ret_len)
{
	bool reply = m->flags & PROTO_FLAG_REPLY;
	const struct type_info *t = type_lookup(m->type);
	if (!direction_ok(t, reply) || (m->flags & ~PROTO_FLAG_REPLY))
		return -EINVAL;
	if (check_fields(m, reply))
		return -EINVAL;
	if (cap < PROTO_HEADER_SIZE)
		return -E2BIG;
	struct wcur c = {.p = buf + PROTO_HEADER_SIZE, .left = cap - PROTO_HEADER_SIZE};
	proto_write_payload(&c, m, reply);
	if (c.err)
		return c.err;
	if (c.used > proto_max_payload(m->type, m->flags))
		return -E2BIG;
	struct proto_header h = {
	    .type = m->type, .flags = m->flags, .id = m->id, .length = (uint32_t)c.used};
	proto_header_encode(&h, buf);
	*ret_len = PROTO_HEADER_SIZE + c.used;
	return 0;
}
