/*
 * test_eap_anyconnect.c - EAP-AnyConnect (aggregate auth, PROTOCOL.md §6): the XML
 * documents of §6.3, hostile XML, the opaque echoed byte for byte, and whole
 * peer <-> server conversations (wrong password then right, max-login-attempts,
 * auto-filled credentials, host scan, client certificate request, profile manifest).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/rng.h"
#include "core/secret.h"
#include "core/xmalloc.h"
#include "eap/eap.h"
#include "eap/eap_acxml.h"
#include "eap/eap_pkt.h"

#define MACHINE_ID "0123456789abcdef0123456789abcdef\n"
#define UNIQUE_ID  "9A3DE7488E0AA49CBF817F92FE2FEEBAC988AD1FF504CDC619D0462045AB17C2"

static const char *const macs[] = {"52-54-00-3a-7c-11", "52-54-00-aa-bb-cc"};

static const struct eap_client_info client = {
	.version = "5.1.8.105",
	.computer_name = "laptop-17",
	.device_type = "x86_64",
	.platform_version = "6.8.0-45-generic",
	.machine_id = (const uint8_t *)MACHINE_ID,
	.machine_id_len = sizeof(MACHINE_ID) - 1,
	.macs = macs,
	.n_macs = 2,
	.group_access = "https://flexvpn-c8kv.example.com",
};

static uint8_t *load(const char *name, size_t *ret_len)
{
	char path[512];
	FILE *f;
	uint8_t *buf = xmalloc(1 << 16);
	size_t n;

	snprintf(path, sizeof(path), "%s/eap/%s", ANYROAM_TESTDATA, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(buf, 1, 1 << 16, f);
	fclose(f);
	*ret_len = n;
	return buf;
}

static int parse_file(const char *name, struct eap_acxml **ret, char *err, size_t errlen)
{
	size_t n;
	uint8_t *xml = load(name, &n);
	int r = eap_acxml_parse(xml, n, ret, err, errlen);

	free(xml);
	return r;
}

/* An AnyConnect EAP packet around an XML document. */
static uint8_t *ac_pkt(uint8_t code, uint8_t id, const void *xml, size_t xml_len, size_t *ret_len)
{
	struct buf_writer body, wr;

	buf_writer_init(&body);
	buf_writer_init(&wr);
	buf_put_u16(&body, 0);
	buf_put_u16(&body, (uint16_t)xml_len);
	buf_put_bytes(&body, xml, xml_len);
	assert_int_equal(eap_pkt_build_expanded(&wr, code, id, EAP_VENDOR_CISCO,
						EAP_VENDOR_TYPE_ANYCONNECT, body.data, body.len),
			 0);
	buf_writer_done(&body);
	return buf_writer_steal(&wr, ret_len);
}

/* The XML of an AnyConnect packet, NUL-terminated for strstr. */
static char *ac_xml(const uint8_t *pkt, size_t n)
{
	struct eap_pkt p;

	assert_int_equal(eap_pkt_parse(pkt, n, &p), 0);
	assert_int_equal(p.type, EAP_TYPE_EXPANDED);
	assert_true(p.data_len >= 4);
	assert_int_equal(be16_load(p.data + 2), p.data_len - 4);
	return xstrndup((const char *)p.data + 4, p.data_len - 4);
}

/* ---- documents ---- */

