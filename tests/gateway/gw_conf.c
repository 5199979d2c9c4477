/*
 * gw_conf.c - parser of the IOS-shaped gateway configuration (format in gw_conf.h).
 *
 * A line is split into words; the first words pick a handler from a table, either at
 * top level or inside the block the last top-level command opened. A handler fills
 * struct gw_conf or returns -EINVAL with a sentence in the error, which then gets
 * the file name and line number.
 */
#include "gw_conf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/hex.h"
#include "core/rng.h"
#include "core/secret.h"
#include "core/xmalloc.h"
#include "eap/eap.h"

#define MAX_WORDS     24
#define CONF_FILE_MAX (1024 * 1024)

enum block {
	BLOCK_NONE,
	BLOCK_ACL,
	BLOCK_AUTHZ,
	BLOCK_PROPOSAL,
	BLOCK_POLICY,
	BLOCK_PROFILE,
	BLOCK_TSET,
	BLOCK_IGNORED, /* an IOS block with no meaning here (interface, crypto ipsec profile) */
	_BLOCK_MAX,
};

struct pctx {
	struct gw_conf *c;
	struct gw_conf_error *err;
	enum block block;
	char *w[MAX_WORDS];
	int n;
	const char *rest;  /* the text after the first words, for banner */
	bool acl_is_split; /* the open ACL block is the one the policy routes */
	char acl_name[GW_CONF_NAME_MAX];
	char authz_pool[GW_CONF_NAME_MAX]; /* `pool NAME` of the authorization policy */
	char acl_of[GW_CONF_MAX_SPLIT][GW_CONF_NAME_MAX]; /* which ACL each entry came from */
};

static int fail(struct pctx *p, const char *fmt, ...) _printf_(2, 3);
static int fail(struct pctx *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool is(const struct pctx *p, int i, const char *s)
{
	return i < p->n && strcmp(p->w[i], s) == 0;
}

static int need(struct pctx *p, int n, const char *usage)
{
	return p->n == n ? 0 : fail(p, "expected '%s'", usage);
}

static int copy_name(struct pctx *p, char *dst, size_t cap, const char *s)
{
	if (strlen(s) >= cap)
		return fail(p, "'%s' is too long (at most %zu characters)", s, cap - 1);
	strcpy(dst, s);
	return 0;
}

static int parse_uint(struct pctx *p, const char *s, unsigned int lo, unsigned int hi,
		      unsigned int *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno || v < lo || v > hi)
		return fail(p, "'%s' is not a number from %u to %u", s, lo, hi);
	*ret = (unsigned int)v;
	return 0;
}

static int parse_ip4(struct pctx *p, const char *s, struct in_addr *ret)
{
	if (inet_pton(AF_INET, s, ret) != 1)
		return fail(p, "'%s' is not an IPv4 address", s);
	return 0;
}

/* ---- users ---- */

static struct gw_user *user_get(struct pctx *p, const char *name)
{
	struct gw_conf *c = p->c;
	struct gw_user *u;
	unsigned int i;

	for (i = 0; i < c->n_users; i++)
		if (strcmp(c->users[i].name, name) == 0)
			return &c->users[i];
	if (c->n_users == GW_CONF_MAX_USERS) {
		fail(p, "more than %d users", GW_CONF_MAX_USERS);
		return NULL;
	}
	if (strlen(name) >= GW_CONF_NAME_MAX) {
		fail(p, "user name '%s' is too long", name);
		return NULL;
	}
	u = &c->users[c->n_users++];
	memset(u, 0, sizeof(*u));
	strcpy(u->name, name);
	return u;
}

/* "SALTHEX$HASHHEX" of `secret 8` */
static int user_set_verifier(struct pctx *p, struct gw_user *u, const char *v)
{
	const char *dollar = strchr(v, '$');
	uint8_t v48[GW_PBKDF2_SALT_LEN + GW_PBKDF2_HASH_LEN];
	char salt_hex[2 * GW_PBKDF2_SALT_LEN + 1];
	size_t n;

	if (!dollar || (size_t)(dollar - v) != 2 * GW_PBKDF2_SALT_LEN)
		return fail(p, "secret 8: expected SALT$HASH (32 + 64 hex digits)");
	memcpy(salt_hex, v, sizeof(salt_hex) - 1);
	salt_hex[sizeof(salt_hex) - 1] = 0;
	if (hex_decode(salt_hex, v48, GW_PBKDF2_SALT_LEN, &n) < 0 || n != GW_PBKDF2_SALT_LEN)
		return fail(p, "secret 8: the salt is not 16 bytes of hex");
	if (hex_decode(dollar + 1, v48 + GW_PBKDF2_SALT_LEN, GW_PBKDF2_HASH_LEN, &n) < 0 ||
	    n != GW_PBKDF2_HASH_LEN)
		return fail(p, "secret 8: the hash is not 32 bytes of hex");
	secret_free(u->verifier);
	u->verifier = secret_from(v48, sizeof(v48));
	secret_wipe(v48, sizeof(v48));
	u->has |= GW_USER_HAS_VERIFIER;
	return 0;
}

