/*
 * profile_host.c - one ServerList/HostEntry: names, addresses, lists and its host-scope
 * values (PrimaryProtocol, StandardAuthenticationOnly, ...) with their origin.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xmalloc.h"
#include "profile/profile_internal.h"

static const char *slot_text(const struct profile_host *h, enum profile_key k)
{
	return h->slot[PROFILE_HOST_SLOT(k)].text;
}

const char *profile_host_name(const struct profile_host *h)
{
	return slot_text(h, PROFILE_KEY_HOST_NAME);
}

const char *profile_host_address(const struct profile_host *h)
{
	const char *a = slot_text(h, PROFILE_KEY_HOST_ADDRESS);

	return a && *a ? a : profile_host_name(h);
}

const struct profile *profile_host_profile(const struct profile_host *h)
{
	return h->profile;
}

unsigned int profile_host_line(const struct profile_host *h)
{
	return h->line;
}

size_t profile_host_backup_count(const struct profile_host *h)
{
	return h->backups.n;
}

const char *profile_host_backup_at(const struct profile_host *h, size_t i)
{
	return i < h->backups.n ? h->backups.v[i] : NULL;
}

size_t profile_host_pin_count(const struct profile_host *h)
{
	return h->pins.n;
}

const char *profile_host_pin_at(const struct profile_host *h, size_t i)
{
	return i < h->pins.n ? h->pins.v[i] : NULL;
}

int profile_host_value(const struct profile_host *h, enum profile_key key,
		       struct profile_value *ret)
{
	const struct profile_slot *s;

	if (!PROFILE_KEY_IS_HOST(key))
		return -EINVAL;
	s = &h->slot[PROFILE_HOST_SLOT(key)];
	if (s->text) {
		*ret = (struct profile_value){.text = s->text,
					      .num = s->num,
					      .origin = PROFILE_ORIGIN_PROFILE,
					      .file = profile_file(h->profile),
					      .line = s->line};
		return 0;
	}
	*ret = (struct profile_value){.text = profile_key_default(key),
				      .num = profile_key_default_num(key),
				      .origin = PROFILE_ORIGIN_DEFAULT};
	return 0;
}

static int parse_port(const char *s, unsigned int *ret)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 5 || strspn(s, "0123456789") != strlen(s))
		return -EBADMSG;
	v = strtoul(s, NULL, 10);
	if (v < 1 || v > 65535)
		return -EBADMSG;
	*ret = (unsigned int)v;
	return 0;
}

int profile_address_split(const char *address, char **ret_host, unsigned int *ret_port)
{
	_cleanup_free_ char *a = NULL;
	char *host, *colon, *end;
	unsigned int port = 0;

	if (!address)
		return -EINVAL;
	/* Secure Client accepts a URL; only its authority part names the gateway. */
	if (strncasecmp(address, "https://", 8) == 0)
		address += 8;
	a = xstrdup(address);
	a[strcspn(a, "/?#")] = '\0';
	host = a;
	if (host[0] == '[') { /* RFC 3986 §3.2.2: an IPv6 literal in brackets */
		end = strchr(host, ']');
		if (!end || (end[1] && end[1] != ':'))
			return -EBADMSG;
		*end = '\0';
		if (end[1] == ':' && parse_port(end + 2, &port) < 0)
			return -EBADMSG;
		host++;
	} else if ((colon = strchr(host, ':')) && colon == strrchr(host, ':')) {
		*colon = '\0'; /* one colon: host:port; more: a bare IPv6 literal */
		if (parse_port(colon + 1, &port) < 0)
			return -EBADMSG;
	}
	if (!*host)
		return -EBADMSG;
	*ret_host = xstrdup(host);
	*ret_port = port;
	return 0;
}
