/*
 * conn.c - the connection state machine, the control requests that drive it, and
 * the stats. The IKE attempt lives in conn_ike.c, triggers and backoff in
 * conn_reconnect.c (policy and formulas: agent/session/session_timers.c).
 */
#define LOG_MODULE "conn"
#include "conn.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "daemon/daemon.h"
#include "eap/eap.h"
#include "ike/ike.h"
#include "platform/linux/dataplane.h"
#include "profile/profile.h"
#include "session/session_store.h"

#define CONN_STATE_NAME_(n, s) [CONN_STATE_##n] = s,
static const char *const state_names[_CONN_STATE_MAX] = {CONN_STATES(CONN_STATE_NAME_)};
#undef CONN_STATE_NAME_

const char *conn_state_to_string(enum conn_state s)
{
	return s >= 0 && s < _CONN_STATE_MAX ? state_names[s] : "Invalid";
}

/* The legal moves; anything else is our bug and refused. */
static const bool moves[_CONN_STATE_MAX][_CONN_STATE_MAX] = {
	[CONN_STATE_DISCONNECTED] =
		{[CONN_STATE_CONNECTING] = true, [CONN_STATE_RECONNECTING] = true},
	[CONN_STATE_CONNECTING] = {[CONN_STATE_CONNECTED] = true,
				   [CONN_STATE_DISCONNECTING] = true,
				   [CONN_STATE_DISCONNECTED] = true},
	[CONN_STATE_CONNECTED] =
		{[CONN_STATE_RECONNECTING] = true, [CONN_STATE_DISCONNECTING] = true},
	[CONN_STATE_RECONNECTING] = {[CONN_STATE_CONNECTED] = true,
				     [CONN_STATE_CONNECTING] = true,
				     [CONN_STATE_DISCONNECTING] = true,
				     [CONN_STATE_DISCONNECTED] = true},
	[CONN_STATE_DISCONNECTING] = {[CONN_STATE_DISCONNECTED] = true},
};

bool conn_state_move_ok(enum conn_state old, enum conn_state new)
{
	if (old < 0 || old >= _CONN_STATE_MAX || new < 0 || new >= _CONN_STATE_MAX)
		return false;
	return moves[old][new];
}

static void broadcast_state(struct conn *c, const char *text)
{
	struct ctl_msg m;

	ctl_msg_init(&m, CTL_KIND_EVENT, CTL_TYPE_EV_STATE, 0);
	(void)ctl_msg_add_str(&m, CTL_F_STATE, conn_state_to_string(c->state));
	(void)ctl_msg_add_int(&m, CTL_F_REASON_CODE, c->reason);
	if (text)
		(void)ctl_msg_add_str(&m, CTL_F_MESSAGE, text);
	daemon_ctl_broadcast(&c->d->ctl, &m, NULL);
	ctl_msg_done(&m);
}

void conn_set_state(struct conn *c, enum conn_state new, int reason, const char *text)
{
	enum conn_state old = c->state;
	const char *sid = c->session.id[0] ? c->session.id : NULL;

	if (!conn_state_move_ok(old, new)) {
		log_err("conn %s: illegal move %s -> %s refused", c->host_name,
			conn_state_to_string(old), conn_state_to_string(new));
		return;
	}
	c->state = new;
	c->reason = reason;
	log_debug("conn %s: %s -> %s", c->host_name, conn_state_to_string(old),
		  conn_state_to_string(new));
	daemon_log_record(
		&c->d->log,
		new == CONN_STATE_RECONNECTING ? DAEMON_LOG_WARNING : DAEMON_LOG_INFORMATION,
		DAEMON_SOURCE_AGENT, sid, reason, "State %s -> %s%s%s", conn_state_to_string(old),
		conn_state_to_string(new), text ? ": " : "", text ? text : "");
	broadcast_state(c, text);
	/* `systemctl status anyroamd` shows it (the unit is Type=notify) */
	(void)sd_notifyf(0, "STATUS=%s%s%s", conn_state_to_string(new),
			 new == CONN_STATE_DISCONNECTED ? "" : " ",
			 new == CONN_STATE_DISCONNECTED ? "" : c->host_name);
}

struct conn *conn_new(struct daemon *d)
{
	struct conn *c = xcalloc(1, sizeof(*c));

	c->d = d;
	c->udp_fd = -1;
	c->tun_fd = -1;
	session_init(&c->session);
	if (conn_probe_attach(c) < 0)
		log_warning(
			"conn: cannot watch SIGCONT; a frozen agent is noticed by its timers only");
	return c;
}

