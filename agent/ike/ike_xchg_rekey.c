/*
 * ike_xchg_rekey.c - rekeying the IKE SA with CREATE_CHILD_SA (RFC 7296 §1.3.2, §2.18):
 *
 *   SK{SA(IKE, new SPIi), Ni, KEi}  -->
 *                        <--  SK{SA(IKE, new SPIr), Nr, KEr}
 *   SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr); the new IKE SA takes over the
 *   Child SA; the rekey's initiator then deletes the old IKE SA: SK{D(IKE)} on it.
 *
 * The one who starts the rekey is the initiator of the new IKE SA (§2.18), so a
 * gateway that rekeys our SA makes us the new SA's responder. The old SA goes away
 * without an IKE_ACTION_DELETED: IKE_ACTION_IKE_REKEYED already named its successor,
 * and PROTOCOL.md §4.4 keeps the session for this one Delete.
 * Simultaneous rekeys (§2.8.1) are not resolved: ours is abandoned if the peer's wins.
 */
#define LOG_MODULE "ike"
#include "ike/ike_sa.h"

#include <string.h>

#include "core/log.h"
#include "core/xmalloc.h"

static const struct ike_policy *policy(const struct ike_sa *sa)
{
	return sa->ike->role == IKE_ROLE_INITIATOR ? &sa->icfg.policy : &sa->ike->rcfg.policy;
}

static void put_spi(uint8_t out[8], uint64_t spi)
{
	be32_store(out, (uint32_t)(spi >> 32));
	be32_store(out + 4, (uint32_t)spi);
}

static uint64_t get_spi(const uint8_t in[8])
{
	return (uint64_t)be32_load(in) << 32 | be32_load(in + 4);
}

/* The successor inherits everything but keys, SPIs, windows and the request state. */
static struct ike_sa *successor(struct ike_sa *old, enum ike_role role, usec_t now)
{
	struct ike_sa *sa = ike_sa_new(old->ike, role, now);

	sa->path = old->path;
	sa->natt = old->natt;
	sa->peer_frag_rfc = old->peer_frag_rfc;
	sa->peer_frag_cisco = old->peer_frag_cisco;
	sa->peer_token_rotation = old->peer_token_rotation;
	sa->peer_hashes = old->peer_hashes;
	sa->local_behind_nat = old->local_behind_nat;
	sa->peer_behind_nat = old->peer_behind_nat;
	sa->peer_window = old->peer_window;
	sa->idi = old->idi;
	sa->idr = old->idr;
	sa->eap = old->eap;
	sa->auth_sign = old->auth_sign;
	sa->auth_verify = old->auth_verify;
	sa->child = old->child;
	sa->has_child = old->has_child;
	sa->icfg = old->icfg;
	ike_cfg_init(&sa->icfg.cp_request);
	ike_cfg_copy(&sa->cp_reply, &old->cp_reply);
	sa->dpd_interval = old->dpd_interval;
	sa->child_rekey_at = old->child_rekey_at;
	return sa;
}

/* Keys of the new SA from the old SK_d; the old SA's request state is left alone. */
static int derive(struct ike_sa *old, struct ike_sa *sa, struct ike_dh *dh, const uint8_t *peer_ke,
		  size_t peer_ke_len)
{
	_cleanup_secret_ struct secret *g_ir = NULL;
	int r;

	if ((r = ike_dh_shared(dh, peer_ke, peer_ke_len, &g_ir)) < 0)
		return r;
	if ((r = ike_keys_derive_rekey(&sa->keys, &sa->suite, old->suite.prf, old->keys.sk_d, g_ir,
				       sa->ni, sa->ni_len, sa->nr, sa->nr_len, sa->spi_i,
				       sa->spi_r)) < 0)
		return r;
	if ((r = ike_sa_init_sk(sa)) < 0)
		return r;
	if ((r = ike_sa_set_state(sa, IKE_SA_STATE_INIT_DONE)) < 0 ||
	    (r = ike_sa_set_state(sa, IKE_SA_STATE_ESTABLISHED)) < 0)
		return r;
	ike_timers_established(sa, sa->created);
	sa->child_rekey_at = old->child_rekey_at;
	return 0;
}

