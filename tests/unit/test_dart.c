/*
 * test_dart.c - the DART collector (agent/daemon/dart*.c) and `anyroam dart` without
 * an agent (ui/dart_cli.c): planted secrets in every input (event log, stats, state,
 * agent.conf, a profile, the gateway chain) must not survive in any decompressed file
 * of the ZIP; summary.txt comes first; the manifest's sizes and SHA-256 match the
 * files; --redact-users removes user names; an unprivileged collector lists what it
 * could not read; reconnects come out of the event log or the agent's timeline.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "core/hex.h"
#include "core/secret.h"
#include "daemon/dart.h"
#include "control/ctl_msg.h"
#include "daemon/dart_history.h"
#include "daemon/dart_json.h"
#include "daemon/dart_sb.h"
#include "daemon/dart_scrub.h"
#include "daemon/dart_sys.h"
#include "ui/dart_cli.h"

#define TOKEN	 "9F3B2C41D0E5A6B7C8D9E0F1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5"
#define PASSWORD "Sw0rdfish-Planted!"
#define PSK	 "pl4nted-psk-value"
#define KEYMAT	 "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7planted"

struct zfile {
	char *name;
	char *data;
	size_t len;
};

struct zip {
	struct zfile f[128];
	size_t n;
};

static void zip_read(const char *path, struct zip *z)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;

	memset(z, 0, sizeof(*z));
	assert_non_null(a);
	archive_read_support_format_zip(a);
	assert_int_equal(archive_read_open_filename(a, path, 16384), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		struct zfile *f = &z->f[z->n++];
		la_int64_t size = archive_entry_size(e);

		assert_true(z->n < 128);
		f->name = strdup(archive_entry_pathname(e));
		f->data = calloc(1, (size_t)size + 1);
		f->len = (size_t)size;
		if (size)
			assert_int_equal(archive_read_data(a, f->data, (size_t)size), size);
	}
	archive_read_free(a);
}

static void zip_free(struct zip *z)
{
	for (size_t i = 0; i < z->n; i++) {
		free(z->f[i].name);
		free(z->f[i].data);
	}
}

static const struct zfile *zip_find(const struct zip *z, const char *name)
{
	for (size_t i = 0; i < z->n; i++)
		if (strcmp(z->f[i].name, name) == 0)
			return &z->f[i];
	return NULL;
}

/* No file of the bundle holds needle (NUL bytes in files are searched through). */
static void assert_nowhere(const struct zip *z, const char *needle)
{
	for (size_t i = 0; i < z->n; i++)
		if (memmem(z->f[i].data, z->f[i].len, needle, strlen(needle)))
			fail_msg("'%s' found in %s", needle, z->f[i].name);
}

