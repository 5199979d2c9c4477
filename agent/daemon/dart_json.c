/* dart_json.c - control messages as JSON for DART bundles; see dart_json.h. */
#include <string.h>

#include "control/ctl_msg.h"
#include "daemon/dart_json.h"
#include "daemon/dart_sb.h"

char *dart_json_from_msg(const struct ctl_msg *m)
{
	struct dart_sb sb = {0};
	bool first = true;

	dart_sb_adds(&sb, "{");
	for (size_t i = 0; i < m->n_fields; i++) {
		const struct ctl_value *v = &m->fields[i];

		if (v->tag == CTL_F_ERRNO || v->type == CTL_FT_SECRET)
			continue;
		dart_sb_adds(&sb, first ? "\n  " : ",\n  ");
		first = false;
		dart_sb_add_json_str(&sb, ctl_field_to_string(v->tag));
		dart_sb_adds(&sb, ": ");
		if (v->type == CTL_FT_INT)
			dart_sb_addf(&sb, "%lld", (long long)v->i);
		else
			dart_sb_add_json_str(&sb, v->str);
	}
	dart_sb_adds(&sb, "\n}\n");
	return dart_sb_steal(&sb);
}

int dart_json_field(const char *name)
{
	for (int f = 1; f < _CTL_F_MAX; f++)
		if (strcmp(ctl_field_to_string((enum ctl_field)f), name) == 0)
			return f;
	return _CTL_F_INVALID;
}