static void announce(struct ike_sa *old, struct ike_sa *sa, usec_t now)
{
	struct ike_action *a =
		ike_push_action(old->ike, IKE_ACTION_IKE_REKEYED, ike_sa_local_spi(old));

	a->rekeyed.new_sa = ike_sa_local_spi(sa);
	old->rekeyed_away = true;
	old->gone_at = now + IKE_REKEYED_LINGER;
	old->has_child = false; /* moved to the successor */
	log_debug("ike %016llx/%016llx: rekeyed to %016llx/%016llx", (unsigned long long)old->spi_i,
		  (unsigned long long)old->spi_r, (unsigned long long)sa->spi_i,
		  (unsigned long long)sa->spi_r);
}

int ike_xchg_rekey_start(struct ike_sa *sa, usec_t now)
{
	struct ike_proposal prop;
	struct ike_msg_build b;
	struct ike_sa *next;
	uint8_t spi[8];
	const uint8_t *pub;
	size_t pub_len;
	int r;

	if (sa->state != IKE_SA_STATE_ESTABLISHED || sa->req.kind != IKE_REQ_NONE ||
	    sa->rekeyed_away)
		return -EBUSY;
	/* the successor exists from now on, not yet established, so its SPI is reserved */
	next = successor(sa, IKE_ROLE_INITIATOR, now);
	next->ni_len = IKE_NONCE_LEN;
	if ((r = ike_dh_new(sa->suite.dh, &next->dh)) < 0 ||
	    (r = rng_bytes(sa->ike->rng, next->ni, next->ni_len)) < 0) {
		ike_sa_destroy(next);
		return r;
	}
	sa->rekey_next = ike_sa_local_spi(next);
	put_spi(spi, next->spi_i);
	/* offer what we have: the peer accepted it once */
	ike_policy_answer(&sa->suite, IKE_PROTO_IKE, 1, spi, 8, &prop);
	pub = ike_dh_public(next->dh, &pub_len);
	ike_msg_build_init_inner(&b);
	(void)ike_msg_build_sa(&b, &prop, 1);
	(void)ike_msg_build_nonce(&b, next->ni, next->ni_len);
	(void)ike_msg_build_ke(&b, sa->suite.dh, pub, pub_len);
	r = ike_wire_send_request(sa, IKE_REQ_IKE_REKEY, IKE_EXCHANGE_CREATE_CHILD_SA, &b, now);
	ike_msg_build_done(&b);
	sa->ike_rekey_at = USEC_INFINITY;
	if (r < 0)
		ike_sa_destroy(next);
	return r;
}

/* Our rekey was answered: complete the successor, hand over, delete the old SA. */
int ike_xchg_rekey_process_response(struct ike_sa *sa, struct ike_msg *m, usec_t now)
{
	struct ike_sa *next = ike_sa_find(sa->ike, sa->rekey_next);
	const struct ike_proposal *p;
	struct ike_crypto_suite s;
	int r;

	if (!next)
		return -ENOENT;
	if (ike_msg_error_notify(m) ||
	    (m->has & (IKE_HAS_SA | IKE_HAS_NONCE | IKE_HAS_KE)) !=
		    (IKE_HAS_SA | IKE_HAS_NONCE | IKE_HAS_KE) ||
	    ike_policy_accept(policy(sa), IKE_PROTO_IKE, &m->sa, &s, &p) < 0 || p->spi_size != 8 ||
	    s.dh != m->ke.group || s.dh != ike_dh_group(next->dh)) {
		/* the old SA lives on until its peer or a reconnect replaces it */
		log_warning("ike %016llx/%016llx: IKE rekey refused", (unsigned long long)sa->spi_i,
			    (unsigned long long)sa->spi_r);
		ike_sa_destroy(next);
		ike_timers_rekey_retry(sa, now, true);
		return 0;
	}
	next->suite = s;
	next->spi_r = get_spi(p->spi);
	next->nr_len = m->nonce.n;
	memcpy(next->nr, m->nonce.p, m->nonce.n);
	next->child = sa->child; /* a child rekey by the peer may have happened meanwhile */
	if ((r = derive(sa, next, next->dh, m->ke.data.p, m->ke.data.n)) < 0) {
		ike_sa_destroy(next);
		return r;
	}
	next->dh = ike_dh_free(next->dh);
	announce(sa, next, now);
	return ike_xchg_info_delete(sa, now, true);
}

