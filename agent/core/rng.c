/* rng.c - the system CSPRNG and a seeded deterministic generator for tests. */
#include "rng.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

static int system_fill(void *ud, void *buf, size_t n)
{
	(void)ud;
	while (n > 0) {
		int chunk = n > (1u << 20) ? (1 << 20) : (int)n;

		if (RAND_bytes(buf, chunk) != 1)
			return -EIO;
		buf = (uint8_t *)buf + chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

const struct rng_ops rng_system = { .fill = system_fill, .user_data = NULL };

int rng_uniform(const struct rng_ops *rng, uint32_t bound, uint32_t *ret)
{
	/* reject the top partial range so every value is equally likely */
	uint32_t limit, v;
	int r;

	if (bound == 0)
		return -EINVAL;
	limit = UINT32_MAX - (UINT32_MAX % bound);
	do {
		if ((r = rng_bytes(rng, &v, sizeof(v))) < 0)
			return r;
	} while (v >= limit);
	*ret = v % bound;
	return 0;
}

static int fake_fill(void *ud, void *buf, size_t n)
{
	struct rng_fake *f = ud;
	uint8_t in[16], out[32];
	uint8_t *p = buf;

	while (n > 0) {
		size_t take = n < sizeof(out) ? n : sizeof(out);

		memcpy(in, &f->seed, 8);
		memcpy(in + 8, &f->counter, 8);
		f->counter++;
		if (EVP_Digest(in, sizeof(in), out, NULL, EVP_sha256(), NULL) != 1)
			return -EIO;
		memcpy(p, out, take);
		p += take;
		n -= take;
	}
	return 0;
}

void rng_fake_init(struct rng_fake *f, uint64_t seed)
{
	f->seed = seed;
	f->counter = 0;
	f->ops.fill = fake_fill;
	f->ops.user_data = f;
}
