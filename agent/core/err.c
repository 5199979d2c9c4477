/* err.c - human strings for the project's error values. */
#include "err.h"

#include <string.h>

const char *err_str(int r)
{
	if (r < 0)
		r = -r;
	switch (r) {
	case 0:
		return "success";
	case EBADMSG:
		return "malformed input";
	case EPROTO:
		return "protocol violation by peer";
	case EACCES:
		return "authentication refused";
	case ETIMEDOUT:
		return "peer did not answer";
	case EMSGSIZE:
		return "size limit exceeded";
	case ECANCELED:
		return "cancelled";
	default:
		/* strerror() is not thread-safe in theory, but returns static strings on glibc */
		return strerror(r);
	}
}
