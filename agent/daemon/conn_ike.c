/*
 * conn_ike.c - one IKE SA attempt of the connection and what it leads to: the UDP
 * socket, the IKE initiator's actions, the EAP peer with its forms relayed to the
 * CLI, the gateway certificate check, and on success the tunnel (tun, routes, DNS,
 * data plane) or, on a reconnect, only the new ESP SAs (PROTOCOL.md §4.2: the tun
 * device, its address, routes and DNS are not touched).
 */
#define LOG_MODULE "conn"
#include "conn.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "core/log.h"
#include "core/rng.h"
#include "core/xmalloc.h"
#include "daemon/daemon.h"
#include "daemon/daemon_update.h"
#include "eap/eap.h"
#include "esp/esp.h"
#include "ike/cisco_compat.h"
#include "ike/ike.h"
#include "ike/ike_cert.h"
#include "platform/linux/dataplane.h"
#include "platform/linux/dataplane_child.h"
#include "platform/platform.h"
#include "session/session_store.h"

#define CLIENT_VERSION	 "5.1.8.105" /* PROTOCOL.md §6.2, Cisco-compatible mode */
#define CONN_ANSWERS_MAX 16
#define IKE_PORT	 500
#define NATT_PORT	 4500

static int last_cert_error(struct conn *c, const char *msg);

/* Forgets the current SA locally (PROTOCOL.md §4.4: never a Delete when abandoning). */
static void drop_sa(struct conn *c)
{
	if (c->ike && c->sa && ike_sa_drop(c->ike, c->sa) < 0)
		log_debug("conn %s: SA already gone", c->host_name);
}

/* ---- the gateway certificate (PROTOCOL.md §5.2, checks 1-4) ---- */

static int verify_peer_certs(void *user_data, uint64_t sa, const struct ike_der *certs, size_t n)
{
	struct conn *c = user_data;
	const uint8_t *ders[IKE_CERT_CHAIN_MAX];
	size_t lens[IKE_CERT_CHAIN_MAX];
	struct ike_cert_policy pol = {
		.host = c->host_address,
		.trust = c->d->trust,
		.verify_time = time(NULL),
		.override_sha256 = c->d->conf.n_pins ? c->d->conf.pins[0] : NULL,
	};
	EVP_PKEY *key = NULL;
	char *msg = NULL;
	int r;

	if (n > IKE_CERT_CHAIN_MAX)
		n = IKE_CERT_CHAIN_MAX;
	for (size_t i = 0; i < n; i++)
		ders[i] = certs[i].data, lens[i] = certs[i].len;
	dart_history_set_chain(&c->d->dart.history, ders, lens, n);
	if (c->state == CONN_STATE_RECONNECTING)
		dart_history_reconnect_step(&c->d->dart.history, "gateway_cert_received",
					    clock_boottime_now());
	r = ike_cert_verify(&pol, ders, lens, n, &key, &msg);
	/* a second pin: trust-server-cert-sha256 may be given more than once */
	for (size_t i = 1; r < 0 && i < c->d->conf.n_pins; i++) {
		pol.override_sha256 = c->d->conf.pins[i];
		free(msg);
		msg = NULL;
		r = ike_cert_verify(&pol, ders, lens, n, &key, &msg);
	}
	EVP_PKEY_free(key);
	if (r < 0)
		last_cert_error(c, msg ? msg : "gateway certificate not trusted");
	free(msg);
	return r;
}

static int last_cert_error(struct conn *c, const char *msg)
{
	snprintf(c->cert_error, sizeof(c->cert_error), "%s", msg);
	log_warning("conn %s: %s", c->host_name, msg);
	return 0;
}

/* ---- the socket ---- */

static int open_socket(struct conn *c, struct in_addr src, uint16_t *ret_port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr = src};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	*ret_port = ntohs(sa.sin_port);
	return fd;
}

static void close_socket(struct conn *c)
{
	c->udp_io = sd_event_source_disable_unref(c->udp_io);
	if (c->udp_fd >= 0)
		close(c->udp_fd);
	c->udp_fd = -1;
}