static bool in_file(const struct zip *z, const char *name, const char *needle)
{
	const struct zfile *f = zip_find(z, name);

	return f && memmem(f->data, f->len, needle, strlen(needle));
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static const char *evlog_record(char *buf, size_t cap, const char *date, const char *tim,
				const char *type, const char *desc)
{
	snprintf(buf, cap,
		 "Date        : %s\nTime        : %s\nType        : %s\nSource      : anyroamd\n\n"
		 "Description : %s\n\n******************************************\n\n",
		 date, tim, type, desc);
	return buf;
}

/* A lab: event log, agent.conf, a profile dir, each with planted secrets. */
struct lab {
	char dir[64];
	char profiles[128];
	char conf[128];
};

static void lab_make(struct lab *l)
{
	char rec[1024], log[8192] = "";

	strcpy(l->dir, "/tmp/test_dart.XXXXXX");
	assert_non_null(mkdtemp(l->dir));
	snprintf(l->profiles, sizeof(l->profiles), "%s/profile", l->dir);
	snprintf(l->conf, sizeof(l->conf), "%s/agent.conf", l->dir);
	assert_int_equal(mkdir(l->profiles, 0755), 0);
	strcat(log, evlog_record(rec, sizeof(rec), "03/13/2025", "03:08:40", "Information",
				 "State Connecting -> Connected: login user alice"));
	strcat(log, evlog_record(rec, sizeof(rec), "03/13/2025", "03:08:41", "Information",
				 "debug leak: token=" TOKEN " password: " PASSWORD));
	strcat(log,
	       evlog_record(rec, sizeof(rec), "03/13/2025", "03:08:44", "Warning",
			    "Session level reconnect reason code 9: System resume from suspend "
			    "mode (Sleep, Stand-by, Hibernate, etc)."));
	strcat(log, evlog_record(rec, sizeof(rec), "03/13/2025", "03:08:47", "Information",
				 "State Reconnecting -> Connected"));
	strcat(log, evlog_record(rec, sizeof(rec), "03/13/2025", "03:09:00", "Error",
				 "reply <session-token>" TOKEN "</session-token> raw " TOKEN));
	strcat(log, evlog_record(rec, sizeof(rec), "03/13/2025", "03:09:01", "Error",
				 "certificate check failed for IKEv2_Gateway"));
	write_file(l->dir, "anyroam.log", log);
	write_file(l->dir, "agent.conf",
		   "# agent\nca-file /etc/anyroam/ca.pem\nusername bob password 0 " PASSWORD "\n"
		   "pre-shared-key local " PSK "\nlog-level debug\n");
	write_file(l->profiles, "lab.xml",
		   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<AnyConnectProfile xmlns=\"http://schemas.xmlsoap.org/encoding/\">\n"
		   "  <ClientInitialization>\n"
		   "    <AutoReconnect UserControllable=\"false\">true\n"
		   "      <AutoReconnectBehavior UserControllable=\"false\">ReconnectAfterResume"
		   "</AutoReconnectBehavior>\n    </AutoReconnect>\n  </ClientInitialization>\n"
		   "  <!-- <username>carol</username> <password>" PASSWORD "</password> -->\n"
		   "  <ServerList><HostEntry><HostName>IKEv2_Gateway</HostName>"
		   "<HostAddress>10.2.0.2</HostAddress></HostEntry></ServerList>\n"
		   "</AnyConnectProfile>\n");
}

static void lab_free(struct lab *l)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", l->dir);
	assert_int_equal(system(cmd), 0);
}

static const char *const stats_json =
	"{\"state\":\"Connected\",\"host\":\"IKEv2_Gateway\","
	"\"session_id\":\"rIUHKccDRiUtFTATwq\",\"reconnects\":3,"
	"\"session_token\":\"" TOKEN "\",\"password\":\"" PASSWORD "\"}\n";

static const char *const chain_pem =
	"-----BEGIN CERTIFICATE-----\nMIIBpublicpart\n"
	"-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\n" KEYMAT
	"\n-----END PRIVATE KEY-----\n";

static void lab_inputs(const struct lab *l, const char *const *dirs, struct dart_inputs *in)
{
	*in = (struct dart_inputs){
		.state_json = "{\"state\":\"Connected\",\"token\":\"" TOKEN "\"}\n",
		.stats_json = stats_json,
		.commands_text = "2025-03-13T03:08:40Z uid=0 pid=42 connect\n",
		.gw_chain_pem = chain_pem,
		.event_log_dir = l->dir,
		.profile_dirs = dirs,
		.n_profile_dirs = 1,
		.agent_conf = l->conf,
		.user_prefs = "/nonexistent/preferences.xml",
		.no_commands = true,
	};
}

static void collect_to(const struct dart_inputs *in, const char *dir, struct zip *z,
		       struct dart_report *rep)
{
	char out[256];

	snprintf(out, sizeof(out), "%s/bundle.zip", dir);
	assert_int_equal(dart_collect(in, out, rep), 0);
	zip_read(out, z);
	assert_true(z->n >= 8);
}

static void secrets_never_reach_the_bundle(void **state)
{
	struct lab l;
	struct dart_inputs in;
	struct dart_report rep;
	struct zip z;
	const char *dirs[1];
	struct secret *tok = secret_from_str(TOKEN);
	const struct secret *known[] = {tok};
	char hex[2 * sizeof(TOKEN)];

	(void)state;
	lab_make(&l);
	dirs[0] = l.profiles;
	lab_inputs(&l, dirs, &in);
	in.known_secrets = known;
	in.n_known_secrets = 1;
	collect_to(&in, l.dir, &z, &rep);
	hex_encode((const uint8_t *)TOKEN, strlen(TOKEN), hex, 0);
	assert_nowhere(&z, TOKEN);
	assert_nowhere(&z, hex);
	assert_nowhere(&z, PASSWORD);
	assert_nowhere(&z, PSK);
	assert_nowhere(&z, KEYMAT);
	assert_true(rep.n_scrubbed >= 8);
	/* what is no secret stays for the help desk */
	assert_true(in_file(&z, "agent/stats.json", "rIUHKccDRiUtFTATwq"));
	assert_true(in_file(&z, "agent/gateway-chain.pem", "MIIBpublicpart"));
	assert_true(in_file(&z, "config/agent.conf", "ca-file /etc/anyroam/ca.pem"));
	assert_true(in_file(&z, "config/agent.conf", "password [REDACTED]"));
	assert_true(in_file(&z, "eventlog/anyroam.log", "certificate check failed"));
	assert_true(in_file(&z, "profiles/effective.txt", "ReconnectAfterResume"));
	zip_free(&z);
	dart_report_done(&rep);
	secret_free(tok);
	lab_free(&l);
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
	uint8_t md[32];
	unsigned int len = 32;

	assert_true(EVP_Digest(p, n, md, &len, EVP_sha256(), NULL));
	hex_encode(md, 32, out, 0);
}

