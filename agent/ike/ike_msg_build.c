/*
 * ike_msg_build.c - encoding IKEv2 payloads (RFC 7296 §3). Each payload is
 * appended with its generic header; the previous item's Next Payload byte (the
 * header's, or the last payload's) is patched to name it, and the lengths are
 * patched once the body is written. Writer errors are sticky, so callers may
 * check once, at ike_msg_build_finish().
 */
#include "ike/ike_msg.h"

#include <stdlib.h>
#include <string.h>

void ike_msg_build_init_inner(struct ike_msg_build *b)
{
	buf_writer_init(&b->wr);
	b->next_off = SIZE_MAX;
	b->first = IKE_PLD_NONE;
	b->has_hdr = false;
}

void ike_msg_build_init(struct ike_msg_build *b, const struct ike_hdr *hdr)
{
	ike_msg_build_init_inner(b);
	b->has_hdr = true;
	(void)buf_put_u64(&b->wr, hdr->spi_i);
	(void)buf_put_u64(&b->wr, hdr->spi_r);
	b->next_off = buf_mark(&b->wr);
	(void)buf_put_u8(&b->wr, IKE_PLD_NONE);
	(void)buf_put_u8(&b->wr, hdr->version ? hdr->version : IKE_VERSION_2);
	(void)buf_put_u8(&b->wr, hdr->exchange);
	(void)buf_put_u8(&b->wr, hdr->flags);
	(void)buf_put_u32(&b->wr, hdr->msg_id);
	(void)buf_put_u32(&b->wr, 0);
}

void ike_msg_build_done(struct ike_msg_build *b)
{
	buf_writer_done(&b->wr);
}

int ike_msg_build_finish(struct ike_msg_build *b, uint8_t **ret, size_t *ret_len)
{
	int r = buf_writer_error(&b->wr);

	if (r < 0)
		return r;
	if (b->has_hdr) {
		if (b->wr.len > IKE_MSG_MAX)
			return -EMSGSIZE;
		if ((r = buf_patch_u32(&b->wr, 24, (uint32_t)b->wr.len)) < 0)
			return r;
	}
	*ret = buf_writer_steal(&b->wr, ret_len);
	return 0;
}

/* Links the new payload in and writes its header; *ret_mark is its start. */
static int pld_begin(struct ike_msg_build *b, uint8_t type, size_t *ret_mark)
{
	int r;

	if ((r = buf_writer_error(&b->wr)) < 0)
		return r;
	if (b->next_off == SIZE_MAX)
		b->first = type;
	else
		b->wr.data[b->next_off] = type; /* inside the writer: written by us before */
	*ret_mark = buf_mark(&b->wr);
	b->next_off = *ret_mark;
	(void)buf_put_u8(&b->wr, IKE_PLD_NONE);
	(void)buf_put_u8(&b->wr, 0);
	return buf_put_u16(&b->wr, 0);
}

static int pld_end(struct ike_msg_build *b, size_t mark)
{
	size_t len;
	int r = buf_writer_error(&b->wr);

	if (r < 0)
		return r;
	len = b->wr.len - mark;
	if (len > UINT16_MAX)
		return b->wr.error = -EMSGSIZE;
	return buf_patch_u16(&b->wr, mark + 2, (uint16_t)len);
}

int ike_msg_build_raw(struct ike_msg_build *b, uint8_t type, const void *body, size_t n)
{
	size_t mark;
	int r;

	if ((r = pld_begin(b, type, &mark)) < 0)
		return r;
	(void)buf_put_bytes(&b->wr, body, n);
	return pld_end(b, mark);
}

/* RFC 7296 §3.3.2 */
static void put_transform(struct buf_writer *wr, const struct ike_transform *t, bool last)
{
	uint16_t len = t->keylen ? 12 : 8;

	(void)buf_put_u8(wr, last ? 0 : 3);
	(void)buf_put_u8(wr, 0);
	(void)buf_put_u16(wr, len);
	(void)buf_put_u8(wr, t->type);
	(void)buf_put_u8(wr, 0);
	(void)buf_put_u16(wr, t->id);
	if (t->keylen) {
		(void)buf_put_u16(wr, IKE_ATTR_FORMAT_TV | IKE_ATTR_KEY_LENGTH);
		(void)buf_put_u16(wr, t->keylen);
	}
}