static int cmd_username(struct pctx *p)
{
	struct gw_user *u;
	uint8_t h[GW_NTHASH_LEN];
	size_t n;

	if (p->n < 4)
		return fail(p, "expected 'username NAME password 0 TEXT', 'username NAME secret 8 "
			       "SALT$HASH' or 'username NAME nthash HEX'");
	if (!(u = user_get(p, p->w[1])))
		return -EINVAL;
	if (is(p, 2, "password") && p->n == 5 && is(p, 3, "0")) {
		secret_free(u->clear);
		u->clear = secret_from_str(p->w[4]);
		u->has |= GW_USER_HAS_CLEAR;
		return 0;
	}
	if (is(p, 2, "secret") && p->n == 5 && is(p, 3, "8"))
		return user_set_verifier(p, u, p->w[4]);
	if (is(p, 2, "nthash") && p->n == 4) {
		if (hex_decode(p->w[3], h, sizeof(h), &n) < 0 || n != sizeof(h))
			return fail(p, "nthash: expected 32 hex digits");
		secret_free(u->nthash);
		u->nthash = secret_from(h, sizeof(h));
		secret_wipe(h, sizeof(h));
		u->has |= GW_USER_HAS_NTHASH;
		return 0;
	}
	if (is(p, 2, "password") || is(p, 2, "secret"))
		return fail(p,
			    "only 'password 0' (cleartext) and 'secret 8' (PBKDF2) are supported");
	return fail(p, "unknown credential '%s'", p->w[2]);
}

/* ---- ip ... ---- */

static int cmd_ip(struct pctx *p)
{
	struct gw_conf *c = p->c;
	int r;

	if (is(p, 1, "local") && is(p, 2, "pool")) {
		if ((r = need(p, 6, "ip local pool NAME FIRST LAST")) < 0 ||
		    (r = copy_name(p, c->pool_name, sizeof(c->pool_name), p->w[3])) < 0 ||
		    (r = parse_ip4(p, p->w[4], &c->pool_first)) < 0 ||
		    (r = parse_ip4(p, p->w[5], &c->pool_last)) < 0)
			return r;
		if (ntohl(c->pool_last.s_addr) < ntohl(c->pool_first.s_addr) ||
		    ntohl(c->pool_last.s_addr) - ntohl(c->pool_first.s_addr) >= (1u << 20))
			return fail(p, "pool %s..%s is empty or larger than 2^20 addresses",
				    p->w[4], p->w[5]);
		return 0;
	}
	if (is(p, 1, "access-list") && is(p, 2, "standard")) {
		if ((r = need(p, 4, "ip access-list standard NAME")) < 0 ||
		    (r = copy_name(p, p->acl_name, sizeof(p->acl_name), p->w[3])) < 0)
			return r;
		p->block = BLOCK_ACL;
		return 0;
	}
	if (is(p, 1, "unnumbered") || is(p, 1, "http"))
		return 0; /* IOS interface details: no meaning here */
	return fail(p, "unknown command 'ip %s'", p->n > 1 ? p->w[1] : "");
}

static int acl_add(struct pctx *p, const char *addr, const char *wild)
{
	struct gw_conf *c = p->c;
	struct gw_net4 *n;
	struct in_addr w;
	int r;

	if (c->n_split == GW_CONF_MAX_SPLIT)
		return fail(p, "more than %d access-list entries", GW_CONF_MAX_SPLIT);
	n = &c->split[c->n_split];
	if ((r = parse_ip4(p, addr, &n->addr)) < 0 || (r = parse_ip4(p, wild, &w)) < 0)
		return r;
	n->mask.s_addr = ~w.s_addr;
	/* a standard ACL wildcard must be contiguous to be a subnet for INTERNAL_IP4_SUBNET */
	if ((~ntohl(n->mask.s_addr) + 1) & ~ntohl(n->mask.s_addr))
		return fail(p, "wildcard %s is not contiguous", wild);
	n->addr.s_addr &= n->mask.s_addr;
	strcpy(p->acl_of[c->n_split], p->acl_name);
	c->n_split++;
	return 0;
}

/* Entries are stored for any ACL; the one named by `route set access-list` is kept. */
static int blk_acl(struct pctx *p)
{
	int i = 0;

	if (p->n > 0 && isdigit((unsigned char)p->w[0][0]))
		i = 1; /* sequence number */
	if (is(p, i, "permit") && p->n == i + 3 && is(p, i + 1, "host"))
		return acl_add(p, p->w[i + 2], "0.0.0.0");
	if (is(p, i, "permit") && p->n == i + 3)
		return acl_add(p, p->w[i + 1], p->w[i + 2]);
	if (is(p, i, "permit") && p->n == i + 2)
		return acl_add(p, p->w[i + 1], "0.0.0.0");
	if (is(p, i, "deny"))
		return fail(p, "deny entries are not supported in a split-tunnel list");
	return fail(p, "expected '[SEQ] permit ADDR WILDCARD' or '[SEQ] permit host ADDR'");
}

