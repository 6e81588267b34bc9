/* Internal to the report module: the report type, reading its fields, escaping markup. */
#ifndef ENFORCER_RENDER_INT_H
#define ENFORCER_RENDER_INT_H

#include "util/util.h"

#include <jansson.h>

/*
 * The report behind enf_report: the canonical JSON document. Only the
 * report module sees jansson; the public headers stay free of it.
 */
struct enf_report {
	json_t *doc;
};

/* A string member, or "" when absent or not a string. */
const char *enf_rj_str(const json_t *o, const char *key);

/* "2026-11-22T03:05:12.345Z": a time as the reports write it (UTC, milliseconds). */
json_t *enf_rj_time(double t);

/* An integer member, or 0. */
long long enf_rj_num(const json_t *o, const char *key);

/* A value as compact text: strings as they are, null as a dash, anything else as JSON; free() it.
 */
char *enf_rj_value_text(const json_t *v);

/*
 * Appends text escaped for HTML and XML alike: control characters, C1
 * controls and bidi overrides as the visible escapes the console shows
 * (util/shown.c; a registry value may hold any of them), then & < > " ' as
 * entities.
 */
void enf_rj_escape(enf_buf *b, const char *s);

/*
 * A report value as HTML (render_html_value.c): records and lists of
 * records as tables, lists as lists, booleans as yes/no ("passed"/"failed"
 * for a field `key` named ok), null as a dash; everything escaped.
 */
void enf_html_value(enf_buf *b, const char *key, const json_t *v);

#endif
