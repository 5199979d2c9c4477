/*
 * gw_resp.c - the gateway's side of the IKE responder: which identity gets which
 * authentication (PROTOCOL.md §5.1), the EAP servers, the CFG_REPLY (§8), session
 * life (§4.4) and the ESP pairs the data plane carries.
 *
 *   IDi `*$AnyConnectClient$*`, no AUTH   -> EAP-AnyConnect; the issuer makes the session
 *   IDi `*$AnyConnectClient$*` with AUTH  -> AUTHENTICATION_FAILED (PSK only for reconnect)
 *   any other IDi with AUTH               -> reconnect: D7 checks, PSK = the session's token
 *   any other IDi, no AUTH                -> the configured standard EAP method
 */
#define LOG_MODULE "gw"
#include "gw_internal.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/secret.h"
#include "core/xmalloc.h"
#include "esp/esp.h"
#include "ike/cisco_compat.h"
#include "platform/linux/dataplane.h"
#include "platform/linux/dataplane_child.h"

#ifndef ANYROAM_GW_VERSION
#define ANYROAM_GW_VERSION "anyroam-gw 0.1"
#endif

struct gw_sa *gw_resp_sa_find(struct gw_daemon *d, uint64_t sa)
{
	uint64_t h = gw_htab_hash(&d->sas, &sa, sizeof(sa));
	struct gw_hnode *n;

	for (n = gw_htab_bucket(&d->sas, h); n; n = n->next) {
		struct gw_sa *gs = gw_container_of(n, struct gw_sa, node);

		if (n->hash == h && gs->sa == sa)
			return gs;
	}
	return NULL;
}

static struct gw_sa *sa_get(struct gw_daemon *d, uint64_t sa)
{
	struct gw_sa *gs = gw_resp_sa_find(d, sa);

	if (gs)
		return gs;
	gs = xcalloc(1, sizeof(*gs));
	gs->sa = sa;
	gs->node.hash = gw_htab_hash(&d->sas, &sa, sizeof(sa));
	gw_htab_insert(&d->sas, &gs->node);
	return gs;
}

static void child_remove(struct gw_daemon *d, struct gw_sa *gs)
{
	if (gs->child && dataplane_sa_remove(d->dp, gs->spi_in) < 0)
		log_debug("ESP SA %08x was already gone", gs->spi_in);
	gs->child = false;
}

void gw_resp_sa_free(struct gw_daemon *d, struct gw_sa *gs)
{
	child_remove(d, gs);
	eap_server_free(gs->eap);
	gw_htab_remove(&d->sas, &gs->node);
	free(gs);
}

/* ---- users (the EAP server's database) ---- */

static int userdb_lookup(void *ud, const char *user, enum eap_cred_type type, struct secret **ret)
{
	const struct gw_user *u = gw_conf_find_user(ud, user);

	if (!u)
		return -ENOENT;
	switch (type) {
	case EAP_CRED_VERIFIER:
		return u->has & GW_USER_HAS_VERIFIER ? (*ret = secret_dup(u->verifier), 0)
						     : -ENOENT;
	case EAP_CRED_NT_HASH:
		return u->has & GW_USER_HAS_NTHASH ? (*ret = secret_dup(u->nthash), 0) : -ENOENT;
	case EAP_CRED_CLEARTEXT:
		return u->has & GW_USER_HAS_CLEAR ? (*ret = secret_dup(u->clear), 0) : -ENOENT;
	case _EAP_CRED_MAX:
		break;
	}
	return -ENOENT;
}

/* The AnyConnect `complete` message needs the session: it is made here (D4). */
struct issue_ctx {
	struct gw_daemon *d;
	uint64_t sa;
};

static int issue_session(void *ud, const char *user, char **ret_id, struct secret **ret_token)
{
	struct issue_ctx *ic = ud;
	struct gw_sa *gs = gw_resp_sa_find(ic->d, ic->sa);
	struct gw_sess *s;
	int r;

	if (!gs)
		return -ENOENT;
	if ((r = gw_sessdb_login(ic->d->db, clock_boottime_now(), user, true, ic->sa, &s)) < 0) {
		log_warning_fr(r, "no session for user %s", user ? user : "?");
		return r;
	}
	memcpy(gs->sess_id, s->id, sizeof(gs->sess_id));
	*ret_id = xstrdup(s->id);
	*ret_token = secret_dup(s->token);
	return 0;
}

