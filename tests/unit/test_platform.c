/*
 * test_platform.c - platform/: the pure helpers (gap detector on a fake clock,
 * debounce, route choice and path diffs, route plan, DNS checks, resolv.conf
 * rendering, journal lines), the resolv.conf backend on a temporary file with
 * a byte-exact restore and a crash recovery, and platform/fake. Needs no root;
 * the kernel side is test_platform_linux.c and tests/netns/test_platform_*.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "platform/fake/platform_fake.h"
#include "platform/linux/pl_internal.h"
#include "platform/linux/platform_debounce.h"
#include "platform/linux/platform_gap.h"
#include "platform/linux/platform_linux.h"
#include "platform/linux/platform_path.h"
#include "platform/linux/platform_plan.h"
#include "platform/linux/platform_resolvconf.h"

#define SEC  USEC_PER_SEC
#define MSEC USEC_PER_MSEC

static struct in_addr ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static struct platform_ip4_prefix pfx(const char *s, uint8_t len)
{
	return (struct platform_ip4_prefix){ip(s), len};
}

/* --- gap detector ------------------------------------------------------- */

/* A timer much later than due, with no sleep, means the process was stopped (SIGSTOP, a
 * paused VM): STALLED, and the daemon probes the gateway; normal slack is not. */
static void late_timer_means_stalled(void **state)
{
	(void)state;
	assert_int_equal(platform_gap_late(100 * SEC, 100 * SEC + SEC, PLATFORM_STALL_USEC), 0);
	assert_int_equal(platform_gap_late(100 * SEC, 103 * SEC, PLATFORM_STALL_USEC), 0);
	assert_int_equal(platform_gap_late(100 * SEC, 140 * SEC, PLATFORM_STALL_USEC), 40 * SEC);
	assert_int_equal(platform_gap_late(100 * SEC, 90 * SEC, PLATFORM_STALL_USEC), 0);
	assert_string_equal(platform_event_type_to_string(PLATFORM_EVENT_STALLED), "STALLED");
}

static void gap_detects_only_long_sleeps(void **state)
{
	struct clock_fake boot;
	usec_t slept_total = 0;
	struct platform_gap g = {0};

	(void)state;
	clock_fake_init(&boot, 1000 * SEC);
	/* first check only primes */
	assert_int_equal(platform_gap_check(&g, boot.now, boot.now, 5 * SEC), 0);
	/* awake: both clocks advance together */
	clock_fake_advance(&boot, 60 * SEC);
	assert_int_equal(platform_gap_check(&g, boot.now, boot.now - slept_total, 5 * SEC), 0);
	/* a 4 s sleep is under the threshold */
	clock_fake_advance(&boot, 4 * SEC);
	slept_total += 4 * SEC;
	assert_int_equal(platform_gap_check(&g, boot.now, boot.now - slept_total, 5 * SEC), 0);
	/* ... and does not add up with the next short one: each check re-bases */
	clock_fake_advance(&boot, 3 * SEC);
	slept_total += 3 * SEC;
	assert_int_equal(platform_gap_check(&g, boot.now, boot.now - slept_total, 5 * SEC), 0);
	/* 40 minutes asleep (the technote's lid closed) */
	clock_fake_advance(&boot, 2400 * SEC);
	slept_total += 2400 * SEC;
	assert_int_equal(platform_gap_check(&g, boot.now, boot.now - slept_total, 5 * SEC),
			 2400 * SEC);
	/* reported once */
	clock_fake_advance(&boot, 1 * SEC);
	assert_int_equal(platform_gap_check(&g, boot.now, boot.now - slept_total, 5 * SEC), 0);
	/* logind announced the sleep: the timer firing first on waking stays
	 * quiet, logind's PrepareForSleep(false) reports it */
	platform_gap_hold(&g);
	clock_fake_advance(&boot, 600 * SEC);
	slept_total += 600 * SEC;
	assert_int_equal(platform_gap_check(&g, boot.now, boot.now - slept_total, 5 * SEC), 0);
	platform_gap_release(&g, boot.now, boot.now - slept_total);
	clock_fake_advance(&boot, 1 * SEC);
	assert_int_equal(platform_gap_check(&g, boot.now, boot.now - slept_total, 5 * SEC), 0);
	/* and after the release a sleep without logind is seen again */
	clock_fake_advance(&boot, 8 * SEC);
	slept_total += 8 * SEC;
	assert_int_equal(platform_gap_check(&g, boot.now, boot.now - slept_total, 5 * SEC),
			 8 * SEC);
	/* a rebase (logind already told us) swallows the gap */
	clock_fake_advance(&boot, 30 * SEC);
	slept_total += 30 * SEC;
	platform_gap_rebase(&g, boot.now, boot.now - slept_total);
	assert_int_equal(platform_gap_check(&g, boot.now, boot.now - slept_total, 5 * SEC), 0);
}

