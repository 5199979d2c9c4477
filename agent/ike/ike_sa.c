/*
 * ike_sa.c - one IKE SA: creation, lookup by SPI, the state machine's single
 * choke point (ike_sa_set_state, STYLE.md §5), teardown, and the ike.h calls that
 * act on one SA.
 */
#define LOG_MODULE "ike"
#include "ike/ike_sa.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xmalloc.h"

struct ike_sa *ike_sa_new(struct ike *ike, enum ike_role role, usec_t now)
{
	struct ike_sa *sa = xcalloc(1, sizeof(*sa));
	uint64_t spi = 0;

	sa->ike = ike;
	sa->role = role;
	sa->state = IKE_SA_STATE_NEW;
	/* RFC 7296 §2.6: non-zero and unique here, so it names the SA in this context */
	while (spi == 0 || ike_sa_find(ike, spi)) {
		if (rng_bytes(ike->rng, &spi, sizeof(spi)) < 0)
			spi = 0x5a5a5a5a00000000ULL |
			      (uint64_t)(uintptr_t)sa; /* rng broken: still unique */
	}
	if (role == IKE_ROLE_INITIATOR)
		sa->spi_i = spi;
	else
		sa->spi_r = spi;
	sa->req.next = USEC_INFINITY;
	sa->created = sa->last_rx = now;
	sa->peer_window = 1;
	sa->dpd_interval = IKE_DPD_DEFAULT;
	sa->child_rekey_at = sa->ike_rekey_at = sa->gone_at = USEC_INFINITY;
	ike_cfg_init(&sa->cp_req);
	ike_cfg_init(&sa->cp_reply);
	ike_cfg_init(&sa->icfg.cp_request);
	sa->next = ike->sas;
	ike->sas = sa;
	return sa;
}

struct ike_sa *ike_sa_find(const struct ike *ike, uint64_t local_spi)
{
	for (struct ike_sa *sa = ike->sas; sa; sa = sa->next)
		if (ike_sa_local_spi(sa) == local_spi)
			return sa;
	return NULL;
}

struct ike_sa *ike_sa_find_init(const struct ike *ike, uint64_t spi_i,
				const struct ike_addr *remote)
{
	for (struct ike_sa *sa = ike->sas; sa; sa = sa->next)
		if (sa->role == IKE_ROLE_RESPONDER && sa->spi_i == spi_i &&
		    sa->path.remote.family == remote->family &&
		    sa->path.remote.port == remote->port &&
		    memcmp(&sa->path.remote.v6, &remote->v6,
			   remote->family == AF_INET ? sizeof(struct in_addr)
						     : sizeof(struct in6_addr)) == 0)
			return sa;
	return NULL;
}

/* Which moves are legal; anything else is our bug (RFC 7296 §1.2 flows). */
static bool transition_ok(enum ike_sa_state from, enum ike_sa_state to)
{
	if (to == IKE_SA_STATE_CLOSED)
		return from != IKE_SA_STATE_CLOSED;
	switch (from) {
	case IKE_SA_STATE_NEW:
		return to == IKE_SA_STATE_INIT_SENT || to == IKE_SA_STATE_INIT_DONE;
	case IKE_SA_STATE_INIT_SENT:
		return to == IKE_SA_STATE_INIT_DONE;
	case IKE_SA_STATE_INIT_DONE:
		return to == IKE_SA_STATE_AUTH_SENT || to == IKE_SA_STATE_EAP ||
		       to == IKE_SA_STATE_ESTABLISHED;
	case IKE_SA_STATE_AUTH_SENT:
		return to == IKE_SA_STATE_EAP || to == IKE_SA_STATE_ESTABLISHED;
	case IKE_SA_STATE_EAP:
		return to == IKE_SA_STATE_EAP_AUTH;
	case IKE_SA_STATE_EAP_AUTH:
		return to == IKE_SA_STATE_ESTABLISHED;
	case IKE_SA_STATE_ESTABLISHED:
		return to == IKE_SA_STATE_DELETING;
	case IKE_SA_STATE_DELETING:
	case IKE_SA_STATE_CLOSED:
	case _IKE_SA_STATE_MAX:
		return false;
	}
	return false;
}

