/*
 * dataplane_child.h - a negotiated IKE Child SA into the data plane: one place that
 * maps the IKE suite to an ESP transform and builds the SA pair, for anyroamd
 * (client mode) and anyroam-gw (gateway mode) alike.
 */
#pragma once

#include "esp/esp.h"
#include "ike/ike.h"
#include "platform/linux/dataplane.h"

/* The ESP transform of an IKE suite (RFC 4106 GCM-16, or CBC with RFC 4868 HMAC);
 * _ESP_TRANSFORM_INVALID when the suite has none of ours. */
enum esp_transform dataplane_child_transform(const struct ike_suite *s);

/*
 * Builds ch's inbound and outbound ESP SAs into sa->in / sa->out and installs sa; the
 * caller has filled the rest of sa (socket, peer, inner address). On failure nothing
 * is installed and sa holds no SAs: -EPROTO for a suite without an ESP transform.
 */
_must_check_ int dataplane_child_install(struct dataplane *dp, const struct ike_child *ch,
					 struct dataplane_sa *sa);
