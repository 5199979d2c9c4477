/*
 * eap_pkt.h - EAP packet framing (RFC 3748 §4, §5.7): parse and build, nothing else.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Code      |  Identifier   |            Length             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |  Type-Data (or, Type 254: Vendor-Id (3 B),
 * +-+-+-+-+-+-+-+-+   Vendor-Type (4 B), then the vendor data) ...
 */
#pragma once

#include <stdint.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

#define EAP_HDR_LEN	     4u
#define EAP_EXPANDED_HDR_LEN 12u /* header, type 254, Vendor-Id, Vendor-Type */
#define EAP_PKT_MAX	     0xffffu

/* A parsed packet; data points into the caller's bytes. */
struct eap_pkt {
	uint8_t code; /* enum eap_code */
	uint8_t id;
	uint16_t length;      /* the Length field; trailing bytes beyond it are ignored (§4.1) */
	uint8_t type;	      /* Request/Response only */
	uint32_t vendor_id;   /* type 254 only */
	uint32_t vendor_type; /* type 254 only */
	const uint8_t *data;  /* Type-Data (after the expanded header for type 254) */
	size_t data_len;
};

/*
 * Checks code, Length against the bytes received, the type byte of Requests and
 * Responses, the expanded header of type 254, and the fixed 4-byte Success and
 * Failure. -EBADMSG on any violation.
 */
_must_check_ int eap_pkt_parse(const uint8_t *p, size_t n, struct eap_pkt *ret);

/* Request/Response of a legacy type with its Type-Data. */
int eap_pkt_build(struct buf_writer *wr, uint8_t code, uint8_t id, uint8_t type, const void *data,
		  size_t n);
/* Request/Response of type 254. */
int eap_pkt_build_expanded(struct buf_writer *wr, uint8_t code, uint8_t id, uint32_t vendor_id,
			   uint32_t vendor_type, const void *data, size_t n);
/* Success or Failure: 4 bytes. */
int eap_pkt_build_status(struct buf_writer *wr, uint8_t code, uint8_t id);
