/* rtnetlink message building and reply walking, including replies that are
 * truncated or lie about their lengths, sequence numbers and ports. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "nl.h"

#define SEQ  77
#define PORT 4242

/* A reply under construction: messages appended back to back. */
static uint32_t reply_words[2048];
static uint8_t *const reply = (uint8_t *)reply_words;
static size_t reply_len;

static void reply_reset(void)
{
	memset(reply_words, 0, sizeof(reply_words));
	reply_len = 0;
}

static struct nlmsghdr *reply_add(uint16_t type, uint16_t flags, uint32_t seq, uint32_t pid,
				  const void *payload, size_t plen)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(reply + reply_len);
	h->nlmsg_len = (uint32_t)NLMSG_LENGTH(plen);
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = seq;
	h->nlmsg_pid = pid;
	if (plen)
		memcpy(NLMSG_DATA(h), payload, plen);
	reply_len += NLMSG_SPACE(plen);
	return h;
}

/* Appends an attribute to the last message added. */
static void reply_attr(struct nlmsghdr *h, uint16_t type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)(reply + reply_len);
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	reply_len += RTA_SPACE(len);
	h->nlmsg_len = (uint32_t)((uint8_t *)a + RTA_SPACE(len) - (uint8_t *)h);
}

static struct nlmsghdr *reply_error(int error, uint16_t flags)
{
	struct nlmsgerr e = {.error = error};
	e.msg.nlmsg_len = NLMSG_HDRLEN;
	e.msg.nlmsg_seq = SEQ;
	return reply_add(NLMSG_ERROR, flags, SEQ, PORT, &e, sizeof(e));
}

static struct nl_reply new_state(bool dump)
{
	struct nl_reply st = {.seq = SEQ, .port = PORT, .dump = dump};
	return st;
}

static int count_cb(const struct nlmsghdr *h, void *ctx)
{
	(void)h;
	(*(int *)ctx)++;
	return 0;
}

static int failing_cb(const struct nlmsghdr *h, void *ctx)
{
	(void)h;
	(void)ctx;
	return -EMLINK;
}

static void test_build(void **state)
{
	(void)state;
	uint32_t words[64];
	struct nl_msg m;
	assert_int_equal(nl_msg_init(&m, (uint8_t *)words + 1, 64, RTM_NEWADDR, 0), -EINVAL);
	assert_int_equal(nl_msg_init(&m, words, NLMSG_HDRLEN - 1, RTM_NEWADDR, 0), -ENOBUFS);
	assert_int_equal(
	    nl_msg_init(&m, words, sizeof(words), RTM_NEWADDR, NLM_F_REQUEST | NLM_F_CREATE), 0);
	struct ifaddrmsg ifa = {.ifa_family = AF_INET, .ifa_prefixlen = 24, .ifa_index = 3};
	assert_non_null(nl_msg_put_header(&m, &ifa, sizeof(ifa)));
	uint8_t addr[4] = {10, 0, 2, 15};
	assert_int_equal(nl_attr_put(&m, IFA_LOCAL, addr, 4), 0);
	assert_int_equal(nl_attr_put_str(&m, IFA_LABEL, "eth0"), 0);
	/* header 16 + ifaddrmsg 8 + (4+4) + (4+5 padded to 12) */
	assert_int_equal(m.hdr->nlmsg_len, 16 + 8 + 8 + 12);
	static const uint8_t want[] = {
	    44, 0,  0, 0, 20,  0,   0x01, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, /* nlmsghdr */
	    2,	24, 0, 0, 3,   0,   0,	  0,				/* ifaddrmsg */
	    8,	0,  2, 0, 10,  0,   2,	  15,				/* IFA_LOCAL */
	    9,	0,  3, 0, 'e', 't', 'h',  '0',	0, 0, 0, 0,		/* IFA_LABEL */
	};
	assert_memory_equal(words, want, sizeof(want));

	/* The parser reads back what the builder wrote. */
	const struct rtattr *tb[IFA_MAX + 1];
	assert_int_equal(nl_attr_parse((uint8_t *)words + 24, 20, tb, IFA_MAX), 0);
	assert_non_null(tb[IFA_LOCAL]);
	assert_int_equal(nl_attr_len(tb[IFA_LOCAL]), 4);
	assert_string_equal(nl_attr_data(tb[IFA_LABEL]), "eth0");
}

