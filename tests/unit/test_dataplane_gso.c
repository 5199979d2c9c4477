/*
 * test_dataplane_gso.c - platform/linux/dataplane_gso: TSO super-packets from a TUN
 * device with IFF_VNET_HDR split into segments (IPv4 and IPv6), partial checksums
 * completed, malformed headers refused; and the way back (dataplane_gro): joining
 * those segments gives a GSO packet that splits again into the same bytes. Checksums are verified
 * the receiver's way, independently of how they were made: a correct one sums to 0xFFFF (RFC 1071
 * §1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <linux/virtio_net.h>

#include "core/buf.h"
#include "platform/linux/dataplane_gro.h"
#include "platform/linux/dataplane_gso.h"

static uint32_t sum16(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i < n; i++)
		s += i % 2 ? p[i] : (uint32_t)p[i] << 8;
	return s;
}

static bool folds_to_ffff(uint32_t s)
{
	while (s > 0xffff)
		s = (s & 0xffff) + (s >> 16);
	return s == 0xffff;
}

static bool tcp_csum_ok(const uint8_t *ip, size_t len, bool v6)
{
	size_t ip_hl = v6 ? 40 : (size_t)(ip[0] & 15) * 4, tl = len - ip_hl;
	uint32_t s = v6 ? sum16(ip + 8, 32) : sum16(ip + 12, 8);

	s += 6 + (uint32_t)(tl & 0xffff) + (uint32_t)(tl >> 16);
	return folds_to_ffff(s + sum16(ip + ip_hl, tl));
}

static void vnet(uint8_t *h, uint8_t flags, uint8_t type, uint16_t hdr_len, uint16_t gso_size,
		 uint16_t csum_start, uint16_t csum_offset)
{
	h[0] = flags;
	h[1] = type;
	memcpy(h + 2, &hdr_len, 2); /* host byte order, as TUN without TUNSETVNETBE */
	memcpy(h + 4, &gso_size, 2);
	memcpy(h + 6, &csum_start, 2);
	memcpy(h + 8, &csum_offset, 2);
}

/* IPv4 (20) or IPv6 (40) + TCP with 12 bytes of options (32) + payload. */
static size_t tcp_packet(uint8_t *p, bool v6, size_t payload, uint8_t tcp_flags)
{
	size_t ip_hl = v6 ? 40 : 20, len = ip_hl + 32 + payload;

	memset(p, 0, ip_hl + 32);
	if (v6) {
		p[0] = 0x60;
		be16_store(p + 4, (uint16_t)(len - 40));
		p[6] = 6;
		p[7] = 64;
		memset(p + 8, 0x20, 16);
		memset(p + 24, 0x30, 16);
	} else {
		p[0] = 0x45;
		be16_store(p + 2, (uint16_t)len);
		be16_store(p + 4, 0x1234);
		p[6] = 0x40; /* DF */
		p[8] = 64;
		p[9] = 6;
		memcpy(p + 12, (uint8_t[]){192, 168, 20, 5, 10, 201, 0, 1}, 8);
	}
	be16_store(p + ip_hl, 40000);
	be16_store(p + ip_hl + 2, 5201);
	be32_store(p + ip_hl + 4, 0xfffff000u); /* wraps within the segments */
	be32_store(p + ip_hl + 8, 77);
	p[ip_hl + 12] = 8 << 4;
	p[ip_hl + 13] = tcp_flags;
	be16_store(p + ip_hl + 14, 501);
	memcpy(p + ip_hl + 20, (uint8_t[]){1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2}, 12);
	for (size_t i = 0; i < payload; i++)
		p[ip_hl + 32 + i] = (uint8_t)(i * 7 + i / 251);
	return len;
}

