/*
 * gw_daemon.c - the gateway's event loop: sockets, TUN, data plane, IKE engine timers,
 * session expiry, the control socket and signals, all on one thread (the data plane
 * runs its own two threads and hands IKE datagrams over through an eventfd).
 *
 * Timers (CLOCK_BOOTTIME): the engine's ike_next_deadline() (retransmits, DPD on
 * demand, EAP timeout), gw_sessdb_tick() (inactive expiry, expired IDs, rate limit),
 * and a 1 s liveness poll that reports ESP seen by the data plane to the engine.
 */
#define _GNU_SOURCE /* signalfd, open_memstream */
#define LOG_MODULE  "gw"
#include "gw_daemon.h"

#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "gw_ctl.h"
#include "gw_internal.h"
#include "gw_show.h"
#include "gw_tun.h"
#include "platform/linux/dataplane.h"

#define LIVENESS_POLL (1 * USEC_PER_SEC)
#define TUN_MTU	      1400
#define EAP_TIMEOUT   (120 * USEC_PER_SEC) /* §6.4 */
#define DPD_RETRIES   5			   /* §11: unverified local choice */

/* ---- set-up ---- */

static int load_key(struct gw_daemon *d)
{
	FILE *f = fopen(d->conf->key_file, "re");

	if (!f) {
		log_err("%s: cannot open the key: %s", d->conf->key_file, err_str(-errno));
		return -ENOENT;
	}
	d->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!d->key) {
		log_err("%s: not a PEM private key", d->conf->key_file);
		return -EBADMSG;
	}
	d->auth_sign = EVP_PKEY_base_id(d->key) == EVP_PKEY_EC ? "ECDSA" : "RSA";
	return 0;
}

/* The leaf first, then intermediates; a self-signed root is never sent (§5.2). */
static int load_certs(struct gw_daemon *d)
{
	FILE *f = fopen(d->conf->cert_file, "re");
	X509 *x;

	if (!f) {
		log_err("%s: cannot open the certificate: %s", d->conf->cert_file, err_str(-errno));
		return -ENOENT;
	}
	while (d->n_certs < GW_MAX_CERTS && (x = PEM_read_X509(f, NULL, NULL, NULL))) {
		struct ike_der *c = &d->certs[d->n_certs];
		uint8_t *p = NULL;
		int n;

		if (d->n_certs > 0 && X509_check_issued(x, x) == X509_V_OK) {
			X509_free(x);
			continue;
		}
		if ((n = i2d_X509(x, &p)) > 0) {
			c->data = p, c->len = (size_t)n;
			d->n_certs++;
		}
		X509_free(x);
	}
	fclose(f);
	if (d->n_certs == 0) {
		log_err("%s: no PEM certificate", d->conf->cert_file);
		return -EBADMSG;
	}
	return 0;
}

static uint16_t prf_of_integ(uint16_t integ)
{
	return integ == IKE_INTEG_HMAC_SHA2_512_256   ? IKE_PRF_HMAC_SHA2_512
	       : integ == IKE_INTEG_HMAC_SHA2_384_192 ? IKE_PRF_HMAC_SHA2_384
						      : IKE_PRF_HMAC_SHA2_256;
}

/* PROTOCOL.md §3: the configured proposal; IOS derives the PRFs from the integrity list. */
static void make_policy(const struct gw_conf *c, struct ike_policy *p)
{
	const struct gw_proposal *pr = &c->proposal;
	struct ike_suite_policy *s = &p->ike[0], *e = &p->esp[0];
	unsigned int i;

	memset(p, 0, sizeof(*p));
	p->n_ike = p->n_esp = 1;
	s->encr = pr->encr == GW_ENCR_AES_GCM_256 ? IKE_ENCR_AES_GCM_16 : IKE_ENCR_AES_CBC;
	s->encr_keylen = 256;
	for (i = 0; i < pr->n_integ && s->encr == IKE_ENCR_AES_CBC && i < IKE_POLICY_MAX_IDS; i++)
		s->integ[s->n_integ++] = pr->integ[i];
	for (i = 0; i < pr->n_prf && i < IKE_POLICY_MAX_IDS; i++)
		s->prf[s->n_prf++] = pr->prf[i];
	for (i = 0; !pr->n_prf && i < pr->n_integ && i < IKE_POLICY_MAX_IDS; i++)
		s->prf[s->n_prf++] = prf_of_integ(pr->integ[i]);
	if (!s->n_prf)
		s->prf[s->n_prf++] = IKE_PRF_HMAC_SHA2_512;
	for (i = 0; i < pr->n_dh && i < IKE_POLICY_MAX_IDS; i++)
		s->dh[s->n_dh++] = pr->dh[i];
	e->encr = c->esp_encr == GW_ENCR_AES_GCM_256 ? IKE_ENCR_AES_GCM_16 : IKE_ENCR_AES_CBC;
	e->encr_keylen = 256;
	if (e->encr == IKE_ENCR_AES_CBC)
		e->integ[e->n_integ++] = c->esp_integ;
}

