/*
 * ike_cfg.c - the configuration payload (RFC 7296 §3.15, PROTOCOL.md §8): struct
 * ike_cfg to CFG_REQUEST / CFG_REPLY attributes and back. Unknown attributes are
 * ignored; one trailing NUL of a string is stripped and none is sent (§8).
 */
#define LOG_MODULE "ike"
#include "ike/ike_sa.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "ike/cisco_compat.h"

void ike_cfg_init(struct ike_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
}

void ike_cfg_done(struct ike_cfg *cfg)
{
	free(cfg->banner);
	secret_free(cfg->token);
	ike_cfg_init(cfg);
}

void ike_cfg_copy(struct ike_cfg *dst, const struct ike_cfg *src)
{
	*dst = *src;
	dst->banner = src->banner ? xstrdup(src->banner) : NULL;
	dst->token = src->token ? secret_dup(src->token) : NULL;
}

static int put_str(struct ike_msg_build *b, uint16_t type, const char *s)
{
	return ike_msg_build_cp_attr(b, type, s, strlen(s));
}

int ike_cfg_build_request(struct ike_msg_build *b, const struct ike_cfg *req, bool token)
{
	size_t mark;
	uint32_t h = req->has;

	(void)ike_msg_build_cp_begin(b, IKE_CFG_REQUEST, &mark);
	/* a value only where §8.1 sends one: the previous address, our version */
	(void)ike_msg_build_cp_attr(b, IKE_CFG_INTERNAL_IP4_ADDRESS, &req->ip4,
				    req->ip4.s_addr ? 4 : 0);
	if (h & IKE_CFG_HAS_NETMASK4)
		(void)ike_msg_build_cp_attr(b, IKE_CFG_INTERNAL_IP4_NETMASK, NULL, 0);
	if (h & IKE_CFG_HAS_DNS4)
		(void)ike_msg_build_cp_attr(b, IKE_CFG_INTERNAL_IP4_DNS, NULL, 0);
	if (h & IKE_CFG_HAS_APP_VERSION)
		(void)put_str(b, IKE_CFG_APPLICATION_VERSION, req->app_version);
	if (h & IKE_CFG_HAS_IP6) {
		uint8_t v[17];

		memcpy(v, &req->ip6, 16);
		v[16] = req->ip6_prefix;
		(void)ike_msg_build_cp_attr(b, IKE_CFG_INTERNAL_IP6_ADDRESS, v,
					    IN6_IS_ADDR_UNSPECIFIED(&req->ip6) ? 0 : 17);
	}
	if (h & IKE_CFG_HAS_DNS6)
		(void)ike_msg_build_cp_attr(b, IKE_CFG_INTERNAL_IP6_DNS, NULL, 0);
	if (h & IKE_CFG_HAS_SUBNET4)
		(void)ike_msg_build_cp_attr(b, IKE_CFG_INTERNAL_IP4_SUBNET, NULL, 0);
	if (h & IKE_CFG_HAS_SUBNET6)
		(void)ike_msg_build_cp_attr(b, IKE_CFG_INTERNAL_IP6_SUBNET, NULL, 0);
	if (h & IKE_CFG_HAS_LIVENESS)
		(void)ike_msg_build_cp_attr(b, IKE_CFG_TIMEOUT_PERIOD_FOR_LIVENESS_CHECK, NULL, 0);
	if (h & IKE_CFG_HAS_DNS_DOMAIN) {
		(void)ike_msg_build_cp_attr(b, IKE_CFG_INTERNAL_DNS_DOMAIN, NULL, 0);
		(void)ike_msg_build_cp_attr(b, CISCO_CFG_SPLIT_DNS, NULL, 0);
	}
	if (h & IKE_CFG_HAS_BANNER)
		(void)ike_msg_build_cp_attr(b, CISCO_CFG_BANNER, NULL, 0);
	if (h & IKE_CFG_HAS_DEF_DOMAIN)
		(void)ike_msg_build_cp_attr(b, CISCO_CFG_DEF_DOMAIN, NULL, 0);
	if (h & IKE_CFG_HAS_BACKUP_GATEWAYS)
		(void)ike_msg_build_cp_attr(b, CISCO_CFG_BACKUP_GATEWAYS, NULL, 0);
	if (h & IKE_CFG_HAS_SESSION_ID)
		(void)ike_msg_build_cp_attr(b, IKEV2_MODECFG_SESSION_ID, NULL, 0);
	if (token)
		(void)ike_msg_build_cp_attr(b, ANYROAM_SESSION_TOKEN, NULL, 0);
	return ike_msg_build_cp_end(b, mark);
}

