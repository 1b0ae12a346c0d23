/* lib/outbuf.c: the heap queue (grown on demand, given back once drained)
 * and the fixed one (outbuf_init_fixed: the caller's buffer of the limit's
 * size, never grown, never freed; a free of it would fail the sanitizer
 * build), with the limit, draining, and pending bytes moved to the front. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "outbuf.h"

#include <errno.h>
#include <string.h>

/* Queues n bytes of value v; the reserve's error, else 0. */
static int put(struct outbuf *b, size_t n, uint8_t v)
{
	int err = 0;
	uint8_t *p = outbuf_reserve(b, n, &err);
	if (!p)
		return err;
	memset(p, v, n);
	outbuf_commit(b, n);
	return 0;
}

static void test_heap(void **state)
{
	(void)state;
	struct outbuf b;
	outbuf_init(&b, 1000);
	assert_null(b.data);
	assert_int_equal(put(&b, 300, 1), 0);
	assert_non_null(b.data);
	assert_true(b.cap >= 300 && b.cap <= 1000);
	assert_int_equal(put(&b, 700, 2), 0);
	assert_int_equal(b.len, 1000);
	assert_int_equal(put(&b, 1, 3), -ENOBUFS);
	assert_int_equal(outbuf_head(&b)[299], 1);
	assert_int_equal(outbuf_head(&b)[300], 2);
	outbuf_consume(&b, 1000);
	assert_null(b.data); /* drained: given back */
	assert_int_equal(b.cap, 0);
	outbuf_free(&b);
}

static void test_fixed(void **state)
{
	(void)state;
	static uint8_t buf[64];
	struct outbuf b;
	outbuf_init_fixed(&b, buf, sizeof(buf));
	assert_ptr_equal(b.data, buf);
	assert_int_equal(b.cap, sizeof(buf));
	assert_int_equal(put(&b, 65, 1), -ENOBUFS);
	assert_int_equal(put(&b, 40, 1), 0);
	assert_int_equal(put(&b, 24, 2), 0);
	assert_int_equal(put(&b, 1, 3), -ENOBUFS);
	assert_ptr_equal(b.data, buf);
	/* Half sent: the next frame needs the front, where the pending bytes move. */
	outbuf_consume(&b, 50);
	assert_int_equal(put(&b, 40, 4), 0);
	assert_ptr_equal(b.data, buf);
	assert_int_equal(b.off, 0);
	assert_int_equal(b.len, 54);
	assert_int_equal(outbuf_head(&b)[0], 2);
	assert_int_equal(outbuf_head(&b)[13], 2);
	assert_int_equal(outbuf_head(&b)[14], 4);
	assert_int_equal(outbuf_head(&b)[53], 4);
	/* Drained, the queue keeps the buffer; outbuf_free does not free it. */
	outbuf_consume(&b, 54);
	assert_ptr_equal(b.data, buf);
	assert_int_equal(b.len, 0);
	assert_int_equal(put(&b, 64, 5), 0);
	outbuf_free(&b);
	assert_ptr_equal(b.data, buf);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.off, 0);
}

/* Whole frames into a fixed queue of exactly the room a HELLO may take
 * (header + 8 + 2 + PROTO_NAME_MAX): a short one fits beside another, a
 * long one only once the queue drained; nothing is queued when it does not
 * fit. */
static void test_fixed_put_msg(void **state)
{
	(void)state;
	static uint8_t buf[PROTO_HEADER_SIZE + 8 + 2 + PROTO_NAME_MAX];
	static char name[251];
	memset(name, 'n', sizeof(name) - 1);
	struct outbuf b;
	outbuf_init_fixed(&b, buf, sizeof(buf));
	struct proto_msg m;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_HELLO;
	m.id = 1;
	m.u.hello.min_version = 1;
	m.u.hello.max_version = 1;
	m.u.hello.software = proto_str_from("x");
	struct proto_msg big = m;
	big.u.hello.software = proto_str_from(name);
	size_t small = PROTO_HEADER_SIZE + 8 + 2 + 1;
	assert_int_equal(outbuf_put_msg(&b, &m), 0);
	assert_int_equal(b.len, small);
	assert_int_equal(outbuf_put_msg(&b, &big), -ENOBUFS);
	assert_int_equal(b.len, small);
	assert_int_equal(outbuf_put_msg(&b, &m), 0);
	assert_int_equal(b.len, 2 * small);
	assert_ptr_equal(b.data, buf);
	outbuf_consume(&b, b.len);
	assert_int_equal(outbuf_put_msg(&b, &big), 0);
	assert_int_equal(b.len, PROTO_HEADER_SIZE + 8 + 2 + 250);
	assert_ptr_equal(b.data, buf);
	outbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_heap),
	    cmocka_unit_test(test_fixed),
	    cmocka_unit_test(test_fixed_put_msg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
