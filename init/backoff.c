#include "backoff.h"

#include <string.h>

void backoff_init(struct backoff *b, unsigned limit, uint64_t window_ms, uint64_t delay_ms,
		  uint64_t delay_max_ms)
{
	memset(b, 0, sizeof(*b));
	b->limit = limit > BACKOFF_MAX_LIMIT ? BACKOFF_MAX_LIMIT : limit;
	b->window_ms = window_ms;
	b->delay_ms = delay_ms;
	b->delay_max_ms = delay_max_ms;
}

int64_t backoff_next(struct backoff *b, uint64_t now_ms)
{
	unsigned keep = 0;
	/* Forget restarts that fell out of the window. */
	for (unsigned i = 0; i < b->n; i++)
		if (now_ms < b->window_ms || b->restarts[i] > now_ms - b->window_ms)
			b->restarts[keep++] = b->restarts[i];
	b->n = keep;
	if (b->n >= b->limit)
		return -1;
	uint64_t d = b->delay_ms;
	for (unsigned i = 0; i < b->n && d < b->delay_max_ms; i++)
		d *= 2;
	if (d > b->delay_max_ms)
		d = b->delay_max_ms;
	b->restarts[b->n++] = now_ms;
	return (int64_t)d;
}
