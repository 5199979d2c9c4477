/* test_gw_ctl.c - gateway control socket: the IOS grammar and a round trip over a socket. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/gateway/gw_ctl.h"

static int parse_line(const char *line, struct gw_ctl_request *req, char *err)
{
	char buf[256], *words[16], *save = NULL, *w;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	memset(req, 0, sizeof(*req));
	return gw_ctl_parse(n, words, req, err, 256);
}

static void grammar_accepts_ios_commands_and_prefixes(void **state)
{
	struct gw_ctl_request req;
	char err[256];

	(void)state;
	assert_int_equal(parse_line("show crypto session detail", &req, err), 0);
	assert_int_equal(req.cmd, GW_CTL_SHOW_CRYPTO_SESSION_DETAIL);
	assert_int_equal(parse_line("sh cry ikev2 sess det", &req, err), 0);
	assert_int_equal(req.cmd, GW_CTL_SHOW_IKEV2_SESSION_DETAILED);
	assert_int_equal(parse_line("show crypto ikev2 stats reconnect", &req, err), 0);
	assert_int_equal(req.cmd, GW_CTL_SHOW_IKEV2_STATS_RECONNECT);
	assert_int_equal(parse_line("show crypto ikev2 stats", &req, err), 0);
	assert_int_equal(req.cmd, GW_CTL_SHOW_IKEV2_STATS);
	assert_int_equal(parse_line("clear crypto session", &req, err), 0);
	assert_int_equal(req.cmd, GW_CTL_CLEAR_CRYPTO_SESSION);
	assert_null(req.arg);
	assert_int_equal(parse_line("clear crypto session rIUHKccDRiUtFTATwq", &req, err), 0);
	assert_string_equal(req.arg, "rIUHKccDRiUtFTATwq");
	assert_int_equal(parse_line("clear crypto session a b", &req, err), -EINVAL);
	assert_int_equal(parse_line("show crypto ikev2 s", &req, err), 0); /* unique at 4 words */
	assert_int_equal(req.cmd, GW_CTL_SHOW_IKEV2_STATS);
	assert_int_equal(parse_line("show running-config", &req, err), -EINVAL);
	assert_non_null(strstr(err, "'show running-config'"));
	assert_int_equal(parse_line("", &req, err), -EINVAL);
}

static int handler(void *ud, const struct gw_ctl_request *req, FILE *out)
{
	(void)ud;
	if (req->cmd == GW_CTL_CLEAR_CRYPTO_SESSION) {
		fprintf(out, "no session %s\n", req->arg ? req->arg : "");
		return -ENOENT;
	}
	fprintf(out, "cmd %d json %d\n", req->cmd, req->json);
	return 0;
}

static void round_trip(void **state)
{
	char dir[] = "/tmp/test_gw_ctl.XXXXXX", path[256], out[512];
	char *show[] = {"show", "crypto", "ikev2", "stats", "reconnect"};
	char *clear[] = {"clear", "crypto", "session", "XYZ"};
	int lfd, pfd[2], status;
	pid_t pid;
	ssize_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/gw.sock", dir);
	assert_int_equal(gw_ctl_listen(path, &lfd), 0);

	for (int round = 0; round < 2; round++) {
		assert_int_equal(pipe(pfd), 0);
		pid = fork();
		if (pid == 0) {
			dup2(pfd[1], 1);
			dup2(pfd[1], 2);
			int rc = round == 0 ? gw_ctl_client_run(path, true, 5, show)
					    : gw_ctl_client_run(path, false, 4, clear);

			fflush(stdout);
			fflush(stderr);
			_exit(rc);
		}
		close(pfd[1]);
		for (int i = 0; i < 100; i++) { /* the listening socket is non-blocking */
			struct pollfd p = {.fd = lfd, .events = POLLIN};

			if (poll(&p, 1, 50) == 1) {
				gw_ctl_serve_one(lfd, handler, NULL);
				break;
			}
		}
		n = read(pfd[0], out, sizeof(out) - 1);
		assert_true(n > 0);
		out[n] = 0;
		close(pfd[0]);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (round == 0) {
			assert_string_equal(out, "cmd 2 json 1\n");
			assert_int_equal(WEXITSTATUS(status), 0);
		} else {
			assert_string_equal(out, "no session XYZ\n");
			assert_int_equal(WEXITSTATUS(status), 1);
		}
	}
	close(lfd);
	unlink(path);
	/* nobody listening: exit code 3 */
	assert_int_equal(gw_ctl_client_run(path, false, 5, show), 3);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grammar_accepts_ios_commands_and_prefixes),
		cmocka_unit_test(round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
