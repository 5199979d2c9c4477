/* daemon_ctl.c - the control socket server; see daemon_ctl.h. */
#define LOG_MODULE "ctl"
#define _GNU_SOURCE
#include "daemon_ctl.h"

#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "core/log.h"
#include "core/xmalloc.h"

#define PEER_GROUPS_MAX 64

bool daemon_ctl_peer_allowed(uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups,
			     gid_t anyroam_gid)
{
	if (uid == 0)
		return true;
	if (anyroam_gid == (gid_t)-1)
		return false;
	if (gid == anyroam_gid)
		return true;
	for (size_t i = 0; i < n_groups; i++)
		if (groups[i] == anyroam_gid)
			return true;
	return false;
}

static void client_free(struct daemon_ctl_client *c)
{
	struct daemon_ctl *ctl = c->ctl;

	for (struct daemon_ctl_client **pp = &ctl->clients; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			ctl->n_clients--;
			break;
		}
	if (ctl->on_close)
		ctl->on_close(ctl->user_data, c);
	sd_event_source_disable_unref(c->io);
	close(c->fd);
	ctl_stream_done(&c->in);
	free(c->out);
	free(c);
}

static int flush_out(struct daemon_ctl_client *c)
{
	while (c->out_len) {
		ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0)
			return -errno;
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	return sd_event_source_set_io_events(c->io, EPOLLIN | (c->out_len ? EPOLLOUT : 0));
}

int daemon_ctl_send(struct daemon_ctl_client *c, const struct ctl_msg *m)
{
	struct buf_writer wr;
	int r;

	if (c->closing)
		return -EPIPE;
	buf_writer_init(&wr);
	r = ctl_msg_encode(m, &wr);
	if (r == 0 && c->out_len + wr.len > DAEMON_CTL_OUT_MAX)
		r = -ENOBUFS;
	if (r == 0) {
		c->out = xrealloc(c->out, c->out_len + wr.len);
		memcpy(c->out + c->out_len, wr.data, wr.len);
		c->out_len += wr.len;
		r = flush_out(c);
	}
	buf_writer_done(&wr);
	if (r < 0) {
		log_debug("client pid %d: dropped (%s)", (int)c->pid, err_str(r));
		c->closing = true; /* freed from its own io callback, never under a caller */
		(void)sd_event_source_set_io_events(c->io, EPOLLIN | EPOLLOUT);
	}
	return r;
}

int daemon_ctl_reply(struct daemon_ctl_client *c, const struct ctl_msg *req, int r,
		     const char *text)
{
	struct ctl_msg m;
	int ret;

	ctl_msg_init_response(&m, req, r, text);
	ret = daemon_ctl_send(c, &m);
	ctl_msg_done(&m);
	return ret;
}

void daemon_ctl_broadcast(struct daemon_ctl *ctl, const struct ctl_msg *m,
			  bool (*want)(const struct daemon_ctl_client *c))
{
	for (struct daemon_ctl_client *c = ctl->clients; c; c = c->next)
		if (!want || want(c))
			(void)daemon_ctl_send(c, m);
}

static int read_input(struct daemon_ctl_client *c)
{
	uint8_t buf[4096];
	struct ctl_msg m;
	ssize_t n;
	int r;

	n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (n == 0)
		return -ECONNRESET;
	r = ctl_stream_feed(&c->in, buf, (size_t)n);
	secret_wipe(buf, sizeof(buf));
	while (r == 0 && (r = ctl_stream_next(&c->in, &m)) == 1) {
		r = 0;
		if (m.kind != CTL_KIND_REQUEST)
			r = -EPROTO;
		else
			c->ctl->on_request(c->ctl->user_data, c, &m);
		ctl_msg_done(&m);
		if (c->closing)
			break;
	}
	return r;
}

