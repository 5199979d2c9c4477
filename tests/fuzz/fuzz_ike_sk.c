/*
 * fuzz_ike_sk.c - libFuzzer harness for what lies inside SK{} (STYLE.md §8): an
 * initiator and a responder establish a PSK IKE SA in memory once (re-established
 * whenever an input ends it); each input is then sealed with the initiator's real
 * keys as a request of the exchange type in byte 0, whose first inner payload type
 * is byte 1, and handed to the responder; its answer goes back to the initiator.
 * So the payload decoders and every exchange handler see arbitrary authenticated
 * content, as only a peer holding the keys could send it.
 */
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ike/cisco_compat.h"
#include "ike/ike.h"
#include "ike/ike_sa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SID   "rIUHKccDRiUtFTATwq"
#define TOKEN "E0CB21612620F736F899721C620F73BC5237D966436EC70B3EC235375CA3E0B0"

static struct ike *cli, *gw;
static struct rng_fake rng_c, rng_g;
static EVP_PKEY *key;
static struct ike_der cert;
static uint64_t cli_sa;
static usec_t now = 1000 * USEC_PER_SEC;

static int accept_certs(void *ud, uint64_t sa, const struct ike_der *c, size_t n)
{
	return 0;
}

static int authorize(void *ud, uint64_t sa, const struct ike_id *idi, bool has_auth,
		     struct secret **ret)
{
	*ret = secret_from_str(TOKEN);
	return IKE_AUTHZ_PSK;
}

static int cp_reply(void *ud, uint64_t sa, const struct ike_cfg *req, struct ike_cfg *reply)
{
	reply->has = IKE_CFG_HAS_IP4;
	reply->ip4.s_addr = htonl(0xc0a81405);
	return 0;
}

static void make_cert(void)
{
	X509 *x = X509_new();
	unsigned char *der = NULL;
	int n;

	key = EVP_EC_gen("P-256");
	X509_set_version(x, 2);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_sign(x, key, EVP_sha256());
	n = i2d_X509(x, &der);
	cert.data = der;
	cert.len = n > 0 ? (size_t)n : 0;
	X509_free(x);
}

/* Moves every datagram between the two until both are quiet. */
static void pump(void)
{
	struct ike_action a;
	bool busy = true;

	while (busy) {
		busy = false;
		for (int side = 0; side < 2; side++) {
			struct ike *from = side ? gw : cli, *to = side ? cli : gw;

			while (ike_next_action(from, &a)) {
				struct ike_dgram d = {0};

				busy = true;
				if (a.type == IKE_ACTION_SEND) {
					d.local = a.send.path.remote;
					d.remote = a.send.path.local;
					(void)ike_input(to, now, &d, a.send.data, a.send.len);
				}
				ike_action_done(&a);
			}
		}
	}
}

static void establish(void)
{
	static const struct ike_hooks ch = {.verify_peer_certs = accept_certs};
	static const struct ike_hooks gh = {.authorize = authorize, .cp_reply = cp_reply};
	struct ike_responder_config rc = {0};
	struct ike_initiator_config c = {0};
	struct secret *psk = secret_from_str(TOKEN);

	cli = ike_free(cli);
	gw = ike_free(gw);
	rng_fake_init(&rng_c, 1);
	rng_fake_init(&rng_g, 2);
	cli = ike_new(IKE_ROLE_INITIATOR, &rng_c.ops);
	gw = ike_new(IKE_ROLE_RESPONDER, &rng_g.ops);
	ike_set_hooks(cli, &ch, NULL, NULL);
	ike_set_hooks(gw, &gh, NULL, NULL);
	ike_policy_gateway_default(&rc.policy, true);
	rc.sign_key = key;
	rc.certs = &cert;
	rc.n_certs = 1;
	if (ike_responder_configure(gw, &rc) < 0)
		__builtin_trap();
	ike_policy_client_default(&c.policy);
	c.idi.type = IKE_ID_KEY_ID;
	c.idi.len = sizeof(SID) - 1;
	memcpy(c.idi.data, SID, c.idi.len);
	c.auth = IKE_AUTH_MODE_PSK;
	c.psk = psk;
	c.path.local.family = c.path.remote.family = AF_INET;
	c.path.local.v4.s_addr = htonl(0x0a010002);
	c.path.local.port = 40000;
	c.path.remote.v4.s_addr = htonl(0x0a020002);
	c.path.remote.port = 500;
	if (ike_initiate(cli, &c, now, &cli_sa) < 0)
		__builtin_trap();
	pump();
	secret_free(psk);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t exchanges[] = {IKE_EXCHANGE_INFORMATIONAL,
					    IKE_EXCHANGE_CREATE_CHILD_SA, IKE_EXCHANGE_AUTH};
	struct ike_msg_build b;
	struct ike_sa *sa;

	if (!key)
		make_cert();
	if (size < 2)
		return 0;
	sa = cli ? ike_sa_find(cli, cli_sa) : NULL;
	if (!sa || sa->state != IKE_SA_STATE_ESTABLISHED) {
		establish();
		sa = ike_sa_find(cli, cli_sa);
		if (!sa || sa->state != IKE_SA_STATE_ESTABLISHED)
			__builtin_trap(); /* the harness itself must work */
	}
	if (sa->req.kind != IKE_REQ_NONE)
		ike_timers_request_answered(sa);
	ike_msg_build_init_inner(&b);
	(void)buf_put_bytes(&b.wr, data + 2, size - 2);
	b.first = data[1];
	(void)ike_wire_send_request(sa, IKE_REQ_DPD, exchanges[data[0] % sizeof(exchanges)], &b,
				    now);
	ike_msg_build_done(&b);
	pump();
	now += USEC_PER_SEC;
	(void)ike_tick(cli, now);
	(void)ike_tick(gw, now);
	pump();
	return 0;
}
