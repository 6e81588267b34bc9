/* enforcer report show: render a saved report.json again. */
#include "cli.h"

#include "enforcer/errors.h"
#include "enforcer/render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_report_show_usage[] =
    "usage: enforcer report show [--format text|html|junit|json] [-v] REPORT.json\n\n"
    "Renders a saved report again: text (as the console showed it; -v lists\n"
    "compliant resources too), html (the change-review page), junit or json.\n"
    "Exit status: 0, or 1 when the file is not an enforcer report.\n";

int cmd_report_show(int argc, char **argv)
{
	const char *format = "text", *path = NULL;
	int verbose = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
			format = argv[++i];
		} else if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
			verbose = 1;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			cli_usage_error("report show", "unknown option '%s'", argv[i]);
			return CLI_EXIT_ERROR;
		} else if (!path) {
			path = argv[i];
		} else {
			cli_usage_error("report show", "name one report");
			return CLI_EXIT_ERROR;
		}
	}
	if (!path) {
		cli_usage_error("report show", "name a report.json");
		return CLI_EXIT_ERROR;
	}
	if (strcmp(format, "text") && strcmp(format, "html") && strcmp(format, "junit") &&
	    strcmp(format, "json")) {
		cli_usage_error("report show",
		                "--format must be text, html, junit or json, not '%s'", format);
		return CLI_EXIT_ERROR;
	}
	enf_report *report = NULL;
	if (enf_report_load(&report, path)) {
		cli_print_last_error(NULL);
		return CLI_EXIT_ERROR;
	}
	char *out = NULL;
	size_t len = 0;
	if (!strcmp(format, "json"))
		enf_report_json(&out, &len, report); /* with its final newline, as report.json */
	else
		out = !strcmp(format, "html")    ? enf_render_html(report)
		      : !strcmp(format, "junit") ? enf_render_junit(report)
		                                 : enf_render_text(report, 0, verbose);
	enf_report_free(report);
	if (!out) {
		cli_fprintf(stderr, "enforcer: out of memory\n");
		return CLI_EXIT_ERROR;
	}
	/* JSON as JSON; the text's values were escaped as it was rendered. */
	if (!strcmp(format, "json"))
		cli_put_json(stdout, out);
	else
		fputs(out, stdout);
	free(out);
	return CLI_EXIT_OK;
}
