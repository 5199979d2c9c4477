/*
 * fuzz_eap_anyconnect.c - libFuzzer harness for the aggregate-auth XML parser
 * (PROTOCOL.md §6.2) and the AnyConnect method behind it: the input as a document,
 * then the same bytes wrapped in an EAP-AnyConnect Request to a peer (which parses,
 * answers any form from configured credentials, and echoes the opaque) and in a
 * Response to a server that just sent hello.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/buf.h"
#include "core/rng.h"
#include "core/secret.h"
#include "eap/eap.h"
#include "eap/eap_acxml.h"
#include "eap/eap_pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *wrap(uint8_t code, uint8_t id, const uint8_t *xml, size_t n, size_t *ret_len)
{
	struct buf_writer body, wr;
	uint8_t *p = NULL;

	buf_writer_init(&body);
	buf_writer_init(&wr);
	buf_put_u16(&body, 0);
	buf_put_u16(&body, (uint16_t)n);
	buf_put_bytes(&body, xml, n);
	if (eap_pkt_build_expanded(&wr, code, id, EAP_VENDOR_CISCO, EAP_VENDOR_TYPE_ANYCONNECT,
				   body.data, body.len) == 0)
		p = buf_writer_steal(&wr, ret_len);
	buf_writer_done(&body);
	buf_writer_done(&wr);
	return p;
}

static void as_peer(const uint8_t *pkt, size_t n)
{
	struct secret *pw = secret_from_str("pw");
	struct eap_peer_config pc = {.username = "u", .password = pw};
	struct eap_peer *peer = eap_peer_new(&pc);

	(void)eap_peer_input(peer, pkt, n);
	eap_peer_free(peer);
	secret_free(pw);
}

static void as_server(const uint8_t *xml, size_t n)
{
	struct rng_fake rng;
	struct eap_server_config sc = {.method = EAP_METHOD_ANYCONNECT, .rng = &rng.ops};
	struct eap_server *srv;
	const uint8_t *req;
	size_t rn, pn;
	uint8_t *pkt;

	rng_fake_init(&rng, 1);
	srv = eap_server_new(&sc);
	if (eap_server_start(srv) == EAP_STATUS_SEND) {
		eap_server_packet(srv, &req, &rn);
		pkt = wrap(EAP_CODE_RESPONSE, req[1], xml, n, &pn);
		if (pkt)
			(void)eap_server_input(srv, pkt, pn);
		free(pkt);
	}
	eap_server_free(srv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eap_acxml *m = NULL;
	uint8_t *pkt;
	size_t n;

	if (eap_acxml_parse(data, size, &m, NULL, 0) == 0)
		eap_acxml_free(m);
	if (size > 0xffff - 16)
		return 0;
	pkt = wrap(EAP_CODE_REQUEST, 1, data, size, &n);
	if (pkt)
		as_peer(pkt, n);
	free(pkt);
	as_server(data, size);
	return 0;
}
