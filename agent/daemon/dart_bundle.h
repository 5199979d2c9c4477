/*
 * dart_bundle.h - the files of one DART bundle in memory, before they are scrubbed,
 * summarised and written (dart.c, dart_summary.c, dart_zip.c), plus the notes on
 * what could not be collected.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "core/clock.h"
#include "daemon/dart.h"
#include "daemon/dart_sb.h"
#include "daemon/dart_scrub.h"

struct dart_entry {
	char *name; /* path inside the zip */
	char *data; /* NUL-terminated */
	size_t len;
	enum dart_text_kind kind;
};

struct dart_bundle {
	const struct dart_inputs *in;
	usec_t now; /* wall clock */
	struct dart_entry *e;
	size_t n, cap;
	struct dart_sb notes; /* one line per thing not collected */
	size_t n_missing;
	size_t n_scrubbed;
};

void dart_bundle_init(struct dart_bundle *b, const struct dart_inputs *in, usec_t now);
void dart_bundle_done(struct dart_bundle *b);
/* Takes data (malloc'd, NUL-terminated, len bytes). */
void dart_bundle_add(struct dart_bundle *b, const char *name, char *data, size_t len,
		     enum dart_text_kind kind);
void dart_bundle_add_str(struct dart_bundle *b, const char *name, const char *text,
			 enum dart_text_kind kind);
void dart_bundle_note(struct dart_bundle *b, const char *fmt, ...) _printf_(2, 3);
const struct dart_entry *dart_bundle_find(const struct dart_bundle *b, const char *name);
/*
 * Adds the file at path as name; what cannot be read becomes a note ("not readable as
 * uid N", "not present" unless absent_ok). Returns whether it was added.
 */
bool dart_bundle_add_file(struct dart_bundle *b, const char *name, const char *path,
			  enum dart_text_kind kind, bool absent_ok);
/* Runs argv (dart_sys_run) and adds its output as name, or a note why not. */
bool dart_bundle_add_cmd(struct dart_bundle *b, const char *name, const char *const *argv);
/* Learns user names from every entry, then scrubs every entry in place. */
void dart_bundle_scrub(struct dart_bundle *b, struct dart_scrub *s);

/* dart_summary.c: summary.txt, from the (scrubbed) entries and notes. */
char *dart_summary_build(const struct dart_bundle *b);

/* dart_zip.c: manifest.json for the entries and summary; the whole ZIP. */
char *dart_zip_manifest(const struct dart_bundle *b, const char *summary);
_must_check_ int dart_zip_write(const struct dart_bundle *b, const char *summary,
				const char *manifest, const char *path);