static void split(bool v6, size_t payload, uint16_t mss, unsigned int want_segments)
{
	static uint8_t pkt[70000], seg[2000];
	size_t ip_hl = v6 ? 40 : 20, len = tcp_packet(pkt, v6, payload, 0x80 | 0x10 | 0x08 | 0x01);
	size_t seg_len, got = 0;
	struct dataplane_gso g;
	uint8_t h[DATAPLANE_VNET_HDR_LEN];

	vnet(h, VIRTIO_NET_HDR_F_NEEDS_CSUM,
	     v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN,
	     (uint16_t)(ip_hl + 32), mss, (uint16_t)ip_hl, 16);
	assert_int_equal(dataplane_gso_parse(h, pkt, len, &g), 0);
	assert_true(g.tso);
	assert_int_equal(g.segments, want_segments);
	for (unsigned int k = 0; k < g.segments; k++) {
		const uint8_t *tcp = seg + ip_hl;
		size_t plen;

		assert_int_equal(dataplane_gso_segment(&g, pkt, len, k, seg, sizeof(seg), &seg_len),
				 0);
		plen = seg_len - ip_hl - 32;
		assert_true(plen <= mss && plen > 0);
		assert_memory_equal(seg + ip_hl + 32, pkt + ip_hl + 32 + got, plen);
		got += plen;
		if (v6) {
			assert_int_equal(be16_load(seg + 4), seg_len - 40);
		} else {
			assert_int_equal(be16_load(seg + 2), seg_len);
			assert_int_equal(be16_load(seg + 4), 0x1234 + k);
			assert_true(folds_to_ffff(sum16(seg, 20)));
		}
		assert_int_equal(be32_load(tcp + 4), (uint32_t)(0xfffff000u + k * mss));
		assert_int_equal(tcp[13] & 0x01, k + 1 == g.segments ? 0x01 : 0); /* FIN */
		assert_int_equal(tcp[13] & 0x08, k + 1 == g.segments ? 0x08 : 0); /* PSH */
		assert_int_equal(tcp[13] & 0x80, k == 0 ? 0x80 : 0);		  /* CWR */
		assert_int_equal(tcp[13] & 0x10, 0x10); /* ACK everywhere */
		assert_true(tcp_csum_ok(seg, seg_len, v6));
		assert_memory_equal(tcp + 20, pkt + ip_hl + 20, 12); /* options kept */
	}
	assert_int_equal(got, payload);
	assert_int_equal(
		dataplane_gso_segment(&g, pkt, len, g.segments, seg, sizeof(seg), &seg_len),
		-EINVAL);
}

static void tso_ipv4(void **state)
{
	(void)state;
	split(false, 5000, 1448, 4);
	split(false, 1448 * 44, 1448, 44);
	split(false, 1, 1448, 1);
}

static void tso_ipv6(void **state)
{
	(void)state;
	split(true, 3000, 1428, 3);
	split(true, 1428 * 2, 1428, 2);
}

static void partial_checksum_is_finished(void **state)
{
	static uint8_t pkt[1500];
	size_t len = tcp_packet(pkt, false, 999, 0x18);
	uint32_t pseudo = sum16(pkt + 12, 8) + 6 + (uint32_t)(len - 20);
	struct dataplane_gso g;
	uint8_t h[DATAPLANE_VNET_HDR_LEN];

	(void)state;
	/* what the kernel leaves for the device: the folded pseudo-header sum */
	while (pseudo > 0xffff)
		pseudo = (pseudo & 0xffff) + (pseudo >> 16);
	be16_store(pkt + 36, (uint16_t)pseudo);
	vnet(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE, 0, 0, 20, 16);
	assert_int_equal(dataplane_gso_parse(h, pkt, len, &g), 0);
	assert_false(g.tso);
	assert_int_equal(g.segments, 1);
	assert_true(g.needs_csum);
	assert_int_equal(dataplane_gso_finish_csum(&g, pkt, len), 0);
	assert_true(tcp_csum_ok(pkt, len, false));
	/* no offload asked: nothing to do */
	vnet(h, 0, VIRTIO_NET_HDR_GSO_NONE, 0, 0, 0, 0);
	assert_int_equal(dataplane_gso_parse(h, pkt, len, &g), 0);
	assert_false(g.needs_csum);
	assert_int_equal(dataplane_gso_finish_csum(&g, pkt, len), 0);
}

