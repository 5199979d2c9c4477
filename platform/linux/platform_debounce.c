/*
 * platform_debounce.c - quiet-period debounce with a cap (see the header).
 */
#include "platform/linux/platform_debounce.h"

void platform_debounce_init(struct platform_debounce *d, usec_t quiet, usec_t max)
{
	d->quiet = quiet;
	d->max = max < quiet ? quiet : max;
	d->first = 0;
	d->deadline = USEC_INFINITY;
}

usec_t platform_debounce_kick(struct platform_debounce *d, usec_t now)
{
	usec_t cap;

	if (d->deadline == USEC_INFINITY)
		d->first = now;
	cap = d->first + d->max;
	d->deadline = now + d->quiet < cap ? now + d->quiet : cap;
	return d->deadline;
}

bool platform_debounce_due(struct platform_debounce *d, usec_t now)
{
	if (d->deadline == USEC_INFINITY || now < d->deadline)
		return false;
	d->deadline = USEC_INFINITY;
	return true;
}

bool platform_debounce_pending(const struct platform_debounce *d)
{
	return d->deadline != USEC_INFINITY;
}

void platform_debounce_cancel(struct platform_debounce *d)
{
	d->deadline = USEC_INFINITY;
}
