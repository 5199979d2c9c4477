/*
 * gw_htab.h - an intrusive chained hash table (the session, expired-ID and rate-limit
 * tables of the gateway). The caller embeds struct gw_hnode, computes the hash with
 * gw_htab_hash() (keyed with a random seed, so chain lengths cannot be steered from
 * outside) and compares keys itself while walking a bucket.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct gw_hnode {
	struct gw_hnode *next;
	uint64_t hash;
};

struct gw_htab {
	struct gw_hnode **buckets;
	size_t n_buckets; /* a power of two */
	size_t n;
	uint64_t seed;
};

#define gw_container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

void gw_htab_init(struct gw_htab *t, uint64_t seed);
void gw_htab_done(struct gw_htab *t);
uint64_t gw_htab_hash(const struct gw_htab *t, const void *key, size_t len);
/* Grows the table when the load passes 1. */
void gw_htab_insert(struct gw_htab *t, struct gw_hnode *node);
void gw_htab_remove(struct gw_htab *t, struct gw_hnode *node);
/* The first node of hash's bucket; walk ->next and compare hash and key. */
struct gw_hnode *gw_htab_bucket(const struct gw_htab *t, uint64_t hash);
/* Bytes the bucket array takes (for the memory figure of the benchmark). */
size_t gw_htab_bytes(const struct gw_htab *t);
