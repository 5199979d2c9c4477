/*
 * ike_xchg_init.c - IKE_SA_INIT (RFC 7296 §1.2, §2.6 cookies, §1.2/§2.7 INVALID_KE,
 * §2.23 NAT detection; PROTOCOL.md §2, §4.1, §9).
 *
 *   HDR, [N(COOKIE)], SAi1, KEi, Ni, N(NAT_D_SRC), N(NAT_D_DST), N(FRAG_SUPPORTED),
 *        N(SIG_HASH_ALGS), V(...)  -->
 *                          <--  HDR, SAr1, KEr, Nr, V(IOS set), N(NAT_D_*), V(FRAGMENTATION),
 *                               N(FRAG_SUPPORTED), [N(SIG_HASH_ALGS)], [V(TOKEN-ROTATION)]
 */
#define LOG_MODULE "ike"
#include "ike/ike_sa.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "ike/cisco_compat.h"
#include "ike/ike_auth.h"

#define MAX_INIT_RETRIES 3 /* COOKIE and INVALID_KE answers we follow per SA */

static const uint8_t sig_hashes[] = {0, IKE_HASH_SHA2_256, 0, IKE_HASH_SHA2_384,
				     0, IKE_HASH_SHA2_512};

static void put_vid(struct ike_msg_build *b, const uint8_t *v, size_t n)
{
	(void)ike_msg_build_vid(b, v, n);
}

/* PROTOCOL.md §9.1: the Secure Client set, in its order */
static void put_client_vids(struct ike_msg_build *b, const struct ike_initiator_config *c)
{
	if (c->cisco_compat) {
		put_vid(b, CISCO_VID_DELETE_REASON, CISCO_VID_LEN(CISCO_VID_DELETE_REASON));
		put_vid(b, CISCO_VID_COPYRIGHT, CISCO_VID_LEN(CISCO_VID_COPYRIGHT));
		put_vid(b, CISCO_VID_FRAGMENTATION, sizeof(CISCO_VID_FRAGMENTATION));
		put_vid(b, CISCO_VID_GRE_MODE, CISCO_VID_LEN(CISCO_VID_GRE_MODE));
		put_vid(b, CISCO_VID_ANYCONNECT_EAP, CISCO_VID_LEN(CISCO_VID_ANYCONNECT_EAP));
		put_vid(b, CISCO_VID_NGE_LEVEL, CISCO_VID_LEN(CISCO_VID_NGE_LEVEL));
		if (c->send_strap_vid)
			put_vid(b, CISCO_VID_ANYCONNECT_STRAP,
				CISCO_VID_LEN(CISCO_VID_ANYCONNECT_STRAP));
	}
	put_vid(b, ANYROAM_VID_TOKEN_ROTATION, CISCO_VID_LEN(ANYROAM_VID_TOKEN_ROTATION));
}

