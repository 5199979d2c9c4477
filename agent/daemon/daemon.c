/*
 * daemon.c - anyroamd's setup and main loop: configuration, state directory, event
 * log, platform (with crash recovery), profiles, trust store, control server, and the
 * dispatch of control requests and platform events to the connection.
 */
#define LOG_MODULE "daemon"
#include "daemon.h"

#include <dirent.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/x509.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "daemon/conn.h"
#include "daemon/daemon_update.h"
#include "ike/ike_cert.h"
#include "platform/linux/platform_linux.h"
#include "profile/profile.h"

#define PROFILE_READ_MAX PROFILE_FILE_MAX

static const struct option long_opts[] = {
	{"foreground", no_argument, NULL, 'f'},
	{"config", required_argument, NULL, 'c'},
	{"ctl", required_argument, NULL, 's'},
	{"state-dir", required_argument, NULL, 'd'},
	{"profile-dir", required_argument, NULL, 'p'},
	{"prefs-global", required_argument, NULL, 'G'},
	{"prefs-user", required_argument, NULL, 'U'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: anyroamd [--foreground] [--config FILE] [--ctl SOCKET] [--state-dir DIR]"
		   " [--profile-dir DIR]\n"
		   "                [--prefs-global FILE] [--prefs-user FILE]\n");
}

int daemon_parse_args(int argc, char **argv, struct daemon_options *o)
{
	int c;

	*o = (struct daemon_options){0};
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->foreground = true;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 's':
			o->ctl = optarg;
			break;
		case 'd':
			o->state_dir = optarg;
			break;
		case 'p':
			o->profile_dir = optarg;
			break;
		case 'G':
			o->prefs_global = optarg;
			break;
		case 'U':
			o->prefs_user = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	return 0;
}

/* ---- profiles through plain files (profile/ does no I/O itself) ---- */

static int fs_list(void *user_data, const char *dir, char ***ret_names, size_t *ret_n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)) && n < 256) {
		if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN)
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	*ret_names = v;
	*ret_n = n;
	return 0;
}

static int fs_read(void *user_data, const char *path, uint8_t **ret_data, size_t *ret_len)
{
	FILE *f = fopen(path, "re");
	uint8_t *buf;
	size_t n;

	if (!f)
		return -errno;
	buf = xmalloc(PROFILE_READ_MAX + 1);
	n = fread(buf, 1, PROFILE_READ_MAX + 1, f);
	fclose(f);
	if (n > PROFILE_READ_MAX) {
		free(buf);
		return -EMSGSIZE;
	}
	*ret_data = buf;
	*ret_len = n;
	return 0;
}

static const struct profile_fs_ops fs_ops = {.list_dir = fs_list, .read_file = fs_read};

static void log_diags(const struct profile_diags *dg)
{
	for (size_t i = 0; i < dg->n; i++) {
		char *s;

		if (dg->v[i].level == PROFILE_DIAG_DEBUG)
			continue;
		s = profile_diag_format(&dg->v[i]);
		if (dg->v[i].level == PROFILE_DIAG_ERROR)
			log_warning("profile: %s", s);
		else
			log_info("profile: %s", s);
		free(s);
	}
}

static void load_profile_file(struct daemon *d, const char *path, struct profile_diags *dg)
{
	struct profile *p = NULL;
	uint8_t *data;
	size_t n;
	int r = fs_read(NULL, path, &data, &n);

	if (r < 0) {
		log_warning("profile %s: %s", path, err_str(r));
		return;
	}
	r = profile_parse(path, data, n, &p, dg);
	free(data);
	if (r == 0)
		profile_set_add(d->profiles, p, dg);
}

