/*
 * bench_esp.c - in-memory seal/open throughput of agent/esp, per transform and
 * packet size (no sockets, no threads): the ceiling the data plane can reach.
 *
 *   bench_esp [SECONDS_PER_CASE]   (default 1)
 *
 * Prints one line per case: transform, inner size, seal and open in Mbit/s of inner
 * bytes and in thousands of packets per second.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/rng.h"
#include "core/secret.h"
#include "esp/esp.h"

#define SPI 0x4303abcdu

static const size_t sizes[] = {64, 512, 1400};

static struct esp_sa *sa_new(enum esp_transform t, enum esp_dir dir)
{
	static const size_t integ_len[_ESP_TRANSFORM_MAX] = {0, 32, 48, 64};
	uint8_t k[64];
	struct secret *encr, *integ = NULL;
	struct esp_sa_params p = {.spi = SPI, .dir = dir, .transform = t, .rng = &rng_system};
	struct esp_sa *sa = NULL;

	memset(k, 0x42, sizeof(k));
	encr = secret_from(k, t == ESP_TRANSFORM_AES_GCM_16_256 ? 36 : 32);
	if (integ_len[t])
		integ = secret_from(k, integ_len[t]);
	p.encr = encr;
	p.integ = integ;
	if (esp_sa_new(&p, &sa) < 0)
		abort();
	secret_free(encr);
	secret_free(integ);
	return sa;
}

static void make_ip(uint8_t *p, size_t n)
{
	memset(p, 0x5a, n);
	p[0] = 0x45;
	be16_store(p + 2, (uint16_t)n);
}

/* Seals packets for `secs`; returns packets per second. */
static double bench_seal(struct esp_sa *out, size_t n, double secs, uint8_t *pkt)
{
	uint8_t inner[2048];
	usec_t start = clock_monotonic_now(), end = start + (usec_t)(secs * USEC_PER_SEC), now;
	uint64_t count = 0;
	size_t len;

	make_ip(inner, n);
	do {
		for (int i = 0; i < 1000; i++, count++)
			if (esp_seal(out, ESP_NH_IPV4, inner, n, pkt, 4096, &len) < 0)
				abort();
		now = clock_monotonic_now();
	} while (now < end);
	return (double)count * USEC_PER_SEC / (double)(now - start);
}

/* Opens a ring of pre-sealed packets (fresh sequence numbers each round). */
static double bench_open(enum esp_transform t, size_t n, double secs)
{
	enum { RING = 256 };
	static uint8_t ring[RING][2048], work[2048];
	struct esp_sa *out = sa_new(t, ESP_DIR_OUT), *in = sa_new(t, ESP_DIR_IN);
	uint8_t inner[2048], nh;
	size_t lens[RING], off, ilen;
	usec_t busy = 0, t0;
	uint64_t count = 0;

	make_ip(inner, n);
	while (busy < (usec_t)(secs * USEC_PER_SEC)) {
		for (int i = 0; i < RING; i++)
			if (esp_seal(out, ESP_NH_IPV4, inner, n, ring[i], sizeof(ring[i]),
				     &lens[i]) < 0)
				abort();
		t0 = clock_monotonic_now();
		for (int i = 0; i < RING; i++, count++) {
			memcpy(work, ring[i], lens[i]); /* open is in place; keep the copy honest */
			if (esp_open(in, work, lens[i], &off, &ilen, &nh) < 0)
				abort();
		}
		busy += clock_monotonic_now() - t0;
	}
	esp_sa_free(out);
	esp_sa_free(in);
	return (double)count * USEC_PER_SEC / (double)busy;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.0;
	static uint8_t pkt[4096];

	printf("%-16s %6s %12s %10s %12s %10s\n", "transform", "bytes", "seal Mbit/s", "seal kpps",
	       "open Mbit/s", "open kpps");
	for (int t = 0; t < _ESP_TRANSFORM_MAX; t++) {
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			struct esp_sa *out = sa_new((enum esp_transform)t, ESP_DIR_OUT);
			double seal = bench_seal(out, sizes[s], secs, pkt);
			double open = bench_open((enum esp_transform)t, sizes[s], secs);

			printf("%-16s %6zu %12.0f %10.0f %12.0f %10.0f\n",
			       esp_transform_to_string((enum esp_transform)t), sizes[s],
			       seal * (double)sizes[s] * 8 / 1e6, seal / 1e3,
			       open * (double)sizes[s] * 8 / 1e6, open / 1e3);
			esp_sa_free(out);
		}
	}
	return 0;
}
