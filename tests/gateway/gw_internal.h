/*
 * gw_internal.h - the running gateway's state, shared by gw_daemon.c (event loop, I/O,
 * control commands) and gw_resp.c (the IKE responder's hooks and actions).
 */
#pragma once

#include <openssl/types.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/clock.h"
#include "eap/eap.h"
#include "ike/ike.h"
#include "gw_conf.h"
#include "gw_htab.h"
#include "gw_sess.h"

struct dataplane;

#define GW_SOCK_IKE  0 /* data plane socket index of UDP 500 */
#define GW_SOCK_NATT 1 /* UDP 4500 */
#define GW_MAX_CERTS 4

enum gw_sa_kind {
	GW_SA_KIND_NEW,	       /* IKE_SA_INIT done, IKE_AUTH not seen yet */
	GW_SA_KIND_ANYCONNECT, /* login with EAP-AnyConnect: a reconnectable session */
	GW_SA_KIND_STANDARD,   /* login with EAP-MSCHAPv2 / EAP-MD5: a plain session */
	GW_SA_KIND_RECONNECT,  /* KEY_ID(session ID) + AUTH(PSK = token), D5 */
	_GW_SA_KIND_MAX,
};

/* What the gateway keeps per IKE SA of the engine (keyed by our SPI). */
struct gw_sa {
	struct gw_hnode node;
	uint64_t sa;
	enum gw_sa_kind kind;
	struct eap_server *eap;
	char sess_id[GW_SESS_ID_LEN + 1]; /* the session it logs in, reconnects or carries */
	struct in_addr src;		  /* the peer's address at IKE_AUTH (rate limit key) */
	bool established;
	bool child; /* an ESP pair is in the data plane */
	uint32_t spi_in, spi_out;
	usec_t last_esp_rx;	 /* the newest data plane last_rx already reported to the engine */
	const char *auth_verify; /* for the show views */
};

struct gw_daemon {
	const struct gw_conf *conf;
	struct ike *ike;
	struct gw_sessdb *db;
	struct dataplane *dp;
	struct gw_htab sas;
	EVP_PKEY *key;
	const char *auth_sign; /* "RSA" or "ECDSA" */
	struct ike_der certs[GW_MAX_CERTS];
	size_t n_certs;
	int sock_ike, sock_natt, tun_fd, ctl_fd, sig_fd;
	bool stop;
	/* counters of `show crypto ikev2 stats` beyond the data plane's */
	uint64_t ike_rx, ike_malformed, half_open_drops, eap_failures, logins;
};

struct gw_sa *gw_resp_sa_find(struct gw_daemon *d, uint64_t sa);
/* Installs the hooks on d->ike. */
void gw_resp_install_hooks(struct gw_daemon *d);
/* Runs every pending engine action (send, EAP, established, gone, ...). */
void gw_resp_run_actions(struct gw_daemon *d, usec_t now);
/* `clear crypto session`: drops the SA of one session (or all with id NULL); counts. */
int gw_resp_clear(struct gw_daemon *d, usec_t now, const char *id, unsigned int *ret_cleared);
/* Forgets a gateway SA record and its ESP pair. */
void gw_resp_sa_free(struct gw_daemon *d, struct gw_sa *gs);
/* Tells the engine about ESP seen on each SA, so on-demand DPD stays silent (D8). */
void gw_resp_report_liveness(struct gw_daemon *d, usec_t now);