void daemon_load_profiles(struct daemon *d)
{
	struct profile_diags dg = {0};
	const char *one[1] = {d->opts.profile_dir};

	d->profiles = profile_set_free(d->profiles);
	d->profiles = profile_set_new();
	if (d->opts.profile_dir)
		(void)profile_set_load_dirs(d->profiles, one, 1, &fs_ops, NULL, &dg);
	else
		(void)profile_set_load_dirs(d->profiles, profile_default_dirs,
					    ARRAY_SIZE(profile_default_dirs), &fs_ops, NULL, &dg);
	for (size_t i = 0; i < d->conf.n_profiles; i++)
		load_profile_file(d, d->conf.profiles[i], &dg);
	daemon_prefs_load(d, &fs_ops, &dg);
	log_diags(&dg);
	profile_diags_done(&dg);
	log_info("%zu host(s) in the profiles", profile_set_host_count(d->profiles));
}

/* ---- trust store: system store (unless off), ca-file and ca-dir of agent.conf ---- */

static int load_trust(struct daemon *d)
{
	X509_STORE *st = X509_STORE_new();

	if (!st)
		return -ENOMEM;
	if (d->conf.system_ca && X509_STORE_set_default_paths(st) != 1)
		log_warning("system trust store not loaded");
	if (access("/etc/anyroam/ca", R_OK) == 0)
		(void)X509_STORE_load_path(st, "/etc/anyroam/ca");
	for (size_t i = 0; i < d->conf.n_ca_files; i++)
		if (X509_STORE_load_file(st, d->conf.ca_files[i]) != 1) {
			log_err("cannot load CA file %s", d->conf.ca_files[i]);
			X509_STORE_free(st);
			return -EINVAL;
		}
	for (size_t i = 0; i < d->conf.n_ca_dirs; i++)
		if (X509_STORE_load_path(st, d->conf.ca_dirs[i]) != 1)
			log_warning("cannot load CA directory %s", d->conf.ca_dirs[i]);
	d->trust = st;
	return 0;
}

/* ---- dispatch ---- */

static void reply_hosts(struct daemon *d, struct daemon_ctl_client *cl, const struct ctl_msg *req)
{
	struct ctl_msg m;

	ctl_msg_init_response(&m, req, 0, NULL);
	for (size_t i = 0; d->profiles && i < profile_set_host_count(d->profiles); i++) {
		const struct profile_host *h = profile_set_host_at(d->profiles, i);

		if (ctl_msg_add_str(&m, CTL_F_HOST_NAME, profile_host_name(h)) == 0)
			(void)ctl_msg_add_str(&m, CTL_F_HOST_ADDRESS, profile_host_address(h));
	}
	(void)daemon_ctl_send(cl, &m);
	ctl_msg_done(&m);
}

static void record_to_msg(const struct daemon_log_record *rec, struct ctl_msg *m)
{
	ctl_msg_init(m, CTL_KIND_EVENT, CTL_TYPE_EV_RECORD, 0);
	(void)ctl_msg_add_int(m, CTL_F_TIME_USEC, (int64_t)rec->realtime);
	(void)ctl_msg_add_str(m, CTL_F_RECORD_TYPE, daemon_log_type_to_string(rec->type));
	(void)ctl_msg_add_str(m, CTL_F_RECORD_SOURCE, rec->source);
	(void)ctl_msg_add_str(m, CTL_F_MESSAGE, rec->text);
	if (rec->reason_code)
		(void)ctl_msg_add_int(m, CTL_F_REASON_CODE, rec->reason_code);
	if (rec->session_id[0])
		(void)ctl_msg_add_str(m, CTL_F_SESSION_ID, rec->session_id);
}

static void reply_events(struct daemon *d, struct daemon_ctl_client *cl, const struct ctl_msg *req)
{
	int64_t follow = 0;
	struct ctl_msg m;

	for (size_t i = 0; i < daemon_log_count(&d->log); i++) {
		record_to_msg(daemon_log_at(&d->log, i), &m);
		(void)daemon_ctl_send(cl, &m);
		ctl_msg_done(&m);
	}
	(void)ctl_msg_get_int(req, CTL_F_FOLLOW, &follow);
	cl->follow = follow != 0;
	(void)daemon_ctl_reply(cl, req, 0, NULL);
}

static bool wants_records(const struct daemon_ctl_client *c)
{
	return c->follow;
}