static void test_build_full(void **state)
{
	(void)state;
	uint32_t words[8]; /* 32 bytes */
	struct nl_msg m;
	assert_int_equal(nl_msg_init(&m, words, sizeof(words), RTM_NEWLINK, 0), 0);
	struct ifinfomsg ifi = {0};
	assert_non_null(nl_msg_put_header(&m, &ifi, sizeof(ifi))); /* 16 + 16 = 32: full */
	assert_int_equal(nl_attr_put_u32(&m, IFLA_MTU, 1500), -ENOBUFS);
	assert_int_equal(m.hdr->nlmsg_len, 32); /* unchanged */
	assert_null(nl_msg_put_header(&m, &ifi, 1));
	assert_int_equal(nl_attr_nest_begin(&m, IFLA_LINKINFO), -ENOBUFS);

	/* Fill exactly, then one byte more fails. */
	uint32_t w2[10]; /* 40 bytes: header 16 + 3 u32 attributes of 8 */
	assert_int_equal(nl_msg_init(&m, w2, sizeof(w2), RTM_NEWLINK, 0), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(nl_attr_put_u32(&m, IFLA_MTU, 1500), 0);
	assert_int_equal(m.hdr->nlmsg_len, 40);
	assert_int_equal(nl_attr_put(&m, IFLA_IFNAME, "", 0), -ENOBUFS);
	assert_int_equal(nl_attr_put(&m, IFLA_IFNAME, "x", 1), -ENOBUFS);

	/* Too big for a 16-bit attribute length, however large the buffer. */
	static uint32_t big[40000];
	static uint8_t payload[65536];
	assert_int_equal(nl_msg_init(&m, big, sizeof(big), RTM_NEWLINK, 0), 0);
	assert_int_equal(nl_attr_put(&m, IFLA_IFALIAS, payload, 65532), -E2BIG);
	assert_int_equal(nl_attr_put(&m, IFLA_IFALIAS, payload, 65531), 0);

	/* A nest that outgrows 16 bits cannot be closed. */
	assert_int_equal(nl_msg_init(&m, big, sizeof(big), RTM_NEWLINK, 0), 0);
	int nest = nl_attr_nest_begin(&m, IFLA_LINKINFO);
	assert_true(nest > 0);
	assert_int_equal(nl_attr_put(&m, IFLA_INFO_KIND, payload, 40000), 0);
	assert_int_equal(nl_attr_put(&m, IFLA_INFO_KIND, payload, 40000), 0);
	assert_int_equal(nl_attr_nest_end(&m, nest), -E2BIG);
	assert_int_equal(nl_msg_init(&m, big, sizeof(big), RTM_NEWLINK, 0), 0);
	nest = nl_attr_nest_begin(&m, IFLA_LINKINFO);
	assert_int_equal(nl_attr_put_str(&m, IFLA_INFO_KIND, "veth"), 0);
	assert_int_equal(nl_attr_nest_end(&m, nest), 0);
	const struct rtattr *a = (const struct rtattr *)((uint8_t *)big + nest);
	assert_int_equal(a->rta_len, 4 + 12);
	assert_int_equal(a->rta_type, IFLA_LINKINFO | NLA_F_NESTED);
	assert_int_equal(nl_attr_nest_end(&m, 3), -EINVAL);
}

static void test_ack(void **state)
{
	(void)state;
	reply_reset();
	reply_error(0, NLM_F_CAPPED);
	struct nl_reply st = new_state(false);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, NULL, NULL), 1);
	assert_true(st.done);
	assert_int_equal(st.error, 0);
	/* Nothing may follow a finished reply. */
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, NULL, NULL), -EPROTO);
}