int ike_sa_set_state(struct ike_sa *sa, enum ike_sa_state state)
{
	if (!transition_ok(sa->state, state)) {
		log_err("ike %016llx/%016llx: illegal %s -> %s", (unsigned long long)sa->spi_i,
			(unsigned long long)sa->spi_r, ike_sa_state_to_string(sa->state),
			ike_sa_state_to_string(state));
		return -EINVAL;
	}
	log_debug("ike %016llx/%016llx: %s -> %s", (unsigned long long)sa->spi_i,
		  (unsigned long long)sa->spi_r, ike_sa_state_to_string(sa->state),
		  ike_sa_state_to_string(state));
	sa->state = state;
	return 0;
}

void ike_pkts_clear(struct ike_pkts *pk)
{
	for (uint8_t i = 0; i < pk->count; i++)
		free(pk->p[i]);
	memset(pk, 0, sizeof(*pk));
}

void ike_frag_rx_clear(struct ike_frag_rx *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(f->part); i++) {
		if (f->part[i])
			secret_wipe(f->part[i], f->part_len[i]);
		free(f->part[i]);
	}
	memset(f, 0, sizeof(*f));
}

void ike_sa_destroy(struct ike_sa *sa)
{
	struct ike_sa **pp;

	for (pp = &sa->ike->sas; *pp; pp = &(*pp)->next)
		if (*pp == sa) {
			*pp = sa->next;
			break;
		}
	sa->dh = ike_dh_free(sa->dh);
	sa->child_dh = ike_dh_free(sa->child_dh);
	free(sa->init_req);
	free(sa->init_resp);
	ike_keys_done(&sa->keys);
	ike_pkts_clear(&sa->req.pkts);
	ike_pkts_clear(&sa->reply);
	ike_frag_rx_clear(&sa->frag);
	secret_free(sa->psk);
	secret_free(sa->msk);
	EVP_PKEY_free(sa->peer_key);
	ike_cfg_done(&sa->cp_req);
	ike_cfg_done(&sa->cp_reply);
	ike_cfg_done(&sa->icfg.cp_request);
	secret_wipe(sa->ni, sizeof(sa->ni));
	secret_wipe(sa->nr, sizeof(sa->nr));
	free(sa);
}

void ike_sa_close(struct ike_sa *sa, enum ike_action_type why, int error, uint16_t notify)
{
	struct ike_action *a;

	if (sa->rekeyed_away) {
		/* its successor was announced (IKE_ACTION_IKE_REKEYED); nothing to report */
		ike_sa_destroy(sa);
		return;
	}
	a = ike_push_action(sa->ike, why, ike_sa_local_spi(sa));
	if (why == IKE_ACTION_FAILED) {
		a->failed.error = error;
		a->failed.notify = notify;
	}
	if (sa->state != IKE_SA_STATE_CLOSED)
		(void)ike_sa_set_state(sa, IKE_SA_STATE_CLOSED);
	ike_sa_destroy(sa);
}

size_t ike_sa_id_body(const struct ike_id *id, uint8_t *ret, size_t cap)
{
	if (cap < 4u + id->len)
		return 0;
	ret[0] = id->type;
	ret[1] = ret[2] = ret[3] = 0;
	memcpy(ret + 4, id->data, id->len);
	return 4u + id->len;
}

/* RFC 7296 §2.14: SK_ei/SK_ai protect what the initiator sends, SK_er/SK_ar the responder's. */
int ike_sa_init_sk(struct ike_sa *sa)
{
	const struct ike_keys *k = &sa->keys;
	bool init = sa->role == IKE_ROLE_INITIATOR;
	int r;

	if ((r = ike_sk_init(&sa->sk_out, sa->suite.encr, sa->suite.encr_key_bits, sa->suite.integ,
			     init ? k->sk_ei : k->sk_er, init ? k->sk_ai : k->sk_ar)) < 0)
		return r;
	return ike_sk_init(&sa->sk_in, sa->suite.encr, sa->suite.encr_key_bits, sa->suite.integ,
			   init ? k->sk_er : k->sk_ei, init ? k->sk_ar : k->sk_ai);
}

/* --- ike.h calls on one SA ------------------------------------------------ */

