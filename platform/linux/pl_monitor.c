/*
 * pl_monitor.c - link events (issue 8): an rtnetlink socket subscribed to
 * link, IPv4 address and IPv4 route changes, read from the sd-event loop (no
 * polling). Each message only kicks the debounce (platform_debounce.c); when
 * the burst is over the path to the gateway is looked up again and compared
 * with the last one (platform_path_diff): at most one event per burst, none
 * when nothing that matters changed. Before telling the agent about a new
 * path, the gateway's host route is moved onto it, so the reconnect's
 * IKE_SA_INIT already leaves the right way.
 */
#define LOG_MODULE "platform"
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "core/log.h"
#include "platform/linux/pl_internal.h"
#include "platform/linux/platform_path.h"

static void log_event(const struct platform_event *ev)
{
	char src[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &ev->path.src, src, sizeof(src));
	log_info("path to gateway: %s (%s -> %s, source %s)",
		 platform_event_type_to_string(ev->type),
		 ev->old_path.ifname[0] ? ev->old_path.ifname : "-",
		 ev->path.ifname[0] ? ev->path.ifname : "-", src);
}

static void kick(struct platform_linux *pl);

static void evaluate(struct platform_linux *pl)
{
	struct platform_path cur = {0};
	struct platform_event ev;
	bool changed;
	int r;

	if (!pl->watching)
		return;
	r = pl_path_get(&pl->base, pl->watch_gw, &cur);
	if (r < 0 && r != -ENETUNREACH) {
		/* A failed dump (memory, a dump interrupted by changes) says
		 * nothing about the path: look again later, never guess "down". */
		log_debug_fr(r, "path lookup; retrying");
		kick(pl);
		return;
	}
	changed = platform_path_diff(&pl->path, &cur, &pl->last_up, &ev);
	if (cur.ifindex)
		pl->last_up = cur;
	if (!changed) {
		pl->path = cur; /* e.g. a new router: keep the pin on it quietly */
		(void)pl_route_repin(pl, &cur);
		return;
	}
	pl->path = cur;
	if ((r = pl_route_repin(pl, &cur)) < 0)
		log_warning_fr(r, "cannot move the gateway's host route to %s", cur.ifname);
	log_event(&ev);
	platform_linux_emit(pl, &ev);
}

