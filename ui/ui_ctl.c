/* ui_ctl.c - the CLI's side of the control socket: blocking request/response. */
#include "ui.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int ui_ctl_open(struct ui_ctl *c, const struct ui_opts *o)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	*c = (struct ui_ctl){.fd = -1, .next_id = 1};
	ctl_stream_init(&c->stream);
	if (strlen(o->ctl) >= sizeof(sa.sun_path)) {
		fprintf(o->err, "anyroam: control socket path too long: '%s'\n", o->ctl);
		return UI_EXIT_UNREACHABLE;
	}
	strcpy(sa.sun_path, o->ctl);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(o->err,
			"anyroam: the agent is not reachable at %s: %s (is anyroamd running?)\n",
			o->ctl, strerror(errno));
		ui_ctl_close(c);
		return UI_EXIT_UNREACHABLE;
	}
	return 0;
}

void ui_ctl_close(struct ui_ctl *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	ctl_stream_done(&c->stream);
}

int ui_ctl_send(struct ui_ctl *c, struct ctl_msg *m)
{
	struct buf_writer wr;
	size_t off = 0;
	int r;

	m->id = c->next_id++;
	buf_writer_init(&wr);
	wr.sensitive = true; /* answers carry passwords */
	r = ctl_msg_encode(m, &wr);
	while (r == 0 && off < wr.len) {
		ssize_t n = send(c->fd, wr.data + off, wr.len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		else
			off += (size_t)n;
	}
	buf_writer_done(&wr);
	return r;
}

int ui_ctl_recv(struct ui_ctl *c, struct ctl_msg *ret)
{
	uint8_t buf[4096];
	int r;

	while ((r = ctl_stream_next(&c->stream, ret)) == 0) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		if ((r = ctl_stream_feed(&c->stream, buf, (size_t)n)) < 0)
			return r;
	}
	return r < 0 ? r : 0;
}

int ui_ctl_call(struct ui_ctl *c, struct ctl_msg *req, struct ctl_msg *ret_resp,
		ui_event_func_t on_event, void *user_data)
{
	struct ctl_msg m;
	int r;

	if ((r = ui_ctl_send(c, req)) < 0)
		return r;
	for (;;) {
		if ((r = ui_ctl_recv(c, &m)) < 0)
			return r;
		if (m.kind == CTL_KIND_RESPONSE && m.id == req->id) {
			*ret_resp = m;
			return 0;
		}
		r = m.kind == CTL_KIND_EVENT && on_event ? on_event(user_data, c, &m) : 0;
		ctl_msg_done(&m);
		if (r < 0)
			return r;
	}
}

int ui_ctl_result(const struct ui_opts *o, const struct ctl_msg *resp)
{
	const char *msg = ctl_msg_get_str(resp, CTL_F_MESSAGE);
	int64_t e = -EPROTO;

	if (ctl_msg_get_int(resp, CTL_F_ERRNO, &e) == 0 && e == 0)
		return UI_EXIT_OK;
	fprintf(o->err, "anyroam: %s\n", msg ? msg : strerror((int)-e));
	return e == -EINVAL ? UI_EXIT_USAGE : UI_EXIT_FAILED;
}
