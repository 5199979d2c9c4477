/*
 * ike_xchg_child.c - CREATE_CHILD_SA for rekeying the Child SA (RFC 7296 §1.3.3,
 * §2.17), without PFS as PROTOCOL.md §3 negotiates none:
 *
 *   SK{N(REKEY_SA, ESP, old SPI), SA, Ni, TSi, TSr}  -->
 *                                   <--  SK{SA, Nr, TSi, TSr}
 *   KEYMAT = prf+(SK_d, Ni | Nr) with the new nonces; then the initiator deletes
 *   the old Child SA:  SK{D(ESP, old)} -->  <-- SK{D(ESP, old)}
 *
 * Rekeying the IKE SA itself is not done: a 24-hour SA is replaced by a reconnect.
 */
#define LOG_MODULE "ike"
#include "ike/ike_sa.h"

#include <string.h>

#include "core/log.h"

static int new_spi(struct ike_sa *sa, uint32_t *ret)
{
	uint32_t v = 0;
	int r;

	while (v < 256 || v == sa->child.spi_in)
		if ((r = rng_bytes(sa->ike->rng, &v, sizeof(v))) < 0)
			return r;
	*ret = v;
	return 0;
}

static const struct ike_policy *policy(const struct ike_sa *sa)
{
	return sa->ike->role == IKE_ROLE_INITIATOR ? &sa->icfg.policy : &sa->ike->rcfg.policy;
}

int ike_xchg_child_rekey_start(struct ike_sa *sa, usec_t now)
{
	struct ike_proposal props[IKE_POLICY_MAX_SUITES];
	struct ike_msg_build b;
	uint8_t n, spi[4], old[4];
	int r;

	if (!sa->has_child || sa->req.kind != IKE_REQ_NONE)
		return -EBUSY;
	memset(&sa->child_new, 0, sizeof(sa->child_new));
	sa->child_nonce_len = IKE_NONCE_LEN;
	if ((r = new_spi(sa, &sa->child_new.spi_in)) < 0 ||
	    (r = rng_bytes(sa->ike->rng, sa->child_nonce, sa->child_nonce_len)) < 0)
		return r;
	be32_store(spi, sa->child_new.spi_in);
	be32_store(old, sa->child.spi_in);
	ike_policy_proposals(policy(sa), IKE_PROTO_ESP, spi, 4, props, &n);
	ike_msg_build_init_inner(&b);
	(void)ike_msg_build_notify(&b, IKE_PROTO_ESP, old, 4, IKE_N_REKEY_SA, NULL, 0);
	(void)ike_msg_build_sa(&b, props, n);
	(void)ike_msg_build_nonce(&b, sa->child_nonce, sa->child_nonce_len);
	(void)ike_msg_build_ts(&b, IKE_PLD_TSI, &sa->child.tsi, 1);
	(void)ike_msg_build_ts(&b, IKE_PLD_TSR, &sa->child.tsr, 1);
	r = ike_wire_send_request(sa, IKE_REQ_CHILD_REKEY, IKE_EXCHANGE_CREATE_CHILD_SA, &b, now);
	ike_msg_build_done(&b);
	sa->child_rekey_at = USEC_INFINITY;
	return r;
}

/* The new Child SA replaces the current one; the embedder gets both SPI pairs. */
static int switch_child(struct ike_sa *sa, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
			size_t nr_len, bool initiator)
{
	struct ike_action *a;
	struct ike_child child = {0};
	int r;

	sa->child_new.valid = true;
	if ((r = ike_xchg_child_keys(sa, &sa->child_new, NULL, ni, ni_len, nr, nr_len, initiator,
				     &child)) < 0)
		return r;
	a = ike_push_action(sa->ike, IKE_ACTION_CHILD_REKEYED, ike_sa_local_spi(sa));
	a->child.child = child;
	a->child.old_spi_in = sa->child.spi_in;
	a->child.old_spi_out = sa->child.spi_out;
	sa->child_old = sa->child;
	sa->child_old.valid = true;
	sa->child = sa->child_new;
	log_debug("ike %016llx/%016llx: child rekeyed %08x -> %08x", (unsigned long long)sa->spi_i,
		  (unsigned long long)sa->spi_r, sa->child_old.spi_in, sa->child.spi_in);
	return 0;
}

static int respond_error(struct ike_sa *sa, uint32_t msg_id, uint16_t type)
{
	struct ike_msg_build b;
	int r;

	ike_msg_build_init_inner(&b);
	(void)ike_msg_build_notify(&b, 0, NULL, 0, type, NULL, 0);
	r = ike_wire_send_response(sa, IKE_EXCHANGE_CREATE_CHILD_SA, msg_id, &b);
	ike_msg_build_done(&b);
	return r;
}

