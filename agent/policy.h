/* Small pure decisions of the agent, kept apart so they can be tested alone:
 * who may connect, how long to wait before reconnecting, how many bytes to
 * read next, and how init's status maps onto the wire. */
#ifndef APPVM_AGENT_POLICY_H
#define APPVM_AGENT_POLICY_H

#include "initctl.h"
#include "proto.h"
#include "proto_stream.h"
#include "retry.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Event connection retry delays (docs/agent.md; lib/retry.h). The ceiling
 * is what an idle VM pays while no host listens on the event port: each
 * attempt wakes the agent, the vsock driver and RCU (docs/benchmarks.md,
 * "Idle VM"; at 2 s they were most of its timer interrupts). */
#define AGENT_BACKOFF_START_MS 200u
#define AGENT_BACKOFF_MAX_MS   RETRY_IDLE_MAX_MS

/* Returns true if a vsock peer with this CID may talk to the agent: only the
 * host (VMADDR_CID_HOST, 2). */
bool agent_cid_allowed(uint32_t cid);

/* Returns the app's state for STATUS from init's status (docs/agent.md):
 * the "app" service's state; UNKNOWN without one, or when init is NULL
 * (init could not answer). */
uint8_t agent_app_state(const struct initctl_status *init);

/* How the app last ended, as both the STATUS record and the APP_EXIT event
 * carry it: NONE/0 before any exit, SIGNAL with the signal (1..64), or CODE
 * with the exit status (0..255), APP_EXIT's ranges. An exit outside them
 * (which the initctl decoder refuses already) gives NONE/0. The one mapping
 * both messages use. */
void agent_exit_from_initctl(const struct initctl_status *init, uint8_t *ret_how,
			     int32_t *ret_value);

/* Fills stores[] (at most max) from the stores init lists; the strings point
 * into init. Returns the count. */
uint16_t agent_stores_from_initctl(const struct initctl_status *init, struct proto_store *stores,
				   uint16_t max);

/* Fills what STATUS takes from init: the app's state, its last exit and the
 * stores. init NULL (init could not answer): state UNKNOWN, no exit, no
 * stores. Strings point into init. */
void agent_status_from_initctl(const struct initctl_status *init, struct proto_status *ret);

/* What identifies one exit of the app, so each is announced once. */
struct agent_exit_key {
	uint8_t how; /* enum proto_exit_how; NONE: the app has not exited */
	int32_t value;
	unsigned restarts;
};

/* Fills the exit key from init's status. */
void agent_exit_key_from_initctl(const struct initctl_status *init, struct agent_exit_key *ret);

/* Returns true if `now` is an app exit not yet announced (last is the key of
 * the last APP_EXIT sent on this connection, or all zero). */
bool agent_exit_is_new(const struct agent_exit_key *last, const struct agent_exit_key *now);

#endif