static struct eap_server *eap_for(struct gw_daemon *d, struct gw_sa *gs)
{
	struct eap_server_config cfg = {
		.rng = &rng_system,
		.userdb = {.lookup = userdb_lookup, .user_data = (void *)d->conf},
		.max_login_attempts = d->conf->max_login_attempts,
		.tunnel_group = d->conf->profile,
		.banner = d->conf->banner[0] ? d->conf->banner : NULL,
	};

	if (gs->kind == GW_SA_KIND_ANYCONNECT) {
		struct issue_ctx *ic = xcalloc(1, sizeof(*ic));

		ic->d = d, ic->sa = gs->sa;
		cfg.method = EAP_METHOD_ANYCONNECT;
		if (d->conf->profile_uri[0]) {
			cfg.profile_url = d->conf->profile_uri;
			cfg.profile_hash = d->conf->profile_sha1;
		}
		cfg.issuer = (struct eap_session_issuer){issue_session, ic, free};
	} else {
		cfg.method =
			d->conf->std_eap == GW_STD_EAP_MD5 ? EAP_METHOD_MD5 : EAP_METHOD_MSCHAPV2;
		cfg.methods = EAP_METHOD_BIT(EAP_METHOD_MSCHAPV2) | EAP_METHOD_BIT(EAP_METHOD_MD5) |
			      EAP_METHOD_BIT(EAP_METHOD_GTC);
		cfg.identity_first = true;
	}
	return eap_server_new(&cfg);
}

/* ---- hooks ---- */

static bool is_anyconnect_id(const struct gw_daemon *d, const struct ike_id *idi)
{
	size_t n = strlen(d->conf->match_key_id);

	return (idi->type == IKE_ID_KEY_ID || idi->type == CISCO_ID_ANYCONNECT_PRIVATE) &&
	       idi->len == n && memcmp(idi->data, d->conf->match_key_id, n) == 0;
}

static int authorize(void *ud, uint64_t sa, const struct ike_id *idi, bool has_auth,
		     struct secret **ret_psk)
{
	struct gw_daemon *d = ud;
	struct gw_sa *gs = sa_get(d, sa);
	struct ike_sa_info info;
	struct gw_sess *s;
	enum gw_reconnect why;

	if (ike_sa_get_info(d->ike, sa, &info) == 0 && info.path.remote.family == AF_INET)
		gs->src = info.path.remote.v4;
	if (is_anyconnect_id(d, idi)) {
		if (has_auth) {
			log_info("AnyConnect identity with AUTH: a PSK is only for reconnects");
			return -EACCES;
		}
		gs->kind = GW_SA_KIND_ANYCONNECT;
		gs->auth_verify = "AnyConnect-EAP";
		return IKE_AUTHZ_EAP;
	}
	if (!has_auth) {
		gs->kind = GW_SA_KIND_STANDARD;
		gs->auth_verify = d->conf->std_eap == GW_STD_EAP_MD5 ? "EAP-MD5" : "EAP-MSCHAPv2";
		return IKE_AUTHZ_EAP;
	}
	gs->kind = GW_SA_KIND_RECONNECT;
	gs->auth_verify = "PSK";
	why = gw_sessdb_reconnect_lookup(d->db, clock_boottime_now(), gs->src, idi->data, idi->len,
					 &s);
	if (why != GW_RECONNECT_OK)
		return -EACCES;
	memcpy(gs->sess_id, s->id, sizeof(gs->sess_id));
	*ret_psk = secret_dup(s->token);
	return IKE_AUTHZ_PSK;
}

