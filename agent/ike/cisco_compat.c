/* cisco_compat.c - matching the vendor IDs and identities of cisco_compat.h (PROTOCOL.md §5.1,
 * §9.1). */
#include "ike/cisco_compat.h"

#include <string.h>

#include "ike/ike_const.h"

struct vid_entry {
	enum cisco_vid id;
	const uint8_t *bytes;
	size_t len;
	int prefix; /* versions may be appended (§9.1) */
};

#define VID(id, v, prefix)                      \
	{                                       \
		id, v, CISCO_VID_LEN(v), prefix \
	}
static const struct vid_entry vids[] = {
	VID(CISCO_VID_ID_DELETE_REASON, CISCO_VID_DELETE_REASON, 0),
	VID(CISCO_VID_ID_COPYRIGHT, CISCO_VID_COPYRIGHT, 0),
	VID(CISCO_VID_ID_FRAGMENTATION, CISCO_VID_FRAGMENTATION, 0),
	VID(CISCO_VID_ID_GRE_MODE, CISCO_VID_GRE_MODE, 1),
	VID(CISCO_VID_ID_ANYCONNECT_EAP, CISCO_VID_ANYCONNECT_EAP, 0),
	VID(CISCO_VID_ID_NGE_LEVEL, CISCO_VID_NGE_LEVEL, 0),
	VID(CISCO_VID_ID_ANYCONNECT_STRAP, CISCO_VID_ANYCONNECT_STRAP, 0),
	VID(CISCO_VID_ID_TOKEN_ROTATION, ANYROAM_VID_TOKEN_ROTATION, 1),
};

enum cisco_vid cisco_vid_match(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < sizeof(vids) / sizeof(vids[0]); i++) {
		const struct vid_entry *e = &vids[i];

		if (n < e->len || (!e->prefix && n != e->len))
			continue;
		if (memcmp(p, e->bytes, e->len) == 0)
			return e->id;
	}
	return CISCO_VID_UNKNOWN;
}

int cisco_is_anyconnect_id(uint8_t type, const uint8_t *p, size_t n)
{
	if (type != IKE_ID_KEY_ID && type != CISCO_ID_ANYCONNECT_PRIVATE)
		return 0;
	return n == CISCO_ANYCONNECT_ID_LEN && memcmp(p, CISCO_ANYCONNECT_ID, n) == 0;
}
