/*
 * pl_item.c - one applied change as a journal line, and back:
 *   tun NAME
 *   route DST/LEN NEXTHOP IFINDEX DEVNAME      (NEXTHOP 0.0.0.0: on-link)
 *   block6 DST6/LEN                            (an IPv6 unreachable route)
 *   resolved IFINDEX
 *   resolvconf MODE SYMLINK PATH               (MODE octal, SYMLINK 0|1)
 * Parsing is strict: a line that is not exactly one of these is -EBADMSG.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/linux/pl_internal.h"
#include "platform/linux/platform_path.h"

int pl_item_format(const struct pl_item *it, char *buf, size_t n)
{
	char dst[32], nh[INET_ADDRSTRLEN], dst6[INET6_ADDRSTRLEN];
	int w = -1;

	switch (it->type) {
	case PL_ITEM_TUN:
		w = snprintf(buf, n, "tun %s", it->name);
		break;
	case PL_ITEM_ROUTE:
		platform_prefix_to_string(&it->dst, dst, sizeof(dst));
		inet_ntop(AF_INET, &it->nexthop, nh, sizeof(nh));
		w = snprintf(buf, n, "route %s %s %d %s", dst, nh, it->ifindex, it->name);
		break;
	case PL_ITEM_BLOCK6:
		inet_ntop(AF_INET6, &it->dst6, dst6, sizeof(dst6));
		w = snprintf(buf, n, "block6 %s/%u", dst6, it->dst6_len);
		break;
	case PL_ITEM_RESOLVED:
		w = snprintf(buf, n, "resolved %d", it->ifindex);
		break;
	case PL_ITEM_RESOLVCONF:
		w = snprintf(buf, n, "resolvconf %o %d %s", it->mode, it->symlink, it->path);
		break;
	case _PL_ITEM_TYPE_MAX:
	case _PL_ITEM_TYPE_INVALID:
		break;
	}
	return w < 0 || (size_t)w >= n ? -EINVAL : 0;
}

static int parse_ifname(const char *s, char *ret)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IF_NAMESIZE || strpbrk(s, "/ \t"))
		return -EBADMSG;
	memcpy(ret, s, n + 1);
	return 0;
}

static int parse_int(const char *s, int base, long max, long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, base);
	if (errno || end == s || *end || v < 0 || v > max)
		return -EBADMSG;
	*ret = v;
	return 0;
}

static int parse_prefix(char *s, struct platform_ip4_prefix *ret)
{
	char *slash = strchr(s, '/');
	long len;

	if (!slash)
		return -EBADMSG;
	*slash = '\0';
	if (inet_pton(AF_INET, s, &ret->addr) != 1 || parse_int(slash + 1, 10, 32, &len) < 0)
		return -EBADMSG;
	ret->prefixlen = (uint8_t)len;
	return 0;
}

static int parse_block6(char *rest, struct pl_item *it)
{
	char *slash = strchr(rest, '/');
	long len;

	if (!slash)
		return -EBADMSG;
	*slash = '\0';
	if (inet_pton(AF_INET6, rest, &it->dst6) != 1 || parse_int(slash + 1, 10, 128, &len) < 0)
		return -EBADMSG;
	it->dst6_len = (uint8_t)len;
	return 0;
}

static int parse_route(char *rest, struct pl_item *it)
{
	char *save = NULL, *dst = strtok_r(rest, " ", &save), *nh = strtok_r(NULL, " ", &save),
	     *idx = strtok_r(NULL, " ", &save), *dev = strtok_r(NULL, " ", &save);
	long v;

	if (!dev || strtok_r(NULL, " ", &save) || parse_prefix(dst, &it->dst) < 0 ||
	    inet_pton(AF_INET, nh, &it->nexthop) != 1 || parse_int(idx, 10, INT32_MAX, &v) < 0)
		return -EBADMSG;
	it->ifindex = (int)v;
	return parse_ifname(dev, it->name);
}

static int parse_resolvconf(char *rest, struct pl_item *it)
{
	char *save = NULL, *mode = strtok_r(rest, " ", &save), *sym = strtok_r(NULL, " ", &save),
	     *path = strtok_r(NULL, "", &save);
	long m, s;

	if (!path || path[0] != '/' || strlen(path) >= sizeof(it->path) ||
	    parse_int(mode, 8, 07777, &m) < 0 || parse_int(sym, 10, 1, &s) < 0)
		return -EBADMSG;
	it->mode = (unsigned int)m;
	it->symlink = s;
	strcpy(it->path, path);
	return 0;
}

int pl_item_parse(const char *line, struct pl_item *ret)
{
	char copy[512], *save = NULL, *key, *rest;
	struct pl_item it = {0};
	long v;
	int r;

	if (strlen(line) >= sizeof(copy))
		return -EBADMSG;
	strcpy(copy, line);
	key = strtok_r(copy, " ", &save);
	rest = strtok_r(NULL, "", &save);
	if (!key || !rest)
		return -EBADMSG;
	if (!strcmp(key, "tun")) {
		it.type = PL_ITEM_TUN;
		r = parse_ifname(rest, it.name);
	} else if (!strcmp(key, "route")) {
		it.type = PL_ITEM_ROUTE;
		r = parse_route(rest, &it);
	} else if (!strcmp(key, "block6")) {
		it.type = PL_ITEM_BLOCK6;
		r = parse_block6(rest, &it);
	} else if (!strcmp(key, "resolved")) {
		it.type = PL_ITEM_RESOLVED;
		r = parse_int(rest, 10, INT32_MAX, &v);
		it.ifindex = (int)v;
	} else if (!strcmp(key, "resolvconf")) {
		it.type = PL_ITEM_RESOLVCONF;
		r = parse_resolvconf(rest, &it);
	} else {
		r = -EBADMSG;
	}
	if (r < 0)
		return r;
	*ret = it;
	return 0;
}

bool pl_item_eq(const struct pl_item *a, const struct pl_item *b)
{
	char fa[512], fb[512];

	return pl_item_format(a, fa, sizeof(fa)) == 0 && pl_item_format(b, fb, sizeof(fb)) == 0 &&
	       !strcmp(fa, fb);
}
