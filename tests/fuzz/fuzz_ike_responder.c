/*
 * fuzz_ike_responder.c - libFuzzer harness for the engine's input path as the
 * gateway runs it: a configured responder takes the datagram (IKE_SA_INIT handling,
 * proposal choice, KE checks, cookies, SPI lookup, window checks, fragment framing).
 * A fixed seed makes runs reproducible; the context is rebuilt every 256 inputs so
 * half-open SAs do not pile up.
 */
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ike/ike.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ike *gw;
static struct rng_fake rng;
static EVP_PKEY *key;
static unsigned int runs;

static void setup(void)
{
	static uint8_t cert[16] = {0x30};
	struct ike_der der = {cert, sizeof(cert)};
	struct ike_responder_config rc = {0};

	if (!key)
		key = EVP_EC_gen("P-256");
	rng_fake_init(&rng, 42);
	gw = ike_new(IKE_ROLE_RESPONDER, &rng.ops);
	ike_policy_gateway_default(&rc.policy, true);
	rc.sign_key = key;
	rc.certs = &der;
	rc.n_certs = 1;
	rc.half_open_limit = 64;
	if (ike_responder_configure(gw, &rc) < 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_dgram d = {0};
	struct ike_action a;

	if (!gw || ++runs % 256 == 0) {
		gw = ike_free(gw);
		setup();
	}
	d.local.family = d.remote.family = AF_INET;
	d.local.v4.s_addr = htonl(0x0a020002);
	d.remote.v4.s_addr = htonl(0x0a010002);
	d.local.port = size & 1 ? 4500 : 500;
	d.remote.port = 40000;
	if (ike_input(gw, 1000000, &d, data, size) < 0)
		__builtin_trap(); /* only our own misuse may fail */
	(void)ike_tick(gw, 1000000);
	while (ike_next_action(gw, &a))
		ike_action_done(&a);
	return 0;
}
