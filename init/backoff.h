/* Restart policy for supervised services: exponential delay and a limit of
 * restarts within a sliding window. Pure: times are passed in. */
#ifndef APPVM_INIT_BACKOFF_H
#define APPVM_INIT_BACKOFF_H

#include <stdint.h>

#define BACKOFF_MAX_LIMIT 100

struct backoff {
	unsigned limit;
	uint64_t window_ms, delay_ms, delay_max_ms;
	uint64_t restarts[BACKOFF_MAX_LIMIT]; /* times of recent restarts, oldest first */
	unsigned n;
};

/* Sets the policy (limit is capped at BACKOFF_MAX_LIMIT) and clears history. */
void backoff_init(struct backoff *b, unsigned limit, uint64_t window_ms, uint64_t delay_ms,
		  uint64_t delay_max_ms);

/* Called when the service died at now_ms. Returns the delay before the next
 * start (and records that restart), or -1 when the limit of restarts within the
 * window is reached: the service has failed. */
int64_t backoff_next(struct backoff *b, uint64_t now_ms);

#endif
