/*
 * test_platform_linux.c - platform/linux against the real kernel.
 *
 * Run by ctest without arguments: cmocka tests in a private network
 * namespace (unshare(CLONE_NEWNET)), so the machine's own links and routes
 * are never touched; skipped (77 per test: cmocka skip) without root or TUN.
 *
 * Also the helper of tests/netns/test_platform_*.sh ("tool" mode):
 *   test_platform_linux tool apply --state-dir D --resolv-conf F --addr A[/LEN]
 *       --gw G [--tun NAME] [--mtu N] [--subnet P/LEN]... [--dns IP]... [--domain D]...
 *       applies tun + routes + DNS, prints "ready", then link events as monitor
 *       does; SIGTERM/SIGINT undo everything and exit 0 (SIGKILL is the crash
 *       the journal is for).
 *   test_platform_linux tool recover --state-dir D --resolv-conf F
 *   test_platform_linux tool monitor --gw G [--count N] [--timeout SEC]
 *       prints one line per event: "event TYPE reason=N old=IF new=IF src=IP";
 *       "watching" once ready; exits after N events (0 on time-out: 1).
 *   test_platform_linux tool emit-sleep true|false
 *       owns org.freedesktop.login1 on the system bus (DBUS_SYSTEM_BUS_ADDRESS)
 *       and sends PrepareForSleep, as logind does around a suspend.
 */
#define _GNU_SOURCE /* unshare, CLONE_NEWNET */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "platform/linux/pl_internal.h"
#include "platform/linux/platform_linux.h"
#include "platform/linux/platform_path.h"

static struct in_addr ip(const char *s)
{
	struct in_addr a = {0};

	if (inet_pton(AF_INET, s, &a) != 1)
		a.s_addr = 0;
	return a;
}

static int parse_prefix(const char *s, struct platform_ip4_prefix *ret)
{
	char buf[32], *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	ret->prefixlen = 32;
	if (slash) {
		*slash = '\0';
		ret->prefixlen = (uint8_t)atoi(slash + 1);
	}
	return inet_pton(AF_INET, buf, &ret->addr) == 1 && ret->prefixlen <= 32 ? 0 : -EINVAL;
}

/* ===================== tool mode (for the netns scripts) ================ */

struct tool_args {
	const char *state_dir;
	const char *resolv_conf;
	const char *tun;
	struct platform_ip4_prefix addr;
	unsigned int mtu;
	struct in_addr gw;
	struct platform_ip4_prefix subnets[16];
	size_t n_subnets;
	struct in_addr dns[4];
	size_t n_dns;
	const char *domains[4];
	size_t n_domains;
	int count;
	int timeout;
};

static int tool_parse(int argc, char **argv, struct tool_args *a)
{
	static const struct option opts[] = {
		{"state-dir", required_argument, NULL, 's'},
		{"resolv-conf", required_argument, NULL, 'r'},
		{"tun", required_argument, NULL, 't'},
		{"addr", required_argument, NULL, 'a'},
		{"mtu", required_argument, NULL, 'm'},
		{"gw", required_argument, NULL, 'g'},
		{"subnet", required_argument, NULL, 'n'},
		{"dns", required_argument, NULL, 'd'},
		{"domain", required_argument, NULL, 'D'},
		{"count", required_argument, NULL, 'c'},
		{"timeout", required_argument, NULL, 'T'},
		{0},
	};
	int c;

	*a = (struct tool_args){.count = 1, .timeout = 10};
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			a->state_dir = optarg;
			break;
		case 'r':
			a->resolv_conf = optarg;
			break;
		case 't':
			a->tun = optarg;
			break;
		case 'a':
			if (parse_prefix(optarg, &a->addr) < 0)
				return -EINVAL;
			break;
		case 'm':
			a->mtu = (unsigned int)atoi(optarg);
			break;
		case 'g':
			a->gw = ip(optarg);
			break;
		case 'n':
			if (a->n_subnets == 16 ||
			    parse_prefix(optarg, &a->subnets[a->n_subnets++]) < 0)
				return -EINVAL;
			break;
		case 'd':
			if (a->n_dns == 4)
				return -EINVAL;
			a->dns[a->n_dns++] = ip(optarg);
			break;
		case 'D':
			if (a->n_domains == 4)
				return -EINVAL;
			a->domains[a->n_domains++] = optarg;
			break;
		case 'c':
			a->count = atoi(optarg);
			break;
		case 'T':
			a->timeout = atoi(optarg);
			break;
		default:
			return -EINVAL;
		}
	}
	return 0;
}

