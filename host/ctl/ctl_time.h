/* Monotonic deadlines in milliseconds. Every wait in the control library is
 * bounded by an absolute deadline, so a silent or slow guest cannot stretch
 * an operation past what the user asked for. */
#ifndef APPVM_CTL_TIME_H
#define APPVM_CTL_TIME_H

#include <limits.h>
#include <stdint.h>
#include <time.h>

/* Returns the monotonic clock in milliseconds. */
static inline uint64_t ctl_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Returns the monotonic clock in microseconds. */
static inline uint64_t ctl_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Returns the milliseconds left until deadline (0 once it has passed),
 * clamped to what poll() takes. */
static inline int ctl_remaining_ms(uint64_t deadline)
{
	uint64_t now = ctl_now_ms();
	if (now >= deadline)
		return 0;
	uint64_t left = deadline - now;
	return left > INT_MAX ? INT_MAX : (int)left;
}

#endif