int ike_sa_eap_reply(struct ike *ike, uint64_t spi, usec_t now, const uint8_t *eap, size_t n)
{
	struct ike_sa *sa = ike_sa_find(ike, spi);

	if (!sa)
		return -ENOENT;
	if (sa->role != IKE_ROLE_INITIATOR || sa->state != IKE_SA_STATE_EAP || n < 4 ||
	    n > IKE_EAP_MAX)
		return -EINVAL;
	return ike_xchg_auth_eap_reply(sa, eap, n, now);
}

int ike_sa_eap_complete(struct ike *ike, uint64_t spi, usec_t now, const struct secret *msk)
{
	struct ike_sa *sa = ike_sa_find(ike, spi);

	if (!sa)
		return -ENOENT;
	if (sa->role != IKE_ROLE_INITIATOR || sa->state != IKE_SA_STATE_EAP || !sa->eap_done)
		return -EINVAL;
	return ike_xchg_auth_eap_complete(sa, msk, now);
}

int ike_sa_eap_request(struct ike *ike, uint64_t spi, usec_t now, const uint8_t *eap, size_t n,
		       enum ike_eap_outcome outcome, const struct secret *msk)
{
	struct ike_sa *sa = ike_sa_find(ike, spi);

	if (!sa)
		return -ENOENT;
	if (sa->role != IKE_ROLE_RESPONDER || !sa->eap_waiting || n < 4 || n > IKE_EAP_MAX ||
	    (unsigned)outcome >= _IKE_EAP_OUTCOME_MAX)
		return -EINVAL;
	return ike_xchg_auth_eap_request(sa, eap, n, outcome, msk, now);
}

int ike_sa_delete(struct ike *ike, uint64_t spi, usec_t now, bool wait)
{
	struct ike_sa *sa = ike_sa_find(ike, spi);

	if (!sa)
		return -ENOENT;
	if (sa->state != IKE_SA_STATE_ESTABLISHED) {
		/* nothing authenticated to send a Delete on: just forget it */
		ike_sa_close(sa, IKE_ACTION_DELETED, 0, 0);
		return 0;
	}
	return ike_xchg_info_delete(sa, now, wait);
}

int ike_sa_drop(struct ike *ike, uint64_t spi)
{
	struct ike_sa *sa = ike_sa_find(ike, spi);

	if (!sa)
		return -ENOENT;
	log_debug("ike %016llx/%016llx: dropped locally", (unsigned long long)sa->spi_i,
		  (unsigned long long)sa->spi_r);
	ike_sa_destroy(sa);
	return 0;
}

void ike_sa_peer_alive(struct ike *ike, uint64_t spi, usec_t now)
{
	struct ike_sa *sa = ike_sa_find(ike, spi);

	if (sa)
		ike_timers_rx(sa, now);
}

int ike_sa_dpd(struct ike *ike, uint64_t spi, usec_t now)
{
	struct ike_sa *sa = ike_sa_find(ike, spi);

	if (!sa)
		return -ENOENT;
	if (sa->state != IKE_SA_STATE_ESTABLISHED)
		return -EINVAL;
	return sa->req.kind != IKE_REQ_NONE ? -EBUSY : ike_xchg_info_dpd(sa, now);
}

int ike_sa_rekey_child(struct ike *ike, uint64_t spi, usec_t now)
{
	struct ike_sa *sa = ike_sa_find(ike, spi);

	if (!sa)
		return -ENOENT;
	if (sa->state != IKE_SA_STATE_ESTABLISHED || !sa->has_child)
		return -EINVAL;
	return sa->req.kind != IKE_REQ_NONE ? -EBUSY : ike_xchg_child_rekey_start(sa, now);
}

int ike_sa_rekey_ike(struct ike *ike, uint64_t spi, usec_t now)
{
	struct ike_sa *sa = ike_sa_find(ike, spi);

	if (!sa)
		return -ENOENT;
	if (sa->state != IKE_SA_STATE_ESTABLISHED || sa->rekeyed_away)
		return -EINVAL;
	return sa->req.kind != IKE_REQ_NONE ? -EBUSY : ike_xchg_rekey_start(sa, now);
}
