/*
 * The command-line front end: a table of subcommands, each in its own
 * cmd_<verb>.c, and the few helpers they share for options and output.
 * Only the CLI prints and decides exit codes.
 */
#ifndef ENFORCER_CLI_H
#define ENFORCER_CLI_H

#include "enforcer/common.h"

#include <stdarg.h>
#include <stdio.h>

/* Exit codes (docs/CLI.md): Puppet's detailed exit codes, and 1 for errors. */
enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_ERROR = 1,   /* usage, invalid policy, lock held, internal error */
	CLI_EXIT_CHANGES = 2, /* drift found (plan) or changes applied (apply) */
	CLI_EXIT_FAILURES = 4,
	CLI_EXIT_BOTH = 6,
	CLI_EXIT_UNVERIFIED = 3 /* report verify: intact, but who signed was not checked */
};

typedef struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *usage; /* the full --help text */
} cli_cmd;

extern const cli_cmd cli_cmds[];

/* True when argv[i] is -h or --help. */
int cli_is_help(const char *arg);

/* Prints "enforcer CMD: message" to stderr, with a hint to --help. */
void cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(ENF_PRINTF_ARCHETYPE, 2, 3)))
#endif
    ;

/*
 * printf for everything the CLI prints (cli_print.c): each %s and %c
 * argument is a value and is shown escaped (control characters, bidi
 * controls, invalid UTF-8, and newline and tab too); the format is the
 * program's own text and is written as it is. docs/CLI.md gives the forms.
 */
int cli_vfprintf(FILE *f, const char *fmt, va_list ap);
int cli_fprintf(FILE *f, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(ENF_PRINTF_ARCHETYPE, 2, 3)))
#endif
    ;
int cli_printf(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(ENF_PRINTF_ARCHETYPE, 1, 2)))
#endif
    ;
/* Text of several lines (a message, a hint): escaped as a value, but newline and tab kept. */
void cli_put_text(FILE *f, const char *text);
/* JSON text: DEL, C1 and bidi controls in its strings as \uHHHH, the same JSON otherwise. */
void cli_put_json(FILE *f, const char *json);

/* Prints the library's last error as "enforcer: message" to stderr. */
void cli_print_last_error(const char *context);

int cmd_validate(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_import_reg(int argc, char **argv);
int cmd_restart(int argc, char **argv);
int cmd_rollback(int argc, char **argv);
int cmd_cert(int argc, char **argv);
int cmd_facts(int argc, char **argv);
int cmd_export(int argc, char **argv);
/* `report show`, dispatched by the `report` command. */
int cmd_report_show(int argc, char **argv);
/* `policy diff` (cmd_policy.c); `report show` and `report verify` (cmd_report.c). */
int cmd_policy(int argc, char **argv);
int cmd_report(int argc, char **argv);
/* `report verify` and `report timestamp` (cmd_report_verify.c), dispatched by `report`. */
int cli_report_verify(int argc, char **argv);
int cli_report_timestamp(int argc, char **argv);
extern const char cmd_report_verify_usage[];
extern const char cmd_report_timestamp_usage[];
/* `secret protect` (cmd_secret.c). */
int cmd_secret(int argc, char **argv);
/* `install` and `uninstall` (cmd_install.c). */
int cmd_install(int argc, char **argv);
int cmd_uninstall(int argc, char **argv);

extern const char cmd_validate_usage[];
extern const char cmd_plan_usage[];
extern const char cmd_apply_usage[];
extern const char cmd_import_reg_usage[];
extern const char cmd_restart_usage[];
extern const char cmd_rollback_usage[];
extern const char cmd_cert_usage[];
extern const char cmd_facts_usage[];
extern const char cmd_export_usage[];
extern const char cmd_report_show_usage[];
extern const char cmd_policy_usage[];
extern const char cmd_report_usage[];
extern const char cmd_secret_usage[];
extern const char cmd_install_usage[];
extern const char cmd_uninstall_usage[];
/* `runs` (cmd_runs.c): the runs of the state folder. */
int cmd_runs(int argc, char **argv);
extern const char cmd_runs_usage[];
/* `fleet report` (cmd_fleet.c). */
int cmd_fleet(int argc, char **argv);
extern const char cmd_fleet_usage[];

#endif
