/* dart_history.c - reconnect timeline, control commands, gateway chain; see dart_history.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/xmalloc.h"
#include "daemon/dart_history.h"
#include "daemon/dart_sb.h"

void dart_history_init(struct dart_history *h)
{
	*h = (struct dart_history){0};
}

void dart_history_done(struct dart_history *h)
{
	free(h->chain_pem);
	*h = (struct dart_history){0};
}

/* Ring slot for a new entry; the oldest is overwritten when full. */
static size_t ring_push(size_t *start, size_t *len, size_t cap)
{
	if (*len < cap)
		return (*start + (*len)++) % cap;
	*start = (*start + 1) % cap;
	return (*start + cap - 1) % cap;
}

void dart_history_command(struct dart_history *h, usec_t realtime, uid_t uid, pid_t pid,
			  const char *name)
{
	struct dart_command *c =
		&h->cmd[ring_push(&h->cmd_start, &h->cmd_len, DART_HISTORY_COMMANDS)];

	*c = (struct dart_command){.realtime = realtime, .uid = uid, .pid = pid};
	snprintf(c->name, sizeof(c->name), "%s", name ? name : "?");
}

static struct dart_reconnect *running(struct dart_history *h)
{
	struct dart_reconnect *r;

	if (!h->rc_len)
		return NULL;
	r = &h->rc[(h->rc_start + h->rc_len - 1) % DART_HISTORY_RECONNECTS];
	return r->done ? NULL : r;
}

static uint64_t ms_since(const struct dart_reconnect *r, usec_t boottime)
{
	return boottime > r->started ? (boottime - r->started) / 1000 : 0;
}

void dart_history_reconnect_begin(struct dart_history *h, int reason, usec_t realtime,
				  usec_t boottime)
{
	struct dart_reconnect *r = running(h);

	if (r) {
		/* a new trigger while reconnecting (e.g. resume during a DPD reconnect) */
		r->attempts++;
		dart_history_reconnect_step(h, "retriggered", boottime);
		return;
	}
	r = &h->rc[ring_push(&h->rc_start, &h->rc_len, DART_HISTORY_RECONNECTS)];
	*r = (struct dart_reconnect){.realtime = realtime, .started = boottime, .reason = reason};
}

void dart_history_reconnect_step(struct dart_history *h, const char *name, usec_t boottime)
{
	struct dart_reconnect *r = running(h);
	struct dart_step *s;

	if (!r)
		return;
	if (r->n_steps == DART_HISTORY_STEPS) /* keep the last one current */
		r->n_steps--;
	s = &r->steps[r->n_steps++];
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->at_ms = ms_since(r, boottime);
	if (strcmp(name, "attempt") == 0)
		r->attempts++;
}

void dart_history_reconnect_end(struct dart_history *h, bool ok, const char *outcome,
				usec_t boottime)
{
	struct dart_reconnect *r = running(h);

	if (!r)
		return;
	r->done = true;
	r->ok = ok;
	r->duration_ms = ms_since(r, boottime);
	snprintf(r->outcome, sizeof(r->outcome), "%s", outcome ? outcome : (ok ? "ok" : "failed"));
}

void dart_history_set_chain(struct dart_history *h, const uint8_t *const *ders, const size_t *lens,
			    size_t n)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	long len;

	if (!bio)
		return;
	for (size_t i = 0; i < n && i < DART_HISTORY_CHAIN_MAX; i++) {
		const unsigned char *d = ders[i];
		X509 *x = d2i_X509(NULL, &d, (long)lens[i]);

		if (!x)
			continue;
		/* public certificate only: PEM_write_bio_X509 never writes a key */
		(void)PEM_write_bio_X509(bio, x);
		X509_free(x);
	}
	len = BIO_get_mem_data(bio, &p);
	free(h->chain_pem);
	h->chain_pem = len > 0 ? xstrndup(p, (size_t)len) : NULL;
	BIO_free(bio);
}

size_t dart_history_reconnect_count(const struct dart_history *h)
{
	return h->rc_len;
}

const struct dart_reconnect *dart_history_reconnect_at(const struct dart_history *h, size_t i)
{
	return i < h->rc_len ? &h->rc[(h->rc_start + i) % DART_HISTORY_RECONNECTS] : NULL;
}

static void add_time(struct dart_sb *sb, usec_t realtime)
{
	time_t t = (time_t)(realtime / USEC_PER_SEC);
	struct tm tm;
	char buf[32] = "?";

	if (gmtime_r(&t, &tm))
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	dart_sb_adds(sb, buf);
}

static void reconnect_json(struct dart_sb *sb, const struct dart_reconnect *r)
{
	dart_sb_adds(sb, "  {\"time\":\"");
	add_time(sb, r->realtime);
	dart_sb_addf(sb,
		     "\",\"reason\":%d,\"done\":%s,\"ok\":%s,\"duration_ms\":%llu,"
		     "\"attempts\":%u,\"outcome\":",
		     r->reason, r->done ? "true" : "false", r->ok ? "true" : "false",
		     (unsigned long long)r->duration_ms, r->attempts);
	dart_sb_add_json_str(sb, r->outcome);
	dart_sb_adds(sb, ",\"steps\":[");
	for (size_t i = 0; i < r->n_steps; i++) {
		dart_sb_adds(sb, i ? "," : "");
		dart_sb_adds(sb, "{\"step\":");
		dart_sb_add_json_str(sb, r->steps[i].name);
		dart_sb_addf(sb, ",\"at_ms\":%llu}", (unsigned long long)r->steps[i].at_ms);
	}
	dart_sb_adds(sb, "]}");
}

char *dart_history_timeline_json(const struct dart_history *h)
{
	struct dart_sb sb = {0};

	dart_sb_adds(&sb, "[\n");
	for (size_t i = 0; i < h->rc_len; i++) {
		reconnect_json(&sb, dart_history_reconnect_at(h, i));
		dart_sb_adds(&sb, i + 1 < h->rc_len ? ",\n" : "\n");
	}
	dart_sb_adds(&sb, "]\n");
	return dart_sb_steal(&sb);
}

char *dart_history_commands_text(const struct dart_history *h)
{
	struct dart_sb sb = {0};

	for (size_t i = 0; i < h->cmd_len; i++) {
		const struct dart_command *c = &h->cmd[(h->cmd_start + i) % DART_HISTORY_COMMANDS];

		add_time(&sb, c->realtime);
		dart_sb_addf(&sb, " uid=%u pid=%d %s\n", (unsigned)c->uid, (int)c->pid, c->name);
	}
	if (!h->cmd_len)
		dart_sb_adds(&sb, "(no control commands since the agent started)\n");
	return dart_sb_steal(&sb);
}