static void protocol_examples_parse(void **state)
{
	struct eap_acxml *m = NULL;
	char err[160];

	(void)state;
	assert_int_equal(parse_file("hello.xml", &m, err, sizeof(err)), 0);
	assert_int_equal(m->type, EAP_ACXML_HELLO);
	m = eap_acxml_free(m);

	assert_int_equal(parse_file("init.xml", &m, err, sizeof(err)), 0);
	assert_int_equal(m->type, EAP_ACXML_INIT);
	assert_string_equal(m->client.version, "5.1.8.105");
	assert_string_equal(m->client.computer_name, "laptop-17");
	assert_string_equal(m->client.platform_version, "6.8.0-45-generic");
	assert_int_equal(m->client.n_macs, 1);
	assert_string_equal(m->group_access, "https://flexvpn-c8kv.example.com");
	m = eap_acxml_free(m);

	assert_int_equal(parse_file("auth-request.xml", &m, err, sizeof(err)), 0);
	assert_int_equal(m->type, EAP_ACXML_AUTH_REQUEST);
	assert_string_equal(m->tunnel_group, "AnyConnect-EAP");
	assert_string_equal(m->config_hash, "4173058822");
	assert_string_equal(m->auth_id, "main");
	assert_string_equal(m->message, "Please enter your username and password.");
	assert_non_null(m->form);
	assert_int_equal(m->form->n_fields, 2);
	assert_int_equal(m->form->fields[1].type, EAP_FIELD_PASSWORD);
	assert_string_equal(m->form->fields[1].label, "Password:");
	assert_memory_equal(m->opaque, "<opaque is-for=\"sg\"><tunnel-group>", 34);
	m = eap_acxml_free(m);

	assert_int_equal(parse_file("auth-reply.xml", &m, err, sizeof(err)), 0);
	assert_int_equal(m->type, EAP_ACXML_AUTH_REPLY);
	assert_int_equal(m->answers.n, 2);
	assert_true(secret_eq_bytes(eap_answers_get(&m->answers, "password"), "cisco", 5));
	m = eap_acxml_free(m);

	assert_int_equal(parse_file("complete.xml", &m, err, sizeof(err)), 0);
	assert_int_equal(m->type, EAP_ACXML_COMPLETE);
	assert_string_equal(m->session_id, "rIUHKccDRiUtFTATwq");
	assert_int_equal(secret_len(m->session_token), 64);
	assert_null(m->profile_url);
	m = eap_acxml_free(m);

	assert_int_equal(parse_file("complete-manifest.xml", &m, err, sizeof(err)), 0);
	assert_string_equal(m->profile_url, "/CACHE/stc/profiles/anyroam.xml");
	assert_string_equal(m->profile_hash, "A1B2C3D4E5F60718293A4B5C6D7E8F9012345678");
	assert_string_equal(m->banner, "Authorised use only.");
	m = eap_acxml_free(m);

	assert_int_equal(parse_file("ack.xml", &m, err, sizeof(err)), 0);
	assert_int_equal(m->type, EAP_ACXML_ACK);
	eap_acxml_free(m);
}

static void hostile_documents(void **state)
{
	static const struct {
		const char *file, *why;
		int r;
	} bad[] = {
		{"billion-laughs.xml", "DOCTYPE", -EBADMSG},
		{"xxe.xml", "DOCTYPE", -EBADMSG},
		{"xxe-param.xml", "DOCTYPE", -EBADMSG},
		{"undeclared-entity.xml", "malformed XML", -EBADMSG},
		{"wrong-root.xml", "root element", -EBADMSG},
		{"unknown-type.xml", "unknown <config-auth> type", -EBADMSG},
	};
	struct eap_acxml *m = NULL;
	char err[160];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		assert_int_equal(parse_file(bad[i].file, &m, err, sizeof(err)), bad[i].r);
		assert_null(m);
		assert_non_null(strstr(err, bad[i].why));
	}
}

static void oversized_document(void **state)
{
	static const char head[] = "<?xml version=\"1.0\"?><config-auth type=\"hello\">";
	size_t n = 10u * 1024 * 1024;
	char *big = xmalloc(n), err[160] = "";
	struct eap_acxml *m = NULL;

	(void)state;
	memcpy(big, head, sizeof(head) - 1);
	memset(big + sizeof(head) - 1, ' ', n - (sizeof(head) - 1));
	assert_int_equal(eap_acxml_parse((uint8_t *)big, n, &m, err, sizeof(err)), -EMSGSIZE);
	assert_non_null(strstr(err, "cap"));
	/* one byte over the cap is over, the cap itself is parsed */
	assert_int_equal(eap_acxml_parse((uint8_t *)big, EAP_XML_MAX + 1, &m, NULL, 0), -EMSGSIZE);
	free(big);
	assert_null(m);
}

