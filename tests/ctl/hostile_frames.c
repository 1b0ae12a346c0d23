#include "hostile_frames.h"
#include "fake_io.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static void b_put(struct bytes *b, const void *p, size_t n)
{
	assert_true(b->len + n <= sizeof(b->p));
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void b_header(struct bytes *b, uint16_t type, uint16_t flags, uint32_t id, uint32_t len)
{
	uint8_t h[PROTO_HEADER_SIZE];
	fake_header(h, type, flags, id, len);
	b_put(b, h, sizeof(h));
}

static void b_fill(struct bytes *b, uint8_t v, size_t n)
{
	assert_true(b->len + n <= sizeof(b->p));
	memset(b->p + b->len, v, n);
	b->len += n;
}

/* Appends an encoded message; returns the offset of its payload. */
static size_t b_msg(struct bytes *b, const struct proto_msg *m)
{
	size_t len;
	assert_int_equal(proto_encode(m, b->p + b->len, sizeof(b->p) - b->len, &len), 0);
	b->len += len;
	return b->len - len + PROTO_HEADER_SIZE;
}

/* Sets the length field of the frame whose header starts at off. */
static void b_relength(struct bytes *b, size_t off, uint32_t len)
{
	for (int i = 0; i < 4; i++)
		b->p[off + 12 + i] = (uint8_t)(len >> (8 * i));
}

static void m_reply(struct proto_msg *m, uint16_t type, uint32_t id)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->flags = PROTO_FLAG_REPLY;
	m->id = id;
}

/* A CLIPBOARD_GET reply: total, then len bytes of p. */
static void b_clip(struct bytes *b, uint32_t id, uint32_t total, const char *p, uint32_t len)
{
	struct proto_msg m;
	m_reply(&m, PROTO_CLIPBOARD_GET, id);
	m.u.clipboard_data.total = total;
	m.u.clipboard_data.data.ptr = (const uint8_t *)p;
	m.u.clipboard_data.data.len = len;
	b_msg(b, &m);
}

static void m_status(struct proto_msg *m, uint32_t id)
{
	m_reply(m, PROTO_STATUS, id);
	m->u.status.vm_name = proto_str_from("vm");
	m->u.status.agent_version = proto_str_from("agent");
	m->u.status.protocol_version = 1;
}

/* A STATUS reply (id 2) of exactly `size` payload bytes: stores with long
 * mount points fill the room. */
static void b_status_of(struct bytes *b, size_t size)
{
	static char paths[PROTO_MAX_STORES][PROTO_PATH_MAX + 1];
	struct proto_msg m;
	m_status(&m, 2);
	size_t base = 2 + 2 + 2 + 5 + 2 + 2 + 8 * 3 + 12 + 4 + 4 + 2 + 2; /* no stores */
	assert_true(size >= base);
	size_t left = size - base, i = 0;
	/* A store is 2 + 1 ("s") + 2 + path + 1 bytes: 7 at least, 4102 at most. */
	while (left > 0) {
		assert_true(i < PROTO_MAX_STORES && left >= 7);
		size_t entry = left > 4102 ? 4102 : left;
		if (left - entry > 0 && left - entry < 7)
			entry -= 7;
		size_t plen = entry - 6;
		paths[i][0] = '/';
		memset(paths[i] + 1, 'p', plen - 1);
		paths[i][plen] = '\0';
		m.u.status.stores[i].name = proto_str_from("s");
		m.u.status.stores[i].mount_point = proto_str_from(paths[i]);
		left -= entry;
		i++;
	}
	m.u.status.n_stores = (uint16_t)i;
	size_t off = b->len;
	b_msg(b, &m);
	assert_int_equal(b->len - off - PROTO_HEADER_SIZE, size);
}

/* A valid STATUS reply (id 2) whose exit fields are then set to how/value. */
static void b_status_exit(struct bytes *b, uint8_t how, int32_t value)
{
	struct proto_msg m;
	m_status(&m, 2);
	size_t p = b_msg(b, &m);
	size_t at = p + 2 + 2 + 2 + 5 + 4 + 24 + 12 + 1; /* app_exit_how */
	b->p[at] = how;
	for (int i = 0; i < 4; i++)
		b->p[at + 3 + i] = (uint8_t)((uint32_t)value >> (8 * i));
}

static void b_app_exit(struct bytes *b, uint8_t how, int32_t value)
{
	b_header(b, PROTO_APP_EXIT, 0, 3, 8);
	uint8_t p[8] = {how};
	for (int i = 0; i < 4; i++)
		p[4 + i] = (uint8_t)((uint32_t)value >> (8 * i));
	b_put(b, p, sizeof(p));
}

