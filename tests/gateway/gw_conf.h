/*
 * gw_conf.h - the anyroam-gw configuration file, shaped like the IOS configuration of
 * the seed technote (FlexVPN headend with IKEv2 reconnect).
 *
 * Format: one command per line; a line starting with a blank continues the last
 * block (`crypto ikev2 profile X`, `ip access-list standard X`, ...), as in IOS;
 * `!` starts a comment. Unknown commands are errors, except a short list of IOS
 * commands that have no meaning here (aaa ..., interface ..., no ...), accepted so the
 * seed's configuration can be pasted. Every error names file and line.
 *
 * Top level:
 *   hostname NAME
 *   username NAME password 0 CLEAR      cleartext; needed only for EAP-MD5 (RFC 3748 §5.4
 *                                       hashes the cleartext); works for every method
 *   username NAME secret 8 SALTHEX$HASHHEX
 *                                       PBKDF2-HMAC-SHA256, 20000 rounds, 16 B salt, 32 B
 *                                       hash: the verifier for EAP-AnyConnect and EAP-GTC,
 *                                       which receive the password itself
 *   username NAME nthash HEX            MD4(UTF-16LE(password)), 16 B: what EAP-MSCHAPv2
 *                                       needs (RFC 2759 §8); `anyroam-gw --hash-password`
 *                                       prints both lines for a password read on stdin
 *   ip local pool NAME FIRST LAST
 *   ip access-list standard NAME         block: [SEQ] permit ADDR WILDCARD | host ADDR
 *   crypto ikev2 authorization policy NAME   block: pool P, dns A [B], def-domain D,
 *                                       route set access-list ACL, banner TEXT, netmask M
 *   crypto ikev2 proposal NAME           block: encryption aes-cbc-256|aes-gcm-256,
 *                                       integrity sha512 sha384 sha256, prf ..., group N...
 *   crypto ikev2 policy NAME             block: proposal P, match fvrf any
 *   crypto ikev2 profile NAME            block: match identity remote key-id ID,
 *                                       authentication local rsa-sig,
 *                                       authentication remote anyconnect-eap aggregate,
 *                                       authentication remote eap-standard md5|mschapv2,
 *                                       pki certificate PEM, pki key PEM, pki ca PEM,
 *                                       dpd N retry M [on-demand] (also IOS `dpd N M on-demand`),
 *                                       reconnect timeout N, aaa authorization ... POLICY,
 *                                       max-login-attempts N,
 *                                       anyconnect profile-manifest URI SHA1HEX: announce
 *                                       one profile in the `complete` message (the client
 *                                       fetches https://ITS-HOSTADDRESS/URI, checks SHA1)
 *   crypto ipsec transform-set NAME esp-aes 256 esp-sha384-hmac|esp-sha512-hmac|esp-gcm 256
 *   crypto ikev2 fragmentation mtu N
 *   crypto ikev2 limit max-in-negotiation-sa N
 *   crypto ikev2 cookie-challenge N      COOKIE (RFC 7296 §2.6) above N half-open SAs
 *   crypto ikev2 reconnect rate-limit FAILS WINDOW HOLD
 *   listen address ADDR [port P] [nat-port P]
 *   tunnel interface NAME                the gateway's TUN device
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

#define GW_CONF_NAME_MAX   64
#define GW_CONF_MAX_USERS  256
#define GW_CONF_MAX_SPLIT  32
#define GW_CONF_MAX_DNS	   4
#define GW_CONF_MAX_VALUES 8
#define GW_PBKDF2_ROUNDS   20000
#define GW_PBKDF2_SALT_LEN 16
#define GW_PBKDF2_HASH_LEN 32
#define GW_NTHASH_LEN	   16

enum gw_user_has {
	GW_USER_HAS_CLEAR = 1 << 0,
	GW_USER_HAS_VERIFIER = 1 << 1,
	GW_USER_HAS_NTHASH = 1 << 2,
};

struct secret;

struct gw_user {
	char name[GW_CONF_NAME_MAX];
	unsigned int has;	 /* enum gw_user_has */
	struct secret *clear;	 /* GW_USER_HAS_CLEAR */
	struct secret *verifier; /* GW_USER_HAS_VERIFIER: salt (16) | PBKDF2 hash (32), as eap.h */
	struct secret *nthash;	 /* GW_USER_HAS_NTHASH */
};

struct gw_net4 {
	struct in_addr addr;
	struct in_addr mask;
};

