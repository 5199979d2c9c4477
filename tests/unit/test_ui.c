/*
 * test_ui.c - the anyroam CLI (ui/) against the real control server (daemon_ctl) on a
 * real socket. The server side answers like a connection would (a scripted peer in the
 * test), so what is checked is the CLI: output, script mode, forms, exit codes.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include <cmocka.h>
#include <systemd/sd-event.h>

#include "daemon/daemon_ctl.h"
#include "ui/ui.h"

struct server {
	sd_event *event;
	struct daemon_ctl ctl;
	char dir[64], path[96];
	bool password_ok;
	int answers;
	struct daemon_ctl_client *connecting;
	uint32_t connect_id;
	int done_fd; /* the client thread signals the loop through it (sd-event is one-thread) */
	bool done;
	int requests; /* every request the handler saw */
};

static int on_done(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0)
		return 0;
	((struct server *)userdata)->done = true;
	return 0;
}

static void send_event(struct daemon_ctl_client *c, enum ctl_type t, const char *msg)
{
	struct ctl_msg m;

	ctl_msg_init(&m, CTL_KIND_EVENT, t, 0);
	(void)ctl_msg_add_str(&m, CTL_F_MESSAGE, msg);
	(void)daemon_ctl_send(c, &m);
	ctl_msg_done(&m);
}

static void send_form(struct daemon_ctl_client *c)
{
	struct ctl_msg m;

	send_event(c, CTL_TYPE_EV_PROGRESS, "Please enter your username and password.");
	ctl_msg_init(&m, CTL_KIND_EVENT, CTL_TYPE_EV_FORM, 0);
	(void)ctl_msg_add_int(&m, CTL_F_FORM_ID, 1);
	(void)ctl_msg_add_str(&m, CTL_F_FIELD_NAME, "username");
	(void)ctl_msg_add_str(&m, CTL_F_FIELD_TYPE, "text");
	(void)ctl_msg_add_str(&m, CTL_F_FIELD_LABEL, "Username:");
	(void)ctl_msg_add_str(&m, CTL_F_FIELD_NAME, "password");
	(void)ctl_msg_add_str(&m, CTL_F_FIELD_TYPE, "password");
	(void)ctl_msg_add_str(&m, CTL_F_FIELD_LABEL, "Password:");
	(void)daemon_ctl_send(c, &m);
	ctl_msg_done(&m);
}

static void answer(struct server *s, struct daemon_ctl_client *c, const struct ctl_msg *req)
{
	struct ctl_msg r;
	const char *user = NULL;
	const struct secret *pw = NULL;

	for (size_t i = 0; i + 1 < req->n_fields; i++) {
		if (req->fields[i].tag != CTL_F_FIELD_NAME ||
		    req->fields[i + 1].tag != CTL_F_FIELD_VALUE)
			continue;
		if (strcmp(req->fields[i].str, "username") == 0)
			user = (const char *)secret_data(req->fields[i + 1].secret);
		if (strcmp(req->fields[i].str, "password") == 0)
			pw = req->fields[i + 1].secret;
	}
	s->answers++;
	(void)daemon_ctl_reply(c, req, 0, NULL);
	s->password_ok =
		user && strncmp(user, "test", 4) == 0 && pw && secret_eq_bytes(pw, "cisco", 5);
	send_event(s->connecting, CTL_TYPE_EV_PROGRESS, "Establishing VPN session...");
	if (s->password_ok)
		send_event(s->connecting, CTL_TYPE_EV_PROGRESS, "Connected to IKEv2_Gateway.");
	ctl_msg_init(&r, CTL_KIND_REQUEST, CTL_TYPE_CONNECT, s->connect_id);
	(void)daemon_ctl_reply(s->connecting, &r, s->password_ok ? 0 : -EACCES,
			       s->password_ok ? NULL : "Login failed.");
	ctl_msg_done(&r);
}

