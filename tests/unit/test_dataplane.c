/*
 * test_dataplane.c - platform/linux/dataplane: a client and a gateway data plane in
 * one process, real UDP sockets on 127.0.0.1, and AF_UNIX datagram socketpairs in
 * place of the TUN devices (one packet per read/write, as TUN with IFF_NO_PI).
 *
 *  [test: "tun" c] <-> [client dp] --UDP 127.0.0.1--> [gateway dp] <-> [test: "tun" g]
 *
 * Covers: queueing while reconnecting then flush in order, both directions, IKE
 * demux with and without the non-ESP marker, IKE sent from the main thread,
 * keepalives, drops by reason, NAT rebinding on the gateway, a rekey (new pair
 * sends, the old one still receives), a reconnect that switches socket and SA pair,
 * the queue bound, the client's single retired pair, and liveness (last_rx).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/rng.h"
#include "core/secret.h"
#include "esp/esp.h"
#include "platform/linux/dataplane.h"

#define SPI_C2G	     0x10010001u /* client out = gateway in */
#define SPI_G2C	     0x20020002u /* gateway out = client in */
#define SPI2_C2G     0x50050005u /* the pair after a rekey */
#define SPI2_G2C     0x60060006u
#define INNER_CLIENT "192.168.20.5"
#define INNER_REMOTE "10.201.0.1"

static const uint8_t key_c2g[36] = {1,	2,  3,	4,  5,	6,  7,	8,  9,	10, 11, 12,
				    13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
				    25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36};
static const uint8_t key_g2c[36] = {99, 98, 97, 96, 95, 94, 93, 92, 91, 90, 89, 88,
				    87, 86, 85, 84, 83, 82, 81, 80, 79, 78, 77, 76,
				    75, 74, 73, 72, 71, 70, 69, 68, 67, 66, 65, 64};

struct side {
	struct dataplane *dp;
	int tun_app, tun_dp; /* the test's end, the data plane's end */
	int udp;
	struct sockaddr_in addr;
};

struct env {
	struct side c, g;
	int g_ike; /* gateway's IKE-only socket (plain IKE) */
	struct sockaddr_in g_ike_addr;
};

static struct esp_sa *sa_new(uint32_t spi, enum esp_dir dir, const uint8_t *key)
{
	struct secret *k = secret_from(key, 36);
	struct esp_sa_params p = {
		.spi = spi, .dir = dir, .transform = ESP_TRANSFORM_AES_GCM_16_256, .encr = k};
	struct esp_sa *sa = NULL;

	assert_int_equal(esp_sa_new(&p, &sa), 0);
	secret_free(k);
	return sa;
}

static int udp_socket(struct sockaddr_in *ret)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t len = sizeof(*ret);

	assert_true(fd >= 0);
	*ret = (struct sockaddr_in){.sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)ret, sizeof(*ret)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)ret, &len), 0);
	return fd;
}

static void side_init(struct side *s, enum dataplane_mode mode, usec_t keepalive)
{
	int sv[2];
	struct dataplane_config cfg = {.mode = mode, .keepalive_interval = keepalive};

	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	s->tun_app = sv[0];
	s->tun_dp = sv[1];
	cfg.tun_fd = s->tun_dp;
	assert_int_equal(dataplane_new(&cfg, &s->dp), 0);
	if (s->udp != -1) /* -1 asks for no IPv4 socket */
		s->udp = udp_socket(&s->addr);
}

static void side_done(struct side *s)
{
	s->dp = dataplane_free(s->dp);
	close(s->tun_app);
	close(s->tun_dp);
	if (s->udp >= 0)
		close(s->udp);
}

static size_t ip4(uint8_t *p, size_t n, const char *src, const char *dst, uint8_t fill)
{
	memset(p, fill, n);
	p[0] = 0x45;
	be16_store(p + 2, (uint16_t)n);
	p[8] = 64;
	p[9] = 17;
	assert_int_equal(inet_pton(AF_INET, src, p + 12), 1);
	assert_int_equal(inet_pton(AF_INET, dst, p + 16), 1);
	return n;
}

/* Reads one datagram within ms; returns its length, or -1 on timeout. */
static ssize_t recv_within(int fd, uint8_t *buf, size_t cap, int ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	if (poll(&pfd, 1, ms) <= 0)
		return -1;
	return recv(fd, buf, cap, 0);
}

