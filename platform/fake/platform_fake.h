/*
 * platform_fake.h - platform/platform.h in memory, for tests with virtual time
 * (STYLE.md §8). It records what the daemon applied (tun, address, routes,
 * DNS) and lets a test inject what the world does: link down/up, a route
 * moving to another interface, a source address change, sleep and resume.
 * Time is core's fake clock (CLOCK_BOOTTIME); a fake CLOCK_MONOTONIC lags it by
 * the time "slept", and the same gap detector as on Linux turns that into
 * RESUME events. Events are delivered synchronously from the inject call.
 *
 * The tun fd is one end of an AF_UNIX SOCK_SEQPACKET pair: one packet per
 * read/write like a TUN fd, so a data plane can run over it; the test holds the
 * other end (platform_fake_tun_peer_fd).
 */
#pragma once

#include "core/clock.h"
#include "platform/platform.h"

#define PLATFORM_FAKE_MAX_ROUTES (PLATFORM_MAX_SUBNETS + 3)

struct platform_fake_route {
	struct platform_ip4_prefix dst;
	char dev[IF_NAMESIZE];	/* tun name, or the physical path's interface */
	struct in_addr nexthop; /* 0: on-link */
};

/* Everything the daemon applied, for assertions. */
struct platform_fake_state {
	bool tun_up;
	char tun_name[IF_NAMESIZE];
	struct in_addr tun_addr;
	uint8_t tun_prefixlen;
	unsigned int tun_mtu;
	unsigned int tun_creates; /* devices created; stays 1 across reconnects */

	struct platform_fake_route routes[PLATFORM_FAKE_MAX_ROUTES];
	size_t n_routes;
	bool ipv6_blocked; /* full tunnel without ipv6_bypass */

	bool dns_applied;
	struct in_addr dns_servers[PLATFORM_MAX_DNS_SERVERS];
	size_t n_dns_servers;
	char dns_domains[PLATFORM_MAX_DOMAINS][PLATFORM_MAX_DOMAIN_LEN + 1];
	size_t n_dns_domains;
	bool dns_default_route;

	bool watching;
	struct in_addr watched_gateway;
	struct platform_path path; /* the simulated physical path */

	unsigned int recover_calls;
	unsigned int events_sent[_PLATFORM_EVENT_MAX];
};

/* clock: the test's fake clock (not owned). The simulated physical path starts
 * as eth0, source 10.0.0.2, router 10.0.0.1. */
struct platform *platform_fake_new(struct clock_fake *clock);

const struct platform_fake_state *platform_fake_state(struct platform *p);
/* The test's end of the tun socketpair; -1 when no tun is open. */
int platform_fake_tun_peer_fd(struct platform *p);

/* The next call of `op` (a platform_ops member name: "tun_open", "routes_apply",
 * "dns_apply", ...) fails with `err` (negative errno) and changes nothing. */
void platform_fake_fail_next(struct platform *p, const char *op, int err);

/* World changes; each delivers the event(s) the Linux platform would. */
void platform_fake_link_down(struct platform *p);
void platform_fake_link_up(struct platform *p);
/* The route to the gateway moves to ifname/src/nexthop: ROUTE_CHANGED (101). */
void platform_fake_move_route(struct platform *p, const char *ifname, struct in_addr src,
			      struct in_addr nexthop);
/* Same interface, new source address (0 = vanished): ADDR_CHANGED (102). */
void platform_fake_change_addr(struct platform *p, struct in_addr src);
/* Suspend for `duration` of virtual time: SLEEP, the clock advances (BOOTTIME
 * only), RESUME (reason 9). with_logind false: no SLEEP event and the RESUME
 * comes from the gap detector (slept_usec set), as on a machine without logind. */
void platform_fake_suspend(struct platform *p, usec_t duration, bool with_logind);
/* Runs the gap detector now (the Linux platform does so on a timer). */
void platform_fake_tick(struct platform *p);
/* Delivers an arbitrary event unchanged. */
void platform_fake_inject(struct platform *p, const struct platform_event *ev);
