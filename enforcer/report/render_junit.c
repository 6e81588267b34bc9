/*
 * JUnit XML, for CI dashboards: one testsuite per policy, one testcase per
 * resource. Drift, audit drift and failures are failures; skipped and waived
 * resources are skipped; compliant and changed resources pass.
 */
#include "enforcer/render.h"

#include "render_int.h"

#include <stdlib.h>
#include <string.h>

/* XML 1.0 text: escaped, control characters as visible escapes (enf_rj_escape). */
static void details(enf_buf *b, const json_t *r)
{
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(r, "actions"), i, a)
	{
		const char *err = json_string_value(json_object_get(a, "error"));
		enf_rj_escape(b, json_is_true(json_object_get(a, "done")) ? "done: "
		                 : err                                    ? "failed: "
		                                                          : "planned: ");
		enf_rj_escape(b, enf_rj_str(a, "text"));
		if (err) {
			enf_rj_escape(b, " (");
			enf_rj_escape(b, err);
			enf_rj_escape(b, ")");
		}
		enf_buf_puts(b, "\n");
	}
	const char *msg = json_string_value(json_object_get(r, "message"));
	if (msg) {
		enf_rj_escape(b, msg);
		enf_buf_puts(b, "\n");
	}
}

char *enf_render_junit(const enf_report *rep)
{
	const json_t *report = rep->doc;
	enf_buf b = ENF_BUF_INIT;
	const json_t *run = json_object_get(report, "run"), *c = json_object_get(report, "counts");
	const json_t *policy = json_object_get(report, "policy");
	const json_t *src = json_object_get(policy, "source");
	const json_t *resources = json_object_get(report, "resources");
	long long failures =
	    enf_rj_num(c, "drift") + enf_rj_num(c, "audit-drift") + enf_rj_num(c, "failed");
	long long skipped = enf_rj_num(c, "skipped") + enf_rj_num(c, "waived");
	enf_buf_puts(&b,
	             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"enforcer\"");
	enf_buf_printf(
	    &b, " tests=\"%zu\" failures=\"%lld\" skipped=\"%lld\" errors=\"0\" time=\"%.3f\">\n",
	    json_array_size(resources), failures, skipped,
	    json_number_value(json_object_get(run, "duration_seconds")));
	enf_buf_puts(&b, "  <testsuite name=\"");
	enf_rj_escape(&b, enf_rj_str(policy, "name"));
	enf_buf_printf(
	    &b,
	    "\" tests=\"%zu\" failures=\"%lld\" skipped=\"%lld\" errors=\"0\" time=\"%.3f\" timestamp=\"",
	    json_array_size(resources), failures, skipped,
	    json_number_value(json_object_get(run, "duration_seconds")));
	/* JUnit timestamps carry no zone suffix. */
	char ts[32] = "";
	strncpy(ts, enf_rj_str(run, "started"), 19);
	enf_rj_escape(&b, ts);
	enf_buf_puts(&b, "\" hostname=\"");
	enf_rj_escape(&b, enf_rj_str(run, "host"));
	enf_buf_puts(&b, "\">\n    <properties>\n");
	static const char *const run_props[] = {"id", "mode", "target", "user", "enforcer_version"};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(run_props); i++) {
		enf_buf_printf(&b, "      <property name=\"run.%s\" value=\"", run_props[i]);
		enf_rj_escape(&b, enf_rj_str(run, run_props[i]));
		enf_buf_puts(&b, "\"/>\n");
	}
	static const char *const src_props[] = {"file",   "sha256",    "repo",  "ref",
	                                        "commit", "signature", "signer"};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(src_props); i++) {
		if (!json_is_string(json_object_get(src, src_props[i])))
			continue;
		enf_buf_printf(&b, "      <property name=\"policy.%s\" value=\"", src_props[i]);
		enf_rj_escape(&b, enf_rj_str(src, src_props[i]));
		enf_buf_puts(&b, "\"/>\n");
	}
	/* A downgrade that --allow-downgrade let through (report.json's run.downgrade). */
	const char *downgrade = enf_rj_str(json_object_get(run, "downgrade"), "message");
	if (*downgrade) {
		enf_buf_puts(&b, "      <property name=\"run.downgrade\" value=\"");
		enf_rj_escape(&b, downgrade);
		enf_buf_puts(&b, "\"/>\n");
	}
	enf_buf_puts(&b, "    </properties>\n");
	size_t i;
	json_t *r;
	json_array_foreach(resources, i, r)
	{
		const char *status = enf_rj_str(r, "status");
		enf_buf_puts(&b, "    <testcase classname=\"");
		enf_rj_escape(&b, enf_rj_str(policy, "name"));
		enf_buf_puts(&b, ".");
		enf_rj_escape(&b, enf_rj_str(r, "type"));
		enf_buf_puts(&b, "\" name=\"");
		enf_rj_escape(&b, enf_rj_str(r, "id"));
		enf_buf_printf(&b, "\" time=\"%.3f\"",
		               json_number_value(json_object_get(r, "seconds")));
		int fail = !strcmp(status, "drift") || !strcmp(status, "audit-drift") ||
		           !strcmp(status, "failed");
		int skip = !strcmp(status, "skipped") || !strcmp(status, "waived");
		int warn = json_is_true(json_object_get(r, "warning"));
		if (!fail && !skip && !warn && !json_array_size(json_object_get(r, "actions"))) {
			enf_buf_puts(&b, "/>\n");
			continue;
		}
		enf_buf_puts(&b, ">\n");
		const char *msg = json_string_value(json_object_get(r, "message"));
		if (fail || skip) {
			enf_buf_printf(&b, "      <%s", fail ? "failure" : "skipped");
			enf_buf_puts(&b, " message=\"");
			const json_t *first = json_array_get(json_object_get(r, "actions"), 0);
			enf_rj_escape(&b, msg ? msg : status);
			if (!msg && first) {
				enf_rj_escape(&b, ": ");
				enf_rj_escape(&b, enf_rj_str(first, "text"));
			}
			if (fail) {
				enf_buf_puts(&b, "\" type=\"");
				enf_rj_escape(&b, status);
				enf_buf_puts(&b, "\">");
				details(&b, r);
				enf_buf_puts(&b, "</failure>\n");
			} else {
				enf_buf_puts(&b, "\"/>\n");
			}
		}
		/* A warning (warn-days) passes, and is shown as the test's output. */
		if (!fail && (warn || json_array_size(json_object_get(r, "actions")))) {
			enf_buf_puts(&b, "      <system-out>");
			details(&b, r);
			enf_buf_puts(&b, "</system-out>\n");
		}
		enf_buf_puts(&b, "    </testcase>\n");
	}
	enf_buf_puts(&b, "  </testsuite>\n</testsuites>\n");
	return enf_buf_detach(&b);
}