static int respond_error(struct ike_sa *sa, uint32_t msg_id, uint16_t type, const void *data,
			 size_t n)
{
	struct ike_msg_build b;
	int r;

	ike_msg_build_init_inner(&b);
	(void)ike_msg_build_notify(&b, 0, NULL, 0, type, data, n);
	r = ike_wire_send_response(sa, IKE_EXCHANGE_CREATE_CHILD_SA, msg_id, &b);
	ike_msg_build_done(&b);
	return r;
}

static int respond(struct ike_sa *old, struct ike_sa *next, uint32_t msg_id, uint8_t num)
{
	struct ike_proposal answer;
	struct ike_msg_build b;
	uint8_t spi[8];
	const uint8_t *pub;
	size_t pub_len;
	int r;

	put_spi(spi, next->spi_r);
	ike_policy_answer(&next->suite, IKE_PROTO_IKE, num, spi, 8, &answer);
	pub = ike_dh_public(next->dh, &pub_len);
	ike_msg_build_init_inner(&b);
	(void)ike_msg_build_sa(&b, &answer, 1);
	(void)ike_msg_build_nonce(&b, next->nr, next->nr_len);
	(void)ike_msg_build_ke(&b, next->suite.dh, pub, pub_len);
	r = ike_wire_send_response(old, IKE_EXCHANGE_CREATE_CHILD_SA, msg_id, &b);
	ike_msg_build_done(&b);
	return r;
}

/* The peer rekeys the IKE SA: we become the new SA's responder. */
int ike_xchg_rekey_process_request(struct ike_sa *sa, struct ike_msg *m, usec_t now)
{
	const struct ike_proposal *p;
	struct ike_crypto_suite s;
	struct ike_sa *next;
	uint8_t g[2];
	int r;

	if ((m->has & (IKE_HAS_SA | IKE_HAS_NONCE | IKE_HAS_KE)) !=
		    (IKE_HAS_SA | IKE_HAS_NONCE | IKE_HAS_KE) ||
	    sa->rekeyed_away)
		return respond_error(sa, m->hdr.msg_id, IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
	/* a collision with our own rekey: declined, retried later (see ike_xchg_child.c) */
	if (sa->req.kind == IKE_REQ_IKE_REKEY || sa->req.kind == IKE_REQ_CHILD_REKEY)
		return respond_error(sa, m->hdr.msg_id, IKE_N_TEMPORARY_FAILURE, NULL, 0);
	r = ike_policy_select(policy(sa), IKE_PROTO_IKE, &m->sa, m->ke.group, &s, &p);
	if (r == -EAGAIN) {
		be16_store(g, s.dh);
		return respond_error(sa, m->hdr.msg_id, IKE_N_INVALID_KE_PAYLOAD, g, 2);
	}
	if (r < 0 || p->spi_size != 8 || ike_dh_public_len(m->ke.group) != m->ke.data.n)
		return respond_error(sa, m->hdr.msg_id, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
	next = successor(sa, IKE_ROLE_RESPONDER, now);
	next->suite = s;
	next->spi_i = get_spi(p->spi);
	next->ni_len = m->nonce.n;
	memcpy(next->ni, m->nonce.p, m->nonce.n);
	next->nr_len = IKE_NONCE_LEN;
	if ((r = ike_dh_new(s.dh, &next->dh)) < 0 ||
	    (r = rng_bytes(sa->ike->rng, next->nr, next->nr_len)) < 0 ||
	    (r = respond(sa, next, m->hdr.msg_id, p->num)) < 0 ||
	    (r = derive(sa, next, next->dh, m->ke.data.p, m->ke.data.n)) < 0) {
		ike_sa_destroy(next);
		return r;
	}
	next->dh = ike_dh_free(next->dh);
	announce(sa, next, now);
	return 0;
}

/* Whether a CREATE_CHILD_SA request rekeys the IKE SA (its SA payload is for IKE). */
bool ike_xchg_rekey_is_ike(const struct ike_msg *m)
{
	return (m->has & IKE_HAS_SA) && m->sa.n > 0 && m->sa.p[0].proto == IKE_PROTO_IKE;
}