static void on_request(void *user_data, struct daemon_ctl_client *c, const struct ctl_msg *req)
{
	struct server *s = user_data;
	struct ctl_msg m;

	s->requests++;
	switch (req->type) {
	case CTL_TYPE_STATE:
		ctl_msg_init_response(&m, req, 0, NULL);
		(void)ctl_msg_add_str(&m, CTL_F_STATE, "Connected");
		(void)ctl_msg_add_str(&m, CTL_F_HOST, "IKEv2_Gateway");
		(void)daemon_ctl_send(c, &m);
		ctl_msg_done(&m);
		break;
	case CTL_TYPE_STATS:
		ctl_msg_init_response(&m, req, 0, NULL);
		(void)ctl_msg_add_str(&m, CTL_F_STATE, "Connected");
		(void)ctl_msg_add_str(&m, CTL_F_SESSION_ID, "rIUHKccDRiUtFTATwq");
		(void)ctl_msg_add_int(&m, CTL_F_RECONNECTS, 2);
		(void)ctl_msg_add_int(&m, CTL_F_LAST_RECONNECT_REASON, 9);
		(void)daemon_ctl_send(c, &m);
		ctl_msg_done(&m);
		break;
	case CTL_TYPE_CONNECT:
		s->connecting = c;
		s->connect_id = req->id;
		send_event(c, CTL_TYPE_EV_PROGRESS, "Contacting IKEv2_Gateway.");
		send_form(c);
		break;
	case CTL_TYPE_ANSWER_FORM:
		answer(s, c, req);
		break;
	default:
		(void)daemon_ctl_reply(c, req, -EOPNOTSUPP, "not here");
		break;
	}
}

struct run {
	struct server *srv;
	char **argv;
	int argc;
	const char *input;
	char *out, *err;
	size_t out_len, err_len;
	int exit_code;
};

static void *client_thread(void *p)
{
	struct run *r = p;
	FILE *in = fmemopen((void *)r->input, strlen(r->input), "r");
	FILE *out = open_memstream(&r->out, &r->out_len);
	FILE *err = open_memstream(&r->err, &r->err_len);

	r->exit_code = ui_run(r->argc, r->argv, in, out, err);
	fclose(in);
	fclose(out);
	fclose(err);
	{
		uint64_t one = 1;

		if (write(r->srv->done_fd, &one, sizeof(one)) < 0)
			abort();
	}
	return NULL;
}

/* Runs `anyroam --ctl PATH args...` in a thread while the server loop runs here. */
static void run_cli(struct server *s, struct run *r, const char *input, int n, ...)
{
	char *argv[16];
	pthread_t t;
	va_list ap;

	argv[0] = "anyroam";
	argv[1] = "--ctl";
	argv[2] = s->path;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		argv[3 + i] = va_arg(ap, char *);
	va_end(ap);
	argv[3 + n] = NULL;
	*r = (struct run){.srv = s, .argv = argv, .argc = 3 + n, .input = input};
	assert_int_equal(pthread_create(&t, NULL, client_thread, r), 0);
	s->done = false;
	while (!s->done)
		assert_true(sd_event_run(s->event, UINT64_MAX) >= 0);
	pthread_join(t, NULL);
}

