/*
 * test_profile_update.c - profile updates: the manifest in the EAP-AnyConnect `complete`
 * message, the install decision (hash, validity, names), the atomic install and the
 * fetch's refusals, with the real platform_https code on a temporary directory.
 *
 * Also a driver for tests/netns/test_profile_update.sh, which runs a real HTTPS server:
 *   test_profile_update --apply COMPLETE.xml HOST_ADDRESS CA_FILE DIR
 * prints "installed N" and exits 0, or prints the diagnostics and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "core/hex.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "platform/linux/platform_https.h"
#include "profile/profile.h"
#include "profile/profile_update.h"

#define FIXTURES ANYROAM_TESTDATA "/profiles"

static const char complete_fmt[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<config-auth client=\"vpn\" type=\"complete\" aggregate-auth-version=\"2\">\n"
	"  <session-id>rIUHKccDRiUtFTATwq</session-id>\n"
	"  "
	"<session-token>E0CB21612620F736F899721C620F73BC5237D966436EC70B3EC235375CA3E0B0</"
	"session-token>\n"
	"  <auth id=\"success\"><message id=\"0\" param1=\"\" param2=\"\"></message></auth>\n"
	"  <config client=\"vpn\" type=\"private\">\n"
	"    <vpn-profile-manifest><vpn rev=\"1.0\">\n"
	"      <file type=\"profile\" service-type=\"user\">\n"
	"        <uri>%s</uri>\n"
	"        <hash type=\"%s\">%s</hash>\n"
	"      </file>\n"
	"    </vpn></vpn-profile-manifest>\n"
	"  </config>\n"
	"</config-auth>\n";

static uint8_t *slurp(const char *path, size_t *ret_len)
{
	uint8_t *d = NULL;

	assert_int_equal(platform_https_read_file(path, 1 << 20, &d, ret_len), 0);
	return d;
}

static char *hash_hex(const EVP_MD *md, const void *data, size_t len)
{
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char *s;

	assert_int_equal(EVP_Digest(data, len, h, &n, md, NULL), 1);
	s = xmalloc(2 * n + 1);
	hex_encode(h, n, s, 1);
	return s;
}

static char *complete_xml(const char *uri, const char *type, const char *hash)
{
	char *s;

	assert_true(asprintf(&s, complete_fmt, uri, type, hash) > 0);
	return s;
}

static int parse_manifest(const char *xml, struct profile_manifest *m, struct profile_diags *d)
{
	return profile_manifest_parse("complete", xml, strlen(xml), m, d);
}

static void test_manifest_parse(void **state)
{
	_cleanup_free_ char *xml = complete_xml("/CACHE/stc/profiles/acvpn.xml", "sha1",
						"A8B0B07FBA93D06E8501E40AB807AEE2464E73B7");
	struct profile_manifest m = {0};
	_cleanup_free_ char *url = NULL;

	assert_int_equal(parse_manifest(xml, &m, NULL), 0);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.v[0].uri, "/CACHE/stc/profiles/acvpn.xml");
	assert_string_equal(m.v[0].file_name, "acvpn.xml");
	assert_int_equal(m.v[0].hash_type, PROFILE_HASH_SHA1);
	assert_int_equal(m.v[0].hash[0], 0xA8);
	assert_int_equal(profile_manifest_url(&m.v[0], "flexvpn-c8kv.example.com", &url), 0);
	assert_string_equal(url, "https://flexvpn-c8kv.example.com/CACHE/stc/profiles/acvpn.xml");
	free(steal_ptr(url));
	assert_int_equal(profile_manifest_url(&m.v[0], "https://127.0.0.1:8443", &url), 0);
	assert_string_equal(url, "https://127.0.0.1:8443/CACHE/stc/profiles/acvpn.xml");
	free(steal_ptr(url));
	assert_int_equal(profile_manifest_url(&m.v[0], "2001:db8::1", &url), 0);
	assert_string_equal(url, "https://[2001:db8::1]/CACHE/stc/profiles/acvpn.xml");
	free(steal_ptr(url));
	assert_int_equal(profile_manifest_url(&m.v[0], "https://gw.example:4443/Employees", &url),
			 0);
	assert_string_equal(url, "https://gw.example:4443/CACHE/stc/profiles/acvpn.xml");
	free(steal_ptr(url));
	assert_int_equal(profile_manifest_url(&m.v[0], "http://gw.example", &url), -EPERM);
	assert_int_equal(profile_manifest_url(&m.v[0], "user@gw.example", &url), -EINVAL);
	profile_manifest_done(&m);
}

/* What eap/ hands over: the uri and hash it took out of the complete message. */
static void test_manifest_from_entry(void **state)
{
	struct profile_manifest m = {0};
	struct profile_diags d = {0};

	assert_int_equal(profile_manifest_from_entry("/profiles/lab.xml", NULL,
						     "a8b0b07fba93d06e8501e40ab807aee2464e73b7", &m,
						     &d),
			 0);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.v[0].file_name, "lab.xml");
	assert_int_equal(m.v[0].hash_type, PROFILE_HASH_SHA1);
	assert_int_equal(m.v[0].hash[19], 0xb7);
	profile_manifest_done(&m);
	assert_int_equal(profile_manifest_from_entry("/x/../../etc/cron.d/a.xml", NULL,
						     "a8b0b07fba93d06e8501e40ab807aee2464e73b7", &m,
						     &d),
			 -EBADMSG);
	assert_int_equal(profile_manifest_from_entry("/a.xml", "sha256",
						     "a8b0b07fba93d06e8501e40ab807aee2464e73b7", &m,
						     &d),
			 -EBADMSG);
	assert_int_equal(profile_manifest_from_entry(NULL, NULL, NULL, &m, &d), -EBADMSG);
	assert_int_equal(m.n, 0);
	assert_int_equal(d.n_errors, 3);
	profile_diags_done(&d);
}

