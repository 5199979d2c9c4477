/*
 * pl_nl.c - libnl glue: one request socket per platform, errno from libnl's
 * error codes, and the few requests libnl has no object call for.
 */
#define LOG_MODULE "platform"
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "core/log.h"
#include "platform/linux/pl_internal.h"

int pl_nl_err(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case 0:
		return 0;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
		return -ESRCH;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	default:
		return -EIO;
	}
}

int pl_nl_sock(struct platform_linux *pl, struct nl_sock **ret)
{
	struct nl_sock *s;
	int r;

	if (pl->nl) {
		*ret = pl->nl;
		return 0;
	}
	s = nl_socket_alloc();
	if (!s)
		return -ENOMEM;
	r = nl_connect(s, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(s);
		return pl_nl_err(r);
	}
	pl->nl = *ret = s;
	return 0;
}

int pl_nl_ifindex(struct platform_linux *pl, const char *name)
{
	struct rtnl_link *link = NULL;
	struct nl_sock *s;
	int r;

	if ((r = pl_nl_sock(pl, &s)) < 0)
		return r;
	r = rtnl_link_get_kernel(s, 0, name, &link);
	if (r < 0)
		return pl_nl_err(r);
	r = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return r > 0 ? r : -ENODEV;
}

int pl_nl_link_delete(struct platform_linux *pl, const char *name)
{
	struct rtnl_link *link;
	struct nl_sock *s;
	int r;

	if ((r = pl_nl_sock(pl, &s)) < 0)
		return r;
	link = rtnl_link_alloc();
	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, name);
	r = pl_nl_err(rtnl_link_delete(s, link));
	rtnl_link_put(link);
	return r;
}

struct src_answer {
	struct in_addr src;
	bool found;
};

static int src_cb(struct nl_msg *msg, void *arg)
{
	struct src_answer *a = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *attr;

	if (h->nlmsg_type != RTM_NEWROUTE)
		return NL_SKIP;
	attr = nlmsg_find_attr(h, sizeof(struct rtmsg), RTA_PREFSRC);
	if (attr && nla_len(attr) == 4) {
		a->src.s_addr = nla_get_u32(attr);
		a->found = true;
	}
	return NL_OK;
}

static int build_getroute(struct in_addr dst, int oif, struct nl_msg **ret)
{
	struct rtmsg rtm = {.rtm_family = AF_INET, .rtm_dst_len = 32};
	struct nl_msg *m = nlmsg_alloc_simple(RTM_GETROUTE, NLM_F_REQUEST);

	if (!m)
		return -ENOMEM;
	if (nlmsg_append(m, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(m, RTA_DST, dst.s_addr) < 0 || (oif && nla_put_u32(m, RTA_OIF, oif) < 0)) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	*ret = m;
	return 0;
}

int pl_nl_route_src(struct platform_linux *pl, struct in_addr dst, int oif, struct in_addr *ret)
{
	struct src_answer a = {0};
	struct nl_cb *cb, *orig;
	struct nl_msg *m;
	struct nl_sock *s;
	int r;

	if ((r = pl_nl_sock(pl, &s)) < 0 || (r = build_getroute(dst, oif, &m)) < 0)
		return r;
	r = nl_send_auto(s, m);
	nlmsg_free(m);
	if (r < 0)
		return pl_nl_err(r);
	orig = nl_socket_get_cb(s); /* a new reference */
	cb = nl_cb_clone(orig);
	nl_cb_put(orig);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, src_cb, &a);
	/* The reply, then (auto-ack is on for the object calls that share this
	 * socket) the ACK, which must not stay queued for the next request. */
	r = nl_recvmsgs(s, cb);
	nl_cb_put(cb);
	if (r >= 0)
		r = nl_wait_for_ack(s);
	if (r < 0)
		return pl_nl_err(r);
	if (!a.found)
		return -EADDRNOTAVAIL;
	*ret = a.src;
	return 0;
}
