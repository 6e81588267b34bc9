/*
 * Report formats, rendered from a fixed report (tests/resources/reports/
 * apply-mixed.json) and compared with golden files. Set
 * ENFORCER_UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate
 * change, then review the diff.
 */
#include "helpers.h"

#include "enforcer/render.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static json_t *fixture_report(void)
{
	char *path = th_resource_path("reports/apply-mixed.json");
	json_t *report = NULL;
	cr_assert_eq(enf_report_load(&report, path), 0);
	free(path);
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
		cr_expect_str_eq(got, want, "%s differs from the golden file; if the change is deliberate, "
					    "rerun with ENFORCER_UPDATE_GOLDEN=1 and review the diff", name);
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
	json_t *r = fixture_report();
	expect_golden("apply-mixed.txt", enf_render_text(r, 0, 0));
	expect_golden("apply-mixed-verbose.txt", enf_render_text(r, 0, 1));
	json_decref(r);
}

Test(report, html_matches_golden_and_escapes_everything)
{
	json_t *r = fixture_report();
	char *html = enf_render_html(r);
	cr_assert(html);
	cr_expect(strstr(html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;") ||
		  !strstr(html, "alert"), "the hostile value name was not escaped");
	/* No script element and no external resource, ever. */
	cr_expect_null(strstr(html, "<script"));
	cr_expect_null(strstr(html, "src="));
	cr_expect_null(strstr(html, "href="));
	expect_golden("apply-mixed.html", html);
	json_decref(r);
}

Test(report, junit_matches_golden)
{
	json_t *r = fixture_report();
	expect_golden("apply-mixed.xml", enf_render_junit(r));
	json_decref(r);
}

Test(report, event_log_entry_follows_the_worst_outcome)
{
	json_t *r = fixture_report();
	enf_event ev;
	cr_assert_eq(enf_event_for_report(&ev, r, "C:\\ProgramData\\enforcer\\reports\\report.json"), 0);
	cr_expect_eq(ev.type, ENF_EVENT_ERROR);
	cr_expect_eq(ev.id, ENF_EVENT_ID_FAILED);
	cr_expect_str_eq(ev.text,
			 "enforcer apply of policy lync-edge on EDGE01\n"
			 "Apply: 3 changed, 1 failed, 1 compliant, 1 skipped, 0 waived, 1 audit drift; run 20261122T031500Z-c4dab6, exit 6\n"
			 "Report: C:\\ProgramData\\enforcer\\reports\\report.json\n");
	enf_event_clear(&ev);
	json_t *counts = json_object_get(r, "counts");
	json_object_set_new(counts, "failed", json_integer(0));
	cr_assert_eq(enf_event_for_report(&ev, r, NULL), 0);
	cr_expect_eq(ev.type, ENF_EVENT_WARNING);
	cr_expect_eq(ev.id, ENF_EVENT_ID_DRIFT);
	enf_event_clear(&ev);
	json_object_set_new(counts, "audit-drift", json_integer(0));
	cr_assert_eq(enf_event_for_report(&ev, r, NULL), 0);
	cr_expect_eq(ev.id, ENF_EVENT_ID_CHANGED);
	enf_event_clear(&ev);
	json_object_set_new(counts, "changed", json_integer(0));
	cr_assert_eq(enf_event_for_report(&ev, r, NULL), 0);
	cr_expect_eq(ev.type, ENF_EVENT_INFORMATION);
	cr_expect_eq(ev.id, ENF_EVENT_ID_COMPLIANT);
	enf_event_clear(&ev);
	json_decref(r);
}

Test(report, a_file_that_is_not_a_report_is_refused)
{
	char *dir = th_tmpdir();
	char *path = th_write(dir, "x.json", "{\"schema\": \"something-else/1\"}");
	json_t *r = NULL;
	cr_expect_eq(enf_report_load(&r, path), ENF_EINVALID);
	free(path);
	free(dir);
}
