/*
 * IKE SA timers; every deadline is CLOCK_BOOTTIME, given as `now` (STYLE.md §6).
 * - retransmit: our request unanswered after min(RETRANS_BASE << n, RETRANS_CAP)
 *   for retransmission n = 0..5, i.e. resent at 0.5, 1.5, 3.5, 7.5, 15.5, 23.5 s;
 *   given up 8 s after the sixth (31.5 s): dead peer (RFC 7296 §2.1, PROTOCOL.md §11)
 * - responder DPD probe: resent every rcfg.dpd_retry_interval (2 s), rcfg.dpd_retries
 *   (5) times, then dead: `dpd 45 2 on-demand` (§11, D8)
 * - dpd: nothing authenticated (IKE, or ESP via ike_sa_peer_alive) for dpd_interval
 *   -> empty INFORMATIONAL. Initiator: CP attribute 24 or 30 s; responder: on demand
 *   after rcfg.dpd_interval (45 s), 0 = off (RFC 7296 §2.4)
 * - half-open (responder): not ESTABLISHED eap_timeout (120 s) after IKE_SA_INIT
 *   -> dropped silently (§6.4)
 * - fragments: an incomplete set older than 30 s is dropped (§10)
 * - child rekey (initiator): child_lifetime x (0.90 +- 0.05) after establishment,
 *   jittered through the rng seam -> CREATE_CHILD_SA with REKEY_SA (RFC 7296 §1.3.3)
 * - IKE rekey (initiator): ike_lifetime (86400 s) x (0.90 +- 0.05) -> CREATE_CHILD_SA
 *   with SA(IKE), KE, Ni (RFC 7296 §1.3.2)
 * - rekey retry: a refused rekey (TEMPORARY_FAILURE) again after 10 s + [0, 5) s
 * - gone: an SA rekeyed away is forgotten 60 s later if the peer never deleted it
 */
#define LOG_MODULE "ike"
#include "ike/ike_sa.h"

#include "core/log.h"

static bool responder_probe(const struct ike_sa *sa)
{
	return sa->ike->role == IKE_ROLE_RESPONDER && sa->req.kind == IKE_REQ_DPD;
}

static usec_t retrans_delay(const struct ike_sa *sa, unsigned int n)
{
	usec_t d;

	if (responder_probe(sa))
		return sa->ike->rcfg.dpd_retry_interval;
	d = n >= 5 ? IKE_RETRANS_CAP : IKE_RETRANS_BASE << n;
	return d < IKE_RETRANS_CAP ? d : IKE_RETRANS_CAP;
}

static unsigned int retrans_tries(const struct ike_sa *sa)
{
	return responder_probe(sa) ? sa->ike->rcfg.dpd_retries : IKE_RETRANS_TRIES;
}

void ike_timers_request_sent(struct ike_sa *sa, usec_t now)
{
	sa->req.next = now + retrans_delay(sa, 0);
}

void ike_timers_request_answered(struct ike_sa *sa)
{
	sa->last_answered = sa->req.kind;
	sa->req.kind = IKE_REQ_NONE;
	sa->req.next = USEC_INFINITY;
	ike_pkts_clear(&sa->req.pkts);
}

void ike_timers_rx(struct ike_sa *sa, usec_t now)
{
	sa->last_rx = now;
}

void ike_timers_child_installed(struct ike_sa *sa, usec_t now)
{
	uint64_t life =
		sa->icfg.child_lifetime_s ? sa->icfg.child_lifetime_s : IKE_CHILD_LIFETIME_DEFAULT;
	uint32_t jitter = 50;

	sa->child_rekey_at = USEC_INFINITY;
	if (sa->ike->role != IKE_ROLE_INITIATOR) /* the client drives rekeys */
		return;
	if (rng_uniform(sa->ike->rng, 101, &jitter) < 0)
		jitter = 50;
	sa->child_rekey_at = now + life * USEC_PER_SEC / 1000 * (850 + jitter);
}

void ike_timers_established(struct ike_sa *sa, usec_t now)
{
	uint64_t life = sa->icfg.ike_lifetime_s ? sa->icfg.ike_lifetime_s : IKE_LIFETIME_DEFAULT;
	uint32_t jitter = 50;

	sa->established_at = now;
	sa->last_rx = now;
	ike_timers_child_installed(sa, now);
	sa->ike_rekey_at = USEC_INFINITY;
	if (sa->ike->role != IKE_ROLE_INITIATOR)
		return;
	if (rng_uniform(sa->ike->rng, 101, &jitter) < 0)
		jitter = 50;
	sa->ike_rekey_at = now + life * USEC_PER_SEC / 1000 * (850 + jitter);
}

static usec_t dpd_interval(const struct ike_sa *sa)
{
	return sa->ike->role == IKE_ROLE_INITIATOR ? sa->dpd_interval : sa->ike->rcfg.dpd_interval;
}