static void test_error_with_text(void **state)
{
	(void)state;
	reply_reset();
	struct nlmsghdr *h = reply_error(-EEXIST, NLM_F_CAPPED | NLM_F_ACK_TLVS);
	reply_attr(h, NLMSGERR_ATTR_MSG, "Address already\nassigned", 25);
	struct nl_reply st = new_state(false);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, NULL, NULL), 1);
	assert_int_equal(st.error, -EEXIST);
	assert_string_equal(st.ext_msg, "Address already?assigned");

	/* Not capped: the TLVs follow the whole echoed request. */
	reply_reset();
	uint8_t payload[sizeof(struct nlmsgerr) + 8] = {0};
	struct nlmsgerr e = {.error = -ENODEV};
	e.msg.nlmsg_len = NLMSG_HDRLEN + 8;
	memcpy(payload, &e, sizeof(e));
	h = reply_add(NLMSG_ERROR, NLM_F_ACK_TLVS, SEQ, PORT, payload, sizeof(payload));
	reply_attr(h, NLMSGERR_ATTR_MSG, "no dev", 7);
	st = new_state(false);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, NULL, NULL), 1);
	assert_int_equal(st.error, -ENODEV);
	assert_string_equal(st.ext_msg, "no dev");

	/* The echoed request claims to be longer than the error message. */
	reply_reset();
	e.msg.nlmsg_len = 4000;
	memcpy(payload, &e, sizeof(e));
	reply_add(NLMSG_ERROR, NLM_F_ACK_TLVS, SEQ, PORT, payload, sizeof(payload));
	st = new_state(false);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, NULL, NULL), -EBADMSG);

	/* ...or shorter than a header. */
	reply_reset();
	e.msg.nlmsg_len = 3;
	memcpy(payload, &e, sizeof(e));
	reply_add(NLMSG_ERROR, NLM_F_ACK_TLVS, SEQ, PORT, payload, sizeof(payload));
	st = new_state(false);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, NULL, NULL), -EBADMSG);

	/* An unterminated message string is cut at its attribute's end. */
	reply_reset();
	h = reply_error(-EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS);
	reply_attr(h, NLMSGERR_ATTR_MSG, "abcd", 4);
	st = new_state(false);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, NULL, NULL), 1);
	assert_string_equal(st.ext_msg, "abcd");
}

static void test_lying_errors(void **state)
{
	(void)state;
	static const int bad[] = {1, 4096, -4096, -100000};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reply_reset();
		reply_error(bad[i], 0);
		struct nl_reply st = new_state(false);
		assert_int_equal(nl_reply_walk(&st, reply, reply_len, NULL, NULL), -EBADMSG);
	}
	/* An error message too short to hold struct nlmsgerr. */
	reply_reset();
	int e = -EPERM;
	reply_add(NLMSG_ERROR, 0, SEQ, PORT, &e, sizeof(e));
	struct nl_reply st = new_state(false);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, NULL, NULL), -EBADMSG);
}

static void test_truncated_and_lying_lengths(void **state)
{
	(void)state;
	struct nl_reply st;
	/* Shorter than a header. */
	reply_reset();
	reply_error(0, 0);
	st = new_state(false);
	assert_int_equal(nl_reply_walk(&st, reply, NLMSG_HDRLEN - 1, NULL, NULL), -EBADMSG);
	assert_int_equal(nl_reply_walk(&st, reply, 0, NULL, NULL), -EBADMSG);
	/* A whole message cut short. */
	st = new_state(false);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len - 4, NULL, NULL), -EBADMSG);
	assert_false(st.done);

	/* nlmsg_len points past the received bytes. */
	reply_reset();
	struct nlmsghdr *h = reply_error(0, 0);
	h->nlmsg_len = 4096;
	st = new_state(false);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, NULL, NULL), -EBADMSG);
	h->nlmsg_len = 0xffffffffu;
	st = new_state(false);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, NULL, NULL), -EBADMSG);
	/* nlmsg_len shorter than its own header. */
	h->nlmsg_len = 8;
	st = new_state(false);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, NULL, NULL), -EBADMSG);

	/* A good data message followed by half of another. */
	reply_reset();
	struct ifinfomsg ifi = {.ifi_index = 1};
	reply_add(RTM_NEWLINK, 0, SEQ, PORT, &ifi, sizeof(ifi));
	size_t first = reply_len;
	reply_error(0, 0);
	int n = 0;
	st = new_state(false);
	assert_int_equal(nl_reply_walk(&st, reply, first + 10, count_cb, &n), -EBADMSG);
}