/* Every proper prefix of a valid document is malformed, and never a crash. */
static void truncated_documents(void **state)
{
	size_t n, i;
	uint8_t *xml = load("auth-request-odd-opaque.xml", &n);
	struct eap_acxml *m = NULL;

	(void)state;
	while (n > 0 && (xml[n - 1] == '\n' || xml[n - 1] == ' '))
		n--;
	for (i = 0; i < n; i++) {
		assert_int_equal(eap_acxml_parse(xml, i, &m, NULL, 0),
				 i == 0 ? -EBADMSG : -EBADMSG);
		assert_null(m);
	}
	assert_int_equal(eap_acxml_parse(xml, n, &m, NULL, 0), 0);
	eap_acxml_free(m);
	free(xml);
}

static void odd_opaque_verbatim(void **state)
{
	size_t n;
	uint8_t *xml = load("auth-request-odd-opaque.xml", &n);
	const char *start = strstr((const char *)xml, "<opaque   is-for='sg'");
	const char *end = strstr(start, "keep me");
	struct eap_acxml *m = NULL;
	char err[160] = "";

	(void)state;
	end = strstr(end, "</opaque>") + strlen("</opaque>");
	assert_int_equal(eap_acxml_parse(xml, n, &m, err, sizeof(err)), 0);
	assert_string_equal(m->tunnel_group, "AnyConnect-EAP");
	assert_int_equal(m->opaque_len, (size_t)(end - start));
	assert_memory_equal(m->opaque, start, m->opaque_len);
	assert_string_equal(m->error, "Login failed.");
	assert_string_equal(m->banner, "Welcome to the lab.");
	/* username, password, secondary_password, csrf (hidden), group_list; not submit */
	assert_int_equal(m->form->n_fields, 5);
	assert_string_equal(m->form->fields[3].value, "tok&en");
	assert_int_equal(m->form->fields[4].type, EAP_FIELD_SELECT);
	assert_int_equal(m->form->fields[4].n_options, 2);
	assert_string_equal(m->form->fields[4].value, "contractors"); /* selected, no value="" */
	eap_acxml_free(m);
	free(xml);
}

/* ---- user database ---- */

static int lookup(void *user_data, const char *name, enum eap_cred_type type, struct secret **ret)
{
	_cleanup_secret_ struct secret *pw = NULL;
	struct rng_fake rng;

	(void)user_data;
	if (strcmp(name, "test") != 0 || type != EAP_CRED_VERIFIER)
		return -ENOENT;
	pw = secret_from_str("cisco");
	rng_fake_init(&rng, 7);
	return eap_verifier_new(pw, &rng.ops, ret);
}

static int issued;

static int issue(void *user_data, const char *user, char **ret_id, struct secret **ret_token)
{
	assert_string_equal(user, "test");
	assert_ptr_equal(user_data, &issued);
	issued++;
	*ret_id = xstrdup("rIUHKccDRiUtFTATwq");
	*ret_token =
		secret_from_str("E0CB21612620F736F899721C620F73BC5237D966436EC70B3EC235375CA3E0B0");
	return 0;
}

static void destroy_issuer(void *user_data)
{
	*(int *)user_data += 100;
}

struct conv {
	struct rng_fake srng;
	struct eap_server *srv;
	struct eap_peer *peer;
	const uint8_t *b;
	size_t n;
};

static void conv_init(struct conv *c, const struct eap_peer_config *pc, struct eap_server_config sc)
{
	rng_fake_init(&c->srng, 3);
	sc.method = EAP_METHOD_ANYCONNECT;
	sc.rng = &c->srng.ops;
	sc.userdb.lookup = lookup;
	c->srv = eap_server_new(&sc);
	c->peer = eap_peer_new(pc);
}

static void conv_done(struct conv *c)
{
	c->srv = eap_server_free(c->srv);
	c->peer = eap_peer_free(c->peer);
}

/* Server packet -> peer; returns the peer's status. */
static int to_peer(struct conv *c)
{
	eap_server_packet(c->srv, &c->b, &c->n);
	assert_non_null(c->b);
	return eap_peer_input(c->peer, c->b, c->n);
}

/* Peer packet -> server; returns the server's status. */
static int to_server(struct conv *c)
{
	eap_peer_packet(c->peer, &c->b, &c->n);
	assert_non_null(c->b);
	return eap_server_input(c->srv, c->b, c->n);
}

static int answer(struct conv *c, const char *user, const char *pw)
{
	_cleanup_secret_ struct secret *u = secret_from_str(user), *p = secret_from_str(pw);
	const struct eap_answer a[] = {{"username", u}, {"password", p}};

	return eap_peer_answer(c->peer, a, 2);
}