static struct platform *tool_platform(const struct tool_args *a)
{
	struct platform_linux_config c = {.state_dir = a->state_dir,
					  .resolv_conf = a->resolv_conf,
					  .dns_backend = PLATFORM_DNS_BACKEND_FILE,
					  .no_logind = true};
	struct platform *p;
	int r = 0;

	p = platform_linux_new(&c, &r);
	if (!p)
		fprintf(stderr, "platform_linux_new: %s\n", err_str(r));
	return p;
}

struct monitor {
	sd_event *event;
	int left;
};

static void print_event(void *ud, const struct platform_event *ev)
{
	struct monitor *m = ud;
	char src[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &ev->path.src, src, sizeof(src));
	printf("event %s reason=%d old=%s new=%s src=%s\n", platform_event_type_to_string(ev->type),
	       ev->reason, ev->old_path.ifname[0] ? ev->old_path.ifname : "-",
	       ev->path.ifname[0] ? ev->path.ifname : "-", src);
	fflush(stdout);
	if (--m->left <= 0)
		sd_event_exit(m->event, 0);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *ud)
{
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

/* Holds what it applied until SIGTERM/SIGINT, printing link events meanwhile
 * (the gateway's host route follows a route change, as for the agent). */
static int hold(struct platform *p, struct in_addr gw)
{
	struct monitor m = {.left = 1000};
	sigset_t set;
	int r;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((r = sd_event_new(&m.event)) < 0)
		return r;
	platform_set_event_handler(p, print_event, &m, NULL);
	if ((r = sd_event_add_signal(m.event, NULL, SIGTERM, on_signal, NULL)) < 0 ||
	    (r = sd_event_add_signal(m.event, NULL, SIGINT, on_signal, NULL)) < 0 ||
	    (r = platform_attach_event(p, m.event)) < 0 || (r = platform_watch_gateway(p, gw)) < 0)
		goto out;
	printf("ready\n");
	fflush(stdout);
	r = sd_event_loop(m.event);
out:
	platform_set_event_handler(p, NULL, NULL, NULL);
	sd_event_unref(m.event);
	return r;
}

static int tool_apply(const struct tool_args *a)
{
	struct platform_tun_config tc = {a->tun, a->addr.addr, a->addr.prefixlen, a->mtu};
	struct platform_routes rt = {
		.gateway = a->gw, .subnets = a->subnets, .n_subnets = a->n_subnets};
	struct platform_dns dns = {a->dns, a->n_dns, a->domains, a->n_domains, a->n_subnets == 0};
	struct platform *p = tool_platform(a);
	int fd, r;

	if (!p)
		return 1;
	if ((r = platform_tun_open(p, &tc, &fd)) < 0 || (r = platform_routes_apply(p, &rt)) < 0 ||
	    (a->n_dns && (r = platform_dns_apply(p, &dns)) < 0)) {
		fprintf(stderr, "apply: %s\n", err_str(r));
		(void)platform_undo_all(p);
		platform_free(p);
		return 1;
	}
	if ((r = hold(p, a->gw)) < 0)
		fprintf(stderr, "hold: %s\n", err_str(r));
	r = platform_undo_all(p);
	if (r < 0)
		fprintf(stderr, "undo: %s\n", err_str(r));
	platform_free(p);
	return r < 0 ? 1 : 0;
}

static int tool_recover(const struct tool_args *a)
{
	struct platform *p = tool_platform(a);
	int r;

	if (!p)
		return 1;
	r = platform_recover(p);
	if (r < 0)
		fprintf(stderr, "recover: %s\n", err_str(r));
	platform_free(p);
	return r < 0 ? 1 : 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *ud)
{
	return sd_event_exit(((struct monitor *)ud)->event, 1);
}

static int tool_monitor(const struct tool_args *a)
{
	struct platform_linux_config c = {.state_dir = "/tmp",
					  .dns_backend = PLATFORM_DNS_BACKEND_FILE};
	struct monitor m = {.left = a->count};
	struct platform *p;
	int r = 0, code = 1;

	c.state_dir = a->state_dir ? a->state_dir : "/tmp";
	c.no_logind = getenv("DBUS_SYSTEM_BUS_ADDRESS") == NULL;
	p = platform_linux_new(&c, &r);
	if (!p || sd_event_new(&m.event) < 0)
		return 1;
	platform_set_event_handler(p, print_event, &m, NULL);
	if ((r = platform_attach_event(p, m.event)) < 0 ||
	    (r = platform_watch_gateway(p, a->gw)) < 0) {
		fprintf(stderr, "monitor: %s\n", err_str(r));
		goto out;
	}
	sd_event_add_time_relative(m.event, NULL, CLOCK_BOOTTIME,
				   (uint64_t)a->timeout * USEC_PER_SEC, 0, on_timeout, &m);
	printf("watching\n");
	fflush(stdout);
	code = sd_event_loop(m.event);
out:
	platform_free(p);
	sd_event_unref(m.event);
	return code;
}

static int tool_emit_sleep(const char *what)
{
	sd_bus *bus = NULL;
	int r;

	r = sd_bus_open_system(&bus);
	if (r >= 0)
		r = sd_bus_request_name(bus, "org.freedesktop.login1", 0);
	if (r >= 0)
		r = sd_bus_emit_signal(bus, "/org/freedesktop/login1",
				       "org.freedesktop.login1.Manager", "PrepareForSleep", "b",
				       (int)!strcmp(what, "true"));
	if (r >= 0)
		r = sd_bus_flush(bus);
	sd_bus_flush_close_unref(bus);
	if (r < 0)
		fprintf(stderr, "emit-sleep: %s\n", err_str(r));
	return r < 0 ? 1 : 0;
}

static int tool_main(int argc, char **argv)
{
	const char *cmd = argc > 2 ? argv[2] : "";
	struct tool_args a;

	log_set_level(LOG_LEVEL_DEBUG);
	if (!strcmp(cmd, "emit-sleep"))
		return argc > 3 ? tool_emit_sleep(argv[3]) : 2;
	if (tool_parse(argc - 2, argv + 2, &a) < 0) {
		fprintf(stderr, "bad arguments\n");
		return 2;
	}
	if (!strcmp(cmd, "apply"))
		return tool_apply(&a);
	if (!strcmp(cmd, "recover"))
		return tool_recover(&a);
	if (!strcmp(cmd, "monitor"))
		return tool_monitor(&a);
	fprintf(stderr, "unknown tool command '%s'\n", cmd);
	return 2;
}

/* ===================== cmocka tests in a private netns ================== */

static char state_dir[64];
static char resolv_conf[96];

static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static char *capture(const char *cmd)
{
	static char buf[8192];
	FILE *f = popen(cmd, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	pclose(f);
	return buf;
}

static char *read_resolv(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "cat '%s'", resolv_conf);
	return capture(cmd);
}

/*
 *  [private netns]
 *  eth0 10.1.0.2/24 ---- peer0, default via 10.1.0.1     gateway 198.51.100.7
 *  eth1 10.3.0.2/24 ---- peer1            (veth pairs: the kernel has no dummy)
 */
static int setup_netns(void **state)
{
	(void)state;
	if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0 || unshare(CLONE_NEWNET) < 0)
		return 0;
	if (sh("ip link set lo up && ip link add eth0 type veth peer name peer0 &&"
	       " ip link add eth1 type veth peer name peer1 &&"
	       " ip addr add 10.1.0.2/24 dev eth0 && ip addr add 10.3.0.2/24 dev eth1 &&"
	       " ip link set peer0 up && ip link set peer1 up &&"
	       " ip link set eth0 up && ip link set eth1 up &&"
	       " ip route add default via 10.1.0.1 dev eth0 metric 100") != 0)
		return -1;
	snprintf(state_dir, sizeof(state_dir), "/tmp/anyroam-tpl.XXXXXX");
	if (!mkdtemp(state_dir))
		return -1;
	snprintf(resolv_conf, sizeof(resolv_conf), "%s/resolv.conf", state_dir);
	return 0;
}