static void expect_inner(int fd, uint8_t fill, size_t len)
{
	uint8_t buf[2048];
	ssize_t n = recv_within(fd, buf, sizeof(buf), 10000);

	assert_int_equal(n, len);
	assert_int_equal(buf[len - 1], fill);
}

static void expect_nothing(int fd, int ms)
{
	uint8_t buf[2048];

	assert_int_equal(recv_within(fd, buf, sizeof(buf), ms), -1);
}

static struct dataplane_ike_packet *pop_within(struct dataplane *dp, int ms)
{
	struct pollfd pfd = {.fd = dataplane_ike_fd(dp), .events = POLLIN};
	struct dataplane_ike_packet *pkt = NULL;

	/* level-triggered: the fd stays readable until a pop finds the queue empty */
	for (int waited = 0; waited < ms; waited += 10) {
		if (dataplane_ike_pop(dp, &pkt) == 0)
			return pkt;
		(void)poll(&pfd, 1, 10);
	}
	return NULL;
}

/* Waits until fn(dp) reaches want (counters move on other threads). */
static uint64_t wait_stat(struct dataplane *dp, size_t off, uint64_t want)
{
	struct dataplane_stats st;
	uint64_t v = 0;

	for (int i = 0; i < 1000; i++) { /* 10 s: sanitizers on a busy machine are slow */
		dataplane_get_stats(dp, &st);
		v = *(uint64_t *)((char *)&st + off);
		if (v >= want)
			break;
		usleep(10000);
	}
	return v;
}

#define WAIT_STAT(dp, field, want) wait_stat(dp, offsetof(struct dataplane_stats, field), want)

static void install_client(struct env *e, uint32_t out_spi, uint32_t in_spi)
{
	struct dataplane_sa sa = {.in = sa_new(in_spi, ESP_DIR_IN, key_g2c),
				  .out = sa_new(out_spi, ESP_DIR_OUT, key_c2g),
				  .sock = 0};

	memcpy(&sa.peer, &e->g.addr, sizeof(e->g.addr));
	sa.peer_len = sizeof(e->g.addr);
	assert_int_equal(dataplane_sa_install(e->c.dp, &sa), 0);
}

/* peer NULL: learned from the first authentic ESP packet */
static void install_gateway_at(struct env *e, uint32_t in_spi, uint32_t out_spi,
			       const struct sockaddr_in *peer)
{
	struct dataplane_sa sa = {.in = sa_new(in_spi, ESP_DIR_IN, key_c2g),
				  .out = sa_new(out_spi, ESP_DIR_OUT, key_g2c),
				  .sock = 0,
				  .has_inner4 = true};

	assert_int_equal(inet_pton(AF_INET, INNER_CLIENT, &sa.inner4), 1);
	if (peer) {
		memcpy(&sa.peer, peer, sizeof(*peer));
		sa.peer_len = sizeof(*peer);
	}
	assert_int_equal(dataplane_sa_install(e->g.dp, &sa), 0);
}

