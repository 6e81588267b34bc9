/* Options shared by plan, apply and rollback, and how their results are shown. */
#ifndef ENFORCER_CLI_RUN_OPTS_H
#define ENFORCER_CLI_RUN_OPTS_H

#include "cli_source.h"
#include "enforcer/engine.h"
#include "enforcer/render.h"

typedef struct cli_run_opts {
	const char *target;
	const char *state_dir;
	const char *report_dir;
	int json;  /* --format json */
	int quiet; /* -q */
	int verbose;
	int color; /* resolved from --color and the terminal */
	int dry_run;
	int defer_restarts; /* apply --defer-restarts */
	int pending;        /* restart --pending */
	unsigned wait_seconds;
	unsigned service_timeout_ms; /* --service-timeout; 0 when not given */
	int simple_exit;             /* --exit-codes simple: 0 success, 1 failure */
	unsigned keep_days;          /* --keep-days N: prune older runs after this one; 0 none */
	char **args;                 /* the positional arguments */
	int nargs;
	/* Issue 6: a policy from git, signed reports, the audit log (run_source.c, run_report.c).
	 */
	cli_source_opts src;
	const char *sign_key, *sign_cert, *audit_repo;
	struct enf_report_signer *signer; /* loaded before the run */
	struct enf_audit *audit;          /* opened before the run */
	size_t progress_done;             /* resources decided so far */
	int progress_shown;               /* a progress line is on the terminal */
} cli_run_opts;

/*
 * Parses the shared options; `extra` lists the command's own flags that
 * take no value ("--dry-run"). Returns 0, or prints a usage error and
 * returns 1.
 */
int cli_parse_run_opts(cli_run_opts *o, const char *cmd, int argc, char **argv,
                       const char *const *extra);

/*
 * Shows a finished run (cli_show_run: text or JSON on stdout, report
 * files), prunes old runs (--keep-days) and returns the exit code
 * (--exit-codes).
 */
int cli_finish_run(const cli_run_opts *o, const enf_run *run);
int cli_show_run(const cli_run_opts *o, const enf_run *run);

/* --keep-days N: 1 to 36500; prints a usage error and returns 1 otherwise. */
int cli_parse_keep_days(const char *cmd, const char *value, unsigned *out);

/* The progress callback: one status line per resource as it is decided (with -v). */
void cli_progress(void *ctx, const enf_run *run, const enf_result *result);

/*
 * Issue 6 (run_report.c): the source options and --sign-key, --sign-cert,
 * --audit-repo at argv[*i]; 1 taken, 0 not one of them, -1 usage error
 * printed. cli_check_run_extra checks them together once all are parsed.
 */
int cli_parse_run_extra(cli_run_opts *o, const char *cmd, int argc, char **argv, int *i);
int cli_check_run_extra(const cli_run_opts *o, const char *cmd);

/* Loads the signing key and opens the audit repository before the run changes anything. */
int cli_prepare_outputs(cli_run_opts *o, const char *cmd);

/* Report files, report.json.p7s and the audit commit; prints why and returns 1 on failure. */
int cli_write_reports(const cli_run_opts *o, const enf_report *report, const enf_run *run);

/* Frees what cli_prepare_outputs loaded. */
void cli_run_opts_clear(cli_run_opts *o);

#endif
