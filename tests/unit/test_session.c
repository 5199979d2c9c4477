/* test_session.c - agent/session: the record, its persistence, the reconnect schedule. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/rng.h"
#include "session/session.h"
#include "session/session_store.h"
#include "session/session_timers.h"

#define TOKEN "9F2C5E7A1B3D4F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8"

static void fill(struct session *s)
{
	struct secret *tok = secret_from_str(TOKEN);

	session_init(s);
	assert_int_equal(session_set_id(s, "rIUHKccDRiUtFTATwq"), 0);
	assert_int_equal(session_set_token(s, tok), 0);
	strcpy(s->host_name, "IKEv2_Gateway");
	strcpy(s->gateway, "10.2.0.2");
	s->gateway_port = 4500;
	strcpy(s->assigned_ipv4, "192.168.20.5");
	s->dh_group = 19;
	s->lost_at = 123456789;
	assert_int_equal(session_add_attr(s, "dns", "192.168.10.1"), 0);
	assert_int_equal(session_add_attr(s, "split_include", "192.168.10.0/24"), 0);
	assert_int_equal(session_add_attr(s, "banner", "Welcome to the lab"), 0);
	secret_free(tok);
}

static void record_limits(void **state)
{
	struct session s;
	struct secret *short_tok = secret_from_str("0123456789abcde"); /* 15 < 16 */
	struct secret *ctl_tok = secret_from("0123456789abcdef\n", 17);
	char long_id[66];

	(void)state;
	session_init(&s);
	assert_false(session_can_reconnect(&s));
	memset(long_id, 'a', 65);
	long_id[65] = '\0';
	assert_int_equal(session_set_id(&s, long_id), -EBADMSG);
	assert_int_equal(session_set_id(&s, ""), -EBADMSG);
	assert_int_equal(session_set_id(&s, "with space"), -EBADMSG);
	assert_int_equal(session_set_token(&s, short_tok), -EBADMSG);
	assert_int_equal(session_set_token(&s, ctl_tok), -EBADMSG);
	assert_null(s.token);
	assert_int_equal(s.reconnect_timeout, 900 * USEC_PER_SEC);
	s.lost_at = 10 * USEC_PER_SEC;
	assert_false(session_expired(&s, 909 * USEC_PER_SEC));
	assert_true(session_expired(&s, 910 * USEC_PER_SEC));
	session_done(&s);
	secret_free(short_tok);
	secret_free(ctl_tok);
}

static void format_parse_roundtrip(void **state)
{
	struct session s, d;
	struct buf_writer wr;

	(void)state;
	fill(&s);
	buf_writer_init(&wr);
	assert_int_equal(session_store_format(&s, &wr), 0);
	assert_true(wr.sensitive);
	/* the token is stored hex-encoded, never as itself */
	assert_null(memmem(wr.data, wr.len, TOKEN, strlen(TOKEN)));
	assert_int_equal(session_store_parse((const char *)wr.data, wr.len, &d), 0);
	assert_string_equal(d.id, "rIUHKccDRiUtFTATwq");
	assert_true(secret_eq(d.token, s.token));
	assert_string_equal(d.host_name, "IKEv2_Gateway");
	assert_string_equal(d.assigned_ipv4, "192.168.20.5");
	assert_int_equal(d.gateway_port, 4500);
	assert_int_equal(d.dh_group, 19);
	assert_int_equal(d.lost_at, 123456789);
	assert_int_equal(d.n_attrs, 3);
	assert_string_equal(session_get_attr(&d, "banner"), "Welcome to the lab");
	buf_writer_done(&wr);
	session_done(&d);
	session_done(&s);
}

static void parse_is_strict(void **state)
{
	static const char *const bad[] = {
		"anyroam-session 2\nid=abc\n",
		"anyroam-session 1\nid=abc\n", /* no token */
		"anyroam-session 1\nid=abc\ntoken=30313233343536373839616263646566\nid=abd\n",
		"anyroam-session 1\nid=abc\ntoken=30313233343536373839616263646566\nfoo=1\n",
		"anyroam-session 1\nid=abc\ntoken=3031323334353637383961626364656\n",
		"anyroam-session 1\nid=abc\ntoken=30313233343536373839616263646566\ndh_group=-1\n",
		"anyroam-session 1\nid=abc\ntoken=30313233343536373839616263646566\ngateway_port=70000\n",
		"anyroam-session 1\nid=abc\ntoken=30313233343536373839616263646566\nattr=novalue\n",
		"anyroam-session 1\nid=abc\ntoken=30313233343536373839616263646566\nnoequals\n",
	};
	struct session d;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(session_store_parse(bad[i], strlen(bad[i]), &d), -EBADMSG);
	assert_int_equal(session_store_parse("anyroam-session 1\nid=abc\n"
					     "token=30313233343536373839616263646566\n",
					     63, &d),
			 0);
	session_done(&d);
}