static void install_gateway(struct env *e, uint32_t in_spi, uint32_t out_spi)
{
	install_gateway_at(e, in_spi, out_spi, NULL);
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	side_init(&e->c, DATAPLANE_MODE_CLIENT, 300 * USEC_PER_MSEC);
	side_init(&e->g, DATAPLANE_MODE_GATEWAY, 0);
	e->g_ike = udp_socket(&e->g_ike_addr);
	assert_int_equal(dataplane_socket_set(e->c.dp, 0, e->c.udp, DATAPLANE_SOCK_CLIENT), 0);
	assert_int_equal(dataplane_socket_set(e->g.dp, 0, e->g.udp, DATAPLANE_SOCK_NATT), 0);
	assert_int_equal(dataplane_socket_set(e->g.dp, 1, e->g_ike, DATAPLANE_SOCK_IKE), 0);
	assert_int_equal(dataplane_start(e->c.dp), 0);
	assert_int_equal(dataplane_start(e->g.dp), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	side_done(&e->c);
	side_done(&e->g);
	close(e->g_ike);
	free(e);
	return 0;
}

static void queue_then_flush_and_both_directions(void **state)
{
	struct env *e = *state;
	struct dataplane_stats st;
	struct dataplane_sa_stats sst;
	uint8_t pkt[1500];
	usec_t before = clock_boottime_now();

	install_gateway(e, SPI_C2G, SPI_G2C);
	/* no client SA yet ("reconnecting"): packets wait, nothing goes out in clear */
	for (int i = 0; i < 3; i++)
		assert_int_equal(
			write(e->c.tun_app, pkt,
			      ip4(pkt, 100 + i, INNER_CLIENT, INNER_REMOTE, (uint8_t)(0xa0 + i))),
			100 + i);
	assert_int_equal(WAIT_STAT(e->c.dp, queued, 3), 3);
	expect_nothing(e->g.tun_app, 100);
	dataplane_get_stats(e->g.dp, &st);
	assert_int_equal(st.udp_rx_packets, 0);

	install_client(e, SPI_C2G, SPI_G2C);
	for (int i = 0; i < 3; i++)
		expect_inner(e->g.tun_app, (uint8_t)(0xa0 + i), 100 + i); /* in order */
	/* the sender counts after sendmmsg returns, which may be after the receiver ran */
	assert_int_equal(WAIT_STAT(e->c.dp, esp_tx_packets, 3), 3);
	dataplane_get_stats(e->c.dp, &st);
	assert_int_equal(st.queued, 0);

	/* gateway -> client, to the address it learned from those packets */
	assert_int_equal(write(e->g.tun_app, pkt, ip4(pkt, 1400, INNER_REMOTE, INNER_CLIENT, 0x5c)),
			 1400);
	expect_inner(e->c.tun_app, 0x5c, 1400);
	dataplane_get_stats(e->c.dp, &st);
	assert_true(st.last_rx >= before);
	assert_int_equal(dataplane_sa_get_stats(e->c.dp, SPI_G2C, &sst), 0);
	assert_int_equal(sst.spi_out, SPI_C2G);
	assert_int_equal(sst.in.packets, 1);
	assert_int_equal(sst.in.bytes, 1400);
	assert_int_equal(sst.out.packets, 3);
	assert_true(sst.last_rx >= before);
	assert_int_equal(dataplane_sa_get_stats(e->g.dp, SPI_C2G, &sst), 0);
	assert_int_equal(sst.peer_len, sizeof(struct sockaddr_in));
	assert_int_equal(((struct sockaddr_in *)&sst.peer)->sin_port, e->c.addr.sin_port);

	/* gateway: no SA for this inner destination */
	assert_int_equal(write(e->g.tun_app, pkt, ip4(pkt, 60, INNER_REMOTE, "192.168.20.99", 1)),
			 60);
	assert_int_equal(WAIT_STAT(e->g.dp, drops[DATAPLANE_DROP_NO_ROUTE], 1), 1);
	/* not an IP packet */
	memset(pkt, 0, 30);
	assert_int_equal(write(e->c.tun_app, pkt, 30), 30);
	assert_int_equal(WAIT_STAT(e->c.dp, drops[DATAPLANE_DROP_NOT_IP], 1), 1);
}

static void ike_marker_demux_and_send(void **state)
{
	struct env *e = *state;
	struct dataplane_ike_packet *pkt;
	const uint8_t ike[] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99};

	/* client -> gateway 4500, behind the marker */
	assert_int_equal(dataplane_ike_send(e->c.dp, 0, (struct sockaddr *)&e->g.addr,
					    sizeof(e->g.addr), true, ike, sizeof(ike)),
			 0);
	pkt = pop_within(e->g.dp, 10000);
	assert_non_null(pkt);
	assert_true(pkt->marker);
	assert_int_equal(pkt->sock, 0);
	assert_int_equal(pkt->len, sizeof(ike));
	assert_memory_equal(pkt->data, ike, sizeof(ike));
	assert_int_equal(((struct sockaddr_in *)&pkt->from)->sin_port, e->c.addr.sin_port);
	assert_int_equal(((struct sockaddr_in *)&pkt->local)->sin_port, e->g.addr.sin_port);
	assert_int_equal(((struct sockaddr_in *)&pkt->local)->sin_addr.s_addr,
			 htonl(INADDR_LOOPBACK));
	/* the gateway answers where it came from, with the marker */
	assert_int_equal(dataplane_ike_send(e->g.dp, pkt->sock, (struct sockaddr *)&pkt->from,
					    pkt->from_len, pkt->marker, ike, 5),
			 0);
	free(pkt);
	pkt = pop_within(e->c.dp, 10000);
	assert_non_null(pkt);
	assert_true(pkt->marker);
	assert_int_equal(pkt->len, 5);
	free(pkt);
	assert_int_equal(dataplane_ike_pop(e->c.dp, &pkt), -EAGAIN);

	/* plain IKE to the gateway's 500-style socket */
	assert_int_equal(dataplane_ike_send(e->c.dp, 0, (struct sockaddr *)&e->g_ike_addr,
					    sizeof(e->g_ike_addr), false, ike, sizeof(ike)),
			 0);
	pkt = pop_within(e->g.dp, 10000);
	assert_non_null(pkt);
	assert_false(pkt->marker);
	assert_int_equal(pkt->sock, 1);
	assert_memory_equal(pkt->data, ike, sizeof(ike));
	free(pkt);
	assert_int_equal(dataplane_ike_send(e->c.dp, 7, (struct sockaddr *)&e->g.addr,
					    sizeof(e->g.addr), true, ike, 1),
			 -EINVAL);
}

