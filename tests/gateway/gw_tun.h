/* gw_tun.h - the gateway's TUN device and pool routes (see gw_tun.c). */
#pragma once

#include <netinet/in.h>

#include "core/err.h"

/* Creates (or attaches to) TUN device name, IFF_NO_PI, sets its MTU and brings it up. */
_must_check_ int gw_tun_open(const char *name, unsigned int mtu, int *ret_fd, int *ret_ifindex);
/* Routes first..last (network order) into ifindex with the fewest prefixes. */
_must_check_ int gw_tun_route_pool(int ifindex, struct in_addr first, struct in_addr last);
