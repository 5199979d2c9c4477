/*
 * dart_summary.c - summary.txt, the first file of a bundle and the one a person reads:
 * versions, state, the last reconnects with reason and duration, the last errors and
 * what could not be collected. The reconnects come from the daemon's timeline; without
 * the daemon they are rebuilt from the DART-style event log (daemon_log.h), whose
 * records carry "Session level reconnect reason code N: ..." and "State A -> B".
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "anyroam_version.h"
#include "core/xmalloc.h"
#include "daemon/dart_bundle.h"
#include "session/session_timers.h"

#define EVLOG_MAX 4096

struct evrec {
	time_t t;
	char type[16];
	const char *desc; /* into the log text, up to desc_len */
	size_t desc_len;
};

struct evlog {
	struct evrec r[EVLOG_MAX];
	size_t n;
};

/* Value of `"key": X` in flat JSON (string unquoted, number as is); false if absent. */
static bool json_get(const char *json, const char *key, char *buf, size_t cap)
{
	char pat[64];
	const char *p;
	size_t n = 0;

	if (!json)
		return false;
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	if (!(p = strstr(json, pat)))
		return false;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	if (*p == '"') {
		for (p++; *p && *p != '"' && n + 1 < cap; p++)
			buf[n++] = *p == '\\' && p[1] ? *++p : *p;
	} else {
		while (*p && !strchr(",}\n ", *p) && n + 1 < cap)
			buf[n++] = *p++;
	}
	buf[n] = '\0';
	return true;
}

static const char *field(const char *rec, size_t len, const char *name, size_t *ret_len)
{
	const char *p = memmem(rec, len, name, strlen(name)), *e;

	if (!p)
		return NULL;
	p += strlen(name);
	e = memchr(p, '\n', (size_t)(rec + len - p));
	*ret_len = e ? (size_t)(e - p) : (size_t)(rec + len - p);
	return p;
}