/* --- debounce ----------------------------------------------------------- */

static void debounce_merges_a_burst(void **state)
{
	struct platform_debounce d;

	(void)state;
	platform_debounce_init(&d, 150 * MSEC, 1 * SEC);
	assert_false(platform_debounce_pending(&d));
	assert_false(platform_debounce_due(&d, 0));
	assert_int_equal(platform_debounce_kick(&d, 1000 * MSEC), 1150 * MSEC);
	assert_int_equal(platform_debounce_kick(&d, 1100 * MSEC), 1250 * MSEC);
	assert_false(platform_debounce_due(&d, 1200 * MSEC));
	assert_true(platform_debounce_due(&d, 1250 * MSEC));
	/* fired once */
	assert_false(platform_debounce_due(&d, 1300 * MSEC));
	assert_false(platform_debounce_pending(&d));
}

static void debounce_caps_a_storm(void **state)
{
	struct platform_debounce d;
	usec_t t, deadline = 0;

	(void)state;
	platform_debounce_init(&d, 150 * MSEC, 1 * SEC);
	/* an event every 100 ms for 3 s: never quiet, still fires at +1 s */
	for (t = 0; t <= 3000 * MSEC; t += 100 * MSEC) {
		if (platform_debounce_due(&d, t))
			break;
		deadline = platform_debounce_kick(&d, t);
	}
	assert_int_equal(t, 1000 * MSEC);
	assert_int_equal(deadline, 1000 * MSEC);
	/* the next burst starts a new window */
	assert_int_equal(platform_debounce_kick(&d, 5000 * MSEC), 5150 * MSEC);
	platform_debounce_cancel(&d);
	assert_false(platform_debounce_due(&d, 6000 * MSEC));
}

/* --- route choice and path changes ------------------------------------ */

enum { ETH0 = 2, WLAN0 = 3, TUN = 9 };

static void path_pick_follows_the_kernel_rules(void **state)
{
	struct platform_route_info rt[] = {
		{pfx("0.0.0.0", 0), 600, WLAN0, ip("192.168.1.1"), {0}, 3, true},
		{pfx("0.0.0.0", 0), 100, ETH0, ip("10.0.0.1"), {0}, 3, true},
		{pfx("10.0.0.0", 24), 100, ETH0, {0}, ip("10.0.0.2"), 2, true},
		/* our own pin and tunnel routes: never the answer */
		{pfx("198.51.100.7", 32),
		 0,
		 WLAN0,
		 ip("192.168.1.1"),
		 {0},
		 PLATFORM_LINUX_RTPROT,
		 true},
		{pfx("0.0.0.0", 1), 0, TUN, {0}, {0}, 4, true},
		{pfx("128.0.0.0", 1), 0, TUN, {0}, {0}, 4, true},
	};
	struct in_addr gw = ip("198.51.100.7");

	(void)state;
	/* lowest metric among equal prefixes */
	assert_int_equal(platform_path_pick(rt, ARRAY_SIZE(rt), gw, PLATFORM_LINUX_RTPROT, TUN), 1);
	/* longest prefix first */
	assert_int_equal(
		platform_path_pick(rt, ARRAY_SIZE(rt), ip("10.0.0.9"), PLATFORM_LINUX_RTPROT, TUN),
		2);
	/* without the skips the pin and the /1 would win */
	assert_int_equal(platform_path_pick(rt, ARRAY_SIZE(rt), gw, 0, 0), 3);
	assert_int_equal(platform_path_pick(rt, ARRAY_SIZE(rt), ip("8.8.8.8"), 0, 0), 4);
	/* cable out of eth0: wlan0 carries it */
	rt[1].usable = false;
	assert_int_equal(platform_path_pick(rt, ARRAY_SIZE(rt), gw, PLATFORM_LINUX_RTPROT, TUN), 0);
	rt[0].usable = false;
	assert_int_equal(platform_path_pick(rt, ARRAY_SIZE(rt), gw, PLATFORM_LINUX_RTPROT, TUN),
			 -ENETUNREACH);
	assert_int_equal(platform_path_pick(NULL, 0, gw, 0, 0), -ENETUNREACH);
}

