/*
 * pl_dns.c - the tunnel's DNS. With systemd-resolved on the system bus: its
 * D-Bus API on the tun link (SetLinkDNS, SetLinkDomains, SetLinkDefaultRoute;
 * RevertLink to undo), see org.freedesktop.resolve1(5). Otherwise resolv.conf
 * rewritten (platform_resolvconf.c). Its exact original - bytes and mode, or
 * symlink target (plus the target's bytes), or absence - is kept in the state
 * directory first and put back on revert, or by platform_recover after a
 * crash. A symlink is replaced by our file where the directory is writable,
 * else written through and its target restored in place.
 */
#define _GNU_SOURCE /* asprintf */
#define LOG_MODULE  "platform"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "platform/linux/pl_internal.h"
#include "platform/linux/platform_resolvconf.h"

#define RESOLVED_NAME	"org.freedesktop.resolve1"
#define RESOLVED_PATH	"/org/freedesktop/resolve1"
#define RESOLVED_IFACE	"org.freedesktop.resolve1.Manager"
#define RESOLV_CONF_MAX (64 * 1024)

/* --- systemd-resolved --------------------------------------------------- */

static bool resolved_running(struct platform_linux *pl, sd_bus **ret)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	sd_bus *bus;
	int has = 0, r;

	if (pl_bus_get(pl, &bus) < 0)
		return false;
	r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
			       "org.freedesktop.DBus", "NameHasOwner", &err, &reply, "s",
			       RESOLVED_NAME);
	if (r >= 0)
		r = sd_bus_message_read(reply, "b", &has);
	sd_bus_error_free(&err);
	sd_bus_message_unref(reply);
	*ret = bus;
	return r >= 0 && has;
}

static int call(sd_bus *bus, sd_bus_message *m)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	int r = sd_bus_call(bus, m, 0, &err, NULL);

	if (r < 0)
		log_warning("resolved: %s: %s", sd_bus_message_get_member(m),
			    err.message ? err.message : err_str(r));
	sd_bus_error_free(&err);
	return r;
}

static int set_link_dns(sd_bus *bus, int ifindex, const struct platform_dns *dns)
{
	sd_bus_message *m = NULL;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, RESOLVED_NAME, RESOLVED_PATH, RESOLVED_IFACE,
					   "SetLinkDNS");
	if (r >= 0)
		r = sd_bus_message_append(m, "i", ifindex);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(iay)");
	for (size_t i = 0; r >= 0 && i < dns->n_servers; i++) {
		r = sd_bus_message_open_container(m, 'r', "iay");
		if (r >= 0)
			r = sd_bus_message_append(m, "i", AF_INET);
		if (r >= 0)
			r = sd_bus_message_append_array(m, 'y', &dns->servers[i], 4);
		if (r >= 0)
			r = sd_bus_message_close_container(m);
	}
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = call(bus, m);
	sd_bus_message_unref(m);
	return r;
}

static int set_link_domains(sd_bus *bus, int ifindex, const struct platform_dns *dns)
{
	sd_bus_message *m = NULL;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, RESOLVED_NAME, RESOLVED_PATH, RESOLVED_IFACE,
					   "SetLinkDomains");
	if (r >= 0)
		r = sd_bus_message_append(m, "i", ifindex);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sb)");
	for (size_t i = 0; r >= 0 && i < dns->n_domains; i++)
		r = sd_bus_message_append(m, "(sb)", dns->domains[i], 0);
	/* Full tunnel: "~." routes every name to this link's servers. */
	if (r >= 0 && dns->default_route)
		r = sd_bus_message_append(m, "(sb)", ".", 1);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = call(bus, m);
	sd_bus_message_unref(m);
	return r;
}

