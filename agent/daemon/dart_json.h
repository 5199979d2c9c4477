/*
 * dart_json.h - what the CLI and the daemon both need to speak about DART over the
 * control protocol: a message as JSON (state.json, stats.json) and fields by name.
 */
#pragma once

struct ctl_msg;

/* The fields of m as one JSON object (secret fields never; ERRNO left out). */
char *dart_json_from_msg(const struct ctl_msg *m);
/*
 * The tag of a field the control protocol may or may not have yet, by its name
 * ("redact_users"); _CTL_F_INVALID (< 0) when absent. Lets both sides use it as soon
 * as agent/control adds it, without a flag day.
 */
int dart_json_field(const char *name);

/*
 * The agent's data for a bundle made by the CLI (a DART request without PATH): each
 * file is a PATH field (its name in the bundle) followed by MESSAGE fields holding its
 * text in chunks below CTL_STR_MAX, cut after a newline where possible.
 */
int dart_json_put_file(struct ctl_msg *m, const char *name, const char *text);
/* The text of the file name in m (malloc'd), or NULL when m does not carry it. */
char *dart_json_get_file(const struct ctl_msg *m, const char *name);
