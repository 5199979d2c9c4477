/* test_gw_conf.c - anyroam-gw configuration parser, password storage and the lab writer. */
#define _GNU_SOURCE /* asprintf */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/hex.h"
#include "core/secret.h"
#include "tests/gateway/gw_conf.h"
#include "tests/gateway/gw_lab.h"
#include "eap/eap.h"

#define MIN_TAIL                              \
	"ip local pool P 10.0.0.5 10.0.0.9\n" \
	"crypto ikev2 profile X\n"            \
	" pki certificate /c.pem\n"           \
	" pki key /k.pem\n"

static int parse(struct gw_conf *c, const char *text, struct gw_conf_error *err)
{
	gw_conf_init(c);
	return gw_conf_parse(c, "t.conf", text, err);
}

/* The gateway's NT hashes are eap_nt_hash's: "" is MD4 of nothing (RFC 1320 A.5), and a
 * non-ASCII password is UTF-16LE of its UTF-8 (U+00E9 -> E9 00), not of each byte. */
static void nthash_is_eaps(void **state)
{
	static const char *const pws[] = {"", "password", "p\xc3\xa9", "clientPass"};
	struct gw_conf c;
	struct gw_conf_error err;
	struct secret *g, *e, *pw;
	char hex[33], *conf;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(pws); i++) {
		assert_true(asprintf(&conf, "username u password 0 %s\n" MIN_TAIL, pws[i]) > 0);
		if (!*pws[i]) { /* no empty password in a configuration: the engine alone */
			pw = secret_from("", 0);
			assert_int_equal(eap_nt_hash(pw, &g), 0);
			hex_encode(secret_data(g), 16, hex, 0);
			assert_string_equal(hex, "31d6cfe0d16ae931b73c59d7e0c089c0");
			secret_free(g);
			secret_free(pw);
			free(conf);
			continue;
		}
		assert_int_equal(parse(&c, conf, &err), 0);
		assert_non_null(g = gw_user_nthash(gw_conf_find_user(&c, "u")));
		pw = secret_from_str(pws[i]);
		assert_int_equal(eap_nt_hash(pw, &e), 0);
		assert_true(secret_eq(g, e));
		if (i == 1) {
			hex_encode(secret_data(g), 16, hex, 1);
			assert_string_equal(hex, "8846F7EAEE8FB117AD06BDD830B7586C");
		}
		secret_free(g);
		secret_free(e);
		secret_free(pw);
		gw_conf_done(&c);
		free(conf);
	}
}

/* RFC 2759 §9.2: NtPasswordHash("clientPass") */
static void nthash_rfc2759_vector(void **state)
{
	struct gw_conf c;
	struct gw_conf_error err;
	struct secret *h;
	char hex[33];

	(void)state;
	assert_int_equal(parse(&c, "username u password 0 clientPass\n" MIN_TAIL, &err), 0);
	h = gw_user_nthash(gw_conf_find_user(&c, "u"));
	assert_non_null(h);
	hex_encode(secret_data(h), secret_len(h), hex, 1);
	assert_string_equal(hex, "44EBBA8D5312B8D611474411F56989AE");
	secret_free(h);
	gw_conf_done(&c);
}