static int build_request(struct ike_sa *sa, uint8_t **ret, size_t *ret_len)
{
	struct ike_hdr h = {
		.spi_i = sa->spi_i, .exchange = IKE_EXCHANGE_SA_INIT, .flags = IKE_FLAG_INITIATOR};
	struct ike_proposal props[IKE_POLICY_MAX_SUITES];
	uint8_t n_props, src[IKE_NAT_HASH_LEN], dst[IKE_NAT_HASH_LEN];
	struct ike_msg_build b;
	const uint8_t *pub;
	size_t pub_len;
	int r;

	ike_policy_proposals(&sa->icfg.policy, IKE_PROTO_IKE, NULL, 0, props, &n_props);
	pub = ike_dh_public(sa->dh, &pub_len);
	/* §2 forced encapsulation: our source hash is over random bytes, so the peer sees a NAT */
	if ((r = rng_bytes(sa->ike->rng, src, sizeof(src))) < 0 ||
	    (r = ike_nat_hash(sa->spi_i, 0, &sa->path.remote, dst)) < 0)
		return r;
	ike_msg_build_init(&b, &h);
	if (sa->cookie_len) /* RFC 7296 §2.6: the cookie comes first */
		(void)ike_msg_build_notify(&b, 0, NULL, 0, IKE_N_COOKIE, sa->cookie,
					   sa->cookie_len);
	(void)ike_msg_build_sa(&b, props, n_props);
	(void)ike_msg_build_ke(&b, sa->ke_group, pub, pub_len);
	(void)ike_msg_build_nonce(&b, sa->ni, sa->ni_len);
	(void)ike_msg_build_notify(&b, 0, NULL, 0, IKE_N_NAT_DETECTION_SOURCE_IP, src, sizeof(src));
	(void)ike_msg_build_notify(&b, 0, NULL, 0, IKE_N_NAT_DETECTION_DESTINATION_IP, dst,
				   sizeof(dst));
	(void)ike_msg_build_notify(&b, 0, NULL, 0, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	(void)ike_msg_build_notify(&b, 0, NULL, 0, IKE_N_SIGNATURE_HASH_ALGORITHMS, sig_hashes,
				   sizeof(sig_hashes));
	put_client_vids(&b, &sa->icfg);
	r = ike_msg_build_finish(&b, ret, ret_len);
	ike_msg_build_done(&b);
	return r;
}

static int send_request(struct ike_sa *sa, usec_t now)
{
	uint8_t *msg;
	size_t len;
	int r;

	if ((r = build_request(sa, &msg, &len)) < 0)
		return r;
	return ike_wire_send_plain_request(sa, msg, len, now);
}

int ike_xchg_init_start(struct ike_sa *sa, usec_t now)
{
	int r;

	sa->ke_group = sa->icfg.ke_group ? sa->icfg.ke_group : IKE_DH_ECP_256;
	sa->ni_len = IKE_NONCE_LEN;
	if ((r = ike_dh_new(sa->ke_group, &sa->dh)) < 0 ||
	    (r = rng_bytes(sa->ike->rng, sa->ni, sa->ni_len)) < 0 ||
	    (r = send_request(sa, now)) < 0)
		return r;
	return ike_sa_set_state(sa, IKE_SA_STATE_INIT_SENT);
}

/* What the peer announced in its IKE_SA_INIT message (PROTOCOL.md §9, §10, RFC 7427 §4). */
static void peer_caps(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_notify *sh = ike_msg_notify(m, IKE_N_SIGNATURE_HASH_ALGORITHMS);

	sa->peer_frag_rfc = ike_msg_notify(m, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED) != NULL;
	for (size_t i = 0; sh && i + 1 < sh->data.n; i += 2) {
		uint16_t hash = be16_load(sh->data.p + i);

		if (hash < 32)
			sa->peer_hashes |= IKE_AUTH_HASH_BIT(hash);
	}
	for (uint8_t i = 0; i < m->n_vids; i++) {
		enum cisco_vid v = cisco_vid_match(m->vids[i].p, m->vids[i].n);

		if (v == CISCO_VID_ID_FRAGMENTATION)
			sa->peer_frag_cisco = true;
		else if (v == CISCO_VID_ID_TOKEN_ROTATION)
			sa->peer_token_rotation = true;
	}
}

/* RFC 7296 §2.23: a hash that differs from ours means a NAT on that side. */
static int nat_detect(struct ike_sa *sa, const struct ike_msg *m, uint64_t spi_r)
{
	const struct ike_notify *ns = ike_msg_notify(m, IKE_N_NAT_DETECTION_SOURCE_IP);
	const struct ike_notify *nd = ike_msg_notify(m, IKE_N_NAT_DETECTION_DESTINATION_IP);
	uint8_t h[IKE_NAT_HASH_LEN];
	int r;

	if (!ns || !nd)
		return 0; /* the peer does not do NAT-T: nothing to detect */
	if ((r = ike_nat_hash(sa->spi_i, spi_r, &sa->path.remote, h)) < 0)
		return r;
	sa->peer_behind_nat =
		ns->data.n != sizeof(h) || CRYPTO_memcmp(ns->data.p, h, sizeof(h)) != 0;
	if ((r = ike_nat_hash(sa->spi_i, spi_r, &sa->path.local, h)) < 0)
		return r;
	sa->local_behind_nat =
		nd->data.n != sizeof(h) || CRYPTO_memcmp(nd->data.p, h, sizeof(h)) != 0;
	return 0;
}

static int derive(struct ike_sa *sa, const struct ike_msg *m)
{
	_cleanup_secret_ struct secret *g_ir = NULL;
	int r;

	if ((r = ike_dh_shared(sa->dh, m->ke.data.p, m->ke.data.n, &g_ir)) < 0)
		return r;
	if ((r = ike_keys_derive(&sa->keys, &sa->suite, g_ir, sa->ni, sa->ni_len, sa->nr,
				 sa->nr_len, sa->spi_i, sa->spi_r)) < 0)
		return r;
	sa->dh = ike_dh_free(sa->dh);
	return ike_sa_init_sk(sa);
}

/* COOKIE or INVALID_KE_PAYLOAD: 1 if the request was resent, 0 if neither, <0 error. */
static int retry(struct ike_sa *sa, const struct ike_msg *m, usec_t now)
{
	const struct ike_notify *c = ike_msg_notify(m, IKE_N_COOKIE);
	const struct ike_notify *ke = ike_msg_notify(m, IKE_N_INVALID_KE_PAYLOAD);
	int r;

	if (!c && !ke)
		return 0;
	if (sa->init_retries++ >= MAX_INIT_RETRIES)
		return -EPROTO;
	if (c) {
		/* RFC 7296 §2.6: retry with the cookie, same SPI, message ID 0 */
		if (c->data.n == 0 || c->data.n > IKE_COOKIE_MAX)
			return -EBADMSG;
		memcpy(sa->cookie, c->data.p, c->data.n);
		sa->cookie_len = c->data.n;
	} else {
		uint16_t group = ke->data.n == 2 ? be16_load(ke->data.p) : 0;
		bool ours = false;

		for (uint8_t s = 0; s < sa->icfg.policy.n_ike; s++)
			for (uint8_t i = 0; i < sa->icfg.policy.ike[s].n_dh; i++)
				ours |= sa->icfg.policy.ike[s].dh[i] == group;
		if (!ours || group == sa->ke_group || !ike_dh_group_supported(group))
			return -EPROTO;
		log_debug("ike %016llx: gateway wants DH group %u", (unsigned long long)sa->spi_i,
			  group);
		sa->ke_group = group;
		sa->dh = ike_dh_free(sa->dh);
		if ((r = ike_dh_new(group, &sa->dh)) < 0)
			return r;
	}
	ike_timers_request_answered(sa);
	return (r = send_request(sa, now)) < 0 ? r : 1;
}

static int accept_response(struct ike_sa *sa, const struct ike_msg *m, const uint8_t *raw, size_t n)
{
	const struct ike_proposal *p;
	int r;

	if ((m->has & (IKE_HAS_SA | IKE_HAS_KE | IKE_HAS_NONCE)) !=
		    (IKE_HAS_SA | IKE_HAS_KE | IKE_HAS_NONCE) ||
	    m->hdr.spi_r == 0)
		return -EBADMSG;
	if ((r = ike_policy_accept(&sa->icfg.policy, IKE_PROTO_IKE, &m->sa, &sa->suite, &p)) < 0)
		return r;
	if (sa->suite.dh != sa->ke_group || m->ke.group != sa->ke_group)
		return -EPROTO;
	sa->spi_r = m->hdr.spi_r;
	memcpy(sa->nr, m->nonce.p, m->nonce.n);
	sa->nr_len = m->nonce.n;
	if ((r = derive(sa, m)) < 0)
		return r;
	peer_caps(sa, m);
	if ((r = nat_detect(sa, m, sa->spi_r)) < 0)
		return r;
	/* RealMessage1 and 2 for AUTH (PROTOCOL.md §5.3): the last try, as sent */
	sa->init_req = xmemdup(sa->req.pkts.p[0], sa->req.pkts.n[0]);
	sa->init_req_len = sa->req.pkts.n[0];
	sa->init_resp = xmemdup(raw, n);
	sa->init_resp_len = n;
	return 0;
}

int ike_xchg_init_process_response(struct ike_sa *sa, const struct ike_msg *m, const uint8_t *raw,
				   size_t raw_len, usec_t now)
{
	const struct ike_notify *err;
	int r;

	if (sa->state != IKE_SA_STATE_INIT_SENT || sa->req.kind != IKE_REQ_SA_INIT ||
	    m->hdr.msg_id != 0)
		return -EPROTO;
	if ((r = retry(sa, m, now)) != 0) {
		if (r < 0)
			ike_sa_close(sa, IKE_ACTION_FAILED, r, IKE_N_INVALID_KE_PAYLOAD);
		return 0;
	}
	if ((err = ike_msg_error_notify(m))) {
		ike_sa_close(sa, IKE_ACTION_FAILED, -EPROTO, err->type);
		return 0;
	}
	if ((r = accept_response(sa, m, raw, raw_len)) < 0) {
		ike_sa_close(sa, IKE_ACTION_FAILED, r, 0);
		return 0;
	}
	ike_timers_request_answered(sa);
	sa->next_req_id = 1;
	sa->rx_packets++;
	ike_timers_rx(sa, now);
	if ((r = ike_sa_set_state(sa, IKE_SA_STATE_INIT_DONE)) < 0)
		return r;
	/* §2: everything after IKE_SA_INIT goes to 4500 with the marker, NAT or not */
	sa->natt = true;
	sa->path.remote.port = IKE_NATT_PORT;
	if ((r = ike_xchg_auth_start(sa, now)) < 0)
		ike_sa_close(sa, IKE_ACTION_FAILED, r, 0);
	return 0;
}

/* --- responder ------------------------------------------------------------- */

/* A stateless answer carrying one notify (COOKIE, INVALID_KE_PAYLOAD, NO_PROPOSAL_CHOSEN). */
static void answer_notify(struct ike *ike, const struct ike_dgram *dgram, const struct ike_msg *m,
			  uint16_t type, const void *data, size_t n)
{
	struct ike_hdr h = {.spi_i = m->hdr.spi_i,
			    .exchange = IKE_EXCHANGE_SA_INIT,
			    .flags = IKE_FLAG_RESPONSE};
	struct ike_msg_build b;
	uint8_t *msg;
	size_t len;

	ike_msg_build_init(&b, &h);
	(void)ike_msg_build_notify(&b, 0, NULL, 0, type, data, n);
	if (ike_msg_build_finish(&b, &msg, &len) == 0)
		ike_wire_send_plain_response(ike, dgram, msg, len,
					     dgram->local.port == IKE_NATT_PORT);
	ike_msg_build_done(&b);
}

/* RFC 7296 §2.6: Cookie = <version> | Hash(Ni | IPi | SPIi | <secret>), here an HMAC. */
static int cookie_for(const struct ike *ike, const struct ike_msg *m, const struct ike_addr *from,
		      uint8_t ret[17])
{
	uint8_t spi[8], out[IKE_PRF_MAX_LEN];
	struct ike_iov iov[3] = {
		{m->nonce.p, m->nonce.n},
		{&from->v6, from->family == AF_INET6 ? 16 : 4},
		{spi, 8},
	};
	int r;

	be32_store(spi, (uint32_t)(m->hdr.spi_i >> 32));
	be32_store(spi + 4, (uint32_t)m->hdr.spi_i);
	if ((r = ike_prf(IKE_PRF_HMAC_SHA2_256, ike->cookie_secret, sizeof(ike->cookie_secret), iov,
			 3, out)) < 0)
		return r;
	ret[0] = 1; /* secret version */
	memcpy(ret + 1, out, 16);
	return 0;
}

/* 0 = go on; 1 = answered with a COOKIE */
static int cookie_check(struct ike *ike, const struct ike_dgram *dgram, const struct ike_msg *m)
{
	const struct ike_notify *c = ike_msg_notify(m, IKE_N_COOKIE);
	uint8_t want[17];

	if (!ike->rcfg.half_open_limit || ike_half_open_count(ike) < ike->rcfg.half_open_limit)
		return 0;
	if (cookie_for(ike, m, &dgram->remote, want) < 0)
		return 1;
	if (c && c->data.n == sizeof(want) && CRYPTO_memcmp(c->data.p, want, sizeof(want)) == 0)
		return 0;
	answer_notify(ike, dgram, m, IKE_N_COOKIE, want, sizeof(want));
	return 1;
}

static void put_gateway_vids_head(struct ike_msg_build *b)
{
	uint8_t gre[sizeof(CISCO_VID_GRE_MODE)];

	memcpy(gre, CISCO_VID_GRE_MODE, CISCO_VID_LEN(CISCO_VID_GRE_MODE));
	gre[CISCO_VID_LEN(CISCO_VID_GRE_MODE)] = CISCO_GRE_MODE_IOS_VERSION;
	put_vid(b, CISCO_VID_DELETE_REASON, CISCO_VID_LEN(CISCO_VID_DELETE_REASON));
	put_vid(b, CISCO_VID_COPYRIGHT, CISCO_VID_LEN(CISCO_VID_COPYRIGHT));
	put_vid(b, gre, sizeof(gre));
}

static int build_response(struct ike_sa *sa, const struct ike_proposal *chosen, uint8_t **ret,
			  size_t *ret_len)
{
	struct ike_hdr h = {.spi_i = sa->spi_i,
			    .spi_r = sa->spi_r,
			    .exchange = IKE_EXCHANGE_SA_INIT,
			    .flags = IKE_FLAG_RESPONSE};
	uint8_t src[IKE_NAT_HASH_LEN], dst[IKE_NAT_HASH_LEN];
	struct ike_proposal answer;
	struct ike_msg_build b;
	const uint8_t *pub;
	size_t pub_len;
	int r;

	ike_policy_answer(&sa->suite, IKE_PROTO_IKE, chosen->num, NULL, 0, &answer);
	pub = ike_dh_public(sa->dh, &pub_len);
	if ((r = ike_nat_hash(sa->spi_i, sa->spi_r, &sa->path.local, src)) < 0 ||
	    (r = ike_nat_hash(sa->spi_i, sa->spi_r, &sa->path.remote, dst)) < 0)
		return r;
	ike_msg_build_init(&b, &h);
	(void)ike_msg_build_sa(&b, &answer, 1);
	(void)ike_msg_build_ke(&b, sa->ke_group, pub, pub_len);
	(void)ike_msg_build_nonce(&b, sa->nr, sa->nr_len);
	put_gateway_vids_head(&b);
	/* §9.2: IOS sends NAT-D with protocol ID 1 */
	(void)ike_msg_build_notify(&b, IKE_PROTO_IKE, NULL, 0, IKE_N_NAT_DETECTION_SOURCE_IP, src,
				   sizeof(src));
	(void)ike_msg_build_notify(&b, IKE_PROTO_IKE, NULL, 0, IKE_N_NAT_DETECTION_DESTINATION_IP,
				   dst, sizeof(dst));
	put_vid(&b, CISCO_VID_FRAGMENTATION, sizeof(CISCO_VID_FRAGMENTATION));
	if (!sa->ike->rcfg.frag_cisco_only)
		(void)ike_msg_build_notify(&b, 0, NULL, 0, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED,
					   NULL, 0);
	if (sa->peer_hashes)
		(void)ike_msg_build_notify(&b, 0, NULL, 0, IKE_N_SIGNATURE_HASH_ALGORITHMS,
					   sig_hashes, sizeof(sig_hashes));
	if (sa->peer_token_rotation && sa->ike->rcfg.token_rotation)
		put_vid(&b, ANYROAM_VID_TOKEN_ROTATION, CISCO_VID_LEN(ANYROAM_VID_TOKEN_ROTATION));
	r = ike_msg_build_finish(&b, ret, ret_len);
	ike_msg_build_done(&b);
	return r;
}

/* The new responder SA: keys, NAT detection, RealMessage1/2. */
static int setup_sa(struct ike_sa *sa, const struct ike_msg *m, const struct ike_proposal *chosen,
		    const uint8_t *raw, size_t raw_len)
{
	int r;

	sa->ni_len = m->nonce.n;
	memcpy(sa->ni, m->nonce.p, m->nonce.n);
	sa->nr_len = IKE_NONCE_LEN;
	sa->ke_group = sa->suite.dh;
	if ((r = ike_dh_new(sa->ke_group, &sa->dh)) < 0 ||
	    (r = rng_bytes(sa->ike->rng, sa->nr, sa->nr_len)) < 0)
		return r;
	peer_caps(sa, m);
	if (sa->ike->rcfg.frag_cisco_only)
		sa->peer_frag_rfc = false;
	if ((r = build_response(sa, chosen, &sa->init_resp, &sa->init_resp_len)) < 0 ||
	    (r = nat_detect(sa, m, 0)) < 0 || (r = derive(sa, m)) < 0)
		return r;
	sa->init_req = xmemdup(raw, raw_len);
	sa->init_req_len = raw_len;
	return 0;
}

/* Stateless checks before an SA exists; 1 = answered or dropped. */
static int screen(struct ike *ike, const struct ike_dgram *dgram, const struct ike_msg *m,
		  struct ike_crypto_suite *suite, const struct ike_proposal **chosen)
{
	int r;
	uint8_t g[2];

	if ((m->has & (IKE_HAS_SA | IKE_HAS_KE | IKE_HAS_NONCE)) !=
		    (IKE_HAS_SA | IKE_HAS_KE | IKE_HAS_NONCE) ||
	    m->hdr.msg_id != 0 || m->hdr.spi_r != 0 || m->hdr.spi_i == 0 ||
	    !(m->hdr.flags & IKE_FLAG_INITIATOR))
		return -EBADMSG;
	if (cookie_check(ike, dgram, m))
		return 1;
	r = ike_policy_select(&ike->rcfg.policy, IKE_PROTO_IKE, &m->sa, m->ke.group, suite, chosen);
	if (r == -EAGAIN) {
		/* RFC 7296 §1.2: tell the initiator the group we want */
		be16_store(g, suite->dh);
		answer_notify(ike, dgram, m, IKE_N_INVALID_KE_PAYLOAD, g, 2);
		return 1;
	}
	if (r < 0 || ike_dh_public_len(m->ke.group) != m->ke.data.n) {
		answer_notify(ike, dgram, m,
			      r < 0 ? IKE_N_NO_PROPOSAL_CHOSEN : IKE_N_INVALID_SYNTAX, NULL, 0);
		return 1;
	}
	return 0;
}

int ike_xchg_init_process_request(struct ike *ike, const struct ike_dgram *dgram,
				  const struct ike_msg *m, const uint8_t *raw, size_t raw_len,
				  usec_t now)
{
	const struct ike_proposal *chosen;
	struct ike_crypto_suite suite;
	struct ike_sa *sa = ike_sa_find_init(ike, m->hdr.spi_i, &dgram->remote);
	int r;

	if (sa) {
		/* RFC 7296 §2.1: a retransmitted IKE_SA_INIT gets the same answer */
		if (sa->init_req_len == raw_len && memcmp(sa->init_req, raw, raw_len) == 0)
			ike_wire_emit(ike, sa->spi_r, dgram, dgram->local.port == IKE_NATT_PORT,
				      sa->init_resp, sa->init_resp_len);
		return 0;
	}
	if ((r = screen(ike, dgram, m, &suite, &chosen)) != 0)
		return r < 0 ? r : 0;
	sa = ike_sa_new(ike, IKE_ROLE_RESPONDER, now);
	sa->spi_i = m->hdr.spi_i;
	sa->path = *dgram;
	sa->natt = dgram->local.port == IKE_NATT_PORT;
	sa->suite = suite;
	if ((r = setup_sa(sa, m, chosen, raw, raw_len)) < 0) {
		ike_sa_destroy(sa);
		return r;
	}
	sa->peer_req_id = 1;
	sa->next_req_id = 0;
	sa->rx_packets++;
	(void)ike_sa_set_state(sa, IKE_SA_STATE_INIT_DONE);
	ike_wire_emit(ike, sa->spi_r, &sa->path, sa->natt, sa->init_resp, sa->init_resp_len);
	sa->tx_packets++;
	return 0;
}
