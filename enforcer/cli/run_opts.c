/* Shared options and output for plan, apply and rollback. */
#include "cli.h"
#include "run_opts.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <io.h>
#define isatty _isatty
#define fileno _fileno
#else
#include <unistd.h>
#endif

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
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;
		int is_extra = 0;
		for (const char *const *x = extra; x && *x; x++)
			is_extra |= strcmp(a, *x) == 0;
		if (is_extra && strcmp(a, "--dry-run") == 0) {
			o->dry_run = 1;
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
		} else if (!next && (strcmp(a, "--target") == 0 || strcmp(a, "--state-dir") == 0 ||
				     strcmp(a, "--report-dir") == 0 || strcmp(a, "--format") == 0 ||
				     strcmp(a, "--wait") == 0 || strcmp(a, "--color") == 0)) {
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
				cli_usage_error(cmd, "--wait takes whole seconds from 0 to 86400, not '%s'", argv[i]);
				return 1;
			}
		} else if (strcmp(a, "--color") == 0) {
			color = argv[++i];
			if (strcmp(color, "auto") && strcmp(color, "always") && strcmp(color, "never")) {
				cli_usage_error(cmd, "--color must be auto, always or never, not '%s'", color);
				return 1;
			}
		} else {
			cli_usage_error(cmd, "unknown option '%s'", a);
			return 1;
		}
	}
	o->color = strcmp(color, "always") == 0 ||
		   (strcmp(color, "auto") == 0 && isatty(fileno(stdout)) && !getenv("NO_COLOR"));
	return 0;
}

static const char *status_color(enf_outcome o)
{
	switch (o) {
	case ENF_OUTCOME_DRIFT:
	case ENF_OUTCOME_AUDIT_DRIFT:
		return "\033[33m";
	case ENF_OUTCOME_CHANGED:
		return "\033[32m";
	case ENF_OUTCOME_FAILED:
		return "\033[31m";
	default:
		return "\033[36m";
	}
}

static void result_line(enf_buf *b, const enf_result *r, int color)
{
	const char *name = enf_outcome_name(r->outcome);
	if (color)
		enf_buf_printf(b, "%s%-11s\033[0m %s", status_color(r->outcome), name, r->id);
	else
		enf_buf_printf(b, "%-11s %s", name, r->id);
	const char *sep = ": ";
	for (size_t i = 0; i < r->action_count; i++) {
		const enf_action *a = &r->actions[i];
		enf_buf_printf(b, "%s%s%s", sep, a->text, a->error ? " (failed)" : "");
		sep = "; ";
	}
	if (r->message && (r->outcome != ENF_OUTCOME_DRIFT && r->outcome != ENF_OUTCOME_CHANGED))
		enf_buf_printf(b, "%s%s", r->action_count ? " -- " : sep, r->message);
	enf_buf_puts(b, "\n");
}

char *cli_run_text(const enf_run *run, int color, int verbose)
{
	enf_buf b = ENF_BUF_INIT;
	for (size_t i = 0; i < run->count; i++) {
		const enf_result *r = &run->results[i];
		if (r->outcome != ENF_OUTCOME_COMPLIANT || verbose)
			result_line(&b, r, color);
	}
	const size_t *c = run->counts;
	if (run->mode == ENF_RUN_PLAN || run->dry_run)
		enf_buf_printf(&b, "%s: %zu to change, %zu failed, %zu compliant",
			       run->dry_run ? "Apply (dry run)" : "Plan", c[ENF_OUTCOME_DRIFT],
			       c[ENF_OUTCOME_FAILED], c[ENF_OUTCOME_COMPLIANT]);
	else
		enf_buf_printf(&b, "%s: %zu changed, %zu failed, %zu compliant",
			       run->mode == ENF_RUN_ROLLBACK ? "Rollback" : "Apply",
			       c[ENF_OUTCOME_CHANGED], c[ENF_OUTCOME_FAILED], c[ENF_OUTCOME_COMPLIANT]);
	enf_buf_printf(&b, ", %zu skipped, %zu waived, %zu audit drift; run %s, exit %d%s\n",
		       c[ENF_OUTCOME_SKIPPED], c[ENF_OUTCOME_WAIVED], c[ENF_OUTCOME_AUDIT_DRIFT],
		       run->run_id, enf_run_exit_code(run),
		       run->reboot_pending ? "; REBOOT PENDING" : "");
	return enf_buf_detach(&b);
}

void cli_progress(void *ctx, const enf_run *run, const enf_result *result)
{
	const cli_run_opts *o = ctx;
	/* Progress for long runs goes to stderr on a terminal only. */
	if (!o->verbose || o->json)
		return;
	fprintf(stderr, "[%zu] %s %s\n", (size_t)(result - run->results) + 1, result->id,
		enf_outcome_name(result->outcome));
}

static int write_text_file(const char *dir, const char *name, const char *text)
{
	char *path = enf_asprintf("%s/%s", dir, name);
	int rc = path ? enf_write_file_atomic(path, text, strlen(text)) : enf_error_oom();
	free(path);
	return rc;
}

static int write_reports(const cli_run_opts *o, const enf_run *run)
{
	if (enf_mkdir_p(o->report_dir))
		return -1;
	json_t *doc = enf_run_to_json(run);
	char *json = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_ENSURE_ASCII) : NULL;
	json_decref(doc);
	char *json_nl = json ? enf_asprintf("%s\n", json) : NULL;
	char *text = cli_run_text(run, 0, 1);
	int rc = json_nl && text ? 0 : enf_error_oom();
	if (rc == 0)
		rc = write_text_file(o->report_dir, "report.json", json_nl);
	if (rc == 0)
		rc = write_text_file(o->report_dir, "report.txt", text);
	free(json);
	free(json_nl);
	free(text);
	return rc;
}

int cli_finish_run(const cli_run_opts *o, const enf_run *run)
{
	if (o->json) {
		json_t *doc = enf_run_to_json(run);
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		putchar('\n');
		json_decref(doc);
	} else if (!o->quiet || enf_run_exit_code(run) != 0) {
		char *text = cli_run_text(run, o->color, o->verbose);
		fputs(text ? text : "", stdout);
		free(text);
	}
	fflush(stdout);
	if (o->report_dir && write_reports(o, run)) {
		/* The run happened: keep its code, and mark the missing report as a failure. */
		cli_print_last_error("cannot write the reports");
		return enf_run_exit_code(run) | CLI_EXIT_FAILURES;
	}
	return enf_run_exit_code(run);
}
