/*
 * ui_cli.c - the `anyroam` grammar: global options, then one command of the table.
 * Usage and --help are generated from the table (STYLE.md §11).
 */
#include "ui.h"

#include <getopt.h>
#include <string.h>

#include "ui/dart_cli.h"
#include "ui/profile_check.h"

struct ui_command {
	const char *name;
	int (*handler)(const struct ui_opts *o, int argc, char **argv);
	const char *usage;
	const char *help;
};

static int cmd_connect(const struct ui_opts *o, int argc, char **argv);
static int cmd_disconnect(const struct ui_opts *o, int argc, char **argv);
static int cmd_state(const struct ui_opts *o, int argc, char **argv);
static int cmd_stats(const struct ui_opts *o, int argc, char **argv);
static int cmd_hosts(const struct ui_opts *o, int argc, char **argv);
static int cmd_events(const struct ui_opts *o, int argc, char **argv);
static int cmd_dart(const struct ui_opts *o, int argc, char **argv);
static int cmd_debug(const struct ui_opts *o, int argc, char **argv);
static int cmd_profile(const struct ui_opts *o, int argc, char **argv);

static const struct ui_command commands[] = {
	{"connect", cmd_connect, "connect HOST|HOSTNAME",
	 "connect to a profile HostName or an address"},
	{"disconnect", cmd_disconnect, "disconnect", "end the session (no reconnect afterwards)"},
	{"state", cmd_state, "state", "print 'state: NAME'"},
	{"stats", cmd_stats, "stats", "counters, addresses, reconnects (never the token)"},
	{"hosts", cmd_hosts, "hosts", "the HostEntries of the loaded profiles"},
	{"events", cmd_events, "events [--follow]", "the event log; --follow keeps printing"},
	{"dart", cmd_dart, "dart [-o FILE.zip] [--redact-users] [--local]",
	 "collect a diagnostic bundle (secrets removed)"},
	{"debug", cmd_debug, "debug simulate-resume",
	 "test aid (root): behave as after a system resume"},
	{"profile", cmd_profile, "profile check FILE",
	 "validate a profile, print effective settings"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: anyroam [--ctl SOCKET] [--json] COMMAND\n"
		   "       anyroam [--ctl SOCKET] -s < answers   (script mode)\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-24s %s\n", commands[i].usage, commands[i].help);
	fprintf(f, "\nexit codes: 0 ok, 1 failed, 2 usage, 3 agent not reachable\n");
}

static const struct ui_command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int usage_of(const struct ui_opts *o, const char *name)
{
	const struct ui_command *c = find_command(name);

	fprintf(o->err, "usage: anyroam %s\n", c ? c->usage : name);
	return UI_EXIT_USAGE;
}

int ui_run_command(const struct ui_opts *o, int argc, char **argv)
{
	const struct ui_command *c;

	if (argc < 1)
		return usage(o->err), UI_EXIT_USAGE;
	c = find_command(argv[0]);
	if (!c) {
		fprintf(o->err, "anyroam: unknown command '%s'\n", argv[0]);
		usage(o->err);
		return UI_EXIT_USAGE;
	}
	return c->handler(o, argc, argv);
}

/* A request without arguments whose response is printed by print (or just judged). */
static int simple_call(const struct ui_opts *o, struct ctl_msg *req,
		       void (*print)(const struct ui_opts *o, const struct ctl_msg *resp))
{
	struct ctl_msg resp;
	struct ui_ctl c;
	int r, ex;

	if ((ex = ui_ctl_open(&c, o)) != 0)
		return ex;
	r = ui_ctl_call(&c, req, &resp, NULL, NULL);
	ui_ctl_close(&c);
	if (r < 0) {
		fprintf(o->err, "anyroam: no answer from the agent: %s\n", err_str(r));
		return UI_EXIT_FAILED;
	}
	ex = ui_ctl_result(o, &resp);
	if (ex == UI_EXIT_OK && print)
		print(o, &resp);
	ctl_msg_done(&resp);
	return ex;
}

static int call_type(const struct ui_opts *o, enum ctl_type t,
		     void (*print)(const struct ui_opts *o, const struct ctl_msg *resp))
{
	struct ctl_msg req;
	int ex;

	ctl_msg_init(&req, CTL_KIND_REQUEST, t, 0);
	ex = simple_call(o, &req, print);
	ctl_msg_done(&req);
	return ex;
}

static int cmd_connect(const struct ui_opts *o, int argc, char **argv)
{
	if (argc != 2 || !*argv[1])
		return usage_of(o, "connect");
	return ui_connect(o, argv[1]);
}

static void print_message(const struct ui_opts *o, const struct ctl_msg *resp)
{
	const char *msg = ctl_msg_get_str(resp, CTL_F_MESSAGE);

	if (msg)
		fprintf(o->out, "%s\n", msg);
}

static int cmd_disconnect(const struct ui_opts *o, int argc, char **argv)
{
	if (argc != 1)
		return usage_of(o, "disconnect");
	return call_type(o, CTL_TYPE_DISCONNECT, print_message);
}

static void print_json(const struct ui_opts *o, const struct ctl_msg *resp)
{
	ui_print_json_fields(o->out, resp, 0, resp->n_fields);
	fputc('\n', o->out);
}

static void print_state(const struct ui_opts *o, const struct ctl_msg *resp)
{
	const char *st = ctl_msg_get_str(resp, CTL_F_STATE);

	if (o->json)
		print_json(o, resp);
	else
		fprintf(o->out, "state: %s\n", st ? st : "unknown");
}

