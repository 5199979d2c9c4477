/*
 * daemon_ctl.h - the control server: the AF_UNIX socket `anyroam` talks to.
 *
 * Socket mode 0660, group `anyroam` when that group exists. Each accepted peer is
 * checked with SO_PEERCRED/SO_PEERGROUPS before a byte of it is parsed
 * (ARCHITECTURE.md rule 4): root, or a member of the anyroam group; anyone else is
 * closed at once. Requests are decoded with agent/control and handed to the
 * daemon's handler; replies and events are queued per client and written as the
 * socket accepts them (a client that stops reading is dropped past a cap).
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "control/ctl_msg.h"
#include "control/ctl_stream.h"

#define DAEMON_CTL_DEFAULT     "/run/anyroam/control.sock"
#define DAEMON_CTL_GROUP       "anyroam"
#define DAEMON_CTL_CLIENTS_MAX 32
#define DAEMON_CTL_OUT_MAX     (1024u * 1024u)

struct sd_event;
struct sd_event_source;
struct daemon_ctl;

struct daemon_ctl_client {
	struct daemon_ctl *ctl;
	int fd;
	uid_t uid;
	pid_t pid;
	struct sd_event_source *io;
	struct ctl_stream in;
	uint8_t *out;
	size_t out_len;
	bool follow; /* events --follow */
	bool closing;
	struct daemon_ctl_client *next;
};

/* A decoded request from an authorised client; the handler replies with
 * daemon_ctl_send (now or later: the client pointer stays valid until on_close). */
typedef void (*daemon_ctl_request_func_t)(void *user_data, struct daemon_ctl_client *c,
					  const struct ctl_msg *req);
typedef void (*daemon_ctl_close_func_t)(void *user_data, struct daemon_ctl_client *c);

struct daemon_ctl {
	struct sd_event *event;
	int fd;
	char *path;
	struct sd_event_source *listen_io;
	struct daemon_ctl_client *clients;
	size_t n_clients;
	gid_t group; /* the anyroam group, or (gid_t)-1 */
	daemon_ctl_request_func_t on_request;
	daemon_ctl_close_func_t on_close;
	void *user_data;
};

_must_check_ int daemon_ctl_start(struct daemon_ctl *ctl, struct sd_event *event, const char *path,
				  daemon_ctl_request_func_t on_request,
				  daemon_ctl_close_func_t on_close, void *user_data);
void daemon_ctl_stop(struct daemon_ctl *ctl);

/* Queues m for c; on a full queue or a dead peer the client is closed (-EPIPE). */
int daemon_ctl_send(struct daemon_ctl_client *c, const struct ctl_msg *m);
/* Replies to req with ERRNO r and an optional one-line text. */
int daemon_ctl_reply(struct daemon_ctl_client *c, const struct ctl_msg *req, int r,
		     const char *text);
/* Sends m to every client for which want(c) is true (NULL: all). */
void daemon_ctl_broadcast(struct daemon_ctl *ctl, const struct ctl_msg *m,
			  bool (*want)(const struct daemon_ctl_client *c));
/* Whether the peer credentials admit a client: root, or the anyroam group. */
bool daemon_ctl_peer_allowed(uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups,
			     gid_t anyroam_gid);