static int on_client_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct daemon_ctl_client *c = userdata;
	int r = 0;

	if (!c->closing && (revents & EPOLLOUT))
		r = flush_out(c);
	if (r == 0 && !c->closing && (revents & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		r = read_input(c);
	if (r < 0 && r != -ECONNRESET)
		log_debug_ratelimited("client pid %d: %s", (int)c->pid, err_str(r));
	if (r < 0 || c->closing)
		client_free(c);
	return 0;
}

/* SO_PEERCRED, then SO_PEERGROUPS (supplementary groups, Linux 4.13). */
static bool peer_ok(struct daemon_ctl *ctl, int fd, struct ucred *cred)
{
	gid_t groups[PEER_GROUPS_MAX];
	socklen_t len = sizeof(*cred), glen = sizeof(groups);
	size_t n = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) < 0)
		return false;
#ifdef SO_PEERGROUPS
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0)
		n = glen / sizeof(gid_t);
#endif
	return daemon_ctl_peer_allowed(cred->uid, cred->gid, groups, n, ctl->group);
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct daemon_ctl *ctl = userdata;
	struct daemon_ctl_client *c;
	struct ucred cred;
	int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (cfd < 0)
		return 0;
	if (!peer_ok(ctl, cfd, &cred) || ctl->n_clients >= DAEMON_CTL_CLIENTS_MAX) {
		log_warning_ratelimited("control: refused a client (uid %u pid %d)",
					(unsigned)cred.uid, (int)cred.pid);
		close(cfd);
		return 0;
	}
	c = xcalloc(1, sizeof(*c));
	*c = (struct daemon_ctl_client){.ctl = ctl, .fd = cfd, .uid = cred.uid, .pid = cred.pid};
	ctl_stream_init(&c->in);
	if (sd_event_add_io(ctl->event, &c->io, cfd, EPOLLIN, on_client_io, c) < 0) {
		close(cfd);
		free(c);
		return 0;
	}
	c->next = ctl->clients;
	ctl->clients = c;
	ctl->n_clients++;
	return 0;
}

static gid_t lookup_group(void)
{
	struct group *g = getgrnam(DAEMON_CTL_GROUP);

	return g ? g->gr_gid : (gid_t)-1;
}

static int bind_socket(struct daemon_ctl *ctl, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	mode_t old;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ctl->fd < 0)
		return -errno;
	(void)unlink(path); /* a stale socket of a previous run */
	old = umask(0117);  /* born 0660: no window in which others may connect */
	r = bind(ctl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
	umask(old);
	if (r == 0 && chmod(path, 0660) < 0)
		r = -errno;
	if (r == 0 && ctl->group != (gid_t)-1 && chown(path, 0, ctl->group) < 0)
		r = -errno;
	if (r == 0 && listen(ctl->fd, 16) < 0)
		r = -errno;
	return r;
}

int daemon_ctl_start(struct daemon_ctl *ctl, struct sd_event *event, const char *path,
		     daemon_ctl_request_func_t on_request, daemon_ctl_close_func_t on_close,
		     void *user_data)
{
	int r;

	*ctl = (struct daemon_ctl){.event = event,
				   .fd = -1,
				   .on_request = on_request,
				   .on_close = on_close,
				   .user_data = user_data};
	ctl->group = lookup_group();
	ctl->path = xstrdup(path);
	r = bind_socket(ctl, path);
	if (r == 0)
		r = sd_event_add_io(event, &ctl->listen_io, ctl->fd, EPOLLIN, on_accept, ctl);
	if (r < 0)
		daemon_ctl_stop(ctl);
	return r;
}

void daemon_ctl_stop(struct daemon_ctl *ctl)
{
	while (ctl->clients)
		client_free(ctl->clients);
	ctl->listen_io = sd_event_source_disable_unref(ctl->listen_io);
	if (ctl->fd >= 0) {
		close(ctl->fd);
		(void)unlink(ctl->path);
	}
	free(ctl->path);
	ctl->path = NULL;
	ctl->fd = -1;
}
