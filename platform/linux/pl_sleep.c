/*
 * pl_sleep.c - sleep and resume (issue 8, PROTOCOL.md §12 reason 9), from two
 * sources that agree on one event stream:
 * - logind's PrepareForSleep(b) signal on the system bus (true: about to
 *   sleep -> SLEEP; false: resumed -> RESUME), when the bus is there;
 * - always, the CLOCK_BOOTTIME - CLOCK_MONOTONIC gap (platform_gap.c), checked
 *   by a CLOCK_BOOTTIME timer every PLATFORM_LINUX_GAP_CHECK_USEC: a BOOTTIME
 *   deadline that passed during the sleep fires right after the resume, so the
 *   detection costs one wake-up per period and no D-Bus. Between logind's
 *   PrepareForSleep(true) and (false) the gap is held, and (false) re-bases
 *   it, so one sleep never makes two RESUME events whichever comes first.
 * The same timer running more than PLATFORM_STALL_USEC late with no gap means the
 * process was stopped, not the system: STALLED (the daemon probes the gateway).
 */
#define LOG_MODULE "platform"
#include "core/log.h"
#include "platform/linux/pl_internal.h"

static void emit(struct platform_linux *pl, enum platform_event_type type, usec_t slept)
{
	struct platform_event ev = {
		.type = type,
		.reason = type == PLATFORM_EVENT_RESUME ? PLATFORM_REASON_RESUME : 0,
		.slept_usec = slept,
	};

	platform_linux_emit(pl, &ev);
}

usec_t pl_sleep_check_gap(struct platform_linux *pl)
{
	usec_t slept = platform_gap_check(&pl->gap, clock_boottime_now(), clock_monotonic_now(),
					  PLATFORM_SLEEP_GAP_USEC);

	if (slept) {
		log_info("system slept for %llu ms (CLOCK_BOOTTIME gap)",
			 (unsigned long long)(slept / USEC_PER_MSEC));
		emit(pl, PLATFORM_EVENT_RESUME, slept);
	}
	return slept;
}

static int gap_cb(sd_event_source *s, uint64_t usec, void *ud)
{
	struct platform_linux *pl = ud;
	usec_t late = platform_gap_late(usec, clock_boottime_now(), PLATFORM_STALL_USEC);

	/* late without a sleep: we were stopped; the daemon probes the gateway (issue 8) */
	if (!pl_sleep_check_gap(pl) && late) {
		log_info("timer ran %llu ms late without a sleep: the process was stopped",
			 (unsigned long long)(late / USEC_PER_MSEC));
		emit(pl, PLATFORM_EVENT_STALLED, late);
	}
	if (sd_event_source_set_time(s, clock_boottime_now() + PLATFORM_LINUX_GAP_CHECK_USEC) >= 0)
		(void)sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

static int prepare_for_sleep_cb(sd_bus_message *m, void *ud, sd_bus_error *err)
{
	struct platform_linux *pl = ud;
	int going = 0;

	if (sd_bus_message_read(m, "b", &going) < 0) {
		log_debug_ratelimited("PrepareForSleep: unreadable signal");
		return 0;
	}
	log_info("logind: PrepareForSleep(%s)", going ? "true" : "false");
	if (going)
		platform_gap_hold(&pl->gap);
	else
		platform_gap_release(&pl->gap, clock_boottime_now(), clock_monotonic_now());
	emit(pl, going ? PLATFORM_EVENT_SLEEP : PLATFORM_EVENT_RESUME, 0);
	return 0;
}

static void watch_logind(struct platform_linux *pl)
{
	sd_bus *bus;
	int r;

	if (pl->no_logind || pl_bus_get(pl, &bus) < 0) {
		log_debug("sleep detection: CLOCK_BOOTTIME gap only");
		return;
	}
	r = sd_bus_match_signal(bus, &pl->sleep_slot, "org.freedesktop.login1",
				"/org/freedesktop/login1", "org.freedesktop.login1.Manager",
				"PrepareForSleep", prepare_for_sleep_cb, pl);
	if (r < 0)
		log_warning_fr(r, "cannot watch logind's PrepareForSleep; gap detector only");
}

int pl_sleep_attach(struct platform_linux *pl)
{
	int r;

	platform_gap_rebase(&pl->gap, clock_boottime_now(), clock_monotonic_now());
	r = sd_event_add_time_relative(pl->event, &pl->gap_src, CLOCK_BOOTTIME,
				       PLATFORM_LINUX_GAP_CHECK_USEC, USEC_PER_SEC, gap_cb, pl);
	if (r < 0)
		return r;
	watch_logind(pl);
	return 0;
}

void pl_sleep_detach(struct platform_linux *pl)
{
	pl->gap_src = sd_event_source_disable_unref(pl->gap_src);
	pl->sleep_slot = sd_bus_slot_unref(pl->sleep_slot);
}