static void b_hello_reply(struct bytes *b, size_t software_len)
{
	static char sw[PROTO_NAME_MAX + 1];
	struct proto_msg m;
	m_reply(&m, PROTO_HELLO, 1);
	m.u.hello.version = 1;
	memset(sw, 'a', software_len);
	sw[software_len] = '\0';
	m.u.hello.software = proto_str_from(sw);
	b_msg(b, &m);
}

static void b_error_reply(struct bytes *b, uint32_t id, size_t msg_len)
{
	static char text[PROTO_TEXT_MAX + 1];
	struct proto_msg m;
	memset(text, 'e', msg_len);
	text[msg_len] = '\0';
	proto_make_error(&m, id, PROTO_ERR_BUSY, text);
	b_msg(b, &m);
}

static void b_ready(struct bytes *b, size_t name_len)
{
	static char name[PROTO_NAME_MAX + 1];
	struct proto_msg m;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_READY;
	m.id = 1;
	memset(name, 'v', name_len);
	name[name_len] = '\0';
	m.u.ready.vm_name = proto_str_from(name);
	b_msg(b, &m);
}

void hostile_build(enum build what, struct bytes *b)
{
	b->len = 0;
	size_t off;
	struct proto_msg m;
	switch (what) {
	case STATUS_SAYS_100_SENDS_10:
		b_header(b, PROTO_STATUS, PROTO_FLAG_REPLY, 2, 100);
		b_fill(b, 0, 10);
		break;
	case STATUS_STRING_PAST_PAYLOAD:
		b_header(b, PROTO_STATUS, PROTO_FLAG_REPLY, 2, 12);
		b_put(b, "\xc8\x00", 2); /* vm name of 200 bytes */
		b_fill(b, 'v', 10);
		break;
	case STATUS_TRAILING_BYTE:
		m_status(&m, 2);
		off = b->len;
		b_msg(b, &m);
		b_fill(b, 0, 1);
		b_relength(b, off, (uint32_t)(b->len - off - PROTO_HEADER_SIZE));
		break;
	case STATUS_STORES_LIE:
		m_status(&m, 2);
		m.u.status.n_stores = 1;
		m.u.status.stores[0].name = proto_str_from("s");
		m.u.status.stores[0].mount_point = proto_str_from("/s");
		off = b_msg(b, &m);
		b->p[off + 2 + 2 + 2 + 5 + 4 + 24 + 12 + 8] = 5; /* n_stores: 5, one present */
		break;
	case ERROR_STRING_PAST_PAYLOAD:
		b_header(b, PROTO_ERROR, PROTO_FLAG_REPLY, 2, 262);
		b_put(b, "\x04\x00\x00\x00\x2c\x01", 6); /* BUSY, message of 300 bytes */
		b_fill(b, 'e', 256);
		break;
	case HELLO_267:
		b_header(b, PROTO_HELLO, PROTO_FLAG_REPLY, 1, 267);
		b_fill(b, 0, 267);
		break;
	case HELLO_266:
		b_hello_reply(b, 256);
		break;
	case HELLO_265:
		b_hello_reply(b, 255);
		break;
	case ERROR_263:
		b_header(b, PROTO_ERROR, PROTO_FLAG_REPLY, 2, 263);
		break;
	case ERROR_262:
		b_error_reply(b, 2, 256);
		break;
	case ERROR_261:
		b_error_reply(b, 2, 255);
		break;
	case PING_9:
		b_header(b, PROTO_PING, PROTO_FLAG_REPLY, 2, 9);
		b_fill(b, 0, 9);
		break;
	case PING_7:
		b_header(b, PROTO_PING, PROTO_FLAG_REPLY, 2, 7);
		b_fill(b, 0, 7);
		break;
	case STATUS_65537:
		b_header(b, PROTO_STATUS, PROTO_FLAG_REPLY, 2, 65537);
		break;
	case STATUS_65536:
		b_status_of(b, 65536);
		break;
	case STATUS_65535:
		b_status_of(b, 65535);
		break;
	case STATUS_4G:
		b_header(b, PROTO_STATUS, PROTO_FLAG_REPLY, 2, 0xffffffffu);
		break;
	case HELLO_4G:
		b_header(b, PROTO_HELLO, PROTO_FLAG_REPLY, 1, 0xffffffffu);
		break;
	case SHUTDOWN_1:
		b_header(b, PROTO_SHUTDOWN, PROTO_FLAG_REPLY, 2, 1);
		b_fill(b, 0, 1);
		break;
	case READY_267:
		b_header(b, PROTO_READY, 0, 1, 267);
		break;
	case READY_266:
		b_ready(b, 256);
		break;
	case APP_EXIT_9:
		b_header(b, PROTO_APP_EXIT, 0, 3, 9);
		break;
	case APP_EXIT_8:
		b_app_exit(b, PROTO_EXIT_CODE, 255);
		break;
	case APP_EXIT_7:
		b_header(b, PROTO_APP_EXIT, 0, 3, 7);
		b_fill(b, 0, 7);
		break;
	case UNKNOWN_65537:
		b_header(b, 0x7777, 0, 5, 65537);
		break;
	case UNKNOWN_65536:
		b_header(b, 0x7777, 0, 5, 65536);
		b_fill(b, 'u', 65536);
		break;
	case UNKNOWN_REPLY:
		b_header(b, 0x7777, PROTO_FLAG_REPLY, 2, 3);
		b_put(b, "abc", 3);
		break;
	case STATUS_SIGNAL_MINUS_5:
		b_status_exit(b, PROTO_EXIT_SIGNAL, -5);
		break;
	case STATUS_STATUS_256:
		b_status_exit(b, PROTO_EXIT_CODE, 256);
		break;
	case STATUS_VALUE_WITHOUT_EXIT:
		b_status_exit(b, PROTO_EXIT_NONE, 3);
		break;
	case STATUS_HOW_3:
		b_status_exit(b, 3, 1);
		break;
	case APP_EXIT_SIGNAL_65:
		b_app_exit(b, PROTO_EXIT_SIGNAL, 65);
		break;
	case APP_EXIT_SIGNAL_0:
		b_app_exit(b, PROTO_EXIT_SIGNAL, 0);
		break;
	case PING_REPLY_ID_7:
		m_reply(&m, PROTO_PING, 7);
		b_msg(b, &m);
		break;
	case SECOND_HELLO:
		b_hello_reply(b, 3);
		break;
	case ERROR_REPLY_ID_9:
		b_error_reply(b, 9, 4);
		break;
	case PING_REPLY_BEFORE_HELLO:
		m_reply(&m, PROTO_PING, 1);
		b_msg(b, &m);
		break;
	case HALF_HEADER:
		b_header(b, PROTO_STATUS, PROTO_FLAG_REPLY, 2, 0);
		b->len = 8;
		break;
	case GOOD_STATUS:
		m_status(&m, 2);
		b_msg(b, &m);
		break;
	case BAD_MAGIC:
		b_put(b, "HTTP/1.0 200 OK\r\n", 17);
		break;
	case UNKNOWN_FLAG:
		b_header(b, PROTO_STATUS, PROTO_FLAG_REPLY | 0x0002, 2, 0);
		break;
	case CLIP_TOTAL_OVER_CAP:
		b_clip(b, 2, 65537, "x", 1);
		break;
	case CLIP_TOTAL_16M_1:
		b_header(b, PROTO_CLIPBOARD_GET, PROTO_FLAG_REPLY, 2, 8);
		b_put(b, "\x01\x00\x00\x01\x00\x00\x00\x00", 8);
		break;
	case CLIP_REPLY_32777:
		b_header(b, PROTO_CLIPBOARD_GET, PROTO_FLAG_REPLY, 2, 32777);
		b_fill(b, 0, 32777);
		break;
	case CLIP_REPLY_4G:
		b_header(b, PROTO_CLIPBOARD_GET, PROTO_FLAG_REPLY, 2, 0xffffffffu);
		break;
	case CLIP_DATA_PAST_TOTAL:
		b_header(b, PROTO_CLIPBOARD_GET, PROTO_FLAG_REPLY, 2, 14);
		b_put(b, "\x05\x00\x00\x00\x06\x00\x00\x00sixsix", 14);
		break;
	case CLIP_REPLY_ID_9:
		b_clip(b, 9, 5, "hello", 5);
		break;
	case CLIP_SET_REPLY:
		m_reply(&m, PROTO_CLIPBOARD_SET, 2);
		b_msg(b, &m);
		break;
	case CLIP_SAYS_40000_SENDS_10:
		b_header(b, PROTO_CLIPBOARD_GET, PROTO_FLAG_REPLY, 2, 8 + 32768);
		b_put(b, "\x40\x9c\x00\x00\x00\x80\x00\x00", 8);
		b_fill(b, 'a', 10);
		break;
	case CLIP_NOT_UTF8:
		b_clip(b, 2, 6,
		       "ab\xc0\xaf"
		       "cd",
		       6);
		break;
	case CLIP_EMPTY:
		b_clip(b, 2, 0, "", 0);
		break;
	case RESERVED_SET:
		b_header(b, PROTO_STATUS, PROTO_FLAG_REPLY, 2, 0);
		b->p[6] = 1;
		break;
	}
}
