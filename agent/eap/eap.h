/*
 * eap.h - the EAP engine (RFC 3748), peer and server, independent of its transport.
 *
 * IKE carries the packets (RFC 7296 §2.16); the daemon and the gateway hand them to
 * this engine and send what it produces. The engine does no I/O, reads no clock and
 * takes randomness only through struct rng_ops (ARCHITECTURE.md rule 1).
 *
 * Methods, both sides: EAP-AnyConnect (Cisco aggregate auth, PROTOCOL.md §6),
 * EAP-MSCHAPv2 (RFC 2759, keys per RFC 3079), EAP-GTC and EAP-MD5 (RFC 3748 §5.4-5.6).
 *
 * Peer use (the client daemon):
 *	peer = eap_peer_new(&cfg);
 *	for each EAP payload received:
 *		r = eap_peer_input(peer, pkt, len);
 *		r < 0                  -> stop; eap_peer_outcome(peer)->last_error says why
 *		EAP_STATUS_SEND        -> send eap_peer_packet()
 *		EAP_STATUS_NEED_INPUT  -> show eap_peer_form(), then
 *		                          eap_peer_answer(peer, answers, n) -> EAP_STATUS_SEND
 *		EAP_STATUS_SUCCESS     -> done: eap_peer_outcome() has session-id/token, MSK, ...
 *		EAP_STATUS_FAILURE     -> login refused (last_error: the gateway's text)
 *
 * Server use (anyroam-gw):
 *	srv = eap_server_new(&cfg);
 *	eap_server_start(srv)            -> EAP_STATUS_SEND: first Request in eap_server_packet()
 *	eap_server_input(srv, pkt, len)  -> EAP_STATUS_SEND (next Request),
 *	                                    EAP_STATUS_SUCCESS / EAP_STATUS_FAILURE (send the
 *	                                    Success / Failure packet in eap_server_packet())
 *
 * Errors: -EBADMSG malformed packet or XML, -EPROTO the other side broke the protocol
 * (unexpected code, type or state), -EMSGSIZE over a cap (64 KiB XML, EAP_MAX_ROUNDS),
 * -EOPNOTSUPP a gateway demand we cannot meet (host scan), -EINVAL our caller's bad
 * argument. After an error the exchange is over, with two exceptions on the peer: a
 * packet whose EAP framing is broken is dropped (RFC 3748 §4: silently discarded) and
 * the exchange goes on, and eap_peer_answer() refusing an answer set leaves the form
 * pending.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/rng.h"
#include "core/secret.h"

/* RFC 3748 §4 */
enum eap_code {
	EAP_CODE_REQUEST = 1,
	EAP_CODE_RESPONSE = 2,
	EAP_CODE_SUCCESS = 3,
	EAP_CODE_FAILURE = 4,
};

/* RFC 3748 §5 and the IANA EAP method type registry */
enum eap_type {
	EAP_TYPE_IDENTITY = 1,
	EAP_TYPE_NOTIFICATION = 2,
	EAP_TYPE_NAK = 3,
	EAP_TYPE_MD5 = 4,
	EAP_TYPE_GTC = 6,
	EAP_TYPE_MSCHAPV2 = 26,
	EAP_TYPE_EXPANDED = 254,
};

/* PROTOCOL.md §6.1: Expanded type (RFC 3748 §5.7), Cisco PEN 9, vendor type "DBRP" */
#define EAP_VENDOR_CISCO	   9u
#define EAP_VENDOR_TYPE_ANYCONNECT 0x44425250u
/* PROTOCOL.md §5.1, §6.4: the identity answered when the user name is not known */
#define EAP_ANYCONNECT_IDENTITY "*$AnyConnectClient$*"
/* Bound on Requests per exchange, either side: a gateway cannot keep us looping. */
#define EAP_MAX_ROUNDS 32u
/* PROTOCOL.md §6.2: the aggregate-auth XML cap */
#define EAP_XML_MAX (64u * 1024u)

