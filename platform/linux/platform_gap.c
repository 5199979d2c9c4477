/*
 * platform_gap.c - suspend detection from the CLOCK_BOOTTIME - CLOCK_MONOTONIC
 * difference (PROTOCOL.md §12, reason 9: "jumps by more than 5 s").
 */
#include "platform/linux/platform_gap.h"

static usec_t diff(usec_t boottime, usec_t monotonic)
{
	/* BOOTTIME >= MONOTONIC always holds on Linux; clamp so a fake clock
	 * set the wrong way round cannot wrap. */
	return boottime > monotonic ? boottime - monotonic : 0;
}

void platform_gap_rebase(struct platform_gap *g, usec_t boottime, usec_t monotonic)
{
	g->offset = diff(boottime, monotonic);
	g->primed = true;
}

usec_t platform_gap_check(struct platform_gap *g, usec_t boottime, usec_t monotonic,
			  usec_t threshold)
{
	usec_t d = diff(boottime, monotonic), slept;

	if (!g->primed) {
		platform_gap_rebase(g, boottime, monotonic);
		return 0;
	}
	slept = d > g->offset ? d - g->offset : 0;
	g->offset = d;
	return slept > threshold && !g->held ? slept : 0;
}

void platform_gap_hold(struct platform_gap *g)
{
	g->held = true;
}

void platform_gap_release(struct platform_gap *g, usec_t boottime, usec_t monotonic)
{
	g->held = false;
	platform_gap_rebase(g, boottime, monotonic);
}

usec_t platform_gap_late(usec_t scheduled, usec_t now, usec_t threshold)
{
	return now > scheduled && now - scheduled > threshold ? now - scheduled : 0;
}
