/*
 * ike.c - the engine context: SAs, the action queue, the entry points of ike.h
 * that are not about one SA, and introspection for the show commands.
 */
#define LOG_MODULE "ike"
#include "ike/ike.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "ike/ike_sa.h"

struct ike *ike_new(enum ike_role role, const struct rng_ops *rng)
{
	struct ike *ike = xcalloc(1, sizeof(*ike));

	ike->role = role;
	ike->rng = rng;
	/* RFC 7296 §2.6: the cookie secret; a failure leaves it zero, logged */
	if (rng_bytes(rng, ike->cookie_secret, sizeof(ike->cookie_secret)) < 0)
		log_warning("no randomness for the cookie secret");
	return ike;
}

static void free_action_payload(struct ike_action *a);

struct ike *ike_free(struct ike *ike)
{
	if (!ike)
		return NULL;
	while (ike->sas)
		ike_sa_destroy(ike->sas);
	for (size_t i = ike->head_action; i < ike->n_actions; i++)
		free_action_payload(&ike->actions[i]);
	free(ike->actions);
	for (size_t i = 0; i < ike->rcfg.n_certs; i++)
		free(ike->certs[i].data);
	EVP_PKEY_free(ike->rcfg.sign_key);
	if (ike->hooks_destroy)
		ike->hooks_destroy(ike->hooks_ud);
	secret_wipe(ike->cookie_secret, sizeof(ike->cookie_secret));
	free(ike);
	return NULL;
}

void ike_set_hooks(struct ike *ike, const struct ike_hooks *hooks, void *user_data,
		   ike_destroy_func_t destroy)
{
	if (ike->hooks_destroy)
		ike->hooks_destroy(ike->hooks_ud);
	ike->hooks = hooks ? *hooks : (struct ike_hooks){0};
	ike->hooks_ud = user_data;
	ike->hooks_destroy = destroy;
}

int ike_responder_configure(struct ike *ike, const struct ike_responder_config *cfg)
{
	if (ike->role != IKE_ROLE_RESPONDER || !cfg->sign_key || cfg->n_certs == 0 ||
	    cfg->n_certs > IKE_MAX_CERTS || cfg->policy.n_ike == 0 || cfg->policy.n_esp == 0)
		return -EINVAL;
	for (size_t i = 0; i < ike->rcfg.n_certs; i++)
		free(ike->certs[i].data);
	EVP_PKEY_free(ike->rcfg.sign_key);
	ike->rcfg = *cfg;
	EVP_PKEY_up_ref(cfg->sign_key);
	for (size_t i = 0; i < cfg->n_certs; i++) {
		ike->certs[i].data = xmemdup(cfg->certs[i].data, cfg->certs[i].len);
		ike->certs[i].len = cfg->certs[i].len;
	}
	ike->rcfg.certs = ike->certs;
	if (!ike->rcfg.window_size)
		ike->rcfg.window_size = 5;
	if (!ike->rcfg.dpd_retry_interval)
		ike->rcfg.dpd_retry_interval = 2 * USEC_PER_SEC;
	if (!ike->rcfg.eap_timeout)
		ike->rcfg.eap_timeout = IKE_HALF_OPEN_TIMEOUT;
	if (!ike->rcfg.frag_mtu)
		ike->rcfg.frag_mtu = IKE_FRAG_MTU_DEFAULT;
	ike->configured = true;
	return 0;
}

struct ike_action *ike_push_action(struct ike *ike, enum ike_action_type type, uint64_t sa)
{
	struct ike_action *a;

	if (ike->head_action == ike->n_actions)
		ike->head_action = ike->n_actions = 0;
	if (ike->n_actions == ike->cap_actions) {
		ike->cap_actions = ike->cap_actions ? 2 * ike->cap_actions : 16;
		ike->actions = xrealloc(ike->actions, ike->cap_actions * sizeof(*ike->actions));
	}
	a = &ike->actions[ike->n_actions++];
	memset(a, 0, sizeof(*a));
	a->type = type;
	a->sa = sa;
	return a;
}

bool ike_next_action(struct ike *ike, struct ike_action *ret)
{
	if (ike->head_action >= ike->n_actions)
		return false;
	*ret = ike->actions[ike->head_action++];
	return true;
}