/* ---- crypto ikev2 authorization policy ---- */

static int blk_authz(struct pctx *p)
{
	struct gw_conf *c = p->c;
	int i, r;

	if (is(p, 0, "pool"))
		return need(p, 2, "pool NAME")
			       ?: copy_name(p, p->authz_pool, sizeof(p->authz_pool), p->w[1]);
	if (is(p, 0, "dns")) {
		if (p->n < 2 || p->n > 1 + GW_CONF_MAX_DNS)
			return fail(p, "expected 'dns ADDR [ADDR...]' (at most %d)",
				    GW_CONF_MAX_DNS);
		for (i = 1; i < p->n; i++)
			if ((r = parse_ip4(p, p->w[i], &c->dns[i - 1])) < 0)
				return r;
		c->n_dns = (unsigned int)p->n - 1;
		return 0;
	}
	if (is(p, 0, "def-domain"))
		return need(p, 2, "def-domain NAME")
			       ?: copy_name(p, c->def_domain, sizeof(c->def_domain), p->w[1]);
	if (is(p, 0, "route") && is(p, 1, "set") && is(p, 2, "access-list"))
		return need(p, 4, "route set access-list NAME")
			       ?: copy_name(p, c->split_acl, sizeof(c->split_acl), p->w[3]);
	if (is(p, 0, "netmask"))
		return need(p, 2, "netmask MASK") ?: parse_ip4(p, p->w[1], &c->netmask);
	if (is(p, 0, "banner")) {
		if (!p->rest || !*p->rest)
			return fail(p, "expected 'banner TEXT'");
		return copy_name(p, c->banner, sizeof(c->banner), p->rest);
	}
	return fail(p, "unknown authorization policy command '%s'", p->w[0]);
}

/* ---- crypto ikev2 proposal ---- */

static int add_value(struct pctx *p, uint16_t *arr, unsigned int *n, uint16_t v)
{
	if (*n == GW_CONF_MAX_VALUES)
		return fail(p, "more than %d values", GW_CONF_MAX_VALUES);
	arr[(*n)++] = v;
	return 0;
}

/* sha256/384/512 -> (INTEG id, PRF id), RFC 4868 / IANA */
static int sha_ids(struct pctx *p, const char *s, uint16_t *integ, uint16_t *prf)
{
	if (strcmp(s, "sha256") == 0)
		*integ = 12, *prf = 5;
	else if (strcmp(s, "sha384") == 0)
		*integ = 13, *prf = 6;
	else if (strcmp(s, "sha512") == 0)
		*integ = 14, *prf = 7;
	else
		return fail(p, "'%s' is not sha256, sha384 or sha512", s);
	return 0;
}

static int blk_proposal(struct pctx *p)
{
	struct gw_proposal *pr = &p->c->proposal;
	uint16_t integ = 0, prf = 0;
	unsigned int g;
	int i, r;

	if (is(p, 0, "encryption") && p->n == 2) {
		if (is(p, 1, "aes-cbc-256"))
			pr->encr = GW_ENCR_AES_CBC_256;
		else if (is(p, 1, "aes-gcm-256"))
			pr->encr = GW_ENCR_AES_GCM_256;
		else
			return fail(p, "encryption '%s' is not aes-cbc-256 or aes-gcm-256",
				    p->w[1]);
		return 0;
	}
	if ((is(p, 0, "integrity") || is(p, 0, "prf")) && p->n >= 2) {
		bool is_prf = is(p, 0, "prf");

		if (is_prf)
			pr->n_prf = 0;
		else
			pr->n_integ = 0;
		for (i = 1; i < p->n; i++) {
			if ((r = sha_ids(p, p->w[i], &integ, &prf)) < 0 ||
			    (r = is_prf ? add_value(p, pr->prf, &pr->n_prf, prf)
					: add_value(p, pr->integ, &pr->n_integ, integ)) < 0)
				return r;
		}
		return 0;
	}
	if (is(p, 0, "group") && p->n >= 2) {
		pr->n_dh = 0;
		for (i = 1; i < p->n; i++) {
			if ((r = parse_uint(p, p->w[i], 1, 65535, &g)) < 0)
				return r;
			if (g != 14 && g != 19 && g != 20 && g != 21 && g != 31)
				return fail(p, "group %u is not one of 14, 19, 20, 21, 31", g);
			if ((r = add_value(p, pr->dh, &pr->n_dh, (uint16_t)g)) < 0)
				return r;
		}
		return 0;
	}
	return fail(p, "expected 'encryption', 'integrity', 'prf' or 'group'");
}

static int blk_policy(struct pctx *p)
{
	if (is(p, 0, "match"))
		return 0; /* fvrf / local address: one listen address here */
	if (is(p, 0, "proposal") && p->n == 2) {
		if (strcmp(p->w[1], p->c->proposal.name) != 0)
			return fail(p, "proposal '%s' is not defined", p->w[1]);
		return 0;
	}
	return fail(p, "expected 'proposal NAME' or 'match ...'");
}

