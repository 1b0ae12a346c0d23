/* Small pure decisions of the agent, kept apart so they can be tested alone:
 * who may connect, how long to wait before reconnecting, how many bytes to
 * read next, and how init's view of the app maps onto the wire. */
#ifndef APPVM_AGENT_POLICY_H
#define APPVM_AGENT_POLICY_H

#include "control_proto.h"
#include "proto_stream.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Event connection retry delays (docs/agent.md). */
#define AGENT_BACKOFF_START_MS 200u
#define AGENT_BACKOFF_MAX_MS   2000u

/* Returns true if a vsock peer with this CID may talk to the agent: only the
 * host (VMADDR_CID_HOST, 2). */
bool agent_cid_allowed(uint32_t cid);

/* Returns the retry delay that follows `current_ms`: doubled, capped at
 * AGENT_BACKOFF_MAX_MS; 0 (no failure yet) gives AGENT_BACKOFF_START_MS. */
unsigned agent_backoff_next(unsigned current_ms);

/* What STATUS reports about the app. */
struct agent_app {
	uint8_t state;	  /* enum proto_app_state */
	uint8_t exit_how; /* enum proto_exit_how */
	int32_t exit_value;
};

/* Maps init's status reply onto the wire: the "app" service's state and the
 * app's exit status. A reply without an "app" service gives UNKNOWN. */
void agent_app_from_ctl(const struct ctl_status *st, struct agent_app *ret);

/* What identifies one exit of the app, so each is announced once. */
struct agent_exit_key {
	bool exited;
	int status;
	int signal;
	unsigned restarts;
};

/* Fills the exit key from init's status. */
void agent_exit_key_from_ctl(const struct ctl_status *st, struct agent_exit_key *ret);

/* Returns true if `now` is an app exit not yet announced (last is the key of
 * the last APP_EXIT sent on this connection, or all zero). */
bool agent_exit_is_new(const struct agent_exit_key *last, const struct agent_exit_key *now);

#endif