static struct gw_sess *session_of(struct gw_daemon *d, struct gw_sa *gs)
{
	if (gs->kind == GW_SA_KIND_RECONNECT)
		return gs->sess_id[0] ? gw_sessdb_find(d->db, gs->sess_id, GW_SESS_ID_LEN) : NULL;
	return gw_sessdb_find_sa(d->db, gs->sa);
}

/* The policy part of the CFG_REPLY: everything configured, requested or not (§8). */
static void cp_fill_policy(const struct gw_conf *c, struct ike_cfg *reply)
{
	unsigned int i;

	if (c->netmask.s_addr) {
		reply->has |= IKE_CFG_HAS_NETMASK4;
		reply->netmask4 = c->netmask;
	}
	for (i = 0; i < c->n_dns && i < IKE_CFG_MAX_DNS; i++)
		reply->dns4[reply->n_dns4++] = c->dns[i];
	if (reply->n_dns4)
		reply->has |= IKE_CFG_HAS_DNS4;
	for (i = 0; i < c->n_split && i < IKE_CFG_MAX_SUBNETS; i++) {
		reply->subnet4[i].addr = c->split[i].addr;
		reply->subnet4[i].mask = c->split[i].mask;
		reply->n_subnet4++;
	}
	if (reply->n_subnet4)
		reply->has |= IKE_CFG_HAS_SUBNET4;
	if (c->def_domain[0]) {
		reply->has |= IKE_CFG_HAS_DEF_DOMAIN;
		snprintf(reply->def_domain, sizeof(reply->def_domain), "%s", c->def_domain);
	}
	if (c->banner[0]) {
		reply->has |= IKE_CFG_HAS_BANNER;
		reply->banner = xstrdup(c->banner);
	}
	/* §11: ⌊2/3 × dpd⌋ keeps the on-demand probe silent while the client lives */
	reply->has |= IKE_CFG_HAS_LIVENESS | IKE_CFG_HAS_APP_VERSION;
	reply->liveness_s = c->dpd_interval * 2 / 3;
	snprintf(reply->app_version, sizeof(reply->app_version), "%s", ANYROAM_GW_VERSION);
}

static int cp_reply(void *ud, uint64_t sa, const struct ike_cfg *request, struct ike_cfg *reply)
{
	struct gw_daemon *d = ud;
	struct gw_sa *gs = gw_resp_sa_find(d, sa);
	struct gw_sess *s = gs ? session_of(d, gs) : NULL;
	int r;

	if (!s)
		return -ENOENT;
	reply->has |= IKE_CFG_HAS_IP4;
	reply->ip4 = s->addr; /* the lease is the session's: also on a reconnect (§8.1) */
	cp_fill_policy(d->conf, reply);
	if (s->reconnectable) {
		reply->has |= IKE_CFG_HAS_SESSION_ID;
		snprintf(reply->session_id, sizeof(reply->session_id), "%s", s->id);
	}
	/* D6: a fresh token only on request, at a reconnect; the old one stops working now */
	if (gs->kind == GW_SA_KIND_RECONNECT && (request->has & IKE_CFG_HAS_SESSION_TOKEN)) {
		if ((r = gw_sessdb_rotate_token(d->db, s, &reply->token)) < 0)
			return r;
		reply->has |= IKE_CFG_HAS_SESSION_TOKEN;
	}
	return 0;
}

void gw_resp_install_hooks(struct gw_daemon *d)
{
	static const struct ike_hooks hooks = {.authorize = authorize, .cp_reply = cp_reply};

	ike_set_hooks(d->ike, &hooks, d, NULL);
}

/* ---- actions ---- */

static void send_action(struct gw_daemon *d, const struct ike_action *a)
{
	const struct ike_dgram *p = &a->send.path;
	struct sockaddr_in to = {
		.sin_family = AF_INET, .sin_port = htons(p->remote.port), .sin_addr = p->remote.v4};
	unsigned int sock = p->local.port == d->conf->port ? GW_SOCK_IKE : GW_SOCK_NATT;
	int r;

	if (p->remote.family != AF_INET)
		return;
	r = dataplane_ike_send(d->dp, sock, (struct sockaddr *)&to, sizeof(to),
			       a->send.non_esp_marker, a->send.data, a->send.len);
	if (r < 0)
		log_debug_ratelimited("IKE send: %s", err_str(r));
}

