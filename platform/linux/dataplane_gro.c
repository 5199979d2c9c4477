/*
 * dataplane_gro.c - joining TCP segments into one GSO packet for a TUN device with
 * IFF_VNET_HDR; the rules are in dataplane_gro.h. The joined packet keeps the first
 * segment's headers; its TCP checksum is left partial (the pseudo-header sum, as the
 * kernel's own TCP leaves it, VIRTIO_NET_HDR_F_NEEDS_CSUM) because the kernel
 * re-segments or checksums it as it needs. The ESP ICV already vouched for the bytes.
 */
#include "platform/linux/dataplane_gro.h"

#include <linux/virtio_net.h>
#include <string.h>

#include "core/buf.h"

#define TCP_ACK 0x10
#define TCP_PSH 0x08
#define IP_DF	0x40

/* The shape of one segment. */
struct seg {
	bool v6;
	size_t ip_hl, hdr_len, plen;
	uint32_t seq;
	uint8_t flags;
};

static bool ipv4_ok(const uint8_t *p, size_t len)
{
	/* no IP options (IHL 5), DF set, not a fragment, length exact */
	return len >= 20 && p[0] == 0x45 && p[9] == 6 && (p[6] & IP_DF) &&
	       (be16_load(p + 6) & 0x3fff) == 0 && be16_load(p + 2) == len;
}

static bool ipv6_ok(const uint8_t *p, size_t len)
{
	return len >= 40 && p[0] >> 4 == 6 && p[6] == 6 && (size_t)be16_load(p + 4) + 40 == len;
}

static bool parse_seg(const uint8_t *p, size_t len, struct seg *s)
{
	size_t tcp_hl;

	if (ipv4_ok(p, len))
		*s = (struct seg){.v6 = false, .ip_hl = 20};
	else if (ipv6_ok(p, len))
		*s = (struct seg){.v6 = true, .ip_hl = 40};
	else
		return false;
	if (len < s->ip_hl + 20)
		return false;
	tcp_hl = (size_t)(p[s->ip_hl + 12] >> 4) * 4;
	if (tcp_hl < 20 || s->ip_hl + tcp_hl >= len) /* pure ACKs are not joined */
		return false;
	s->hdr_len = s->ip_hl + tcp_hl;
	s->plen = len - s->hdr_len;
	s->seq = be32_load(p + s->ip_hl + 4);
	s->flags = p[s->ip_hl + 13];
	return (s->flags & TCP_ACK) && !(s->flags & ~(TCP_ACK | TCP_PSH));
}

/* Everything but lengths, IDs, checksums, sequence numbers and PSH must match. */
static bool same_flow(const uint8_t *a, const uint8_t *b, const struct seg *s)
{
	const uint8_t *ta = a + s->ip_hl, *tb = b + s->ip_hl;

	if (s->v6) {
		if (memcmp(a, b, 4) || a[7] != b[7] || memcmp(a + 8, b + 8, 32))
			return false;
	} else if (a[1] != b[1] || a[8] != b[8] || memcmp(a + 12, b + 12, 8)) {
		return false;
	}
	/* ports, ACK number, data offset, window, urgent pointer, options */
	return !memcmp(ta, tb, 4) && !memcmp(ta + 8, tb + 8, 5) && !memcmp(ta + 14, tb + 14, 2) &&
	       !memcmp(ta + 18, tb + 18, s->hdr_len - s->ip_hl - 18);
}

void dataplane_gro_init(struct dataplane_gro *g, uint8_t *buf, size_t vnet_len)
{
	*g = (struct dataplane_gro){.buf = buf, .vnet_len = vnet_len};
}

static void start(struct dataplane_gro *g, const uint8_t *pkt, size_t len, const struct seg *s)
{
	memcpy(g->buf + g->vnet_len, pkt, len);
	g->len = len;
	g->segments = 1;
	g->v6 = s->v6;
	g->ip_hl = s->ip_hl;
	g->hdr_len = s->hdr_len;
	g->mss = s->plen;
	g->next_seq = s->seq + (uint32_t)s->plen;
	g->closed = s->flags & TCP_PSH;
}

bool dataplane_gro_add(struct dataplane_gro *g, const uint8_t *pkt, size_t len)
{
	uint8_t *train = g->buf + g->vnet_len;
	struct seg s;

	if (!parse_seg(pkt, len, &s))
		return false;
	if (!g->len) {
		start(g, pkt, len, &s);
		return true;
	}
	if (g->closed || s.v6 != g->v6 || s.hdr_len != g->hdr_len || s.seq != g->next_seq ||
	    s.plen > g->mss || g->len + s.plen > DATAPLANE_GRO_MAX || !same_flow(train, pkt, &s))
		return false;
	memcpy(train + g->len, pkt + s.hdr_len, s.plen);
	g->len += s.plen;
	g->segments++;
	g->next_seq += (uint32_t)s.plen;
	/* a short segment or PSH ends the train, as it ends a burst */
	if (s.plen < g->mss || (s.flags & TCP_PSH)) {
		train[g->ip_hl + 13] |= s.flags & TCP_PSH;
		g->closed = true;
	}
	return true;
}

static void store_host16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

size_t dataplane_gro_finish(struct dataplane_gro *g)
{
	uint8_t *h, *p, *tcp;
	size_t n = g->vnet_len + g->len;

	if (!g->len)
		return 0; /* nothing joined: buf may still be NULL (no offsets on it, UBSan) */
	h = g->buf, p = g->buf + g->vnet_len, tcp = p + g->ip_hl;
	memset(h, 0, g->vnet_len);
	if (g->segments > 1) {
		if (g->v6) {
			be16_store(p + 4, (uint16_t)(g->len - 40));
		} else {
			be16_store(p + 2, (uint16_t)g->len);
			be16_store(p + 10, 0);
			be16_store(p + 10,
				   dataplane_gso_csum_fold(dataplane_gso_csum_add(0, p, 20)));
		}
		/* partial: the folded pseudo-header sum, not complemented */
		be16_store(tcp + 16, (uint16_t)~dataplane_gso_csum_fold(dataplane_gso_pseudo_header(
					     p, g->v6, g->len - g->ip_hl)));
		h[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h[1] = g->v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
		store_host16(h + 2, (uint16_t)g->hdr_len);
		store_host16(h + 4, (uint16_t)g->mss);
		store_host16(h + 6, (uint16_t)g->ip_hl);
		store_host16(h + 8, 16); /* the TCP checksum field */
	}
	g->len = 0;
	g->segments = 0;
	return n;
}
