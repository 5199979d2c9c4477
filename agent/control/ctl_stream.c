/* ctl_stream.c - frame reassembly for the control protocol; see ctl_stream.h. */
#include "ctl_stream.h"

#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"

/* What may sit in the buffer at once: a full frame and the next one's prefix. */
#define STREAM_HOLD_MAX (2 * (CTL_FRAME_HDR + CTL_FRAME_MAX))

void ctl_stream_init(struct ctl_stream *s)
{
	*s = (struct ctl_stream){0};
}

void ctl_stream_done(struct ctl_stream *s)
{
	/* answers carry passwords: wipe before freeing */
	if (s->buf)
		secret_wipe(s->buf, s->cap);
	free(s->buf);
	ctl_stream_init(s);
}

int ctl_stream_feed(struct ctl_stream *s, const void *p, size_t n)
{
	size_t need;
	uint8_t *nb;

	if (s->error)
		return s->error;
	if (n == 0)
		return 0;
	if (n > STREAM_HOLD_MAX - s->len)
		return (s->error = -EMSGSIZE);
	need = s->len + n;
	if (need > s->cap) {
		size_t cap = s->cap ? s->cap : 256;

		while (cap < need)
			cap *= 2;
		nb = xmalloc(cap);
		if (s->len)
			memcpy(nb, s->buf, s->len);
		if (s->buf)
			secret_wipe(s->buf, s->cap);
		free(s->buf);
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	return 0;
}

int ctl_stream_next(struct ctl_stream *s, struct ctl_msg *ret)
{
	uint32_t body;
	size_t total;
	int r;

	if (s->error)
		return s->error;
	if (s->len < CTL_FRAME_HDR)
		return 0;
	body = be32_load(s->buf);
	if (body > CTL_FRAME_MAX || body < CTL_BODY_HDR)
		return (s->error = body > CTL_FRAME_MAX ? -EMSGSIZE : -EBADMSG);
	total = CTL_FRAME_HDR + (size_t)body;
	if (s->len < total)
		return 0;
	r = ctl_msg_decode(s->buf + CTL_FRAME_HDR, body, ret);
	secret_wipe(s->buf, total);
	memmove(s->buf, s->buf + total, s->len - total);
	s->len -= total;
	if (r < 0)
		return (s->error = r);
	return 1;
}
