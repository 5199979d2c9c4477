/* gw_htab.c - intrusive chained hash table; see gw_htab.h. */
#include "gw_htab.h"

#include <stdlib.h>

#include "core/xmalloc.h"

#define HTAB_MIN_BUCKETS 64

void gw_htab_init(struct gw_htab *t, uint64_t seed)
{
	t->n_buckets = HTAB_MIN_BUCKETS;
	t->buckets = xcalloc(t->n_buckets, sizeof(*t->buckets));
	t->n = 0;
	t->seed = seed;
}

void gw_htab_done(struct gw_htab *t)
{
	free(t->buckets);
	t->buckets = NULL;
	t->n_buckets = t->n = 0;
}

/* FNV-1a over a seeded state, then a 64-bit finaliser (splitmix64) to spread the bits */
uint64_t gw_htab_hash(const struct gw_htab *t, const void *key, size_t len)
{
	const uint8_t *p = key;
	uint64_t h = 0xcbf29ce484222325ULL ^ t->seed;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

static void grow(struct gw_htab *t)
{
	size_t nb = t->n_buckets * 2, i;
	struct gw_hnode **b = xcalloc(nb, sizeof(*b)), *n, *next;

	for (i = 0; i < t->n_buckets; i++) {
		for (n = t->buckets[i]; n; n = next) {
			next = n->next;
			n->next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->n_buckets = nb;
}

void gw_htab_insert(struct gw_htab *t, struct gw_hnode *node)
{
	struct gw_hnode **b;

	if (t->n >= t->n_buckets)
		grow(t);
	b = &t->buckets[node->hash & (t->n_buckets - 1)];
	node->next = *b;
	*b = node;
	t->n++;
}

void gw_htab_remove(struct gw_htab *t, struct gw_hnode *node)
{
	struct gw_hnode **pp = &t->buckets[node->hash & (t->n_buckets - 1)];

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == node) {
			*pp = node->next;
			node->next = NULL;
			t->n--;
			return;
		}
	}
}

struct gw_hnode *gw_htab_bucket(const struct gw_htab *t, uint64_t hash)
{
	return t->buckets[hash & (t->n_buckets - 1)];
}

size_t gw_htab_bytes(const struct gw_htab *t)
{
	return t->n_buckets * sizeof(*t->buckets);
}