enum eap_method {
	EAP_METHOD_ANYCONNECT,
	EAP_METHOD_MSCHAPV2,
	EAP_METHOD_GTC,
	EAP_METHOD_MD5,
	_EAP_METHOD_MAX,
	_EAP_METHOD_INVALID = -EINVAL,
};
#define EAP_METHOD_BIT(m) (1u << (m))
#define EAP_METHODS_ALL	  ((1u << _EAP_METHOD_MAX) - 1)

/* "anyconnect", "mschapv2", "gtc", "md5" */
const char *eap_method_to_string(enum eap_method m);
enum eap_method eap_method_from_string(const char *s);

/* What an input or answer produced (a non-negative return value). */
enum eap_status {
	EAP_STATUS_SEND,       /* a packet waits in eap_peer_packet() / eap_server_packet() */
	EAP_STATUS_NEED_INPUT, /* peer only: eap_peer_form() waits for eap_peer_answer() */
	EAP_STATUS_SUCCESS,    /* peer: Success received; server: Success packet to send */
	EAP_STATUS_FAILURE,    /* peer: Failure received; server: Failure packet to send */
	_EAP_STATUS_MAX,
};

/* ---- forms: what the user must answer (the engine never prompts) ---- */

enum eap_field_type {
	EAP_FIELD_TEXT,	    /* echoed input, e.g. the user name */
	EAP_FIELD_PASSWORD, /* hidden input: password, OTP, second factor */
	EAP_FIELD_HIDDEN,   /* returned with its value by the engine; never shown */
	EAP_FIELD_SELECT,   /* one of options[] (e.g. a group list) */
	_EAP_FIELD_MAX,
};

struct eap_form_option {
	char *value;
	char *label;
};

struct eap_form_field {
	enum eap_field_type type;
	char *name;  /* the answer's name: "username", "password", "secondary_password", ... */
	char *label; /* the prompt as the gateway worded it; may be "" */
	char *value; /* hidden: the value sent back; select: the default option; else NULL */
	struct eap_form_option *options; /* select only */
	size_t n_options;
};

struct eap_form {
	enum eap_method method; /* _EAP_METHOD_INVALID for the Identity prompt (no method yet) */
	char *message; /* "Please enter your username and password." or a GTC prompt; may be NULL */
	char *banner;  /* a banner to show before the prompts, or NULL */
	char *error; /* the gateway's complaint about the last answer ("Login failed."), or NULL */
	struct eap_form_field *fields; /* in the gateway's order: script mode answers in order */
	size_t n_fields;
};

/* One answer; hidden fields need none. value is copied. */
struct eap_answer {
	const char *name;
	const struct secret *value; /* the text typed (or the select's option value) */
};

/* ---- peer ---- */

/*
 * The AnyConnect client header (PROTOCOL.md §6.2), gathered by the caller: the engine
 * does no I/O. Strings are copied by eap_peer_new(); NULL means "leave it out".
 */
struct eap_client_info {
	const char *version;	      /* client-version: "5.1.8.105" in Cisco-compatible mode */
	const char *computer_name;    /* host name */
	const char *device_type;      /* architecture, "x86_64" */
	const char *platform_version; /* kernel release, "6.8.0-45-generic" */
	/* The raw systemd machine ID (trailing newline allowed): only SHA-256 digests of
	 * it leave the host, as uppercase hex: unique-id = SHA-256(id | "anyroam-unique-id"),
	 * unique-id-global = SHA-256(id | "anyroam-unique-id-global"). */
	const uint8_t *machine_id;
	size_t machine_id_len;
	/* "52-54-00-3a-7c-11" (colons and uppercase are normalised); macs[0] is the
	 * interface that routes to the gateway (public-interface="true") */
	const char *const *macs;
	size_t n_macs;
	const char *group_access; /* "https://" + HostAddress */
};

struct eap_peer_config {
	unsigned int methods;	   /* EAP_METHOD_BIT mask the peer accepts; 0 = all */
	const struct rng_ops *rng; /* MSCHAPv2 Peer-Challenge; may be NULL without MSCHAPv2 */
	const char *username;	   /* known user name, or NULL (asked through a form when needed) */
	const struct secret *password; /* known password, or NULL (asked when needed); copied */
	struct eap_client_info client;
};

