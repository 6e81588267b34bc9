/*
 * Report renderers. Every format is rendered from the canonical JSON report
 * (enf_run_to_json, schema enforcer-report/1), so a saved report.json can be
 * shown again in any format ("enforcer report show") and every format says
 * the same thing.
 */
#ifndef ENFORCER_RENDER_H
#define ENFORCER_RENDER_H

#include "common.h"

#include <jansson.h>

/*
 * Text, as the console shows it: one line per resource that is not
 * compliant (every resource with `verbose`) and a summary line. ANSI colour
 * only with `color`. Returns a malloc'd string, or NULL with no memory.
 */
char *enf_render_text(const json_t *report, int color, int verbose);

/* One self-contained HTML page for change review (no scripts, no external files). */
char *enf_render_html(const json_t *report);

/* JUnit XML: one testsuite per policy, one testcase per resource. */
char *enf_render_junit(const json_t *report);

/*
 * Writes report.json, report.txt, report.xml and report.html into `dir`
 * (created if needed), each atomically. On failure the last error names the
 * file.
 */
int enf_report_write_dir(const json_t *report, const char *dir);

/* Reads a saved report.json and checks its schema tag. */
int enf_report_load(json_t **out, const char *path);

/* The Windows Application event log entry for a run (docs/eventlog.md). */
typedef enum enf_event_type {
	ENF_EVENT_INFORMATION = 0,
	ENF_EVENT_WARNING,
	ENF_EVENT_ERROR
} enf_event_type;

#define ENF_EVENT_ID_COMPLIANT 1000
#define ENF_EVENT_ID_DRIFT 1001
#define ENF_EVENT_ID_CHANGED 1002
#define ENF_EVENT_ID_FAILED 1003

typedef struct enf_event {
	enf_event_type type;
	unsigned id;
	char *text;
} enf_event;

/* The entry for a report: type and ID from its counts, text with the counts and path. */
int enf_event_for_report(enf_event *out, const json_t *report, const char *report_path);
void enf_event_clear(enf_event *ev);

/*
 * Writes the entry to the Application log under the source "enforcer"
 * (Windows build); the Linux build has no event log and returns 0.
 */
int enf_event_write(const enf_event *ev);

#endif