static void hostile_datagrams_are_counted(void **state)
{
	struct env *e = *state;
	struct sockaddr_in a;
	int fd = udp_socket(&a);
	uint8_t junk[64] = {0};
	struct dataplane_stats st;

	/* keepalive, reserved SPI, unknown SPI, forged ESP on a known SPI, 2 bytes */
	assert_int_equal(sendto(fd, (uint8_t[]){0xff}, 1, 0, (struct sockaddr *)&e->g.addr,
				sizeof(e->g.addr)),
			 1);
	be32_store(junk, 200);
	assert_int_equal(sendto(fd, junk, 40, 0, (struct sockaddr *)&e->g.addr, sizeof(e->g.addr)),
			 40);
	be32_store(junk, 0x77777777);
	assert_int_equal(sendto(fd, junk, 40, 0, (struct sockaddr *)&e->g.addr, sizeof(e->g.addr)),
			 40);
	be32_store(junk, SPI_C2G);
	be32_store(junk + 4, 1u << 30);
	assert_int_equal(sendto(fd, junk, 64, 0, (struct sockaddr *)&e->g.addr, sizeof(e->g.addr)),
			 64);
	assert_int_equal(sendto(fd, junk, 2, 0, (struct sockaddr *)&e->g.addr, sizeof(e->g.addr)),
			 2);
	assert_int_equal(WAIT_STAT(e->g.dp, drops[DATAPLANE_DROP_AUTH], 1), 1);
	assert_int_equal(WAIT_STAT(e->g.dp, keepalive_rx, 1), 1);
	assert_int_equal(WAIT_STAT(e->g.dp, drops[DATAPLANE_DROP_MALFORMED], 2), 2);
	dataplane_get_stats(e->g.dp, &st);
	assert_int_equal(st.drops[DATAPLANE_DROP_NO_SA], 1);
	/* the forgery did not move the peer address */
	close(fd);
	expect_nothing(e->g.tun_app, 50);
}

static void keepalive_after_idle(void **state)
{
	struct env *e = *state;
	struct dataplane_stats st;

	dataplane_get_stats(e->g.dp, &st);
	/* the client's interval is 300 ms here (20 s in production) */
	assert_true(WAIT_STAT(e->g.dp, keepalive_rx, st.keepalive_rx + 1) >= st.keepalive_rx + 1);
	assert_true(WAIT_STAT(e->c.dp, keepalive_tx, 1) >= 1);
}

