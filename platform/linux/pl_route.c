/*
 * pl_route.c - the tunnel's routes (PROTOCOL.md §8.1, plan in platform_plan.c):
 * the split-include or 0/1 + 128/1 routes into the tun device, and the host
 * route ("pin") that keeps the gateway itself on the physical path. All go in
 * the main table with protocol PLATFORM_LINUX_RTPROT, each journaled before it
 * is added, and only what was added is ever deleted (the kernel matches the
 * protocol on delete, so a system route with the same prefix is never hit).
 */
#define LOG_MODULE "platform"
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>
#include <string.h>

#include "core/log.h"
#include "platform/linux/pl_internal.h"
#include "platform/linux/platform_path.h"

static struct nl_addr *addr4(struct in_addr a, uint8_t prefixlen)
{
	struct nl_addr *n = nl_addr_build(AF_INET, &a, 4);

	if (n)
		nl_addr_set_prefixlen(n, prefixlen);
	return n;
}

static int add_nexthop(struct rtnl_route *rt, const struct pl_item *it)
{
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *gw = NULL;

	if (!nh)
		return -ENOMEM;
	rtnl_route_nh_set_ifindex(nh, it->ifindex);
	if (it->nexthop.s_addr) {
		gw = addr4(it->nexthop, 32);
		if (!gw) {
			rtnl_route_nh_free(nh);
			return -ENOMEM;
		}
		rtnl_route_nh_set_gateway(nh, gw);
		nl_addr_put(gw);
	}
	rtnl_route_add_nexthop(rt, nh);
	return 0;
}

/* for_delete: match on table, protocol, prefix and metric only, so an undo
 * from the journal works even if the interface index went stale. */
static int build(const struct pl_item *it, bool for_delete, struct rtnl_route **ret)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct nl_addr *dst = addr4(it->dst.addr, it->dst.prefixlen);
	int r = 0;

	if (!rt || !dst) {
		r = -ENOMEM;
		goto fail;
	}
	rtnl_route_set_family(rt, AF_INET);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_protocol(rt, PLATFORM_LINUX_RTPROT);
	rtnl_route_set_type(rt, RTN_UNICAST);
	if ((r = pl_nl_err(rtnl_route_set_dst(rt, dst))) < 0)
		goto fail;
	nl_addr_put(dst);
	dst = NULL;
	if (for_delete) {
		rtnl_route_set_scope(rt, RT_SCOPE_NOWHERE);
	} else {
		rtnl_route_set_scope(rt, it->nexthop.s_addr ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
		if ((r = add_nexthop(rt, it)) < 0)
			goto fail;
	}
	*ret = rt;
	return 0;
fail:
	nl_addr_put(dst);
	rtnl_route_put(rt);
	return r;
}

static const char *describe(const struct pl_item *it, char *buf, size_t n)
{
	char dst[32], nh[INET_ADDRSTRLEN];

	platform_prefix_to_string(&it->dst, dst, sizeof(dst));
	inet_ntop(AF_INET, &it->nexthop, nh, sizeof(nh));
	snprintf(buf, n, "%s%s%s dev %s", dst, it->nexthop.s_addr ? " via " : "",
		 it->nexthop.s_addr ? nh : "", it->name);
	return buf;
}

int pl_route_item_add(struct platform_linux *pl, const struct pl_item *it, bool replace)
{
	struct rtnl_route *rt = NULL;
	struct nl_sock *s;
	char d[96];
	int r;

	if ((r = pl_nl_sock(pl, &s)) < 0 || (r = build(it, false, &rt)) < 0)
		return r;
	if ((r = pl_journal_add(&pl->journal, it)) < 0)
		goto out;
	r = pl_nl_err(rtnl_route_add(s, rt, replace ? NLM_F_REPLACE : NLM_F_EXCL));
	if (r < 0) {
		pl_journal_drop(&pl->journal, it);
		if (r != -EEXIST) /* the caller decides what an equal route means */
			log_warning_fr(r, "route %s", describe(it, d, sizeof(d)));
	} else {
		log_debug("route %s added", describe(it, d, sizeof(d)));
	}
out:
	rtnl_route_put(rt);
	return r;
}

