/* A scripted stand-in for net/nl_sock.c, for unit tests of the code above the
 * socket (the dump driver in nl_dump.c, net_show in show.c): each
 * nl_sock_call answers with the next scripted response, stamped with the
 * request's sequence number and port and walked by the real nl_reply_walk.
 * No socket is opened. */
#ifndef APPVM_TEST_FAKE_NL_SOCK_H
#define APPVM_TEST_FAKE_NL_SOCK_H

#include "nl.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Forgets every response and request. */
void fake_nl_reset(void);

/* Starts the next response (one datagram); the messages added after it go
 * into it. */
void fake_nl_response(void);

/* Appends a message to the current response and returns it (attributes may
 * follow it with fake_nl_attr). Dump messages should carry NLM_F_MULTI. */
struct nlmsghdr *fake_nl_msg(uint16_t type, uint16_t flags, const void *payload, size_t len);

/* Appends an attribute to h, the last message added. */
void fake_nl_attr(struct nlmsghdr *h, uint16_t type, const void *data, size_t len);

/* Shorthands: a link, an address, a route of the main table, the end of a
 * dump (error 0 or -errno), an error reply. flags is added to NLM_F_MULTI. */
void fake_nl_link(uint16_t flags, int index, const char *name, unsigned int ifflags);
void fake_nl_addr4(uint16_t flags, int index, const uint8_t addr[4], unsigned int prefix);
void fake_nl_route4(uint16_t flags, int oif, const uint8_t dst[4], unsigned int dst_len,
		    const uint8_t *gw);
void fake_nl_done(uint16_t flags, int error);
void fake_nl_error(int error);

/* How many requests were made, and the type of request i. */
size_t fake_nl_requests(void);
uint16_t fake_nl_request_type(size_t i);

/* How many scripted responses have not been used. */
size_t fake_nl_unused(void);

#endif