/* ---- crypto ikev2 profile ---- */

static int profile_auth(struct pctx *p)
{
	struct gw_conf *c = p->c;

	if (is(p, 1, "local"))
		return is(p, 2, "rsa-sig") && p->n == 3
			       ? 0
			       : fail(p, "only 'authentication local rsa-sig'");
	if (!is(p, 1, "remote"))
		return fail(p, "expected 'authentication local|remote ...'");
	if (is(p, 2, "anyconnect-eap")) {
		c->anyconnect_eap = true;
		return 0;
	}
	if (is(p, 2, "eap-standard") && p->n == 4) {
		if (is(p, 3, "mschapv2"))
			c->std_eap = GW_STD_EAP_MSCHAPV2;
		else if (is(p, 3, "md5"))
			c->std_eap = GW_STD_EAP_MD5;
		else
			return fail(p, "eap-standard '%s' is not md5 or mschapv2", p->w[3]);
		return 0;
	}
	return fail(p, "expected 'authentication remote anyconnect-eap aggregate' or "
		       "'authentication remote eap-standard md5|mschapv2'");
}

/* `dpd 45 retry 2 [on-demand]`, or IOS's own `dpd 45 2 on-demand` */
static int profile_dpd(struct pctx *p)
{
	struct gw_conf *c = p->c;
	int i = 2, r;

	if (p->n < 3)
		return fail(p, "expected 'dpd INTERVAL retry SECONDS [on-demand]'");
	if ((r = parse_uint(p, p->w[1], 10, 3600, &c->dpd_interval)) < 0)
		return r;
	if (is(p, 2, "retry"))
		i = 3;
	if (i >= p->n || (r = parse_uint(p, p->w[i], 2, 60, &c->dpd_retry)) < 0)
		return i >= p->n ? fail(p, "dpd: missing the retry interval") : r;
	c->dpd_on_demand = true; /* reconnect makes DPD on demand (technote) */
	if (i + 1 < p->n && !(is(p, i + 1, "on-demand") && p->n == i + 2))
		return fail(p, "dpd: unexpected '%s'", p->w[i + 1]);
	return 0;
}

/* `anyconnect profile-manifest /URI SHA1HEX`: what the EAP-AnyConnect complete announces */
static int profile_manifest(struct pctx *p)
{
	struct gw_conf *c = p->c;
	const char *h;

	if (p->n != 4)
		return fail(p, "expected 'anyconnect profile-manifest URI SHA1HEX'");
	if (p->w[2][0] != '/')
		return fail(p, "profile-manifest: the URI '%s' must start with '/'", p->w[2]);
	for (h = p->w[3]; *h && isxdigit((unsigned char)*h); h++)
		;
	if (*h || h - p->w[3] != 40)
		return fail(p, "profile-manifest: '%s' is not a SHA-1 in hex (40 digits)", p->w[3]);
	strcpy(c->profile_sha1, p->w[3]);
	return copy_name(p, c->profile_uri, sizeof(c->profile_uri), p->w[2]);
}

static int blk_profile(struct pctx *p)
{
	struct gw_conf *c = p->c;

	if (is(p, 0, "match") && is(p, 1, "identity") && is(p, 2, "remote") && is(p, 3, "key-id"))
		return need(p, 5, "match identity remote key-id ID")
			       ?: copy_name(p, c->match_key_id, sizeof(c->match_key_id), p->w[4]);
	if (is(p, 0, "authentication"))
		return profile_auth(p);
	if (is(p, 0, "pki") && p->n == 3 && is(p, 1, "certificate"))
		return copy_name(p, c->cert_file, sizeof(c->cert_file), p->w[2]);
	if (is(p, 0, "pki") && p->n == 3 && is(p, 1, "key"))
		return copy_name(p, c->key_file, sizeof(c->key_file), p->w[2]);
	if (is(p, 0, "pki") && p->n == 3 && is(p, 1, "ca"))
		return copy_name(p, c->ca_file, sizeof(c->ca_file), p->w[2]);
	if (is(p, 0, "pki") && is(p, 1, "trustpoint"))
		return 0; /* IOS trustpoint name; the PEM paths above say what it holds */
	if (is(p, 0, "dpd"))
		return profile_dpd(p);
	if (is(p, 0, "reconnect") && is(p, 1, "timeout"))
		return need(p, 3, "reconnect timeout SECONDS")
			       ?: parse_uint(p, p->w[2], 10, 86400, &c->reconnect_timeout);
	if (is(p, 0, "no") && is(p, 1, "reconnect") && p->n == 2) {
		c->reconnect_timeout = 0;
		return 0;
	}
	if (is(p, 0, "aaa") && is(p, 1, "authorization") && is(p, 2, "group") && p->n >= 4) {
		return copy_name(p, c->auth_policy, sizeof(c->auth_policy), p->w[p->n - 1]);
	}
	if (is(p, 0, "max-login-attempts"))
		return need(p, 2, "max-login-attempts N")
			       ?: parse_uint(p, p->w[1], 1, 10, &c->max_login_attempts);
	if (is(p, 0, "anyconnect") && is(p, 1, "profile-manifest"))
		return profile_manifest(p);
	if (is(p, 0, "aaa") || is(p, 0, "virtual-template") || is(p, 0, "anyconnect"))
		return 0; /* local AAA lists and IOS interface templates: implied here */
	return fail(p, "unknown profile command '%s'", p->w[0]);
}

