/*
 * Reconnect timers; every deadline is CLOCK_BOOTTIME, so time asleep counts.
 * - first attempt: at once on the trigger (always at least one, even after a suspend
 *   longer than the reconnect timeout: the gateway may still hold the session).
 * - answered failure n (n = 1, 2, ...): next attempt after
 *   min(SESSION_BACKOFF_FIRST << (n-1), SESSION_BACKOFF_CAP) = 0.25, 0.5, 1, 2, 4 ... 30 s,
 *   jittered down by up to a quarter so returning clients do not synchronise.
 * - unanswered attempt (path dark): next after SESSION_DARK_RETRY (0.5 s), jittered
 *   down by up to a quarter; cheap for the gateway (an IKE_SA_INIT it may answer with a
 *   COOKIE, RFC 7296 §2.6) and keeps "traffic within 2 s of the path returning" (issue 8).
 * - give up: when the next attempt would start at or after trigger + reconnect timeout
 *   (the gateway's, else 900 s, PROTOCOL.md §11); then a full login.
 * - sleep gap: (BOOTTIME - MONOTONIC) growing by more than SESSION_SLEEP_GAP (5 s,
 *   PROTOCOL.md §12 code 9) between two checks means the system slept.
 */
#include "session_timers.h"

#define SESSION_REASON_TEXT_(n, code, text) \
	case code:                          \
		return text;

const char *session_reason_text(int code)
{
	switch (code) {
		SESSION_REASONS(SESSION_REASON_TEXT_)
	}
	return NULL;
}

enum session_action session_timers_on_suspend(const struct session_policy *p)
{
	/* ReconnectAfterResume keeps the tunnel up (it is lost while asleep, reconnected
	 * on resume); DisconnectOnSuspend tears it down before sleeping. */
	if (!p->auto_reconnect || p->disconnect_on_suspend)
		return SESSION_ACTION_DISCONNECT;
	return SESSION_ACTION_IGNORE;
}

enum session_action session_timers_on_trigger(const struct session_policy *p, enum session_reason r)
{
	if (r == SESSION_REASON_USER)
		return SESSION_ACTION_RECONNECT; /* asked for explicitly */
	if (!p->auto_reconnect)
		return SESSION_ACTION_DISCONNECT;
	if (r == SESSION_REASON_RESUME && p->disconnect_on_suspend)
		return SESSION_ACTION_DISCONNECT;
	return SESSION_ACTION_RECONNECT;
}

void session_timers_start(struct session_reconnect *rc, enum session_reason r, usec_t now,
			  usec_t reconnect_timeout)
{
	*rc = (struct session_reconnect){
		.reason = r,
		.trigger_at = now,
		.deadline = now + reconnect_timeout,
		.next_at = now,
	};
}

void session_timers_attempt(struct session_reconnect *rc)
{
	rc->attempts++;
}

usec_t session_timers_backoff(unsigned n)
{
	usec_t d = SESSION_BACKOFF_FIRST;

	for (unsigned i = 1; i < n && d < SESSION_BACKOFF_CAP; i++)
		d *= 2;
	return d < SESSION_BACKOFF_CAP ? d : SESSION_BACKOFF_CAP;
}

/* d minus up to d/4: never later than the schedule, never in lock step. */
static usec_t jitter(usec_t d, const struct rng_ops *rng)
{
	uint32_t u = 0;

	if (rng_uniform(rng, 1000, &u) < 0)
		u = 0;
	return d - d / 4 * u / 1000;
}

int session_timers_failed(struct session_reconnect *rc, bool answered, usec_t now,
			  const struct rng_ops *rng)
{
	usec_t d;

	if (answered)
		rc->failures++;
	d = answered ? session_timers_backoff(rc->failures) : SESSION_DARK_RETRY;
	rc->next_at = now + jitter(d, rng);
	return rc->next_at >= rc->deadline ? -ETIMEDOUT : 0;
}

uint64_t session_timers_elapsed_ms(const struct session_reconnect *rc, usec_t now)
{
	return now > rc->trigger_at ? (now - rc->trigger_at) / USEC_PER_MSEC : 0;
}

bool session_timers_slept(struct session_sleep_gap *g, usec_t boottime, usec_t monotonic)
{
	usec_t off = boottime >= monotonic ? boottime - monotonic : 0;
	bool slept = g->primed && off > g->offset && off - g->offset > SESSION_SLEEP_GAP;

	g->offset = off;
	g->primed = true;
	return slept;
}
