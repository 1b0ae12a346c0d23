#include "pd_budget.h"

#include <string.h>

/* Credit counts thousandths of a name, so that a millisecond at any rate
 * adds what it earns exactly. */
static void refill(struct pd_budget *b, uint64_t now)
{
	uint64_t full = b->burst * 1000u;
	if (now > b->last_ms) {
		uint64_t ms = now - b->last_ms;
		/* ms * rate would overflow only long after the bucket is full. */
		uint64_t fill_ms = (full - b->credit) / b->rate + 1;
		b->credit = ms >= fill_ms ? full : b->credit + ms * b->rate;
		if (b->credit > full)
			b->credit = full;
		b->last_ms = now;
	}
}

void pd_budget_init(struct pd_budget *b, uint64_t rate, uint64_t burst, uint64_t now)
{
	memset(b, 0, sizeof(*b));
	b->rate = rate < 1 ? 1 : rate > PD_WALK_RATE_LIMIT ? PD_WALK_RATE_LIMIT : rate;
	b->burst = burst < 1 ? 1 : burst > PD_WALK_RATE_LIMIT ? PD_WALK_RATE_LIMIT : burst;
	b->credit = b->burst * 1000u;
	b->last_ms = now;
}

uint64_t pd_budget_left(struct pd_budget *b, uint64_t now)
{
	refill(b, now);
	return b->credit / 1000u;
}

void pd_budget_charge(struct pd_budget *b, uint64_t n)
{
	b->credit = n >= b->credit / 1000u ? b->credit % 1000u : b->credit - n * 1000u;
}

uint64_t pd_budget_walk(struct pd_budget *b, uint64_t now, uint64_t max)
{
	uint64_t need = max < b->burst ? max : b->burst;
	return pd_budget_left(b, now) >= need ? need : 0;
}
