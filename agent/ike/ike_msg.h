/*
 * ike_msg.h - the IKEv2 message codec (RFC 7296 §3, RFC 7383 §2.5, PROTOCOL.md §1,
 * §10). Decoding has no side effects: it validates every length through core/buf.h
 * and fills a host-order struct whose byte fields point into the caller's buffer
 * (so the buffer must outlive the struct). Encoding appends payloads to a
 * buf_writer and chains the Next Payload fields.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "ike/ike_const.h"

/* RFC 7296 §3.1 */
struct ike_hdr {
	uint64_t spi_i;
	uint64_t spi_r;
	uint8_t next_payload;
	uint8_t version;
	uint8_t exchange;
	uint8_t flags;
	uint32_t msg_id;
	uint32_t length;
};

/* RFC 7296 §3.3.2; keylen 0 = no Key Length attribute */
struct ike_transform {
	uint8_t type;
	uint16_t id;
	uint16_t keylen;
};

/* RFC 7296 §3.3.1 */
struct ike_proposal {
	uint8_t num;
	uint8_t proto;
	uint8_t spi_size;
	uint8_t spi[IKE_SPI_LEN];
	uint8_t n_transforms;
	struct ike_transform t[IKE_MAX_TRANSFORMS];
};

struct ike_sa_pld {
	uint8_t n;
	struct ike_proposal p[IKE_MAX_PROPOSALS];
};

struct ike_bytes {
	const uint8_t *p;
	size_t n;
};

/* RFC 7296 §3.10 */
struct ike_notify {
	uint8_t proto;
	uint8_t spi_size;
	uint16_t type;
	struct ike_bytes spi;
	struct ike_bytes data;
};

/* RFC 7296 §3.11 */
struct ike_delete {
	uint8_t proto;
	uint8_t spi_size;
	uint16_t n_spis;
	struct ike_bytes spis; /* n_spis * spi_size bytes */
};

/* RFC 7296 §3.13.1 */
struct ike_ts {
	uint8_t type;
	uint8_t ip_proto;
	uint16_t start_port;
	uint16_t end_port;
	uint8_t start[16];
	uint8_t end[16];
};

struct ike_ts_pld {
	uint8_t n;
	struct ike_ts ts[IKE_MAX_TS];
};

/* RFC 7296 §3.15.1 */
struct ike_cp_attr {
	uint16_t type; /* R bit cleared */
	struct ike_bytes value;
};

struct ike_cp_pld {
	uint8_t cfg_type;
	uint8_t n;
	struct ike_cp_attr a[IKE_MAX_CP_ATTRS];
};

/* RFC 7296 §3.5 */
struct ike_id_pld {
	uint8_t type;
	struct ike_bytes data;
	struct ike_bytes body; /* type | reserved | data, the input of prf(SK_p, .) */
};

/* RFC 7296 §3.14 / RFC 7383 §2.5: where the encrypted body sits in the message */
struct ike_sk_pld {
	uint8_t next;	   /* first inner payload type (SKF: 0 beyond fragment 1) */
	uint16_t frag_num; /* SKF only */
	uint16_t frag_total;
	size_t aad_len; /* offset of the body: header through the SK/SKF payload header */
	size_t msg_len; /* aad_len + body length (SK must be the last payload) */
};

/* PROTOCOL.md §10: Cisco fragment (payload 132) */
struct ike_cisco_frag {
	uint16_t frag_id;
	uint8_t num;
	uint8_t flags;
	struct ike_bytes chunk;
};

/* Which payloads a message carried (presence bits). */
enum {
	IKE_HAS_SA = 1u << 0,
	IKE_HAS_KE = 1u << 1,
	IKE_HAS_NONCE = 1u << 2,
	IKE_HAS_IDI = 1u << 3,
	IKE_HAS_IDR = 1u << 4,
	IKE_HAS_AUTH = 1u << 5,
	IKE_HAS_TSI = 1u << 6,
	IKE_HAS_TSR = 1u << 7,
	IKE_HAS_CP = 1u << 8,
	IKE_HAS_EAP = 1u << 9,
	IKE_HAS_SK = 1u << 10,
	IKE_HAS_SKF = 1u << 11,
	IKE_HAS_CISCO_FRAG = 1u << 12,
	IKE_HAS_CERTREQ = 1u << 13,
};

struct ike_msg {
	struct ike_hdr hdr;
	uint32_t has; /* IKE_HAS_* */
	uint16_t n_payloads;
	struct ike_sa_pld sa;
	struct {
		uint16_t group;
		struct ike_bytes data;
	} ke;
	struct ike_bytes nonce;
	struct ike_id_pld idi;
	struct ike_id_pld idr;
	struct {
		uint8_t method;
		struct ike_bytes data;
	} auth;
	uint8_t n_certs;
	struct ike_bytes certs[IKE_MAX_CERTS]; /* encoding 4 only; others ignored */
	uint8_t n_notifies;
	struct ike_notify notifies[IKE_MAX_NOTIFIES];
	uint8_t n_deletes;
	struct ike_delete deletes[IKE_MAX_NOTIFIES];
	uint8_t n_vids;
	struct ike_bytes vids[IKE_MAX_VENDOR_IDS];
	struct ike_ts_pld tsi;
	struct ike_ts_pld tsr;
	struct ike_cp_pld cp;
	struct ike_bytes eap;
	struct ike_sk_pld sk;
	struct ike_cisco_frag cisco_frag;
	uint16_t unsupported_critical; /* first unknown critical payload type, 0 = none */
};

