/*
 * ike_msg.c - decoding IKEv2 messages (RFC 7296 §3) into struct ike_msg.
 *
 * Every length is checked by core/buf.h before a field is used, and every count
 * meets its cap from ike_const.h; the result points into the caller's buffer.
 * Tolerated quirks (PROTOCOL.md §9.2): NAT-D notifies with protocol 1, unknown
 * VIDs anywhere, private notifies of any length, CERTREQ where unexpected.
 */
#define LOG_MODULE "ike"
#include "ike/ike_msg.h"

#include <string.h>

#include "core/log.h"
#include "ike/cisco_compat.h"

/*
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       IKE SA Initiator's SPI                  |
 * |                       IKE SA Responder's SPI                  |
 * |  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
 * |                          Message ID                           |
 * |                            Length                             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
int ike_msg_decode_hdr(const uint8_t *p, size_t n, struct ike_hdr *ret)
{
	struct buf_reader rd;
	struct ike_hdr h;
	int r;

	buf_reader_init(&rd, p, n);
	if ((r = buf_get_u64(&rd, &h.spi_i)) < 0 || (r = buf_get_u64(&rd, &h.spi_r)) < 0 ||
	    (r = buf_get_u8(&rd, &h.next_payload)) < 0 || (r = buf_get_u8(&rd, &h.version)) < 0 ||
	    (r = buf_get_u8(&rd, &h.exchange)) < 0 || (r = buf_get_u8(&rd, &h.flags)) < 0 ||
	    (r = buf_get_u32(&rd, &h.msg_id)) < 0 || (r = buf_get_u32(&rd, &h.length)) < 0)
		return r;
	/* RFC 7296 §3.1: a major version other than 2 is not ours */
	if ((h.version & 0xf0) != IKE_VERSION_2)
		return -EBADMSG;
	if (h.length != n || h.length < IKE_HDR_LEN)
		return -EBADMSG;
	*ret = h;
	return 0;
}

/* RFC 7296 §3.2, generic payload header */
struct pld_hdr {
	uint8_t next;
	uint8_t flags;
	uint16_t length;
};

static int get_pld_hdr(struct buf_reader *rd, struct pld_hdr *h, struct buf_reader *ret_body)
{
	int r;

	if ((r = buf_get_u8(rd, &h->next)) < 0 || (r = buf_get_u8(rd, &h->flags)) < 0 ||
	    (r = buf_get_u16(rd, &h->length)) < 0)
		return r;
	return h->length < IKE_PLD_HDR_LEN ? -EBADMSG
					   : buf_get_sub(rd, h->length - IKE_PLD_HDR_LEN, ret_body);
}

static void take_rest(struct buf_reader *rd, struct ike_bytes *ret)
{
	ret->n = buf_left(rd);
	ret->p = ret->n ? buf_cur(rd) : NULL;
	rd->off = rd->len;
}

static int get_bytes(struct buf_reader *rd, size_t n, struct ike_bytes *ret)
{
	int r = buf_get_ptr(rd, n, &ret->p);

	if (r < 0)
		return r;
	ret->n = n;
	return 0;
}

/* RFC 7296 §3.3.2, a transform with its attributes (only Key Length is known) */
static int decode_transform(struct buf_reader *rd, struct ike_transform *t, uint8_t *ret_last)
{
	struct buf_reader body;
	uint8_t last, reserved, reserved2;
	uint16_t len;
	int r;

	if ((r = buf_get_u8(rd, &last)) < 0 || (r = buf_get_u8(rd, &reserved)) < 0 ||
	    (r = buf_get_u16(rd, &len)) < 0)
		return r;
	if (len < 8 || (last != 0 && last != 3))
		return -EBADMSG;
	if ((r = buf_get_sub(rd, len - 4, &body)) < 0)
		return r;
	if ((r = buf_get_u8(&body, &t->type)) < 0 || (r = buf_get_u8(&body, &reserved2)) < 0 ||
	    (r = buf_get_u16(&body, &t->id)) < 0)
		return r;
	t->keylen = 0;
	while (buf_left(&body) > 0) {
		uint16_t atype, aval;

		if ((r = buf_get_u16(&body, &atype)) < 0 || (r = buf_get_u16(&body, &aval)) < 0)
			return r;
		if (!(atype & IKE_ATTR_FORMAT_TV)) {
			/* TLV attribute: none is defined for IKEv2 transforms; skip it */
			if ((r = buf_skip(&body, aval)) < 0)
				return r;
			continue;
		}
		if ((atype & ~IKE_ATTR_FORMAT_TV) == IKE_ATTR_KEY_LENGTH)
			t->keylen = aval;
	}
	*ret_last = last;
	return 0;
}

