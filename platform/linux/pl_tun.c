/*
 * pl_tun.c - the TUN device: created once per connection (IFF_TUN|IFF_NO_PI|
 * IFF_VNET_HDR, not persistent, so it disappears with our fd if the agent dies), then
 * address, MTU and up over rtnetlink. A reconnect calls tun_open again with
 * the same config and nothing changes: open TCP connections survive.
 */
#define LOG_MODULE "platform"
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/log.h"
#include "platform/linux/pl_internal.h"

static int tun_create(const char *name, int *ret_fd)
{
	/* IFF_VNET_HDR: every packet carries a virtio_net_hdr, which lets the data plane
	 * switch on TSO/checksum offload (64 KiB TCP bursts per read, joined writes back;
	 * it detects the flag itself, see dataplane.h): ~3x the TCP throughput. */
	struct ifreq ifr = {.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR};
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	strncpy(ifr.ifr_name, name, IF_NAMESIZE - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

static int addr_change(struct platform_linux *pl, struct in_addr a, uint8_t len, bool add)
{
	struct rtnl_addr *ra = rtnl_addr_alloc();
	struct nl_addr *local = nl_addr_build(AF_INET, &a, 4);
	struct nl_sock *s;
	int r;

	if (!ra || !local) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = pl_nl_sock(pl, &s)) < 0)
		goto out;
	nl_addr_set_prefixlen(local, len);
	rtnl_addr_set_ifindex(ra, pl->tun_ifindex);
	rtnl_addr_set_family(ra, AF_INET);
	rtnl_addr_set_local(ra, local);
	r = pl_nl_err(add ? rtnl_addr_add(s, ra, 0) : rtnl_addr_delete(s, ra, 0));
out:
	nl_addr_put(local);
	rtnl_addr_put(ra);
	return r;
}

static int link_up(struct platform_linux *pl, unsigned int mtu)
{
	struct rtnl_link *orig = NULL, *chg = rtnl_link_alloc();
	struct nl_sock *s;
	int r;

	if (!chg)
		return -ENOMEM;
	if ((r = pl_nl_sock(pl, &s)) < 0)
		goto out;
	if ((r = pl_nl_err(rtnl_link_get_kernel(s, pl->tun_ifindex, NULL, &orig))) < 0)
		goto out;
	rtnl_link_set_mtu(chg, mtu);
	rtnl_link_set_flags(chg, IFF_UP);
	r = pl_nl_err(rtnl_link_change(s, orig, chg, 0));
out:
	rtnl_link_put(orig);
	rtnl_link_put(chg);
	return r;
}

static int set_address(struct platform_linux *pl, const struct platform_tun_config *c)
{
	char a[INET_ADDRSTRLEN];
	int r;

	if (pl->tun_addr.s_addr == c->addr.s_addr && pl->tun_prefixlen == c->prefixlen)
		return 0;
	if (pl->tun_addr.s_addr) {
		r = addr_change(pl, pl->tun_addr, pl->tun_prefixlen, false);
		if (r < 0 && r != -EADDRNOTAVAIL && r != -ESRCH)
			return r;
		pl->tun_addr.s_addr = 0;
	}
	if ((r = addr_change(pl, c->addr, c->prefixlen, true)) < 0)
		return r;
	pl->tun_addr = c->addr;
	pl->tun_prefixlen = c->prefixlen;
	inet_ntop(AF_INET, &c->addr, a, sizeof(a));
	log_info("%s: address %s/%u", pl->tun_name, a, c->prefixlen);
	return 0;
}

static int configure(struct platform_linux *pl, const struct platform_tun_config *c)
{
	int r;

	if ((r = set_address(pl, c)) < 0)
		return r;
	if (pl->tun_mtu != c->mtu) {
		if ((r = link_up(pl, c->mtu)) < 0)
			return r;
		pl->tun_mtu = c->mtu;
	}
	return 0;
}

