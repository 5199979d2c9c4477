/*
 * conn.h - the connection: one tunnel to one gateway, its state machine, the
 * reconnect driver and the stats `anyroam stats` prints.
 *
 * conn_set_state() is the only writer of ->state (STYLE.md §5): it checks the move
 * against the table in conn.c, logs `old -> new` with the reason, writes the event
 * log record and tells the control clients.
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include <netinet/in.h>

#include "control/ctl_msg.h"
#include "core/clock.h"
#include "session/session.h"
#include "session/session_timers.h"

struct daemon;
struct daemon_ctl_client;
struct sd_event_source;
struct ike;
struct eap_peer;
struct dataplane;

#define CONN_STATES(X)                                                                        \
	X(DISCONNECTED, "Disconnected")	  /* no tunnel, no session to resume */               \
	X(CONNECTING, "Connecting")	  /* first IKE SA being built; may ask credentials */ \
	X(CONNECTED, "Connected")	  /* IKE SA and child SA up; traffic flows */         \
	X(RECONNECTING, "Reconnecting")	  /* SA lost, token held; tun and routes kept */      \
	X(DISCONNECTING, "Disconnecting") /* Delete sent; routes and DNS being restored */

#define CONN_STATE_ENUM_(n, s) CONN_STATE_##n,
enum conn_state {
	CONN_STATES(CONN_STATE_ENUM_) _CONN_STATE_MAX,
	_CONN_STATE_INVALID = -EINVAL,
};
#undef CONN_STATE_ENUM_

const char *conn_state_to_string(enum conn_state s);
/* Whether old -> new is a legal move. */
bool conn_state_move_ok(enum conn_state old, enum conn_state new);

struct conn_stats {
	uint64_t reconnects;
	int last_reconnect_reason;
	uint64_t last_reconnect_ms;
	usec_t connected_at;
};

struct conn {
	struct daemon *d;
	enum conn_state state;
	int reason; /* of the last state change (a reconnect code, or 0) */

	/* what we connect to */
	char host_name[SESSION_TEXT_MAX + 1];	 /* HostName as shown ("IKEv2_Gateway") */
	char host_address[SESSION_TEXT_MAX + 1]; /* HostAddress as in the profile */
	struct in_addr gw;			 /* resolved */
	struct session_policy policy;
	int eap_method; /* enum eap_method */

	/* the session and the reconnect in progress */
	struct session session;
	struct session_reconnect rc;
	bool full_login;   /* the current attempt is a login (EAP), not KEY_ID+PSK */
	bool rc_id_logged; /* "Using IKE ID ..." written for this reconnect */

	/* the current IKE attempt */
	struct ike *ike;
	uint64_t sa; /* 0: none */
	bool sa_up;
	struct eap_peer *eap;
	int64_t form_id;
	bool form_pending;
	struct daemon_ctl_client *form_sent_to; /* who got form form_sent_id (no resends) */
	int64_t form_sent_id;
	bool attempt_answered;		/* the gateway answered this attempt at all */
	char cert_error[512];		/* why the gateway certificate was refused, for the user */
	int udp_fd;			/* the ephemeral socket of this attempt, -1 none */
	struct in_addr local;		/* the source address it is bound to */
	struct sd_event_source *udp_io; /* direct reads until the data plane has it */

	/* the tunnel */
	struct dataplane *dp;
	struct sd_event_source *dp_ike_io;
	int tun_fd;
	bool tun_up;
	struct in_addr tun_addr; /* the address the tun device carries */
	uint32_t child_spi_in;

	/* timers: one CLOCK_BOOTTIME source, armed at the earliest of ike and reconnect */
	struct sd_event_source *timer;
	bool attempt_due; /* rc.next_at is armed */
	usec_t sleep_started;

	/* conn_probe.c: a quick DPD after a freeze hint (SIGCONT, a late timer) */
	struct sd_event_source *sigcont;
	uint64_t probe_sa;  /* the SA probed */
	usec_t probe_from;  /* authenticated input since then means alive */
	usec_t probe_until; /* verdict due; 0 = no probe */

	/* control: who is waiting for what */
	struct daemon_ctl_client *requester; /* connect: gets progress and forms */
	uint32_t requester_id;
	bool requester_script;
	struct daemon_ctl_client *disconnector;
	uint32_t disconnector_id;

	struct conn_stats stats;
};

