/* Retry delays: every appvm component that reconnects waits the same way,
 * doubling from a first delay up to a ceiling. Pure. */
#ifndef APPVM_RETRY_H
#define APPVM_RETRY_H

/* The ceiling of a guest's retries toward a host that does not listen (the
 * agent's event link, the portal's host link): each attempt wakes an idle
 * VM (docs/benchmarks.md, "What wakes an idle guest"). What has something
 * to send does not wait for it: it kicks its link (lib/frame_link.h). */
#define RETRY_IDLE_MAX_MS 60000u

/* Returns the delay after prev_ms: first_ms when prev_ms is below it (0: no
 * failure yet), else twice prev_ms, at most max_ms (never overflowing). */
static inline unsigned retry_backoff_next(unsigned prev_ms, unsigned first_ms, unsigned max_ms)
{
	if (prev_ms < first_ms)
		return first_ms;
	return prev_ms >= max_ms / 2 ? max_ms : prev_ms * 2;
}

#endif
