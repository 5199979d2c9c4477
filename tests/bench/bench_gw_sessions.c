/*
 * bench_gw_sessions.c - memory and lookup time of the gateway's session databases with
 * 100,000 inactive sessions (issue 6: an inactive session costs under 2 KiB).
 *
 *   build-NAME/bench/bench_gw_sessions [N]
 *
 * Memory is the heap growth measured with mallinfo2() (every allocation counted,
 * malloc overhead included) divided by N; lookups are by session ID, half of them
 * hits and half misses, timed on CLOCK_MONOTONIC.
 */
#include <arpa/inet.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/rng.h"
#include "tests/gateway/gw_sess.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000, i, hits = 0, lookups;
	struct gw_sessdb_config cfg = {
		.reconnect_timeout = 900 * USEC_PER_SEC,
		.rl_fails = 5,
		.rl_window = 60 * USEC_PER_SEC,
		.rl_hold = 60 * USEC_PER_SEC,
	};
	struct gw_sess_stats st;
	struct gw_sessdb *db;
	struct gw_sess *s;
	char(*ids)[GW_SESS_ID_LEN + 1];
	size_t before, after;
	double t0, t1, t2;

	if (n == 0 || n > 1000000) {
		fprintf(stderr, "usage: bench_gw_sessions [N <= 1000000]\n");
		return 2;
	}
	log_set_level(LOG_LEVEL_WARNING);
	inet_pton(AF_INET, "10.0.0.1", &cfg.pool_first);
	inet_pton(AF_INET, "10.15.255.254", &cfg.pool_last);
	ids = calloc(n, sizeof(*ids));
	before = mallinfo2().uordblks;
	db = gw_sessdb_new(&cfg, &rng_system);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		if (gw_sessdb_login(db, 0, "test", true, i + 1, &s) < 0) {
			fprintf(stderr, "login %zu failed\n", i);
			return 1;
		}
		memcpy(ids[i], s->id, sizeof(ids[i]));
		gw_sessdb_sa_lost(db, 1, s);
	}
	t1 = now_s();
	after = mallinfo2().uordblks;
	gw_sessdb_get_stats(db, &st);

	lookups = 2 * n;
	t2 = now_s();
	for (i = 0; i < lookups; i++) {
		char miss[GW_SESS_ID_LEN + 1];
		const char *id = ids[i % n];

		if (i & 1) { /* a miss: same shape, one letter changed */
			memcpy(miss, id, sizeof(miss));
			miss[0] = miss[0] == 'A' ? 'B' : 'A';
			id = miss;
		}
		hits += gw_sessdb_find(db, id, GW_SESS_ID_LEN) != NULL;
	}
	t2 = now_s() - t2;

	printf("inactive sessions:        %zu (stats: %zu inactive, %zu active)\n", n, st.inactive,
	       st.active);
	printf("heap growth:              %.1f MiB total, %.0f bytes per inactive session (limit "
	       "2048)\n",
	       (double)(after - before) / (1024.0 * 1024.0), (double)(after - before) / (double)n);
	printf("  of which tables:        %zu bytes (buckets, lease bitmap)\n",
	       gw_sessdb_table_bytes(db));
	printf("create + deactivate:      %.0f ns per session\n", (t1 - t0) * 1e9 / (double)n);
	printf("lookup by ID:             %.0f ns per lookup (%zu lookups, %zu hits)\n",
	       t2 * 1e9 / (double)lookups, lookups, hits);
	gw_sessdb_free(db);
	free(ids);
	return (after - before) / n < 2048 && hits >= n / 2 ? 0 : 1;
}
