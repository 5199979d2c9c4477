/*
 * dataplane.c - the data plane's life cycle and everything the main thread calls:
 * sockets, SA install/remove, the IKE queue, counters. The packet loops are in
 * dataplane_rx.c and dataplane_tx.c; the locking rules in dataplane_internal.h.
 */
#define _GNU_SOURCE /* recvmmsg, sendmmsg, IP_PKTINFO, pthread_setname_np */
#define LOG_MODULE  "dataplane"
#include "platform/linux/dataplane_internal.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "platform/linux/dataplane_gso.h"

#define DATAPLANE_DROPS(X)                               \
	X(DATAPLANE_DROP_MALFORMED, "malformed")         \
	X(DATAPLANE_DROP_NO_SA, "no-sa")                 \
	X(DATAPLANE_DROP_AUTH, "auth")                   \
	X(DATAPLANE_DROP_REPLAY, "replay")               \
	X(DATAPLANE_DROP_ESP_PROTO, "esp-proto")         \
	X(DATAPLANE_DROP_NOT_IP, "not-ip")               \
	X(DATAPLANE_DROP_NO_ROUTE, "no-route")           \
	X(DATAPLANE_DROP_NO_PEER, "no-peer")             \
	X(DATAPLANE_DROP_QUEUE_FULL, "queue-full")       \
	X(DATAPLANE_DROP_QUEUE_FLUSHED, "queue-flushed") \
	X(DATAPLANE_DROP_EXPIRED, "expired")             \
	X(DATAPLANE_DROP_TOO_BIG, "too-big")             \
	X(DATAPLANE_DROP_SEND, "send")                   \
	X(DATAPLANE_DROP_TUN_WRITE, "tun-write")         \
	X(DATAPLANE_DROP_IKE_QUEUE_FULL, "ike-queue-full")

#define SEND_WAIT_MS  50 /* socket buffer full: how long one datagram may wait */
#define SOCK_BUF_SIZE (4 * 1024 * 1024)

const char *dataplane_drop_to_string(enum dataplane_drop d)
{
#define NAME(v, s) [v] = s,
	static const char *const names[_DATAPLANE_DROP_MAX] = {DATAPLANE_DROPS(NAME)};
#undef NAME
	return (unsigned int)d < _DATAPLANE_DROP_MAX ? names[d] : "unknown";
}

/* ---- lookup maps ---- */

static size_t map_slot(const struct dp_map *m, uint32_t key)
{
	/* Knuth's multiplicative hash: SPIs are random, addresses are not */
	return (size_t)((key * 2654435761u) & (uint32_t)(m->cap - 1));
}

static void map_reset(struct dp_map *m, size_t entries)
{
	size_t cap = 8;

	while (cap < 2 * entries + 1)
		cap *= 2;
	free(m->keys);
	free(m->vals);
	m->keys = xcalloc(cap, sizeof(*m->keys));
	m->vals = xcalloc(cap, sizeof(*m->vals));
	m->cap = cap;
}

