/* rtnetlink messages: building requests into a caller's buffer with bounded
 * appenders, and walking replies that are treated as untrusted input (every
 * length is checked against the bytes actually received). Pure: no system
 * calls live here (those are in nl_sock.c), so all of it is unit-tested and
 * the reply walker is fuzzed. */
#ifndef APPVM_NET_NL_H
#define APPVM_NET_NL_H

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* linux/if.h has it but clashes with net/if.h; the value is kernel ABI. */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

/* A request being built. buf must be 4-byte aligned (NLMSG_ALIGNTO). */
struct nl_msg {
	uint8_t *buf;
	size_t cap;
	struct nlmsghdr *hdr;
};

/* Starts a request of type with flags in buf (room for cap bytes). Returns 0,
 * -EINVAL for a misaligned buffer, or -ENOBUFS when cap cannot hold a header. */
int nl_msg_init(struct nl_msg *m, void *buf, size_t cap, uint16_t type, uint16_t flags);

/* Appends the family header (ifinfomsg, ifaddrmsg, rtmsg...), zero padded.
 * Returns a pointer to it inside the message, or NULL when there is no room. */
void *nl_msg_put_header(struct nl_msg *m, const void *hdr, size_t len);

/* Appends one attribute. Returns 0, -E2BIG when the payload cannot be described
 * by an attribute's 16-bit length, or -ENOBUFS when the buffer is full (the
 * message is left as it was). */
int nl_attr_put(struct nl_msg *m, uint16_t type, const void *data, size_t len);
int nl_attr_put_u32(struct nl_msg *m, uint16_t type, uint32_t v);
int nl_attr_put_str(struct nl_msg *m, uint16_t type, const char *s);

/* Opens a nested attribute; returns its offset for nl_attr_nest_end, or -ENOBUFS. */
int nl_attr_nest_begin(struct nl_msg *m, uint16_t type);

/* Closes a nested attribute opened at offset. Returns 0 or -E2BIG. */
int nl_attr_nest_end(struct nl_msg *m, int offset);

/* Builds a dump request (NLM_F_DUMP) for type, one of RTM_GETLINK,
 * RTM_GETADDR and RTM_GETROUTE, of the address family (AF_UNSPEC: all) in
 * buf. Returns 0, -EINVAL for another type, or what nl_msg_init returned. */
int nl_dump_request(struct nl_msg *m, void *buf, size_t cap, uint16_t type, int family);

/* Builds a request for the one link with this index (RTM_GETLINK). Returns 0
 * or what nl_msg_init returned. */
int nl_link_get_request(struct nl_msg *m, void *buf, size_t cap, int index);

/* What a reply walk has seen so far. Set seq/port, zero the rest, then feed
 * each datagram to nl_reply_walk (nl_request_start does both). */
struct nl_reply {
	uint32_t seq;	   /* sequence number of our request */
	uint32_t port;	   /* our socket's port id */
	bool dump;	   /* the request was a dump: expect NLMSG_DONE */
	bool done;	   /* the final ACK, error or NLMSG_DONE arrived */
	bool interrupted;  /* a dump message carried NLM_F_DUMP_INTR */
	int error;	   /* kernel's answer: 0 or -errno (-EINTR: dump inconsistent, retry) */
	char ext_msg[160]; /* extended-ACK text from the kernel, if any */
};

/* Stamps request m with seq and our port, asks for an ACK unless it is a
 * dump (whose NLMSG_DONE ends it), and sets st up to walk its reply. */
void nl_request_start(struct nl_msg *m, uint32_t seq, uint32_t port, struct nl_reply *st);

/* Called for each data message of a reply (not for ACKs, errors or DONE).
 * Returns 0 to go on or a negative errno to stop the walk with it. */
typedef int (*nl_msg_cb)(const struct nlmsghdr *h, void *ctx);

/* Walks one received datagram. Returns 0 when more datagrams are needed, 1 when
 * the reply is complete (st->error then holds the kernel's answer), -EBADMSG for
 * a truncated or inconsistent message, -EPROTO for a message that is not ours
 * (wrong sequence or port, multipart where none was asked for), or what cb
 * returned. */
int nl_reply_walk(struct nl_reply *st, const void *buf, size_t len, nl_msg_cb cb, void *ctx);

/* Indexes the attributes in [data, data+len) by type into tb[0..max]; later
 * duplicates win, types above max are ignored. Returns 0 or -EBADMSG when an
 * attribute's length runs past the data. */
int nl_attr_parse(const void *data, size_t len, const struct rtattr **tb, unsigned int max);

/* Payload of a parsed attribute and its length. */
static inline const void *nl_attr_data(const struct rtattr *a)
{
	return RTA_DATA(a);
}

static inline size_t nl_attr_len(const struct rtattr *a)
{
	return RTA_PAYLOAD(a);
}

/* A link, an address and a route as read back from the kernel. */
struct nl_link {
	int index;
	char name[IF_NAMESIZE];
	uint8_t mac[32];
	size_t mac_len;
	unsigned int flags;
	uint32_t mtu;
	int carrier; /* -1 when the kernel did not say */
	uint8_t operstate;
};

/* True when the link reports carrier (IFF_LOWER_UP or IFLA_CARRIER). */
static inline bool nl_link_has_carrier(const struct nl_link *l)
{
	return (l->flags & IFF_LOWER_UP) || l->carrier == 1;
}

struct nl_addr {
	int index;
	int family;
	uint8_t addr[16];
	unsigned int prefix;
	unsigned int flags;
	uint8_t scope;
};

struct nl_route {
	int family;
	uint8_t dst[16];
	unsigned int dst_len;
	bool has_gw;
	uint8_t gw[16];
	int oif;
	uint32_t priority;
	uint32_t table;
	uint8_t type, protocol, scope;
};

/* Decode one RTM_NEWLINK / RTM_NEWADDR / RTM_NEWROUTE message. Return 0,
 * -EBADMSG when it is malformed, or -ENOMSG when it is another type or family. */
int nl_link_parse(const struct nlmsghdr *h, struct nl_link *ret);
int nl_addr_parse(const struct nlmsghdr *h, struct nl_addr *ret);
int nl_route_parse(const struct nlmsghdr *h, struct nl_route *ret);

/* The user of a reply or a dump: a callback per kind of message, each given
 * the message decoded, returning 0 to go on or a negative errno to stop with
 * it; reset, when set, is called before each attempt of a dump (see
 * nl_sock_dump). Callbacks left NULL skip their kind. */
struct nl_handler {
	int (*link)(const struct nl_link *l, void *ctx);
	int (*addr)(const struct nl_addr *a, void *ctx);
	int (*route)(const struct nl_route *r, void *ctx);
	void (*reset)(void *ctx);
	void *ctx;
};

/* An nl_msg_cb whose ctx is a struct nl_handler: decodes the message and
 * calls the handler's callback for its kind. Messages of other types or
 * address families are skipped. Returns 0, -EBADMSG for a malformed
 * message, or what the callback returned. */
int nl_handle_msg(const struct nlmsghdr *h, void *handler);

#endif