static int blk_tset(struct pctx *p)
{
	return is(p, 0, "mode") && is(p, 1, "tunnel") && p->n == 2
		       ? 0
		       : fail(p, "only 'mode tunnel' is supported in a transform set");
}

static int cmd_transform_set(struct pctx *p)
{
	struct gw_conf *c = p->c;
	int r;

	if ((r = copy_name(p, c->transform_set, sizeof(c->transform_set), p->w[3])) < 0)
		return r;
	if (p->n == 6 && is(p, 4, "esp-gcm") && is(p, 5, "256")) {
		c->esp_encr = GW_ENCR_AES_GCM_256, c->esp_integ = 0;
	} else if (p->n == 7 && is(p, 4, "esp-aes") && is(p, 5, "256")) {
		c->esp_encr = GW_ENCR_AES_CBC_256;
		if (is(p, 6, "esp-sha384-hmac"))
			c->esp_integ = 13;
		else if (is(p, 6, "esp-sha512-hmac"))
			c->esp_integ = 14;
		else if (is(p, 6, "esp-sha256-hmac"))
			c->esp_integ = 12;
		else
			return fail(
				p,
				"'%s' is not esp-sha256-hmac, esp-sha384-hmac or esp-sha512-hmac",
				p->w[6]);
	} else {
		return fail(
			p, "expected 'crypto ipsec transform-set NAME esp-aes 256 esp-sha384-hmac' "
			   "or '... esp-gcm 256'");
	}
	p->block = BLOCK_TSET;
	return 0;
}

static int cmd_ikev2_global(struct pctx *p)
{
	struct gw_conf *c = p->c;

	if (is(p, 2, "fragmentation"))
		return is(p, 3, "mtu") && p->n == 5
			       ? parse_uint(p, p->w[4], 576, 9000, &c->frag_mtu)
			       : fail(p, "expected 'crypto ikev2 fragmentation mtu N'");
	if (is(p, 2, "limit") && is(p, 3, "max-in-negotiation-sa"))
		return need(p, 5, "crypto ikev2 limit max-in-negotiation-sa N")
			       ?: parse_uint(p, p->w[4], 1, 1000000, &c->half_open_limit);
	if (is(p, 2, "cookie-challenge"))
		return need(p, 4, "crypto ikev2 cookie-challenge N")
			       ?: parse_uint(p, p->w[3], 0, 1000000, &c->cookie_threshold);
	if (is(p, 2, "reconnect") && is(p, 3, "rate-limit"))
		return need(p, 7, "crypto ikev2 reconnect rate-limit FAILS WINDOW HOLD") ?:
			       parse_uint(p, p->w[4], 1, 1000, &c->rl_fails) ?:
			       parse_uint(p, p->w[5], 1, 86400, &c->rl_window) ?:
			       parse_uint(p, p->w[6], 0, 86400, &c->rl_hold);
	if (is(p, 2, "http-url"))
		return 0;
	return fail(p, "unknown command 'crypto ikev2 %s'", p->n > 2 ? p->w[2] : "");
}

static int cmd_crypto(struct pctx *p)
{
	struct gw_conf *c = p->c;
	int r;

	if (is(p, 1, "ikev2") && is(p, 2, "authorization") && is(p, 3, "policy")) {
		if ((r = need(p, 5, "crypto ikev2 authorization policy NAME")) < 0)
			return r;
		p->block = BLOCK_AUTHZ;
		return copy_name(p, c->auth_policy, sizeof(c->auth_policy), p->w[4]);
	}
	if (is(p, 1, "ikev2") &&
	    (is(p, 2, "proposal") || is(p, 2, "policy") || is(p, 2, "profile"))) {
		if ((r = need(p, 4, "crypto ikev2 proposal|policy|profile NAME")) < 0)
			return r;
		if (is(p, 2, "proposal")) {
			p->block = BLOCK_PROPOSAL;
			return copy_name(p, c->proposal.name, sizeof(c->proposal.name), p->w[3]);
		}
		if (is(p, 2, "policy")) {
			p->block = BLOCK_POLICY;
			return copy_name(p, c->policy_name, sizeof(c->policy_name), p->w[3]);
		}
		p->block = BLOCK_PROFILE;
		return copy_name(p, c->profile, sizeof(c->profile), p->w[3]);
	}
	if (is(p, 1, "ikev2") && p->n >= 3)
		return cmd_ikev2_global(p);
	if (is(p, 1, "ipsec") && is(p, 2, "transform-set") && p->n >= 4)
		return cmd_transform_set(p);
	if (is(p, 1, "ipsec") && is(p, 2, "profile")) {
		p->block = BLOCK_IGNORED;
		return 0;
	}
	if (is(p, 1, "vpn"))
		return 0; /* client packages and profiles pushed by IOS: not here */
	return fail(p, "unknown command 'crypto %s'", p->n > 1 ? p->w[1] : "");
}

