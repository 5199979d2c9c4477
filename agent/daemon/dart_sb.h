/*
 * dart_sb.h - a growing text buffer for the DART collector: summaries, JSON and the
 * scrubber's output are built in one; OOM aborts (core/xmalloc.h).
 */
#pragma once
#include <stddef.h>

#include "core/err.h"

struct dart_sb {
	char *p; /* always NUL-terminated once anything was added */
	size_t n;
	size_t cap;
};

void dart_sb_add(struct dart_sb *sb, const void *p, size_t n);
void dart_sb_adds(struct dart_sb *sb, const char *s);
void dart_sb_addf(struct dart_sb *sb, const char *fmt, ...) _printf_(2, 3);
/* A JSON string literal with its quotes (RFC 8259 §7 escapes). */
void dart_sb_add_json_str(struct dart_sb *sb, const char *s);
/* The text (an empty string if nothing was added); the buffer is empty afterwards. */
char *dart_sb_steal(struct dart_sb *sb);
void dart_sb_done(struct dart_sb *sb);