/* RFC 7296 §3.3.1 */
static int decode_proposal(struct buf_reader *rd, struct ike_proposal *p, uint8_t *ret_last)
{
	struct buf_reader body;
	uint8_t last, reserved, n_t, tlast = 3;
	uint16_t len;
	int r;

	if ((r = buf_get_u8(rd, &last)) < 0 || (r = buf_get_u8(rd, &reserved)) < 0 ||
	    (r = buf_get_u16(rd, &len)) < 0)
		return r;
	if (len < 8 || (last != 0 && last != 2))
		return -EBADMSG;
	if ((r = buf_get_sub(rd, len - 4, &body)) < 0)
		return r;
	if ((r = buf_get_u8(&body, &p->num)) < 0 || (r = buf_get_u8(&body, &p->proto)) < 0 ||
	    (r = buf_get_u8(&body, &p->spi_size)) < 0 || (r = buf_get_u8(&body, &n_t)) < 0)
		return r;
	if (p->spi_size > IKE_SPI_LEN || n_t > IKE_MAX_TRANSFORMS)
		return p->spi_size > IKE_SPI_LEN ? -EBADMSG : -EMSGSIZE;
	if ((r = buf_get_bytes(&body, p->spi, p->spi_size)) < 0)
		return r;
	p->n_transforms = n_t;
	for (uint8_t i = 0; i < n_t; i++) {
		if ((r = decode_transform(&body, &p->t[i], &tlast)) < 0)
			return r;
		if ((tlast == 0) != (i + 1 == n_t))
			return -EBADMSG;
	}
	if (buf_left(&body) != 0)
		return -EBADMSG;
	*ret_last = last;
	return 0;
}

static int decode_sa(struct buf_reader *body, struct ike_sa_pld *sa)
{
	uint8_t last = 2;
	int r;

	sa->n = 0;
	while (buf_left(body) > 0) {
		if (sa->n >= IKE_MAX_PROPOSALS)
			return -EMSGSIZE;
		if ((r = decode_proposal(body, &sa->p[sa->n], &last)) < 0)
			return r;
		/* RFC 7296 §3.3.1: each number one more than the last; a response carries
		 * the single number it chose, so the first is any non-zero value */
		if (sa->p[sa->n].num == 0 ||
		    (sa->n > 0 && sa->p[sa->n].num != sa->p[sa->n - 1].num + 1 &&
		     sa->p[sa->n].num != sa->p[sa->n - 1].num))
			return -EBADMSG;
		sa->n++;
		if (last == 0)
			break;
	}
	return sa->n == 0 || last != 0 || buf_left(body) != 0 ? -EBADMSG : 0;
}

/* RFC 7296 §3.10 */
static int decode_notify(struct buf_reader *body, struct ike_notify *n)
{
	int r;

	if ((r = buf_get_u8(body, &n->proto)) < 0 || (r = buf_get_u8(body, &n->spi_size)) < 0 ||
	    (r = buf_get_u16(body, &n->type)) < 0 ||
	    (r = get_bytes(body, n->spi_size, &n->spi)) < 0)
		return r;
	take_rest(body, &n->data);
	return 0;
}

/* RFC 7296 §3.11 */
static int decode_delete(struct buf_reader *body, struct ike_delete *d)
{
	int r;

	if ((r = buf_get_u8(body, &d->proto)) < 0 || (r = buf_get_u8(body, &d->spi_size)) < 0 ||
	    (r = buf_get_u16(body, &d->n_spis)) < 0)
		return r;
	if (d->n_spis > IKE_MAX_DELETE_SPIS)
		return -EMSGSIZE;
	/* IKE: SPI size 0, no SPIs (the header names the SA); ESP: 4-byte SPIs */
	if ((d->proto == IKE_PROTO_IKE && (d->spi_size != 0 || d->n_spis != 0)) ||
	    (d->proto != IKE_PROTO_IKE && d->spi_size != IKE_ESP_SPI_LEN))
		return -EBADMSG;
	if ((r = get_bytes(body, (size_t)d->n_spis * d->spi_size, &d->spis)) < 0)
		return r;
	return buf_left(body) == 0 ? 0 : -EBADMSG;
}

