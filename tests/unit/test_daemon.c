/* test_daemon.c - agent/daemon: agent.conf, the event log (ring, DART file, rotation),
 * the control server's peer check and a real socket round trip. */
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

#include "daemon/daemon.h"
#include "daemon/daemon_conf.h"
#include "daemon/daemon_ctl.h"
#include "daemon/daemon_log.h"
#include "profile/profile.h"

static void conf_parses_lab_file(void **state)
{
	const char *text = "# anyroamd configuration for the anyroam-gw lab at 10.2.0.2\n"
			   "ca-file /tmp/lab/ca.pem\n"
			   "profile /tmp/lab/lab.xml\n"
			   "  log-level   debug  \n"
			   "trust-server-cert-sha256 "
			   "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff\n"
			   "system-ca no\n\n"
			   "dns-backend file\n"
			   "resolv-conf /tmp/lab/resolv.conf\n"
			   "tun-name vpn0\n"
			   "network-debounce-ms 50\n";
	struct daemon_conf c;
	char err[256] = "";

	(void)state;
	daemon_conf_init(&c);
	assert_int_equal(daemon_conf_parse(&c, "agent.conf", text, err, sizeof(err)), 0);
	assert_int_equal(c.n_ca_files, 1);
	assert_string_equal(c.ca_files[0], "/tmp/lab/ca.pem");
	assert_string_equal(c.profiles[0], "/tmp/lab/lab.xml");
	assert_int_equal(c.log_level, LOG_LEVEL_DEBUG);
	assert_int_equal(c.n_pins, 1);
	assert_int_equal(c.pins[0][31], 0xff);
	assert_false(c.system_ca);
	assert_true(c.cisco_compat);
	assert_string_equal(c.dns_backend, "file");
	assert_string_equal(c.tun_name, "vpn0");
	assert_int_equal(c.network_debounce_ms, 50);
	daemon_conf_done(&c);
	daemon_conf_init(&c);
	assert_int_equal(c.network_debounce_ms, DAEMON_CONF_DEBOUNCE_MS_DEFAULT);
	daemon_conf_done(&c);
}

static void conf_errors_name_the_line(void **state)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{"ca-file /x\nca-fiel /y\n", "agent.conf:2: unknown setting 'ca-fiel'"},
		{"log-level loud\n", "agent.conf:1: log-level: 'loud' is not a valid value"},
		{"trust-server-cert-sha256 abcd\n",
		 "agent.conf:1: trust-server-cert-sha256: 'abcd' is not a valid value"},
		{"\n\nca-file\n", "agent.conf:3: ca-file: a value is missing"},
		{"system-ca maybe\n", "agent.conf:1: system-ca: 'maybe' is not a valid value"},
		{"dns-backend dnsmasq\n",
		 "agent.conf:1: dns-backend: 'dnsmasq' is not a valid value"},
		{"network-debounce-ms 0\n",
		 "agent.conf:1: network-debounce-ms: '0' is not a valid value"},
		{"network-debounce-ms 1001\n",
		 "agent.conf:1: network-debounce-ms: '1001' is not a valid value"},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct daemon_conf c;
		char err[256] = "";

		daemon_conf_init(&c);
		assert_int_equal(daemon_conf_parse(&c, "agent.conf", bad[i].text, err, sizeof(err)),
				 -EBADMSG);
		assert_string_equal(err, bad[i].want);
		daemon_conf_done(&c);
	}
}

static usec_t fixed_time(void)
{
	return 1741829255ULL * USEC_PER_SEC; /* 2025-03-13 01:27:35 UTC */
}