static void summary_first_manifest_complete(void **state)
{
	struct lab l;
	struct dart_inputs in;
	struct dart_report rep;
	struct zip z;
	const char *dirs[1];
	const struct zfile *m;

	(void)state;
	lab_make(&l);
	dirs[0] = l.profiles;
	lab_inputs(&l, dirs, &in);
	collect_to(&in, l.dir, &z, &rep);
	assert_string_equal(z.f[0].name, "summary.txt");
	assert_string_equal(z.f[1].name, "manifest.json");
	assert_int_equal(rep.n_files, z.n);
	m = &z.f[1];
	for (size_t i = 0; i < z.n; i++) {
		char want[512], hash[65];

		if (i == 1)
			continue;
		sha256_hex(z.f[i].data, z.f[i].len, hash);
		snprintf(want, sizeof(want), "{\"name\":\"%s\",\"size\":%zu,\"sha256\":\"%s\"}",
			 z.f[i].name, z.f[i].len, hash);
		if (!strstr(m->data, want))
			fail_msg("manifest lacks %s", want);
	}
	assert_non_null(strstr(m->data, "\"created\": \"20"));
	assert_non_null(strstr(m->data, "\"anyroam\":\""));
	for (const char *const *n =
		     (const char *const[]){"agent/state.json", "agent/stats.json",
					   "agent/control-commands.txt", "agent/gateway-chain.pem",
					   "eventlog/anyroam.log", "config/agent.conf",
					   "profiles/effective.txt", "system/uname.txt", NULL};
	     *n; n++)
		if (!zip_find(&z, *n))
			fail_msg("%s missing", *n);
	/* the summary, for a person: state, the reconnect from the log, the errors */
	assert_true(in_file(&z, "summary.txt", "state                : Connected"));
	assert_true(in_file(&z, "summary.txt", "reason 9 (System resume"));
	assert_true(in_file(&z, "summary.txt", "connected after 3 s"));
	assert_true(in_file(&z, "summary.txt", "certificate check failed for IKEv2_Gateway"));
	/* no timeline given and commands off: both said, not silently dropped */
	assert_true(in_file(&z, "summary.txt", "agent reconnect timeline: none"));
	assert_true(in_file(&z, "summary.txt", "ip addr: commands not run"));
	zip_free(&z);
	dart_report_done(&rep);
	lab_free(&l);
}

static void redact_users_replaces_names(void **state)
{
	struct lab l;
	struct dart_inputs in;
	struct dart_report rep;
	struct zip z;
	const char *dirs[1], *users[] = {"alice"};

	(void)state;
	lab_make(&l);
	dirs[0] = l.profiles;
	lab_inputs(&l, dirs, &in);
	in.redact_users = true;
	in.user_names = users;
	in.n_user_names = 1;
	collect_to(&in, l.dir, &z, &rep);
	assert_nowhere(&z, "alice");
	assert_nowhere(&z, "bob");   /* learnt from `username bob` in agent.conf */
	assert_nowhere(&z, "carol"); /* learnt from <username> in the profile */
	assert_true(in_file(&z, "eventlog/anyroam.log", "login user [USER]"));
	zip_free(&z);
	dart_report_done(&rep);
	/* without the flag, names stay (they help the help desk) */
	in.redact_users = false;
	collect_to(&in, l.dir, &z, &rep);
	assert_true(in_file(&z, "eventlog/anyroam.log", "login user alice"));
	zip_free(&z);
	dart_report_done(&rep);
	lab_free(&l);
}

