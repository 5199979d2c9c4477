/*
 * esp.h - userspace ESP (RFC 4303) in UDP (RFC 3948), tunnel mode, no I/O.
 *
 * One struct esp_sa per direction. esp_seal() turns an inner IP packet into an ESP
 * packet (what goes after the UDP header), esp_open() authenticates, replay-checks and
 * decrypts one, both in caller buffers with no allocation per packet: the OpenSSL
 * contexts are keyed once in esp_sa_new().
 *
 * Threading: an SA's mutable state (sequence number, replay window, counters) has a
 * single writer (the thread that seals, or the one that opens); the counters are
 * stored with relaxed atomics so another thread may read them with esp_sa_get_counters().
 *
 * Errors (one meaning each):
 *   -EBADMSG     malformed: too short, bad block alignment, SPI mismatch
 *   -EACCES      ICV mismatch: the packet is not authentic
 *   -EALREADY    replayed, or older than the replay window (RFC 4303 §3.4.3)
 *   -EPROTO      authentic but broken inside: padding, pad length, next header, inner version
 *   -ENODATA     authentic dummy packet, next header 59 (RFC 4303 §2.6): drop, but it counts
 *                as proof of life
 *   -EKEYEXPIRED hard lifetime reached or sequence number exhausted (ESN off, §3.3.3)
 *   -EMSGSIZE    the output buffer is too small
 *   -EINVAL      our own bad argument (key length, transform)
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/rng.h"
#include "core/secret.h"

#define ESP_HDR_LEN	  8		/* SPI + sequence number, RFC 4303 §2 */
#define ESP_HEADROOM_MAX  24		/* ESP header + the largest IV (CBC, 16) */
#define ESP_TRAILER_MAX	  (15 + 2 + 32) /* padding, pad length + next header, largest ICV */
#define ESP_REPLAY_WINDOW 64		/* PROTOCOL.md §2 */
#define ESP_SPI_MIN	  256		/* RFC 4303 §2.1: 1-255 reserved by IANA, 0 local use */

/* IP protocol numbers for the next header field (IANA) */
#define ESP_NH_IPV4 4
#define ESP_NH_IPV6 41
#define ESP_NH_NONE 59

/* The ESP transforms of PROTOCOL.md §3 (IKEv2 ENCR/INTEG transform IDs in comments). */
enum esp_transform {
	ESP_TRANSFORM_AES_GCM_16_256,		/* ENCR 20, 256-bit key, RFC 4106 */
	ESP_TRANSFORM_AES_CBC_256_SHA2_256_128, /* ENCR 12 + INTEG 12, RFC 3602 + RFC 4868 */
	ESP_TRANSFORM_AES_CBC_256_SHA2_384_192, /* ENCR 12 + INTEG 13 */
	ESP_TRANSFORM_AES_CBC_256_SHA2_512_256, /* ENCR 12 + INTEG 14 */
	_ESP_TRANSFORM_MAX,
	_ESP_TRANSFORM_INVALID = -EINVAL,
};

enum esp_dir {
	ESP_DIR_IN,  /* we open packets with it (our SPI) */
	ESP_DIR_OUT, /* we seal packets with it (the peer's SPI) */
	_ESP_DIR_MAX,
};

/* SA lifetime limits, local policy (PROTOCOL.md §11); 0 = unlimited. */
struct esp_lifetime {
	uint64_t soft_bytes, hard_bytes;
	uint64_t soft_packets, hard_packets;
};

#define ESP_LIFETIME_SOFT 0x1u /* time to rekey */
#define ESP_LIFETIME_HARD 0x2u /* the SA must no longer be used */

struct esp_sa_params {
	uint32_t spi;
	enum esp_dir dir;
	enum esp_transform transform;
	/*
	 * KEYMAT slices (RFC 7296 §2.17): encr is the key, for GCM followed by the
	 * 4-byte salt (RFC 4106 §8.1: 36 bytes); integ is the HMAC key (NULL for GCM).
	 */
	const struct secret *encr;
	const struct secret *integ;
	struct esp_lifetime lifetime;
	/* CBC IVs come from here (RFC 3602 §2.3: unpredictable); unused for GCM. */
	const struct rng_ops *rng;
};

