/* test_gw_show.c - the gateway's show views reproduce the technote's fields. */
#define _GNU_SOURCE /* open_memstream */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "ike/cisco_compat.h"
#include "tests/gateway/gw_show.h"

#define SEC USEC_PER_SEC

static const struct gw_show_ctx ctx = {
	.profile = "AnyConnect-EAP",
	.now = 1000 * SEC,
	.dpd_interval = 45,
	.dpd_retry = 2,
	.frag_mtu = 1280,
	.ike_lifetime_s = 86400,
	.child_lifetime_s = 3600,
	.child_lifetime_kb = 4608000,
};

/* The technote's session after the reconnect: KEY_ID(rIUHKccDRiUtFTATwq), PSK. */
static void fill_reconnected(struct gw_show_sa *s)
{
	static const char sid[] = "rIUHKccDRiUtFTATwq";

	memset(s, 0, sizeof(*s));
	s->serial = 17;
	strcpy(s->session_id, sid);
	s->reconnectable = true;
	s->reconnects = 1;
	strcpy(s->eap_id, "test");
	inet_pton(AF_INET, "192.168.20.5", &s->assigned);
	s->ike.spi_i = 0xF2586DF08F2A8308ULL;
	s->ike.spi_r = 0x33F57D418CFAFEBDULL;
	s->ike.suite = (struct ike_suite){IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256,
					  IKE_PRF_HMAC_SHA2_512, 19};
	s->ike.path.local.family = s->ike.path.remote.family = AF_INET;
	inet_pton(AF_INET, "10.106.45.225", &s->ike.path.local.v4);
	s->ike.path.local.port = 4500;
	inet_pton(AF_INET, "10.106.69.69", &s->ike.path.remote.v4);
	s->ike.path.remote.port = 54626;
	s->ike.idi.type = IKE_ID_KEY_ID;
	s->ike.idi.len = 18;
	memcpy(s->ike.idi.data, sid, 18);
	s->ike.idr.type = IKE_ID_IPV4_ADDR;
	s->ike.idr.len = 4;
	memcpy(s->ike.idr.data, &s->ike.path.local.v4, 4);
	s->ike.natt = s->ike.peer_behind_nat = true;
	s->ike.established = 998 * SEC;
	s->ike.has_child = true;
	s->ike.child_spi_in = 0x38ADBE12;
	s->ike.child_spi_out = 0xE3E00C0E;
	s->ike.child_suite =
		(struct ike_suite){IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_384_192, 0, 0};
	inet_pton(AF_INET, "0.0.0.0", &s->ike.tsr_start);
	inet_pton(AF_INET, "255.255.255.255", &s->ike.tsr_end);
	s->ike.tsi_start = s->ike.tsi_end = s->assigned;
	s->auth_sign = "RSA";
	s->auth_verify = "PSK";
	s->anyconnect = true;
	s->pkts_in = s->pkts_out = 22;
}

static char *render(void (*fn)(FILE *, const struct gw_show_ctx *, const struct gw_show_sa *,
			       size_t, bool),
		    const struct gw_show_sa *s, bool json)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	fn(f, &ctx, s, 1, json);
	fclose(f);
	return text;
}

static void session_detail_has_the_technote_fields(void **state)
{
	struct gw_show_sa s;
	char *t;

	(void)state;
	fill_reconnected(&s);
	t = render(gw_show_crypto_session_detail, &s, false);
	assert_non_null(strstr(t, "R - IKE Auto Reconnect"));
	assert_non_null(strstr(t, "Profile: AnyConnect-EAP\n"));
	assert_non_null(strstr(t, "Uptime: 00:00:02\n"));
	assert_non_null(strstr(t, "Session status: UP-ACTIVE\n"));
	assert_non_null(strstr(t, "Peer: 10.106.69.69 port 54626 fvrf: (none) ivrf: (none)\n"));
	assert_non_null(strstr(t, "Phase1_id: 724955484B63634452695574465441547771\n"));
	assert_non_null(
		strstr(t, "IKEv2 SA: local 10.106.45.225/4500 remote 10.106.69.69/54626 Active\n"));
	assert_non_null(strstr(t, "Capabilities:DNR connid:1 lifetime:23:59:58\n"));
	assert_non_null(strstr(t, "IPSEC FLOW: permit ip 0.0.0.0/0.0.0.0 host 192.168.20.5\n"));
	assert_non_null(strstr(t, "Inbound:  #pkts dec'ed 22 drop 0 life (KB/Sec) 4608000/3598\n"));
	assert_non_null(strstr(t, "Outbound: #pkts enc'ed 22 drop 0"));
	free(t);

	/* before a reconnect: the AnyConnect identity as text, no R */
	s.reconnects = 0;
	s.ike.idi.len = CISCO_ANYCONNECT_ID_LEN;
	memcpy(s.ike.idi.data, CISCO_ANYCONNECT_ID, CISCO_ANYCONNECT_ID_LEN);
	t = render(gw_show_crypto_session_detail, &s, false);
	assert_non_null(strstr(t, "Phase1_id: *$AnyConnectClient$*\n"));
	assert_non_null(strstr(t, "Capabilities:DN "));
	free(t);
}

