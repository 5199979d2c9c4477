/* test_core.c - agent/core: buffers, secrets, hex, RNG and clock seams, log rate limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/rng.h"
#include "core/secret.h"

static void reader_rejects_short_input(void **state)
{
	const uint8_t pkt[] = { 0x01, 0x02, 0x03 };
	struct buf_reader rd, sub;
	uint16_t v16;
	uint32_t v32;
	uint8_t v8;

	(void)state;
	buf_reader_init(&rd, pkt, sizeof(pkt));
	assert_int_equal(buf_get_u16(&rd, &v16), 0);
	assert_int_equal(v16, 0x0102);
	assert_int_equal(buf_get_u32(&rd, &v32), -EBADMSG);
	assert_int_equal(buf_left(&rd), 1); /* a failed get consumes nothing */
	assert_int_equal(buf_get_sub(&rd, 2, &sub), -EBADMSG);
	assert_int_equal(buf_get_u8(&rd, &v8), 0);
	assert_int_equal(v8, 3);
	assert_int_equal(buf_get_u8(&rd, &v8), -EBADMSG);
	assert_int_equal(buf_skip(&rd, SIZE_MAX), -EBADMSG);
}

static void reader_sub_is_bounded(void **state)
{
	const uint8_t pkt[] = { 0xAA, 0xBB, 0xCC, 0xDD };
	struct buf_reader rd, sub;
	uint32_t v;

	(void)state;
	buf_reader_init(&rd, pkt, sizeof(pkt));
	assert_int_equal(buf_get_sub(&rd, 2, &sub), 0);
	assert_int_equal(buf_get_u32(&sub, &v), -EBADMSG);
	assert_int_equal(buf_left(&sub), 2);
	assert_int_equal(buf_left(&rd), 2);
}

static void writer_round_trip_and_patch(void **state)
{
	struct buf_writer wr;
	struct buf_reader rd;
	size_t mark;
	uint64_t v64;
	uint16_t len;

	(void)state;
	buf_writer_init(&wr);
	mark = buf_mark(&wr);
	assert_int_equal(buf_put_u16(&wr, 0), 0);
	assert_int_equal(buf_put_u64(&wr, 0x0102030405060708ULL), 0);
	assert_int_equal(buf_put_str(&wr, "abc"), 0);
	assert_int_equal(buf_patch_u16(&wr, mark, (uint16_t)wr.len), 0);
	assert_int_equal(buf_patch_u32(&wr, wr.len - 1, 1), -EINVAL);
	buf_reader_init(&rd, wr.data, wr.len);
	assert_int_equal(buf_get_u16(&rd, &len), 0);
	assert_int_equal(len, 13);
	assert_int_equal(buf_get_u64(&rd, &v64), 0);
	assert_true(v64 == 0x0102030405060708ULL);
	assert_memory_equal(buf_cur(&rd), "abc", 3);
	buf_writer_done(&wr);
}

static void writer_caps_growth(void **state)
{
	struct buf_writer wr;

	(void)state;
	buf_writer_init(&wr);
	assert_int_equal(buf_put_zero(&wr, BUF_SIZE_MAX + 1u), -EMSGSIZE);
	/* the error is sticky, so a chain of puts needs one check at the end */
	assert_int_equal(buf_put_u8(&wr, 1), -EMSGSIZE);
	assert_int_equal(buf_writer_error(&wr), -EMSGSIZE);
	buf_writer_done(&wr);
}

static void sensitive_writer_grows(void **state)
{
	struct buf_writer wr;

	(void)state;
	buf_writer_init(&wr);
	wr.sensitive = true;
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_put_u8(&wr, (uint8_t)i), 0);
	assert_int_equal(wr.data[999], (uint8_t)999);
	buf_writer_done(&wr);
	assert_true(wr.sensitive);
}

static void secret_compare_and_copy(void **state)
{
	struct secret *a = secret_from_str("cisco"), *b = secret_from("cisco", 5);
	struct secret *c = secret_from_str("cisc0"), *ab;

	(void)state;
	assert_true(secret_eq(a, b));
	assert_false(secret_eq(a, c));
	assert_false(secret_eq_bytes(a, "cisco!", 6));
	assert_true(secret_eq(NULL, NULL));
	assert_false(secret_eq(a, NULL));
	ab = secret_concat(a, c);
	assert_int_equal(secret_len(ab), 10);
	assert_memory_equal(secret_data(ab), "ciscocisc0", 10);
	a = secret_free(a);
	assert_null(a);
	secret_free(b);
	secret_free(c);
	secret_free(ab);
	assert_null(secret_free(NULL));
}

