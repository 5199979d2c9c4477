/*
 * ike_xchg_auth.c - IKE_AUTH (RFC 7296 §1.2, §2.15, §2.16; PROTOCOL.md §4.1, §4.2, §5).
 *
 * Login (EAP):   SK{IDi, CP(REQ), SAi2, TSi, TSr, [V]} -->
 *                <-- SK{IDr, CERT+, AUTH(sig), EAP(req)}
 *                SK{EAP} --> <-- SK{EAP} ... <-- SK{EAP(Success)}
 *                SK{AUTH(MSK or SK_pi)} --> <-- SK{AUTH(MSK or SK_pr), CP(REPLY), SAr2, TSi, TSr}
 * Reconnect (PSK): SK{IDi, AUTH(PSK), CP(REQ), SAi2, TSi, TSr, N(INITIAL_CONTACT)} -->
 *                <-- SK{IDr, CERT+, AUTH(sig), CP(REPLY), SAr2, TSi, TSr, N(SET_WINDOW_SIZE)}
 */
#define LOG_MODULE "ike"
#include "ike/ike_sa.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "ike/cisco_compat.h"
#include "ike/ike_auth.h"
#include "ike/ike_cert.h"

/* The octets either side signs or MACs (RFC 7296 §2.15). */
static void auth_input(const struct ike_sa *sa, bool initiator_side, const uint8_t *id_body,
		       size_t id_len, struct ike_auth_input *in)
{
	in->prf_id = sa->suite.prf;
	in->real_msg = initiator_side ? sa->init_req : sa->init_resp;
	in->real_msg_len = initiator_side ? sa->init_req_len : sa->init_resp_len;
	in->nonce = initiator_side ? sa->nr : sa->ni;
	in->nonce_len = initiator_side ? sa->nr_len : sa->ni_len;
	in->sk_p = initiator_side ? sa->keys.sk_pi : sa->keys.sk_pr;
	in->id_body = id_body;
	in->id_body_len = id_len;
}

/* MAC AUTH of one side (PSK, or after EAP: the MSK or SK_p, §5.3). */
static int auth_mac(const struct ike_sa *sa, bool initiator_side, const struct secret *key,
		    uint8_t *ret, size_t *ret_len)
{
	uint8_t body[4 + IKE_ID_MAX];
	const struct ike_id *id = initiator_side ? &sa->idi : &sa->idr;
	size_t n = ike_sa_id_body(id, body, sizeof(body));
	struct ike_auth_input in;

	auth_input(sa, initiator_side, body, n, &in);
	return ike_auth_mac(&in, key, ret, ret_len);
}

static int auth_mac_verify(const struct ike_sa *sa, bool initiator_side, const struct secret *key,
			   const struct ike_msg *m)
{
	uint8_t body[4 + IKE_ID_MAX];
	const struct ike_id *id = initiator_side ? &sa->idi : &sa->idr;
	size_t n = ike_sa_id_body(id, body, sizeof(body));
	struct ike_auth_input in;

	if (!(m->has & IKE_HAS_AUTH) || m->auth.method != IKE_AUTH_SHARED_KEY_MIC)
		return -EACCES;
	auth_input(sa, initiator_side, body, n, &in);
	return ike_auth_mac_verify(&in, key, m->auth.data.p, m->auth.data.n);
}

/* The key of the MAC after EAP: the MSK if the method has one, else SK_pi/SK_pr (§5.3). */
static const struct secret *eap_key(const struct ike_sa *sa, bool initiator_side)
{
	if (sa->msk)
		return sa->msk;
	return initiator_side ? sa->keys.sk_pi : sa->keys.sk_pr;
}

static void id_from_pld(struct ike_id *dst, const struct ike_id_pld *src)
{
	dst->type = src->type;
	dst->len = (uint16_t)src->data.n;
	memcpy(dst->data, src->data.p, src->data.n);
}

static int new_esp_spi(struct ike_sa *sa, uint32_t *ret)
{
	uint32_t v = 0;
	int r;

	/* RFC 4303 §2.1: 1-255 are reserved */
	while (v < 256)
		if ((r = rng_bytes(sa->ike->rng, &v, sizeof(v))) < 0)
			return r;
	*ret = v;
	return 0;
}

