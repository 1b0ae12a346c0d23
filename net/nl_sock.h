/* An rtnetlink socket that sends one request at a time and reads its whole
 * reply, checking sender, sequence and port on every datagram. */
#ifndef APPVM_NET_NL_SOCK_H
#define APPVM_NET_NL_SOCK_H

#include "nl.h"

#define NL_RECV_BUF	    65536
#define NL_REPLY_TIMEOUT_MS 5000

struct nl_sock {
	int fd;
	uint32_t port;
	uint32_t seq;
	uint8_t *rbuf;
};

/* Opens and binds a NETLINK_ROUTE socket joined to the multicast groups in
 * groups (0 for none). Returns 0 or -errno. */
int nl_sock_open(struct nl_sock *s, uint32_t groups);

/* Closes the socket and frees its buffer; safe on a closed one. */
void nl_sock_close(struct nl_sock *s);

/* Sends the request in m (setting its sequence and port; an ACK is requested
 * unless it is a dump) and walks the reply, calling cb for each data message.
 * Returns the kernel's answer (0 or -errno, with the kernel's explanation, if
 * any, in ret_ext, which has room for extlen bytes), or -errno when the socket
 * failed or the reply was malformed (-EBADMSG, -EPROTO; -EIO when no reply came
 * within NL_REPLY_TIMEOUT_MS). A dump that the kernel marked inconsistent
 * returns -EINTR: run it again. */
int nl_sock_call(struct nl_sock *s, struct nl_msg *m, nl_msg_cb cb, void *ctx, char *ret_ext,
		 size_t extlen);

/* How many times nl_sock_dump runs a dump that keeps being interrupted. */
#define NL_DUMP_ATTEMPTS 5

/* Dumps the table of type (RTM_GETLINK, RTM_GETADDR or RTM_GETROUTE) for the
 * address family (AF_UNSPEC: all) to hd (see nl_handle_msg). A dump that the
 * kernel marked inconsistent (NLM_F_DUMP_INTR: the table changed under it) is
 * run again, up to NL_DUMP_ATTEMPTS times in all; hd->reset, before each
 * attempt, forgets what an interrupted one delivered. Returns 0, -EINTR when
 * every attempt was interrupted, or what nl_sock_call returned. Lives in
 * nl_dump.c. */
int nl_sock_dump(struct nl_sock *s, uint16_t type, int family, const struct nl_handler *hd);

/* Words for a dump's failure: strerror, except for -EINTR (every attempt
 * interrupted), which strerror would call a system call's interruption. */
const char *nl_dump_strerror(int r);

/* Reads and discards every datagram waiting on a notification socket.
 * Returns the number of datagrams read, or -errno. */
int nl_sock_drain(struct nl_sock *s);

#endif
