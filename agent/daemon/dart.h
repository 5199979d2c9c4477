/*
 * dart.h - `anyroam dart`: the diagnostic bundle a help desk attaches to a ticket
 * (issue 9; PRODUCT.md "Who uses it"), named after Cisco's DART.
 *
 * dart_collect() gathers what the caller may read (files it cannot open are listed
 * as "not readable as uid N", never fatal), runs ip/resolvectl/journalctl/dpkg by
 * fork/exec, scrubs every text (dart_scrub.h) and writes one ZIP with libarchive:
 *
 *   summary.txt                  first: versions, state, last 10 reconnects, last errors,
 *                                and what could not be collected
 *   manifest.json                every other file with size and SHA-256, creation time,
 *                                versions
 *   agent/state.json, agent/stats.json, agent/reconnect-timeline.json,
 *   agent/control-commands.txt, agent/gateway-chain.pem   (what the daemon knows)
 *   eventlog/anyroam.log[.1]     the DART-style event log (daemon_log.h)
 *   journal/journal.txt          journalctl -u anyroamd -u anyroam-gw
 *   profiles/...                 profile files, preferences, effective.txt (origins)
 *   config/agent.conf
 *   network/...                  ip addr/route/rule, ip -d link show TUN, resolv.conf,
 *                                resolvectl status
 *   system/...                   os-release, uname, dpkg -s anyroam
 *
 * The daemon's part comes in as text (dart_inputs); with none of it (the NULL-daemon
 * mode) the bundle says why in summary.txt and in the report.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/secret.h"

#define DART_JOURNAL_LINES	1000
#define DART_FILE_MAX		(8u * 1024u * 1024u) /* one collected file or command output */
#define DART_CMD_TIMEOUT_MS	5000
#define DART_SUMMARY_RECONNECTS 10
#define DART_SUMMARY_ERRORS	10

/* Names in the bundle of the agent's own files. */
#define DART_FILE_STATE	   "agent/state.json"
#define DART_FILE_STATS	   "agent/stats.json"
#define DART_FILE_TIMELINE "agent/reconnect-timeline.json"
#define DART_FILE_COMMANDS "agent/control-commands.txt"
#define DART_FILE_CHAIN	   "agent/gateway-chain.pem"
/* `KEY VALUE` lines: state-dir, config, profile-dir, tun-name, resolv-conf (where the
 * agent keeps what a CLI collecting by itself must look at). */
#define DART_FILE_PATHS "agent/paths.txt"

struct dart_inputs {
	/* What the daemon knows; NULL when it was not asked or did not answer. */
	const char *state_json;
	const char *stats_json;
	const char *timeline_json; /* dart_history_timeline_json() */
	const char *commands_text; /* dart_history_commands_text() */
	const char *gw_chain_pem;  /* public certificates only */
	const char *paths_text;	   /* DART_FILE_PATHS, bundled as is */
	/* Why the daemon's part is missing (shown in summary.txt); NULL if present. */
	const char *daemon_note;

	/* Where things are; NULL means the standard place. */
	/* The daemon's state directory: anyroam.log[.1] are bundled; the session file
	 * there is never bundled, only read for its token, which is then scrubbed. */
	const char *event_log_dir;
	const char *const *profile_dirs; /* NULL: profile_default_dirs */
	size_t n_profile_dirs;
	const char *agent_conf;	 /* DAEMON_CONF_DEFAULT */
	const char *user_prefs;	 /* $HOME/.config/anyroam/preferences.xml */
	const char *tun_name;	 /* "anyroam0" */
	const char *resolv_conf; /* "/etc/resolv.conf" */
	const char *os_release;	 /* "/etc/os-release" */

	/* Values to remove wherever they appear (and their hex), e.g. the live token. */
	const struct secret *const *known_secrets;
	size_t n_known_secrets;
	bool redact_users;	       /* login user names and <username> values -> [USER] */
	const char *const *user_names; /* more names to redact (the requesting user) */
	size_t n_user_names;

	bool no_commands;	    /* tests: do not run ip, journalctl, resolvectl, dpkg */
	unsigned int journal_lines; /* 0: DART_JOURNAL_LINES */
	usec_t now;		    /* wall clock for names and the manifest; 0: now */
};

struct dart_report {
	size_t n_files;	   /* in the zip, summary and manifest included */
	size_t n_missing;  /* things listed as not collected */
	size_t n_scrubbed; /* values replaced by the scrubber */
	char *notes;	   /* one line per thing not collected (malloc'd; dart_report_done) */
};

/*
 * Collects and writes the ZIP to out_path (created or truncated, mode 0600, never
 * through a symlink). 0 with *ret filled (may be NULL), or a negative errno when the
 * ZIP itself could not be written (missing inputs are notes, not errors).
 */
_must_check_ int dart_collect(const struct dart_inputs *in, const char *out_path,
			      struct dart_report *ret);
void dart_report_done(struct dart_report *r);

/* "anyroam-dart-YYYYMMDD-HHMMSS.zip" for the local time of now (0: now). */
void dart_default_name(usec_t now, char *buf, size_t len);
