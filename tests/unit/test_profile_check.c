/*
 * test_profile_check.c - `anyroam profile check` (ui/profile_check.c) as a user runs it:
 * exit codes 0/1/2 (PRODUCT.md), every effective setting with its origin on stdout, one
 * line per problem on stderr in the file:line: element: message form.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/xmalloc.h"
#include "ui/profile_check.h"

#define FIXTURES	ANYROAM_TESTDATA "/profiles"
#define SHARED_PROFILES ANYROAM_TESTDATA "/shared-profiles"

struct run {
	int rc;
	char *out;
	char *err;
};

static char *read_back(FILE *f)
{
	long n;
	char *s;

	fflush(f);
	n = ftell(f);
	assert_true(n >= 0);
	s = xcalloc(1, (size_t)n + 1);
	rewind(f);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return s;
}

/* Runs ui_profile_check with argv (NULL-terminated) and captures stdout and stderr. */
static struct run check(const char *first, ...)
{
	char *argv[16];
	int argc = 0, so = dup(STDOUT_FILENO), se = dup(STDERR_FILENO);
	FILE *out = tmpfile(), *err = tmpfile();
	struct run r;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a && argc < 15; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	assert_non_null(out);
	assert_non_null(err);
	fflush(stdout);
	fflush(stderr);
	assert_true(dup2(fileno(out), STDOUT_FILENO) >= 0 && dup2(fileno(err), STDERR_FILENO) >= 0);
	r.rc = ui_profile_check(argc, argv);
	fflush(stdout);
	fflush(stderr);
	assert_true(dup2(so, STDOUT_FILENO) >= 0 && dup2(se, STDERR_FILENO) >= 0);
	close(so);
	close(se);
	fseek(out, 0, SEEK_END);
	fseek(err, 0, SEEK_END);
	r.out = read_back(out);
	r.err = read_back(err);
	return r;
}

static void run_done(struct run *r)
{
	free(r->out);
	free(r->err);
}

static void assert_has(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("missing '%s' in:\n%s", needle, hay);
}

static void test_seed(void **state)
{
	struct run r = check("check", FIXTURES "/seed-acvpn.xml", NULL);

	assert_int_equal(r.rc, 0);
	assert_string_equal(r.err, "");
	assert_has(r.out, "AutoReconnect                              true                   "
			  "profile (" FIXTURES "/seed-acvpn.xml:17) UserControllable=false");
	assert_has(r.out, "AutoReconnectBehavior                      ReconnectAfterResume   "
			  "profile (" FIXTURES "/seed-acvpn.xml:18) UserControllable=false");
	assert_has(
		r.out,
		"CertificateStoreLinux                      All                    schema default");
	assert_has(r.out, "HostEntry 'IKEv2_Gateway'");
	assert_has(r.out, "=> connect to                              flexvpn-c8kv.example.com");
	assert_has(r.out, "=> authentication                          EAP-AnyConnect");
	run_done(&r);
}

static void test_bad_value(void **state)
{
	struct run r = check("check", FIXTURES "/acvpn-bad-behavior.xml", NULL);

	assert_int_equal(r.rc, 1);
	assert_string_equal(
		r.err, "anyroam: " FIXTURES "/acvpn-bad-behavior.xml:18: AutoReconnectBehavior: "
		       "'Reconnect' is not one of DisconnectOnSuspend, ReconnectAfterResume\n");
	run_done(&r);
}

static void test_broken_xml(void **state)
{
	struct run r = check("check", SHARED_PROFILES "/broken-truncated-start-tag.xml", NULL);

	assert_int_equal(r.rc, 1);
	assert_has(r.err, "broken-truncated-start-tag.xml:40: not well-formed XML: error parsing "
			  "attribute name");
	run_done(&r);
}

static void test_usage(void **state)
{
	struct run r = check("check", NULL);

	assert_int_equal(r.rc, 2);
	assert_has(r.err, "usage: anyroam profile check");
	run_done(&r);
	r = check("check", "--bogus", FIXTURES "/seed-acvpn.xml", NULL);
	assert_int_equal(r.rc, 2);
	run_done(&r);
	r = check("check", "--help", NULL);
	assert_int_equal(r.rc, 0);
	assert_has(r.out, "usage:");
	run_done(&r);
	r = check("check", "/nonexistent/profile.xml", NULL);
	assert_int_equal(r.rc, 1);
	assert_has(r.err, "/nonexistent/profile.xml: No such file or directory");
	run_done(&r);
}

static void test_preferences_applied(void **state)
{
	struct run r = check("check", "--global", FIXTURES "/prefs-global.xml", "--user",
			     FIXTURES "/prefs-user.xml", FIXTURES "/user-controllable.xml", NULL);

	assert_int_equal(r.rc, 0);
	assert_has(r.out, "LocalLanAccess                             true                   "
			  "global preference");
	assert_has(r.out, "MinimizeOnConnect                          true                   user "
			  "preference");
	assert_has(r.out,
		   "AutoConnectOnStart                         false                  profile");
	assert_has(r.out, "unknown element kept, not used: FutureSetting");
	run_done(&r);
}

static void test_other_documents(void **state)
{
	struct run r = check("check", SHARED_PROFILES "/preferences-global-crlf.xml", NULL);

	assert_int_equal(r.rc, 0);
	assert_has(r.out,
		   "DefaultHostName                            mx-f01-example.example.com:4443");
	assert_has(r.out, "LocalLanAccess                             true (");
	run_done(&r);
	r = check("check", SHARED_PROFILES "/localpolicy-namespaced-updatepolicy.xml", NULL);
	assert_int_equal(r.rc, 0);
	assert_has(r.out, "UpdatePolicy/AllowVPNProfileUpdatesFromAnyServer");
	run_done(&r);
}

static void test_directories(void **state)
{
	struct run r = check("check", FIXTURES "/dir-a", NULL);

	assert_int_equal(r.rc, 0);
	assert_has(r.err, "warning: " FIXTURES
			  "/dir-a/20-lab.xml:4: HostName: 'Shared' is already defined in");
	run_done(&r);
	/* dir-b holds a broken profile: reported, the others still listed, exit 1 */
	r = check("check", FIXTURES "/dir-a", FIXTURES "/dir-b", NULL);
	assert_int_equal(r.rc, 1);
	assert_has(r.err, "dir-b/broken.xml:1: not well-formed XML");
	assert_has(r.out, "HostEntry 'Legacy'");
	/* each host shows its own profile's settings: Legacy's file says 90 */
	assert_has(r.out, "=> AuthenticationTimeout                   90                     "
			  "profile (" FIXTURES "/dir-b/00-legacy.xml:3)");
	run_done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed),
		cmocka_unit_test(test_bad_value),
		cmocka_unit_test(test_broken_xml),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_preferences_applied),
		cmocka_unit_test(test_other_documents),
		cmocka_unit_test(test_directories),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