/* Later puts win: the newest SA for an inner address (a reconnect) takes over. */
static void map_put(struct dp_map *m, uint32_t key, uint32_t val)
{
	size_t i = map_slot(m, key);

	while (m->keys[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	m->keys[i] = key;
	m->vals[i] = val;
}

static bool map_get(const struct dp_map *m, uint32_t key, uint32_t *ret)
{
	size_t i;

	if (!m->cap || !key)
		return false;
	for (i = map_slot(m, key); m->keys[i]; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == key) {
			*ret = m->vals[i];
			return true;
		}
	}
	return false;
}

static void map_free(struct dp_map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* Under the write lock. */
static void rebuild_maps(struct dataplane *dp)
{
	map_reset(&dp->by_spi, dp->n_tunnels);
	map_reset(&dp->by_inner4, dp->n_tunnels);
	for (size_t i = 0; i < dp->n_tunnels; i++) {
		struct dp_tunnel *t = dp->tunnels[i];

		map_put(&dp->by_spi, esp_sa_spi(t->in), (uint32_t)i);
		if (t->has_inner4)
			map_put(&dp->by_inner4, ntohl(t->inner4.s_addr), (uint32_t)i);
	}
}

struct dp_tunnel *dataplane_tunnel_by_spi(struct dataplane *dp, uint32_t spi)
{
	uint32_t i;

	return map_get(&dp->by_spi, spi, &i) ? dp->tunnels[i] : NULL;
}

static struct dp_tunnel *tunnel_by_inner6(struct dataplane *dp, const uint8_t *dst)
{
	/* newest first, as for IPv4; IPv6 inner addresses are rare on this VPN */
	for (size_t i = dp->n_tunnels; i-- > 0;)
		if (dp->tunnels[i]->has_inner6 && !memcmp(&dp->tunnels[i]->inner6, dst, 16))
			return dp->tunnels[i];
	return NULL;
}

struct dp_tunnel *dataplane_tunnel_by_dst(struct dataplane *dp, const uint8_t *ip, size_t n)
{
	uint32_t i;

	if (dp->cfg.mode == DATAPLANE_MODE_CLIENT) {
		struct dp_tunnel *t = dp->n_tunnels ? dp->tunnels[dp->n_tunnels - 1] : NULL;

		return t && !t->retired ? t : NULL;
	}
	if (n >= 20 && ip[0] >> 4 == 4)
		return map_get(&dp->by_inner4, be32_load(ip + 16), &i) ? dp->tunnels[i] : NULL;
	if (n >= 40 && ip[0] >> 4 == 6)
		return tunnel_by_inner6(dp, ip + 24);
	return NULL;
}

/* ---- life cycle ---- */

static int make_eventfd(int *ret)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	*ret = fd;
	return 0;
}

static int init_locks(struct dataplane *dp)
{
	pthread_rwlockattr_t attr;

	pthread_rwlockattr_init(&attr);
	/* a waiting SA install must not starve behind the two alternating readers */
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	if (pthread_rwlock_init(&dp->lock, &attr) != 0)
		return -ENOMEM;
	pthread_rwlockattr_destroy(&attr);
	return pthread_mutex_init(&dp->ike_lock, NULL) != 0 ? -ENOMEM : 0;
}

/*
 * A TUN fd opened with IFF_VNET_HDR carries a virtio_net_hdr with every packet; then
 * TSO and checksum offload are switched on, so the kernel's TCP hands over up to 64
 * KiB at a time and dataplane_gso.c cuts it up (one read instead of ~45). Anything
 * else (a plain TUN, a socketpair in tests) is used packet by packet.
 */
static size_t detect_vnet(int fd)
{
	struct ifreq ifr = {0};
	int len = 0;

	if (ioctl(fd, TUNGETIFF, &ifr) < 0 || !(ifr.ifr_flags & IFF_VNET_HDR))
		return 0;
	if (ioctl(fd, TUNGETVNETHDRSZ, &len) < 0 || len < DATAPLANE_VNET_HDR_LEN ||
	    len > DP_VNET_MAX)
		return SIZE_MAX;
	if (ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN) < 0)
		log_debug("tun: no offloads: %s", err_str(-errno)); /* headers still come */
	return (size_t)len;
}