static void to_ike_addr(const struct sockaddr *sa, struct ike_addr *ret)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

	*ret = (struct ike_addr){.family = AF_INET};
	if (sa && sa->sa_family == AF_INET) {
		ret->v4 = in->sin_addr;
		ret->port = ntohs(in->sin_port);
	}
}

void conn_ike_input(struct conn *c, const struct sockaddr *from, const struct sockaddr *local,
		    bool marker, const uint8_t *p, size_t n)
{
	struct ike_dgram dg;

	if (!c->ike)
		return;
	to_ike_addr(from, &dg.remote);
	to_ike_addr(local, &dg.local);
	if (!local || dg.local.v4.s_addr == 0) {
		struct sockaddr_in me = {0};
		socklen_t len = sizeof(me);

		dg.local.v4 = c->local;
		if (c->udp_fd >= 0 && getsockname(c->udp_fd, (struct sockaddr *)&me, &len) == 0)
			dg.local.port = ntohs(me.sin_port);
	}
	c->attempt_answered = true;
	(void)ike_input(c->ike, clock_boottime_now(), &dg, p, n);
	conn_ike_pump(c);
}

/* Before the data plane owns the socket, the main loop reads it (IKE only). */
static int on_udp(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct conn *c = userdata;
	uint8_t buf[65536];
	struct sockaddr_in from;

	for (int i = 0; i < 64; i++) {
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		bool marker = false;
		size_t off = 0;

		if (n < 0)
			break;
		if (ntohs(from.sin_port) == NATT_PORT) {
			/* RFC 3948 §2.2: IKE behind four zero octets; ESP and keepalives dropped
			 * here */
			if (n < 5 || buf[0] || buf[1] || buf[2] || buf[3])
				continue;
			marker = true, off = 4;
		}
		conn_ike_input(c, (struct sockaddr *)&from, NULL, marker, buf + off,
			       (size_t)n - off);
		if (c->udp_fd != fd)
			break; /* the attempt was replaced meanwhile */
	}
	return 0;
}

static int on_dp_ike(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct conn *c = userdata;
	struct dataplane_ike_packet *p;

	while (c->dp && dataplane_ike_pop(c->dp, &p) == 0) {
		conn_ike_input(c, (struct sockaddr *)&p->from, (struct sockaddr *)&p->local,
			       p->marker, p->data, p->len);
		free(p);
	}
	return 0;
}

static void send_packet(struct conn *c, const struct ike_action *a)
{
	struct sockaddr_in to = {.sin_family = AF_INET,
				 .sin_addr = a->send.path.remote.v4,
				 .sin_port = htons(a->send.path.remote.port)};
	uint8_t *buf;
	size_t n = a->send.len + (a->send.non_esp_marker ? 4 : 0);
	int r;

	if (c->dp && c->udp_io == NULL) {
		r = dataplane_ike_send(c->dp, 0, (struct sockaddr *)&to, sizeof(to),
				       a->send.non_esp_marker, a->send.data, a->send.len);
	} else {
		buf = xcalloc(1, n);
		memcpy(buf + (a->send.non_esp_marker ? 4 : 0), a->send.data, a->send.len);
		r = sendto(c->udp_fd, buf, n, 0, (struct sockaddr *)&to, sizeof(to)) < 0 ? -errno
											 : 0;
		free(buf);
	}
	if (r < 0)
		log_debug_ratelimited("conn %s: send: %s", c->host_name, err_str(r));
}

/* ---- forms ---- */

static const char *field_type_name(enum eap_field_type t)
{
	switch (t) {
	case EAP_FIELD_TEXT:
		return "text";
	case EAP_FIELD_PASSWORD:
		return "password";
	case EAP_FIELD_SELECT:
		return "select";
	case EAP_FIELD_HIDDEN:
	case _EAP_FIELD_MAX:
		break;
	}
	return NULL;
}

