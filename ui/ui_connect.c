/*
 * ui_connect.c - `anyroam connect HOST` and script mode (`anyroam -s`).
 *
 * While connecting, the agent pushes progress lines ("Contacting HOST.", ...) and,
 * when the gateway wants credentials, a form; the answers go back in an answer-form
 * request. In script mode, as Secure Client's `vpn -s`, stdin holds the commands and,
 * after `connect HOST`, the answers (user name, password) one per line, in the order
 * the form asks for them.
 */
#include "ui.h"

#include <string.h>
#include <termios.h>
#include <unistd.h>

#define UI_LINE_MAX 1024

struct connect_ctx {
	const struct ui_opts *o;
	bool out_of_answers;
};

int ui_read_line(FILE *in, FILE *prompt_out, const char *prompt, bool hidden, char *buf, size_t cap)
{
	struct termios old, quiet;
	bool tty = isatty(fileno(in)) == 1;
	bool echo_off = false;
	size_t n;

	if (prompt) {
		fputs(prompt, prompt_out);
		fflush(prompt_out);
	}
	if (hidden && tty && tcgetattr(fileno(in), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		echo_off = tcsetattr(fileno(in), TCSAFLUSH, &quiet) == 0;
	}
	if (!fgets(buf, (int)cap, in))
		buf[0] = '\0', n = SIZE_MAX;
	else
		n = strcspn(buf, "\r\n");
	if (echo_off) {
		(void)tcsetattr(fileno(in), TCSAFLUSH, &old);
		fputc('\n', prompt_out);
	} else if (prompt && !tty) {
		fputc('\n', prompt_out); /* the answer was not echoed: end the prompt line */
	}
	if (n == SIZE_MAX)
		return -ENODATA;
	buf[n] = '\0';
	return 0;
}

static bool hidden_type(const char *type)
{
	return type && strcmp(type, "password") == 0;
}

/* One answer per FIELD_NAME of the form, in order. */
static int answer_fields(struct connect_ctx *cx, const struct ctl_msg *ev, struct ctl_msg *ans)
{
	char line[UI_LINE_MAX];
	const char *name = NULL, *type = NULL, *label = NULL;

	for (size_t i = 0; i <= ev->n_fields; i++) {
		const struct ctl_value *v = i < ev->n_fields ? &ev->fields[i] : NULL;
		struct secret *s;
		char prompt[UI_LINE_MAX + 3];
		int r;

		if (v && v->tag == CTL_F_FIELD_TYPE)
			type = v->str;
		else if (v && v->tag == CTL_F_FIELD_LABEL)
			label = v->str;
		if (v && v->tag != CTL_F_FIELD_NAME)
			continue;
		if (name) { /* the previous field is complete: ask for it */
			snprintf(prompt, sizeof(prompt), "%s ", label && *label ? label : name);
			r = ui_read_line(cx->o->in, cx->o->out, prompt, hidden_type(type), line,
					 sizeof(line));
			if (r < 0) {
				cx->out_of_answers = true;
				return -ECANCELED;
			}
			s = secret_from_str(line);
			secret_wipe(line, sizeof(line));
			(void)ctl_msg_add_str(ans, CTL_F_FIELD_NAME, name);
			r = ctl_msg_add_secret(ans, CTL_F_FIELD_VALUE, s);
			secret_free(s);
			if (r < 0)
				return r;
		}
		if (v)
			name = v->str, type = NULL, label = NULL;
	}
	return 0;
}

static int on_form(struct connect_ctx *cx, struct ui_ctl *c, const struct ctl_msg *ev)
{
	const char *msg = ctl_msg_get_str(ev, CTL_F_MESSAGE);
	struct ctl_msg ans;
	int64_t form_id = 0;
	int r;

	if (msg)
		fprintf(cx->o->out, "%s\n", msg);
	(void)ctl_msg_get_int(ev, CTL_F_FORM_ID, &form_id);
	ctl_msg_init(&ans, CTL_KIND_REQUEST, CTL_TYPE_ANSWER_FORM, 0);
	(void)ctl_msg_add_int(&ans, CTL_F_FORM_ID, form_id);
	r = answer_fields(cx, ev, &ans);
	if (r == 0)
		r = ui_ctl_send(c, &ans);
	ctl_msg_done(&ans);
	return r;
}

static int on_connect_event(void *user_data, struct ui_ctl *c, const struct ctl_msg *ev)
{
	struct connect_ctx *cx = user_data;
	const char *msg = ctl_msg_get_str(ev, CTL_F_MESSAGE);

	switch (ev->type) {
	case CTL_TYPE_EV_FORM:
		return on_form(cx, c, ev);
	case CTL_TYPE_EV_PROGRESS:
		if (cx->o->json) {
			ui_print_json_fields(cx->o->out, ev, 0, ev->n_fields);
			fputc('\n', cx->o->out);
		} else if (msg) {
			fprintf(cx->o->out, "%s\n", msg);
		}
		fflush(cx->o->out);
		return 0;
	case CTL_TYPE_EV_ERROR:
		if (msg)
			fprintf(cx->o->err, "anyroam: %s\n", msg);
		return 0;
	default:
		return 0;
	}
}

int ui_connect(const struct ui_opts *o, const char *host)
{
	struct connect_ctx cx = {.o = o};
	struct ctl_msg req, resp;
	struct ui_ctl c;
	int r, ex;

	if ((ex = ui_ctl_open(&c, o)) != 0)
		return ex;
	ctl_msg_init(&req, CTL_KIND_REQUEST, CTL_TYPE_CONNECT, 0);
	r = ctl_msg_add_str(&req, CTL_F_HOST, host);
	if (r == 0)
		r = ctl_msg_add_int(&req, CTL_F_SCRIPT, o->script);
	if (r == 0)
		r = ui_ctl_call(&c, &req, &resp, on_connect_event, &cx);
	ctl_msg_done(&req);
	ui_ctl_close(&c);
	if (cx.out_of_answers) {
		fprintf(o->err, "anyroam: the gateway asks for credentials, but %s\n",
			o->script ? "standard input has no more answers (script mode)"
				  : "none were entered");
		return UI_EXIT_FAILED;
	}
	if (r == -EINVAL) {
		fprintf(o->err, "anyroam: not a valid host: '%s'\n", host);
		return UI_EXIT_USAGE;
	}
	if (r < 0) {
		fprintf(o->err, "anyroam: lost the agent while connecting: %s\n", err_str(r));
		return UI_EXIT_FAILED;
	}
	ex = ui_ctl_result(o, &resp);
	ctl_msg_done(&resp);
	return ex;
}

static char *trim(char *s)
{
	size_t n;

	s += strspn(s, " \t");
	n = strcspn(s, "\r\n");
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	s[n] = '\0';
	return s;
}

/* Script lines other than connect: the ordinary commands, run one by one. */
static int script_command(const struct ui_opts *o, char *line)
{
	char *argv[8];
	int argc = 0;
	char *save = NULL;

	for (char *t = strtok_r(line, " \t", &save); t && argc < 7;
	     t = strtok_r(NULL, " \t", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	if (argc == 2 && strcmp(argv[0], "connect") == 0)
		return ui_connect(o, argv[1]);
	return ui_run_command(o, argc, argv);
}

int ui_script(const struct ui_opts *o)
{
	char buf[UI_LINE_MAX];
	int ex = UI_EXIT_OK;

	while (fgets(buf, sizeof(buf), o->in)) {
		char *line = trim(buf);

		if (!*line || *line == '#')
			continue;
		if (strcmp(line, "exit") == 0 || strcmp(line, "quit") == 0)
			break;
		/* `vpn -s` scripts answer the banner prompt with y; we show no such prompt */
		if (strcmp(line, "y") == 0 || strcmp(line, "n") == 0)
			continue;
		ex = script_command(o, line);
		if (ex != UI_EXIT_OK)
			break;
	}
	secret_wipe(buf, sizeof(buf));
	return ex;
}