static int create(struct platform_linux *pl, const struct platform_tun_config *c)
{
	struct pl_item it = {.type = PL_ITEM_TUN};
	int r, fd = -1;

	/* Never adopt a device someone else made (a persistent tun of that name
	 * would be attached to by TUNSETIFF, and later deleted by us). */
	if (pl_nl_ifindex(pl, c->name) > 0)
		return -EEXIST;
	strcpy(it.name, c->name);
	if ((r = pl_journal_add(&pl->journal, &it)) < 0)
		return r;
	if ((r = tun_create(c->name, &fd)) < 0) {
		pl_journal_drop(&pl->journal, &it);
		return r;
	}
	pl->tun_fd = fd;
	strcpy(pl->tun_name, c->name);
	pl->tun_ifindex = pl_nl_ifindex(pl, c->name);
	pl->tun_addr.s_addr = 0;
	pl->tun_mtu = 0;
	if (pl->tun_ifindex < 0) {
		r = pl->tun_ifindex;
		pl_tun_close(&pl->base);
		return r;
	}
	log_info("%s: created (ifindex %d)", pl->tun_name, pl->tun_ifindex);
	return 0;
}

int pl_tun_open(struct platform *p, const struct platform_tun_config *cfg, int *ret_fd)
{
	struct platform_linux *pl = pl_of(p);
	struct platform_tun_config c;
	int r;

	if (!ret_fd || (r = platform_tun_config_check(cfg, &c)) < 0)
		return -EINVAL;
	if (pl->tun_fd >= 0 && strcmp(pl->tun_name, c.name) != 0)
		return -EBUSY;
	if (pl->tun_fd < 0 && (r = create(pl, &c)) < 0)
		return r;
	if ((r = configure(pl, &c)) < 0) {
		log_warning_fr(r, "%s: cannot configure", pl->tun_name);
		return r;
	}
	*ret_fd = pl->tun_fd;
	return 0;
}

int pl_tun_close(struct platform *p)
{
	struct platform_linux *pl = pl_of(p);
	struct pl_item it = {.type = PL_ITEM_TUN};
	int r = 0;

	if (pl->tun_fd < 0)
		return 0;
	/* What hangs off the device goes first, so the journal stays exact. */
	(void)pl_dns_revert(p);
	(void)pl_routes_remove(p);
	close(pl->tun_fd);
	pl->tun_fd = -1;
	strcpy(it.name, pl->tun_name);
	/* Closing the only fd of a non-persistent tun unregisters it; delete
	 * explicitly in case something else still holds it open. */
	if (pl_nl_ifindex(pl, it.name) == pl->tun_ifindex)
		r = pl_nl_link_delete(pl, it.name);
	if (r == -ENODEV || r == -ESRCH)
		r = 0;
	if (r == 0)
		pl_journal_drop(&pl->journal, &it);
	log_info("%s: removed", it.name);
	pl->tun_ifindex = 0;
	pl->tun_name[0] = '\0';
	pl->tun_addr.s_addr = 0;
	pl->tun_mtu = 0;
	return r;
}

static int tun_undo(struct platform_linux *pl, const struct pl_item *it)
{
	struct rtnl_link *link = NULL;
	struct nl_sock *s;
	const char *kind;
	int r;

	if ((r = pl_nl_sock(pl, &s)) < 0)
		return r;
	r = pl_nl_err(rtnl_link_get_kernel(s, 0, it->name, &link));
	if (r == -ENODEV || r == -ESRCH)
		return 0; /* went away with the crashed agent's fd: the usual case */
	if (r < 0)
		return r;
	kind = rtnl_link_get_type(link);
	if (!kind || strcmp(kind, "tun") != 0) {
		log_warning("%s exists but is not a tun device; left alone", it->name);
		rtnl_link_put(link);
		return 0;
	}
	rtnl_link_put(link);
	log_info("deleting %s", it->name);
	r = pl_nl_link_delete(pl, it->name);
	return r == -ENODEV ? 0 : r;
}

int pl_tun_undo(struct platform_linux *pl, const struct pl_item *it)
{
	int r = tun_undo(pl, it);

	if (r == 0)
		pl_journal_drop(&pl->journal, it);
	return r;
}
