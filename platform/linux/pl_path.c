/*
 * pl_path.c - the physical path to the gateway: the main table and the links
 * dumped over rtnetlink, the route chosen by platform_path_pick (our own
 * routes skipped, so the gateway's pin cannot hide a better new path), then
 * the kernel asked for the source address it would use out of that interface.
 */
#define LOG_MODULE "platform"
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "platform/linux/pl_internal.h"
#include "platform/linux/platform_path.h"

struct collect {
	struct nl_cache *links;
	struct platform_route_info *routes;
	size_t n;
	size_t cap;
};

static struct in_addr nl_in4(struct nl_addr *a)
{
	struct in_addr r = {0};

	if (a && nl_addr_get_family(a) == AF_INET && nl_addr_get_len(a) == 4)
		memcpy(&r, nl_addr_get_binary_addr(a), 4);
	return r;
}

static bool link_usable(struct nl_cache *links, int ifindex)
{
	struct rtnl_link *l = rtnl_link_get(links, ifindex);
	unsigned int flags;

	if (!l)
		return false;
	flags = rtnl_link_get_flags(l);
	rtnl_link_put(l);
	/* Admin up and carrier (IFF_RUNNING): a route on a cable-less port is
	 * kept by the kernel but carries nothing. */
	return (flags & IFF_UP) && (flags & IFF_RUNNING);
}

static void collect_route(struct nl_object *obj, void *arg)
{
	struct rtnl_route *rt = (struct rtnl_route *)obj;
	struct collect *c = arg;
	struct platform_route_info *ri;
	struct rtnl_nexthop *nh;

	if (rtnl_route_get_family(rt) != AF_INET || rtnl_route_get_table(rt) != RT_TABLE_MAIN ||
	    rtnl_route_get_nnexthops(rt) < 1)
		return;
	nh = rtnl_route_nexthop_n(rt, 0);
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 32;
		c->routes = xrealloc(c->routes, c->cap * sizeof(*c->routes));
	}
	ri = &c->routes[c->n++];
	*ri = (struct platform_route_info){
		.dst = {.addr = nl_in4(rtnl_route_get_dst(rt)),
			.prefixlen = (uint8_t)nl_addr_get_prefixlen(rtnl_route_get_dst(rt))},
		.priority = rtnl_route_get_priority(rt),
		.ifindex = rtnl_route_nh_get_ifindex(nh),
		.nexthop = nl_in4(rtnl_route_nh_get_gateway(nh)),
		.prefsrc = nl_in4(rtnl_route_get_pref_src(rt)),
		.protocol = rtnl_route_get_protocol(rt),
		.usable = rtnl_route_get_type(rt) == RTN_UNICAST &&
			  !(rtnl_route_nh_get_flags(nh) & (RTNH_F_DEAD | RTNH_F_LINKDOWN)) &&
			  link_usable(c->links, rtnl_route_nh_get_ifindex(nh)),
	};
}

static int dump(struct platform_linux *pl, struct collect *c)
{
	struct nl_cache *routes = NULL;
	struct nl_sock *s;
	int r;

	if ((r = pl_nl_sock(pl, &s)) < 0)
		return r;
	if ((r = pl_nl_err(rtnl_link_alloc_cache(s, AF_UNSPEC, &c->links))) < 0)
		return r;
	if ((r = pl_nl_err(rtnl_route_alloc_cache(s, AF_INET, 0, &routes))) < 0)
		return r;
	nl_cache_foreach(routes, collect_route, c);
	nl_cache_free(routes);
	return 0;
}

static void fill_path(struct collect *c, const struct platform_route_info *ri,
		      struct platform_path *p)
{
	struct rtnl_link *l = rtnl_link_get(c->links, ri->ifindex);

	*p = (struct platform_path){.ifindex = ri->ifindex, .nexthop = ri->nexthop};
	if (l) {
		const char *name = rtnl_link_get_name(l);

		if (name)
			snprintf(p->ifname, sizeof(p->ifname), "%s", name);
		rtnl_link_put(l);
	}
}

int pl_path_get(struct platform *p, struct in_addr gateway, struct platform_path *ret)
{
	struct platform_linux *pl = pl_of(p);
	struct collect c = {0};
	struct platform_path path;
	int r, i;

	if (gateway.s_addr == 0)
		return -EINVAL;
	if ((r = dump(pl, &c)) < 0)
		goto out;
	i = platform_path_pick(c.routes, c.n, gateway, PLATFORM_LINUX_RTPROT, pl->tun_ifindex);
	if (i < 0) {
		r = i;
		goto out;
	}
	fill_path(&c, &c.routes[i], &path);
	path.src = c.routes[i].prefsrc;
	/* No preferred source on the route: the kernel's choice for this oif
	 * (RFC 1122 §3.3.4.3 leaves it to the host; Linux picks a primary
	 * address). No address at all leaves src 0: "vanished" (reason 102). */
	if (!path.src.s_addr && pl_nl_route_src(pl, gateway, path.ifindex, &path.src) < 0)
		path.src.s_addr = 0;
	*ret = path;
	r = 0;
out:
	if (c.links)
		nl_cache_free(c.links);
	free(c.routes);
	return r;
}
