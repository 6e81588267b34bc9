/*
 * A run's report files, rendered once in memory and used from there for
 * the report folder, the signature and the audit commit; and the event log
 * entry.
 */
#include "enforcer/render.h"
#include "enforcer/report.h"

#include "enforcer/errors.h"
#include "render_int.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* report.json, .txt, .xml, .html, and the signature. */
#define REPORT_FILES_MAX 5

struct enf_report_files {
	enf_report_file items[REPORT_FILES_MAX];
	void *owned[REPORT_FILES_MAX]; /* what items[i].data points to */
	size_t count;
};

/* Adds `data` (taken in every case; NULL when it could not be made) as file `name`. */
static int add(enf_report_files *set, const char *name, void *data, size_t len)
{
	if (!data)
		return enf_error_oom();
	if (set->count == REPORT_FILES_MAX) {
		free(data);
		enf_error_set(ENF_ERRCLASS_REPORT, "too many report files for '%s'", name);
		return ENF_ELIMIT;
	}
	set->owned[set->count] = data;
	set->items[set->count] = (enf_report_file){name, data, len};
	set->count++;
	return 0;
}

static int add_text(enf_report_files *set, const char *name, char *text)
{
	return add(set, name, text, text ? strlen(text) : 0);
}

int enf_report_files_render(enf_report_files **out, const enf_report *report)
{
	enf_report_files *set = calloc(1, sizeof(*set));
	if (!set)
		return enf_error_oom();
	char *json = NULL;
	size_t json_len = 0;
	int rc = enf_report_json(&json, &json_len, report);
	if (rc == 0 && (rc = add(set, "report.json", json, json_len)) == 0 &&
	    (rc = add_text(set, "report.txt",
	                   enf_text_crlf(enf_render_text(report, 0, 1), ENF_TEXT_FILE_CRLF))) ==
	        0 &&
	    (rc = add_text(set, "report.xml", enf_render_junit(report))) == 0)
		rc = add_text(set, "report.html", enf_render_html(report));
	if (rc) {
		enf_report_files_free(set);
		return rc;
	}
	*out = set;
	return 0;
}

int enf_report_files_sign(enf_report_files *files, const enf_report_signer *signer)
{
	const enf_report_file *json = enf_report_files_find(files, "report.json");
	if (!json) {
		enf_error_set(ENF_ERRCLASS_REPORT, "no report.json was written to sign");
		return ENF_ERROR;
	}
	if (enf_report_files_find(files, ENF_REPORT_SIGNATURE_NAME)) {
		enf_error_set(ENF_ERRCLASS_REPORT, "the report files are signed already");
		return ENF_EEXISTS;
	}
	unsigned char *sig = NULL;
	size_t len = 0;
	int rc = enf_report_sign(&sig, &len, signer, json->data, json->len);
	if (rc)
		return rc;
	return add(files, ENF_REPORT_SIGNATURE_NAME, sig, len);
}

const enf_report_file *enf_report_files_items(const enf_report_files *files)
{
	return files->items;
}

size_t enf_report_files_count(const enf_report_files *files)
{
	return files->count;
}

const enf_report_file *enf_report_files_find(const enf_report_files *files, const char *name)
{
	for (size_t i = 0; i < files->count; i++)
		if (strcmp(files->items[i].name, name) == 0)
			return &files->items[i];
	return NULL;
}

int enf_report_files_write(const enf_report_files *files, const char *dir)
{
	int rc = enf_mkdir_p(dir);
	for (size_t i = 0; i < files->count && rc == 0; i++) {
		char *path = enf_asprintf("%s/%s", dir, files->items[i].name);
		rc = path ? enf_write_file_atomic(path, files->items[i].data, files->items[i].len)
		          : enf_error_oom();
		free(path);
	}
	return rc;
}

void enf_report_files_free(enf_report_files *files)
{
	if (!files)
		return;
	for (size_t i = 0; i < files->count; i++)
		free(files->owned[i]);
	free(files);
}

int enf_report_write_dir(const enf_report *report, const char *dir)
{
	enf_report_files *files = NULL;
	int rc = enf_report_files_render(&files, report);
	if (rc == 0)
		rc = enf_report_files_write(files, dir);
	enf_report_files_free(files);
	return rc;
}

static long long count(const json_t *report, const char *status)
{
	return (long long)json_integer_value(
	    json_object_get(json_object_get(report, "counts"), status));
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
	ev.text = enf_asprintf(
	    "enforcer %s of policy %s on %s\n%s%s%s%s",
	    json_string_value(json_object_get(run, "mode")),
	    json_string_value(json_object_get(json_object_get(report, "policy"), "name")),
	    json_string_value(json_object_get(run, "host")), last, report_path ? "Report: " : "",
	    report_path ? report_path : "", report_path ? "\n" : "");
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
