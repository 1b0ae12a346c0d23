/* Wire protocol codec: test vectors, every malformed case, round trips and
 * agreement between docs/protocol.md and the code. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"
#include "proto_samples.h"
#include "vectors.h"

static struct vector *vecs;
static int n_vecs;

static int load_vectors(void **state)
{
	(void)state;
	n_vecs = vectors_load(&vecs);
	return n_vecs > 0 ? 0 : -1;
}

static int free_vectors(void **state)
{
	(void)state;
	free(vecs);
	return 0;
}

static uint8_t encode_buf[PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD + 1024];

static void test_valid_vectors_decode_and_reencode(void **state)
{
	(void)state;
	int n_valid = 0;
	for (int i = 0; i < n_vecs; i++) {
		const struct vector *v = &vecs[i];
		if (v->outcome[0])
			continue;
		n_valid++;
		struct proto_header h;
		struct proto_msg m;
		const char *why = NULL;
		assert_true(v->len >= PROTO_HEADER_SIZE);
		assert_int_equal(proto_header_decode(v->bytes, &h), 0);
		assert_int_equal(h.length, v->len - PROTO_HEADER_SIZE);
		if (proto_decode(&h, v->bytes + PROTO_HEADER_SIZE, &m, &why) != 0)
			fail_msg("%s: decode failed: %s", v->name, why);
		size_t len = 0;
		assert_int_equal(proto_encode(&m, encode_buf, sizeof(encode_buf), &len), 0);
		assert_int_equal(len, v->len);
		if (memcmp(encode_buf, v->bytes, len))
			fail_msg("%s: re-encoding differs", v->name);

		/* The C sample of the same message must give the same bytes. */
		struct proto_msg sample;
		if (proto_sample(v->name, &sample) != 0)
			fail_msg("%s: no C sample for this vector", v->name);
		assert_int_equal(proto_encode(&sample, encode_buf, sizeof(encode_buf), &len), 0);
		assert_int_equal(len, v->len);
		if (memcmp(encode_buf, v->bytes, len))
			fail_msg("%s: C encoding of the sample differs from the vector", v->name);
	}
	assert_true(n_valid >= 30);
}

static void test_invalid_vectors_refused(void **state)
{
	(void)state;
	int n_invalid = 0;
	for (int i = 0; i < n_vecs; i++) {
		const struct vector *v = &vecs[i];
		if (!v->outcome[0])
			continue;
		n_invalid++;
		struct proto_header h;
		struct proto_msg m;
		int hr = proto_header_decode(v->bytes, &h);
		if (!strcmp(v->outcome, "framing")) {
			if (hr >= 0)
				fail_msg("%s: header accepted, should be a framing violation",
					 v->name);
			continue;
		}
		if (hr != 0)
			fail_msg("%s: header refused (%d), should pass", v->name, hr);
		assert_int_equal(h.length, v->len - PROTO_HEADER_SIZE);
		int r = proto_decode(&h, v->bytes + PROTO_HEADER_SIZE, &m, NULL);
		int want = !strcmp(v->outcome, "unsupported") ? -EOPNOTSUPP : -EBADMSG;
		if (strcmp(v->outcome, "unsupported") && strcmp(v->outcome, "bad"))
			fail_msg("%s: unknown outcome %s", v->name, v->outcome);
		if (r != want)
			fail_msg("%s: decode returned %d, want %d", v->name, r, want);
	}
	assert_true(n_invalid >= 30);
}

/* Every type of the catalogue has a vector for each direction it is sent in. */
static void test_every_type_has_vectors(void **state)
{
	(void)state;
	int types = 0;
	for (unsigned t = 0; t <= 0xffff; t++) {
		if (!proto_type_known((uint16_t)t))
			continue;
		types++;
		for (int reply = 0; reply <= 1; reply++) {
			int dir_exists =
			    proto_direction_ok((uint16_t)t, reply ? PROTO_FLAG_REPLY : 0);
			if (!dir_exists)
				continue;
			int found = 0;
			for (int i = 0; i < n_vecs && !found; i++) {
				const struct vector *v = &vecs[i];
				if (v->outcome[0])
					continue;
				uint16_t vt = (uint16_t)(v->bytes[2] | v->bytes[3] << 8);
				uint16_t vf = (uint16_t)(v->bytes[4] | v->bytes[5] << 8);
				found = vt == t && (vf & PROTO_FLAG_REPLY) == (reply ? 1 : 0);
			}
			if (!found)
				fail_msg("type 0x%04x %s has no test vector", t,
					 reply ? "reply" : "request");
		}
	}
	assert_int_equal(types, 32);
}

