/*
 * bench_ike_handshake.c - PSK reconnect handshakes (IKE_SA_INIT + IKE_AUTH with
 * KEY_ID(session ID) + AUTH(PSK = token), gateway signs with its certificate,
 * PROTOCOL.md §4.2/§5.4) per second a responder sustains (issue 3).
 *
 *   bench_ike_handshake gen  --target IP --keyid ID --psk TOKEN [--concurrency N]
 *                            [--warmup S] [--seconds S] [--pid PID] [--label NAME]
 *   bench_ike_handshake resp --listen IP --cert PEM --key PEM --keyid ID --psk TOKEN
 *   bench_ike_handshake dh [SECONDS]
 *
 * gen is the load generator: agent/ike as initiator on one UDP socket, N handshakes
 * in flight; each one that completes is deleted at once (D(IKE) sent once, not
 * waited for, so the responder frees its SA and address lease) and replaced. After
 * the warm-up it counts completed handshakes over the window, and samples the
 * responder's CPU time (utime+stime of all its threads, /proc/PID/stat) at both ends
 * of the window, so the figure is handshakes per responder CPU-second as well as per
 * wall second. Prints one "key=value" line.
 *
 * resp is our responder: agent/ike on UDP 500 and 4500 with the hooks anyroam-gw
 * gives it for a reconnect (authorize: KEY_ID(session ID) -> PSK(token); cp_reply:
 * an address from a pool), gateway default policy, RSA-signed AUTH. The gateway's
 * session table, rate limiter and data-plane install are not in it (they are a hash
 * lookup and a table insert next to an RSA signature; see RESULTS.md).
 *
 * dh times the responder's key-exchange half alone (ike_dh_new + ike_dh_shared on
 * P-256 with a fresh peer value each time) per CPU-second of this process
 * (CLOCK_PROCESS_CPUTIME_ID, so other load on the machine does not count), for A/B
 * comparisons of agent/ike/ike_dh.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/rng.h"
#include "core/secret.h"
#include "ike/ike.h"
#include "ike/ike_dh.h"

#define BUF_MAX 65536

static const char *opt(int argc, char **argv, const char *name, const char *def)
{
	for (int i = 2; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return def;
}

static int udp_bind(struct in_addr addr, uint16_t port, uint16_t *ret_port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr = addr, .sin_port = htons(port)};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int big = 4 << 20;

	if (fd < 0)
		return -errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	if (ret_port)
		*ret_port = ntohs(sin.sin_port);
	return fd;
}

/* One SEND action on fd, with the RFC 3948 non-ESP marker when asked. */
static void send_action(int fd, const struct ike_action *a)
{
	uint8_t buf[BUF_MAX];
	size_t off = a->send.non_esp_marker ? 4 : 0;
	struct sockaddr_in to = {.sin_family = AF_INET,
				 .sin_addr = a->send.path.remote.v4,
				 .sin_port = htons(a->send.path.remote.port)};

	if (a->send.len + off > sizeof(buf))
		return;
	memset(buf, 0, off);
	memcpy(buf + off, a->send.data, a->send.len);
	/* a full socket buffer is a lost datagram: the engine retransmits */
	(void)sendto(fd, buf, a->send.len + off, 0, (struct sockaddr *)&to, sizeof(to));
}

/* Reads what is queued on fd into the engine; local is the socket's own address. */
static void recv_all(struct ike *ike, int fd, const struct ike_addr *local)
{
	uint8_t buf[BUF_MAX];

	for (int i = 0; i < 256; i++) {
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		struct ike_dgram dg = {.local = *local};
		size_t off = 0;

		if (n < 0)
			return;
		dg.remote.family = AF_INET;
		dg.remote.v4 = from.sin_addr;
		dg.remote.port = ntohs(from.sin_port);
		/* the marker is stripped by whoever talks to port 4500 (RFC 3948 §2.2) */
		if (local->port == IKE_NATT_PORT || dg.remote.port == IKE_NATT_PORT) {
			if (n < 5 || buf[0] || buf[1] || buf[2] || buf[3])
				continue;
			off = 4;
		}
		(void)ike_input(ike, clock_monotonic_now(), &dg, buf + off, (size_t)n - off);
	}
}

static int poll_timeout(const struct ike *ike, int cap_ms)
{
	usec_t next = ike_next_deadline(ike), now = clock_monotonic_now();

	if (next == USEC_INFINITY || next > now + (usec_t)cap_ms * 1000)
		return cap_ms;
	return next <= now ? 0 : (int)((next - now + 999) / 1000);
}