/* RFC 3748 §4.2: a Failure answering the Response with this identifier */
static void eap_fail(struct gw_daemon *d, uint64_t sa, usec_t now, uint8_t id)
{
	uint8_t pkt[4] = {EAP_CODE_FAILURE, id, 0, 4};

	d->eap_failures++;
	if (ike_sa_eap_request(d->ike, sa, now, pkt, sizeof(pkt), IKE_EAP_FAILURE, NULL) < 0)
		log_debug("SA %016llx gone before the EAP Failure", (unsigned long long)sa);
}

static void standard_login_done(struct gw_daemon *d, struct gw_sa *gs, usec_t now)
{
	const struct eap_server_outcome *o = eap_server_outcome(gs->eap);
	struct gw_sess *s;
	int r;

	if ((r = gw_sessdb_login(d->db, now, o->user, false, gs->sa, &s)) < 0)
		log_warning_fr(r, "no session for user %s", o->user ? o->user : "?");
	else
		memcpy(gs->sess_id, s->id, sizeof(gs->sess_id));
}

static void eap_action(struct gw_daemon *d, const struct ike_action *a, usec_t now)
{
	struct gw_sa *gs = sa_get(d, a->sa);
	const struct eap_server_outcome *o;
	enum ike_eap_outcome out = IKE_EAP_CONTINUE;
	const uint8_t *pkt;
	size_t len;
	int r;

	if (a->eap.len == 0) { /* EAP starts: our first Request */
		eap_server_free(gs->eap);
		gs->eap = eap_for(d, gs);
		r = eap_server_start(gs->eap);
	} else {
		r = gs->eap ? eap_server_input(gs->eap, a->eap.data, a->eap.len) : -EPROTO;
	}
	if (r < 0) {
		log_info("EAP with %s failed: %s", gs->src.s_addr ? inet_ntoa(gs->src) : "?",
			 err_str(r));
		eap_fail(d, a->sa, now, a->eap.len >= 2 ? a->eap.data[1] : 0);
		return;
	}
	if (r == EAP_STATUS_SUCCESS) {
		out = IKE_EAP_SUCCESS;
		if (gs->kind == GW_SA_KIND_STANDARD) {
			enum eap_method m = eap_server_outcome(gs->eap)->method;

			gs->auth_verify = m == EAP_METHOD_MD5	? "EAP-MD5"
					  : m == EAP_METHOD_GTC ? "EAP-GTC"
								: "EAP-MSCHAPv2";
			standard_login_done(d, gs, now);
		}
		d->logins++;
	} else if (r == EAP_STATUS_FAILURE) {
		out = IKE_EAP_FAILURE;
		o = eap_server_outcome(gs->eap);
		d->eap_failures++;
		log_info("login of '%s' refused: %s", o->user ? o->user : "?",
			 o->reason ? o->reason : "?");
	}
	eap_server_packet(gs->eap, &pkt, &len);
	o = eap_server_outcome(gs->eap);
	if (ike_sa_eap_request(d->ike, a->sa, now, pkt, len, out, o->msk) < 0)
		log_debug("SA %016llx gone during EAP", (unsigned long long)a->sa);
}

/* Installs the Child SA's ESP pair; the session's address routes to it (gateway mode). */
static int child_install(struct gw_daemon *d, struct gw_sa *gs, const struct ike_child *c,
			 const struct ike_dgram *path, struct in_addr inner)
{
	struct dataplane_sa dsa = {.sock = GW_SOCK_NATT, .has_inner4 = true, .inner4 = inner};
	struct sockaddr_in *peer = (struct sockaddr_in *)&dsa.peer;
	int r;

	peer->sin_family = AF_INET;
	peer->sin_addr = path->remote.v4;
	peer->sin_port = htons(path->remote.port);
	dsa.peer_len = sizeof(*peer);
	if ((r = dataplane_child_install(d->dp, c, &dsa)) < 0)
		return r;
	gs->child = true;
	gs->spi_in = c->spi_in;
	gs->spi_out = c->spi_out;
	return 0;
}