struct conn *conn_new(struct daemon *d);
/* Stops the data plane and frees; the tunnel and session file stay (restart: 107). */
struct conn *conn_free(struct conn *c);

/* The only writer of c->state. reason: PROTOCOL.md §12 code or 0; text for the log. */
void conn_set_state(struct conn *c, enum conn_state new, int reason, const char *text);

/* Control requests (daemon.c dispatches). */
void conn_request_connect(struct conn *c, struct daemon_ctl_client *cl, const struct ctl_msg *req);
void conn_request_disconnect(struct conn *c, struct daemon_ctl_client *cl,
			     const struct ctl_msg *req);
void conn_request_answer(struct conn *c, struct daemon_ctl_client *cl, const struct ctl_msg *req);
void conn_request_simulate_resume(struct conn *c, struct daemon_ctl_client *cl,
				  const struct ctl_msg *req);
void conn_fill_state(const struct conn *c, struct ctl_msg *m);
void conn_fill_stats(const struct conn *c, struct ctl_msg *m);
void conn_client_gone(struct conn *c, struct daemon_ctl_client *cl);

/* Sends a progress line to the requester and logs it as a message to the user. */
void conn_progress(struct conn *c, const char *fmt, ...) _printf_(2, 3);
/* Fails the pending connect request with r and text (and logs it). */
void conn_fail_requester(struct conn *c, int r, const char *text);
void conn_succeed_requester(struct conn *c);
/* The disconnect request that waited for the teardown is answered. */
void conn_disconnected_reply(struct conn *c);

/* conn_ike.c: one IKE SA attempt */
_must_check_ int conn_ike_start(struct conn *c, bool full_login);
void conn_ike_abandon(struct conn *c); /* forget the SA locally, nothing sent (§4.4) */
void conn_ike_pump(struct conn *c);
void conn_ike_input(struct conn *c, const struct sockaddr *from, const struct sockaddr *local,
		    bool marker, const uint8_t *p, size_t n);
_must_check_ int conn_ike_answer(struct conn *c, const struct ctl_msg *req);
int conn_ike_delete(struct conn *c);
/* An attempt ended without an SA: a login fails the connect (tunnel undone); a
 * reconnect goes on per the policy unless fatal (certificate, no proposal). */
void conn_ike_end(struct conn *c, int r, const char *why, bool answered, bool refused, bool fatal);
/* Tunnel teardown: data plane, platform undo, socket; session file per forget. */
void conn_ike_teardown(struct conn *c, bool forget_session);

/* conn_reconnect.c: triggers and attempts */
void conn_reconnect_trigger(struct conn *c, enum session_reason r);
/* An attempt ended without an SA: answered (an error reply) or not; auth_failed:
 * the gateway refused the session (full login next). */
void conn_reconnect_failed(struct conn *c, bool answered, bool auth_failed, const char *why);
void conn_reconnect_succeeded(struct conn *c);
/* At start: a stored session means reconnect without a prompt (reason 107). */
void conn_reconnect_restore(struct conn *c);
void conn_reconnect_on_sleep(struct conn *c);
/* Re-arms the one timer at min(ike deadline, next reconnect attempt). */
void conn_rearm(struct conn *c);
/* Timer callback body. */
void conn_on_timer(struct conn *c);

/* conn_probe.c: freeze detection (issue 8 scenario 3) */
#define CONN_PROBE_WAIT (2 * USEC_PER_SEC) /* DPD sent at 0, resent at 0.5 and 1.5 s */
#define CONN_PROBE_LATE (3 * USEC_PER_SEC) /* a timer this late: we did not run */
/* Watches SIGCONT on the daemon's event loop. */
_must_check_ int conn_probe_attach(struct conn *c);
/* A hint that we did not run: probe the gateway now unless already probing. */
void conn_probe_start(struct conn *c, const char *hint);
/* USEC_INFINITY when no probe runs. */
usec_t conn_probe_deadline(const struct conn *c);
/* At the verdict: nothing heard since the probe -> reconnect, reason 103. */
void conn_probe_check(struct conn *c, usec_t now);
/* The connection timer ran at now for a deadline `scheduled`. */
void conn_probe_timer_fired(struct conn *c, usec_t scheduled, usec_t now);
/* Silence this long with our request out is a liveness question, not a slow rekey. */
#define CONN_DPD_SILENCE (5 * USEC_PER_SEC)
/* Our periodic DPD is out after a silence: judge it like a probe. */
void conn_probe_watch_dpd(struct conn *c, usec_t now);