int pl_route_undo(struct platform_linux *pl, const struct pl_item *it)
{
	struct rtnl_route *rt = NULL;
	struct nl_sock *s;
	char d[96];
	int r;

	if ((r = pl_nl_sock(pl, &s)) < 0 || (r = build(it, true, &rt)) < 0)
		return r;
	r = pl_nl_err(rtnl_route_delete(s, rt, 0));
	rtnl_route_put(rt);
	/* Gone already (with its device, or never added before a crash). */
	if (r == -ESRCH || r == -ENODEV)
		r = 0;
	if (r == 0) {
		pl_journal_drop(&pl->journal, it);
		log_debug("route %s removed", describe(it, d, sizeof(d)));
	} else {
		log_warning_fr(r, "cannot remove route %s", describe(it, d, sizeof(d)));
	}
	return r;
}

/* --- IPv6 block (full tunnel, no ipv6_bypass) ------------------------- */

static int block6_build(const struct pl_item *it, bool for_delete, struct rtnl_route **ret)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct nl_addr *dst = nl_addr_build(AF_INET6, &it->dst6, sizeof(it->dst6));
	int r;

	if (!rt || !dst) {
		nl_addr_put(dst);
		rtnl_route_put(rt);
		return -ENOMEM;
	}
	nl_addr_set_prefixlen(dst, it->dst6_len);
	rtnl_route_set_family(rt, AF_INET6);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_protocol(rt, PLATFORM_LINUX_RTPROT);
	rtnl_route_set_type(rt, RTN_UNREACHABLE);
	rtnl_route_set_scope(rt, for_delete ? RT_SCOPE_NOWHERE : RT_SCOPE_UNIVERSE);
	r = pl_nl_err(rtnl_route_set_dst(rt, dst));
	nl_addr_put(dst);
	if (r < 0) {
		rtnl_route_put(rt);
		return r;
	}
	*ret = rt;
	return 0;
}

static void block6_item(int half, struct pl_item *ret)
{
	*ret = (struct pl_item){.type = PL_ITEM_BLOCK6, .dst6_len = 1};
	ret->dst6.s6_addr[0] = half ? 0x80 : 0;
}

static int block6_add(struct platform_linux *pl, const struct pl_item *it)
{
	struct rtnl_route *rt = NULL;
	struct nl_sock *s;
	int r;

	if ((r = pl_nl_sock(pl, &s)) < 0 || (r = block6_build(it, false, &rt)) < 0)
		return r;
	if ((r = pl_journal_add(&pl->journal, it)) == 0) {
		r = pl_nl_err(rtnl_route_add(s, rt, NLM_F_EXCL));
		if (r < 0)
			pl_journal_drop(&pl->journal, it);
	}
	rtnl_route_put(rt);
	return r;
}

int pl_route_block6_undo(struct platform_linux *pl, const struct pl_item *it)
{
	struct rtnl_route *rt = NULL;
	struct nl_sock *s;
	int r;

	if ((r = pl_nl_sock(pl, &s)) < 0 || (r = block6_build(it, true, &rt)) < 0)
		return r;
	r = pl_nl_err(rtnl_route_delete(s, rt, 0));
	rtnl_route_put(rt);
	/* gone, or IPv6 off in this kernel/namespace: nothing to undo */
	if (r == -ESRCH || r == -EAFNOSUPPORT || r == -EOPNOTSUPP)
		r = 0;
	if (r == 0)
		pl_journal_drop(&pl->journal, it);
	else
		log_warning_fr(r, "cannot remove the IPv6 block");
	return r;
}

