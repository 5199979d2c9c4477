/*
 * dart.c - the DART collector: gathers the bundle's files (dart.h lists them), scrubs
 * them (dart_scrub.h), writes summary.txt, manifest.json and the ZIP (dart_zip.c).
 * It runs with the caller's privileges: as root it gets everything, as another user
 * what that user may read, and every miss is a note in summary.txt.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "core/xmalloc.h"
#include "daemon/daemon.h"
#include "daemon/daemon_conf.h"
#include "daemon/daemon_log.h"
#include "daemon/dart.h"
#include "daemon/dart_bundle.h"
#include "daemon/dart_profiles.h"
#include "daemon/dart_sys.h"
#include "core/hex.h"
#include "session/session_store.h"

#define DART_TUN_DEFAULT       "anyroam0"
#define DART_STATE_DIR_DEFAULT DAEMON_STATE_DIR_DEFAULT

static void daemon_part(struct dart_bundle *b)
{
	const struct dart_inputs *in = b->in;
	static const struct {
		size_t off;
		const char *name, *what;
	} parts[] = {
		{offsetof(struct dart_inputs, state_json), DART_FILE_STATE, "state"},
		{offsetof(struct dart_inputs, stats_json), DART_FILE_STATS, "stats"},
		{offsetof(struct dart_inputs, timeline_json), DART_FILE_TIMELINE,
		 "reconnect timeline"},
		{offsetof(struct dart_inputs, commands_text), DART_FILE_COMMANDS,
		 "recent control commands"},
		{offsetof(struct dart_inputs, gw_chain_pem), DART_FILE_CHAIN,
		 "gateway certificate chain"},
	};

	struct dart_sb gone = {0};

	if (in->paths_text)
		dart_bundle_add_str(b, DART_FILE_PATHS, in->paths_text, DART_TEXT_PLAIN);
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		const char *text = *(const char *const *)((const char *)in + parts[i].off);

		if (text)
			dart_bundle_add_str(b, parts[i].name, text, DART_TEXT_PLAIN);
		else
			dart_sb_addf(&gone, "%s%s", gone.n ? ", " : "", parts[i].what);
	}
	/* one line for all that is missing: usually the same reason (no agent) */
	if (gone.n)
		dart_bundle_note(b, "agent %s: %s", gone.p,
				 in->daemon_note ? in->daemon_note : "none");
	dart_sb_done(&gone);
}

static void event_log(struct dart_bundle *b)
{
	const char *dir = b->in->event_log_dir ? b->in->event_log_dir : DART_STATE_DIR_DEFAULT;
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s.1", dir, DAEMON_LOG_FILE);
	(void)dart_bundle_add_file(b, "eventlog/" DAEMON_LOG_FILE ".1", path, DART_TEXT_PLAIN,
				   true);
	snprintf(path, sizeof(path), "%s/%s", dir, DAEMON_LOG_FILE);
	(void)dart_bundle_add_file(b, "eventlog/" DAEMON_LOG_FILE, path, DART_TEXT_PLAIN, false);
}

static void journal(struct dart_bundle *b)
{
	char n[16];

	snprintf(n, sizeof(n), "%u",
		 b->in->journal_lines ? b->in->journal_lines : DART_JOURNAL_LINES);
	if (access("/run/systemd/journal", F_OK) < 0 && access("/var/log/journal", F_OK) < 0) {
		dart_bundle_note(b, "journald: not running on this machine");
		return;
	}
	(void)dart_bundle_add_cmd(b, "journal/journal.txt",
				  (const char *const[]){"journalctl", "-u", "anyroamd", "-u",
							"anyroam-gw", "--no-pager", "-o",
							"short-iso", "-n", n, NULL});
}

static void network(struct dart_bundle *b)
{
	const char *tun = b->in->tun_name ? b->in->tun_name : DART_TUN_DEFAULT;

	(void)dart_bundle_add_cmd(b, "network/ip-addr.txt",
				  (const char *const[]){"ip", "addr", NULL});
	(void)dart_bundle_add_cmd(
		b, "network/ip-route.txt",
		(const char *const[]){"ip", "route", "show", "table", "all", NULL});
	(void)dart_bundle_add_cmd(b, "network/ip-rule.txt",
				  (const char *const[]){"ip", "rule", NULL});
	(void)dart_bundle_add_cmd(b, "network/tun-link.txt",
				  (const char *const[]){"ip", "-d", "link", "show", tun, NULL});
	(void)dart_bundle_add_file(b, "network/resolv.conf",
				   b->in->resolv_conf ? b->in->resolv_conf : "/etc/resolv.conf",
				   DART_TEXT_PLAIN, false);
	if (access("/run/systemd/resolve", F_OK) < 0)
		dart_bundle_note(b, "resolvectl status: systemd-resolved is not running");
	else
		(void)dart_bundle_add_cmd(b, "network/resolvectl-status.txt",
					  (const char *const[]){"resolvectl", "status", NULL});
}

static void add_uname(struct dart_bundle *b)
{
	struct utsname u;
	char buf[1024];

	if (uname(&u) < 0) {
		dart_bundle_note(b, "uname: %s", strerror(errno));
		return;
	}
	snprintf(buf, sizeof(buf), "%s %s %s %s %s\n", u.sysname, u.nodename, u.release, u.version,
		 u.machine);
	dart_bundle_add_str(b, "system/uname.txt", buf, DART_TEXT_PLAIN);
}

