/*
 * daemon.h - anyroamd's context: the sd-event loop (CLOCK_BOOTTIME timers), the
 * configuration, the event log, the control server, the platform, the profiles, the
 * trust store and the one connection (conn.h).
 */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include <openssl/x509.h>

#include "daemon/daemon_conf.h"
#include "daemon/daemon_ctl.h"
#include "daemon/daemon_log.h"
#include "daemon/dart_daemon.h"

struct sd_event;
struct platform;
struct profile_set;
struct conn;
struct daemon_update;

#define DAEMON_STATE_DIR_DEFAULT "/run/anyroam"
#define DAEMON_SOURCE_AGENT	 "anyroamd"
#define DAEMON_SOURCE_UI	 "anyroam"

struct daemon_options {
	bool foreground;
	const char *config;	  /* NULL: DAEMON_CONF_DEFAULT, missing is fine */
	const char *ctl;	  /* NULL: DAEMON_CTL_DEFAULT */
	const char *state_dir;	  /* NULL: DAEMON_STATE_DIR_DEFAULT */
	const char *profile_dir;  /* NULL: the standard profile directories */
	const char *prefs_global; /* NULL: the first PROFILE_PREFS_GLOBAL_* that exists */
	const char *prefs_user;	  /* NULL: the connecting user's (daemon_prefs.c) */
};

struct daemon {
	struct sd_event *event;
	struct daemon_options opts;
	struct daemon_conf conf;
	struct daemon_log log;
	struct daemon_ctl ctl;
	struct platform *platform;
	struct profile_set *profiles;
	X509_STORE *trust;
	struct conn *conn;
	struct dart_daemon dart;      /* `anyroam dart` requests and the history they bundle */
	struct daemon_update *update; /* a profile update in progress (daemon_update.h) */
	uid_t prefs_uid;	      /* whose preferences.xml applies (the last login's user) */
	bool prefs_uid_set;
};

/* Parses argv (PRODUCT.md: anyroamd [--foreground] [--config FILE] [--ctl SOCKET]
 * [--state-dir DIR] [--profile-dir DIR] [--prefs-global FILE] [--prefs-user FILE]);
 * 2 on a usage error, after printing it. */
int daemon_parse_args(int argc, char **argv, struct daemon_options *ret);
/* Everything up to a listening control socket; logs and returns an error otherwise. */
_must_check_ int daemon_setup(struct daemon *d, const struct daemon_options *o);
/* Runs until SIGTERM/SIGINT; then disconnects nothing (the session stays for the next
 * start, PROTOCOL.md §12 code 107) but stops the data plane. */
int daemon_run(struct daemon *d);
void daemon_teardown(struct daemon *d);
/* (Re)loads the profiles of the profile directory or the standard ones + agent.conf's,
 * and the preferences (daemon_prefs.c). */
void daemon_load_profiles(struct daemon *d);

/* daemon_prefs.c: global + user preferences into d->profiles (profile_set_set_prefs). */
struct profile_fs_ops;
struct profile_diags;
void daemon_prefs_load(struct daemon *d, const struct profile_fs_ops *ops,
		       struct profile_diags *dg);
/* A login by uid: its preferences.xml applies from now on (reloads if it changed). */
void daemon_prefs_for_user(struct daemon *d, uid_t uid);
