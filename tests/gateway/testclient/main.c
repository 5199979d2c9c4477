/*
 * anyroam-gw-testclient - a minimal EAP-AnyConnect login to a gateway, built on
 * agent/ike (initiator) and agent/eap (peer), for the gateway's netns tests: it does
 * PROTOCOL.md §4.1 once, checks the gateway certificate against a CA file, stores the
 * session like the agent's state directory does (mode 0600, the token never printed)
 * and exits without a Delete, so the session stays reconnectable.
 *
 *   anyroam-gw-testclient --server ADDR --ca CA.pem --user USER --state FILE < password
 *
 *   anyroam-gw-testclient --server ADDR --ca CA.pem --state FILE --reconnect
 *
 * The second form reconnects (§4.2: KEY_ID(session ID), AUTH with PSK = token, asking
 * for a new token, D6) and stores what comes back.
 * The state file: `session-id ID`, `token TOKEN`, `address A.B.C.D` lines.
 * Exit codes: 0 logged in, 1 refused or failed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/xmalloc.h"
#include "eap/eap.h"
#include "ike/cisco_compat.h"
#include "ike/ike.h"
#include "ike/ike_cert.h"

#define LOGIN_TIMEOUT (20 * USEC_PER_SEC)

struct client {
	struct ike *ike;
	struct eap_peer *eap;
	X509_STORE *trust;
	const char *server, *user, *state;
	struct secret *password;
	int fd;
	struct sockaddr_in gw;
	struct ike_addr local;
	uint64_t sa;
	bool done, failed;
	struct in_addr assigned;
	char session_id[65];
	struct secret *token;
	bool reconnect; /* --reconnect: KEY_ID(session ID) + PSK(token) from the state file */
	bool rotated;	/* the gateway sent a new token (D6) */
};

static int verify_certs(void *ud, uint64_t sa, const struct ike_der *certs, size_t n)
{
	struct client *c = ud;
	const uint8_t *ders[IKE_CERT_CHAIN_MAX];
	size_t lens[IKE_CERT_CHAIN_MAX], i;
	struct ike_cert_policy pol = {
		.host = c->server, .trust = c->trust, .verify_time = time(NULL)};
	EVP_PKEY *key = NULL;
	char *msg = NULL;
	int r;

	for (i = 0; i < n && i < IKE_CERT_CHAIN_MAX; i++)
		ders[i] = certs[i].data, lens[i] = certs[i].len;
	r = ike_cert_verify(&pol, ders, lens, i, &key, &msg);
	if (r < 0)
		fprintf(stderr, "testclient: gateway certificate refused: %s\n",
			msg ? msg : err_str(r));
	EVP_PKEY_free(key);
	free(msg);
	return r;
}

