/*
 * daemon_update.c - the profile update worker of daemon_update.h.
 */
#define LOG_MODULE "daemon"
#include "daemon/daemon_update.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "daemon/daemon.h"
#include "platform/linux/platform_https.h"
#include "profile/profile_update.h"

#define UPDATE_TIMEOUT_MS 30000

struct daemon_update {
	struct daemon *d;
	pthread_t thread;
	int efd;
	struct sd_event_source *io;
	/* the worker's own copies; the loop reads them only after the join */
	struct profile_manifest m;
	char *host_address;
	char *dir;
	char *ca_file;
	struct platform_https_updater updater;
	struct profile_diags diags;
	int result;
};

static void job_free(struct daemon_update *u)
{
	if (!u)
		return;
	u->io = sd_event_source_disable_unref(u->io);
	if (u->efd >= 0)
		close(u->efd);
	profile_manifest_done(&u->m);
	profile_diags_done(&u->diags);
	free(u->updater.last_error);
	free(u->host_address);
	free(u->dir);
	free(u->ca_file);
	free(u);
}

static void *worker(void *arg)
{
	struct daemon_update *u = arg;
	uint64_t one = 1;

	u->result = profile_update_apply(&u->m, u->host_address, &platform_https_update_ops,
					 &u->updater, &u->diags);
	if (write(u->efd, &one, sizeof(one)) < 0) {
		/* an eventfd write fails only on counter overflow: the loop still wakes */
	}
	return NULL;
}

static void log_outcome(struct daemon_update *u)
{
	for (size_t i = 0; i < u->diags.n; i++) {
		char *s;

		if (u->diags.v[i].level == PROFILE_DIAG_DEBUG)
			continue;
		s = profile_diag_format(&u->diags.v[i]);
		log_warning("profile update: %s", s);
		free(s);
	}
	if (u->result < 0)
		log_warning("profile update from %s failed: %s%s%s", u->host_address,
			    err_str(u->result), u->updater.last_error ? ": " : "",
			    u->updater.last_error ? u->updater.last_error : "");
	else
		log_info("profile update from %s: installed %d file(s) into %s", u->host_address,
			 u->result, u->dir);
}

static void finish(struct daemon *d)
{
	struct daemon_update *u = d->update;
	int installed;

	(void)pthread_join(u->thread, NULL);
	d->update = NULL;
	log_outcome(u);
	installed = u->result;
	job_free(u);
	if (installed > 0)
		daemon_load_profiles(d); /* the new profile takes effect for the next connect */
}

static int on_done(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	finish(userdata);
	return 0;
}

static struct daemon_update *job_new(struct daemon *d, const char *host_address)
{
	struct daemon_update *u = xcalloc(1, sizeof(*u));

	u->d = d;
	u->efd = -1;
	u->host_address = xstrdup(host_address);
	u->dir = xstrdup(d->opts.profile_dir ? d->opts.profile_dir : PROFILE_DIR_ANYROAM);
	/* the same trust as for the gateway's IKE certificate: agent.conf's CA file */
	u->ca_file = d->conf.n_ca_files ? xstrdup(d->conf.ca_files[0]) : NULL;
	u->updater = (struct platform_https_updater){
		.dir = u->dir,
		.opts = {.ca_file = u->ca_file, .timeout_ms = UPDATE_TIMEOUT_MS},
	};
	return u;
}

void daemon_update_start(struct daemon *d, const char *host_address, const char *uri,
			 const char *hash)
{
	struct daemon_update *u;
	int r;

	if (d->update) {
		log_info("profile update announced while one runs; skipped until the next login");
		return;
	}
	u = job_new(d, host_address);
	if ((r = profile_manifest_from_entry(uri, NULL, hash, &u->m, &u->diags)) < 0) {
		u->result = r;
		log_outcome(u);
		job_free(u);
		return;
	}
	u->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (u->efd < 0 ||
	    (r = sd_event_add_io(d->event, &u->io, u->efd, EPOLLIN, on_done, d)) < 0 ||
	    (r = -pthread_create(&u->thread, NULL, worker, u)) < 0) {
		log_warning("profile update not started: %s", err_str(u->efd < 0 ? -errno : r));
		job_free(u);
		return;
	}
	log_info("profile update announced: %s (sha1 %s); fetching from %s", uri, hash,
		 host_address);
	d->update = u;
}

bool daemon_update_running(const struct daemon *d)
{
	return d->update != NULL;
}

void daemon_update_stop(struct daemon *d)
{
	if (d->update)
		finish(d);
}