static int cmd_state(const struct ui_opts *o, int argc, char **argv)
{
	if (argc != 1)
		return usage_of(o, "state");
	return call_type(o, CTL_TYPE_STATE, print_state);
}

static void print_stats(const struct ui_opts *o, const struct ctl_msg *resp)
{
	if (o->json)
		print_json(o, resp);
	else
		ui_print_text_fields(o->out, resp);
}

static int cmd_stats(const struct ui_opts *o, int argc, char **argv)
{
	if (argc != 1)
		return usage_of(o, "stats");
	return call_type(o, CTL_TYPE_STATS, print_stats);
}

/* HOST_NAME, HOST_ADDRESS pairs: a list of objects in JSON, "NAME (ADDRESS)" in text. */
static void print_hosts(const struct ui_opts *o, const struct ctl_msg *resp)
{
	bool first = true;

	if (o->json)
		fputc('[', o->out);
	for (size_t i = 0; i < resp->n_fields; i++) {
		const struct ctl_value *v = &resp->fields[i];
		const char *addr = NULL;

		if (v->tag != CTL_F_HOST_NAME)
			continue;
		if (i + 1 < resp->n_fields && resp->fields[i + 1].tag == CTL_F_HOST_ADDRESS)
			addr = resp->fields[i + 1].str;
		if (o->json) {
			fputs(first ? "{\"host_name\":" : ",{\"host_name\":", o->out);
			ui_print_json_string(o->out, v->str);
			fputs(",\"host_address\":", o->out);
			ui_print_json_string(o->out, addr ? addr : "");
			fputc('}', o->out);
		} else {
			fprintf(o->out, "%s (%s)\n", v->str, addr ? addr : "?");
		}
		first = false;
	}
	if (o->json)
		fputs("]\n", o->out);
}

static int cmd_hosts(const struct ui_opts *o, int argc, char **argv)
{
	if (argc != 1)
		return usage_of(o, "hosts");
	return call_type(o, CTL_TYPE_HOSTS, print_hosts);
}

static int on_record(void *user_data, struct ui_ctl *c, const struct ctl_msg *ev)
{
	if (ev->type == CTL_TYPE_EV_RECORD)
		ui_print_record(user_data, ev);
	return 0;
}

/* Backlog first (until the response), then, with --follow, records until the agent goes. */
static int cmd_events(const struct ui_opts *o, int argc, char **argv)
{
	bool follow = argc == 2 && strcmp(argv[1], "--follow") == 0;
	struct ctl_msg req, resp, ev;
	struct ui_ctl c;
	int r, ex;

	if (argc > 2 || (argc == 2 && !follow))
		return usage_of(o, "events");
	if ((ex = ui_ctl_open(&c, o)) != 0)
		return ex;
	ctl_msg_init(&req, CTL_KIND_REQUEST, CTL_TYPE_EVENTS_SUBSCRIBE, 0);
	(void)ctl_msg_add_int(&req, CTL_F_FOLLOW, follow);
	r = ui_ctl_call(&c, &req, &resp, on_record, (void *)o);
	ctl_msg_done(&req);
	if (r == 0) {
		ex = ui_ctl_result(o, &resp);
		ctl_msg_done(&resp);
	} else {
		ex = UI_EXIT_FAILED;
	}
	while (ex == UI_EXIT_OK && follow && ui_ctl_recv(&c, &ev) == 0) {
		on_record((void *)o, &c, &ev);
		ctl_msg_done(&ev);
	}
	ui_ctl_close(&c);
	return ex;
}

static int cmd_dart(const struct ui_opts *o, int argc, char **argv)
{
	/* the collector (issue 9) parses its own options and talks to the agent itself */
	fflush(o->out);
	return dart_cli_main(argc, argv, o->ctl);
}

static int cmd_debug(const struct ui_opts *o, int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[1], "simulate-resume") != 0)
		return usage_of(o, "debug");
	return call_type(o, CTL_TYPE_SIMULATE_RESUME, print_message);
}

static int cmd_profile(const struct ui_opts *o, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "check") != 0)
		return usage_of(o, "profile");
	fflush(o->out);
	return ui_profile_check(argc - 1, argv + 1);
}

static const struct option long_opts[] = {
	{"ctl", required_argument, NULL, 'c'},
	{"json", no_argument, NULL, 'j'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int ui_run(int argc, char **argv, FILE *in, FILE *out, FILE *err)
{
	struct ui_opts o = {.ctl = UI_CTL_DEFAULT, .in = in, .out = out, .err = err};
	int c;

	optind = 0; /* reset: tests call us more than once */
	/* '+': stop at the command, so its own options (events --follow) stay its own */
	while ((c = getopt_long(argc, argv, "+sh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.ctl = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 's':
			o.script = true;
			break;
		case 'h':
			usage(out);
			return UI_EXIT_OK;
		default:
			usage(err);
			return UI_EXIT_USAGE;
		}
	}
	if (o.script)
		return optind == argc ? ui_script(&o) : (usage(err), UI_EXIT_USAGE);
	if (optind == argc) {
		usage(err);
		return UI_EXIT_USAGE;
	}
	return ui_run_command(&o, argc - optind, argv + optind);
}

int ui_main(int argc, char **argv)
{
	return ui_run(argc, argv, stdin, stdout, stderr);
}
