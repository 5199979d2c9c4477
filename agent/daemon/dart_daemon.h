/*
 * dart_daemon.h - anyroamd's side of `anyroam dart`: answers CTL_TYPE_DART [PATH].
 *
 * The daemon knows what no file holds (state, stats, the reconnect timeline, recent
 * control commands, the gateway chain, the live token to scrub); it fills dart_inputs
 * with them and runs dart_collect() in a child process that first takes the
 * requester's uid, gid and groups (SO_PEERCRED), so a member of the anyroam group
 * gets a bundle of what that user may read and cannot make root write anywhere;
 * root gets everything. The event loop never waits for the collection: the child's
 * result comes back through a pipe watched by sd-event.
 */
#pragma once
#include "daemon/dart_history.h"

struct daemon;
struct daemon_ctl_client;
struct ctl_msg;
struct dart_job;

struct dart_daemon {
	struct dart_history history;
	struct dart_job *jobs; /* collections in progress */
};

void dart_daemon_init(struct dart_daemon *dd);
/* Kills collections still running (their clients get no answer). */
void dart_daemon_done(struct dart_daemon *dd);
/*
 * daemon.c on_request, case CTL_TYPE_DART. With PATH (absolute; the CLI resolves it)
 * the agent writes the bundle there; without, it answers with its own data only
 * (dart_json_put_file: timeline, control commands, gateway chain) for a CLI that
 * collects the rest itself, e.g. because the unit's sandbox (ProtectHome, PrivateTmp,
 * no setuid) keeps the agent from writing where the user is.
 */
void dart_daemon_request(struct dart_daemon *dd, struct daemon *d, struct daemon_ctl_client *cl,
			 const struct ctl_msg *req);
