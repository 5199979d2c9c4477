/*
 * ike_wire.c - messages on the wire for an IKE SA: SK protection, fragmentation
 * (RFC 7383 and the Cisco method, PROTOCOL.md §10), message-ID windows and the
 * reply cache (RFC 7296 §2.1-2.3), and the input path that decodes, checks,
 * reassembles, decrypts and dispatches each datagram.
 */
#define LOG_MODULE "ike"
#include "ike/ike_sa.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "ike/cisco_compat.h"

void ike_wire_emit(struct ike *ike, uint64_t sa_spi, const struct ike_dgram *path, bool marker,
		   const uint8_t *p, size_t n)
{
	struct ike_action *a = ike_push_action(ike, IKE_ACTION_SEND, sa_spi);

	a->send.path = *path;
	a->send.non_esp_marker = marker;
	a->send.data = xmemdup(p, n);
	a->send.len = n;
}

void ike_wire_resend(struct ike_sa *sa, const struct ike_pkts *pk)
{
	for (uint8_t i = 0; i < pk->count; i++) {
		ike_wire_emit(sa->ike, ike_sa_local_spi(sa), &sa->path, sa->natt, pk->p[i],
			      pk->n[i]);
		sa->tx_packets++;
	}
}

static uint8_t hdr_flags(const struct ike_sa *sa, bool response)
{
	/* RFC 7296 §3.1: I marks the original initiator, R a response */
	return (uint8_t)((sa->role == IKE_ROLE_INITIATOR ? IKE_FLAG_INITIATOR : 0) |
			 (response ? IKE_FLAG_RESPONSE : 0));
}

/* Header plus the SK/SKF payload header, with final lengths; the body is zeroed. */
static uint8_t *frame(const struct ike_sa *sa, uint8_t exchange, uint32_t msg_id, bool response,
		      uint8_t pld, uint8_t next, const uint16_t *frag, size_t body_len,
		      size_t *ret_len)
{
	struct ike_hdr h = {.spi_i = sa->spi_i,
			    .spi_r = sa->spi_r,
			    .next_payload = pld,
			    .version = IKE_VERSION_2,
			    .exchange = exchange,
			    .flags = hdr_flags(sa, response),
			    .msg_id = msg_id};
	size_t pld_len = IKE_PLD_HDR_LEN + (frag ? 4 : 0) + body_len;
	struct buf_writer wr;

	buf_writer_init(&wr);
	(void)buf_put_u64(&wr, h.spi_i);
	(void)buf_put_u64(&wr, h.spi_r);
	(void)buf_put_u8(&wr, pld);
	(void)buf_put_u8(&wr, h.version);
	(void)buf_put_u8(&wr, exchange);
	(void)buf_put_u8(&wr, h.flags);
	(void)buf_put_u32(&wr, msg_id);
	(void)buf_put_u32(&wr, (uint32_t)(IKE_HDR_LEN + pld_len));
	(void)buf_put_u8(&wr, next);
	(void)buf_put_u8(&wr, 0);
	(void)buf_put_u16(&wr, (uint16_t)pld_len);
	if (frag) {
		(void)buf_put_u16(&wr, frag[0]);
		(void)buf_put_u16(&wr, frag[1]);
	}
	(void)buf_put_zero(&wr, body_len);
	return buf_writer_steal(&wr, ret_len);
}

static int seal(struct ike_sa *sa, uint8_t exchange, uint32_t msg_id, bool response, uint8_t pld,
		uint8_t next, const uint16_t *frag, const uint8_t *plain, size_t plain_len,
		struct ike_pkts *out)
{
	size_t body = ike_sk_body_len(&sa->sk_out, plain_len), len;
	size_t aad = IKE_HDR_LEN + IKE_PLD_HDR_LEN + (frag ? 4 : 0);
	uint8_t *msg;
	int r;

	if (aad + body > IKE_MSG_MAX || out->count >= IKE_MAX_FRAGMENTS)
		return -EMSGSIZE;
	msg = frame(sa, exchange, msg_id, response, pld, next, frag, body, &len);
	if ((r = ike_sk_encrypt(&sa->sk_out, sa->ike->rng, msg, aad, len, plain, plain_len)) < 0) {
		free(msg);
		return r;
	}
	out->p[out->count] = msg;
	out->n[out->count++] = len;
	return 0;
}

