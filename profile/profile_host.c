/*
 * profile_host.c - one ServerList/HostEntry: names, addresses, lists and its host-scope
 * values (PrimaryProtocol, StandardAuthenticationOnly, ...) with their origin.
 */
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
