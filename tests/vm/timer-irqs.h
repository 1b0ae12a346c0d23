/*
 * The guest's timer interrupts, for the idle benchmark (boot-probe.c
 * --serve-stats) and the tickless-idle check (guest-check.c --timers).
 */
#pragma once
#include <stdint.h>
#include <stdio.h>

/*
 * Sets *COUNT to the interrupts of the timer devices on all CPUs so far: the
 * rows LOC (local APIC timers) and 0 (the PIT or HPET as the global tick,
 * e.g. with noapictimer) of /proc/interrupts. When COPY is not NULL, the
 * file's text is also written to it. 0 or -errno.
 */
int timer_irqs(uint64_t *count, FILE *copy);