/* The client's NAT rebinds: the gateway follows the latest authentic packet. */
static void gateway_follows_nat_rebinding(void **state)
{
	struct env *e = *state;
	struct esp_sa *out = sa_new(SPI_C2G, ESP_DIR_OUT, key_c2g);
	struct esp_sa *in = sa_new(SPI_G2C, ESP_DIR_IN, key_g2c);
	struct sockaddr_in a;
	int fd = udp_socket(&a);
	uint8_t inner[200], pkt[2048];
	size_t len, off, ilen;
	uint8_t nh;
	ssize_t n;

	/* the same SA from a new port; seq far ahead of what the client used */
	for (int i = 0; i < 1000; i++)
		assert_int_equal(esp_seal(out, ESP_NH_IPV4, inner,
					  ip4(inner, 200, INNER_CLIENT, INNER_REMOTE, 0x42), pkt,
					  sizeof(pkt), &len),
				 0);
	assert_int_equal(sendto(fd, pkt, len, 0, (struct sockaddr *)&e->g.addr, sizeof(e->g.addr)),
			 (ssize_t)len);
	expect_inner(e->g.tun_app, 0x42, 200);
	assert_int_equal(
		write(e->g.tun_app, inner, ip4(inner, 120, INNER_REMOTE, INNER_CLIENT, 0x43)), 120);
	n = recv_within(fd, pkt, sizeof(pkt), 10000);
	assert_true(n > 0);
	assert_int_equal(esp_open(in, pkt, (size_t)n, &off, &ilen, &nh), 0);
	assert_int_equal(ilen, 120);
	expect_nothing(e->c.tun_app, 50);
	/* a replay of the same packet from elsewhere moves nothing back */
	close(fd);
	esp_sa_free(out);
	esp_sa_free(in);
}

/* Rekey (RFC 7296 §2.8): the new pair sends at once, the old one still receives. */
static void rekey_make_before_break(void **state)
{
	struct env *e = *state;
	struct esp_sa *old_out = sa_new(SPI_C2G, ESP_DIR_OUT, key_c2g);
	struct dataplane_sa_stats sst;
	struct sockaddr_in a;
	int fd = udp_socket(&a);
	uint8_t inner[200], pkt[2048];
	size_t len = 0;

	install_gateway_at(e, SPI2_C2G, SPI2_G2C, &e->c.addr); /* responder first */
	install_client(e, SPI2_C2G, SPI2_G2C);
	assert_int_equal(
		write(e->c.tun_app, inner, ip4(inner, 90, INNER_CLIENT, INNER_REMOTE, 0x71)), 90);
	expect_inner(e->g.tun_app, 0x71, 90);
	assert_int_equal(
		write(e->g.tun_app, inner, ip4(inner, 91, INNER_REMOTE, INNER_CLIENT, 0x72)), 91);
	expect_inner(e->c.tun_app, 0x72, 91);
	assert_int_equal(dataplane_sa_get_stats(e->g.dp, SPI2_C2G, &sst), 0);
	assert_int_equal(sst.in.packets, 1);
	assert_int_equal(sst.out.packets, 1);
	assert_int_equal(dataplane_sa_get_stats(e->c.dp, SPI2_G2C, &sst), 0);
	assert_int_equal(sst.in.packets, 1);
	assert_int_equal(sst.out.packets, 1);
	/* a late packet on the old SA (sequence numbers past what was used) still counts */
	for (int i = 0; i < 2000; i++)
		assert_int_equal(esp_seal(old_out, ESP_NH_IPV4, inner,
					  ip4(inner, 92, INNER_CLIENT, INNER_REMOTE, 0x73), pkt,
					  sizeof(pkt), &len),
				 0);
	assert_int_equal(sendto(fd, pkt, len, 0, (struct sockaddr *)&e->g.addr, sizeof(e->g.addr)),
			 (ssize_t)len);
	expect_inner(e->g.tun_app, 0x73, 92);
	/* and the client's retired pair still opens what the gateway sent on the old one */
	struct esp_sa *old_g_out = sa_new(SPI_G2C, ESP_DIR_OUT, key_g2c);
	for (int i = 0; i < 2000; i++)
		assert_int_equal(esp_seal(old_g_out, ESP_NH_IPV4, inner,
					  ip4(inner, 93, INNER_REMOTE, INNER_CLIENT, 0x74), pkt,
					  sizeof(pkt), &len),
				 0);
	assert_int_equal(sendto(fd, pkt, len, 0, (struct sockaddr *)&e->c.addr, sizeof(e->c.addr)),
			 (ssize_t)len);
	expect_inner(e->c.tun_app, 0x74, 93);
	esp_sa_free(old_g_out);
	/* the DELETE: old pairs go, their SPI is unknown from now on */
	assert_int_equal(dataplane_sa_remove(e->c.dp, SPI_G2C), 0);
	assert_int_equal(dataplane_sa_remove(e->g.dp, SPI_C2G), 0);
	assert_int_equal(sendto(fd, pkt, len, 0, (struct sockaddr *)&e->g.addr, sizeof(e->g.addr)),
			 (ssize_t)len);
	assert_int_equal(WAIT_STAT(e->g.dp, drops[DATAPLANE_DROP_NO_SA], 2), 2);
	expect_nothing(e->g.tun_app, 50);
	esp_sa_free(old_out);
	close(fd);
}