static void parse_record(struct evlog *l, const char *rec, size_t len)
{
	struct evrec *r = &l->r[l->n];
	struct tm tm = {.tm_isdst = -1};
	const char *d, *tim, *ty;
	size_t dn, tn, yn;

	if (l->n == EVLOG_MAX || !(d = field(rec, len, "Date        : ", &dn)) ||
	    !(tim = field(rec, len, "Time        : ", &tn)) ||
	    !(ty = field(rec, len, "Type        : ", &yn)) ||
	    !(r->desc = field(rec, len, "Description : ", &r->desc_len)))
		return;
	if (sscanf(d, "%d/%d/%d", &tm.tm_mon, &tm.tm_mday, &tm.tm_year) != 3 ||
	    sscanf(tim, "%d:%d:%d", &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 3)
		return;
	tm.tm_mon--;
	tm.tm_year -= 1900;
	r->t = mktime(&tm);
	snprintf(r->type, sizeof(r->type), "%.*s", (int)yn, ty);
	l->n++;
}

static void parse_log(struct evlog *l, const struct dart_entry *e)
{
	static const char sep[] = "******************************************";
	const char *p = e ? e->data : NULL, *end = e ? e->data + e->len : NULL;

	while (p && p < end) {
		const char *s = memmem(p, (size_t)(end - p), sep, sizeof(sep) - 1);
		size_t len = s ? (size_t)(s - p) : (size_t)(end - p);

		parse_record(l, p, len);
		p = s ? s + sizeof(sep) - 1 : end;
	}
}

static bool desc_has(const struct evrec *r, const char *s)
{
	return memmem(r->desc, r->desc_len, s, strlen(s)) != NULL;
}

static void put_time(struct dart_sb *sb, time_t t)
{
	struct tm tm;
	char buf[32] = "?";

	if (localtime_r(&t, &tm))
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	dart_sb_adds(sb, buf);
}

static void put_reason(struct dart_sb *sb, int code)
{
	const char *text = session_reason_text(code);

	dart_sb_addf(sb, "reason %d (%s)", code, text ? text : "unknown code");
}

/* The end of the reconnect started at i: "State Reconnecting -> X" after it. */
static const struct evrec *reconnect_end(const struct evlog *l, size_t i)
{
	for (size_t j = i + 1; j < l->n; j++) {
		if (desc_has(&l->r[j], "Session level reconnect reason code"))
			return NULL;
		if (desc_has(&l->r[j], "State Reconnecting -> "))
			return &l->r[j];
	}
	return NULL;
}

static void reconnects_from_log(struct dart_sb *sb, const struct evlog *l)
{
	size_t idx[DART_SUMMARY_RECONNECTS], n = 0, total = 0;

	for (size_t i = 0; i < l->n; i++)
		if (desc_has(&l->r[i], "Session level reconnect reason code")) {
			idx[n++ % DART_SUMMARY_RECONNECTS] = i;
			total++;
		}
	dart_sb_addf(sb, "(from the event log: %zu reconnects found)\n", total);
	for (size_t k = n > DART_SUMMARY_RECONNECTS ? n - DART_SUMMARY_RECONNECTS : 0; k < n; k++) {
		const struct evrec *r = &l->r[idx[k % DART_SUMMARY_RECONNECTS]], *e;
		int code = 0;

		sscanf((const char *)memmem(r->desc, r->desc_len, "code ", 5) + 5, "%d", &code);
		e = reconnect_end(l, (size_t)(r - l->r));
		put_time(sb, r->t);
		dart_sb_adds(sb, "  ");
		put_reason(sb, code);
		if (!e)
			dart_sb_adds(sb, ": no outcome in the log\n");
		else
			dart_sb_addf(sb, ": %s after %ld s\n",
				     desc_has(e, "-> Connected") ? "connected" : "not reconnected",
				     (long)(e->t - r->t));
	}
}

/* From the daemon's timeline JSON: one object per line (dart_history_timeline_json). */
static void reconnects_from_timeline(struct dart_sb *sb, const char *json)
{
	const char *lines[DART_SUMMARY_RECONNECTS];
	size_t n = 0, total = 0;

	for (const char *p = strstr(json, "{\"time\""); p; p = strstr(p + 1, "{\"time\""))
		lines[n++ % DART_SUMMARY_RECONNECTS] = p, total++;
	dart_sb_addf(sb, "(from the agent's timeline: %zu reconnects since it started)\n", total);
	for (size_t k = n > DART_SUMMARY_RECONNECTS ? n - DART_SUMMARY_RECONNECTS : 0; k < n; k++) {
		const char *p = lines[k % DART_SUMMARY_RECONNECTS];
		char t[32] = "?", reason[16] = "0", ok[8] = "", done[8] = "", ms[24] = "",
		     outcome[128] = "";

		(void)json_get(p, "time", t, sizeof(t));
		(void)json_get(p, "reason", reason, sizeof(reason));
		(void)json_get(p, "ok", ok, sizeof(ok));
		(void)json_get(p, "done", done, sizeof(done));
		(void)json_get(p, "duration_ms", ms, sizeof(ms));
		(void)json_get(p, "outcome", outcome, sizeof(outcome));
		dart_sb_addf(sb, "%s  ", t);
		put_reason(sb, atoi(reason));
		if (strcmp(done, "true") != 0)
			dart_sb_adds(sb, ": in progress\n");
		else
			dart_sb_addf(sb, ": %s in %s ms (%s)\n",
				     strcmp(ok, "true") == 0 ? "connected" : "failed", ms, outcome);
	}
}

static void errors_from_log(struct dart_sb *sb, const struct evlog *l)
{
	size_t idx[DART_SUMMARY_ERRORS], n = 0;

	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->r[i].type, "Error") == 0)
			idx[n++ % DART_SUMMARY_ERRORS] = i;
	if (!n)
		dart_sb_adds(sb, "(no Error records in the event log)\n");
	for (size_t k = n > DART_SUMMARY_ERRORS ? n - DART_SUMMARY_ERRORS : 0; k < n; k++) {
		const struct evrec *r = &l->r[idx[k % DART_SUMMARY_ERRORS]];

		put_time(sb, r->t);
		dart_sb_addf(sb, "  %.*s\n", (int)r->desc_len, r->desc);
	}
}

