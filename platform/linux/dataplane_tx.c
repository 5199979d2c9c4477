/*
 * dataplane_tx.c - the transmit thread: TUN -> ESP -> UDP, plus the client's queue
 * and NAT keepalives.
 *
 * TUN is drained in bursts of up to DP_BATCH packets, each read into a buffer at
 * ESP_HEADROOM_MAX so esp_seal() can build the ESP header in front of it without a
 * copy; the burst leaves in one sendmmsg(2) per socket.
 *
 * Timers (CLOCK_BOOTTIME):
 * - NAT keepalive, client only: one FF octet to the gateway's 4500 once nothing was
 *   sent to it for cfg.keepalive_interval (PROTOCOL.md §2, RFC 3948 §2.3).
 *
 * Client without an SA ("reconnecting", PROTOCOL.md §4.2): TUN packets are kept, at
 * most DATAPLANE_QUEUE_PACKETS / DATAPLANE_QUEUE_BYTES, and sealed with the next SA
 * installed; never sent in clear. The rest is dropped and counted.
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
#include "platform/linux/dataplane_gso.h"

#define TUN_ERROR_PAUSE_MS 10

struct tx_state {
	uint8_t *bufs;	       /* DP_BATCH buffers of DP_BUF_SIZE */
	uint8_t *scratch;      /* vnet TUN: one read, up to a 64 KiB TSO packet */
	size_t lens[DP_BATCH]; /* inner packet lengths, at ESP_HEADROOM_MAX */
	size_t n_in;
	/* the outgoing batch */
	struct mmsghdr msgs[DP_BATCH];
	struct iovec iov[DP_BATCH];
	struct sockaddr_storage to[DP_BATCH];
	int fds[DP_BATCH];
	size_t n_out;
};

static uint8_t *inner_at(struct tx_state *st, size_t i)
{
	return st->bufs + i * DP_BUF_SIZE + ESP_HEADROOM_MAX;
}

/* ---- the reconnect queue (TX thread only, or after the threads stopped) ---- */

void dataplane_tx_queue_clear(struct dataplane *dp, enum dataplane_drop why)
{
	while (dp->q_n) {
		free(dp->queue[dp->q_head]);
		dp->q_head = (dp->q_head + 1) % DATAPLANE_QUEUE_PACKETS;
		dp->q_n--;
		dp_drop(&dp->tx, why);
	}
	dp->q_bytes = 0;
	dp_set(&dp->tx.queued, 0);
}

static void queue_push(struct dataplane *dp, const uint8_t *p, size_t n)
{
	struct dp_qpkt *q;

	if (dp->q_n == DATAPLANE_QUEUE_PACKETS || dp->q_bytes + n > DATAPLANE_QUEUE_BYTES) {
		dp_drop(&dp->tx, DATAPLANE_DROP_QUEUE_FULL);
		return;
	}
	q = xmalloc(sizeof(*q) + n);
	q->len = n;
	memcpy(q->data, p, n);
	dp->queue[(dp->q_head + dp->q_n) % DATAPLANE_QUEUE_PACKETS] = q;
	dp->q_n++;
	dp->q_bytes += n;
	dp_set(&dp->tx.queued, dp->q_n);
}

/* ---- sending ---- */

/* Sends msgs[from, to) on one fd; waits briefly for buffer space, drops on errors. */
static void send_run(struct dataplane *dp, struct tx_state *st, size_t from, size_t to)
{
	int fd = st->fds[from];
	bool waited = false;

	while (from < to) {
		int n = sendmmsg(fd, st->msgs + from, (unsigned int)(to - from), MSG_DONTWAIT);

		if (n > 0) {
			dp_count(&dp->tx.esp_tx_packets, (uint64_t)n);
			from += (size_t)n;
			waited = false;
			continue;
		}
		if ((errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) && !waited) {
			struct pollfd pfd = {.fd = fd, .events = POLLOUT};

			(void)poll(&pfd, 1, 50);
			waited = true;
			continue;
		}
		log_debug_ratelimited("sendmmsg: %s", err_str(-errno));
		dp_drop(&dp->tx, DATAPLANE_DROP_SEND);
		from++;
		waited = false;
	}
}

static void flush_out(struct dataplane *dp, struct tx_state *st)
{
	size_t start = 0;

	for (size_t i = 1; i <= st->n_out; i++) {
		if (i == st->n_out || st->fds[i] != st->fds[start]) {
			send_run(dp, st, start, i);
			start = i;
		}
	}
	if (st->n_out)
		dp_set(&dp->last_tx, clock_boottime_now());
	st->n_out = 0;
}

/* Copies the tunnel's peer into slot k; false when it is not known yet. */
static bool peer_of(struct dataplane *dp, struct dp_tunnel *t, struct sockaddr_storage *to,
		    socklen_t *to_len, int *fd)
{
	pthread_mutex_lock(&t->peer_lock);
	*to = t->peer;
	*to_len = t->peer_len;
	*fd = t->sock < DATAPLANE_SOCK_MAX ? dp->socks[t->sock].fd : -1;
	pthread_mutex_unlock(&t->peer_lock);
	return *to_len && *fd >= 0;
}

