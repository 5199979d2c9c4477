/*
 * ike_sa.h - the engine's insides, shared by its files (not for embedders: they use
 * ike.h). struct ike holds the SAs and the action queue; struct ike_sa one IKE SA
 * with its single Child SA, message-ID windows, retransmission and reply cache.
 */
#pragma once

#include "ike/ike.h"
#include "ike/ike_crypto.h"
#include "ike/ike_dh.h"
#include "ike/ike_keys.h"
#include "ike/ike_msg.h"

/* RFC 7296 §2.1: retransmission; PROTOCOL.md §11 */
#define IKE_RETRANS_BASE	   (500 * USEC_PER_MSEC)
#define IKE_RETRANS_CAP		   (8 * USEC_PER_SEC)
#define IKE_RETRANS_TRIES	   6
#define IKE_DPD_DEFAULT		   (30 * USEC_PER_SEC)
#define IKE_FRAG_MTU_DEFAULT	   1280
#define IKE_FRAG_TIMEOUT	   (30 * USEC_PER_SEC)
#define IKE_HALF_OPEN_TIMEOUT	   (120 * USEC_PER_SEC)
#define IKE_LIFETIME_DEFAULT	   86400
#define IKE_CHILD_LIFETIME_DEFAULT 3600
#define IKE_REKEYED_LINGER	   (60 * USEC_PER_SEC)

/* One message as datagrams (fragments), each without the non-ESP marker. */
struct ike_pkts {
	uint8_t *p[IKE_MAX_FRAGMENTS];
	size_t n[IKE_MAX_FRAGMENTS];
	uint8_t count;
};

/* Why our outstanding request was sent: decides what its answer and its loss mean. */
enum ike_req_kind {
	IKE_REQ_NONE,
	IKE_REQ_SA_INIT,
	IKE_REQ_AUTH,
	IKE_REQ_DPD,
	IKE_REQ_DELETE,
	IKE_REQ_CHILD_REKEY,
	IKE_REQ_CHILD_DELETE,
	IKE_REQ_IKE_REKEY,
	_IKE_REQ_MAX,
};

/* Our request in flight (window 1, RFC 7296 §2.3). */
struct ike_req {
	enum ike_req_kind kind;
	uint32_t msg_id;
	struct ike_pkts pkts;
	unsigned int tries;
	usec_t next; /* retransmit or give-up deadline; USEC_INFINITY when idle */
};

/* Reassembly of one fragmented message (PROTOCOL.md §10); one per SA and direction. */
struct ike_frag_rx {
	bool active;
	bool cisco;
	uint32_t msg_id;
	uint16_t frag_id; /* Cisco */
	uint16_t total; /* RFC 7383: Total Fragments; Cisco: number of the last one, 0 = unknown */
	uint8_t first_next;		      /* RFC 7383: fragment 1's Next Payload */
	uint8_t *part[IKE_MAX_FRAGMENTS + 1]; /* by number; decrypted (7383) or raw chunk (Cisco) */
	size_t part_len[IKE_MAX_FRAGMENTS + 1];
	size_t bytes;
	usec_t started;
};

/* Child SA negotiation state carried across IKE_AUTH or CREATE_CHILD_SA. */
struct ike_child_neg {
	uint32_t spi_in;  /* ours */
	uint32_t spi_out; /* the peer's */
	struct ike_crypto_suite suite;
	struct ike_ts tsi, tsr;
	bool valid;
};

struct ike_sa {
	struct ike *ike;
	struct ike_sa *next;
	enum ike_role role;
	enum ike_sa_state state;
	uint64_t spi_i, spi_r;
	struct ike_dgram path;
	bool natt; /* floated: port 4500 and the non-ESP marker */

	/* IKE_SA_INIT */
	struct ike_dh *dh;
	uint16_t ke_group;
	uint8_t ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
	size_t ni_len, nr_len;
	uint8_t *init_req, *init_resp; /* RealMessage1 / 2 (PROTOCOL.md §5.3) */
	size_t init_req_len, init_resp_len;
	uint8_t cookie[IKE_COOKIE_MAX];
	size_t cookie_len;
	unsigned int init_retries; /* COOKIE / INVALID_KE_PAYLOAD answers followed */
	struct ike_crypto_suite suite;
	struct ike_keys keys;
	struct ike_sk sk_in, sk_out;

	/* what the peer announced */
	bool peer_frag_rfc, peer_frag_cisco, peer_token_rotation;
	uint32_t peer_hashes; /* IKE_AUTH_HASH_BIT() of SIGNATURE_HASH_ALGORITHMS */
	bool local_behind_nat, peer_behind_nat;
	unsigned int peer_window;

	/* message IDs (RFC 7296 §2.2) */
	uint32_t next_req_id; /* our next request */
	uint32_t peer_req_id; /* the peer's next expected request */
	struct ike_req req;
	enum ike_req_kind last_answered; /* kind of the request the last response answered */
	struct ike_pkts reply;		 /* our last response, for a retransmitted request */
	uint32_t reply_id;
	bool reply_valid;
	uint16_t cisco_frag_id;
	struct ike_frag_rx frag;

