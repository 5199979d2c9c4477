/*
 * main.c - anyroam-gw, the minimal IOS-like FlexVPN headend (PRODUCT.md contracts):
 *
 *   anyroam-gw --config FILE [--ctl SOCKET] [--foreground]     run the gateway
 *   anyroam-gw --config FILE --check                           parse the config, exit
 *   anyroam-gw --lab DIR [--address ADDR]                      write a complete lab
 *   anyroam-gw --hash-password USER < password                 `username` lines to paste
 *   anyroam-gw --ctl SOCKET [--json] show crypto session detail
 *   anyroam-gw --ctl SOCKET [--json] show crypto ikev2 session detailed
 *   anyroam-gw --ctl SOCKET [--json] show crypto ikev2 stats reconnect
 *   anyroam-gw --ctl SOCKET clear crypto session [SESSION-ID]
 *
 * Exit codes: 0 success, 1 failure (message on stderr), 2 usage, 3 gateway not reachable.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/secret.h"
#include "gw_conf.h"
#include "gw_ctl.h"
#include "gw_daemon.h"
#include "gw_lab.h"

#define EXIT_USAGE 2

static void usage(FILE *out)
{
	fprintf(out,
		"usage: anyroam-gw --config FILE [--ctl SOCKET] [--foreground] [--check]\n"
		"       anyroam-gw --lab DIR [--address ADDR]\n"
		"       anyroam-gw --hash-password USER < PASSWORD\n"
		"       anyroam-gw [--ctl SOCKET] [--json] show crypto session detail\n"
		"       anyroam-gw [--ctl SOCKET] [--json] show crypto ikev2 session detailed\n"
		"       anyroam-gw [--ctl SOCKET] [--json] show crypto ikev2 stats reconnect\n"
		"       anyroam-gw [--ctl SOCKET] clear crypto session [SESSION-ID]\n");
}

struct opts {
	const char *config, *ctl, *lab, *address, *hash_user;
	bool foreground, json, check;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"ctl", required_argument, NULL, 's'},
		{"foreground", no_argument, NULL, 'f'},
		{"lab", required_argument, NULL, 'l'},
		{"address", required_argument, NULL, 'a'},
		{"json", no_argument, NULL, 'j'},
		{"check", no_argument, NULL, 'k'},
		{"hash-password", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "+c:s:fl:a:jkp:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 's':
			o->ctl = optarg;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 'l':
			o->lab = optarg;
			break;
		case 'a':
			o->address = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'k':
			o->check = true;
			break;
		case 'p':
			o->hash_user = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	return 0;
}

static int run_lab(const struct opts *o)
{
	char err[512];

	if (gw_lab_write(o->lab, o->address, err, sizeof(err)) < 0) {
		fprintf(stderr, "anyroam-gw: %s\n", err);
		return 1;
	}
	printf("lab written to %s: ca.pem gw.pem gw.key gw.conf lab.xml agent.conf\n"
	       "start it with: anyroam-gw --config %s/gw.conf --foreground\n",
	       o->lab, o->lab);
	return 0;
}

/* The password comes on stdin, never on the command line (ps would show it). */
static int run_hash_password(const struct opts *o)
{
	char line[1024];
	size_t n;
	int r;

	if (!fgets(line, sizeof(line), stdin)) {
		fprintf(stderr, "anyroam-gw: no password on stdin\n");
		return 1;
	}
	n = strcspn(line, "\r\n");
	line[n] = 0;
	r = gw_conf_hash_password(o->hash_user, line, stdout);
	secret_wipe(line, sizeof(line));
	if (r < 0) {
		fprintf(stderr, "anyroam-gw: cannot hash for user '%s': %s\n", o->hash_user,
			err_str(r));
		return 1;
	}
	return 0;
}

static int run_config(const struct opts *o)
{
	struct gw_conf *conf = calloc(1, sizeof(*conf));
	struct gw_conf_error err;
	int rc;

	if (!conf)
		return 1;
	gw_conf_init(conf);
	if (gw_conf_load(conf, o->config, &err) < 0) {
		if (err.line)
			fprintf(stderr, "anyroam-gw: %s:%u: %s\n", err.file, err.line, err.msg);
		else
			fprintf(stderr, "anyroam-gw: %s: %s\n", err.file, err.msg);
		gw_conf_done(conf);
		free(conf);
		return 1;
	}
	rc = o->check ? 0
		      : gw_daemon_run(conf, o->ctl ? o->ctl : GW_CTL_DEFAULT_PATH, o->foreground);
	gw_conf_done(conf);
	free(conf);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o = {0};

	if (parse_opts(argc, argv, &o) < 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (o.lab && optind == argc)
		return run_lab(&o);
	if (o.hash_user && optind == argc)
		return run_hash_password(&o);
	if (o.config && optind == argc)
		return run_config(&o);
	if (optind < argc && !o.config && !o.lab)
		return gw_ctl_client_run(o.ctl ? o.ctl : GW_CTL_DEFAULT_PATH, o.json, argc - optind,
					 argv + optind);
	usage(stderr);
	return EXIT_USAGE;
}
