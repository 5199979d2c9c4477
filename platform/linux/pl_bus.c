/*
 * pl_bus.c - the system bus, shared by the logind watch and the resolved
 * client; opened once, on first use. Its absence (containers, CI) is normal:
 * the callers fall back to the BOOTTIME gap and resolv.conf.
 */
#define LOG_MODULE "platform"
#include "core/log.h"
#include "platform/linux/pl_internal.h"

int pl_bus_get(struct platform_linux *pl, sd_bus **ret)
{
	int r;

	if (!pl->bus_tried) {
		pl->bus_tried = true;
		/* sd_bus_open_system honours DBUS_SYSTEM_BUS_ADDRESS (tests). */
		r = sd_bus_open_system(&pl->bus);
		if (r < 0) {
			log_debug_fr(r, "no system bus");
			pl->bus = NULL;
		} else if (pl->event && (r = sd_bus_attach_event(pl->bus, pl->event, 0)) < 0) {
			log_warning_fr(r, "cannot attach the system bus to the event loop");
		}
	}
	if (!pl->bus)
		return -ENOTCONN;
	*ret = pl->bus;
	return 0;
}