static void child_free(struct ike_child *c)
{
	c->encr_in = secret_free(c->encr_in);
	c->integ_in = secret_free(c->integ_in);
	c->encr_out = secret_free(c->encr_out);
	c->integ_out = secret_free(c->integ_out);
}

static void free_action_payload(struct ike_action *a)
{
	switch (a->type) {
	case IKE_ACTION_SEND:
		free(a->send.data);
		break;
	case IKE_ACTION_EAP:
		free(a->eap.data);
		break;
	case IKE_ACTION_ESTABLISHED:
		child_free(&a->established.child);
		ike_cfg_done(&a->established.cfg);
		break;
	case IKE_ACTION_CHILD_REKEYED:
		child_free(&a->child.child);
		break;
	case IKE_ACTION_NONE:
	case IKE_ACTION_IKE_REKEYED:
	case IKE_ACTION_FAILED:
	case IKE_ACTION_DELETED:
	case IKE_ACTION_DEAD:
	case _IKE_ACTION_MAX:
		break;
	}
}

void ike_action_done(struct ike_action *a)
{
	free_action_payload(a);
	memset(a, 0, sizeof(*a));
}

uint64_t ike_sa_local_spi(const struct ike_sa *sa)
{
	return sa->role == IKE_ROLE_INITIATOR ? sa->spi_i : sa->spi_r;
}

int ike_initiate(struct ike *ike, const struct ike_initiator_config *cfg, usec_t now,
		 uint64_t *ret_sa)
{
	struct ike_sa *sa;
	int r;

	if (ike->role != IKE_ROLE_INITIATOR || cfg->policy.n_ike == 0 || cfg->policy.n_esp == 0 ||
	    cfg->idi.len == 0 || cfg->idi.len > IKE_ID_MAX ||
	    (cfg->auth == IKE_AUTH_MODE_PSK && !cfg->psk))
		return -EINVAL;
	sa = ike_sa_new(ike, IKE_ROLE_INITIATOR, now);
	sa->icfg = *cfg;
	sa->icfg.psk = NULL;
	ike_cfg_copy(&sa->cp_req, &cfg->cp_request);
	ike_cfg_init(&sa->icfg.cp_request);
	sa->psk = cfg->psk ? secret_dup(cfg->psk) : NULL;
	sa->idi = cfg->idi;
	sa->path = cfg->path;
	sa->initial_contact = cfg->initial_contact;
	sa->dpd_interval = cfg->dpd_interval ? cfg->dpd_interval : IKE_DPD_DEFAULT;
	if (!sa->icfg.frag_mtu)
		sa->icfg.frag_mtu = IKE_FRAG_MTU_DEFAULT;
	if ((r = ike_xchg_init_start(sa, now)) < 0) {
		ike_sa_destroy(sa);
		return r;
	}
	*ret_sa = sa->spi_i;
	return 0;
}

int ike_input(struct ike *ike, usec_t now, const struct ike_dgram *dgram, const uint8_t *p,
	      size_t n)
{
	if (!dgram || (!p && n))
		return -EINVAL;
	if (ike->role == IKE_ROLE_RESPONDER && !ike->configured)
		return -EINVAL;
	return ike_wire_input(ike, now, dgram, p, n);
}

int ike_tick(struct ike *ike, usec_t now)
{
	struct ike_sa *sa = ike->sas, *next;

	/* the timer code may close (free) the SA it runs for */
	for (; sa; sa = next) {
		next = sa->next;
		if (ike_timers_next(sa) <= now)
			ike_timers_run(sa, now);
	}
	return 0;
}

usec_t ike_next_deadline(const struct ike *ike)
{
	usec_t best = USEC_INFINITY;

	for (const struct ike_sa *sa = ike->sas; sa; sa = sa->next) {
		usec_t t = ike_timers_next(sa);

		if (t < best)
			best = t;
	}
	return best;
}

enum ike_udp_kind ike_udp_classify(uint16_t local_port, const uint8_t *p, size_t n, size_t *ret_off)
{
	/* RFC 3948 §2.2 and PROTOCOL.md §2: port 500 carries IKE only */
	if (local_port != IKE_NATT_PORT) {
		*ret_off = 0;
		return n >= IKE_HDR_LEN ? IKE_UDP_IKE : IKE_UDP_INVALID;
	}
	if (n == 1 && p[0] == 0xff)
		return IKE_UDP_KEEPALIVE;
	if (n >= IKE_NON_ESP_MARKER_LEN && p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0) {
		*ret_off = IKE_NON_ESP_MARKER_LEN;
		return n >= IKE_NON_ESP_MARKER_LEN + IKE_HDR_LEN ? IKE_UDP_IKE : IKE_UDP_INVALID;
	}
	/* RFC 4303 §2.1: SPIs 1-255 are reserved */
	if (n < 8 || (p[0] == 0 && p[1] == 0 && p[2] == 0))
		return IKE_UDP_INVALID;
	*ret_off = 0;
	return IKE_UDP_ESP;
}