struct conn *conn_free(struct conn *c)
{
	if (!c)
		return NULL;
	/* the agent stops: the data plane ends, but tun, routes, DNS and the session file
	 * stay for the next start (reason 107); platform_recover() cleans up otherwise */
	conn_ike_abandon(c);
	c->ike = ike_free(c->ike);
	c->udp_io = sd_event_source_disable_unref(c->udp_io);
	c->dp_ike_io = sd_event_source_disable_unref(c->dp_ike_io);
	if (c->dp)
		dataplane_stop(c->dp);
	c->dp = dataplane_free(c->dp);
	if (c->udp_fd >= 0)
		close(c->udp_fd);
	c->timer = sd_event_source_disable_unref(c->timer);
	c->sigcont = sd_event_source_disable_unref(c->sigcont);
	session_done(&c->session);
	free(c);
	return NULL;
}

/* ---- talking to the client that asked ---- */

void conn_progress(struct conn *c, const char *fmt, ...)
{
	char text[DAEMON_LOG_TEXT_MAX];
	struct ctl_msg m;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	daemon_log_record(&c->d->log, DAEMON_LOG_INFORMATION, DAEMON_SOURCE_UI,
			  c->session.id[0] ? c->session.id : NULL, 0,
			  "Message type information sent to the user: %s", text);
	if (!c->requester)
		return;
	ctl_msg_init(&m, CTL_KIND_EVENT, CTL_TYPE_EV_PROGRESS, 0);
	(void)ctl_msg_add_str(&m, CTL_F_MESSAGE, text);
	(void)daemon_ctl_send(c->requester, &m);
	ctl_msg_done(&m);
}

static void reply_to(struct daemon_ctl_client **cl, uint32_t id, enum ctl_type type, int r,
		     const char *text)
{
	struct ctl_msg req;

	if (!*cl)
		return;
	ctl_msg_init(&req, CTL_KIND_REQUEST, type, id);
	(void)daemon_ctl_reply(*cl, &req, r, text);
	ctl_msg_done(&req);
	*cl = NULL;
}

void conn_fail_requester(struct conn *c, int r, const char *text)
{
	daemon_log_record(&c->d->log, DAEMON_LOG_ERROR, DAEMON_SOURCE_AGENT,
			  c->session.id[0] ? c->session.id : NULL, 0, "%s", text);
	reply_to(&c->requester, c->requester_id, CTL_TYPE_CONNECT, r, text);
}

void conn_succeed_requester(struct conn *c)
{
	reply_to(&c->requester, c->requester_id, CTL_TYPE_CONNECT, 0, NULL);
}

/* ---- connect ---- */

static int resolve(const char *host, struct in_addr *ret)
{
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_DGRAM}, *res;

	if (inet_pton(AF_INET, host, ret) == 1)
		return 0;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return -EHOSTUNREACH;
	*ret = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	return 0;
}

static int eap_method_of(enum profile_auth a)
{
	switch (a) {
	case PROFILE_AUTH_EAP_ANYCONNECT:
		return EAP_METHOD_ANYCONNECT;
	case PROFILE_AUTH_EAP_MD5:
		return EAP_METHOD_MD5;
	case PROFILE_AUTH_EAP_MSCHAPV2:
		return EAP_METHOD_MSCHAPV2;
	case PROFILE_AUTH_EAP_GTC:
		return EAP_METHOD_GTC;
	case PROFILE_AUTH_IKE_RSA:
	case PROFILE_AUTH_IKE_ECDSA:
	case _PROFILE_AUTH_MAX:
	case _PROFILE_AUTH_INVALID:
		break;
	}
	return -EOPNOTSUPP;
}

/* Host -> address and policy, from the profiles, else the text itself as an address. */
static int choose_host(struct conn *c, const char *host, char *err, size_t errlen)
{
	const struct profile_host *h =
		c->d->profiles ? profile_set_find_host(c->d->profiles, host) : NULL;
	struct profile_settings st;
	int m;

	snprintf(c->host_name, sizeof(c->host_name), "%s", host);
	snprintf(c->host_address, sizeof(c->host_address), "%s", host);
	/* schema defaults when no profile names the host */
	c->policy = (struct session_policy){.auto_reconnect = true, .disconnect_on_suspend = true};
	c->eap_method = EAP_METHOD_ANYCONNECT;
	if (h && profile_set_host_settings(c->d->profiles, h, &st) == 0) {
		snprintf(c->host_name, sizeof(c->host_name), "%s", st.host_name);
		snprintf(c->host_address, sizeof(c->host_address), "%s", st.host_address);
		c->policy.auto_reconnect = st.auto_reconnect.num != 0;
		c->policy.disconnect_on_suspend =
			st.auto_reconnect_behavior.num == PROFILE_BEHAVIOR_DISCONNECT_ON_SUSPEND;
		m = eap_method_of(st.auth_method);
		if (m < 0) {
			snprintf(err, errlen, "%s: authentication %s is not supported",
				 c->host_name, profile_auth_name(st.auth_method));
			return m;
		}
		c->eap_method = m;
	}
	if (resolve(c->host_address, &c->gw) < 0) {
		snprintf(err, errlen, "cannot resolve '%s'", c->host_address);
		return -EHOSTUNREACH;
	}
	return 0;
}