/* --- gen: the load generator ------------------------------------------------ */

struct gen {
	struct ike *ike;
	int fd;
	struct ike_initiator_config cfg;
	unsigned int inflight;
	unsigned long done, failed, fail_errno[8];
	int last_error, last_notify;
	int auth_method; /* how the responder signed (first handshake) */
	struct ike_suite suite;
};

/* Peer certificates are not this benchmark's subject: the chain is accepted (the
 * engine still verifies AUTH with the leaf's key, RFC 7296 §2.15). */
static int trust_all(void *ud, uint64_t sa, const struct ike_der *certs, size_t n)
{
	(void)ud, (void)sa, (void)certs, (void)n;
	return 0;
}

static void gen_start(struct gen *g)
{
	uint64_t sa;

	if (ike_initiate(g->ike, &g->cfg, clock_monotonic_now(), &sa) == 0)
		g->inflight++;
	else
		g->failed++;
}

static void gen_established(struct gen *g, const struct ike_action *a)
{
	struct ike_sa_info info;

	if (g->done == 0 && ike_sa_get_info(g->ike, a->sa, &info) == 0) {
		g->auth_method = info.auth_sign;
		g->suite = info.suite;
	}
	g->done++;
	g->inflight--;
	if (ike_sa_delete(g->ike, a->sa, clock_monotonic_now(), false) < 0)
		g->fail_errno[0]++;
	gen_start(g);
}

static void gen_pump(struct gen *g)
{
	struct ike_action a;

	while (ike_next_action(g->ike, &a)) {
		switch (a.type) {
		case IKE_ACTION_SEND:
			send_action(g->fd, &a);
			break;
		case IKE_ACTION_ESTABLISHED:
			gen_established(g, &a);
			break;
		case IKE_ACTION_FAILED:
		case IKE_ACTION_DEAD:
			g->failed++;
			if (a.type == IKE_ACTION_FAILED && a.failed.error < 0) {
				int e = -a.failed.error;

				g->fail_errno[e == EACCES ? 1 : e == ETIMEDOUT ? 2 : 3]++;
				g->last_error = e;
				g->last_notify = a.failed.notify;
			} else {
				g->fail_errno[4]++;
			}
			g->inflight--;
			gen_start(g);
			break;
		case IKE_ACTION_NONE:
		case IKE_ACTION_EAP:
		case IKE_ACTION_CHILD_REKEYED:
		case IKE_ACTION_IKE_REKEYED:
		case IKE_ACTION_DELETED:
		case _IKE_ACTION_MAX:
			break;
		}
		ike_action_done(&a);
	}
}