static struct platform_path path(int ifindex, const char *name, const char *src, const char *nh)
{
	struct platform_path p = {.ifindex = ifindex, .src = ip(src), .nexthop = ip(nh)};

	snprintf(p.ifname, sizeof(p.ifname), "%s", name);
	return p;
}

static void path_diff_maps_to_reason_codes(void **state)
{
	struct platform_path eth = path(ETH0, "eth0", "10.0.0.2", "10.0.0.1");
	struct platform_path eth_new_src = path(ETH0, "eth0", "10.0.0.77", "10.0.0.1");
	struct platform_path eth_no_src = path(ETH0, "eth0", "0.0.0.0", "10.0.0.1");
	struct platform_path eth_new_router = path(ETH0, "eth0", "10.0.0.2", "10.0.0.254");
	struct platform_path wlan = path(WLAN0, "wlan0", "192.168.1.5", "192.168.1.1");
	struct platform_path none = {0};
	struct platform_event ev;

	(void)state;
	assert_false(platform_path_diff(&eth, &eth, NULL, &ev));
	assert_false(platform_path_diff(&none, &none, &eth, &ev));
	/* a new router on the same interface and source keeps the SA's addresses */
	assert_false(platform_path_diff(&eth, &eth_new_router, &eth, &ev));

	assert_true(platform_path_diff(&eth, &wlan, &eth, &ev));
	assert_int_equal(ev.type, PLATFORM_EVENT_ROUTE_CHANGED);
	assert_int_equal(ev.reason, 101);
	assert_string_equal(ev.old_path.ifname, "eth0");
	assert_string_equal(ev.path.ifname, "wlan0");

	assert_true(platform_path_diff(&eth, &eth_new_src, &eth, &ev));
	assert_int_equal(ev.type, PLATFORM_EVENT_ADDR_CHANGED);
	assert_int_equal(ev.reason, 102);
	assert_true(platform_path_diff(&eth, &eth_no_src, &eth, &ev));
	assert_int_equal(ev.type, PLATFORM_EVENT_ADDR_CHANGED);
	assert_int_equal(ev.reason, 102);

	assert_true(platform_path_diff(&eth, &none, &eth, &ev));
	assert_int_equal(ev.type, PLATFORM_EVENT_LINK_DOWN);
	assert_int_equal(ev.reason, 0);
	assert_true(platform_path_diff(&none, &eth, NULL, &ev));
	assert_int_equal(ev.type, PLATFORM_EVENT_LINK_UP);
	assert_int_equal(ev.reason, 101);
	/* back on the same link, as before */
	assert_true(platform_path_diff(&none, &eth, &eth, &ev));
	assert_int_equal(ev.reason, 101);
	/* back on another link */
	assert_true(platform_path_diff(&none, &wlan, &eth, &ev));
	assert_int_equal(ev.reason, 101);
	/* back on the same link with a new lease: the SA's address is gone */
	assert_true(platform_path_diff(&none, &eth_new_src, &eth, &ev));
	assert_int_equal(ev.type, PLATFORM_EVENT_LINK_UP);
	assert_int_equal(ev.reason, 102);
}

/* --- route plan, DNS checks ------------------------------------------- */

static void plan_full_tunnel(void **state)
{
	struct platform_routes r = {.gateway = ip("198.51.100.7")};
	struct platform_plan p;
	char b[32];

	(void)state;
	assert_int_equal(platform_plan_routes(&r, &p), 0);
	assert_int_equal(p.n_tun, 2);
	assert_string_equal(platform_prefix_to_string(&p.tun[0], b, sizeof(b)), "0.0.0.0/1");
	assert_string_equal(platform_prefix_to_string(&p.tun[1], b, sizeof(b)), "128.0.0.0/1");
	assert_true(p.block_ipv6);
	r.ipv6_bypass = true;
	assert_int_equal(platform_plan_routes(&r, &p), 0);
	assert_false(p.block_ipv6);
	assert_true(p.host_route);
}

static void plan_split_include(void **state)
{
	struct platform_ip4_prefix nets[] = {
		pfx("192.168.10.0", 24),
		pfx("192.168.10.77", 24), /* host bits: cleared, then a duplicate */
		pfx("172.16.0.0", 12),
	};
	struct platform_routes r = {
		.gateway = ip("198.51.100.7"), .subnets = nets, .n_subnets = ARRAY_SIZE(nets)};
	struct platform_plan p;
	char b[32];

	(void)state;
	assert_int_equal(platform_plan_routes(&r, &p), 0);
	assert_int_equal(p.n_tun, 2);
	assert_string_equal(platform_prefix_to_string(&p.tun[0], b, sizeof(b)), "192.168.10.0/24");
	assert_string_equal(platform_prefix_to_string(&p.tun[1], b, sizeof(b)), "172.16.0.0/12");
	assert_false(p.block_ipv6); /* IPv6 outside the split networks is not ours */
	assert_false(p.host_route);
	/* the gateway inside an included subnet still needs its host route */
	r.gateway = ip("172.20.1.1");
	assert_int_equal(platform_plan_routes(&r, &p), 0);
	assert_true(p.host_route);
}

