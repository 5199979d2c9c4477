/*
 * dataplane.h - the userspace ESP-in-UDP data plane over a TUN device: two threads
 * (TUN -> ESP -> UDP, and UDP -> ESP -> TUN) with batched socket I/O, used by anyroamd
 * (one tunnel, DATAPLANE_MODE_CLIENT) and anyroam-gw (many, DATAPLANE_MODE_GATEWAY).
 *
 * The caller owns every fd: the TUN fd (IFF_TUN | IFF_NO_PI; it is switched to
 * O_NONBLOCK) and the UDP sockets. A TUN fd opened with IFF_VNET_HDR as well is
 * detected and gets TSO/checksum offload (TUNSETOFFLOAD): the kernel hands over 64 KiB
 * TCP bursts, cut up in dataplane_gso.c, and in-order TCP segments received in one
 * batch are written back joined (dataplane_gro.c): ~3x the TCP throughput here. The data plane
 * reads the sockets, so IKE that arrives on them is queued for the main thread, which watches
 * dataplane_ike_fd() and pops with dataplane_ike_pop(). Everything below is called from the main
 * thread (one thread at a time) while the data threads run; SA changes take a write lock for a few
 * microseconds and never touch the TUN device, so a reconnect just installs the new pair.
 *
 * Wire rules, PROTOCOL.md §2: ESP always in UDP (RFC 3948), UDP checksum 0 on IPv4
 * (set with SO_NO_CHECK on every socket given; ignored on receipt), 4-byte non-ESP
 * marker before IKE on 4500, 1-byte FF keepalives after 20 s of silence (client).
 * The sockets also get IP_PKTINFO and 4 MiB buffers (dataplane_socket_set()).
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/clock.h"
#include "core/err.h"
#include "esp/esp.h"

#define DATAPLANE_SOCK_MAX	    4
#define DATAPLANE_QUEUE_PACKETS	    256 /* reconnecting: what is kept for the new SA */
#define DATAPLANE_QUEUE_BYTES	    (1024 * 1024)
#define DATAPLANE_IKE_QUEUE_MAX	    256 /* IKE datagrams waiting for the main thread */
#define DATAPLANE_KEEPALIVE_DEFAULT (20 * USEC_PER_SEC) /* PROTOCOL.md §2 */

enum dataplane_mode {
	DATAPLANE_MODE_CLIENT,	/* one peer; TUN packets are queued while no SA pair is installed */
	DATAPLANE_MODE_GATEWAY, /* many; outbound SA chosen by the inner destination */
	_DATAPLANE_MODE_MAX,
};

/* How datagrams on a socket are framed. */
enum dataplane_sock_kind {
	DATAPLANE_SOCK_IKE,  /* the gateway's port 500: plain IKE, no marker */
	DATAPLANE_SOCK_NATT, /* the gateway's port 4500: RFC 3948 demultiplexing */
	/* the client's one ephemeral socket: RFC 3948 from the peer's 4500, plain IKE from
	 * its 500 (IKE_SA_INIT goes to 500, everything after to 4500, PROTOCOL.md §2) */
	DATAPLANE_SOCK_CLIENT,
	_DATAPLANE_SOCK_KIND_MAX,
};

/* Why a packet was dropped; counted per reason (X-macro names in dataplane.c). */
enum dataplane_drop {
	DATAPLANE_DROP_MALFORMED,      /* too short, reserved SPI, not ESP (RFC 4303 §2.1) */
	DATAPLANE_DROP_NO_SA,	       /* unknown inbound SPI */
	DATAPLANE_DROP_AUTH,	       /* ICV mismatch */
	DATAPLANE_DROP_REPLAY,	       /* RFC 4303 §3.4.3 */
	DATAPLANE_DROP_ESP_PROTO,      /* authentic, but padding / next header / inner broken */
	DATAPLANE_DROP_NOT_IP,	       /* TUN handed us something not IPv4/IPv6 */
	DATAPLANE_DROP_NO_ROUTE,       /* gateway: no SA for the inner destination */
	DATAPLANE_DROP_NO_PEER,	       /* gateway: SA whose peer address is not known yet */
	DATAPLANE_DROP_QUEUE_FULL,     /* client reconnecting, queue at its bound */
	DATAPLANE_DROP_QUEUE_FLUSHED,  /* dropped by dataplane_queue_drop() */
	DATAPLANE_DROP_EXPIRED,	       /* outbound SA at its hard lifetime or sequence end */
	DATAPLANE_DROP_TOO_BIG,	       /* sealed packet larger than a buffer */
	DATAPLANE_DROP_SEND,	       /* sendmmsg failed */
	DATAPLANE_DROP_TUN_WRITE,      /* write to TUN failed */
	DATAPLANE_DROP_IKE_QUEUE_FULL, /* main thread not keeping up with IKE */
	_DATAPLANE_DROP_MAX,
};

struct dataplane_config {
	enum dataplane_mode mode;
	int tun_fd;
	/* Client: idle time before a NAT keepalive; 0 = never (PROTOCOL.md §2: only a side
	 * behind a NAT sends them; the daemon decides). */
	usec_t keepalive_interval;
};