	/* authentication */
	struct ike_id idi, idr;
	struct secret *psk;
	bool eap;
	bool eap_waiting; /* responder: an EAP request is with the embedder */
	uint32_t eap_msg_id;
	bool eap_done;
	struct secret *msk;
	EVP_PKEY *peer_key;
	enum ike_auth_method auth_sign, auth_verify;
	bool initial_contact;

	/* configuration payload */
	struct ike_cfg cp_req; /* initiator: what to ask; responder: what was asked */
	bool cp_requested;     /* responder: a CFG_REQUEST came */
	struct ike_cfg cp_reply;

	/* the Child SA */
	struct ike_child_neg child;
	struct ike_child_neg child_new; /* a rekey in progress */
	struct ike_child_neg child_old; /* replaced by the last rekey, until its Delete */
	uint8_t child_prop_num;		/* responder: the proposal number to answer with */
	struct ike_dh *child_dh;
	uint8_t child_nonce[IKE_NONCE_MAX];
	size_t child_nonce_len;
	bool has_child;
	bool eap_started; /* responder: the first EAP request went out with IDr/CERT/AUTH */

	/* IKE SA rekey: ike_xchg_rekey.c */
	bool rekeyed_away;   /* a successor took over; this SA only waits for its Delete */
	uint64_t rekey_next; /* our rekey in flight: the successor's local SPI */
	usec_t gone_at;	     /* rekeyed_away: forgotten silently by then at the latest */

	/* initiator settings */
	struct ike_initiator_config icfg;

	/* timers: ike_timers.c */
	usec_t created, established_at, last_rx;
	usec_t dpd_interval;
	usec_t child_rekey_at, ike_rekey_at;
	uint64_t rx_packets, tx_packets;
};

struct ike {
	enum ike_role role;
	const struct rng_ops *rng;
	struct ike_hooks hooks;
	void *hooks_ud;
	ike_destroy_func_t hooks_destroy;
	bool configured;
	struct ike_responder_config rcfg; /* certs deep-copied, key up-ref'd */
	struct ike_der certs[IKE_MAX_CERTS];
	struct ike_sa *sas;
	struct ike_action *actions; /* FIFO */
	size_t n_actions, head_action, cap_actions;
	uint8_t cookie_secret[32];
	uint64_t dropped; /* bad network input, counted (STYLE.md §2) */
};

/* ike.c */
struct ike_action *ike_push_action(struct ike *ike, enum ike_action_type type, uint64_t sa);
uint64_t ike_sa_local_spi(const struct ike_sa *sa);

/* ike_sa.c */
struct ike_sa *ike_sa_new(struct ike *ike, enum ike_role role, usec_t now);
struct ike_sa *ike_sa_find(const struct ike *ike, uint64_t local_spi);
struct ike_sa *ike_sa_find_init(const struct ike *ike, uint64_t spi_i,
				const struct ike_addr *remote);
int ike_sa_set_state(struct ike_sa *sa, enum ike_sa_state state);
/* Emits FAILED/DELETED/DEAD and frees the SA. */
void ike_sa_close(struct ike_sa *sa, enum ike_action_type why, int error, uint16_t notify);
void ike_sa_destroy(struct ike_sa *sa);
/* The ID body (type | 3 reserved | data) for prf(SK_p, .). */
size_t ike_sa_id_body(const struct ike_id *id, uint8_t *ret, size_t cap);
/* Selects SK_e/SK_a per direction from the role. */
int ike_sa_init_sk(struct ike_sa *sa);

void ike_pkts_clear(struct ike_pkts *pk);
void ike_frag_rx_clear(struct ike_frag_rx *f);

/* ike_wire.c: protection, fragmentation, windows, retransmission */
int ike_wire_send_request(struct ike_sa *sa, enum ike_req_kind kind, uint8_t exchange,
			  struct ike_msg_build *inner, usec_t now);
int ike_wire_send_response(struct ike_sa *sa, uint8_t exchange, uint32_t msg_id,
			   struct ike_msg_build *inner);
/* IKE_SA_INIT travels in the clear. */
int ike_wire_send_plain_request(struct ike_sa *sa, uint8_t *msg, size_t len, usec_t now);
void ike_wire_emit(struct ike *ike, uint64_t sa_spi, const struct ike_dgram *path, bool marker,
		   const uint8_t *p, size_t n);
void ike_wire_resend(struct ike_sa *sa, const struct ike_pkts *pk);
int ike_wire_input(struct ike *ike, usec_t now, const struct ike_dgram *dgram, const uint8_t *p,
		   size_t n);
/* Whether a notify-only error response for an unknown or half-built SA. */
void ike_wire_send_plain_response(struct ike *ike, const struct ike_dgram *dgram, uint8_t *msg,
				  size_t len, bool marker);

/* ike_xchg_init.c */
int ike_xchg_init_start(struct ike_sa *sa, usec_t now);
int ike_xchg_init_process_response(struct ike_sa *sa, const struct ike_msg *m, const uint8_t *raw,
				   size_t raw_len, usec_t now);