static uint8_t next_header_of(const uint8_t *p, size_t n)
{
	if (n >= 20 && p[0] >> 4 == 4)
		return ESP_NH_IPV4;
	if (n >= 40 && p[0] >> 4 == 6)
		return ESP_NH_IPV6;
	return 0;
}

static enum dataplane_drop seal_drop_reason(int r)
{
	return r == -EKEYEXPIRED ? DATAPLANE_DROP_EXPIRED : DATAPLANE_DROP_TOO_BIG;
}

/* Seals buffer i for its tunnel and adds it to the outgoing batch. Under the read lock. */
static void seal_one(struct dataplane *dp, struct tx_state *st, size_t i)
{
	uint8_t *inner = inner_at(st, i), nh = next_header_of(inner, st->lens[i]);
	struct dp_tunnel *t;
	size_t k = st->n_out, hdr, len;
	socklen_t to_len;
	uint8_t *out;
	int r;

	if (!nh) {
		dp_drop(&dp->tx, DATAPLANE_DROP_NOT_IP);
		return;
	}
	t = dataplane_tunnel_by_dst(dp, inner, st->lens[i]);
	if (!t) {
		if (dp->cfg.mode == DATAPLANE_MODE_CLIENT)
			queue_push(dp, inner, st->lens[i]); /* reconnecting: never in clear */
		else
			dp_drop(&dp->tx, DATAPLANE_DROP_NO_ROUTE);
		return;
	}
	if (!peer_of(dp, t, &st->to[k], &to_len, &st->fds[k])) {
		dp_drop(&dp->tx, DATAPLANE_DROP_NO_PEER);
		return;
	}
	hdr = esp_sa_header_len(t->out);
	out = inner - hdr;
	r = esp_seal(t->out, nh, inner, st->lens[i], out, DP_BUF_SIZE - (ESP_HEADROOM_MAX - hdr),
		     &len);
	if (r < 0) {
		dp_drop(&dp->tx, seal_drop_reason(r));
		log_debug_ratelimited("esp %08x: not sealed: %s", esp_sa_spi(t->out), err_str(r));
		return;
	}
	st->iov[k] = (struct iovec){.iov_base = out, .iov_len = len};
	st->msgs[k].msg_hdr = (struct msghdr){.msg_name = &st->to[k],
					      .msg_namelen = to_len,
					      .msg_iov = &st->iov[k],
					      .msg_iovlen = 1};
	st->n_out++;
}

static void seal_and_send(struct dataplane *dp, struct tx_state *st)
{
	pthread_rwlock_rdlock(&dp->lock);
	for (size_t i = 0; i < st->n_in; i++)
		seal_one(dp, st, i);
	flush_out(dp, st);
	pthread_rwlock_unlock(&dp->lock);
	st->n_in = 0;
}

/* Client: an SA is back, send what waited for it, oldest first. */
static void flush_queue(struct dataplane *dp, struct tx_state *st)
{
	bool have_sa;

	pthread_rwlock_rdlock(&dp->lock);
	have_sa = dataplane_tunnel_by_dst(dp, NULL, 0) != NULL;
	pthread_rwlock_unlock(&dp->lock);
	if (!have_sa)
		return;
	while (dp->q_n) {
		while (dp->q_n && st->n_in < DP_BATCH) {
			struct dp_qpkt *q = dp->queue[dp->q_head];

			memcpy(inner_at(st, st->n_in), q->data, q->len);
			st->lens[st->n_in++] = q->len;
			dp->q_head = (dp->q_head + 1) % DATAPLANE_QUEUE_PACKETS;
			dp->q_n--;
			dp->q_bytes -= q->len;
			free(q);
		}
		dp_set(&dp->tx.queued, dp->q_n);
		seal_and_send(dp, st);
	}
}

/* ---- TUN ---- */

static void read_tun_burst(struct dataplane *dp, struct tx_state *st)
{
	const size_t cap = DP_BUF_SIZE - ESP_HEADROOM_MAX - ESP_TRAILER_MAX;

	while (st->n_in < DP_BATCH) {
		ssize_t n = read(dp->cfg.tun_fd, inner_at(st, st->n_in), cap);

		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				log_warning_ratelimited("tun read: %s", err_str(-errno));
				/* a dead device must not spin this thread */
				(void)poll(NULL, 0, TUN_ERROR_PAUSE_MS);
			}
			return;
		}
		dp_count(&dp->tx.tun_rx_packets, 1);
		dp_count(&dp->tx.tun_rx_bytes, (uint64_t)n);
		st->lens[st->n_in++] = (size_t)n;
	}
}

