/*
 * dart_sys.c - bounded file reads and fork/exec with captured output for DART.
 * Commands get no shell (argv as given) and a fresh environment, so nothing from the
 * caller's environment (a proxy password, say) reaches them or their output.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "daemon/dart_sb.h"
#include "daemon/dart_sys.h"

static int read_fd(int fd, size_t max, struct dart_sb *sb, bool *ret_truncated)
{
	char buf[16384];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		if (sb->n + (size_t)n > max) {
			dart_sb_add(sb, buf, max - sb->n);
			*ret_truncated = true;
			return 0;
		}
		dart_sb_add(sb, buf, (size_t)n);
	}
}

int dart_sys_read_file(const char *path, size_t max, char **ret, size_t *ret_len,
		       bool *ret_truncated)
{
	struct dart_sb sb = {0};
	bool trunc = false;
	struct stat st;
	int fd, r;

	/* O_NONBLOCK: a FIFO planted in a collected path must not hang the collector */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		close(fd);
		return r;
	}
	r = read_fd(fd, max, &sb, &trunc);
	close(fd);
	if (r < 0) {
		dart_sb_done(&sb);
		return r;
	}
	*ret_len = sb.n;
	*ret = dart_sb_steal(&sb);
	if (ret_truncated)
		*ret_truncated = trunc;
	return 0;
}

/* The program's path, or NULL when it is not installed. */
static char *find_program(const char *name)
{
	static const char *const fallback = "/usr/sbin:/usr/bin:/sbin:/bin";
	const char *path = getenv("PATH");
	char *dirs, *save = NULL, *found = NULL;

	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	dirs = xmalloc(strlen(path ? path : "") + strlen(fallback) + 2);
	sprintf(dirs, "%s:%s", path ? path : "", fallback);
	for (char *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *cand = xmalloc(strlen(d) + strlen(name) + 2);

		sprintf(cand, "%s/%s", d, name);
		if (access(cand, X_OK) == 0)
			found = cand;
		else
			free(cand);
	}
	free(dirs);
	return found;
}

static _Noreturn void child(const char *prog, const char *const *argv, int out)
{
	static char *const env[] = {"LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
				    "SYSTEMD_PAGER=", "SYSTEMD_COLORS=0", NULL};
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	sigset_t none;

	/* anyroamd blocks signals for sd-event; the tools it runs must not inherit that */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
	    dup2(out, STDERR_FILENO) < 0)
		_exit(126);
	execve(prog, (char *const *)argv, env);
	_exit(127);
}

/* Reads until EOF or the deadline; kills the child at the deadline. */
static int collect(int fd, pid_t pid, unsigned int timeout_ms, size_t max, struct dart_sb *sb)
{
	usec_t deadline = clock_boottime_now() + (usec_t)timeout_ms * 1000;
	char buf[16384];

	for (;;) {
		usec_t now = clock_boottime_now();
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r;
		ssize_t n;

		if (now >= deadline) {
			kill(pid, SIGKILL);
			dart_sb_adds(sb, "\n[dart: killed after the timeout]\n");
			return 0;
		}
		r = poll(&p, 1, (int)((deadline - now) / 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return n < 0 ? -errno : 0;
		if (sb->n < max)
			dart_sb_add(sb, buf, (size_t)n < max - sb->n ? (size_t)n : max - sb->n);
	}
}

int dart_sys_run(const char *const *argv, unsigned int timeout_ms, size_t max, char **ret,
		 size_t *ret_len, int *ret_status)
{
	struct dart_sb sb = {0};
	char *prog = find_program(argv[0]);
	int pipefd[2], status = 0, r;
	pid_t pid;

	if (!prog)
		return -ENOENT;
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		free(prog);
		return -errno;
	}
	pid = fork();
	if (pid == 0)
		child(prog, argv, pipefd[1]);
	free(prog);
	close(pipefd[1]);
	if (pid < 0) {
		close(pipefd[0]);
		return -errno;
	}
	r = collect(pipefd[0], pid, timeout_ms, max, &sb);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r < 0) {
		dart_sb_done(&sb);
		return r;
	}
	*ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	*ret_len = sb.n;
	*ret = dart_sb_steal(&sb);
	return 0;
}