/* What of the datagram limit is left for the IKE message (IP, UDP, marker). */
static size_t room(const struct ike_sa *sa)
{
	size_t mtu =
		sa->ike->role == IKE_ROLE_INITIATOR ? sa->icfg.frag_mtu : sa->ike->rcfg.frag_mtu;
	size_t over = (sa->path.remote.family == AF_INET6 ? 40 : 20) + 8 + (sa->natt ? 4 : 0);

	return mtu > over + 256 ? mtu - over : 256;
}

/* RFC 7383 §2.5: each fragment carries its share of the plaintext, sealed on its own. */
static int seal_skf(struct ike_sa *sa, uint8_t exchange, uint32_t msg_id, bool response,
		    uint8_t first, const uint8_t *plain, size_t plain_len, struct ike_pkts *out)
{
	size_t avail = room(sa) - IKE_HDR_LEN - 8, chunk = avail, total;
	int r;

	while (chunk > 1 && ike_sk_body_len(&sa->sk_out, chunk) > avail)
		chunk--;
	total = (plain_len + chunk - 1) / chunk;
	if (total > IKE_MAX_FRAGMENTS)
		return -EMSGSIZE;
	for (size_t i = 0; i < total; i++) {
		uint16_t frag[2] = {(uint16_t)(i + 1), (uint16_t)total};
		size_t off = i * chunk, n = plain_len - off < chunk ? plain_len - off : chunk;

		if ((r = seal(sa, exchange, msg_id, response, IKE_PLD_SKF, i == 0 ? first : 0, frag,
			      plain + off, n, out)) < 0)
			return r;
	}
	return 0;
}

/* PROTOCOL.md §10: the whole sealed message cut into chunks behind payload 132. */
static int cut_cisco(struct ike_sa *sa, uint8_t exchange, uint32_t msg_id, bool response,
		     const uint8_t *whole, size_t whole_len, struct ike_pkts *out)
{
	size_t chunk = room(sa) - IKE_HDR_LEN - CISCO_FRAG_HDR_LEN;
	size_t total = (whole_len + chunk - 1) / chunk;
	uint16_t id = ++sa->cisco_frag_id;

	if (total > IKE_MAX_FRAGMENTS)
		return -EMSGSIZE;
	for (size_t i = 0; i < total; i++) {
		size_t off = i * chunk, n = whole_len - off < chunk ? whole_len - off : chunk, len;
		uint8_t *d = frame(sa, exchange, msg_id, response, CISCO_PLD_FRAGMENT, 0, NULL,
				   4 + n, &len);

		/* the 4 bytes after the generic header: Fragment ID, Number, Flags */
		be16_store(d + IKE_HDR_LEN + 4, id);
		d[IKE_HDR_LEN + 6] = (uint8_t)(i + 1);
		d[IKE_HDR_LEN + 7] = i + 1 == total ? CISCO_FRAG_FLAG_LAST : 0;
		memcpy(d + IKE_HDR_LEN + 8, whole + off, n);
		out->p[out->count] = d;
		out->n[out->count++] = len;
	}
	return 0;
}

/* Seals one message into datagrams, fragmented per the peer's announcement (§10). */
static int protect(struct ike_sa *sa, uint8_t exchange, uint32_t msg_id, bool response,
		   struct ike_msg_build *inner, struct ike_pkts *out)
{
	uint8_t *plain = NULL;
	size_t plain_len = 0;
	uint8_t first = inner->first;
	struct ike_pkts whole = {0};
	int r;

	inner->wr.sensitive = true;
	if ((r = ike_msg_build_finish(inner, &plain, &plain_len)) < 0)
		return r;
	memset(out, 0, sizeof(*out));
	if (!plain) /* an empty SK{} (DPD): the sealer wants a pointer even for 0 bytes */
		plain = xcalloc(1, 1);
	if ((r = seal(sa, exchange, msg_id, response, IKE_PLD_SK, first, NULL, plain, plain_len,
		      &whole)) < 0)
		goto out;
	if (whole.n[0] <= room(sa) || (!sa->peer_frag_rfc && !sa->peer_frag_cisco)) {
		*out = whole;
		memset(&whole, 0, sizeof(whole));
	} else if (sa->peer_frag_rfc) {
		r = seal_skf(sa, exchange, msg_id, response, first, plain, plain_len, out);
	} else {
		r = cut_cisco(sa, exchange, msg_id, response, whole.p[0], whole.n[0], out);
	}
	if (r < 0)
		ike_pkts_clear(out);
out:
	ike_pkts_clear(&whole);
	secret_wipe(plain, plain_len);
	free(plain);
	return r;
}

