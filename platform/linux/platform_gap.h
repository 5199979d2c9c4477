/*
 * platform_gap.h - the sleep detector that needs no D-Bus: CLOCK_MONOTONIC
 * stops while the system is suspended, CLOCK_BOOTTIME does not, so their
 * difference grows by exactly the time asleep. Pure: the caller reads both
 * clocks (real or fake) and passes them in.
 */
#pragma once

#include <stdbool.h>

#include "core/clock.h"

struct platform_gap {
	usec_t offset; /* boottime - monotonic at the last check */
	bool primed;
	bool held; /* logind announced the sleep: it reports the resume, not us */
};

/* Takes the current difference as the reference. */
void platform_gap_rebase(struct platform_gap *g, usec_t boottime, usec_t monotonic);
/* Time slept since the last check or rebase if it exceeds threshold, else 0;
 * either way the current difference becomes the reference. The first call
 * only primes; while held, nothing is reported. */
usec_t platform_gap_check(struct platform_gap *g, usec_t boottime, usec_t monotonic,
			  usec_t threshold);
/* PrepareForSleep(true): the resume will come from logind. A CLOCK_BOOTTIME
 * timer may fire right after waking, before logind's PrepareForSleep(false)
 * arrives; holding keeps one sleep from making two RESUME events. */
void platform_gap_hold(struct platform_gap *g);
/* PrepareForSleep(false): rebase and report gaps again. */
void platform_gap_release(struct platform_gap *g, usec_t boottime, usec_t monotonic);
/* How late a timer due at `scheduled` ran at `now` if more than threshold, else 0.
 * With no sleep found, lateness means the process was not scheduled. */
usec_t platform_gap_late(usec_t scheduled, usec_t now, usec_t threshold);
