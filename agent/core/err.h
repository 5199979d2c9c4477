/* err.h - error values: 0 or a negative errno, one meaning per errno (STYLE.md §2). */
#pragma once

#include <errno.h>

/*
 * Meanings used across the project:
 *   -EBADMSG   malformed input (wire, file, control socket)
 *   -EPROTO    the peer broke the protocol
 *   -EACCES    authentication refused
 *   -ETIMEDOUT the peer stayed silent
 *   -EMSGSIZE  over a cap
 *   -ECANCELED the user cancelled
 *   -ENOENT    not found
 *   -EINVAL    a caller's (our own) bad argument
 */

/* A short human string for a negative (or positive) errno value; never NULL. */
const char *err_str(int r);

#define _must_check_ __attribute__((warn_unused_result))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