static void ikev2_detailed_has_the_technote_fields(void **state)
{
	struct gw_show_sa s;
	char *t;

	(void)state;
	fill_reconnected(&s);
	t = render(gw_show_ikev2_session_detailed, &s, false);
	assert_non_null(strstr(t,
			       "Encr: AES-CBC, keysize: 256, PRF: SHA512, Hash: SHA512, DH Grp:19, "
			       "Auth sign: RSA, Auth verify: PSK\n"));
	assert_non_null(
		strstr(t, "Local spi: 33F57D418CFAFEBD       Remote spi: F2586DF08F2A8308\n"));
	assert_non_null(strstr(t, "Local id: 10.106.45.225\n"));
	assert_non_null(strstr(t, "Remote id: 724955484B63634452695574465441547771\n"));
	assert_null(strstr(t, "Remote EAP id")); /* a PSK reconnect has no EAP */
	assert_non_null(strstr(t, "DPD configured for 45 seconds, retry 2\n"));
	assert_non_null(strstr(t, "NAT-T is detected outside\n"));
	assert_non_null(strstr(t, "Assigned host addr: 192.168.20.5\n"));
	assert_non_null(strstr(t, "local selector  0.0.0.0/0 - 255.255.255.255/65535\n"));
	assert_non_null(strstr(t, "remote selector 192.168.20.5/0 - 192.168.20.5/65535\n"));
	assert_non_null(strstr(t, "ESP spi in/out: 0x38ADBE12/0xE3E00C0E\n"));
	assert_non_null(strstr(t, "Encr: AES-CBC, keysize: 256, esp_hmac: SHA384\n"));
	free(t);

	s.auth_verify = "AnyConnect-EAP";
	t = render(gw_show_ikev2_session_detailed, &s, false);
	assert_non_null(strstr(t, "Auth verify: AnyConnect-EAP\n"));
	assert_non_null(strstr(t, "Remote EAP id: test\n"));
	free(t);

	t = render(gw_show_ikev2_session_detailed, &s, true);
	assert_non_null(strstr(t, "\"remote_id\":\"724955484B63634452695574465441547771\""));
	assert_non_null(strstr(t, "\"esp_spi_in\":\"0x38ADBE12\""));
	free(t);
}

static void stats_reconnect_matches_the_technote(void **state)
{
	struct gw_sess_stats st = {.total = 1, .success = 1, .active = 1};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	gw_show_ikev2_stats_reconnect(f, &st, false);
	fclose(f);
	assert_string_equal(text, "Total incoming reconnect connection: 1\n"
				  "Success reconnect connection: 1\n"
				  "Failed reconnect connection: 0\n"
				  "Reconnect capable active session count: 1\n"
				  "Reconnect capable inactive session count: 0\n");
	free(text);
	f = open_memstream(&text, &len);
	st.by_reason[GW_RECONNECT_BAD_TOKEN] = 2;
	gw_show_ikev2_stats_reconnect(f, &st, true);
	fclose(f);
	assert_non_null(strstr(text, "\"success\":1"));
	assert_non_null(strstr(text, "\"bad_token\":2"));
	free(text);
}

static void json_strings_are_escaped(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	gw_show_json_str(f, "a\"b\\c\n");
	fclose(f);
	assert_string_equal(text, "\"a\\\"b\\\\c\\u000a\"");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(session_detail_has_the_technote_fields),
		cmocka_unit_test(ikev2_detailed_has_the_technote_fields),
		cmocka_unit_test(stats_reconnect_matches_the_technote),
		cmocka_unit_test(json_strings_are_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