/* Reconnect: new socket, new SA pair, TUN untouched; queued meanwhile, then flushed. */
static void reconnect_switches_socket_and_sas(void **state)
{
	struct env *e = *state;
	struct sockaddr_in a;
	int fd = udp_socket(&a);
	struct dataplane_stats st;
	uint8_t pkt[1500];

	assert_int_equal(dataplane_sa_remove(e->c.dp, SPI2_G2C), 0);
	assert_int_equal(dataplane_sa_remove(e->c.dp, SPI2_G2C), -ENOENT);
	assert_int_equal(write(e->c.tun_app, pkt, ip4(pkt, 300, INNER_CLIENT, INNER_REMOTE, 0x61)),
			 300);
	assert_int_equal(WAIT_STAT(e->c.dp, queued, 1), 1);
	/* old socket goes away; the dp no longer touches it once this returns */
	assert_int_equal(dataplane_socket_set(e->c.dp, 0, fd, DATAPLANE_SOCK_CLIENT), 0);
	close(e->c.udp);
	e->c.udp = fd;
	e->c.addr = a;
	install_gateway(e, 0x30030003u, 0x40040004u); /* the gateway installs its new pair first */
	install_client(e, 0x30030003u, 0x40040004u);
	expect_inner(e->g.tun_app, 0x61, 300);
	assert_int_equal(dataplane_sa_remove(e->g.dp, SPI2_C2G), 0);
	assert_int_equal(write(e->g.tun_app, pkt, ip4(pkt, 500, INNER_REMOTE, INNER_CLIENT, 0x62)),
			 500);
	expect_inner(e->c.tun_app, 0x62, 500);
	dataplane_get_stats(e->g.dp, &st);
	assert_int_equal(st.drops[DATAPLANE_DROP_NO_ROUTE], 1); /* only the earlier one */
}

static void queue_is_bounded_and_droppable(void **state)
{
	struct env *e = *state;
	static uint8_t big[60000];
	struct dataplane_stats st;
	uint8_t pkt[1500];

	assert_int_equal(dataplane_sa_remove(e->c.dp, 0x40040004u), 0);
	for (int i = 0; i < DATAPLANE_QUEUE_PACKETS + 20; i++)
		assert_int_equal(
			write(e->c.tun_app, pkt, ip4(pkt, 100, INNER_CLIENT, INNER_REMOTE, 7)),
			100);
	assert_int_equal(WAIT_STAT(e->c.dp, drops[DATAPLANE_DROP_QUEUE_FULL], 20), 20);
	dataplane_get_stats(e->c.dp, &st);
	assert_int_equal(st.queued, DATAPLANE_QUEUE_PACKETS);
	/* the 1 MiB bound stops big packets earlier */
	dataplane_queue_drop(e->c.dp);
	assert_int_equal(
		WAIT_STAT(e->c.dp, drops[DATAPLANE_DROP_QUEUE_FLUSHED], DATAPLANE_QUEUE_PACKETS),
		DATAPLANE_QUEUE_PACKETS);
	for (int i = 0; i < 20; i++)
		assert_int_equal(write(e->c.tun_app, big,
				       ip4(big, sizeof(big), INNER_CLIENT, INNER_REMOTE, 8)),
				 sizeof(big));
	/* 17 * 60000 <= 1 MiB < 18 * 60000 */
	assert_int_equal(WAIT_STAT(e->c.dp, drops[DATAPLANE_DROP_QUEUE_FULL], 23), 23);
	dataplane_get_stats(e->c.dp, &st);
	assert_int_equal(st.queued, 17);
	dataplane_get_stats(e->g.dp, &st);
	expect_nothing(e->g.tun_app, 50);
}

