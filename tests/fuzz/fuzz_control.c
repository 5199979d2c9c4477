/*
 * fuzz_control.c - the control protocol's pure entry points: ctl_stream (framing) and
 * ctl_msg_decode; whatever decodes must re-encode to the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "control/ctl_msg.h"
#include "control/ctl_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void reencode_same(const uint8_t *body, size_t n, const struct ctl_msg *m)
{
	struct buf_writer wr;

	buf_writer_init(&wr);
	if (ctl_msg_encode(m, &wr) < 0 || wr.len != n + CTL_FRAME_HDR ||
	    memcmp(wr.data + CTL_FRAME_HDR, body, n) != 0)
		abort();
	buf_writer_done(&wr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_stream s;
	struct ctl_msg m;

	if (ctl_msg_decode(data, size, &m) == 0) {
		reencode_same(data, size, &m);
		ctl_msg_done(&m);
	}
	ctl_stream_init(&s);
	/* feed in two uneven pieces to exercise reassembly */
	if (ctl_stream_feed(&s, data, size / 3) == 0 &&
	    ctl_stream_feed(&s, data + size / 3, size - size / 3) == 0)
		while (ctl_stream_next(&s, &m) == 1)
			ctl_msg_done(&m);
	ctl_stream_done(&s);
	return 0;
}