static int teardown_netns(void **state)
{
	(void)state;
	if (state_dir[0])
		sh("rm -rf '%s'", state_dir);
	return 0;
}

static struct platform *new_platform(void)
{
	struct platform_linux_config c = {.state_dir = state_dir,
					  .resolv_conf = resolv_conf,
					  .dns_backend = PLATFORM_DNS_BACKEND_FILE,
					  .no_logind = true};

	if (!state_dir[0])
		skip(); /* not root, no TUN, or no namespaces */
	return platform_linux_new(&c, NULL);
}

static void tun_create_reconfigure_close(void **state)
{
	struct platform_tun_config tc = {.name = "artest0", .addr = ip("192.168.20.5")};
	struct platform *p = new_platform();
	int fd = -1, fd2 = -1;

	(void)state;
	assert_non_null(p);
	assert_int_equal(platform_tun_open(p, &tc, &fd), 0);
	assert_true(fd >= 0);
	assert_non_null(strstr(capture("ip -o addr show dev artest0"), "inet 192.168.20.5/32"));
	assert_non_null(strstr(capture("ip -o link show dev artest0"), "mtu 1400"));
	assert_non_null(strstr(capture("ip -o link show dev artest0"), ",UP"));
	/* reconnect: same device, same fd */
	assert_int_equal(platform_tun_open(p, &tc, &fd2), 0);
	assert_int_equal(fd, fd2);
	/* a different address (gateway gave another) and MTU: reconfigured in place */
	tc.addr = ip("192.168.20.6");
	tc.prefixlen = 24;
	tc.mtu = 1300;
	assert_int_equal(platform_tun_open(p, &tc, &fd2), 0);
	assert_int_equal(fd, fd2);
	assert_non_null(strstr(capture("ip -o addr show dev artest0"), "inet 192.168.20.6/24"));
	assert_null(strstr(capture("ip -o addr show dev artest0"), "192.168.20.5"));
	assert_non_null(strstr(capture("ip -o link show dev artest0"), "mtu 1300"));
	/* another name while open */
	tc.name = "artest1";
	assert_int_equal(platform_tun_open(p, &tc, &fd2), -EBUSY);
	assert_int_equal(platform_tun_close(p), 0);
	assert_int_equal(sh("ip link show dev artest0 >/dev/null 2>&1"), 256);
	/* never adopt someone else's device */
	tc.name = "eth1";
	assert_int_equal(platform_tun_open(p, &tc, &fd2), -EEXIST);
	tc.name = "bad/name";
	assert_int_equal(platform_tun_open(p, &tc, &fd2), -EINVAL);
	platform_free(p);
}

