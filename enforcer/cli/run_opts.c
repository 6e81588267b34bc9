/* Shared options and output for plan, apply and rollback. */
#include "cli.h"
#include "run_opts.h"

#include "enforcer/errors.h"
#include "enforcer/render.h"
#include "enforcer/runs.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_seconds(const char *s, unsigned *out)
{
	char *end = NULL;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < 0 || v > 86400)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int cli_parse_run_opts(cli_run_opts *o, const char *cmd, int argc, char **argv,
                       const char *const *extra)
{
	const char *color = "auto";
	memset(o, 0, sizeof(*o));
	o->target = "local";
	o->args = calloc((size_t)argc + 1, sizeof(char *));
	if (!o->args)
		return 1;
	int i = 1, taken;
	for (; i < argc; i++) {
		const char *a = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;
		int is_extra = 0;
		for (const char *const *x = extra; x && *x; x++)
			is_extra |= strcmp(a, *x) == 0;
		if (is_extra && strcmp(a, "--dry-run") == 0) {
			o->dry_run = 1;
		} else if (is_extra && strcmp(a, "--defer-restarts") == 0) {
			o->defer_restarts = 1;
		} else if (is_extra && strcmp(a, "--pending") == 0) {
			o->pending = 1;
		} else if (strcmp(a, "--") == 0) {
			for (i++; i < argc; i++)
				o->args[o->nargs++] = argv[i];
			break;
		} else if (a[0] != '-' || !a[1]) {
			o->args[o->nargs++] = argv[i];
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			o->quiet = 1;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			o->verbose = 1;
		} else if (!next &&
		           (strcmp(a, "--target") == 0 || strcmp(a, "--state-dir") == 0 ||
		            strcmp(a, "--report-dir") == 0 || strcmp(a, "--format") == 0 ||
		            strcmp(a, "--wait") == 0 || strcmp(a, "--color") == 0 ||
		            strcmp(a, "--service-timeout") == 0 || strcmp(a, "--exit-codes") == 0 ||
		            strcmp(a, "--keep-days") == 0)) {
			cli_usage_error(cmd, "%s needs a value", a);
			return 1;
		} else if (strcmp(a, "--target") == 0) {
			o->target = argv[++i];
		} else if (strcmp(a, "--state-dir") == 0) {
			o->state_dir = argv[++i];
		} else if (strcmp(a, "--report-dir") == 0) {
			o->report_dir = argv[++i];
		} else if (strcmp(a, "--format") == 0) {
			const char *f = argv[++i];
			if (strcmp(f, "json") != 0 && strcmp(f, "text") != 0) {
				cli_usage_error(cmd, "--format must be text or json, not '%s'", f);
				return 1;
			}
			o->json = strcmp(f, "json") == 0;
		} else if (strcmp(a, "--wait") == 0) {
			if (parse_seconds(argv[++i], &o->wait_seconds)) {
				cli_usage_error(
				    cmd, "--wait takes whole seconds from 0 to 86400, not '%s'",
				    argv[i]);
				return 1;
			}
		} else if (strcmp(a, "--service-timeout") == 0) {
			/* The ceiling of every service wait without a timeout: of its own. */
			if (enf_duration_parse(&o->service_timeout_ms, argv[++i])) {
				cli_usage_error(
				    cmd,
				    "--service-timeout takes a duration from 1 second to 24 hours (600, 90s, 10m, 1h), not '%s'",
				    argv[i]);
				return 1;
			}
		} else if (strcmp(a, "--exit-codes") == 0) {
			const char *v = argv[++i];
			if (strcmp(v, "detailed") != 0 && strcmp(v, "simple") != 0) {
				cli_usage_error(
				    cmd, "--exit-codes must be detailed or simple, not '%s'", v);
				return 1;
			}
			o->simple_exit = strcmp(v, "simple") == 0;
		} else if (strcmp(a, "--keep-days") == 0) {
			if (cli_parse_keep_days(cmd, argv[++i], &o->keep_days))
				return 1;
			/* A plan writes nothing in the state folder, so it prunes nothing either.
			 */
			if (strcmp(cmd, "plan") == 0) {
				cli_usage_error(cmd, "--keep-days is for apply and rollback, which "
				                     "write the state folder");
				return 1;
			}
		} else if (strcmp(a, "--color") == 0) {
			color = argv[++i];
			if (strcmp(color, "auto") && strcmp(color, "always") &&
			    strcmp(color, "never")) {
				cli_usage_error(
				    cmd, "--color must be auto, always or never, not '%s'", color);
				return 1;
			}
		} else if ((taken = cli_parse_run_extra(o, cmd, argc, argv, &i)) != 0) {
			if (taken < 0) /* issue 6 options: run_report.c */
				return 1;
		} else {
			cli_usage_error(cmd, "unknown option '%s'", a);
			return 1;
		}
	}
	if (cli_check_run_extra(o, cmd))
		return 1;
	o->color = strcmp(color, "always") == 0 ||
	           (strcmp(color, "auto") == 0 && enf_isatty_stdout() && !getenv("NO_COLOR"));
	return 0;
}

