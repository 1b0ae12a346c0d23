/* What net_apply must change, decided from the configuration and the kernel's
 * state as the dumps report it, and the requests that make each change.
 * Pure: no system calls (apply.c does the netlink I/O), so every decision is
 * unit-tested (tests/net/test_net_plan.c).
 *
 * Use: net_plan_init; feed the link dump (net_plan_add_link, reset with
 * net_plan_links_reset: an nl_handler's link and reset), then
 * net_plan_links_check; when there is a device, the address dump
 * (net_plan_add_addr) and, when routes are planned, the route dump
 * (net_plan_add_route), each followed by net_plan_conflict; then
 * net_plan_actions lists the changes and net_plan_request encodes each. */
#ifndef APPVM_NET_PLAN_H
#define APPVM_NET_PLAN_H

#include "net_internal.h"
#include "nl.h"

#define NET_PLAN_LINKS_NAMED 8 /* interface names quoted in a "not found" message */
#define NET_PLAN_MAX_ROUTES  (NET_MAX_ROUTES + 2) /* the routes and both default routes */
/* lo up, MTU, dev up, every address and every route. */
#define NET_PLAN_MAX_ACTIONS (3 + NET_MAX_ADDRESSES + NET_PLAN_MAX_ROUTES)

struct net_plan_route {
	struct net_route r;
	const char *key; /* the [net] key it came from, for messages */
	bool present;	 /* an identical route exists already */
};

struct net_plan {
	const struct net_config *c;

	/* From the link dump. */
	struct nl_link lo, dev;
	bool have_lo, have_dev;
	int mac_matches;
	char seen[NET_PLAN_LINKS_NAMED][IF_NAMESIZE + 20];
	size_t n_seen;

	/* The first conflict the address or route dump found (-EEXIST), with
	 * its message. */
	int conflict;
	char conflict_msg[256];

	bool addr_present[NET_MAX_ADDRESSES];
	struct net_plan_route routes[NET_PLAN_MAX_ROUTES];
	size_t n_routes;
};

enum net_action_kind {
	NET_ACT_LO_UP,	/* bring lo up */
	NET_ACT_MTU,	/* set the device's MTU */
	NET_ACT_ADDR,	/* add c->addresses[index] */
	NET_ACT_DEV_UP, /* bring the device up */
	NET_ACT_ROUTE,	/* add routes[index] */
};

struct net_action {
	enum net_action_kind kind;
	size_t index;
};

/* Starts a plan for c (checked with net_config_check): the routes to compare
 * with the main table are the default routes of gateway and gateway6, then
 * each route key. */
void net_plan_init(struct net_plan *p, const struct net_config *c);

/* The link dump, as an nl_handler's reset and link callbacks (plan: the
 * struct net_plan): forgets what an interrupted dump delivered; takes one
 * link (returns 0). */
void net_plan_links_reset(void *plan);
int net_plan_add_link(const struct nl_link *l, void *plan);

/* After the link dump: checks that lo exists and that interface and mac name
 * one device. Returns 0, -ENODEV or -ENOTUNIQ with a message in err. */
int net_plan_links_check(const struct net_plan *p, char *err, size_t errlen);

/* The address dump of the device, as for links. An address of the device
 * that is configured with another prefix length is a conflict. */
void net_plan_addrs_reset(void *plan);
int net_plan_add_addr(const struct nl_addr *a, void *plan);

/* The route dump, as for links. A main-table route in the slot of a planned
 * one (destination, prefix length, metric) through another gateway or
 * device is a conflict. */
void net_plan_routes_reset(void *plan);
int net_plan_add_route(const struct nl_route *r, void *plan);

/* Returns 0, or the conflict a dump found (-EEXIST) with its message in err. */
int net_plan_conflict(const struct net_plan *p, char *err, size_t errlen);

/* Lists in ret, in the order they must happen, the changes that make the
 * kernel's state what c asks for: lo up, the MTU, each missing address, the
 * device up, each missing route. Nothing that is already so. Returns the
 * number of actions (at most NET_PLAN_MAX_ACTIONS). */
size_t net_plan_actions(const struct net_plan *p, struct net_action ret[NET_PLAN_MAX_ACTIONS]);

/* Encodes the request for action a into buf (4-byte aligned, cap bytes); with
 * undo, the request that takes an added address or route away again. Returns
 * 0, -EINVAL for an action without an undo, or -ENOBUFS. */
int net_plan_request(const struct net_plan *p, const struct net_action *a, bool undo,
		     struct nl_msg *m, void *buf, size_t cap);

/* Names action a for an error line, e.g. "add address 10.0.2.15/24 on eth0"
 * or "mtu \"1400\": set MTU on eth0". */
void net_plan_describe(const struct net_plan *p, const struct net_action *a, char *buf,
		       size_t size);

#endif
