/*
 * gw_show.h - the IOS show views of anyroam-gw (PRODUCT.md item 6), as text shaped like
 * the seed technote's outputs and as JSON. The daemon gathers one struct gw_show_sa per
 * active session (IKE SA facts from ike_sa_get_info(), packet counters from the data
 * plane, the session record); the formatting here is pure, so it is unit-tested.
 * No view ever prints a token or a password: none is in these structs.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/clock.h"
#include "ike/ike.h"
#include "gw_sess.h"

struct gw_show_sa {
	/* session */
	uint32_t serial; /* "Session ID: 16", Virtual-Access<serial> */
	char session_id[GW_SESS_ID_LEN + 1];
	bool reconnectable;
	unsigned int reconnects; /* > 0: capability R */
	char eap_id[GW_SESS_USER_MAX];
	struct in_addr assigned;
	/* the IKE SA */
	struct ike_sa_info ike;
	const char *auth_sign;	 /* "RSA", "ECDSA" */
	const char *auth_verify; /* "AnyConnect-EAP", "EAP-MSCHAPv2", "EAP-MD5", "PSK" */
	bool anyconnect;	 /* PEER TYPE: AnyConnect */
	/* the Child SA's packets (data plane) */
	uint64_t pkts_in, pkts_out, drop_in, drop_out, bytes_in, bytes_out;
};

struct gw_show_ctx {
	const char *profile;		      /* "AnyConnect-EAP" */
	usec_t now;			      /* CLOCK_BOOTTIME, same clock as ike_sa_info times */
	unsigned int dpd_interval, dpd_retry; /* s */
	unsigned int frag_mtu;
	uint64_t ike_lifetime_s;    /* 86400 */
	uint64_t child_lifetime_s;  /* 3600 */
	uint64_t child_lifetime_kb; /* 4608000 */
};

void gw_show_crypto_session_detail(FILE *out, const struct gw_show_ctx *ctx,
				   const struct gw_show_sa *sas, size_t n, bool json);
void gw_show_ikev2_session_detailed(FILE *out, const struct gw_show_ctx *ctx,
				    const struct gw_show_sa *sas, size_t n, bool json);
void gw_show_ikev2_stats_reconnect(FILE *out, const struct gw_sess_stats *st, bool json);

/* Phase1_id / Remote id: the AnyConnect identity as text, a KEY_ID in uppercase hex. */
void gw_show_format_id(const struct ike_id *id, char *out, size_t cap);
/* Writes s as a JSON string literal (quotes included). */
void gw_show_json_str(FILE *out, const char *s);