static void send_form(struct conn *c)
{
	const struct eap_form *f = c->eap ? eap_peer_form(c->eap) : NULL;
	struct ctl_msg m;

	if (!f || !c->requester)
		return; /* a client that connects later gets it (conn.c join_attempt) */
	if (c->form_sent_to == c->requester && c->form_sent_id == c->form_id)
		return; /* this client has this form already */
	c->form_sent_to = c->requester;
	c->form_sent_id = c->form_id;
	if (f->error) {
		ctl_msg_init(&m, CTL_KIND_EVENT, CTL_TYPE_EV_ERROR, 0);
		(void)ctl_msg_add_int(&m, CTL_F_ERRNO, -EACCES);
		(void)ctl_msg_add_str(&m, CTL_F_MESSAGE, f->error);
		(void)daemon_ctl_send(c->requester, &m);
		ctl_msg_done(&m);
	}
	if (f->banner)
		conn_progress(c, "%s", f->banner);
	conn_progress(c, "Please enter your username and password.");
	ctl_msg_init(&m, CTL_KIND_EVENT, CTL_TYPE_EV_FORM, 0);
	(void)ctl_msg_add_int(&m, CTL_F_FORM_ID, c->form_id);
	for (size_t i = 0; i < f->n_fields; i++) {
		const char *t = field_type_name(f->fields[i].type);

		if (!t)
			continue;
		(void)ctl_msg_add_str(&m, CTL_F_FIELD_NAME, f->fields[i].name);
		(void)ctl_msg_add_str(&m, CTL_F_FIELD_TYPE, t);
		if (f->fields[i].label &&
		    ctl_msg_add_str(&m, CTL_F_FIELD_LABEL, f->fields[i].label) < 0)
			(void)ctl_msg_add_str(&m, CTL_F_FIELD_LABEL, f->fields[i].name);
	}
	(void)daemon_ctl_send(c->requester, &m);
	ctl_msg_done(&m);
}

static void eap_send(struct conn *c)
{
	const uint8_t *p;
	size_t n;
	int r;

	eap_peer_packet(c->eap, &p, &n);
	r = ike_sa_eap_reply(c->ike, c->sa, clock_boottime_now(), p, n);
	if (r < 0)
		log_debug("conn %s: eap reply: %s", c->host_name, err_str(r));
}

int conn_ike_answer(struct conn *c, const struct ctl_msg *req)
{
	struct eap_answer ans[CONN_ANSWERS_MAX];
	const char *name = NULL;
	size_t n = 0;
	int64_t id = -1;
	int r;

	if (ctl_msg_get_int(req, CTL_F_FORM_ID, &id) < 0 || id != c->form_id)
		return -ESTALE;
	for (size_t i = 0; i < req->n_fields && n < CONN_ANSWERS_MAX; i++) {
		const struct ctl_value *v = &req->fields[i];

		if (v->tag == CTL_F_FIELD_NAME)
			name = v->str;
		else if (v->tag == CTL_F_FIELD_VALUE && name)
			ans[n++] = (struct eap_answer){.name = name, .value = v->secret},
			name = NULL;
	}
	r = eap_peer_answer(c->eap, ans, n);
	if (r < 0)
		return r;
	c->form_pending = false;
	conn_progress(c, "Establishing VPN session...");
	eap_send(c);
	conn_ike_pump(c);
	return 0;
}

static void eap_success(struct conn *c)
{
	const struct eap_peer_outcome *o = eap_peer_outcome(c->eap);
	int r;

	if (o->session_id && session_set_id(&c->session, o->session_id) < 0)
		log_warning("conn %s: the gateway's session ID is not usable", c->host_name);
	if (o->session_token && session_set_token(&c->session, o->session_token) < 0)
		log_warning("conn %s: the gateway's session token is not usable", c->host_name);
	r = ike_sa_eap_complete(c->ike, c->sa, clock_boottime_now(), o->msk);
	if (r < 0)
		log_debug("conn %s: eap complete: %s", c->host_name, err_str(r));
	/* a profile the gateway announced (AnyConnect complete): fetched off the loop */
	if (o->profile_url && o->profile_hash)
		daemon_update_start(c->d, c->host_address, o->profile_url, o->profile_hash);
}