static int debounce_cb(sd_event_source *s, uint64_t usec, void *ud)
{
	struct platform_linux *pl = ud;

	if (platform_debounce_due(&pl->debounce, usec))
		evaluate(pl);
	else if (platform_debounce_pending(&pl->debounce))
		return sd_event_source_set_time(s, pl->debounce.deadline) < 0
			       ? 0
			       : sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

static void kick(struct platform_linux *pl)
{
	uint64_t now;
	usec_t deadline;

	if (!pl->watching || sd_event_now(pl->event, CLOCK_BOOTTIME, &now) < 0)
		return;
	deadline = platform_debounce_kick(&pl->debounce, now);
	if (sd_event_source_set_time(pl->debounce_src, deadline) >= 0)
		(void)sd_event_source_set_enabled(pl->debounce_src, SD_EVENT_ONESHOT);
}

/* Our own changes (the tun device, our routes) are not network changes. */
static bool ours(struct platform_linux *pl, struct nlmsghdr *h)
{
	int idx = 0;

	switch (h->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		if (nlmsg_datalen(h) >= (int)sizeof(struct ifinfomsg))
			idx = ((struct ifinfomsg *)nlmsg_data(h))->ifi_index;
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		if (nlmsg_datalen(h) >= (int)sizeof(struct ifaddrmsg))
			idx = (int)((struct ifaddrmsg *)nlmsg_data(h))->ifa_index;
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		if (nlmsg_datalen(h) >= (int)sizeof(struct rtmsg) &&
		    ((struct rtmsg *)nlmsg_data(h))->rtm_protocol == PLATFORM_LINUX_RTPROT)
			return true;
		break;
	default:
		return true; /* not a kind of message we asked for */
	}
	return idx != 0 && idx == pl->tun_ifindex;
}

static int msg_cb(struct nl_msg *msg, void *arg)
{
	struct platform_linux *pl = arg;

	if (!ours(pl, nlmsg_hdr(msg)))
		kick(pl);
	return NL_OK;
}

static int io_cb(sd_event_source *s, int fd, uint32_t revents, void *ud)
{
	struct platform_linux *pl = ud;
	int r;

	/* Drain; the socket is non-blocking. An overrun (ENOBUFS) lost events:
	 * treat it as a change and look again. */
	for (int i = 0; i < 64; i++) {
		r = nl_recvmsgs_default(pl->mon);
		if (r == -NLE_AGAIN)
			break;
		if (r == -NLE_NOMEM || r == -NLE_MSG_OVERFLOW) { /* libnl maps ENOBUFS to NOMEM */
			kick(pl);
			continue;
		}
		if (r < 0) {
			log_debug_ratelimited("rtnetlink: %s", nl_geterror(r));
			break;
		}
	}
	pl_sleep_check_gap(pl); /* free to do on any wake-up */
	return 0;
}

static int open_monitor(struct platform_linux *pl)
{
	struct nl_sock *s = nl_socket_alloc();
	int r;

	if (!s)
		return -ENOMEM;
	nl_socket_disable_seq_check(s);
	nl_socket_modify_cb(s, NL_CB_VALID, NL_CB_CUSTOM, msg_cb, pl);
	if ((r = nl_connect(s, NETLINK_ROUTE)) < 0 ||
	    (r = nl_socket_add_memberships(s, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE,
					   0)) < 0 ||
	    (r = nl_socket_set_nonblocking(s)) < 0) {
		nl_socket_free(s);
		return pl_nl_err(r);
	}
	pl->mon = s;
	return 0;
}

int pl_monitor_attach(struct platform_linux *pl)
{
	int r;

	platform_debounce_init(&pl->debounce, pl->debounce_usec, PLATFORM_DEBOUNCE_MAX_USEC);
	if ((r = open_monitor(pl)) < 0)
		return r;
	r = sd_event_add_io(pl->event, &pl->mon_src, nl_socket_get_fd(pl->mon), EPOLLIN, io_cb, pl);
	if (r >= 0)
		r = sd_event_add_time(pl->event, &pl->debounce_src, CLOCK_BOOTTIME, USEC_INFINITY,
				      USEC_PER_MSEC, debounce_cb, pl);
	if (r >= 0)
		r = sd_event_source_set_enabled(pl->debounce_src, SD_EVENT_OFF);
	return r < 0 ? r : 0;
}

void pl_monitor_detach(struct platform_linux *pl)
{
	pl->mon_src = sd_event_source_disable_unref(pl->mon_src);
	pl->debounce_src = sd_event_source_disable_unref(pl->debounce_src);
	if (pl->mon)
		nl_socket_free(pl->mon);
	pl->mon = NULL;
}

int pl_watch_gateway(struct platform *p, struct in_addr gateway)
{
	struct platform_linux *pl = pl_of(p);
	struct platform_path cur = {0};
	int r;

	if (gateway.s_addr == 0)
		return -EINVAL;
	r = pl_path_get(p, gateway, &cur);
	if (r < 0 && r != -ENETUNREACH)
		return r;
	pl->watch_gw = gateway;
	pl->path = cur;
	pl->last_up = cur;
	pl->watching = true;
	platform_debounce_cancel(&pl->debounce);
	return 0;
}

void pl_unwatch_gateway(struct platform *p)
{
	struct platform_linux *pl = pl_of(p);

	pl->watching = false;
	platform_debounce_cancel(&pl->debounce);
	if (pl->debounce_src)
		(void)sd_event_source_set_enabled(pl->debounce_src, SD_EVENT_OFF);
}
