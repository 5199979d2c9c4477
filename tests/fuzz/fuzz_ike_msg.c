/*
 * fuzz_ike_msg.c - libFuzzer harness for the IKEv2 decoder (STYLE.md §8): the whole
 * message as it comes off the wire, then the same bytes after the header as the
 * inner payload chain of a decrypted SK body (first type from header byte 16).
 */
#include <stddef.h>
#include <stdint.h>

#include "ike/ike_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ike_msg m;

	(void)ike_msg_decode(data, size, &m);
	if (size > IKE_HDR_LEN) {
		struct ike_msg inner = {0};

		(void)ike_msg_decode_inner(&inner, data[16], data + IKE_HDR_LEN,
					   size - IKE_HDR_LEN);
	}
	return 0;
}
