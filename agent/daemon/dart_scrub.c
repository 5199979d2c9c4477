/*
 * dart_scrub.c - removes secrets (and, on request, user names) from every text of a
 * DART bundle; see dart_scrub.h for the rules. Each rule is one pass from text to a
 * new buffer, so a pass never sees its own output half-rewritten.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/xmalloc.h"
#include "daemon/dart_sb.h"
#include "daemon/dart_scrub.h"

static const char *const secret_words[] = {
	"password", "passwd", "passphrase", "token", "secret", "psk", "key", "cookie",
};

struct text {
	const char *p;
	size_t n;
};

void dart_scrub_init(struct dart_scrub *s, const struct secret *const *known, size_t n_known,
		     bool redact_users)
{
	*s = (struct dart_scrub){.known = known, .n_known = n_known, .redact_users = redact_users};
}

void dart_scrub_done(struct dart_scrub *s)
{
	for (size_t i = 0; i < s->n_users; i++)
		free(s->users[i]);
	s->n_users = 0;
}

void dart_scrub_add_user(struct dart_scrub *s, const char *name)
{
	if (!name || !*name || s->n_users >= DART_SCRUB_USERS_MAX ||
	    strcmp(name, DART_USER_PLACEHOLDER) == 0 || strcmp(name, DART_REDACTED) == 0)
		return;
	for (size_t i = 0; i < s->n_users; i++)
		if (strcmp(s->users[i], name) == 0)
			return;
	s->users[s->n_users++] = xstrdup(name);
}

bool dart_scrub_is_secret_name(const char *name, size_t n)
{
	char low[64];

	if (n == 0 || n >= sizeof(low))
		return false;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[n] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(secret_words); i++)
		if (strstr(low, secret_words[i]))
			return true;
	return false;
}

static bool is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

static size_t name_len(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && is_name_char(p[i]))
		i++;
	return i;
}

static const char *find_mem(const char *p, size_t n, const char *needle, size_t nn)
{
	return nn && n >= nn ? memmem(p, n, needle, nn) : NULL;
}

/* RFC 7468: "-----BEGIN label-----" ... "-----END label-----"; labels "... PRIVATE KEY". */
static size_t pass_pem(struct text t, struct dart_sb *out)
{
	static const char begin[] = "-----BEGIN ", end[] = "-----END ";
	size_t i = 0, count = 0;

	while (i < t.n) {
		const char *b = find_mem(t.p + i, t.n - i, begin, sizeof(begin) - 1);
		const char *lab, *dash, *e, *eol;

		if (!b)
			break;
		lab = b + sizeof(begin) - 1;
		dash = find_mem(lab, (size_t)(t.p + t.n - lab), "-----", 5);
		eol = memchr(lab, '\n', (size_t)(t.p + t.n - lab));
		if (!dash || (eol && eol < dash) || dash - lab < 11 ||
		    memcmp(dash - 11, "PRIVATE KEY", 11) != 0) {
			dart_sb_add(out, t.p + i, (size_t)(lab - (t.p + i)));
			i = (size_t)(lab - t.p);
			continue;
		}
		dart_sb_add(out, t.p + i, (size_t)(b - (t.p + i)));
		dart_sb_adds(out, "[REDACTED PRIVATE KEY]");
		count++;
		e = find_mem(dash + 5, (size_t)(t.p + t.n - dash - 5), end, sizeof(end) - 1);
		e = e ? find_mem(e + sizeof(end) - 1, (size_t)(t.p + t.n - e) - (sizeof(end) - 1),
				 "-----", 5)
		      : NULL;
		/* no END line: everything after BEGIN may be key material */
		i = e ? (size_t)(e + 5 - t.p) : t.n;
	}
	dart_sb_add(out, t.p + i, t.n - i);
	return count;
}

static size_t replace_all(struct text t, const char *needle, size_t nn, const char *with,
			  struct dart_sb *out)
{
	size_t i = 0, count = 0;
	const char *f;

	while ((f = find_mem(t.p + i, t.n - i, needle, nn))) {
		dart_sb_add(out, t.p + i, (size_t)(f - (t.p + i)));
		dart_sb_adds(out, with);
		count++;
		i = (size_t)(f - t.p) + nn;
	}
	dart_sb_add(out, t.p + i, t.n - i);
	return count;
}

/* Runs one pass and makes its output the next input. */
typedef size_t (*pass_func_t)(struct text t, struct dart_sb *out, const void *arg);

static size_t run(struct dart_sb *cur, pass_func_t fn, const void *arg)
{
	struct dart_sb next = {0};
	size_t c = fn((struct text){cur->p ? cur->p : "", cur->n}, &next, arg);

	dart_sb_add(&next, "", 0);
	dart_sb_done(cur);
	*cur = next;
	return c;
}