static void send_pkt(struct client *c, const struct ike_action *a)
{
	struct sockaddr_in to = c->gw;
	uint8_t buf[65536];
	size_t off = 0;

	to.sin_port = htons(a->send.path.remote.port);
	if (a->send.non_esp_marker) {
		memset(buf, 0, 4);
		off = 4;
	}
	if (a->send.len + off > sizeof(buf))
		return;
	memcpy(buf + off, a->send.data, a->send.len);
	if (sendto(c->fd, buf, a->send.len + off, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		perror("testclient: sendto");
}

static void eap_out(struct client *c)
{
	const uint8_t *p;
	size_t n;

	eap_peer_packet(c->eap, &p, &n);
	if (ike_sa_eap_reply(c->ike, c->sa, clock_boottime_now(), p, n) < 0)
		c->failed = true;
}

/* The AnyConnect form: the text field gets the user name, password fields the password. */
static int answer_form(struct client *c)
{
	const struct eap_form *f = eap_peer_form(c->eap);
	struct eap_answer ans[8];
	struct secret *user = secret_from_str(c->user);
	size_t i, n = 0;
	int r;

	for (i = 0; f && i < f->n_fields && n < 8; i++) {
		if (f->fields[i].type == EAP_FIELD_TEXT)
			ans[n++] = (struct eap_answer){f->fields[i].name, user};
		else if (f->fields[i].type == EAP_FIELD_PASSWORD)
			ans[n++] = (struct eap_answer){f->fields[i].name, c->password};
	}
	r = eap_peer_answer(c->eap, ans, n);
	secret_free(user);
	return r;
}

static void eap_in(struct client *c, const struct ike_action *a)
{
	const struct eap_peer_outcome *o;
	int r = eap_peer_input(c->eap, a->eap.data, a->eap.len);

	if (r == EAP_STATUS_NEED_INPUT)
		r = answer_form(c);
	if (r == EAP_STATUS_SEND) {
		eap_out(c);
		return;
	}
	o = eap_peer_outcome(c->eap);
	if (r == EAP_STATUS_SUCCESS) {
		if (o->session_id)
			snprintf(c->session_id, sizeof(c->session_id), "%s", o->session_id);
		if (o->session_token)
			c->token = secret_dup(o->session_token);
		if (ike_sa_eap_complete(c->ike, c->sa, clock_boottime_now(), o->msk) < 0)
			c->failed = true;
		return;
	}
	fprintf(stderr, "testclient: login refused: %s\n",
		o->last_error ? o->last_error : err_str(r));
	c->failed = true;
}

static void established(struct client *c, const struct ike_established *e)
{
	c->assigned = e->cfg.ip4;
	if ((e->cfg.has & IKE_CFG_HAS_SESSION_TOKEN) && e->cfg.token) { /* D6: store the new one */
		secret_free(c->token);
		c->token = secret_dup(e->cfg.token);
		c->rotated = true;
	}
	if (e->cfg.session_id[0]) /* PROTOCOL.md §7: the CP value wins */
		snprintf(c->session_id, sizeof(c->session_id), "%s", e->cfg.session_id);
	c->done = true;
}

static void run_actions(struct client *c)
{
	struct ike_action a;

	while (ike_next_action(c->ike, &a)) {
		switch (a.type) {
		case IKE_ACTION_SEND:
			send_pkt(c, &a);
			break;
		case IKE_ACTION_EAP:
			eap_in(c, &a);
			break;
		case IKE_ACTION_ESTABLISHED:
			established(c, &a.established);
			break;
		case IKE_ACTION_FAILED:
		case IKE_ACTION_DELETED:
		case IKE_ACTION_DEAD:
			fprintf(stderr, "testclient: IKE SA failed: %s (notify %u)\n",
				err_str(a.failed.error), a.failed.notify);
			c->failed = true;
			break;
		default:
			break;
		}
		ike_action_done(&a);
	}
}

static void receive(struct client *c)
{
	uint8_t buf[65536];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	struct ike_dgram dg = {.local = c->local};
	ssize_t n = recvfrom(c->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	size_t off = 0;

	if (n <= 0)
		return;
	if (ntohs(from.sin_port) == 4500) { /* RFC 3948 §2.2: IKE behind the non-ESP marker */
		if (n < 4 || memcmp(buf, "\0\0\0\0", 4) != 0)
			return;
		off = 4;
	}
	dg.remote = (struct ike_addr){
		.family = AF_INET, .port = ntohs(from.sin_port), .v4 = from.sin_addr};
	(void)ike_input(c->ike, clock_boottime_now(), &dg, buf + off, (size_t)n - off);
}

static int open_socket(struct client *c)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if ((c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	c->gw.sin_port = htons(500);
	/* connect() picks the source address toward the gateway; then we receive from any port */
	if (connect(c->fd, (struct sockaddr *)&c->gw, sizeof(c->gw)) < 0 ||
	    getsockname(c->fd, (struct sockaddr *)&sin, &len) < 0)
		return -errno;
	c->local = (struct ike_addr){
		.family = AF_INET, .port = ntohs(sin.sin_port), .v4 = sin.sin_addr};
	sin.sin_family = AF_UNSPEC;
	(void)connect(c->fd, (struct sockaddr *)&sin,
		      sizeof(sin)); /* dissolve: answers come from 4500 */
	return 0;
}

static void set_idi(struct ike_id *id, const char *text)
{
	id->type = IKE_ID_KEY_ID;
	id->len = (uint16_t)strlen(text);
	memcpy(id->data, text, id->len);
}

static int start(struct client *c)
{
	struct ike_initiator_config ic = {
		.auth = c->reconnect ? IKE_AUTH_MODE_PSK : IKE_AUTH_MODE_EAP,
		.ke_group = 19,
		.cisco_compat = true,
		.psk = c->reconnect ? c->token : NULL,
		.request_token = c->reconnect, /* §7: only asked on a reconnect */
		.initial_contact = c->reconnect,
	};
	struct ike_hooks hooks = {.verify_peer_certs = verify_certs};
	struct eap_peer_config ec = {.methods = EAP_METHOD_BIT(EAP_METHOD_ANYCONNECT),
				     .rng = &rng_system,
				     .client = {.version = "5.1.8.105", .device_type = "x86_64"}};
	int r;

	c->ike = ike_new(IKE_ROLE_INITIATOR, &rng_system);
	ike_set_hooks(c->ike, &hooks, c, NULL);
	if (!c->reconnect)
		c->eap = eap_peer_new(&ec);
	ike_policy_client_default(&ic.policy);
	set_idi(&ic.idi, c->reconnect ? c->session_id : CISCO_ANYCONNECT_ID);
	ic.path.local = c->local;
	ic.path.remote = (struct ike_addr){.family = AF_INET, .port = 500, .v4 = c->gw.sin_addr};
	ike_cfg_init(&ic.cp_request);
	ic.cp_request.has = IKE_CFG_HAS_IP4 | IKE_CFG_HAS_DNS4 | IKE_CFG_HAS_SUBNET4 |
			    IKE_CFG_HAS_DEF_DOMAIN | IKE_CFG_HAS_SESSION_ID | IKE_CFG_HAS_LIVENESS;
	ic.cp_request.ip4 = c->assigned; /* §4.2: the previous address on a reconnect */
	r = ike_initiate(c->ike, &ic, clock_boottime_now(), &c->sa);
	ike_cfg_done(&ic.cp_request);
	return r;
}

/* The state a login wrote: session-id, token, address. */
static int read_state(struct client *c)
{
	FILE *f = fopen(c->state, "re");
	char line[512];

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (strncmp(line, "session-id ", 11) == 0 &&
		    strlen(line + 11) < sizeof(c->session_id))
			memcpy(c->session_id, line + 11, strlen(line + 11) + 1);
		else if (strncmp(line, "token ", 6) == 0)
			c->token = secret_from_str(line + 6);
		else if (strncmp(line, "address ", 8) == 0)
			(void)inet_pton(AF_INET, line + 8, &c->assigned);
	}
	secret_wipe(line, sizeof(line));
	fclose(f);
	return c->session_id[0] && c->token ? 0 : -EBADMSG;
}

static void loop(struct client *c)
{
	usec_t end = clock_boottime_now() + LOGIN_TIMEOUT, now, next;
	struct pollfd p = {.fd = c->fd, .events = POLLIN};

	run_actions(c);
	while (!c->done && !c->failed && (now = clock_boottime_now()) < end) {
		next = ike_next_deadline(c->ike);
		if (next > end)
			next = end;
		if (poll(&p, 1, next > now ? (int)((next - now) / 1000 + 1) : 0) > 0)
			receive(c);
		if (clock_boottime_now() >= ike_next_deadline(c->ike))
			(void)ike_tick(c->ike, clock_boottime_now());
		run_actions(c);
	}
}

/* Written like the agent's state file: 0600, then renamed into place. */
static int write_state(const struct client *c)
{
	char tmp[4096];
	FILE *f;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", c->state);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    !(f = fdopen(fd, "w")))
		return -errno;
	fprintf(f, "session-id %s\ntoken ", c->session_id);
	fwrite(secret_data(c->token), 1, secret_len(c->token), f);
	fprintf(f, "\naddress %s\n", inet_ntoa(c->assigned));
	if (fclose(f) != 0 || rename(tmp, c->state) < 0)
		return -errno;
	return 0;
}

static int load_ca(struct client *c, const char *path)
{
	FILE *f = fopen(path, "re");
	char *pem = NULL;
	size_t len = 0;
	ssize_t n;
	int r;

	if (!f)
		return -errno;
	n = getdelim(&pem, &len, 0, f);
	fclose(f);
	if (n <= 0) {
		free(pem);
		return -EBADMSG;
	}
	c->trust = X509_STORE_new();
	r = ike_cert_store_add_pem(c->trust, pem, (size_t)n);
	free(pem);
	return r;
}

static void client_done(struct client *c)
{
	c->ike = ike_free(c->ike);
	c->eap = eap_peer_free(c->eap);
	X509_STORE_free(c->trust);
	c->password = secret_free(c->password);
	c->token = secret_free(c->token);
	if (c->fd >= 0)
		close(c->fd);
}

static int run(struct client *c)
{
	loop(c);
	if (!c->done || !c->token || !c->session_id[0]) {
		fprintf(stderr, "testclient: no session (%s)\n", c->failed ? "failed" : "timeout");
		return 1;
	}
	if (write_state(c) < 0) {
		fprintf(stderr, "testclient: cannot write %s\n", c->state);
		return 1;
	}
	printf("%s: session %s, address %s%s\n", c->reconnect ? "reconnected" : "logged in",
	       c->session_id, inet_ntoa(c->assigned), c->rotated ? ", token rotated" : "");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"server", required_argument, NULL, 's'}, {"ca", required_argument, NULL, 'c'},
		{"user", required_argument, NULL, 'u'},	  {"reconnect", no_argument, NULL, 'r'},
		{"state", required_argument, NULL, 'f'},  {},
	};
	struct client c = {.fd = -1};
	const char *ca = NULL;
	char pw[256];
	int o;

	while ((o = getopt_long(argc, argv, "s:c:u:f:r", opts, NULL)) != -1) {
		if (o == 's')
			c.server = optarg;
		else if (o == 'c')
			ca = optarg;
		else if (o == 'u')
			c.user = optarg;
		else if (o == 'f')
			c.state = optarg;
		else if (o == 'r')
			c.reconnect = true;
		else
			return 2;
	}
	if (!c.server || !ca || !c.state ||
	    (!c.reconnect && (!c.user || !fgets(pw, sizeof(pw), stdin)))) {
		fprintf(stderr, "usage: anyroam-gw-testclient --server ADDR --ca CA --user U "
				"--state FILE < password\n"
				"       anyroam-gw-testclient --server ADDR --ca CA --state FILE "
				"--reconnect\n");
		return 2;
	}
	if (c.reconnect && read_state(&c) < 0) {
		fprintf(stderr, "testclient: no session in %s\n", c.state);
		return 1;
	}
	if (!c.reconnect) {
		pw[strcspn(pw, "\r\n")] = 0;
		c.password = secret_from_str(pw);
		secret_wipe(pw, sizeof(pw));
	}
	log_set_level(getenv("ANYROAM_DEBUG") ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARNING);
	c.gw.sin_family = AF_INET;
	if (inet_pton(AF_INET, c.server, &c.gw.sin_addr) != 1 || load_ca(&c, ca) < 0 ||
	    open_socket(&c) < 0 || start(&c) < 0) {
		fprintf(stderr, "testclient: cannot start (server, CA file or socket)\n");
		client_done(&c);
		return 1;
	}
	o = run(&c);
	client_done(&c);
	return o;
}
