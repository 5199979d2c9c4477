/*
 * ctl_stream.h - reassembles control frames from a byte stream (no I/O).
 *
 * The daemon and the CLI read whatever the socket gives and feed it here; complete
 * frames come out as decoded messages. A frame whose length prefix is over
 * CTL_FRAME_MAX poisons the stream (-EMSGSIZE) before any body byte is buffered,
 * so a peer cannot make us allocate more than the cap.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "control/ctl_msg.h"

struct ctl_stream {
	uint8_t *buf;
	size_t len;
	size_t cap;
	int error; /* sticky */
};

void ctl_stream_init(struct ctl_stream *s);
void ctl_stream_done(struct ctl_stream *s);
/* Appends bytes; -EMSGSIZE when more than one full frame plus header would be held. */
int ctl_stream_feed(struct ctl_stream *s, const void *p, size_t n);
/* 1 and *ret filled: a message; 0: need more bytes; < 0: the stream is broken. */
_must_check_ int ctl_stream_next(struct ctl_stream *s, struct ctl_msg *ret);