static void handle_eap(struct conn *c, const uint8_t *p, size_t n)
{
	int r;

	if (!c->eap) {
		log_debug_ratelimited("conn %s: EAP on a PSK attempt dropped", c->host_name);
		return;
	}
	r = eap_peer_input(c->eap, p, n);
	switch (r) {
	case EAP_STATUS_SEND:
		eap_send(c);
		break;
	case EAP_STATUS_NEED_INPUT:
		c->form_pending = true;
		c->form_id++;
		send_form(c);
		break;
	case EAP_STATUS_SUCCESS:
		eap_success(c);
		break;
	case EAP_STATUS_FAILURE:
		break; /* IKE_ACTION_FAILED follows */
	default:
		drop_sa(c);
		c->sa = 0;
		conn_ike_end(c, r,
			     eap_peer_outcome(c->eap)->last_error
				     ? eap_peer_outcome(c->eap)->last_error
				     : "login failed",
			     true, false, true);
		break;
	}
}

/* ---- the tunnel ---- */

static uint8_t prefix_of(struct in_addr mask)
{
	uint32_t m = ntohl(mask.s_addr);
	uint8_t n = 0;

	while (m & 0x80000000u)
		n++, m <<= 1;
	return n ? n : 32;
}

static int apply_network(struct conn *c, const struct ike_cfg *cfg)
{
	struct platform_ip4_prefix nets[IKE_CFG_MAX_SUBNETS];
	const char *domains[IKE_CFG_MAX_DOMAINS + 1];
	struct platform_routes routes = {.gateway = c->gw, .subnets = nets};
	struct platform_dns dns = {
		.servers = cfg->dns4, .n_servers = cfg->n_dns4, .domains = domains};
	int r;

	for (size_t i = 0; i < cfg->n_subnet4; i++)
		nets[routes.n_subnets++] = (struct platform_ip4_prefix){
			.addr.s_addr = cfg->subnet4[i].addr.s_addr & cfg->subnet4[i].mask.s_addr,
			.prefixlen = prefix_of(cfg->subnet4[i].mask)};
	if (cfg->def_domain[0])
		domains[dns.n_domains++] = cfg->def_domain;
	for (size_t i = 0; i < cfg->n_domains; i++)
		domains[dns.n_domains++] = cfg->domains[i];
	dns.default_route = routes.n_subnets == 0;
	if ((r = platform_watch_gateway(c->d->platform, c->gw)) < 0 ||
	    (r = platform_routes_apply(c->d->platform, &routes)) < 0)
		return r;
	if (dns.n_servers || dns.n_domains)
		r = platform_dns_apply(c->d->platform, &dns);
	return r;
}

static int open_tunnel(struct conn *c, const struct ike_established *est)
{
	struct platform_tun_config tc = {
		.name = c->d->conf.tun_name,
		.addr = est->cfg.ip4,
		.prefixlen =
			(est->cfg.has & IKE_CFG_HAS_NETMASK4) ? prefix_of(est->cfg.netmask4) : 32,
	};
	int r;

	if (!(est->cfg.has & IKE_CFG_HAS_IP4))
		return -EPROTO; /* FAILED_CP_REQUIRED in effect: no address, no tunnel */
	/* a full login that got another address: the kernel drops routes with the old
	 * source, so the route set is put back from scratch */
	if (c->tun_up && c->tun_addr.s_addr != est->cfg.ip4.s_addr)
		(void)platform_routes_remove(c->d->platform);
	if ((r = platform_tun_open(c->d->platform, &tc, &c->tun_fd)) < 0)
		return r;
	c->tun_addr = est->cfg.ip4;
	c->tun_up = true;
	if (!c->dp) {
		struct dataplane_config dc = {
			.mode = DATAPLANE_MODE_CLIENT,
			.tun_fd = c->tun_fd,
			.keepalive_interval =
				est->local_behind_nat ? DATAPLANE_KEEPALIVE_DEFAULT : 0,
		};

		if ((r = dataplane_new(&dc, &c->dp)) < 0 || (r = dataplane_start(c->dp)) < 0)
			return r;
		r = sd_event_add_io(c->d->event, &c->dp_ike_io, dataplane_ike_fd(c->dp), EPOLLIN,
				    on_dp_ike, c);
		if (r < 0)
			return r;
	}
	return apply_network(c, &est->cfg);
}

/* The new pair goes into the data plane; in client mode it replaces the old one and
 * flushes what was queued while reconnecting. */