/* What the exchange produced; fields stay NULL until known. Owned by the peer. */
struct eap_peer_outcome {
	enum eap_method method; /* the method that ran; _EAP_METHOD_INVALID before one started */
	char *identity;		/* the EAP identity / user name we sent */
	char *session_id;	/* AnyConnect complete: 1-64 printable ASCII (PROTOCOL.md §7) */
	struct secret *session_token; /* AnyConnect complete: 16-256 printable ASCII bytes */
	char *profile_url;	      /* AnyConnect profile manifest: URL of the profile to fetch */
	char *profile_hash;	      /* ... and its hash as the gateway wrote it */
	char *banner;		      /* the latest banner the gateway sent */
	char *last_error;	      /* the latest error text (the gateway's <error>, or ours) */
	/* MSCHAPv2: 64 B = MasterReceiveKey | MasterSendKey | 32 zero bytes, as strongSwan
	 * exports it (RFC 3079 §3.3, server's view); see eap_mschapv2.h. Else NULL. */
	struct secret *msk;
};

struct eap_peer;

struct eap_peer *eap_peer_new(const struct eap_peer_config *cfg);
/* Wipes every secret; takes NULL; returns NULL. */
struct eap_peer *eap_peer_free(struct eap_peer *peer);
/* Consumes one EAP packet (Request, Success or Failure); enum eap_status or -errno. */
_must_check_ int eap_peer_input(struct eap_peer *peer, const uint8_t *pkt, size_t len);
/* The form after EAP_STATUS_NEED_INPUT, else NULL. */
const struct eap_form *eap_peer_form(const struct eap_peer *peer);
/*
 * Answers the pending form: one answer per text, password and select field (hidden
 * fields are returned by the engine). Returns EAP_STATUS_SEND or -EINVAL (no form
 * pending, a field left unanswered, a select value not among the options).
 */
_must_check_ int eap_peer_answer(struct eap_peer *peer, const struct eap_answer *answers, size_t n);
/* The Response to send after EAP_STATUS_SEND; valid until the next call on peer. */
void eap_peer_packet(const struct eap_peer *peer, const uint8_t **ret, size_t *ret_len);
const struct eap_peer_outcome *eap_peer_outcome(const struct eap_peer *peer);

/* ---- server: the user database the gateway implements ---- */

/* What each method needs to check a user (the gateway stores one or more per user). */
enum eap_cred_type {
	EAP_CRED_VERIFIER,  /* AnyConnect, GTC: see eap_verifier_*() below */
	EAP_CRED_NT_HASH,   /* MSCHAPv2: MD4(UTF-16LE(password)), 16 B (RFC 2759 §8.3) */
	EAP_CRED_CLEARTEXT, /* MD5 (which cannot work otherwise); also accepted by every method */
	_EAP_CRED_MAX,
};

/*
 * Looks a user up: 0 and a new secret in *ret_cred (the engine frees it), or -ENOENT
 * when the user is unknown or has no credential of that type. When the verifier or NT
 * hash is missing, the engine asks for the cleartext and derives what it needs.
 */
typedef int (*eap_userdb_lookup_func_t)(void *user_data, const char *user, enum eap_cred_type type,
					struct secret **ret_cred);

struct eap_userdb {
	eap_userdb_lookup_func_t lookup;
	void *user_data;
	void (*destroy)(void *user_data); /* called by eap_server_free(); may be NULL */
};

/*
 * The password verifier: salt (16 B) | PBKDF2-HMAC-SHA256(password, salt, 20000, 32 B),
 * 48 bytes, the gateway's `username NAME secret 8 SALTHEX$HASHHEX` line.
 */
#define EAP_VERIFIER_SALT_LEN 16u
#define EAP_VERIFIER_HASH_LEN 32u
#define EAP_VERIFIER_ROUNDS   20000u
#define EAP_VERIFIER_LEN      (EAP_VERIFIER_SALT_LEN + EAP_VERIFIER_HASH_LEN)
#define EAP_NT_HASH_LEN	      16u

_must_check_ int eap_verifier_new(const struct secret *password, const struct rng_ops *rng,
				  struct secret **ret_verifier);
