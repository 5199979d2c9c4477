/* main.c - anyroamd, the Anyroam agent daemon; see daemon.h. */
#define LOG_MODULE "anyroamd"
#include "daemon/daemon.h"

#include "core/log.h"

int main(int argc, char **argv)
{
	struct daemon_options o;
	struct daemon d;
	int r = daemon_parse_args(argc, argv, &o);

	if (r)
		return r == 1 ? 0 : 2;
	if (daemon_setup(&d, &o) < 0) {
		daemon_teardown(&d);
		return 1;
	}
	r = daemon_run(&d);
	daemon_teardown(&d);
	return r < 0 ? 1 : 0;
}
