/* The budget of names the guest's folder moves may read on the
 * host (the walk of a folder moved to another depth, pd_fio_walk): a token
 * bucket of `rate` names a second, holding at most `burst`. A guest that
 * moves big folders without pause is held to `rate` names a second, a small
 * share of a host core (docs/portal.md, Limits). Pure: the caller passes the
 * time in milliseconds of a monotonic clock. */
#ifndef APPVM_PD_BUDGET_H
#define APPVM_PD_BUDGET_H

#include <stdint.h>

/* The default rate (and burst): two walks at the bounds a second. */
#define PD_WALK_RATE_DEFAULT (1u << 17)
/* The most --walk-rate allows. */
#define PD_WALK_RATE_LIMIT (1u << 24)

struct pd_budget {
	uint64_t rate, burst; /* names a second (>= 1); the most held (>= 1) */
	uint64_t credit;      /* in thousandths of a name: what is left */
	uint64_t last_ms;
};

/* Starts with a full bucket at time now. */
void pd_budget_init(struct pd_budget *b, uint64_t rate, uint64_t burst, uint64_t now);

/* Returns how many names may be read now (at most burst). */
uint64_t pd_budget_left(struct pd_budget *b, uint64_t now);

/* How many names a walk of at most max names may read now: min(max, burst)
 * once the bucket holds that many, else 0 (refused without a walk, so a
 * guest that retries at once spends nothing and a walk never stops halfway
 * for want of budget unless the bucket is smaller than max). */
uint64_t pd_budget_walk(struct pd_budget *b, uint64_t now, uint64_t max);

/* Takes n names read (all that is left when n is more). */
void pd_budget_charge(struct pd_budget *b, uint64_t n);

#endif
