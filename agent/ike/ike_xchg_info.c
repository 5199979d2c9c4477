/*
 * ike_xchg_info.c - INFORMATIONAL (RFC 7296 §1.4, §2.4): liveness checks (an empty
 * SK{}), Delete of the IKE SA or a Child SA, and notifies, which are answered with
 * an empty response and otherwise ignored (§9.2: private status notifies too).
 *
 *   SK{}          -->   <-- SK{}                       DPD (PROTOCOL.md §4.4)
 *   SK{D(IKE)}    -->   <-- SK{}                       the SA ends on both sides
 *   SK{D(ESP,s)}  -->   <-- SK{D(ESP,ours)}            a Child SA ends (after a rekey)
 */
#define LOG_MODULE "ike"
#include "ike/ike_sa.h"

#include <string.h>

#include "core/log.h"

static int send_info(struct ike_sa *sa, enum ike_req_kind kind, struct ike_msg_build *b, usec_t now)
{
	int r = ike_wire_send_request(sa, kind, IKE_EXCHANGE_INFORMATIONAL, b, now);

	ike_msg_build_done(b);
	return r;
}

int ike_xchg_info_dpd(struct ike_sa *sa, usec_t now)
{
	struct ike_msg_build b;

	ike_msg_build_init_inner(&b);
	log_debug("ike %016llx/%016llx: DPD request", (unsigned long long)sa->spi_i,
		  (unsigned long long)sa->spi_r);
	return send_info(sa, IKE_REQ_DPD, &b, now);
}

int ike_xchg_info_delete(struct ike_sa *sa, usec_t now, bool wait)
{
	struct ike_msg_build b;
	int r;

	if (sa->req.kind != IKE_REQ_NONE)
		ike_timers_request_answered(sa); /* the Delete supersedes what was pending */
	ike_msg_build_init_inner(&b);
	(void)ike_msg_build_delete(&b, IKE_PROTO_IKE, 0, NULL, 0);
	if ((r = send_info(sa, IKE_REQ_DELETE, &b, now)) < 0)
		return r;
	if ((r = ike_sa_set_state(sa, IKE_SA_STATE_DELETING)) < 0)
		return r;
	if (!wait)
		ike_sa_close(sa, IKE_ACTION_DELETED, 0, 0);
	return 0;
}

/* Delete(ESP) of the Child SA the peer names by its inbound SPI (our outbound one). */
static void child_delete(struct ike_sa *sa, const struct ike_delete *d, struct ike_msg_build *b)
{
	for (uint16_t i = 0; i < d->n_spis; i++) {
		uint32_t spi = be32_load(d->spis.p + 4u * i);
		uint8_t ours[4];

		if (sa->child_old.valid && spi == sa->child_old.spi_out) {
			be32_store(ours, sa->child_old.spi_in);
			sa->child_old.valid = false;
		} else if (sa->has_child && spi == sa->child.spi_out) {
			be32_store(ours, sa->child.spi_in);
			sa->has_child = false;
		} else {
			continue;
		}
		(void)ike_msg_build_delete(b, IKE_PROTO_ESP, 4, ours, 1);
	}
}

int ike_xchg_info_process_request(struct ike_sa *sa, struct ike_msg *m, usec_t now)
{
	struct ike_msg_build b;
	bool ike_deleted = false, had_child = sa->has_child;
	int r;

	(void)now;
	ike_msg_build_init_inner(&b);
	for (uint8_t i = 0; i < m->n_deletes; i++) {
		if (m->deletes[i].proto == IKE_PROTO_IKE)
			ike_deleted = true;
		else if (m->deletes[i].proto == IKE_PROTO_ESP && !ike_deleted)
			child_delete(sa, &m->deletes[i], &b);
	}
	if (ike_deleted) {
		/* RFC 7296 §1.4.1: the answer to D(IKE) is empty */
		ike_msg_build_done(&b);
		ike_msg_build_init_inner(&b);
	}
	r = ike_wire_send_response(sa, IKE_EXCHANGE_INFORMATIONAL, m->hdr.msg_id, &b);
	ike_msg_build_done(&b);
	if (ike_deleted) {
		log_debug("ike %016llx/%016llx: deleted by the peer", (unsigned long long)sa->spi_i,
			  (unsigned long long)sa->spi_r);
		ike_sa_close(sa, IKE_ACTION_DELETED, 0, 0);
	} else if (had_child && !sa->has_child && sa->ike->role == IKE_ROLE_INITIATOR) {
		/*
		 * The gateway deleted our only Child SA outside a rekey: the tunnel carries
		 * nothing any more. Forget the IKE SA without a Delete(IKE), which would end
		 * the session (PROTOCOL.md §4.4); the embedder reconnects (reason 104).
		 */
		log_debug("ike %016llx/%016llx: the peer deleted the Child SA",
			  (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r);
		ike_sa_close(sa, IKE_ACTION_DELETED, 0, 0);
	}
	return r;
}

/* RFC 7296 §1.4.1: the answer names the other half of each Child SA pair we deleted. */
static void answered_child_delete(struct ike_sa *sa, const struct ike_msg *m)
{
	sa->child_old.valid = false; /* our usual Delete: the one a rekey replaced */
	for (uint8_t i = 0; i < m->n_deletes; i++) {
		const struct ike_delete *d = &m->deletes[i];

		for (uint16_t j = 0; d->proto == IKE_PROTO_ESP && j < d->n_spis; j++)
			if (sa->has_child && be32_load(d->spis.p + 4u * j) == sa->child.spi_out)
				sa->has_child = false;
	}
}

int ike_xchg_info_process_response(struct ike_sa *sa, struct ike_msg *m, usec_t now)
{
	(void)m;
	(void)now;
	/* the caller cleared the request; the kind it had was saved for us */
	if (sa->last_answered == IKE_REQ_DELETE)
		ike_sa_close(sa, IKE_ACTION_DELETED, 0, 0);
	else if (sa->last_answered == IKE_REQ_CHILD_DELETE)
		answered_child_delete(sa, m);
	return 0;
}
