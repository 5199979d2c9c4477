/* test_control.c - agent/control: message codec round trips, strict decoding, stream framing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/ctl_msg.h"
#include "control/ctl_stream.h"
#include "core/xmalloc.h"

/* Encodes m and returns the body (after the length prefix) in a fresh buffer. */
static uint8_t *encode_body(const struct ctl_msg *m, size_t *ret_len)
{
	struct buf_writer wr;
	uint8_t *all, *body;
	size_t n;

	buf_writer_init(&wr);
	assert_int_equal(ctl_msg_encode(m, &wr), 0);
	all = buf_writer_steal(&wr, &n);
	assert_true(n >= CTL_FRAME_HDR + CTL_BODY_HDR);
	assert_int_equal(be32_load(all), n - CTL_FRAME_HDR);
	body = xmemdup(all + CTL_FRAME_HDR, n - CTL_FRAME_HDR);
	free(all);
	*ret_len = n - CTL_FRAME_HDR;
	return body;
}

static void roundtrip_form_event(void **state)
{
	struct ctl_msg m, d;
	struct secret *pw = secret_from_str("cisco");
	uint8_t *body;
	size_t n;
	int64_t v;

	(void)state;
	ctl_msg_init(&m, CTL_KIND_EVENT, CTL_TYPE_EV_FORM, 0);
	assert_int_equal(ctl_msg_add_int(&m, CTL_F_FORM_ID, 7), 0);
	assert_int_equal(ctl_msg_add_str(&m, CTL_F_FIELD_NAME, "username"), 0);
	assert_int_equal(ctl_msg_add_str(&m, CTL_F_FIELD_TYPE, "text"), 0);
	assert_int_equal(ctl_msg_add_str(&m, CTL_F_FIELD_LABEL, "Username:"), 0);
	assert_int_equal(ctl_msg_add_str(&m, CTL_F_FIELD_NAME, "password"), 0);
	assert_int_equal(ctl_msg_add_str(&m, CTL_F_MESSAGE,
					 "Gr\xc3\xbc\xc3\x9f"
					 "e \xe4\xbd\xa0\xe5\xa5\xbd"),
			 0);
	assert_int_equal(ctl_msg_add_secret(&m, CTL_F_FIELD_VALUE, pw), 0);
	/* a tag of another type is our bug */
	assert_int_equal(ctl_msg_add_int(&m, CTL_F_HOST, 1), -EINVAL);
	assert_int_equal(ctl_msg_add_str(&m, CTL_F_ERRNO, "x"), -EINVAL);
	assert_int_equal(ctl_msg_add_str(&m, CTL_F_HOST, "bad\x01"), -EINVAL);

	body = encode_body(&m, &n);
	assert_int_equal(ctl_msg_decode(body, n, &d), 0);
	assert_int_equal(d.kind, CTL_KIND_EVENT);
	assert_int_equal(d.type, CTL_TYPE_EV_FORM);
	assert_int_equal(d.n_fields, 7);
	assert_int_equal(ctl_msg_get_int(&d, CTL_F_FORM_ID, &v), 0);
	assert_int_equal(v, 7);
	assert_string_equal(ctl_msg_get_str(&d, CTL_F_FIELD_NAME), "username");
	assert_string_equal(d.fields[4].str, "password");
	assert_string_equal(ctl_msg_get_str(&d, CTL_F_MESSAGE), m.fields[5].str);
	assert_true(secret_eq(ctl_msg_get_secret(&d, CTL_F_FIELD_VALUE), pw));
	assert_int_equal(ctl_msg_get_int(&d, CTL_F_ERRNO, &v), -ENOENT);
	assert_null(ctl_msg_get_str(&d, CTL_F_HOST));
	free(body);
	ctl_msg_done(&d);
	ctl_msg_done(&m);
	secret_free(pw);
}