/* The technote's configuration exactly as printed (indentation lost), plus PEM paths. */
static void seed_config_parses(void **state)
{
	static const char seed[] =
		"aaa new-model\n"
		"!\n"
		"!\n"
		"aaa authentication login a-eap-authen-local local\n"
		"aaa authorization network a-eap-author-grp local\n"
		"!\n"
		"username test password 0 cisco\n"
		"!\n"
		"ip local pool ACPOOL 192.168.20.5 192.168.20.10\n"
		"!\n"
		"ip access-list standard split_tunnel\n"
		"10 permit 192.168.10.0 0.0.0.255\n"
		"!\n"
		"crypto ikev2 authorization policy ikev2-auth-policy\n"
		"pool ACPOOL\n"
		"def-domain example.com\n"
		"route set access-list split_tunnel\n"
		"!\n"
		"crypto ikev2 proposal default\n"
		"encryption aes-cbc-256\n"
		"integrity sha512 sha384\n"
		"group 19 14 21\n"
		"!\n"
		"crypto ikev2 policy default\n"
		"match fvrf any\n"
		"proposal default\n"
		"!\n"
		"!\n"
		"crypto ikev2 profile AnyConnect-EAP\n"
		"match identity remote key-id *$AnyConnectClient$*\n"
		"authentication local rsa-sig\n"
		"authentication remote anyconnect-eap aggregate\n"
		"pki trustpoint IKEv2-TP\n"
		"aaa authentication anyconnect-eap a-eap-authen-local\n"
		"aaa authorization group anyconnect-eap list a-eap-author-grp ikev2-auth-policy\n"
		"aaa authorization user anyconnect-eap cached\n"
		"virtual-template 10\n"
		"anyconnect profile acvpn\n"
		"reconnect timeout 900\n"
		"!\n"
		"no crypto ikev2 http-url cert\n"
		"no ip http server\n"
		"no ip http secure-server\n"
		"!\n"
		"crypto vpn anyconnect "
		"bootflash:cisco-secure-client-win-5.1.8.105-webdeploy-k9.pkg sequence\n"
		"crypto vpn anyconnect profile acvpn bootflash:acvpn.xml\n"
		"!\n"
		"crypto ipsec transform-set TSET esp-aes 256 esp-sha384-hmac\n"
		"mode tunnel\n"
		"!\n"
		"!\n"
		"crypto ipsec profile AnyConnect-EAP\n"
		"set transform-set TSET\n"
		"set ikev2-profile AnyConnect-EAP\n"
		"!\n"
		"interface Virtual-Template10 type tunnel\n"
		"ip unnumbered GigabitEthernet1\n"
		"tunnel mode ipsec ipv4\n"
		"tunnel protection ipsec profile AnyConnect-EAP\n"
		"crypto ikev2 profile AnyConnect-EAP\n"
		"pki certificate /etc/gw.pem\n"
		"pki key /etc/gw.key\n";
	struct gw_conf c;
	struct gw_conf_error err;
	char a[INET_ADDRSTRLEN];

	(void)state;
	if (parse(&c, seed, &err) < 0)
		fail_msg("%s:%u: %s", err.file, err.line, err.msg);
	assert_int_equal(gw_conf_pool_size(&c), 6);
	assert_int_equal(c.n_split, 1);
	inet_ntop(AF_INET, &c.split[0].addr, a, sizeof(a));
	assert_string_equal(a, "192.168.10.0");
	assert_string_equal(c.def_domain, "example.com");
	assert_string_equal(c.split_acl, "split_tunnel");
	assert_string_equal(c.auth_policy, "ikev2-auth-policy");
	assert_string_equal(c.profile, "AnyConnect-EAP");
	assert_int_equal(c.reconnect_timeout, 900);
	assert_int_equal(c.esp_integ, 13);
	assert_true(c.anyconnect_eap);
	assert_true(gw_user_check_password(gw_conf_find_user(&c, "test"), "cisco", 5));
	gw_conf_done(&c);
}

