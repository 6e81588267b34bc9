/*
 * A run's report and its renderers. Every format is rendered from the
 * canonical JSON report (schema enforcer-report/1), so a saved report.json
 * can be shown again in any format ("enforcer report show") and every
 * format says the same thing.
 */
#ifndef ENFORCER_RENDER_H
#define ENFORCER_RENDER_H

#include "common.h"

struct enf_run;

/* One run's report (opaque): made from a run or read from a report.json. */
typedef struct enf_report enf_report;

/* The report of a finished run. */
int enf_report_from_run(enf_report **out, const struct enf_run *run);

/* Reads a saved report.json and checks its schema tag. */
int enf_report_load(enf_report **out, const char *path);

/*
 * The same from `len` bytes of JSON; `name` (a path) names them in the
 * last error.
 */
int enf_report_parse(enf_report **out, const char *data, size_t len, const char *name);

/*
 * The canonical JSON text, byte for byte what report.json holds: indented
 * by two spaces, ASCII only (other characters escaped), ending in a
 * newline. *out is NUL-terminated; free() it.
 */
int enf_report_json(char **out, size_t *out_len, const enf_report *report);

void enf_report_free(enf_report *report);

/*
 * Text, as the console shows it: one line per resource that is not
 * compliant (every resource with `verbose`) and a summary line. ANSI colour
 * only with `color`. Returns a malloc'd string, or NULL with no memory.
 */
char *enf_render_text(const enf_report *report, int color, int verbose);

/* One self-contained HTML page for change review (no scripts, no external files). */
char *enf_render_html(const enf_report *report);

/* JUnit XML: one testsuite per policy, one testcase per resource. */
char *enf_render_junit(const enf_report *report);

/*
 * Writes report.json, report.txt, report.xml and report.html into `dir`
 * (created if needed), each atomically. On failure the last error names the
 * file. To sign the files or commit them too, render them once with
 * enf_report_files_render (report.h) and use those bytes for everything.
 */
int enf_report_write_dir(const enf_report *report, const char *dir);

/* The Windows Application event log entry for a run (docs/eventlog.md). */
typedef enum enf_event_type {
	ENF_EVENT_INFORMATION = 0,
	ENF_EVENT_WARNING,
	ENF_EVENT_ERROR
} enf_event_type;

#define ENF_EVENT_ID_COMPLIANT 1000
#define ENF_EVENT_ID_DRIFT     1001
#define ENF_EVENT_ID_CHANGED   1002
#define ENF_EVENT_ID_FAILED    1003

typedef struct enf_event {
	enf_event_type type;
	unsigned id;
	char *text;
} enf_event;

/* The entry for a report: type and ID from its counts, text with the counts and path. */
int enf_event_for_report(enf_event *out, const enf_report *report, const char *report_path);
void enf_event_clear(enf_event *ev);

/*
 * Writes the entry to the Application log under the source "enforcer"
 * (Windows build); the Linux build has no event log and returns 0.
 */
int enf_event_write(const enf_event *ev);

#endif