static void test_truncated_and_extended_payloads_refused(void **state)
{
	(void)state;
	for (int i = 0; i < n_vecs; i++) {
		const struct vector *v = &vecs[i];
		if (v->outcome[0])
			continue;
		struct proto_header h;
		assert_int_equal(proto_header_decode(v->bytes, &h), 0);
		/* Every field is mandatory, so every proper prefix is malformed. */
		for (uint32_t cut = 0; cut < h.length; cut++) {
			struct proto_header t = h;
			struct proto_msg m;
			t.length = cut;
			if (proto_decode(&t, v->bytes + PROTO_HEADER_SIZE, &m, NULL) != -EBADMSG)
				fail_msg("%s: payload cut to %u bytes was accepted", v->name, cut);
		}
		/* One byte more is either over the cap or a trailing byte. */
		static uint8_t longer[PROTO_MAX_PAYLOAD + PROTO_HEADER_SIZE + 1];
		memcpy(longer, v->bytes, v->len);
		longer[v->len] = 0;
		uint32_t newlen = h.length + 1;
		longer[12] = (uint8_t)newlen;
		longer[13] = (uint8_t)(newlen >> 8);
		longer[14] = (uint8_t)(newlen >> 16);
		longer[15] = (uint8_t)(newlen >> 24);
		struct proto_header h2;
		int hr = proto_header_decode(longer, &h2);
		if (hr == 0) {
			struct proto_msg m;
			const char *why = NULL;
			assert_int_equal(proto_decode(&h2, longer + PROTO_HEADER_SIZE, &m, &why),
					 -EBADMSG);
			assert_non_null(why);
		} else {
			assert_int_equal(hr, -EMSGSIZE);
		}
	}
}

struct encode_case {
	const char *what;
	void (*make)(struct proto_msg *m);
	size_t cap;
	int want;
};

static void mk_name_newline(struct proto_msg *m)
{
	proto_sample("ready_event", m);
	m->u.ready.vm_name = proto_str_from("vm\nINJECTED");
}

static void mk_name_long(struct proto_msg *m)
{
	static char name[300];
	memset(name, 'a', 257);
	proto_sample("ready_event", m);
	m->u.ready.vm_name = proto_str_from(name);
}

static void mk_doc_id_zero(struct proto_msg *m)
{
	proto_sample("doc_grant_request", m);
	m->u.doc.id = 0;
}

static void mk_bad_mime(struct proto_msg *m)
{
	proto_sample("clipboard_get_request", m);
	m->u.clipboard_get.mime = proto_str_from("text/");
}

static void mk_error_request(struct proto_msg *m)
{
	proto_make_error(m, 1, PROTO_ERR_IO, "x");
	m->flags = 0;
}

static void mk_unknown_type(struct proto_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = 0x7777;
}

static void mk_unknown_flag(struct proto_msg *m)
{
	proto_sample("ping_request", m);
	m->flags = 2;
}

static void mk_ping(struct proto_msg *m)
{
	proto_sample("ping_request", m);
}

static void mk_huge_status(struct proto_msg *m)
{
	static char path[PROTO_PATH_MAX + 1];
	proto_sample("status_reply", m);
	path[0] = '/';
	memset(path + 1, 'p', PROTO_PATH_MAX - 1);
	m->u.status.n_stores = PROTO_MAX_STORES;
	for (unsigned i = 0; i < PROTO_MAX_STORES; i++) {
		m->u.status.stores[i].name = proto_str_from("s");
		m->u.status.stores[i].mount_point = proto_str_from(path);
	}
}

static void mk_blob_over_chunk(struct proto_msg *m)
{
	static uint8_t data[PROTO_CHUNK + 1];
	proto_sample("doc_write_request", m);
	m->u.doc_write.data.ptr = data;
	m->u.doc_write.data.len = sizeof(data);
}

static void mk_too_many_filters(struct proto_msg *m)
{
	proto_sample("file_open_request", m);
	m->u.dialog.n_filters = PROTO_MAX_FILTERS + 1;
}

static void mk_pattern_run_gap(struct proto_msg *m)
{
	proto_sample("file_open_request", m);
	m->u.dialog.filters[1].first = 1; /* overlaps the first filter's run */
}