static void routes_split_and_full(void **state)
{
	struct platform_tun_config tc = {.name = "artest0", .addr = ip("192.168.20.5")};
	struct platform_ip4_prefix nets[] = {{ip("192.168.10.0"), 24}};
	struct platform_routes split = {
		.gateway = ip("198.51.100.7"), .subnets = nets, .n_subnets = 1};
	struct platform_routes full = {
		.gateway = ip("198.51.100.7"), .subnets = NULL, .n_subnets = 0};
	struct platform *p = new_platform();
	_cleanup_free_ char *before = NULL;
	struct platform_path path;
	int fd;

	(void)state;
	before = strdup(capture("ip -4 route show table all"));
	assert_int_equal(platform_routes_apply(p, &split), -ENODEV);
	assert_int_equal(platform_tun_open(p, &tc, &fd), 0);
	assert_int_equal(platform_routes_apply(p, &split), 0);
	assert_non_null(strstr(capture("ip route"), "192.168.10.0/24 dev artest0 proto 177"));
	assert_null(strstr(capture("ip route"), "198.51.100.7"));
	/* the same reply again (a reconnect) changes nothing */
	assert_int_equal(platform_routes_apply(p, &split), 0);
	/* full tunnel replaces it */
	assert_int_equal(platform_routes_apply(p, &full), 0);
	assert_null(strstr(capture("ip route"), "192.168.10.0/24"));
	assert_non_null(strstr(capture("ip route"), "0.0.0.0/1 dev artest0 proto 177"));
	assert_non_null(strstr(capture("ip route"), "128.0.0.0/1 dev artest0 proto 177"));
	assert_non_null(
		strstr(capture("ip route"), "198.51.100.7 via 10.1.0.1 dev eth0 proto 177"));
	assert_non_null(strstr(capture("ip route get 8.8.8.8"), "dev artest0"));
	/* IPv6 cannot leave in clear around an IPv4-only full tunnel */
	assert_non_null(strstr(capture("ip -6 route"), "unreachable ::/1 dev lo proto 177"));
	assert_non_null(strstr(capture("ip -6 route"), "unreachable 8000::/1 dev lo proto 177"));
	assert_non_null(strstr(capture("ip route get 198.51.100.7"), "via 10.1.0.1 dev eth0"));
	/* the physical path is still found under the tunnel's routes */
	assert_int_equal(platform_path_get(p, ip("198.51.100.7"), &path), 0);
	assert_string_equal(path.ifname, "eth0");
	assert_int_equal(path.src.s_addr, ip("10.1.0.2").s_addr);
	assert_int_equal(path.nexthop.s_addr, ip("10.1.0.1").s_addr);
	assert_int_equal(platform_undo_all(p), 0);
	assert_string_equal(capture("ip -4 route show table all"), before);
	assert_null(strstr(capture("ip -6 route show table all"), "proto 177"));
	/* Cisco's Client Bypass Protocol: IPv6 left alone */
	full.ipv6_bypass = true;
	assert_int_equal(platform_tun_open(p, &tc, &fd), 0);
	assert_int_equal(platform_routes_apply(p, &full), 0);
	assert_null(strstr(capture("ip -6 route show table all"), "proto 177"));
	assert_int_equal(platform_undo_all(p), 0);
	platform_free(p);
}

