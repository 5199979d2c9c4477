/*
 * eap_internal.h - what the engine (eap_peer.c, eap_server.c) and the method files
 * share inside agent/eap. Not for callers outside the module: they use eap.h.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/secret.h"
#include "eap/eap.h"
#include "eap/eap_pkt.h"

/* Answers collected from eap_peer_answer() (names copied, values secret). */
struct eap_answers {
	char **names;
	struct secret **values;
	size_t n;
};

void eap_answers_clear(struct eap_answers *a);
void eap_answers_add(struct eap_answers *a, const char *name, const struct secret *value);
/* The answer called name, or NULL. */
const struct secret *eap_answers_get(const struct eap_answers *a, const char *name);

/* MSCHAPv2 state, peer or server side (RFC 2759). */
struct eap_mschapv2_state {
	uint8_t auth_challenge[16];
	uint8_t peer_challenge[16];
	uint8_t nt_response[24];
	uint8_t auth_response[20]; /* expected (peer) or sent (server) */
	uint8_t ms_id;
	bool responded; /* peer: Response sent; server: Challenge answered */
	bool verified;	/* peer: authenticator response checked; server: NT-Response good */
	bool failed;	/* server: Failure Request sent */
	struct secret *msk;
};

/* AnyConnect peer state (PROTOCOL.md §6). */
struct eap_anyconnect_peer_state {
	uint8_t *opaque; /* the latest <opaque is-for="sg"> element, raw bytes */
	size_t opaque_len;
	bool completed;	  /* complete received, ack sent: Success may follow */
	bool auto_filled; /* configured credentials were used once */
};

struct eap_peer {
	unsigned int methods;
	const struct rng_ops *rng;
	char *username;
	struct secret *password;
	/* client header copies */
	char *version, *computer_name, *device_type, *platform_version, *group_access;
	char *unique_id, *unique_id_global; /* SHA-256 of the machine id, uppercase hex */
	char **macs;
	size_t n_macs;

	struct eap_peer_outcome out;
	struct eap_form *form;	    /* pending, after EAP_STATUS_NEED_INPUT */
	struct eap_answers answers; /* for the pending form */
	bool answered;		    /* answers hold what the saved Request asked for */
	uint8_t *saved;		    /* the Request waiting for answers */
	size_t saved_len;
	struct buf_writer resp; /* the last Response built */
	bool have_resp;
	uint8_t last_id;
	uint8_t *last_req; /* the Request resp answers, to recognise a retransmission */
	size_t last_req_len;
	unsigned int rounds;
	bool method_done; /* the method finished its part: EAP Success is acceptable */
	bool finished;
	bool gtc_used; /* the configured password answered a GTC prompt */

	struct eap_mschapv2_state ms;
	struct eap_anyconnect_peer_state ac;
};

/*
 * Method handlers, peer side: consume a Request of the method's type and build the
 * Response into wr, or set a form (eap_peer_set_*_form) and return NEED_INPUT.
 */
int eap_anyconnect_peer_process(struct eap_peer *p, const struct eap_pkt *req,
				struct buf_writer *wr);
int eap_mschapv2_peer_process(struct eap_peer *p, const struct eap_pkt *req, struct buf_writer *wr);
int eap_md5_peer_process(struct eap_peer *p, const struct eap_pkt *req, struct buf_writer *wr);
int eap_gtc_peer_process(struct eap_peer *p, const struct eap_pkt *req, struct buf_writer *wr);

/* Asks for whatever of username/password is missing; returns EAP_STATUS_NEED_INPUT. */
int eap_peer_ask_credentials(struct eap_peer *p, enum eap_method m, bool need_user,
			     const char *message, const char *password_label);
/* Takes over a form built by a method; returns EAP_STATUS_NEED_INPUT. */
int eap_peer_set_form(struct eap_peer *p, struct eap_form *form);
/* Records an error text for the outcome (copied). */
void eap_peer_set_error(struct eap_peer *p, const char *text);

/* AnyConnect server state. */
struct eap_anyconnect_server_state {
	enum {
		AC_SRV_HELLO_SENT,
		AC_SRV_AUTH_SENT,
		AC_SRV_COMPLETE_SENT,
	} step;
	unsigned int attempts;
};

/* The server's exchange; eap_server.c's set_state() is the one writer. */
enum eap_server_state {
	EAP_SERVER_STATE_INIT,	   /* nothing sent yet */
	EAP_SERVER_STATE_IDENTITY, /* Identity Request sent, waiting for the user name */
	EAP_SERVER_STATE_METHOD,   /* a method runs (it may change once after a Nak) */
	EAP_SERVER_STATE_DONE,	   /* Success or Failure built; input is refused */
	_EAP_SERVER_STATE_MAX,
};

struct eap_server {
	enum eap_method method;
	unsigned int methods;
	const struct rng_ops *rng;
	struct eap_userdb userdb;
	struct eap_session_issuer issuer;
	bool identity_first;
	unsigned int max_login_attempts;
	char *tunnel_group, *config_hash, *message, *banner, *profile_url, *profile_hash;
	char *server_name;

	struct eap_server_outcome out;
	enum eap_server_state state; /* written only by eap_server.c's set_state() */
	uint8_t id;		     /* identifier of the outstanding Request */
	unsigned int rounds;
	unsigned int method_rounds; /* Requests sent by the current method */
	unsigned int tried;	    /* EAP_METHOD_BIT mask of methods proposed so far */
	struct buf_writer pkt;
	uint8_t md5_challenge[16];
	struct eap_mschapv2_state ms;
	struct eap_anyconnect_server_state ac;
};

/*
 * Method handlers, server side. _start builds the method's first Request (with
 * identifier s->id); _process consumes a Response and builds the next Request, or
 * returns EAP_STATUS_SUCCESS / EAP_STATUS_FAILURE (the engine builds that packet).
 */
int eap_anyconnect_server_start(struct eap_server *s, struct buf_writer *wr);
int eap_anyconnect_server_process(struct eap_server *s, const struct eap_pkt *resp,
				  struct buf_writer *wr);
int eap_mschapv2_server_start(struct eap_server *s, struct buf_writer *wr);
int eap_mschapv2_server_process(struct eap_server *s, const struct eap_pkt *resp,
				struct buf_writer *wr);
int eap_md5_server_start(struct eap_server *s, struct buf_writer *wr);
int eap_md5_server_process(struct eap_server *s, const struct eap_pkt *resp, struct buf_writer *wr);
int eap_gtc_server_start(struct eap_server *s, struct buf_writer *wr);
int eap_gtc_server_process(struct eap_server *s, const struct eap_pkt *resp, struct buf_writer *wr);

/* Next Request identifier: RFC 3748 §4.1, a new Request gets a new identifier. */
uint8_t eap_server_next_id(struct eap_server *s);
/* Records why the login failed (for the gateway's log). */
void eap_server_set_reason(struct eap_server *s, const char *reason);
/*
 * Checks a password for s->out.user against the user database: the verifier, else
 * the cleartext. 0, -EACCES (wrong or unknown user: same answer, same cost).
 */
int eap_server_check_password(struct eap_server *s, const struct secret *password);

/* Form helpers (eap_form.c). */
struct eap_form *eap_form_new(enum eap_method m, const char *message);
struct eap_form_field *eap_form_add_field(struct eap_form *f, enum eap_field_type type,
					  const char *name, const char *label, const char *value);
void eap_form_add_option(struct eap_form_field *field, const char *value, const char *label);
struct eap_form *eap_form_free(struct eap_form *f);
const struct eap_form_field *eap_form_find(const struct eap_form *f, const char *name);