static int resolved_apply(struct platform_linux *pl, sd_bus *bus, const struct platform_dns *dns)
{
	struct pl_item it = {.type = PL_ITEM_RESOLVED, .ifindex = pl->tun_ifindex};
	int r;

	if ((r = pl_journal_add(&pl->journal, &it)) < 0)
		return r;
	r = set_link_dns(bus, pl->tun_ifindex, dns);
	if (r >= 0)
		r = set_link_domains(bus, pl->tun_ifindex, dns);
	/* SetLinkDefaultRoute (systemd 240+): older resolved lacks it and
	 * derives the same from the "~." domain. */
	if (r >= 0)
		(void)sd_bus_call_method(bus, RESOLVED_NAME, RESOLVED_PATH, RESOLVED_IFACE,
					 "SetLinkDefaultRoute", NULL, NULL, "ib", pl->tun_ifindex,
					 (int)dns->default_route);
	if (r < 0)
		return r;
	pl->dns_state = PL_DNS_RESOLVED;
	pl->dns_ifindex = pl->tun_ifindex;
	log_info("%s: DNS via systemd-resolved (%zu server(s), %zu domain(s))", pl->tun_name,
		 dns->n_servers, dns->n_domains);
	return 0;
}

static int resolved_revert(struct platform_linux *pl, const struct pl_item *it)
{
	sd_bus *bus;
	int r;

	/* Without a bus, or with the link gone, resolved has nothing left for it. */
	if (pl_bus_get(pl, &bus) == 0) {
		r = sd_bus_call_method(bus, RESOLVED_NAME, RESOLVED_PATH, RESOLVED_IFACE,
				       "RevertLink", NULL, NULL, "i", it->ifindex);
		if (r < 0)
			log_debug_fr(r, "resolved: RevertLink %d", it->ifindex);
	}
	pl_journal_drop(&pl->journal, it);
	return 0;
}

/* --- resolv.conf -------------------------------------------------------- */

static int read_all(const char *path, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = xmalloc(RESOLV_CONF_MAX + 1);
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r = read(fd, buf + n, RESOLV_CONF_MAX + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			close(fd);
			return (int)r;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > RESOLV_CONF_MAX) {
			close(fd);
			return -EMSGSIZE;
		}
	}
	close(fd);
	buf[n] = '\0'; /* a symlink target is used as a string */
	*ret = steal_ptr(buf);
	*ret_len = n;
	return 0;
}

static int write_fd(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return fsync(fd) < 0 ? -errno : 0;
}

/* Rewrites path where it is (following a symlink only when told to). */
static int write_in_place(const char *path, const char *data, size_t n, mode_t mode, bool follow)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
	int r;

	if (fd < 0)
		return -errno;
	r = write_fd(fd, data, n);
	if (r == 0 && !follow && fchmod(fd, mode) < 0)
		r = -errno;
	close(fd);
	return r;
}

/*
 * Writes path so that a crash leaves the old or the new file (temp file and
 * rename). Where the directory is not writable - a bind-mounted resolv.conf
 * in a container, or anyroamd.service's ProtectSystem=strict with only
 * ReadWritePaths=/etc/resolv.conf - it is rewritten in place instead; through
 * a symlink (resolvconf, NetworkManager) only when follow is set.
 */
static int replace_file(const char *path, const char *data, size_t n, mode_t mode, bool follow)
{
	_cleanup_free_ char *tmp = NULL;
	int fd, r;

	if (asprintf(&tmp, "%s.anyroam-tmp", path) < 0)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd >= 0) {
		r = fchmod(fd, mode) < 0 ? -errno : write_fd(fd, data, n);
		close(fd);
		if (r == 0 && rename(tmp, path) == 0)
			return 0;
		unlink(tmp);
	}
	return write_in_place(path, data, n, mode, follow);
}

static int replace_symlink(const char *path, const char *target)
{
	_cleanup_free_ char *tmp = NULL;

	if (asprintf(&tmp, "%s.anyroam-tmp", path) < 0)
		return -ENOMEM;
	(void)unlink(tmp);
	if (symlink(target, tmp) < 0)
		return -errno;
	if (rename(tmp, path) < 0) {
		int r = -errno;

		unlink(tmp);
		return r;
	}
	return 0;
}

