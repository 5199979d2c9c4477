/*
 * gw_show.c - `show crypto session detail`, `show crypto ikev2 session detailed` and
 * `show crypto ikev2 stats reconnect`, in the technote's layout and as JSON.
 */
#include "gw_show.h"

#include <arpa/inet.h>
#include <string.h>

#include "core/hex.h"
#include "ike/cisco_compat.h"

/* ---- names of transforms as IOS prints them ---- */

static const char *encr_name(uint16_t encr)
{
	return encr == IKE_ENCR_AES_GCM_16 ? "AES-GCM" : encr == IKE_ENCR_AES_CBC ? "AES-CBC" : "?";
}

static const char *prf_name(uint16_t prf)
{
	switch (prf) {
	case IKE_PRF_HMAC_SHA2_256:
		return "SHA256";
	case IKE_PRF_HMAC_SHA2_384:
		return "SHA384";
	case IKE_PRF_HMAC_SHA2_512:
		return "SHA512";
	}
	return "?";
}

static const char *integ_name(uint16_t integ)
{
	switch (integ) {
	case IKE_INTEG_NONE:
		return "None";
	case IKE_INTEG_HMAC_SHA2_256_128:
		return "SHA256";
	case IKE_INTEG_HMAC_SHA2_384_192:
		return "SHA384";
	case IKE_INTEG_HMAC_SHA2_512_256:
		return "SHA512";
	}
	return "?";
}

void gw_show_format_id(const struct ike_id *id, char *out, size_t cap)
{
	bool printable = true;
	size_t i, n = id->len < cap ? id->len : cap - 1;

	for (i = 0; i < id->len; i++)
		printable &= id->data[i] >= 0x21 && id->data[i] <= 0x7e;
	if ((id->type == IKE_ID_KEY_ID || id->type == CISCO_ID_ANYCONNECT_PRIVATE) &&
	    !(id->len == CISCO_ANYCONNECT_ID_LEN &&
	      memcmp(id->data, CISCO_ANYCONNECT_ID, CISCO_ANYCONNECT_ID_LEN) == 0))
		printable = false; /* technote: the session ID is shown in hex */
	if (id->type == IKE_ID_IPV4_ADDR && id->len == 4) {
		inet_ntop(AF_INET, id->data, out, (socklen_t)cap);
	} else if (printable) {
		memcpy(out, id->data, n);
		out[n] = 0;
	} else if (2 * (size_t)id->len + 1 <= cap) {
		hex_encode(id->data, id->len, out, 1);
	} else {
		snprintf(out, cap, "(%u bytes)", id->len);
	}
}

