/*
 * platform_plan.c - the route set for a CP reply (PROTOCOL.md §8.1) and the
 * validation of what the gateway sent before it reaches the system.
 */
#include <arpa/inet.h>
#include <string.h>

#include "platform/linux/platform_path.h"
#include "platform/linux/platform_plan.h"

static bool already(const struct platform_plan *p, const struct platform_ip4_prefix *x)
{
	for (size_t i = 0; i < p->n_tun; i++)
		if (p->tun[i].prefixlen == x->prefixlen && p->tun[i].addr.s_addr == x->addr.s_addr)
			return true;
	return false;
}

static void plan_full(struct platform_plan *p)
{
	/* Two /1 routes cover everything and beat any default route by length,
	 * so the system's own default route stays untouched and need not be
	 * restored (the OpenVPN "def1" idea). */
	p->tun[0] = (struct platform_ip4_prefix){.addr.s_addr = 0, .prefixlen = 1};
	p->tun[1] = (struct platform_ip4_prefix){.addr.s_addr = htonl(0x80000000u), .prefixlen = 1};
	p->n_tun = 2;
	p->host_route = true;
}

static int plan_split(const struct platform_routes *r, struct platform_plan *p)
{
	for (size_t i = 0; i < r->n_subnets; i++) {
		struct platform_ip4_prefix x = r->subnets[i];
		int e = platform_prefix_normalize(&x);

		if (e < 0)
			return e;
		if (already(p, &x))
			continue;
		p->tun[p->n_tun++] = x;
		if (platform_prefix_contains(&x, r->gateway))
			p->host_route = true;
	}
	return 0;
}

int platform_plan_routes(const struct platform_routes *r, struct platform_plan *ret)
{
	struct platform_plan p = {0};
	int e;

	if (!r || r->gateway.s_addr == 0 || (r->n_subnets && !r->subnets))
		return -EINVAL;
	if (r->n_subnets > PLATFORM_MAX_SUBNETS)
		return -EMSGSIZE;
	if (r->n_subnets == 0) {
		plan_full(&p);
		p.block_ipv6 = !r->ipv6_bypass;
	} else if ((e = plan_split(r, &p)) < 0)
		return e;
	*ret = p;
	return 0;
}

static bool domain_ok(const char *d)
{
	size_t n = d ? strlen(d) : 0;

	if (n == 0 || n > PLATFORM_MAX_DOMAIN_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = d[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

int platform_dns_validate(const struct platform_dns *dns)
{
	if (!dns || (dns->n_servers && !dns->servers) || (dns->n_domains && !dns->domains))
		return -EINVAL;
	if (dns->n_servers > PLATFORM_MAX_DNS_SERVERS || dns->n_domains > PLATFORM_MAX_DOMAINS)
		return -EMSGSIZE;
	for (size_t i = 0; i < dns->n_servers; i++)
		if (dns->servers[i].s_addr == 0 || dns->servers[i].s_addr == INADDR_BROADCAST)
			return -EINVAL;
	for (size_t i = 0; i < dns->n_domains; i++)
		if (!domain_ok(dns->domains[i]))
			return -EINVAL;
	return 0;
}

static bool ifname_ok(const char *n)
{
	size_t len = strlen(n);

	return len > 0 && len < IF_NAMESIZE && !strpbrk(n, "/ \t\n:") && strcmp(n, ".") &&
	       strcmp(n, "..");
}

int platform_tun_config_check(const struct platform_tun_config *cfg,
			      struct platform_tun_config *ret)
{
	struct platform_tun_config c;

	if (!cfg)
		return -EINVAL;
	c = *cfg;
	if (!c.name)
		c.name = PLATFORM_TUN_NAME_DEFAULT;
	if (!c.prefixlen)
		c.prefixlen = 32;
	if (!c.mtu)
		c.mtu = PLATFORM_TUN_MTU_DEFAULT;
	/* RFC 791: every host must accept 576-byte datagrams. */
	if (!ifname_ok(c.name) || c.prefixlen > 32 || c.addr.s_addr == 0 || c.mtu < 576 ||
	    c.mtu > 65535)
		return -EINVAL;
	*ret = c;
	return 0;
}
