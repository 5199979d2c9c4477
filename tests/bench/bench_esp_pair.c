/*
 * bench_esp_pair.c - one end of a data-plane pair with fixed keys, for
 * tests/netns/test_dataplane_pair.sh: creates a TUN device, binds a UDP socket and
 * runs the real data plane (platform/linux/dataplane.c) as client or gateway.
 *
 *   bench_esp_pair --role client  --tun NAME --local IP:PORT --peer IP:PORT [options]
 *   bench_esp_pair --role gateway --tun NAME --local IP:PORT --inner CLIENT_IP [options]
 *   options: --transform aes256gcm16|aes256-sha256|aes256-sha384|aes256-sha512
 *            --keepalive-ms N (client, default 20000)
 *            --offload (open TUN with IFF_VNET_HDR: TSO segmented in userspace)
 *
 * Keys are derived from the SPIs (test only; no IKE here). SIGUSR1 simulates a
 * reconnect (PROTOCOL.md §4.2) with the next SA pair: the client removes its SA,
 * takes a new UDP socket, waits 300 ms (TUN packets queue) and installs the new
 * pair; the gateway installs the new pair at once and drops the old one later.
 * SIGTERM/SIGINT print the counters as key=value lines and exit.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/secret.h"
#include "core/rng.h"
#include "esp/esp.h"
#include "platform/linux/dataplane.h"

#define SPI_BASE_C2G 0x00c20000u
#define SPI_BASE_G2C 0x00920000u

struct opts {
	bool gateway;
	const char *tun;
	struct sockaddr_in local, peer;
	struct in_addr inner;
	enum esp_transform transform;
	long keepalive_ms;
	bool offload;
};

static void usage(void)
{
	fprintf(stderr, "usage: bench_esp_pair --role client|gateway --tun NAME --local IP:PORT "
			"[--peer IP:PORT] [--inner IP] [--transform T] [--keepalive-ms N]\n");
	exit(2);
}

static void parse_addr(const char *s, struct sockaddr_in *ret)
{
	char buf[64];
	char *colon;

	snprintf(buf, sizeof(buf), "%s", s);
	colon = strrchr(buf, ':');
	if (!colon)
		usage();
	*colon = 0;
	*ret = (struct sockaddr_in){.sin_family = AF_INET,
				    .sin_port = htons((uint16_t)atoi(colon + 1))};
	if (inet_pton(AF_INET, buf, &ret->sin_addr) != 1) {
		fprintf(stderr, "bench_esp_pair: not an IPv4 address: '%s'\n", buf);
		exit(2);
	}
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{"role", required_argument, NULL, 'r'},
		{"tun", required_argument, NULL, 't'},
		{"local", required_argument, NULL, 'l'},
		{"peer", required_argument, NULL, 'p'},
		{"inner", required_argument, NULL, 'i'},
		{"transform", required_argument, NULL, 'x'},
		{"keepalive-ms", required_argument, NULL, 'k'},
		{"offload", no_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	int c;

	*o = (struct opts){.transform = ESP_TRANSFORM_AES_GCM_16_256, .keepalive_ms = 20000};
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->gateway = strcmp(optarg, "gateway") == 0;
			break;
		case 't':
			o->tun = optarg;
			break;
		case 'l':
			parse_addr(optarg, &o->local);
			break;
		case 'p':
			parse_addr(optarg, &o->peer);
			break;
		case 'i':
			if (inet_pton(AF_INET, optarg, &o->inner) != 1)
				usage();
			break;
		case 'x':
			o->transform = esp_transform_from_string(optarg);
			if ((int)o->transform < 0)
				usage();
			break;
		case 'k':
			o->keepalive_ms = atol(optarg);
			break;
		case 'o':
			o->offload = true;
			break;
		default:
			usage();
		}
	}
	if (!o->tun || !o->local.sin_family || (!o->gateway && !o->peer.sin_family) ||
	    (o->gateway && !o->inner.s_addr))
		usage();
}

static int tun_open(const char *name, bool offload)
{
	struct ifreq ifr = {.ifr_flags = IFF_TUN | IFF_NO_PI | (offload ? IFF_VNET_HDR : 0)};
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int udp_open(const struct sockaddr_in *local)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int sz = 4 * 1024 * 1024;

	if (fd < 0)
		return -1;
	/* bursts of sendmmsg/recvmmsg want room; the kernel caps at rmem_max */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (bind(fd, (const struct sockaddr *)local, sizeof(*local)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Test keys: the same bytes on both ends, derived from the SPI. */
static struct esp_sa *sa_for(enum esp_transform t, uint32_t spi, enum esp_dir dir)
{
	uint8_t k[65]; /* encr from k, integ from k + 1 (up to 64 bytes) */
	struct secret *encr, *integ = NULL;
	struct esp_sa_params p = {.spi = spi, .dir = dir, .transform = t, .rng = &rng_system};
	struct esp_sa *sa = NULL;
	static const size_t integ_len[_ESP_TRANSFORM_MAX] = {0, 32, 48, 64};

	for (size_t i = 0; i < sizeof(k); i++)
		k[i] = (uint8_t)(spi >> (8 * (i % 4)) ^ (i * 37));
	encr = secret_from(k, t == ESP_TRANSFORM_AES_GCM_16_256 ? 36 : 32);
	if (integ_len[t])
		integ = secret_from(k + 1, integ_len[t]);
	p.encr = encr;
	p.integ = integ;
	if (esp_sa_new(&p, &sa) < 0) {
		fprintf(stderr, "bench_esp_pair: esp_sa_new failed\n");
		exit(1);
	}
	secret_free(encr);
	secret_free(integ);
	return sa;
}

static int install(struct dataplane *dp, const struct opts *o, unsigned int gen)
{
	uint32_t c2g = SPI_BASE_C2G + gen, g2c = SPI_BASE_G2C + gen;
	struct dataplane_sa sa = {.sock = 0};

	sa.in = sa_for(o->transform, o->gateway ? c2g : g2c, ESP_DIR_IN);
	sa.out = sa_for(o->transform, o->gateway ? g2c : c2g, ESP_DIR_OUT);
	if (o->gateway) {
		sa.has_inner4 = true;
		sa.inner4 = o->inner;
	} else {
		memcpy(&sa.peer, &o->peer, sizeof(o->peer));
		sa.peer_len = sizeof(o->peer);
	}
	return dataplane_sa_install(dp, &sa);
}

static void print_stats(struct dataplane *dp, uint32_t spi_in)
{
	struct dataplane_stats st;
	struct dataplane_sa_stats sst;

	dataplane_get_stats(dp, &st);
	printf("tun_rx_packets=%llu\ntun_tx_packets=%llu\nesp_tx_packets=%llu\nesp_rx_packets=%"
	       "llu\n"
	       "keepalive_tx=%llu\nkeepalive_rx=%llu\nqueued=%llu\n",
	       (unsigned long long)st.tun_rx_packets, (unsigned long long)st.tun_tx_packets,
	       (unsigned long long)st.esp_tx_packets, (unsigned long long)st.esp_rx_packets,
	       (unsigned long long)st.keepalive_tx, (unsigned long long)st.keepalive_rx,
	       (unsigned long long)st.queued);
	for (unsigned int d = 0; d < _DATAPLANE_DROP_MAX; d++)
		printf("drop_%s=%llu\n", dataplane_drop_to_string(d),
		       (unsigned long long)st.drops[d]);
	if (dataplane_sa_get_stats(dp, spi_in, &sst) == 0)
		printf("sa_in=%08x\nsa_in_packets=%llu\nsa_out_packets=%llu\n", sst.spi_in,
		       (unsigned long long)sst.in.packets, (unsigned long long)sst.out.packets);
	fflush(stdout);
}

/* SIGUSR1: the next SA pair, as a reconnect would install it. */
static int reconnect(struct dataplane *dp, const struct opts *o, unsigned int *gen, int *udp)
{
	unsigned int old = *gen;
	struct sockaddr_in any = o->local;
	int fd;

	(*gen)++;
	if (o->gateway) {
		if (install(dp, o, *gen) < 0)
			return -1;
		return dataplane_sa_remove(dp, SPI_BASE_C2G + old);
	}
	if (dataplane_sa_remove(dp, SPI_BASE_G2C + old) < 0)
		return -1;
	any.sin_port = 0; /* PROTOCOL.md §2: a new ephemeral port per reconnect */
	fd = udp_open(&any);
	if (fd < 0 || dataplane_socket_set(dp, 0, fd, DATAPLANE_SOCK_CLIENT) < 0)
		return -1;
	close(*udp);
	*udp = fd;
	usleep(300 * 1000);
	return install(dp, o, *gen);
}

int main(int argc, char **argv)
{
	struct opts o;
	struct dataplane_config cfg;
	struct dataplane *dp;
	unsigned int gen = 0;
	sigset_t set;
	int tun, udp, sig;

	parse_opts(argc, argv, &o);
	tun = tun_open(o.tun, o.offload);
	udp = udp_open(&o.local);
	if (tun < 0 || udp < 0) {
		perror("bench_esp_pair: tun/udp");
		return 1;
	}
	cfg = (struct dataplane_config){
		.mode = o.gateway ? DATAPLANE_MODE_GATEWAY : DATAPLANE_MODE_CLIENT,
		.tun_fd = tun,
		.keepalive_interval = (usec_t)o.keepalive_ms * USEC_PER_MSEC};
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (dataplane_new(&cfg, &dp) < 0 ||
	    dataplane_socket_set(dp, 0, udp,
				 o.gateway ? DATAPLANE_SOCK_NATT : DATAPLANE_SOCK_CLIENT) < 0 ||
	    install(dp, &o, gen) < 0 || dataplane_start(dp) < 0) {
		fprintf(stderr, "bench_esp_pair: data plane setup failed\n");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (sigwait(&set, &sig) == 0 && sig == SIGUSR1) {
		if (reconnect(dp, &o, &gen, &udp) < 0) {
			fprintf(stderr, "bench_esp_pair: reconnect failed\n");
			return 1;
		}
		printf("reconnected gen=%u\n", gen);
		fflush(stdout);
	}
	dataplane_stop(dp);
	print_stats(dp, o.gateway ? SPI_BASE_C2G + gen : SPI_BASE_G2C + gen);
	dataplane_free(dp);
	close(udp);
	close(tun);
	return 0;
}