/* RFC 7296 §3.3.1 */
static int put_proposal(struct buf_writer *wr, const struct ike_proposal *p, bool last)
{
	size_t mark = buf_mark(wr);
	size_t len;

	(void)buf_put_u8(wr, last ? 0 : 2);
	(void)buf_put_u8(wr, 0);
	(void)buf_put_u16(wr, 0);
	(void)buf_put_u8(wr, p->num);
	(void)buf_put_u8(wr, p->proto);
	(void)buf_put_u8(wr, p->spi_size);
	(void)buf_put_u8(wr, p->n_transforms);
	(void)buf_put_bytes(wr, p->spi, p->spi_size);
	for (uint8_t i = 0; i < p->n_transforms; i++)
		put_transform(wr, &p->t[i], i + 1 == p->n_transforms);
	if (buf_writer_error(wr) < 0)
		return buf_writer_error(wr);
	len = wr->len - mark;
	return len > UINT16_MAX ? -EMSGSIZE : buf_patch_u16(wr, mark + 2, (uint16_t)len);
}

int ike_msg_build_sa(struct ike_msg_build *b, const struct ike_proposal *p, size_t n)
{
	size_t mark;
	int r;

	if (n == 0 || n > IKE_MAX_PROPOSALS)
		return -EINVAL;
	if ((r = pld_begin(b, IKE_PLD_SA, &mark)) < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if ((r = put_proposal(&b->wr, &p[i], i + 1 == n)) < 0)
			return b->wr.error = r;
	return pld_end(b, mark);
}

int ike_msg_build_ke(struct ike_msg_build *b, uint16_t group, const uint8_t *data, size_t n)
{
	size_t mark;
	int r;

	if ((r = pld_begin(b, IKE_PLD_KE, &mark)) < 0)
		return r;
	(void)buf_put_u16(&b->wr, group);
	(void)buf_put_u16(&b->wr, 0);
	(void)buf_put_bytes(&b->wr, data, n);
	return pld_end(b, mark);
}

int ike_msg_build_nonce(struct ike_msg_build *b, const uint8_t *nonce, size_t n)
{
	return ike_msg_build_raw(b, IKE_PLD_NONCE, nonce, n);
}

int ike_msg_build_notify(struct ike_msg_build *b, uint8_t proto, const uint8_t *spi,
			 uint8_t spi_size, uint16_t type, const void *data, size_t n)
{
	size_t mark;
	int r;

	if ((r = pld_begin(b, IKE_PLD_NOTIFY, &mark)) < 0)
		return r;
	(void)buf_put_u8(&b->wr, proto);
	(void)buf_put_u8(&b->wr, spi_size);
	(void)buf_put_u16(&b->wr, type);
	(void)buf_put_bytes(&b->wr, spi, spi_size);
	(void)buf_put_bytes(&b->wr, data, n);
	return pld_end(b, mark);
}

int ike_msg_build_delete(struct ike_msg_build *b, uint8_t proto, uint8_t spi_size,
			 const uint8_t *spis, uint16_t n_spis)
{
	size_t mark;
	int r;

	if ((r = pld_begin(b, IKE_PLD_DELETE, &mark)) < 0)
		return r;
	(void)buf_put_u8(&b->wr, proto);
	(void)buf_put_u8(&b->wr, spi_size);
	(void)buf_put_u16(&b->wr, n_spis);
	(void)buf_put_bytes(&b->wr, spis, (size_t)spi_size * n_spis);
	return pld_end(b, mark);
}

int ike_msg_build_vid(struct ike_msg_build *b, const void *vid, size_t n)
{
	return ike_msg_build_raw(b, IKE_PLD_VENDOR, vid, n);
}

int ike_msg_build_id(struct ike_msg_build *b, uint8_t pld, uint8_t id_type, const void *data,
		     size_t n)
{
	size_t mark;
	int r;

	if ((r = pld_begin(b, pld, &mark)) < 0)
		return r;
	(void)buf_put_u8(&b->wr, id_type);
	(void)buf_put_zero(&b->wr, 3);
	(void)buf_put_bytes(&b->wr, data, n);
	return pld_end(b, mark);
}

int ike_msg_build_cert(struct ike_msg_build *b, uint8_t pld, uint8_t encoding, const void *data,
		       size_t n)
{
	size_t mark;
	int r;

	if ((r = pld_begin(b, pld, &mark)) < 0)
		return r;
	(void)buf_put_u8(&b->wr, encoding);
	(void)buf_put_bytes(&b->wr, data, n);
	return pld_end(b, mark);
}

int ike_msg_build_auth(struct ike_msg_build *b, uint8_t method, const void *data, size_t n)
{
	size_t mark;
	int r;

	if ((r = pld_begin(b, IKE_PLD_AUTH, &mark)) < 0)
		return r;
	(void)buf_put_u8(&b->wr, method);
	(void)buf_put_zero(&b->wr, 3);
	(void)buf_put_bytes(&b->wr, data, n);
	return pld_end(b, mark);
}

int ike_msg_build_ts(struct ike_msg_build *b, uint8_t pld, const struct ike_ts *ts, size_t n)
{
	size_t mark;
	int r;

	if (n == 0 || n > IKE_MAX_TS)
		return -EINVAL;
	if ((r = pld_begin(b, pld, &mark)) < 0)
		return r;
	(void)buf_put_u8(&b->wr, (uint8_t)n);
	(void)buf_put_zero(&b->wr, 3);
	for (size_t i = 0; i < n; i++) {
		size_t alen = ts[i].type == IKE_TS_IPV6_ADDR_RANGE ? 16 : 4;

		(void)buf_put_u8(&b->wr, ts[i].type);
		(void)buf_put_u8(&b->wr, ts[i].ip_proto);
		(void)buf_put_u16(&b->wr, (uint16_t)(8 + 2 * alen));
		(void)buf_put_u16(&b->wr, ts[i].start_port);
		(void)buf_put_u16(&b->wr, ts[i].end_port);
		(void)buf_put_bytes(&b->wr, ts[i].start, alen);
		(void)buf_put_bytes(&b->wr, ts[i].end, alen);
	}
	return pld_end(b, mark);
}

int ike_msg_build_cp_begin(struct ike_msg_build *b, uint8_t cfg_type, size_t *ret_mark)
{
	int r;

	if ((r = pld_begin(b, IKE_PLD_CP, ret_mark)) < 0)
		return r;
	(void)buf_put_u8(&b->wr, cfg_type);
	return buf_put_zero(&b->wr, 3);
}

int ike_msg_build_cp_attr(struct ike_msg_build *b, uint16_t type, const void *value, size_t n)
{
	if (n > UINT16_MAX)
		return b->wr.error = -EMSGSIZE;
	(void)buf_put_u16(&b->wr, type & 0x7fff);
	(void)buf_put_u16(&b->wr, (uint16_t)n);
	return buf_put_bytes(&b->wr, value, n);
}

int ike_msg_build_cp_end(struct ike_msg_build *b, size_t mark)
{
	return pld_end(b, mark);
}

int ike_msg_build_eap(struct ike_msg_build *b, const uint8_t *eap, size_t n)
{
	return ike_msg_build_raw(b, IKE_PLD_EAP, eap, n);
}

void ike_ts_set_v4(struct ike_ts *ts, const uint8_t start[4], const uint8_t end[4])
{
	memset(ts, 0, sizeof(*ts));
	ts->type = IKE_TS_IPV4_ADDR_RANGE;
	ts->end_port = 0xffff;
	memcpy(ts->start, start, 4);
	memcpy(ts->end, end, 4);
}

void ike_ts_set_v6(struct ike_ts *ts, const uint8_t start[16], const uint8_t end[16])
{
	memset(ts, 0, sizeof(*ts));
	ts->type = IKE_TS_IPV6_ADDR_RANGE;
	ts->end_port = 0xffff;
	memcpy(ts->start, start, 16);
	memcpy(ts->end, end, 16);
}
