/*
 * platform_resolvconf.h - the resolv.conf we install when systemd-resolved is
 * not there. Pure: text in, text out; the file handling (backup, atomic
 * replace, byte-exact restore) is in pl_dns.c.
 */
#pragma once

#include <stddef.h>

#include "platform/platform.h"

/* glibc reads at most three nameserver lines (MAXNS). */
#define PLATFORM_RESOLVCONF_MAXNS 3

/*
 * From the original file (may be NULL/empty) and the tunnel's DNS: a header
 * naming ifname; the tunnel's servers first; in split mode
 * (!dns->default_route) the original servers after them up to MAXNS, and the
 * original search domains after the tunnel's; the original's options and
 * sortlist lines kept as they were. dns must have passed
 * platform_dns_validate. *ret is a NUL-terminated string to free().
 */
int platform_resolvconf_render(const char *orig, size_t orig_len, const struct platform_dns *dns,
			       const char *ifname, char **ret);