static void attach_requester(struct conn *c, struct daemon_ctl_client *cl,
			     const struct ctl_msg *req)
{
	int64_t script = 0;

	(void)ctl_msg_get_int(req, CTL_F_SCRIPT, &script);
	if (c->requester && c->requester != cl)
		reply_to(&c->requester, c->requester_id, CTL_TYPE_CONNECT, -ECANCELED,
			 "another client took over the connect");
	c->requester = cl;
	c->requester_id = req->id;
	c->requester_script = script != 0;
}

/* Another connect while one is under way: follow it (and get its form, if any). */
static void join_attempt(struct conn *c, struct daemon_ctl_client *cl, const struct ctl_msg *req,
			 const char *host)
{
	if (strcmp(host, c->host_name) != 0 && strcmp(host, c->host_address) != 0) {
		(void)daemon_ctl_reply(cl, req, -EBUSY, "busy with another host; disconnect first");
		return;
	}
	attach_requester(c, cl, req);
	if (c->state == CONN_STATE_CONNECTED) {
		conn_progress(c, "Connected to %s.", c->host_name);
		conn_succeed_requester(c);
	} else if (c->form_pending) {
		conn_ike_pump(c); /* re-sends the pending form to the new requester */
	}
}

void conn_request_connect(struct conn *c, struct daemon_ctl_client *cl, const struct ctl_msg *req)
{
	const char *host = ctl_msg_get_str(req, CTL_F_HOST);
	char err[300];
	int r;

	if (!host)
		return (void)daemon_ctl_reply(cl, req, -EINVAL, "connect needs a host");
	if (c->state == CONN_STATE_DISCONNECTING)
		return (void)daemon_ctl_reply(cl, req, -EBUSY, "still disconnecting; try again");
	if (c->state != CONN_STATE_DISCONNECTED)
		return join_attempt(c, cl, req, host);
	session_done(&c->session);
	daemon_prefs_for_user(c->d, cl->uid); /* UserControllable settings follow this user */
	if ((r = choose_host(c, host, err, sizeof(err))) < 0)
		return (void)daemon_ctl_reply(cl, req, r, err);
	attach_requester(c, cl, req);
	conn_set_state(c, CONN_STATE_CONNECTING, 0, c->host_name);
	conn_progress(c, "Contacting %s.", c->host_name);
	if ((r = conn_ike_start(c, true)) < 0) {
		snprintf(err, sizeof(err), "cannot contact %s: %s", c->host_name, err_str(r));
		conn_fail_requester(c, r, err);
		conn_ike_teardown(c, true);
		conn_set_state(c, CONN_STATE_DISCONNECTED, 0, err);
	}
}

/* ---- disconnect ---- */

void conn_request_disconnect(struct conn *c, struct daemon_ctl_client *cl,
			     const struct ctl_msg *req)
{
	if (c->state == CONN_STATE_DISCONNECTED) {
		/* a session left by a previous run is still forgotten, as the user asked */
		(void)session_store_remove(c->d->opts.state_dir);
		return (void)daemon_ctl_reply(cl, req, 0, "Not connected.");
	}
	if (c->state == CONN_STATE_DISCONNECTING) {
		return (void)daemon_ctl_reply(cl, req, -EALREADY, "already disconnecting");
	}
	c->disconnector = cl;
	c->disconnector_id = req->id;
	if (c->requester)
		conn_fail_requester(c, -ECANCELED, "connect cancelled by a disconnect");
	conn_set_state(c, CONN_STATE_DISCONNECTING, 0, "user request");
	if (conn_ike_delete(c) <= 0)
		conn_ike_teardown(c, true); /* nothing to wait for */
}

void conn_disconnected_reply(struct conn *c)
{
	char text[SESSION_TEXT_MAX + 32];

	snprintf(text, sizeof(text), "Disconnected from %s.", c->host_name);
	reply_to(&c->disconnector, c->disconnector_id, CTL_TYPE_DISCONNECT, 0, text);
}