static void full_login_wrong_then_right(void **state)
{
	struct eap_peer_config pc = {.methods = EAP_METHOD_BIT(EAP_METHOD_ANYCONNECT),
				     .client = client};
	const struct eap_form *form;
	_cleanup_free_ char *init = NULL, *reply = NULL, *ack = NULL;
	const struct eap_peer_outcome *po;
	const struct eap_server_outcome *so;
	struct conv c;

	(void)state;
	issued = 0;
	conv_init(&c, &pc,
		  (struct eap_server_config){
			  .issuer = {issue, &issued, destroy_issuer},
			  .tunnel_group = "AnyConnect-EAP",
			  .config_hash = "4173058822",
			  .banner = "Lab gateway",
		  });
	/* <-- hello; init --> */
	assert_int_equal(eap_server_start(c.srv), EAP_STATUS_SEND);
	assert_int_equal(to_peer(&c), EAP_STATUS_SEND);
	eap_peer_packet(c.peer, &c.b, &c.n);
	init = ac_xml(c.b, c.n);
	assert_non_null(strstr(init, "type=\"init\""));
	assert_non_null(strstr(init, "<version who=\"vpn\">5.1.8.105</version>"));
	assert_non_null(strstr(init, "<mac-address public-interface=\"true\">52-54-00-3a-7c-11"));
	assert_non_null(strstr(init, "<mac-address>52-54-00-aa-bb-cc</mac-address>"));
	assert_non_null(strstr(init, "<group-access>https://flexvpn-c8kv.example.com<"));
	assert_null(strstr(init, "0123456789abcdef")); /* the raw machine id never leaves */
	/* SHA-256("0123456789abcdef0123456789abcdef" "anyroam-unique-id"), newline dropped */
	assert_non_null(strstr(init, "unique-id=\"" UNIQUE_ID "\""));
	/* <-- auth-request: the form goes to the caller */
	assert_int_equal(to_server(&c), EAP_STATUS_SEND);
	assert_int_equal(to_peer(&c), EAP_STATUS_NEED_INPUT);
	form = eap_peer_form(c.peer);
	assert_non_null(form);
	assert_int_equal(form->method, EAP_METHOD_ANYCONNECT);
	assert_string_equal(form->message, "Please enter your username and password.");
	assert_string_equal(form->banner, "Lab gateway");
	assert_null(form->error);
	assert_int_equal(form->n_fields, 2);
	/* auth-reply (wrong password) --> ; <-- auth-request with <error> */
	assert_int_equal(answer(&c, "test", "Cisco"), EAP_STATUS_SEND);
	eap_peer_packet(c.peer, &c.b, &c.n);
	reply = ac_xml(c.b, c.n);
	assert_non_null(strstr(reply, "<opaque is-for=\"sg\"><tunnel-group>AnyConnect-EAP</tunnel-"
				      "group><config-hash>4173058822</config-hash></opaque>"));
	assert_non_null(strstr(reply, "<auth><username>test</username><password>Cisco</password>"));
	assert_non_null(strstr(reply, "<session-token></session-token><session-id></session-id>"));
	assert_int_equal(to_server(&c), EAP_STATUS_SEND);
	assert_int_equal(to_peer(&c), EAP_STATUS_NEED_INPUT);
	form = eap_peer_form(c.peer);
	assert_string_equal(form->error, "Login failed.");
	assert_string_equal(eap_peer_outcome(c.peer)->last_error, "Login failed.");
	assert_int_equal(eap_server_outcome(c.srv)->failed_attempts, 1);
	/* auth-reply (right) --> ; <-- complete ; ack --> ; <-- Success */
	assert_int_equal(answer(&c, "test", "cisco"), EAP_STATUS_SEND);
	assert_int_equal(to_server(&c), EAP_STATUS_SEND);
	assert_int_equal(issued, 1);
	assert_int_equal(to_peer(&c), EAP_STATUS_SEND);
	eap_peer_packet(c.peer, &c.b, &c.n);
	ack = ac_xml(c.b, c.n);
	assert_non_null(strstr(ack, "type=\"ack\""));
	assert_non_null(strstr(ack, "<version who=\"vpn\">5.1.8.105</version>"));
	assert_int_equal(to_server(&c), EAP_STATUS_SUCCESS);
	assert_int_equal(to_peer(&c), EAP_STATUS_SUCCESS);
	assert_int_equal(c.n, 4);

	po = eap_peer_outcome(c.peer);
	so = eap_server_outcome(c.srv);
	assert_int_equal(po->method, EAP_METHOD_ANYCONNECT);
	assert_string_equal(po->session_id, "rIUHKccDRiUtFTATwq");
	assert_true(secret_eq(po->session_token, so->session_token));
	assert_null(po->msk);
	assert_null(so->msk);
	assert_null(po->last_error); /* the re-prompt's complaint is history */
	assert_string_equal(so->user, "test");
	assert_string_equal(so->client_version, "5.1.8.105");
	assert_string_equal(so->computer_name, "laptop-17");
	assert_null(so->reason);
	conv_done(&c);
	assert_int_equal(issued, 101); /* destroy ran with the server */
}

