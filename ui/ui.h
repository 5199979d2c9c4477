/*
 * ui.h - `anyroam`, the command-line client (PRODUCT.md "Contracts").
 *
 * The grammar is one flat table {name, handler, usage} (STYLE.md §11) in ui_cli.c;
 * usage text is generated from it. Every handler returns an exit code:
 * UI_EXIT_OK 0, UI_EXIT_FAILED 1 (message on stderr), UI_EXIT_USAGE 2,
 * UI_EXIT_UNREACHABLE 3 (the agent's control socket cannot be reached).
 */
#pragma once
#include <stdbool.h>
#include <stdio.h>

#include "control/ctl_msg.h"
#include "control/ctl_stream.h"

#define UI_CTL_DEFAULT "/run/anyroam/control.sock"

enum ui_exit {
	UI_EXIT_OK = 0,
	UI_EXIT_FAILED = 1,
	UI_EXIT_USAGE = 2,
	UI_EXIT_UNREACHABLE = 3,
};

/* Options that come before the command. */
struct ui_opts {
	const char *ctl; /* control socket path */
	bool json;
	bool script; /* -s: commands and answers from `in` */
	FILE *in;    /* stdin; tests pass a memory stream */
	FILE *out;
	FILE *err;
};

/* A connection to anyroamd. */
struct ui_ctl {
	int fd;
	uint32_t next_id;
	struct ctl_stream stream;
};

int ui_main(int argc, char **argv);
/* The same with explicit streams (tests). */
int ui_run(int argc, char **argv, FILE *in, FILE *out, FILE *err);

/* Runs one command of the table (argv[0] is its name); returns the exit code. */
int ui_run_command(const struct ui_opts *o, int argc, char **argv);

/* ui_ctl.c: 0, or UI_EXIT_UNREACHABLE after printing why. */
int ui_ctl_open(struct ui_ctl *c, const struct ui_opts *o);
void ui_ctl_close(struct ui_ctl *c);
/* Sends m with a fresh request id (stored in m->id). */
_must_check_ int ui_ctl_send(struct ui_ctl *c, struct ctl_msg *m);
/* Blocks for the next message; -ECONNRESET when the agent went away. */
_must_check_ int ui_ctl_recv(struct ui_ctl *c, struct ctl_msg *ret);
/* Sends req and waits for its response, passing events to on_event (may be NULL). */
typedef int (*ui_event_func_t)(void *user_data, struct ui_ctl *c, const struct ctl_msg *ev);
_must_check_ int ui_ctl_call(struct ui_ctl *c, struct ctl_msg *req, struct ctl_msg *ret_resp,
			     ui_event_func_t on_event, void *user_data);
/* A response's outcome: UI_EXIT_OK, or UI_EXIT_FAILED after printing its MESSAGE. */
int ui_ctl_result(const struct ui_opts *o, const struct ctl_msg *resp);

/* ui_print.c */
void ui_print_json_string(FILE *f, const char *s);
/* Every field but ERRNO as one JSON object (repeated tags: the last wins). */
void ui_print_json_fields(FILE *f, const struct ctl_msg *m, size_t from, size_t to);
/* "  name: value" lines. */
void ui_print_text_fields(FILE *f, const struct ctl_msg *m);
void ui_print_record(const struct ui_opts *o, const struct ctl_msg *ev);

/* ui_connect.c */
int ui_connect(const struct ui_opts *o, const char *host);
int ui_script(const struct ui_opts *o);
/* Reads a line from in without its newline; echo off when in is a terminal and hidden. */
_must_check_ int ui_read_line(FILE *in, FILE *prompt_out, const char *prompt, bool hidden,
			      char *buf, size_t cap);
