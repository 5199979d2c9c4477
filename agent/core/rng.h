/*
 * rng.h - the randomness seam. Protocol code asks an rng_ops for bytes (SPIs,
 * nonces, IVs, session IDs); the daemons pass rng_system (OpenSSL RAND_bytes,
 * seeded by getrandom), tests pass a seeded deterministic generator.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef int (*rng_fill_func_t)(void *user_data, void *buf, size_t n);

struct rng_ops {
	rng_fill_func_t fill;
	void *user_data;
};

_must_check_ static inline int rng_bytes(const struct rng_ops *rng, void *buf, size_t n)
{
	return rng->fill(rng->user_data, buf, n);
}

/* A uniform value in [0, bound) by rejection sampling; bound > 0. */
_must_check_ int rng_uniform(const struct rng_ops *rng, uint32_t bound, uint32_t *ret);

/* The CSPRNG: OpenSSL's RAND_bytes (DRBG seeded from getrandom). */
extern const struct rng_ops rng_system;

/* Deterministic generator for tests (SHA-256 in counter mode over a seed). */
struct rng_fake {
	uint64_t seed;
	uint64_t counter;
	struct rng_ops ops;
};

void rng_fake_init(struct rng_fake *f, uint64_t seed);
