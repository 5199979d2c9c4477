/* clock.c - real clocks (CLOCK_BOOTTIME, CLOCK_MONOTONIC) and the fake one for tests. */
#include "clock.h"

#include <time.h>

static usec_t read_clock(clockid_t id)
{
	struct timespec ts;

	/* only fails for an invalid clock id, which would be our bug */
	if (clock_gettime(id, &ts) < 0)
		return 0;
	return (usec_t)ts.tv_sec * USEC_PER_SEC + (usec_t)ts.tv_nsec / 1000;
}

usec_t clock_boottime_now(void)
{
	return read_clock(CLOCK_BOOTTIME);
}

usec_t clock_monotonic_now(void)
{
	return read_clock(CLOCK_MONOTONIC);
}

usec_t clock_realtime_now(void)
{
	return read_clock(CLOCK_REALTIME);
}

static usec_t boottime_cb(void *ud)
{
	(void)ud;
	return clock_boottime_now();
}

static usec_t monotonic_cb(void *ud)
{
	(void)ud;
	return clock_monotonic_now();
}

const struct clock_ops clock_boottime = { .now = boottime_cb, .user_data = NULL };
const struct clock_ops clock_monotonic = { .now = monotonic_cb, .user_data = NULL };

static usec_t fake_cb(void *ud)
{
	return ((struct clock_fake *)ud)->now;
}

void clock_fake_init(struct clock_fake *f, usec_t start)
{
	f->now = start;
	f->ops.now = fake_cb;
	f->ops.user_data = f;
}

void clock_fake_advance(struct clock_fake *f, usec_t delta)
{
	f->now += delta;
}

void clock_fake_set(struct clock_fake *f, usec_t now)
{
	f->now = now;
}
