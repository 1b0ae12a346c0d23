/* The scripted stand-in for net/nl_sock.c: see fake_nl_sock.h. It defines
 * every function of nl_sock.h that nl_sock.c does, so a test links it in
 * place of that file. */
#include "fake_nl_sock.h"
#include "nl_sock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAKE_PORT	   4242
#define FAKE_RESPONSES	   16
#define FAKE_RESPONSE_SIZE 8192
#define FAKE_REQUESTS	   32

static struct {
	uint32_t words[FAKE_RESPONSE_SIZE / 4];
	size_t len;
} responses[FAKE_RESPONSES];
static size_t n_responses, next_response;
static uint16_t requests[FAKE_REQUESTS];
static size_t n_requests;

void fake_nl_reset(void)
{
	memset(responses, 0, sizeof(responses));
	n_responses = next_response = n_requests = 0;
}

void fake_nl_response(void)
{
	if (n_responses == FAKE_RESPONSES)
		abort(); /* the test script is too long */
	n_responses++;
}

static uint8_t *cur_base(void)
{
	if (n_responses == 0)
		abort(); /* fake_nl_response first */
	return (uint8_t *)responses[n_responses - 1].words;
}

struct nlmsghdr *fake_nl_msg(uint16_t type, uint16_t flags, const void *payload, size_t len)
{
	size_t *used = &responses[n_responses - 1].len;
	if (*used + NLMSG_SPACE(len) > FAKE_RESPONSE_SIZE)
		abort();
	struct nlmsghdr *h = (struct nlmsghdr *)(cur_base() + *used);
	h->nlmsg_len = (uint32_t)NLMSG_LENGTH(len);
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	if (len)
		memcpy(NLMSG_DATA(h), payload, len);
	*used += NLMSG_SPACE(len);
	return h;
}

void fake_nl_attr(struct nlmsghdr *h, uint16_t type, const void *data, size_t len)
{
	size_t *used = &responses[n_responses - 1].len;
	if (*used + RTA_SPACE(len) > FAKE_RESPONSE_SIZE)
		abort();
	struct rtattr *a = (struct rtattr *)(cur_base() + *used);
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	*used += RTA_SPACE(len);
	h->nlmsg_len = (uint32_t)((uint8_t *)a + RTA_SPACE(len) - (uint8_t *)h);
}

void fake_nl_link(uint16_t flags, int index, const char *name, unsigned int ifflags)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = index, .ifi_flags = ifflags};
	struct nlmsghdr *h = fake_nl_msg(RTM_NEWLINK, NLM_F_MULTI | flags, &ifi, sizeof(ifi));
	fake_nl_attr(h, IFLA_IFNAME, name, strlen(name) + 1);
	uint32_t mtu = 1500;
	fake_nl_attr(h, IFLA_MTU, &mtu, sizeof(mtu));
}

void fake_nl_addr4(uint16_t flags, int index, const uint8_t addr[4], unsigned int prefix)
{
	struct ifaddrmsg ifa = {.ifa_family = AF_INET,
				.ifa_prefixlen = (unsigned char)prefix,
				.ifa_index = (unsigned int)index};
	struct nlmsghdr *h = fake_nl_msg(RTM_NEWADDR, NLM_F_MULTI | flags, &ifa, sizeof(ifa));
	fake_nl_attr(h, IFA_LOCAL, addr, 4);
}

void fake_nl_route4(uint16_t flags, int oif, const uint8_t dst[4], unsigned int dst_len,
		    const uint8_t *gw)
{
	struct rtmsg rtm = {.rtm_family = AF_INET,
			    .rtm_dst_len = (unsigned char)dst_len,
			    .rtm_table = RT_TABLE_MAIN,
			    .rtm_type = RTN_UNICAST};
	struct nlmsghdr *h = fake_nl_msg(RTM_NEWROUTE, NLM_F_MULTI | flags, &rtm, sizeof(rtm));
	if (dst_len)
		fake_nl_attr(h, RTA_DST, dst, 4);
	if (gw)
		fake_nl_attr(h, RTA_GATEWAY, gw, 4);
	uint32_t o = (uint32_t)oif;
	fake_nl_attr(h, RTA_OIF, &o, sizeof(o));
}

void fake_nl_done(uint16_t flags, int error)
{
	fake_nl_msg(NLMSG_DONE, NLM_F_MULTI | flags, &error, sizeof(error));
}

void fake_nl_error(int error)
{
	struct nlmsgerr e = {.error = error};
	e.msg.nlmsg_len = NLMSG_HDRLEN;
	fake_nl_msg(NLMSG_ERROR, 0, &e, sizeof(e));
}

size_t fake_nl_requests(void)
{
	return n_requests;
}

uint16_t fake_nl_request_type(size_t i)
{
	return i < n_requests ? requests[i] : 0;
}

size_t fake_nl_unused(void)
{
	return n_responses - next_response;
}

/* ---- nl_sock.h ---- */

int nl_sock_open(struct nl_sock *s, uint32_t groups)
{
	(void)groups;
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->port = FAKE_PORT;
	s->seq = 1000;
	return 0;
}

void nl_sock_close(struct nl_sock *s)
{
	s->fd = -1;
}

int nl_sock_call(struct nl_sock *s, struct nl_msg *m, nl_msg_cb cb, void *ctx, char *ret_ext,
		 size_t extlen)
{
	struct nl_reply st;
	nl_request_start(m, ++s->seq, s->port, &st);
	if (n_requests < FAKE_REQUESTS)
		requests[n_requests++] = m->hdr->nlmsg_type;
	if (ret_ext && extlen)
		ret_ext[0] = '\0';
	if (next_response == n_responses)
		return -EIO; /* what the real socket says when no reply comes */
	uint8_t *data = (uint8_t *)responses[next_response].words;
	size_t len = responses[next_response].len;
	next_response++;
	/* The kernel answers the request it got: its sequence number, our port. */
	for (size_t off = 0; off + NLMSG_HDRLEN <= len;) {
		struct nlmsghdr *h = (struct nlmsghdr *)(data + off);
		h->nlmsg_seq = st.seq;
		h->nlmsg_pid = st.port;
		if (h->nlmsg_len < NLMSG_HDRLEN)
			break;
		off += NLMSG_ALIGN(h->nlmsg_len);
	}
	int r = nl_reply_walk(&st, data, len, cb, ctx);
	if (r < 0)
		return r;
	if (r == 0)
		return -EIO; /* the script left the reply unfinished */
	if (ret_ext && extlen)
		snprintf(ret_ext, extlen, "%s", st.ext_msg);
	return st.error;
}

int nl_sock_drain(struct nl_sock *s)
{
	(void)s;
	return 0;
}
