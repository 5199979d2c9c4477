/*
 * dart_daemon.c - CTL_TYPE_DART in anyroamd: fill dart_inputs from what the daemon
 * knows, collect in a child with the requester's credentials, answer when it is done.
 */
#define _GNU_SOURCE
#define LOG_MODULE "dart"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "control/ctl_msg.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "daemon/conn.h"
#include "daemon/daemon.h"
#include "daemon/dart.h"
#include "daemon/dart_daemon.h"
#include "daemon/dart_json.h"
#include "daemon/dart_sb.h"
#include "profile/profile.h"

#define DART_GROUPS_MAX 64
#define DART_RESULT_MAX (64u * 1024u)

struct dart_job {
	struct dart_daemon *dd;
	struct daemon *d;
	struct daemon_ctl_client *cl;
	int cl_fd;
	struct ctl_msg req; /* type and id, for the response */
	pid_t pid;
	int fd;
	struct sd_event_source *io;
	struct dart_sb out;
	struct dart_job *next;
};

/* Who the child becomes: the requester, looked up before fork (NSS in the parent). */
struct dart_creds {
	uid_t uid;
	gid_t gid;
	gid_t groups[DART_GROUPS_MAX];
	int n_groups;
	char name[64];
	char home[512];
};

void dart_daemon_init(struct dart_daemon *dd)
{
	*dd = (struct dart_daemon){0};
	dart_history_init(&dd->history);
}

