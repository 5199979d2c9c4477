/*
 * gw_lab.c - writes a complete lab (CA, gateway certificate, gw.conf equal to the seed's
 * lab, a client profile and agent.conf); see gw_lab.h. Keys and certificates are made with
 * the OpenSSL 3 API (EVP_RSA_gen, X509_*), so no openssl(1) is needed on the machine.
 */
#include "gw_lab.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/rng.h"
#include "gw_conf.h"

#define LAB_DAYS_CA 3650
#define LAB_DAYS_GW 825 /* CA/Browser limit; some clients refuse longer leaves */

static int set_err(char *err, size_t len, const char *fmt, ...) _printf_(3, 4);
static int set_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EIO;
}

static bool is_ip4(const char *s)
{
	struct in_addr a;

	return inet_pton(AF_INET, s, &a) == 1;
}

/* A name we can write into XML and config lines unquoted. */
static bool address_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 253)
		return false;
	for (i = 0; i < n; i++)
		if (!(s[i] == '.' || s[i] == '-' || (s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	return true;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	if (!(ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)))
		return -EINVAL;
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -EIO;
}

static int set_serial(X509 *cert)
{
	uint8_t b[16];
	BIGNUM *bn;
	int ok;

	if (rng_bytes(&rng_system, b, sizeof(b)) < 0)
		return -EIO;
	b[0] &= 0x7f; /* RFC 5280 §4.1.2.2: positive, at most 20 octets */
	bn = BN_bin2bn(b, sizeof(b), NULL);
	ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
	BN_free(bn);
	return ok ? 0 : -EIO;
}

static X509 *new_cert(EVP_PKEY *key, const char *cn, long days)
{
	X509 *cert = X509_new();
	X509_NAME *name = X509_NAME_new();

	if (!cert || !name || !X509_set_version(cert, 2) || set_serial(cert) < 0 ||
	    !X509_gmtime_adj(X509_getm_notBefore(cert), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(cert), days * 86400L) ||
	    !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const uint8_t *)"Anyroam lab", -1,
					-1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const uint8_t *)cn, -1, -1, 0) ||
	    !X509_set_subject_name(cert, name) || !X509_set_pubkey(cert, key)) {
		X509_NAME_free(name);
		X509_free(cert);
		return NULL;
	}
	X509_NAME_free(name);
	return cert;
}

