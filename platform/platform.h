/*
 * platform.h - the narrow interface between the agent and the operating system
 * (ARCHITECTURE.md rule 8): the TUN device, routes, DNS, link events, sleep
 * events and the clock. Two implementations:
 *   platform/linux/platform_linux.h  TUN, rtnetlink (libnl-route-3), sd-bus
 *                                    (logind, systemd-resolved), resolv.conf
 *   platform/fake/platform_fake.h    in memory on core's fake clock, for tests
 * The daemon only ever calls the platform_*() wrappers below, so a
 * privilege-separated helper can implement the same ops later.
 *
 * Life cycle of one connection (the daemon's view):
 *   p = platform_linux_new(&cfg);        once at start
 *   platform_recover(p);                 undo what a crashed run left (journal)
 *   platform_attach_event(p, event);     link + sleep monitoring in sd-event
 *   platform_set_event_handler(p, ...);  events below arrive from the loop
 *   -- connected: --
 *   platform_tun_open(p, &tun, &fd);     create/configure; fd goes to the data plane
 *   platform_watch_gateway(p, gw);       link events now refer to the path to gw
 *   platform_routes_apply(p, &routes);   split include or full tunnel
 *   platform_dns_apply(p, &dns);
 *   -- reconnect: nothing to call; tun, routes and DNS stay (PRODUCT.md) --
 *   -- disconnect: --
 *   platform_undo_all(p);                DNS, routes, tun in reverse; journal gone
 *
 * Every call that changes the system first records the change in a journal in
 * the state directory, so platform_recover() after a crash removes exactly
 * what was added and restores resolv.conf byte for byte.
 *
 * Errors: 0 or a negative errno (core/err.h). -EINVAL: bad argument from the
 * caller; -ENODEV: no TUN device open; -ENETUNREACH: no route to the gateway
 * (full tunnel needs one for its host route); -EMSGSIZE: over a cap below.
 */
#pragma once

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/clock.h"
#include "core/err.h"

struct sd_event;
struct platform;

#define PLATFORM_TUN_NAME_DEFAULT "anyroam0"
/* 1500 - outer IPv4 20 - UDP 8 - non-ESP marker 4 - ESP 8 - IV 16 - pad/trailer
 * up to 17 - ICV 16, rounded down for an IPv6 outer path: 1400 fits them all. */
#define PLATFORM_TUN_MTU_DEFAULT 1400
/* A burst of rtnetlink events closer together than this makes one event. */
#define PLATFORM_DEBOUNCE_USEC (100 * USEC_PER_MSEC)
/* ... but a storm never delays the event by more than this. */
#define PLATFORM_DEBOUNCE_MAX_USEC (1 * USEC_PER_SEC)
/* CLOCK_BOOTTIME - CLOCK_MONOTONIC growing by more than this means we slept. */
#define PLATFORM_SLEEP_GAP_USEC (5 * USEC_PER_SEC)
/* A periodic timer this late without a sleep: the process itself did not run (SIGSTOP,
 * a paused VM, a starved host); the gateway's DPD may have dropped us meanwhile. */
#define PLATFORM_STALL_USEC (3 * USEC_PER_SEC)

/* Caps on what the gateway's CP reply can make us install. */
#define PLATFORM_MAX_SUBNETS	 256
#define PLATFORM_MAX_DNS_SERVERS 8
#define PLATFORM_MAX_DOMAINS	 32
#define PLATFORM_MAX_DOMAIN_LEN	 253

/* Reason codes of PROTOCOL.md §12 that platform events carry. */
#define PLATFORM_REASON_RESUME		 9
#define PLATFORM_REASON_INTERFACE_CHANGE 101
#define PLATFORM_REASON_ADDRESS_CHANGE	 102

struct platform_ip4_prefix {
	struct in_addr addr; /* network byte order, host bits zero */
	uint8_t prefixlen;   /* 0..32 */
};

struct platform_tun_config {
	const char *name;    /* NULL: PLATFORM_TUN_NAME_DEFAULT */
	struct in_addr addr; /* INTERNAL_IP4_ADDRESS */
	uint8_t prefixlen;   /* from INTERNAL_IP4_NETMASK; 0 means /32 */
	unsigned int mtu;    /* 0: PLATFORM_TUN_MTU_DEFAULT */
};

/*
 * PROTOCOL.md §8.1: with subnets, one route per INTERNAL_IP4_SUBNET into the
 * tun device (split include). Without, full tunnel: 0.0.0.0/1 and 128.0.0.0/1
 * into the tun device (they beat any default route by prefix length, so the
 * existing default route is never touched) plus a host route to the gateway
 * through the current physical path, and IPv6 blocked (see ipv6_bypass). The host route is also
 * added in split mode when the gateway falls inside an included subnet.
 */