static void on_record(void *user_data, const struct daemon_log_record *rec)
{
	struct daemon *d = user_data;
	struct ctl_msg m;

	if (!d->ctl.clients)
		return;
	record_to_msg(rec, &m);
	daemon_ctl_broadcast(&d->ctl, &m, wants_records);
	ctl_msg_done(&m);
}

static void reply_filled(struct daemon_ctl_client *cl, const struct ctl_msg *req,
			 const struct conn *c,
			 void (*fill)(const struct conn *c, struct ctl_msg *m))
{
	struct ctl_msg m;

	ctl_msg_init_response(&m, req, 0, NULL);
	fill(c, &m);
	(void)daemon_ctl_send(cl, &m);
	ctl_msg_done(&m);
}

static void on_request(void *user_data, struct daemon_ctl_client *cl, const struct ctl_msg *req)
{
	struct daemon *d = user_data;

	log_debug("control: %s from pid %d", ctl_type_to_string(req->type), (int)cl->pid);
	dart_history_command(&d->dart.history, clock_realtime_now(), cl->uid, cl->pid,
			     ctl_type_to_string(req->type));
	switch (req->type) {
	case CTL_TYPE_CONNECT:
		return conn_request_connect(d->conn, cl, req);
	case CTL_TYPE_DISCONNECT:
		return conn_request_disconnect(d->conn, cl, req);
	case CTL_TYPE_STATE:
		return reply_filled(cl, req, d->conn, conn_fill_state);
	case CTL_TYPE_STATS:
		return reply_filled(cl, req, d->conn, conn_fill_stats);
	case CTL_TYPE_HOSTS:
		return reply_hosts(d, cl, req);
	case CTL_TYPE_EVENTS_SUBSCRIBE:
		return reply_events(d, cl, req);
	case CTL_TYPE_ANSWER_FORM:
		return conn_request_answer(d->conn, cl, req);
	case CTL_TYPE_SIMULATE_RESUME:
		return conn_request_simulate_resume(d->conn, cl, req);
	case CTL_TYPE_DART:
		return dart_daemon_request(&d->dart, d, cl, req);
	default:
		(void)daemon_ctl_reply(cl, req, -EOPNOTSUPP, "not a request");
		return;
	}
}

static void on_client_close(void *user_data, struct daemon_ctl_client *cl)
{
	struct daemon *d = user_data;

	if (d->conn)
		conn_client_gone(d->conn, cl);
}

static void on_platform_event(void *user_data, const struct platform_event *ev)
{
	struct daemon *d = user_data;

	log_debug("platform event %s (reason %d)", platform_event_type_to_string(ev->type),
		  ev->reason);
	switch (ev->type) {
	case PLATFORM_EVENT_SLEEP:
		conn_reconnect_on_sleep(d->conn);
		break;
	case PLATFORM_EVENT_RESUME:
		conn_reconnect_trigger(d->conn, SESSION_REASON_RESUME);
		break;
	case PLATFORM_EVENT_LINK_DOWN:
	case PLATFORM_EVENT_LINK_UP:
	case PLATFORM_EVENT_ROUTE_CHANGED:
		conn_reconnect_trigger(d->conn, SESSION_REASON_NETWORK_INTERFACE);
		break;
	case PLATFORM_EVENT_ADDR_CHANGED:
		conn_reconnect_trigger(d->conn, SESSION_REASON_SOURCE_ADDRESS);
		break;
	case PLATFORM_EVENT_STALLED:
		conn_probe_start(d->conn, "the agent did not run (platform timer late)");
		break;
	case _PLATFORM_EVENT_MAX:
		break;
	}
}

/* ---- setup ---- */