static size_t pass_literal(struct text t, struct dart_sb *out, const void *arg)
{
	const struct text *needle = arg;

	return replace_all(t, needle->p, needle->n, DART_REDACTED, out);
}

static size_t pass_pem_fn(struct text t, struct dart_sb *out, const void *arg)
{
	(void)arg;
	return pass_pem(t, out);
}

/* The raw value, and its hex in both cases (the session file stores the token as hex). */
static size_t scrub_known(struct dart_sb *cur, const struct secret *sec)
{
	size_t n = secret_len(sec), count = 0;
	char *hex;

	/* shorter values would match by chance all over the bundle */
	if (n < 4)
		return 0;
	hex = xmalloc(2 * n + 1);
	count += run(cur, pass_literal, &(struct text){(const char *)secret_data(sec), n});
	for (int upper = 0; upper < 2; upper++) {
		hex_encode(secret_data(sec), n, hex, upper);
		count += run(cur, pass_literal, &(struct text){hex, 2 * n});
	}
	explicit_bzero(hex, 2 * n + 1);
	free(hex);
	return count;
}

/* <name ...>value</...>: the value of an element whose name is secret-like. */
static size_t pass_xml(struct text t, struct dart_sb *out, const void *arg)
{
	size_t i = 0, count = 0;

	(void)arg;
	while (i < t.n) {
		const char *lt = memchr(t.p + i, '<', t.n - i), *gt, *val, *next;
		size_t ln;

		if (!lt)
			break;
		ln = name_len(lt + 1, (size_t)(t.p + t.n - lt - 1));
		gt = memchr(lt + 1, '>', (size_t)(t.p + t.n - lt - 1));
		if (!ln || !gt || gt[-1] == '/' || !dart_scrub_is_secret_name(lt + 1, ln)) {
			dart_sb_add(out, t.p + i, (size_t)(lt + 1 - (t.p + i)));
			i = (size_t)(lt + 1 - t.p);
			continue;
		}
		val = gt + 1;
		next = memchr(val, '<', (size_t)(t.p + t.n - val));
		if (!next)
			next = t.p + t.n;
		dart_sb_add(out, t.p + i, (size_t)(val - (t.p + i)));
		i = (size_t)(val - t.p);
		/* only text content: a nested element or a bare placeholder stays */
		size_t vn = (size_t)(next - val), k = 0;
		while (k < vn && isspace((unsigned char)val[k]))
			k++;
		if (k == vn || (vn == strlen(DART_REDACTED) && !memcmp(val, DART_REDACTED, vn)))
			continue;
		dart_sb_adds(out, DART_REDACTED);
		count++;
		i = (size_t)(next - t.p);
	}
	dart_sb_add(out, t.p + i, t.n - i);
	return count;
}

/* Length of the value at p: quoted (without the quotes) or up to a delimiter. */
static size_t value_len(const char *p, size_t n, bool quoted, char q)
{
	size_t i = 0;

	if (quoted) {
		while (i < n && p[i] != q && p[i] != '\n')
			i++;
		return i;
	}
	while (i < n && !isspace((unsigned char)p[i]) && !strchr(",;&<>)}]\"'", p[i]))
		i++;
	return i;
}

/* name=value, name: value, "name": "value", name="value" with a secret-like name. */
static size_t kv_at(struct text t, size_t w, size_t wn, size_t *ret_vstart, size_t *ret_vlen)
{
	size_t j = w + wn;
	bool quoted;
	char q = 0;

	if (w > 0 && (t.p[w - 1] == '"' || t.p[w - 1] == '\'') && j < t.n && t.p[j] == t.p[w - 1])
		j++;
	while (j < t.n && (t.p[j] == ' ' || t.p[j] == '\t'))
		j++;
	if (j >= t.n || (t.p[j] != '=' && t.p[j] != ':'))
		return 0;
	j++;
	while (j < t.n && (t.p[j] == ' ' || t.p[j] == '\t'))
		j++;
	quoted = j < t.n && (t.p[j] == '"' || t.p[j] == '\'');
	if (quoted)
		q = t.p[j++];
	*ret_vstart = j;
	*ret_vlen = value_len(t.p + j, t.n - j, quoted, q);
	return *ret_vlen;
}

/* An earlier pass put the placeholder here (its ']' ends an unquoted value early). */
static bool already_redacted(struct text t, size_t at)
{
	size_t n = strlen(DART_REDACTED);

	return t.n - at >= n && memcmp(t.p + at, DART_REDACTED, n) == 0;
}

