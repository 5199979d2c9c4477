/*
 * fuzz_esp_gro.c - libFuzzer harness for the TUN offload code that sees inner packets
 * from the peer (dataplane_gro: opened ESP payloads are peer-controlled, only
 * authenticated) and from the kernel (dataplane_gso).
 *
 * Input: records of [u16 length][bytes]. The first record is a virtio_net_hdr plus
 * packet for dataplane_gso_parse/segment/finish_csum; the rest are offered to a GRO
 * train, which is finished, parsed back as the kernel would and split again.
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "platform/linux/dataplane_gro.h"
#include "platform/linux/dataplane_gso.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t train[DATAPLANE_GRO_MAX + DATAPLANE_VNET_HDR_LEN];
static uint8_t seg[DATAPLANE_GRO_MAX];

/* Splits a vnet packet the way the TX thread does; every segment must fit. */
static void split_all(const uint8_t *vnet, uint8_t *pkt, size_t len)
{
	struct dataplane_gso g;
	size_t n;

	if (dataplane_gso_parse(vnet, pkt, len, &g) < 0)
		return;
	if (!g.tso) {
		(void)dataplane_gso_finish_csum(&g, pkt, len);
		return;
	}
	for (unsigned int k = 0; k < g.segments; k++)
		if (dataplane_gso_segment(&g, pkt, len, k, seg, sizeof(seg), &n) == 0 &&
		    n > g.hdr_len + g.mss)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dataplane_gro gro;
	bool first = true;
	size_t n;

	dataplane_gro_init(&gro, train, DATAPLANE_VNET_HDR_LEN);
	while (size >= 2) {
		size_t len = be16_load(data);
		uint8_t *copy;

		data += 2, size -= 2;
		if (len > size)
			len = size;
		copy = malloc(len ? len : 1);
		memcpy(copy, data, len);
		if (first && len >= DATAPLANE_VNET_HDR_LEN)
			split_all(copy, copy + DATAPLANE_VNET_HDR_LEN,
				  len - DATAPLANE_VNET_HDR_LEN);
		else if (!first && !dataplane_gro_add(&gro, copy, len))
			(void)dataplane_gro_finish(&gro);
		first = false;
		free(copy);
		data += len, size -= len;
	}
	n = dataplane_gro_finish(&gro);
	if (n) {
		if (n < DATAPLANE_VNET_HDR_LEN || n > sizeof(train))
			abort();
		split_all(train, train + DATAPLANE_VNET_HDR_LEN, n - DATAPLANE_VNET_HDR_LEN);
	}
	return 0;
}