static void put_v6(struct ike_msg_build *b, uint16_t type, const struct in6_addr *a, int prefix)
{
	uint8_t v[17];

	memcpy(v, a, 16);
	v[16] = (uint8_t)prefix;
	(void)ike_msg_build_cp_attr(b, type, v, prefix >= 0 ? 17 : 16);
}

/* The gateway sends all it has (IOS pushes its policy), the token only on request (§8). */
int ike_cfg_build_reply(struct ike_msg_build *b, const struct ike_cfg *c, bool token)
{
	size_t mark;
	uint32_t h = c->has;

	(void)ike_msg_build_cp_begin(b, IKE_CFG_REPLY, &mark);
	if (h & IKE_CFG_HAS_IP4)
		(void)ike_msg_build_cp_attr(b, IKE_CFG_INTERNAL_IP4_ADDRESS, &c->ip4, 4);
	if (h & IKE_CFG_HAS_NETMASK4)
		(void)ike_msg_build_cp_attr(b, IKE_CFG_INTERNAL_IP4_NETMASK, &c->netmask4, 4);
	for (uint8_t i = 0; (h & IKE_CFG_HAS_DNS4) && i < c->n_dns4; i++)
		(void)ike_msg_build_cp_attr(b, IKE_CFG_INTERNAL_IP4_DNS, &c->dns4[i], 4);
	if (h & IKE_CFG_HAS_APP_VERSION)
		(void)put_str(b, IKE_CFG_APPLICATION_VERSION, c->app_version);
	if (h & IKE_CFG_HAS_IP6)
		put_v6(b, IKE_CFG_INTERNAL_IP6_ADDRESS, &c->ip6, c->ip6_prefix);
	for (uint8_t i = 0; (h & IKE_CFG_HAS_DNS6) && i < c->n_dns6; i++)
		put_v6(b, IKE_CFG_INTERNAL_IP6_DNS, &c->dns6[i], -1);
	for (uint8_t i = 0; (h & IKE_CFG_HAS_SUBNET4) && i < c->n_subnet4; i++) {
		uint8_t v[8];

		memcpy(v, &c->subnet4[i].addr, 4);
		memcpy(v + 4, &c->subnet4[i].mask, 4);
		(void)ike_msg_build_cp_attr(b, IKE_CFG_INTERNAL_IP4_SUBNET, v, 8);
	}
	for (uint8_t i = 0; (h & IKE_CFG_HAS_SUBNET6) && i < c->n_subnet6; i++)
		put_v6(b, IKE_CFG_INTERNAL_IP6_SUBNET, &c->subnet6[i].addr, c->subnet6[i].prefix);
	if (h & IKE_CFG_HAS_LIVENESS) {
		uint8_t v[4];

		be32_store(v, c->liveness_s);
		(void)ike_msg_build_cp_attr(b, IKE_CFG_TIMEOUT_PERIOD_FOR_LIVENESS_CHECK, v, 4);
	}
	for (uint8_t i = 0; (h & IKE_CFG_HAS_DNS_DOMAIN) && i < c->n_domains; i++)
		(void)put_str(b, IKE_CFG_INTERNAL_DNS_DOMAIN, c->domains[i]);
	if ((h & IKE_CFG_HAS_BANNER) && c->banner)
		(void)put_str(b, CISCO_CFG_BANNER, c->banner);
	if (h & IKE_CFG_HAS_DEF_DOMAIN)
		(void)put_str(b, CISCO_CFG_DEF_DOMAIN, c->def_domain);
	if (h & IKE_CFG_HAS_BACKUP_GATEWAYS)
		(void)put_str(b, CISCO_CFG_BACKUP_GATEWAYS, c->backup_gateways);
	if (h & IKE_CFG_HAS_SESSION_ID)
		(void)put_str(b, IKEV2_MODECFG_SESSION_ID, c->session_id);
	if (token && (h & IKE_CFG_HAS_SESSION_TOKEN) && c->token)
		(void)ike_msg_build_cp_attr(b, ANYROAM_SESSION_TOKEN, secret_data(c->token),
					    secret_len(c->token));
	return ike_msg_build_cp_end(b, mark);
}

/* A string value: one trailing NUL stripped; NULs inside or overlong are refused. */
static bool get_str(const struct ike_bytes *v, char *out, size_t cap)
{
	size_t n = v->n;

	if (n && v->p[n - 1] == 0)
		n--;
	if (n >= cap || memchr(v->p, 0, n))
		return false;
	memcpy(out, v->p, n);
	out[n] = 0;
	return true;
}

static bool printable(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return n >= min && n <= max;
}