static int install_child(struct conn *c, const struct ike_child *ch, struct in_addr peer,
			 uint16_t port)
{
	struct dataplane_sa sa = {.sock = 0, .peer_len = sizeof(struct sockaddr_in)};
	struct sockaddr_in *p = (struct sockaddr_in *)&sa.peer;
	int r;

	*p = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr = peer, .sin_port = htons(port)};
	if ((r = dataplane_child_install(c->dp, ch, &sa)) < 0)
		return r;
	c->child_spi_in = ch->spi_in;
	return 0;
}

/* The socket moves from the main loop to the data plane (which reads it from now on). */
static int hand_socket_to_dataplane(struct conn *c)
{
	int r;

	if (!c->udp_io)
		return 0;
	if ((r = dataplane_socket_set(c->dp, 0, c->udp_fd, DATAPLANE_SOCK_CLIENT)) < 0)
		return r;
	c->udp_io = sd_event_source_disable_unref(c->udp_io);
	return 0;
}

static void remember_session(struct conn *c, const struct ike_established *est)
{
	struct session *s = &c->session;
	char buf[INET_ADDRSTRLEN];

	if ((est->cfg.has & IKE_CFG_HAS_SESSION_ID) && est->cfg.session_id[0]) {
		if (s->id[0] && strcmp(s->id, est->cfg.session_id) != 0)
			log_warning("conn %s: session IDs of EAP and CP differ; the CP one wins",
				    c->host_name);
		if (session_set_id(s, est->cfg.session_id) < 0)
			log_warning("conn %s: the CP session ID is not usable", c->host_name);
	}
	/* D6: a rotated token replaces the old one before we report Connected */
	if (est->cfg.token && session_set_token(s, est->cfg.token) < 0)
		log_warning("conn %s: the rotated token is not usable; keeping the old one",
			    c->host_name);
	snprintf(s->host_name, sizeof(s->host_name), "%s", c->host_name);
	snprintf(s->gateway, sizeof(s->gateway), "%s",
		 inet_ntop(AF_INET, &c->gw, buf, sizeof(buf)));
	s->gateway_port = NATT_PORT;
	if (est->cfg.has & IKE_CFG_HAS_IP4)
		snprintf(s->assigned_ipv4, sizeof(s->assigned_ipv4), "%s",
			 inet_ntop(AF_INET, &est->cfg.ip4, buf, sizeof(buf)));
	s->dh_group = est->suite.dh;
	s->lost_at = 0;
	if (!session_can_reconnect(s)) {
		log_warning("conn %s: the gateway gave no session token; reconnect is not possible",
			    c->host_name);
		return;
	}
	if (session_store_save(s, c->d->opts.state_dir) < 0)
		log_warning("conn %s: cannot store the session in %s", c->host_name,
			    c->d->opts.state_dir);
}

static void established(struct conn *c, struct ike_action *a)
{
	struct ike_established *est = &a->established;
	bool login = c->full_login;
	int r = 0;

	c->sa_up = true;
	c->eap = eap_peer_free(c->eap);
	remember_session(c, est);
	if (login || !c->tun_up)
		r = open_tunnel(c, est);
	if (r == 0)
		r = hand_socket_to_dataplane(c);
	if (r == 0)
		r = install_child(c, &est->child, c->gw, NATT_PORT);
	if (r < 0) {
		char why[256];

		snprintf(why, sizeof(why), "cannot set up the tunnel: %s", err_str(r));
		log_err("conn %s: %s", c->host_name, why);
		drop_sa(c);
		c->sa = 0;
		conn_fail_requester(c, r, why);
		conn_ike_teardown(c, true);
		if (c->state != CONN_STATE_DISCONNECTED)
			conn_set_state(c, CONN_STATE_DISCONNECTED, 0, why);
		return;
	}
	c->stats.connected_at = clock_boottime_now();
	if (c->state == CONN_STATE_RECONNECTING)
		dart_history_reconnect_step(&c->d->dart.history, "child_sa_installed",
					    c->stats.connected_at);
	if (c->state == CONN_STATE_RECONNECTING)
		conn_reconnect_succeeded(c);
	else
		conn_set_state(c, CONN_STATE_CONNECTED, 0, c->host_name);
	daemon_log_record(&c->d->log, DAEMON_LOG_INFORMATION, DAEMON_SOURCE_AGENT, c->session.id, 0,
			  "The IPsec connection to the secure gateway has been established.");
	conn_progress(c, "Connected to %s.", c->host_name);
	conn_succeed_requester(c);
}