static usec_t dpd_deadline(const struct ike_sa *sa)
{
	if (sa->state != IKE_SA_STATE_ESTABLISHED || sa->req.kind != IKE_REQ_NONE ||
	    !dpd_interval(sa) || sa->rekeyed_away)
		return USEC_INFINITY;
	return sa->last_rx + dpd_interval(sa);
}

static usec_t half_open_deadline(const struct ike_sa *sa)
{
	if (sa->ike->role != IKE_ROLE_RESPONDER || sa->state == IKE_SA_STATE_ESTABLISHED ||
	    sa->state == IKE_SA_STATE_DELETING)
		return USEC_INFINITY;
	return sa->created + sa->ike->rcfg.eap_timeout;
}

static usec_t rekey_deadline(const struct ike_sa *sa)
{
	if (sa->state != IKE_SA_STATE_ESTABLISHED || sa->req.kind != IKE_REQ_NONE ||
	    sa->rekeyed_away)
		return USEC_INFINITY;
	return sa->child_rekey_at;
}

static usec_t ike_rekey_deadline(const struct ike_sa *sa)
{
	if (sa->state != IKE_SA_STATE_ESTABLISHED || sa->req.kind != IKE_REQ_NONE ||
	    sa->rekeyed_away)
		return USEC_INFINITY;
	return sa->ike_rekey_at;
}

static usec_t min2(usec_t a, usec_t b)
{
	return a < b ? a : b;
}

usec_t ike_timers_next(const struct ike_sa *sa)
{
	usec_t t = min2(sa->req.next, dpd_deadline(sa));

	t = min2(t, half_open_deadline(sa));
	t = min2(t, rekey_deadline(sa));
	t = min2(t, ike_rekey_deadline(sa));
	t = min2(t, sa->gone_at);
	if (sa->frag.active)
		t = min2(t, sa->frag.started + IKE_FRAG_TIMEOUT);
	return t;
}

/* Retransmissions exhausted: what the loss of this request means. */
static void give_up(struct ike_sa *sa)
{
	log_debug("ike %016llx/%016llx: request %u unanswered after %u retransmissions",
		  (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r, sa->req.msg_id,
		  sa->req.tries);
	if (sa->req.kind == IKE_REQ_DELETE)
		ike_sa_close(sa, IKE_ACTION_DELETED, 0, 0);
	else if (sa->state == IKE_SA_STATE_ESTABLISHED)
		ike_sa_close(sa, IKE_ACTION_DEAD, -ETIMEDOUT, 0);
	else
		ike_sa_close(sa, IKE_ACTION_FAILED, -ETIMEDOUT, 0);
}

/* true when the SA is gone */
static bool run_retransmit(struct ike_sa *sa, usec_t now)
{
	if (sa->req.next > now)
		return false;
	if (sa->req.tries >= retrans_tries(sa)) {
		give_up(sa);
		return true;
	}
	sa->req.tries++;
	ike_wire_resend(sa, &sa->req.pkts);
	sa->req.next = now + retrans_delay(sa, sa->req.tries);
	return false;
}

void ike_timers_run(struct ike_sa *sa, usec_t now)
{
	if (run_retransmit(sa, now))
		return;
	if (half_open_deadline(sa) <= now) {
		log_debug("ike %016llx/%016llx: half-open SA timed out",
			  (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r);
		ike_sa_close(sa, IKE_ACTION_FAILED, -ETIMEDOUT, 0);
		return;
	}
	if (sa->frag.active && sa->frag.started + IKE_FRAG_TIMEOUT <= now)
		ike_frag_rx_clear(&sa->frag);
	if (dpd_deadline(sa) <= now && ike_xchg_info_dpd(sa, now) < 0)
		log_debug("ike %016llx: DPD request not sent",
			  (unsigned long long)ike_sa_local_spi(sa));
	if (sa->gone_at <= now) {
		ike_sa_destroy(sa); /* rekeyed away and never deleted by the peer */
		return;
	}
	if (ike_rekey_deadline(sa) <= now) {
		if (ike_xchg_rekey_start(sa, now) < 0)
			sa->ike_rekey_at = USEC_INFINITY; /* a reconnect will replace the SA */
		return;
	}
	if (rekey_deadline(sa) <= now && ike_xchg_child_rekey_start(sa, now) < 0)
		sa->child_rekey_at = USEC_INFINITY; /* a reconnect will replace the SA */
}

/* A refused rekey (TEMPORARY_FAILURE, a collision): again in 10-15 s, jittered so
 * two peers that collided do not collide again (RFC 7296 §2.25). */
void ike_timers_rekey_retry(struct ike_sa *sa, usec_t now, bool ike_sa)
{
	uint32_t jitter = 0;

	if (rng_uniform(sa->ike->rng, 5000, &jitter) < 0)
		jitter = 2500;
	if (ike_sa)
		sa->ike_rekey_at = now + 10 * USEC_PER_SEC + jitter * USEC_PER_MSEC;
	else
		sa->child_rekey_at = now + 10 * USEC_PER_SEC + jitter * USEC_PER_MSEC;
}
