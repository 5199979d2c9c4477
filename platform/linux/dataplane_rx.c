/*
 * dataplane_rx.c - the receive thread: UDP -> (IKE | keepalive | ESP) -> TUN.
 *
 * Datagrams come in batches of DP_BATCH per recvmmsg(2). Each is classified as
 * PROTOCOL.md §2 says (plain IKE on 500, RFC 3948 demultiplexing on 4500), ESP is
 * opened in place and the inner packet written to TUN. Only authentic packets
 * refresh the liveness time (DPD) and, on a gateway, move the SA to the address
 * they came from (NAT rebinding, RFC 7296 §2.23 / RFC 3948 §2).
 */
#define _GNU_SOURCE /* recvmmsg, sendmmsg, IP_PKTINFO, pthread_setname_np */
#define LOG_MODULE  "dataplane"
#include "platform/linux/dataplane_internal.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "platform/linux/dataplane_gro.h"

#define IKE_PORT	500
#define CMSG_LEN_MAX	CMSG_SPACE(sizeof(struct in6_pktinfo))
#define BURSTS_PER_LOCK 8 /* let a waiting SA install in between */

struct rx_state {
	struct pollfd pfd[1 + DATAPLANE_SOCK_MAX];
	unsigned int sock_of[1 + DATAPLANE_SOCK_MAX];
	nfds_t npfd;
	unsigned int gen;
	usec_t now;
	struct mmsghdr msgs[DP_BATCH];
	struct iovec iov[DP_BATCH];
	struct sockaddr_storage from[DP_BATCH];
	uint8_t cmsg[DP_BATCH][CMSG_LEN_MAX];
	uint8_t *bufs;
	struct dataplane_gro gro; /* vnet TUN: segments joined per batch */
	uint8_t *gro_buf;
};

static uint16_t sockaddr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

/* The socket's own address, with the destination address of this datagram. */
static socklen_t local_addr(const struct dp_sock *s, struct msghdr *mh,
			    struct sockaddr_storage *ret)
{
	*ret = s->local;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    ret->ss_family == AF_INET) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in *)ret)->sin_addr = pi.ipi_addr;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
			   ret->ss_family == AF_INET6) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in6 *)ret)->sin6_addr = pi.ipi6_addr;
		}
	}
	return s->local_len;
}

static void push_ike(struct dataplane *dp, struct rx_state *st, unsigned int sock, size_t i,
		     bool marker, const uint8_t *p, size_t n)
{
	struct sockaddr_storage local;
	socklen_t local_len = local_addr(&dp->socks[sock], &st->msgs[i].msg_hdr, &local);

	dataplane_ike_push(dp, sock, marker, &st->from[i], st->msgs[i].msg_hdr.msg_namelen, &local,
			   local_len, p, n);
}

/* Gateway: the latest authentic packet tells where the client is now. */
static void learn_peer(struct dp_tunnel *t, unsigned int sock, const struct sockaddr_storage *from,
		       socklen_t from_len)
{
	pthread_mutex_lock(&t->peer_lock);
	if (t->peer_len != from_len || memcmp(&t->peer, from, from_len) != 0 || t->sock != sock) {
		memcpy(&t->peer, from, from_len);
		t->peer_len = from_len;
		t->sock = sock;
		pthread_mutex_unlock(&t->peer_lock);
		log_debug("esp %08x: peer moved (port %u)", esp_sa_spi(t->in), sockaddr_port(from));
		return;
	}
	pthread_mutex_unlock(&t->peer_lock);
}

static enum dataplane_drop drop_reason(int r)
{
	switch (r) {
	case -EACCES:
		return DATAPLANE_DROP_AUTH;
	case -EALREADY:
		return DATAPLANE_DROP_REPLAY;
	case -EPROTO:
		return DATAPLANE_DROP_ESP_PROTO;
	default:
		return DATAPLANE_DROP_MALFORMED;
	}
}