int ike_wire_send_request(struct ike_sa *sa, enum ike_req_kind kind, uint8_t exchange,
			  struct ike_msg_build *inner, usec_t now)
{
	int r;

	if (sa->req.kind != IKE_REQ_NONE)
		return -EBUSY; /* window 1: one request of ours at a time */
	ike_pkts_clear(&sa->req.pkts);
	if ((r = protect(sa, exchange, sa->next_req_id, false, inner, &sa->req.pkts)) < 0)
		return r;
	sa->req.kind = kind;
	sa->req.msg_id = sa->next_req_id++;
	sa->req.tries = 0;
	ike_wire_resend(sa, &sa->req.pkts);
	ike_timers_request_sent(sa, now);
	return 0;
}

int ike_wire_send_plain_request(struct ike_sa *sa, uint8_t *msg, size_t len, usec_t now)
{
	ike_pkts_clear(&sa->req.pkts);
	sa->req.pkts.p[0] = msg;
	sa->req.pkts.n[0] = len;
	sa->req.pkts.count = 1;
	sa->req.kind = IKE_REQ_SA_INIT;
	sa->req.msg_id = 0;
	sa->req.tries = 0;
	ike_wire_resend(sa, &sa->req.pkts);
	ike_timers_request_sent(sa, now);
	return 0;
}

int ike_wire_send_response(struct ike_sa *sa, uint8_t exchange, uint32_t msg_id,
			   struct ike_msg_build *inner)
{
	struct ike_pkts out;
	int r;

	if ((r = protect(sa, exchange, msg_id, true, inner, &out)) < 0)
		return r;
	ike_pkts_clear(&sa->reply);
	sa->reply = out;
	sa->reply_id = msg_id;
	sa->reply_valid = true;
	ike_wire_resend(sa, &sa->reply);
	return 0;
}

void ike_wire_send_plain_response(struct ike *ike, const struct ike_dgram *dgram, uint8_t *msg,
				  size_t len, bool marker)
{
	ike_wire_emit(ike, 0, dgram, marker, msg, len);
	free(msg);
}

/* --- input ---------------------------------------------------------------- */

static void drop(struct ike *ike, const char *why, int r)
{
	ike->dropped++;
	log_debug_ratelimited("dropped datagram: %s: %s", why, err_str(r));
}

static bool frag_complete(const struct ike_frag_rx *f)
{
	if (f->total == 0)
		return false;
	for (uint16_t i = 1; i <= f->total; i++)
		if (!f->part[i])
			return false;
	return true;
}

static uint8_t *frag_join(struct ike_frag_rx *f, size_t *ret_len)
{
	uint8_t *all = xmalloc(f->bytes ? f->bytes : 1);
	size_t off = 0;

	for (uint16_t i = 1; i <= f->total; i++) {
		memcpy(all + off, f->part[i], f->part_len[i]);
		off += f->part_len[i];
	}
	*ret_len = off;
	return all;
}

/* Stores one fragment; 1 when the message is complete, 0 when more are due. */
static int frag_store(struct ike_sa *sa, bool cisco, uint32_t msg_id, uint16_t id, uint16_t num,
		      uint16_t total, uint8_t *data, size_t len, usec_t now)
{
	struct ike_frag_rx *f = &sa->frag;

	if (f->active && (f->msg_id != msg_id || f->cisco != cisco || (cisco && f->frag_id != id)))
		ike_frag_rx_clear(f); /* a newer message replaces an incomplete set (§10) */
	if (!f->active) {
		f->active = true;
		f->cisco = cisco;
		f->msg_id = msg_id;
		f->frag_id = id;
		f->started = now;
	}
	if (num > IKE_MAX_FRAGMENTS || (f->total && total && f->total != total) || f->part[num] ||
	    f->bytes + len > IKE_MSG_MAX) {
		free(data);
		return f->part[num] ? 0 : -EBADMSG;
	}
	if (total)
		f->total = total;
	f->part[num] = data;
	f->part_len[num] = len;
	f->bytes += len;
	return frag_complete(f) ? 1 : 0;
}

static int input_msg(struct ike *ike, usec_t now, const struct ike_dgram *dgram, const uint8_t *p,
		     size_t n, bool reassembled);