static void indented_seed_parses(void **state)
{
	static const char text[] = "aaa new-model\n"
				   "username test password 0 cisco\n"
				   "ip local pool ACPOOL 192.168.20.5 192.168.20.10\n"
				   "ip access-list standard split_tunnel\n"
				   " 10 permit 192.168.10.0 0.0.0.255\n"
				   "crypto ikev2 authorization policy ikev2-auth-policy\n"
				   " pool ACPOOL\n"
				   " dns 192.168.10.53 192.168.10.54\n"
				   " def-domain example.com\n"
				   " route set access-list split_tunnel\n"
				   " banner Welcome! to the lab\n"
				   "crypto ikev2 proposal default\n"
				   " encryption aes-cbc-256\n"
				   " integrity sha512 sha384\n"
				   " group 19 14 21\n"
				   "crypto ikev2 policy default\n"
				   " match fvrf any\n"
				   " proposal default\n"
				   "crypto ikev2 profile AnyConnect-EAP\n"
				   " match identity remote key-id *$AnyConnectClient$*\n"
				   " authentication local rsa-sig\n"
				   " authentication remote anyconnect-eap aggregate\n"
				   " authentication remote eap-standard md5\n"
				   " pki trustpoint IKEv2-TP\n"
				   " pki certificate /etc/gw.pem\n"
				   " pki key /etc/gw.key\n"
				   " dpd 45 2 on-demand\n"
				   " reconnect timeout 600\n"
				   "crypto ipsec transform-set TSET esp-aes 256 esp-sha512-hmac\n"
				   " mode tunnel\n"
				   "interface Virtual-Template10 type tunnel\n"
				   " ip unnumbered GigabitEthernet1\n"
				   "crypto ikev2 fragmentation mtu 1400\n"
				   "crypto ikev2 limit max-in-negotiation-sa 50\n"
				   "crypto ikev2 cookie-challenge 10\n"
				   "crypto ikev2 reconnect rate-limit 3 30 120\n"
				   "listen address 10.2.0.2 port 1500 nat-port 14500\n";
	struct gw_conf c;
	struct gw_conf_error err;
	char a[INET_ADDRSTRLEN];

	(void)state;
	assert_int_equal(parse(&c, text, &err), 0);
	assert_int_equal(gw_conf_pool_size(&c), 6);
	inet_ntop(AF_INET, &c.pool_first, a, sizeof(a));
	assert_string_equal(a, "192.168.20.5");
	assert_int_equal(c.n_split, 1);
	inet_ntop(AF_INET, &c.split[0].addr, a, sizeof(a));
	assert_string_equal(a, "192.168.10.0");
	inet_ntop(AF_INET, &c.split[0].mask, a, sizeof(a));
	assert_string_equal(a, "255.255.255.0");
	assert_int_equal(c.n_dns, 2);
	assert_string_equal(c.def_domain, "example.com");
	assert_string_equal(c.banner, "Welcome! to the lab");
	assert_int_equal(c.proposal.n_integ, 2);
	assert_int_equal(c.proposal.integ[0], 14);
	assert_int_equal(c.proposal.integ[1], 13);
	assert_int_equal(c.proposal.n_dh, 3);
	assert_int_equal(c.proposal.dh[2], 21);
	assert_string_equal(c.match_key_id, "*$AnyConnectClient$*");
	assert_int_equal(c.std_eap, GW_STD_EAP_MD5);
	assert_int_equal(c.dpd_interval, 45);
	assert_int_equal(c.dpd_retry, 2);
	assert_true(c.dpd_on_demand);
	assert_int_equal(c.reconnect_timeout, 600);
	assert_int_equal(c.esp_integ, 14);
	assert_int_equal(c.frag_mtu, 1400);
	assert_int_equal(c.half_open_limit, 50);
	assert_int_equal(c.cookie_threshold, 10);
	assert_int_equal(c.rl_fails, 3);
	assert_int_equal(c.rl_hold, 120);
	assert_int_equal(c.port, 1500);
	assert_int_equal(c.nat_port, 14500);
	assert_true(gw_user_check_password(gw_conf_find_user(&c, "test"), "cisco", 5));
	assert_false(gw_user_check_password(gw_conf_find_user(&c, "test"), "cisc0", 5));
	assert_null(gw_conf_find_user(&c, "nobody"));
	gw_conf_done(&c);
}

