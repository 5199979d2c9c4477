/*
 * eap_pkt.c - EAP packet framing (RFC 3748 §4 and §5.7) through core/buf.h.
 */
#include <stdlib.h>
#include <string.h>

#include "eap/eap.h"
#include "eap/eap_pkt.h"

static int parse_expanded(struct buf_reader *rd, struct eap_pkt *pkt)
{
	const uint8_t *vid;
	int r;

	/* RFC 3748 §5.7: Vendor-Id (3 octets), Vendor-Type (4 octets) */
	if ((r = buf_get_ptr(rd, 3, &vid)) < 0 || (r = buf_get_u32(rd, &pkt->vendor_type)) < 0)
		return r;
	pkt->vendor_id = (uint32_t)vid[0] << 16 | (uint32_t)vid[1] << 8 | vid[2];
	return 0;
}

static int parse_typed(struct buf_reader *rd, struct eap_pkt *pkt)
{
	int r;

	/* RFC 3748 §4.1: Requests and Responses carry at least the Type octet */
	if ((r = buf_get_u8(rd, &pkt->type)) < 0)
		return r;
	if (pkt->type == EAP_TYPE_EXPANDED && (r = parse_expanded(rd, pkt)) < 0)
		return r;
	pkt->data = buf_cur(rd);
	pkt->data_len = buf_left(rd);
	return 0;
}

int eap_pkt_parse(const uint8_t *p, size_t n, struct eap_pkt *ret)
{
	struct eap_pkt pkt = {0};
	struct buf_reader rd, body;
	int r;

	buf_reader_init(&rd, p, n);
	if ((r = buf_get_u8(&rd, &pkt.code)) < 0 || (r = buf_get_u8(&rd, &pkt.id)) < 0 ||
	    (r = buf_get_u16(&rd, &pkt.length)) < 0)
		return r;
	/* RFC 3748 §4.1: a Length beyond the bytes received means the packet is bad;
	 * octets beyond Length are link padding and are ignored. */
	if (pkt.length < EAP_HDR_LEN || pkt.length > n)
		return -EBADMSG;
	if ((r = buf_get_sub(&rd, pkt.length - EAP_HDR_LEN, &body)) < 0)
		return r;
	switch (pkt.code) {
	case EAP_CODE_REQUEST:
	case EAP_CODE_RESPONSE:
		if ((r = parse_typed(&body, &pkt)) < 0)
			return r;
		break;
	case EAP_CODE_SUCCESS:
	case EAP_CODE_FAILURE:
		/* RFC 3748 §4.2: Success and Failure are exactly 4 octets */
		if (pkt.length != EAP_HDR_LEN)
			return -EBADMSG;
		break;
	default:
		return -EBADMSG;
	}
	*ret = pkt;
	return 0;
}

static int put_header(struct buf_writer *wr, uint8_t code, uint8_t id, size_t total)
{
	if (total > EAP_PKT_MAX)
		return -EMSGSIZE;
	buf_put_u8(wr, code);
	buf_put_u8(wr, id);
	return buf_put_u16(wr, (uint16_t)total);
}

int eap_pkt_build(struct buf_writer *wr, uint8_t code, uint8_t id, uint8_t type, const void *data,
		  size_t n)
{
	int r;

	if (n > EAP_PKT_MAX - EAP_HDR_LEN - 1)
		return -EMSGSIZE;
	if ((r = put_header(wr, code, id, EAP_HDR_LEN + 1 + n)) < 0)
		return r;
	buf_put_u8(wr, type);
	if (n > 0)
		buf_put_bytes(wr, data, n);
	return buf_writer_error(wr);
}

int eap_pkt_build_expanded(struct buf_writer *wr, uint8_t code, uint8_t id, uint32_t vendor_id,
			   uint32_t vendor_type, const void *data, size_t n)
{
	int r;

	if (n > EAP_PKT_MAX - EAP_EXPANDED_HDR_LEN || vendor_id > 0xffffffu)
		return -EMSGSIZE;
	if ((r = put_header(wr, code, id, EAP_EXPANDED_HDR_LEN + n)) < 0)
		return r;
	buf_put_u8(wr, EAP_TYPE_EXPANDED);
	buf_put_u8(wr, (uint8_t)(vendor_id >> 16));
	buf_put_u16(wr, (uint16_t)vendor_id);
	buf_put_u32(wr, vendor_type);
	if (n > 0)
		buf_put_bytes(wr, data, n);
	return buf_writer_error(wr);
}

int eap_pkt_build_status(struct buf_writer *wr, uint8_t code, uint8_t id)
{
	int r;

	if ((r = put_header(wr, code, id, EAP_HDR_LEN)) < 0)
		return r;
	return buf_writer_error(wr);
}
