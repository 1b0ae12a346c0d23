/* The agent's clipboard transfers (agent/clip_xfer.c): CLIPBOARD_SET chunk
 * sequences, good and bad (skips, overlaps, a total or MIME type that
 * changes, another connection's chunk), and which bytes CLIPBOARD_GET
 * replies carry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "clip_xfer.h"
#include "proto_wire.h"

static uint8_t bytes[PROTO_CHUNK];

static struct proto_clipboard_set chunk(uint32_t total, uint32_t offset, const char *mime,
					uint32_t len)
{
	struct proto_clipboard_set m = {.total = total, .offset = offset};
	m.mime = proto_str_from(mime);
	m.data.ptr = bytes;
	m.data.len = len;
	return m;
}

static void test_set_sequences(void **state)
{
	(void)state;
	struct clip_set_xfer x;
	const char *why = NULL;
	memset(&x, 0, sizeof(x));
	struct proto_clipboard_set m;

	/* One chunk that is the whole content. */
	m = chunk(5, 0, "text/plain", 5);
	assert_int_equal(clip_set_step(&x, 1, &m, &why), CLIP_SET_NEW | CLIP_SET_LAST);
	/* Empty content: new and last at once. */
	m = chunk(0, 0, "text/plain", 0);
	assert_int_equal(clip_set_step(&x, 1, &m, &why), CLIP_SET_NEW | CLIP_SET_LAST);

	/* 16 MiB in full chunks: new, middles, last. */
	uint32_t total = PROTO_CLIPBOARD_MAX, off = 0;
	int steps = 0;
	while (off < total) {
		uint32_t len = total - off < PROTO_CHUNK ? total - off : PROTO_CHUNK;
		m = chunk(total, off, "image/png", len);
		int r = clip_set_step(&x, 7, &m, &why);
		int want = (off == 0 ? CLIP_SET_NEW : 0) | (off + len == total ? CLIP_SET_LAST : 0);
		if (r != want)
			fail_msg("chunk at %u: %d, want %d (%s)", off, r, want, r < 0 ? why : "");
		off += len;
		steps++;
	}
	assert_int_equal(steps, 512);

	/* Zero-length chunks in the middle are allowed (and change nothing). */
	m = chunk(10, 0, "text/plain", 4);
	assert_int_equal(clip_set_step(&x, 1, &m, &why), CLIP_SET_NEW);
	m = chunk(10, 4, "text/plain", 0);
	assert_int_equal(clip_set_step(&x, 1, &m, &why), 0);
	m = chunk(10, 4, "text/plain", 6);
	assert_int_equal(clip_set_step(&x, 1, &m, &why), CLIP_SET_LAST);

	/* Offset 0 starts afresh, whatever was in progress (a new paste). */
	m = chunk(100, 0, "text/plain", 10);
	assert_int_equal(clip_set_step(&x, 1, &m, &why), CLIP_SET_NEW);
	m = chunk(50, 0, "image/png", 10);
	assert_int_equal(clip_set_step(&x, 2, &m, &why), CLIP_SET_NEW);
	assert_int_equal(x.owner, 2);
	assert_int_equal(x.total, 50);
	assert_string_equal(x.mime, "image/png");
}

static void test_set_refused(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		struct proto_clipboard_set second;
		unsigned owner;
		const char *why;
	} cases[] = {
	    {"skips", {.total = 100, .offset = 20}, 1, "offset skips bytes never sent"},
	    {"overlaps", {.total = 100, .offset = 5}, 1, "offset overlaps bytes already sent"},
	    {"total grows", {.total = 101, .offset = 10}, 1, "total differs"},
	    {"total shrinks", {.total = 99, .offset = 10}, 1, "total differs"},
	    {"other mime", {.total = 100, .offset = 10}, 1, "mime differs"},
	    {"other connection", {.total = 100, .offset = 10}, 2, "no clipboard transfer"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct clip_set_xfer x;
		const char *why = NULL;
		memset(&x, 0, sizeof(x));
		struct proto_clipboard_set first = chunk(100, 0, "text/plain", 10);
		assert_int_equal(clip_set_step(&x, 1, &first, &why), CLIP_SET_NEW);
		struct proto_clipboard_set m = cases[i].second;
		m.mime = proto_str_from(strcmp(cases[i].name, "other mime") == 0 ? "text/html"
										 : "text/plain");
		m.data.ptr = bytes;
		m.data.len = 10;
		if (clip_set_step(&x, cases[i].owner, &m, &why) != -EBADMSG)
			fail_msg("%s: accepted", cases[i].name);
		if (!strstr(why, cases[i].why))
			fail_msg("%s: \"%s\"", cases[i].name, why);
		/* The protocol wants the partial transfer dropped: the proper
		 * next chunk is refused too. */
		assert_false(x.active);
		struct proto_clipboard_set next = chunk(100, 10, "text/plain", 10);
		assert_int_equal(clip_set_step(&x, 1, &next, &why), -EBADMSG);
	}
	/* A chunk past offset 0 with nothing in progress. */
	struct clip_set_xfer x;
	const char *why = NULL;
	memset(&x, 0, sizeof(x));
	struct proto_clipboard_set m = chunk(10, 5, "text/plain", 5);
	assert_int_equal(clip_set_step(&x, 1, &m, &why), -EBADMSG);
	assert_non_null(strstr(why, "start at offset 0"));
	/* After completion, more chunks are no transfer either... */
	m = chunk(10, 0, "text/plain", 10);
	assert_int_equal(clip_set_step(&x, 1, &m, &why), CLIP_SET_NEW | CLIP_SET_LAST);
	m = chunk(10, 10, "text/plain", 0);
	assert_int_equal(clip_set_step(&x, 1, &m, &why), -EBADMSG);
}

