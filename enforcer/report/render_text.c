/* The text report: what the console shows. */
#include "enforcer/render.h"

#include "enforcer/errors.h"
#include "render_int.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static size_t count(const json_t *report, const char *status)
{
	return (size_t)json_integer_value(
	    json_object_get(json_object_get(report, "counts"), status));
}

static const char *status_color(const char *status)
{
	if (strcmp(status, "drift") == 0 || strcmp(status, "audit-drift") == 0 ||
	    strcmp(status, "warning") == 0)
		return "\033[33m";
	if (strcmp(status, "changed") == 0)
		return "\033[32m";
	if (strcmp(status, "failed") == 0)
		return "\033[31m";
	return "\033[36m";
}

/* A value from the report: control characters and the like escaped (util/shown.c). */
static void put_value(enf_buf *b, const char *prefix, const char *value)
{
	enf_buf_puts(b, prefix);
	if (value)
		enf_buf_put_shown(b, value, strlen(value), 0);
}

static void resource_line(enf_buf *b, const json_t *r, int color)
{
	const char *status = enf_rj_str(r, "status");
	/* A compliant resource is shown only for its warning, and labelled by it. */
	if (strcmp(status, "compliant") == 0 && json_is_true(json_object_get(r, "warning")))
		status = "warning";
	if (color)
		enf_buf_printf(b, "%s%-11s\033[0m", status_color(status), status);
	else
		enf_buf_printf(b, "%-11s", status);
	put_value(b, " ", enf_rj_str(r, "id"));
	const char *sep = ": ";
	size_t i;
	json_t *a;
	json_t *actions = json_object_get(r, "actions");
	json_array_foreach(actions, i, a)
	{
		put_value(b, sep, enf_rj_str(a, "text"));
		if (json_is_string(json_object_get(a, "error")))
			enf_buf_puts(b, " (failed)");
		sep = "; ";
	}
	/* The reason, the notifier, or findings found beside the changes. */
	const char *message = json_string_value(json_object_get(r, "message"));
	if (message)
		put_value(b, json_array_size(actions) ? " -- " : sep, message);
	enf_buf_puts(b, "\n");
}

char *enf_render_text(const enf_report *rep, int color, int verbose)
{
	const json_t *report = rep->doc;
	enf_buf b = ENF_BUF_INIT;
	const json_t *run = json_object_get(report, "run");
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(report, "resources"), i, r)
	{
		if (verbose || strcmp(enf_rj_str(r, "status"), "compliant") != 0 ||
		    json_is_true(json_object_get(r, "warning")))
			resource_line(&b, r, color);
	}
	const char *mode = enf_rj_str(run, "mode");
	int dry = json_is_true(json_object_get(run, "dry_run"));
	if (strcmp(mode, "plan") == 0 || dry)
		enf_buf_printf(&b, "%s: %zu to change, %zu failed, %zu compliant",
		               dry ? "Apply (dry run)" : "Plan", count(report, "drift"),
		               count(report, "failed"), count(report, "compliant"));
	else
		enf_buf_printf(&b, "%s: %zu changed, %zu failed, %zu compliant",
		               strcmp(mode, "rollback") == 0  ? "Rollback"
		               : strcmp(mode, "restart") == 0 ? "Restart"
		                                              : "Apply",
		               count(report, "changed"), count(report, "failed"),
		               count(report, "compliant"));
	enf_buf_printf(&b, ", %zu skipped, %zu waived, %zu audit drift", count(report, "skipped"),
	               count(report, "waived"), count(report, "audit-drift"));
	/* The run id of a report read back from disk is a value like any other. */
	put_value(&b, "; run ", enf_rj_str(run, "id"));
	enf_buf_printf(
	    &b, ", exit %lld%s\n", (long long)json_integer_value(json_object_get(run, "exit_code")),
	    json_is_true(json_object_get(run, "reboot_pending")) ? "; REBOOT PENDING" : "");
	if (json_integer_value(json_object_get(run, "restarts_deferred")) > 0)
		enf_buf_printf(
		    &b,
		    "%lld restart(s) deferred: run 'enforcer restart --pending' when "
		    "the pool can spare this server\n",
		    (long long)json_integer_value(json_object_get(run, "restarts_deferred")));
	return enf_buf_detach(&b);
}