/* RFC 7296 §3.13.1 */
static int decode_ts(struct buf_reader *body, struct ike_ts_pld *tp)
{
	uint8_t n, reserved[3];
	int r;

	if ((r = buf_get_u8(body, &n)) < 0 || (r = buf_get_bytes(body, reserved, 3)) < 0)
		return r;
	if (n == 0)
		return -EBADMSG;
	if (n > IKE_MAX_TS)
		return -EMSGSIZE;
	for (uint8_t i = 0; i < n; i++) {
		struct ike_ts *ts = &tp->ts[i];
		struct buf_reader sel;
		uint16_t len;
		size_t alen;

		if ((r = buf_get_u8(body, &ts->type)) < 0 ||
		    (r = buf_get_u8(body, &ts->ip_proto)) < 0 || (r = buf_get_u16(body, &len)) < 0)
			return r;
		if (ts->type == IKE_TS_IPV4_ADDR_RANGE)
			alen = 4;
		else if (ts->type == IKE_TS_IPV6_ADDR_RANGE)
			alen = 16;
		else
			return -EBADMSG;
		if (len != 8 + 2 * alen || (r = buf_get_sub(body, len - 4, &sel)) < 0)
			return len != 8 + 2 * alen ? -EBADMSG : r;
		memset(ts->start, 0, sizeof(ts->start));
		memset(ts->end, 0, sizeof(ts->end));
		if ((r = buf_get_u16(&sel, &ts->start_port)) < 0 ||
		    (r = buf_get_u16(&sel, &ts->end_port)) < 0 ||
		    (r = buf_get_bytes(&sel, ts->start, alen)) < 0 ||
		    (r = buf_get_bytes(&sel, ts->end, alen)) < 0)
			return r;
	}
	tp->n = n;
	return buf_left(body) == 0 ? 0 : -EBADMSG;
}

/* RFC 7296 §3.15 */
static int decode_cp(struct buf_reader *body, struct ike_cp_pld *cp)
{
	uint8_t reserved[3];
	int r;

	if ((r = buf_get_u8(body, &cp->cfg_type)) < 0 || (r = buf_get_bytes(body, reserved, 3)) < 0)
		return r;
	cp->n = 0;
	while (buf_left(body) > 0) {
		uint16_t type, len;
		struct ike_cp_attr *a;

		if (cp->n >= IKE_MAX_CP_ATTRS)
			return -EMSGSIZE;
		a = &cp->a[cp->n];
		if ((r = buf_get_u16(body, &type)) < 0 || (r = buf_get_u16(body, &len)) < 0 ||
		    (r = get_bytes(body, len, &a->value)) < 0)
			return r;
		a->type = type & 0x7fff;
		cp->n++;
	}
	return 0;
}

/* RFC 7296 §3.5: IDi/IDr, remembering the whole body for the AUTH octets */
static int decode_id(struct buf_reader *body, struct ike_id_pld *id)
{
	uint8_t reserved[3];
	int r;

	id->body.p = buf_cur(body);
	id->body.n = buf_left(body);
	if ((r = buf_get_u8(body, &id->type)) < 0 || (r = buf_get_bytes(body, reserved, 3)) < 0)
		return r;
	take_rest(body, &id->data);
	return id->data.n == 0 || id->data.n > IKE_ID_MAX ? -EBADMSG : 0;
}

static int decode_ke(struct buf_reader *body, struct ike_msg *m)
{
	uint16_t reserved;
	int r;

	if ((r = buf_get_u16(body, &m->ke.group)) < 0 || (r = buf_get_u16(body, &reserved)) < 0)
		return r;
	take_rest(body, &m->ke.data);
	return m->ke.data.n == 0 || m->ke.data.n > IKE_KE_MAX ? -EBADMSG : 0;
}

static int decode_auth(struct buf_reader *body, struct ike_msg *m)
{
	uint8_t reserved[3];
	int r;

	if ((r = buf_get_u8(body, &m->auth.method)) < 0 ||
	    (r = buf_get_bytes(body, reserved, 3)) < 0)
		return r;
	take_rest(body, &m->auth.data);
	return m->auth.data.n == 0 || m->auth.data.n > IKE_AUTH_DATA_MAX ? -EBADMSG : 0;
}

