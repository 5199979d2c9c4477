/*
 * ike.h - the IKEv2 engine, sans-I/O (STYLE.md §7, ARCHITECTURE.md rule 1).
 *
 * One `struct ike` is either an initiator (anyroamd: usually one IKE SA at a time,
 * a reconnect simply starts a new one) or a responder (anyroam-gw: many IKE SAs,
 * demultiplexed by SPI). The engine never touches a socket or a clock:
 *
 *   ike_input(ike, now, &dgram, bytes, n)     a UDP payload (non-ESP marker removed)
 *   ike_tick(ike, now)                        when now >= ike_next_deadline(ike)
 *   while (ike_next_action(ike, &a)) {        what to do: send, EAP, established, ...
 *           ...;
 *           ike_action_done(&a);
 *   }
 *
 * Every action names its IKE SA by `sa`, our own (local) SPI, which is unique in
 * the context: SPIi for an initiator, SPIr for a responder. Calls that act on one
 * SA take that value and return -ENOENT once the SA is gone.
 *
 * Synchronous decisions (certificate check, PSK lookup, CP reply) are hooks; things
 * that wait on a person or another engine (EAP) are actions answered by a call.
 */
#pragma once

#include <netinet/in.h>
#include <openssl/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/rng.h"
#include "core/secret.h"
#include "ike/ike_const.h"

struct ike;

enum ike_role {
	IKE_ROLE_INITIATOR,
	IKE_ROLE_RESPONDER,
	_IKE_ROLE_MAX,
};