struct platform_routes {
	struct in_addr gateway; /* the VPN gateway's outer address */
	const struct platform_ip4_prefix *subnets;
	size_t n_subnets; /* 0: full tunnel */
	/* Full tunnel carries IPv4 only, so IPv6 would leave in clear: it is
	 * dropped (unreachable ::/1 and 8000::/1; on-link and link-local IPv6
	 * stay) unless this is set - Cisco's "Client Bypass Protocol". */
	bool ipv6_bypass;
};

/*
 * DNS through systemd-resolved (per-link servers and domains on the tun
 * link) when it is on the bus, else resolv.conf rewritten (and restored
 * byte for byte on revert).
 */
struct platform_dns {
	const struct in_addr *servers; /* INTERNAL_IP4_DNS */
	size_t n_servers;
	const char *const *domains; /* default domain first, then split-DNS domains */
	size_t n_domains;
	/* Full tunnel: every name goes to these servers (resolved: the link is the
	 * default route for DNS; resolv.conf: the only nameservers). Split: only
	 * the domains do (resolved: routing domains; resolv.conf: servers first). */
	bool default_route;
};

/* The physical path toward the gateway, as the kernel would use it. */
struct platform_path {
	int ifindex; /* 0: no usable route */
	char ifname[IF_NAMESIZE];
	struct in_addr src;	/* source address the kernel picks; 0 if none */
	struct in_addr nexthop; /* router, or 0 when the gateway is on-link */
};

enum platform_event_type {
	PLATFORM_EVENT_SLEEP,	      /* logind PrepareForSleep(true): about to sleep */
	PLATFORM_EVENT_RESUME,	      /* PrepareForSleep(false) or a BOOTTIME gap: reason 9 */
	PLATFORM_EVENT_LINK_DOWN,     /* no usable route to the gateway any more */
	PLATFORM_EVENT_LINK_UP,	      /* a route is back: 101; 102 if same link, new source */
	PLATFORM_EVENT_ROUTE_CHANGED, /* the route moved to another interface: reason 101 */
	PLATFORM_EVENT_ADDR_CHANGED,  /* same interface, source changed or vanished: 102 */
	PLATFORM_EVENT_STALLED,	      /* a timer ran PLATFORM_STALL_USEC late, no sleep */
	_PLATFORM_EVENT_MAX,
};

struct platform_event {
	enum platform_event_type type;
	int reason; /* PROTOCOL.md §12 code; 0 for SLEEP and LINK_DOWN */
	/* Link events: the path before and after the (debounced) burst. */
	struct platform_path old_path;
	struct platform_path path;
	/* RESUME found by the gap detector: time spent asleep; 0 from logind.
	 * STALLED: how late the timer ran. */
	usec_t slept_usec;
};

typedef void (*platform_event_func_t)(void *user_data, const struct platform_event *ev);
typedef void (*platform_destroy_func_t)(void *user_data);

/* What an implementation provides; the daemon uses the wrappers below. */
struct platform_ops {
	const char *name; /* "linux", "fake" */
	int (*recover)(struct platform *p);
	int (*attach_event)(struct platform *p, struct sd_event *event);
	void (*set_event_handler)(struct platform *p, platform_event_func_t fn, void *user_data,
				  platform_destroy_func_t destroy);
	int (*tun_open)(struct platform *p, const struct platform_tun_config *cfg, int *ret_fd);
	int (*tun_close)(struct platform *p);
	int (*routes_apply)(struct platform *p, const struct platform_routes *routes);
	int (*routes_remove)(struct platform *p);
	int (*dns_apply)(struct platform *p, const struct platform_dns *dns);
	int (*dns_revert)(struct platform *p);
	int (*watch_gateway)(struct platform *p, struct in_addr gateway);
	void (*unwatch_gateway)(struct platform *p);
	int (*path_get)(struct platform *p, struct in_addr gateway, struct platform_path *ret);
	const struct clock_ops *(*clock)(struct platform *p);
	void (*free)(struct platform *p);
};

/* Implementations embed this as their first member. */
struct platform {
	const struct platform_ops *ops;
};

/* Undoes what the journal in the state directory records (a previous run that
 * crashed or was killed): DNS restored, routes removed, tun deleted. 0 when
 * there was nothing to undo. Call once at start, before anything else. */
_must_check_ static inline int platform_recover(struct platform *p)
{
	return p->ops->recover(p);
}

/* Hooks link monitoring (rtnetlink) and sleep monitoring (logind, BOOTTIME gap)
 * into the daemon's sd-event loop; events are delivered from its dispatch. The
 * fake takes NULL and delivers events when a test injects them. */
_must_check_ static inline int platform_attach_event(struct platform *p, struct sd_event *event)
{
	return p->ops->attach_event(p, event);
}