static void test_wrong_sender(void **state)
{
	(void)state;
	struct nl_reply st;
	reply_reset();
	struct nlmsghdr *h = reply_error(0, 0);
	h->nlmsg_seq = SEQ + 1;
	st = new_state(false);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, NULL, NULL), -EPROTO);
	h->nlmsg_seq = SEQ;
	h->nlmsg_pid = PORT + 1;
	st = new_state(false);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, NULL, NULL), -EPROTO);
	h->nlmsg_pid = 0; /* a notification, not our reply */
	st = new_state(false);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, NULL, NULL), -EPROTO);
	assert_false(st.done);
}

static void test_multipart(void **state)
{
	(void)state;
	struct ifinfomsg ifi = {.ifi_index = 1};
	int n = 0;
	struct nl_reply st = new_state(true);
	/* First datagram: two links, no DONE yet. */
	reply_reset();
	reply_add(RTM_NEWLINK, NLM_F_MULTI, SEQ, PORT, &ifi, sizeof(ifi));
	reply_add(RTM_NEWLINK, NLM_F_MULTI, SEQ, PORT, &ifi, sizeof(ifi));
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, count_cb, &n), 0);
	assert_int_equal(n, 2);
	assert_false(st.done);
	/* Second datagram: one more and DONE. */
	reply_reset();
	reply_add(RTM_NEWLINK, NLM_F_MULTI, SEQ, PORT, &ifi, sizeof(ifi));
	int zero = 0;
	reply_add(NLMSG_DONE, NLM_F_MULTI, SEQ, PORT, &zero, sizeof(zero));
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, count_cb, &n), 1);
	assert_int_equal(n, 3);
	assert_int_equal(st.error, 0);

	/* A dump the kernel had to abandon reports it in DONE. */
	reply_reset();
	int intr = -EINTR;
	reply_add(NLMSG_DONE, NLM_F_MULTI, SEQ, PORT, &intr, sizeof(intr));
	st = new_state(true);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, NULL, NULL), 1);
	assert_int_equal(st.error, -EINTR);
	reply_reset();
	int lie = 17;
	reply_add(NLMSG_DONE, NLM_F_MULTI, SEQ, PORT, &lie, sizeof(lie));
	st = new_state(true);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, NULL, NULL), -EBADMSG);

	/* The table changed during the dump: the whole dump must be rerun. */
	reply_reset();
	reply_add(RTM_NEWLINK, NLM_F_MULTI | NLM_F_DUMP_INTR, SEQ, PORT, &ifi, sizeof(ifi));
	reply_add(NLMSG_DONE, NLM_F_MULTI, SEQ, PORT, &zero, sizeof(zero));
	st = new_state(true);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, count_cb, &n), 1);
	assert_int_equal(st.error, -EINTR);

	/* DONE for a request that was not a dump; multipart data likewise. */
	reply_reset();
	reply_add(NLMSG_DONE, NLM_F_MULTI, SEQ, PORT, &zero, sizeof(zero));
	st = new_state(false);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, NULL, NULL), -EPROTO);
	reply_reset();
	reply_add(RTM_NEWLINK, NLM_F_MULTI, SEQ, PORT, &ifi, sizeof(ifi));
	st = new_state(false);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, count_cb, &n), -EPROTO);

	/* A message after DONE in the same datagram. */
	reply_reset();
	reply_add(NLMSG_DONE, NLM_F_MULTI, SEQ, PORT, &zero, sizeof(zero));
	reply_add(RTM_NEWLINK, NLM_F_MULTI, SEQ, PORT, &ifi, sizeof(ifi));
	st = new_state(true);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, count_cb, &n), -EPROTO);
	/* A dump can also fail at once with an error message. */
	reply_reset();
	reply_error(-EOPNOTSUPP, 0);
	st = new_state(true);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, NULL, NULL), 1);
	assert_int_equal(st.error, -EOPNOTSUPP);
}