static void test_manifest_absent(void **state)
{
	static const char xml[] =
		"<config-auth client=\"vpn\" type=\"complete\"><session-id>x</session-id>"
		"</config-auth>";
	struct profile_manifest m = {0};

	assert_int_equal(profile_manifest_parse("complete", xml, sizeof(xml) - 1, &m, NULL),
			 -ENOENT);
	assert_int_equal(m.n, 0);
}

static void expect_bad_manifest(const char *uri, const char *type, const char *hash,
				const char *text)
{
	_cleanup_free_ char *xml = complete_xml(uri, type, hash);
	struct profile_diags d = {0};
	struct profile_manifest m = {0};
	_cleanup_free_ char *msg = NULL;

	assert_int_equal(parse_manifest(xml, &m, &d), -EBADMSG);
	assert_int_equal(m.n, 0);
	msg = profile_diag_format(profile_diags_first_error(&d));
	if (!strstr(msg, text))
		fail_msg("'%s' lacks '%s'", msg, text);
	profile_diags_done(&d);
}

static void test_manifest_refusals(void **state)
{
	const char *sha1 = "A8B0B07FBA93D06E8501E40AB807AEE2464E73B7";

	expect_bad_manifest("/../../etc/passwd.xml", "sha1", sha1,
			    "is not a path to a profile file");
	expect_bad_manifest("/profiles/run.sh", "sha1", sha1, "is not a path to a profile file");
	expect_bad_manifest("profiles/a.xml", "sha1", sha1, "is not a path");
	expect_bad_manifest("/p/.hidden.xml", "sha1", sha1, "is not a path");
	expect_bad_manifest("/p/a%2f.xml", "sha1", sha1, "is not a path");
	expect_bad_manifest("/p/a.xml", "sha1", "A8B0", "is not a sha1 hash");
	expect_bad_manifest("/p/a.xml", "md5", sha1,
			    "needs a uri and a sha1, sha256 or sha512 hash");
	expect_bad_manifest("/p/a.xml", "sha256", sha1, "is not a sha256 hash");
}