static void plan_rejects_bad_input(void **state)
{
	struct platform_ip4_prefix bad[] = {pfx("10.0.0.0", 33)};
	struct platform_ip4_prefix many[PLATFORM_MAX_SUBNETS + 1];
	struct platform_routes r = {.gateway = ip("198.51.100.7"), .subnets = bad, .n_subnets = 1};
	struct platform_plan p = {.n_tun = 99};

	(void)state;
	assert_int_equal(platform_plan_routes(&r, &p), -EINVAL);
	assert_int_equal(p.n_tun, 99); /* untouched on failure */
	r = (struct platform_routes){.gateway = {0}};
	assert_int_equal(platform_plan_routes(&r, &p), -EINVAL);
	assert_int_equal(platform_plan_routes(NULL, &p), -EINVAL);
	for (size_t i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = pfx("10.0.0.0", 8);
	r = (struct platform_routes){
		.gateway = ip("198.51.100.7"), .subnets = many, .n_subnets = ARRAY_SIZE(many)};
	assert_int_equal(platform_plan_routes(&r, &p), -EMSGSIZE);
}

static void dns_validation(void **state)
{
	struct in_addr servers[PLATFORM_MAX_DNS_SERVERS + 1] = {ip("192.168.10.53")};
	const char *good[] = {"example.com", "corp.example.com", "_srv.example-1.org"};
	const char *evil[] = {"example.com\nnameserver 6.6.6.6"};
	const char *space[] = {"a b"};
	const char *empty[] = {""};
	struct platform_dns d = {servers, 1, good, ARRAY_SIZE(good), false};

	(void)state;
	assert_int_equal(platform_dns_validate(&d), 0);
	d.domains = evil;
	d.n_domains = 1;
	assert_int_equal(platform_dns_validate(&d), -EINVAL);
	d.domains = space;
	assert_int_equal(platform_dns_validate(&d), -EINVAL);
	d.domains = empty;
	assert_int_equal(platform_dns_validate(&d), -EINVAL);
	d.n_domains = 0;
	d.n_servers = ARRAY_SIZE(servers);
	assert_int_equal(platform_dns_validate(&d), -EMSGSIZE);
	d.n_servers = 2; /* the second is 0.0.0.0 */
	assert_int_equal(platform_dns_validate(&d), -EINVAL);
	assert_int_equal(platform_dns_validate(NULL), -EINVAL);
}

static void tun_config_defaults_and_checks(void **state)
{
	struct platform_tun_config c = {.addr = ip("192.168.20.5")}, out;

	(void)state;
	assert_int_equal(platform_tun_config_check(&c, &out), 0);
	assert_string_equal(out.name, "anyroam0");
	assert_int_equal(out.prefixlen, 32);
	assert_int_equal(out.mtu, 1400);
	c.name = "a/b";
	assert_int_equal(platform_tun_config_check(&c, &out), -EINVAL);
	c.name = "averyveryverylongname";
	assert_int_equal(platform_tun_config_check(&c, &out), -EINVAL);
	c.name = "tun7";
	c.mtu = 100;
	assert_int_equal(platform_tun_config_check(&c, &out), -EINVAL);
	c.mtu = 1300;
	c.addr.s_addr = 0;
	assert_int_equal(platform_tun_config_check(&c, &out), -EINVAL);
}

/* --- resolv.conf rendering --------------------------------------------- */

static const char ORIG_RESOLV[] = "# from DHCP\n"
				  "nameserver 10.0.0.1\n"
				  "nameserver 10.0.0.2\n"
				  "search lan home.arpa\n"
				  "options edns0 trust-ad\n"
				  "; comment\n";

static void resolvconf_full_tunnel(void **state)
{
	struct in_addr servers[] = {ip("192.168.10.53"), ip("192.168.10.54")};
	const char *domains[] = {"example.com"};
	struct platform_dns d = {servers, 2, domains, 1, true};
	char *out = NULL;

	(void)state;
	assert_int_equal(
		platform_resolvconf_render(ORIG_RESOLV, strlen(ORIG_RESOLV), &d, "anyroam0", &out),
		0);
	assert_string_equal(out, "# Generated by anyroamd for anyroam0; the original comes back "
				 "on disconnect.\n"
				 "nameserver 192.168.10.53\n"
				 "nameserver 192.168.10.54\n"
				 "search example.com\n"
				 "options edns0 trust-ad\n");
	free(out);
}

static void resolvconf_split_keeps_local_after(void **state)
{
	struct in_addr servers[] = {ip("192.168.10.53"), ip("192.168.10.53")};
	const char *domains[] = {"example.com", "lan"};
	struct platform_dns d = {servers, 2, domains, 2, false};
	char *out = NULL;

	(void)state;
	assert_int_equal(
		platform_resolvconf_render(ORIG_RESOLV, strlen(ORIG_RESOLV), &d, "anyroam0", &out),
		0);
	/* duplicates dropped, glibc's three nameservers at most */
	assert_non_null(strstr(out, "nameserver 192.168.10.53\nnameserver 10.0.0.1\n"
				    "nameserver 10.0.0.2\nsearch example.com lan home.arpa\n"));
	free(out);
	/* unchecked input is checked here too */
	domains[1] = "evil\nnameserver 6.6.6.6";
	assert_int_equal(platform_resolvconf_render(NULL, 0, &d, "tun9", &out), -EINVAL);
	domains[1] = "lan";
	/* no original at all */
	assert_int_equal(platform_resolvconf_render(NULL, 0, &d, "tun9", &out), 0);
	assert_non_null(strstr(out, "for tun9;"));
	assert_non_null(strstr(out, "nameserver 192.168.10.53\nsearch example.com lan\n"));
	free(out);
}

/* --- journal lines ----------------------------------------------------- */

static void journal_items_round_trip(void **state)
{
	const char *lines[] = {
		"tun anyroam0",
		"route 0.0.0.0/1 0.0.0.0 7 anyroam0",
		"route 198.51.100.7/32 10.1.0.1 3 veth-c",
		"block6 ::/1",
		"block6 8000::/1",
		"resolved 7",
		"resolvconf 644 0 /tmp/x y/resolv.conf",
	};
	const char *bad[] = {
		"tun",
		"tun a/b",
		"route 10.0.0.0/33 0.0.0.0 1 x",
		"route 10.0.0.0/8 0.0.0.0 1",
		"route 10.0.0.0/8 0.0.0.0 -1 eth0",
		"resolved x",
		"resolvconf 644 2 /etc/r",
		"resolvconf 644 0 relative",
		"unknown 1",
		"block6 ::/129",
		"block6 10.0.0.0/8",
	};
	struct pl_item it;
	char buf[512];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		assert_int_equal(pl_item_parse(lines[i], &it), 0);
		assert_int_equal(pl_item_format(&it, buf, sizeof(buf)), 0);
		assert_string_equal(buf, lines[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(pl_item_parse(bad[i], &it), -EBADMSG);
}

/* --- resolv.conf backend on a temporary file --------------------------- */

struct tmpenv {
	char dir[64];
	char state[96];
	char conf[96];
};

static void tmpenv_init(struct tmpenv *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/anyroam-test-platform.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->state, sizeof(t->state), "%s/state/deeper", t->dir); /* made as mkdir -p */
	snprintf(t->conf, sizeof(t->conf), "%s/resolv.conf", t->dir);
}

static void tmpenv_done(struct tmpenv *t)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	assert_int_equal(system(cmd), 0);
}

static void write_file(const char *path, const char *s, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(s, 1, strlen(s), f), strlen(s));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static struct platform *file_platform(const struct tmpenv *t)
{
	struct platform_linux_config c = {.state_dir = t->state,
					  .resolv_conf = t->conf,
					  .dns_backend = PLATFORM_DNS_BACKEND_FILE,
					  .no_logind = true};
	int r = 0;
	struct platform *p = platform_linux_new(&c, &r);

	assert_int_equal(r, 0);
	assert_non_null(p);
	return p;
}

static struct in_addr test_servers[1];
static const char *test_domains[] = {"example.com"};
static const struct platform_dns test_dns = {test_servers, 1, test_domains, 1, true};

static int setup_servers(void **state)
{
	(void)state;
	test_servers[0] = ip("192.168.10.53");
	return 0;
}

static void resolvconf_apply_revert_is_byte_exact(void **state)
{
	/* odd bytes on purpose: no final newline, tabs, CRLF, a NUL-free blob */
	static const char orig[] = "nameserver 10.0.0.1\r\n\tsearch  lan\n#x\nnameserver 10.0.0.2";
	struct tmpenv t;
	struct platform *p;
	struct stat st;

	(void)state;
	tmpenv_init(&t);
	write_file(t.conf, orig, 0640);
	p = file_platform(&t);
	assert_int_equal(platform_dns_apply(p, &test_dns), 0);
	assert_non_null(strstr(slurp(t.conf), "nameserver 192.168.10.53\nsearch example.com\n"));
	/* a second apply (reconnect with a new CP reply) renders from the original */
	assert_int_equal(platform_dns_apply(p, &test_dns), 0);
	assert_null(strstr(slurp(t.conf), "10.0.0.1"));
	assert_int_equal(platform_dns_revert(p), 0);
	assert_string_equal(slurp(t.conf), orig);
	assert_int_equal(stat(t.conf, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	/* nothing left behind in the state directory */
	assert_int_equal(access(((struct platform_linux *)p)->journal.path, F_OK), -1);
	assert_int_equal(access(((struct platform_linux *)p)->resolv_backup, F_OK), -1);
	assert_int_equal(platform_dns_revert(p), 0); /* twice is harmless */
	platform_free(p);
	tmpenv_done(&t);
}

static void resolvconf_symlink_and_absent(void **state)
{
	struct tmpenv t;
	struct platform *p;
	char target[256];
	ssize_t n;

	(void)state;
	tmpenv_init(&t);
	assert_int_equal(symlink("../run/systemd/resolve/stub-resolv.conf", t.conf), 0);
	p = file_platform(&t);
	assert_int_equal(platform_dns_apply(p, &test_dns), 0);
	assert_non_null(strstr(slurp(t.conf), "nameserver 192.168.10.53"));
	assert_int_equal(platform_dns_revert(p), 0);
	n = readlink(t.conf, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, "../run/systemd/resolve/stub-resolv.conf");
	/* absent before: absent after */
	assert_int_equal(unlink(t.conf), 0);
	assert_int_equal(platform_dns_apply(p, &test_dns), 0);
	assert_int_equal(access(t.conf, F_OK), 0);
	assert_int_equal(platform_dns_revert(p), 0);
	assert_int_equal(access(t.conf, F_OK), -1);
	platform_free(p);
	tmpenv_done(&t);
}

static void resolvconf_recovered_after_a_crash(void **state)
{
	static const char orig[] = "nameserver 10.0.0.1\nsearch lan\n";
	struct tmpenv t;
	struct platform *p;

	(void)state;
	tmpenv_init(&t);
	write_file(t.conf, orig, 0644);
	p = file_platform(&t);
	assert_int_equal(platform_recover(p), 0); /* nothing to do */
	assert_int_equal(platform_dns_apply(p, &test_dns), 0);
	/* the agent dies: no revert */
	platform_free(p);
	assert_non_null(strstr(slurp(t.conf), "192.168.10.53"));
	p = file_platform(&t);
	assert_int_equal(platform_recover(p), 0);
	assert_string_equal(slurp(t.conf), orig);
	assert_int_equal(access(((struct platform_linux *)p)->journal.path, F_OK), -1);
	platform_free(p);
	tmpenv_done(&t);
}

static void journal_garbage_is_an_error_not_a_crash(void **state)
{
	struct tmpenv t;
	struct platform *p;
	char path[160];

	(void)state;
	tmpenv_init(&t);
	p = file_platform(&t);
	snprintf(path, sizeof(path), "%s/platform.journal", t.state);
	write_file(path, "\x01\x02garbage\n", 0600);
	assert_int_equal(platform_recover(p), -EBADMSG);
	assert_int_equal(access(path, F_OK), -1); /* does not block later starts */
	/* a good header with bad lines: the bad ones skipped */
	write_file(path, "anyroam-platform-journal 1\nroute nonsense\ntun\n", 0600);
	assert_int_equal(platform_recover(p), 0);
	assert_int_equal(access(path, F_OK), -1);
	platform_free(p);
	tmpenv_done(&t);
}

/* --- platform/fake ----------------------------------------------------- */

struct seen {
	struct platform_event ev[16];
	int n;
	int destroyed;
};

static void on_event(void *ud, const struct platform_event *ev)
{
	struct seen *s = ud;

	assert_true(s->n < 16);
	s->ev[s->n++] = *ev;
}

static void on_destroy(void *ud)
{
	((struct seen *)ud)->destroyed++;
}

static void fake_records_what_is_applied(void **state)
{
	struct clock_fake clk;
	struct platform *p;
	const struct platform_fake_state *st;
	struct platform_tun_config tc = {.addr = {htonl(0xc0a81405)}}; /* 192.168.20.5 */
	struct platform_routes full = {.gateway = {htonl(0xc6336407)}};
	int fd = -1, fd2 = -1;
	char pkt[64] = {0x45}, in[64];

	(void)state;
	clock_fake_init(&clk, 10 * SEC);
	p = platform_fake_new(&clk);
	st = platform_fake_state(p);
	assert_string_equal(p->ops->name, "fake");
	assert_int_equal(clock_now(platform_clock(p)), 10 * SEC);
	assert_int_equal(platform_recover(p), 0);
	assert_int_equal(st->recover_calls, 1);
	assert_int_equal(platform_attach_event(p, NULL), 0);
	assert_int_equal(platform_routes_apply(p, &full), -ENODEV);
	assert_int_equal(platform_tun_open(p, &tc, &fd), 0);
	assert_int_equal(platform_tun_open(p, &tc, &fd2), 0); /* reconnect */
	assert_int_equal(fd, fd2);
	assert_int_equal(st->tun_creates, 1);
	assert_string_equal(st->tun_name, "anyroam0");
	assert_int_equal(st->tun_mtu, 1400);
	assert_int_equal(st->tun_prefixlen, 32);
	/* the tun fd carries packets like a TUN fd */
	assert_int_equal(write(fd, pkt, 20), 20);
	assert_int_equal(read(platform_fake_tun_peer_fd(p), in, sizeof(in)), 20);
	assert_int_equal(platform_routes_apply(p, &full), 0);
	assert_int_equal(st->n_routes, 3);
	assert_string_equal(st->routes[0].dev, "eth0"); /* gateway host route */
	assert_int_equal(st->routes[0].dst.prefixlen, 32);
	assert_string_equal(st->routes[1].dev, "anyroam0");
	assert_true(st->ipv6_blocked);
	assert_int_equal(platform_dns_apply(p, &test_dns), 0);
	assert_true(st->dns_applied);
	assert_string_equal(st->dns_domains[0], "example.com");
	/* failure injection: once, and nothing changes */
	platform_fake_fail_next(p, "dns_apply", -EPERM);
	assert_int_equal(platform_dns_apply(p, &test_dns), -EPERM);
	assert_int_equal(platform_dns_apply(p, &test_dns), 0);
	assert_int_equal(platform_undo_all(p), 0);
	assert_false(st->tun_up);
	assert_int_equal(st->n_routes, 0);
	assert_false(st->ipv6_blocked);
	assert_false(st->dns_applied);
	assert_int_equal(platform_fake_tun_peer_fd(p), -1);
	platform_free(p);
}

static void fake_link_events(void **state)
{
	struct clock_fake clk;
	struct seen s = {0};
	struct platform *p;
	struct in_addr gw = {htonl(0xc6336407)};
	struct platform_tun_config tc = {.addr = {htonl(0xc0a81405)}};
	struct platform_routes full = {.gateway = gw};
	const struct platform_fake_state *st;
	int fd;

	(void)state;
	clock_fake_init(&clk, 0);
	p = platform_fake_new(&clk);
	st = platform_fake_state(p);
	platform_set_event_handler(p, on_event, &s, on_destroy);
	/* not watching: the world changes silently */
	platform_fake_change_addr(p, ip("10.0.0.3"));
	assert_int_equal(s.n, 0);
	assert_int_equal(platform_watch_gateway(p, gw), 0);
	assert_int_equal(platform_tun_open(p, &tc, &fd), 0);
	assert_int_equal(platform_routes_apply(p, &full), 0);

	platform_fake_change_addr(p, ip("10.0.0.4"));
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ev[0].type, PLATFORM_EVENT_ADDR_CHANGED);
	assert_int_equal(s.ev[0].reason, 102);
	platform_fake_move_route(p, "wlan0", ip("192.168.1.5"), ip("192.168.1.1"));
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ev[1].type, PLATFORM_EVENT_ROUTE_CHANGED);
	assert_int_equal(s.ev[1].reason, 101);
	/* the gateway's host route followed */
	assert_string_equal(st->routes[0].dev, "wlan0");
	platform_fake_link_down(p);
	assert_int_equal(s.ev[2].type, PLATFORM_EVENT_LINK_DOWN);
	platform_fake_link_down(p); /* nothing more to lose */
	assert_int_equal(s.n, 3);
	platform_fake_link_up(p);
	assert_int_equal(s.ev[3].type, PLATFORM_EVENT_LINK_UP);
	assert_string_equal(s.ev[3].path.ifname, "wlan0");
	assert_int_equal(st->events_sent[PLATFORM_EVENT_LINK_UP], 1);
	/* down, then back on wlan0 with a new lease: 102 */
	platform_fake_link_down(p);
	platform_fake_move_route(p, "wlan0", ip("192.168.1.77"), ip("192.168.1.1"));
	assert_int_equal(s.n, 6);
	assert_int_equal(s.ev[5].type, PLATFORM_EVENT_LINK_UP);
	assert_int_equal(s.ev[5].reason, 102);
	/* replacing the handler destroys the old user data */
	platform_set_event_handler(p, NULL, NULL, NULL);
	assert_int_equal(s.destroyed, 1);
	platform_free(p);
}

static void fake_sleep_with_and_without_logind(void **state)
{
	struct clock_fake clk;
	struct seen s = {0};
	struct platform *p;

	(void)state;
	clock_fake_init(&clk, 100 * SEC);
	p = platform_fake_new(&clk);
	platform_set_event_handler(p, on_event, &s, NULL);
	platform_fake_suspend(p, 40 * 60 * SEC, true);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ev[0].type, PLATFORM_EVENT_SLEEP);
	assert_int_equal(s.ev[1].type, PLATFORM_EVENT_RESUME);
	assert_int_equal(s.ev[1].reason, 9);
	assert_int_equal(clock_now(platform_clock(p)), 100 * SEC + 40 * 60 * SEC);
	/* logind's RESUME re-based the gap: the detector stays quiet */
	platform_fake_tick(p);
	assert_int_equal(s.n, 2);
	/* no logind: the BOOTTIME gap finds it */
	clock_fake_advance(&clk, 10 * SEC);
	platform_fake_tick(p);
	platform_fake_suspend(p, 90 * SEC, false);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.ev[2].type, PLATFORM_EVENT_RESUME);
	assert_int_equal(s.ev[2].reason, 9);
	assert_int_equal(s.ev[2].slept_usec, 90 * SEC);
	/* too short to count */
	platform_fake_suspend(p, 3 * SEC, false);
	assert_int_equal(s.n, 3);
	platform_free(p);
}