void gw_show_json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void hms(usec_t us, char *out, size_t cap)
{
	uint64_t s = us / USEC_PER_SEC;

	snprintf(out, cap, "%02llu:%02llu:%02llu", (unsigned long long)(s / 3600),
		 (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
}

static void addr_port(const struct ike_addr *a, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	inet_ntop(a->family, a->family == AF_INET6 ? (const void *)&a->v6 : (const void *)&a->v4,
		  ip, sizeof(ip));
	snprintf(out, cap, "%s/%u", ip, a->port);
}

static void ip_str(const struct ike_addr *a, char *out, size_t cap)
{
	inet_ntop(a->family, a->family == AF_INET6 ? (const void *)&a->v6 : (const void *)&a->v4,
		  out, (socklen_t)cap);
}

/* D DPD (always, on demand), N NAT-T, R reconnect (after the first reconnect: technote) */
static void capabilities(const struct gw_show_sa *s, char out[4])
{
	int i = 0;

	out[i++] = 'D';
	if (s->ike.natt || s->ike.peer_behind_nat)
		out[i++] = 'N';
	if (s->reconnects)
		out[i++] = 'R';
	out[i] = 0;
}

static usec_t age(const struct gw_show_ctx *ctx, const struct gw_show_sa *s)
{
	return ctx->now > s->ike.established ? ctx->now - s->ike.established : 0;
}

/* ---- show crypto session detail ---- */

static void session_detail_text(FILE *out, const struct gw_show_ctx *ctx,
				const struct gw_show_sa *s)
{
	char up[32], life[32], local[64], remote[64], peer[INET6_ADDRSTRLEN],
		id[2 * IKE_ID_MAX + 1], caps[4], host[INET_ADDRSTRLEN];
	usec_t a = age(ctx, s), ike_life = ctx->ike_lifetime_s * USEC_PER_SEC;
	uint64_t child_left = ctx->child_lifetime_s > a / USEC_PER_SEC
				      ? ctx->child_lifetime_s - a / USEC_PER_SEC
				      : 0;

	hms(a, up, sizeof(up));
	hms(ike_life > a ? ike_life - a : 0, life, sizeof(life));
	addr_port(&s->ike.path.local, local, sizeof(local));
	addr_port(&s->ike.path.remote, remote, sizeof(remote));
	ip_str(&s->ike.path.remote, peer, sizeof(peer));
	gw_show_format_id(&s->ike.idi, id, sizeof(id));
	capabilities(s, caps);
	inet_ntop(AF_INET, &s->assigned, host, sizeof(host));
	fprintf(out, "\nInterface: Virtual-Access%u\n", s->serial);
	fprintf(out, "Profile: %s\n", ctx->profile);
	fprintf(out, "Uptime: %s\n", up);
	fprintf(out, "Session status: UP-ACTIVE\n");
	fprintf(out, "Peer: %s port %u fvrf: (none) ivrf: (none)\n", peer, s->ike.path.remote.port);
	fprintf(out, "      Phase1_id: %s\n", id);
	fprintf(out, "      Desc: (none)\n");
	fprintf(out, "  Session ID: %u\n", s->serial);
	fprintf(out, "  IKEv2 SA: local %s remote %s Active\n", local, remote);
	fprintf(out, "          Capabilities:%s connid:1 lifetime:%s\n", caps, life);
	fprintf(out, "  IPSEC FLOW: permit ip 0.0.0.0/0.0.0.0 host %s\n", host);
	fprintf(out, "        Active SAs: %d, origin: crypto map\n", s->ike.has_child ? 2 : 0);
	fprintf(out, "        Inbound:  #pkts dec'ed %llu drop %llu life (KB/Sec) %llu/%llu\n",
		(unsigned long long)s->pkts_in, (unsigned long long)s->drop_in,
		(unsigned long long)(ctx->child_lifetime_kb - s->bytes_in / 1024),
		(unsigned long long)child_left);
	fprintf(out, "        Outbound: #pkts enc'ed %llu drop %llu life (KB/Sec) %llu/%llu\n",
		(unsigned long long)s->pkts_out, (unsigned long long)s->drop_out,
		(unsigned long long)(ctx->child_lifetime_kb - s->bytes_out / 1024),
		(unsigned long long)child_left);
}

static void session_detail_json(FILE *out, const struct gw_show_ctx *ctx,
				const struct gw_show_sa *s)
{
	char local[64], remote[64], peer[INET6_ADDRSTRLEN], id[2 * IKE_ID_MAX + 1], caps[4],
		host[INET_ADDRSTRLEN];

	addr_port(&s->ike.path.local, local, sizeof(local));
	addr_port(&s->ike.path.remote, remote, sizeof(remote));
	ip_str(&s->ike.path.remote, peer, sizeof(peer));
	gw_show_format_id(&s->ike.idi, id, sizeof(id));
	capabilities(s, caps);
	inet_ntop(AF_INET, &s->assigned, host, sizeof(host));
	fprintf(out, "{\"interface\":\"Virtual-Access%u\",\"profile\":", s->serial);
	gw_show_json_str(out, ctx->profile);
	fprintf(out,
		",\"uptime_s\":%llu,\"status\":\"UP-ACTIVE\",\"peer\":\"%s\",\"peer_port\":%u,",
		(unsigned long long)(age(ctx, s) / USEC_PER_SEC), peer, s->ike.path.remote.port);
	fprintf(out, "\"phase1_id\":");
	gw_show_json_str(out, id);
	fprintf(out, ",\"session\":%u,\"session_id\":", s->serial);
	gw_show_json_str(out, s->session_id);
	fprintf(out,
		",\"ike_local\":\"%s\",\"ike_remote\":\"%s\",\"capabilities\":\"%s\","
		"\"ipsec_flow\":\"permit ip 0.0.0.0/0.0.0.0 host %s\",\"assigned\":\"%s\","
		"\"pkts_decrypted\":%llu,\"pkts_encrypted\":%llu,\"drop_in\":%llu,\"drop_out\":%"
		"llu,"
		"\"bytes_in\":%llu,\"bytes_out\":%llu}",
		local, remote, caps, host, host, (unsigned long long)s->pkts_in,
		(unsigned long long)s->pkts_out, (unsigned long long)s->drop_in,
		(unsigned long long)s->drop_out, (unsigned long long)s->bytes_in,
		(unsigned long long)s->bytes_out);
}

/* {"sessions":[...]}: one object per SA, written by fn. */
static void json_sessions(FILE *out, const struct gw_show_ctx *ctx, const struct gw_show_sa *sas,
			  size_t n,
			  void (*fn)(FILE *, const struct gw_show_ctx *, const struct gw_show_sa *))
{
	fprintf(out, "{\"sessions\":[");
	for (size_t i = 0; i < n; i++) {
		fputs(i ? "," : "", out);
		fn(out, ctx, &sas[i]);
	}
	fprintf(out, "]}\n");
}

void gw_show_crypto_session_detail(FILE *out, const struct gw_show_ctx *ctx,
				   const struct gw_show_sa *sas, size_t n, bool json)
{
	size_t i;

	if (json) {
		json_sessions(out, ctx, sas, n, session_detail_json);
		return;
	}
	fprintf(out, "Crypto session current status\n\n"
		     "Code: C - IKE Configuration mode, D - Dead Peer Detection\n"
		     "K - Keepalives, N - NAT-traversal, T - cTCP encapsulation\n"
		     "X - IKE Extended Authentication, F - IKE Fragmentation\n"
		     "R - IKE Auto Reconnect\n");
	for (i = 0; i < n; i++)
		session_detail_text(out, ctx, &sas[i]);
}

/* ---- show crypto ikev2 session detailed ---- */

static void selector(struct in_addr a, struct in_addr b, char *out, size_t cap)
{
	char x[INET_ADDRSTRLEN], y[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, x, sizeof(x));
	inet_ntop(AF_INET, &b, y, sizeof(y));
	snprintf(out, cap, "%s/0 - %s/65535", x, y);
}

static void ikev2_text_sa(FILE *out, const struct gw_show_ctx *ctx, const struct gw_show_sa *s)
{
	const struct ike_sa_info *k = &s->ike;
	char local[64], remote[64], id[2 * IKE_ID_MAX + 1], lid[2 * IKE_ID_MAX + 1],
		host[INET_ADDRSTRLEN], sel_l[80], sel_r[80];

	addr_port(&k->path.local, local, sizeof(local));
	addr_port(&k->path.remote, remote, sizeof(remote));
	gw_show_format_id(&k->idi, id, sizeof(id));
	gw_show_format_id(&k->idr, lid, sizeof(lid));
	inet_ntop(AF_INET, &s->assigned, host, sizeof(host));
	fprintf(out, "\nSession-id:%u, Status:UP-ACTIVE, IKE count:1, CHILD count:%d\n\n",
		s->serial, k->has_child ? 1 : 0);
	fprintf(out, "Tunnel-id Local                 Remote                fvrf/ivrf            "
		     "Status\n");
	fprintf(out, "1         %-21s %-21s none/none            READY\n", local, remote);
	fprintf(out,
		"      Encr: %s, keysize: %u, PRF: %s, Hash: %s, DH Grp:%u, Auth sign: %s, Auth "
		"verify: %s\n",
		encr_name(k->suite.encr), k->suite.encr_keylen, prf_name(k->suite.prf),
		k->suite.encr == IKE_ENCR_AES_GCM_16 ? "None" : prf_name(k->suite.prf), k->suite.dh,
		s->auth_sign, s->auth_verify);
	fprintf(out, "      Life/Active Time: %llu/%llu sec\n",
		(unsigned long long)ctx->ike_lifetime_s,
		(unsigned long long)(age(ctx, s) / USEC_PER_SEC));
	fprintf(out, "      CE id: %u, Session-id: %u\n", 1000 + s->serial, s->serial);
	fprintf(out, "      Status Description: Negotiation done\n");
	fprintf(out, "      Local spi: %016llX       Remote spi: %016llX\n",
		(unsigned long long)k->spi_r, (unsigned long long)k->spi_i);
	fprintf(out, "      Local id: %s\n", lid);
	fprintf(out, "      Remote id: %s\n", id);
	if (s->eap_id[0] && strcmp(s->auth_verify, "PSK") != 0)
		fprintf(out, "      Remote EAP id: %s\n", s->eap_id);
	fprintf(out, "      Local window:      5              Remote window:      %u\n",
		k->peer_window ? k->peer_window : 1);
	fprintf(out, "      DPD configured for %u seconds, retry %u\n", ctx->dpd_interval,
		ctx->dpd_retry);
	if (k->frag_rfc7383 || k->frag_cisco)
		fprintf(out, "      Fragmentation configured (MTU %u).\n", ctx->frag_mtu);
	else
		fprintf(out, "      Fragmentation not configured.\n");
	fprintf(out, "      Extended Authentication not configured.\n");
	fprintf(out, "      NAT-T is %s\n",
		k->peer_behind_nat || k->natt ? "detected outside" : "not detected");
	fprintf(out, "      Cisco Trust Security SGT is disabled\n");
	fprintf(out, "      Assigned host addr: %s\n", host);
	fprintf(out, "      Initiator of SA : No\n");
	if (s->anyconnect)
		fprintf(out, "      PEER TYPE: AnyConnect\n");
	if (!k->has_child)
		return;
	selector(k->tsr_start, k->tsr_end, sel_l, sizeof(sel_l));
	selector(k->tsi_start, k->tsi_end, sel_r, sizeof(sel_r));
	fprintf(out, "\n Child sa: local selector  %s\n", sel_l);
	fprintf(out, "          remote selector %s\n", sel_r);
	fprintf(out, "          ESP spi in/out: 0x%X/0x%X\n", k->child_spi_in, k->child_spi_out);
	fprintf(out, "          AH spi in/out: 0x0/0x0\n");
	fprintf(out, "          CPI in/out: 0x0/0x0\n");
	fprintf(out, "          Encr: %s, keysize: %u, esp_hmac: %s\n",
		encr_name(k->child_suite.encr), k->child_suite.encr_keylen,
		integ_name(k->child_suite.integ));
	fprintf(out, "          ah_hmac: None, comp: IPCOMP_NONE, mode tunnel\n");
}

static void ikev2_json_sa(FILE *out, const struct gw_show_ctx *ctx, const struct gw_show_sa *s)
{
	const struct ike_sa_info *k = &s->ike;
	char local[64], remote[64], id[2 * IKE_ID_MAX + 1], lid[2 * IKE_ID_MAX + 1],
		host[INET_ADDRSTRLEN], sel_l[80], sel_r[80];

	addr_port(&k->path.local, local, sizeof(local));
	addr_port(&k->path.remote, remote, sizeof(remote));
	gw_show_format_id(&k->idi, id, sizeof(id));
	gw_show_format_id(&k->idr, lid, sizeof(lid));
	inet_ntop(AF_INET, &s->assigned, host, sizeof(host));
	selector(k->tsr_start, k->tsr_end, sel_l, sizeof(sel_l));
	selector(k->tsi_start, k->tsi_end, sel_r, sizeof(sel_r));
	fprintf(out,
		"{\"session\":%u,\"status\":\"UP-ACTIVE\",\"local\":\"%s\",\"remote\":\"%s\","
		"\"encr\":\"%s\",\"keysize\":%u,\"prf\":\"%s\",\"dh_group\":%u,\"auth_sign\":\"%"
		"s\","
		"\"auth_verify\":\"%s\",\"active_time_s\":%llu,\"local_spi\":\"%016llX\","
		"\"remote_spi\":\"%016llX\",\"local_id\":",
		s->serial, local, remote, encr_name(k->suite.encr), k->suite.encr_keylen,
		prf_name(k->suite.prf), k->suite.dh, s->auth_sign, s->auth_verify,
		(unsigned long long)(age(ctx, s) / USEC_PER_SEC), (unsigned long long)k->spi_r,
		(unsigned long long)k->spi_i);
	gw_show_json_str(out, lid);
	fprintf(out, ",\"remote_id\":");
	gw_show_json_str(out, id);
	fprintf(out, ",\"remote_eap_id\":");
	gw_show_json_str(out, s->eap_id);
	fprintf(out,
		",\"dpd_interval\":%u,\"dpd_retry\":%u,\"nat_t\":%s,\"assigned\":\"%s\","
		"\"peer_type\":\"%s\",\"child\":{\"local_selector\":\"%s\",\"remote_selector\":\"%"
		"s\","
		"\"esp_spi_in\":\"0x%X\",\"esp_spi_out\":\"0x%X\",\"encr\":\"%s\",\"esp_hmac\":\"%"
		"s\"}}",
		ctx->dpd_interval, ctx->dpd_retry, k->peer_behind_nat || k->natt ? "true" : "false",
		host, s->anyconnect ? "AnyConnect" : "IKEv2", sel_l, sel_r, k->child_spi_in,
		k->child_spi_out, encr_name(k->child_suite.encr), integ_name(k->child_suite.integ));
}

void gw_show_ikev2_session_detailed(FILE *out, const struct gw_show_ctx *ctx,
				    const struct gw_show_sa *sas, size_t n, bool json)
{
	size_t i;

	if (json) {
		json_sessions(out, ctx, sas, n, ikev2_json_sa);
		return;
	}
	fprintf(out, " IPv4 Crypto IKEv2 Session\n");
	for (i = 0; i < n; i++)
		ikev2_text_sa(out, ctx, &sas[i]);
}

void gw_show_ikev2_stats_reconnect(FILE *out, const struct gw_sess_stats *st, bool json)
{
	if (json) {
		fprintf(out,
			"{\"total\":%llu,\"success\":%llu,\"failed\":%llu,\"active\":%zu,"
			"\"inactive\":%zu,"
			"\"rate_limited\":%llu,\"unknown_session\":%llu,\"expired_session\":%llu,"
			"\"bad_token\":%llu}\n",
			(unsigned long long)st->total, (unsigned long long)st->success,
			(unsigned long long)st->failed, st->active, st->inactive,
			(unsigned long long)st->by_reason[GW_RECONNECT_RATE_LIMITED],
			(unsigned long long)st->by_reason[GW_RECONNECT_UNKNOWN_SESSION],
			(unsigned long long)st->by_reason[GW_RECONNECT_EXPIRED_SESSION],
			(unsigned long long)st->by_reason[GW_RECONNECT_BAD_TOKEN]);
		return;
	}
	fprintf(out, "Total incoming reconnect connection: %llu\n", (unsigned long long)st->total);
	fprintf(out, "Success reconnect connection: %llu\n", (unsigned long long)st->success);
	fprintf(out, "Failed reconnect connection: %llu\n", (unsigned long long)st->failed);
	fprintf(out, "Reconnect capable active session count: %zu\n", st->active);
	fprintf(out, "Reconnect capable inactive session count: %zu\n", st->inactive);
}