int ike_xchg_init_process_request(struct ike *ike, const struct ike_dgram *dgram,
				  const struct ike_msg *m, const uint8_t *raw, size_t raw_len,
				  usec_t now);

/* ike_xchg_auth.c */
int ike_xchg_auth_start(struct ike_sa *sa, usec_t now);
int ike_xchg_auth_process_response(struct ike_sa *sa, struct ike_msg *m, usec_t now);
int ike_xchg_auth_process_request(struct ike_sa *sa, struct ike_msg *m, usec_t now);
int ike_xchg_auth_eap_reply(struct ike_sa *sa, const uint8_t *eap, size_t n, usec_t now);
int ike_xchg_auth_eap_complete(struct ike_sa *sa, const struct secret *msk, usec_t now);
int ike_xchg_auth_eap_request(struct ike_sa *sa, const uint8_t *eap, size_t n,
			      enum ike_eap_outcome outcome, const struct secret *msk, usec_t now);

/* ike_xchg_info.c */
int ike_xchg_info_process_request(struct ike_sa *sa, struct ike_msg *m, usec_t now);
int ike_xchg_info_process_response(struct ike_sa *sa, struct ike_msg *m, usec_t now);
int ike_xchg_info_dpd(struct ike_sa *sa, usec_t now);
int ike_xchg_info_delete(struct ike_sa *sa, usec_t now, bool wait);

/* ike_xchg_child.c */
int ike_xchg_child_rekey_start(struct ike_sa *sa, usec_t now);
int ike_xchg_child_process_request(struct ike_sa *sa, struct ike_msg *m, usec_t now);
int ike_xchg_child_process_response(struct ike_sa *sa, struct ike_msg *m, usec_t now);
/* Child keys from SK_d for the negotiated child (IKE_AUTH or rekey) into an action's child. */
/* initiator: we started the exchange that made it (IKE_AUTH: the IKE SA's initiator). */
int ike_xchg_child_keys(struct ike_sa *sa, const struct ike_child_neg *neg,
			const struct secret *g_ir, const uint8_t *ni, size_t ni_len,
			const uint8_t *nr, size_t nr_len, bool initiator, struct ike_child *ret);

/* ike_xchg_rekey.c */
int ike_xchg_rekey_start(struct ike_sa *sa, usec_t now);
int ike_xchg_rekey_process_request(struct ike_sa *sa, struct ike_msg *m, usec_t now);
int ike_xchg_rekey_process_response(struct ike_sa *sa, struct ike_msg *m, usec_t now);
bool ike_xchg_rekey_is_ike(const struct ike_msg *m);

/* ike_policy.c */
void ike_policy_proposals(const struct ike_policy *pol, uint8_t proto, const uint8_t *spi,
			  uint8_t spi_size, struct ike_proposal *ret, uint8_t *ret_n);
/* Responder choice (PROTOCOL.md §3). -ENOENT: NO_PROPOSAL_CHOSEN; -EAGAIN: *ret_dh is the
 * group to ask for in INVALID_KE_PAYLOAD. */
int ike_policy_select(const struct ike_policy *pol, uint8_t proto, const struct ike_sa_pld *offered,
		      uint16_t ke_group, struct ike_crypto_suite *ret,
		      const struct ike_proposal **ret_p);
/* Initiator check of the responder's single proposal against what we offered. */
int ike_policy_accept(const struct ike_policy *pol, uint8_t proto, const struct ike_sa_pld *chosen,
		      struct ike_crypto_suite *ret, const struct ike_proposal **ret_p);
/* The one-proposal answer. */
void ike_policy_answer(const struct ike_crypto_suite *s, uint8_t proto, uint8_t num,
		       const uint8_t *spi, uint8_t spi_size, struct ike_proposal *ret);

/* ike_cfg.c */
int ike_cfg_build_request(struct ike_msg_build *b, const struct ike_cfg *req, bool token);
int ike_cfg_build_reply(struct ike_msg_build *b, const struct ike_cfg *reply, bool token);
/* CFG_REPLY -> struct ike_cfg; bad attribute values are ignored (logged) */
void ike_cfg_parse(const struct ike_cp_pld *cp, struct ike_cfg *ret);
void ike_cfg_parse_request(const struct ike_cp_pld *cp, struct ike_cfg *ret);

/* ike_nat.c */
int ike_nat_hash(uint64_t spi_i, uint64_t spi_r, const struct ike_addr *a,
		 uint8_t ret[IKE_NAT_HASH_LEN]);

/* ike_timers.c */
void ike_timers_request_sent(struct ike_sa *sa, usec_t now);
void ike_timers_request_answered(struct ike_sa *sa);
void ike_timers_rx(struct ike_sa *sa, usec_t now);
void ike_timers_established(struct ike_sa *sa, usec_t now);
void ike_timers_child_installed(struct ike_sa *sa, usec_t now);
void ike_timers_rekey_retry(struct ike_sa *sa, usec_t now, bool ike_sa);
usec_t ike_timers_next(const struct ike_sa *sa);
void ike_timers_run(struct ike_sa *sa, usec_t now);