static void job_free(struct dart_job *j)
{
	struct dart_job **pp;

	for (pp = &j->dd->jobs; *pp && *pp != j; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = j->next;
	sd_event_source_disable_unref(j->io);
	if (j->fd >= 0)
		close(j->fd);
	if (j->pid > 0) {
		kill(j->pid, SIGKILL);
		while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	ctl_msg_done(&j->req);
	dart_sb_done(&j->out);
	free(j);
}

void dart_daemon_done(struct dart_daemon *dd)
{
	while (dd->jobs)
		job_free(dd->jobs);
	dart_history_done(&dd->history);
}

static char *conn_json(const struct conn *c, void (*fill)(const struct conn *c, struct ctl_msg *m))
{
	struct ctl_msg m;
	char *s;

	ctl_msg_init(&m, CTL_KIND_RESPONSE, CTL_TYPE_STATS, 0);
	fill(c, &m);
	s = dart_json_from_msg(&m);
	ctl_msg_done(&m);
	return s;
}

static char *paths_text(const struct daemon *d)
{
	struct dart_sb sb = {0};

	dart_sb_addf(&sb, "state-dir %s\n",
		     d->opts.state_dir ? d->opts.state_dir : DAEMON_STATE_DIR_DEFAULT);
	dart_sb_addf(&sb, "config %s\n", d->opts.config ? d->opts.config : DAEMON_CONF_DEFAULT);
	if (d->opts.profile_dir)
		dart_sb_addf(&sb, "profile-dir %s\n", d->opts.profile_dir);
	if (d->conf.tun_name)
		dart_sb_addf(&sb, "tun-name %s\n", d->conf.tun_name);
	if (d->conf.resolv_conf)
		dart_sb_addf(&sb, "resolv-conf %s\n", d->conf.resolv_conf);
	return dart_sb_steal(&sb);
}

static bool creds_of(uid_t uid, struct dart_creds *cr)
{
	struct passwd *pw = getpwuid(uid);

	*cr = (struct dart_creds){.uid = uid, .gid = (gid_t)65534, .n_groups = 0};
	if (!pw)
		return uid == 0;
	cr->gid = pw->pw_gid;
	snprintf(cr->name, sizeof(cr->name), "%s", pw->pw_name);
	snprintf(cr->home, sizeof(cr->home), "%s", pw->pw_dir);
	cr->n_groups = DART_GROUPS_MAX;
	if (getgrouplist(pw->pw_name, pw->pw_gid, cr->groups, &cr->n_groups) < 0) {
		cr->groups[0] = pw->pw_gid;
		cr->n_groups = 1;
	}
	return true;
}

/* In the child: become the requester for good (groups, then gid, then uid). */
static int drop_to(const struct dart_creds *cr)
{
	if (cr->uid == 0)
		return 0;
	if (setgroups((size_t)cr->n_groups, cr->groups) < 0 ||
	    setresgid(cr->gid, cr->gid, cr->gid) < 0 || setresuid(cr->uid, cr->uid, cr->uid) < 0)
		return -errno;
	if (*cr->home)
		setenv("HOME", cr->home, 1);
	return 0;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* The child's result on the pipe: "ERRNO FILES MISSING SCRUBBED\n" then the notes. */
static _Noreturn void child_run(const struct dart_inputs *in, const struct dart_creds *cr,
				const char *path, int fd)
{
	struct dart_report rep = {0};
	char head[128];
	int r = drop_to(cr);

	if (r == 0)
		r = dart_collect(in, path, &rep);
	snprintf(head, sizeof(head), "%d %zu %zu %zu\n", r, rep.n_files, rep.n_missing,
		 rep.n_scrubbed);
	write_all(fd, head, strlen(head));
	if (rep.notes)
		write_all(fd, rep.notes, strlen(rep.notes));
	_exit(0);
}

static bool client_alive(const struct dart_job *j)
{
	for (const struct daemon_ctl_client *c = j->d->ctl.clients; c; c = c->next)
		if (c == j->cl && c->fd == j->cl_fd && !c->closing)
			return true;
	return false;
}

static void job_answer(struct dart_job *j, const char *path)
{
	long long r = -EIO;
	size_t files = 0, missing = 0, scrubbed = 0;
	struct ctl_msg m;
	char line[512];
	char *notes = j->out.p ? strchr(j->out.p, '\n') : NULL;

	if (j->out.p)
		sscanf(j->out.p, "%lld %zu %zu %zu", &r, &files, &missing, &scrubbed);
	if (r < 0)
		snprintf(line, sizeof(line), "cannot write the bundle %s: %s", path,
			 err_str((int)r));
	else
		snprintf(line, sizeof(line),
			 "wrote %s: %zu files, %zu items not collected (listed in summary.txt)",
			 path, files, missing);
	ctl_msg_init_response(&m, &j->req, (int)(r < 0 ? r : 0), line);
	/* one MESSAGE per note after the first line: the CLI prints them on stderr */
	for (char *p = notes ? notes + 1 : NULL, *e; p && *p; p = e ? e + 1 : NULL) {
		e = strchr(p, '\n');
		if (e)
			*e = '\0';
		if (*p)
			(void)ctl_msg_add_str(&m, CTL_F_MESSAGE, p);
	}
	log_info("dart: %s", line);
	(void)daemon_ctl_send(j->cl, &m);
	ctl_msg_done(&m);
}

static int on_child_io(sd_event_source *s, int fd, uint32_t revents, void *user_data)
{
	struct dart_job *j = user_data;
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	(void)s;
	(void)revents;
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n > 0 && j->out.n + (size_t)n <= DART_RESULT_MAX) {
		dart_sb_add(&j->out, buf, (size_t)n);
		return 0;
	}
	if (n > 0)
		return 0; /* over the cap: drain until EOF */
	while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
		;
	j->pid = 0;
	if (client_alive(j))
		job_answer(j, ctl_msg_get_str(&j->req, CTL_F_PATH));
	job_free(j);
	return 0;
}

struct inputs_text {
	char *state, *stats, *timeline, *commands, *paths;
	char user_prefs[600];
	const struct secret *known[1];
	const char *users[1];
	const char *dirs[1];
};

static void fill_inputs(struct dart_daemon *dd, struct daemon *d, const struct dart_creds *cr,
			bool redact, struct inputs_text *t, struct dart_inputs *in)
{
	*in = (struct dart_inputs){.redact_users = redact};
	if (d->conn) {
		in->state_json = t->state = conn_json(d->conn, conn_fill_state);
		in->stats_json = t->stats = conn_json(d->conn, conn_fill_stats);
		if ((t->known[0] = d->conn->session.token)) {
			in->known_secrets = t->known;
			in->n_known_secrets = 1;
		}
	}
	in->paths_text = t->paths = paths_text(d);
	in->timeline_json = t->timeline = dart_history_timeline_json(&dd->history);
	in->commands_text = t->commands = dart_history_commands_text(&dd->history);
	in->gw_chain_pem = dd->history.chain_pem;
	if (!in->gw_chain_pem)
		in->daemon_note = "no gateway certificate chain seen since the agent started";
	in->event_log_dir = d->opts.state_dir;
	if (d->opts.profile_dir) {
		t->dirs[0] = d->opts.profile_dir;
		in->profile_dirs = t->dirs;
		in->n_profile_dirs = 1;
	}
	in->agent_conf = d->opts.config;
	in->tun_name = d->conf.tun_name;
	in->resolv_conf = d->conf.resolv_conf;
	if (*cr->home) {
		snprintf(t->user_prefs, sizeof(t->user_prefs), "%s/%s", cr->home,
			 PROFILE_PREFS_USER_ANYROAM);
		in->user_prefs = t->user_prefs;
	}
	if (*cr->name) {
		t->users[0] = cr->name;
		in->user_names = t->users;
		in->n_user_names = 1;
	}
}

static void inputs_text_done(struct inputs_text *t)
{
	free(t->state);
	free(t->stats);
	free(t->timeline);
	free(t->commands);
	free(t->paths);
}

static int start_job(struct dart_daemon *dd, struct daemon *d, struct daemon_ctl_client *cl,
		     const struct ctl_msg *req, const struct dart_inputs *in,
		     const struct dart_creds *cr)
{
	struct dart_job *j;
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		child_run(in, cr, ctl_msg_get_str(req, CTL_F_PATH), p[1]);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -errno;
	}
	j = xcalloc(1, sizeof(*j));
	*j = (struct dart_job){.dd = dd,
			       .d = d,
			       .cl = cl,
			       .cl_fd = cl->fd,
			       .pid = pid,
			       .fd = p[0],
			       .next = dd->jobs};
	ctl_msg_init(&j->req, CTL_KIND_REQUEST, req->type, req->id);
	(void)ctl_msg_add_str(&j->req, CTL_F_PATH, ctl_msg_get_str(req, CTL_F_PATH));
	dd->jobs = j;
	if (sd_event_add_io(d->event, &j->io, j->fd, EPOLLIN, on_child_io, j) < 0) {
		job_free(j);
		return -EIO;
	}
	return 0;
}

/* No PATH: the CLI collects the bundle itself and asks only for what no file holds. */
static void reply_data(struct dart_daemon *dd, struct daemon *d, struct daemon_ctl_client *cl,
		       const struct ctl_msg *req)
{
	char *paths = paths_text(d);
	char *tl = dart_history_timeline_json(&dd->history);
	char *cmds = dart_history_commands_text(&dd->history);
	struct ctl_msg m;
	int r;

	ctl_msg_init_response(&m, req, 0, NULL);
	r = dart_json_put_file(&m, DART_FILE_PATHS, paths);
	if (r == 0)
		r = dart_json_put_file(&m, DART_FILE_TIMELINE, tl);
	if (r == 0)
		r = dart_json_put_file(&m, DART_FILE_COMMANDS, cmds);
	if (r == 0 && dd->history.chain_pem)
		r = dart_json_put_file(&m, DART_FILE_CHAIN, dd->history.chain_pem);
	if (r < 0)
		(void)daemon_ctl_reply(cl, req, r,
				       "dart: the agent's data does not fit one message");
	else
		(void)daemon_ctl_send(cl, &m);
	ctl_msg_done(&m);
	free(paths);
	free(tl);
	free(cmds);
}

void dart_daemon_request(struct dart_daemon *dd, struct daemon *d, struct daemon_ctl_client *cl,
			 const struct ctl_msg *req)
{
	const char *path = ctl_msg_get_str(req, CTL_F_PATH);
	int64_t redact = 0;
	struct inputs_text t = {0};
	struct dart_inputs in;
	struct dart_creds cr;
	int r;

	if (!path)
		return reply_data(dd, d, cl, req);
	if (path[0] != '/') {
		(void)daemon_ctl_reply(cl, req, -EINVAL, "dart: the bundle path must be absolute");
		return;
	}
	if (!creds_of(cl->uid, &cr)) {
		(void)daemon_ctl_reply(cl, req, -EPERM, "dart: the requesting user is unknown");
		return;
	}
	(void)ctl_msg_get_int(req, CTL_F_REDACT_USERS, &redact);
	fill_inputs(dd, d, &cr, redact != 0, &t, &in);
	r = start_job(dd, d, cl, req, &in, &cr);
	inputs_text_done(&t);
	if (r < 0)
		(void)daemon_ctl_reply(cl, req, r, "dart: cannot start the collection");
}