static void add_domain(struct ike_cfg *c, const char *d, size_t n)
{
	if (n == 0 || n >= IKE_CFG_STR_MAX || c->n_domains >= IKE_CFG_MAX_DOMAINS)
		return;
	for (uint8_t i = 0; i < c->n_domains; i++)
		if (strlen(c->domains[i]) == n && strncasecmp(c->domains[i], d, n) == 0)
			return; /* merged without duplicates (§8.2) */
	memcpy(c->domains[c->n_domains], d, n);
	c->domains[c->n_domains][n] = 0;
	c->n_domains++;
	c->has |= IKE_CFG_HAS_DNS_DOMAIN;
}

static void add_split_dns(struct ike_cfg *c, const char *list)
{
	while (*list) {
		size_t n = strcspn(list, ", ");

		add_domain(c, list, n);
		list += n;
		list += strspn(list, ", ");
	}
}

static bool parse_addr_attr(struct ike_cfg *c, uint16_t type, const struct ike_bytes *v)
{
	switch (type) {
	case IKE_CFG_INTERNAL_IP4_ADDRESS:
		if (v->n != 4)
			return v->n == 0;
		memcpy(&c->ip4, v->p, 4);
		c->has |= IKE_CFG_HAS_IP4;
		return true;
	case IKE_CFG_INTERNAL_IP4_NETMASK:
		if (v->n != 4)
			return v->n == 0;
		memcpy(&c->netmask4, v->p, 4);
		c->has |= IKE_CFG_HAS_NETMASK4;
		return true;
	case IKE_CFG_INTERNAL_IP4_DNS:
		if (v->n != 4 || c->n_dns4 >= IKE_CFG_MAX_DNS)
			return v->n == 0 || v->n == 4;
		memcpy(&c->dns4[c->n_dns4++], v->p, 4);
		c->has |= IKE_CFG_HAS_DNS4;
		return true;
	case IKE_CFG_INTERNAL_IP6_ADDRESS:
		if (v->n != 17)
			return v->n == 0;
		memcpy(&c->ip6, v->p, 16);
		c->ip6_prefix = v->p[16];
		c->has |= IKE_CFG_HAS_IP6;
		return true;
	case IKE_CFG_INTERNAL_IP6_DNS:
		if (v->n != 16 || c->n_dns6 >= IKE_CFG_MAX_DNS)
			return v->n == 0 || v->n == 16;
		memcpy(&c->dns6[c->n_dns6++], v->p, 16);
		c->has |= IKE_CFG_HAS_DNS6;
		return true;
	case IKE_CFG_INTERNAL_IP4_SUBNET:
		if (v->n != 8 || c->n_subnet4 >= IKE_CFG_MAX_SUBNETS)
			return v->n == 0 || v->n == 8;
		memcpy(&c->subnet4[c->n_subnet4].addr, v->p, 4);
		memcpy(&c->subnet4[c->n_subnet4++].mask, v->p + 4, 4);
		c->has |= IKE_CFG_HAS_SUBNET4;
		return true;
	case IKE_CFG_INTERNAL_IP6_SUBNET:
		if (v->n != 17 || c->n_subnet6 >= IKE_CFG_MAX_SUBNETS)
			return v->n == 0 || v->n == 17;
		memcpy(&c->subnet6[c->n_subnet6].addr, v->p, 16);
		c->subnet6[c->n_subnet6++].prefix = v->p[16];
		c->has |= IKE_CFG_HAS_SUBNET6;
		return true;
	default:
		return false;
	}
}

static bool parse_str_attr(struct ike_cfg *c, uint16_t type, const struct ike_bytes *v)
{
	char s[IKE_CFG_STR_MAX];

	switch (type) {
	case IKE_CFG_APPLICATION_VERSION:
		if (!get_str(v, c->app_version, sizeof(c->app_version)))
			return false;
		c->has |= IKE_CFG_HAS_APP_VERSION;
		return true;
	case IKE_CFG_INTERNAL_DNS_DOMAIN:
		if (!get_str(v, s, sizeof(s)))
			return false;
		add_domain(c, s, strlen(s));
		return true;
	case CISCO_CFG_SPLIT_DNS:
		if (!get_str(v, s, sizeof(s)))
			return false;
		add_split_dns(c, s);
		return true;
	case CISCO_CFG_DEF_DOMAIN:
		if (!get_str(v, c->def_domain, sizeof(c->def_domain)))
			return false;
		c->has |= v->n ? IKE_CFG_HAS_DEF_DOMAIN : 0;
		return true;
	case CISCO_CFG_BACKUP_GATEWAYS:
		if (!get_str(v, c->backup_gateways, sizeof(c->backup_gateways)))
			return false;
		c->has |= v->n ? IKE_CFG_HAS_BACKUP_GATEWAYS : 0;
		return true;
	case IKEV2_MODECFG_SESSION_ID:
		if (!get_str(v, s, sizeof(c->session_id)) || !printable(s, 1, 64))
			return v->n == 0;
		memcpy(c->session_id, s, strlen(s) + 1);
		c->has |= IKE_CFG_HAS_SESSION_ID;
		return true;
	default:
		return false;
	}
}