/* Each bad line is reported with its number and a sentence naming the problem. */
static void bad_lines_name_the_line(void **state)
{
	static const struct {
		const char *text;
		unsigned int line;
		const char *needle;
	} cases[] = {
		{"username a password 0 x\nfoo bar\n", 2, "unknown command 'foo'"},
		{"ip local pool P 10.0.0.9 10.0.0.5\n", 1, "empty"},
		{"ip local pool P 10.0.0.300 10.0.0.5\n", 1, "not an IPv4 address"},
		{"\n\ncrypto ikev2 proposal default\n group 19 5\n", 4, "group 5"},
		{"crypto ikev2 profile X\n dpd 45\n", 2, "dpd"},
		{"crypto ikev2 profile X\n reconnect timeout 0\n", 2, "from 10 to 86400"},
		{"ip access-list standard A\n 10 permit 10.0.0.0 0.255.0.255\n", 2,
		 "not contiguous"},
		{" pool X\n", 1, "outside a block"},
		{"username u secret 8 abc\n", 1, "SALT$HASH"},
		{"username u password 7 08701E1D\n", 1, "only 'password 0'"},
		{"username u nthash 1234\n", 1, "32 hex digits"},
		{"listen address 10.0.0.1 port 70000\n", 1, "from 1 to 65535"},
		{"crypto ikev2 policy default\n proposal other\n", 2, "not defined"},
		{"crypto ipsec transform-set T esp-des\n", 1, "transform-set"},
		{"crypto ikev2 profile X\n anyconnect profile-manifest a.xml 00\n", 2,
		 "must start with '/'"},
		{"crypto ikev2 profile X\n anyconnect profile-manifest /a.xml 00\n", 2,
		 "not a SHA-1"},
		{"username u password 0 x\x01y\n", 1, "control character"},
		{"username a password 0 x\n", 0, "no 'ip local pool'"},
		{"crypto ikev2 authorization policy A\n pool OTHER\n" MIN_TAIL
		 "username a password 0 x\n",
		 0, "pool 'OTHER' is not"},
	};
	struct gw_conf c;
	struct gw_conf_error err;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(parse(&c, cases[i].text, &err), -EINVAL);
		if (err.line != cases[i].line || !strstr(err.msg, cases[i].needle))
			fail_msg("case %zu: line %u '%s'", i, err.line, err.msg);
		assert_string_equal(err.file, "t.conf");
		gw_conf_done(&c);
	}
}

/* The manifest announced in the EAP-AnyConnect complete message. */
static void profile_manifest_line(void **state)
{
	struct gw_conf c;
	struct gw_conf_error err;

	(void)state;
	assert_int_equal(parse(&c,
			       "username a password 0 x\n" MIN_TAIL
			       " anyconnect profile-manifest /CACHE/stc/profiles/acvpn.xml "
			       "0123456789abcdef0123456789ABCDEF01234567\n",
			       &err),
			 0);
	assert_string_equal(c.profile_uri, "/CACHE/stc/profiles/acvpn.xml");
	assert_string_equal(c.profile_sha1, "0123456789abcdef0123456789ABCDEF01234567");
	gw_conf_done(&c);
	assert_int_equal(parse(&c, "username a password 0 x\n" MIN_TAIL, &err), 0);
	assert_string_equal(c.profile_uri, ""); /* none announced by default */
	gw_conf_done(&c);
}

static void missing_file_is_an_error(void **state)
{
	struct gw_conf c;
	struct gw_conf_error err;

	(void)state;
	gw_conf_init(&c);
	assert_int_equal(gw_conf_load(&c, "/nonexistent/gw.conf", &err), -ENOENT);
	assert_string_equal(err.file, "/nonexistent/gw.conf");
	assert_non_null(strstr(err.msg, "cannot open"));
}

static void hashed_password_round_trip(void **state)
{
	char *text = NULL, *conf;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct gw_conf c;
	struct gw_conf_error err;
	const struct gw_user *u;
	struct secret *h;
	char hex[33];

	(void)state;
	assert_int_equal(gw_conf_hash_password("alice", "clientPass", f), 0);
	fclose(f);
	assert_null(strstr(text, "clientPass"));
	assert_true(asprintf(&conf, "%s" MIN_TAIL, text) > 0);
	assert_int_equal(parse(&c, conf, &err), 0);
	u = gw_conf_find_user(&c, "alice");
	assert_non_null(u);
	assert_int_equal(u->has, GW_USER_HAS_VERIFIER | GW_USER_HAS_NTHASH);
	assert_true(gw_user_check_password(u, "clientPass", 10));
	assert_false(gw_user_check_password(u, "clientPas", 9));
	h = gw_user_nthash(u);
	hex_encode(secret_data(h), 16, hex, 1);
	assert_string_equal(hex, "44EBBA8D5312B8D611474411F56989AE");
	secret_free(h);
	gw_conf_done(&c);
	free(conf);
	free(text);
}

static bool has_eku(X509 *x, int nid)
{
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	bool found = false;
	int i;

	for (i = 0; eku && i < sk_ASN1_OBJECT_num(eku); i++)
		found |= OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i)) == nid;
	EXTENDED_KEY_USAGE_free(eku);
	return found;
}