int dataplane_new(const struct dataplane_config *cfg, struct dataplane **ret)
{
	struct dataplane *dp;
	int flags, r;

	if ((unsigned int)cfg->mode >= _DATAPLANE_MODE_MAX || cfg->tun_fd < 0)
		return -EINVAL;
	flags = fcntl(cfg->tun_fd, F_GETFL);
	/* the TX thread drains TUN in bursts and then polls */
	if (flags < 0 || fcntl(cfg->tun_fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	dp = xcalloc(1, sizeof(*dp));
	dp->cfg = *cfg;
	dp->vnet_len = detect_vnet(cfg->tun_fd);
	if (dp->vnet_len == SIZE_MAX) {
		free(dp);
		return -EOPNOTSUPP; /* a header size we cannot place in our headroom */
	}
	dp->rx_wake = dp->tx_wake = dp->ike_efd = -1;
	for (unsigned int i = 0; i < DATAPLANE_SOCK_MAX; i++)
		dp->socks[i].fd = -1;
	if ((r = init_locks(dp)) < 0 || (r = make_eventfd(&dp->rx_wake)) < 0 ||
	    (r = make_eventfd(&dp->tx_wake)) < 0 || (r = make_eventfd(&dp->ike_efd)) < 0) {
		dataplane_free(dp);
		return r;
	}
	*ret = dp;
	return 0;
}

static void wake(int efd)
{
	uint64_t one = 1;

	(void)!write(efd, &one, sizeof(one));
}

int dataplane_start(struct dataplane *dp)
{
	sigset_t all, old;
	int r;

	if (dp->running)
		return -EALREADY;
	atomic_store(&dp->stop, false);
	/* signals stay with the main thread (sd-event's signalfd needs them blocked there) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = -pthread_create(&dp->rx_thread, NULL, dataplane_rx_thread, dp);
	if (r == 0) {
		r = -pthread_create(&dp->tx_thread, NULL, dataplane_tx_thread, dp);
		if (r < 0) {
			atomic_store(&dp->stop, true);
			wake(dp->rx_wake);
			pthread_join(dp->rx_thread, NULL);
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		return r;
	pthread_setname_np(dp->rx_thread, "anyroam-esp-rx");
	pthread_setname_np(dp->tx_thread, "anyroam-esp-tx");
	dp->running = true;
	return 0;
}

void dataplane_stop(struct dataplane *dp)
{
	if (!dp || !dp->running)
		return;
	atomic_store(&dp->stop, true);
	wake(dp->rx_wake);
	wake(dp->tx_wake);
	pthread_join(dp->rx_thread, NULL);
	pthread_join(dp->tx_thread, NULL);
	dp->running = false;
}

static struct dp_tunnel *tunnel_free(struct dp_tunnel *t)
{
	if (!t)
		return NULL;
	esp_sa_free(t->in);
	esp_sa_free(t->out);
	pthread_mutex_destroy(&t->peer_lock);
	free(t);
	return NULL;
}

static void ike_queue_clear(struct dataplane *dp)
{
	struct dataplane_ike_packet *pkt;

	while (dataplane_ike_pop(dp, &pkt) == 0)
		free(pkt);
}

struct dataplane *dataplane_free(struct dataplane *dp)
{
	if (!dp)
		return NULL;
	dataplane_stop(dp);
	dataplane_tx_queue_clear(dp, DATAPLANE_DROP_QUEUE_FLUSHED);
	ike_queue_clear(dp);
	for (size_t i = 0; i < dp->n_tunnels; i++)
		tunnel_free(dp->tunnels[i]);
	free(dp->tunnels);
	map_free(&dp->by_spi);
	map_free(&dp->by_inner4);
	if (dp->rx_wake >= 0)
		close(dp->rx_wake);
	if (dp->tx_wake >= 0)
		close(dp->tx_wake);
	if (dp->ike_efd >= 0)
		close(dp->ike_efd);
	pthread_rwlock_destroy(&dp->lock);
	pthread_mutex_destroy(&dp->ike_lock);
	free(dp);
	return NULL;
}

/* ---- sockets ---- */

/*
 * Socket options the data plane relies on, best effort (a failure costs speed or a
 * detail, never correctness):
 * - our own address on each IKE datagram (IP_PKTINFO), so a gateway on a wildcard
 *   socket answers from the address the client used;
 * - UDP checksum 0 on IPv4 (PROTOCOL.md §2, RFC 3948 §2.1: ESP has its own ICV);
 *   IPv6 keeps its mandatory checksum (RFC 8200 §8.1);
 * - buffers for bursts of DP_BATCH datagrams at line rate (capped by rmem_max/wmem_max).
 */
static void tune_socket(int fd, sa_family_t family)
{
	int one = 1, size = SOCK_BUF_SIZE;

	if (family == AF_INET) {
		(void)setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
		(void)setsockopt(fd, SOL_SOCKET, SO_NO_CHECK, &one, sizeof(one));
	} else if (family == AF_INET6) {
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

int dataplane_socket_set(struct dataplane *dp, unsigned int idx, int fd,
			 enum dataplane_sock_kind kind)
{
	struct dp_sock s = {.fd = fd, .kind = kind, .local_len = sizeof(s.local)};

	if (idx >= DATAPLANE_SOCK_MAX || (unsigned int)kind >= _DATAPLANE_SOCK_KIND_MAX)
		return -EINVAL;
	if (fd >= 0) {
		if (getsockname(fd, (struct sockaddr *)&s.local, &s.local_len) < 0)
			return -errno;
		tune_socket(fd, s.local.ss_family);
	}
	pthread_rwlock_wrlock(&dp->lock);
	dp->socks[idx] = s;
	atomic_fetch_add(&dp->sock_gen, 1);
	pthread_rwlock_unlock(&dp->lock);
	wake(dp->rx_wake);
	return 0;
}

/* ---- IKE ---- */

int dataplane_ike_fd(const struct dataplane *dp)
{
	return dp->ike_efd;
}

void dataplane_ike_push(struct dataplane *dp, unsigned int sock, bool marker,
			const struct sockaddr_storage *from, socklen_t from_len,
			const struct sockaddr_storage *local, socklen_t local_len, const uint8_t *p,
			size_t n)
{
	struct dataplane_ike_packet *pkt;

	pthread_mutex_lock(&dp->ike_lock);
	if (dp->ike_n == DATAPLANE_IKE_QUEUE_MAX) {
		pthread_mutex_unlock(&dp->ike_lock);
		dp_drop(&dp->rx, DATAPLANE_DROP_IKE_QUEUE_FULL);
		return;
	}
	pkt = xmalloc(sizeof(*pkt) + n);
	pkt->sock = sock;
	pkt->marker = marker;
	pkt->from = *from;
	pkt->from_len = from_len;
	pkt->local = *local;
	pkt->local_len = local_len;
	pkt->len = n;
	memcpy(pkt->data, p, n);
	dp->ike_q[(dp->ike_head + dp->ike_n) % DATAPLANE_IKE_QUEUE_MAX] = pkt;
	dp->ike_n++;
	pthread_mutex_unlock(&dp->ike_lock);
	dp_count(&dp->rx.ike_rx_packets, 1);
	wake(dp->ike_efd);
}

int dataplane_ike_pop(struct dataplane *dp, struct dataplane_ike_packet **ret)
{
	uint64_t v;

	pthread_mutex_lock(&dp->ike_lock);
	if (!dp->ike_n) {
		/* drain the eventfd under the lock: a push after this re-arms it */
		(void)!read(dp->ike_efd, &v, sizeof(v));
		pthread_mutex_unlock(&dp->ike_lock);
		return -EAGAIN;
	}
	*ret = dp->ike_q[dp->ike_head];
	dp->ike_head = (dp->ike_head + 1) % DATAPLANE_IKE_QUEUE_MAX;
	dp->ike_n--;
	pthread_mutex_unlock(&dp->ike_lock);
	return 0;
}

int dataplane_send_one(int fd, const struct sockaddr_storage *to, socklen_t to_len,
		       const struct iovec *iov, size_t iovcnt)
{
	struct msghdr mh = {.msg_name = (void *)to,
			    .msg_namelen = to_len,
			    .msg_iov = (struct iovec *)iov,
			    .msg_iovlen = iovcnt};
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};

	for (int tries = 0; tries < 2; tries++) {
		if (sendmsg(fd, &mh, MSG_DONTWAIT) >= 0)
			return 0;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS)
			return -errno;
		(void)poll(&pfd, 1, SEND_WAIT_MS);
	}
	return -EAGAIN;
}

int dataplane_ike_send(struct dataplane *dp, unsigned int sock, const struct sockaddr *to,
		       socklen_t to_len, bool marker, const void *p, size_t n)
{
	static const uint8_t non_esp_marker[4]; /* RFC 3948 §2.2 */
	struct sockaddr_storage dst;
	struct iovec iov[2] = {{(void *)non_esp_marker, 4}, {(void *)p, n}};
	int r;

	if (sock >= DATAPLANE_SOCK_MAX || to_len > sizeof(dst) || !to_len || !n)
		return -EINVAL;
	memcpy(&dst, to, to_len);
	pthread_rwlock_rdlock(&dp->lock);
	r = dp->socks[sock].fd < 0 ? -EBADF
				   : dataplane_send_one(dp->socks[sock].fd, &dst, to_len,
							marker ? iov : iov + 1, marker ? 2 : 1);
	pthread_rwlock_unlock(&dp->lock);
	if (r < 0)
		return r;
	dp_count(&dp->main.ike_tx_packets, 1);
	dp_set(&dp->last_tx, clock_boottime_now());
	return 0;
}

/* ---- SAs ---- */

static int check_sa(const struct dataplane *dp, const struct dataplane_sa *sa)
{
	if (!sa->in || !sa->out || esp_sa_dir(sa->in) != ESP_DIR_IN ||
	    esp_sa_dir(sa->out) != ESP_DIR_OUT || sa->sock >= DATAPLANE_SOCK_MAX ||
	    sa->peer_len > sizeof(sa->peer))
		return -EINVAL;
	/* the client sends to its gateway, it never learns where that is */
	if (dp->cfg.mode == DATAPLANE_MODE_CLIENT && !sa->peer_len)
		return -EINVAL;
	if (dp->cfg.mode == DATAPLANE_MODE_GATEWAY && !sa->has_inner4 && !sa->has_inner6)
		return -EINVAL;
	return 0;
}

static struct dp_tunnel *tunnel_new(const struct dataplane_sa *sa)
{
	struct dp_tunnel *t = xcalloc(1, sizeof(*t));

	t->in = sa->in;
	t->out = sa->out;
	t->sock = sa->sock;
	pthread_mutex_init(&t->peer_lock, NULL);
	t->peer = sa->peer;
	t->peer_len = sa->peer_len;
	t->has_inner4 = sa->has_inner4;
	t->has_inner6 = sa->has_inner6;
	t->inner4 = sa->inner4;
	t->inner6 = sa->inner6;
	return t;
}

static void tunnels_append(struct dataplane *dp, struct dp_tunnel *t)
{
	if (dp->n_tunnels == dp->cap_tunnels) {
		dp->cap_tunnels = dp->cap_tunnels ? 2 * dp->cap_tunnels : 4;
		dp->tunnels = xrealloc(dp->tunnels, dp->cap_tunnels * sizeof(*dp->tunnels));
	}
	dp->tunnels[dp->n_tunnels++] = t;
}

/*
 * Client, under the write lock: the current pair retires to inbound only, so packets
 * the gateway sent before it switched still open (a rekey, RFC 7296 §2.8); the pair
 * retired before it goes, so at most one lingers. Returns the one to free.
 */
static struct dp_tunnel *client_retire(struct dataplane *dp)
{
	struct dp_tunnel *gone = NULL, *cur = NULL;

	for (size_t i = 0; i < dp->n_tunnels; i++) {
		if (dp->tunnels[i]->retired)
			gone = dp->tunnels[i];
		else
			cur = dp->tunnels[i];
	}
	dp->n_tunnels = 0;
	if (cur) {
		cur->retired = true;
		dp->tunnels[dp->n_tunnels++] = cur;
	}
	return gone;
}

int dataplane_sa_install(struct dataplane *dp, const struct dataplane_sa *sa)
{
	struct dp_tunnel *t, *gone = NULL;
	int r;

	if ((r = check_sa(dp, sa)) < 0)
		return r;
	t = tunnel_new(sa);
	pthread_rwlock_wrlock(&dp->lock);
	if (dataplane_tunnel_by_spi(dp, esp_sa_spi(sa->in))) {
		pthread_rwlock_unlock(&dp->lock);
		t->in = t->out = NULL; /* still the caller's */
		tunnel_free(t);
		return -EEXIST;
	}
	if (dp->cfg.mode == DATAPLANE_MODE_CLIENT)
		gone = client_retire(dp);
	tunnels_append(dp, t);
	rebuild_maps(dp);
	/* IKE_AUTH or CREATE_CHILD_SA just went out: the keepalive clock starts now */
	dp_set(&dp->last_tx, clock_boottime_now());
	pthread_rwlock_unlock(&dp->lock);
	tunnel_free(gone);
	wake(dp->tx_wake); /* flush what waited for this SA */
	log_debug("esp %08x/%08x: installed (%s)", esp_sa_spi(sa->in), esp_sa_spi(sa->out),
		  esp_transform_to_string(esp_sa_transform(sa->in)));
	return 0;
}

/* Under the write lock: takes tunnel i out of the table. */
static struct dp_tunnel *take_tunnel(struct dataplane *dp, size_t i)
{
	struct dp_tunnel *t = dp->tunnels[i];

	memmove(dp->tunnels + i, dp->tunnels + i + 1,
		(dp->n_tunnels - i - 1) * sizeof(*dp->tunnels));
	dp->n_tunnels--;
	return t;
}

int dataplane_sa_remove(struct dataplane *dp, uint32_t spi_in)
{
	struct dp_tunnel *t = NULL, *retired = NULL;

	pthread_rwlock_wrlock(&dp->lock);
	for (size_t i = 0; i < dp->n_tunnels && !t; i++)
		if (esp_sa_spi(dp->tunnels[i]->in) == spi_in)
			t = take_tunnel(dp, i);
	/* client: the current pair gone means reconnecting; nothing old may send or
	 * linger (the table held at most this one and one retired) */
	if (t && dp->cfg.mode == DATAPLANE_MODE_CLIENT && !t->retired && dp->n_tunnels)
		retired = take_tunnel(dp, 0);
	if (t)
		rebuild_maps(dp);
	pthread_rwlock_unlock(&dp->lock);
	if (!t)
		return -ENOENT;
	log_debug("esp %08x: removed", spi_in);
	tunnel_free(t);
	tunnel_free(retired);
	return 0;
}

void dataplane_queue_drop(struct dataplane *dp)
{
	if (!dp->running) {
		dataplane_tx_queue_clear(dp, DATAPLANE_DROP_QUEUE_FLUSHED);
		return;
	}
	atomic_store(&dp->queue_drop_req, true);
	wake(dp->tx_wake);
}

int dataplane_sa_get_stats(struct dataplane *dp, uint32_t spi_in, struct dataplane_sa_stats *ret)
{
	struct dp_tunnel *t;

	pthread_rwlock_rdlock(&dp->lock);
	t = dataplane_tunnel_by_spi(dp, spi_in);
	if (!t) {
		pthread_rwlock_unlock(&dp->lock);
		return -ENOENT;
	}
	ret->spi_in = esp_sa_spi(t->in);
	ret->spi_out = esp_sa_spi(t->out);
	esp_sa_get_counters(t->in, &ret->in);
	esp_sa_get_counters(t->out, &ret->out);
	ret->lifetime_in = esp_sa_lifetime_state(t->in);
	ret->lifetime_out = esp_sa_lifetime_state(t->out);
	ret->last_rx = dp_get(&t->last_rx);
	pthread_mutex_lock(&t->peer_lock);
	ret->peer = t->peer;
	ret->peer_len = t->peer_len;
	pthread_mutex_unlock(&t->peer_lock);
	pthread_rwlock_unlock(&dp->lock);
	return 0;
}

static uint64_t sum3(const struct dataplane *dp, size_t off)
{
	return dp_get((const uint64_t *)((const char *)&dp->rx + off)) +
	       dp_get((const uint64_t *)((const char *)&dp->tx + off)) +
	       dp_get((const uint64_t *)((const char *)&dp->main + off));
}

#define SUM(field) sum3(dp, offsetof(struct dp_counters, field))

void dataplane_get_stats(struct dataplane *dp, struct dataplane_stats *ret)
{
	ret->tun_rx_packets = SUM(tun_rx_packets);
	ret->tun_rx_bytes = SUM(tun_rx_bytes);
	ret->tun_tx_packets = SUM(tun_tx_packets);
	ret->tun_tx_bytes = SUM(tun_tx_bytes);
	ret->esp_tx_packets = SUM(esp_tx_packets);
	ret->esp_rx_packets = SUM(esp_rx_packets);
	ret->udp_rx_packets = SUM(udp_rx_packets);
	ret->ike_rx_packets = SUM(ike_rx_packets);
	ret->ike_tx_packets = SUM(ike_tx_packets);
	ret->keepalive_rx = SUM(keepalive_rx);
	ret->keepalive_tx = SUM(keepalive_tx);
	ret->queued = SUM(queued);
	for (unsigned int d = 0; d < _DATAPLANE_DROP_MAX; d++)
		ret->drops[d] = SUM(drops[d]);
	ret->last_rx = dp_get(&dp->rx.last_rx);
}