static bool parse_other_attr(struct ike_cfg *c, uint16_t type, const struct ike_bytes *v)
{
	switch (type) {
	case IKE_CFG_TIMEOUT_PERIOD_FOR_LIVENESS_CHECK:
		if (v->n != 4)
			return v->n == 0;
		c->liveness_s = be32_load(v->p);
		c->has |= IKE_CFG_HAS_LIVENESS;
		return true;
	case CISCO_CFG_BANNER:
		if (v->n == 0 || v->n > 4096 || memchr(v->p, 0, v->n - 1))
			return v->n == 0;
		free(c->banner);
		c->banner = xstrndup((const char *)v->p, v->n);
		c->has |= IKE_CFG_HAS_BANNER;
		return true;
	case ANYROAM_SESSION_TOKEN: {
		char s[257];

		/* PROTOCOL.md §7: 16-256 printable ASCII bytes, opaque */
		if (v->n == 0)
			return true;
		if (!get_str(v, s, sizeof(s)) || !printable(s, 16, 256))
			return false;
		secret_free(c->token);
		c->token = secret_from(s, strlen(s));
		secret_wipe(s, sizeof(s));
		c->has |= IKE_CFG_HAS_SESSION_TOKEN;
		return true;
	}
	default:
		return true; /* unknown: ignored (§8) */
	}
}

void ike_cfg_parse(const struct ike_cp_pld *cp, struct ike_cfg *ret)
{
	for (uint8_t i = 0; i < cp->n; i++) {
		const struct ike_cp_attr *a = &cp->a[i];

		if (parse_addr_attr(ret, a->type, &a->value) ||
		    parse_str_attr(ret, a->type, &a->value) ||
		    parse_other_attr(ret, a->type, &a->value))
			continue;
		log_debug_ratelimited("CP attribute %u: bad value of %zu bytes ignored", a->type,
				      a->value.n);
	}
}

static uint32_t requested_bit(uint16_t type)
{
	switch (type) {
	case IKE_CFG_INTERNAL_IP4_ADDRESS:
		return IKE_CFG_HAS_IP4;
	case IKE_CFG_INTERNAL_IP4_NETMASK:
		return IKE_CFG_HAS_NETMASK4;
	case IKE_CFG_INTERNAL_IP4_DNS:
		return IKE_CFG_HAS_DNS4;
	case IKE_CFG_APPLICATION_VERSION:
		return IKE_CFG_HAS_APP_VERSION;
	case IKE_CFG_INTERNAL_IP6_ADDRESS:
		return IKE_CFG_HAS_IP6;
	case IKE_CFG_INTERNAL_IP6_DNS:
		return IKE_CFG_HAS_DNS6;
	case IKE_CFG_INTERNAL_IP4_SUBNET:
		return IKE_CFG_HAS_SUBNET4;
	case IKE_CFG_INTERNAL_IP6_SUBNET:
		return IKE_CFG_HAS_SUBNET6;
	case IKE_CFG_TIMEOUT_PERIOD_FOR_LIVENESS_CHECK:
		return IKE_CFG_HAS_LIVENESS;
	case IKE_CFG_INTERNAL_DNS_DOMAIN:
		return IKE_CFG_HAS_DNS_DOMAIN;
	case CISCO_CFG_SPLIT_DNS:
		return IKE_CFG_HAS_DNS_DOMAIN;
	case CISCO_CFG_BANNER:
		return IKE_CFG_HAS_BANNER;
	case CISCO_CFG_DEF_DOMAIN:
		return IKE_CFG_HAS_DEF_DOMAIN;
	case CISCO_CFG_BACKUP_GATEWAYS:
		return IKE_CFG_HAS_BACKUP_GATEWAYS;
	case IKEV2_MODECFG_SESSION_ID:
		return IKE_CFG_HAS_SESSION_ID;
	case ANYROAM_SESSION_TOKEN:
		return IKE_CFG_HAS_SESSION_TOKEN;
	default:
		return 0;
	}
}

/*
 * A CFG_REQUEST: `has` names every attribute asked for, values where one came
 * (the previous address on a reconnect, the client's version).
 */
void ike_cfg_parse_request(const struct ike_cp_pld *cp, struct ike_cfg *ret)
{
	uint32_t asked = 0;

	ike_cfg_parse(cp, ret);
	for (uint8_t i = 0; i < cp->n; i++)
		asked |= requested_bit(cp->a[i].type);
	ret->has = asked;
	ret->token = secret_free(ret->token);
}
