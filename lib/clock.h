/* The monotonic clock in the units deadlines and timeouts use. Every wait in
 * appvm is bounded by an absolute monotonic deadline, so a silent peer cannot
 * stretch an operation past what was asked for. */
#ifndef APPVM_CLOCK_H
#define APPVM_CLOCK_H

#include <stdint.h>

/* Returns CLOCK_MONOTONIC in milliseconds. */
uint64_t clock_now_ms(void);

/* Returns CLOCK_MONOTONIC in microseconds. */
uint64_t clock_now_us(void);

/* Returns the milliseconds left until deadline_ms (0 once it has passed),
 * clamped to INT_MAX so that the result can be given to poll(). */
int clock_remaining_ms(uint64_t deadline_ms);

#endif