void cli_progress(void *ctx, const enf_run *run, const enf_result *result)
{
	cli_run_opts *o = ctx;
	size_t done = ++o->progress_done;
	if (o->json)
		return;
	if (o->verbose) {
		cli_fprintf(stderr, "[%zu/%zu] %s %s\n", done, run->count, result->id,
		            enf_outcome_name(result->outcome));
		return;
	}
	/* A run that takes more than a second shows where it is, on a terminal only. */
	if (o->quiet || !enf_isatty_stderr() || enf_now() - run->started < 1.0)
		return;
	cli_fprintf(stderr, "\r[%zu/%zu] %-60.60s", done, run->count, result->id);
	fflush(stderr);
	o->progress_shown = 1;
}

int cli_parse_keep_days(const char *cmd, const char *value, unsigned *out)
{
	char *end = NULL;
	long v = strtol(value, &end, 10);
	if (!*value || *end || v < 1 || v > 36500) {
		cli_usage_error(cmd, "--keep-days takes whole days from 1 to 36500, not '%s'",
		                value);
		return 1;
	}
	*out = (unsigned)v;
	return 0;
}

/*
 * Puppet's detailed codes (2 changed, 4 failed, 6 both) are what schedulers
 * that can map them want; Task Scheduler shows 2 as "(0x2)", which reads as
 * "file not found". --exit-codes simple: 0 unless something failed.
 */
static int exit_code_for(const cli_run_opts *o, int code)
{
	if (!o->simple_exit)
		return code;
	return (code & CLI_EXIT_FAILURES) ? CLI_EXIT_ERROR : CLI_EXIT_OK;
}

/* --keep-days: after the run, under the lock again; a failure fails the run. */
static int prune_runs(const cli_run_opts *o, const enf_run *run)
{
	if (!o->keep_days || run->dry_run || run->mode == ENF_RUN_PLAN)
		return 0;
	size_t journals = 0, lines = 0;
	if (enf_runs_prune(o->state_dir, o->keep_days, enf_now(), o->wait_seconds, &journals,
	                   &lines)) {
		cli_print_last_error("--keep-days: the old runs were not pruned");
		return CLI_EXIT_FAILURES;
	}
	if (o->verbose && !o->json)
		cli_fprintf(stderr, "pruned %zu journals and %zu runs older than %u days\n",
		            journals, lines, o->keep_days);
	return 0;
}

/*
 * -v printed "changed" for each change as it was made; a target that writes
 * them later (a snapshot) then failed to: the lines above must not stand.
 */
static void show_unwritten(const enf_run *run)
{
	size_t n = 0;
	for (size_t i = 0; i < run->count; i++)
		n += run->results[i].unwritten != 0;
	if (n == 0)
		return;
	cli_fprintf(stderr,
	            "not written: %s could not be saved (%s): these %zu changes reported "
	            "above were not made, and are failed:\n",
	            run->target, run->write_error ? run->write_error : "?", n);
	for (size_t i = 0; i < run->count; i++)
		if (run->results[i].unwritten)
			cli_fprintf(stderr, "  %s\n", run->results[i].id);
}

int cli_finish_run(const cli_run_opts *o, const enf_run *run)
{
	return exit_code_for(o, cli_show_run(o, run) | prune_runs(o, run));
}

int cli_show_run(const cli_run_opts *o, const enf_run *run)
{
	int code = enf_run_exit_code(run);
	/*
	 * A quiet run that found nothing and writes no report shows nothing: the
	 * event log entry is all that is left, and it says only the run and its
	 * counts. Its report is then made without the resources, which for a
	 * policy of thousands of resources was most of the run's memory and a
	 * tenth of its time.
	 */
	enf_run summary = *run;
	if (o->quiet && code == 0 && !o->json && !o->report_dir && !o->signer && !o->audit)
		summary.count = 0;
	enf_report *report = NULL;
	if (enf_report_from_run(&report, &summary)) {
		cli_fprintf(stderr, "enforcer: out of memory while writing the report\n");
		return code | CLI_EXIT_FAILURES;
	}
	if (o->progress_shown)
		fputs("\r\033[K", stderr); /* erase the progress line */
	if (o->verbose && !o->json)
		show_unwritten(run);
	if (o->json) {
		char *json = NULL;
		size_t len = 0;
		if (enf_report_json(&json, &len, report) == 0)
			cli_put_json(stdout, json);
		free(json);
	} else if (!o->quiet || (code & CLI_EXIT_FAILURES) || code == CLI_EXIT_ERROR) {
		/* -q: silent on success (compliant, drift found, changes applied). */
		char *text = enf_render_text(report, o->color, o->verbose);
		fputs(text ? text : "", stdout);
		free(text);
	}
	fflush(stdout);
	char *report_path = o->report_dir ? enf_asprintf("%s/report.json", o->report_dir) : NULL;
	/* The run happened: keep its code, and mark a missing report as a failure. */
	if (cli_write_reports(o, report, run)) /* with signature and audit commit: run_report.c */
		code |= CLI_EXIT_FAILURES;
	/* The machine's own log hears about runs on the machine, not on snapshots. */
	enf_event ev;
	if (strcmp(o->target, "local") == 0 &&
	    enf_event_for_report(&ev, report, report_path) == 0) {
		if (enf_event_write(&ev))
			cli_print_last_error("warning: no event log entry was written");
		enf_event_clear(&ev);
	}
	free(report_path);
	enf_report_free(report);
	return code;
}
