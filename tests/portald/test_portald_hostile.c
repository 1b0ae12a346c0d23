/* A hostile guest against the real daemon: every refused frame of the
 * protocol's vectors, silence at each stage, floods of requests it does
 * not read the answers of, too many connections; and the daemon staying
 * idle at zero CPU with bounded memory throughout. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "pd_harness.h"
#include "vectors.h"

static struct pdh h;

static int start(void **state)
{
	(void)state;
	pdh_start(&h, (const char *const[]){"--frame-timeout", "500ms", "--max-connections", "8",
					    "--dialog-burst", "1000", "--dialog-interval", "1ms",
					    NULL});
	return 0;
}

static int stop(void **state)
{
	(void)state;
	pdh_stop(&h);
	return 0;
}

static uint16_t u16at(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void test_every_refused_vector(void **state)
{
	(void)state;
	struct vector *v;
	int n = vectors_load(&v);
	assert_true(n > 0);
	int closed = 0, answered = 0;
	for (int i = 0; i < n; i++) {
		if (!v[i].outcome[0])
			continue;
		struct pdh_conn c;
		struct proto_msg r;
		pdh_open(&h, &c);
		pdh_send_raw(&c, v[i].bytes, v[i].len);
		uint16_t type = u16at(v[i].bytes + 2), flags = u16at(v[i].bytes + 4);
		bool must_close = !strcmp(v[i].outcome, "framing") || (flags & PROTO_FLAG_REPLY) ||
				  type == PROTO_HELLO || type == PROTO_READY ||
				  type == PROTO_APP_EXIT;
		if (must_close) {
			int rr;
			while ((rr = pdh_recv(&c, &r, 10000)) == 0)
				;
			if (rr != -EPIPE)
				fail_msg("%s: connection not closed (%d)", v[i].name, rr);
			closed++;
		} else {
			uint32_t want = !strcmp(v[i].outcome, "unsupported")
					    ? PROTO_ERR_UNSUPPORTED
					    : PROTO_ERR_BAD_REQUEST;
			if (pdh_recv(&c, &r, 10000) != 0 || r.type != PROTO_ERROR ||
			    r.u.error.code != want)
				fail_msg("%s: not answered %s", v[i].name, proto_error_name(want));
			/* The connection goes on. */
			struct proto_msg m, r2;
			pdh_doc_req(&m, PROTO_DOC_STAT, 42);
			assert_int_equal(pdh_call(&c, &m, &r2), PROTO_ERR_NOT_FOUND);
			answered++;
		}
		pdh_close(&c);
	}
	free(v);
	assert_true(closed >= 15);
	assert_true(answered >= 40);
}

static void test_session_rules(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	/* Anything before HELLO. */
	pdh_connect(&h, &c);
	pdh_doc_req(&m, PROTO_DOC_STAT, 1);
	pdh_send(&c, &m);
	pdh_expect_closed(&c);
	pdh_close(&c);
	/* No common version: told so, then closed. */
	pdh_connect(&h, &c);
	memset(&m, 0, sizeof(m));
	m.type = PROTO_HELLO;
	m.u.hello = (struct proto_hello){.min_version = 2, .max_version = 3};
	pdh_send(&c, &m);
	assert_int_equal(pdh_recv(&c, &r, 10000), 0);
	assert_int_equal(r.type, PROTO_ERROR);
	assert_int_equal(r.u.error.code, PROTO_ERR_VERSION_MISMATCH);
	pdh_expect_closed(&c);
	pdh_close(&c);
	/* Known types the portal daemon does not serve, and unknown ones. */
	pdh_open(&h, &c);
	memset(&m, 0, sizeof(m));
	m.type = PROTO_PING;
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_UNSUPPORTED);
	memset(&m, 0, sizeof(m));
	m.type = PROTO_DOC_GRANT;
	m.u.doc = (struct proto_doc){7, 1, PROTO_PERM_READ, proto_str_from("x")};
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_UNSUPPORTED);
	/* Ids that were never granted, including 0 (malformed). */
	pdh_read_req(&m, 0x1234, 0, 10, false);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_NOT_FOUND);
	static const uint8_t zero_id[] = {0x41, 0x56, 0x45, 0, 0, 0, 0, 0, 99, 0, 0, 0,
					  8,	0,    0,    0, 0, 0, 0, 0, 0,  0, 0, 0};
	pdh_send_raw(&c, zero_id, sizeof(zero_id));
	assert_int_equal(pdh_recv(&c, &r, 10000), 0);
	assert_int_equal(r.u.error.code, PROTO_ERR_BAD_REQUEST);
	/* Names the guest suggests: "..", a slash, a bidi override, a newline
	 * (patched into a valid request: the encoder refuses to write them). */
	static const char *const names[] = {"..", "a/", "\xe2\x80\xae", "\n"};
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		uint8_t frame[256];
		size_t len;
		size_t n = strlen(names[i]);
		char placeholder[4] = "zzz";
		placeholder[n] = '\0';
		pdh_save_req(&m, "Save", placeholder);
		m.id = 1000 + (uint32_t)i;
		assert_int_equal(proto_encode(&m, frame, sizeof(frame), &len), 0);
		memcpy(frame + len - n, names[i], n); /* the name is the last field */
		pdh_send_raw(&c, frame, len);
		assert_int_equal(pdh_recv(&c, &r, 10000), 0);
		assert_int_equal(r.id, m.id);
		assert_int_equal(r.u.error.code, PROTO_ERR_BAD_REQUEST);
	}
	/* A reply to a request the daemon never made. */
	memset(&m, 0, sizeof(m));
	m.type = PROTO_DOC_REVOKE;
	m.flags = PROTO_FLAG_REPLY;
	m.id = 5;
	pdh_send(&c, &m);
	pdh_expect_closed(&c);
	pdh_close(&c);
}