static int setup_ike(struct gw_daemon *d)
{
	const struct gw_conf *c = d->conf;
	struct ike_responder_config rc = {
		.sign_key = d->key,
		.certs = d->certs,
		.n_certs = d->n_certs,
		.half_open_limit = c->cookie_threshold,
		.window_size = 5,
		.dpd_interval = c->dpd_interval * USEC_PER_SEC,
		.dpd_retry_interval = c->dpd_retry * USEC_PER_SEC,
		.dpd_retries = DPD_RETRIES,
		.eap_timeout = EAP_TIMEOUT,
		.frag_mtu = c->frag_mtu,
		.token_rotation = true,
	};
	int r;

	make_policy(c, &rc.policy);
	if (c->listen_addr.s_addr) { /* IOS: IDr = ID_IPV4_ADDR of the listening address */
		rc.idr.type = IKE_ID_IPV4_ADDR;
		rc.idr.len = 4;
		memcpy(rc.idr.data, &c->listen_addr, 4);
	} else {
		rc.idr.type = IKE_ID_FQDN;
		rc.idr.len = (uint16_t)strlen(c->hostname);
		memcpy(rc.idr.data, c->hostname, rc.idr.len);
	}
	d->ike = ike_new(IKE_ROLE_RESPONDER, &rng_system);
	if ((r = ike_responder_configure(d->ike, &rc)) < 0) {
		log_err_fr(r, "IKE responder configuration refused");
		return r;
	}
	gw_resp_install_hooks(d);
	return 0;
}

static int udp_socket(struct in_addr addr, uint16_t port, int *ret)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = addr};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1, r;

	if (fd < 0)
		return -errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	(void)setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	*ret = fd;
	return 0;
}

static int setup_net(struct gw_daemon *d, const char *ctl_path)
{
	const struct gw_conf *c = d->conf;
	int ifindex, r;

	if ((r = udp_socket(c->listen_addr, c->port, &d->sock_ike)) < 0 ||
	    (r = udp_socket(c->listen_addr, c->nat_port, &d->sock_natt)) < 0) {
		log_err_fr(r, "cannot bind UDP %u/%u on %s", c->port, c->nat_port,
			   inet_ntoa(c->listen_addr));
		return r;
	}
	if ((r = gw_tun_open(c->tun_name, TUN_MTU, &d->tun_fd, &ifindex)) < 0) {
		log_err_fr(r, "cannot create TUN device %s", c->tun_name);
		return r;
	}
	if ((r = gw_tun_route_pool(ifindex, c->pool_first, c->pool_last)) < 0) {
		log_err_fr(r, "cannot route the pool into %s", c->tun_name);
		return r;
	}
	if ((r = gw_ctl_listen(ctl_path, &d->ctl_fd)) < 0) {
		log_err_fr(r, "control socket %s", ctl_path);
		return r;
	}
	return 0;
}

static int setup_dataplane(struct gw_daemon *d)
{
	struct dataplane_config dc = {.mode = DATAPLANE_MODE_GATEWAY, .tun_fd = d->tun_fd};
	int r;

	if ((r = dataplane_new(&dc, &d->dp)) < 0 ||
	    (r = dataplane_socket_set(d->dp, GW_SOCK_IKE, d->sock_ike, DATAPLANE_SOCK_IKE)) < 0 ||
	    (r = dataplane_socket_set(d->dp, GW_SOCK_NATT, d->sock_natt, DATAPLANE_SOCK_NATT)) <
		    0 ||
	    (r = dataplane_start(d->dp)) < 0)
		log_err_fr(r, "data plane");
	return r;
}

static int setup_signals(struct gw_daemon *d)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	return d->sig_fd < 0 ? -errno : 0;
}

static struct gw_sessdb *make_db(const struct gw_conf *c)
{
	struct gw_sessdb_config sc = {
		.pool_first = c->pool_first,
		.pool_last = c->pool_last,
		.reconnect_timeout = c->reconnect_timeout * USEC_PER_SEC,
		.rl_fails = c->rl_fails,
		.rl_window = c->rl_window * USEC_PER_SEC,
		.rl_hold = c->rl_hold * USEC_PER_SEC,
	};