static const char *const state_names[_IKE_SA_STATE_MAX] = {
	[IKE_SA_STATE_NEW] = "NEW",
	[IKE_SA_STATE_INIT_SENT] = "INIT_SENT",
	[IKE_SA_STATE_INIT_DONE] = "INIT_DONE",
	[IKE_SA_STATE_AUTH_SENT] = "AUTH_SENT",
	[IKE_SA_STATE_EAP] = "EAP",
	[IKE_SA_STATE_EAP_AUTH] = "EAP_AUTH",
	[IKE_SA_STATE_ESTABLISHED] = "ESTABLISHED",
	[IKE_SA_STATE_DELETING] = "DELETING",
	[IKE_SA_STATE_CLOSED] = "CLOSED",
};

const char *ike_sa_state_to_string(enum ike_sa_state s)
{
	return (unsigned)s < _IKE_SA_STATE_MAX ? state_names[s] : "?";
}

static void suite_public(struct ike_suite *dst, const struct ike_crypto_suite *src)
{
	dst->encr = src->encr;
	dst->encr_keylen = src->encr_key_bits;
	dst->integ = src->integ;
	dst->prf = src->prf;
	dst->dh = src->dh;
}

static void ts_v4(const struct ike_ts *ts, struct in_addr *start, struct in_addr *end)
{
	memcpy(&start->s_addr, ts->start, 4);
	memcpy(&end->s_addr, ts->end, 4);
}

int ike_sa_get_info(const struct ike *ike, uint64_t spi, struct ike_sa_info *ret)
{
	const struct ike_sa *sa = ike_sa_find(ike, spi);
	struct ike_sa_info i = {0};

	if (!sa)
		return -ENOENT;
	i.state = sa->state;
	i.role = sa->role;
	i.spi_i = sa->spi_i;
	i.spi_r = sa->spi_r;
	suite_public(&i.suite, &sa->suite);
	i.path = sa->path;
	i.idi = sa->idi;
	i.idr = sa->idr;
	i.auth_sign = sa->auth_sign;
	i.auth_verify = sa->auth_verify;
	i.eap = sa->eap;
	i.peer_behind_nat = sa->peer_behind_nat;
	i.local_behind_nat = sa->local_behind_nat;
	i.natt = sa->natt;
	i.frag_rfc7383 = sa->peer_frag_rfc;
	i.frag_cisco = sa->peer_frag_cisco;
	i.peer_window = sa->peer_window;
	i.created = sa->created;
	i.established = sa->established_at;
	i.last_rx = sa->last_rx;
	i.request_pending = sa->req.kind != IKE_REQ_NONE;
	i.rx_packets = sa->rx_packets;
	i.tx_packets = sa->tx_packets;
	i.has_child = sa->has_child;
	i.child_spi_in = sa->child.spi_in;
	i.child_spi_out = sa->child.spi_out;
	suite_public(&i.child_suite, &sa->child.suite);
	ts_v4(&sa->child.tsi, &i.tsi_start, &i.tsi_end);
	ts_v4(&sa->child.tsr, &i.tsr_start, &i.tsr_end);
	i.dpd_interval = sa->dpd_interval;
	*ret = i;
	return 0;
}

size_t ike_list_sas(const struct ike *ike, uint64_t *ret, size_t cap)
{
	size_t n = 0;

	for (const struct ike_sa *sa = ike->sas; sa; sa = sa->next, n++)
		if (n < cap)
			ret[n] = ike_sa_local_spi(sa);
	return n;
}

unsigned int ike_half_open_count(const struct ike *ike)
{
	unsigned int n = 0;

	for (const struct ike_sa *sa = ike->sas; sa; sa = sa->next)
		n += sa->state != IKE_SA_STATE_ESTABLISHED && sa->state != IKE_SA_STATE_DELETING;
	return n;
}