static void scrubber_rules(void **state)
{
	static const struct {
		enum dart_text_kind kind;
		const char *in, *out;
	} cases[] = {
		{DART_TEXT_PLAIN, "<auth><password>x1</password></auth>",
		 "<auth><password>[REDACTED]</password></auth>"},
		{DART_TEXT_PLAIN, "{\"session_token\": \"abc\", \"n\": 1}",
		 "{\"session_token\": \"[REDACTED]\", \"n\": 1}"},
		{DART_TEXT_PLAIN, "url?token=abc&x=1", "url?token=[REDACTED]&x=1"},
		{DART_TEXT_PLAIN, "<input type=\"password\" name=\"password\"/>",
		 "<input type=\"password\" name=\"password\"/>"},
		{DART_TEXT_PLAIN, "password rejected by gateway", "password rejected by gateway"},
		{DART_TEXT_PLAIN,
		 "a\n-----BEGIN EC PRIVATE KEY-----\nAAA\n-----END EC PRIVATE "
		 "KEY-----\nb",
		 "a\n[REDACTED PRIVATE KEY]\nb"},
		{DART_TEXT_PLAIN, "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----",
		 "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----"},
		{DART_TEXT_CONF, "username test password 0 cisco\n# password x\nlog-level info\n",
		 "username test password [REDACTED]\n# password [REDACTED]\nlog-level info\n"},
		{DART_TEXT_CONF, "crypto ikev2 keyring kr\n pre-shared-key local cisco123\n",
		 "crypto ikev2 keyring [REDACTED]\n pre-shared-key [REDACTED]\n"},
	};
	struct dart_scrub s;

	(void)state;
	dart_scrub_init(&s, NULL, 0, false);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		char *out = dart_scrub_text(&s, cases[i].kind, cases[i].in, strlen(cases[i].in),
					    &len, NULL);

		assert_string_equal(out, cases[i].out);
		free(out);
	}
	dart_scrub_done(&s);
}

static void timeline_feeds_the_summary(void **state)
{
	struct dart_history h;
	struct lab l;
	struct dart_inputs in;
	struct dart_report rep;
	struct zip z;
	const char *dirs[1];
	char *tl;

	(void)state;
	dart_history_init(&h);
	for (int i = 0; i < 12; i++) {
		usec_t t0 = (usec_t)(1000 + i * 100) * USEC_PER_SEC;

		dart_history_reconnect_begin(&h, i < 11 ? 101 : 9, 1741835324ull * USEC_PER_SEC,
					     t0);
		dart_history_reconnect_step(&h, "attempt", t0 + 1000);
		dart_history_reconnect_step(&h, "ike_auth_done", t0 + 250000);
		dart_history_reconnect_end(&h, true, "reconnected", t0 + 412000);
	}
	dart_history_reconnect_begin(&h, 103, 1741835400ull * USEC_PER_SEC, 9000 * USEC_PER_SEC);
	assert_int_equal(dart_history_reconnect_count(&h), 13);
	tl = dart_history_timeline_json(&h);
	assert_non_null(strstr(tl, "{\"step\":\"ike_auth_done\",\"at_ms\":250}"));
	lab_make(&l);
	dirs[0] = l.profiles;
	lab_inputs(&l, dirs, &in);
	in.timeline_json = tl;
	collect_to(&in, l.dir, &z, &rep);
	assert_true(in_file(&z, "summary.txt", "13 reconnects since it started"));
	assert_true(in_file(&z, "summary.txt", "reason 9 (System resume from suspend mode"));
	assert_true(in_file(&z, "summary.txt", "connected in 412 ms (reconnected)"));
	assert_true(in_file(&z, "summary.txt", "reason 103 (Dead peer detected): in progress"));
	assert_true(in_file(&z, "agent/reconnect-timeline.json", "\"duration_ms\":412"));
	zip_free(&z);
	dart_report_done(&rep);
	lab_free(&l);
	free(tl);
	dart_history_done(&h);
}