static void max_login_attempts(void **state)
{
	struct eap_peer_config pc = {.client = client};
	struct conv c;
	int i, r;

	(void)state;
	conv_init(&c, &pc, (struct eap_server_config){.max_login_attempts = 2});
	assert_int_equal(eap_server_start(c.srv), EAP_STATUS_SEND);
	assert_int_equal(to_peer(&c), EAP_STATUS_SEND);
	assert_int_equal(to_server(&c), EAP_STATUS_SEND);
	for (i = 0; i < 2; i++) {
		assert_int_equal(to_peer(&c), EAP_STATUS_NEED_INPUT);
		assert_int_equal(answer(&c, i ? "nobody" : "test", "wrong"), EAP_STATUS_SEND);
		r = to_server(&c);
	}
	assert_int_equal(r, EAP_STATUS_FAILURE);
	assert_int_equal(to_peer(&c), EAP_STATUS_FAILURE);
	assert_string_equal(eap_peer_outcome(c.peer)->last_error, "Login failed.");
	assert_int_equal(eap_server_outcome(c.srv)->failed_attempts, 2);
	assert_non_null(strstr(eap_server_outcome(c.srv)->reason, "2 of 2"));
	assert_null(eap_server_outcome(c.srv)->session_token);
	conv_done(&c);
}

/* Configured credentials answer the first plain form without asking. */
static void autofill(void **state)
{
	_cleanup_secret_ struct secret *pw = secret_from_str("cisco");
	struct eap_peer_config pc = {.client = client, .username = "test", .password = pw};
	struct conv c;

	(void)state;
	conv_init(&c, &pc, (struct eap_server_config){0});
	assert_int_equal(eap_server_start(c.srv), EAP_STATUS_SEND);
	assert_int_equal(to_peer(&c), EAP_STATUS_SEND); /* init */
	assert_int_equal(to_server(&c), EAP_STATUS_SEND);
	assert_int_equal(to_peer(&c), EAP_STATUS_SEND); /* auth-reply, no form */
	assert_int_equal(to_server(&c), EAP_STATUS_SEND);
	assert_int_equal(to_peer(&c), EAP_STATUS_SEND); /* ack */
	assert_int_equal(to_server(&c), EAP_STATUS_SUCCESS);
	assert_int_equal(to_peer(&c), EAP_STATUS_SUCCESS);
	/* the default generator: 18 letters, 64 hex characters */
	assert_int_equal(strlen(eap_peer_outcome(c.peer)->session_id), 18);
	assert_int_equal(secret_len(eap_peer_outcome(c.peer)->session_token), 64);
	conv_done(&c);
}

/* A stored wrong password is used once; the re-prompt goes to the user. */
static void autofill_only_once(void **state)
{
	_cleanup_secret_ struct secret *pw = secret_from_str("stale");
	struct eap_peer_config pc = {.client = client, .username = "test", .password = pw};
	const struct eap_form *form;
	struct conv c;

	(void)state;
	conv_init(&c, &pc, (struct eap_server_config){0});
	assert_int_equal(eap_server_start(c.srv), EAP_STATUS_SEND);
	assert_int_equal(to_peer(&c), EAP_STATUS_SEND);
	assert_int_equal(to_server(&c), EAP_STATUS_SEND);
	assert_int_equal(to_peer(&c), EAP_STATUS_SEND);
	assert_int_equal(to_server(&c), EAP_STATUS_SEND);
	assert_int_equal(to_peer(&c), EAP_STATUS_NEED_INPUT);
	form = eap_peer_form(c.peer);
	assert_string_equal(form->error, "Login failed.");
	assert_string_equal(form->fields[0].value, "test"); /* known user name offered */
	conv_done(&c);
}