static void mk_pattern_count_short(struct proto_msg *m)
{
	proto_sample("file_open_request", m);
	m->u.dialog.n_patterns = 2; /* the filters claim 3 */
}

static void mk_bad_pattern_kind(struct proto_msg *m)
{
	proto_sample("file_open_request", m);
	m->u.dialog.patterns[1].kind = 7;
}

static void mk_option_run_too_long(struct proto_msg *m)
{
	proto_sample("file_save_request", m);
	m->u.dialog.choices[0].n_options = 3; /* only 2 options exist */
}

static void mk_save_many_no_names(struct proto_msg *m)
{
	proto_sample("file_save_many_request", m);
	m->u.dialog.n_names = 0;
}

static void mk_doc_name_bidi(struct proto_msg *m)
{
	proto_sample("file_save_reply", m);
	m->u.result.docs[0].name = proto_str_from("report\xe2\x80\xae"
						  "fdp.exe");
}

static void mk_save_two_docs(struct proto_msg *m)
{
	proto_sample("file_open_reply", m);
	m->type = PROTO_FILE_SAVE;
}

static void mk_stat_missing_with_time(struct proto_msg *m)
{
	proto_sample("doc_stat_reply", m);
	m->u.stat.flags = PROTO_PERM_READ;
}

static void mk_read_past_max(struct proto_msg *m)
{
	proto_sample("doc_read_request", m);
	m->u.doc_read.offset = PROTO_DOC_SIZE_MAX;
}

static void mk_title_too_long(struct proto_msg *m)
{
	static char title[PROTO_LABEL_MAX + 2];
	memset(title, 't', PROTO_LABEL_MAX + 1);
	proto_sample("file_open_request", m);
	m->u.dialog.title = proto_str_from(title);
}