/* 0 when password matches, -EACCES when not, -EBADMSG for a malformed verifier. */
_must_check_ int eap_verifier_check(const struct secret *verifier, const struct secret *password);
/* MD4(UTF-16LE(password)) (RFC 2759 §8.3); -EBADMSG if password is not valid UTF-8. */
_must_check_ int eap_nt_hash(const struct secret *password, struct secret **ret_hash);

/*
 * Issues the session ID and token at a successful AnyConnect login (PROTOCOL.md §7).
 * The gateway keeps them unique among its sessions.
 */
typedef int (*eap_session_issue_func_t)(void *user_data, const char *user, char **ret_session_id,
					struct secret **ret_token);

struct eap_session_issuer {
	eap_session_issue_func_t issue; /* NULL: eap_session_generate() */
	void *user_data;
	void (*destroy)(void *user_data);
};

/* 18 letters [A-Za-z] and 32 random bytes as 64 uppercase hex characters (§7). */
_must_check_ int eap_session_generate(const struct rng_ops *rng, char **ret_session_id,
				      struct secret **ret_token);

/* ---- server ---- */

struct eap_server_config {
	enum eap_method method; /* the method proposed first */
	unsigned int methods;	/* EAP_METHOD_BIT mask also accepted after a Nak; 0 = method only */
	const struct rng_ops *rng;	  /* identifiers, challenges */
	struct eap_userdb userdb;	  /* owned: destroy(user_data) runs at eap_server_free() */
	struct eap_session_issuer issuer; /* AnyConnect; owned like userdb */
	/* Send EAP-Request/Identity first. MD5, MSCHAPv2 and GTC need it for the user name
	 * unless known from elsewhere; the AnyConnect gateway never sends one (§6.4). */
	bool identity_first;
	const char *identity; /* the user name when known without EAP-Identity, or NULL */
	unsigned int max_login_attempts; /* AnyConnect; 0 = 3 (IOS default) */
	const char *tunnel_group;	 /* AnyConnect opaque: the IKEv2 profile name; NULL =
					    "AnyConnect-EAP" */
	const char *config_hash;	 /* AnyConnect opaque; NULL = "0" */
	const char *message;		 /* AnyConnect / GTC prompt; NULL = the default wording */
	const char *banner;		 /* AnyConnect: shown with the form, or NULL */
	const char *profile_url; /* AnyConnect profile manifest (with profile_hash), or NULL */
	const char *profile_hash;
	const char *server_name; /* MSCHAPv2 Name (RFC 2759 §4); NULL = "anyroam-gw" */
};

struct eap_server_outcome {
	enum eap_method method; /* the method that ran */
	char *user;		/* authenticated (or claimed, on failure) user name, or NULL */
	char *session_id;	/* AnyConnect: what the issuer gave */
	struct secret *session_token;
	struct secret *msk;   /* MSCHAPv2 only */
	char *client_version; /* AnyConnect client header <version>, or NULL */
	char *computer_name;  /* AnyConnect <device-id computer-name>, or NULL */
	unsigned int failed_attempts;
	char *reason; /* why it failed ("bad password", "unknown user", ...), for the log */
};

struct eap_server;

struct eap_server *eap_server_new(const struct eap_server_config *cfg);
struct eap_server *eap_server_free(struct eap_server *srv);
/* Builds the first Request: EAP_STATUS_SEND. */
_must_check_ int eap_server_start(struct eap_server *srv);
/*
 * Consumes one Response: enum eap_status or -errno. After an error the exchange is over
 * and eap_server_packet() holds an EAP Failure to send (PROTOCOL.md §6.4: malformed XML
 * or an unexpected type gets EAP Failure); eap_server_outcome()->reason says why.
 */
_must_check_ int eap_server_input(struct eap_server *srv, const uint8_t *pkt, size_t len);
/* The packet to send after SEND, SUCCESS or FAILURE; valid until the next call on srv. */
void eap_server_packet(const struct eap_server *srv, const uint8_t **ret, size_t *ret_len);
const struct eap_server_outcome *eap_server_outcome(const struct eap_server *srv);