static void malformed_headers(void **state)
{
	static uint8_t pkt[3000], out[100];
	size_t len = tcp_packet(pkt, false, 2000, 0x10), n;
	struct dataplane_gso g;
	uint8_t h[DATAPLANE_VNET_HDR_LEN];

	(void)state;
	vnet(h, 0, VIRTIO_NET_HDR_GSO_UDP, 0, 1400, 0, 0);
	assert_int_equal(dataplane_gso_parse(h, pkt, len, &g), -EPROTONOSUPPORT);
	vnet(h, 0, VIRTIO_NET_HDR_GSO_TCPV4, 52, 0, 20, 16); /* mss 0 */
	assert_int_equal(dataplane_gso_parse(h, pkt, len, &g), -EBADMSG);
	vnet(h, 0, VIRTIO_NET_HDR_GSO_TCPV6, 52, 1400, 20, 16); /* it is IPv4 */
	assert_int_equal(dataplane_gso_parse(h, pkt, len, &g), -EBADMSG);
	vnet(h, 0, VIRTIO_NET_HDR_GSO_TCPV4, 52, 1400, 20, 16);
	assert_int_equal(dataplane_gso_parse(h, pkt, 30, &g), -EBADMSG); /* headers cut */
	pkt[9] = 17;
	assert_int_equal(dataplane_gso_parse(h, pkt, len, &g), -EBADMSG); /* not TCP */
	pkt[9] = 6;
	assert_int_equal(dataplane_gso_parse(h, pkt, len, &g), 0);
	assert_int_equal(dataplane_gso_segment(&g, pkt, len, 0, out, sizeof(out), &n), -EMSGSIZE);
	vnet(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 0, 2990, 16);
	assert_int_equal(dataplane_gso_parse(h, pkt, len, &g), -EBADMSG);
}

/* Cuts a TSO packet into segs[]; returns how many. */
static unsigned int cut(bool v6, size_t payload, uint16_t mss, uint8_t segs[][1600], size_t *lens)
{
	static uint8_t pkt[70000];
	size_t ip_hl = v6 ? 40 : 20, len = tcp_packet(pkt, v6, payload, 0x10 | 0x08);
	struct dataplane_gso g;
	uint8_t h[DATAPLANE_VNET_HDR_LEN];

	vnet(h, 0, v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4, (uint16_t)(ip_hl + 32),
	     mss, 0, 0);
	assert_int_equal(dataplane_gso_parse(h, pkt, len, &g), 0);
	for (unsigned int k = 0; k < g.segments; k++)
		assert_int_equal(dataplane_gso_segment(&g, pkt, len, k, segs[k], 1600, &lens[k]),
				 0);
	return g.segments;
}

