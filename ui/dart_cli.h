/*
 * dart_cli.h - `anyroam dart`, the CLI side of the DART bundle (issue 9).
 *
 *   dart [-o FILE.zip] [--redact-users] [--local] [--state-dir DIR] [--config FILE]
 *        [--profile-dir DIR]
 *
 * With the agent reachable, it asks it (CTL_TYPE_DART with the absolute PATH): the
 * agent collects with this user's credentials, adding what only it knows. Without the
 * agent (or with --local, or an agent that has no collector), it collects here what
 * this user may read, with the agent's state and stats when it answers those, and
 * says on stderr and in summary.txt what it could not collect. Default FILE:
 * ./anyroam-dart-YYYYMMDD-HHMMSS.zip. Exit: 0 written, 1 failed, 2 usage.
 */
#pragma once

/* argv[0] is "dart"; ctl_path is the control socket (--ctl). */
int dart_cli_main(int argc, char **argv, const char *ctl_path);