struct dataplane;

_must_check_ int dataplane_new(const struct dataplane_config *cfg, struct dataplane **ret);
/* Starts the two threads. */
_must_check_ int dataplane_start(struct dataplane *dp);
/* Stops and joins the threads (idempotent); queued packets are dropped. */
void dataplane_stop(struct dataplane *dp);
/* Stops, frees every SA and queued packet; closes no caller fd. Takes NULL. */
struct dataplane *dataplane_free(struct dataplane *dp);

/*
 * Uses fd as socket idx (< DATAPLANE_SOCK_MAX); fd -1 removes it. Once this returns
 * the data threads no longer touch the old fd, so the caller may close it: the client
 * takes a new ephemeral socket for each reconnect (PROTOCOL.md §2).
 */
_must_check_ int dataplane_socket_set(struct dataplane *dp, unsigned int idx, int fd,
				      enum dataplane_sock_kind kind);

/* ---- IKE between the sockets and the main thread ---- */

struct dataplane_ike_packet {
	unsigned int sock;	      /* socket index it arrived on */
	bool marker;		      /* it came behind the non-ESP marker: answer with one */
	struct sockaddr_storage from; /* the peer, as the NAT shows it */
	socklen_t from_len;
	struct sockaddr_storage local; /* our address (IP_PKTINFO) and the socket's port */
	socklen_t local_len;
	size_t len;
	uint8_t data[]; /* the IKE message, marker stripped */
};

/* An eventfd, readable while IKE packets are queued; the main loop watches it. */
int dataplane_ike_fd(const struct dataplane *dp);
/* Pops one packet (the caller free()s it); -EAGAIN when none is left. */
_must_check_ int dataplane_ike_pop(struct dataplane *dp, struct dataplane_ike_packet **ret);
/* Sends an IKE message from the main thread, behind the non-ESP marker when asked. */
_must_check_ int dataplane_ike_send(struct dataplane *dp, unsigned int sock,
				    const struct sockaddr *to, socklen_t to_len, bool marker,
				    const void *p, size_t n);

/* ---- SAs ---- */

struct dataplane_sa {
	struct esp_sa *in, *out; /* both given; owned by the data plane on success */
	unsigned int sock;	 /* socket the ESP goes out on */
	/* The peer's 4500; in gateway mode updated from each valid ESP packet (NAT
	 * rebinding, RFC 7296 §2.23); peer_len 0 = learn it from the first one. */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	/* Gateway: the client's assigned inner addresses (outbound lookup keys). */
	bool has_inner4, has_inner6;
	struct in_addr inner4;
	struct in6_addr inner6;
};

/*
 * Installs an SA pair. On failure (-EEXIST: inbound SPI in use; -EINVAL) the caller
 * still owns the SAs.
 * Client: the new pair sends from now on and what was queued while no pair was
 * installed goes out with it. The previous pair is retired: it still opens packets
 * the gateway sent before it switched (a rekey, RFC 7296 §2.8) until the next
 * install or until removed; the one retired before it is freed. So a rekey is just
 * an install (a DELETE may remove the retired pair earlier).
 * Gateway: adds a pair; the newest pair for an inner address sends, every pair
 * receives until removed.
 */
_must_check_ int dataplane_sa_install(struct dataplane *dp, const struct dataplane_sa *sa);
/* Removes and frees the pair with this inbound SPI. Client: removing the current
 * pair removes the retired one too, and TUN packets queue ("reconnecting"). */
_must_check_ int dataplane_sa_remove(struct dataplane *dp, uint32_t spi_in);
/* Client: drops what was queued while reconnecting (a disconnect, or give-up). */
void dataplane_queue_drop(struct dataplane *dp);

struct dataplane_sa_stats {
	uint32_t spi_in, spi_out;
	struct esp_sa_counters in, out;
	unsigned int lifetime_in, lifetime_out; /* ESP_LIFETIME_* */
	usec_t last_rx; /* CLOCK_BOOTTIME of the last authentic packet; 0 = none yet */
	struct sockaddr_storage peer;
	socklen_t peer_len;
};

_must_check_ int dataplane_sa_get_stats(struct dataplane *dp, uint32_t spi_in,
					struct dataplane_sa_stats *ret);

struct dataplane_stats {
	uint64_t tun_rx_packets, tun_rx_bytes;	 /* read from TUN */
	uint64_t tun_tx_packets, tun_tx_bytes;	 /* written to TUN */
	uint64_t esp_tx_packets, esp_rx_packets; /* sealed and sent, opened */
	uint64_t udp_rx_packets;
	uint64_t ike_rx_packets, ike_tx_packets;
	uint64_t keepalive_rx, keepalive_tx;
	uint64_t queued; /* packets waiting for an SA right now */
	uint64_t drops[_DATAPLANE_DROP_MAX];
	usec_t last_rx; /* last authentic ESP on any SA (DPD, PROTOCOL.md §11) */
};

void dataplane_get_stats(struct dataplane *dp, struct dataplane_stats *ret);
const char *dataplane_drop_to_string(enum dataplane_drop d);