/* §4.2: the new SA takes the session over; an older SA gets one Delete and goes. */
static void replace_old_sa(struct gw_daemon *d, uint64_t old, usec_t now)
{
	struct gw_sa *og = old ? gw_resp_sa_find(d, old) : NULL;

	if (!old)
		return;
	if (og)
		gw_resp_sa_free(d, og);
	if (ike_sa_delete(d->ike, old, now, false) < 0)
		log_debug("replaced SA %016llx was already gone", (unsigned long long)old);
}

static void established_action(struct gw_daemon *d, const struct ike_action *a, usec_t now)
{
	const struct ike_established *e = &a->established;
	struct gw_sa *gs = sa_get(d, a->sa);
	struct gw_sess *s = session_of(d, gs);
	struct ike_sa_info info;
	uint64_t old = 0;
	int r;

	if (!s || ike_sa_get_info(d->ike, a->sa, &info) < 0) {
		log_warning("SA %016llx established without a session: deleted",
			    (unsigned long long)a->sa);
		if (ike_sa_delete(d->ike, a->sa, now, false) < 0)
			log_debug("SA already gone");
		gw_resp_sa_free(d, gs);
		return;
	}
	if ((r = child_install(d, gs, &e->child, &info.path, s->addr)) < 0)
		log_warning_fr(r, "session %s: ESP pair not installed", s->id);
	gs->established = true;
	if (gs->kind == GW_SA_KIND_RECONNECT)
		gw_sessdb_reconnect_done(d->db, now, s, a->sa, &old);
	replace_old_sa(d, old, now);
	log_info("session %s up: user %s, address %s, %s", s->id, s->user, inet_ntoa(s->addr),
		 gs->auth_verify ? gs->auth_verify : "?");
}

static void child_rekeyed_action(struct gw_daemon *d, const struct ike_action *a)
{
	struct gw_sa *gs = gw_resp_sa_find(d, a->sa);
	struct gw_sess *s = gs ? session_of(d, gs) : NULL;
	struct ike_sa_info info;
	int r;

	if (!gs || !s || ike_sa_get_info(d->ike, a->sa, &info) < 0)
		return;
	child_remove(d, gs);
	if ((r = child_install(d, gs, &a->child.child, &info.path, s->addr)) < 0)
		log_warning_fr(r, "session %s: rekeyed ESP pair not installed", s->id);
}

static void ike_rekeyed_action(struct gw_daemon *d, const struct ike_action *a)
{
	struct gw_sa *gs = gw_resp_sa_find(d, a->sa);
	struct gw_sess *s = gs ? gw_sessdb_find_sa(d->db, a->sa) : NULL;
	uint64_t old;

	if (!gs)
		return;
	gw_htab_remove(&d->sas, &gs->node);
	gs->sa = a->rekeyed.new_sa;
	gs->node.hash = gw_htab_hash(&d->sas, &gs->sa, sizeof(gs->sa));
	gw_htab_insert(&d->sas, &gs->node);
	if (s) /* the session follows its IKE SA; no reconnect is counted */
		gw_sessdb_sa_rekeyed(d->db, s, a->rekeyed.new_sa, &old);
}

/* FAILED, DELETED, DEAD: the SA is gone; what it means for its session (§4.4, D7). */
static void gone_action(struct gw_daemon *d, const struct ike_action *a, usec_t now)
{
	struct gw_sa *gs = gw_resp_sa_find(d, a->sa);
	struct gw_sess *s = gw_sessdb_find_sa(d->db, a->sa);

	if (!gs)
		return;
	if (a->type == IKE_ACTION_FAILED && gs->kind == GW_SA_KIND_RECONNECT && !gs->established &&
	    gs->sess_id[0] && a->failed.error == -EACCES)
		gw_sessdb_reconnect_failed(d->db, now, gs->src, GW_RECONNECT_BAD_TOKEN);
	if (s && a->type == IKE_ACTION_DEAD)
		gw_sessdb_sa_lost(d->db, now, s); /* DPD: inactive, reconnectable */
	else if (s) /* client Delete (logout), or a login that never completed */
		gw_sessdb_end(d->db, now, s);
	gw_resp_sa_free(d, gs);
}