/* Rule 7: (fn, user_data, destroy); destroy(user_data) runs on replace or free. */
static inline void platform_set_event_handler(struct platform *p, platform_event_func_t fn,
					      void *user_data, platform_destroy_func_t destroy)
{
	p->ops->set_event_handler(p, fn, user_data, destroy);
}

/*
 * Creates the TUN device (IFF_TUN | IFF_NO_PI) or, when it is already open,
 * reconfigures it: address/prefix, MTU, up. *ret_fd stays owned by the
 * platform (closed by tun_close/undo_all); the data plane borrows it and must
 * stop using it before then. Calling it again on a reconnect with the same
 * config changes nothing.
 */
_must_check_ static inline int platform_tun_open(struct platform *p,
						 const struct platform_tun_config *cfg, int *ret_fd)
{
	return p->ops->tun_open(p, cfg, ret_fd);
}

/* Destroys the device (its address and routes go with it). */
static inline int platform_tun_close(struct platform *p)
{
	return p->ops->tun_close(p);
}

/* Installs the route set; an earlier set is replaced (only the difference is
 * touched, so a reconnect with the same CP reply changes nothing). Needs an
 * open tun device. */
_must_check_ static inline int platform_routes_apply(struct platform *p,
						     const struct platform_routes *routes)
{
	return p->ops->routes_apply(p, routes);
}

/* Removes exactly the routes routes_apply added. */
static inline int platform_routes_remove(struct platform *p)
{
	return p->ops->routes_remove(p);
}

_must_check_ static inline int platform_dns_apply(struct platform *p,
						  const struct platform_dns *dns)
{
	return p->ops->dns_apply(p, dns);
}

/* resolved: RevertLink; resolv.conf: the original back, byte for byte. */
static inline int platform_dns_revert(struct platform *p)
{
	return p->ops->dns_revert(p);
}

/* Link events now describe the path to gateway; the current path becomes the
 * reference a later change is compared with. */
_must_check_ static inline int platform_watch_gateway(struct platform *p, struct in_addr gateway)
{
	return p->ops->watch_gateway(p, gateway);
}

static inline void platform_unwatch_gateway(struct platform *p)
{
	p->ops->unwatch_gateway(p);
}

/* The physical path to gateway now (ignoring the tunnel's own routes): which
 * interface and which source address to bind the IKE socket to. */
_must_check_ static inline int platform_path_get(struct platform *p, struct in_addr gateway,
						 struct platform_path *ret)
{
	return p->ops->path_get(p, gateway, ret);
}

/* CLOCK_BOOTTIME for linux; the fake clock for the fake. */
static inline const struct clock_ops *platform_clock(struct platform *p)
{
	return p->ops->clock(p);
}

/* Disconnect: DNS reverted, routes removed, tun destroyed; the journal is
 * removed once nothing it records is left. Goes on after a failed step and
 * returns the first error. */
static inline int platform_undo_all(struct platform *p)
{
	int r = p->ops->dns_revert(p), r2;

	r2 = p->ops->routes_remove(p);
	r = r < 0 ? r : r2;
	r2 = p->ops->tun_close(p);
	r = r < 0 ? r : r2;
	p->ops->unwatch_gateway(p);
	return r;
}

/* Frees the object; does not undo anything (call platform_undo_all first, or
 * leave it to platform_recover on the next start). Takes NULL; returns NULL. */
static inline struct platform *platform_free(struct platform *p)
{
	if (p)
		p->ops->free(p);
	return NULL;
}

/* clang-format off */
#define PLATFORM_EVENT_NAMES(X)                                 \
	X(PLATFORM_EVENT_SLEEP, "SLEEP")                        \
	X(PLATFORM_EVENT_RESUME, "RESUME")                      \
	X(PLATFORM_EVENT_LINK_DOWN, "LINK_DOWN")                \
	X(PLATFORM_EVENT_LINK_UP, "LINK_UP")                    \
	X(PLATFORM_EVENT_ROUTE_CHANGED, "ROUTE_CHANGED")        \
	X(PLATFORM_EVENT_ADDR_CHANGED, "ADDR_CHANGED")          \
	X(PLATFORM_EVENT_STALLED, "STALLED")
/* clang-format on */

/* "SLEEP", "RESUME", ...; never NULL. */
static inline const char *platform_event_type_to_string(enum platform_event_type t)
{
#define PLATFORM_EVENT_NAME_CASE(v, s) \
	case v:                        \
		return s;
	switch (t) {
		PLATFORM_EVENT_NAMES(PLATFORM_EVENT_NAME_CASE)
	case _PLATFORM_EVENT_MAX:
		break;
	}
#undef PLATFORM_EVENT_NAME_CASE
	return "INVALID";
}
