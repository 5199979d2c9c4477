/*
 * dart_history.h - what only the running daemon knows and DART bundles: the reconnect
 * timeline (each reconnect with its reason code, PROTOCOL.md §12, per-step timings and
 * outcome), the recent control-socket commands, and the gateway certificate chain as
 * last seen (public certificates, PEM).
 *
 * The daemon feeds it at the points named in each function's comment; it holds no
 * secret (command names and peer ids only, never a request's fields).
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/clock.h"

#define DART_HISTORY_RECONNECTS 32
#define DART_HISTORY_STEPS	16
#define DART_HISTORY_COMMANDS	64
#define DART_HISTORY_CHAIN_MAX	8

struct dart_step {
	char name[32];	/* "ike_sa_init_sent", "ike_auth_done", "child_sa_installed", ... */
	uint64_t at_ms; /* since the trigger */
};

struct dart_reconnect {
	usec_t realtime; /* wall clock of the trigger */
	usec_t started;	 /* CLOCK_BOOTTIME of the trigger */
	int reason;	 /* PROTOCOL.md §12 */
	bool done;
	bool ok;
	uint64_t duration_ms; /* trigger to traffic-ready (or to failure) */
	unsigned int attempts;
	char outcome[128];
	size_t n_steps;
	struct dart_step steps[DART_HISTORY_STEPS];
};

struct dart_command {
	usec_t realtime;
	uid_t uid;
	pid_t pid;
	char name[32]; /* ctl_type_to_string() */
};

struct dart_history {
	struct dart_reconnect rc[DART_HISTORY_RECONNECTS];
	size_t rc_start, rc_len;
	struct dart_command cmd[DART_HISTORY_COMMANDS];
	size_t cmd_start, cmd_len;
	char *chain_pem; /* NULL: no chain seen yet */
};

void dart_history_init(struct dart_history *h);
void dart_history_done(struct dart_history *h);

/* daemon.c on_request, first line: one entry per control request (no fields kept). */
void dart_history_command(struct dart_history *h, usec_t realtime, uid_t uid, pid_t pid,
			  const char *name);
/* conn_reconnect_trigger: a reconnect starts (a running one is closed as superseded). */
void dart_history_reconnect_begin(struct dart_history *h, int reason, usec_t realtime,
				  usec_t boottime);
/* Each step of the running reconnect (attempt start, IKE_SA_INIT, IKE_AUTH, child SA). */
void dart_history_reconnect_step(struct dart_history *h, const char *name, usec_t boottime);
/* conn_reconnect_succeeded / a fallback to full login / giving up. */
void dart_history_reconnect_end(struct dart_history *h, bool ok, const char *outcome,
				usec_t boottime);
/* The chain the gateway sent (DER certificates, leaf first), converted to PEM. */
void dart_history_set_chain(struct dart_history *h, const uint8_t *const *ders, const size_t *lens,
			    size_t n);

size_t dart_history_reconnect_count(const struct dart_history *h);
/* i-th oldest */
const struct dart_reconnect *dart_history_reconnect_at(const struct dart_history *h, size_t i);
/* JSON array of the reconnects, oldest first (malloc'd). */
char *dart_history_timeline_json(const struct dart_history *h);
/* One line per command, oldest first (malloc'd). */
char *dart_history_commands_text(const struct dart_history *h);
