/*
 * clock.h - the time seam. Protocol code never reads a clock: it is given `now`
 * (microseconds on CLOCK_BOOTTIME, so time asleep counts) and answers with its
 * next deadline. Daemons read the real clock; tests drive a fake one.
 */
#pragma once

#include <stdint.h>

typedef uint64_t usec_t;

#define USEC_PER_MSEC 1000ULL
#define USEC_PER_SEC 1000000ULL
#define USEC_INFINITY UINT64_MAX

typedef usec_t (*clock_now_func_t)(void *user_data);

struct clock_ops {
	clock_now_func_t now;
	void *user_data;
};

static inline usec_t clock_now(const struct clock_ops *c)
{
	return c->now(c->user_data);
}

/* CLOCK_BOOTTIME, the clock of every deadline. */
extern const struct clock_ops clock_boottime;
/* CLOCK_MONOTONIC: stops during suspend; compared with BOOTTIME to detect a sleep. */
extern const struct clock_ops clock_monotonic;
usec_t clock_boottime_now(void);
usec_t clock_monotonic_now(void);
/* Wall clock, for log records only. */
usec_t clock_realtime_now(void);

/* Virtual time for tests: starts at `start`, moves only when told. */
struct clock_fake {
	usec_t now;
	struct clock_ops ops;
};

void clock_fake_init(struct clock_fake *f, usec_t start);
void clock_fake_advance(struct clock_fake *f, usec_t delta);
void clock_fake_set(struct clock_fake *f, usec_t now);
