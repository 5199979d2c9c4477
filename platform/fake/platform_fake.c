/*
 * platform_fake.c - platform/platform.h in memory (see platform_fake.h). The
 * decisions (route plan, what a path change means, the sleep gap) are the
 * same pure functions the Linux platform uses; only the kernel is replaced by
 * a record a test can read and a world a test can change.
 */
#define LOG_MODULE "platform"
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "platform/fake/platform_fake.h"
#include "platform/linux/platform_gap.h"
#include "platform/linux/platform_path.h"
#include "platform/linux/platform_plan.h"

#define FAKE_TUN_IFINDEX 100
#define FAKE_MAX_IFNAMES 32

struct platform_fake {
	struct platform base;
	struct clock_fake *clock;
	usec_t slept_total; /* fake CLOCK_MONOTONIC = BOOTTIME - slept_total */
	struct platform_gap gap;
	struct platform_fake_state st;
	struct platform_path down_path; /* what LINK_UP brings back */
	struct platform_path last_up;
	bool routes_applied;
	struct platform_plan plan;
	struct in_addr route_gw;
	int tun_fds[2];
	char fail_op[32];
	int fail_err;
	char ifnames[FAKE_MAX_IFNAMES][IF_NAMESIZE];
	size_t n_ifnames;
	platform_event_func_t fn;
	void *ud;
	platform_destroy_func_t destroy;
};

static struct platform_fake *fk(struct platform *p)
{
	return (struct platform_fake *)p;
}

static int failing(struct platform_fake *f, const char *op)
{
	int e;

	if (!f->fail_err || strcmp(f->fail_op, op) != 0)
		return 0;
	e = f->fail_err;
	f->fail_err = 0;
	return e;
}

static int ifindex_of(struct platform_fake *f, const char *name)
{
	for (size_t i = 0; i < f->n_ifnames; i++)
		if (!strcmp(f->ifnames[i], name))
			return (int)i + 2;
	if (f->n_ifnames == FAKE_MAX_IFNAMES)
		return FAKE_MAX_IFNAMES + 1;
	snprintf(f->ifnames[f->n_ifnames], IF_NAMESIZE, "%s", name);
	return (int)(f->n_ifnames++) + 2;
}

static void deliver(struct platform_fake *f, const struct platform_event *ev)
{
	f->st.events_sent[ev->type]++;
	log_debug("fake: %s (reason %d)", platform_event_type_to_string(ev->type), ev->reason);
	if (f->fn)
		f->fn(f->ud, ev);
}

/* --- ops ---------------------------------------------------------------- */

static int recover(struct platform *p)
{
	fk(p)->st.recover_calls++;
	return failing(fk(p), "recover");
}

static int attach_event(struct platform *p, struct sd_event *event)
{
	return failing(fk(p), "attach_event");
}

static void set_event_handler(struct platform *p, platform_event_func_t fn, void *user_data,
			      platform_destroy_func_t destroy)
{
	struct platform_fake *f = fk(p);

	if (f->destroy)
		f->destroy(f->ud);
	f->fn = fn;
	f->ud = user_data;
	f->destroy = destroy;
}

static int tun_open(struct platform *p, const struct platform_tun_config *cfg, int *ret_fd)
{
	struct platform_fake *f = fk(p);
	struct platform_tun_config c;
	int r;

	if (!ret_fd || (r = platform_tun_config_check(cfg, &c)) < 0)
		return -EINVAL;
	if ((r = failing(f, "tun_open")) < 0)
		return r;
	if (f->st.tun_up && strcmp(f->st.tun_name, c.name) != 0)
		return -EBUSY;
	if (!f->st.tun_up) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
			       f->tun_fds) < 0)
			return -errno;
		f->st.tun_up = true;
		f->st.tun_creates++;
		snprintf(f->st.tun_name, sizeof(f->st.tun_name), "%s", c.name);
	}
	f->st.tun_addr = c.addr;
	f->st.tun_prefixlen = c.prefixlen;
	f->st.tun_mtu = c.mtu;
	*ret_fd = f->tun_fds[0];
	return 0;
}

static void record_routes(struct platform_fake *f)
{
	struct platform_fake_state *st = &f->st;

	st->n_routes = 0;
	st->ipv6_blocked = f->routes_applied && f->plan.block_ipv6;
	if (!f->routes_applied)
		return;
	if (f->plan.host_route) {
		struct platform_fake_route *h = &st->routes[st->n_routes++];

		*h = (struct platform_fake_route){.dst = {f->route_gw, 32},
						  .nexthop = st->path.nexthop};
		snprintf(h->dev, sizeof(h->dev), "%s", st->path.ifname);
	}
	for (size_t i = 0; i < f->plan.n_tun; i++) {
		struct platform_fake_route *t = &st->routes[st->n_routes++];

		*t = (struct platform_fake_route){.dst = f->plan.tun[i]};
		snprintf(t->dev, sizeof(t->dev), "%s", st->tun_name);
	}
}