/* Snapshot of an SA's counters (bytes are inner-packet bytes). */
struct esp_sa_counters {
	uint64_t packets;
	uint64_t bytes;
	uint64_t err_malformed; /* -EBADMSG */
	uint64_t err_auth;	/* -EACCES */
	uint64_t err_replay;	/* -EALREADY */
	uint64_t err_proto;	/* -EPROTO */
	uint64_t err_expired;	/* -EKEYEXPIRED */
	uint64_t dummy;		/* -ENODATA, next header 59 */
};

struct esp_sa;

/* Keys the OpenSSL contexts once. */
_must_check_ int esp_sa_new(const struct esp_sa_params *params, struct esp_sa **ret);
/* Wipes the keys; takes NULL; returns NULL. */
struct esp_sa *esp_sa_free(struct esp_sa *sa);

uint32_t esp_sa_spi(const struct esp_sa *sa);
enum esp_dir esp_sa_dir(const struct esp_sa *sa);
enum esp_transform esp_sa_transform(const struct esp_sa *sa);
/* Bytes before the inner packet in a sealed one: ESP header + IV. */
size_t esp_sa_header_len(const struct esp_sa *sa);
/* The size of the ESP packet esp_seal() makes from an inner packet of inner_len bytes. */
size_t esp_sa_sealed_len(const struct esp_sa *sa, size_t inner_len);
/* ESP_LIFETIME_* flags reached so far. */
unsigned int esp_sa_lifetime_state(const struct esp_sa *sa);
/* Readable from any thread while the SA lives. */
void esp_sa_get_counters(const struct esp_sa *sa, struct esp_sa_counters *ret);
/* The last sequence number sent (OUT) or the highest one accepted (IN). */
uint32_t esp_sa_seq(const struct esp_sa *sa);

/*
 * Seals inner[0..inner_len) (an IPv4 or IPv6 packet; next_header 4 or 41) into
 * out[0..*ret_len). inner may lie anywhere, also at out + esp_sa_header_len(sa)
 * (then it is not copied). RFC 4303 §3.3.
 */
_must_check_ int esp_seal(struct esp_sa *sa, uint8_t next_header, const uint8_t *inner,
			  size_t inner_len, uint8_t *out, size_t out_cap, size_t *ret_len);

/*
 * Opens the ESP packet pkt[0..len) in place (RFC 4303 §3.4): checks the replay window,
 * verifies the ICV before anything is decrypted and only then moves the window. On
 * success the inner packet is at pkt + *ret_off, *ret_len bytes, next header *ret_nh.
 */
_must_check_ int esp_open(struct esp_sa *sa, uint8_t *pkt, size_t len, size_t *ret_off,
			  size_t *ret_len, uint8_t *ret_nh);

/* Names for logs and tests (X-macro tables in esp_sa.c). */
const char *esp_transform_to_string(enum esp_transform t);
enum esp_transform esp_transform_from_string(const char *s);

/* ---- Anti-replay window, RFC 4303 §3.4.3 (64 packets, ESN off) ---- */
struct esp_replay {
	uint32_t top;	 /* highest authenticated sequence number; 0 = none yet */
	uint64_t bitmap; /* bit i set: top - i was received */
};

void esp_replay_init(struct esp_replay *rp);
/* 0 if seq may be new, -EALREADY if it was seen or lies left of the window. */
_must_check_ int esp_replay_check(const struct esp_replay *rp, uint32_t seq);
/* Records seq, only after its ICV was verified. */
void esp_replay_update(struct esp_replay *rp, uint32_t seq);

/* ---- Demultiplexing a UDP 4500 payload, RFC 3948 §2 and PROTOCOL.md §2 ---- */
enum esp_demux_kind {
	ESP_DEMUX_IKE,	     /* non-ESP marker 00000000: IKE follows at *ret_off */
	ESP_DEMUX_KEEPALIVE, /* a single FF byte (RFC 3948 §2.3): drop */
	ESP_DEMUX_ESP,	     /* an ESP packet with SPI *ret_spi */
	ESP_DEMUX_INVALID,   /* too short, or a reserved SPI 1-255: drop */
	_ESP_DEMUX_KIND_MAX,
};

enum esp_demux_kind esp_demux(const uint8_t *p, size_t n, size_t *ret_off, uint32_t *ret_spi);
const char *esp_demux_kind_to_string(enum esp_demux_kind k);
