/*
 * fuzz_eap.c - libFuzzer harness for EAP framing (RFC 3748 §4) and the engines behind
 * it: the input as one packet to the parser, to a peer (every method allowed,
 * credentials configured), and as the answer to a server's first Request for each
 * method (the identifier patched to the one the server expects, so the fuzzer gets
 * past the check and into the methods).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/secret.h"
#include "eap/eap.h"
#include "eap/eap_pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int lookup(void *user_data, const char *user, enum eap_cred_type type, struct secret **ret)
{
	(void)user_data;
	(void)user;
	if (type != EAP_CRED_CLEARTEXT)
		return -ENOENT;
	*ret = secret_from_str("pw");
	return 0;
}

static void as_peer(const uint8_t *data, size_t size)
{
	struct secret *pw = secret_from_str("pw");
	struct rng_fake rng;
	struct eap_peer_config pc = {.rng = &rng.ops, .username = "u", .password = pw};
	struct eap_peer *peer;

	rng_fake_init(&rng, 1);
	peer = eap_peer_new(&pc);
	(void)eap_peer_input(peer, data, size);
	eap_peer_free(peer);
	secret_free(pw);
}

static void as_server(enum eap_method m, const uint8_t *data, size_t size)
{
	struct rng_fake rng;
	struct eap_server_config sc = {.method = m,
				       .methods = EAP_METHODS_ALL,
				       .rng = &rng.ops,
				       .userdb = {.lookup = lookup},
				       .identity = "u"};
	struct eap_server *srv;
	const uint8_t *req;
	uint8_t *copy;
	size_t n;

	rng_fake_init(&rng, 2);
	srv = eap_server_new(&sc);
	if (eap_server_start(srv) == EAP_STATUS_SEND && size >= 2) {
		eap_server_packet(srv, &req, &n);
		copy = malloc(size);
		memcpy(copy, data, size);
		copy[1] = req[1];
		(void)eap_server_input(srv, copy, size);
		free(copy);
	}
	eap_server_free(srv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eap_pkt pkt;
	int m;

	(void)eap_pkt_parse(data, size, &pkt);
	as_peer(data, size);
	for (m = 0; m < _EAP_METHOD_MAX; m++)
		as_server((enum eap_method)m, data, size);
	return 0;
}
