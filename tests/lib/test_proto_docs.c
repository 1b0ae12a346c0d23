/* docs/protocol.md and the code must agree: the vectors printed in the spec
 * are the ones in tests/lib/proto_vectors.txt, and the payload caps in the
 * catalogue table are the ones the decoder enforces. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"
#include "vectors.h"

static char *read_spec(void)
{
	const char *src = getenv("APPVM_SOURCE_DIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/docs/protocol.md", src ? src : ".");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char text[1 << 20];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return text;
}

static void test_spec_vectors_match_data_file(void **state)
{
	(void)state;
	struct vector *vecs;
	int n = vectors_load(&vecs);
	assert_true(n > 0);
	char *text = read_spec();
	static uint8_t bytes[70000];
	for (int i = 0; i < n; i++) {
		/* The spec shows "`name` ..." and, on the next non-empty line, the hex. */
		char needle[80];
		snprintf(needle, sizeof(needle), "\n`%s`", vecs[i].name);
		char *at = strstr(text, needle);
		if (!at)
			fail_msg("vector %s is missing from docs/protocol.md", vecs[i].name);
		char *hex = strstr(at + 1, "\n    ");
		assert_non_null(hex);
		int len = vectors_parse_hex(hex + 5, bytes, sizeof(bytes));
		if (len != (int)vecs[i].len || memcmp(bytes, vecs[i].bytes, vecs[i].len))
			fail_msg("vector %s differs between the spec and the data file",
				 vecs[i].name);
	}
	free(vecs);
}

/* Parses "| 0x0010 | `PING` | H | ... | 8 | ... | 8 |" rows. */
static void test_spec_caps_match_code(void **state)
{
	(void)state;
	char *text = read_spec();
	int rows = 0;
	for (char *line = strstr(text, "\n| 0x"); line; line = strstr(line + 1, "\n| 0x")) {
		char row[1024];
		size_t l = strcspn(line + 1, "\n");
		if (l >= sizeof(row))
			fail_msg("catalogue row too long");
		memcpy(row, line + 1, l);
		row[l] = '\0';
		char *cells[8];
		int nc = 0;
		for (char *c = strtok(row, "|"); c && nc < 8; c = strtok(NULL, "|"))
			cells[nc++] = c;
		if (nc < 7)
			continue; /* another table */
		unsigned type;
		if (sscanf(cells[0], " 0x%x", &type) != 1)
			continue;
		const int cap_cells[2] = {4, 6};
		for (int dir = 0; dir < 2; dir++) {
			const char *cell = cells[cap_cells[dir]];
			unsigned cap;
			uint16_t flags = dir ? PROTO_FLAG_REPLY : 0;
			if (sscanf(cell, " %u", &cap) == 1) {
				if (!proto_direction_ok((uint16_t)type, flags))
					fail_msg(
					    "0x%04x: spec gives a cap for a direction the code "
					    "does not send",
					    type);
				if (proto_max_payload((uint16_t)type, flags) != cap)
					fail_msg("0x%04x %s: spec cap %u, code cap %u", type,
						 dir ? "reply" : "request", cap,
						 proto_max_payload((uint16_t)type, flags));
			} else if (proto_direction_ok((uint16_t)type, flags)) {
				fail_msg("0x%04x: code sends a %s the spec has no cap for", type,
					 dir ? "reply" : "request");
			}
		}
		assert_true(proto_type_known((uint16_t)type));
		rows++;
	}
	assert_int_equal(rows, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spec_vectors_match_data_file),
	    cmocka_unit_test(test_spec_caps_match_code),
	};
	return cmocka_run_group_tests_name("proto_docs", tests, NULL, NULL);
}
