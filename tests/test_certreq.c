/*
 * The certificate checks admins ask for (issue 16): `require: dns-names`
 * (every name in the subject alternative name) and `warn-days` (a warning
 * that leaves the outcome and the exit code alone), through the engine on
 * snapshot files built from a PKI made at test time, and through the
 * reports that show a warning.
 */
#include "engine/state.h"
#include "engine_fixture.h"
#include "helpers.h"
#include "pki.h"
#include "trust.h"

#include "enforcer/cert.h"
#include "enforcer/render.h"
#include "enforcer/report.h"
#include "policy/restype.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

TestSuite(certreq, .init = tt_suite_init, .fini = tt_suite_fini);

/* A certificate resource for the certificate in My with this thumbprint. */
static char *cert_policy(const char *thumbprint, const char *require)
{
	return enf_asprintf("enforcer: 1\nname: t\nresources:\n"
	                    "  - type: certificate\n    id: edge\n    store: My\n"
	                    "    thumbprint: %s\n    require: %s\n",
	                    thumbprint, require);
}

/* The Access Edge external certificate of Microsoft's Edge certificate table. */
static pki_cert *edge_cert(const char *san, time_t not_after)
{
	return pki_issue(
	    &(pki_opts){
	        .cn = "sip.contoso.com", .eku = "serverAuth", .san = san, .not_after = not_after},
	    NULL, tt.s->inter);
}

/* Plans `require` on a certificate in My; returns the run. */
static enf_run *plan_on(pki_cert *c, const char *require)
{
	pki_snapshot_add(tt.snap, "My", c);
	char *policy = cert_policy(c->thumbprint, require);
	tt_init(&tt.f, tt.snap, policy);
	free(policy);
	return tt_run(&tt.f, ENF_RUN_PLAN);
}

/* The report's check entry named `check`, or NULL. */
static json_t *check_of(const char *check)
{
	json_t *checks =
	    json_object_get(enf_state_value(fx_result(&tt.f, "edge")->before), "checks");
	size_t i;
	json_t *c;
	json_array_foreach(checks, i, c)
	{
		if (strcmp(json_string_value(json_object_get(c, "check")), check) == 0)
			return c;
	}
	return NULL;
}

/* "YYYY-MM-DD" of a time, as the messages write expiry dates. */
static void date_of(char out[11], time_t t)
{
	struct tm tm;
	enf_gmtime(&tm, t);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Noon 40 days from now: whole days left stay 40 for the length of a test. */
static time_t in_days(int days)
{
	return time(NULL) + (time_t)days * 86400 + 43200;
}

/* An Edge certificate with this SAN that expires at noon in `days` days; `date` its day. */
static pki_cert *expiring(const char *san, int days, char date[11])
{
	time_t end = in_days(days);
	date_of(date, end);
	return edge_cert(san, end);
}

Test(certreq, every_dns_name_in_the_san_in_any_case_is_compliant)
{
	pki_cert *c =
	    edge_cert("DNS:SIP.Contoso.com,DNS:webcon.contoso.com,DNS:sip.fabrikam.com", 0);
	enf_run *run = plan_on(c, "{dns-names: [sip.contoso.com, sip.FABRIKAM.com]}");
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_COMPLIANT);
	tt_expect_message(&tt.f, "edge", "(none)");
	cr_expect_eq(enf_run_exit_code(run), 0);
	json_t *check = check_of("dns-names");
	cr_assert_not_null(check);
	cr_expect(json_is_true(json_object_get(check, "ok")));
	cr_expect_str_eq(json_string_value(json_object_get(check, "detail")),
	                 "sip.contoso.com, sip.FABRIKAM.com");
	pki_free(c);
}