/* utime + stime of a process (all threads), in seconds; -1 if unreadable. */
static double proc_cpu_s(long pid)
{
	char path[64], buf[4096], *p;
	unsigned long ut, st;
	FILE *f;
	size_t n;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (!(f = fopen(path, "r")))
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* the command name may hold spaces: fields count from the last ')' (proc(5)) */
	if (!(p = strrchr(buf, ')')) ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double wall_s(void)
{
	return (double)clock_monotonic_now() / 1e6;
}

static void gen_run_for(struct gen *g, double seconds)
{
	double end = wall_s() + seconds;
	struct ike_addr local = g->cfg.path.local;

	while (wall_s() < end) {
		struct pollfd pfd = {.fd = g->fd, .events = POLLIN};

		if (poll(&pfd, 1, poll_timeout(g->ike, 50)) > 0)
			recv_all(g->ike, g->fd, &local);
		(void)ike_tick(g->ike, clock_monotonic_now());
		gen_pump(g);
	}
}

static int gen_main(int argc, char **argv)
{
	const char *target = opt(argc, argv, "--target", NULL);
	const char *keyid = opt(argc, argv, "--keyid", NULL);
	const char *psk = opt(argc, argv, "--psk", NULL);
	const char *label = opt(argc, argv, "--label", "responder");
	unsigned int conc = (unsigned int)atoi(opt(argc, argv, "--concurrency", "32"));
	double warmup = atof(opt(argc, argv, "--warmup", "2"));
	double secs = atof(opt(argc, argv, "--seconds", "10"));
	long pid = atol(opt(argc, argv, "--pid", "0"));
	struct gen g = {.auth_method = -1};
	struct ike_hooks hooks = {.verify_peer_certs = trust_all};
	struct in_addr any = {0};
	double t0, t1, c0, c1, g0, g1;
	unsigned long d0, f0;
	uint16_t port;
	int r;

	if (!target || !keyid || !psk || strlen(keyid) > IKE_ID_MAX || conc == 0 || secs <= 0) {
		fprintf(stderr, "gen: --target, --keyid and --psk are required\n");
		return 2;
	}
	if ((g.fd = udp_bind(any, 0, &port)) < 0) {
		fprintf(stderr, "gen: bind: %s\n", strerror(-g.fd));
		return 1;
	}
	g.ike = ike_new(IKE_ROLE_INITIATOR, &rng_system);
	ike_set_hooks(g.ike, &hooks, NULL, NULL);
	ike_policy_client_default(&g.cfg.policy);
	g.cfg.ke_group = IKE_DH_ECP_256;
	g.cfg.idi.type = IKE_ID_KEY_ID;
	g.cfg.idi.len = (uint16_t)strlen(keyid);
	memcpy(g.cfg.idi.data, keyid, g.cfg.idi.len);
	g.cfg.auth = IKE_AUTH_MODE_PSK;
	g.cfg.psk = secret_from_str(psk);
	ike_cfg_init(&g.cfg.cp_request);
	g.cfg.cp_request.has = IKE_CFG_HAS_IP4 | IKE_CFG_HAS_DNS4;
	g.cfg.initial_contact = false; /* every handshake uses the same identity */
	g.cfg.path.local.family = g.cfg.path.remote.family = AF_INET;
	g.cfg.path.local.port = port;
	g.cfg.path.remote.port = IKE_PORT;
	if (inet_pton(AF_INET, target, &g.cfg.path.remote.v4) != 1) {
		fprintf(stderr, "gen: bad --target %s\n", target);
		return 2;
	}
	/* the source address the kernel picks towards the target, for NAT detection */
	{
		struct sockaddr_in sin = {.sin_family = AF_INET,
					  .sin_addr = g.cfg.path.remote.v4,
					  .sin_port = htons(IKE_PORT)};
		socklen_t len = sizeof(sin);
		int fd = socket(AF_INET, SOCK_DGRAM, 0);

		if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
		    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
			g.cfg.path.local.v4 = sin.sin_addr;
		if (fd >= 0)
			close(fd);
	}
	for (unsigned int i = 0; i < conc; i++)
		gen_start(&g);
	gen_pump(&g);
	gen_run_for(&g, warmup);
	d0 = g.done, f0 = g.failed, t0 = wall_s(), c0 = proc_cpu_s(pid), g0 = proc_cpu_s(getpid());
	gen_run_for(&g, secs);
	t1 = wall_s(), c1 = proc_cpu_s(pid), g1 = proc_cpu_s(getpid());
	r = g.done - d0 > 0 ? 0 : 1;
	printf("label=%s handshakes=%lu failed=%lu wall_s=%.3f resp_cpu_s=%.3f hs_per_wall_s=%.1f "
	       "hs_per_cpu_s=%.1f resp_cpu_util=%.3f gen_cpu_util=%.3f concurrency=%u "
	       "auth_method=%d ike_encr=%u "
	       "ike_integ=%u ike_prf=%u ike_dh=%u fail_eacces=%lu fail_timeout=%lu fail_other=%lu "
	       "fail_dead=%lu last_error=%d last_notify=%d\n",
	       label, g.done - d0, g.failed - f0, t1 - t0, c0 >= 0 ? c1 - c0 : -1.0,
	       (double)(g.done - d0) / (t1 - t0),
	       c0 >= 0 && c1 > c0 ? (double)(g.done - d0) / (c1 - c0) : -1.0,
	       c0 >= 0 ? (c1 - c0) / (t1 - t0) : -1.0, (g1 - g0) / (t1 - t0), conc, g.auth_method,
	       g.suite.encr, g.suite.integ, g.suite.prf, g.suite.dh, g.fail_errno[1],
	       g.fail_errno[2], g.fail_errno[3], g.fail_errno[4], g.last_error, g.last_notify);
	ike_cfg_done(&g.cfg.cp_request);
	secret_free((struct secret *)g.cfg.psk);
	ike_free(g.ike);
	close(g.fd);
	return r;
}

/* --- resp: our responder ---------------------------------------------------- */

struct resp {
	struct ike *ike;
	int fd500, fd4500;
	struct ike_addr l500, l4500;
	const char *keyid;
	const char *psk;
	uint32_t next_host;
	unsigned long established;
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* As anyroam-gw: KEY_ID(session ID) with an AUTH payload is a reconnect keyed with
 * the session's token (PROTOCOL.md §5.4); anything else is refused. */
static int resp_authorize(void *ud, uint64_t sa, const struct ike_id *idi, bool has_auth,
			  struct secret **ret_psk)
{
	struct resp *r = ud;

	(void)sa;
	if (!has_auth || idi->type != IKE_ID_KEY_ID || idi->len != strlen(r->keyid) ||
	    memcmp(idi->data, r->keyid, idi->len) != 0)
		return -EACCES;
	*ret_psk = secret_from_str(r->psk);
	return IKE_AUTHZ_PSK;
}

/* An address from 10.128.0.0/9 per SA, DNS and one split subnet (§8.2). */
static int resp_cp_reply(void *ud, uint64_t sa, const struct ike_cfg *req, struct ike_cfg *reply)
{
	struct resp *r = ud;

	(void)sa, (void)req;
	reply->has =
		IKE_CFG_HAS_IP4 | IKE_CFG_HAS_NETMASK4 | IKE_CFG_HAS_DNS4 | IKE_CFG_HAS_SUBNET4;
	reply->ip4.s_addr = htonl(0x0a800000u | (r->next_host++ & 0x7fffffu));
	reply->netmask4.s_addr = htonl(0xffffffffu);
	reply->dns4[0].s_addr = htonl(0x0a000035u);
	reply->n_dns4 = 1;
	reply->subnet4[0].addr.s_addr = htonl(0xc0a80a00u);
	reply->subnet4[0].mask.s_addr = htonl(0xffffff00u);
	reply->n_subnet4 = 1;
	return 0;
}

static void resp_pump(struct resp *r)
{
	struct ike_action a;

	while (ike_next_action(r->ike, &a)) {
		if (a.type == IKE_ACTION_SEND)
			send_action(a.send.path.local.port == IKE_NATT_PORT ? r->fd4500 : r->fd500,
				    &a);
		else if (a.type == IKE_ACTION_ESTABLISHED)
			r->established++;
		ike_action_done(&a);
	}
}

static int load_pki(const char *cert_path, const char *key_path, EVP_PKEY **ret_key,
		    struct ike_der *ret_der)
{
	FILE *f;
	X509 *x = NULL;
	unsigned char *der = NULL;
	int n;

	if (!(f = fopen(cert_path, "r")))
		return -errno;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!x || (n = i2d_X509(x, &der)) <= 0) {
		X509_free(x);
		return -EINVAL;
	}
	X509_free(x);
	ret_der->data = der;
	ret_der->len = (size_t)n;
	if (!(f = fopen(key_path, "r")))
		return -errno;
	*ret_key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return *ret_key ? 0 : -EINVAL;
}

static int resp_main(int argc, char **argv)
{
	const char *listen = opt(argc, argv, "--listen", NULL);
	const char *cert = opt(argc, argv, "--cert", NULL);
	const char *key = opt(argc, argv, "--key", NULL);
	struct resp r = {.keyid = opt(argc, argv, "--keyid", NULL),
			 .psk = opt(argc, argv, "--psk", NULL)};
	struct ike_hooks hooks = {.authorize = resp_authorize, .cp_reply = resp_cp_reply};
	struct ike_responder_config cfg = {0};
	struct ike_der leaf = {0};
	struct in_addr addr;
	EVP_PKEY *pkey = NULL;
	int e;

	if (!listen || !cert || !key || !r.keyid || !r.psk ||
	    inet_pton(AF_INET, listen, &addr) != 1) {
		fprintf(stderr, "resp: --listen IP --cert PEM --key PEM --keyid ID --psk TOKEN\n");
		return 2;
	}
	if ((e = load_pki(cert, key, &pkey, &leaf)) < 0) {
		fprintf(stderr, "resp: cannot load %s / %s: %s\n", cert, key, strerror(-e));
		return 1;
	}
	if ((r.fd500 = udp_bind(addr, IKE_PORT, NULL)) < 0 ||
	    (r.fd4500 = udp_bind(addr, IKE_NATT_PORT, NULL)) < 0) {
		fprintf(stderr, "resp: bind %s: %s\n", listen, strerror(errno));
		return 1;
	}
	r.l500 = (struct ike_addr){.family = AF_INET, .port = IKE_PORT, .v4 = addr};
	r.l4500 = (struct ike_addr){.family = AF_INET, .port = IKE_NATT_PORT, .v4 = addr};
	/* the gateway's settings (gw_resp.c defaults): no COOKIE, so every request costs */
	ike_policy_gateway_default(&cfg.policy, false);
	cfg.sign_key = pkey;
	cfg.certs = &leaf;
	cfg.n_certs = 1;
	cfg.idr.type = IKE_ID_IPV4_ADDR;
	cfg.idr.len = 4;
	memcpy(cfg.idr.data, &addr, 4);
	cfg.half_open_limit = 0;
	cfg.window_size = 5;
	cfg.dpd_interval = 45 * USEC_PER_SEC;
	cfg.dpd_retry_interval = 2 * USEC_PER_SEC;
	cfg.dpd_retries = 5;
	cfg.eap_timeout = 120 * USEC_PER_SEC;
	r.ike = ike_new(IKE_ROLE_RESPONDER, &rng_system);
	ike_set_hooks(r.ike, &hooks, &r, NULL);
	if ((e = ike_responder_configure(r.ike, &cfg)) < 0) {
		fprintf(stderr, "resp: configure: %s\n", strerror(-e));
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	while (!stop_flag) {
		struct pollfd pfd[2] = {{.fd = r.fd500, .events = POLLIN},
					{.fd = r.fd4500, .events = POLLIN}};

		if (poll(pfd, 2, poll_timeout(r.ike, 200)) > 0) {
			if (pfd[0].revents)
				recv_all(r.ike, r.fd500, &r.l500);
			if (pfd[1].revents)
				recv_all(r.ike, r.fd4500, &r.l4500);
		}
		(void)ike_tick(r.ike, clock_monotonic_now());
		resp_pump(&r);
	}
	fprintf(stderr, "resp: %lu IKE SAs established, %zu left\n", r.established,
		ike_list_sas(r.ike, NULL, 0));
	ike_free(r.ike);
	EVP_PKEY_free(pkey);
	OPENSSL_free(leaf.data);
	close(r.fd500);
	close(r.fd4500);
	return 0;
}

/* --- dh: the key-exchange half per CPU-second -------------------------------- */

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dh_main(int argc, char **argv)
{
	double secs = argc >= 3 ? atof(argv[2]) : 3, start = cpu_s(), used, loop;
	unsigned long n = 0;

	do {
		for (int i = 0; i < 50; i++) {
			struct ike_dh *peer = NULL, *ours = NULL;
			struct secret *shared = NULL;
			const uint8_t *pub;
			size_t len;

			if (ike_dh_new(IKE_DH_ECP_256, &peer) < 0 ||
			    ike_dh_new(IKE_DH_ECP_256, &ours) < 0) {
				fprintf(stderr, "dh: key generation failed\n");
				return 1;
			}
			pub = ike_dh_public(peer, &len);
			if (ike_dh_shared(ours, pub, len, &shared) < 0) {
				fprintf(stderr, "dh: key exchange failed\n");
				return 1;
			}
			secret_free(shared);
			ike_dh_free(ours);
			ike_dh_free(peer);
		}
		n += 50;
	} while ((used = cpu_s() - start) < secs);
	loop = used;
	/* two key pairs are made per iteration; the peer's is not the responder's work:
	 * time one ike_dh_new alone and subtract it */
	start = cpu_s();
	for (unsigned long i = 0; i < n; i++) {
		struct ike_dh *d = NULL;

		if (ike_dh_new(IKE_DH_ECP_256, &d) < 0)
			return 1;
		ike_dh_free(d);
	}
	used -= cpu_s() - start;
	printf("ecdh_p256_loop_per_cpu_s=%.0f ecdh_p256_responder_half_per_cpu_s=%.0f "
	       "iterations=%lu\n",
	       (double)n / loop, (double)n / used, n);
	return 0;
}

int main(int argc, char **argv)
{
	log_set_level(LOG_LEVEL_WARNING);
	if (argc >= 2 && strcmp(argv[1], "gen") == 0)
		return gen_main(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "resp") == 0)
		return resp_main(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "dh") == 0)
		return dh_main(argc, argv);
	fprintf(stderr,
		"usage: bench_ike_handshake gen|resp|dh OPTIONS (see the file's comment)\n");
	return 2;
}