/* Best effort: where IPv6 is disabled there is nothing to leak. */
static void block6_set(struct platform_linux *pl, bool on)
{
	struct pl_item it;
	int r = 0;

	if (on == pl->ipv6_blocked)
		return;
	for (int half = 0; half < 2; half++) {
		block6_item(half, &it);
		r = on ? block6_add(pl, &it) : pl_route_block6_undo(pl, &it);
		if (on && r < 0 && r != -EEXIST)
			break;
	}
	if (on && r < 0 && r != -EEXIST) {
		log_warning_fr(r, "IPv6 not blocked");
		for (int half = 0; half < 2; half++) {
			block6_item(half, &it);
			(void)pl_route_block6_undo(pl, &it);
		}
		return;
	}
	pl->ipv6_blocked = on;
	log_debug("IPv6 %s", on ? "blocked (unreachable ::/1, 8000::/1)" : "unblocked");
}

static void tun_item(const struct platform_linux *pl, const struct platform_ip4_prefix *dst,
		     struct pl_item *ret)
{
	*ret = (struct pl_item){.type = PL_ITEM_ROUTE, .ifindex = pl->tun_ifindex, .dst = *dst};
	strcpy(ret->name, pl->tun_name);
}

static void pin_item(struct in_addr gw, const struct platform_path *path, struct pl_item *ret)
{
	*ret = (struct pl_item){.type = PL_ITEM_ROUTE,
				.ifindex = path->ifindex,
				.dst = {.addr = gw, .prefixlen = 32},
				.nexthop = path->nexthop};
	strcpy(ret->name, path->ifname);
}

static bool in_plan(const struct platform_plan *p, const struct platform_ip4_prefix *x)
{
	for (size_t i = 0; i < p->n_tun; i++)
		if (p->tun[i].prefixlen == x->prefixlen && p->tun[i].addr.s_addr == x->addr.s_addr)
			return true;
	return false;
}

static int set_pin(struct platform_linux *pl, const struct pl_item *want)
{
	struct pl_item old = pl->pin;
	int r;

	if (pl->pinned && pl_item_eq(&old, want))
		return 0;
	/* Replace keeps the gateway reachable throughout (same dst and metric). */
	r = pl_route_item_add(pl, want, pl->pinned);
	if (r == -EEXIST && !pl->pinned) {
		/* The system has its own host route to the gateway: it already
		 * beats the tunnel's routes, and it is not ours to move. */
		log_info("a host route to the gateway exists; using it");
		return 0;
	}
	if (r < 0)
		return r;
	if (pl->pinned && old.dst.addr.s_addr == want->dst.addr.s_addr)
		pl_journal_drop(&pl->journal, &old);
	else if (pl->pinned)
		(void)pl_route_undo(pl, &old);
	pl->pin = *want;
	pl->pinned = true;
	return 0;
}

static int unpin(struct platform_linux *pl)
{
	int r;

	if (!pl->pinned)
		return 0;
	if ((r = pl_route_undo(pl, &pl->pin)) == 0)
		pl->pinned = false;
	return r;
}

static void halves(const struct platform_ip4_prefix *x, struct platform_ip4_prefix ret[2])
{
	ret[0] = ret[1] = *x;
	ret[0].prefixlen = ret[1].prefixlen = (uint8_t)(x->prefixlen + 1);
	ret[1].addr.s_addr |= htonl(1u << (31 - x->prefixlen));
}

/*
 * One tunnel route. When the system has the same prefix already (the local
 * LAN is numbered like a split-include network; an equal route could not be
 * added), the two halves go in instead: longer prefixes win, and the tunnel
 * must, as Secure Client's does without Local LAN Access.
 */
static int add_tun_route(struct platform_linux *pl, const struct platform_ip4_prefix *dst,
			 bool *ret_split)
{
	struct platform_ip4_prefix h[2];
	struct pl_item it;
	char b[32];
	int r;

	*ret_split = false;
	tun_item(pl, dst, &it);
	r = pl_route_item_add(pl, &it, false);
	if (r != -EEXIST || dst->prefixlen == 32)
		return r;
	halves(dst, h);
	*ret_split = true;
	for (int i = 0; i < 2; i++) {
		tun_item(pl, &h[i], &it);
		if ((r = pl_route_item_add(pl, &it, false)) < 0)
			return r;
	}
	log_info("%s: %s is also a local route; tunnelled as two halves", pl->tun_name,
		 platform_prefix_to_string(dst, b, sizeof(b)));
	return 0;
}

