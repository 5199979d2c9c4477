/*
 * dart_cli.c - `anyroam dart`: ask the agent for the bundle, or collect it here when
 * the agent cannot (see dart_cli.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/xmalloc.h"
#include "daemon/daemon.h"
#include "daemon/dart.h"
#include "daemon/dart_json.h"
#include "ui.h"
#include "ui/dart_cli.h"

struct dart_cli {
	const char *ctl;
	char *out; /* absolute */
	bool redact;
	bool local;
	const char *state_dir;
	const char *config;
	const char *profile_dir;
};

static void usage(FILE *f)
{
	fputs("usage: anyroam dart [-o FILE.zip] [--redact-users] [--local] [--state-dir DIR]\n"
	      "                    [--config FILE] [--profile-dir DIR]\n",
	      f);
}

static char *absolute(const char *path)
{
	char cwd[4096];
	char *p;

	if (path[0] == '/')
		return xstrdup(path);
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	p = xmalloc(strlen(cwd) + strlen(path) + 2);
	sprintf(p, "%s/%s", cwd, path);
	return p;
}

static int parse(int argc, char **argv, struct dart_cli *o)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"redact-users", no_argument, NULL, 'r'},
		{"local", no_argument, NULL, 'l'},
		{"state-dir", required_argument, NULL, 's'},
		{"config", required_argument, NULL, 'c'},
		{"profile-dir", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *out = NULL;
	char def[64];
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'r':
			o->redact = true;
			break;
		case 'l':
			o->local = true;
			break;
		case 's':
			o->state_dir = optarg;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'p':
			o->profile_dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc || (out && !*out)) {
		usage(stderr);
		return -EINVAL;
	}
	dart_default_name(0, def, sizeof(def));
	if (!(o->out = absolute(out ? out : def))) {
		fprintf(stderr, "anyroam: dart: cannot resolve the output path: %s\n",
			strerror(errno));
		return -EINVAL;
	}
	return 0;
}

static void print_notes(const char *notes)
{
	const char *p = notes, *e;

	for (; p && *p; p = e ? e + 1 : NULL) {
		e = strchr(p, '\n');
		fprintf(stderr, "anyroam: dart: not collected: %.*s\n",
			(int)(e ? (size_t)(e - p) : strlen(p)), p);
	}
}

/* The agent's answer: first MESSAGE on stdout, every further one is a note. */
static int agent_result(const struct ctl_msg *resp, const char *path)
{
	int64_t e = -EPROTO;
	bool first = true;

	(void)ctl_msg_get_int(resp, CTL_F_ERRNO, &e);
	for (size_t i = 0; i < resp->n_fields; i++) {
		const struct ctl_value *v = &resp->fields[i];

		if (v->tag != CTL_F_MESSAGE)
			continue;
		if (first && e == 0)
			printf("%s\n", v->str);
		else if (first)
			fprintf(stderr, "anyroam: %s\n", v->str);
		else
			fprintf(stderr, "anyroam: dart: not collected: %s\n", v->str);
		first = false;
	}
	if (first && e == 0)
		printf("wrote %s\n", path);
	else if (first)
		fprintf(stderr, "anyroam: dart: the agent failed: %s\n", strerror((int)-e));
	return e == 0 ? UI_EXIT_OK : UI_EXIT_FAILED;
}

/* One request to the agent; its JSON on success, NULL otherwise. */
static char *ask_json(struct ui_ctl *c, enum ctl_type type)
{
	struct ctl_msg req, resp;
	int64_t e = -1;
	char *json = NULL;

	ctl_msg_init(&req, CTL_KIND_REQUEST, type, 0);
	if (ui_ctl_call(c, &req, &resp, NULL, NULL) == 0) {
		if (ctl_msg_get_int(&resp, CTL_F_ERRNO, &e) == 0 && e == 0)
			json = dart_json_from_msg(&resp);
		ctl_msg_done(&resp);
	}
	ctl_msg_done(&req);
	return json;
}

/* What the agent tells a CLI that collects itself. */
struct agent_data {
	char *state, *stats, *timeline, *commands, *chain, *paths;
	/* from paths: where the agent keeps its files, unless the options say */
	char *state_dir, *config, *profile_dir, *tun_name, *resolv_conf;
	bool has_data; /* it answered the DART data request */
};

static char *path_value(const char *text, const char *key)
{
	size_t kn = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, key, kn) == 0 && p[kn] == ' ')
			return xstrndup(p + kn + 1, strcspn(p + kn + 1, "\n"));
	return NULL;
}

static void parse_paths(struct agent_data *a)
{
	if (!a->paths)
		return;
	a->state_dir = path_value(a->paths, "state-dir");
	a->config = path_value(a->paths, "config");
	a->profile_dir = path_value(a->paths, "profile-dir");
	a->tun_name = path_value(a->paths, "tun-name");
	a->resolv_conf = path_value(a->paths, "resolv-conf");
}

static void ask_data(struct ui_ctl *c, struct agent_data *a)
{
	struct ctl_msg req, resp;
	int64_t e = -1;

	a->state = ask_json(c, CTL_TYPE_STATE);
	a->stats = ask_json(c, CTL_TYPE_STATS);
	ctl_msg_init(&req, CTL_KIND_REQUEST, CTL_TYPE_DART, 0);
	if (ui_ctl_call(c, &req, &resp, NULL, NULL) == 0) {
		if (ctl_msg_get_int(&resp, CTL_F_ERRNO, &e) == 0 && e == 0) {
			a->has_data = true;
			a->timeline = dart_json_get_file(&resp, DART_FILE_TIMELINE);
			a->commands = dart_json_get_file(&resp, DART_FILE_COMMANDS);
			a->chain = dart_json_get_file(&resp, DART_FILE_CHAIN);
			a->paths = dart_json_get_file(&resp, DART_FILE_PATHS);
			parse_paths(a);
		}
		ctl_msg_done(&resp);
	}
	ctl_msg_done(&req);
}