static int routes_remove(struct platform *p)
{
	struct platform_fake *f = fk(p);
	int r;

	if ((r = failing(f, "routes_remove")) < 0)
		return r;
	f->routes_applied = false;
	record_routes(f);
	return 0;
}

static int dns_revert(struct platform *p)
{
	struct platform_fake *f = fk(p);
	int r;

	if ((r = failing(f, "dns_revert")) < 0)
		return r;
	f->st.dns_applied = false;
	f->st.n_dns_servers = f->st.n_dns_domains = 0;
	f->st.dns_default_route = false;
	return 0;
}

static int tun_close(struct platform *p)
{
	struct platform_fake *f = fk(p);
	int r;

	if ((r = failing(f, "tun_close")) < 0)
		return r;
	if (!f->st.tun_up)
		return 0;
	(void)dns_revert(p);
	(void)routes_remove(p);
	close(f->tun_fds[0]);
	close(f->tun_fds[1]);
	f->tun_fds[0] = f->tun_fds[1] = -1;
	f->st.tun_up = false;
	f->st.tun_addr.s_addr = 0;
	f->st.tun_prefixlen = 0;
	f->st.tun_mtu = 0;
	f->st.tun_name[0] = '\0';
	return 0;
}

static int routes_apply(struct platform *p, const struct platform_routes *routes)
{
	struct platform_fake *f = fk(p);
	struct platform_plan plan;
	int r;

	if ((r = platform_plan_routes(routes, &plan)) < 0)
		return r;
	if (!f->st.tun_up)
		return -ENODEV;
	if (plan.host_route && f->st.path.ifindex == 0)
		return -ENETUNREACH;
	if ((r = failing(f, "routes_apply")) < 0)
		return r;
	f->plan = plan;
	f->route_gw = routes->gateway;
	f->routes_applied = true;
	record_routes(f);
	return 0;
}

static int dns_apply(struct platform *p, const struct platform_dns *dns)
{
	struct platform_fake *f = fk(p);
	struct platform_fake_state *st = &f->st;
	int r;

	if ((r = platform_dns_validate(dns)) < 0)
		return r;
	if (!st->tun_up)
		return -ENODEV;
	if ((r = failing(f, "dns_apply")) < 0)
		return r;
	st->n_dns_servers = dns->n_servers;
	memcpy(st->dns_servers, dns->servers, dns->n_servers * sizeof(*dns->servers));
	st->n_dns_domains = dns->n_domains;
	for (size_t i = 0; i < dns->n_domains; i++)
		snprintf(st->dns_domains[i], sizeof(st->dns_domains[i]), "%s", dns->domains[i]);
	st->dns_default_route = dns->default_route;
	st->dns_applied = true;
	return 0;
}

static int watch_gateway(struct platform *p, struct in_addr gateway)
{
	struct platform_fake *f = fk(p);
	int r;

	if (gateway.s_addr == 0)
		return -EINVAL;
	if ((r = failing(f, "watch_gateway")) < 0)
		return r;
	f->st.watching = true;
	f->st.watched_gateway = gateway;
	return 0;
}

static void unwatch_gateway(struct platform *p)
{
	fk(p)->st.watching = false;
}

static int path_get(struct platform *p, struct in_addr gateway, struct platform_path *ret)
{
	struct platform_fake *f = fk(p);
	int r;

	if (gateway.s_addr == 0)
		return -EINVAL;
	if ((r = failing(f, "path_get")) < 0)
		return r;
	if (f->st.path.ifindex == 0)
		return -ENETUNREACH;
	*ret = f->st.path;
	return 0;
}

static const struct clock_ops *clock_of(struct platform *p)
{
	return &fk(p)->clock->ops;
}

static void free_fake(struct platform *p)
{
	struct platform_fake *f = fk(p);

	set_event_handler(p, NULL, NULL, NULL);
	if (f->tun_fds[0] >= 0)
		close(f->tun_fds[0]);
	if (f->tun_fds[1] >= 0)
		close(f->tun_fds[1]);
	free(f);
}

static const struct platform_ops fake_ops = {
	.name = "fake",
	.recover = recover,
	.attach_event = attach_event,
	.set_event_handler = set_event_handler,
	.tun_open = tun_open,
	.tun_close = tun_close,
	.routes_apply = routes_apply,
	.routes_remove = routes_remove,
	.dns_apply = dns_apply,
	.dns_revert = dns_revert,
	.watch_gateway = watch_gateway,
	.unwatch_gateway = unwatch_gateway,
	.path_get = path_get,
	.clock = clock_of,
	.free = free_fake,
};

