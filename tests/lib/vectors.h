#ifndef APPVM_TEST_VECTORS_H
#define APPVM_TEST_VECTORS_H

#include <stddef.h>
#include <stdint.h>

struct vector {
	char name[64];
	char outcome[16]; /* "" for valid vectors */
	uint8_t bytes[70000];
	size_t len;
};

/* Loads tests/lib/proto_vectors.txt (under $APPVM_SOURCE_DIR). Returns the
 * count, with *ret an array the caller frees; -1 on error. */
int vectors_load(struct vector **ret);

/* Parses "41 56 0a" into bytes. Returns the byte count or -1. */
int vectors_parse_hex(const char *text, uint8_t *out, size_t cap);

#endif
