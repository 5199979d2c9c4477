/*
 * daemon_update.h - profile updates after a login (profile/profile_update.h): the
 * gateway's `complete` message names a profile (URI + SHA-1); it is fetched over HTTPS
 * from the HostAddress the user logged in to, verified and installed into the profile
 * directory, and the profile set is reloaded.
 *
 * The fetch blocks (libcurl, up to 30 s), so it runs on one worker thread: the thread
 * owns a copy of everything it needs and touches nothing else of the daemon; it ends
 * by writing an eventfd that the sd-event loop watches, and the loop joins it, logs
 * the outcome and reloads the profiles. A thread rather than curl-multi in sd-event
 * keeps platform_https.c (a plain blocking API that `profile check` and the tests use)
 * as it is; rather than a fork, it shares the process's trust store and logging.
 * One update at a time: an announcement during a running update is skipped (the next
 * login sees it again).
 */
#pragma once

#include <stdbool.h>

struct daemon;
struct daemon_update;

/* Starts the update of the file the gateway announced; the outcome is logged later. */
void daemon_update_start(struct daemon *d, const char *host_address, const char *uri,
			 const char *hash);
/* Whether an update thread runs (tests). */
bool daemon_update_running(const struct daemon *d);
/* Waits for a running update (at most the transfer timeout) and frees it. */
void daemon_update_stop(struct daemon *d);