/* The original, exactly: contents (or link target) into the backup file. */
static int backup(struct platform_linux *pl, struct pl_item *it, char **ret_orig, size_t *ret_len)
{
	char target[4096];
	struct stat st;
	ssize_t tl = 0;
	int r;

	*ret_orig = NULL;
	*ret_len = 0;
	if (lstat(pl->resolv_conf, &st) < 0) {
		if (errno != ENOENT)
			return -errno;
		it->mode = 0; /* absent: restoring means removing ours */
	} else if (S_ISLNK(st.st_mode)) {
		tl = readlink(pl->resolv_conf, target, sizeof(target) - 1);
		if (tl < 0)
			return -errno;
		it->symlink = true;
		it->mode = 0777;
	} else if (S_ISREG(st.st_mode)) {
		it->mode = st.st_mode & 07777;
	} else {
		return -EINVAL;
	}
	if (it->mode && (r = read_all(pl->resolv_conf, ret_orig, ret_len)) < 0 && r != -ENOENT)
		return r;
	/* Behind a symlink: its target's bytes too, in case it must be
	 * written through (see replace_file); none when it dangles. */
	(void)unlink(pl->resolv_backup_data);
	if (it->symlink && *ret_orig &&
	    (r = replace_file(pl->resolv_backup_data, *ret_orig, *ret_len, 0600, false)) < 0) {
		free(*ret_orig);
		*ret_orig = NULL;
		return r;
	}
	r = it->symlink ? replace_file(pl->resolv_backup, target, (size_t)tl, 0600, false)
			: replace_file(pl->resolv_backup, *ret_orig ? *ret_orig : "", *ret_len,
				       0600, false);
	if (r < 0) {
		free(*ret_orig);
		*ret_orig = NULL;
	}
	return r;
}

static int file_render_write(struct platform_linux *pl, const struct pl_item *it, const char *orig,
			     size_t len, const struct platform_dns *dns)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = platform_resolvconf_render(
		orig, len, dns, pl->tun_name[0] ? pl->tun_name : PLATFORM_TUN_NAME_DEFAULT, &text);
	if (r < 0)
		return r;
	return replace_file(pl->resolv_conf, text, strlen(text),
			    it->mode && !it->symlink ? it->mode : 0644, it->symlink);
}

static int file_apply(struct platform_linux *pl, const struct platform_dns *dns)
{
	struct pl_item it = {.type = PL_ITEM_RESOLVCONF};
	_cleanup_free_ char *orig = NULL;
	size_t len = 0;
	int r;

	if (strlen(pl->resolv_conf) >= sizeof(it.path))
		return -ENAMETOOLONG;
	strcpy(it.path, pl->resolv_conf);
	if (pl->dns_state == PL_DNS_FILE) {
		/* Again (new CP reply): render from the saved original. */
		for (size_t i = 0; i < pl->journal.n; i++)
			if (pl->journal.items[i].type == PL_ITEM_RESOLVCONF)
				it = pl->journal.items[i];
		r = it.symlink ? read_all(pl->resolv_backup_data, &orig, &len)
		    : it.mode  ? read_all(pl->resolv_backup, &orig, &len)
			       : 0;
		if (r < 0 && r != -ENOENT)
			return r;
		return file_render_write(pl, &it, orig, len, dns);
	}
	if ((r = backup(pl, &it, &orig, &len)) < 0)
		return r;
	if (orig && len >= strlen(PLATFORM_RESOLVCONF_HEADER) &&
	    !memcmp(orig, PLATFORM_RESOLVCONF_HEADER, strlen(PLATFORM_RESOLVCONF_HEADER)))
		/* A crash, then a reboot wiped a state directory on tmpfs: the
		 * real original is gone. A persistent --state-dir avoids this. */
		log_warning(
			"%s was written by an earlier run whose backup is lost; it stays as it is "
			"after disconnect",
			pl->resolv_conf);
	if ((r = pl_journal_add(&pl->journal, &it)) < 0)
		return r;
	if ((r = file_render_write(pl, &it, orig, len, dns)) < 0)
		return r;
	pl->dns_state = PL_DNS_FILE;
	log_info("DNS via %s (%zu server(s))", pl->resolv_conf, dns->n_servers);
	return 0;
}