static int decode_cert(struct buf_reader *body, struct ike_msg *m)
{
	uint8_t enc;
	int r;

	if ((r = buf_get_u8(body, &enc)) < 0)
		return r;
	if (buf_left(body) == 0)
		return -EBADMSG;
	/* only X.509 signature certificates are used (PROTOCOL.md §1.4); others are ignored */
	if (enc != IKE_CERT_X509_SIGNATURE)
		return 0;
	if (m->n_certs >= IKE_MAX_CERTS)
		return -EMSGSIZE;
	take_rest(body, &m->certs[m->n_certs++]);
	return 0;
}

static int set_once(struct ike_msg *m, uint32_t bit)
{
	/* RFC 7296 §2.21: each of these may appear once per message */
	if (m->has & bit)
		return -EBADMSG;
	m->has |= bit;
	return 0;
}

static int decode_simple(struct ike_msg *m, uint8_t type, struct buf_reader *body)
{
	int r;

	switch (type) {
	case IKE_PLD_SA:
		return (r = set_once(m, IKE_HAS_SA)) < 0 ? r : decode_sa(body, &m->sa);
	case IKE_PLD_KE:
		return (r = set_once(m, IKE_HAS_KE)) < 0 ? r : decode_ke(body, m);
	case IKE_PLD_NONCE:
		if ((r = set_once(m, IKE_HAS_NONCE)) < 0)
			return r;
		take_rest(body, &m->nonce);
		return m->nonce.n < IKE_NONCE_MIN || m->nonce.n > IKE_NONCE_MAX ? -EBADMSG : 0;
	case IKE_PLD_IDI:
		return (r = set_once(m, IKE_HAS_IDI)) < 0 ? r : decode_id(body, &m->idi);
	case IKE_PLD_IDR:
		return (r = set_once(m, IKE_HAS_IDR)) < 0 ? r : decode_id(body, &m->idr);
	case IKE_PLD_AUTH:
		return (r = set_once(m, IKE_HAS_AUTH)) < 0 ? r : decode_auth(body, m);
	case IKE_PLD_TSI:
		return (r = set_once(m, IKE_HAS_TSI)) < 0 ? r : decode_ts(body, &m->tsi);
	case IKE_PLD_TSR:
		return (r = set_once(m, IKE_HAS_TSR)) < 0 ? r : decode_ts(body, &m->tsr);
	case IKE_PLD_CP:
		return (r = set_once(m, IKE_HAS_CP)) < 0 ? r : decode_cp(body, &m->cp);
	case IKE_PLD_EAP:
		if ((r = set_once(m, IKE_HAS_EAP)) < 0)
			return r;
		take_rest(body, &m->eap);
		return m->eap.n < 4 || m->eap.n > IKE_EAP_MAX ? -EBADMSG : 0;
	default:
		return -ENOENT;
	}
}

static int decode_listed(struct ike_msg *m, uint8_t type, struct buf_reader *body)
{
	switch (type) {
	case IKE_PLD_NOTIFY:
		if (m->n_notifies >= IKE_MAX_NOTIFIES)
			return -EMSGSIZE;
		return decode_notify(body, &m->notifies[m->n_notifies++]);
	case IKE_PLD_DELETE:
		if (m->n_deletes >= IKE_MAX_NOTIFIES)
			return -EMSGSIZE;
		return decode_delete(body, &m->deletes[m->n_deletes++]);
	case IKE_PLD_VENDOR:
		/* beyond the cap, VIDs are ignored rather than fatal: they carry no obligation */
		if (m->n_vids < IKE_MAX_VENDOR_IDS)
			take_rest(body, &m->vids[m->n_vids++]);
		return 0;
	case IKE_PLD_CERT:
		return decode_cert(body, m);
	case IKE_PLD_CERTREQ:
		/* PROTOCOL.md §9.2: accepted and ignored */
		m->has |= IKE_HAS_CERTREQ;
		return 0;
	default:
		return -ENOENT;
	}
}

/* RFC 7296 §3.14: the SK payload's body runs to the end of the message */
static int decode_sk(struct ike_msg *m, const struct pld_hdr *h, struct buf_reader *rd,
		     struct buf_reader *body, size_t body_off)
{
	m->sk.next = h->next;
	m->sk.aad_len = body_off;
	m->sk.msg_len = body_off + buf_left(body);
	m->has |= IKE_HAS_SK;
	return buf_left(rd) == 0 && buf_left(body) > 0 ? 0 : -EBADMSG;
}

/* RFC 7383 §2.5 */
static int decode_skf(struct ike_msg *m, const struct pld_hdr *h, struct buf_reader *rd,
		      struct buf_reader *body, size_t body_off)
{
	int r;