static X509 *read_cert(const char *dir, const char *name)
{
	char path[512];
	FILE *f;
	X509 *x;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "r"));
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return x;
}

static void lab_is_complete_and_parses(void **state)
{
	char dir[] = "/tmp/test_gw_lab.XXXXXX", path[512], err[256];
	struct gw_conf c;
	struct gw_conf_error cerr;
	X509 *ca, *gw;
	EVP_PKEY *ca_pub;
	struct stat st;
	char a[INET_ADDRSTRLEN];

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(gw_lab_write(dir, "10.2.0.2", err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/gw.conf", dir);
	gw_conf_init(&c);
	if (gw_conf_load(&c, path, &cerr) < 0)
		fail_msg("%s:%u: %s", cerr.file, cerr.line, cerr.msg);
	/* the seed's lab */
	assert_int_equal(gw_conf_pool_size(&c), 6);
	assert_int_equal(c.n_split, 1);
	inet_ntop(AF_INET, &c.split[0].addr, a, sizeof(a));
	assert_string_equal(a, "192.168.10.0");
	assert_string_equal(c.def_domain, "example.com");
	assert_int_equal(c.reconnect_timeout, 900);
	assert_int_equal(c.dpd_interval, 45);
	assert_int_equal(c.dpd_retry, 2);
	assert_true(gw_user_check_password(gw_conf_find_user(&c, "test"), "cisco", 5));
	inet_ntop(AF_INET, &c.listen_addr, a, sizeof(a));
	assert_string_equal(a, "10.2.0.2");
	gw_conf_done(&c);

	/* the gateway certificate: issued by the CA, names the address, right EKUs */
	ca = read_cert(dir, "ca.pem");
	gw = read_cert(dir, "gw.pem");
	assert_non_null(ca);
	assert_non_null(gw);
	ca_pub = X509_get_pubkey(ca);
	assert_int_equal(X509_verify(gw, ca_pub), 1);
	assert_int_equal(X509_check_ip_asc(gw, "10.2.0.2", 0), 1);
	assert_int_equal(X509_check_ip_asc(gw, "10.2.0.3", 0), 0);
	assert_true(has_eku(gw, NID_server_auth));
	assert_true(has_eku(gw, NID_ipsec_IKE));
	EVP_PKEY_free(ca_pub);
	X509_free(ca);
	X509_free(gw);
	snprintf(path, sizeof(path), "%s/gw.key", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

static void lab_names_a_dns_host(void **state)
{
	char dir[] = "/tmp/test_gw_lab.XXXXXX", cmd[600], err[256];
	char *xml = NULL;
	size_t len = 0;
	FILE *f;
	X509 *gw;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(gw_lab_write(dir, "vpn.example.com", err, sizeof(err)), 0);
	gw = read_cert(dir, "gw.pem");
	assert_int_equal(X509_check_host(gw, "vpn.example.com", 0, 0, NULL), 1);
	X509_free(gw);
	snprintf(cmd, sizeof(cmd), "%s/lab.xml", dir);
	assert_non_null(f = fopen(cmd, "r"));
	assert_true(getdelim(&xml, &len, 0, f) > 0);
	fclose(f);
	assert_non_null(strstr(xml, "<HostName>IKEv2_Gateway</HostName>"));
	assert_non_null(strstr(xml, "<HostAddress>vpn.example.com</HostAddress>"));
	assert_non_null(strstr(xml, "ReconnectAfterResume"));
	assert_non_null(strstr(xml, "EAP-AnyConnect"));
	free(xml);
	assert_int_equal(gw_lab_write(dir, "bad name!", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad name!"));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nthash_is_eaps),
		cmocka_unit_test(nthash_rfc2759_vector),
		cmocka_unit_test(seed_config_parses),
		cmocka_unit_test(indented_seed_parses),
		cmocka_unit_test(bad_lines_name_the_line),
		cmocka_unit_test(profile_manifest_line),
		cmocka_unit_test(missing_file_is_an_error),
		cmocka_unit_test(hashed_password_round_trip),
		cmocka_unit_test(lab_is_complete_and_parses),
		cmocka_unit_test(lab_names_a_dns_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