	return gw_sessdb_new(&sc, &rng_system);
}

/* ---- IKE input ---- */

static void to_ike_addr(const struct sockaddr_storage *ss, struct ike_addr *a)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	if (ss->ss_family == AF_INET) {
		a->v4 = sin->sin_addr;
		a->port = ntohs(sin->sin_port);
	}
}

/* RFC 7296 §3.1: an initiator's IKE_SA_INIT request (responder SPI zero, MID 0) */
static bool is_new_sa_request(const uint8_t *p, size_t n)
{
	static const uint8_t zero[8];

	return n >= 28 && p[18] == 34 && (p[19] & 0x28) == 0x08 && memcmp(p + 8, zero, 8) == 0;
}

/* RFC 7296 §3.1: a header, major version 2, and a Length that is the datagram's */
static bool header_ok(const uint8_t *p, size_t n)
{
	return n >= 28 && (p[17] >> 4) == 2 && be32_load(p + 24) == n;
}

static void ike_packet(struct gw_daemon *d, struct dataplane_ike_packet *pkt, usec_t now)
{
	struct ike_dgram dg;

	if (!header_ok(pkt->data, pkt->len)) {
		d->ike_malformed++;
		log_debug_ratelimited("malformed IKE datagram (%zu bytes) dropped", pkt->len);
		return;
	}

	to_ike_addr(&pkt->from, &dg.remote);
	to_ike_addr(&pkt->local, &dg.local);
	dg.local.port = pkt->sock == GW_SOCK_IKE ? d->conf->port : d->conf->nat_port;
	if (pkt->local.ss_family != AF_INET)
		dg.local.v4 = d->conf->listen_addr;
	d->ike_rx++;
	/* `crypto ikev2 limit max-in-negotiation-sa`: no new state past the limit */
	if (is_new_sa_request(pkt->data, pkt->len) &&
	    ike_half_open_count(d->ike) >= d->conf->half_open_limit) {
		d->half_open_drops++;
		log_debug_ratelimited("half-open limit %u reached: IKE_SA_INIT dropped",
				      d->conf->half_open_limit);
		return;
	}
	(void)ike_input(d->ike, now, &dg, pkt->data, pkt->len);
}

static void drain_ike(struct gw_daemon *d)
{
	struct dataplane_ike_packet *pkt;
	usec_t now;

	while (dataplane_ike_pop(d->dp, &pkt) == 0) {
		now = clock_boottime_now();
		ike_packet(d, pkt, now);
		free(pkt);
		gw_resp_run_actions(d, now);
	}
}

/* ---- show and clear ---- */

struct show_collect {
	struct gw_daemon *d;
	struct gw_show_sa *sas;
	size_t n, cap;
};

static void collect_one(void *ud, const struct gw_sess *s)
{
	struct show_collect *c = ud;
	struct gw_sa *gs;
	struct gw_show_sa *v;
	struct dataplane_sa_stats st;

	if (s->state != GW_SESS_STATE_ACTIVE || !s->sa || !(gs = gw_resp_sa_find(c->d, s->sa)) ||
	    !gs->established)
		return;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->sas = xrealloc(c->sas, c->cap * sizeof(*c->sas));
	}
	v = &c->sas[c->n];
	memset(v, 0, sizeof(*v));
	if (ike_sa_get_info(c->d->ike, s->sa, &v->ike) < 0)
		return;
	v->serial = s->serial;
	memcpy(v->session_id, s->id, sizeof(v->session_id));
	v->reconnectable = s->reconnectable;
	v->reconnects = s->reconnects;
	memcpy(v->eap_id, s->user, sizeof(v->eap_id));
	v->assigned = s->addr;
	v->auth_sign = c->d->auth_sign;
	v->auth_verify = gs->auth_verify ? gs->auth_verify : "?";
	v->anyconnect = s->reconnectable;
	if (gs->child && dataplane_sa_get_stats(c->d->dp, gs->spi_in, &st) == 0) {
		v->pkts_in = st.in.packets, v->bytes_in = st.in.bytes;
		v->pkts_out = st.out.packets, v->bytes_out = st.out.bytes;
		v->drop_in =
			st.in.err_auth + st.in.err_replay + st.in.err_malformed + st.in.err_proto;
		v->drop_out = st.out.err_expired;
	}
	c->n++;
}

static int by_serial(const void *a, const void *b)
{
	const struct gw_show_sa *x = a, *y = b;

	return x->serial < y->serial ? -1 : x->serial > y->serial;
}