static void test_odd_types(void **state)
{
	(void)state;
	struct nl_reply st;
	reply_reset();
	reply_add(NLMSG_NOOP, 0, SEQ, PORT, NULL, 0);
	reply_error(0, 0);
	st = new_state(false);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, NULL, NULL), 1);
	reply_reset();
	reply_add(NLMSG_OVERRUN, 0, SEQ, PORT, NULL, 0);
	st = new_state(true);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, NULL, NULL), -ENOBUFS);
	reply_reset();
	reply_add(5, 0, SEQ, PORT, NULL, 0); /* reserved control type */
	st = new_state(true);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, NULL, NULL), -EBADMSG);
	/* The callback's error stops the walk. */
	reply_reset();
	struct ifinfomsg ifi = {.ifi_index = 1};
	reply_add(RTM_NEWLINK, NLM_F_MULTI, SEQ, PORT, &ifi, sizeof(ifi));
	st = new_state(true);
	assert_int_equal(nl_reply_walk(&st, reply, reply_len, failing_cb, NULL), -EMLINK);
}

static void test_attr_parse(void **state)
{
	(void)state;
	const struct rtattr *tb[8];
	uint32_t words[8] = {0};
	struct rtattr *a = (struct rtattr *)words;
	a->rta_type = 3;
	a->rta_len = 8;
	struct rtattr *b = (struct rtattr *)(words + 2);
	b->rta_type = 200; /* beyond max: ignored */
	b->rta_len = 5;	   /* last attribute, unpadded: fine */
	assert_int_equal(nl_attr_parse(words, 13, tb, 7), 0);
	assert_ptr_equal(tb[3], a);
	/* rta_len past the data. */
	b->rta_len = 40;
	assert_int_equal(nl_attr_parse(words, 16, tb, 7), -EBADMSG);
	/* rta_len shorter than an attribute header. */
	b->rta_len = 2;
	assert_int_equal(nl_attr_parse(words, 16, tb, 7), -EBADMSG);
	/* Trailing bytes that cannot hold an attribute. */
	assert_int_equal(nl_attr_parse(words, 10, tb, 7), -EBADMSG);
	assert_int_equal(nl_attr_parse(words, 0, tb, 7), 0);
	assert_null(tb[3]);
}