/* Client: one retired pair at most; removing the current one leaves nothing. */
static void client_keeps_one_retired_pair(void **state)
{
	struct env *e = *state;
	struct dataplane_sa_stats sst;
	struct dataplane_stats st;
	uint8_t pkt[200];

	dataplane_queue_drop(e->c.dp);
	install_client(e, 0x70000001u, 0x70000002u);
	install_client(e, 0x70000003u, 0x70000004u);
	install_client(e, 0x70000005u, 0x70000006u);
	assert_int_equal(dataplane_sa_get_stats(e->c.dp, 0x70000002u, &sst), -ENOENT); /* freed */
	assert_int_equal(dataplane_sa_get_stats(e->c.dp, 0x70000004u, &sst), 0);       /* retired */
	assert_int_equal(dataplane_sa_get_stats(e->c.dp, 0x70000006u, &sst), 0);       /* current */
	/* the gateway knows none of them: the packet goes out on the current pair */
	assert_int_equal(write(e->c.tun_app, pkt, ip4(pkt, 100, INNER_CLIENT, INNER_REMOTE, 9)),
			 100);
	for (int i = 0; i < 1000; i++) {
		if (dataplane_sa_get_stats(e->c.dp, 0x70000006u, &sst) == 0 && sst.out.packets)
			break;
		usleep(10000);
	}
	assert_int_equal(sst.out.packets, 1);
	assert_int_equal(dataplane_sa_get_stats(e->c.dp, 0x70000004u, &sst), 0);
	assert_int_equal(sst.out.packets, 0);
	/* reconnecting: the current pair goes and takes the retired one along */
	assert_int_equal(dataplane_sa_remove(e->c.dp, 0x70000006u), 0);
	assert_int_equal(dataplane_sa_get_stats(e->c.dp, 0x70000004u, &sst), -ENOENT);
	assert_int_equal(write(e->c.tun_app, pkt, ip4(pkt, 100, INNER_CLIENT, INNER_REMOTE, 9)),
			 100);
	assert_int_equal(WAIT_STAT(e->c.dp, queued, 1), 1);
	dataplane_get_stats(e->c.dp, &st);
	assert_int_equal(st.queued, 1);
	dataplane_queue_drop(e->c.dp);
}

