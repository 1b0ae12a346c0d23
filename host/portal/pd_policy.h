/* When a VM may pop up a file dialog: one at a time, a token bucket on how
 * often, and a cooldown that grows after repeated cancels (a guest that
 * keeps opening dialogs the user keeps dismissing). Pure: the caller passes
 * the time in milliseconds of a monotonic clock. */
#ifndef APPVM_PD_POLICY_H
#define APPVM_PD_POLICY_H

#include <stdbool.h>
#include <stdint.h>

struct pd_policy_config {
	unsigned burst;	       /* dialogs that may follow each other at once (>= 1) */
	uint32_t interval_ms;  /* one more dialog allowed per interval (>= 1) */
	unsigned cancel_limit; /* cancels in a row that start a cooldown (>= 1) */
	uint32_t cooldown_ms;  /* first cooldown; doubles with each one in a row */
	uint32_t cooldown_max_ms;
};

enum pd_verdict {
	PD_ALLOW,
	PD_DENY_OPEN,	  /* a dialog is open */
	PD_DENY_RATE,	  /* the bucket is empty */
	PD_DENY_COOLDOWN, /* cooling down after cancels */
};

enum pd_outcome {
	PD_PICKED,
	PD_CANCELLED, /* by the user or the guest */
	PD_FAILED,    /* the chooser failed: neither the user's nor the guest's doing */
};

struct pd_policy {
	struct pd_policy_config cfg;
	uint64_t credit_ms; /* the bucket: interval_ms per dialog, at most burst of them */
	uint64_t last_ms;
	bool open;
	unsigned cancels; /* in a row */
	unsigned strikes; /* cooldowns in a row, since the last pick */
	uint64_t cooldown_until;
};

/* Starts with a full bucket at time now. */
void pd_policy_init(struct pd_policy *p, const struct pd_policy_config *cfg, uint64_t now);

/* Decides whether a dialog may open now. PD_ALLOW takes a token and marks a
 * dialog open until pd_policy_end. */
enum pd_verdict pd_policy_admit(struct pd_policy *p, uint64_t now);

/* Records how the open dialog ended. */
void pd_policy_end(struct pd_policy *p, uint64_t now, enum pd_outcome outcome);

/* Returns a few words on a denial, for the guest's error message. */
const char *pd_verdict_text(enum pd_verdict v);

#endif
