/*
 * session_timers.h - the reconnect policy: when to reconnect, why (reason codes of
 * PROTOCOL.md §12), and when the next attempt starts. Pure: the caller passes `now`
 * (CLOCK_BOOTTIME) and an rng for the jitter; the formulas are in session_timers.c.
 */
#pragma once
#include <stdbool.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/rng.h"

/* PROTOCOL.md §12 (D13); never on the wire. */
#define SESSION_REASONS(X)                                                                 \
	X(RESUME, 9, "System resume from suspend mode (Sleep, Stand-by, Hibernate, etc).") \
	X(NETWORK_INTERFACE, 101, "Network interface change")                              \
	X(SOURCE_ADDRESS, 102, "Source address change")                                    \
	X(DEAD_PEER, 103, "Dead peer detected")                                            \
	X(GATEWAY_DELETE, 104, "Gateway deleted the SA")                                   \
	X(RETRANSMIT, 105, "Retransmission timeout")                                       \
	X(USER, 106, "User request")                                                       \
	X(AGENT_RESTART, 107, "Agent restart")

#define SESSION_REASON_ENUM_(n, code, text) SESSION_REASON_##n = code,
enum session_reason {
	SESSION_REASON_NONE = 0,
	SESSION_REASONS(SESSION_REASON_ENUM_) _SESSION_REASON_MAX,
};
#undef SESSION_REASON_ENUM_

/* NULL for a number that is not a reason code. */
const char *session_reason_text(int code);

/* What a trigger leads to under the profile's AutoReconnect settings. */
enum session_action {
	SESSION_ACTION_RECONNECT,
	SESSION_ACTION_DISCONNECT, /* AutoReconnect=false, or DisconnectOnSuspend */
	SESSION_ACTION_IGNORE,
	_SESSION_ACTION_MAX,
};

struct session_policy {
	bool auto_reconnect;	    /* profile AutoReconnect */
	bool disconnect_on_suspend; /* AutoReconnectBehavior=DisconnectOnSuspend */
};

/* `suspending`: logind PrepareForSleep(true), the system is about to sleep. */
enum session_action session_timers_on_suspend(const struct session_policy *p);
enum session_action session_timers_on_trigger(const struct session_policy *p,
					      enum session_reason r);

#define SESSION_BACKOFF_FIRST (250 * USEC_PER_MSEC)
#define SESSION_BACKOFF_CAP   (30 * USEC_PER_SEC)
#define SESSION_DARK_RETRY    (500 * USEC_PER_MSEC)
#define SESSION_SLEEP_GAP     (5 * USEC_PER_SEC)

/* One reconnect, from its trigger to success or giving up. */
struct session_reconnect {
	enum session_reason reason;
	usec_t trigger_at;
	usec_t deadline;   /* trigger_at + the gateway's reconnect timeout */
	unsigned attempts; /* started */
	unsigned failures; /* answered by the gateway with a failure */
	usec_t next_at;	   /* when the next attempt starts */
};

void session_timers_start(struct session_reconnect *rc, enum session_reason r, usec_t now,
			  usec_t reconnect_timeout);
/* The caller starts an attempt now: counts it. */
void session_timers_attempt(struct session_reconnect *rc);
/*
 * An attempt failed: answered (the gateway replied with an error that may pass, e.g.
 * TEMPORARY_FAILURE) or unanswered (the path is dark). Sets next_at; -ETIMEDOUT when
 * the reconnect timeout is spent (then a full login is due).
 */
_must_check_ int session_timers_failed(struct session_reconnect *rc, bool answered, usec_t now,
				       const struct rng_ops *rng);
/* The unjittered delay after n answered failures (n >= 1). */
usec_t session_timers_backoff(unsigned n);
/* Milliseconds from trigger to traffic-ready, for stats. */
uint64_t session_timers_elapsed_ms(const struct session_reconnect *rc, usec_t now);

/*
 * Sleep detection without logind: CLOCK_MONOTONIC stops during suspend, CLOCK_BOOTTIME
 * does not; a growth of their difference by more than SESSION_SLEEP_GAP means a sleep.
 */
struct session_sleep_gap {
	usec_t offset; /* boottime - monotonic at the last check */
	bool primed;
};
bool session_timers_slept(struct session_sleep_gap *g, usec_t boottime, usec_t monotonic);