static void show_stats(struct gw_daemon *d, FILE *out, bool json)
{
	struct dataplane_stats st;
	struct gw_sess_stats ss;
	int i;

	dataplane_get_stats(d->dp, &st);
	gw_sessdb_get_stats(d->db, &ss);
	if (json) {
		fprintf(out,
			"{\"ike_rx\":%llu,\"ike_malformed\":%llu,\"half_open\":%u,\"half_open_"
			"drops\":%llu,\"logins\":%llu,"
			"\"eap_failures\":%llu,\"active_sessions\":%zu,\"inactive_sessions\":%zu,"
			"\"esp_rx\":%llu,\"esp_tx\":%llu,\"drops\":{",
			(unsigned long long)d->ike_rx, (unsigned long long)d->ike_malformed,
			ike_half_open_count(d->ike), (unsigned long long)d->half_open_drops,
			(unsigned long long)d->logins, (unsigned long long)d->eap_failures,
			ss.active_all, ss.inactive, (unsigned long long)st.esp_rx_packets,
			(unsigned long long)st.esp_tx_packets);
		for (i = 0; i < _DATAPLANE_DROP_MAX; i++)
			fprintf(out, "%s\"%s\":%llu", i ? "," : "", dataplane_drop_to_string(i),
				(unsigned long long)st.drops[i]);
		fprintf(out, "}}\n");
		return;
	}
	fprintf(out, "IKE datagrams received: %llu, malformed and dropped: %llu\n",
		(unsigned long long)d->ike_rx, (unsigned long long)d->ike_malformed);
	fprintf(out, "Half-open SAs: %u (limit %u, cookie above %u), dropped at the limit: %llu\n",
		ike_half_open_count(d->ike), d->conf->half_open_limit, d->conf->cookie_threshold,
		(unsigned long long)d->half_open_drops);
	fprintf(out, "Logins: %llu, EAP failures: %llu\n", (unsigned long long)d->logins,
		(unsigned long long)d->eap_failures);
	fprintf(out, "Sessions: %zu active, %zu inactive, %zu addresses free\n", ss.active_all,
		ss.inactive, ss.leases_free);
	fprintf(out, "ESP packets: %llu in, %llu out\n", (unsigned long long)st.esp_rx_packets,
		(unsigned long long)st.esp_tx_packets);
	for (i = 0; i < _DATAPLANE_DROP_MAX; i++)
		fprintf(out, "Dropped (%s): %llu\n", dataplane_drop_to_string(i),
			(unsigned long long)st.drops[i]);
}

static int ctl_handler(void *ud, const struct gw_ctl_request *req, FILE *out)
{
	struct gw_daemon *d = ud;
	usec_t now = clock_boottime_now();
	struct show_collect c = {.d = d};
	struct gw_show_ctx ctx = {
		.profile = d->conf->profile,
		.now = now,
		.dpd_interval = d->conf->dpd_interval,
		.dpd_retry = d->conf->dpd_retry,
		.frag_mtu = d->conf->frag_mtu,
		.ike_lifetime_s = 86400,
		.child_lifetime_s = 3600,
		.child_lifetime_kb = 4608000,
	};
	struct gw_sess_stats st;
	unsigned int cleared;
	int r = 0;

	switch (req->cmd) {
	case GW_CTL_SHOW_CRYPTO_SESSION_DETAIL:
	case GW_CTL_SHOW_IKEV2_SESSION_DETAILED:
		gw_sessdb_foreach(d->db, collect_one, &c);
		if (c.n) /* qsort(NULL, 0, ...) is undefined (C17 7.22.5) */
			qsort(c.sas, c.n, sizeof(*c.sas), by_serial);
		if (req->cmd == GW_CTL_SHOW_CRYPTO_SESSION_DETAIL)
			gw_show_crypto_session_detail(out, &ctx, c.sas, c.n, req->json);
		else
			gw_show_ikev2_session_detailed(out, &ctx, c.sas, c.n, req->json);
		free(c.sas);
		break;
	case GW_CTL_SHOW_IKEV2_STATS_RECONNECT:
		gw_sessdb_get_stats(d->db, &st);
		gw_show_ikev2_stats_reconnect(out, &st, req->json);
		break;
	case GW_CTL_SHOW_IKEV2_STATS:
		show_stats(d, out, req->json);
		break;
	case GW_CTL_CLEAR_CRYPTO_SESSION:
		r = gw_resp_clear(d, now, req->arg, &cleared);
		gw_resp_run_actions(d, now);
		if (r < 0)
			fprintf(out, "no active session %s\n", req->arg);
		else
			fprintf(out, "cleared %u session(s)\n", cleared);
		break;
	case _GW_CTL_CMD_MAX:
		break;
	}
	return r;
}

