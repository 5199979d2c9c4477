/*
 * dataplane_gro.h - the receive half of the TUN offloads (IFF_VNET_HDR): consecutive
 * in-order TCP segments of one flow, opened from one batch of ESP packets, are
 * joined into one packet of up to 64 KiB that the kernel takes as a GSO packet
 * (virtio_net_hdr with gso_type TCPV4/TCPV6), so its TCP receive path runs once per
 * train instead of once per segment, as GRO on a NIC does.
 *
 * Rules (stricter than Linux's tcp_gro_receive, never looser): same addresses,
 * ports, TTL/hop limit, TOS/traffic class, ACK number, window and TCP options; IPv4
 * without IP options or fragments and with DF; sequence numbers contiguous; flags ACK
 * only, PSH allowed on the last segment; every segment but the last exactly as long
 * as the first.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "platform/linux/dataplane_gso.h"

#define DATAPLANE_GRO_MAX 65535 /* an IP packet's length limit */

struct dataplane_gro {
	/* The train: virtio_net_hdr then the joined packet, in buf[0..vnet_len + len). */
	uint8_t *buf;
	size_t vnet_len;
	size_t len; /* 0: empty */
	unsigned int segments;
	size_t ip_hl, hdr_len, mss;
	uint32_t next_seq;
	bool v6, closed; /* closed: PSH seen, nothing more may join */
};

/* buf holds DATAPLANE_GRO_MAX + vnet_len bytes and belongs to the caller. */
void dataplane_gro_init(struct dataplane_gro *g, uint8_t *buf, size_t vnet_len);

/*
 * Offers an inner packet. true: it joined the train (or started one); false: it
 * cannot, the caller flushes the train and writes this packet on its own (or offers
 * it again to start a new train).
 */
bool dataplane_gro_add(struct dataplane_gro *g, const uint8_t *pkt, size_t len);

/*
 * Finishes the train for writing: headers and virtio_net_hdr (a single segment goes
 * out as the plain packet it was). Returns the bytes to write from g->buf, 0 if empty;
 * the train is empty afterwards.
 */
size_t dataplane_gro_finish(struct dataplane_gro *g);
