/*
 * Report formats, rendered from a fixed report (tests/resources/reports/
 * apply-mixed.json) and compared with golden files. Set
 * ENFORCER_UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate
 * change, then review the diff.
 */
#include "helpers.h"

#include "enforcer/render.h"
#include "enforcer/report.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static enf_report *fixture_report(void)
{
	char *path = th_resource_path("reports/apply-mixed.json");
	enf_report *report = NULL;
	cr_assert_eq(enf_report_load(&report, path), 0);
	free(path);
	return report;
}

/* A report made from an edited copy of the fixture's JSON. */
static enf_report *report_of(const json_t *doc)
{
	char *text = json_dumps(doc, 0);
	cr_assert(text);
	enf_report *report = NULL;
	cr_assert_eq(enf_report_parse(&report, text, strlen(text), "edited.json"), 0);
	free(text);
	return report;
}

static void expect_golden(const char *name, char *got)
{
	cr_assert(got != NULL);
	char *rel = enf_asprintf("reports/golden/%s", name);
	char *path = th_resource_path(rel);
	if (getenv("ENFORCER_UPDATE_GOLDEN")) {
		cr_assert_eq(enf_write_file_atomic(path, got, strlen(got)), 0);
	} else {
		char *want = th_read(path, NULL);
		cr_expect_str_eq(got, want,
		                 "%s differs from the golden file; if the change is deliberate, "
		                 "rerun with ENFORCER_UPDATE_GOLDEN=1 and review the diff",
		                 name);
		free(want);
	}
	free(got);
	free(path);
	free(rel);
}

/* A test's temporary folders go when it ends. */
TestSuite(report, .fini = th_cleanup);

Test(report, text_matches_golden)
{
	enf_report *r = fixture_report();
	expect_golden("apply-mixed.txt", enf_render_text(r, 0, 0));
	expect_golden("apply-mixed-verbose.txt", enf_render_text(r, 0, 1));
	enf_report_free(r);
}

Test(report, html_matches_golden_and_escapes_everything)
{
	enf_report *r = fixture_report();
	char *html = enf_render_html(r);
	cr_assert(html);
	cr_expect(
	    strstr(html,
	           "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;") ||
	        !strstr(html, "alert"),
	    "the hostile value name was not escaped");
	/* No script element and no external resource, ever. */
	cr_expect_null(strstr(html, "<script"));
	cr_expect_null(strstr(html, "src="));
	cr_expect_null(strstr(html, "href="));
	expect_golden("apply-mixed.html", html);
	enf_report_free(r);
}

Test(report, junit_matches_golden)
{
	enf_report *r = fixture_report();
	expect_golden("apply-mixed.xml", enf_render_junit(r));
	enf_report_free(r);
}

Test(report, event_log_entry_follows_the_worst_outcome)
{
	enf_report *r = fixture_report();
	enf_event ev;
	cr_assert_eq(
	    enf_event_for_report(&ev, r, "C:\\ProgramData\\enforcer\\reports\\report.json"), 0);
	cr_expect_eq(ev.type, ENF_EVENT_ERROR);
	cr_expect_eq(ev.id, ENF_EVENT_ID_FAILED);
	cr_expect_str_eq(
	    ev.text,
	    "enforcer apply of policy lync-edge on EDGE01\n"
	    "Apply: 3 changed, 1 failed, 1 compliant, 1 skipped, 0 waived, 1 audit drift; run 20261122T031500Z-c4dab6, exit 6\n"
	    "Report: C:\\ProgramData\\enforcer\\reports\\report.json\n");
	enf_event_clear(&ev);
	enf_report_free(r);
	/* The same report with fewer and fewer outcomes, through its JSON. */
	char *path = th_resource_path("reports/apply-mixed.json");
	json_t *doc = th_json_file(path);
	json_t *counts = json_object_get(doc, "counts");
	json_object_set_new(counts, "failed", json_integer(0));
	r = report_of(doc);
	cr_assert_eq(enf_event_for_report(&ev, r, NULL), 0);
	cr_expect_eq(ev.type, ENF_EVENT_WARNING);
	cr_expect_eq(ev.id, ENF_EVENT_ID_DRIFT);
	enf_event_clear(&ev);
	enf_report_free(r);
	json_object_set_new(counts, "audit-drift", json_integer(0));
	r = report_of(doc);
	cr_assert_eq(enf_event_for_report(&ev, r, NULL), 0);
	cr_expect_eq(ev.id, ENF_EVENT_ID_CHANGED);
	enf_event_clear(&ev);
	enf_report_free(r);
	json_object_set_new(counts, "changed", json_integer(0));
	r = report_of(doc);
	cr_assert_eq(enf_event_for_report(&ev, r, NULL), 0);
	cr_expect_eq(ev.type, ENF_EVENT_INFORMATION);
	cr_expect_eq(ev.id, ENF_EVENT_ID_COMPLIANT);
	enf_event_clear(&ev);
	enf_report_free(r);
	json_decref(doc);
	free(path);
}