/* p is inside the datagram buffer, after the ESP header: room for a vnet header. */
static void write_tun(struct dataplane *dp, uint8_t *p, size_t n)
{
	if (dp->vnet_len) {
		/* no offload asked of the kernel: a complete, ordinary packet */
		p -= dp->vnet_len;
		memset(p, 0, dp->vnet_len);
	}
	if (write(dp->cfg.tun_fd, p, n + dp->vnet_len) < 0) {
		dp_drop(&dp->rx, DATAPLANE_DROP_TUN_WRITE);
		log_debug_ratelimited("tun write: %s", err_str(-errno));
		return;
	}
	dp_count(&dp->rx.tun_tx_packets, 1);
	dp_count(&dp->rx.tun_tx_bytes, n);
}

/* Writes the train of joined segments, if any. */
static void gro_flush(struct dataplane *dp, struct rx_state *st)
{
	unsigned int segments = st->gro.segments;
	size_t n = dataplane_gro_finish(&st->gro);

	if (!n)
		return;
	if (write(dp->cfg.tun_fd, st->gro_buf, n) < 0) {
		dp_count(&dp->rx.drops[DATAPLANE_DROP_TUN_WRITE], segments);
		log_debug_ratelimited("tun write: %s", err_str(-errno));
		return;
	}
	dp_count(&dp->rx.tun_tx_packets, segments);
	dp_count(&dp->rx.tun_tx_bytes, n - dp->vnet_len);
}

/* An opened inner packet goes to TUN, joined with its neighbours when it can be. */
static void deliver(struct dataplane *dp, struct rx_state *st, uint8_t *p, size_t n)
{
	if (!dp->vnet_len) {
		write_tun(dp, p, n);
		return;
	}
	if (dataplane_gro_add(&st->gro, p, n))
		return;
	gro_flush(dp, st); /* in order: the train first, then this one */
	if (!dataplane_gro_add(&st->gro, p, n))
		write_tun(dp, p, n);
}

static void handle_esp(struct dataplane *dp, struct rx_state *st, unsigned int sock, size_t i,
		       uint32_t spi, uint8_t *p, size_t n)
{
	struct dp_tunnel *t = dataplane_tunnel_by_spi(dp, spi);
	size_t off, len;
	uint8_t nh;
	int r;

	if (!t) {
		dp_drop(&dp->rx, DATAPLANE_DROP_NO_SA);
		log_debug_ratelimited("esp %08x: no such SA", spi);
		return;
	}
	r = esp_open(t->in, p, n, &off, &len, &nh);
	if (r < 0 && r != -ENODATA) {
		dp_drop(&dp->rx, drop_reason(r));
		log_debug_ratelimited("esp %08x: dropped: %s", spi, err_str(r));
		return;
	}
	/* authentic (a dummy packet too): proof of life for DPD, PROTOCOL.md §11 */
	dp_set(&t->last_rx, st->now);
	dp_set(&dp->rx.last_rx, st->now);
	dp_count(&dp->rx.esp_rx_packets, 1);
	if (dp->cfg.mode == DATAPLANE_MODE_GATEWAY)
		learn_peer(t, sock, &st->from[i], st->msgs[i].msg_hdr.msg_namelen);
	if (r == 0)
		deliver(dp, st, p + off, len);
}

static void handle_datagram(struct dataplane *dp, struct rx_state *st, unsigned int sock, size_t i)
{
	uint8_t *p = st->bufs + i * DP_BUF_SIZE;
	size_t n = st->msgs[i].msg_len, off = 0;
	enum dataplane_sock_kind kind = dp->socks[sock].kind;
	uint32_t spi = 0;

	dp_count(&dp->rx.udp_rx_packets, 1);
	if (kind == DATAPLANE_SOCK_IKE ||
	    (kind == DATAPLANE_SOCK_CLIENT && sockaddr_port(&st->from[i]) == IKE_PORT)) {
		push_ike(dp, st, sock, i, false, p, n);
		return;
	}
	switch (esp_demux(p, n, &off, &spi)) {
	case ESP_DEMUX_IKE:
		push_ike(dp, st, sock, i, true, p + off, n - off);
		break;
	case ESP_DEMUX_KEEPALIVE:
		dp_count(&dp->rx.keepalive_rx, 1); /* RFC 3948 §2.3: never answered */
		break;
	case ESP_DEMUX_ESP:
		handle_esp(dp, st, sock, i, spi, p, n);
		break;
	case ESP_DEMUX_INVALID:
	case _ESP_DEMUX_KIND_MAX:
		dp_drop(&dp->rx, DATAPLANE_DROP_MALFORMED);
		log_debug_ratelimited("malformed datagram of %zu bytes", n);
		break;
	}
}