static void test_link_parse(void **state)
{
	(void)state;
	struct nl_link l;
	struct ifinfomsg ifi = {.ifi_index = 3, .ifi_flags = IFF_UP | IFF_LOWER_UP};
	uint8_t mac[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
	uint32_t mtu = 1400;
	uint8_t carrier = 1;

	reply_reset();
	struct nlmsghdr *h = reply_add(RTM_NEWLINK, 0, SEQ, PORT, &ifi, sizeof(ifi));
	reply_attr(h, IFLA_IFNAME, "eth0", 5);
	reply_attr(h, IFLA_ADDRESS, mac, 6);
	reply_attr(h, IFLA_MTU, &mtu, 4);
	reply_attr(h, IFLA_CARRIER, &carrier, 1);
	assert_int_equal(nl_link_parse(h, &l), 0);
	assert_string_equal(l.name, "eth0");
	assert_int_equal(l.index, 3);
	assert_int_equal(l.mtu, 1400);
	assert_int_equal(l.mac_len, 6);
	assert_int_equal(l.carrier, 1);

	static const struct {
		const char *name;
		size_t name_len;
		size_t mtu_len;
		int index;
	} bad[] = {
	    {"eth0", 4, 4, 3},		     /* name not NUL-terminated */
	    {"", 1, 4, 3},		     /* empty name */
	    {"0123456789abcdefg", 18, 4, 3}, /* name longer than IFNAMSIZ */
	    {"eth0", 5, 2, 3},		     /* short MTU */
	    {"eth0", 5, 4, 0},		     /* no index */
	    {NULL, 0, 4, 3},		     /* no name */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reply_reset();
		ifi.ifi_index = bad[i].index;
		h = reply_add(RTM_NEWLINK, 0, SEQ, PORT, &ifi, sizeof(ifi));
		if (bad[i].name)
			reply_attr(h, IFLA_IFNAME, bad[i].name, bad[i].name_len);
		reply_attr(h, IFLA_MTU, &mtu, bad[i].mtu_len);
		assert_int_equal(nl_link_parse(h, &l), -EBADMSG);
	}
	/* Shorter than ifinfomsg. */
	reply_reset();
	h = reply_add(RTM_NEWLINK, 0, SEQ, PORT, &ifi, 4);
	assert_int_equal(nl_link_parse(h, &l), -EBADMSG);
	h->nlmsg_type = RTM_NEWADDR;
	assert_int_equal(nl_link_parse(h, &l), -ENOMSG);
}

static void test_addr_route_parse(void **state)
{
	(void)state;
	struct nl_addr a;
	struct ifaddrmsg ifa = {.ifa_family = AF_INET6, .ifa_prefixlen = 64, .ifa_index = 2};
	uint8_t v6[16] = {0xfd, [15] = 0x15};
	reply_reset();
	struct nlmsghdr *h = reply_add(RTM_NEWADDR, 0, SEQ, PORT, &ifa, sizeof(ifa));
	reply_attr(h, IFA_ADDRESS, v6, 16);
	assert_int_equal(nl_addr_parse(h, &a), 0);
	assert_int_equal(a.prefix, 64);
	assert_memory_equal(a.addr, v6, 16);
	/* A v4-sized address in a v6 message; a prefix too long; unknown family. */
	reply_reset();
	h = reply_add(RTM_NEWADDR, 0, SEQ, PORT, &ifa, sizeof(ifa));
	reply_attr(h, IFA_ADDRESS, v6, 4);
	assert_int_equal(nl_addr_parse(h, &a), -EBADMSG);
	reply_reset();
	ifa.ifa_prefixlen = 129;
	h = reply_add(RTM_NEWADDR, 0, SEQ, PORT, &ifa, sizeof(ifa));
	reply_attr(h, IFA_ADDRESS, v6, 16);
	assert_int_equal(nl_addr_parse(h, &a), -EBADMSG);
	reply_reset();
	ifa.ifa_family = AF_PACKET;
	h = reply_add(RTM_NEWADDR, 0, SEQ, PORT, &ifa, sizeof(ifa));
	assert_int_equal(nl_addr_parse(h, &a), -ENOMSG);

	struct nl_route r;
	struct rtmsg rtm = {.rtm_family = AF_INET,
			    .rtm_dst_len = 16,
			    .rtm_table = RT_TABLE_MAIN,
			    .rtm_type = RTN_UNICAST};
	uint8_t dst[4] = {10, 1, 0, 0}, gw[4] = {10, 0, 2, 2};
	uint32_t oif = 2, prio = 5;
	reply_reset();
	h = reply_add(RTM_NEWROUTE, 0, SEQ, PORT, &rtm, sizeof(rtm));
	reply_attr(h, RTA_DST, dst, 4);
	reply_attr(h, RTA_GATEWAY, gw, 4);
	reply_attr(h, RTA_OIF, &oif, 4);
	reply_attr(h, RTA_PRIORITY, &prio, 4);
	assert_int_equal(nl_route_parse(h, &r), 0);
	assert_int_equal(r.dst_len, 16);
	assert_true(r.has_gw);
	assert_int_equal(r.oif, 2);
	assert_int_equal(r.priority, 5);
	assert_int_equal(r.table, RT_TABLE_MAIN);
	/* dst_len without RTA_DST, a 2-byte OIF, a 16-byte v4 gateway. */
	reply_reset();
	h = reply_add(RTM_NEWROUTE, 0, SEQ, PORT, &rtm, sizeof(rtm));
	assert_int_equal(nl_route_parse(h, &r), -EBADMSG);
	reply_reset();
	h = reply_add(RTM_NEWROUTE, 0, SEQ, PORT, &rtm, sizeof(rtm));
	reply_attr(h, RTA_DST, dst, 4);
	reply_attr(h, RTA_OIF, &oif, 2);
	assert_int_equal(nl_route_parse(h, &r), -EBADMSG);
	reply_reset();
	h = reply_add(RTM_NEWROUTE, 0, SEQ, PORT, &rtm, sizeof(rtm));
	reply_attr(h, RTA_DST, dst, 4);
	reply_attr(h, RTA_GATEWAY, v6, 16);
	assert_int_equal(nl_route_parse(h, &r), -EBADMSG);
	reply_reset();
	rtm.rtm_dst_len = 33;
	h = reply_add(RTM_NEWROUTE, 0, SEQ, PORT, &rtm, sizeof(rtm));
	reply_attr(h, RTA_DST, dst, 4);
	assert_int_equal(nl_route_parse(h, &r), -EBADMSG);
}

static int handled_link(const struct nl_link *l, void *ctx)
{
	snprintf(ctx, 32, "link %s", l->name);
	return 0;
}

static int handled_addr(const struct nl_addr *a, void *ctx)
{
	snprintf(ctx, 32, "addr %d/%u", a->index, a->prefix);
	return a->index == 9 ? -ECANCELED : 0;
}

/* nl_handle_msg: each message decoded and handed to the callback of its
 * kind; other kinds, families and missing callbacks skipped; malformed
 * messages refused. */
static void test_handler(void **state)
{
	(void)state;
	char seen[32] = "";
	struct nl_handler hd = {.link = handled_link, .addr = handled_addr, .ctx = seen};
	struct ifinfomsg ifi = {.ifi_index = 3};
	reply_reset();
	struct nlmsghdr *h = reply_add(RTM_NEWLINK, 0, SEQ, PORT, &ifi, sizeof(ifi));
	reply_attr(h, IFLA_IFNAME, "eth1", 5);
	assert_int_equal(nl_handle_msg(h, &hd), 0);
	assert_string_equal(seen, "link eth1");

	struct ifaddrmsg ifa = {.ifa_family = AF_INET, .ifa_prefixlen = 24, .ifa_index = 9};
	uint8_t addr[4] = {10, 0, 2, 15};
	reply_reset();
	h = reply_add(RTM_NEWADDR, 0, SEQ, PORT, &ifa, sizeof(ifa));
	reply_attr(h, IFA_LOCAL, addr, sizeof(addr));
	assert_int_equal(nl_handle_msg(h, &hd), -ECANCELED); /* the callback's answer */
	assert_string_equal(seen, "addr 9/24");

	/* No route callback, another family, another type: skipped. */
	seen[0] = '\0';
	struct rtmsg rtm = {.rtm_family = AF_INET};
	reply_reset();
	h = reply_add(RTM_NEWROUTE, 0, SEQ, PORT, &rtm, sizeof(rtm));
	assert_int_equal(nl_handle_msg(h, &hd), 0);
	ifa.ifa_family = AF_PACKET;
	reply_reset();
	h = reply_add(RTM_NEWADDR, 0, SEQ, PORT, &ifa, sizeof(ifa));
	assert_int_equal(nl_handle_msg(h, &hd), 0);
	reply_reset();
	h = reply_add(RTM_NEWNEIGH, 0, SEQ, PORT, &ifa, sizeof(ifa));
	assert_int_equal(nl_handle_msg(h, &hd), 0);
	assert_string_equal(seen, "");

	/* A link without a name and a truncated address are malformed. */
	reply_reset();
	h = reply_add(RTM_NEWLINK, 0, SEQ, PORT, &ifi, sizeof(ifi));
	assert_int_equal(nl_handle_msg(h, &hd), -EBADMSG);
	reply_reset();
	h = reply_add(RTM_NEWADDR, 0, SEQ, PORT, &ifa, 2);
	assert_int_equal(nl_handle_msg(h, &hd), -EBADMSG);
	assert_string_equal(seen, "");
}

/* The requests the dump driver and the carrier wait send, and the stamping
 * every request gets. */
static void test_requests(void **state)
{
	(void)state;
	uint32_t words[16];
	struct nl_msg m;
	static const struct {
		uint16_t type;
		size_t hdrlen;
	} dumps[] = {{RTM_GETLINK, sizeof(struct ifinfomsg)},
		     {RTM_GETADDR, sizeof(struct ifaddrmsg)},
		     {RTM_GETROUTE, sizeof(struct rtmsg)}};
	for (size_t i = 0; i < sizeof(dumps) / sizeof(dumps[0]); i++) {
		memset(words, 0xaa, sizeof(words));
		assert_int_equal(nl_dump_request(&m, words, sizeof(words), dumps[i].type, AF_INET6),
				 0);
		assert_int_equal(m.hdr->nlmsg_type, dumps[i].type);
		assert_int_equal(m.hdr->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
		assert_int_equal(m.hdr->nlmsg_len, NLMSG_SPACE(dumps[i].hdrlen));
		const uint8_t *hdr = NLMSG_DATA(m.hdr);
		assert_int_equal(hdr[0], AF_INET6); /* every family header starts with it */
		for (size_t k = 1; k < NLMSG_ALIGN(dumps[i].hdrlen); k++)
			assert_int_equal(hdr[k], 0);
	}
	assert_int_equal(nl_dump_request(&m, words, sizeof(words), RTM_NEWROUTE, AF_INET), -EINVAL);
	assert_int_equal(nl_dump_request(&m, words, NLMSG_HDRLEN + 4, RTM_GETLINK, AF_INET),
			 -ENOBUFS);

	assert_int_equal(nl_link_get_request(&m, words, sizeof(words), 7), 0);
	struct ifinfomsg ifi;
	memcpy(&ifi, NLMSG_DATA(m.hdr), sizeof(ifi));
	assert_int_equal(ifi.ifi_index, 7);
	assert_int_equal(m.hdr->nlmsg_flags, NLM_F_REQUEST);

	/* A plain request asks for an ACK; a dump ends with NLMSG_DONE instead. */
	struct nl_reply st;
	nl_request_start(&m, SEQ, PORT, &st);
	assert_int_equal(m.hdr->nlmsg_seq, SEQ);
	assert_int_equal(m.hdr->nlmsg_pid, 0);
	assert_int_equal(m.hdr->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(st.seq, SEQ);
	assert_int_equal(st.port, PORT);
	assert_false(st.dump);
	assert_int_equal(nl_dump_request(&m, words, sizeof(words), RTM_GETADDR, AF_UNSPEC), 0);
	nl_request_start(&m, SEQ + 1, PORT, &st);
	assert_int_equal(m.hdr->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	assert_true(st.dump);
	assert_false(st.done);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_build),	 cmocka_unit_test(test_build_full),
	    cmocka_unit_test(test_ack),		 cmocka_unit_test(test_error_with_text),
	    cmocka_unit_test(test_lying_errors), cmocka_unit_test(test_truncated_and_lying_lengths),
	    cmocka_unit_test(test_wrong_sender), cmocka_unit_test(test_multipart),
	    cmocka_unit_test(test_odd_types),	 cmocka_unit_test(test_attr_parse),
	    cmocka_unit_test(test_link_parse),	 cmocka_unit_test(test_addr_route_parse),
	    cmocka_unit_test(test_requests),	 cmocka_unit_test(test_handler),
	};
	return cmocka_run_group_tests_name("net_nl", tests, NULL, NULL);
}