Test(report, a_file_that_is_not_a_report_is_refused)
{
	char *dir = th_tmpdir();
	char *path = th_write(dir, "x.json", "{\"schema\": \"something-else/1\"}");
	enf_report *r = NULL;
	cr_expect_eq(enf_report_load(&r, path), ENF_EINVALID);
	free(path);
	free(dir);
}

Test(report, the_canonical_json_reads_back_as_the_same_bytes)
{
	enf_report *r = fixture_report();
	char *json = NULL, *again = NULL;
	size_t len = 0, again_len = 0;
	cr_assert_eq(enf_report_json(&json, &len, r), 0);
	cr_assert_eq(len, strlen(json));
	cr_expect(len > 2 && strcmp(json + len - 2, "}\n") == 0);
	for (size_t i = 0; i < len; i++)
		cr_expect_lt((unsigned char)json[i], 0x80, "byte %zu is not ASCII", i);
	/* A saved report.json, loaded and written again, is the same file. */
	enf_report *copy = NULL;
	cr_assert_eq(enf_report_parse(&copy, json, len, "report.json"), 0);
	cr_assert_eq(enf_report_json(&again, &again_len, copy), 0);
	cr_expect_eq(again_len, len);
	cr_expect_str_eq(again, json);
	free(again);
	free(json);
	enf_report_free(copy);
	enf_report_free(r);
}

Test(report, every_format_is_rendered_once_into_the_set_and_written_from_it)
{
	enf_report *r = fixture_report();
	enf_report_files *files = NULL;
	cr_assert_eq(enf_report_files_render(&files, r), 0);
	char *json = NULL;
	size_t json_len = 0;
	cr_assert_eq(enf_report_json(&json, &json_len, r), 0);
	char *want[] = {json, enf_render_text(r, 0, 1), enf_render_junit(r), enf_render_html(r)};
	static const char *const names[] = {"report.json", "report.txt", "report.xml",
	                                    "report.html"};
	cr_assert_eq(enf_report_files_count(files), 4);
	const enf_report_file *items = enf_report_files_items(files);
	char *dir = th_tmpdir();
	char *out = enf_asprintf("%s/reports", dir);
	cr_assert_eq(enf_report_files_write(files, out), 0);
	for (size_t i = 0; i < 4; i++) {
		cr_expect_str_eq(items[i].name, names[i]);
		cr_expect_eq(items[i].len, strlen(want[i]), "%s", names[i]);
		cr_expect(items[i].len == strlen(want[i]) &&
		              memcmp(items[i].data, want[i], items[i].len) == 0,
		          "%s", names[i]);
		cr_expect_eq(enf_report_files_find(files, names[i]), &items[i]);
		char *path = enf_asprintf("%s/%s", out, names[i]);
		size_t len = 0;
		char *written = th_read(path, &len);
		cr_expect(len == items[i].len && memcmp(written, items[i].data, len) == 0,
		          "%s was not written as rendered", names[i]);
		free(written);
		free(path);
		free(want[i]);
	}
	cr_expect_null(enf_report_files_find(files, ENF_REPORT_SIGNATURE_NAME));
	/* The one-call form writes the same four files, and nothing else. */
	char *again = enf_asprintf("%s/again", dir);
	cr_assert_eq(enf_report_write_dir(r, again), 0);
	char **entries = NULL;
	size_t n = 0;
	cr_assert_eq(enf_dir_entries(&entries, &n, again), 0);
	cr_expect_eq(n, 4);
	for (size_t i = 0; i < n; i++)
		free(entries[i]);
	free(entries);
	for (size_t i = 0; i < 4; i++) {
		char *path = enf_asprintf("%s/%s", again, names[i]);
		size_t len = 0;
		char *written = th_read(path, &len);
		cr_expect(len == items[i].len && memcmp(written, items[i].data, len) == 0,
		          "%s differs from the set's", names[i]);
		free(written);
		free(path);
	}
	free(again);
	free(out);
	free(dir);
	enf_report_files_free(files);
	enf_report_free(r);
}
