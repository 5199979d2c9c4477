/*
 * gw_ctl.h - the gateway's control socket: IOS-shaped show/clear commands.
 *
 * Wire (AF_UNIX stream, one request per connection): the client writes one line,
 * "[--json ]WORD WORD ...\n" (at most GW_CTL_LINE_MAX bytes); the server answers "OK\n"
 * or "ERR\n" followed by the text, then closes. Peers are checked with SO_PEERCRED
 * (root or the gateway's own user) before the line is parsed (ARCHITECTURE.md rule 4).
 *
 * The grammar is a table (STYLE.md §11); every word may be abbreviated to a unique
 * prefix, as on IOS: `sh cry ikev2 stats reconnect`.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "core/err.h"

#define GW_CTL_DEFAULT_PATH "/run/anyroam-gw.sock"
#define GW_CTL_LINE_MAX	    512
#define GW_CTL_MAX_WORDS    16

enum gw_ctl_cmd {
	GW_CTL_SHOW_CRYPTO_SESSION_DETAIL,  /* show crypto session detail */
	GW_CTL_SHOW_IKEV2_SESSION_DETAILED, /* show crypto ikev2 session detailed */
	GW_CTL_SHOW_IKEV2_STATS_RECONNECT,  /* show crypto ikev2 stats reconnect */
	GW_CTL_SHOW_IKEV2_STATS,	    /* show crypto ikev2 stats: packet and drop counters */
	GW_CTL_CLEAR_CRYPTO_SESSION,	    /* clear crypto session [SESSION-ID] */
	_GW_CTL_CMD_MAX,
};

struct gw_ctl_request {
	enum gw_ctl_cmd cmd;
	bool json;
	const char *arg; /* clear: the session ID (text or hex), or NULL for all */
};

/*
 * Parses words into a request; -EINVAL with a one-line reason in err (an unknown or
 * ambiguous word is quoted).
 */
_must_check_ int gw_ctl_parse(int argc, char *const *argv, struct gw_ctl_request *ret, char *err,
			      size_t errlen);

/* Server: the daemon's handler writes the reply text to out; 0 = OK, < 0 = ERR. */
typedef int (*gw_ctl_handler_func_t)(void *user_data, const struct gw_ctl_request *req, FILE *out);

/* A listening socket at path (an old socket file is replaced), mode 0600. */
_must_check_ int gw_ctl_listen(const char *path, int *ret_fd);
/* Accepts one client on the listening fd and serves it (bounded by 1 s timeouts). */
void gw_ctl_serve_one(int listen_fd, gw_ctl_handler_func_t fn, void *user_data);

/* Client: sends argv, prints the answer. Exit code: 0 OK, 1 ERR, 2 usage, 3 unreachable. */
int gw_ctl_client_run(const char *path, bool json, int argc, char **argv);