static void test_verify_and_needed(void **state)
{
	_cleanup_free_ uint8_t *seed = NULL, *bad = NULL;
	_cleanup_free_ char *h = NULL, *xml = NULL;
	struct profile_diags d = {0};
	struct profile_manifest m = {0};
	size_t len, bad_len;
	bool needed;

	seed = slurp(FIXTURES "/seed-acvpn.xml", &len);
	h = hash_hex(EVP_sha256(), seed, len);
	xml = complete_xml("/acvpn.xml", "sha256", h);
	assert_int_equal(parse_manifest(xml, &m, NULL), 0);
	assert_int_equal(profile_update_verify(&m.v[0], seed, len, &d), 0);
	assert_int_equal(profile_update_needed(&m.v[0], seed, len, &needed), 0);
	assert_false(needed);
	assert_int_equal(profile_update_needed(&m.v[0], NULL, 0, &needed), 0);
	assert_true(needed);
	seed[len - 2] ^= 1;
	assert_int_equal(profile_update_needed(&m.v[0], seed, len, &needed), 0);
	assert_true(needed);
	assert_int_equal(profile_update_verify(&m.v[0], seed, len, &d), -EACCES);
	assert_non_null(
		strstr(profile_diags_first_error(&d)->message, "does not match the sha256 hash"));
	profile_diags_done(&d);
	profile_manifest_done(&m);

	/* right hash, but not a loadable profile: never installed */
	bad = slurp(FIXTURES "/acvpn-bad-behavior.xml", &bad_len);
	free(h);
	free(xml);
	h = hash_hex(EVP_sha1(), bad, bad_len);
	xml = complete_xml("/acvpn.xml", "sha1", h);
	assert_int_equal(parse_manifest(xml, &m, NULL), 0);
	assert_int_equal(profile_update_verify(&m.v[0], bad, bad_len, &d), -EBADMSG);
	assert_non_null(
		strstr(profile_diags_first_error(&d)->message, "'Reconnect' is not one of"));
	profile_diags_done(&d);
	profile_manifest_done(&m);
}

static char *make_tmpdir(void)
{
	char *dir = xstrdup("/tmp/anyroam-profile-test.XXXXXX");

	assert_non_null(mkdtemp(dir));
	return dir;
}