/* The odd gateway document: the reply carries its opaque verbatim, the hidden value,
 * the chosen select option and the second factor. */
static void peer_echoes_opaque(void **state)
{
	_cleanup_secret_ struct secret *u = secret_from_str("test"), *p = secret_from_str("pw<&>"),
				       *otp = secret_from_str("123456"),
				       *grp = secret_from_str("staff"),
				       *bad = secret_from_str("admins");
	struct eap_peer_config pc = {.client = client};
	struct eap_peer *peer = eap_peer_new(&pc);
	size_t n, pn, rn;
	uint8_t *xml = load("auth-request-odd-opaque.xml", &n);
	uint8_t *pkt = ac_pkt(EAP_CODE_REQUEST, 9, xml, n, &pn);
	const char *start = strstr((const char *)xml, "<opaque   is-for='sg'"), *end;
	const uint8_t *resp;
	_cleanup_free_ char *reply = NULL, *want = NULL;
	const struct eap_form *form;

	(void)state;
	end = strstr(strstr(start, "keep me"), "</opaque>") + strlen("</opaque>");
	want = xstrndup(start, (size_t)(end - start));
	assert_int_equal(eap_peer_input(peer, pkt, pn), EAP_STATUS_NEED_INPUT);
	form = eap_peer_form(peer);
	assert_int_equal(form->n_fields, 5);
	/* a select answer must be one of the options */
	assert_int_equal(eap_peer_answer(peer,
					 (struct eap_answer[]){{"username", u},
							       {"password", p},
							       {"secondary_password", otp},
							       {"group_list", bad}},
					 4),
			 -EINVAL);
	assert_int_equal(eap_peer_answer(peer,
					 (struct eap_answer[]){{"username", u},
							       {"password", p},
							       {"secondary_password", otp},
							       {"group_list", grp}},
					 4),
			 EAP_STATUS_SEND);
	eap_peer_packet(peer, &resp, &rn);
	assert_int_equal(resp[1], 9);
	reply = ac_xml(resp, rn);
	assert_non_null(strstr(reply, want));
	assert_non_null(strstr(reply, "<password>pw&lt;&amp;&gt;</password>"));
	assert_non_null(strstr(reply, "<secondary_password>123456</secondary_password>"));
	assert_non_null(strstr(reply, "<csrf>tok&amp;en</csrf>"));
	assert_non_null(strstr(reply, "<group_list>staff</group_list>"));
	assert_null(strstr(reply, "Login"));
	free(pkt);
	free(xml);
	eap_peer_free(peer);
}

/* A password XML cannot carry ends the exchange with a clear reason, not bad XML. */
static void unencodable_answer(void **state)
{
	_cleanup_secret_ struct secret *u = secret_from_str("test"), *p = secret_from_str("a\x01b");
	struct eap_peer_config pc = {.client = client};
	struct eap_peer *peer = eap_peer_new(&pc);
	size_t n, pn;
	uint8_t *xml = load("auth-request.xml", &n), *pkt = ac_pkt(1, 3, xml, n, &pn);

	(void)state;
	assert_int_equal(eap_peer_input(peer, pkt, pn), EAP_STATUS_NEED_INPUT);
	assert_int_equal(
		eap_peer_answer(peer, (struct eap_answer[]){{"username", u}, {"password", p}}, 2),
		-EINVAL);
	assert_string_equal(eap_peer_outcome(peer)->last_error,
			    "an answer contains control characters XML cannot carry");
	eap_peer_free(peer);
	free(pkt);
	free(xml);
}

static struct eap_peer *peer_with(const char *doc, int expect)
{
	struct eap_peer_config pc = {.client = client};
	struct eap_peer *peer = eap_peer_new(&pc);
	size_t n;
	uint8_t *pkt = ac_pkt(EAP_CODE_REQUEST, 1, doc, strlen(doc), &n);

