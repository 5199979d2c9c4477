/* xmalloc.h - allocation that aborts on OOM (ours is a bug, never a peer's input). */
#pragma once

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
void *xmemdup(const void *p, size_t n);

/* Frees *p and sets it to NULL; for _cleanup_(freep). */
void freep(void *p);

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)

/* Takes ownership out of a _cleanup_ variable. */
#define steal_ptr(p)                           \
	({                                     \
		__typeof__(p) _tmp_ = (p);     \
		(p) = NULL;                    \
		_tmp_;                         \
	})
