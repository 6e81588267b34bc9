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

/*
 * The reason of a resource skipped because a `when:` does not hold (the
 * policy's or its own), or NULL. Those are what a baseline for another role
 * or release skips by the dozen.
 */
static const char *when_reason(const json_t *r)
{
	const char *message = json_string_value(json_object_get(r, "message"));
	if (strcmp(enf_rj_str(r, "status"), "skipped") != 0 || !message)
		return NULL;
	return strncmp(message, "the policy does not apply here: ", 32) == 0 ||
	               strncmp(message, "condition not met: ", 19) == 0
	           ? message
	           : NULL;
}

/*
 * Without -v, resources skipped for the same `when:` reason are one line,
 * where the first of them is: "skipped     68 resources: the policy does not
 * apply here: ... (-v lists them)". The report files list each one. The
 * groups are counted first, in a hash table: a policy of 10 000 resources
 * may have as many reasons.
 */
static void resource_lines(enf_buf *b, const json_t *resources, int color, int verbose)
{
	json_t *groups = verbose ? NULL : json_object();
	size_t i;
	json_t *r;
	json_array_foreach(resources, i, r)
	{
		const char *reason = groups ? when_reason(r) : NULL;
		json_t *n = reason ? json_object_get(groups, reason) : NULL;
		if (n)
			json_integer_set(n, json_integer_value(n) + 1);
		else if (reason && json_object_set_new_nocheck(groups, reason, json_integer(1)))
			b->failed = 1;
	}
	json_array_foreach(resources, i, r)
	{
		const char *reason = groups ? when_reason(r) : NULL;
		json_t *n = reason ? json_object_get(groups, reason) : NULL;
		json_int_t count = n ? json_integer_value(n) : 1;
		if (count == 0)
			continue; /* said on its group's line */
		if (count > 1) {
			if (color)
				enf_buf_printf(b, "%s%-11s\033[0m", status_color("skipped"),
				               "skipped");
			else
				enf_buf_printf(b, "%-11s", "skipped");
			enf_buf_printf(b, " %lld resources: %s (-v lists them)\n", (long long)count,
			               reason);
			json_integer_set(n, 0);
			continue;
		}
		if (verbose || strcmp(enf_rj_str(r, "status"), "compliant") != 0 ||
		    json_is_true(json_object_get(r, "warning")))
			resource_line(b, r, color);
	}
	json_decref(groups);
}

char *enf_render_text(const enf_report *rep, int color, int verbose)
{
	const json_t *report = rep->doc;
	enf_buf b = ENF_BUF_INIT;
	const json_t *run = json_object_get(report, "run");
	resource_lines(&b, json_object_get(report, "resources"), color, verbose);
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
	const char *downgrade = enf_rj_str(json_object_get(run, "downgrade"), "message");
	if (*downgrade)
		enf_buf_printf(&b, "DOWNGRADE %s\n", downgrade);
	if (json_integer_value(json_object_get(run, "restarts_deferred")) > 0)
		enf_buf_printf(
		    &b,
		    "%lld restart(s) deferred: run 'enforcer restart --pending' when "
		    "the pool can spare this server\n",
		    (long long)json_integer_value(json_object_get(run, "restarts_deferred")));
	return enf_buf_detach(&b);
}