Test(certreq, missing_names_are_named_and_fail_without_changing_anything)
{
	pki_cert *c = edge_cert("DNS:sip.contoso.com,DNS:webcon.contoso.com", 0);
	enf_run *run =
	    plan_on(c, "{dns-names: [sip.contoso.com, sip.fabrikam.com, sip.litware.com]}");
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_FAILED);
	tt_expect_message(&tt.f, "edge",
	                  "dns-names: the subject alternative name lacks sip.fabrikam.com, "
	                  "sip.litware.com (it has: sip.contoso.com, webcon.contoso.com)");
	cr_expect_eq(enf_run_exit_code(run), 4);
	json_t *check = check_of("dns-names");
	cr_expect(json_is_false(json_object_get(check, "ok")));
	json_t *st = fx_state(&tt.f);
	cr_expect(json_equal(st, tt.snap), "a check changed the snapshot");
	json_decref(st);
	pki_free(c);
}

/* Plans `require` on an Edge certificate with this SAN; the outcome and message must be these. */
static void expect_verdict(const char *san, const char *require, enf_outcome want,
                           const char *message)
{
	pki_cert *c = edge_cert(san, 0);
	plan_on(c, require);
	tt_expect_outcome(&tt.f, "edge", want);
	tt_expect_message(&tt.f, "edge", message);
	pki_free(c);
}

Test(certreq, a_wildcard_san_does_not_stand_for_a_listed_name_and_says_so)
{
	expect_verdict("DNS:*.contoso.com,DNS:webcon.contoso.com",
	               "{dns-names: [sip.contoso.com, webcon.contoso.com]}", ENF_OUTCOME_FAILED,
	               "dns-names: the subject alternative name lacks sip.contoso.com (it has: "
	               "*.contoso.com, webcon.contoso.com); sip.contoso.com is covered only by the "
	               "wildcard *.contoso.com, which does not count: list it by name; "
	               "sip.contoso.com is only the subject's CN, which TLS does not check when "
	               "there is a SAN");
}

Test(certreq, a_san_of_many_names_is_shown_in_part)
{
	enf_buf san = ENF_BUF_INIT;
	for (int i = 1; i <= 25; i++)
		enf_buf_printf(&san, "%sDNS:n%d.contoso.com", i > 1 ? "," : "", i);
	expect_verdict(san.ptr, "{dns-names: [sip.fabrikam.com]}", ENF_OUTCOME_FAILED,
	               "dns-names: the subject alternative name lacks sip.fabrikam.com (it has: "
	               "n1.contoso.com, n2.contoso.com, n3.contoso.com, n4.contoso.com, "
	               "n5.contoso.com, n6.contoso.com, n7.contoso.com, n8.contoso.com, "
	               "n9.contoso.com, n10.contoso.com, n11.contoso.com, n12.contoso.com, "
	               "n13.contoso.com, n14.contoso.com, n15.contoso.com, n16.contoso.com, "
	               "n17.contoso.com, n18.contoso.com, n19.contoso.com, n20.contoso.com and 5 "
	               "more)");
	enf_buf_clear(&san);
}

Test(certreq, a_wildcard_listed_as_itself_matches_the_same_wildcard)
{
	expect_verdict("DNS:*.Contoso.com", "{dns-names: [\"*.contoso.com\"]}",
	               ENF_OUTCOME_COMPLIANT, "(none)");
}

Test(certreq, the_common_name_and_other_san_kinds_are_not_dns_names)
{
	/* The CN is sip.contoso.com; a SAN of other kinds, or none, names no DNS name. */
	static const char *const sans[] = {
	    NULL, "IP:192.0.2.10,email:sip.contoso.com,URI:sip:sip.contoso.com"};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(sans); i++) {
		expect_verdict(sans[i], "{dns-names: [sip.contoso.com]}", ENF_OUTCOME_FAILED,
		               "dns-names: the subject alternative name lacks sip.contoso.com (it "
		               "has no DNS names); sip.contoso.com is only the subject's CN, which "
		               "TLS does not check when there is a SAN");
		fx_fini(&tt.f);
		json_array_clear(json_object_get(json_object_get(tt.snap, "stores"), "My"));
	}
}

