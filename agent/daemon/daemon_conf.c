/* daemon_conf.c - agent.conf; the format is documented in daemon_conf.h. */
#include "daemon_conf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/xmalloc.h"

#define CONF_FILE_MAX (256u * 1024u)
#define CONF_LINE_MAX 4096

void daemon_conf_init(struct daemon_conf *c)
{
	*c = (struct daemon_conf){
		.system_ca = true,
		.log_level = LOG_LEVEL_INFO,
		.cisco_compat = true,
		.event_log_max_bytes = 1024 * 1024,
		.network_debounce_ms = DAEMON_CONF_DEBOUNCE_MS_DEFAULT,
	};
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
}

void daemon_conf_done(struct daemon_conf *c)
{
	free_list(c->ca_files, c->n_ca_files);
	free_list(c->ca_dirs, c->n_ca_dirs);
	free_list(c->profiles, c->n_profiles);
	free(c->tun_name);
	free(c->dns_backend);
	free(c->resolv_conf);
	daemon_conf_init(c);
}

static int push(char **v, size_t *n, const char *value)
{
	if (*n >= DAEMON_CONF_LIST_MAX)
		return -EMSGSIZE;
	v[(*n)++] = xstrdup(value);
	return 0;
}

static int set_str(char **dst, const char *value)
{
	free(*dst);
	*dst = xstrdup(value);
	return 0;
}

static int parse_bool(const char *v, bool *ret)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
		*ret = true;
	else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

static int parse_pin(struct daemon_conf *c, const char *v)
{
	size_t n;

	if (c->n_pins >= DAEMON_CONF_LIST_MAX)
		return -EMSGSIZE;
	if (hex_decode(v, c->pins[c->n_pins], 32, &n) < 0 || n != 32)
		return -EINVAL;
	c->n_pins++;
	return 0;
}

static int parse_u64(const char *v, uint64_t *ret)
{
	char *end;
	unsigned long long x;

	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*ret = x;
	return 0;
}

static int parse_debounce(struct daemon_conf *c, const char *v)
{
	uint64_t ms;
	int r = parse_u64(v, &ms);

	if (r < 0 || ms < 1 || ms > DAEMON_CONF_DEBOUNCE_MS_MAX)
		return -EINVAL;
	c->network_debounce_ms = ms;
	return 0;
}

static int parse_level(struct daemon_conf *c, const char *v)
{
	int r = log_level_from_string(v);

	if (r < 0)
		return r;
	c->log_level = (enum log_level)r;
	return 0;
}

static int apply(struct daemon_conf *c, const char *k, const char *v)
{
	if (strcmp(k, "ca-file") == 0)
		return push(c->ca_files, &c->n_ca_files, v);
	if (strcmp(k, "ca-dir") == 0)
		return push(c->ca_dirs, &c->n_ca_dirs, v);
	if (strcmp(k, "system-ca") == 0)
		return parse_bool(v, &c->system_ca);
	if (strcmp(k, "trust-server-cert-sha256") == 0)
		return parse_pin(c, v);
	if (strcmp(k, "profile") == 0)
		return push(c->profiles, &c->n_profiles, v);
	if (strcmp(k, "log-level") == 0)
		return parse_level(c, v);
	if (strcmp(k, "tun-name") == 0)
		return strlen(v) < 16 ? set_str(&c->tun_name, v) : -EINVAL;
	if (strcmp(k, "dns-backend") == 0)
		return strcmp(v, "auto") && strcmp(v, "resolved") && strcmp(v, "file")
			       ? -EINVAL
			       : set_str(&c->dns_backend, v);
	if (strcmp(k, "resolv-conf") == 0)
		return set_str(&c->resolv_conf, v);
	if (strcmp(k, "cisco-compat") == 0)
		return parse_bool(v, &c->cisco_compat);
	if (strcmp(k, "event-log-max-bytes") == 0)
		return parse_u64(v, &c->event_log_max_bytes);
	if (strcmp(k, "network-debounce-ms") == 0)
		return parse_debounce(c, v);
	return -ENOENT;
}

static char *trim(char *s)
{
	char *e;

	s += strspn(s, " \t");
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int conf_err(char *err, size_t len, const char *file, unsigned line, const char *fmt, ...)
	_printf_(5, 6);
static int conf_err(char *err, size_t len, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, len, "%s:%u: ", file, line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < len)
		vsnprintf(err + n, len - (size_t)n, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

static int parse_line(struct daemon_conf *c, char *line, const char *file, unsigned no, char *err,
		      size_t errlen)
{
	char *k = trim(line), *v;
	int r;

	if (!*k || *k == '#')
		return 0;
	v = k + strcspn(k, " \t");
	if (*v)
		*v++ = '\0';
	v = trim(v);
	if (!*v)
		return conf_err(err, errlen, file, no, "%s: a value is missing", k);
	r = apply(c, k, v);
	if (r == -ENOENT)
		return conf_err(err, errlen, file, no, "unknown setting '%s'", k);
	if (r == -EMSGSIZE)
		return conf_err(err, errlen, file, no, "%s: more than %d entries", k,
				DAEMON_CONF_LIST_MAX);
	if (r < 0)
		return conf_err(err, errlen, file, no, "%s: '%s' is not a valid value", k, v);
	return 0;
}

int daemon_conf_parse(struct daemon_conf *c, const char *file, const char *text, char *err,
		      size_t errlen)
{
	char *copy = xstrdup(text), *p = copy;
	unsigned no = 0;
	int r = 0;

	while (p && r == 0) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = '\0';
		no++;
		if (strlen(p) > CONF_LINE_MAX)
			r = conf_err(err, errlen, file, no, "line too long");
		else
			r = parse_line(c, p, file, no, err, errlen);
		p = nl ? nl + 1 : NULL;
	}
	free(copy);
	return r;
}

int daemon_conf_load(struct daemon_conf *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;
	int r;

	if (!f) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, err_str(r));
		return r;
	}
	buf = xmalloc(CONF_FILE_MAX + 1);
	n = fread(buf, 1, CONF_FILE_MAX + 1, f);
	fclose(f);
	if (n > CONF_FILE_MAX || memchr(buf, '\0', n)) {
		free(buf);
		snprintf(err, errlen, "%s: too large or not text", path);
		return -EBADMSG;
	}
	buf[n] = '\0';
	r = daemon_conf_parse(c, path, buf, err, errlen);
	free(buf);
	return r;
}