void conn_request_answer(struct conn *c, struct daemon_ctl_client *cl, const struct ctl_msg *req)
{
	int r;

	if (!c->form_pending)
		return (void)daemon_ctl_reply(cl, req, -EALREADY, "no login form is pending");
	r = conn_ike_answer(c, req);
	(void)daemon_ctl_reply(cl, req, r, r < 0 ? "the answers do not fit the form" : NULL);
}

void conn_request_simulate_resume(struct conn *c, struct daemon_ctl_client *cl,
				  const struct ctl_msg *req)
{
	if (cl->uid != 0)
		return (void)daemon_ctl_reply(cl, req, -EPERM, "simulate-resume is for root only");
	if (c->state != CONN_STATE_CONNECTED && c->state != CONN_STATE_RECONNECTING)
		return (void)daemon_ctl_reply(cl, req, -ENOTCONN, "not connected");
	daemon_log_record(&c->d->log, DAEMON_LOG_INFORMATION, DAEMON_SOURCE_AGENT, c->session.id, 0,
			  "Simulated system resume requested (test aid).");
	conn_reconnect_trigger(c, SESSION_REASON_RESUME);
	(void)daemon_ctl_reply(cl, req, 0, "Simulated a system resume.");
}

void conn_client_gone(struct conn *c, struct daemon_ctl_client *cl)
{
	if (c->disconnector == cl)
		c->disconnector = NULL;
	if (c->form_sent_to == cl)
		c->form_sent_to = NULL; /* a new client at the same address must get the form */
	if (c->requester != cl)
		return;
	c->requester = NULL;
	/* a first login whose user went away: nobody will answer the form */
	if (c->state == CONN_STATE_CONNECTING && c->form_pending && !c->tun_up) {
		log_info("conn %s: the client left during login; cancelled", c->host_name);
		conn_ike_teardown(c, true);
		conn_set_state(c, CONN_STATE_DISCONNECTED, 0, "login cancelled");
	}
}

/* ---- state and stats ---- */

void conn_fill_state(const struct conn *c, struct ctl_msg *m)
{
	(void)ctl_msg_add_str(m, CTL_F_STATE, conn_state_to_string(c->state));
	if (c->state != CONN_STATE_DISCONNECTED && c->host_name[0])
		(void)ctl_msg_add_str(m, CTL_F_HOST, c->host_name);
	(void)ctl_msg_add_int(m, CTL_F_REASON_CODE, c->reason);
}

void conn_fill_stats(const struct conn *c, struct ctl_msg *m)
{
	struct dataplane_stats ds = {0};
	bool up = c->state != CONN_STATE_DISCONNECTED;

	if (c->dp)
		dataplane_get_stats(c->dp, &ds);
	(void)ctl_msg_add_str(m, CTL_F_STATE, conn_state_to_string(c->state));
	(void)ctl_msg_add_str(m, CTL_F_HOST, up ? c->host_name : "");
	(void)ctl_msg_add_str(m, CTL_F_ASSIGNED_IPV4, up ? c->session.assigned_ipv4 : "");
	(void)ctl_msg_add_str(m, CTL_F_SESSION_ID, up ? c->session.id : "");
	(void)ctl_msg_add_int(m, CTL_F_RECONNECTS, (int64_t)c->stats.reconnects);
	(void)ctl_msg_add_int(m, CTL_F_LAST_RECONNECT_REASON, c->stats.last_reconnect_reason);
	(void)ctl_msg_add_int(m, CTL_F_LAST_RECONNECT_MS, (int64_t)c->stats.last_reconnect_ms);
	/* bytes_in: what came out of the tunnel into the host (written to tun) */
	(void)ctl_msg_add_int(m, CTL_F_BYTES_IN, (int64_t)ds.tun_tx_bytes);
	(void)ctl_msg_add_int(m, CTL_F_BYTES_OUT, (int64_t)ds.tun_rx_bytes);
	(void)ctl_msg_add_int(m, CTL_F_PACKETS_IN, (int64_t)ds.tun_tx_packets);
	(void)ctl_msg_add_int(m, CTL_F_PACKETS_OUT, (int64_t)ds.tun_rx_packets);
	if (c->state == CONN_STATE_CONNECTED && c->stats.connected_at)
		(void)ctl_msg_add_int(
			m, CTL_F_UPTIME_S,
			(int64_t)((clock_boottime_now() - c->stats.connected_at) / USEC_PER_SEC));
}