Test(certreq, wildcard_matching_follows_rfc_6125)
{
	cr_expect(enf_dns_wildcard_covers("*.contoso.com", "sip.contoso.com"));
	cr_expect(enf_dns_wildcard_covers("*.CONTOSO.com", "Sip.contoso.COM"));
	/* One label only, the whole left-most label, and never a whole top-level domain. */
	cr_expect_not(enf_dns_wildcard_covers("*.contoso.com", "a.sip.contoso.com"));
	cr_expect_not(enf_dns_wildcard_covers("*.contoso.com", "contoso.com"));
	cr_expect_not(enf_dns_wildcard_covers("s*.contoso.com", "sip.contoso.com"));
	cr_expect_not(enf_dns_wildcard_covers("*.com", "contoso.com"));
	cr_expect_not(enf_dns_wildcard_covers("*.*.com", "a.contoso.com"));
	cr_expect_not(enf_dns_wildcard_covers("sip.contoso.com", "sip.contoso.com"));
	cr_expect(enf_dns_name_eq("SIP.contoso.COM", "sip.Contoso.com"));
	cr_expect_not(enf_dns_name_eq("sip.contoso.com", "sip.contoso.co"));
}

Test(certreq, warn_days_is_a_warning_that_leaves_the_run_compliant)
{
	char date[11];
	pki_cert *c = expiring(NULL, 40, date);
	enf_run *run = plan_on(c, "{warn-days: 45}");
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_COMPLIANT);
	char *want = enf_asprintf(
	    "warn-days: expires on %s, in 40 days (a warning: the policy warns 45 days ahead)",
	    date);
	tt_expect_message(&tt.f, "edge", want);
	cr_expect_eq(fx_result(&tt.f, "edge")->warning, 1);
	cr_expect_eq(enf_run_exit_code(run), 0);
	json_t *check = check_of("warn-days");
	cr_expect(json_is_false(json_object_get(check, "ok")));
	cr_expect(json_is_true(json_object_get(check, "warning")));

	/* The report carries it, and the console line shows it although it is compliant. */
	enf_report *rep = NULL;
	cr_assert_eq(enf_report_from_run(&rep, run), 0);
	char *doc_text = NULL;
	size_t doc_len = 0;
	cr_assert_eq(enf_report_json(&doc_text, &doc_len, rep), 0);
	json_t *doc = json_loadb(doc_text, doc_len, 0, NULL);
	json_t *res = json_array_get(json_object_get(doc, "resources"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(res, "status")), "compliant");
	cr_expect(json_is_true(json_object_get(res, "warning")));
	json_decref(doc);
	free(doc_text);
	char *text = enf_render_text(rep, 0, 0);
	char *line = enf_asprintf("warning     edge: %s\n", want);
	cr_expect(strncmp(text, line, strlen(line)) == 0, "got:\n%s", text);
	char *junit = enf_render_junit(rep);
	cr_expect(strstr(junit, "<system-out>warn-days: expires on") != NULL, "got:\n%s", junit);
	cr_expect(strstr(junit, "<failure") == NULL);
	free(junit);
	free(line);
	free(text);
	enf_report_free(rep);
	free(want);
	pki_free(c);
}

Test(certreq, warn_days_outside_the_window_passes_quietly)
{
	char date[11];
	pki_cert *c = expiring(NULL, 50, date);
	enf_run *run = plan_on(c, "{warn-days: 45}");
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_COMPLIANT);
	tt_expect_message(&tt.f, "edge", "(none)");
	cr_expect_eq(fx_result(&tt.f, "edge")->warning, 0);
	cr_expect_eq(enf_run_exit_code(run), 0);
	char *want = enf_asprintf("valid until %s", date);
	cr_expect_str_eq(json_string_value(json_object_get(check_of("warn-days"), "detail")), want);
	free(want);
	pki_free(c);
}

