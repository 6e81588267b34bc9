/* enforcer runs: the applies and rollbacks of the state folder, and --keep-days. */
#include "cli.h"
#include "run_opts.h"

#include "enforcer/runs.h"
#include "util/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char cmd_runs_usage[] =
    "usage: enforcer runs [--state-dir DIR] [--format text|json] [--keep-days N] [--wait S]\n\n"
    "Lists the applies and rollbacks of the state folder, oldest first: run id,\n"
    "start (UTC), mode, resources changed and failed, exit code ('-': the run was\n"
    "interrupted), whether its journal is kept (a run that changed nothing keeps\n"
    "none) and the policy. 'enforcer rollback last' rolls back the latest apply\n"
    "that changed something. Plans write nothing there and are not listed. A\n"
    "journal too large to read is listed with '?' and 'refused', and why.\n\n"
    "Options:\n"
    "  --state-dir DIR     the state folder (default: the machine's)\n"
    "  --format text|json  json: an array of objects with the same fields\n"
    "  --keep-days N       first remove the journals and runs older than N days\n"
    "                      (1 to 36500), under the state folder's lock\n"
    "  --wait SECONDS      wait that long for another run's lock (with --keep-days)\n\n"
    "Exit status: 0 listed, 1 usage error or the state folder cannot be read.\n";

static void start_text(char out[64], double started)
{
	struct tm tm;
	enf_gmtime(&tm, (time_t)started);
	snprintf(out, 64, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int print_json(const enf_run_entry *runs, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++) {
		const enf_run_entry *r = &runs[i];
		json_t *exit = r->exit_code < 0 ? json_null() : json_integer(r->exit_code);
		json_t *o =
		    r->unreadable
		        /* Nothing but its id is known: no counts that would read as a run's. */
		        ? json_pack("{s:s, s:f, s:n, s:n, s:n, s:n, s:o, s:b, s:s}", "run_id",
		                    r->run_id, "started", r->started, "mode", "policy", "changed",
		                    "failed", "exit", exit, "journal", r->has_journal, "unreadable",
		                    r->unreadable)
		        : json_pack("{s:s, s:f, s:s, s:s?, s:I, s:I, s:o, s:b}", "run_id",
		                    r->run_id, "started", r->started, "mode",
		                    r->mode ? r->mode : "apply", "policy", r->policy, "changed",
		                    (json_int_t)r->changed, "failed", (json_int_t)r->failed, "exit",
		                    exit, "journal", r->has_journal);
		if (json_array_append_new(a, o)) {
			json_decref(a);
			a = NULL;
		}
	}
	char *text = a ? json_dumps(a, JSON_INDENT(2)) : NULL;
	json_decref(a);
	if (!text) {
		cli_fprintf(stderr, "enforcer: out of memory\n");
		return CLI_EXIT_ERROR;
	}
	cli_put_json(stdout, text);
	putchar('\n');
	free(text);
	return CLI_EXIT_OK;
}

static void print_text(const enf_run_entry *runs, size_t n)
{
	if (n == 0) {
		cli_printf("No runs in the state folder.\n");
		return;
	}
	cli_printf("%-24s %-19s %-8s %7s %6s %4s %-7s %s\n", "RUN", "STARTED (UTC)", "MODE",
	           "CHANGED", "FAILED", "EXIT", "JOURNAL", "POLICY");
	for (size_t i = 0; i < n; i++) {
		const enf_run_entry *r = &runs[i];
		char when[64], exit[16];
		start_text(when, r->started);
		if (r->unreadable) {
			cli_printf("%-24s %-19s %-8s %7s %6s %4s %-7s\n  not readable: %s\n",
			           r->run_id, when, "?", "?", "?", "?", "refused", r->unreadable);
			continue;
		}
		if (r->exit_code < 0)
			snprintf(exit, sizeof(exit), "-");
		else
			snprintf(exit, sizeof(exit), "%d", r->exit_code);
		cli_printf("%-24s %-19s %-8s %7ld %6ld %4s %-7s %s\n", r->run_id, when,
		           r->mode ? r->mode : "apply", r->changed, r->failed, exit,
		           r->has_journal ? "yes" : "no", r->policy ? r->policy : "");
	}
}

int cmd_runs(int argc, char **argv)
{
	const char *state_dir = NULL;
	unsigned keep_days = 0, wait = 0;
	int json = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int valued = strcmp(a, "--state-dir") == 0 || strcmp(a, "--format") == 0 ||
		             strcmp(a, "--keep-days") == 0 || strcmp(a, "--wait") == 0;
		if (valued && !v) {
			cli_usage_error("runs", "%s needs a value", a);
			return CLI_EXIT_ERROR;
		}
		if (valued)
			i++;
		if (strcmp(a, "--state-dir") == 0) {
			state_dir = v;
		} else if (strcmp(a, "--format") == 0) {
			if (strcmp(v, "json") != 0 && strcmp(v, "text") != 0) {
				cli_usage_error("runs", "--format must be text or json, not '%s'",
				                v);
				return CLI_EXIT_ERROR;
			}
			json = strcmp(v, "json") == 0;
		} else if (strcmp(a, "--keep-days") == 0) {
			if (cli_parse_keep_days("runs", v, &keep_days))
				return CLI_EXIT_ERROR;
		} else if (strcmp(a, "--wait") == 0) {
			char *end = NULL;
			long s = strtol(v, &end, 10);
			if (!*v || *end || s < 0 || s > 86400) {
				cli_usage_error(
				    "runs", "--wait takes whole seconds from 0 to 86400, not '%s'",
				    v);
				return CLI_EXIT_ERROR;
			}
			wait = (unsigned)s;
		} else {
			cli_usage_error("runs", "unknown option or argument '%s'", a);
			return CLI_EXIT_ERROR;
		}
	}
	size_t journals = 0, lines = 0, n = 0;
	if (keep_days && enf_runs_prune(state_dir, keep_days, enf_now(), wait, &journals, &lines)) {
		cli_print_last_error("--keep-days");
		return CLI_EXIT_ERROR;
	}
	if (keep_days && !json)
		cli_printf("Removed %zu journals and %zu runs older than %u days.\n", journals,
		           lines, keep_days);
	enf_run_entry *runs = NULL;
	if (enf_runs_list(&runs, &n, state_dir)) {
		cli_print_last_error(NULL);
		return CLI_EXIT_ERROR;
	}
	int rc = CLI_EXIT_OK;
	if (json)
		rc = print_json(runs, n);
	else
		print_text(runs, n);
	enf_runs_free(runs, n);
	return rc;
}
