/*
 * conn_reconnect.c - Auto Reconnect (issue 8): a trigger (resume, network change,
 * gateway loss, agent restart) moves the connection to Reconnecting; attempts build
 * a new IKE SA with KEY_ID(session ID) + PSK(token) (PROTOCOL.md §4.2) on the
 * schedule of agent/session/session_timers.c. Reconnecting is a state plus one
 * timer, never a loop: any new trigger or command interrupts it.
 * The log lines are the seed's ("Session level reconnect reason code 9: ...",
 * "Reconnecting to HOST...", "Using IKE ID 'ID' for reconnect", "Connected to HOST.").
 */
#define LOG_MODULE "reconnect"
#include "conn.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <systemd/sd-event.h>

#include "core/log.h"
#include "core/rng.h"
#include "daemon/daemon.h"
#include "ike/ike.h"
#include "platform/linux/dataplane.h"
#include "profile/profile.h"
#include "session/session_store.h"

#define REJECTED_TEXT                                                                         \
	"reconnect rejected by gateway (AUTHENTICATION_FAILED): session unknown, expired or " \
	"token invalid; full login required"

static void logrec(struct conn *c, enum daemon_log_type t, int reason, const char *fmt, ...)
	_printf_(4, 5);
static void logrec(struct conn *c, enum daemon_log_type t, int reason, const char *fmt, ...)
{
	char text[DAEMON_LOG_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	daemon_log_record(&c->d->log, t, DAEMON_SOURCE_AGENT,
			  c->session.id[0] ? c->session.id : NULL, reason, "%s", text);
}

/* The tunnel goes away for good (policy says so, or nothing to reconnect with). */
static void give_up(struct conn *c, const char *why)
{
	logrec(c, DAEMON_LOG_WARNING, 0, "%s", why);
	if (c->state == CONN_STATE_RECONNECTING)
		dart_history_reconnect_end(&c->d->dart.history, false, why, clock_boottime_now());
	if (c->state != CONN_STATE_DISCONNECTING)
		conn_set_state(c, CONN_STATE_DISCONNECTING, 0, why);
	conn_ike_teardown(c, true);
}

static void attempt(struct conn *c)
{
	int r;

	session_timers_attempt(&c->rc);
	dart_history_reconnect_step(&c->d->dart.history, "ike_sa_init_sent", clock_boottime_now());
	r = conn_ike_start(c, false);
	/* one record per reconnect, not per retry on a dark path: the log stays readable */
	if (r == 0 && !c->rc_id_logged) {
		c->rc_id_logged = true;
		logrec(c, DAEMON_LOG_INFORMATION, c->rc.reason, "Using IKE ID '%s' for reconnect",
		       c->session.id);
	}
	if (r < 0) {
		/* typically no route to the gateway yet (link down): the path is dark */
		log_debug("conn %s: reconnect attempt %u not sent: %s", c->host_name,
			  c->rc.attempts, err_str(r));
		conn_reconnect_failed(c, false, false, err_str(r));
		return;
	}
	/* If nothing answers this attempt, a fresh IKE_SA_INIT follows on the short dark
	 * cadence instead of IKE's doubling retransmissions (issue 8: traffic within 2 s
	 * of a dark path returning); an answered attempt is left to finish. */
	if (session_timers_failed(&c->rc, false, clock_boottime_now(), &rng_system) == 0)
		c->attempt_due = true;
	conn_rearm(c);
}

/* PROTOCOL.md §7 D7: forget the session; Reconnecting -> Connecting; ask the user. */
static void full_login(struct conn *c, const char *why)
{
	int r;

	logrec(c, DAEMON_LOG_WARNING, c->rc.reason, "%s", why);
	dart_history_reconnect_end(&c->d->dart.history, false, why, clock_boottime_now());
	(void)session_store_remove(c->d->opts.state_dir);
	c->session.token = secret_free(c->session.token);
	c->session.id[0] = '\0';
	conn_set_state(c, CONN_STATE_CONNECTING, c->rc.reason, why);
	conn_progress(c, "Contacting %s.", c->host_name);
	if ((r = conn_ike_start(c, true)) < 0)
		conn_ike_end(c, r, "cannot contact the gateway for a new login", false, false,
			     true);
}

void conn_reconnect_trigger(struct conn *c, enum session_reason r)
{
	usec_t now = clock_boottime_now();

	if (c->state != CONN_STATE_CONNECTED && c->state != CONN_STATE_RECONNECTING) {
		log_debug("conn: reconnect trigger %d ignored in %s", (int)r,
			  conn_state_to_string(c->state));
		return;
	}
	if (r == SESSION_REASON_RESUME)
		logrec(c, DAEMON_LOG_INFORMATION, 0,
		       "..Client Agent continuing from system suspend.");
	if (session_timers_on_trigger(&c->policy, r) == SESSION_ACTION_DISCONNECT)
		return give_up(c, r == SESSION_REASON_RESUME && c->policy.auto_reconnect
					  ? "Disconnected: the profile says DisconnectOnSuspend."
					  : "Disconnected: AutoReconnect is off in the profile.");
	if (!session_can_reconnect(&c->session))
		return give_up(c, "Disconnected: the gateway gave no session token, so no "
				  "reconnect is possible.");
	logrec(c, DAEMON_LOG_WARNING, r, "Session level reconnect reason code %d: %s", (int)r,
	       session_reason_text(r));
	if (c->state == CONN_STATE_RECONNECTING) {
		c->rc.reason = r;
		/* an attempt the gateway is answering goes on: abandoning it after its IKE_AUTH
		 * could leave the gateway with a rotated token we never saw (PROTOCOL.md §7 D6) */
		if (c->sa && c->attempt_answered)
			return;
		/* a new trigger while dark (the link came back): try now, same deadline */
		c->rc.next_at = now;
		c->attempt_due = false;
		attempt(c);
		return;
	}
	if (!c->session.lost_at)
		c->session.lost_at = now;
	if (session_store_save(&c->session, c->d->opts.state_dir) < 0)
		log_warning("conn %s: cannot update the stored session", c->host_name);
	/* packets from applications queue in the data plane until the new SA is in */
	if (c->dp && c->child_spi_in && dataplane_sa_remove(c->dp, c->child_spi_in) == 0)
		c->child_spi_in = 0;
	session_timers_start(&c->rc, r, now, c->session.reconnect_timeout);
	dart_history_reconnect_begin(&c->d->dart.history, r, clock_realtime_now(), now);
	c->rc_id_logged = false;
	conn_set_state(c, CONN_STATE_RECONNECTING, r, session_reason_text(r));
	conn_progress(c, "Reconnecting to %s...", c->host_name);
	attempt(c);
}

void conn_reconnect_failed(struct conn *c, bool answered, bool auth_failed, const char *why)
{
	int r;

	if (c->state != CONN_STATE_RECONNECTING) {
		conn_ike_end(c, -EACCES, why, answered, auth_failed, true);
		return;
	}
	conn_ike_abandon(c);
	if (auth_failed)
		return full_login(c, REJECTED_TEXT);
	r = session_timers_failed(&c->rc, answered, clock_boottime_now(), &rng_system);
	if (r == -ETIMEDOUT)
		return full_login(c, "reconnect timeout spent; full login required");
	log_debug("conn %s: attempt %u failed (%s, %s); next in %llu ms", c->host_name,
		  c->rc.attempts, why, answered ? "answered" : "unanswered",
		  (unsigned long long)((c->rc.next_at - clock_boottime_now()) / USEC_PER_MSEC));
	c->attempt_due = true;
	conn_rearm(c);
}

void conn_reconnect_succeeded(struct conn *c)
{
	uint64_t ms = session_timers_elapsed_ms(&c->rc, clock_boottime_now());

	c->stats.reconnects++;
	c->stats.last_reconnect_reason = c->rc.reason;
	c->stats.last_reconnect_ms = ms;
	c->attempt_due = false;
	dart_history_reconnect_end(&c->d->dart.history, true, "reconnected", clock_boottime_now());
	conn_set_state(c, CONN_STATE_CONNECTED, c->rc.reason, c->host_name);
	logrec(c, DAEMON_LOG_INFORMATION, c->rc.reason,
	       "Reconnected to %s in %llu ms (reason code %d, %u attempt%s).", c->host_name,
	       (unsigned long long)ms, c->rc.reason, c->rc.attempts,
	       c->rc.attempts == 1 ? "" : "s");
}

static void restore_policy(struct conn *c)
{
	const struct profile_host *h =
		c->d->profiles ? profile_set_find_host(c->d->profiles, c->host_name) : NULL;
	struct profile_settings st;

	c->policy = (struct session_policy){.auto_reconnect = true, .disconnect_on_suspend = true};
	if (h && profile_set_host_settings(c->d->profiles, h, &st) == 0) {
		snprintf(c->host_address, sizeof(c->host_address), "%s", st.host_address);
		c->policy.auto_reconnect = st.auto_reconnect.num != 0;
		c->policy.disconnect_on_suspend =
			st.auto_reconnect_behavior.num == PROFILE_BEHAVIOR_DISCONNECT_ON_SUSPEND;
	}
}

void conn_reconnect_restore(struct conn *c)
{
	usec_t now = clock_boottime_now();
	int r = session_store_load(c->d->opts.state_dir, &c->session);

	if (r == -ENOENT)
		return;
	if (r < 0 || inet_pton(AF_INET, c->session.gateway, &c->gw) != 1) {
		log_warning("stored session in %s unusable (%s); removed", c->d->opts.state_dir,
			    r < 0 ? err_str(r) : "no gateway address");
		(void)session_store_remove(c->d->opts.state_dir);
		session_done(&c->session);
		return;
	}
	snprintf(c->host_name, sizeof(c->host_name), "%s",
		 c->session.host_name[0] ? c->session.host_name : c->session.gateway);
	snprintf(c->host_address, sizeof(c->host_address), "%s", c->session.gateway);
	restore_policy(c);
	if (!c->policy.auto_reconnect) {
		(void)session_store_remove(c->d->opts.state_dir);
		session_done(&c->session);
		return;
	}
	logrec(c, DAEMON_LOG_WARNING, SESSION_REASON_AGENT_RESTART,
	       "Session level reconnect reason code %d: %s", SESSION_REASON_AGENT_RESTART,
	       session_reason_text(SESSION_REASON_AGENT_RESTART));
	if (!c->session.lost_at)
		c->session.lost_at = now;
	session_timers_start(&c->rc, SESSION_REASON_AGENT_RESTART, now,
			     c->session.reconnect_timeout);
	dart_history_reconnect_begin(&c->d->dart.history, SESSION_REASON_AGENT_RESTART,
				     clock_realtime_now(), now);
	c->rc_id_logged = false;
	conn_set_state(c, CONN_STATE_RECONNECTING, SESSION_REASON_AGENT_RESTART,
		       session_reason_text(SESSION_REASON_AGENT_RESTART));
	conn_progress(c, "Reconnecting to %s...", c->host_name);
	attempt(c);
}

void conn_reconnect_on_sleep(struct conn *c)
{
	if (c->state != CONN_STATE_CONNECTED && c->state != CONN_STATE_RECONNECTING)
		return;
	logrec(c, DAEMON_LOG_INFORMATION, 0, "Client Agent going to system suspend.");
	if (session_timers_on_suspend(&c->policy) == SESSION_ACTION_DISCONNECT)
		give_up(c, "Disconnected before system suspend (DisconnectOnSuspend).");
}

/* ---- the one timer ---- */

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	conn_probe_timer_fired(userdata, usec, clock_boottime_now());
	conn_on_timer(userdata);
	return 0;
}