Test(certreq, warn_days_fails_an_expired_certificate)
{
	plan_on(tt.s->expired, "{warn-days: 45}");
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_FAILED);
	tt_expect_message(&tt.f, "edge", "warn-days: expired on 2025-01-01");
	cr_expect_eq(enf_run_exit_code(tt.f.run), 4);
	cr_expect_eq(fx_result(&tt.f, "edge")->warning, 0);
}

Test(certreq, with_both_keys_valid_for_days_fails_and_warn_days_warns_before_it)
{
	char date[11];
	pki_cert *c = expiring(NULL, 20, date);
	/* 20 days left: a warning from 45, a failure only below 14. */
	enf_run *run = plan_on(c, "{valid-for-days: 14, warn-days: 45}");
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_COMPLIANT);
	cr_expect_eq(enf_run_exit_code(run), 0);
	cr_expect_eq(fx_result(&tt.f, "edge")->warning, 1);
	fx_fini(&tt.f);
	json_array_clear(json_object_get(json_object_get(tt.snap, "stores"), "My"));
	/* Below 30 days it fails, and says only that: the warning would repeat it. */
	run = plan_on(c, "{valid-for-days: 30, warn-days: 45}");
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_FAILED);
	char *want = enf_asprintf(
	    "valid-for-days: expires on %s, in 20 days; at least 30 are required", date);
	tt_expect_message(&tt.f, "edge", want);
	cr_expect_null(check_of("warn-days"));
	cr_expect_eq(enf_run_exit_code(run), 4);
	free(want);
	pki_free(c);
}

Test(certreq, a_warning_beside_a_failed_check_is_in_the_message_too)
{
	char date[11];
	pki_cert *c = expiring("DNS:sip.contoso.com", 40, date);
	plan_on(c, "{warn-days: 45, dns-names: [sip.fabrikam.com]}");
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_FAILED);
	char *want =
	    enf_asprintf("dns-names: the subject alternative name lacks sip.fabrikam.com (it has: "
	                 "sip.contoso.com); warn-days: expires on %s, in 40 days (a warning: the "
	                 "policy warns 45 days ahead)",
	                 date);
	tt_expect_message(&tt.f, "edge", want);
	free(want);
	pki_free(c);
}

Test(certreq, the_loader_reads_dns_names_and_warn_days)
{
	int rc = 0;
	enf_policy *p = NULL;
	char *diags = th_load_resource("valid/cert-dns-names-warn-days.yaml", &rc, &p);
	cr_assert_eq(rc, 0, "%s", diags);
	const enf_cert_require *r = &enf_policy_find(p, "edge-external")->u.cert.require;
	cr_expect_eq(r->dns_name_count, 5);
	cr_expect_str_eq(r->dns_names[2], "SIP.Fabrikam.com");
	cr_expect_str_eq(r->dns_names[3], "*.contoso.com");
	cr_expect_eq(r->valid_for_days, 14);
	cr_expect_eq(r->warn_days, 45);
	const enf_cert_require *in = &enf_policy_find(p, "edge-internal")->u.cert.require;
	cr_expect_eq(in->warn_days, 30);
	cr_expect_eq(in->valid_for_days, -1);
	/* The model as a policy writes it (policy diff compares it). */
	json_t *model = enf_resource_to_json(enf_policy_find(p, "edge-external"));
	char *json = json_dumps(model, JSON_COMPACT);
	json_decref(model);
	cr_assert_not_null(json);
	cr_expect(strstr(json, "\"warn-days\":45") != NULL, "%s", json);
	cr_expect(strstr(json,
	                 "\"dns-names\":[\"sip.contoso.com\",\"webcon.contoso.com\","
	                 "\"SIP.Fabrikam.com\",\"*.contoso.com\",\"xn--bcher-kva.example\"]") !=
	              NULL,
	          "%s", json);
	free(json);
	enf_policy_free(p);
	free(diags);
}