static void test_encoder_refuses_what_decoder_would(void **state)
{
	(void)state;
	const struct encode_case cases[] = {
	    {"control character in a name", mk_name_newline, sizeof(encode_buf), -EINVAL},
	    {"name over 256 bytes", mk_name_long, sizeof(encode_buf), -EINVAL},
	    {"document id 0", mk_doc_id_zero, sizeof(encode_buf), -EINVAL},
	    {"MIME type without subtype", mk_bad_mime, sizeof(encode_buf), -EINVAL},
	    {"ERROR as a request", mk_error_request, sizeof(encode_buf), -EINVAL},
	    {"unknown type", mk_unknown_type, sizeof(encode_buf), -EINVAL},
	    {"unknown flag", mk_unknown_flag, sizeof(encode_buf), -EINVAL},
	    {"buffer smaller than the frame", mk_ping, PROTO_HEADER_SIZE + 7, -E2BIG},
	    {"buffer smaller than a header", mk_ping, 3, -E2BIG},
	    {"status over the 64 KiB cap", mk_huge_status, sizeof(encode_buf), -E2BIG},
	    {"blob over one chunk", mk_blob_over_chunk, sizeof(encode_buf), -EINVAL},
	    {"too many filters", mk_too_many_filters, sizeof(encode_buf), -EINVAL},
	    {"overlapping pattern runs", mk_pattern_run_gap, sizeof(encode_buf), -EINVAL},
	    {"pattern count short of the runs", mk_pattern_count_short, sizeof(encode_buf),
	     -EINVAL},
	    {"unknown pattern kind", mk_bad_pattern_kind, sizeof(encode_buf), -EINVAL},
	    {"option run past the options", mk_option_run_too_long, sizeof(encode_buf), -EINVAL},
	    {"save-many without names", mk_save_many_no_names, sizeof(encode_buf), -EINVAL},
	    {"bidi override in a document name", mk_doc_name_bidi, sizeof(encode_buf), -EINVAL},
	    {"save reply with two documents", mk_save_two_docs, sizeof(encode_buf), -EINVAL},
	    {"time of a missing file", mk_stat_missing_with_time, sizeof(encode_buf), -EINVAL},
	    {"read past 2^63", mk_read_past_max, sizeof(encode_buf), -EINVAL},
	    {"title over 256 bytes", mk_title_too_long, sizeof(encode_buf), -EINVAL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct proto_msg m;
		size_t len = 0;
		cases[i].make(&m);
		int r = proto_encode(&m, encode_buf, cases[i].cap, &len);
		if (r != cases[i].want)
			fail_msg("%s: encode returned %d, want %d", cases[i].what, r,
				 cases[i].want);
	}
}

static void test_status_round_trip_fields(void **state)
{
	(void)state;
	struct proto_msg m, d;
	size_t len;
	proto_sample("status_reply", &m);
	assert_int_equal(proto_encode(&m, encode_buf, sizeof(encode_buf), &len), 0);
	struct proto_header h;
	assert_int_equal(proto_header_decode(encode_buf, &h), 0);
	assert_int_equal(proto_decode(&h, encode_buf + PROTO_HEADER_SIZE, &d, NULL), 0);
	assert_int_equal(d.u.status.n_stores, 2);
	assert_int_equal(d.u.status.stores[1].writable, 1);
	assert_memory_equal(d.u.status.stores[1].mount_point.ptr, "/var/lib/appvm", 14);
	assert_int_equal(d.u.status.n_addrs, 2);
	assert_int_equal(d.u.status.addrs[0].family, 4);
	assert_int_equal(d.u.status.addrs[0].addr[3], 15);
	assert_int_equal(d.u.status.addrs[1].prefix, 64);
	assert_int_equal(d.u.status.mem_total_kib, 262144);
	assert_int_equal(d.u.status.load_milli[2], 50);
	assert_int_equal(d.u.status.app_state, PROTO_APP_EXITED);
}

static void test_shown_text_rules(void **state)
{
	(void)state;
	static const uint32_t hidden[] = {0x00,	  0x0a,	  0x1f,	  0x7f,	  0x80,	  0x85,
					  0x9f,	  0x061c, 0x200e, 0x200f, 0x2028, 0x2029,
					  0x202a, 0x202e, 0x2066, 0x2069, 0xfeff};
	static const uint32_t shown[] = {' ',	 'a',	 '~',	 0xa0,	 0xe9,	 0x200d,
					 0x2030, 0x2065, 0x206a, 0xfefe, 0x1f600};
	for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		if (proto_char_shown_ok(hidden[i]))
			fail_msg("U+%04X accepted", hidden[i]);
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
		if (!proto_char_shown_ok(shown[i]))
			fail_msg("U+%04X refused", shown[i]);
	assert_true(proto_filename_ok("caf\xc3\xa9"
				      " (2).txt",
				      13));
	assert_true(proto_filename_ok("...", 3));
	assert_false(proto_filename_ok(".", 1));
	assert_false(proto_filename_ok("..", 2));
	assert_false(proto_filename_ok("", 0));
	assert_false(proto_filename_ok("a/b", 3));
	assert_false(proto_filename_ok("a\xe2\x80\xae"
				       "b",
				       5));		 /* U+202E */
	assert_false(proto_filename_ok("a\xc2\x85", 3)); /* U+0085 */
	assert_false(proto_filename_ok("a\xff", 2));
	static char longname[PROTO_FILENAME_MAX + 1];
	memset(longname, 'n', sizeof(longname));
	assert_true(proto_filename_ok(longname, PROTO_FILENAME_MAX));
	assert_false(proto_filename_ok(longname, PROTO_FILENAME_MAX + 1));
	assert_true(proto_label_ok("", 0));
	assert_true(proto_label_ok("Open a/b", 8));
	assert_false(proto_label_ok("a\tb", 3));
}

/* Sets the exit fields of an encoded frame to how/value, where they sit
 * (at is the offset of how; value follows after a reserved u8 or u16). */
static void patch_exit(uint8_t *frame, size_t at, size_t value_at, uint8_t how, int32_t value)
{
	frame[at] = how;
	for (int i = 0; i < 4; i++)
		frame[value_at + (size_t)i] = (uint8_t)((uint32_t)value >> (8 * i));
}

static int decode_frame(const uint8_t *frame)
{
	struct proto_header h;
	struct proto_msg d;
	assert_int_equal(proto_header_decode(frame, &h), 0);
	return proto_decode(&h, frame + PROTO_HEADER_SIZE, &d, NULL);
}

/* One rule for an app exit, in STATUS and APP_EXIT, on encode and decode. */
static void test_exit_ranges(void **state)
{
	(void)state;
	static const struct {
		uint8_t how;
		int32_t value;
		int in_status, in_app_exit; /* valid there */
	} cases[] = {
	    {PROTO_EXIT_NONE, 0, 1, 0},
	    {PROTO_EXIT_NONE, 3, 0, 0},
	    {PROTO_EXIT_CODE, 0, 1, 1},
	    {PROTO_EXIT_CODE, 255, 1, 1},
	    {PROTO_EXIT_CODE, 256, 0, 0},
	    {PROTO_EXIT_CODE, -1, 0, 0},
	    {PROTO_EXIT_SIGNAL, 1, 1, 1},
	    {PROTO_EXIT_SIGNAL, 64, 1, 1},
	    {PROTO_EXIT_SIGNAL, 65, 0, 0},
	    {PROTO_EXIT_SIGNAL, 0, 0, 0},
	    {PROTO_EXIT_SIGNAL, -5, 0, 0},
	    {3, 0, 0, 0},
	    {255, 1, 0, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t how = cases[i].how;
		int32_t value = cases[i].value;
		assert_int_equal(proto_exit_check(how, value, 1) == NULL, cases[i].in_status);
		assert_int_equal(proto_exit_check(how, value, 0) == NULL, cases[i].in_app_exit);

		struct proto_msg m;
		size_t len;
		proto_sample("status_reply", &m);
		m.u.status.app_exit_how = how;
		m.u.status.app_exit_value = value;
		int want_enc = cases[i].in_status ? 0 : -EINVAL;
		if (proto_encode(&m, encode_buf, sizeof(encode_buf), &len) != want_enc)
			fail_msg("STATUS exit %u/%d: encode", how, (int)value);
		/* The decoder, from a valid record with the fields patched in. */
		m.u.status.app_exit_how = PROTO_EXIT_NONE;
		m.u.status.app_exit_value = 0;
		assert_int_equal(proto_encode(&m, encode_buf, sizeof(encode_buf), &len), 0);
		size_t at = PROTO_HEADER_SIZE + 2 + m.u.status.vm_name.len + 2 +
			    m.u.status.agent_version.len + 4 + 24 + 12 + 1;
		patch_exit(encode_buf, at, at + 3, how, value);
		if ((decode_frame(encode_buf) == 0) != cases[i].in_status)
			fail_msg("STATUS exit %u/%d: decode", how, (int)value);

		proto_sample("app_exit_code", &m);
		m.u.app_exit.how = how;
		m.u.app_exit.value = value;
		want_enc = cases[i].in_app_exit ? 0 : -EINVAL;
		if (proto_encode(&m, encode_buf, sizeof(encode_buf), &len) != want_enc)
			fail_msg("APP_EXIT %u/%d: encode", how, (int)value);
		proto_sample("app_exit_code", &m);
		assert_int_equal(proto_encode(&m, encode_buf, sizeof(encode_buf), &len), 0);
		patch_exit(encode_buf, PROTO_HEADER_SIZE, PROTO_HEADER_SIZE + 4, how, value);
		if ((decode_frame(encode_buf) == 0) != cases[i].in_app_exit)
			fail_msg("APP_EXIT %u/%d: decode", how, (int)value);
	}
}

static void test_negotiate(void **state)
{
	(void)state;
	assert_int_equal(proto_negotiate(1, 1, 1, 1), 1);
	assert_int_equal(proto_negotiate(1, 3, 2, 5), 3);
	assert_int_equal(proto_negotiate(2, 5, 1, 3), 3);
	assert_int_equal(proto_negotiate(1, 1, 2, 3), 0);
	assert_int_equal(proto_negotiate(4, 9, 1, 3), 0);
	assert_int_equal(proto_negotiate(0, 0, 0, 0), 0);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(proto_type_name(PROTO_PING), "PING");
	assert_null(proto_type_name(0x7777));
	assert_string_equal(proto_error_name(PROTO_ERR_BAD_REQUEST), "BAD_REQUEST");
	assert_string_equal(proto_error_name(12345), "INTERNAL");
	assert_string_equal(proto_error_name(0), "INTERNAL");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_vectors_decode_and_reencode),
	    cmocka_unit_test(test_invalid_vectors_refused),
	    cmocka_unit_test(test_every_type_has_vectors),
	    cmocka_unit_test(test_truncated_and_extended_payloads_refused),
	    cmocka_unit_test(test_encoder_refuses_what_decoder_would),
	    cmocka_unit_test(test_status_round_trip_fields),
	    cmocka_unit_test(test_shown_text_rules),
	    cmocka_unit_test(test_exit_ranges),
	    cmocka_unit_test(test_negotiate),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests_name("proto", tests, load_vectors, free_vectors);
}