static struct proto_clipboard_get get(uint32_t offset, uint32_t max, const char *mime)
{
	struct proto_clipboard_get g = {.offset = offset, .max_length = max};
	g.mime = proto_str_from(mime);
	return g;
}

static void test_snap_chunks(void **state)
{
	(void)state;
	struct clip_snap s = {.active = true, .owner = 3, .mime = "text/plain", .len = 70000};
	uint32_t len = 0;
	const char *why = NULL;
	struct proto_clipboard_get g = get(32768, 32768, "text/plain");
	assert_int_equal(clip_snap_chunk(&s, 3, &g, &len, &why), 0);
	assert_int_equal(len, 32768);
	g = get(65536, 32768, "text/plain");
	assert_int_equal(clip_snap_chunk(&s, 3, &g, &len, &why), 0);
	assert_int_equal(len, 70000 - 65536);
	g = get(70000, 100, "text/plain");
	assert_int_equal(clip_snap_chunk(&s, 3, &g, &len, &why), 0);
	assert_int_equal(len, 0);
	g = get(100, 7, "text/plain");
	assert_int_equal(clip_snap_chunk(&s, 3, &g, &len, &why), 0);
	assert_int_equal(len, 7);

	g = get(70001, 100, "text/plain");
	assert_int_equal(clip_snap_chunk(&s, 3, &g, &len, &why), -EBADMSG);
	assert_non_null(strstr(why, "past the end"));
	g = get(100, 100, "text/html");
	assert_int_equal(clip_snap_chunk(&s, 3, &g, &len, &why), -EBADMSG);
	assert_non_null(strstr(why, "mime differs"));
	g = get(100, 100, "text/plain");
	assert_int_equal(clip_snap_chunk(&s, 4, &g, &len, &why), -EBADMSG);
	s.active = false;
	assert_int_equal(clip_snap_chunk(&s, 3, &g, &len, &why), -EBADMSG);
	assert_non_null(strstr(why, "start at offset 0"));

	assert_int_equal(clip_chunk_len(0, 0, 32768), 0);
	assert_int_equal(clip_chunk_len(10, 0, 32768), 10);
	assert_int_equal(clip_chunk_len(10, 10, 32768), 0);
	assert_int_equal(clip_chunk_len(10, 11, 32768), 0);
	assert_int_equal(clip_chunk_len(100000, 0, 32768), 32768);
	assert_int_equal(clip_chunk_len(100000, 98304, 32768), 1696);
}

static void test_not_found_text(void **state)
{
	(void)state;
	char buf[PROTO_TEXT_MAX + 1];
	static const char *const offered[] = {"image/png", "UTF8_STRING"};
	assert_string_equal(
	    clip_not_found_text("text/plain;charset=utf-8", offered, 1, buf, sizeof(buf)),
	    "no text in the VM's clipboard; it offers: image/png");
	assert_string_equal(clip_not_found_text("image/jpeg", offered, 0, buf, sizeof(buf)),
			    "no image/jpeg in the VM's clipboard; it offers nothing");
	/* Many long names: still a TEXT the codec takes. */
	static char names[64][256];
	const char *many[64];
	for (int i = 0; i < 64; i++) {
		memset(names[i], 'a' + i % 26, 255);
		memcpy(names[i], "application/", 12);
		names[i][255] = '\0';
		many[i] = names[i];
	}
	char want[256];
	memset(want, 'w', 255);
	memcpy(want, "image/", 6);
	want[255] = '\0';
	clip_not_found_text(want, many, 64, buf, sizeof(buf));
	assert_true(strlen(buf) <= PROTO_TEXT_MAX);
	assert_true(str_class_ok(STR_TEXT, buf, strlen(buf)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_set_sequences),
	    cmocka_unit_test(test_set_refused),
	    cmocka_unit_test(test_snap_chunks),
	    cmocka_unit_test(test_not_found_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