/* ---- failures ---- */

static const char *fail_text(struct conn *c, const struct ike_action *a, char *buf, size_t len)
{
	const char *eap_err = c->eap ? eap_peer_outcome(c->eap)->last_error : NULL;

	if (a->failed.eap_failure || (c->full_login && a->failed.error == -EACCES && eap_err))
		snprintf(buf, len, "Login failed%s%s", eap_err ? ": " : ".",
			 eap_err ? eap_err : "");
	else if (a->failed.error == -EACCES && c->cert_error[0])
		snprintf(buf, len, "%s", c->cert_error);
	else if (a->failed.notify == IKE_N_AUTHENTICATION_FAILED)
		snprintf(buf, len, "%s refused the authentication (AUTHENTICATION_FAILED)",
			 c->host_name);
	else if (a->failed.notify)
		snprintf(buf, len, "%s refused the connection (notify %u)", c->host_name,
			 a->failed.notify);
	else if (a->failed.error == -ETIMEDOUT)
		snprintf(buf, len, "no answer from %s", c->host_name);
	else
		snprintf(buf, len, "connection to %s failed: %s", c->host_name,
			 err_str(a->failed.error));
	return buf;
}

static void failed(struct conn *c, struct ike_action *a)
{
	uint16_t nt = a->failed.notify;
	bool refused = nt == IKE_N_AUTHENTICATION_FAILED || nt == IKE_N_INTERNAL_ADDRESS_FAILURE ||
		       nt == IKE_N_FAILED_CP_REQUIRED;
	bool fatal =
		nt == IKE_N_NO_PROPOSAL_CHOSEN || (a->failed.error == -EACCES && c->cert_error[0]);
	char why[600];

	fail_text(c, a, why, sizeof(why));
	c->sa = 0;
	c->sa_up = false;
	conn_ike_end(c, a->failed.error ? a->failed.error : -EPROTO, why, c->attempt_answered || nt,
		     refused, fatal);
}

void conn_ike_end(struct conn *c, int r, const char *why, bool answered, bool refused, bool fatal)
{
	if (c->state == CONN_STATE_DISCONNECTING) {
		conn_ike_teardown(c, true);
		return;
	}
	if (c->state == CONN_STATE_RECONNECTING && !c->full_login && !fatal) {
		conn_reconnect_failed(c, answered, refused, why);
		return;
	}
	log_info("conn %s: %s", c->host_name, why);
	conn_fail_requester(c, r, why);
	conn_ike_teardown(c, true);
	if (c->state != CONN_STATE_DISCONNECTED)
		conn_set_state(c, CONN_STATE_DISCONNECTED, 0, why);
}

static void gone(struct conn *c, enum ike_action_type t)
{
	c->sa = 0;
	c->sa_up = false;
	switch (c->state) {
	case CONN_STATE_DISCONNECTING:
		conn_ike_teardown(c, true);
		break;
	case CONN_STATE_CONNECTED:
		conn_reconnect_trigger(c, t == IKE_ACTION_DELETED ? SESSION_REASON_GATEWAY_DELETE
								  : SESSION_REASON_DEAD_PEER);
		break;
	case CONN_STATE_RECONNECTING:
		conn_reconnect_failed(c, t == IKE_ACTION_DELETED, false,
				      "no answer from the gateway");
		break;
	case CONN_STATE_CONNECTING:
		conn_fail_requester(c, -ETIMEDOUT, "no answer from the gateway");
		conn_ike_teardown(c, true);
		conn_set_state(c, CONN_STATE_DISCONNECTED, 0, "no answer from the gateway");
		break;
	case CONN_STATE_DISCONNECTED:
	case _CONN_STATE_MAX:
	case _CONN_STATE_INVALID:
		break;
	}
}