static void event_log_writes_dart_records(void **state)
{
	char dir[] = "/tmp/anyroam-test-log-XXXXXX", path[128], buf[8192];
	struct daemon_log l;
	struct stat st;
	FILE *f;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	setenv("TZ", "UTC", 1);
	assert_int_equal(daemon_log_init(&l, dir, 0), 0);
	l.realtime = fixed_time;
	daemon_log_record(&l, DAEMON_LOG_WARNING, "anyroamd", "rIUHKccDRiUtFTATwq", 9,
			  "Session level reconnect reason code %d: %s", 9,
			  "System resume from suspend mode (Sleep, Stand-by, Hibernate, etc).");
	assert_int_equal(daemon_log_count(&l), 1);
	assert_int_equal(daemon_log_at(&l, 0)->reason_code, 9);
	assert_string_equal(daemon_log_at(&l, 0)->session_id, "rIUHKccDRiUtFTATwq");
	snprintf(path, sizeof(path), "%s/anyroam.log", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	f = fopen(path, "r");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_non_null(
		strstr(buf, "Date        : 03/13/2025\nTime        : 01:27:35\n"
			    "Type        : Warning\nSource      : anyroamd\n\n"
			    "Description : Session level reconnect reason code 9: System resume"));
	daemon_log_done(&l);
	unlink(path);
	rmdir(dir);
}

static void event_log_ring_and_rotation(void **state)
{
	char dir[] = "/tmp/anyroam-test-log-XXXXXX", path[128];
	struct daemon_log l;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(daemon_log_init(&l, dir, 4096), 0);
	for (int i = 0; i < DAEMON_LOG_RING + 10; i++)
		daemon_log_record(&l, DAEMON_LOG_INFORMATION, "anyroamd", NULL, 0, "record %d", i);
	assert_int_equal(daemon_log_count(&l), DAEMON_LOG_RING);
	assert_string_equal(daemon_log_at(&l, 0)->text, "record 10");
	assert_string_equal(daemon_log_at(&l, DAEMON_LOG_RING - 1)->text, "record 265");
	assert_null(daemon_log_at(&l, DAEMON_LOG_RING));
	snprintf(path, sizeof(path), "%s/anyroam.log", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size <= 4096 + 512); /* rotated, never unbounded */
	snprintf(path, sizeof(path), "%s/anyroam.log.1", dir);
	assert_int_equal(stat(path, &st), 0);
	daemon_log_done(&l);
	unlink(path);
	snprintf(path, sizeof(path), "%s/anyroam.log", dir);
	unlink(path);
	rmdir(dir);
}

static void peer_check(void **state)
{
	const gid_t sup[] = {100, 995};

	(void)state;
	assert_true(daemon_ctl_peer_allowed(0, 0, NULL, 0, (gid_t)-1));
	assert_false(daemon_ctl_peer_allowed(1000, 1000, sup, 2, (gid_t)-1));
	assert_true(daemon_ctl_peer_allowed(1000, 995, NULL, 0, 995));
	assert_true(daemon_ctl_peer_allowed(1000, 1000, sup, 2, 995));
	assert_false(daemon_ctl_peer_allowed(1000, 1000, sup, 1, 995));
}

/* Lab's settings after daemon_load_profiles with these preference files. */
static void lab_settings(const char *dir, const char *global, const char *user,
			 struct profile_settings *st, struct daemon *d)
{
	const struct profile_host *h;

	*d = (struct daemon){
		.opts = {.profile_dir = dir, .prefs_global = global, .prefs_user = user}};
	daemon_load_profiles(d);
	assert_non_null(h = profile_set_find_host(d->profiles, "Lab"));
	assert_int_equal(profile_set_host_settings(d->profiles, h, st), 0);
}

/* UserControllable settings take preferences_global.xml then preferences.xml;
 * others never do (profile/README.md "Precedence"). */
static void prefs_apply_to_user_controllable(void **state)
{
	char dir[] = "/tmp/anyroam-prefs.XXXXXX", path[256], cmd[600];
	struct profile_settings st;
	struct daemon d;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/lab.xml", dir);
	snprintf(cmd, sizeof(cmd), "cp %s/profiles/user-controllable.xml %s", ANYROAM_TESTDATA,
		 path);
	assert_int_equal(system(cmd), 0);

	/* no preference files: the profile's values */
	lab_settings(dir, "/nonexistent/g.xml", "/nonexistent/u.xml", &st, &d);
	assert_int_equal(st.local_lan_access.num, 0);
	assert_int_equal(st.auto_reconnect_behavior.num, PROFILE_BEHAVIOR_DISCONNECT_ON_SUSPEND);
	d.profiles = profile_set_free(d.profiles);

	/* global turns LocalLanAccess on; the user's asks ReconnectAfterResume */
	lab_settings(dir, ANYROAM_TESTDATA "/profiles/prefs-global.xml",
		     ANYROAM_TESTDATA "/profiles/prefs-user.xml", &st, &d);
	assert_int_equal(st.local_lan_access.num, 1);
	assert_int_equal(st.auto_reconnect_behavior.num, PROFILE_BEHAVIOR_RECONNECT_AFTER_RESUME);
	assert_int_equal(st.auto_reconnect.num, 1);
	d.profiles = profile_set_free(d.profiles);

	/* a broken preferences file is skipped, the profile still loads */
	lab_settings(dir, ANYROAM_TESTDATA "/profiles/acvpn-bad-behavior.xml", NULL, &st, &d);
	assert_int_equal(st.local_lan_access.num, 0);
	d.profiles = profile_set_free(d.profiles);

	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(conf_parses_lab_file),
		cmocka_unit_test(conf_errors_name_the_line),
		cmocka_unit_test(event_log_writes_dart_records),
		cmocka_unit_test(event_log_ring_and_rotation),
		cmocka_unit_test(peer_check),
		cmocka_unit_test(prefs_apply_to_user_controllable),
	};

	log_set_level(LOG_LEVEL_ERR); /* the records also go to the log sink: keep it quiet */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