/* RFC 7383 §2.6.2: each fragment is checked and decrypted alone, then joined. */
static int open_skf(struct ike_sa *sa, struct ike_msg *m, const uint8_t *p, usec_t now,
		    uint8_t **ret_plain, size_t *ret_len, uint8_t *ret_first)
{
	uint8_t *plain;
	size_t len;
	int r;

	if ((r = ike_sk_decrypt(&sa->sk_in, p, m->sk.aad_len, m->sk.msg_len, &plain, &len)) < 0)
		return r;
	if (m->sk.frag_num == 1)
		sa->frag.first_next = m->sk.next;
	r = frag_store(sa, false, m->hdr.msg_id, 0, m->sk.frag_num, m->sk.frag_total, plain, len,
		       now);
	if (r <= 0)
		return r == 0 ? -EINPROGRESS : r;
	*ret_first = sa->frag.first_next;
	*ret_plain = frag_join(&sa->frag, ret_len);
	ike_frag_rx_clear(&sa->frag);
	return 0;
}

static bool request_is_retransmit(struct ike_sa *sa, const struct ike_msg *m)
{
	if (!sa->reply_valid || m->hdr.msg_id != sa->reply_id ||
	    m->hdr.msg_id + 1 != sa->peer_req_id)
		return false;
	/* RFC 7383 §2.6.1: answer a fragmented retransmission once, on its first fragment */
	return !(m->has & IKE_HAS_SKF) || m->sk.frag_num == 1;
}

