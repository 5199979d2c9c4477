/* ike_nat.c - NAT detection hashes (RFC 7296 §2.23, PROTOCOL.md §2). */
#include "ike/ike_sa.h"

#include <openssl/evp.h>
#include <string.h>

/* SHA-1(SPIi | SPIr | IP | port); SPIr is zero in the IKE_SA_INIT request */
int ike_nat_hash(uint64_t spi_i, uint64_t spi_r, const struct ike_addr *a,
		 uint8_t ret[IKE_NAT_HASH_LEN])
{
	uint8_t in[8 + 8 + 16 + 2];
	size_t alen = a->family == AF_INET6 ? 16 : 4;
	unsigned int len = 0;

	for (int i = 0; i < 8; i++) {
		in[i] = (uint8_t)(spi_i >> (56 - 8 * i));
		in[8 + i] = (uint8_t)(spi_r >> (56 - 8 * i));
	}
	memcpy(in + 16, a->family == AF_INET6 ? (const void *)&a->v6 : (const void *)&a->v4, alen);
	be16_store(in + 16 + alen, a->port);
	if (EVP_Digest(in, 18 + alen, ret, &len, EVP_sha1(), NULL) != 1 || len != IKE_NAT_HASH_LEN)
		return -EIO;
	return 0;
}
