/* The frames a hostile guest sends in test_ctl_hostile, built byte by byte
 * (lengths that lie, every cap and one byte more or less, exit values out of
 * range, headers that are no headers). Request ids follow appvmctl's: HELLO
 * is 1, the request 2. */
#ifndef APPVM_TEST_HOSTILE_FRAMES_H
#define APPVM_TEST_HOSTILE_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct bytes {
	uint8_t p[PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD + 64];
	size_t len;
};

enum build {
	STATUS_SAYS_100_SENDS_10,
	STATUS_STRING_PAST_PAYLOAD,
	STATUS_TRAILING_BYTE,
	STATUS_STORES_LIE,
	ERROR_STRING_PAST_PAYLOAD,
	HELLO_267,
	HELLO_266,
	HELLO_265,
	ERROR_263,
	ERROR_262,
	ERROR_261,
	PING_9,
	PING_7,
	STATUS_65537,
	STATUS_65536,
	STATUS_65535,
	STATUS_4G,
	HELLO_4G,
	SHUTDOWN_1,
	READY_267,
	READY_266,
	APP_EXIT_9,
	APP_EXIT_8,
	APP_EXIT_7,
	UNKNOWN_65537,
	UNKNOWN_65536,
	UNKNOWN_REPLY,
	STATUS_SIGNAL_MINUS_5,
	STATUS_STATUS_256,
	STATUS_VALUE_WITHOUT_EXIT,
	STATUS_HOW_3,
	APP_EXIT_SIGNAL_65,
	APP_EXIT_SIGNAL_0,
	PING_REPLY_ID_7,
	SECOND_HELLO,
	ERROR_REPLY_ID_9,
	PING_REPLY_BEFORE_HELLO,
	HALF_HEADER,
	GOOD_STATUS,
	BAD_MAGIC,
	UNKNOWN_FLAG,
	RESERVED_SET,
	/* Answers to the first CLIPBOARD_GET (id 2, default cap 64 KiB). */
	CLIP_TOTAL_OVER_CAP,	  /* total 65537, one byte of it */
	CLIP_TOTAL_16M_1,	  /* total 16 MiB + 1: malformed */
	CLIP_REPLY_32777,	  /* a reply one byte over its cap */
	CLIP_REPLY_4G,		  /* a reply header of 4 GiB */
	CLIP_DATA_PAST_TOTAL,	  /* total 5 with 6 bytes: malformed */
	CLIP_REPLY_ID_9,	  /* a reply to a request never sent */
	CLIP_SET_REPLY,		  /* a CLIPBOARD_SET reply to the GET */
	CLIP_SAYS_40000_SENDS_10, /* a reply frame cut short */
	CLIP_NOT_UTF8,		  /* "text" that is not UTF-8 */
	CLIP_EMPTY,		  /* total 0 */
};

/* Fills b with the bytes of `what` (fails the test if they cannot be built). */
void hostile_build(enum build what, struct bytes *b);

#endif
