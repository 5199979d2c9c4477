/*
 * platform_resolvconf.c - rendering resolv.conf(5) for the tunnel.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "platform/linux/platform_plan.h"
#include "platform/linux/platform_resolvconf.h"

/* What we keep from the original file. */
struct orig {
	char *ns[PLATFORM_RESOLVCONF_MAXNS];
	size_t n_ns;
	char *search[PLATFORM_MAX_DOMAINS];
	size_t n_search;
	char **keep; /* options / sortlist lines, verbatim */
	size_t n_keep;
};

static void orig_done(struct orig *o)
{
	for (size_t i = 0; i < o->n_ns; i++)
		free(o->ns[i]);
	for (size_t i = 0; i < o->n_search; i++)
		free(o->search[i]);
	for (size_t i = 0; i < o->n_keep; i++)
		free(o->keep[i]);
	free(o->keep);
}

static void add_search(struct orig *o, char *rest)
{
	char *save = NULL;

	/* resolv.conf(5): the last "search" or "domain" line wins. */
	for (size_t i = 0; i < o->n_search; i++)
		free(o->search[i]);
	o->n_search = 0;
	for (char *t = strtok_r(rest, " \t", &save); t && o->n_search < PLATFORM_MAX_DOMAINS;
	     t = strtok_r(NULL, " \t", &save))
		o->search[o->n_search++] = xstrdup(t);
}

static void parse_line(struct orig *o, const char *line)
{
	_cleanup_free_ char *copy = xstrdup(line);
	char *save = NULL, *key = strtok_r(copy, " \t", &save), *rest = strtok_r(NULL, "", &save);

	if (!key || key[0] == '#' || key[0] == ';')
		return;
	if (!strcmp(key, "nameserver") && rest) {
		char *addr = strtok_r(rest, " \t", &save);

		if (addr && o->n_ns < PLATFORM_RESOLVCONF_MAXNS)
			o->ns[o->n_ns++] = xstrdup(addr);
	} else if ((!strcmp(key, "search") || !strcmp(key, "domain")) && rest) {
		add_search(o, rest);
	} else if (!strcmp(key, "options") || !strcmp(key, "sortlist")) {
		o->keep = xrealloc(o->keep, (o->n_keep + 1) * sizeof(*o->keep));
		o->keep[o->n_keep++] = xstrdup(line);
	}
}

static void parse_orig(struct orig *o, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const char *nl = memchr(p + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (p + i)) : n - i;
		_cleanup_free_ char *line = xstrndup(p + i, len);

		/* a NUL inside a line ends it: xstrndup stops there */
		parse_line(o, line);
		i += len + 1;
	}
}

static bool in_list(char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

static void write_servers(FILE *f, const struct platform_dns *dns, const struct orig *o)
{
	char a[PLATFORM_RESOLVCONF_MAXNS][INET_ADDRSTRLEN];
	char *written[PLATFORM_RESOLVCONF_MAXNS];
	size_t n = 0;

	for (size_t i = 0; i < dns->n_servers && n < PLATFORM_RESOLVCONF_MAXNS; i++) {
		inet_ntop(AF_INET, &dns->servers[i], a[n], sizeof(a[n]));
		if (in_list(written, n, a[n]))
			continue;
		written[n] = a[n];
		fprintf(f, "nameserver %s\n", written[n++]);
	}
	/* Full tunnel: a name must never be asked of the local network's server. */
	if (dns->default_route && dns->n_servers)
		return;
	for (size_t i = 0; i < o->n_ns && n < PLATFORM_RESOLVCONF_MAXNS; i++) {
		if (in_list(written, n, o->ns[i]))
			continue;
		written[n] = o->ns[i];
		fprintf(f, "nameserver %s\n", written[n++]);
	}
}

static void write_search(FILE *f, const struct platform_dns *dns, const struct orig *o)
{
	char *seen[2 * PLATFORM_MAX_DOMAINS];
	size_t n = 0;

	for (size_t i = 0; i < dns->n_domains; i++)
		if (!in_list(seen, n, dns->domains[i]))
			seen[n++] = (char *)dns->domains[i];
	if (!dns->default_route)
		for (size_t i = 0; i < o->n_search; i++)
			if (!in_list(seen, n, o->search[i]))
				seen[n++] = o->search[i];
	if (n == 0)
		return;
	fputs("search", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, " %s", seen[i]);
	fputc('\n', f);
}

int platform_resolvconf_render(const char *orig, size_t orig_len, const struct platform_dns *dns,
			       const char *ifname, char **ret)
{
	struct orig o = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (!ifname || !ret)
		return -EINVAL;
	/* The checks bound the arrays below and keep newlines out of lines. */
	if ((r = platform_dns_validate(dns)) < 0)
		return r;
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	if (orig)
		parse_orig(&o, orig, orig_len);
	fprintf(f, PLATFORM_RESOLVCONF_HEADER " for %s; the original comes back on disconnect.\n",
		ifname);
	write_servers(f, dns, &o);
	write_search(f, dns, &o);
	for (size_t i = 0; i < o.n_keep; i++)
		fprintf(f, "%s\n", o.keep[i]);
	orig_done(&o);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}