static void test_silence(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg r;
	unsigned long cpu0 = pdh_cpu_ticks(&h);
	/* No HELLO at all. */
	pdh_connect(&h, &c);
	pdh_expect_closed(&c);
	pdh_close(&c);
	/* A frame begun and never finished: its header promises 1000 bytes. */
	pdh_open(&h, &c);
	static const uint8_t head[] = {0x41, 0x56, 0x31, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0xe8,
				       3,    0,	   0,	 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	pdh_send_raw(&c, head, sizeof(head));
	assert_int_equal(pdh_recv(&c, &r, 10000), -EPIPE);
	pdh_close(&c);
	/* A header cut short. */
	pdh_open(&h, &c);
	pdh_send_raw(&c, head, 7);
	assert_int_equal(pdh_recv(&c, &r, 10000), -EPIPE);
	pdh_close(&c);
	/* All that waiting cost (next to) nothing. */
	assert_true(pdh_cpu_ticks(&h) - cpu0 <= 5);
}

static void test_flood_unread(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	enum { N = 3000 };
	char ans[1024];
	int fd = open(pdh_path(&h, "big"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	static char data[PROTO_CHUNK];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)i;
	assert_int_equal(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));
	close(fd);
	pdh_open(&h, &c);
	snprintf(ans, sizeof(ans), "%s\n", pdh_path(&h, "big"));
	pdh_answer(&h, ans, 0, false);
	pdh_open_req(&m, 0, "Open");
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	uint64_t id = r.u.result.docs[0].id;
	unsigned long rss0 = pdh_rss_kib(&h);
	/* 3000 reads of 32 KiB asked for at once (96 MiB of answers), none read yet. */
	int fl = fcntl(c.fd, F_GETFL);
	fcntl(c.fd, F_SETFL, fl | O_NONBLOCK);
	uint8_t frame[64];
	size_t flen;
	int sent = 0;
	for (; sent < N; sent++) {
		pdh_read_req(&m, id, 0, PROTO_CHUNK, false);
		m.id = (uint32_t)sent + 1000;
		assert_int_equal(proto_encode(&m, frame, sizeof(frame), &flen), 0);
		ssize_t w = write(c.fd, frame, flen);
		if (w < 0 && errno == EAGAIN)
			break;
		assert_int_equal(w, (ssize_t)flen);
	}
	fcntl(c.fd, F_SETFL, fl);
	assert_true(sent > 100);
	/* Give the daemon time to do all it can; it must stop, not grow. */
	struct timespec ts = {0, 300 * 1000 * 1000};
	nanosleep(&ts, NULL);
	unsigned long rss1 = pdh_rss_kib(&h);
	if (rss1 > rss0 + 4096)
		fail_msg("RSS grew from %lu to %lu KiB", rss0, rss1);
	for (int i = 0; i < sent; i++) {
		assert_int_equal(pdh_recv(&c, &r, 10000), 0);
		assert_int_equal(r.type, PROTO_DOC_READ);
		assert_int_equal(r.id, (uint32_t)i + 1000);
		assert_int_equal(r.u.data.len, PROTO_CHUNK);
	}
	assert_memory_equal(r.u.data.ptr, data, PROTO_CHUNK);
	pdh_close(&c);
}

/* Connects and says HELLO; false when the daemon closed the connection
 * instead (it counts connections until it has seen them close). */
static bool try_open(struct pdh_conn *c)
{
	struct proto_msg m, r;
	pdh_connect(&h, c);
	memset(&m, 0, sizeof(m));
	m.type = PROTO_HELLO;
	m.u.hello = (struct proto_hello){.min_version = 1, .max_version = 1};
	pdh_send(c, &m);
	if (pdh_recv(c, &r, 10000) == 0 && r.type == PROTO_HELLO)
		return true;
	pdh_close(c);
	return false;
}

static void test_connection_limit_and_idle(void **state)
{
	(void)state;
	struct pdh_conn c[9];
	struct proto_msg r;
	for (int i = 0; i < 8; i++) {
		int tries = 0;
		while (!try_open(&c[i]) && ++tries < 100)
			usleep(20000); /* earlier tests' connections still closing */
		assert_true(tries < 100);
	}
	pdh_connect(&h, &c[8]);
	assert_int_equal(pdh_recv(&c[8], &r, 10000), -EPIPE);
	pdh_close(&c[8]);
	/* Eight idle guests: no CPU at all. */
	unsigned long cpu0 = pdh_cpu_ticks(&h);
	struct timespec ts = {1, 0};
	nanosleep(&ts, NULL);
	assert_true(pdh_cpu_ticks(&h) - cpu0 <= 1);
	for (int i = 0; i < 8; i++)
		pdh_close(&c[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_refused_vector),
	    cmocka_unit_test(test_session_rules),
	    cmocka_unit_test(test_silence),
	    cmocka_unit_test(test_flood_unread),
	    cmocka_unit_test(test_connection_limit_and_idle),
	};
	return cmocka_run_group_tests_name("portald_hostile", tests, start, stop);
}