static int udp6_socket(struct sockaddr_in6 *ret)
{
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t len = sizeof(*ret);

	if (fd < 0)
		return -1;
	*ret = (struct sockaddr_in6){.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	if (bind(fd, (struct sockaddr *)ret, sizeof(*ret)) < 0 ||
	    getsockname(fd, (struct sockaddr *)ret, &len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The same over IPv6 outer addresses (a gateway reached over IPv6), own pair. */
static void ipv6_outer_addresses(void **state)
{
	struct side c = {.udp = -1}, g = {.udp = -1};
	struct sockaddr_in6 ca, ga;
	struct dataplane_sa csa = {.in = sa_new(SPI_G2C, ESP_DIR_IN, key_g2c),
				   .out = sa_new(SPI_C2G, ESP_DIR_OUT, key_c2g)};
	struct dataplane_sa gsa = {.in = sa_new(SPI_C2G, ESP_DIR_IN, key_c2g),
				   .out = sa_new(SPI_G2C, ESP_DIR_OUT, key_g2c),
				   .has_inner4 = true};
	struct dataplane_ike_packet *pkt;
	uint8_t buf[1500];
	int cfd, gfd;

	(void)state;
	cfd = udp6_socket(&ca);
	gfd = udp6_socket(&ga);
	if (cfd < 0 || gfd < 0)
		skip(); /* no IPv6 loopback here */
	side_init(&c, DATAPLANE_MODE_CLIENT, 0);
	side_init(&g, DATAPLANE_MODE_GATEWAY, 0);
	assert_int_equal(dataplane_socket_set(c.dp, 0, cfd, DATAPLANE_SOCK_CLIENT), 0);
	assert_int_equal(dataplane_socket_set(g.dp, 0, gfd, DATAPLANE_SOCK_NATT), 0);
	memcpy(&csa.peer, &ga, sizeof(ga));
	csa.peer_len = sizeof(ga);
	assert_int_equal(inet_pton(AF_INET, INNER_CLIENT, &gsa.inner4), 1);
	assert_int_equal(dataplane_sa_install(c.dp, &csa), 0);
	assert_int_equal(dataplane_sa_install(g.dp, &gsa), 0);
	assert_int_equal(dataplane_start(c.dp), 0);
	assert_int_equal(dataplane_start(g.dp), 0);
	assert_int_equal(write(c.tun_app, buf, ip4(buf, 333, INNER_CLIENT, INNER_REMOTE, 0x66)),
			 333);
	expect_inner(g.tun_app, 0x66, 333);
	assert_int_equal(write(g.tun_app, buf, ip4(buf, 444, INNER_REMOTE, INNER_CLIENT, 0x67)),
			 444);
	expect_inner(c.tun_app, 0x67, 444);
	assert_int_equal(dataplane_ike_send(c.dp, 0, (struct sockaddr *)&ga, sizeof(ga), true,
					    "\x01\x02\x03", 3),
			 0);
	pkt = pop_within(g.dp, 10000);
	assert_non_null(pkt);
	assert_int_equal(pkt->from.ss_family, AF_INET6);
	assert_int_equal(pkt->local.ss_family, AF_INET6);
	assert_int_equal(((struct sockaddr_in6 *)&pkt->local)->sin6_port, ga.sin6_port);
	assert_int_equal(pkt->len, 3);
	free(pkt);
	c.dp = dataplane_free(c.dp);
	g.dp = dataplane_free(g.dp);
	c.udp = cfd;
	g.udp = gfd;
	side_done(&c);
	side_done(&g);
}

static void bad_arguments(void **state)
{
	struct env *e = *state;
	struct dataplane_sa sa = {0};
	struct dataplane_config cfg = {.mode = DATAPLANE_MODE_CLIENT, .tun_fd = -1};
	struct dataplane *dp = NULL;

	assert_int_equal(dataplane_new(&cfg, &dp), -EINVAL);
	assert_int_equal(dataplane_sa_install(e->c.dp, &sa), -EINVAL);
	sa.in = sa_new(0x5555, ESP_DIR_IN, key_c2g);
	sa.out = sa_new(0x6666, ESP_DIR_OUT, key_c2g);
	assert_int_equal(dataplane_sa_install(e->c.dp, &sa), -EINVAL); /* client needs a peer */
	assert_int_equal(dataplane_sa_install(e->g.dp, &sa), -EINVAL); /* gateway needs inner */
	sa.has_inner4 = true;
	sa.inner4.s_addr = htonl(0xc0a81406);
	assert_int_equal(dataplane_sa_install(e->g.dp, &sa), 0);
	struct dataplane_sa dup = {.in = sa_new(0x5555, ESP_DIR_IN, key_c2g),
				   .out = sa_new(0x7777, ESP_DIR_OUT, key_c2g),
				   .has_inner4 = true};
	assert_int_equal(dataplane_sa_install(e->g.dp, &dup), -EEXIST); /* caller still owns */
	esp_sa_free(dup.in);
	esp_sa_free(dup.out);
	assert_int_equal(dataplane_socket_set(e->g.dp, DATAPLANE_SOCK_MAX, 0, DATAPLANE_SOCK_IKE),
			 -EINVAL);
	assert_string_equal(dataplane_drop_to_string(DATAPLANE_DROP_REPLAY), "replay");
}

int main(void)
{
	/* one environment, steps in order: each builds on the state the last one left */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(queue_then_flush_and_both_directions),
		cmocka_unit_test(ike_marker_demux_and_send),
		cmocka_unit_test(hostile_datagrams_are_counted),
		cmocka_unit_test(keepalive_after_idle),
		cmocka_unit_test(gateway_follows_nat_rebinding),
		cmocka_unit_test(rekey_make_before_break),
		cmocka_unit_test(reconnect_switches_socket_and_sas),
		cmocka_unit_test(queue_is_bounded_and_droppable),
		cmocka_unit_test(client_keeps_one_retired_pair),
		cmocka_unit_test(ipv6_outer_addresses),
		cmocka_unit_test(bad_arguments),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