/* ---- the loop ---- */

static usec_t min_usec(usec_t a, usec_t b)
{
	return a < b ? a : b;
}

static void tick(struct gw_daemon *d, usec_t *next_liveness, usec_t *next_db)
{
	usec_t now = clock_boottime_now();

	if (now >= ike_next_deadline(d->ike)) {
		(void)ike_tick(d->ike, now);
		gw_resp_run_actions(d, now);
	}
	if (now >= *next_liveness) {
		gw_resp_report_liveness(d, now);
		*next_liveness = now + LIVENESS_POLL;
	}
	/* every pass: a session that went inactive since the last one brings a new deadline,
	 * and the tick itself only looks at the heads of its FIFOs */
	*next_db = gw_sessdb_tick(d->db, now);
}

static void loop(struct gw_daemon *d)
{
	struct pollfd pfd[3] = {
		{.fd = dataplane_ike_fd(d->dp), .events = POLLIN},
		{.fd = d->ctl_fd, .events = POLLIN},
		{.fd = d->sig_fd, .events = POLLIN},
	};
	usec_t next_liveness = 0, next_db = 0, now, next;
	struct signalfd_siginfo si;

	while (!d->stop) {
		tick(d, &next_liveness, &next_db);
		now = clock_boottime_now();
		next = min_usec(min_usec(ike_next_deadline(d->ike), next_liveness), next_db);
		(void)poll(pfd, 3, next > now ? (int)((next - now + 999) / 1000) : 0);
		if (pfd[0].revents & POLLIN)
			drain_ike(d);
		if (pfd[1].revents & POLLIN)
			gw_ctl_serve_one(d->ctl_fd, ctl_handler, d);
		if ((pfd[2].revents & POLLIN) && read(d->sig_fd, &si, sizeof(si)) == sizeof(si)) {
			log_info("signal %u: stopping", si.ssi_signo);
			d->stop = true;
		}
	}
}

static void teardown(struct gw_daemon *d, const char *ctl_path)
{
	size_t i;
	struct gw_hnode *n, *next;

	if (d->dp)
		dataplane_stop(d->dp);
	for (i = 0; d->sas.buckets && i < d->sas.n_buckets; i++) {
		for (n = d->sas.buckets[i]; n; n = next) {
			next = n->next;
			gw_resp_sa_free(d, gw_container_of(n, struct gw_sa, node));
		}
	}
	d->dp = dataplane_free(d->dp);
	d->ike = ike_free(d->ike);
	d->db = gw_sessdb_free(d->db);
	gw_htab_done(&d->sas);
	for (i = 0; i < d->n_certs; i++)
		OPENSSL_free(d->certs[i].data);
	EVP_PKEY_free(d->key);
	if (d->ctl_fd >= 0) {
		close(d->ctl_fd);
		unlink(ctl_path);
	}
	if (d->sock_ike >= 0)
		close(d->sock_ike);
	if (d->sock_natt >= 0)
		close(d->sock_natt);
	if (d->tun_fd >= 0)
		close(d->tun_fd);
	if (d->sig_fd >= 0)
		close(d->sig_fd);
}

int gw_daemon_run(const struct gw_conf *conf, const char *ctl_path, bool foreground)
{
	struct gw_daemon d = {.conf = conf,
			      .sock_ike = -1,
			      .sock_natt = -1,
			      .tun_fd = -1,
			      .ctl_fd = -1,
			      .sig_fd = -1};
	int r;

	gw_htab_init(&d.sas, 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid());
	d.db = make_db(conf);
	if ((r = load_key(&d)) < 0 || (r = load_certs(&d)) < 0 || (r = setup_ike(&d)) < 0 ||
	    (r = setup_signals(&d)) < 0 || (r = setup_net(&d, ctl_path)) < 0)
		goto out;
	/* detach before the data plane starts its threads: fork keeps only the caller's */
	if (!foreground && daemon(0, 0) < 0) {
		r = -errno;
		goto out;
	}
	if ((r = setup_dataplane(&d)) < 0)
		goto out;
	log_info("anyroam-gw up: udp/%u,%u, %u users, %u pool addresses, control %s", conf->port,
		 conf->nat_port, conf->n_users, gw_conf_pool_size(conf), ctl_path);
	loop(&d);
out:
	teardown(&d, ctl_path);
	return r < 0 ? 1 : 0;
}
