/* gw_ctl.c - control socket: grammar table, server, client; see gw_ctl.h. */
#define _GNU_SOURCE /* struct ucred, open_memstream */
#define LOG_MODULE  "gw"
#include "gw_ctl.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/log.h"

/* The grammar: words of each command (NULL-terminated); a trailing "?" word is an
 * optional free argument. */
static const struct {
	enum gw_ctl_cmd cmd;
	const char *words[6];
} grammar[] = {
	{GW_CTL_SHOW_CRYPTO_SESSION_DETAIL, {"show", "crypto", "session", "detail", NULL}},
	{GW_CTL_SHOW_IKEV2_SESSION_DETAILED,
	 {"show", "crypto", "ikev2", "session", "detailed", NULL}},
	{GW_CTL_SHOW_IKEV2_STATS_RECONNECT,
	 {"show", "crypto", "ikev2", "stats", "reconnect", NULL}},
	{GW_CTL_SHOW_IKEV2_STATS, {"show", "crypto", "ikev2", "stats", NULL}},
	{GW_CTL_CLEAR_CRYPTO_SESSION, {"clear", "crypto", "session", "?", NULL}},
};

static bool word_matches(const char *typed, const char *word)
{
	return *typed && strncmp(typed, word, strlen(typed)) == 0;
}

/* How many words of command c match argv (a free "?" takes one optional argument). */
static bool cmd_matches(size_t c, int argc, char *const *argv, const char **ret_arg)
{
	int i;

	*ret_arg = NULL;
	for (i = 0; grammar[c].words[i]; i++) {
		const char *w = grammar[c].words[i];

		if (strcmp(w, "?") == 0) {
			if (i < argc)
				*ret_arg = argv[i];
			return argc <= i + 1;
		}
		if (i >= argc || !word_matches(argv[i], w))
			return false;
	}
	return argc == i;
}

int gw_ctl_parse(int argc, char *const *argv, struct gw_ctl_request *ret, char *err, size_t errlen)
{
	size_t c, found = 0;
	const char *arg = NULL, *a;
	int matches = 0;

	for (c = 0; c < ARRAY_SIZE(grammar); c++) {
		if (cmd_matches(c, argc, argv, &a)) {
			if (!matches)
				found = c, arg = a;
			matches++;
		}
	}
	if (matches == 0) {
		char typed[128] = "";
		int i;

		for (i = 0; i < argc && strlen(typed) + strlen(argv[i]) + 2 < sizeof(typed); i++)
			strcat(strcat(typed, i ? " " : ""), argv[i]);
		snprintf(err, errlen,
			 "unknown command '%s' (try: show crypto session detail | show crypto "
			 "ikev2 session detailed | show crypto ikev2 stats [reconnect] | clear "
			 "crypto session [ID])",
			 typed);
		return -EINVAL;
	}
	if (matches > 1) {
		snprintf(err, errlen, "ambiguous command: spell the words out");
		return -EINVAL;
	}
	ret->cmd = grammar[found].cmd;
	ret->arg = arg;
	return 0;
}

int gw_ctl_listen(const char *path, int *ret_fd)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd, r;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return -errno;
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || chmod(path, 0600) < 0 ||
	    listen(fd, 16) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

/* Reads one line (bounded); -EBADMSG if it does not end in time or in size. */
static int read_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t k;

	while (n + 1 < cap) {
		k = read(fd, buf + n, cap - 1 - n);
		if (k <= 0)
			return -EBADMSG;
		n += (size_t)k;
		buf[n] = 0;
		if (memchr(buf, '\n', n)) {
			*strchr(buf, '\n') = 0;
			return 0;
		}
	}
	return -EMSGSIZE;
}

static int split(char *line, char **words, int cap)
{
	int n = 0;
	char *save = NULL, *w;

	for (w = strtok_r(line, " \t\r", &save); w; w = strtok_r(NULL, " \t\r", &save)) {
		if (n == cap)
			return -EMSGSIZE;
		words[n++] = w;
	}
	return n;
}

static void reply(int fd, bool ok, const char *text, size_t len)
{
	const char *hdr = ok ? "OK\n" : "ERR\n";
	size_t off = 0;
	ssize_t k;

	if (write(fd, hdr, strlen(hdr)) < 0)
		return;
	while (off < len && (k = write(fd, text + off, len - off)) > 0)
		off += (size_t)k;
}

static void serve(int fd, gw_ctl_handler_func_t fn, void *user_data)
{
	char line[GW_CTL_LINE_MAX], err[256], *words[GW_CTL_MAX_WORDS], *text = NULL;
	struct gw_ctl_request req = {0};
	size_t len = 0;
	FILE *out;
	int n, r, first = 0;

	if (!peer_allowed(fd)) {
		reply(fd, false, "permission denied\n", 18);
		return;
	}
	if (read_line(fd, line, sizeof(line)) < 0 ||
	    (n = split(line, words, GW_CTL_MAX_WORDS)) < 0) {
		reply(fd, false, "malformed request\n", 18);
		return;
	}
	if (n > 0 && strcmp(words[0], "--json") == 0)
		req.json = true, first = 1;
	if (gw_ctl_parse(n - first, words + first, &req, err, sizeof(err)) < 0) {
		strcat(err, "\n");
		reply(fd, false, err, strlen(err));
		return;
	}
	if (!(out = open_memstream(&text, &len)))
		return;
	r = fn(user_data, &req, out);
	fclose(out);
	reply(fd, r >= 0, text, len);
	free(text);
}

void gw_ctl_serve_one(int listen_fd, gw_ctl_handler_func_t fn, void *user_data)
{
	struct timeval tv = {.tv_sec = 1};
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	/* a slow or stuck client can hold the gateway's loop for at most these timeouts */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	serve(fd, fn, user_data);
	close(fd);
}

static int client_connect(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

int gw_ctl_client_run(const char *path, bool json, int argc, char **argv)
{
	char line[GW_CTL_LINE_MAX], buf[4096], err[256];
	struct gw_ctl_request req;
	size_t n = 0;
	ssize_t k;
	bool first = true, ok = false;
	int fd, i;

	if (gw_ctl_parse(argc, argv, &req, err, sizeof(err)) < 0) {
		fprintf(stderr, "anyroam-gw: %s\n", err);
		return 2;
	}
	n = (size_t)snprintf(line, sizeof(line), "%s", json ? "--json" : "");
	for (i = 0; i < argc && n < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", n ? " " : "", argv[i]);
	if (n + 1 >= sizeof(line)) {
		fprintf(stderr, "anyroam-gw: command too long\n");
		return 2;
	}
	strcat(line, "\n");
	if ((fd = client_connect(path)) < 0) {
		fprintf(stderr, "anyroam-gw: cannot reach the gateway at %s: %s\n", path,
			err_str(fd));
		return 3;
	}
	if (write(fd, line, strlen(line)) < 0) {
		close(fd);
		return 3;
	}
	while ((k = read(fd, buf, sizeof(buf))) > 0) {
		size_t off = 0;

		if (first) {
			ok = k >= 3 && memcmp(buf, "OK\n", 3) == 0;
			off = ok ? 3 : (k >= 4 && memcmp(buf, "ERR\n", 4) == 0 ? 4 : 0);
			first = false;
		}
		fwrite(buf + off, 1, (size_t)k - off, ok ? stdout : stderr);
	}
	close(fd);
	return first ? 3 : ok ? 0 : 1;
}
