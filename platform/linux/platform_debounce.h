/*
 * platform_debounce.h - turns a burst of events into one: fires once nothing
 * happened for `quiet`, but no later than `max` after the first event of the
 * burst, so a flapping link cannot postpone the notification forever. Pure:
 * the caller passes `now` and arms its own timer at the returned deadline.
 */
#pragma once

#include <stdbool.h>

#include "core/clock.h"

struct platform_debounce {
	usec_t quiet;
	usec_t max;
	usec_t first;	 /* first event of the pending burst */
	usec_t deadline; /* USEC_INFINITY: nothing pending */
};

void platform_debounce_init(struct platform_debounce *d, usec_t quiet, usec_t max);
/* An event at now; returns the (new) deadline to arm the timer at. */
usec_t platform_debounce_kick(struct platform_debounce *d, usec_t now);
/* True when the burst is over at now; then nothing is pending any more. */
bool platform_debounce_due(struct platform_debounce *d, usec_t now);
bool platform_debounce_pending(const struct platform_debounce *d);
void platform_debounce_cancel(struct platform_debounce *d);
