/* Options shared by plan, apply and rollback, and how their results are shown. */
#ifndef ENFORCER_CLI_RUN_OPTS_H
#define ENFORCER_CLI_RUN_OPTS_H

#include "enforcer/engine.h"

typedef struct cli_run_opts {
	const char *target;
	const char *state_dir;
	const char *report_dir;
	int json;  /* --format json */
	int quiet; /* -q */
	int verbose;
	int color; /* resolved from --color and the terminal */
	int dry_run;
	unsigned wait_seconds;
	char **args; /* the positional arguments */
	int nargs;
} cli_run_opts;

/*
 * Parses the shared options; `extra` lists the command's own flags that
 * take no value ("--dry-run"). Returns 0, or prints a usage error and
 * returns 1.
 */
int cli_parse_run_opts(cli_run_opts *o, const char *cmd, int argc, char **argv,
		       const char *const *extra);

/* Shows a finished run: text or JSON on stdout, report files; returns the exit code. */
int cli_finish_run(const cli_run_opts *o, const enf_run *run);

/* The progress callback: one status line per resource as it is decided (with -v). */
void cli_progress(void *ctx, const enf_run *run, const enf_result *result);

#endif