/* Window checks (RFC 7296 §2.3); 1 = go on, 0 = handled or dropped. */
static int check_window(struct ike_sa *sa, const struct ike_msg *m, const struct ike_dgram *dgram)
{
	if (m->hdr.flags & IKE_FLAG_RESPONSE) {
		if (sa->req.kind == IKE_REQ_NONE || m->hdr.msg_id != sa->req.msg_id)
			return 0;
		return 1;
	}
	if (request_is_retransmit(sa, m)) {
		log_debug("ike %016llx/%016llx: retransmitted request %u, resending the reply",
			  (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
			  m->hdr.msg_id);
		ike_wire_resend(sa, &sa->reply);
		return 0;
	}
	return m->hdr.msg_id == sa->peer_req_id ? 1 : 0;
}

static int dispatch(struct ike_sa *sa, struct ike_msg *m, usec_t now)
{
	bool response = m->hdr.flags & IKE_FLAG_RESPONSE;

	if (response) {
		ike_timers_request_answered(sa);
		if (m->hdr.exchange == IKE_EXCHANGE_AUTH)
			return ike_xchg_auth_process_response(sa, m, now);
		if (m->hdr.exchange == IKE_EXCHANGE_INFORMATIONAL)
			return ike_xchg_info_process_response(sa, m, now);
		if (m->hdr.exchange == IKE_EXCHANGE_CREATE_CHILD_SA &&
		    sa->last_answered == IKE_REQ_IKE_REKEY)
			return ike_xchg_rekey_process_response(sa, m, now);
		if (m->hdr.exchange == IKE_EXCHANGE_CREATE_CHILD_SA)
			return ike_xchg_child_process_response(sa, m, now);
		return -EPROTO;
	}
	sa->peer_req_id++;
	if (m->unsupported_critical) {
		/* RFC 7296 §2.5: refuse the request, naming the payload type */
		struct ike_msg_build b;
		uint8_t type = (uint8_t)m->unsupported_critical;
		int r;

		ike_msg_build_init_inner(&b);
		(void)ike_msg_build_notify(&b, 0, NULL, 0, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD,
					   &type, 1);
		r = ike_wire_send_response(sa, m->hdr.exchange, m->hdr.msg_id, &b);
		ike_msg_build_done(&b);
		return r;
	}
	if (m->hdr.exchange == IKE_EXCHANGE_AUTH)
		return ike_xchg_auth_process_request(sa, m, now);
	if (m->hdr.exchange == IKE_EXCHANGE_INFORMATIONAL)
		return ike_xchg_info_process_request(sa, m, now);
	if (m->hdr.exchange == IKE_EXCHANGE_CREATE_CHILD_SA && ike_xchg_rekey_is_ike(m))
		return ike_xchg_rekey_process_request(sa, m, now);
	if (m->hdr.exchange == IKE_EXCHANGE_CREATE_CHILD_SA)
		return ike_xchg_child_process_request(sa, m, now);
	return -EPROTO;
}

/* A datagram for an existing SA: window, decrypt (reassemble), dispatch. */
static int input_sa(struct ike_sa *sa, usec_t now, const struct ike_dgram *dgram, struct ike_msg *m,
		    const uint8_t *p)
{
	uint8_t *plain = NULL, first = m->sk.next;
	size_t len = 0;
	int r;

	if (!(m->has & (IKE_HAS_SK | IKE_HAS_SKF)) || !sa->sk_in.encr)
		return -EPROTO; /* RFC 7296 §2.21: after IKE_SA_INIT everything is protected */
	if (check_window(sa, m, dgram) == 0)
		return 0;
	if (m->has & IKE_HAS_SKF)
		r = open_skf(sa, m, p, now, &plain, &len, &first);
	else
		r = ike_sk_decrypt(&sa->sk_in, p, m->sk.aad_len, m->sk.msg_len, &plain, &len);
	if (r == -EINPROGRESS)
		return 0;
	if (r < 0)
		return r;
	r = ike_msg_decode_inner(m, first, plain, len);
	if (r == 0) {
		sa->rx_packets++;
		ike_timers_rx(sa, now);
		/* RFC 7296 §2.23: follow the peer to the source of its latest authenticated request
		 */
		if (sa->ike->role == IKE_ROLE_RESPONDER && !(m->hdr.flags & IKE_FLAG_RESPONSE)) {
			sa->path = *dgram;
			sa->natt = dgram->local.port == IKE_NATT_PORT;
		}
		r = dispatch(sa, m, now);
	}
	secret_wipe(plain, len);
	free(plain);
	return r;
}

static int input_cisco(struct ike *ike, struct ike_sa *sa, usec_t now,
		       const struct ike_dgram *dgram, const struct ike_msg *m)
{
	const struct ike_cisco_frag *f = &m->cisco_frag;
	uint8_t *all;
	size_t len;
	int r;

	r = frag_store(sa, true, m->hdr.msg_id, f->frag_id, f->num,
		       (f->flags & CISCO_FRAG_FLAG_LAST) ? f->num : 0,
		       xmemdup(f->chunk.p, f->chunk.n), f->chunk.n, now);
	if (r <= 0)
		return r;
	all = frag_join(&sa->frag, &len);
	ike_frag_rx_clear(&sa->frag);
	/* only now are the joined message's header and ICV checked (§10) */
	r = input_msg(ike, now, dgram, all, len, true);
	free(all);
	return r;
}

/* Both SPIs name the SA: after an IKE rekey either side may be our local one (§2.18). */
static struct ike_sa *lookup(struct ike *ike, const struct ike_hdr *h)
{
	for (struct ike_sa *sa = ike->sas; sa; sa = sa->next)
		if (sa->spi_i == h->spi_i && sa->spi_r == h->spi_r && sa->spi_r != 0)
			return sa;
	return NULL;
}

static int input_msg(struct ike *ike, usec_t now, const struct ike_dgram *dgram, const uint8_t *p,
		     size_t n, bool reassembled)
{
	struct ike_msg *m = xmalloc(sizeof(*m));
	struct ike_sa *sa;
	int r;

	if ((r = ike_msg_decode(p, n, m)) < 0)
		goto out;
	if (m->hdr.exchange == IKE_EXCHANGE_SA_INIT) {
		if (ike->role == IKE_ROLE_RESPONDER && !(m->hdr.flags & IKE_FLAG_RESPONSE))
			r = ike_xchg_init_process_request(ike, dgram, m, p, n, now);
		else if (ike->role == IKE_ROLE_INITIATOR && (m->hdr.flags & IKE_FLAG_RESPONSE) &&
			 (sa = ike_sa_find(ike, m->hdr.spi_i)))
			r = ike_xchg_init_process_response(sa, m, p, n, now);
		else
			r = -EPROTO;
		goto out;
	}
	sa = lookup(ike, &m->hdr);
	if (!sa) {
		r = -ENOENT;
		goto out;
	}
	if (m->has & IKE_HAS_CISCO_FRAG)
		r = reassembled ? -EBADMSG : input_cisco(ike, sa, now, dgram, m);
	else
		r = input_sa(sa, now, dgram, m, p);
out:
	free(m);
	return r;
}

int ike_wire_input(struct ike *ike, usec_t now, const struct ike_dgram *dgram, const uint8_t *p,
		   size_t n)
{
	int r = input_msg(ike, now, dgram, p, n, false);

	if (r < 0)
		drop(ike, "bad or unexpected IKE message", r);
	return 0;
}
