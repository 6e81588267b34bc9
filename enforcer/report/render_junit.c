/*
 * JUnit XML, for CI dashboards: one testsuite per policy, one testcase per
 * resource. Drift, audit drift and failures are failures; skipped and waived
 * resources are skipped; compliant and changed resources pass.
 */
#include "enforcer/render.h"

#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* XML 1.0 text: escaped, and with the control characters XML forbids dropped. */
static void xesc(enf_buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		switch (*p) {
		case '&':
			enf_buf_puts(b, "&amp;");
			break;
		case '<':
			enf_buf_puts(b, "&lt;");
			break;
		case '>':
			enf_buf_puts(b, "&gt;");
			break;
		case '"':
			enf_buf_puts(b, "&quot;");
			break;
		case '\'':
			enf_buf_puts(b, "&apos;");
			break;
		default:
			if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
				break;
			enf_buf_put(b, p, 1);
		}
	}
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static long long num(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static void details(enf_buf *b, const json_t *r)
{
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(r, "actions"), i, a)
	{
		const char *err = json_string_value(json_object_get(a, "error"));
		xesc(b, json_is_true(json_object_get(a, "done")) ? "done: " : err ? "failed: " : "planned: ");
		xesc(b, str(a, "text"));
		if (err) {
			xesc(b, " (");
			xesc(b, err);
			xesc(b, ")");
		}
		enf_buf_puts(b, "\n");
	}
	const char *msg = json_string_value(json_object_get(r, "message"));
	if (msg) {
		xesc(b, msg);
		enf_buf_puts(b, "\n");
	}
}

char *enf_render_junit(const json_t *report)
{
	enf_buf b = ENF_BUF_INIT;
	const json_t *run = json_object_get(report, "run"), *c = json_object_get(report, "counts");
	const json_t *policy = json_object_get(report, "policy");
	const json_t *src = json_object_get(policy, "source");
	const json_t *resources = json_object_get(report, "resources");
	long long failures = num(c, "drift") + num(c, "audit-drift") + num(c, "failed");
	long long skipped = num(c, "skipped") + num(c, "waived");
	enf_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"enforcer\"");
	enf_buf_printf(&b, " tests=\"%zu\" failures=\"%lld\" skipped=\"%lld\" errors=\"0\" time=\"%.3f\">\n",
		       json_array_size(resources), failures, skipped,
		       json_number_value(json_object_get(run, "duration_seconds")));
	enf_buf_puts(&b, "  <testsuite name=\"");
	xesc(&b, str(policy, "name"));
	enf_buf_printf(&b, "\" tests=\"%zu\" failures=\"%lld\" skipped=\"%lld\" errors=\"0\" time=\"%.3f\" timestamp=\"",
		       json_array_size(resources), failures, skipped,
		       json_number_value(json_object_get(run, "duration_seconds")));
	/* JUnit timestamps carry no zone suffix. */
	char ts[32] = "";
	strncpy(ts, str(run, "started"), 19);
	xesc(&b, ts);
	enf_buf_puts(&b, "\" hostname=\"");
	xesc(&b, str(run, "host"));
	enf_buf_puts(&b, "\">\n    <properties>\n");
	static const char *const run_props[] = {"id", "mode", "target", "user", "enforcer_version"};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(run_props); i++) {
		enf_buf_printf(&b, "      <property name=\"run.%s\" value=\"", run_props[i]);
		xesc(&b, str(run, run_props[i]));
		enf_buf_puts(&b, "\"/>\n");
	}
	static const char *const src_props[] = {"file", "sha256", "repo", "ref", "commit", "signature", "signer"};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(src_props); i++) {
		if (!json_is_string(json_object_get(src, src_props[i])))
			continue;
		enf_buf_printf(&b, "      <property name=\"policy.%s\" value=\"", src_props[i]);
		xesc(&b, str(src, src_props[i]));
		enf_buf_puts(&b, "\"/>\n");
	}
	enf_buf_puts(&b, "    </properties>\n");
	size_t i;
	json_t *r;
	json_array_foreach(resources, i, r)
	{
		const char *status = str(r, "status");
		enf_buf_puts(&b, "    <testcase classname=\"");
		xesc(&b, str(policy, "name"));
		enf_buf_puts(&b, ".");
		xesc(&b, str(r, "type"));
		enf_buf_puts(&b, "\" name=\"");
		xesc(&b, str(r, "id"));
		enf_buf_printf(&b, "\" time=\"%.3f\"", json_number_value(json_object_get(r, "seconds")));
		int fail = !strcmp(status, "drift") || !strcmp(status, "audit-drift") || !strcmp(status, "failed");
		int skip = !strcmp(status, "skipped") || !strcmp(status, "waived");
		if (!fail && !skip && !json_array_size(json_object_get(r, "actions"))) {
			enf_buf_puts(&b, "/>\n");
			continue;
		}
		enf_buf_puts(&b, ">\n");
		const char *msg = json_string_value(json_object_get(r, "message"));
		if (fail || skip) {
			enf_buf_printf(&b, "      <%s", fail ? "failure" : "skipped");
			enf_buf_puts(&b, " message=\"");
			const json_t *first = json_array_get(json_object_get(r, "actions"), 0);
			xesc(&b, msg ? msg : status);
			if (!msg && first) {
				xesc(&b, ": ");
				xesc(&b, str(first, "text"));
			}
			if (fail) {
				enf_buf_puts(&b, "\" type=\"");
				xesc(&b, status);
				enf_buf_puts(&b, "\">");
				details(&b, r);
				enf_buf_puts(&b, "</failure>\n");
			} else {
				enf_buf_puts(&b, "\"/>\n");
			}
		}
		if (!fail && json_array_size(json_object_get(r, "actions"))) {
			enf_buf_puts(&b, "      <system-out>");
			details(&b, r);
			enf_buf_puts(&b, "</system-out>\n");
		}
		enf_buf_puts(&b, "    </testcase>\n");
	}
	enf_buf_puts(&b, "  </testsuite>\n</testsuites>\n");
	return enf_buf_detach(&b);
}
