/*
 * fuzz_profile.c - libFuzzer harness over the pure profile/ entry points: the profile,
 * preferences, local-policy and update-manifest parsers, then everything the agent asks of
 * a parsed profile (merge, lookup, effective values with preferences). No I/O.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/log.h"
#include "profile/profile.h"
#include "profile/profile_update.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(struct profile *p, struct profile_prefs *prefs)
{
	struct profile_set *set = profile_set_new();
	struct profile_diags d = {0};

	profile_set_add(set, p, &d);
	profile_set_set_prefs(set, NULL, prefs);
	for (size_t i = 0; i < profile_set_host_count(set); i++) {
		const struct profile_host *h = profile_set_host_at(set, i);
		struct profile_settings s;

		if (profile_set_find_host(set, profile_host_address(h)) == NULL)
			abort(); /* every host is found by its own address */
		char *host = NULL;
		unsigned int port;

		if (profile_set_host_settings(set, h, &s) < 0)
			abort();
		if (profile_address_split(s.host_address, &host, &port) == 0)
			free(host);
	}
	for (int k = 0; k < _PROFILE_CLIENT_KEY_END; k++) {
		struct profile_value v;

		if (profile_set_effective(set, NULL, (enum profile_key)k, &v) < 0 || !v.text)
			abort();
	}
	for (size_t i = 0; i < d.n; i++)
		free(profile_diag_format(&d.v[i]));
	profile_diags_done(&d);
	profile_set_free(set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile_diags d = {0};
	struct profile *p = NULL;
	struct profile_prefs *prefs = NULL;
	struct profile_policy *pol = NULL;
	struct profile_manifest m = {0};

	log_set_level(LOG_LEVEL_ERR);
	if (profile_parse("fuzz.xml", data, size, &p, &d) == 0) {
		/* the same bytes as user preferences too, where they are preferences */
		if (profile_prefs_parse("prefs.xml", data, size, &prefs, &d) < 0)
			prefs = NULL;
		exercise(p, prefs);
	} else if (profile_prefs_parse("prefs.xml", data, size, &prefs, &d) == 0) {
		exercise(profile_parse("empty.xml", "<AnyConnectProfile/>", 20, &p, NULL) == 0
				 ? p
				 : NULL,
			 prefs);
	} else if (profile_policy_parse("policy.xml", data, size, &pol, &d) == 0) {
		profile_policy_free(pol);
	}
	if (profile_manifest_parse("complete", data, size, &m, &d) == 0) {
		for (size_t i = 0; i < m.n; i++) {
			char *url = NULL;
			bool needed;

			if (profile_manifest_url(&m.v[i], "gw.example", &url) == 0)
				free(url);
			if (profile_update_needed(&m.v[i], data, size, &needed) < 0)
				abort();
		}
		profile_manifest_done(&m);
	}
	for (size_t i = 0; i < d.n; i++)
		free(profile_diag_format(&d.v[i]));
	profile_diags_done(&d);
	return 0;
}
