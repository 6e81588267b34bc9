/*
 * A report value as HTML a change board reads (render_html.c): words and
 * tables instead of JSON. A list of records (a certificate's checks, a
 * trust store's certificates, a restart's services) is a table with a
 * column per field; a record is a table of fields; a list of words is a
 * list; yes and no, and "passed"/"failed" for a check's `ok`.
 */
#include "render_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "days_left" -> "days left": field names as words. */
static void field_name(enf_buf *b, const char *key)
{
	char *words = enf_strdup(key);
	for (char *p = words; p && *p; p++)
		if (*p == '_' || *p == '-')
			*p = ' ';
	enf_rj_escape(b, words ? words : key);
	free(words);
}

static void scalar(enf_buf *b, const char *key, const json_t *v)
{
	char num[64];
	if (!v || json_is_null(v)) {
		enf_buf_puts(b, "—");
	} else if (json_is_boolean(v) && key && strcmp(key, "ok") == 0) {
		enf_buf_puts(b, json_is_true(v) ? "<span class=\"pass\">passed</span>"
		                                : "<span class=\"fail\">failed</span>");
	} else if (json_is_boolean(v)) {
		enf_buf_puts(b, json_is_true(v) ? "yes" : "no");
	} else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		enf_buf_puts(b, num);
	} else if (json_is_real(v)) {
		snprintf(num, sizeof(num), "%g", json_real_value(v));
		enf_buf_puts(b, num);
	} else {
		enf_rj_escape(b, json_string_value(v));
	}
}

static int all_objects(const json_t *a)
{
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) if (!json_is_object(v)) return 0;
	return json_array_size(a) > 0;
}

static void value(enf_buf *b, const char *key, const json_t *v, int depth);

/* A list of records: one column per field, in the order they first appear. */
static void record_table(enf_buf *b, const json_t *a, int depth)
{
	json_t *cols = json_array();
	size_t i, j;
	json_t *row, *c;
	json_array_foreach(a, i, row)
	{
		const char *k;
		json_t *x;
		json_object_foreach((json_t *)row, k, x)
		{
			int have = 0;
			json_array_foreach(cols, j, c) have |= strcmp(json_string_value(c), k) == 0;
			if (!have)
				json_array_append_new(cols, json_string(k));
		}
	}
	enf_buf_puts(b, "<table class=\"sub\"><tr>");
	json_array_foreach(cols, j, c)
	{
		enf_buf_puts(b, "<th>");
		field_name(b, json_string_value(c));
		enf_buf_puts(b, "</th>");
	}
	enf_buf_puts(b, "</tr>");
	json_array_foreach(a, i, row)
	{
		const json_t *ok = json_object_get(row, "ok");
		/* A check that failed only as a warning (warn-days) reads as a warning. */
		int warn = json_is_true(json_object_get(row, "warning"));
		enf_buf_puts(b, warn                ? "<tr class=\"warn\">"
		                : json_is_false(ok) ? "<tr class=\"fail\">"
		                                    : "<tr>");
		json_array_foreach(cols, j, c)
		{
			const char *k = json_string_value(c);
			enf_buf_puts(b, "<td>");
			if (warn && strcmp(k, "ok") == 0)
				enf_buf_puts(b, "<span class=\"warn-a\">⚠ warning</span>");
			else
				value(b, k, json_object_get(row, k), depth + 1);
			enf_buf_puts(b, "</td>");
		}
		enf_buf_puts(b, "</tr>");
	}
	enf_buf_puts(b, "</table>");
	json_decref(cols);
}

static void value(enf_buf *b, const char *key, const json_t *v, int depth)
{
	size_t i;
	json_t *x;
	const char *k;
	/* Deeper than any report goes: the JSON, not a tower of tables. */
	if (depth > 4 && (json_is_array(v) || json_is_object(v))) {
		char *text = enf_rj_value_text(v);
		enf_rj_escape(b, text);
		free(text);
	} else if (json_is_array(v) && json_array_size(v) == 0) {
		enf_buf_puts(b, "none");
	} else if (json_is_array(v) && all_objects(v)) {
		record_table(b, v, depth);
	} else if (json_is_array(v)) {
		enf_buf_puts(b, "<ul class=\"vl\">");
		json_array_foreach(v, i, x)
		{
			enf_buf_puts(b, "<li>");
			value(b, key, x, depth + 1);
			enf_buf_puts(b, "</li>");
		}
		enf_buf_puts(b, "</ul>");
	} else if (json_is_object(v) && json_object_size(v) == 0) {
		enf_buf_puts(b, "none");
	} else if (json_is_object(v)) {
		enf_buf_puts(b, "<table class=\"sub\">");
		json_object_foreach((json_t *)v, k, x)
		{
			enf_buf_puts(b, "<tr><th>");
			field_name(b, k);
			enf_buf_puts(b, "</th><td>");
			value(b, k, x, depth + 1);
			enf_buf_puts(b, "</td></tr>");
		}
		enf_buf_puts(b, "</table>");
	} else {
		scalar(b, key, v);
	}
}

void enf_html_value(enf_buf *b, const char *key, const json_t *v)
{
	value(b, key, v, 0);
}
