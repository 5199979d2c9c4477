/*
 * dataplane_internal.h - what dataplane.c, dataplane_rx.c and dataplane_tx.c share.
 *
 * Locking: `lock` (an rwlock that prefers writers) guards the tunnel table, the
 * lookup tables and the socket table. The data threads hold it for reading while
 * they process a batch (never while they sleep in poll); the main thread takes it
 * for writing to change SAs or sockets, so once it returns no data thread can
 * still be using what it removed. A tunnel's peer address is also written by the
 * RX thread (NAT rebinding), hence its own small mutex.
 *
 * Counters have one writer each (RX thread, TX thread or main thread) and are
 * stored with relaxed atomics, so readers need no lock.
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>

#include "platform/linux/dataplane.h"

#define DP_BATCH    32 /* datagrams per recvmmsg/sendmmsg, packets per TUN burst */
#define DP_BUF_SIZE (65536 + ESP_HEADROOM_MAX + ESP_TRAILER_MAX)
#define DP_VNET_MAX 16 /* a virtio_net_hdr fits in the ESP header we strip */

struct dp_tunnel {
	struct esp_sa *in, *out;
	unsigned int sock;
	pthread_mutex_t peer_lock; /* peer, peer_len: TX reads, RX writes (gateway) */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	bool has_inner4, has_inner6;
	struct in_addr inner4;
	struct in6_addr inner6;
	uint64_t last_rx; /* usec_t, RX writes, relaxed atomic */
	bool retired;	  /* client: a newer pair sends; this one only receives */
};

/* Open addressing, u32 key -> tunnel index; rebuilt whenever the table changes. */
struct dp_map {
	uint32_t *keys; /* 0 = empty slot (SPI 0 and address 0.0.0.0 never occur) */
	uint32_t *vals;
	size_t cap; /* power of two, > 2 * entries */
};

struct dp_sock {
	int fd; /* -1: unused */
	enum dataplane_sock_kind kind;
	struct sockaddr_storage local; /* getsockname */
	socklen_t local_len;
};

struct dp_counters {
	uint64_t tun_rx_packets, tun_rx_bytes, tun_tx_packets, tun_tx_bytes;
	uint64_t esp_tx_packets, esp_rx_packets, udp_rx_packets;
	uint64_t ike_rx_packets, ike_tx_packets, keepalive_rx, keepalive_tx;
	uint64_t queued;
	uint64_t drops[_DATAPLANE_DROP_MAX];
	uint64_t last_rx;
};

struct dp_qpkt {
	size_t len;
	uint8_t data[];
};

struct dataplane {
	struct dataplane_config cfg;
	/* TUN opened with IFF_VNET_HDR: bytes of virtio_net_hdr before each packet, and
	 * TSO enabled (dataplane_gso.h); 0 for a plain TUN */
	size_t vnet_len;
	pthread_rwlock_t lock;
	struct dp_tunnel **tunnels;
	size_t n_tunnels, cap_tunnels;
	struct dp_map by_spi, by_inner4;
	struct dp_sock socks[DATAPLANE_SOCK_MAX];
	atomic_uint sock_gen; /* bumped on each socket change, RX rebuilds its poll set */

	pthread_t rx_thread, tx_thread;
	bool running;
	atomic_bool stop;
	int rx_wake, tx_wake;	    /* eventfds */
	atomic_bool queue_drop_req; /* main -> TX */
	uint64_t last_tx;	    /* usec_t of the last datagram sent to the peer, any thread */

	/* IKE towards the main thread */
	pthread_mutex_t ike_lock;
	struct dataplane_ike_packet *ike_q[DATAPLANE_IKE_QUEUE_MAX];
	size_t ike_head, ike_n;
	int ike_efd;

	/* client: TUN packets waiting for an SA, TX thread only */
	struct dp_qpkt *queue[DATAPLANE_QUEUE_PACKETS];
	size_t q_head, q_n, q_bytes;

	struct dp_counters rx, tx, main; /* one writer each */
};

static inline void dp_count(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}

static inline void dp_drop(struct dp_counters *c, enum dataplane_drop d)
{
	dp_count(&c->drops[d], 1);
}

static inline void dp_set(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, v, __ATOMIC_RELAXED);
}

static inline uint64_t dp_get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* Lookups, under the read lock. */
struct dp_tunnel *dataplane_tunnel_by_spi(struct dataplane *dp, uint32_t spi);
/* The pair that seals a packet for ip[0..n); the client's ignores ip. */
struct dp_tunnel *dataplane_tunnel_by_dst(struct dataplane *dp, const uint8_t *ip, size_t n);

/* RX side hands IKE to the main thread. */
void dataplane_ike_push(struct dataplane *dp, unsigned int sock, bool marker,
			const struct sockaddr_storage *from, socklen_t from_len,
			const struct sockaddr_storage *local, socklen_t local_len, const uint8_t *p,
			size_t n);

/* Sends one datagram, waiting briefly when the socket buffer is full. */
int dataplane_send_one(int fd, const struct sockaddr_storage *to, socklen_t to_len,
		       const struct iovec *iov, size_t iovcnt);

void *dataplane_rx_thread(void *arg);
void *dataplane_tx_thread(void *arg);
/* TX thread: drops every queued packet with the given reason. */
void dataplane_tx_queue_clear(struct dataplane *dp, enum dataplane_drop why);
