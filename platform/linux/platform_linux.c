/*
 * platform_linux.c - the Linux platform's life cycle and ops table; the work
 * is in the pl_*.c files (see pl_internal.h).
 */
#define _GNU_SOURCE /* asprintf */
#define LOG_MODULE  "platform"
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "platform/linux/pl_internal.h"

void platform_linux_emit(struct platform_linux *pl, const struct platform_event *ev)
{
	if (pl->event_fn)
		pl->event_fn(pl->event_ud, ev);
}

static void set_event_handler(struct platform *p, platform_event_func_t fn, void *user_data,
			      platform_destroy_func_t destroy)
{
	struct platform_linux *pl = pl_of(p);

	if (pl->event_destroy)
		pl->event_destroy(pl->event_ud);
	pl->event_fn = fn;
	pl->event_ud = user_data;
	pl->event_destroy = destroy;
}

static int undo_item(struct platform_linux *pl, const struct pl_item *it)
{
	switch (it->type) {
	case PL_ITEM_TUN:
		return pl_tun_undo(pl, it);
	case PL_ITEM_ROUTE:
		return pl_route_undo(pl, it);
	case PL_ITEM_BLOCK6:
		return pl_route_block6_undo(pl, it);
	case PL_ITEM_RESOLVED:
	case PL_ITEM_RESOLVCONF:
		return pl_dns_undo(pl, it);
	case _PL_ITEM_TYPE_MAX:
	case _PL_ITEM_TYPE_INVALID:
		break;
	}
	return -EINVAL;
}

/* The journal of a previous run, undone newest first (DNS, routes, tun). */
static int recover(struct platform *p)
{
	struct platform_linux *pl = pl_of(p);
	struct pl_item *items = NULL;
	size_t n = 0;
	int r, first = 0;

	r = pl_journal_load(pl->journal.path, &items, &n);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		/* Unreadable: nothing can be undone from it; do not let it block
		 * every later start. */
		(void)unlink(pl->journal.path);
		return r;
	}
	log_info("undoing %zu change(s) left by a previous run", n);
	/* Adopt the list, so each undo drops its line as it succeeds. */
	free(pl->journal.items);
	pl->journal.items = items;
	pl->journal.n = n;
	for (size_t i = n; i-- > 0;) {
		struct pl_item it = items[i];

		if ((r = undo_item(pl, &it)) < 0 && first == 0)
			first = r;
	}
	if (first == 0 && pl->journal.n == 0)
		(void)unlink(pl->journal.path);
	return first;
}

static int attach_event(struct platform *p, struct sd_event *event)
{
	struct platform_linux *pl = pl_of(p);
	int r;

	if (!event)
		return -EINVAL;
	if (pl->event)
		return -EBUSY;
	pl->event = sd_event_ref(event);
	if (pl->bus && !sd_bus_get_event(pl->bus))
		(void)sd_bus_attach_event(pl->bus, pl->event, 0);
	if ((r = pl_monitor_attach(pl)) < 0 || (r = pl_sleep_attach(pl)) < 0) {
		log_warning_fr(r, "cannot watch links and sleep");
		return r;
	}
	return 0;
}

static const struct clock_ops *clock_of(struct platform *p)
{
	return &clock_boottime;
}

static void free_linux(struct platform *p)
{
	struct platform_linux *pl = pl_of(p);

	pl_sleep_detach(pl);
	pl_monitor_detach(pl);
	set_event_handler(p, NULL, NULL, NULL);
	if (pl->tun_fd >= 0)
		close(pl->tun_fd);
	if (pl->nl)
		nl_socket_free(pl->nl);
	if (pl->bus)
		sd_bus_flush_close_unref(pl->bus);
	if (pl->event)
		sd_event_unref(pl->event);
	pl_journal_done(&pl->journal);
	free(pl->state_dir);
	free(pl->resolv_conf);
	free(pl->resolv_backup);
	free(pl->resolv_backup_data);
	free(pl);
}

static const struct platform_ops linux_ops = {
	.name = "linux",
	.recover = recover,
	.attach_event = attach_event,
	.set_event_handler = set_event_handler,
	.tun_open = pl_tun_open,
	.tun_close = pl_tun_close,
	.routes_apply = pl_routes_apply,
	.routes_remove = pl_routes_remove,
	.dns_apply = pl_dns_apply,
	.dns_revert = pl_dns_revert,
	.watch_gateway = pl_watch_gateway,
	.unwatch_gateway = pl_unwatch_gateway,
	.path_get = pl_path_get,
	.clock = clock_of,
	.free = free_linux,
};

static int make_state_dir(const char *dir)
{
	_cleanup_free_ char *path = xstrdup(dir);
	struct stat st;

	/* The journal and the resolv.conf backup are root's alone
	 * (StateDirectoryMode=0700 in the unit does the same); parents too, as
	 * mkdir -p, for a --state-dir that does not exist yet. */
	for (char *slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return -errno;
		*slash = '/';
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (stat(path, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

struct platform *platform_linux_new(const struct platform_linux_config *cfg, int *reterr)
{
	struct platform_linux_config c = cfg ? *cfg : (struct platform_linux_config){0};
	struct platform_linux *pl;
	int r;

	if (!c.state_dir)
		c.state_dir = PLATFORM_LINUX_STATE_DIR_DEFAULT;
	if (!c.resolv_conf)
		c.resolv_conf = PLATFORM_LINUX_RESOLV_CONF_DEFAULT;
	if ((unsigned int)c.dns_backend >= _PLATFORM_DNS_BACKEND_MAX || c.resolv_conf[0] != '/') {
		r = -EINVAL;
		goto fail;
	}
	if ((r = make_state_dir(c.state_dir)) < 0)
		goto fail;
	pl = xcalloc(1, sizeof(*pl));
	pl->base.ops = &linux_ops;
	pl->tun_fd = -1;
	pl->state_dir = xstrdup(c.state_dir);
	pl->resolv_conf = xstrdup(c.resolv_conf);
	if (asprintf(&pl->resolv_backup, "%s/resolv.conf.orig", c.state_dir) < 0 ||
	    asprintf(&pl->resolv_backup_data, "%s/resolv.conf.orig-data", c.state_dir) < 0 ||
	    pl_journal_init(&pl->journal, c.state_dir) < 0)
		abort(); /* OOM, as xmalloc */
	pl->dns_backend = c.dns_backend;
	pl->no_logind = c.no_logind;
	pl->debounce_usec = c.debounce_usec ? c.debounce_usec : PLATFORM_DEBOUNCE_USEC;
	platform_debounce_init(&pl->debounce, pl->debounce_usec, PLATFORM_DEBOUNCE_MAX_USEC);
	return &pl->base;
fail:
	if (reterr)
		*reterr = r;
	return NULL;
}

int platform_dns_backend_from_string(const char *s)
{
	static const char *const names[] = {
		[PLATFORM_DNS_BACKEND_AUTO] = "auto",
		[PLATFORM_DNS_BACKEND_RESOLVED] = "resolved",
		[PLATFORM_DNS_BACKEND_FILE] = "file",
	};

	for (size_t i = 0; s && i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	return -EINVAL;
}