static void put_esp_sa(struct ike_msg_build *b, const struct ike_policy *pol, uint32_t spi)
{
	struct ike_proposal props[IKE_POLICY_MAX_SUITES];
	uint8_t n, s[4];

	be32_store(s, spi);
	ike_policy_proposals(pol, IKE_PROTO_ESP, s, 4, props, &n);
	(void)ike_msg_build_sa(b, props, n);
}

static void put_ts_all(struct ike_msg_build *b, uint8_t pld, bool v6)
{
	static const uint8_t zero[16], ones[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
						   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct ike_ts ts[2];

	ike_ts_set_v4(&ts[0], zero, ones);
	ike_ts_set_v6(&ts[1], zero, ones);
	(void)ike_msg_build_ts(b, pld, ts, v6 ? 2 : 1);
}

/* --- initiator ------------------------------------------------------------- */

static int put_psk_auth(struct ike_sa *sa, struct ike_msg_build *b)
{
	uint8_t mac[IKE_PRF_MAX_LEN];
	size_t n;
	int r;

	/* PROTOCOL.md §5.4: AUTH_I keyed with the token as the PSK */
	if ((r = auth_mac(sa, true, sa->psk, mac, &n)) < 0)
		return r;
	r = ike_msg_build_auth(b, IKE_AUTH_SHARED_KEY_MIC, mac, n);
	secret_wipe(mac, sizeof(mac));
	return r;
}

int ike_xchg_auth_start(struct ike_sa *sa, usec_t now)
{
	const struct ike_initiator_config *c = &sa->icfg;
	struct ike_msg_build b;
	uint8_t vid[CISCO_OPAQUE_VID_LEN];
	int r;

	if ((r = new_esp_spi(sa, &sa->child.spi_in)) < 0)
		return r;
	ike_msg_build_init_inner(&b);
	(void)ike_msg_build_id(&b, IKE_PLD_IDI, sa->idi.type, sa->idi.data, sa->idi.len);
	/*
	 * RFC 7296 §3.7: an X.509 CERTREQ without CA hashes, "any authority". Peers that
	 * send their certificate only when asked (strongSwan's send_cert = ifasked, its
	 * default) need it; IOS always sends its chain and ignores this.
	 */
	(void)ike_msg_build_cert(&b, IKE_PLD_CERTREQ, IKE_CERT_X509_SIGNATURE, NULL, 0);
	if (c->auth == IKE_AUTH_MODE_PSK && (r = put_psk_auth(sa, &b)) < 0)
		goto out;
	(void)ike_cfg_build_request(&b, &sa->cp_req, c->request_token && sa->peer_token_rotation);
	put_esp_sa(&b, &c->policy, sa->child.spi_in);
	put_ts_all(&b, IKE_PLD_TSI, c->request_ipv6);
	put_ts_all(&b, IKE_PLD_TSR, c->request_ipv6);
	if (sa->initial_contact && !cisco_is_anyconnect_id(sa->idi.type, sa->idi.data, sa->idi.len))
		(void)ike_msg_build_notify(&b, 0, NULL, 0, IKE_N_INITIAL_CONTACT, NULL, 0);
	/* PROTOCOL.md §9.1: 20 opaque random bytes in the first IKE_AUTH of a login */
	if (c->cisco_compat && c->auth == IKE_AUTH_MODE_EAP) {
		if ((r = rng_bytes(sa->ike->rng, vid, sizeof(vid))) < 0)
			goto out;
		(void)ike_msg_build_vid(&b, vid, sizeof(vid));
	}
	if ((r = ike_wire_send_request(sa, IKE_REQ_AUTH, IKE_EXCHANGE_AUTH, &b, now)) == 0)
		r = ike_sa_set_state(sa, IKE_SA_STATE_AUTH_SENT);
out:
	ike_msg_build_done(&b);
	return r;
}

static int fail(struct ike_sa *sa, int r, uint16_t notify)
{
	log_debug("ike %016llx/%016llx: IKE_AUTH failed (notify %u): %s",
		  (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r, notify, err_str(r));
	ike_sa_close(sa, IKE_ACTION_FAILED, r, notify);
	return 0;
}

/* Error notifies in an IKE_AUTH response end the SA (§7: AUTHENTICATION_FAILED = -EACCES). */
static bool failed_by_peer(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_notify *n = ike_msg_error_notify(m);

	if (!n)
		return false;
	fail(sa, n->type == IKE_N_AUTHENTICATION_FAILED ? -EACCES : -EPROTO, n->type);
	return true;
}

/* PROTOCOL.md §5.2: the chain through the hook (checks 1-4), then AUTH with the leaf (5). */
static int verify_responder(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_der certs[IKE_MAX_CERTS];
	struct ike_auth_input in;
	int r;

	if (!(m->has & IKE_HAS_IDR) || !(m->has & IKE_HAS_AUTH) || m->n_certs == 0)
		return -EACCES;
	for (uint8_t i = 0; i < m->n_certs; i++)
		certs[i] = (struct ike_der){(uint8_t *)m->certs[i].p, m->certs[i].n};
	if (!sa->ike->hooks.verify_peer_certs)
		return -EACCES;
	if ((r = sa->ike->hooks.verify_peer_certs(sa->ike->hooks_ud, sa->spi_i, certs,
						  m->n_certs)) < 0)
		return -EACCES;
	if ((r = ike_cert_public_key(m->certs[0].p, m->certs[0].n, &sa->peer_key)) < 0)
		return r;
	id_from_pld(&sa->idr, &m->idr);
	auth_input(sa, false, m->idr.body.p, m->idr.body.n, &in);
	if ((r = ike_auth_verify(&in, sa->peer_key, m->auth.method, m->auth.data.p,
				 m->auth.data.n)) < 0)
		return -EACCES;
	sa->auth_sign = m->auth.method;
	return 0;
}

static void fill_child(struct ike_child *c, const struct ike_child_neg *neg,
		       struct ike_keys_child *k, bool initiator)
{
	c->spi_in = neg->spi_in;
	c->spi_out = neg->spi_out;
	c->suite.encr = neg->suite.encr;
	c->suite.encr_keylen = neg->suite.encr_key_bits;
	c->suite.integ = neg->suite.integ;
	c->encr_out = initiator ? k->encr_ir : k->encr_ri;
	c->integ_out = initiator ? k->integ_ir : k->integ_ri;
	c->encr_in = initiator ? k->encr_ri : k->encr_ir;
	c->integ_in = initiator ? k->integ_ri : k->integ_ir;
	memcpy(&c->tsi_start, neg->tsi.start, 4);
	memcpy(&c->tsi_end, neg->tsi.end, 4);
	memcpy(&c->tsr_start, neg->tsr.start, 4);
	memcpy(&c->tsr_end, neg->tsr.end, 4);
	memset(k, 0, sizeof(*k));
}

int ike_xchg_child_keys(struct ike_sa *sa, const struct ike_child_neg *neg,
			const struct secret *g_ir, const uint8_t *ni, size_t ni_len,
			const uint8_t *nr, size_t nr_len, bool initiator, struct ike_child *ret)
{
	struct ike_keys_child k = {0};
	int r;

	if ((r = ike_keys_child_derive(&k, sa->suite.prf, sa->keys.sk_d, &neg->suite, g_ir, ni,
				       ni_len, nr, nr_len)) < 0)
		return r;
	/* RFC 7296 §2.17: the exchange initiator's direction comes first */
	fill_child(ret, neg, &k, initiator);
	return 0;
}

/* Everything both roles report when the SA comes up. */
static int established(struct ike_sa *sa, const struct ike_cfg *cfg, usec_t now)
{
	struct ike_action *a;
	struct ike_child child = {0};
	int r;

	if ((r = ike_xchg_child_keys(sa, &sa->child, NULL, sa->ni, sa->ni_len, sa->nr, sa->nr_len,
				     sa->role == IKE_ROLE_INITIATOR, &child)) < 0)
		return r;
	if ((r = ike_sa_set_state(sa, IKE_SA_STATE_ESTABLISHED)) < 0) {
		ike_keys_child_done(&(struct ike_keys_child){child.encr_in, child.integ_in,
							     child.encr_out, child.integ_out});
		return r;
	}
	sa->has_child = true;
	ike_timers_established(sa, now);
	a = ike_push_action(sa->ike, IKE_ACTION_ESTABLISHED, ike_sa_local_spi(sa));
	a->established.suite = (struct ike_suite){sa->suite.encr, sa->suite.encr_key_bits,
						  sa->suite.integ, sa->suite.prf, sa->suite.dh};
	a->established.child = child;
	ike_cfg_copy(&a->established.cfg, cfg);
	a->established.idi = sa->idi;
	a->established.peer_token_rotation = sa->peer_token_rotation;
	a->established.peer_behind_nat = sa->peer_behind_nat;
	a->established.local_behind_nat = sa->local_behind_nat;
	a->established.peer_auth = sa->role == IKE_ROLE_INITIATOR ? sa->auth_sign : sa->auth_verify;
	a->established.eap = sa->eap;
	log_debug("ike %016llx/%016llx: established, child %08x/%08x",
		  (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r, sa->child.spi_in,
		  sa->child.spi_out);
	return 0;
}

/* The responder's SAr2, TSi, TSr and CP (RFC 7296 §2.9: TSi may be narrowed). */
static int take_child(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_proposal *p;
	int r;

	if ((m->has & (IKE_HAS_SA | IKE_HAS_TSI | IKE_HAS_TSR)) !=
	    (IKE_HAS_SA | IKE_HAS_TSI | IKE_HAS_TSR))
		return -EPROTO;
	if ((r = ike_policy_accept(&sa->icfg.policy, IKE_PROTO_ESP, &m->sa, &sa->child.suite, &p)) <
	    0)
		return r;
	if (p->spi_size != 4)
		return -EPROTO;
	sa->child.spi_out = be32_load(p->spi);
	sa->child.tsi = m->tsi.ts[0];
	sa->child.tsr = m->tsr.ts[0];
	if (m->has & IKE_HAS_CP)
		ike_cfg_parse(&m->cp, &sa->cp_reply);
	if (sa->cp_reply.has & IKE_CFG_HAS_LIVENESS && sa->cp_reply.liveness_s)
		sa->dpd_interval = (usec_t)sa->cp_reply.liveness_s * USEC_PER_SEC;
	return 0;
}

static void take_window(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_notify *w = ike_msg_notify(m, IKE_N_SET_WINDOW_SIZE);

	/* accepted; we still send one request at a time (§9.2) */
	if (w && w->data.n == 4)
		sa->peer_window = be32_load(w->data.p);
}

static int initiator_finish(struct ike_sa *sa, const struct ike_msg *m, usec_t now)
{
	int r;

	if ((r = take_child(sa, m)) < 0)
		return fail(sa, r, 0);
	take_window(sa, m);
	if ((r = established(sa, &sa->cp_reply, now)) < 0)
		return fail(sa, r, 0);
	return 0;
}

/* Hands an EAP packet from the gateway up (§6). */
static int initiator_eap(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_action *a;
	uint8_t code;

	if (!(m->has & IKE_HAS_EAP))
		return fail(sa, -EPROTO, 0);
	code = m->eap.p[0];
	a = ike_push_action(sa->ike, IKE_ACTION_EAP, sa->spi_i);
	a->eap.data = xmemdup(m->eap.p, m->eap.n);
	a->eap.len = m->eap.n;
	if (code == IKE_EAP_CODE_SUCCESS)
		sa->eap_done = true;
	if (code == IKE_EAP_CODE_FAILURE) {
		struct ike *ike = sa->ike;
		uint16_t notify = ike_msg_notify(m, IKE_N_AUTHENTICATION_FAILED)
					  ? IKE_N_AUTHENTICATION_FAILED
					  : 0;

		ike_sa_close(sa, IKE_ACTION_FAILED, -EACCES, notify);
		/* §6.4: either one alone is a failure; say that EAP said so */
		ike->actions[ike->n_actions - 1].failed.eap_failure = true;
		return 0;
	}
	return code == IKE_EAP_CODE_REQUEST || code == IKE_EAP_CODE_SUCCESS ? 0 : -EPROTO;
}

int ike_xchg_auth_process_response(struct ike_sa *sa, struct ike_msg *m, usec_t now)
{
	int r;

	if (sa->role != IKE_ROLE_INITIATOR)
		return -EPROTO;
	if (sa->state == IKE_SA_STATE_EAP && ike_msg_notify(m, IKE_N_AUTHENTICATION_FAILED) &&
	    (m->has & IKE_HAS_EAP)) {
		/* §6.4: EAP Failure and AUTHENTICATION_FAILED together */
		return initiator_eap(sa, m);
	}
	if (failed_by_peer(sa, m))
		return 0;
	switch (sa->state) {
	case IKE_SA_STATE_AUTH_SENT:
		if ((r = verify_responder(sa, m)) < 0)
			return fail(sa, r, 0);
		if (sa->icfg.auth == IKE_AUTH_MODE_PSK) {
			sa->auth_verify = IKE_AUTH_SHARED_KEY_MIC;
			return initiator_finish(sa, m, now);
		}
		sa->eap = true;
		if ((r = ike_sa_set_state(sa, IKE_SA_STATE_EAP)) < 0)
			return r;
		return initiator_eap(sa, m);
	case IKE_SA_STATE_EAP:
		return initiator_eap(sa, m);
	case IKE_SA_STATE_EAP_AUTH:
		if ((r = auth_mac_verify(sa, false, eap_key(sa, false), m)) < 0)
			return fail(sa, -EACCES, 0);
		return initiator_finish(sa, m, now);
	case IKE_SA_STATE_NEW:
	case IKE_SA_STATE_INIT_SENT:
	case IKE_SA_STATE_INIT_DONE:
	case IKE_SA_STATE_ESTABLISHED:
	case IKE_SA_STATE_DELETING:
	case IKE_SA_STATE_CLOSED:
	case _IKE_SA_STATE_MAX:
		break;
	}
	return -EPROTO;
}

int ike_xchg_auth_eap_reply(struct ike_sa *sa, const uint8_t *eap, size_t n, usec_t now)
{
	struct ike_msg_build b;
	int r;

	ike_msg_build_init_inner(&b);
	(void)ike_msg_build_eap(&b, eap, n);
	r = ike_wire_send_request(sa, IKE_REQ_AUTH, IKE_EXCHANGE_AUTH, &b, now);
	ike_msg_build_done(&b);
	return r;
}

int ike_xchg_auth_eap_complete(struct ike_sa *sa, const struct secret *msk, usec_t now)
{
	struct ike_msg_build b;
	uint8_t mac[IKE_PRF_MAX_LEN];
	size_t n;
	int r;

	sa->msk = secret_free(sa->msk);
	if (msk)
		sa->msk = secret_dup(msk);
	if ((r = auth_mac(sa, true, eap_key(sa, true), mac, &n)) < 0)
		return r;
	ike_msg_build_init_inner(&b);
	(void)ike_msg_build_auth(&b, IKE_AUTH_SHARED_KEY_MIC, mac, n);
	secret_wipe(mac, sizeof(mac));
	r = ike_wire_send_request(sa, IKE_REQ_AUTH, IKE_EXCHANGE_AUTH, &b, now);
	ike_msg_build_done(&b);
	if (r == 0) {
		sa->auth_verify = IKE_AUTH_SHARED_KEY_MIC;
		r = ike_sa_set_state(sa, IKE_SA_STATE_EAP_AUTH);
	}
	return r;
}

/* --- responder ------------------------------------------------------------- */

static int respond_notify(struct ike_sa *sa, uint32_t msg_id, uint16_t type)
{
	struct ike_msg_build b;
	int r;

	ike_msg_build_init_inner(&b);
	(void)ike_msg_build_notify(&b, 0, NULL, 0, type, NULL, 0);
	r = ike_wire_send_response(sa, IKE_EXCHANGE_AUTH, msg_id, &b);
	ike_msg_build_done(&b);
	return r;
}

/* Answers with an error notify and drops the SA. */
static int reject(struct ike_sa *sa, uint32_t msg_id, uint16_t type, int error)
{
	(void)respond_notify(sa, msg_id, type);
	return fail(sa, error, type);
}

static void our_idr(struct ike_sa *sa)
{
	const struct ike_id *id = &sa->ike->rcfg.idr;

	if (id->len) {
		sa->idr = *id;
		return;
	}
	/* IOS default: the listening address (PROTOCOL.md §5.1) */
	if (sa->path.local.family == AF_INET6) {
		sa->idr.type = IKE_ID_IPV6_ADDR;
		sa->idr.len = 16;
		memcpy(sa->idr.data, &sa->path.local.v6, 16);
	} else {
		sa->idr.type = IKE_ID_IPV4_ADDR;
		sa->idr.len = 4;
		memcpy(sa->idr.data, &sa->path.local.v4, 4);
	}
}

/* IDr, CERT+, AUTH(signature) (PROTOCOL.md §5.2). */
static int put_signed_id(struct ike_sa *sa, struct ike_msg_build *b)
{
	const struct ike_responder_config *rc = &sa->ike->rcfg;
	uint8_t body[4 + IKE_ID_MAX], method, *sig = NULL;
	struct ike_auth_input in;
	size_t n, sig_len;
	int r;

	our_idr(sa);
	n = ike_sa_id_body(&sa->idr, body, sizeof(body));
	auth_input(sa, false, body, n, &in);
	if ((r = ike_auth_sign(&in, rc->sign_key, sa->peer_hashes, &method, &sig, &sig_len)) < 0)
		return r;
	(void)ike_msg_build_id(b, IKE_PLD_IDR, sa->idr.type, sa->idr.data, sa->idr.len);
	for (size_t i = 0; i < rc->n_certs; i++)
		(void)ike_msg_build_cert(b, IKE_PLD_CERT, IKE_CERT_X509_SIGNATURE,
					 rc->certs[i].data, rc->certs[i].len);
	(void)ike_msg_build_auth(b, method, sig, sig_len);
	sa->auth_sign = method;
	free(sig);
	return 0;
}

/* TSi narrowed to the assigned address, TSr as offered (PROTOCOL.md §4.1). */
static void narrow_ts(struct ike_sa *sa)
{
	if ((sa->cp_reply.has & IKE_CFG_HAS_IP4) && sa->child.tsi.type == IKE_TS_IPV4_ADDR_RANGE) {
		memcpy(sa->child.tsi.start, &sa->cp_reply.ip4, 4);
		memcpy(sa->child.tsi.end, &sa->cp_reply.ip4, 4);
	}
}

static int put_child(struct ike_sa *sa, struct ike_msg_build *b)
{
	struct ike_proposal answer;
	uint8_t spi[4], win[4];

	be32_store(spi, sa->child.spi_in);
	ike_policy_answer(&sa->child.suite, IKE_PROTO_ESP, sa->child_prop_num, spi, 4, &answer);
	(void)ike_cfg_build_reply(b, &sa->cp_reply, sa->cp_req.has & IKE_CFG_HAS_SESSION_TOKEN);
	(void)ike_msg_build_sa(b, &answer, 1);
	(void)ike_msg_build_ts(b, IKE_PLD_TSI, &sa->child.tsi, 1);
	(void)ike_msg_build_ts(b, IKE_PLD_TSR, &sa->child.tsr, 1);
	be32_store(win, sa->ike->rcfg.window_size);
	return ike_msg_build_notify(b, 0, NULL, 0, IKE_N_SET_WINDOW_SIZE, win, 4);
}

/* Authentication passed: CP from the embedder, then the last IKE_AUTH response. */
static int responder_finish(struct ike_sa *sa, uint32_t msg_id, bool signed_id,
			    const struct ike_msg *m, usec_t now)
{
	struct ike_msg_build b;
	int r;

	(void)m;
	if (!sa->cp_requested)
		return reject(sa, msg_id, IKE_N_FAILED_CP_REQUIRED, -EPROTO);
	ike_cfg_done(&sa->cp_reply);
	if (!sa->ike->hooks.cp_reply ||
	    sa->ike->hooks.cp_reply(sa->ike->hooks_ud, sa->spi_r, &sa->cp_req, &sa->cp_reply) < 0)
		return reject(sa, msg_id, IKE_N_INTERNAL_ADDRESS_FAILURE, -EPROTO);
	narrow_ts(sa);
	ike_msg_build_init_inner(&b);
	if (signed_id && (r = put_signed_id(sa, &b)) < 0) {
		ike_msg_build_done(&b);
		return reject(sa, msg_id, IKE_N_AUTHENTICATION_FAILED, r);
	}
	if (!signed_id) {
		uint8_t mac[IKE_PRF_MAX_LEN];
		size_t n;

		if ((r = auth_mac(sa, false, eap_key(sa, false), mac, &n)) < 0) {
			ike_msg_build_done(&b);
			return fail(sa, r, 0);
		}
		(void)ike_msg_build_auth(&b, IKE_AUTH_SHARED_KEY_MIC, mac, n);
		secret_wipe(mac, sizeof(mac));
	}
	(void)put_child(sa, &b);
	r = ike_wire_send_response(sa, IKE_EXCHANGE_AUTH, msg_id, &b);
	ike_msg_build_done(&b);
	if (r < 0 || (r = established(sa, &sa->cp_reply, now)) < 0)
		return fail(sa, r, 0);
	return 0;
}

/* IKE_AUTH #1: what the initiator wants, before deciding how it authenticates. */
static int take_request(struct ike_sa *sa, const struct ike_msg *m, uint16_t *ret_notify)
{
	const struct ike_proposal *p;
	int r;

	*ret_notify = IKE_N_INVALID_SYNTAX;
	if ((m->has & (IKE_HAS_IDI | IKE_HAS_SA | IKE_HAS_TSI | IKE_HAS_TSR)) !=
		    (IKE_HAS_IDI | IKE_HAS_SA | IKE_HAS_TSI | IKE_HAS_TSR) ||
	    m->idi.data.n > IKE_ID_MAX)
		return -EBADMSG;
	id_from_pld(&sa->idi, &m->idi);
	if (m->has & IKE_HAS_CP && m->cp.cfg_type == IKE_CFG_REQUEST) {
		sa->cp_requested = true;
		ike_cfg_parse_request(&m->cp, &sa->cp_req);
	}
	*ret_notify = IKE_N_NO_PROPOSAL_CHOSEN;
	if ((r = ike_policy_select(&sa->ike->rcfg.policy, IKE_PROTO_ESP, &m->sa, 0,
				   &sa->child.suite, &p)) < 0 ||
	    p->spi_size != 4)
		return -EPROTO;
	sa->child_prop_num = p->num;
	sa->child.spi_out = be32_load(p->spi);
	*ret_notify = IKE_N_TS_UNACCEPTABLE;
	if (m->tsi.ts[0].type != IKE_TS_IPV4_ADDR_RANGE ||
	    m->tsr.ts[0].type != IKE_TS_IPV4_ADDR_RANGE)
		return -EPROTO;
	sa->child.tsi = m->tsi.ts[0];
	sa->child.tsr = m->tsr.ts[0];
	sa->initial_contact = ike_msg_notify(m, IKE_N_INITIAL_CONTACT) != NULL;
	return new_esp_spi(sa, &sa->child.spi_in);
}

static int start_eap(struct ike_sa *sa, uint32_t msg_id, const struct ike_msg *m)
{
	struct ike_action *a;
	int r;

	if (m->has & IKE_HAS_AUTH)
		return reject(sa, msg_id, IKE_N_AUTHENTICATION_FAILED, -EACCES);
	sa->eap = true;
	sa->eap_waiting = true;
	sa->eap_msg_id = msg_id;
	if ((r = ike_sa_set_state(sa, IKE_SA_STATE_EAP)) < 0)
		return r;
	a = ike_push_action(sa->ike, IKE_ACTION_EAP, sa->spi_r);
	a->eap.idi = sa->idi;
	return 0;
}

static int first_request(struct ike_sa *sa, struct ike_msg *m, usec_t now)
{
	uint32_t msg_id = m->hdr.msg_id;
	struct secret *psk = NULL;
	uint16_t notify;
	bool ac, has_auth = m->has & IKE_HAS_AUTH;
	int r;

	if ((r = take_request(sa, m, &notify)) < 0)
		return reject(sa, msg_id, notify, r);
	ac = cisco_is_anyconnect_id(sa->idi.type, sa->idi.data, sa->idi.len);
	/* §5.1: a PSK is only for reconnects; INITIAL_CONTACT never for the shared identity */
	if (ac)
		sa->initial_contact = false;
	if ((ac && has_auth) || !sa->ike->hooks.authorize)
		return reject(sa, msg_id, IKE_N_AUTHENTICATION_FAILED, -EACCES);
	r = sa->ike->hooks.authorize(sa->ike->hooks_ud, sa->spi_r, &sa->idi, has_auth, &psk);
	if (r == IKE_AUTHZ_EAP)
		return start_eap(sa, msg_id, m);
	if (r != IKE_AUTHZ_PSK || !psk || !has_auth) {
		secret_free(psk);
		return reject(sa, msg_id, IKE_N_AUTHENTICATION_FAILED, -EACCES);
	}
	sa->psk = psk;
	if (auth_mac_verify(sa, true, sa->psk, m) < 0)
		return reject(sa, msg_id, IKE_N_AUTHENTICATION_FAILED, -EACCES);
	sa->auth_verify = IKE_AUTH_SHARED_KEY_MIC;
	return responder_finish(sa, msg_id, true, m, now);
}

static int eap_round(struct ike_sa *sa, struct ike_msg *m)
{
	struct ike_action *a;

	if (sa->eap_waiting || !(m->has & IKE_HAS_EAP))
		return reject(sa, m->hdr.msg_id, IKE_N_INVALID_SYNTAX, -EPROTO);
	sa->eap_waiting = true;
	sa->eap_msg_id = m->hdr.msg_id;
	a = ike_push_action(sa->ike, IKE_ACTION_EAP, sa->spi_r);
	a->eap.data = xmemdup(m->eap.p, m->eap.n);
	a->eap.len = m->eap.n;
	a->eap.idi = sa->idi;
	return 0;
}

int ike_xchg_auth_process_request(struct ike_sa *sa, struct ike_msg *m, usec_t now)
{
	if (sa->role != IKE_ROLE_RESPONDER)
		return -EPROTO;
	switch (sa->state) {
	case IKE_SA_STATE_INIT_DONE:
		return first_request(sa, m, now);
	case IKE_SA_STATE_EAP:
		return eap_round(sa, m);
	case IKE_SA_STATE_EAP_AUTH:
		/* §5.3: the final AUTH, keyed with the MSK or SK_pi */
		if (auth_mac_verify(sa, true, eap_key(sa, true), m) < 0)
			return reject(sa, m->hdr.msg_id, IKE_N_AUTHENTICATION_FAILED, -EACCES);
		sa->auth_verify = IKE_AUTH_SHARED_KEY_MIC;
		return responder_finish(sa, m->hdr.msg_id, false, m, now);
	case IKE_SA_STATE_NEW:
	case IKE_SA_STATE_INIT_SENT:
	case IKE_SA_STATE_AUTH_SENT:
	case IKE_SA_STATE_ESTABLISHED:
	case IKE_SA_STATE_DELETING:
	case IKE_SA_STATE_CLOSED:
	case _IKE_SA_STATE_MAX:
		break;
	}
	return -EPROTO;
}

int ike_xchg_auth_eap_request(struct ike_sa *sa, const uint8_t *eap, size_t n,
			      enum ike_eap_outcome outcome, const struct secret *msk, usec_t now)
{
	struct ike_msg_build b;
	int r = 0;

	(void)now;
	sa->eap_waiting = false;
	ike_msg_build_init_inner(&b);
	/* the first EAP request rides with our signed identity (§4.1) */
	if (!sa->eap_started && (r = put_signed_id(sa, &b)) < 0)
		goto out;
	sa->eap_started = true;
	(void)ike_msg_build_eap(&b, eap, n);
	if (outcome == IKE_EAP_FAILURE)
		(void)ike_msg_build_notify(&b, 0, NULL, 0, IKE_N_AUTHENTICATION_FAILED, NULL, 0);
	if ((r = ike_wire_send_response(sa, IKE_EXCHANGE_AUTH, sa->eap_msg_id, &b)) < 0)
		goto out;
	if (outcome == IKE_EAP_FAILURE) {
		fail(sa, -EACCES, IKE_N_AUTHENTICATION_FAILED);
	} else if (outcome == IKE_EAP_SUCCESS) {
		sa->eap_done = true;
		sa->msk = msk ? secret_dup(msk) : NULL;
		r = ike_sa_set_state(sa, IKE_SA_STATE_EAP_AUTH);
	}
out:
	ike_msg_build_done(&b);
	return r;
}