static void system_part(struct dart_bundle *b)
{
	const char *osr = b->in->os_release ? b->in->os_release : "/etc/os-release";

	if (!dart_bundle_add_file(b, "system/os-release", osr, DART_TEXT_PLAIN, true))
		(void)dart_bundle_add_file(b, "system/os-release", "/usr/lib/os-release",
					   DART_TEXT_PLAIN, false);
	add_uname(b);
	(void)dart_bundle_add_cmd(b, "system/dpkg-anyroam.txt",
				  (const char *const[]){"dpkg", "-s", "anyroam", NULL});
}

static void config_part(struct dart_bundle *b)
{
	const char *conf = b->in->agent_conf ? b->in->agent_conf : DAEMON_CONF_DEFAULT;

	(void)dart_bundle_add_file(b, "config/agent.conf", conf, DART_TEXT_CONF, false);
}

/* The login user (and sudo's invoker) for --redact-users, besides the caller's names. */
static void add_users(struct dart_scrub *s, const struct dart_inputs *in)
{
	struct passwd *pw = getpwuid(getuid());
	const char *sudo = getenv("SUDO_USER");

	if (pw && pw->pw_uid != 0)
		dart_scrub_add_user(s, pw->pw_name);
	if (sudo)
		dart_scrub_add_user(s, sudo);
	for (size_t i = 0; i < in->n_user_names; i++)
		dart_scrub_add_user(s, in->user_names[i]);
}

/*
 * The token of the stored session (session_store.h: token=HEX), read only to be
 * scrubbed: without the daemon the CLI has no other way to know the live token, and
 * a bug that logged it must not leak it. The file itself is never bundled.
 */
static struct secret *stored_token(const char *dir)
{
	char path[4096], *text = NULL, *p, *e;
	struct secret *tok = NULL;
	size_t len = 0, n;
	uint8_t *raw;

	snprintf(path, sizeof(path), "%s/%s", dir, SESSION_STORE_FILE);
	if (dart_sys_read_file(path, SESSION_STORE_SIZE_MAX, &text, &len, NULL) < 0)
		return NULL;
	if ((p = strstr(text, "\ntoken=")) != NULL) {
		p += strlen("\ntoken=");
		if ((e = strchr(p, '\n')))
			*e = '\0';
		raw = xmalloc(strlen(p) / 2 + 1);
		if (hex_decode(p, raw, strlen(p) / 2 + 1, &n) == 0 && n)
			tok = secret_from(raw, n);
		explicit_bzero(raw, strlen(p) / 2 + 1);
		free(raw);
	}
	explicit_bzero(text, len);
	free(text);
	return tok;
}

static void fill_report(const struct dart_bundle *b, struct dart_report *ret)
{
	*ret = (struct dart_report){
		.n_files = b->n + 2,
		.n_missing = b->n_missing,
		.n_scrubbed = b->n_scrubbed,
		.notes = xstrdup(b->notes.p ? b->notes.p : ""),
	};
}

int dart_collect(const struct dart_inputs *in, const char *out_path, struct dart_report *ret)
{
	struct dart_bundle b;
	struct dart_scrub s;
	char *raw, *summary, *manifest;
	const struct secret **known;
	struct secret *stored;
	size_t len;
	int r;

	if (!in || !out_path || !*out_path)
		return -EINVAL;
	dart_bundle_init(&b, in, in->now ? in->now : clock_realtime_now());
	daemon_part(&b);
	event_log(&b);
	journal(&b);
	dart_profiles_collect(&b);
	config_part(&b);
	network(&b);
	system_part(&b);
	known = xcalloc(in->n_known_secrets + 1, sizeof(*known));
	for (size_t i = 0; i < in->n_known_secrets; i++)
		known[i] = in->known_secrets[i];
	stored = stored_token(in->event_log_dir ? in->event_log_dir : DART_STATE_DIR_DEFAULT);
	known[in->n_known_secrets] = stored;
	dart_scrub_init(&s, known, in->n_known_secrets + 1, in->redact_users);
	if (in->redact_users)
		add_users(&s, in);
	dart_bundle_scrub(&b, &s);
	raw = dart_summary_build(&b);
	summary = dart_scrub_text(&s, DART_TEXT_PLAIN, raw, strlen(raw), &len, NULL);
	free(raw);
	manifest = dart_zip_manifest(&b, summary);
	r = dart_zip_write(&b, summary, manifest, out_path);
	if (r == 0 && ret)
		fill_report(&b, ret);
	free(summary);
	free(manifest);
	dart_scrub_done(&s);
	dart_bundle_done(&b);
	secret_free(stored);
	free(known);
	return r;
}

void dart_report_done(struct dart_report *r)
{
	free(r->notes);
	*r = (struct dart_report){0};
}

void dart_default_name(usec_t now, char *buf, size_t len)
{
	time_t t = (time_t)((now ? now : clock_realtime_now()) / USEC_PER_SEC);
	struct tm tm;
	char stamp[32] = "00000000-000000";

	if (localtime_r(&t, &tm))
		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(buf, len, "anyroam-dart-%s.zip", stamp);
}