static void recover_after_a_crash(void **state)
{
	struct platform_tun_config tc = {.name = "artest0", .addr = ip("192.168.20.5")};
	struct platform_routes full = {
		.gateway = ip("198.51.100.7"), .subnets = NULL, .n_subnets = 0};
	struct in_addr dns_servers[] = {ip("192.168.10.53")};
	struct platform_dns dns = {dns_servers, 1, NULL, 0, true};
	struct platform *p = new_platform();
	_cleanup_free_ char *before = NULL;
	FILE *f;
	int fd;

	(void)state;
	f = fopen(resolv_conf, "w");
	assert_non_null(f);
	fputs("nameserver 10.1.0.1\n", f);
	fclose(f);
	before = strdup(capture("ip -4 route show table all"));
	assert_int_equal(platform_tun_open(p, &tc, &fd), 0);
	assert_int_equal(platform_routes_apply(p, &full), 0);
	assert_int_equal(platform_dns_apply(p, &dns), 0);
	/* crash: the fd closes (the tun goes), nothing else is undone */
	close(fd);
	((struct platform_linux *)p)->tun_fd = -1;
	platform_free(p);
	assert_non_null(strstr(capture("ip route"), "198.51.100.7 via 10.1.0.1"));
	assert_non_null(strstr(read_resolv(), "192.168.10.53"));
	p = new_platform();
	assert_int_equal(platform_recover(p), 0);
	assert_string_equal(capture("ip -4 route show table all"), before);
	assert_string_equal(read_resolv(), "nameserver 10.1.0.1\n");
	assert_int_equal(access(((struct platform_linux *)p)->journal.path, F_OK), -1);
	assert_null(strstr(capture("ip -6 route show table all"), "proto 177"));
	assert_int_equal(platform_recover(p), 0); /* idempotent */
	platform_free(p);
}