static void save_load_remove(void **state)
{
	char dir[] = "/tmp/anyroam-test-session-XXXXXX";
	char path[128];
	struct session s, d;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(session_store_load(dir, &d), -ENOENT);
	fill(&s);
	assert_int_equal(session_store_save(&s, dir), 0);
	snprintf(path, sizeof(path), "%s/session", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/.session.tmp", dir);
	assert_int_equal(access(path, F_OK), -1); /* renamed away */
	assert_int_equal(session_store_load(dir, &d), 0);
	assert_string_equal(d.id, s.id);
	session_done(&d);
	/* token rotation replaces the record atomically */
	{
		struct secret *tok = secret_from_str("ABCDEFABCDEFABCDEFABCDEF");

		assert_int_equal(session_set_token(&s, tok), 0);
		assert_int_equal(session_store_save(&s, dir), 0);
		assert_int_equal(session_store_load(dir, &d), 0);
		assert_true(secret_eq(d.token, tok));
		session_done(&d);
		secret_free(tok);
	}
	/* a record others may read is refused */
	snprintf(path, sizeof(path), "%s/session", dir);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(session_store_load(dir, &d), -EPERM);
	assert_int_equal(session_store_remove(dir), 0);
	assert_int_equal(session_store_remove(dir), 0);
	assert_int_equal(session_store_load(dir, &d), -ENOENT);
	assert_int_equal(rmdir(dir), 0);
	session_done(&s);
}

static void backoff_schedule(void **state)
{
	static const usec_t want_ms[] = {250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000};

	(void)state;
	for (unsigned n = 1; n <= ARRAY_SIZE(want_ms); n++)
		assert_int_equal(session_timers_backoff(n), want_ms[n - 1] * USEC_PER_MSEC);
	assert_int_equal(session_timers_backoff(1000), 30 * USEC_PER_SEC);
}

static void answered_failures_back_off_with_jitter(void **state)
{
	struct session_reconnect rc;
	struct rng_fake rng;
	usec_t now = 1000 * USEC_PER_SEC;
	int r = 0;
	unsigned n = 0;

	(void)state;
	rng_fake_init(&rng, 42);
	session_timers_start(&rc, SESSION_REASON_RESUME, now, 900 * USEC_PER_SEC);
	assert_int_equal(rc.next_at, now); /* the first attempt goes at once */
	while (r == 0) {
		usec_t base;

		session_timers_attempt(&rc);
		r = session_timers_failed(&rc, true, now, &rng.ops);
		base = session_timers_backoff(++n);
		assert_true(rc.next_at - now <= base);
		assert_true(rc.next_at - now >= base - base / 4);
		now = rc.next_at;
	}
	assert_int_equal(r, -ETIMEDOUT);
	/* 0.25+...+16 s is under 32 s; the rest at <= 30 s: at least (900-32)/30 more */
	assert_true(n >= 8 + 28);
	assert_true(now >= 1000 * USEC_PER_SEC + 900 * USEC_PER_SEC);
}

static void dark_path_keeps_short_cadence(void **state)
{
	struct session_reconnect rc;
	struct rng_fake rng;
	usec_t now = 0;

	(void)state;
	rng_fake_init(&rng, 7);
	session_timers_start(&rc, SESSION_REASON_SOURCE_ADDRESS, now, 900 * USEC_PER_SEC);
	for (int i = 0; i < 200; i++) { /* 100 s of darkness */
		assert_int_equal(session_timers_failed(&rc, false, now, &rng.ops), 0);
		assert_true(rc.next_at - now <= SESSION_DARK_RETRY);
		assert_true(rc.next_at - now >= SESSION_DARK_RETRY * 3 / 4);
		now = rc.next_at;
	}
	assert_int_equal(rc.failures, 0);
	assert_int_equal(session_timers_elapsed_ms(&rc, now), now / USEC_PER_MSEC);
}

static void policy_honours_profile(void **state)
{
	const struct session_policy on = {.auto_reconnect = true};
	const struct session_policy dos = {.auto_reconnect = true, .disconnect_on_suspend = true};
	const struct session_policy off = {.auto_reconnect = false};

	(void)state;
	assert_int_equal(session_timers_on_trigger(&on, SESSION_REASON_RESUME),
			 SESSION_ACTION_RECONNECT);
	assert_int_equal(session_timers_on_suspend(&on), SESSION_ACTION_IGNORE);
	assert_int_equal(session_timers_on_suspend(&dos), SESSION_ACTION_DISCONNECT);
	assert_int_equal(session_timers_on_trigger(&dos, SESSION_REASON_RESUME),
			 SESSION_ACTION_DISCONNECT);
	assert_int_equal(session_timers_on_trigger(&dos, SESSION_REASON_DEAD_PEER),
			 SESSION_ACTION_RECONNECT);
	assert_int_equal(session_timers_on_trigger(&off, SESSION_REASON_DEAD_PEER),
			 SESSION_ACTION_DISCONNECT);
	assert_string_equal(session_reason_text(9),
			    "System resume from suspend mode (Sleep, Stand-by, Hibernate, etc).");
	assert_string_equal(session_reason_text(107), "Agent restart");
	assert_null(session_reason_text(100));
}

static void sleep_gap_detector(void **state)
{
	struct session_sleep_gap g = {0};

	(void)state;
	assert_false(session_timers_slept(&g, 100 * USEC_PER_SEC, 90 * USEC_PER_SEC));
	assert_false(session_timers_slept(&g, 101 * USEC_PER_SEC, 91 * USEC_PER_SEC));
	/* 4 s of BOOTTIME without MONOTONIC: below the 5 s threshold */
	assert_false(session_timers_slept(&g, 106 * USEC_PER_SEC, 92 * USEC_PER_SEC));
	/* 40 minutes asleep */
	assert_true(session_timers_slept(&g, 2506 * USEC_PER_SEC, 93 * USEC_PER_SEC));
	assert_false(session_timers_slept(&g, 2507 * USEC_PER_SEC, 94 * USEC_PER_SEC));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(record_limits),
		cmocka_unit_test(format_parse_roundtrip),
		cmocka_unit_test(parse_is_strict),
		cmocka_unit_test(save_load_remove),
		cmocka_unit_test(backoff_schedule),
		cmocka_unit_test(answered_failures_back_off_with_jitter),
		cmocka_unit_test(dark_path_keeps_short_cadence),
		cmocka_unit_test(policy_honours_profile),
		cmocka_unit_test(sleep_gap_detector),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