static int cmd_listen(struct pctx *p)
{
	struct gw_conf *c = p->c;
	unsigned int v;
	int i, r;

	if (!is(p, 1, "address") || p->n < 3 || p->n % 2 == 0)
		return fail(p, "expected 'listen address ADDR [port P] [nat-port P]'");
	if ((r = parse_ip4(p, p->w[2], &c->listen_addr)) < 0)
		return r;
	for (i = 3; i + 1 < p->n; i += 2) {
		if ((r = parse_uint(p, p->w[i + 1], 1, 65535, &v)) < 0)
			return r;
		if (is(p, i, "port"))
			c->port = (uint16_t)v;
		else if (is(p, i, "nat-port"))
			c->nat_port = (uint16_t)v;
		else
			return fail(p, "listen: unexpected '%s'", p->w[i]);
	}
	return 0;
}

static int cmd_top(struct pctx *p)
{
	struct gw_conf *c = p->c;

	p->block = BLOCK_NONE;
	if (is(p, 0, "hostname"))
		return need(p, 2, "hostname NAME")
			       ?: copy_name(p, c->hostname, sizeof(c->hostname), p->w[1]);
	if (is(p, 0, "username"))
		return cmd_username(p);
	if (is(p, 0, "ip"))
		return cmd_ip(p);
	if (is(p, 0, "crypto"))
		return cmd_crypto(p);
	if (is(p, 0, "listen"))
		return cmd_listen(p);
	if (is(p, 0, "tunnel") && is(p, 1, "interface"))
		return need(p, 3, "tunnel interface NAME")
			       ?: copy_name(p, c->tun_name, sizeof(c->tun_name), p->w[2]);
	if (is(p, 0, "interface")) {
		p->block = BLOCK_IGNORED;
		return 0;
	}
	if (is(p, 0, "aaa") || is(p, 0, "no") || is(p, 0, "end"))
		return 0; /* IOS AAA lists and defaults with no meaning here */
	return fail(p, "unknown command '%s'", p->w[0]);
}

static int dispatch_block(struct pctx *p)
{
	switch (p->block) {
	case BLOCK_ACL:
		return blk_acl(p);
	case BLOCK_AUTHZ:
		return blk_authz(p);
	case BLOCK_PROPOSAL:
		return blk_proposal(p);
	case BLOCK_POLICY:
		return blk_policy(p);
	case BLOCK_PROFILE:
		return blk_profile(p);
	case BLOCK_TSET:
		return blk_tset(p);
	case BLOCK_IGNORED:
		return 0;
	case BLOCK_NONE:
	case _BLOCK_MAX:
		break;
	}
	return fail(p, "indented line outside a block");
}

/* Commands that always start something new, indented or not. */
static bool top_keyword(const struct pctx *p)
{
	return is(p, 0, "hostname") || is(p, 0, "username") || is(p, 0, "crypto") ||
	       is(p, 0, "listen") || is(p, 0, "interface") || is(p, 0, "end") ||
	       (is(p, 0, "ip") && (is(p, 1, "local") || is(p, 1, "access-list"))) ||
	       (is(p, 0, "tunnel") && is(p, 1, "interface")) ||
	       (is(p, 0, "aaa") && is(p, 1, "new-model"));
}

/*
 * The technote's text lost IOS's indentation, so an unindented line inside a block is
 * tried as a block line first; only top-level keywords always close the block.
 */
static int dispatch(struct pctx *p, bool indented)
{
	char saved[sizeof(p->err->msg)];
	int r;

	if (indented || p->block == BLOCK_NONE || top_keyword(p))
		return indented ? dispatch_block(p) : cmd_top(p);
	if ((r = dispatch_block(p)) == 0)
		return 0;
	memcpy(saved, p->err->msg, sizeof(saved));
	if (cmd_top(p) == 0)
		return 0;
	memcpy(p->err->msg, saved, sizeof(saved));
	return r;
}

static int split_words(struct pctx *p, char *line)
{
	char *s = line, *bang;

	if ((bang = strchr(line, '!')))
		*bang = 0;
	p->n = 0;
	p->rest = NULL;
	while (*s) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		if (p->n == MAX_WORDS)
			return fail(p, "more than %d words", MAX_WORDS);
		if (p->n == 1)
			p->rest = s;
		p->w[p->n++] = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		if (*s)
			*s++ = 0;
	}
	return 0;
}

