/*
 * platform_plan.h - what a struct platform_routes means as routes, and the
 * checks on a CP reply's routes and DNS before anything is installed. Pure;
 * shared by the Linux platform and the fake, so both install the same set.
 */
#pragma once

#include "platform/platform.h"

struct platform_plan {
	/* Routes into the tun device. */
	struct platform_ip4_prefix tun[PLATFORM_MAX_SUBNETS + 2];
	size_t n_tun;
	/* A gateway/32 route through the physical path is needed: full tunnel,
	 * or the gateway lies inside an included subnet. */
	bool host_route;
	/* Full tunnel without ipv6_bypass: unreachable ::/1 and 8000::/1. */
	bool block_ipv6;
};

/*
 * Full tunnel (no subnets): 0.0.0.0/1 + 128.0.0.0/1, host route, IPv6 blocked
 * unless r->ipv6_bypass. Split: one
 * per subnet, host bits cleared, duplicates dropped, host route only when the
 * gateway is inside one. -EINVAL: bad prefix length or no gateway;
 * -EMSGSIZE: over PLATFORM_MAX_SUBNETS.
 */
int platform_plan_routes(const struct platform_routes *r, struct platform_plan *ret);

/* Servers non-zero, count and domain caps, domains made of letters, digits,
 * '-', '_' and '.' (nothing that could break a resolv.conf line). -EINVAL or
 * -EMSGSIZE. */
int platform_dns_validate(const struct platform_dns *dns);

/* Defaults filled in (name, /32, MTU) and checked: an interface name the
 * kernel accepts, prefix <= 32, an address, 576 <= MTU <= 65535. -EINVAL. */
int platform_tun_config_check(const struct platform_tun_config *cfg,
			      struct platform_tun_config *ret);
