/*
 * platform_linux.h - the real platform (platform/platform.h) on Linux: TUN,
 * addresses and routes over rtnetlink (libnl-route-3), link events from an
 * rtnetlink socket, sleep events from logind over sd-bus plus a
 * CLOCK_BOOTTIME/CLOCK_MONOTONIC gap detector, DNS through systemd-resolved's
 * D-Bus API or resolv.conf.
 *
 * Event loop: platform_attach_event() adds its sources (the rtnetlink socket,
 * the bus connections, a CLOCK_BOOTTIME debounce timer and a CLOCK_BOOTTIME
 * gap-check timer every PLATFORM_LINUX_GAP_CHECK_USEC) to the daemon's
 * sd-event loop; the event handler runs from that loop's dispatch.
 *
 * State directory (0700): platform.journal (what is applied, one line each:
 * tun, route, block6, resolved, resolvconf; pl_item.c), resolv.conf.orig (the
 * original bytes or symlink target) and resolv.conf.orig-data (the bytes behind
 * a symlink). Addresses are not journaled: they die with the tun device. Keep
 * it on persistent storage (/var/lib/anyroam) if a static /etc/resolv.conf
 * must come back after a crash followed by a reboot; on tmpfs the backup is
 * lost with the reboot (a warning says so at the next connect).
 *
 * Routes: main table only (policy rules are not consulted when looking up the
 * path to the gateway); the first nexthop of a multipath route.
 */
#pragma once

#include "platform/platform.h"

#define PLATFORM_LINUX_STATE_DIR_DEFAULT   "/run/anyroam"
#define PLATFORM_LINUX_RESOLV_CONF_DEFAULT "/etc/resolv.conf"
/* A CLOCK_BOOTTIME timer fires at once on resume when its deadline passed
 * during the sleep, so any sleep longer than this is seen within moments of
 * waking; one wake-up per this period while idle. */
#define PLATFORM_LINUX_GAP_CHECK_USEC (10 * USEC_PER_SEC)
/* Protocol number on every route we add ("proto 177" in `ip route`), so our
 * own routes are told apart from the system's when looking up the path. */
#define PLATFORM_LINUX_RTPROT 177

enum platform_dns_backend {
	PLATFORM_DNS_BACKEND_AUTO,     /* resolved if on the system bus, else the file */
	PLATFORM_DNS_BACKEND_RESOLVED, /* systemd-resolved only */
	PLATFORM_DNS_BACKEND_FILE,     /* resolv.conf only */
	_PLATFORM_DNS_BACKEND_MAX,
};

struct platform_linux_config {
	const char *state_dir;	 /* journal + resolv.conf backup; NULL: default above */
	const char *resolv_conf; /* NULL: /etc/resolv.conf */
	enum platform_dns_backend dns_backend;
	bool no_logind;	      /* do not subscribe to PrepareForSleep (tests) */
	usec_t debounce_usec; /* 0: PLATFORM_DEBOUNCE_USEC */
};

/* NULL cfg: all defaults. Fails (NULL, *reterr) only when the state directory
 * cannot be created. Opens nothing else until used. */
struct platform *platform_linux_new(const struct platform_linux_config *cfg, int *reterr);

/* Parses "auto", "resolved", "file"; -EINVAL otherwise. */
int platform_dns_backend_from_string(const char *s);
