/*
 * profile_internal.h - structures shared by the profile/ files; not for other modules.
 */
#pragma once

#include <libxml/tree.h>

#include "profile/profile.h"

/* One setting as a file states it. */
struct profile_slot {
	char *text; /* canonical value; NULL when the element had no value (schema default) */
	long num;
	unsigned int line;
	bool present; /* the element was there (its attributes count even without a value) */
	bool has_uc;
	bool uc; /* UserControllable attribute */
};

struct profile_strv {
	char **v;
	unsigned int *lines;
	size_t n;
};

#define PROFILE_CLIENT_KEY_COUNT ((size_t)_PROFILE_CLIENT_KEY_END)
#define PROFILE_HOST_KEY_COUNT	 ((size_t)_PROFILE_KEY_MAX - (size_t)_PROFILE_CLIENT_KEY_END)
#define PROFILE_HOST_SLOT(k)	 ((size_t)(k) - (size_t)_PROFILE_CLIENT_KEY_END)

struct profile_host {
	struct profile_slot slot[PROFILE_HOST_KEY_COUNT];
	struct profile_strv backups;
	struct profile_strv pins;
	const struct profile *profile;
	unsigned int line;
};

struct profile {
	char *file;
	struct profile_slot client[PROFILE_CLIENT_KEY_COUNT];
	struct profile_host **hosts;
	size_t n_hosts;
	struct profile_strv unknown;
	struct profile_strv backups;
	struct profile_strv pins;
	struct profile_trusted_https *trusted;
	size_t n_trusted;
};

/* profile_strv.c */
void profile_strv_push(struct profile_strv *s, const char *str, unsigned int line);
void profile_strv_done(struct profile_strv *s);

/* profile_diag.c */
void profile_diag_add(struct profile_diags *d, enum profile_diag_level level, const char *file,
		      unsigned int line, const char *element, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* profile_key.c */
int profile_key_parent(enum profile_key key);
int profile_key_uc_default(enum profile_key key);
/* The schema default's num (bool, enum index, integer). */
long profile_key_default_num(enum profile_key key);
/* Finds the key for element name under parent (-1 = scope root) in the client or host scope. */
enum profile_key profile_key_lookup(const char *name, int parent, bool host_scope);
/* Validates text for key into slot (text canonicalised); on error adds a diag. */
int profile_key_set(enum profile_key key, const char *text, unsigned int line, const char *file,
		    struct profile_slot *slot, struct profile_diags *diags);
/* Reads a UserControllable attribute into slot; bad values are errors. */
int profile_key_set_uc(const xmlNode *node, const char *file, struct profile_slot *slot,
		       struct profile_diags *diags);
void profile_slot_done(struct profile_slot *slot);

/* profile_xml.c */
/* Parses without network, DTD or entity expansion; rejects a DOCTYPE. */
int profile_xml_read(const char *file, const void *data, size_t len, xmlDoc **ret_doc,
		     struct profile_diags *diags);
/* profile_xml_read, then the root must be `root_name`: -EMEDIUMTYPE (no diagnostic)
 * when it is another kind of file, so a caller can try the next parser. */
int profile_xml_read_root(const char *file, const void *data, size_t len, const char *root_name,
			  xmlDoc **ret_doc, const xmlNode **ret_root, struct profile_diags *diags);
/* Direct text children joined, XML whitespace trimmed; caller frees. */
char *profile_xml_text(const xmlNode *node);
unsigned int profile_xml_line(const xmlNode *node);
bool profile_xml_is(const xmlNode *node, const char *name);
/* Reports (debug) non-blank text directly inside an element-only container. */
void profile_xml_check_stray_text(const xmlNode *node, const char *file,
				  struct profile_diags *diags);

/* profile_prefs.c */
/* The slot a preference holds for a client key, or NULL. */
const struct profile_slot *profile_prefs_slot(const struct profile_prefs *p, enum profile_key key);
const char *profile_prefs_file(const struct profile_prefs *p);

/* profile.c */
void profile_host_free(struct profile_host *h);
