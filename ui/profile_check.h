/*
 * profile_check.h - `anyroam profile check FILE`: validate an AnyConnect profile,
 * preferences or local-policy file and print every effective setting with its origin.
 * Works without the daemon. Exit codes as PRODUCT.md: 0 ok, 1 failed, 2 usage.
 */
#pragma once

/*
 * argv[0] is "check" (the word after "profile"); the rest are options and FILE:
 *   check [--global PREFS] [--user PREFS] FILE
 * --global/--user apply preferences_global.xml / preferences.xml on top of FILE
 * (only where the profile allows UserControllable). Prints to stdout, errors to stderr.
 */
int ui_profile_check(int argc, char **argv);