static void child_rekeyed(struct conn *c, struct ike_action *a)
{
	int r = c->dp ? install_child(c, &a->child.child, c->gw, NATT_PORT) : -ENODEV;

	if (r < 0)
		log_warning("conn %s: rekeyed child SA not installed: %s", c->host_name,
			    err_str(r));
}

static void dispatch(struct conn *c, struct ike_action *a)
{
	bool current = a->sa == c->sa;

	switch (a->type) {
	case IKE_ACTION_SEND:
		send_packet(c, a);
		return;
	case IKE_ACTION_IKE_REKEYED:
		if (current)
			c->sa = a->rekeyed.new_sa;
		return;
	case IKE_ACTION_NONE:
	case _IKE_ACTION_MAX:
		return;
	default:
		break;
	}
	if (!current)
		return; /* an SA we already abandoned */
	switch (a->type) {
	case IKE_ACTION_EAP:
		handle_eap(c, a->eap.data, a->eap.len);
		break;
	case IKE_ACTION_ESTABLISHED:
		established(c, a);
		break;
	case IKE_ACTION_CHILD_REKEYED:
		child_rekeyed(c, a);
		break;
	case IKE_ACTION_FAILED:
		failed(c, a);
		break;
	case IKE_ACTION_DELETED:
	case IKE_ACTION_DEAD:
		gone(c, a->type);
		break;
	default:
		break;
	}
}

void conn_ike_pump(struct conn *c)
{
	struct ike_action a;

	if (c->form_pending && c->requester)
		send_form(c); /* a newly attached client */
	while (c->ike && ike_next_action(c->ike, &a)) {
		dispatch(c, &a);
		ike_action_done(&a);
	}
	conn_rearm(c);
}

/* ---- starting and ending attempts ---- */

static void client_info(struct eap_client_info *ci, struct utsname *u)
{
	*ci = (struct eap_client_info){.version = CLIENT_VERSION};
	if (uname(u) == 0) {
		ci->computer_name = u->nodename;
		ci->device_type = u->machine;
		ci->platform_version = u->release;
	}
}

static void request_cp(struct conn *c, struct ike_cfg *cp, bool login)
{
	ike_cfg_init(cp);
	cp->has = IKE_CFG_HAS_IP4 | IKE_CFG_HAS_NETMASK4 | IKE_CFG_HAS_DNS4 |
		  IKE_CFG_HAS_APP_VERSION | IKE_CFG_HAS_SUBNET4 | IKE_CFG_HAS_LIVENESS |
		  IKE_CFG_HAS_DNS_DOMAIN | IKE_CFG_HAS_BANNER | IKE_CFG_HAS_DEF_DOMAIN |
		  IKE_CFG_HAS_SESSION_ID;
	snprintf(cp->app_version, sizeof(cp->app_version), "%s", CLIENT_VERSION);
	/* §4.2: ask for the address we had, so applications keep their connections */
	if (!login && c->session.assigned_ipv4[0])
		(void)inet_pton(AF_INET, c->session.assigned_ipv4, &cp->ip4);
}

static void set_idi(struct ike_id *id, const char *text)
{
	id->type = IKE_ID_KEY_ID;
	id->len = (uint16_t)strlen(text);
	memcpy(id->data, text, id->len);
}

static int new_eap(struct conn *c)
{
	struct eap_peer_config ec = {
		.methods = EAP_METHOD_BIT(c->eap_method),
		.rng = &rng_system,
	};
	struct utsname u;

	client_info(&ec.client, &u);
	c->eap = eap_peer_free(c->eap);
	c->eap = eap_peer_new(&ec);
	return c->eap ? 0 : -ENOMEM;
}

static int ensure_ike(struct conn *c)
{
	struct ike_hooks hooks = {.verify_peer_certs = verify_peer_certs};

	if (c->ike)
		return 0;
	c->ike = ike_new(IKE_ROLE_INITIATOR, &rng_system);
	if (!c->ike)
		return -ENOMEM;
	ike_set_hooks(c->ike, &hooks, c, NULL);
	return 0;
}

