/*
 * platform_path.c - route selection toward the gateway and the meaning of a
 * path change (PROTOCOL.md §12, reasons 101 and 102).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "platform/linux/platform_path.h"

static uint32_t mask_of(uint8_t prefixlen)
{
	return prefixlen == 0 ? 0 : htonl(~0u << (32 - prefixlen));
}

bool platform_prefix_contains(const struct platform_ip4_prefix *p, struct in_addr a)
{
	uint32_t m = mask_of(p->prefixlen);

	return (a.s_addr & m) == (p->addr.s_addr & m);
}

int platform_prefix_normalize(struct platform_ip4_prefix *p)
{
	if (p->prefixlen > 32)
		return -EINVAL;
	p->addr.s_addr &= mask_of(p->prefixlen);
	return 0;
}

const char *platform_prefix_to_string(const struct platform_ip4_prefix *p, char *buf, size_t n)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &p->addr, a, sizeof(a));
	snprintf(buf, n, "%s/%u", a, p->prefixlen);
	return buf;
}

static bool better(const struct platform_route_info *r, const struct platform_route_info *best)
{
	if (!best)
		return true;
	if (r->dst.prefixlen != best->dst.prefixlen)
		return r->dst.prefixlen > best->dst.prefixlen;
	return r->priority < best->priority;
}

int platform_path_pick(const struct platform_route_info *routes, size_t n, struct in_addr dst,
		       uint8_t skip_protocol, int skip_ifindex)
{
	const struct platform_route_info *best = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct platform_route_info *r = &routes[i];

		if (!r->usable || (skip_protocol && r->protocol == skip_protocol) ||
		    (skip_ifindex && r->ifindex == skip_ifindex) || r->ifindex <= 0 ||
		    !platform_prefix_contains(&r->dst, dst))
			continue;
		if (better(r, best))
			best = r;
	}
	return best ? (int)(best - routes) : -ENETUNREACH;
}

static void fill(struct platform_event *ev, enum platform_event_type type, int reason,
		 const struct platform_path *old, const struct platform_path *cur)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->reason = reason;
	ev->old_path = *old;
	ev->path = *cur;
}

static int up_reason(const struct platform_path *last_up, const struct platform_path *cur)
{
	if (last_up && last_up->ifindex == cur->ifindex && last_up->src.s_addr != cur->src.s_addr)
		return PLATFORM_REASON_ADDRESS_CHANGE;
	return PLATFORM_REASON_INTERFACE_CHANGE;
}

bool platform_path_diff(const struct platform_path *old, const struct platform_path *cur,
			const struct platform_path *last_up, struct platform_event *ret)
{
	if (cur->ifindex == 0) {
		if (old->ifindex == 0)
			return false;
		fill(ret, PLATFORM_EVENT_LINK_DOWN, 0, old, cur);
	} else if (old->ifindex == 0) {
		fill(ret, PLATFORM_EVENT_LINK_UP, up_reason(last_up, cur), old, cur);
	} else if (cur->ifindex != old->ifindex) {
		fill(ret, PLATFORM_EVENT_ROUTE_CHANGED, PLATFORM_REASON_INTERFACE_CHANGE, old, cur);
	} else if (cur->src.s_addr != old->src.s_addr) {
		fill(ret, PLATFORM_EVENT_ADDR_CHANGED, PLATFORM_REASON_ADDRESS_CHANGE, old, cur);
	} else {
		return false;
	}
	return true;
}