static int parse_line(struct pctx *p, char *line)
{
	bool indented = line[0] == ' ' || line[0] == '\t';
	char *nl;
	int r;

	if ((nl = strchr(line, '\r')))
		*nl = 0;
	for (const char *q = line; *q; q++)
		if ((unsigned char)*q < 0x20 && *q != '\t')
			return fail(p, "control character in line");
	if (strncmp(line + strspn(line, " \t"), "banner ", 7) == 0 && p->block == BLOCK_AUTHZ) {
		/* banner text may contain '!' and keeps its spaces */
		char *t = line + strspn(line, " \t") + 7;

		return copy_name(p, p->c->banner, sizeof(p->c->banner), t);
	}
	if ((r = split_words(p, line)) < 0 || p->n == 0)
		return r;
	return dispatch(p, indented);
}

/* Only the ACL that `route set access-list` names is the split list (RFC 7296 §3.15.1). */
static int keep_split_acl(struct pctx *p)
{
	struct gw_conf *c = p->c;
	unsigned int i, n = 0;
	bool found = false;

	for (i = 0; i < c->n_split; i++) {
		if (strcmp(p->acl_of[i], c->split_acl) != 0)
			continue;
		found = true;
		c->split[n++] = c->split[i];
	}
	c->n_split = n;
	if (c->split_acl[0] && !found)
		return fail(p, "access-list '%s' has no permit entries", c->split_acl);
	return 0;
}

/* After the last line: the split list, a pool, a certificate; a usable whole. */
static int check_whole(struct pctx *p)
{
	struct gw_conf *c = p->c;
	int r;

	if ((r = keep_split_acl(p)) < 0)
		return r;

	if (!c->pool_first.s_addr)
		return fail(p, "no 'ip local pool' configured");
	if (p->authz_pool[0] && strcmp(p->authz_pool, c->pool_name) != 0)
		return fail(p,
			    "the authorization policy's pool '%s' is not the 'ip local pool' (%s)",
			    p->authz_pool, c->pool_name);
	if (!c->cert_file[0] || !c->key_file[0])
		return fail(p, "the profile needs 'pki certificate FILE' and 'pki key FILE'");
	if (c->n_users == 0)
		return fail(p, "no 'username' configured");
	if (c->proposal.n_dh == 0 || c->proposal.n_integ == 0)
		return fail(p, "the IKEv2 proposal needs 'integrity' and 'group'");
	return 0;
}

void gw_conf_init(struct gw_conf *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->hostname, "anyroam-gw");
	strcpy(c->proposal.name, "default");
	/* IOS `crypto ikev2 proposal default` as the technote prints it (PROTOCOL.md §3) */
	c->proposal.encr = GW_ENCR_AES_CBC_256;
	c->proposal.integ[0] = 14, c->proposal.integ[1] = 13, c->proposal.n_integ = 2;
	c->proposal.dh[0] = 19, c->proposal.dh[1] = 14, c->proposal.dh[2] = 21,
	c->proposal.n_dh = 3;
	c->esp_encr = GW_ENCR_AES_CBC_256;
	c->esp_integ = 13;
	strcpy(c->profile, "AnyConnect-EAP");
	strcpy(c->match_key_id, "*$AnyConnectClient$*");
	c->anyconnect_eap = true;
	c->std_eap = GW_STD_EAP_MSCHAPV2;
	c->dpd_interval = 45, c->dpd_retry = 2, c->dpd_on_demand = true;
	c->reconnect_timeout = 900;
	c->max_login_attempts = 3;
	c->frag_mtu = 1280;
	c->half_open_limit = 1000;
	c->cookie_threshold = 100;
	c->rl_fails = 5, c->rl_window = 60, c->rl_hold = 60;
	c->port = 500, c->nat_port = 4500;
	strcpy(c->tun_name, "argw0");
}

void gw_conf_done(struct gw_conf *c)
{
	unsigned int i;

	for (i = 0; i < c->n_users; i++) {
		c->users[i].clear = secret_free(c->users[i].clear);
		c->users[i].verifier = secret_free(c->users[i].verifier);
		c->users[i].nthash = secret_free(c->users[i].nthash);
	}
	c->n_users = 0;
}

int gw_conf_parse(struct gw_conf *c, const char *name, const char *text,
		  struct gw_conf_error *reterr)
{
	struct pctx p = {.c = c, .err = reterr};
	_cleanup_free_ char *copy = xstrdup(text);
	char *line = copy, *next;
	unsigned int lineno = 0;
	int r = 0;

	memset(reterr, 0, sizeof(*reterr));
	snprintf(reterr->file, sizeof(reterr->file), "%s", name);
	snprintf(c->path, sizeof(c->path), "%s", name);
	for (; line; line = next) {
		if ((next = strchr(line, '\n')))
			*next++ = 0;
		lineno++;
		if ((r = parse_line(&p, line)) < 0) {
			reterr->line = lineno;
			return r;
		}
	}
	if ((r = check_whole(&p)) < 0)
		reterr->line = 0;
	return r;
}

