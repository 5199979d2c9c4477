/*
 * esp_replay.c - the receiver's anti-replay window, RFC 4303 §3.4.3 (and the
 * bitmap technique of its Appendix A) with a fixed 64-packet window, ESN off.
 *
 * The check and the update are separate on purpose: §3.4.3 says the window may be
 * moved only after the ICV verified, or a forged packet with a high sequence number
 * would push every genuine one out of the window.
 */
#include "esp/esp.h"

void esp_replay_init(struct esp_replay *rp)
{
	rp->top = 0;
	rp->bitmap = 0;
}

int esp_replay_check(const struct esp_replay *rp, uint32_t seq)
{
	uint32_t diff;

	/* §3.3.3: a sender starts at 1, so 0 is never a valid number */
	if (seq == 0)
		return -EALREADY;
	if (seq > rp->top)
		return 0;
	diff = rp->top - seq;
	if (diff >= ESP_REPLAY_WINDOW)
		return -EALREADY;
	return (rp->bitmap >> diff) & 1 ? -EALREADY : 0;
}

void esp_replay_update(struct esp_replay *rp, uint32_t seq)
{
	uint32_t shift;

	if (seq > rp->top) {
		shift = seq - rp->top;
		rp->bitmap = shift >= ESP_REPLAY_WINDOW ? 1 : (rp->bitmap << shift) | 1;
		rp->top = seq;
		return;
	}
	if (rp->top - seq < ESP_REPLAY_WINDOW)
		rp->bitmap |= (uint64_t)1 << (rp->top - seq);
}
