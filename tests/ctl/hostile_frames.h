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
};

/* Fills b with the bytes of `what` (fails the test if they cannot be built). */
void hostile_build(enum build what, struct bytes *b);

#endif