int gw_conf_load(struct gw_conf *c, const char *path, struct gw_conf_error *reterr)
{
	_cleanup_free_ char *text = NULL;
	FILE *f;
	size_t n;
	int r;

	memset(reterr, 0, sizeof(*reterr));
	snprintf(reterr->file, sizeof(reterr->file), "%s", path);
	if (!(f = fopen(path, "re"))) {
		r = -errno;
		snprintf(reterr->msg, sizeof(reterr->msg), "cannot open: %s", err_str(r));
		return r;
	}
	text = xmalloc(CONF_FILE_MAX + 1);
	n = fread(text, 1, CONF_FILE_MAX + 1, f);
	fclose(f);
	if (n > CONF_FILE_MAX) {
		snprintf(reterr->msg, sizeof(reterr->msg), "larger than %d bytes", CONF_FILE_MAX);
		return -EMSGSIZE;
	}
	text[n] = 0;
	if (strlen(text) != n) {
		snprintf(reterr->msg, sizeof(reterr->msg), "contains a NUL byte");
		return -EBADMSG;
	}
	return gw_conf_parse(c, path, text, reterr);
}

const struct gw_user *gw_conf_find_user(const struct gw_conf *c, const char *name)
{
	unsigned int i;

	for (i = 0; i < c->n_users; i++)
		if (strcmp(c->users[i].name, name) == 0)
			return &c->users[i];
	return NULL;
}

static int pbkdf2(const uint8_t salt[GW_PBKDF2_SALT_LEN], const char *pw, size_t len,
		  uint8_t out[GW_PBKDF2_HASH_LEN])
{
	return PKCS5_PBKDF2_HMAC(pw, (int)len, salt, GW_PBKDF2_SALT_LEN, GW_PBKDF2_ROUNDS,
				 EVP_sha256(), GW_PBKDF2_HASH_LEN, out) == 1
		       ? 0
		       : -EIO;
}

bool gw_user_check_password(const struct gw_user *u, const char *pw, size_t len)
{
	uint8_t h[GW_PBKDF2_HASH_LEN];
	bool ok;

	if (u->has & GW_USER_HAS_CLEAR)
		return secret_eq_bytes(u->clear, pw, len);
	if (!(u->has & GW_USER_HAS_VERIFIER) || len > 1024 ||
	    pbkdf2(secret_data(u->verifier), pw, len, h) < 0)
		return false;
	ok = CRYPTO_memcmp(secret_data(u->verifier) + GW_PBKDF2_SALT_LEN, h, sizeof(h)) == 0;
	secret_wipe(h, sizeof(h));
	return ok;
}

struct secret *gw_user_nthash(const struct gw_user *u)
{
	struct secret *s = NULL;

	if (u->has & GW_USER_HAS_NTHASH)
		return secret_dup(u->nthash);
	/* RFC 2759 §8.3 NtPasswordHash, the agent's own (UTF-8 -> UTF-16LE, MD4) */
	if (!(u->has & GW_USER_HAS_CLEAR) || eap_nt_hash(u->clear, &s) < 0)
		return NULL;
	return s;
}

int gw_conf_hash_password(const char *user, const char *pw, FILE *out)
{
	uint8_t salt[GW_PBKDF2_SALT_LEN], h[GW_PBKDF2_HASH_LEN];
	char salt_hex[2 * sizeof(salt) + 1], h_hex[2 * sizeof(h) + 1],
		nt_hex[2 * GW_NTHASH_LEN + 1];
	struct secret *clear, *nt = NULL;
	int r;

	if (!*user || strpbrk(user, " \t\r\n!"))
		return -EINVAL;
	if ((r = rng_bytes(&rng_system, salt, sizeof(salt))) < 0 ||
	    (r = pbkdf2(salt, pw, strlen(pw), h)) < 0)
		return r;
	clear = secret_from(pw, strlen(pw));
	r = eap_nt_hash(clear, &nt);
	secret_free(clear);
	if (r < 0)
		return r; /* -EBADMSG: not UTF-8 */
	hex_encode(salt, sizeof(salt), salt_hex, 0);
	hex_encode(h, sizeof(h), h_hex, 0);
	hex_encode(secret_data(nt), GW_NTHASH_LEN, nt_hex, 0);
	fprintf(out, "username %s secret 8 %s$%s\nusername %s nthash %s\n", user, salt_hex, h_hex,
		user, nt_hex);
	secret_wipe(h, sizeof(h));
	secret_free(nt);
	secret_wipe(h_hex, sizeof(h_hex));
	secret_wipe(nt_hex, sizeof(nt_hex));
	return 0;
}

uint32_t gw_conf_pool_size(const struct gw_conf *c)
{
	return ntohl(c->pool_last.s_addr) - ntohl(c->pool_first.s_addr) + 1;
}

const char *gw_std_eap_to_string(enum gw_std_eap m)
{
	switch (m) {
	case GW_STD_EAP_MSCHAPV2:
		return "EAP-MSCHAPv2";
	case GW_STD_EAP_MD5:
		return "EAP-MD5";
	case _GW_STD_EAP_MAX:
		break;
	}
	return "?";
}