/* --- the test's side ---------------------------------------------------- */

struct platform *platform_fake_new(struct clock_fake *clock)
{
	struct platform_fake *f = xcalloc(1, sizeof(*f));

	f->base.ops = &fake_ops;
	f->clock = clock;
	f->tun_fds[0] = f->tun_fds[1] = -1;
	f->st.path = (struct platform_path){.ifindex = ifindex_of(f, "eth0"),
					    .src.s_addr = htonl(0x0a000002),
					    .nexthop.s_addr = htonl(0x0a000001)};
	snprintf(f->st.path.ifname, sizeof(f->st.path.ifname), "eth0");
	platform_gap_rebase(&f->gap, clock->now, clock->now);
	return &f->base;
}

const struct platform_fake_state *platform_fake_state(struct platform *p)
{
	return &fk(p)->st;
}

int platform_fake_tun_peer_fd(struct platform *p)
{
	return fk(p)->st.tun_up ? fk(p)->tun_fds[1] : -1;
}

void platform_fake_fail_next(struct platform *p, const char *op, int err)
{
	struct platform_fake *f = fk(p);

	snprintf(f->fail_op, sizeof(f->fail_op), "%s", op);
	f->fail_err = err < 0 ? err : -EIO;
}

/* The world changed: as on Linux, the host route follows the path and the
 * watcher hears about it only if something that matters changed. */
static void path_changed(struct platform_fake *f, const struct platform_path *cur)
{
	struct platform_path old = f->st.path;
	struct platform_event ev;

	bool changed = platform_path_diff(&old, cur, &f->last_up, &ev);

	f->st.path = *cur;
	if (cur->ifindex) {
		f->last_up = *cur;
		record_routes(f);
	}
	if (f->st.watching && changed)
		deliver(f, &ev);
}

void platform_fake_link_down(struct platform *p)
{
	struct platform_fake *f = fk(p);
	struct platform_path none = {0};

	if (f->st.path.ifindex)
		f->down_path = f->st.path;
	path_changed(f, &none);
}

void platform_fake_link_up(struct platform *p)
{
	struct platform_fake *f = fk(p);

	if (f->st.path.ifindex == 0 && f->down_path.ifindex)
		path_changed(f, &f->down_path);
}

void platform_fake_move_route(struct platform *p, const char *ifname, struct in_addr src,
			      struct in_addr nexthop)
{
	struct platform_fake *f = fk(p);
	struct platform_path cur = {
		.ifindex = ifindex_of(f, ifname), .src = src, .nexthop = nexthop};

	snprintf(cur.ifname, sizeof(cur.ifname), "%s", ifname);
	path_changed(f, &cur);
}

void platform_fake_change_addr(struct platform *p, struct in_addr src)
{
	struct platform_fake *f = fk(p);
	struct platform_path cur = f->st.path;

	if (cur.ifindex == 0)
		return;
	cur.src = src;
	path_changed(f, &cur);
}

void platform_fake_tick(struct platform *p)
{
	struct platform_fake *f = fk(p);
	usec_t now = f->clock->now;
	usec_t slept =
		platform_gap_check(&f->gap, now, now - f->slept_total, PLATFORM_SLEEP_GAP_USEC);
	struct platform_event ev = {.type = PLATFORM_EVENT_RESUME,
				    .reason = PLATFORM_REASON_RESUME,
				    .slept_usec = slept};

	if (slept)
		deliver(f, &ev);
}

void platform_fake_suspend(struct platform *p, usec_t duration, bool with_logind)
{
	struct platform_fake *f = fk(p);
	struct platform_event ev = {.type = PLATFORM_EVENT_SLEEP};

	platform_fake_tick(p); /* the reference is "just before sleeping" */
	if (with_logind) {
		platform_gap_hold(&f->gap);
		deliver(f, &ev);
	}
	clock_fake_advance(f->clock, duration);
	f->slept_total += duration;
	/* On waking the BOOTTIME timer fires first, as on Linux: with logind
	 * the gap is held, without it this is the RESUME. */
	platform_fake_tick(p);
	if (!with_logind)
		return;
	platform_gap_release(&f->gap, f->clock->now, f->clock->now - f->slept_total);
	ev = (struct platform_event){.type = PLATFORM_EVENT_RESUME,
				     .reason = PLATFORM_REASON_RESUME};
	deliver(f, &ev);
}

void platform_fake_inject(struct platform *p, const struct platform_event *ev)
{
	if (ev && (unsigned int)ev->type < _PLATFORM_EVENT_MAX)
		deliver(fk(p), ev);
}