static void response_carries_id_and_errno(void **state)
{
	struct ctl_msg req, resp, d;
	uint8_t *body;
	size_t n;
	int64_t v;

	(void)state;
	ctl_msg_init(&req, CTL_KIND_REQUEST, CTL_TYPE_CONNECT, 0xdeadbeef);
	assert_int_equal(ctl_msg_add_str(&req, CTL_F_HOST, "IKEv2_Gateway"), 0);
	ctl_msg_init_response(&resp, &req, -EACCES, "password rejected by gateway");
	assert_int_equal(ctl_msg_add_int(&resp, CTL_F_BYTES_IN, INT64_MIN), 0);
	body = encode_body(&resp, &n);
	assert_int_equal(ctl_msg_decode(body, n, &d), 0);
	assert_int_equal(d.kind, CTL_KIND_RESPONSE);
	assert_int_equal(d.type, CTL_TYPE_CONNECT);
	assert_int_equal(d.id, 0xdeadbeef);
	assert_int_equal(ctl_msg_get_int(&d, CTL_F_ERRNO, &v), 0);
	assert_int_equal(v, -EACCES);
	assert_int_equal(ctl_msg_get_int(&d, CTL_F_BYTES_IN, &v), 0);
	assert_true(v == INT64_MIN);
	assert_string_equal(ctl_msg_get_str(&d, CTL_F_MESSAGE), "password rejected by gateway");
	free(body);
	ctl_msg_done(&d);
	ctl_msg_done(&resp);
	ctl_msg_done(&req);
}

static void decode_is_strict(void **state)
{
	struct ctl_msg m, d;
	uint8_t *body;
	size_t n;

	(void)state;
	ctl_msg_init(&m, CTL_KIND_REQUEST, CTL_TYPE_STATE, 1);
	assert_int_equal(ctl_msg_add_str(&m, CTL_F_HOST, "gw"), 0);
	body = encode_body(&m, &n);
	/* body: ver kind type(2) id(4) count(2) | tag(2) ftype len(2) "gw" */
	assert_int_equal(n, 10 + 5 + 2);
	for (size_t cut = 0; cut < n; cut++) /* every truncation is refused */
		assert_true(ctl_msg_decode(body, cut, &d) < 0);
	body[0] = 2;
	assert_int_equal(ctl_msg_decode(body, n, &d), -EPROTO); /* version */
	body[0] = CTL_VERSION;
	body[1] = CTL_KIND_EVENT; /* a request type as an event */
	assert_int_equal(ctl_msg_decode(body, n, &d), -EBADMSG);
	body[1] = CTL_KIND_REQUEST;
	body[12] = CTL_FT_INT; /* the tag's type is fixed */
	assert_int_equal(ctl_msg_decode(body, n, &d), -EBADMSG);
	body[12] = CTL_FT_STR;
	body[15] = 0x1b; /* ESC in a string */
	assert_int_equal(ctl_msg_decode(body, n, &d), -EBADMSG);
	body[15] = 'g';
	body[11] = 0; /* tag 0 */
	assert_int_equal(ctl_msg_decode(body, n, &d), -EBADMSG);
	body[11] = CTL_F_HOST;
	body[9] = 0; /* count 0 leaves trailing bytes */
	assert_int_equal(ctl_msg_decode(body, n, &d), -EBADMSG);
	body[9] = 1;
	assert_int_equal(ctl_msg_decode(body, n, &d), 0);
	ctl_msg_done(&d);
	free(body);
	ctl_msg_done(&m);
}

static void utf8_rules(void **state)
{
	struct ctl_msg m;

	(void)state;
	ctl_msg_init(&m, CTL_KIND_EVENT, CTL_TYPE_EV_PROGRESS, 0);
	assert_int_equal(ctl_msg_add_str(&m, CTL_F_MESSAGE, "\xc0\xaf"), -EINVAL); /* overlong */
	assert_int_equal(ctl_msg_add_str(&m, CTL_F_MESSAGE, "\xed\xa0\x80"),
			 -EINVAL);						   /* surrogate */
	assert_int_equal(ctl_msg_add_str(&m, CTL_F_MESSAGE, "\xe4\xbd"), -EINVAL); /* cut */
	assert_int_equal(ctl_msg_add_str(&m, CTL_F_MESSAGE, "\xf0\x9f\x98\x80 ok\n"), 0);
	ctl_msg_done(&m);
}

