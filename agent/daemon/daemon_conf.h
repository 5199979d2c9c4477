/*
 * daemon_conf.h - anyroamd's configuration file, agent.conf (default /etc/anyroam/agent.conf).
 *
 * One setting per line, `KEY VALUE`; blank lines and lines starting with '#' are
 * ignored; VALUE runs to the end of the line (surrounding blanks trimmed). Keys:
 *
 *   ca-file PATH                   a PEM file of CAs trusted for gateway certificates
 *                                  (repeatable; `anyroam-gw --lab` writes the lab CA here)
 *   ca-dir PATH                    a directory of trusted CAs (repeatable)
 *   system-ca yes|no               also trust the system store (default yes)
 *   trust-server-cert-sha256 HEX   accept a gateway leaf whose DER SHA-256 is HEX even
 *                                  without a chain (pinning; repeatable)
 *   profile PATH                   an AnyConnect profile to load besides the profile
 *                                  directories (repeatable)
 *   log-level err|warning|info|debug   (default info)
 *   tun-name NAME                  (default anyroam0)
 *   dns-backend auto|resolved|file (default auto)
 *   resolv-conf PATH               (default /etc/resolv.conf; tests point it elsewhere)
 *   cisco-compat yes|no            Secure Client vendor IDs (PROTOCOL.md §0; default yes)
 *   event-log-max-bytes N          rotate the DART-style log above N bytes (default 1 MiB)
 *   network-debounce-ms N          quiet period (1-1000 ms) that merges a burst of rtnetlink
 *                                  events into one network-change reconnect (default 20)
 *
 * Unknown keys and bad values are errors with the file and line, so a typo never
 * silently weakens certificate checking.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/log.h"

#define DAEMON_CONF_DEFAULT  "/etc/anyroam/agent.conf"
#define DAEMON_CONF_LIST_MAX 16
/* One address/route change arrives as a burst of rtnetlink messages a few ms apart;
 * 20 ms still merges it, and keeps a network-change reconnect within issue 8's 50 ms
 * (the platform's own 100 ms default alone took the median to ~140 ms, tests/bench/
 * RESULTS.md). A burst split anyway costs at most one extra IKE_SA_INIT: a trigger
 * while an unanswered attempt is pending restarts it (conn_reconnect_trigger). */
#define DAEMON_CONF_DEBOUNCE_MS_DEFAULT 20
#define DAEMON_CONF_DEBOUNCE_MS_MAX	1000

struct daemon_conf {
	char *ca_files[DAEMON_CONF_LIST_MAX];
	size_t n_ca_files;
	char *ca_dirs[DAEMON_CONF_LIST_MAX];
	size_t n_ca_dirs;
	bool system_ca;
	uint8_t pins[DAEMON_CONF_LIST_MAX][32];
	size_t n_pins;
	char *profiles[DAEMON_CONF_LIST_MAX];
	size_t n_profiles;
	enum log_level log_level;
	char *tun_name;
	char *dns_backend;
	char *resolv_conf;
	bool cisco_compat;
	uint64_t event_log_max_bytes;
	uint64_t network_debounce_ms;
};

void daemon_conf_init(struct daemon_conf *c);
void daemon_conf_done(struct daemon_conf *c);
/* Parses text; on error -EBADMSG and "file:line: why" in reterr. */
_must_check_ int daemon_conf_parse(struct daemon_conf *c, const char *file, const char *text,
				   char *reterr, size_t errlen);
/* Reads and parses a file; a missing file is -ENOENT (callers decide if that is fine). */
_must_check_ int daemon_conf_load(struct daemon_conf *c, const char *path, char *reterr,
				  size_t errlen);