enum gw_std_eap {
	GW_STD_EAP_MSCHAPV2,
	GW_STD_EAP_MD5,
	_GW_STD_EAP_MAX,
};

enum gw_encr {
	GW_ENCR_AES_CBC_256,
	GW_ENCR_AES_GCM_256,
	_GW_ENCR_MAX,
};

/* IANA numbers (RFC 7296 §3.3.2) so the IKE layer can take them unchanged */
struct gw_proposal {
	char name[GW_CONF_NAME_MAX];
	enum gw_encr encr;
	uint16_t integ[GW_CONF_MAX_VALUES]; /* AUTH_HMAC_SHA2_*: 12, 13, 14 */
	unsigned int n_integ;
	uint16_t prf[GW_CONF_MAX_VALUES]; /* PRF_HMAC_SHA2_*: 5, 6, 7; empty = from integ */
	unsigned int n_prf;
	uint16_t dh[GW_CONF_MAX_VALUES];
	unsigned int n_dh;
};

struct gw_conf {
	char path[256]; /* for messages */
	char hostname[GW_CONF_NAME_MAX];
	struct gw_user users[GW_CONF_MAX_USERS];
	unsigned int n_users;

	char pool_name[GW_CONF_NAME_MAX];
	struct in_addr pool_first, pool_last; /* host order compared via ntohl */
	char split_acl[GW_CONF_NAME_MAX];
	struct gw_net4 split[GW_CONF_MAX_SPLIT];
	unsigned int n_split;
	struct in_addr dns[GW_CONF_MAX_DNS];
	unsigned int n_dns;
	struct in_addr netmask; /* INADDR_ANY = not configured */
	char def_domain[256];
	char banner[512];
	char auth_policy[GW_CONF_NAME_MAX];

	struct gw_proposal proposal;
	char policy_name[GW_CONF_NAME_MAX];
	char transform_set[GW_CONF_NAME_MAX];
	enum gw_encr esp_encr;
	uint16_t esp_integ; /* 13 (sha384) or 14 (sha512); 0 with GCM */

	char profile[GW_CONF_NAME_MAX];
	char match_key_id[GW_CONF_NAME_MAX];
	bool anyconnect_eap;
	enum gw_std_eap std_eap;
	char cert_file[512];
	char key_file[512];
	char ca_file[512];
	unsigned int dpd_interval; /* s */
	unsigned int dpd_retry;	   /* s between probes */
	bool dpd_on_demand;
	unsigned int reconnect_timeout; /* s; 0 = reconnect disabled */
	unsigned int max_login_attempts;
	char profile_uri[256]; /* "" = no manifest announced */
	char profile_sha1[41]; /* 40 hex digits */

	unsigned int frag_mtu;
	unsigned int half_open_limit;
	unsigned int cookie_threshold;
	unsigned int rl_fails, rl_window, rl_hold; /* reconnect rate limit, s */

	struct in_addr listen_addr;
	uint16_t port, nat_port;
	char tun_name[16];
};

/* A parse failure: file, line and a sentence. */
struct gw_conf_error {
	char file[256];
	unsigned int line;
	char msg[256];
};

/* Defaults = the technote's values (PROTOCOL.md §3, §11). */
void gw_conf_init(struct gw_conf *c);
/* Frees the secrets; the struct may be re-initialised after. */
void gw_conf_done(struct gw_conf *c);

_must_check_ int gw_conf_load(struct gw_conf *c, const char *path, struct gw_conf_error *reterr);
/* Parses text already in memory; name is used in error messages. */
_must_check_ int gw_conf_parse(struct gw_conf *c, const char *name, const char *text,
			       struct gw_conf_error *reterr);

const struct gw_user *gw_conf_find_user(const struct gw_conf *c, const char *name);
/* Checks a cleartext password against what the user has (clear, or PBKDF2 verifier). */
bool gw_user_check_password(const struct gw_user *u, const char *pw, size_t len);
/* The NT hash, from the stored one or computed from the cleartext; NULL if neither. */
struct secret *gw_user_nthash(const struct gw_user *u);

/* Writes `username NAME secret 8 ...` and `username NAME nthash ...` for a password. */
_must_check_ int gw_conf_hash_password(const char *user, const char *pw, FILE *out);

/* Pool size (addresses) */
uint32_t gw_conf_pool_size(const struct gw_conf *c);
const char *gw_std_eap_to_string(enum gw_std_eap m);
