/*
 * pl_internal.h - the Linux platform's object, shared by its pl_*.c files and
 * nobody else. One file per concern: pl_tun.c (device), pl_route.c (routes),
 * pl_path.c (path lookup), pl_monitor.c (rtnetlink events), pl_sleep.c (logind,
 * gap), pl_dns.c (resolved, resolv.conf), pl_journal.c (crash journal),
 * pl_nl.c (libnl glue), platform_linux.c (ops table, life cycle).
 */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "platform/linux/platform_debounce.h"
#include "platform/linux/platform_gap.h"
#include "platform/linux/platform_linux.h"
#include "platform/linux/platform_plan.h"

struct nl_sock;

enum pl_item_type {
	PL_ITEM_TUN,	    /* name: a tun device we created */
	PL_ITEM_ROUTE,	    /* a route we added (main table, PLATFORM_LINUX_RTPROT) */
	PL_ITEM_BLOCK6,	    /* an IPv6 unreachable route we added (main table, our protocol) */
	PL_ITEM_RESOLVED,   /* ifindex: per-link DNS set in systemd-resolved */
	PL_ITEM_RESOLVCONF, /* path: rewritten; the original is in the state dir */
	_PL_ITEM_TYPE_MAX,
	_PL_ITEM_TYPE_INVALID = -EINVAL,
};

struct pl_item {
	enum pl_item_type type;
	char name[IF_NAMESIZE];		/* TUN: device; ROUTE: device (for logs) */
	int ifindex;			/* ROUTE: oif; RESOLVED: link */
	struct platform_ip4_prefix dst; /* ROUTE */
	struct in_addr nexthop;		/* ROUTE: 0 = on-link */
	struct in6_addr dst6;		/* BLOCK6 */
	uint8_t dst6_len;
	unsigned int mode; /* RESOLVCONF: st_mode & 07777 of the original */
	bool symlink;	   /* RESOLVCONF: the original was a symlink */
	char path[256];	   /* RESOLVCONF */
};

/* What is applied, as a list persisted to <state_dir>/platform.journal
 * before each change (atomic replace), removed when empty. */
struct pl_journal {
	char *path;
	struct pl_item *items;
	size_t n;
};

enum pl_dns_state {
	PL_DNS_NONE,
	PL_DNS_RESOLVED,
	PL_DNS_FILE,
};

struct platform_linux {
	struct platform base;

	char *state_dir;
	char *resolv_conf;
	char *resolv_backup;	  /* <state_dir>/resolv.conf.orig: bytes or link target */
	char *resolv_backup_data; /* <state_dir>/resolv.conf.orig-data: behind a symlink */
	enum platform_dns_backend dns_backend;
	bool no_logind;
	usec_t debounce_usec;
	struct pl_journal journal;
	struct nl_sock *nl; /* requests and dumps; opened on first use */
	sd_bus *bus;	    /* system bus, opened on first use; NULL if absent */
	bool bus_tried;

	/* tun device */
	int tun_fd;
	int tun_ifindex;
	char tun_name[IF_NAMESIZE];
	struct in_addr tun_addr;
	uint8_t tun_prefixlen;
	unsigned int tun_mtu;

	/* routes */
	bool routes_applied;
	struct in_addr route_gw;
	struct platform_plan plan;
	bool tun_split[PLATFORM_MAX_SUBNETS + 2]; /* plan.tun[i] went in as two halves */
	bool ipv6_blocked;
	bool pinned;	    /* the gateway's host route is installed ... */
	struct pl_item pin; /* ... as this item */

	/* DNS */
	enum pl_dns_state dns_state;
	int dns_ifindex;

	/* events */
	sd_event *event;
	struct nl_sock *mon;
	sd_event_source *mon_src;
	sd_event_source *debounce_src;
	sd_event_source *gap_src;
	sd_bus_slot *sleep_slot;
	struct platform_debounce debounce;
	struct platform_gap gap;
	bool watching;
	struct in_addr watch_gw;
	struct platform_path path;    /* the path at the last evaluation */
	struct platform_path last_up; /* the last path that was up (LINK_UP's reason) */
	platform_event_func_t event_fn;
	void *event_ud;
	platform_destroy_func_t event_destroy;
};

static inline struct platform_linux *pl_of(struct platform *p)
{
	return (struct platform_linux *)p;
}

/* platform_linux.c */
void platform_linux_emit(struct platform_linux *pl, const struct platform_event *ev);

/* pl_nl.c */
int pl_nl_err(int nlerr);
int pl_nl_sock(struct platform_linux *pl, struct nl_sock **ret);
int pl_nl_ifindex(struct platform_linux *pl, const char *name);
int pl_nl_link_delete(struct platform_linux *pl, const char *name);
/* Source address the kernel picks toward dst out of oif (RTM_GETROUTE). */
int pl_nl_route_src(struct platform_linux *pl, struct in_addr dst, int oif, struct in_addr *ret);

/* pl_journal.c, pl_item.c */
int pl_journal_init(struct pl_journal *j, const char *state_dir);
void pl_journal_done(struct pl_journal *j);
int pl_journal_add(struct pl_journal *j, const struct pl_item *it);
void pl_journal_drop(struct pl_journal *j, const struct pl_item *it);
int pl_journal_load(const char *path, struct pl_item **ret, size_t *ret_n);
int pl_item_format(const struct pl_item *it, char *buf, size_t n);
int pl_item_parse(const char *line, struct pl_item *ret);
bool pl_item_eq(const struct pl_item *a, const struct pl_item *b);

/* pl_tun.c */
int pl_tun_open(struct platform *p, const struct platform_tun_config *cfg, int *ret_fd);
int pl_tun_close(struct platform *p);
int pl_tun_undo(struct platform_linux *pl, const struct pl_item *it);

/* pl_route.c */
int pl_route_item_add(struct platform_linux *pl, const struct pl_item *it, bool replace);
int pl_route_undo(struct platform_linux *pl, const struct pl_item *it);
int pl_routes_apply(struct platform *p, const struct platform_routes *routes);
int pl_routes_remove(struct platform *p);
int pl_route_repin(struct platform_linux *pl, const struct platform_path *path);
int pl_route_block6_undo(struct platform_linux *pl, const struct pl_item *it);

/* pl_path.c */
int pl_path_get(struct platform *p, struct in_addr gateway, struct platform_path *ret);

/* pl_dns.c */
int pl_dns_apply(struct platform *p, const struct platform_dns *dns);
int pl_dns_revert(struct platform *p);
int pl_dns_undo(struct platform_linux *pl, const struct pl_item *it);

/* pl_monitor.c */
int pl_monitor_attach(struct platform_linux *pl);
void pl_monitor_detach(struct platform_linux *pl);
int pl_watch_gateway(struct platform *p, struct in_addr gateway);
void pl_unwatch_gateway(struct platform *p);

/* pl_sleep.c */
int pl_sleep_attach(struct platform_linux *pl);
void pl_sleep_detach(struct platform_linux *pl);
/* Emits RESUME for a BOOTTIME gap; returns the time slept (0: none). */
usec_t pl_sleep_check_gap(struct platform_linux *pl);

/* pl_bus.c: the system bus, opened once; -ENOENT-ish errors when absent. */
int pl_bus_get(struct platform_linux *pl, sd_bus **ret);