void conn_rearm(struct conn *c)
{
	usec_t t = c->ike ? ike_next_deadline(c->ike) : USEC_INFINITY;

	if (c->attempt_due && c->rc.next_at < t)
		t = c->rc.next_at;
	if (conn_probe_deadline(c) < t)
		t = conn_probe_deadline(c);
	if (t == USEC_INFINITY) {
		if (c->timer)
			(void)sd_event_source_set_enabled(c->timer, SD_EVENT_OFF);
		return;
	}
	if (!c->timer) {
		if (sd_event_add_time(c->d->event, &c->timer, CLOCK_BOOTTIME, t, USEC_PER_MSEC,
				      on_timer, c) < 0)
			log_err("conn: cannot arm the timer");
		return;
	}
	(void)sd_event_source_set_time(c->timer, t);
	(void)sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT);
}

/* ESP counts as life for DPD (PROTOCOL.md §11: nothing authenticated, IKE or ESP). */
static void feed_liveness(struct conn *c)
{
	struct dataplane_stats ds;

	if (!c->dp || !c->sa_up || !c->ike)
		return;
	dataplane_get_stats(c->dp, &ds);
	if (ds.last_rx)
		ike_sa_peer_alive(c->ike, c->sa, ds.last_rx);
}

void conn_on_timer(struct conn *c)
{
	usec_t now = clock_boottime_now();

	feed_liveness(c);
	if (c->ike) {
		(void)ike_tick(c->ike, now);
		conn_ike_pump(c);
	}
	if (c->attempt_due && now >= c->rc.next_at && c->state == CONN_STATE_RECONNECTING) {
		c->attempt_due = false;
		if (!c->sa || !c->attempt_answered)
			attempt(c);
	}
	conn_probe_watch_dpd(c, now);
	conn_probe_check(c, now);
	conn_rearm(c);
}
