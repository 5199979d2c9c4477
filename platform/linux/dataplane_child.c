/* dataplane_child.c - a negotiated Child SA into the data plane; see dataplane_child.h. */
#include "platform/linux/dataplane_child.h"

#include "core/rng.h"

enum esp_transform dataplane_child_transform(const struct ike_suite *s)
{
	if (s->encr == IKE_ENCR_AES_GCM_16)
		return ESP_TRANSFORM_AES_GCM_16_256;
	switch (s->integ) {
	case IKE_INTEG_HMAC_SHA2_256_128:
		return ESP_TRANSFORM_AES_CBC_256_SHA2_256_128;
	case IKE_INTEG_HMAC_SHA2_384_192:
		return ESP_TRANSFORM_AES_CBC_256_SHA2_384_192;
	case IKE_INTEG_HMAC_SHA2_512_256:
		return ESP_TRANSFORM_AES_CBC_256_SHA2_512_256;
	}
	return _ESP_TRANSFORM_INVALID;
}

int dataplane_child_install(struct dataplane *dp, const struct ike_child *ch,
			    struct dataplane_sa *sa)
{
	/* KEYMAT slices per RFC 7296 §2.17, already split by the IKE engine */
	struct esp_sa_params in = {.spi = ch->spi_in,
				   .dir = ESP_DIR_IN,
				   .encr = ch->encr_in,
				   .integ = ch->integ_in,
				   .rng = &rng_system};
	struct esp_sa_params out = {.spi = ch->spi_out,
				    .dir = ESP_DIR_OUT,
				    .encr = ch->encr_out,
				    .integ = ch->integ_out,
				    .rng = &rng_system};
	int r;

	sa->in = sa->out = NULL;
	in.transform = out.transform = dataplane_child_transform(&ch->suite);
	if (in.transform == _ESP_TRANSFORM_INVALID)
		return -EPROTO;
	if ((r = esp_sa_new(&in, &sa->in)) < 0)
		return r;
	if ((r = esp_sa_new(&out, &sa->out)) < 0 || (r = dataplane_sa_install(dp, sa)) < 0) {
		sa->in = esp_sa_free(sa->in);
		sa->out = esp_sa_free(sa->out);
		return r;
	}
	return 0;
}
