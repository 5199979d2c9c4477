/*
 * dataplane_gso.h - TUN offloads (IFF_VNET_HDR): what a virtio_net_hdr in front of
 * a TUN packet asks for, done in userspace before the packets are sealed.
 *
 * With TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) the kernel's TCP hands
 * the TUN device segments of up to 64 KiB (TSO) with the checksum left to "the
 * device". ESP needs every packet whole, so this splits them into gso_size pieces
 * with their own IP and TCP headers and checksums, as a NIC would.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define DATAPLANE_VNET_HDR_LEN 10 /* struct virtio_net_hdr */

/* What the header says about one packet read from TUN. */
struct dataplane_gso {
	unsigned int segments; /* 1 when nothing is to be split */
	size_t hdr_len;	       /* IP + TCP header bytes, copied into every segment */
	size_t mss;	       /* payload bytes per segment (the last may be shorter) */
	bool tso;	       /* split (TCP over IPv4/IPv6) */
	bool needs_csum;       /* not split, but the checksum is still ours to finish */
	size_t csum_start, csum_offset;
};

/*
 * Parses the virtio_net_hdr (host byte order, as TUN uses without TUNSETVNETBE)
 * for pkt[0..len). -EBADMSG: inconsistent with the packet; -EPROTONOSUPPORT: a GSO
 * type we never enabled (the kernel only sends what TUNSETOFFLOAD allowed).
 */
_must_check_ int dataplane_gso_parse(const uint8_t vnet[DATAPLANE_VNET_HDR_LEN], const uint8_t *pkt,
				     size_t len, struct dataplane_gso *ret);

/* Completes a partial checksum in place (needs_csum, RFC 1071 arithmetic). */
_must_check_ int dataplane_gso_finish_csum(const struct dataplane_gso *g, uint8_t *pkt, size_t len);

/*
 * Writes segment k (< g->segments) of the TSO packet pkt[0..len) to out (cap bytes):
 * headers with IPv4 total length / ID or IPv6 payload length, TCP sequence number,
 * FIN/PSH only on the last and CWR only on the first segment, both checksums.
 */
_must_check_ int dataplane_gso_segment(const struct dataplane_gso *g, const uint8_t *pkt,
				       size_t len, unsigned int k, uint8_t *out, size_t cap,
				       size_t *ret_len);

/* Checksum arithmetic shared with dataplane_gro.c (RFC 1071). */
uint64_t dataplane_gso_csum_add(uint64_t sum, const uint8_t *p, size_t n);
/* Folds to 16 bits and complements: the value a checksum field holds. */
uint16_t dataplane_gso_csum_fold(uint64_t sum);
/* The TCP pseudo-header sum for the IP header at ip (RFC 9293 §3.1, RFC 8200 §8.1). */
uint64_t dataplane_gso_pseudo_header(const uint8_t *ip, bool v6, size_t tcp_len);