static void heading(struct dart_sb *sb, const char *title)
{
	dart_sb_addf(sb, "\n%s\n", title);
	for (size_t i = strlen(title); i; i--)
		dart_sb_add(sb, "-", 1);
	dart_sb_add(sb, "\n", 1);
}

static void versions(struct dart_sb *sb, const struct dart_bundle *b)
{
	const struct dart_entry *os = dart_bundle_find(b, "system/os-release");
	const struct dart_entry *un = dart_bundle_find(b, "system/uname.txt");
	const struct dart_entry *pkg = dart_bundle_find(b, "system/dpkg-anyroam.txt");
	char pretty[256] = "unknown", ver[128] = "not installed as a package";
	const char *p;

	if (os && (p = strstr(os->data, "PRETTY_NAME=")))
		sscanf(p, "PRETTY_NAME=\"%255[^\"\n]", pretty);
	if (pkg && (p = strstr(pkg->data, "\nVersion: ")))
		sscanf(p, "\nVersion: %127s", ver);
	dart_sb_adds(sb, "anyroam              : " ANYROAM_VERSION "\n");
	dart_sb_addf(sb, "package              : %s\n", ver);
	dart_sb_addf(sb, "OS                   : %s\n", pretty);
	if (un)
		dart_sb_addf(sb, "kernel               : %s", un->data);
}

static void agent_state(struct dart_sb *sb, const struct dart_bundle *b)
{
	static const char *const keys[] = {"state",
					   "host",
					   "assigned_ipv4",
					   "session_id",
					   "reconnects",
					   "last_reconnect_reason",
					   "last_reconnect_ms",
					   "uptime_s",
					   "bytes_in",
					   "bytes_out"};
	const struct dart_entry *st = dart_bundle_find(b, "agent/stats.json");
	char v[256];

	if (!st)
		st = dart_bundle_find(b, "agent/state.json");
	if (!st) {
		dart_sb_addf(sb, "state                : unknown (%s)\n",
			     b->in->daemon_note ? b->in->daemon_note : "the agent did not say");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (json_get(st->data, keys[i], v, sizeof(v)) && *v)
			dart_sb_addf(sb, "%-21s: %s\n", keys[i], v);
}

char *dart_summary_build(const struct dart_bundle *b)
{
	struct evlog *l = xcalloc(1, sizeof(*l));
	const struct dart_entry *tl = dart_bundle_find(b, "agent/reconnect-timeline.json");
	struct dart_sb sb = {0};

	parse_log(l, dart_bundle_find(b, "eventlog/anyroam.log.1"));
	parse_log(l, dart_bundle_find(b, "eventlog/anyroam.log"));
	dart_sb_adds(&sb, "Anyroam DART diagnostic bundle (secrets removed)\n");
	dart_sb_adds(&sb, "Created              : ");
	put_time(&sb, (time_t)(b->now / USEC_PER_SEC));
	dart_sb_addf(&sb, " (local time), collected as uid %u%s\n", (unsigned)geteuid(),
		     geteuid() ? " (files other users cannot read are listed below)" : "");
	heading(&sb, "Versions");
	versions(&sb, b);
	heading(&sb, "Agent");
	agent_state(&sb, b);
	heading(&sb, "Last reconnects (oldest first)");
	if (tl)
		reconnects_from_timeline(&sb, tl->data);
	else
		reconnects_from_log(&sb, l);
	heading(&sb, "Last errors");
	errors_from_log(&sb, l);
	heading(&sb, "Not collected");
	dart_sb_adds(&sb, b->notes.n ? b->notes.p : "(nothing: everything was collected)\n");
	heading(&sb, "Files");
	dart_sb_adds(&sb, "summary.txt, manifest.json (sizes and SHA-256 of all files)\n");
	for (size_t i = 0; i < b->n; i++)
		dart_sb_addf(&sb, "%s (%zu bytes)\n", b->e[i].name, b->e[i].len);
	free(l);
	return dart_sb_steal(&sb);
}