static int remove_tun_route(struct platform_linux *pl, const struct platform_ip4_prefix *dst,
			    bool split)
{
	struct platform_ip4_prefix h[2];
	struct pl_item it;
	int r = 0, e;

	if (!split) {
		tun_item(pl, dst, &it);
		return pl_route_undo(pl, &it);
	}
	halves(dst, h);
	for (int i = 1; i >= 0; i--) {
		tun_item(pl, &h[i], &it);
		if ((e = pl_route_undo(pl, &it)) < 0 && r == 0)
			r = e;
	}
	return r;
}

static int plan_index(const struct platform_plan *p, const struct platform_ip4_prefix *x)
{
	for (size_t i = 0; i < p->n_tun; i++)
		if (p->tun[i].prefixlen == x->prefixlen && p->tun[i].addr.s_addr == x->addr.s_addr)
			return (int)i;
	return -1;
}

/* Only the difference between the installed plan and the new one is touched;
 * new_split gets, per new route, whether it went in as two halves. */
static int apply_tun_routes(struct platform_linux *pl, const struct platform_plan *plan,
			    bool *new_split)
{
	int r, j;

	if (pl->routes_applied)
		for (size_t i = 0; i < pl->plan.n_tun; i++)
			if (!in_plan(plan, &pl->plan.tun[i]))
				(void)remove_tun_route(pl, &pl->plan.tun[i], pl->tun_split[i]);
	for (size_t i = 0; i < plan->n_tun; i++) {
		j = pl->routes_applied ? plan_index(&pl->plan, &plan->tun[i]) : -1;
		if (j >= 0) {
			new_split[i] = pl->tun_split[j];
			continue;
		}
		if ((r = add_tun_route(pl, &plan->tun[i], &new_split[i])) < 0)
			return r;
	}
	return 0;
}

int pl_routes_apply(struct platform *p, const struct platform_routes *routes)
{
	struct platform_linux *pl = pl_of(p);
	struct platform_path path = {0};
	struct platform_plan plan;
	bool split[ARRAY_SIZE(plan.tun)] = {false};
	struct pl_item pin;
	int r;

	if ((r = platform_plan_routes(routes, &plan)) < 0)
		return r;
	if (pl->tun_fd < 0)
		return -ENODEV;
	/* Look the physical path up before anything changes: afterwards the
	 * 0/1 routes would answer instead. */
	if (plan.host_route && (r = pl_path_get(p, routes->gateway, &path)) < 0)
		return r;
	if (plan.host_route) {
		pin_item(routes->gateway, &path, &pin);
		if ((r = set_pin(pl, &pin)) < 0)
			return r;
	} else if ((r = unpin(pl)) < 0) {
		return r;
	}
	r = apply_tun_routes(pl, &plan, split);
	if (r == 0)
		block6_set(pl, plan.block_ipv6);
	/* Record what is in place even on a partial failure, so remove() finds it. */
	pl->plan = plan;
	memcpy(pl->tun_split, split, sizeof(split));
	pl->routes_applied = true;
	pl->route_gw = routes->gateway;
	if (r == 0)
		log_info("%s: %zu route(s)%s", pl->tun_name, plan.n_tun,
			 plan.host_route ? " + gateway host route" : "");
	return r;
}

int pl_routes_remove(struct platform *p)
{
	struct platform_linux *pl = pl_of(p);
	int r = 0, e;

	if (!pl->routes_applied)
		return unpin(pl);
	for (size_t i = pl->plan.n_tun; i-- > 0;)
		if ((e = remove_tun_route(pl, &pl->plan.tun[i], pl->tun_split[i])) < 0 && r == 0)
			r = e;
	if ((e = unpin(pl)) < 0 && r == 0)
		r = e;
	block6_set(pl, false);
	pl->routes_applied = false;
	pl->plan.n_tun = 0;
	return r;
}

int pl_route_repin(struct platform_linux *pl, const struct platform_path *path)
{
	struct pl_item want;

	if (!pl->pinned || path->ifindex == 0)
		return 0;
	pin_item(pl->pin.dst.addr, path, &want);
	return set_pin(pl, &want);
}
