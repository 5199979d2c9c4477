/*
 * dataplane_gso.c - userspace TCP segmentation and checksum completion for TUN
 * devices opened with IFF_VNET_HDR; see dataplane_gso.h. The arithmetic is the
 * Internet checksum of RFC 1071 with the pseudo-headers of RFC 9293 §3.1 (IPv4)
 * and RFC 8200 §8.1 (IPv6).
 */
#include "platform/linux/dataplane_gso.h"

#include <linux/virtio_net.h>
#include <string.h>

#include "core/buf.h"

#define IPPROTO_TCP_ 6
#define IPV6_HDR_LEN 40
#define TCP_HDR_MIN  20
#define TCP_FIN	     0x01
#define TCP_PSH	     0x08
#define TCP_CWR	     0x80

static uint16_t load_host16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* RFC 1071: 16-bit one's complement sum, big-endian words, odd byte padded. */
uint64_t dataplane_gso_csum_add(uint64_t sum, const uint8_t *p, size_t n)
{
	for (; n >= 2; p += 2, n -= 2)
		sum += be16_load(p);
	if (n)
		sum += (uint64_t)p[0] << 8;
	return sum;
}

uint16_t dataplane_gso_csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The IP and TCP header lengths of a TCP packet, or -EBADMSG. */
static int tcp_headers(const uint8_t *pkt, size_t len, bool v6, size_t *ret_ip, size_t *ret_hdr)
{
	size_t ip_hl, tcp_hl;

	if (v6) {
		/* extension headers never come with TSO from our own stack's TCP */
		if (len < IPV6_HDR_LEN || pkt[0] >> 4 != 6 || pkt[6] != IPPROTO_TCP_)
			return -EBADMSG;
		ip_hl = IPV6_HDR_LEN;
	} else {
		if (len < 20 || pkt[0] >> 4 != 4 || pkt[9] != IPPROTO_TCP_)
			return -EBADMSG;
		ip_hl = (size_t)(pkt[0] & 0x0f) * 4;
		if (ip_hl < 20)
			return -EBADMSG;
	}
	if (len < ip_hl + TCP_HDR_MIN)
		return -EBADMSG;
	tcp_hl = (size_t)(pkt[ip_hl + 12] >> 4) * 4;
	if (tcp_hl < TCP_HDR_MIN || len < ip_hl + tcp_hl)
		return -EBADMSG;
	*ret_ip = ip_hl;
	*ret_hdr = ip_hl + tcp_hl;
	return 0;
}

static int parse_tso(uint8_t type, size_t mss, const uint8_t *pkt, size_t len,
		     struct dataplane_gso *ret)
{
	size_t ip_hl, hdr, payload;
	int r;

	if ((r = tcp_headers(pkt, len, type == VIRTIO_NET_HDR_GSO_TCPV6, &ip_hl, &hdr)) < 0)
		return r;
	payload = len - hdr;
	if (!mss || !payload)
		return -EBADMSG;
	ret->tso = true;
	ret->hdr_len = hdr;
	ret->mss = mss;
	ret->segments = (unsigned int)((payload + mss - 1) / mss);
	return 0;
}

int dataplane_gso_parse(const uint8_t vnet[DATAPLANE_VNET_HDR_LEN], const uint8_t *pkt, size_t len,
			struct dataplane_gso *ret)
{
	struct dataplane_gso g = {.segments = 1};
	uint8_t flags = vnet[0], type = vnet[1] & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	int r;

	if (type == VIRTIO_NET_HDR_GSO_TCPV4 || type == VIRTIO_NET_HDR_GSO_TCPV6) {
		if ((r = parse_tso(type, load_host16(vnet + 4), pkt, len, &g)) < 0)
			return r;
	} else if (type != VIRTIO_NET_HDR_GSO_NONE) {
		return -EPROTONOSUPPORT;
	} else if (flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		g.needs_csum = true;
		g.csum_start = load_host16(vnet + 6);
		g.csum_offset = load_host16(vnet + 8);
		if (g.csum_start + g.csum_offset + 2 > len)
			return -EBADMSG;
	}
	*ret = g;
	return 0;
}

int dataplane_gso_finish_csum(const struct dataplane_gso *g, uint8_t *pkt, size_t len)
{
	uint16_t c;

	if (!g->needs_csum)
		return 0;
	if (g->csum_start + g->csum_offset + 2 > len)
		return -EBADMSG;
	/* the field holds the pseudo-header sum; the device sums from csum_start on */
	c = dataplane_gso_csum_fold(
		dataplane_gso_csum_add(0, pkt + g->csum_start, len - g->csum_start));
	be16_store(pkt + g->csum_start + g->csum_offset, c);
	return 0;
}

uint64_t dataplane_gso_pseudo_header(const uint8_t *ip, bool v6, size_t tcp_len)
{
	uint64_t sum;

	if (v6) {
		sum = dataplane_gso_csum_add(0, ip + 8, 32); /* source and destination */
		return sum + (tcp_len >> 16) + (tcp_len & 0xffff) + IPPROTO_TCP_;
	}
	sum = dataplane_gso_csum_add(0, ip + 12, 8);
	return sum + tcp_len + IPPROTO_TCP_;
}

static void fix_ip(uint8_t *out, bool v6, size_t ip_hl, size_t seg_len, unsigned int k)
{
	if (v6) {
		be16_store(out + 4, (uint16_t)(seg_len - IPV6_HDR_LEN));
		return;
	}
	be16_store(out + 2, (uint16_t)seg_len);
	be16_store(out + 4, (uint16_t)(be16_load(out + 4) + k)); /* one ID per packet */
	be16_store(out + 10, 0);
	be16_store(out + 10, dataplane_gso_csum_fold(dataplane_gso_csum_add(0, out, ip_hl)));
}

int dataplane_gso_segment(const struct dataplane_gso *g, const uint8_t *pkt, size_t len,
			  unsigned int k, uint8_t *out, size_t cap, size_t *ret_len)
{
	bool v6 = pkt[0] >> 4 == 6, last = k + 1 == g->segments;
	size_t ip_hl = v6 ? IPV6_HDR_LEN : (size_t)(pkt[0] & 0x0f) * 4;
	size_t off = g->hdr_len + (size_t)k * g->mss, plen, seg_len;
	uint8_t *tcp = out + ip_hl;

	if (!g->tso || k >= g->segments || off >= len)
		return -EINVAL;
	plen = len - off < g->mss ? len - off : g->mss;
	seg_len = g->hdr_len + plen;
	if (seg_len > cap)
		return -EMSGSIZE;
	memcpy(out, pkt, g->hdr_len);
	memcpy(out + g->hdr_len, pkt + off, plen);
	fix_ip(out, v6, ip_hl, seg_len, k);
	be32_store(tcp + 4, be32_load(tcp + 4) + (uint32_t)(k * g->mss));
	if (!last)
		tcp[13] &= (uint8_t) ~(TCP_FIN | TCP_PSH);
	if (k)
		tcp[13] &= (uint8_t)~TCP_CWR;
	be16_store(tcp + 16, 0);
	be16_store(tcp + 16, dataplane_gso_csum_fold(dataplane_gso_csum_add(
				     dataplane_gso_pseudo_header(out, v6, seg_len - ip_hl), tcp,
				     seg_len - ip_hl)));
	*ret_len = seg_len;
	return 0;
}
