/* Bounds-checked cursors for reading and writing protocol payloads, and the
 * string class rules of docs/protocol.md. Internal to the codec. Errors are
 * sticky: after the first failure every call is a no-op and the cursor's err
 * field says why, so callers check once at the end. */
#ifndef APPVM_PROTO_WIRE_H
#define APPVM_PROTO_WIRE_H

#include "proto.h"

#include <stdbool.h>

enum str_class {
	STR_NAME,
	STR_NAME_NONEMPTY,
	STR_TEXT,
	STR_MIME,
	STR_MIME_PATTERN, /* a MIME without parameters, or "type/" followed by a star */
	STR_PATH,
	STR_FILENAME,
	STR_FILENAME_OPT, /* "" or a FILENAME */
	STR_IFNAME,
	STR_LABEL,
	STR_ID,
	STR_GLOB,
	STR_ENTRY, /* a name in a granted folder: host bytes, one path component */
};

struct rcur {
	const uint8_t *p;
	size_t left;
	const char *err; /* NULL while all is well */
};

struct wcur {
	uint8_t *p;
	size_t left;
	size_t used;
	int err; /* 0, -E2BIG or -EINVAL */
};

/* Returns true if the bytes obey the class's rules (length included). */
bool str_class_ok(enum str_class cls, const char *s, size_t len);

void rd_fail(struct rcur *c, const char *why);
uint8_t rd_u8(struct rcur *c);
uint16_t rd_u16(struct rcur *c);
uint32_t rd_u32(struct rcur *c);
uint64_t rd_u64(struct rcur *c);
void rd_bytes(struct rcur *c, void *out, size_t n);
void rd_zero16(struct rcur *c); /* a reserved u16 that must be 0 */
struct proto_str rd_str(struct rcur *c, enum str_class cls, const char *field);
/* A blob of at most max bytes (and at least min). */
struct proto_blob rd_blob(struct rcur *c, uint32_t min, uint32_t max, const char *field);
/* Marks the cursor failed unless the whole payload was consumed. */
void rd_end(struct rcur *c);

void wr_u8(struct wcur *c, uint8_t v);
void wr_u16(struct wcur *c, uint16_t v);
void wr_u32(struct wcur *c, uint32_t v);
void wr_u64(struct wcur *c, uint64_t v);
void wr_bytes(struct wcur *c, const void *p, size_t n);
void wr_str(struct wcur *c, enum str_class cls, struct proto_str s);
void wr_blob(struct wcur *c, uint32_t min, uint32_t max, struct proto_blob b);
void wr_invalid(struct wcur *c); /* a field broke a rule */

static inline uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

#endif
