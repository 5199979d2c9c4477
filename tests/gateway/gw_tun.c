/*
 * gw_tun.c - the gateway's TUN device and the routes of the address pool into it.
 *
 * The pool (e.g. 192.168.20.5-192.168.20.10) is covered by the fewest CIDR prefixes
 * (.5/32, .6/31, .8/31, .10/32), each routed into the TUN device with one rtnetlink
 * RTM_NEWROUTE (RFC 3549); replies from hosts behind the gateway then reach the data
 * plane, which picks the client's SA by the inner destination.
 */
#define LOG_MODULE "gw"
#include "gw_tun.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"

int gw_tun_open(const char *name, unsigned int mtu, int *ret_fd, int *ret_ifindex)
{
	struct ifreq ifr = {0};
	int fd, s, r;

	if (strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	if ((fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)) < 0)
		return -errno;
	/* virtio_net_hdr per packet: the data plane then enables TSO/checksum offload
	 * (dataplane.h detects the flag), so TCP through the gateway moves in 64 KiB bursts */
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR;
	strcpy(ifr.ifr_name, name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		goto fail;
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		goto fail;
	ifr.ifr_mtu = (int)mtu;
	if (ioctl(s, SIOCSIFMTU, &ifr) < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		close(s);
		goto fail;
	}
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	r = ioctl(s, SIOCSIFFLAGS, &ifr);
	close(s);
	if (r < 0)
		goto fail;
	*ret_ifindex = (int)if_nametoindex(name);
	*ret_fd = fd;
	return 0;
fail:
	r = -errno;
	close(fd);
	return r;
}

static void add_attr(struct nlmsghdr *h, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* One RTM_NEWROUTE (replace) for prefix/len via ifindex, waiting for the kernel's ACK. */
static int route_add(int nl, uint32_t prefix, unsigned int len, int ifindex)
{
	struct {
		struct nlmsghdr h;
		struct rtmsg rt;
		char attrs[64];
	} req = {0};
	char buf[512];
	struct nlmsghdr *ack = (struct nlmsghdr *)buf;
	uint32_t dst = htonl(prefix), oif = (uint32_t)ifindex;
	ssize_t n;

	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.rt));
	req.h.nlmsg_type = RTM_NEWROUTE;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
	req.rt.rtm_family = AF_INET;
	req.rt.rtm_dst_len = (unsigned char)len;
	req.rt.rtm_table = RT_TABLE_MAIN;
	req.rt.rtm_protocol = RTPROT_STATIC;
	req.rt.rtm_scope = RT_SCOPE_LINK;
	req.rt.rtm_type = RTN_UNICAST;
	add_attr(&req.h, RTA_DST, &dst, sizeof(dst));
	add_attr(&req.h, RTA_OIF, &oif, sizeof(oif));
	if (send(nl, &req, req.h.nlmsg_len, 0) < 0)
		return -errno;
	if ((n = recv(nl, buf, sizeof(buf), 0)) < (ssize_t)sizeof(*ack))
		return n < 0 ? -errno : -EBADMSG;
	if (ack->nlmsg_type == NLMSG_ERROR)
		return ((struct nlmsgerr *)NLMSG_DATA(ack))->error;
	return 0;
}

/* The largest aligned block starting at first that stays within last. */
static unsigned int block_len(uint32_t first, uint32_t last)
{
	unsigned int len = 32;

	while (len > 1) {
		uint64_t size = 1ull << (32 - (len - 1));

		if ((first & (size - 1)) || first + size - 1 > last)
			break;
		len--;
	}
	return len;
}

int gw_tun_route_pool(int ifindex, struct in_addr first, struct in_addr last)
{
	uint32_t a = ntohl(first.s_addr), z = ntohl(last.s_addr);
	int nl, r = 0;

	if ((nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) < 0)
		return -errno;
	while (a <= z && r == 0) {
		unsigned int len = block_len(a, z);
		uint64_t next = (uint64_t)a + (1ull << (32 - len));

		r = route_add(nl, a, len, ifindex);
		if (next > z)
			break;
		a = (uint32_t)next;
	}
	close(nl);
	return r;
}
