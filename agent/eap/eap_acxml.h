/*
 * eap_acxml.h - the aggregate-auth XML documents of EAP-AnyConnect (PROTOCOL.md §6.2-6.3):
 * a safe parser (libxml2 from memory, no network, no DTD, no entities, 64 KiB cap,
 * `<!DOCTYPE` refused) and builders for the six messages.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/secret.h"
#include "eap/eap.h"
#include "eap/eap_internal.h"

enum eap_acxml_type {
	EAP_ACXML_HELLO,
	EAP_ACXML_INIT,
	EAP_ACXML_AUTH_REQUEST,
	EAP_ACXML_AUTH_REPLY,
	EAP_ACXML_COMPLETE,
	EAP_ACXML_ACK,
	_EAP_ACXML_TYPE_MAX,
	_EAP_ACXML_TYPE_INVALID = -EINVAL,
};

/* Caps on what one document may carry. */
#define EAP_ACXML_MAX_FIELDS  32u
#define EAP_ACXML_MAX_OPTIONS 256u
#define EAP_ACXML_MAX_MACS    16u

/* The client header: version, device-id, mac-address-list (PROTOCOL.md §6.2). */
struct eap_acxml_client {
	char *version;
	char *computer_name;
	char *device_type;
	char *platform_version;
	char *unique_id;
	char *unique_id_global;
	char **macs; /* macs[0] is the public interface */
	size_t n_macs;
};

/* A parsed document; absent elements stay NULL / false. */
struct eap_acxml {
	enum eap_acxml_type type;
	struct eap_acxml_client client; /* init, auth-reply, ack */
	char *group_access;		/* init */
	bool client_cert_fail;		/* init */
	bool client_cert_request;	/* gateway wants a client certificate */
	bool host_scan;			/* gateway wants a host scan */
	uint8_t *opaque; /* <opaque is-for="sg">...</opaque>, the raw bytes as received */
	size_t opaque_len;
	char *tunnel_group; /* from the opaque */
	char *config_hash;
	char *auth_id;			/* <auth id="..."> */
	char *message, *banner, *error; /* inside <auth>; error NULL when empty */
	struct eap_form *form;		/* auth-request: the inputs, NULL without a <form> */
	struct eap_answers answers;	/* auth-reply: the children of <auth> */
	char *session_id;		/* complete */
	struct secret *session_token;
	char *profile_url, *profile_hash; /* complete: vpn-profile-manifest */
};

const char *eap_acxml_type_to_string(enum eap_acxml_type t);

/*
 * Parses one document. -EMSGSIZE over EAP_XML_MAX, -EBADMSG for anything malformed,
 * a DOCTYPE, a wrong root or type, a field name we could not answer. reterr (may be
 * NULL) gets a one-line reason.
 */
_must_check_ int eap_acxml_parse(const uint8_t *xml, size_t n, struct eap_acxml **ret, char *reterr,
				 size_t reterr_len);
struct eap_acxml *eap_acxml_free(struct eap_acxml *m);
void eap_acxml_client_done(struct eap_acxml_client *c);

/* Builders: each writes a whole document (declaration included) into wr. */
int eap_acxml_build_hello(struct buf_writer *wr);
int eap_acxml_build_init(struct buf_writer *wr, const struct eap_acxml_client *c,
			 const char *group_access, bool client_cert_fail);

struct eap_acxml_auth_request {
	const char *tunnel_group;
	const char *config_hash;
	const char *message;
	const char *banner; /* or NULL */
	const char *error;  /* or NULL */
};
int eap_acxml_build_auth_request(struct buf_writer *wr, const struct eap_acxml_auth_request *ar);

/* One <auth> child of an auth-reply. */
struct eap_acxml_reply_field {
	const char *name;
	const uint8_t *value;
	size_t len;
};
int eap_acxml_build_auth_reply(struct buf_writer *wr, const struct eap_acxml_client *c,
			       const uint8_t *opaque, size_t opaque_len,
			       const struct eap_acxml_reply_field *fields, size_t n);

struct eap_acxml_complete {
	const char *session_id;
	const struct secret *session_token;
	const char *profile_url; /* with profile_hash, or NULL */
	const char *profile_hash;
	const char *banner; /* or NULL */
};
int eap_acxml_build_complete(struct buf_writer *wr, const struct eap_acxml_complete *c);
int eap_acxml_build_ack(struct buf_writer *wr, const struct eap_acxml_client *c);

/* True for names we may use as XML element names in an auth-reply. */
bool eap_acxml_name_ok(const char *name);