static void rm_tree(const char *dir)
{
	_cleanup_free_ char *cmd = NULL;

	assert_true(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
	assert_int_equal(system(cmd), 0);
}

static void test_install_atomic(void **state)
{
	_cleanup_free_ char *dir = make_tmpdir(), *path = NULL;
	_cleanup_free_ uint8_t *back = NULL;
	struct stat st;
	size_t len;

	assert_true(asprintf(&path, "%s/acvpn.xml", dir) > 0);
	assert_int_equal(platform_https_install(dir, "acvpn.xml", "old", 3, 0644), 0);
	assert_int_equal(platform_https_install(dir, "acvpn.xml", "<new/>", 6, 0644), 0);
	back = slurp(path, &len);
	assert_int_equal(len, 6);
	assert_memory_equal(back, "<new/>", 6);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(platform_https_install(dir, "../escape.xml", "x", 1, 0644), -EINVAL);
	assert_int_equal(platform_https_install(dir, ".hidden", "x", 1, 0644), -EINVAL);
	assert_int_equal(platform_https_install("/nonexistent-dir-anyroam", "a.xml", "x", 1, 0644),
			 -ENOENT);
	rm_tree(dir);
}

static void test_fetch_refusals(void **state)
{
	uint8_t *data = NULL;
	char *msg = NULL;
	size_t len;

	assert_int_equal(
		platform_https_fetch("http://127.0.0.1/x.xml", NULL, 100, &data, &len, &msg),
		-EPERM);
	assert_int_equal(
		platform_https_fetch("ftp://127.0.0.1/x.xml", NULL, 100, &data, &len, &msg),
		-EPERM);
	/* nothing listens on port 1 of loopback */
	assert_int_equal(
		platform_https_fetch("https://127.0.0.1:1/x.xml", NULL, 100, &data, &len, &msg),
		-ECONNREFUSED);
	assert_non_null(msg);
	free(msg);
	assert_null(data);
}

/* The whole flow with the real ops when the copy installed is current: no fetch at all. */
static void test_apply_up_to_date(void **state)
{
	_cleanup_free_ char *dir = make_tmpdir(), *h = NULL, *xml = NULL;
	_cleanup_free_ uint8_t *seed = NULL;
	struct platform_https_updater u = {0};
	struct profile_manifest m = {0};
	struct profile_diags d = {0};
	size_t len;

	seed = slurp(FIXTURES "/seed-acvpn.xml", &len);
	assert_int_equal(platform_https_install(dir, "acvpn.xml", seed, len, 0644), 0);
	h = hash_hex(EVP_sha1(), seed, len);
	xml = complete_xml("/acvpn.xml", "sha1", h);
	assert_int_equal(parse_manifest(xml, &m, NULL), 0);
	u.dir = dir;
	/* the gateway address is unreachable: the test fails if a fetch is attempted */
	assert_int_equal(
		profile_update_apply(&m, "127.0.0.1:1", &platform_https_update_ops, &u, &d), 0);
	assert_int_equal(d.n_errors, 0);
	/* a different installed copy: now it must fetch, and the refusal is reported */
	assert_int_equal(platform_https_install(dir, "acvpn.xml", "<x/>", 4, 0644), 0);
	assert_int_equal(
		profile_update_apply(&m, "127.0.0.1:1", &platform_https_update_ops, &u, &d),
		-ECONNREFUSED);
	assert_non_null(strstr(profile_diags_first_error(&d)->message,
			       "download from https://127.0.0.1:1/acvpn.xml failed"));
	free(u.last_error);
	profile_diags_done(&d);
	profile_manifest_done(&m);
	rm_tree(dir);
}

static void test_load_dirs_real_fs(void **state)
{
	const char *const dirs[] = {FIXTURES "/dir-a", FIXTURES "/dir-b"};
	_cleanup_(profile_set_freep) struct profile_set *set = profile_set_new();
	struct profile_diags d = {0};

	assert_int_equal(profile_set_load_dirs(set, dirs, 2, &platform_https_fs_ops, NULL, &d), 4);
	assert_int_equal(profile_set_host_count(set), 5);
	profile_diags_done(&d);
}

static void test_prefs_load_real_fs(void **state)
{
	const char *const paths[] = {"/nonexistent/preferences_global.xml",
				     FIXTURES "/prefs-global.xml", FIXTURES "/prefs-user.xml"};
	const char *const wrong[] = {FIXTURES "/seed-acvpn.xml"};
	struct profile_prefs *p = NULL;
	struct profile_diags d = {0};

	assert_int_equal(profile_prefs_load(paths, 3, &platform_https_fs_ops, NULL, &p, &d), 0);
	assert_string_equal(profile_prefs_default_host(p), "Lab");
	assert_null(profile_prefs_get(p, "DefaultUser")); /* the first existing file only */
	p = profile_prefs_free(p);
	assert_int_equal(profile_prefs_load(paths, 1, &platform_https_fs_ops, NULL, &p, &d),
			 -ENOENT);
	assert_int_equal(profile_prefs_load(wrong, 1, &platform_https_fs_ops, NULL, &p, &d),
			 -EBADMSG);
	assert_null(p);
	assert_non_null(
		strstr(profile_diags_first_error(&d)->message, "not AnyConnectPreferences"));
	profile_diags_done(&d);
}

/* Driver for the netns test: one real update against a real HTTPS server. */
static int apply_main(char **argv)
{
	struct platform_https_updater u = {.dir = argv[4], .opts = {.ca_file = argv[3]}};
	struct profile_manifest m = {0};
	struct profile_diags d = {0};
	_cleanup_free_ uint8_t *xml = NULL;
	size_t len;
	int r;

	r = platform_https_read_file(argv[1], 1 << 20, &xml, &len);
	if (r == 0)
		r = profile_manifest_parse(argv[1], xml, len, &m, &d);
	if (r == 0)
		r = profile_update_apply(&m, argv[2], &platform_https_update_ops, &u, &d);
	for (size_t i = 0; i < d.n; i++) {
		_cleanup_free_ char *s = profile_diag_format(&d.v[i]);

		fprintf(stderr, "%s\n", s);
	}
	if (u.last_error)
		fprintf(stderr, "curl: %s\n", u.last_error);
	if (r >= 0)
		printf("installed %d\n", r);
	else
		fprintf(stderr, "update failed: %s\n", strerror(-r));
	free(u.last_error);
	profile_manifest_done(&m);
	profile_diags_done(&d);
	return r >= 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manifest_parse),
		cmocka_unit_test(test_manifest_from_entry),
		cmocka_unit_test(test_manifest_absent),
		cmocka_unit_test(test_manifest_refusals),
		cmocka_unit_test(test_verify_and_needed),
		cmocka_unit_test(test_install_atomic),
		cmocka_unit_test(test_fetch_refusals),
		cmocka_unit_test(test_apply_up_to_date),
		cmocka_unit_test(test_load_dirs_real_fs),
		cmocka_unit_test(test_prefs_load_real_fs),
	};

	log_set_level(LOG_LEVEL_ERR);
	if (argc == 6 && strcmp(argv[1], "--apply") == 0)
		return apply_main(argv + 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