static int setup(void **state)
{
	struct server *s = calloc(1, sizeof(*s));

	strcpy(s->dir, "/tmp/anyroam-test-ui-XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->path, sizeof(s->path), "%s/control.sock", s->dir);
	assert_int_equal(sd_event_new(&s->event), 0);
	assert_int_equal(daemon_ctl_start(&s->ctl, s->event, s->path, on_request, NULL, s), 0);
	s->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_true(sd_event_add_io(s->event, NULL, s->done_fd, EPOLLIN, on_done, s) >= 0);
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct server *s = *state;

	daemon_ctl_stop(&s->ctl);
	sd_event_unref(s->event);
	close(s->done_fd);
	rmdir(s->dir);
	free(s);
	return 0;
}

static void state_text_and_json(void **state)
{
	struct server *s = *state;
	struct run r;

	run_cli(s, &r, "", 1, "state");
	assert_int_equal(r.exit_code, 0);
	assert_string_equal(r.out, "state: Connected\n");
	free(r.out), free(r.err);
	run_cli(s, &r, "", 2, "--json", "state");
	assert_int_equal(r.exit_code, 0);
	assert_string_equal(r.out, "{\"state\":\"Connected\",\"host\":\"IKEv2_Gateway\"}\n");
	free(r.out), free(r.err);
	run_cli(s, &r, "", 2, "--json", "stats");
	assert_int_equal(r.exit_code, 0);
	assert_string_equal(r.out, "{\"state\":\"Connected\",\"session_id\":\"rIUHKccDRiUtFTATwq\","
				   "\"reconnects\":2,\"last_reconnect_reason\":9}\n");
	free(r.out), free(r.err);
}

static void script_mode_logs_in(void **state)
{
	struct server *s = *state;
	struct run r;

	run_cli(s, &r, "connect IKEv2_Gateway\ntest\ncisco\ny\nexit\n", 1, "-s");
	assert_int_equal(r.exit_code, 0);
	assert_true(s->password_ok);
	assert_non_null(strstr(r.out, "Contacting IKEv2_Gateway.\n"));
	assert_non_null(strstr(r.out, "Please enter your username and password.\n"));
	assert_non_null(strstr(r.out, "Username: \n"));
	assert_non_null(strstr(r.out, "Establishing VPN session...\n"));
	assert_non_null(strstr(r.out, "Connected to IKEv2_Gateway.\n"));
	assert_null(strstr(r.out, "cisco")); /* the password is never echoed */
	free(r.out), free(r.err);
}

static void wrong_password_fails(void **state)
{
	struct server *s = *state;
	struct run r;

	run_cli(s, &r, "connect IKEv2_Gateway\ntest\nwrong\n", 1, "-s");
	assert_int_equal(r.exit_code, 1);
	assert_false(s->password_ok);
	assert_string_equal(r.err, "anyroam: Login failed.\n");
	free(r.out), free(r.err);
}

static void script_without_answers_says_why(void **state)
{
	struct server *s = *state;
	struct run r;

	run_cli(s, &r, "connect IKEv2_Gateway\ntest\n", 1, "-s");
	assert_int_equal(r.exit_code, 1);
	assert_non_null(strstr(r.err, "standard input has no more answers (script mode)"));
	free(r.out), free(r.err);
}

/* ARCHITECTURE.md rule 4: a peer that is neither root nor in the anyroam group is
 * closed before a byte of it is parsed, even when the socket's mode would let it in. */
static void stranger_is_refused_before_parsing(void **state)
{
	struct server *s = *state;
	pid_t pid;
	int st;

	if (geteuid() != 0)
		skip();
	assert_int_equal(chmod(s->path, 0666), 0);
	assert_int_equal(chmod(s->dir, 0755), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = {"anyroam", "--ctl", s->path, "state", NULL};
		FILE *devnull = fopen("/dev/null", "w");

		if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
			_exit(99);
		_exit(ui_run(4, argv, stdin, devnull, devnull));
	}
	/* serve until the child is done; it must get no answer */
	while (waitpid(pid, &st, WNOHANG) == 0)
		assert_true(sd_event_run(s->event, 10000) >= 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), UI_EXIT_FAILED);
	assert_int_equal(s->requests, 0);
}

static void usage_and_unreachable(void **state)
{
	FILE *in = fmemopen((void *)"", 1, "r"), *out, *err;
	char *o = NULL, *e = NULL;
	size_t ol, el;
	char *argv_bad[] = {"anyroam", "frobnicate", NULL};
	char *argv_far[] = {"anyroam", "--ctl", "/nonexistent/anyroam.sock", "state", NULL};
	char *argv_dbg[] = {"anyroam", "debug", "resume", NULL};

	(void)state;
	out = open_memstream(&o, &ol);
	err = open_memstream(&e, &el);
	assert_int_equal(ui_run(2, argv_bad, in, out, err), 2);
	assert_int_equal(ui_run(4, argv_far, in, out, err), 3);
	assert_int_equal(ui_run(3, argv_dbg, in, out, err), 2);
	fclose(out);
	fclose(err);
	fclose(in);
	assert_non_null(strstr(e, "unknown command 'frobnicate'"));
	assert_non_null(strstr(e, "not reachable at /nonexistent/anyroam.sock"));
	assert_non_null(strstr(e, "usage: anyroam debug simulate-resume"));
	free(o), free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(state_text_and_json, setup, teardown),
		cmocka_unit_test_setup_teardown(script_mode_logs_in, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_password_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(script_without_answers_says_why, setup, teardown),
		cmocka_unit_test_setup_teardown(stranger_is_refused_before_parsing, setup,
						teardown),
		cmocka_unit_test(usage_and_unreachable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