static void event_names(void **state)
{
	(void)state;
	assert_string_equal(platform_event_type_to_string(PLATFORM_EVENT_RESUME), "RESUME");
	assert_string_equal(platform_event_type_to_string(PLATFORM_EVENT_ADDR_CHANGED),
			    "ADDR_CHANGED");
	assert_string_equal(platform_event_type_to_string(_PLATFORM_EVENT_MAX), "INVALID");
	assert_int_equal(platform_dns_backend_from_string("file"), PLATFORM_DNS_BACKEND_FILE);
	assert_int_equal(platform_dns_backend_from_string("resolved"),
			 PLATFORM_DNS_BACKEND_RESOLVED);
	assert_int_equal(platform_dns_backend_from_string("bogus"), -EINVAL);
	assert_null(platform_free(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gap_detects_only_long_sleeps),
		cmocka_unit_test(late_timer_means_stalled),
		cmocka_unit_test(debounce_merges_a_burst),
		cmocka_unit_test(debounce_caps_a_storm),
		cmocka_unit_test(path_pick_follows_the_kernel_rules),
		cmocka_unit_test(path_diff_maps_to_reason_codes),
		cmocka_unit_test(plan_full_tunnel),
		cmocka_unit_test(plan_split_include),
		cmocka_unit_test(plan_rejects_bad_input),
		cmocka_unit_test(dns_validation),
		cmocka_unit_test(tun_config_defaults_and_checks),
		cmocka_unit_test(resolvconf_full_tunnel),
		cmocka_unit_test(resolvconf_split_keeps_local_after),
		cmocka_unit_test(journal_items_round_trip),
		cmocka_unit_test(resolvconf_apply_revert_is_byte_exact),
		cmocka_unit_test(resolvconf_symlink_and_absent),
		cmocka_unit_test(resolvconf_recovered_after_a_crash),
		cmocka_unit_test(journal_garbage_is_an_error_not_a_crash),
		cmocka_unit_test(fake_records_what_is_applied),
		cmocka_unit_test(fake_link_events),
		cmocka_unit_test(fake_sleep_with_and_without_logind),
		cmocka_unit_test(event_names),
	};

	return cmocka_run_group_tests(tests, setup_servers, NULL);
}