static void run_action(struct gw_daemon *d, const struct ike_action *a, usec_t now)
{
	switch (a->type) {
	case IKE_ACTION_SEND:
		send_action(d, a);
		break;
	case IKE_ACTION_EAP:
		eap_action(d, a, now);
		break;
	case IKE_ACTION_ESTABLISHED:
		established_action(d, a, now);
		break;
	case IKE_ACTION_CHILD_REKEYED:
		child_rekeyed_action(d, a);
		break;
	case IKE_ACTION_IKE_REKEYED:
		ike_rekeyed_action(d, a);
		break;
	case IKE_ACTION_FAILED:
	case IKE_ACTION_DELETED:
	case IKE_ACTION_DEAD:
		gone_action(d, a, now);
		break;
	case IKE_ACTION_NONE:
	case _IKE_ACTION_MAX:
		break;
	}
}

void gw_resp_run_actions(struct gw_daemon *d, usec_t now)
{
	struct ike_action a;

	while (ike_next_action(d->ike, &a)) {
		run_action(d, &a, now);
		ike_action_done(&a);
	}
}

struct clear_ctx {
	const char *id;
	uint64_t *sas;
	size_t n, cap;
};

/* The ID as text, its uppercase hex (as show prints it), or the session number. */
static bool id_matches(const struct gw_sess *s, const char *id)
{
	char hex[2 * GW_SESS_ID_LEN + 1], num[16];
	size_t i;

	for (i = 0; i < GW_SESS_ID_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02X", (unsigned char)s->id[i]);
	snprintf(num, sizeof(num), "%u", s->serial);
	return strcmp(id, s->id) == 0 || strcasecmp(id, hex) == 0 || strcmp(id, num) == 0;
}

static void collect(void *ud, const struct gw_sess *s)
{
	struct clear_ctx *c = ud;

	if (s->state != GW_SESS_STATE_ACTIVE || !s->sa || (c->id && !id_matches(s, c->id)))
		return;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->sas = xrealloc(c->sas, c->cap * sizeof(*c->sas));
	}
	c->sas[c->n++] = s->sa;
}

int gw_resp_clear(struct gw_daemon *d, usec_t now, const char *id, unsigned int *ret_cleared)
{
	struct clear_ctx c = {.id = id};
	size_t i;

	/* collect first: dropping SAs changes the tables being walked */
	gw_sessdb_foreach(d->db, collect, &c);
	for (i = 0; i < c.n; i++) {
		struct gw_sess *s = gw_sessdb_find_sa(d->db, c.sas[i]);
		struct gw_sa *gs = gw_resp_sa_find(d, c.sas[i]);

		if (gs)
			gw_resp_sa_free(d, gs);
		if (ike_sa_delete(d->ike, c.sas[i], now, false) < 0)
			log_debug("cleared SA was already gone");
		if (s) /* SA lost, not a logout: reconnectable sessions go inactive */
			gw_sessdb_sa_lost(d->db, now, s);
	}
	free(c.sas);
	*ret_cleared = (unsigned int)c.n;
	return c.n || !id ? 0 : -ENOENT;
}

void gw_resp_report_liveness(struct gw_daemon *d, usec_t now)
{
	struct dataplane_sa_stats st;
	size_t i;
	struct gw_hnode *n;

	for (i = 0; i < d->sas.n_buckets; i++) {
		for (n = d->sas.buckets[i]; n; n = n->next) {
			struct gw_sa *gs = gw_container_of(n, struct gw_sa, node);

			if (!gs->child || dataplane_sa_get_stats(d->dp, gs->spi_in, &st) < 0)
				continue;
			if (st.last_rx > gs->last_esp_rx) {
				gs->last_esp_rx = st.last_rx;
				ike_sa_peer_alive(d->ike, gs->sa,
						  st.last_rx < now ? st.last_rx : now);
			}
		}
	}
}