int ike_xchg_child_process_request(struct ike_sa *sa, struct ike_msg *m, usec_t now)
{
	const struct ike_notify *rk = ike_msg_notify(m, IKE_N_REKEY_SA);
	const struct ike_proposal *p;
	struct ike_proposal answer;
	struct ike_msg_build b;
	uint8_t spi[4], nr[IKE_NONCE_LEN];
	int r;

	(void)now;
	/*
	 * RFC 7296 §2.8.1 resolves simultaneous rekeys by nonces; we decline instead
	 * (TEMPORARY_FAILURE, §2.25) and both sides retry after a random delay.
	 */
	if (sa->state != IKE_SA_STATE_ESTABLISHED || sa->req.kind == IKE_REQ_CHILD_REKEY ||
	    sa->req.kind == IKE_REQ_IKE_REKEY)
		return respond_error(sa, m->hdr.msg_id, IKE_N_TEMPORARY_FAILURE);
	/* only Child SA rekeys of our one Child SA; a new IKE SA or extra child is refused */
	if (!rk || rk->spi.n != 4 || be32_load(rk->spi.p) != sa->child.spi_out ||
	    (m->has & IKE_HAS_KE) ||
	    (m->has & (IKE_HAS_SA | IKE_HAS_NONCE | IKE_HAS_TSI | IKE_HAS_TSR)) !=
		    (IKE_HAS_SA | IKE_HAS_NONCE | IKE_HAS_TSI | IKE_HAS_TSR))
		return respond_error(sa, m->hdr.msg_id, IKE_N_NO_ADDITIONAL_SAS);
	memset(&sa->child_new, 0, sizeof(sa->child_new));
	if (ike_policy_select(policy(sa), IKE_PROTO_ESP, &m->sa, 0, &sa->child_new.suite, &p) < 0 ||
	    p->spi_size != 4)
		return respond_error(sa, m->hdr.msg_id, IKE_N_NO_PROPOSAL_CHOSEN);
	sa->child_new.spi_out = be32_load(p->spi);
	sa->child_new.tsi = sa->child.tsi;
	sa->child_new.tsr = sa->child.tsr;
	if ((r = new_spi(sa, &sa->child_new.spi_in)) < 0 ||
	    (r = rng_bytes(sa->ike->rng, nr, sizeof(nr))) < 0)
		return r;
	be32_store(spi, sa->child_new.spi_in);
	ike_policy_answer(&sa->child_new.suite, IKE_PROTO_ESP, p->num, spi, 4, &answer);
	ike_msg_build_init_inner(&b);
	(void)ike_msg_build_sa(&b, &answer, 1);
	(void)ike_msg_build_nonce(&b, nr, sizeof(nr));
	(void)ike_msg_build_ts(&b, IKE_PLD_TSI, &sa->child.tsi, 1);
	(void)ike_msg_build_ts(&b, IKE_PLD_TSR, &sa->child.tsr, 1);
	r = ike_wire_send_response(sa, IKE_EXCHANGE_CREATE_CHILD_SA, m->hdr.msg_id, &b);
	ike_msg_build_done(&b);
	if (r < 0)
		return r;
	/* RFC 7296 §2.17: Ni | Nr of this exchange */
	return switch_child(sa, m->nonce.p, m->nonce.n, nr, sizeof(nr), false);
}

static int delete_old(struct ike_sa *sa, usec_t now)
{
	struct ike_msg_build b;
	uint8_t old[4];
	int r;

	be32_store(old, sa->child_old.spi_in);
	ike_msg_build_init_inner(&b);
	(void)ike_msg_build_delete(&b, IKE_PROTO_ESP, 4, old, 1);
	r = ike_wire_send_request(sa, IKE_REQ_CHILD_DELETE, IKE_EXCHANGE_INFORMATIONAL, &b, now);
	ike_msg_build_done(&b);
	return r;
}

int ike_xchg_child_process_response(struct ike_sa *sa, struct ike_msg *m, usec_t now)
{
	const struct ike_notify *err = ike_msg_error_notify(m);
	const struct ike_proposal *p;
	int r;

	if (sa->last_answered != IKE_REQ_CHILD_REKEY)
		return -EPROTO;
	if (err || (m->has & (IKE_HAS_SA | IKE_HAS_NONCE)) != (IKE_HAS_SA | IKE_HAS_NONCE) ||
	    ike_policy_accept(policy(sa), IKE_PROTO_ESP, &m->sa, &sa->child_new.suite, &p) < 0 ||
	    p->spi_size != 4) {
		/* the old Child SA keeps working until its hard lifetime; a reconnect follows */
		log_warning("ike %016llx/%016llx: child rekey refused (notify %u)",
			    (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
			    err ? err->type : 0);
		ike_timers_rekey_retry(sa, now, false);
		return 0;
	}
	sa->child_new.spi_out = be32_load(p->spi);
	sa->child_new.tsi = sa->child.tsi;
	sa->child_new.tsr = sa->child.tsr;
	if ((r = switch_child(sa, sa->child_nonce, sa->child_nonce_len, m->nonce.p, m->nonce.n,
			      true)) < 0)
		return r;
	ike_timers_child_installed(sa, now);
	return delete_old(sa, now);
}