/* The fixed header only (RFC 7296 §3.1): -EBADMSG if short, not version 2.x or Length lies. */
_must_check_ int ike_msg_decode_hdr(const uint8_t *p, size_t n, struct ike_hdr *ret);

/*
 * A whole message: header and the payload chain up to an SK/SKF/Cisco fragment
 * payload, which must be last. ret is zeroed first. -EBADMSG on any length or
 * count violation; an unknown payload with the critical bit sets
 * ret->unsupported_critical (RFC 7296 §2.5) and decoding goes on.
 */
_must_check_ int ike_msg_decode(const uint8_t *p, size_t n, struct ike_msg *ret);

/* The payloads inside a decrypted SK body, starting with type `first`, added to msg. */
_must_check_ int ike_msg_decode_inner(struct ike_msg *msg, uint8_t first, const uint8_t *p,
				      size_t n);

/* The first notify of this type, or NULL. */
const struct ike_notify *ike_msg_notify(const struct ike_msg *msg, uint16_t type);
/* The first error notify (type 1..16383), or NULL. */
const struct ike_notify *ike_msg_error_notify(const struct ike_msg *msg);

/* --- encoding ------------------------------------------------------------ */

/*
 * A payload chain under construction. With a header (ike_msg_build_init), the
 * first payload type goes to header byte 16; without (ike_msg_build_init_inner,
 * for SK contents), it is remembered in .first.
 */
struct ike_msg_build {
	struct buf_writer wr;
	size_t next_off; /* where the Next Payload byte of the last item is; SIZE_MAX: none */
	uint8_t first;
	bool has_hdr;
};

void ike_msg_build_init(struct ike_msg_build *b, const struct ike_hdr *hdr);
void ike_msg_build_init_inner(struct ike_msg_build *b);
void ike_msg_build_done(struct ike_msg_build *b);
/* Patches the header Length; hands out the bytes (free()). */
_must_check_ int ike_msg_build_finish(struct ike_msg_build *b, uint8_t **ret, size_t *ret_len);

/* A generic payload with a raw body. */
int ike_msg_build_raw(struct ike_msg_build *b, uint8_t type, const void *body, size_t n);
int ike_msg_build_sa(struct ike_msg_build *b, const struct ike_proposal *p, size_t n);
int ike_msg_build_ke(struct ike_msg_build *b, uint16_t group, const uint8_t *data, size_t n);
int ike_msg_build_nonce(struct ike_msg_build *b, const uint8_t *nonce, size_t n);
int ike_msg_build_notify(struct ike_msg_build *b, uint8_t proto, const uint8_t *spi,
			 uint8_t spi_size, uint16_t type, const void *data, size_t n);
int ike_msg_build_delete(struct ike_msg_build *b, uint8_t proto, uint8_t spi_size,
			 const uint8_t *spis, uint16_t n_spis);
int ike_msg_build_vid(struct ike_msg_build *b, const void *vid, size_t n);
/* type IKE_PLD_IDI or IKE_PLD_IDR; body = ID type | 3 reserved | data */
int ike_msg_build_id(struct ike_msg_build *b, uint8_t pld, uint8_t id_type, const void *data,
		     size_t n);
int ike_msg_build_cert(struct ike_msg_build *b, uint8_t pld, uint8_t encoding, const void *data,
		       size_t n);
int ike_msg_build_auth(struct ike_msg_build *b, uint8_t method, const void *data, size_t n);
int ike_msg_build_ts(struct ike_msg_build *b, uint8_t pld, const struct ike_ts *ts, size_t n);
/* The CP header; the attributes follow with ike_msg_build_cp_attr, then _cp_end. */
int ike_msg_build_cp_begin(struct ike_msg_build *b, uint8_t cfg_type, size_t *ret_mark);
int ike_msg_build_cp_attr(struct ike_msg_build *b, uint16_t type, const void *value, size_t n);
int ike_msg_build_cp_end(struct ike_msg_build *b, size_t mark);
int ike_msg_build_eap(struct ike_msg_build *b, const uint8_t *eap, size_t n);

/* Bytes of one IPv4 TS range (7) or IPv6 (8). */
void ike_ts_set_v4(struct ike_ts *ts, const uint8_t start[4], const uint8_t end[4]);
void ike_ts_set_v6(struct ike_ts *ts, const uint8_t start[16], const uint8_t end[16]);