static void agent_data_done(struct agent_data *a)
{
	free(a->state);
	free(a->stats);
	free(a->timeline);
	free(a->commands);
	free(a->chain);
	free(a->paths);
	free(a->state_dir);
	free(a->config);
	free(a->profile_dir);
	free(a->tun_name);
	free(a->resolv_conf);
}

static const char *why_missing(const struct ui_ctl *c, const struct agent_data *a)
{
	if (!c)
		return "the agent is not running (its control socket does not answer)";
	if (!a->has_data)
		return "this agent does not hand out its DART data (an older anyroamd)";
	return "the agent has seen none since it started";
}

/* Collects here, as this user, with whatever the agent tells (c may be NULL). */
static int collect_here(const struct dart_cli *o, struct ui_ctl *c)
{
	struct agent_data a = {0};
	struct dart_inputs in = {.redact_users = o->redact};
	const char *pdir;
	struct dart_report rep;
	int r;

	if (c)
		ask_data(c, &a);
	/* the options win; then what the agent said; then the standard places */
	in.event_log_dir = o->state_dir	 ? o->state_dir
			   : a.state_dir ? a.state_dir
					 : DAEMON_STATE_DIR_DEFAULT;
	in.agent_conf = o->config ? o->config : a.config;
	pdir = o->profile_dir ? o->profile_dir : a.profile_dir;
	in.profile_dirs = pdir ? &pdir : NULL;
	in.n_profile_dirs = pdir ? 1 : 0;
	in.tun_name = a.tun_name;
	in.resolv_conf = a.resolv_conf;
	in.paths_text = a.paths;
	in.state_json = a.state;
	in.stats_json = a.stats;
	in.timeline_json = a.timeline;
	in.commands_text = a.commands;
	in.gw_chain_pem = a.chain;
	in.daemon_note = why_missing(c, &a);
	r = dart_collect(&in, o->out, &rep);
	agent_data_done(&a);
	if (r < 0) {
		fprintf(stderr, "anyroam: dart: cannot write %s: %s\n", o->out, strerror(-r));
		return UI_EXIT_FAILED;
	}
	print_notes(rep.notes);
	printf("wrote %s: %zu files, %zu items not collected (listed in summary.txt)\n", o->out,
	       rep.n_files, rep.n_missing);
	dart_report_done(&rep);
	return UI_EXIT_OK;
}

static bool visible(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

/*
 * The agent writes the bundle. 1: collect here instead (an agent without a collector,
 * or one whose sandbox kept it from writing there); otherwise an exit code.
 */
static int ask_agent(const struct dart_cli *o, struct ui_ctl *c)
{
	struct ctl_msg req, resp;
	int64_t e = -EPROTO;
	int r;

	/* so that a file seen afterwards is the agent's, not an older one */
	if (unlink(o->out) < 0 && errno != ENOENT) {
		fprintf(stderr, "anyroam: dart: cannot replace %s: %s\n", o->out, strerror(errno));
		return UI_EXIT_FAILED;
	}
	ctl_msg_init(&req, CTL_KIND_REQUEST, CTL_TYPE_DART, 0);
	(void)ctl_msg_add_str(&req, CTL_F_PATH, o->out);
	if (o->redact)
		(void)ctl_msg_add_int(&req, CTL_F_REDACT_USERS, 1);
	r = ui_ctl_call(c, &req, &resp, NULL, NULL);
	ctl_msg_done(&req);
	if (r < 0)
		return 1;
	(void)ctl_msg_get_int(&resp, CTL_F_ERRNO, &e);
	if (e == 0 && !visible(o->out)) {
		/* anyroamd.service has PrivateTmp and ProtectHome: it may have written into
		 * its own namespace, where this user never sees the file */
		fprintf(stderr,
			"anyroam: dart: the agent's bundle is not visible at %s; collecting here\n",
			o->out);
		r = 1;
	} else if (e == 0 || e == -EINVAL) {
		r = agent_result(&resp, o->out);
	} else {
		const char *msg = ctl_msg_get_str(&resp, CTL_F_MESSAGE);

		if (e != -EOPNOTSUPP)
			fprintf(stderr,
				"anyroam: dart: the agent could not write it (%s); collecting "
				"here\n",
				msg ? msg : strerror((int)-e));
		r = 1;
	}
	ctl_msg_done(&resp);
	return r;
}

static int run(const struct dart_cli *o)
{
	struct ui_opts uo = {.ctl = o->ctl, .in = stdin, .out = stdout, .err = stderr};
	struct ui_ctl c;
	int r;

	if (ui_ctl_open(&c, &uo) != 0) {
		fprintf(stderr,
			"anyroam: dart: collecting what uid %u can read without the agent\n",
			(unsigned)geteuid());
		return collect_here(o, NULL);
	}
	if (o->local)
		r = 1;
	else
		r = ask_agent(o, &c);
	if (r == 1) {
		/* the connection may be gone after a failed call: ask on a fresh one */
		ui_ctl_close(&c);
		if (ui_ctl_open(&c, &uo) != 0)
			return collect_here(o, NULL);
		r = collect_here(o, &c);
	}
	ui_ctl_close(&c);
	return r;
}

int dart_cli_main(int argc, char **argv, const char *ctl_path)
{
	struct dart_cli o = {.ctl = ctl_path ? ctl_path : UI_CTL_DEFAULT};
	int r = parse(argc, argv, &o);

	if (r == 0)
		r = run(&o);
	else
		r = r > 0 ? UI_EXIT_OK : UI_EXIT_USAGE;
	free(o.out);
	return r;
}