static X509 *make_ca(EVP_PKEY *key)
{
	X509 *ca = new_cert(key, "Anyroam lab CA", LAB_DAYS_CA);

	if (!ca || !X509_set_issuer_name(ca, X509_get_subject_name(ca)) ||
	    add_ext(ca, ca, NID_basic_constraints, "critical,CA:TRUE") < 0 ||
	    add_ext(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign") < 0 ||
	    add_ext(ca, ca, NID_subject_key_identifier, "hash") < 0 ||
	    !X509_sign(ca, key, EVP_sha256())) {
		X509_free(ca);
		return NULL;
	}
	return ca;
}

/* PROTOCOL.md §5.2 check 2 and 3: the SAN names ADDR, EKU serverAuth + ipsecIKE */
static X509 *make_gw(EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key, const char *address)
{
	X509 *gw = new_cert(key, address, LAB_DAYS_GW);
	char san[300];

	snprintf(san, sizeof(san), "%s:%s", is_ip4(address) ? "IP" : "DNS", address);
	if (!gw || !X509_set_issuer_name(gw, X509_get_subject_name(ca)) ||
	    add_ext(gw, ca, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
	    add_ext(gw, ca, NID_key_usage, "critical,digitalSignature,keyEncipherment") < 0 ||
	    add_ext(gw, ca, NID_ext_key_usage, "serverAuth,1.3.6.1.5.5.7.3.17") < 0 ||
	    add_ext(gw, ca, NID_subject_alt_name, san) < 0 ||
	    add_ext(gw, ca, NID_subject_key_identifier, "hash") < 0 ||
	    add_ext(gw, ca, NID_authority_key_identifier, "keyid") < 0 ||
	    !X509_sign(gw, ca_key, EVP_sha256())) {
		X509_free(gw);
		return NULL;
	}
	return gw;
}

static FILE *open_out(const char *dir, const char *name, mode_t mode, char *path, size_t plen)
{
	int fd;
	FILE *f;

	snprintf(path, plen, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return NULL;
	(void)fchmod(fd, mode); /* an older file keeps its mode through O_CREAT */
	if (!(f = fdopen(fd, "w")))
		close(fd);
	return f;
}

static int write_pem(const char *dir, const char *name, X509 *cert, EVP_PKEY *key, char *err,
		     size_t errlen)
{
	char path[4096];
	FILE *f = open_out(dir, name, key ? 0600 : 0644, path, sizeof(path));
	int ok;

	if (!f)
		return set_err(err, errlen, "%s: %s", path, strerror(errno));
	ok = key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)
		 : PEM_write_X509(f, cert);
	if (fclose(f) != 0 || !ok)
		return set_err(err, errlen, "%s: write failed", path);
	return 0;
}

typedef void (*text_func_t)(FILE *out, const char *dir, const char *address);

static int write_text(const char *dir, const char *name, text_func_t fn, const char *address,
		      char *err, size_t errlen)
{
	char path[4096];
	FILE *f = open_out(dir, name, 0600, path, sizeof(path));

	if (!f)
		return set_err(err, errlen, "%s: %s", path, strerror(errno));
	fn(f, dir, address);
	if (ferror(f) | (fclose(f) != 0))
		return set_err(err, errlen, "%s: write failed", path);
	return 0;
}

/* The seed's IOS configuration, in our format; comments say where it differs. */
void gw_lab_write_conf(FILE *out, const char *dir, const char *address)
{
	fprintf(out,
		"! anyroam-gw lab configuration, equal to the seed technote's lab\n"
		"! (IKEv2 Auto Reconnect for Secure Client on IOS/IOS XE).\n"
		"hostname IKEv2_Gateway\n"
		"!\n"
		"aaa new-model\n"
		"aaa authentication login a-eap-authen-local local\n"
		"aaa authorization network a-eap-author-grp local\n"
		"!\n"
		"! user test, password cisco. Stored as a PBKDF2 verifier (EAP-AnyConnect) and\n"
		"! an NT hash (EAP-MSCHAPv2); EAP-MD5 needs the cleartext instead:\n"
		"!   username test password 0 cisco\n");
	if (gw_conf_hash_password("test", "cisco", out) < 0)
		fprintf(out, "username test password 0 cisco\n");
	fprintf(out,
		"!\n"
		"ip local pool ACPOOL 192.168.20.5 192.168.20.10\n"
		"!\n"
		"ip access-list standard split_tunnel\n"
		" 10 permit 192.168.10.0 0.0.0.255\n"
		"!\n"
		"crypto ikev2 authorization policy ikev2-auth-policy\n"
		" pool ACPOOL\n"
		" def-domain example.com\n"
		" route set access-list split_tunnel\n"
		"!\n"
		"crypto ikev2 proposal default\n"
		" encryption aes-cbc-256\n"
		" integrity sha512 sha384\n"
		" group 19 14 21\n"
		"!\n"
		"crypto ikev2 policy default\n"
		" match fvrf any\n"
		" proposal default\n"
		"!\n"
		"crypto ikev2 profile AnyConnect-EAP\n"
		" match identity remote key-id *$AnyConnectClient$*\n"
		" authentication local rsa-sig\n"
		" authentication remote anyconnect-eap aggregate\n"
		" authentication remote eap-standard mschapv2\n"
		" pki trustpoint IKEv2-TP\n"
		" pki certificate %s/gw.pem\n"
		" pki key %s/gw.key\n"
		" aaa authentication anyconnect-eap a-eap-authen-local\n"
		" aaa authorization group anyconnect-eap list a-eap-author-grp ikev2-auth-policy\n"
		" aaa authorization user anyconnect-eap cached\n"
		" dpd 45 retry 2 on-demand\n"
		" reconnect timeout 900\n"
		"!\n"
		"crypto ipsec transform-set TSET esp-aes 256 esp-sha384-hmac\n"
		" mode tunnel\n"
		"!\n"
		"crypto ikev2 fragmentation mtu 1280\n"
		"crypto ikev2 limit max-in-negotiation-sa 1000\n"
		"crypto ikev2 cookie-challenge 100\n"
		"!\n"
		"listen address %s port 500 nat-port 4500\n"
		"tunnel interface argw0\n",
		dir, dir, is_ip4(address) ? address : "0.0.0.0");
}

/* PRODUCT.md item 8: the seed's profile, pointing at ADDR */
void gw_lab_write_profile(FILE *out, const char *address)
{
	fprintf(out,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<AnyConnectProfile xmlns=\"http://schemas.xmlsoap.org/encoding/\" "
		"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
		"xsi:schemaLocation=\"http://schemas.xmlsoap.org/encoding/ "
		"AnyConnectProfile.xsd\">\n"
		"\t<ClientInitialization>\n"
		"\t\t<AuthenticationTimeout>12</AuthenticationTimeout>\n"
		"\t\t<IPProtocolSupport>IPv4</IPProtocolSupport>\n"
		"\t\t<AutoReconnect UserControllable=\"false\">true\n"
		"\t\t\t<AutoReconnectBehavior "
		"UserControllable=\"false\">ReconnectAfterResume</AutoReconnectBehavior>\n"
		"\t\t</AutoReconnect>\n"
		"\t\t<AllowManualHostInput>true</AllowManualHostInput>\n"
		"\t</ClientInitialization>\n"
		"\t<ServerList>\n"
		"\t\t<HostEntry>\n"
		"\t\t\t<HostName>IKEv2_Gateway</HostName>\n"
		"\t\t\t<HostAddress>%s</HostAddress>\n"
		"\t\t\t<PrimaryProtocol>IPsec\n"
		"\t\t\t\t<StandardAuthenticationOnly>true\n"
		"\t\t\t\t\t<AuthMethodDuringIKENegotiation>EAP-AnyConnect</"
		"AuthMethodDuringIKENegotiation>\n"
		"\t\t\t\t</StandardAuthenticationOnly>\n"
		"\t\t\t</PrimaryProtocol>\n"
		"\t\t</HostEntry>\n"
		"\t</ServerList>\n"
		"</AnyConnectProfile>\n",
		address);
}

static void profile_text(FILE *out, const char *dir, const char *address)
{
	(void)dir;
	gw_lab_write_profile(out, address);
}

static void agent_text(FILE *out, const char *dir, const char *address)
{
	fprintf(out,
		"# anyroamd configuration for the anyroam-gw lab at %s\n"
		"ca-file %s/ca.pem\n"
		"profile %s/lab.xml\n",
		address, dir, dir);
}

static int write_pki(const char *dir, const char *address, char *err, size_t errlen)
{
	EVP_PKEY *ca_key = EVP_RSA_gen(2048), *gw_key = EVP_RSA_gen(2048);
	X509 *ca = NULL, *gw = NULL;
	int r = -EIO;

	if (!ca_key || !gw_key || !(ca = make_ca(ca_key)) ||
	    !(gw = make_gw(gw_key, ca, ca_key, address))) {
		set_err(err, errlen, "cannot make the lab certificates (OpenSSL)");
		goto out;
	}
	if ((r = write_pem(dir, "ca.key", NULL, ca_key, err, errlen)) < 0 ||
	    (r = write_pem(dir, "ca.pem", ca, NULL, err, errlen)) < 0 ||
	    (r = write_pem(dir, "gw.key", NULL, gw_key, err, errlen)) < 0 ||
	    (r = write_pem(dir, "gw.pem", gw, NULL, err, errlen)) < 0)
		goto out;
	r = 0;
out:
	X509_free(ca);
	X509_free(gw);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(gw_key);
	return r;
}

int gw_lab_write(const char *dir, const char *address, char *err, size_t errlen)
{
	char abs[4096];
	int r;

	if (!address)
		address = GW_LAB_DEFAULT_ADDRESS;
	if (!address_ok(address))
		return set_err(err, errlen, "'%s' is not an IPv4 address or a host name", address),
		       -EINVAL;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return set_err(err, errlen, "%s: %s", dir, strerror(errno));
	if (!realpath(dir, abs))
		return set_err(err, errlen, "%s: %s", dir, strerror(errno));
	if (strpbrk(abs, " \t!\"<>&"))
		return set_err(err, errlen,
			       "%s: the lab path must not contain blanks or ! \" < > &", abs),
		       -EINVAL;
	if ((r = write_pki(abs, address, err, errlen)) < 0 ||
	    (r = write_text(abs, "gw.conf", gw_lab_write_conf, address, err, errlen)) < 0 ||
	    (r = write_text(abs, "lab.xml", profile_text, address, err, errlen)) < 0 ||
	    (r = write_text(abs, "agent.conf", agent_text, address, err, errlen)) < 0)
		return r;
	return 0;
}
