/*
 * gw_daemon.h - the running gateway: UDP 500/4500, the IKE responder (agent/ike), the
 * EAP server (agent/eap) against the configured users, the session databases, the ESP
 * data plane over a TUN device, and the control socket.
 */
#pragma once

#include <stdbool.h>

#include "gw_conf.h"

/* Runs until SIGINT/SIGTERM; returns the process exit code (0 after a clean stop). */
int gw_daemon_run(const struct gw_conf *conf, const char *ctl_path, bool foreground);