/* As uid 65534, a root-only event log is listed as unreadable; the bundle still comes. */
static void unprivileged_gets_what_it_may_read(void **state)
{
	struct lab l;
	struct dart_inputs in;
	struct zip z;
	const char *dirs[1];
	char out[256];
	int status;
	pid_t pid;

	(void)state;
	if (geteuid() != 0)
		skip();
	lab_make(&l);
	dirs[0] = l.profiles;
	lab_inputs(&l, dirs, &in);
	assert_int_equal(chmod(l.dir, 0755), 0);
	snprintf(out, sizeof(out), "%s/anyroam.log", l.dir);
	assert_int_equal(chmod(out, 0600), 0);
	snprintf(out, sizeof(out), "%s/out", l.dir);
	assert_int_equal(mkdir(out, 0777), 0);
	assert_int_equal(chmod(out, 0777), 0);
	strcat(out, "/bundle.zip");
	pid = fork();
	if (pid == 0) {
		struct dart_report rep;

		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(2);
		_exit(dart_collect(&in, out, &rep) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	zip_read(out, &z);
	assert_null(zip_find(&z, "eventlog/anyroam.log"));
	assert_true(in_file(&z, "summary.txt", "anyroam.log: not readable as uid 65534"));
	assert_true(in_file(&z, "summary.txt", "collected as uid 65534"));
	assert_non_null(zip_find(&z, "profiles/effective.txt"));
	zip_free(&z);
	lab_free(&l);
}

/* `anyroam dart` with no agent: collects here, says so, exit 0. */
static void cli_without_agent(void **state)
{
	struct lab l;
	struct zip z;
	char out[256];
	char *argv[] = {"dart",		 "-o",	     out, "--state-dir", l.dir, "--config", l.conf,
			"--profile-dir", l.profiles, NULL};

	(void)state;
	lab_make(&l);
	snprintf(out, sizeof(out), "%s/cli.zip", l.dir);
	/* the agent's stored session: its token is known only from here */
	{
		char hex[2 * sizeof(TOKEN)], text[512];

		hex_encode((const uint8_t *)TOKEN, strlen(TOKEN), hex, 1);
		snprintf(text, sizeof(text), "anyroam-session 1\nid=rIUHKccDRiUtFTATwq\ntoken=%s\n",
			 hex);
		write_file(l.dir, "session", text);
	}
	assert_int_equal(dart_cli_main(9, argv, "/nonexistent/anyroam.sock"), 0);
	zip_read(out, &z);
	assert_string_equal(z.f[0].name, "summary.txt");
	assert_true(in_file(&z, "summary.txt", "the agent is not running"));
	assert_null(zip_find(&z, "session"));
	assert_true(in_file(&z, "summary.txt", "reason 9 (System resume"));
	assert_nowhere(&z, TOKEN);
	assert_nowhere(&z, PASSWORD);
	if (access("/usr/sbin/ip", X_OK) == 0 || access("/sbin/ip", X_OK) == 0 ||
	    access("/usr/bin/ip", X_OK) == 0)
		assert_true(in_file(&z, "network/ip-addr.txt", "$ ip addr\n"));
	zip_free(&z);
	{
		char *bad[] = {"dart", "-o", NULL};

		assert_int_equal(dart_cli_main(2, bad, "/nonexistent"), 2);
	}
	lab_free(&l);
}

/* state.json/stats.json come from control messages: a secret field never shows. */
static void json_never_holds_secret_fields(void **state)
{
	struct secret *pw = secret_from_str(PASSWORD);
	struct ctl_msg m;
	char *json;

	(void)state;
	ctl_msg_init(&m, CTL_KIND_RESPONSE, CTL_TYPE_STATS, 1);
	assert_int_equal(ctl_msg_add_int(&m, CTL_F_ERRNO, 0), 0);
	assert_int_equal(ctl_msg_add_str(&m, CTL_F_STATE, "Connected"), 0);
	assert_int_equal(ctl_msg_add_secret(&m, CTL_F_FIELD_VALUE, pw), 0);
	assert_int_equal(ctl_msg_add_int(&m, CTL_F_RECONNECTS, 3), 0);
	json = dart_json_from_msg(&m);
	assert_string_equal(json, "{\n  \"state\": \"Connected\",\n  \"reconnects\": 3\n}\n");
	assert_int_equal(dart_json_field("path"), CTL_F_PATH);
	assert_true(dart_json_field("no_such_field") < 0);
	free(json);
	ctl_msg_done(&m);
	secret_free(pw);
}

/* Commands: output captured, a missing program is -ENOENT, a hung one is killed. */
static void commands_are_bounded(void **state)
{
	char *out = NULL;
	size_t len;
	int status = -1;

	(void)state;
	assert_int_equal(dart_sys_run((const char *const[]){"sh", "-c",
							    "echo hi; echo err >&2; exit 3", NULL},
				      2000, 1024, &out, &len, &status),
			 0);
	assert_string_equal(out, "hi\nerr\n");
	assert_int_equal(status, 3);
	free(out);
	assert_int_equal(dart_sys_run((const char *const[]){"no-such-tool-anyroam", NULL}, 2000,
				      1024, &out, &len, &status),
			 -ENOENT);
	assert_int_equal(dart_sys_run((const char *const[]){"sleep", "30", NULL}, 200, 1024, &out,
				      &len, &status),
			 0);
	assert_non_null(strstr(out, "killed after the timeout"));
	assert_int_equal(status, 128 + 9);
	free(out);
}

/* A FIFO or a directory where a file is expected is a note, never a hang. */
static void odd_files_are_notes(void **state)
{
	struct lab l;
	struct dart_inputs in;
	struct dart_report rep;
	struct zip z;
	const char *dirs[1];

	(void)state;
	lab_make(&l);
	dirs[0] = l.profiles;
	lab_inputs(&l, dirs, &in);
	assert_int_equal(unlink(l.conf), 0);
	assert_int_equal(mkfifo(l.conf, 0600), 0);
	in.resolv_conf = l.dir;
	collect_to(&in, l.dir, &z, &rep);
	assert_null(zip_find(&z, "config/agent.conf"));
	assert_non_null(strstr(rep.notes, "agent.conf: Invalid argument"));
	assert_non_null(strstr(rep.notes, "Is a directory"));
	zip_free(&z);
	dart_report_done(&rep);
	lab_free(&l);
}

/* The agent's files travel as PATH + MESSAGE chunks through a real encode/decode. */
static void agent_files_round_trip(void **state)
{
	struct dart_sb big = {0};
	struct buf_writer wr;
	struct ctl_msg m, back;
	char *tl, *pem, *none;

	(void)state;
	for (int i = 0; i < 400; i++)
		dart_sb_addf(
			&big,
			"  {\"time\":\"2025-03-13T03:08:44Z\",\"reason\":%d,\"x\":\"\u00e9\"}\n",
			i);
	ctl_msg_init(&m, CTL_KIND_RESPONSE, CTL_TYPE_DART, 7);
	assert_int_equal(ctl_msg_add_int(&m, CTL_F_ERRNO, 0), 0);
	assert_int_equal(dart_json_put_file(&m, DART_FILE_TIMELINE, big.p), 0);
	assert_int_equal(dart_json_put_file(&m, DART_FILE_CHAIN, chain_pem), 0);
	assert_true(m.n_fields > 5); /* the timeline took several chunks */
	buf_writer_init(&wr);
	assert_int_equal(ctl_msg_encode(&m, &wr), 0);
	assert_int_equal(ctl_msg_decode(wr.data + 4, wr.len - 4, &back), 0);
	tl = dart_json_get_file(&back, DART_FILE_TIMELINE);
	pem = dart_json_get_file(&back, DART_FILE_CHAIN);
	none = dart_json_get_file(&back, DART_FILE_COMMANDS);
	assert_string_equal(tl, big.p);
	assert_string_equal(pem, chain_pem);
	assert_null(none);
	free(tl);
	free(pem);
	buf_writer_done(&wr);
	ctl_msg_done(&m);
	ctl_msg_done(&back);
	dart_sb_done(&big);
}

static void default_name_shape(void **state)
{
	char buf[64];

	(void)state;
	dart_default_name(1741835324ull * USEC_PER_SEC, buf, sizeof(buf));
	assert_int_equal(strlen(buf), strlen("anyroam-dart-20250313-030844.zip"));
	assert_memory_equal(buf, "anyroam-dart-2025031", 20);
	assert_string_equal(buf + strlen(buf) - 4, ".zip");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scrubber_rules),
		cmocka_unit_test(secrets_never_reach_the_bundle),
		cmocka_unit_test(summary_first_manifest_complete),
		cmocka_unit_test(redact_users_replaces_names),
		cmocka_unit_test(timeline_feeds_the_summary),
		cmocka_unit_test(unprivileged_gets_what_it_may_read),
		cmocka_unit_test(cli_without_agent),
		cmocka_unit_test(json_never_holds_secret_fields),
		cmocka_unit_test(commands_are_bounded),
		cmocka_unit_test(odd_files_are_notes),
		cmocka_unit_test(agent_files_round_trip),
		cmocka_unit_test(default_name_shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