	assert_int_equal(eap_peer_input(peer, pkt, n), expect);
	free(pkt);
	return peer;
}

static void host_scan_and_client_cert(void **state)
{
	struct eap_peer *peer;
	const uint8_t *b;
	size_t n;
	_cleanup_free_ char *xml = NULL;

	(void)state;
	peer = peer_with("<config-auth client=\"vpn\" type=\"auth-request\">"
			 "<host-scan><host-scan-ticket>x</host-scan-ticket></host-scan>"
			 "</config-auth>",
			 -EOPNOTSUPP);
	assert_string_equal(eap_peer_outcome(peer)->last_error,
			    "gateway requires host scan, which Anyroam does not support");
	assert_int_equal(eap_peer_input(peer, (const uint8_t *)"\x03\x01\x00\x04", 4), -EPROTO);
	eap_peer_free(peer);

	peer = peer_with("<config-auth client=\"vpn\" type=\"auth-request\">"
			 "<client-cert-request></client-cert-request></config-auth>",
			 EAP_STATUS_SEND);
	eap_peer_packet(peer, &b, &n);
	xml = ac_xml(b, n);
	assert_non_null(strstr(xml, "type=\"init\""));
	assert_non_null(strstr(xml, "<client-cert-fail></client-cert-fail>"));
	eap_peer_free(peer);
}

static void hostile_through_the_peer(void **state)
{
	size_t n, pn;
	uint8_t *xml = load("billion-laughs.xml", &n), *pkt = ac_pkt(1, 1, xml, n, &pn);
	struct eap_peer_config pc = {.client = client};
	struct eap_peer *peer = eap_peer_new(&pc);

	(void)state;
	assert_int_equal(eap_peer_input(peer, pkt, pn), -EBADMSG);
	assert_non_null(strstr(eap_peer_outcome(peer)->last_error, "bad aggregate-auth XML"));
	assert_non_null(strstr(eap_peer_outcome(peer)->last_error, "DOCTYPE"));
	eap_peer_free(peer);
	free(pkt);
	free(xml);

	/* TLVs that do not fill the packet, a missing TLV 0, a token that is too short */
	peer = eap_peer_new(&pc);
	{
		static const uint8_t short_tlv[] = {1,	  1,	0,    17, 254, 0, 0, 9,	 0x44,
						    0x42, 0x52, 0x50, 0,  0,   0, 9, '<'};
		static const uint8_t tlv1_only[] = {1,	  1,	0,    17, 254, 0, 0, 9,	 0x44,
						    0x42, 0x52, 0x50, 0,  1,   0, 1, 'x'};

		assert_int_equal(eap_peer_input(peer, short_tlv, sizeof(short_tlv)), -EBADMSG);
		eap_peer_free(peer);
		peer = eap_peer_new(&pc);
		assert_int_equal(eap_peer_input(peer, tlv1_only, sizeof(tlv1_only)), -EBADMSG);
	}
	eap_peer_free(peer);
	/* an auth-request with nothing to answer keeps the gateway's words */
	peer = peer_with("<config-auth type=\"auth-request\"><auth id=\"main\">"
			 "<error>Account locked.</error></auth></config-auth>",
			 -EPROTO);
	assert_string_equal(eap_peer_outcome(peer)->last_error, "Account locked.");
	eap_peer_free(peer);
	peer = peer_with("<config-auth type=\"complete\"><session-id>abc</session-id>"
			 "<session-token>short</session-token></config-auth>",
			 -EBADMSG);
	assert_string_equal(eap_peer_outcome(peer)->last_error,
			    "gateway sent an invalid session-token");
	eap_peer_free(peer);
}

static void manifest_reaches_outcome(void **state)
{
	size_t n;
	uint8_t *xml = load("complete-manifest.xml", &n);
	char *doc = xstrndup((const char *)xml, n);
	struct eap_peer *peer = peer_with(doc, EAP_STATUS_SEND);
	const struct eap_peer_outcome *o = eap_peer_outcome(peer);
	static const uint8_t success[] = {3, 1, 0, 4};

	(void)state;
	assert_string_equal(o->profile_url, "/CACHE/stc/profiles/anyroam.xml");
	assert_string_equal(o->profile_hash, "A1B2C3D4E5F60718293A4B5C6D7E8F9012345678");
	assert_string_equal(o->banner, "Authorised use only.");
	assert_string_equal(o->session_id, "rIUHKccDRiUtFTATwq");
	assert_int_equal(eap_peer_input(peer, success, sizeof(success)), EAP_STATUS_SUCCESS);
	eap_peer_free(peer);
	free(doc);
	free(xml);
}