/* Still a symlink: we wrote through it, so its target gets its bytes back.
 * Replaced by our file: the symlink comes back. */
static int restore_symlink(struct platform_linux *pl, const char *path, const char *target)
{
	_cleanup_free_ char *data = NULL;
	struct stat st;
	size_t len = 0;
	int r;

	if (lstat(path, &st) < 0 || !S_ISLNK(st.st_mode))
		return replace_symlink(path, target);
	r = read_all(pl->resolv_backup_data, &data, &len);
	if (r == -ENOENT)
		return 0; /* dangling before, so never written through */
	if (r < 0)
		return r;
	return write_in_place(path, data, len, 0, true);
}

static int file_restore(struct platform_linux *pl, const struct pl_item *it)
{
	_cleanup_free_ char *orig = NULL;
	size_t len = 0;
	int r;

	r = read_all(pl->resolv_backup, &orig, &len);
	if (r == -ENOENT) {
		/* Journaled but the rewrite never happened (crash in between). */
		pl_journal_drop(&pl->journal, it);
		return 0;
	}
	if (r < 0)
		return r;
	if (it->symlink)
		r = restore_symlink(pl, it->path, orig);
	else if (it->mode == 0)
		r = unlink(it->path) < 0 && errno != ENOENT ? -errno : 0;
	else
		r = replace_file(it->path, orig, len, it->mode, false);
	if (r < 0) {
		log_warning_fr(r, "cannot restore %s", it->path);
		return r;
	}
	(void)unlink(pl->resolv_backup);
	(void)unlink(pl->resolv_backup_data);
	pl_journal_drop(&pl->journal, it);
	log_info("%s restored", it->path);
	return 0;
}

/* --- the ops ------------------------------------------------------------ */

int pl_dns_apply(struct platform *p, const struct platform_dns *dns)
{
	struct platform_linux *pl = pl_of(p);
	sd_bus *bus = NULL;
	int r;

	if ((r = platform_dns_validate(dns)) < 0)
		return r;
	if (pl->dns_state == PL_DNS_FILE || pl->dns_backend == PLATFORM_DNS_BACKEND_FILE)
		return file_apply(pl, dns);
	/* resolved keeps per-link settings: the link must exist. */
	if (pl->tun_fd < 0)
		return -ENODEV;
	if (pl->dns_state == PL_DNS_RESOLVED)
		return resolved_apply(pl, pl->bus, dns);
	if (resolved_running(pl, &bus))
		return resolved_apply(pl, bus, dns);
	if (pl->dns_backend == PLATFORM_DNS_BACKEND_RESOLVED)
		return -EHOSTDOWN;
	return file_apply(pl, dns);
}

int pl_dns_undo(struct platform_linux *pl, const struct pl_item *it)
{
	switch (it->type) {
	case PL_ITEM_RESOLVED:
		return resolved_revert(pl, it);
	case PL_ITEM_RESOLVCONF:
		return file_restore(pl, it);
	case PL_ITEM_TUN:
	case PL_ITEM_ROUTE:
	case PL_ITEM_BLOCK6:
	case _PL_ITEM_TYPE_MAX:
	case _PL_ITEM_TYPE_INVALID:
		break;
	}
	return -EINVAL;
}

int pl_dns_revert(struct platform *p)
{
	struct platform_linux *pl = pl_of(p);
	int r = 0;

	if (pl->dns_state == PL_DNS_NONE)
		return 0;
	/* Undo from the journal's own record: it holds the original's mode. */
	for (size_t i = pl->journal.n; i-- > 0;) {
		struct pl_item it = pl->journal.items[i];

		if (it.type == PL_ITEM_RESOLVED || it.type == PL_ITEM_RESOLVCONF)
			if ((r = pl_dns_undo(pl, &it)) < 0)
				return r;
	}
	pl->dns_state = PL_DNS_NONE;
	return r;
}
