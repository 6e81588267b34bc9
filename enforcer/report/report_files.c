/* Writing a report folder, and the event log entry. */
#include "enforcer/render.h"

#include "enforcer/errors.h"
#include "render_int.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static int write_one(const char *dir, const char *name, char *text)
{
	if (!text)
		return enf_error_oom();
	char *path = enf_asprintf("%s/%s", dir, name);
	int rc = path ? enf_write_file_atomic(path, text, strlen(text)) : enf_error_oom();
	free(path);
	free(text);
	return rc;
}

int enf_report_write_dir(const enf_report *report, const char *dir)
{
	int rc = enf_mkdir_p(dir);
	if (rc)
		return rc;
	char *json = NULL;
	size_t len = 0;
	if ((rc = enf_report_json(&json, &len, report)) ||
	    (rc = write_one(dir, "report.json", json)) ||
	    (rc = write_one(dir, "report.txt", enf_render_text(report, 0, 1))) ||
	    (rc = write_one(dir, "report.xml", enf_render_junit(report))) ||
	    (rc = write_one(dir, "report.html", enf_render_html(report))))
		return rc;
	return 0;
}

static long long count(const json_t *report, const char *status)
{
	return (long long)json_integer_value(json_object_get(json_object_get(report, "counts"), status));
}

int enf_event_for_report(enf_event *out, const enf_report *rep, const char *report_path)
{
	const json_t *report = rep->doc;
	const json_t *run = json_object_get(report, "run");
	enf_event ev = {ENF_EVENT_INFORMATION, ENF_EVENT_ID_COMPLIANT, NULL};
	if (count(report, "failed") > 0) {
		ev.type = ENF_EVENT_ERROR;
		ev.id = ENF_EVENT_ID_FAILED;
	} else if (count(report, "drift") > 0 || count(report, "audit-drift") > 0) {
		ev.type = ENF_EVENT_WARNING;
		ev.id = ENF_EVENT_ID_DRIFT;
	} else if (count(report, "changed") > 0) {
		ev.type = ENF_EVENT_WARNING;
		ev.id = ENF_EVENT_ID_CHANGED;
	}
	char *summary = enf_render_text(rep, 0, 0);
	/* The summary is the text report's last line. */
	const char *last = summary ? summary : "";
	for (const char *p = last; *p; p++)
		if (*p == '\n' && p[1])
			last = p + 1;
	ev.text = enf_asprintf("enforcer %s of policy %s on %s\n%s%s%s%s",
			       json_string_value(json_object_get(run, "mode")),
			       json_string_value(json_object_get(json_object_get(report, "policy"), "name")),
			       json_string_value(json_object_get(run, "host")), last,
			       report_path ? "Report: " : "", report_path ? report_path : "",
			       report_path ? "\n" : "");
	free(summary);
	if (!ev.text)
		return enf_error_oom();
	*out = ev;
	return 0;
}

void enf_event_clear(enf_event *ev)
{
	if (!ev)
		return;
	free(ev->text);
	ev->text = NULL;
}