	if ((r = buf_get_u16(body, &m->sk.frag_num)) < 0 ||
	    (r = buf_get_u16(body, &m->sk.frag_total)) < 0)
		return r;
	if (m->sk.frag_num == 0 || m->sk.frag_num > m->sk.frag_total)
		return -EBADMSG;
	if (m->sk.frag_total > IKE_MAX_FRAGMENTS)
		return -EMSGSIZE;
	m->sk.next = h->next;
	m->sk.aad_len = body_off + 4;
	m->sk.msg_len = body_off + 4 + buf_left(body);
	m->has |= IKE_HAS_SKF;
	return buf_left(rd) == 0 && buf_left(body) > 0 ? 0 : -EBADMSG;
}

/* PROTOCOL.md §10: Cisco fragment */
static int decode_cisco_frag(struct ike_msg *m, struct buf_reader *rd, struct buf_reader *body)
{
	struct ike_cisco_frag *f = &m->cisco_frag;
	int r;

	if ((r = buf_get_u16(body, &f->frag_id)) < 0 || (r = buf_get_u8(body, &f->num)) < 0 ||
	    (r = buf_get_u8(body, &f->flags)) < 0)
		return r;
	take_rest(body, &f->chunk);
	m->has |= IKE_HAS_CISCO_FRAG;
	if (f->num == 0 || f->num > IKE_MAX_FRAGMENTS)
		return f->num == 0 ? -EBADMSG : -EMSGSIZE;
	return buf_left(rd) == 0 && f->chunk.n > 0 ? 0 : -EBADMSG;
}

static int decode_chain(struct ike_msg *m, uint8_t type, struct buf_reader *rd, size_t base)
{
	int r;

	while (type != IKE_PLD_NONE) {
		struct pld_hdr h;
		struct buf_reader body;
		size_t body_off;

		if (++m->n_payloads > IKE_MAX_PAYLOADS)
			return -EMSGSIZE;
		if ((r = get_pld_hdr(rd, &h, &body)) < 0)
			return r;
		body_off = base + rd->off - buf_left(&body);
		if (type == IKE_PLD_SK)
			return decode_sk(m, &h, rd, &body, body_off);
		if (type == IKE_PLD_SKF)
			return decode_skf(m, &h, rd, &body, body_off);
		if (type == CISCO_PLD_FRAGMENT)
			return decode_cisco_frag(m, rd, &body);
		r = decode_simple(m, type, &body);
		if (r == -ENOENT)
			r = decode_listed(m, type, &body);
		if (r == -ENOENT) {
			/* RFC 7296 §2.5: unknown non-critical payloads are skipped */
			if ((h.flags & IKE_PLD_FLAG_CRITICAL) && !m->unsupported_critical)
				m->unsupported_critical = type;
			r = 0;
		}
		if (r < 0)
			return r;
		type = h.next;
	}
	return buf_left(rd) == 0 ? 0 : -EBADMSG;
}

int ike_msg_decode(const uint8_t *p, size_t n, struct ike_msg *ret)
{
	struct buf_reader rd;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (n > IKE_MSG_MAX)
		return -EMSGSIZE;
	if ((r = ike_msg_decode_hdr(p, n, &ret->hdr)) < 0)
		return r;
	buf_reader_init(&rd, p + IKE_HDR_LEN, n - IKE_HDR_LEN);
	return decode_chain(ret, ret->hdr.next_payload, &rd, IKE_HDR_LEN);
}

int ike_msg_decode_inner(struct ike_msg *msg, uint8_t first, const uint8_t *p, size_t n)
{
	struct buf_reader rd;

	if (first == IKE_PLD_SK || first == IKE_PLD_SKF || first == CISCO_PLD_FRAGMENT)
		return -EBADMSG; /* no nesting */
	buf_reader_init(&rd, p, n);
	return decode_chain(msg, first, &rd, 0);
}

const struct ike_notify *ike_msg_notify(const struct ike_msg *msg, uint16_t type)
{
	for (uint8_t i = 0; i < msg->n_notifies; i++)
		if (msg->notifies[i].type == type)
			return &msg->notifies[i];
	return NULL;
}

const struct ike_notify *ike_msg_error_notify(const struct ike_msg *msg)
{
	for (uint8_t i = 0; i < msg->n_notifies; i++)
		if (msg->notifies[i].type >= 1 && msg->notifies[i].type <= IKE_N_ERROR_MAX)
			return &msg->notifies[i];
	return NULL;
}
