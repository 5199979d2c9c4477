/*
 * gw_lab.h - `anyroam-gw --lab DIR [--address ADDR]`: a complete lab in one directory.
 *
 *   ca.pem, ca.key        a lab CA (RSA-2048, 10 years)
 *   gw.pem, gw.key        the gateway certificate naming ADDR (iPAddress SAN for an address,
 *                         dNSName for a name; EKU serverAuth + ipsecIKE), signed by the CA
 *   gw.conf               the seed's lab: user test / password cisco, pool
 *                         192.168.20.5-192.168.20.10, split include 192.168.10.0/24,
 *                         def-domain example.com, reconnect timeout 900, dpd 45 retry 2
 *   lab.xml               AnyConnect profile: HostName IKEv2_Gateway -> HostAddress ADDR
 *   agent.conf            `ca-file DIR/ca.pem`: the agent trusts the lab CA
 */
#pragma once

#include <stdio.h>

#include "core/err.h"

#define GW_LAB_DEFAULT_ADDRESS "127.0.0.1"

/* Creates DIR if needed and writes every file; an error message goes into reterr. */
_must_check_ int gw_lab_write(const char *dir, const char *address, char *reterr, size_t errlen);

/* The gw.conf text alone (paths under dir), for tests and `--lab`. */
void gw_lab_write_conf(FILE *out, const char *dir, const char *address);
/* The lab.xml profile alone. */
void gw_lab_write_profile(FILE *out, const char *address);