static void join_and_split_again(bool v6, size_t payload, uint16_t mss)
{
	static uint8_t segs[50][1600], buf[DATAPLANE_GRO_MAX + 10], again[1600];
	static size_t lens[50];
	unsigned int n = cut(v6, payload, mss, segs, lens);
	size_t ip_hl = v6 ? 40 : 20, out, len;
	struct dataplane_gro gro;
	struct dataplane_gso g;
	uint16_t v;

	dataplane_gro_init(&gro, buf, 10);
	for (unsigned int k = 0; k < n; k++)
		assert_true(dataplane_gro_add(&gro, segs[k], lens[k]));
	out = dataplane_gro_finish(&gro);
	assert_int_equal(out, 10 + ip_hl + 32 + payload);
	assert_int_equal(dataplane_gro_finish(&gro), 0); /* emptied */
	assert_int_equal(buf[0], VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(buf[1], v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4);
	memcpy(&v, buf + 4, 2);
	assert_int_equal(v, mss);
	memcpy(&v, buf + 6, 2);
	assert_int_equal(v, ip_hl);
	if (!v6)
		assert_true(folds_to_ffff(sum16(buf + 10, 20)));
	assert_int_equal(buf[10 + ip_hl + 13] & 0x08, 0x08); /* PSH of the last one */
	/* the kernel's view: split again, must be the very segments we joined */
	assert_int_equal(dataplane_gso_parse(buf, buf + 10, out - 10, &g), 0);
	assert_int_equal(g.segments, n);
	for (unsigned int k = 0; k < n; k++) {
		assert_int_equal(dataplane_gso_segment(&g, buf + 10, out - 10, k, again,
						       sizeof(again), &len),
				 0);
		assert_int_equal(len, lens[k]);
		assert_memory_equal(again, segs[k], len);
	}
}

static void gro_round_trip(void **state)
{
	(void)state;
	join_and_split_again(false, 5000, 1448);
	join_and_split_again(false, 1448 * 44, 1448);
	join_and_split_again(true, 4000, 1428);
}

static void gro_refuses(void **state)
{
	static uint8_t segs[50][1600], buf[DATAPLANE_GRO_MAX + 10], other[1600];
	static size_t lens[50];
	/* 46 full segments (the TSO packet itself is over 64 KiB: only cut, never sent) */
	unsigned int n = cut(false, 1448 * 46, 1448, segs, lens);
	struct dataplane_gro gro;
	size_t out;

	(void)state;
	dataplane_gro_init(&gro, buf, 10);
	assert_true(dataplane_gro_add(&gro, segs[0], lens[0]));
	assert_false(dataplane_gro_add(&gro, segs[2], lens[2])); /* a gap */
	memcpy(other, segs[1], lens[1]);
	other[21] ^= 1; /* another source port */
	assert_false(dataplane_gro_add(&gro, other, lens[1]));
	memcpy(other, segs[1], lens[1]);
	other[8] = 63; /* another TTL */
	assert_false(dataplane_gro_add(&gro, other, lens[1]));
	memcpy(other, segs[1], lens[1]);
	other[20 + 20 + 7] ^= 1; /* another TSval (timestamp option) */
	assert_false(dataplane_gro_add(&gro, other, lens[1]));
	assert_false(dataplane_gro_add(&gro, segs[1], 52)); /* no payload: header lies */
	for (unsigned int k = 1; k < 45; k++)
		assert_true(dataplane_gro_add(&gro, segs[k], lens[k]));
	/* 52 + 45 * 1448 = 65212 fits, one more would pass 65535 */
	assert_false(dataplane_gro_add(&gro, segs[45], lens[45]));
	assert_int_equal(gro.segments, 45);
	out = dataplane_gro_finish(&gro);
	assert_int_equal(out, 10 + 52 + 45 * 1448);
	/* one segment alone goes out as it came, without offload flags */
	assert_true(dataplane_gro_add(&gro, segs[45], lens[45]));
	out = dataplane_gro_finish(&gro);
	assert_int_equal(out, 10 + lens[45]);
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[1], 0);
	assert_memory_equal(buf + 10, segs[45], lens[45]);
	/* PSH (the last of the burst) closes the train */
	assert_true(dataplane_gro_add(&gro, segs[n - 1], lens[n - 1]));
	assert_false(dataplane_gro_add(&gro, segs[0], lens[0]));
	(void)dataplane_gro_finish(&gro);
	/* not TCP, IPv4 options, fragments */
	memcpy(other, segs[3], lens[3]);
	other[9] = 17;
	assert_false(dataplane_gro_add(&gro, other, lens[3]));
	memcpy(other, segs[3], lens[3]);
	other[6] = 0x20; /* MF, no DF */
	assert_false(dataplane_gro_add(&gro, other, lens[3]));
	memcpy(other, segs[3], lens[3]);
	other[0] = 0x46;
	assert_false(dataplane_gro_add(&gro, other, lens[3]));
	assert_false(dataplane_gro_add(&gro, segs[3], 10));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tso_ipv4),
		cmocka_unit_test(tso_ipv6),
		cmocka_unit_test(partial_checksum_is_finished),
		cmocka_unit_test(malformed_headers),
		cmocka_unit_test(gro_round_trip),
		cmocka_unit_test(gro_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
