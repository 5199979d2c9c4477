/*
 * dart_sys.h - the I/O of the DART collector: whole files (bounded) and commands run
 * by fork/exec with their output captured, a timeout and no shell.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* 0, or -ENOENT / -EACCES / -EISDIR / another errno; at most max bytes are kept
 * (*ret_truncated says whether there was more). ret is NUL-terminated, malloc'd. */
_must_check_ int dart_sys_read_file(const char *path, size_t max, char **ret, size_t *ret_len,
				    bool *ret_truncated);
/*
 * Runs argv[0] (searched in PATH, then /usr/sbin:/usr/bin:/sbin:/bin) with stdin
 * /dev/null, LC_ALL=C, stdout and stderr both captured (at most max bytes). Killed
 * after timeout_ms. 0 with the exit status (or 128+signal) in *ret_status, -ENOENT
 * when the program is not installed, another errno when it could not be run.
 */
_must_check_ int dart_sys_run(const char *const *argv, unsigned int timeout_ms, size_t max,
			      char **ret, size_t *ret_len, int *ret_status);