static void route_error_is_clean(void **state)
{
	struct platform_tun_config tc = {.name = "artest0", .addr = ip("192.168.20.5")};
	struct platform_routes full = {
		.gateway = ip("198.51.100.7"), .subnets = NULL, .n_subnets = 0};
	struct platform *p = new_platform();
	struct platform_path path;
	int fd;

	(void)state;
	assert_int_equal(platform_tun_open(p, &tc, &fd), 0);
	/* no route to the gateway at all: full tunnel refuses, changes nothing */
	assert_int_equal(sh("ip route del default"), 0);
	assert_int_equal(platform_path_get(p, ip("198.51.100.7"), &path), -ENETUNREACH);
	assert_int_equal(platform_routes_apply(p, &full), -ENETUNREACH);
	assert_null(strstr(capture("ip route"), "artest0 proto 177"));
	assert_int_equal(sh("ip route add default via 10.1.0.1 dev eth0 metric 100"), 0);
	assert_int_equal(platform_undo_all(p), 0);
	platform_free(p);
}

static void overlaps_with_local_routes(void **state)
{
	struct platform_tun_config tc = {.name = "artest0", .addr = ip("192.168.20.5")};
	/* the split-include network is numbered like the local LAN on eth0 */
	struct platform_ip4_prefix nets[] = {{ip("10.1.0.0"), 24}, {ip("192.168.10.0"), 24}};
	struct platform_routes split = {
		.gateway = ip("198.51.100.7"), .subnets = nets, .n_subnets = 2};
	struct platform_routes full = {
		.gateway = ip("198.51.100.7"), .subnets = NULL, .n_subnets = 0};
	struct platform *p = new_platform();
	_cleanup_free_ char *before = NULL;
	char *routes;
	int fd;

	(void)state;
	assert_int_equal(platform_tun_open(p, &tc, &fd), 0);
	before = strdup(capture("ip -4 route show table all"));
	assert_int_equal(platform_routes_apply(p, &split), 0);
	routes = capture("ip route");
	assert_non_null(strstr(routes, "10.1.0.0/25 dev artest0 proto 177"));
	assert_non_null(strstr(routes, "10.1.0.128/25 dev artest0 proto 177"));
	assert_non_null(strstr(routes, "10.1.0.0/24 dev eth0 proto kernel"));
	assert_non_null(strstr(capture("ip route get 10.1.0.9"), "dev artest0"));
	/* a reconnect with the same reply keeps them; a new reply drops them */
	assert_int_equal(platform_routes_apply(p, &split), 0);
	split.n_subnets = 1;
	split.subnets = &nets[1];
	assert_int_equal(platform_routes_apply(p, &split), 0);
	assert_null(strstr(capture("ip route"), "/25"));
	assert_int_equal(platform_routes_remove(p), 0);
	assert_string_equal(capture("ip -4 route show table all"), before);

	/* the system pins the gateway itself: used as it is, left alone */
	assert_int_equal(sh("ip route add 198.51.100.7 via 10.1.0.1 dev eth0"), 0);
	free(before);
	before = strdup(capture("ip -4 route show table all"));
	assert_int_equal(platform_routes_apply(p, &full), 0);
	assert_null(strstr(capture("ip route"), "198.51.100.7 via 10.1.0.1 dev eth0 proto 177"));
	assert_non_null(strstr(capture("ip route get 198.51.100.7"), "dev eth0"));
	assert_int_equal(platform_routes_remove(p), 0);
	assert_string_equal(capture("ip -4 route show table all"), before);
	assert_int_equal(platform_undo_all(p), 0);
	assert_int_equal(sh("ip route del 198.51.100.7 via 10.1.0.1 dev eth0"), 0);
	platform_free(p);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tun_create_reconfigure_close),
		cmocka_unit_test(routes_split_and_full),
		cmocka_unit_test(recover_after_a_crash),
		cmocka_unit_test(route_error_is_clean),
		cmocka_unit_test(overlaps_with_local_routes),
	};

	if (argc > 1 && !strcmp(argv[1], "tool"))
		return tool_main(argc, argv);
	return cmocka_run_group_tests(tests, setup_netns, teardown_netns);
}