/* An endpoint: AF_INET or AF_INET6, address and UDP port in host order. */
struct ike_addr {
	sa_family_t family;
	uint16_t port;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

/* One UDP datagram's endpoints as the embedder saw them. */
struct ike_dgram {
	struct ike_addr local; /* our address and port (500 or 4500 on the gateway) */
	struct ike_addr remote;
};

/* An identification payload body (RFC 7296 §3.5): type and data as on the wire. */
struct ike_id {
	uint8_t type; /* IKE_ID_*, or CISCO_ID_ANYCONNECT_PRIVATE (201) */
	uint16_t len;
	uint8_t data[IKE_ID_MAX];
};

/* One DER certificate (leaf first in a chain). */
struct ike_der {
	uint8_t *data;
	size_t len;
};

/*
 * Proposals (PROTOCOL.md §3). One suite policy is one proposal of ours; the
 * ids are IANA transform ids in preference order. integ is empty for GCM, dh is
 * empty for ESP (no PFS).
 */
#define IKE_POLICY_MAX_IDS    6
#define IKE_POLICY_MAX_SUITES 2
struct ike_suite_policy {
	uint16_t encr;	      /* IKE_ENCR_AES_CBC or IKE_ENCR_AES_GCM_16 */
	uint16_t encr_keylen; /* bits: 256 */
	uint16_t integ[IKE_POLICY_MAX_IDS];
	uint8_t n_integ;
	uint16_t prf[IKE_POLICY_MAX_IDS];
	uint8_t n_prf;
	uint16_t dh[IKE_POLICY_MAX_IDS];
	uint8_t n_dh;
};

struct ike_policy {
	struct ike_suite_policy ike[IKE_POLICY_MAX_SUITES];
	uint8_t n_ike;
	struct ike_suite_policy esp[IKE_POLICY_MAX_SUITES];
	uint8_t n_esp;
};

/* PROTOCOL.md §3: the client's proposals, and the gateway's (gcm = "IKE #2/ESP #2 configured"). */
void ike_policy_client_default(struct ike_policy *ret);
void ike_policy_gateway_default(struct ike_policy *ret, bool gcm);

/* A negotiated suite (IKE SA: all five; Child SA: encr, encr_keylen, integ). */
struct ike_suite {
	uint16_t encr;
	uint16_t encr_keylen;
	uint16_t integ; /* IKE_INTEG_NONE with GCM */
	uint16_t prf;
	uint16_t dh;
};

/*
 * Configuration payload contents (PROTOCOL.md §8), in both directions:
 * - initiator request: `has` says which attributes to ask for, with values where
 *   §8.1 sends one (the previous address on a reconnect, the client version);
 * - initiator result: the parsed CFG_REPLY;
 * - responder: the hook fills the CFG_REPLY from the pool and the policy.
 * Strings are NUL-terminated copies (one trailing NUL off the wire stripped).
 */
#define IKE_CFG_MAX_DNS	    4
#define IKE_CFG_MAX_SUBNETS 32
#define IKE_CFG_MAX_DOMAINS 16
#define IKE_CFG_STR_MAX	    256

enum {
	IKE_CFG_HAS_IP4 = 1u << 0,
	IKE_CFG_HAS_NETMASK4 = 1u << 1,
	IKE_CFG_HAS_DNS4 = 1u << 2,
	IKE_CFG_HAS_APP_VERSION = 1u << 3,
	IKE_CFG_HAS_IP6 = 1u << 4,
	IKE_CFG_HAS_DNS6 = 1u << 5,
	IKE_CFG_HAS_SUBNET4 = 1u << 6,
	IKE_CFG_HAS_SUBNET6 = 1u << 7,
	IKE_CFG_HAS_LIVENESS = 1u << 8,
	IKE_CFG_HAS_DNS_DOMAIN = 1u << 9, /* 25 and CISCO_CFG_SPLIT_DNS, merged */
	IKE_CFG_HAS_BANNER = 1u << 10,
	IKE_CFG_HAS_DEF_DOMAIN = 1u << 11,
	IKE_CFG_HAS_BACKUP_GATEWAYS = 1u << 12,
	IKE_CFG_HAS_SESSION_ID = 1u << 13,
	IKE_CFG_HAS_SESSION_TOKEN = 1u << 14,
};

struct ike_subnet4 {
	struct in_addr addr;
	struct in_addr mask;
};

struct ike_subnet6 {
	struct in6_addr addr;
	uint8_t prefix;
};

struct ike_cfg {
	uint32_t has; /* IKE_CFG_HAS_* */
	struct in_addr ip4;
	struct in_addr netmask4;
	struct in_addr dns4[IKE_CFG_MAX_DNS];
	uint8_t n_dns4;
	struct in6_addr ip6;
	uint8_t ip6_prefix;
	struct in6_addr dns6[IKE_CFG_MAX_DNS];
	uint8_t n_dns6;
	struct ike_subnet4 subnet4[IKE_CFG_MAX_SUBNETS];
	uint8_t n_subnet4;
	struct ike_subnet6 subnet6[IKE_CFG_MAX_SUBNETS];
	uint8_t n_subnet6;
	uint32_t liveness_s; /* attribute 24: the client's DPD interval */
	char app_version[IKE_CFG_STR_MAX];
	char domains[IKE_CFG_MAX_DOMAINS][IKE_CFG_STR_MAX]; /* split DNS, duplicates dropped */
	uint8_t n_domains;
	char def_domain[IKE_CFG_STR_MAX];
	char backup_gateways[IKE_CFG_STR_MAX]; /* comma-separated, as on the wire */
	char session_id[65];		       /* 1-64 printable ASCII (PROTOCOL.md §7) */
	char *banner;			       /* owned, may be NULL */
	struct secret *token; /* owned; request: unused (empty attribute); reply: the new token */
};

void ike_cfg_init(struct ike_cfg *cfg);
/* Frees the banner and the token; the struct can be re-used after ike_cfg_init(). */
void ike_cfg_done(struct ike_cfg *cfg);
/* Deep copy (banner and token duplicated). */
void ike_cfg_copy(struct ike_cfg *dst, const struct ike_cfg *src);

/*
 * A Child SA as installed in the data plane (ESP in UDP). SPIs are in host order;
 * `in` is traffic the peer sends to us. Keys per RFC 7296 §2.17 (KEYMAT), GCM keys
 * include their 4-byte salt (RFC 4106). The action owns the secrets: steal them
 * (set to NULL) before ike_action_done() to keep them.
 */
struct ike_child {
	uint32_t spi_in;
	uint32_t spi_out;
	struct ike_suite suite; /* encr, encr_keylen, integ */
	struct secret *encr_in;
	struct secret *integ_in; /* NULL with GCM */
	struct secret *encr_out;
	struct secret *integ_out;
	/* the negotiated selectors, IPv4 range of TSi and TSr (first of each) */
	struct in_addr tsi_start, tsi_end;
	struct in_addr tsr_start, tsr_end;
};

/* Initiator: how to build one IKE SA (PROTOCOL.md §4.1 login, §4.2 reconnect). */
enum ike_auth_mode {
	IKE_AUTH_MODE_EAP, /* no AUTH payload in IKE_AUTH #1; EAP follows */
	IKE_AUTH_MODE_PSK, /* AUTH method 2 keyed with the token (§5.4) */
	_IKE_AUTH_MODE_MAX,
};

struct ike_initiator_config {
	struct ike_policy policy;
	uint16_t ke_group; /* 19, or the group last negotiated with this gateway */
	struct ike_id idi; /* KEY_ID "*$AnyConnectClient$*" or KEY_ID(session ID) */
	enum ike_auth_mode auth;
	const struct secret *psk;  /* IKE_AUTH_MODE_PSK: the token; copied */
	struct ike_cfg cp_request; /* borrowed; copied by ike_initiate() */
	bool request_token;   /* ask ANYROAM_SESSION_TOKEN when both sides sent the VID (§7) */
	bool initial_contact; /* reconnect only (§4.2) */
	bool cisco_compat; /* send the Secure Client VID set (§9.1) and the opaque IKE_AUTH VID */
	bool send_strap_vid;	   /* CISCO-ANYCONNECT-STRAP, off by default */
	bool request_ipv6;	   /* TS ::/0 as well */
	struct ike_dgram path;	   /* local ephemeral port and the gateway, remote port 500 */
	usec_t dpd_interval;	   /* 0 = 30 s, or CP attribute 24 once received */
	size_t frag_mtu;	   /* 0 = 1280 (IP datagram size) */
	uint64_t ike_lifetime_s;   /* 0 = 86400 */
	uint64_t child_lifetime_s; /* 0 = 3600 */
};

/* Responder (anyroam-gw). */
struct ike_responder_config {
	struct ike_policy policy;
	EVP_PKEY *sign_key;	     /* up-ref'd; signs our AUTH (PROTOCOL.md §5.2) */
	const struct ike_der *certs; /* leaf first, no root; copied */
	size_t n_certs;
	struct ike_id idr;	      /* IKE_ID_IPV4_ADDR of the listening address by default */
	unsigned int half_open_limit; /* COOKIE above this many half-open SAs (RFC 7296 §2.6); 0 =
					 never */
	unsigned int window_size;     /* announced in SET_WINDOW_SIZE: 5 */
	usec_t dpd_interval;	      /* on-demand probe after this much silence: 45 s */
	usec_t dpd_retry_interval;    /* 2 s */
	unsigned int dpd_retries;     /* 5 */
	usec_t eap_timeout;	      /* half-open SA without EAP Success: 120 s */
	size_t frag_mtu;	      /* 0 = 1280 */
	bool token_rotation;	      /* answer V(ANYROAM-TOKEN-ROTATION) */
	/* announce and send only Cisco fragments (payload 132), as an ASA-style peer
	 * that lacks RFC 7383 would; off = announce both (PROTOCOL.md §10) */
	bool frag_cisco_only;
	uint64_t child_lifetime_s; /* 0 = 3600; hard limit -> delete */
};

/* Answers of the responder's authorize hook. */
enum ike_authz {
	IKE_AUTHZ_EAP, /* run EAP: IKE_ACTION_EAP follows */
	IKE_AUTHZ_PSK, /* *ret_psk is the key to verify AUTH with */
	_IKE_AUTHZ_MAX,
};

/* Hooks called synchronously from ike_input()/ike_tick(); any may be NULL. */
struct ike_hooks {
	/*
	 * Initiator: the responder's CERT chain, leaf first, before anything else is
	 * sent on this SA (PROTOCOL.md §5.2, checks 1-4). 0 = trusted; a negative errno
	 * fails the SA (IKE_ACTION_FAILED, -EACCES). The engine then checks AUTH with
	 * the leaf's key (check 5). With no hook every chain is refused.
	 */
	int (*verify_peer_certs)(void *user_data, uint64_t sa, const struct ike_der *certs,
				 size_t n_certs);
	/*
	 * Responder: IKE_AUTH #1 arrived with this IDi (as received, type included);
	 * has_auth says whether an AUTH payload came. Return IKE_AUTHZ_EAP, or
	 * IKE_AUTHZ_PSK with *ret_psk (ownership passes to the engine), or a negative
	 * errno: AUTHENTICATION_FAILED goes back and the SA is dropped.
	 */
	int (*authorize)(void *user_data, uint64_t sa, const struct ike_id *idi, bool has_auth,
			 struct secret **ret_psk);
	/*
	 * Responder: authentication passed; fill *reply (initialised, owned by the
	 * engine afterwards) for this request. A negative errno sends
	 * INTERNAL_ADDRESS_FAILURE and drops the SA.
	 */
	int (*cp_reply)(void *user_data, uint64_t sa, const struct ike_cfg *request,
			struct ike_cfg *reply);
};

typedef void (*ike_destroy_func_t)(void *user_data);

/* What the embedder must do next. */
enum ike_action_type {
	IKE_ACTION_NONE,
	/* send .send.data to .send.path.remote from .send.path.local; prefix
	 * 00000000 when .send.non_esp_marker (port 4500) */
	IKE_ACTION_SEND,
	/* .eap: an EAP packet from the peer. Initiator: answer a Request with
	 * ike_sa_eap_reply(), a Success with ike_sa_eap_complete() (a Failure ends the
	 * SA with IKE_ACTION_FAILED right after this action).
	 * Responder: answer with ike_sa_eap_request(); .eap.len == 0 means "EAP starts,
	 * give the first request" (the IDi is in .eap.idi) */
	IKE_ACTION_EAP,
	/* .established: IKE SA and first Child SA up */
	IKE_ACTION_ESTABLISHED,
	/* .child: a Child SA was rekeyed; .child.old_spi_in/out are to be removed */
	IKE_ACTION_CHILD_REKEYED,
	/* .rekeyed: the IKE SA was rekeyed (RFC 7296 §1.3.2); from now on the SA is named
	 * .rekeyed.new_sa. The Child SA (same SPIs and keys) moved with it. The old SA is
	 * deleted on the wire and then forgotten silently: no IKE_ACTION_DELETED for it */
	IKE_ACTION_IKE_REKEYED,
	/* .failed: the SA never got established (or a later exchange broke it); gone */
	IKE_ACTION_FAILED,
	/* the peer deleted the IKE SA (Delete(IKE)), or our own Delete completed; gone */
	IKE_ACTION_DELETED,
	/* retransmissions (or DPD probes) exhausted: the peer is dead; gone */
	IKE_ACTION_DEAD,
	_IKE_ACTION_MAX,
};

struct ike_established {
	struct ike_suite suite; /* the IKE SA's, dh = the group to remember for a reconnect */
	struct ike_child child;
	struct ike_cfg cfg;	  /* initiator: the CFG_REPLY; responder: what was sent */
	struct ike_id idi;	  /* the peer's IDi (responder) or ours (initiator) */
	bool peer_token_rotation; /* the peer sent V(ANYROAM-TOKEN-ROTATION) */
	bool peer_behind_nat;
	bool local_behind_nat;
	enum ike_auth_method peer_auth; /* how the peer authenticated */
	bool eap;			/* the initiator authenticated with EAP */
};

struct ike_action {
	enum ike_action_type type;
	uint64_t sa; /* our SPI of the IKE SA concerned */
	union {
		struct {
			struct ike_dgram path;
			bool non_esp_marker;
			uint8_t *data; /* owned */
			size_t len;
		} send;
		struct {
			uint8_t *data; /* owned; the whole EAP packet */
			size_t len;
			struct ike_id idi; /* responder: the peer's identity */
		} eap;
		struct ike_established established;
		struct {
			struct ike_child child;
			uint32_t old_spi_in;
			uint32_t old_spi_out;
		} child;
		struct {
			uint64_t new_sa;
		} rekeyed;
		struct {
			int error; /* -EACCES auth refused, -EPROTO, -ETIMEDOUT, -EBADMSG, ... */
			uint16_t notify;  /* the peer's error notify (e.g. 24), or 0 */
			bool eap_failure; /* an EAP Failure arrived (§6.4) */
		} failed;
	};
};

/* --- context ------------------------------------------------------------- */

/* rng is borrowed and must outlive the engine. */
struct ike *ike_new(enum ike_role role, const struct rng_ops *rng);
/* Frees every SA without sending anything; takes NULL; returns NULL. */
struct ike *ike_free(struct ike *ike);
/* Installs hooks; destroy(user_data) runs on replacement and ike_free(). */
void ike_set_hooks(struct ike *ike, const struct ike_hooks *hooks, void *user_data,
		   ike_destroy_func_t destroy);
/* Responder only: policy, key, certificates. Call before any input. */
_must_check_ int ike_responder_configure(struct ike *ike, const struct ike_responder_config *cfg);

/* Initiator: starts a new IKE SA (IKE_SA_INIT to path.remote). *ret_sa names it. */
_must_check_ int ike_initiate(struct ike *ike, const struct ike_initiator_config *cfg, usec_t now,
			      uint64_t *ret_sa);

/* --- I/O seams ----------------------------------------------------------- */

/*
 * A received UDP payload with the non-ESP marker already removed (see
 * ike_udp_classify()). Returns 0 also when the datagram was dropped as bad network
 * input (counted, logged at debug); a negative errno only for our own misuse.
 */
int ike_input(struct ike *ike, usec_t now, const struct ike_dgram *dgram, const uint8_t *p,
	      size_t n);
/* Runs every timer due at `now`. */
int ike_tick(struct ike *ike, usec_t now);
/* The earliest deadline over all SAs, or USEC_INFINITY. */
usec_t ike_next_deadline(const struct ike *ike);
/* Pops the next action into *ret; false when there is none. */
bool ike_next_action(struct ike *ike, struct ike_action *ret);
/* Frees what an action owns (packet bytes, keys, CP contents). */
void ike_action_done(struct ike_action *a);

/* What a datagram on port 4500 is (PROTOCOL.md §2): */
enum ike_udp_kind {
	IKE_UDP_IKE, /* *ret_off = 4 (marker) on 4500, 0 on 500 */
	IKE_UDP_ESP,
	IKE_UDP_KEEPALIVE, /* 0xFF: drop */
	IKE_UDP_INVALID,   /* too short, or an ESP SPI 1-255: drop */
	_IKE_UDP_KIND_MAX,
};
enum ike_udp_kind ike_udp_classify(uint16_t local_port, const uint8_t *p, size_t n,
				   size_t *ret_off);

/* --- calls on one SA ----------------------------------------------------- */

/* Initiator: the EAP peer's answer to the last IKE_ACTION_EAP. */
_must_check_ int ike_sa_eap_reply(struct ike *ike, uint64_t sa, usec_t now, const uint8_t *eap,
				  size_t n);

/*
 * Initiator: the EAP peer accepted the EAP-Success of the last IKE_ACTION_EAP;
 * msk keys the final AUTH (RFC 7296 §2.16), NULL for methods without one
 * (EAP-AnyConnect: SK_pi/SK_pr key it, PROTOCOL.md §5.3). Copied.
 */
_must_check_ int ike_sa_eap_complete(struct ike *ike, uint64_t sa, usec_t now,
				     const struct secret *msk);

enum ike_eap_outcome {
	IKE_EAP_CONTINUE, /* eap is a Request; more rounds follow */
	IKE_EAP_SUCCESS,  /* eap is EAP-Success; msk may be NULL (EAP-AnyConnect: SK_p keys AUTH,
			     §5.3) */
	IKE_EAP_FAILURE,  /* eap is EAP-Failure; sent with N(AUTHENTICATION_FAILED), SA dropped */
	_IKE_EAP_OUTCOME_MAX,
};
/* Responder: the EAP server's next packet for this SA. */
_must_check_ int ike_sa_eap_request(struct ike *ike, uint64_t sa, usec_t now, const uint8_t *eap,
				    size_t n, enum ike_eap_outcome outcome,
				    const struct secret *msk);

/*
 * Sends INFORMATIONAL SK{D(IKE)}. wait: keep the SA until the response or
 * retransmissions end (client disconnect, then IKE_ACTION_DELETED); !wait: send it
 * once and drop the SA at once (gateway reconnect replacement, `clear crypto session`).
 */
_must_check_ int ike_sa_delete(struct ike *ike, uint64_t sa, usec_t now, bool wait);
/* Forgets the SA locally, nothing sent (the client abandoning an SA to reconnect, §4.4). */
_must_check_ int ike_sa_drop(struct ike *ike, uint64_t sa);
/* An authenticated ESP packet from the peer arrived: the peer is alive (DPD, §11). */
void ike_sa_peer_alive(struct ike *ike, uint64_t sa, usec_t now);
/* Sends a DPD probe now (empty INFORMATIONAL), e.g. after a suspected link change. */
_must_check_ int ike_sa_dpd(struct ike *ike, uint64_t sa, usec_t now);
/* Starts a Child SA rekey now (normally driven by the lifetime timer). */
_must_check_ int ike_sa_rekey_child(struct ike *ike, uint64_t sa, usec_t now);
/*
 * Starts an IKE SA rekey now (an initiator's timer does it at ike_lifetime x 0.9 +- 0.05).
 * Either side may call it; the caller becomes the new SA's initiator (RFC 7296 §2.18).
 */
_must_check_ int ike_sa_rekey_ike(struct ike *ike, uint64_t sa, usec_t now);

/* --- introspection (gateway show commands, anyroam stats) ---------------- */

enum ike_sa_state {
	IKE_SA_STATE_NEW,	/* created, nothing sent or received yet */
	IKE_SA_STATE_INIT_SENT, /* initiator: IKE_SA_INIT request out, waiting */
	IKE_SA_STATE_INIT_DONE, /* keys derived; initiator sends IKE_AUTH, responder waits for it */
	IKE_SA_STATE_AUTH_SENT, /* initiator: IKE_AUTH #1 out (EAP mode: no AUTH, PSK: AUTH) */
	IKE_SA_STATE_EAP,	/* EAP rounds; responder may be waiting on the embedder */
	IKE_SA_STATE_EAP_AUTH,	/* EAP done; the final AUTH exchange keyed with MSK or SK_p */
	IKE_SA_STATE_ESTABLISHED, /* authenticated, Child SA installed */
	IKE_SA_STATE_DELETING,	  /* our Delete is out, waiting for the answer */
	IKE_SA_STATE_CLOSED,	  /* terminal; reaped after its last action */
	_IKE_SA_STATE_MAX,
};
const char *ike_sa_state_to_string(enum ike_sa_state s);

struct ike_sa_info {
	enum ike_sa_state state;
	enum ike_role role;
	uint64_t spi_i, spi_r;
	struct ike_suite suite;
	struct ike_dgram path; /* current local and remote endpoint */
	struct ike_id idi;
	struct ike_id idr;
	enum ike_auth_method auth_sign;	  /* how the responder signed (RSA 1, ECDSA, 14) */
	enum ike_auth_method auth_verify; /* how the initiator authenticated (2 = PSK) */
	bool eap; /* auth_verify was EAP (then with method 2 keyed with MSK or SK_p) */
	bool peer_behind_nat, local_behind_nat, natt; /* natt: floated to 4500 */
	bool frag_rfc7383, frag_cisco;		      /* what the peer announced */
	unsigned int peer_window;
	usec_t created, established, last_rx;
	bool request_pending; /* our request is out, unanswered (a DPD probe's verdict) */
	uint64_t rx_packets, tx_packets; /* IKE datagrams */
	bool has_child;
	uint32_t child_spi_in, child_spi_out;
	struct ike_suite child_suite;
	struct in_addr tsi_start, tsi_end, tsr_start, tsr_end;
	usec_t dpd_interval;
};

_must_check_ int ike_sa_get_info(const struct ike *ike, uint64_t sa, struct ike_sa_info *ret);
/* Fills up to cap SA names; returns how many SAs exist (may exceed cap). */
size_t ike_list_sas(const struct ike *ike, uint64_t *ret, size_t cap);
/* Half-open SAs (for COOKIE and show). */
unsigned int ike_half_open_count(const struct ike *ike);