static int setup_platform(struct daemon *d)
{
	struct platform_linux_config pc = {
		.state_dir = d->opts.state_dir,
		.resolv_conf = d->conf.resolv_conf,
		.dns_backend = d->conf.dns_backend
				       ? platform_dns_backend_from_string(d->conf.dns_backend)
				       : PLATFORM_DNS_BACKEND_AUTO,
		.debounce_usec = d->conf.network_debounce_ms * USEC_PER_MSEC,
	};
	int r = 0;

	d->platform = platform_linux_new(&pc, &r);
	if (!d->platform)
		return r ? r : -ENOMEM;
	if ((r = platform_recover(d->platform)) < 0)
		log_warning_fr(r, "recovering what a previous run left");
	platform_set_event_handler(d->platform, on_platform_event, d, NULL);
	return platform_attach_event(d->platform, d->event);
}

static int load_conf(struct daemon *d)
{
	const char *path = d->opts.config ? d->opts.config : DAEMON_CONF_DEFAULT;
	char err[512];
	int r;

	daemon_conf_init(&d->conf);
	r = daemon_conf_load(&d->conf, path, err, sizeof(err));
	if (r == -ENOENT && !d->opts.config)
		return 0; /* no /etc/anyroam/agent.conf: defaults */
	if (r < 0)
		log_err("%s", err);
	return r;
}

int daemon_setup(struct daemon *d, const struct daemon_options *o)
{
	int r;

	*d = (struct daemon){.opts = *o};
	dart_daemon_init(&d->dart);
	if (!d->opts.state_dir)
		d->opts.state_dir = DAEMON_STATE_DIR_DEFAULT;
	if (!d->opts.ctl)
		d->opts.ctl = DAEMON_CTL_DEFAULT;
	if ((r = load_conf(d)) < 0)
		return r;
	log_set_level(d->conf.log_level);
	if (mkdir(d->opts.state_dir, 0700) < 0 && errno != EEXIST)
		return log_err_fr(-errno, "state directory %s", d->opts.state_dir), -errno;
	if ((r = daemon_log_init(&d->log, d->opts.state_dir, d->conf.event_log_max_bytes)) < 0)
		log_warning_fr(r, "event log file in %s", d->opts.state_dir);
	daemon_log_set_watch(&d->log, on_record, d);
	if ((r = sd_event_new(&d->event)) < 0)
		return r;
	if ((r = load_trust(d)) < 0)
		return r;
	daemon_load_profiles(d);
	if ((r = setup_platform(d)) < 0)
		return log_err_fr(r, "platform"), r;
	d->conn = conn_new(d);
	{
		char *dir = xstrdup(d->opts.ctl), *slash = strrchr(dir, '/');

		if (slash && slash != dir) {
			*slash = '\0';
			(void)mkdir(dir, 0755);
		}
		free(dir);
	}
	if ((r = daemon_ctl_start(&d->ctl, d->event, d->opts.ctl, on_request, on_client_close, d)) <
	    0)
		return log_err_fr(r, "control socket %s", d->opts.ctl), r;
	daemon_log_record(&d->log, DAEMON_LOG_INFORMATION, DAEMON_SOURCE_AGENT, NULL, 0,
			  "anyroamd started; control socket %s", d->opts.ctl);
	conn_reconnect_restore(d->conn);
	return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

int daemon_run(struct daemon *d)
{
	sigset_t ss;

	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	(void)sd_event_add_signal(d->event, NULL, SIGTERM, on_signal, NULL);
	(void)sd_event_add_signal(d->event, NULL, SIGINT, on_signal, NULL);
	(void)sd_notify(0, "READY=1");
	return sd_event_loop(d->event);
}

void daemon_teardown(struct daemon *d)
{
	(void)sd_notify(0, "STOPPING=1");
	/* the control clients go first: their close callbacks reach into conn */
	daemon_ctl_stop(&d->ctl);
	daemon_update_stop(d);
	dart_daemon_done(&d->dart);
	d->conn = conn_free(d->conn);
	d->platform = platform_free(d->platform);
	d->profiles = profile_set_free(d->profiles);
	X509_STORE_free(d->trust);
	d->trust = NULL;
	daemon_log_done(&d->log);
	daemon_conf_done(&d->conf);
	d->event = sd_event_unref(d->event);
}