static size_t pass_kv(struct text t, struct dart_sb *out, const void *arg)
{
	size_t i = 0, done = 0, count = 0;

	(void)arg;
	while (i < t.n) {
		size_t wn, vs, vn;

		if (!is_name_char(t.p[i]) || (i > 0 && is_name_char(t.p[i - 1]))) {
			i++;
			continue;
		}
		wn = name_len(t.p + i, t.n - i);
		if (!dart_scrub_is_secret_name(t.p + i, wn) || !kv_at(t, i, wn, &vs, &vn) ||
		    already_redacted(t, vs)) {
			i += wn;
			continue;
		}
		dart_sb_add(out, t.p + done, vs - done);
		dart_sb_adds(out, DART_REDACTED);
		count++;
		done = i = vs + vn;
	}
	dart_sb_add(out, t.p + done, t.n - done);
	return count;
}

/* One conf line: after the first secret-like word that is not the last, nothing stays. */
static size_t conf_line(const char *p, size_t n, struct dart_sb *out)
{
	size_t i = 0;

	/* comments too: "# old password 0 x" is as secret as the live line */
	while (i < n) {
		size_t s = i, e;

		while (i < n && !isspace((unsigned char)p[i]))
			i++;
		e = i;
		while (i < n && isspace((unsigned char)p[i]))
			i++;
		if (i < n && dart_scrub_is_secret_name(p + s, e - s)) {
			dart_sb_add(out, p, e);
			dart_sb_adds(out, " " DART_REDACTED);
			return 1;
		}
	}
	dart_sb_add(out, p, n);
	return 0;
}

static size_t pass_conf(struct text t, struct dart_sb *out, const void *arg)
{
	size_t i = 0, count = 0;

	(void)arg;
	while (i < t.n) {
		const char *nl = memchr(t.p + i, '\n', t.n - i);
		size_t len = nl ? (size_t)(nl - (t.p + i)) : t.n - i;

		count += conf_line(t.p + i, len, out);
		i += len;
		if (nl) {
			dart_sb_add(out, "\n", 1);
			i++;
		}
	}
	return count;
}

/* Whole-word occurrences of a user name (words as in is_name_char). */
static size_t pass_user(struct text t, struct dart_sb *out, const void *arg)
{
	const char *name = arg;
	size_t nn = strlen(name), i = 0, done = 0, count = 0;
	const char *f;

	while ((f = find_mem(t.p + i, t.n - i, name, nn))) {
		size_t at = (size_t)(f - t.p);

		i = at + 1;
		if ((at > 0 && is_name_char(t.p[at - 1])) ||
		    (at + nn < t.n && is_name_char(t.p[at + nn])))
			continue;
		dart_sb_add(out, t.p + done, at - done);
		dart_sb_adds(out, DART_USER_PLACEHOLDER);
		count++;
		done = i = at + nn;
	}
	dart_sb_add(out, t.p + done, t.n - done);
	return count;
}

static void learn_one(struct dart_scrub *s, const char *p, size_t n)
{
	char name[128];

	while (n && isspace((unsigned char)*p))
		p++, n--;
	n = name_len(p, n);
	if (!n || n >= sizeof(name))
		return;
	memcpy(name, p, n);
	name[n] = '\0';
	dart_scrub_add_user(s, name);
}

void dart_scrub_learn_users(struct dart_scrub *s, const char *text)
{
	static const char *const marks[] = {"<username>", "username ", "\"username\":\"",
					    "\"user\":\"", "login user "};
	const char *p;

	for (size_t m = 0; m < ARRAY_SIZE(marks); m++) {
		size_t ml = strlen(marks[m]);

		for (p = text; (p = strstr(p, marks[m])); p += ml) {
			/* `username` at a line start only, for IOS-style conf files */
			if (m == 1 && p != text && p[-1] != '\n' && p[-1] != ' ' && p[-1] != '\t')
				continue;
			learn_one(s, p + ml, strlen(p + ml));
		}
	}
}

char *dart_scrub_text(const struct dart_scrub *s, enum dart_text_kind kind, const char *text,
		      size_t len, size_t *ret_len, size_t *ret_count)
{
	struct dart_sb cur = {0};
	size_t count = 0;

	dart_sb_add(&cur, text, len);
	count += run(&cur, pass_pem_fn, NULL);
	for (size_t i = 0; i < s->n_known; i++)
		if (s->known[i])
			count += scrub_known(&cur, s->known[i]);
	count += run(&cur, pass_xml, NULL);
	if (kind == DART_TEXT_CONF)
		count += run(&cur, pass_conf, NULL);
	count += run(&cur, pass_kv, NULL);
	for (size_t i = 0; s->redact_users && i < s->n_users; i++)
		count += run(&cur, pass_user, s->users[i]);
	*ret_len = cur.n;
	if (ret_count)
		*ret_count = count;
	return dart_sb_steal(&cur);
}