static void prepare_msgs(struct rx_state *st)
{
	for (size_t i = 0; i < DP_BATCH; i++) {
		struct msghdr *mh = &st->msgs[i].msg_hdr;

		st->iov[i].iov_base = st->bufs + i * DP_BUF_SIZE;
		st->iov[i].iov_len = DP_BUF_SIZE;
		mh->msg_name = &st->from[i];
		mh->msg_namelen = sizeof(st->from[i]);
		mh->msg_iov = &st->iov[i];
		mh->msg_iovlen = 1;
		mh->msg_control = st->cmsg[i];
		mh->msg_controllen = CMSG_LEN_MAX;
		mh->msg_flags = 0;
	}
}

/* Drains one socket, a bounded number of batches. */
static void receive(struct dataplane *dp, struct rx_state *st, unsigned int sock)
{
	for (int burst = 0; burst < BURSTS_PER_LOCK; burst++) {
		int n;

		prepare_msgs(st);
		n = recvmmsg(dp->socks[sock].fd, st->msgs, DP_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_debug_ratelimited("recvmmsg: %s", err_str(-errno));
			return;
		}
		for (int i = 0; i < n; i++)
			handle_datagram(dp, st, sock, (size_t)i);
		gro_flush(dp, st); /* never hold a segment past its batch */
		if (n < DP_BATCH)
			return;
	}
}

/* Under the read lock: the poll set follows the socket table. */
static void rebuild_pollset(struct dataplane *dp, struct rx_state *st)
{
	st->gen = atomic_load(&dp->sock_gen);
	st->pfd[0] = (struct pollfd){.fd = dp->rx_wake, .events = POLLIN};
	st->npfd = 1;
	for (unsigned int s = 0; s < DATAPLANE_SOCK_MAX; s++) {
		if (dp->socks[s].fd < 0)
			continue;
		st->pfd[st->npfd] = (struct pollfd){.fd = dp->socks[s].fd, .events = POLLIN};
		st->sock_of[st->npfd++] = s;
	}
}

static void rx_round(struct dataplane *dp, struct rx_state *st)
{
	pthread_rwlock_rdlock(&dp->lock);
	if (st->gen != atomic_load(&dp->sock_gen)) {
		/* a socket changed: never touch the old fds again, poll the new ones */
		rebuild_pollset(dp, st);
		pthread_rwlock_unlock(&dp->lock);
		return;
	}
	st->now = clock_boottime_now();
	for (nfds_t i = 1; i < st->npfd; i++)
		if (st->pfd[i].revents & (POLLIN | POLLERR))
			receive(dp, st, st->sock_of[i]);
	pthread_rwlock_unlock(&dp->lock);
}

void *dataplane_rx_thread(void *arg)
{
	struct dataplane *dp = arg;
	struct rx_state *st = xcalloc(1, sizeof(*st));
	uint64_t v;

	st->bufs = xmalloc((size_t)DP_BATCH * DP_BUF_SIZE);
	if (dp->vnet_len) {
		st->gro_buf = xmalloc(DATAPLANE_GRO_MAX + dp->vnet_len);
		dataplane_gro_init(&st->gro, st->gro_buf, dp->vnet_len);
	}
	pthread_rwlock_rdlock(&dp->lock);
	rebuild_pollset(dp, st);
	pthread_rwlock_unlock(&dp->lock);
	while (!atomic_load(&dp->stop)) {
		if (poll(st->pfd, st->npfd, -1) < 0) {
			if (errno != EINTR)
				log_warning_ratelimited("poll: %s", err_str(-errno));
			continue;
		}
		if (st->pfd[0].revents & POLLIN)
			(void)!read(dp->rx_wake, &v, sizeof(v));
		if (atomic_load(&dp->stop))
			break;
		rx_round(dp, st);
	}
	free(st->bufs);
	free(st->gro_buf);
	free(st);
	return NULL;
}