static void hex_round_trip(void **state)
{
	const uint8_t sid[] = "rIUHKccDRiUtFTATwq";
	char text[64];
	uint8_t back[32];
	size_t n;

	(void)state;
	hex_encode(sid, 18, text, 1);
	/* the technote's `show crypto session` rendering of the session ID */
	assert_string_equal(text, "724955484B63634452695574465441547771");
	assert_int_equal(hex_decode(text, back, sizeof(back), &n), 0);
	assert_int_equal(n, 18);
	assert_memory_equal(back, sid, 18);
	assert_int_equal(hex_decode("abc", back, sizeof(back), &n), -EBADMSG);
	assert_int_equal(hex_decode("zz", back, sizeof(back), &n), -EBADMSG);
	assert_int_equal(hex_decode("0011", back, 1, &n), -EMSGSIZE);
}

static void fake_rng_is_deterministic(void **state)
{
	struct rng_fake f1, f2;
	uint8_t a[100], b[100];
	uint32_t v;

	(void)state;
	rng_fake_init(&f1, 42);
	rng_fake_init(&f2, 42);
	assert_int_equal(rng_bytes(&f1.ops, a, sizeof(a)), 0);
	assert_int_equal(rng_bytes(&f2.ops, b, sizeof(b)), 0);
	assert_memory_equal(a, b, sizeof(a));
	rng_fake_init(&f2, 43);
	assert_int_equal(rng_bytes(&f2.ops, b, sizeof(b)), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(rng_uniform(&f1.ops, 52, &v), 0);
		assert_true(v < 52);
	}
	assert_int_equal(rng_uniform(&f1.ops, 0, &v), -EINVAL);
}

static void system_rng_fills(void **state)
{
	uint8_t a[32] = { 0 }, zero[32] = { 0 };

	(void)state;
	assert_int_equal(rng_bytes(&rng_system, a, sizeof(a)), 0);
	assert_memory_not_equal(a, zero, sizeof(a));
}

static void clocks(void **state)
{
	struct clock_fake f;
	usec_t b1, b2;

	(void)state;
	clock_fake_init(&f, 1000);
	assert_true(clock_now(&f.ops) == 1000);
	clock_fake_advance(&f, 900 * USEC_PER_SEC);
	assert_true(clock_now(&f.ops) == 1000 + 900 * USEC_PER_SEC);
	b1 = clock_now(&clock_boottime);
	b2 = clock_now(&clock_boottime);
	assert_true(b2 >= b1 && b1 > 0);
	/* BOOTTIME includes suspend, MONOTONIC does not: never smaller */
	assert_true(clock_boottime_now() + USEC_PER_SEC >= clock_monotonic_now());
}

static unsigned int lines;
static char last_line[256];

static void count_sink(void *ud, enum log_level level, const char *module, const char *func,
		       const struct log_fields *fields, const char *msg)
{
	(void)ud;
	(void)level;
	(void)module;
	(void)func;
	(void)fields;
	lines++;
	snprintf(last_line, sizeof(last_line), "%s", msg);
}

/* One call site, so one rate limiter. */
static void noisy(int i)
{
	log_debug_ratelimited("malformed packet %d", i);
}

static void log_ratelimit_on_virtual_time(void **state)
{
	struct clock_fake f;

	(void)state;
	clock_fake_init(&f, USEC_PER_SEC);
	log_set_clock(&f.ops);
	log_set_sink(count_sink, NULL);
	log_set_level(LOG_LEVEL_DEBUG);
	lines = 0;
	for (int i = 0; i < 100; i++)
		noisy(i);
	assert_int_equal(lines, LOG_RATELIMIT_BURST);
	clock_fake_advance(&f, LOG_RATELIMIT_INTERVAL);
	noisy(100);
	/* one "suppressed" summary line, then the new line */
	assert_int_equal(lines, LOG_RATELIMIT_BURST + 2);
	assert_string_equal(last_line, "malformed packet 100");
	log_err_fr(-EBADMSG, "parse %s", "x");
	assert_string_equal(last_line, "parse x: malformed input");
	log_set_level(LOG_LEVEL_INFO);
	log_debug("hidden");
	assert_string_equal(last_line, "parse x: malformed input");
	assert_int_equal(log_level_from_string("warning"), LOG_LEVEL_WARNING);
	assert_int_equal(log_level_from_string("loud"), -EINVAL);
	log_set_sink(NULL, NULL);
	log_set_clock(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reader_rejects_short_input),
		cmocka_unit_test(reader_sub_is_bounded),
		cmocka_unit_test(writer_round_trip_and_patch),
		cmocka_unit_test(writer_caps_growth),
		cmocka_unit_test(sensitive_writer_grows),
		cmocka_unit_test(secret_compare_and_copy),
		cmocka_unit_test(hex_round_trip),
		cmocka_unit_test(fake_rng_is_deterministic),
		cmocka_unit_test(system_rng_fills),
		cmocka_unit_test(clocks),
		cmocka_unit_test(log_ratelimit_on_virtual_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