static void stream_reassembles_byte_by_byte(void **state)
{
	struct ctl_stream s;
	struct ctl_msg a, b, d;
	struct buf_writer wr;
	uint8_t *all;
	size_t n;
	int got = 0, r;

	(void)state;
	ctl_msg_init(&a, CTL_KIND_REQUEST, CTL_TYPE_STATS, 1);
	ctl_msg_init(&b, CTL_KIND_EVENT, CTL_TYPE_EV_PROGRESS, 0);
	assert_int_equal(ctl_msg_add_str(&b, CTL_F_MESSAGE, "Contacting IKEv2_Gateway."), 0);
	buf_writer_init(&wr);
	assert_int_equal(ctl_msg_encode(&a, &wr), 0);
	assert_int_equal(ctl_msg_encode(&b, &wr), 0);
	all = buf_writer_steal(&wr, &n);
	ctl_stream_init(&s);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(ctl_stream_feed(&s, all + i, 1), 0);
		while ((r = ctl_stream_next(&s, &d)) == 1) {
			got++;
			if (got == 1)
				assert_int_equal(d.type, CTL_TYPE_STATS);
			else
				assert_string_equal(ctl_msg_get_str(&d, CTL_F_MESSAGE),
						    "Contacting IKEv2_Gateway.");
			ctl_msg_done(&d);
		}
		assert_int_equal(r, 0);
	}
	assert_int_equal(got, 2);
	ctl_stream_done(&s);
	free(all);
	ctl_msg_done(&a);
	ctl_msg_done(&b);
}

static void stream_refuses_huge_prefix(void **state)
{
	const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff, 1};
	const uint8_t tiny[] = {0, 0, 0, 2, 1, 1};
	struct ctl_stream s;
	struct ctl_msg d;

	(void)state;
	ctl_stream_init(&s);
	assert_int_equal(ctl_stream_feed(&s, huge, sizeof(huge)), 0);
	assert_int_equal(ctl_stream_next(&s, &d), -EMSGSIZE);
	assert_int_equal(ctl_stream_feed(&s, huge, 1), -EMSGSIZE); /* sticky */
	ctl_stream_done(&s);
	ctl_stream_init(&s);
	assert_int_equal(ctl_stream_feed(&s, tiny, sizeof(tiny)), 0);
	assert_int_equal(ctl_stream_next(&s, &d), -EBADMSG);
	ctl_stream_done(&s);
}

/* `anyroam dart --redact-users` reaches the daemon as an INT field of the DART request. */
static void dart_request_carries_redact_users(void **state)
{
	struct ctl_msg req, d;
	uint8_t *body;
	size_t n;
	int64_t v = 0;

	(void)state;
	assert_string_equal(ctl_field_to_string(CTL_F_REDACT_USERS), "redact_users");
	assert_int_equal(ctl_field_type_of(CTL_F_REDACT_USERS), CTL_FT_INT);
	ctl_msg_init(&req, CTL_KIND_REQUEST, CTL_TYPE_DART, 7);
	assert_int_equal(ctl_msg_add_str(&req, CTL_F_PATH, "/tmp/b.zip"), 0);
	assert_int_equal(ctl_msg_add_int(&req, CTL_F_REDACT_USERS, 1), 0);
	body = encode_body(&req, &n);
	assert_int_equal(ctl_msg_decode(body, n, &d), 0);
	assert_int_equal(ctl_msg_get_int(&d, CTL_F_REDACT_USERS, &v), 0);
	assert_int_equal(v, 1);
	free(body);
	ctl_msg_done(&d);
	ctl_msg_done(&req);
}

static void names_come_from_tables(void **state)
{
	(void)state;
	assert_string_equal(ctl_type_to_string(CTL_TYPE_SIMULATE_RESUME), "simulate-resume");
	assert_int_equal(ctl_type_from_string("answer-form"), CTL_TYPE_ANSWER_FORM);
	assert_int_equal(ctl_type_from_string("nope"), _CTL_TYPE_INVALID);
	assert_null(ctl_type_to_string(_CTL_TYPE_MAX));
	assert_string_equal(ctl_field_to_string(CTL_F_LAST_RECONNECT_MS), "last_reconnect_ms");
	assert_int_equal(ctl_field_type_of(CTL_F_FIELD_VALUE), CTL_FT_SECRET);
	assert_true(ctl_type_is_request(CTL_TYPE_DART));
	assert_false(ctl_type_is_request(CTL_TYPE_EV_STATE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roundtrip_form_event),
		cmocka_unit_test(response_carries_id_and_errno),
		cmocka_unit_test(dart_request_carries_redact_users),
		cmocka_unit_test(decode_is_strict),
		cmocka_unit_test(utf8_rules),
		cmocka_unit_test(stream_reassembles_byte_by_byte),
		cmocka_unit_test(stream_refuses_huge_prefix),
		cmocka_unit_test(names_come_from_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