static int attach_socket(struct conn *c, int fd)
{
	int r;

	if (c->dp) {
		/* the tunnel is kept: the data plane reads the new socket; the old one goes */
		if ((r = dataplane_socket_set(c->dp, 0, fd, DATAPLANE_SOCK_CLIENT)) < 0)
			return r;
		close_socket(c);
		c->udp_fd = fd;
		return 0;
	}
	close_socket(c);
	c->udp_fd = fd;
	return sd_event_add_io(c->d->event, &c->udp_io, fd, EPOLLIN, on_udp, c);
}

int conn_ike_start(struct conn *c, bool login)
{
	struct ike_initiator_config ic = {.auth = login ? IKE_AUTH_MODE_EAP : IKE_AUTH_MODE_PSK};
	struct platform_path path;
	uint16_t port = 0;
	int r, fd;

	conn_ike_abandon(c);
	c->cert_error[0] = '\0';
	if ((r = platform_path_get(c->d->platform, c->gw, &path)) < 0)
		return r;
	if (!path.ifindex)
		return -ENETUNREACH;
	if ((fd = open_socket(c, path.src, &port)) < 0)
		return fd;
	if ((r = attach_socket(c, fd)) < 0) {
		close(fd);
		return r;
	}
	if ((r = ensure_ike(c)) < 0 || (login && (r = new_eap(c)) < 0))
		return r;
	c->local = path.src;
	c->full_login = login;
	c->attempt_answered = false;
	ike_policy_client_default(&ic.policy);
	ic.ke_group = c->session.dh_group ? c->session.dh_group : 19;
	set_idi(&ic.idi, login ? CISCO_ANYCONNECT_ID : c->session.id);
	ic.psk = login ? NULL : c->session.token;
	ic.request_token = !login;
	ic.initial_contact = !login;
	ic.cisco_compat = c->d->conf.cisco_compat;
	ic.path.local = (struct ike_addr){.family = AF_INET, .port = port, .v4 = path.src};
	ic.path.remote = (struct ike_addr){.family = AF_INET, .port = IKE_PORT, .v4 = c->gw};
	request_cp(c, &ic.cp_request, login);
	r = ike_initiate(c->ike, &ic, clock_boottime_now(), &c->sa);
	ike_cfg_done(&ic.cp_request);
	if (r < 0)
		return r;
	conn_ike_pump(c);
	return 0;
}

void conn_ike_abandon(struct conn *c)
{
	if (c->ike && c->sa)
		drop_sa(c);
	c->sa = 0;
	c->sa_up = false;
	c->form_pending = false;
	c->eap = eap_peer_free(c->eap);
}

/* 1: a Delete is out and we wait for its answer; 0: nothing to wait for. */
int conn_ike_delete(struct conn *c)
{
	if (!c->ike || !c->sa || !c->sa_up)
		return 0;
	if (ike_sa_delete(c->ike, c->sa, clock_boottime_now(), true) < 0)
		return 0;
	conn_ike_pump(c);
	return c->state == CONN_STATE_DISCONNECTING ? 1 : 0;
}

void conn_ike_teardown(struct conn *c, bool forget_session)
{
	conn_ike_abandon(c);
	c->ike = ike_free(c->ike);
	c->dp_ike_io = sd_event_source_disable_unref(c->dp_ike_io);
	if (c->dp) {
		dataplane_queue_drop(c->dp);
		dataplane_stop(c->dp);
		c->dp = dataplane_free(c->dp);
	}
	close_socket(c);
	if (c->tun_up && platform_undo_all(c->d->platform) < 0)
		log_warning("conn %s: restoring routes/DNS/tun was incomplete", c->host_name);
	c->tun_up = false;
	c->tun_fd = -1;
	c->attempt_due = false;
	if (forget_session) {
		(void)session_store_remove(c->d->opts.state_dir);
		session_done(&c->session);
	}
	if (c->state == CONN_STATE_DISCONNECTING) {
		conn_set_state(c, CONN_STATE_DISCONNECTED, 0, "user request");
		daemon_log_record(&c->d->log, DAEMON_LOG_INFORMATION, DAEMON_SOURCE_AGENT, NULL, 0,
				  "Disconnected from %s.", c->host_name);
		conn_disconnected_reply(c);
	}
	conn_rearm(c);
}