/* Takes one packet read from a vnet TUN into scratch: finished or cut into segments. */
static void take_vnet(struct dataplane *dp, struct tx_state *st, size_t n)
{
	const size_t cap = DP_BUF_SIZE - ESP_HEADROOM_MAX - ESP_TRAILER_MAX;
	uint8_t *pkt = st->scratch + dp->vnet_len;
	size_t len = n - dp->vnet_len, seg_len;
	struct dataplane_gso g;

	if (n < dp->vnet_len || dataplane_gso_parse(st->scratch, pkt, len, &g) < 0 ||
	    dataplane_gso_finish_csum(&g, pkt, len) < 0) {
		dp_drop(&dp->tx, DATAPLANE_DROP_NOT_IP);
		return;
	}
	if (!g.tso) {
		if (len > cap) {
			dp_drop(&dp->tx, DATAPLANE_DROP_TOO_BIG);
			return;
		}
		memcpy(inner_at(st, st->n_in), pkt, len);
		st->lens[st->n_in++] = len;
		return;
	}
	for (unsigned int k = 0; k < g.segments; k++) {
		if (st->n_in == DP_BATCH)
			seal_and_send(dp, st);
		if (dataplane_gso_segment(&g, pkt, len, k, inner_at(st, st->n_in), cap, &seg_len) <
		    0) {
			dp_drop(&dp->tx, DATAPLANE_DROP_NOT_IP);
			continue;
		}
		st->lens[st->n_in++] = seg_len;
	}
}

static void read_tun_vnet(struct dataplane *dp, struct tx_state *st)
{
	while (st->n_in < DP_BATCH) {
		ssize_t n = read(dp->cfg.tun_fd, st->scratch, DP_BUF_SIZE);

		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				log_warning_ratelimited("tun read: %s", err_str(-errno));
				(void)poll(NULL, 0, TUN_ERROR_PAUSE_MS);
			}
			return;
		}
		dp_count(&dp->tx.tun_rx_packets, 1);
		dp_count(&dp->tx.tun_rx_bytes, (uint64_t)n);
		take_vnet(dp, st, (size_t)n);
	}
}

/* ---- keepalive ---- */

/* Milliseconds to the next keepalive, -1 for none; sends one when it is due. */
static int keepalive(struct dataplane *dp)
{
	static const uint8_t ff = 0xFF; /* RFC 3948 §2.3 */
	struct iovec iov = {(void *)&ff, 1};
	struct sockaddr_storage to;
	socklen_t to_len = 0;
	struct dp_tunnel *t;
	usec_t now, due;
	int fd = -1, timeout = -1;

	if (dp->cfg.mode != DATAPLANE_MODE_CLIENT || !dp->cfg.keepalive_interval)
		return -1;
	pthread_rwlock_rdlock(&dp->lock);
	t = dataplane_tunnel_by_dst(dp, NULL, 0);
	if (t && peer_of(dp, t, &to, &to_len, &fd)) {
		now = clock_boottime_now();
		due = dp_get(&dp->last_tx) + dp->cfg.keepalive_interval;
		if (now >= due) {
			if (dataplane_send_one(fd, &to, to_len, &iov, 1) == 0)
				dp_count(&dp->tx.keepalive_tx, 1);
			dp_set(&dp->last_tx, now);
			due = now + dp->cfg.keepalive_interval;
		}
		timeout = (int)((due - now + USEC_PER_MSEC - 1) / USEC_PER_MSEC);
	}
	pthread_rwlock_unlock(&dp->lock);
	return timeout;
}

/* ---- the loop ---- */

static void handle_wake(struct dataplane *dp, struct tx_state *st)
{
	uint64_t v;

	(void)!read(dp->tx_wake, &v, sizeof(v));
	if (atomic_exchange(&dp->queue_drop_req, false))
		dataplane_tx_queue_clear(dp, DATAPLANE_DROP_QUEUE_FLUSHED);
	if (dp->q_n)
		flush_queue(dp, st);
}

void *dataplane_tx_thread(void *arg)
{
	struct dataplane *dp = arg;
	struct tx_state *st = xcalloc(1, sizeof(*st));
	struct pollfd pfd[2] = {{.fd = dp->cfg.tun_fd, .events = POLLIN},
				{.fd = dp->tx_wake, .events = POLLIN}};

	st->bufs = xmalloc((size_t)DP_BATCH * DP_BUF_SIZE);
	st->scratch = dp->vnet_len ? xmalloc(DP_BUF_SIZE) : NULL;
	while (!atomic_load(&dp->stop)) {
		if (poll(pfd, 2, keepalive(dp)) < 0) {
			if (errno != EINTR)
				log_warning_ratelimited("poll: %s", err_str(-errno));
			continue;
		}
		if (atomic_load(&dp->stop))
			break;
		if (pfd[1].revents & POLLIN)
			handle_wake(dp, st);
		if (pfd[0].revents & (POLLIN | POLLERR)) {
			if (dp->q_n) /* an SA came back: the old packets go first */
				flush_queue(dp, st);
			if (dp->vnet_len)
				read_tun_vnet(dp, st);
			else
				read_tun_burst(dp, st);
			seal_and_send(dp, st);
		}
	}
	free(st->bufs);
	free(st->scratch);
	free(st);
	return NULL;
}
