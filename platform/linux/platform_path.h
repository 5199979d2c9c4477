/*
 * platform_path.h - which physical path carries traffic to the gateway, and
 * what a change of it means for the agent. Pure: the Linux side dumps the
 * routing table into platform_route_info records; the fake builds them.
 *
 * Only the main table is consulted (policy routing rules are not evaluated);
 * routes we added ourselves (our protocol number or the tun device) are
 * skipped, so the host route that pins the gateway to the old path never hides
 * a better new one.
 */
#pragma once

#include "platform/platform.h"

struct platform_route_info {
	struct platform_ip4_prefix dst;
	uint32_t priority; /* metric: lower wins among equal prefixes */
	int ifindex;
	struct in_addr nexthop; /* 0: on-link */
	struct in_addr prefsrc; /* 0: none */
	uint8_t protocol;	/* RTPROT_* */
	bool usable;		/* unicast, main table, device up with carrier */
};

/* Index of the route the kernel would use toward dst (longest prefix, then
 * lowest metric, then first), skipping unusable routes, routes of protocol
 * skip_protocol (0: none) and routes on skip_ifindex (0: none);
 * -ENETUNREACH when there is none. */
int platform_path_pick(const struct platform_route_info *routes, size_t n, struct in_addr dst,
		       uint8_t skip_protocol, int skip_ifindex);

/*
 * Compares the path before and after a burst of link events and fills the
 * event the agent gets (PROTOCOL.md §12): none -> LINK_DOWN; another
 * interface -> ROUTE_CHANGED (101); same interface, other or no source ->
 * ADDR_CHANGED (102); back after none -> LINK_UP, with 102 when it is the
 * interface last_up (the last path that was up; may be NULL) had but the
 * source differs (a DHCP lease with a new address), else 101. Returns false
 * when nothing that matters changed (a new router on the same interface and
 * source does not break the IKE SA's addresses).
 */
bool platform_path_diff(const struct platform_path *old, const struct platform_path *cur,
			const struct platform_path *last_up, struct platform_event *ret);

bool platform_prefix_contains(const struct platform_ip4_prefix *p, struct in_addr a);
/* Host bits cleared; prefixlen over 32 is -EINVAL. */
int platform_prefix_normalize(struct platform_ip4_prefix *p);
/* "a.b.c.d/len" into buf (at least 19 bytes). */
const char *platform_prefix_to_string(const struct platform_ip4_prefix *p, char *buf, size_t n);