/* The server: a reply for another tunnel-group or an out-of-order message fails. */
static void server_rejects(void **state)
{
	struct rng_fake rng;
	struct eap_server_config sc = {.method = EAP_METHOD_ANYCONNECT, .rng = &rng.ops};
	struct eap_server *srv;
	const uint8_t *b;
	size_t n, pn, xn;
	uint8_t *xml = load("auth-reply.xml", &xn), *pkt;

	(void)state;
	rng_fake_init(&rng, 4);
	/* an auth-reply where init belongs */
	srv = eap_server_new(&sc);
	assert_int_equal(eap_server_start(srv), EAP_STATUS_SEND);
	eap_server_packet(srv, &b, &n);
	pkt = ac_pkt(EAP_CODE_RESPONSE, b[1], xml, xn, &pn);
	assert_int_equal(eap_server_input(srv, pkt, pn), -EPROTO);
	eap_server_packet(srv, &b, &n);
	assert_int_equal(n, 4);
	assert_int_equal(b[0], EAP_CODE_FAILURE);
	assert_string_equal(eap_server_outcome(srv)->reason,
			    "unexpected aggregate-auth message 'auth-reply'");
	free(pkt);
	eap_server_free(srv);

	/* the right moment, the wrong tunnel-group */
	sc.tunnel_group = "Other";
	srv = eap_server_new(&sc);
	assert_int_equal(eap_server_start(srv), EAP_STATUS_SEND);
	eap_server_packet(srv, &b, &n);
	{
		size_t in;
		uint8_t *init = load("init.xml", &in), *ip = ac_pkt(2, b[1], init, in, &pn);

		assert_int_equal(eap_server_input(srv, ip, pn), EAP_STATUS_SEND);
		free(ip);
		free(init);
	}
	eap_server_packet(srv, &b, &n);
	pkt = ac_pkt(EAP_CODE_RESPONSE, b[1], xml, xn, &pn);
	assert_int_equal(eap_server_input(srv, pkt, pn), -EPROTO);
	assert_string_equal(eap_server_outcome(srv)->reason,
			    "auth-reply opaque names another tunnel-group");
	free(pkt);
	eap_server_free(srv);
	free(xml);
}

/* An EAP-Request/Identity before hello: the AnyConnect identity when no user is known. */
static void identity_request(void **state)
{
	struct eap_peer_config pc = {.client = client};
	struct eap_peer *peer = eap_peer_new(&pc);
	static const uint8_t ident[] = {1, 5, 0, 5, 1};
	const uint8_t *b;
	size_t n;

	(void)state;
	assert_int_equal(eap_peer_input(peer, ident, sizeof(ident)), EAP_STATUS_SEND);
	eap_peer_packet(peer, &b, &n);
	assert_int_equal(n, 5 + strlen(EAP_ANYCONNECT_IDENTITY));
	assert_memory_equal(b + 5, EAP_ANYCONNECT_IDENTITY, n - 5);
	eap_peer_free(peer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(protocol_examples_parse),
		cmocka_unit_test(hostile_documents),
		cmocka_unit_test(oversized_document),
		cmocka_unit_test(truncated_documents),
		cmocka_unit_test(odd_opaque_verbatim),
		cmocka_unit_test(full_login_wrong_then_right),
		cmocka_unit_test(max_login_attempts),
		cmocka_unit_test(autofill),
		cmocka_unit_test(autofill_only_once),
		cmocka_unit_test(peer_echoes_opaque),
		cmocka_unit_test(host_scan_and_client_cert),
		cmocka_unit_test(hostile_through_the_peer),
		cmocka_unit_test(manifest_reaches_outcome),
		cmocka_unit_test(server_rejects),
		cmocka_unit_test(identity_request),
		cmocka_unit_test(unencodable_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
