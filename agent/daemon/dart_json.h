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
