/*
 * The role facts (issue 19): role (edge, front-end, director, mediation,
 * unknown, none), role.edition and role.description; how enf_role_of tells
 * them from what a server shows (RtcSrv's texts, RTCMEDSRV, the SQL Server
 * instances RTC and RTCLOCAL, the installed products' names), `when:` on
 * snapshots of each role, a snapshot's and a policy's role values checked,
 * and the role export of a Director, a Mediation Server and an unknown role.
 */
#include "engine_fixture.h"
#include "helpers.h"

#include "enforcer/types.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define ARGS(...)     ((const char *const[]){__VA_ARGS__, NULL})
#define PRODUCTS(...) ((const char *const[]){__VA_ARGS__, NULL})

TestSuite(roles, .fini = th_cleanup);

/* enf_role_of on `e`, checked against the role, edition and description wanted. */
static void expect_role(const enf_role_evidence *e, const char *role, const char *edition,
                        const char *description, const char *what)
{
	enf_role r = {0};
	cr_assert_eq(enf_role_of(&r, e), 0, "%s", what);
	cr_expect_str_eq(r.role, role, "%s", what);
	if (edition)
		cr_expect_str_eq(r.edition ? r.edition : "(none)", edition, "%s", what);
	else
		cr_expect_null(r.edition, "%s: edition %s", what, r.edition);
	if (description)
		cr_expect_str_eq(r.description ? r.description : "(none)", description, "%s", what);
	else
		cr_expect_null(r.description, "%s: description %s", what, r.description);
	enf_role_clear(&r);
}

Test(roles, each_role_is_told_from_what_the_server_shows)
{
	const char *const core = "Skype for Business Server 2015, Core Components";
	enf_role_evidence e = {0};
	expect_role(&e, "none", NULL, NULL, "nothing of Lync");

	e = (enf_role_evidence){.rtcsrv = 1,
	                        .rtcsrv_display_name = "Skype for Business Server Access Edge",
	                        .rtcsrv_description = "Skype for Business Server Access Edge",
	                        .products = PRODUCTS(core)};
	expect_role(&e, "edge", NULL, NULL, "an Edge Server by its RtcSrv");

	/* Enterprise Edition: the local instance only; the pool's databases are elsewhere. */
	e = (enf_role_evidence){.rtcsrv = 1,
	                        .rtcsrv_display_name = "Skype for Business Server Front-End",
	                        .rtcsrv_description = "Skype for Business Server Front-End",
	                        .medsrv = 1,
	                        .sql_rtclocal = 1,
	                        .products = PRODUCTS(core)};
	expect_role(&e, "front-end", "enterprise", NULL,
	            "an Enterprise Edition Front End with collocated Mediation");
	e.sql_rtc = 1;
	expect_role(&e, "front-end", "standard", NULL, "a Standard Edition Server");
	e.sql_rtc = e.sql_rtclocal = 0;
	expect_role(&e, "front-end", NULL, NULL, "a Front End whose edition cannot be told");

	/* The product name alone tells a Front End whose RtcSrv says nothing of it. */
	e = (enf_role_evidence){.rtcsrv = 1,
	                        .rtcsrv_display_name = "RtcSrv",
	                        .sql_rtc = 1,
	                        .products = PRODUCTS(core, "Lync Server 2013, Front End Server")};
	expect_role(&e, "front-end", "standard", NULL, "a Lync 2013 Standard Edition by product");

	e = (enf_role_evidence){.rtcsrv = 1,
	                        .rtcsrv_display_name = "Skype for Business Server Front-End",
	                        .sql_rtclocal = 1,
	                        .products =
	                            PRODUCTS(core, "Skype for Business Server 2015, Director")};
	expect_role(&e, "director", NULL, NULL, "a Director by its product, despite RtcSrv");
	e = (enf_role_evidence){.rtcsrv = 1, .rtcsrv_description = "Lync Server Director"};
	expect_role(&e, "director", NULL, NULL, "a Director by its RtcSrv");

	e = (enf_role_evidence){.rtcsrv = 1,
	                        .rtcsrv_display_name = "Skype for Business Server Mediation",
	                        .medsrv = 1,
	                        .products = PRODUCTS(core)};
	expect_role(&e, "mediation", NULL, NULL, "a stand-alone Mediation Server by RTCMEDSRV");
	e = (enf_role_evidence){
	    .products = PRODUCTS(core, "Skype for Business Server 2019, Mediation Server")};
	expect_role(&e, "mediation", NULL, NULL, "a Mediation Server by its product");

	/* Another product's ", Director" or an Edge only in a product's middle tells nothing. */
	e = (enf_role_evidence){.rtcsrv = 1,
	                        .rtcsrv_display_name = "Something Else",
	                        .rtcsrv_description = NULL,
	                        .products = PRODUCTS("Contoso Edge Server Tools, Director",
	                                             "Skype for Business Server 2015, Edge Server "
	                                             "Tools")};
	expect_role(&e, "unknown", NULL, "RtcSrv: display name 'Something Else', description ''",
	            "an RtcSrv that says no role");
}

/* The role enf_role_of tells from `e`, and the lookups that could still change it. */
static unsigned questions(const enf_role_evidence *e, const char *role)
{
	enf_role r = {0};
	cr_assert_eq(enf_role_of(&r, e), 0);
	cr_expect_str_eq(r.role, role);
	unsigned ask = enf_role_questions(&r, e);
	enf_role_clear(&r);
	return ask;
}

Test(roles, only_the_service_lookups_that_could_change_the_role_are_asked)
{
	static const char *const core[] = {"Skype for Business Server 2015, Core Components", NULL};
	static const char *const other[] = {"Microsoft Visual C++ 2013 Redistributable", NULL};
	enf_role_evidence plain = {.products = other};
	enf_role_evidence lync = {.products = core};
	enf_role_evidence edge = {.rtcsrv = 1, .rtcsrv_description = "Access Edge"};
	enf_role_evidence fe = {.rtcsrv = 1, .rtcsrv_display_name = "Front-End"};
	enf_role_evidence odd = {.rtcsrv = 1, .rtcsrv_display_name = "Something Else"};
	/* A server without Lync asks nothing: no RPC more than before the role facts grew. */
	cr_expect_eq(questions(&plain, "none"), 0u);
	cr_expect_eq(questions(&lync, "none"), ENF_ROLE_ASK_MEDSRV);
	cr_expect_eq(questions(&odd, "unknown"), ENF_ROLE_ASK_MEDSRV);
	cr_expect_eq(questions(&fe, "front-end"), ENF_ROLE_ASK_SQL);
	cr_expect_eq(questions(&edge, "edge"), 0u);
}

Test(roles, an_unknown_roles_description_is_bounded)
{
	char *long_text = malloc(1001);
	cr_assert_not_null(long_text);
	memset(long_text, 'x', 1000);
	long_text[0] = '\xc3'; /* "é" across the cut would be split: it is not at the end */
	long_text[1] = '\xa9';
	long_text[1000] = '\0';
	enf_role_evidence e = {
	    .rtcsrv = 1, .rtcsrv_display_name = "R", .rtcsrv_description = long_text};
	enf_role r = {0};
	cr_assert_eq(enf_role_of(&r, &e), 0);
	cr_expect_str_eq(r.role, "unknown");
	cr_assert_not_null(r.description);
	cr_expect_eq(strlen(r.description), 200, "%zu", strlen(r.description));
	cr_expect(
	    strncmp(r.description, "RtcSrv: display name 'R', description '\xc3\xa9xxx", 44) == 0,
	    "%s", r.description);
	cr_expect_str_eq(r.description + 197, "...");
	enf_role_clear(&r);
	free(long_text);
}

/* A snapshot of a server of `role` (and `edition`, or none). */
static char *server(const char *dir, const char *role, const char *edition)
{
	char *json = enf_asprintf(
	    "{\"schema\": \"enforcer-snapshot/1\", \"facts\": {\"os.build\": \"17763\", "
	    "\"host.name\": \"LYNC01\", \"role\": \"%s\"%s%s%s%s}}",
	    role, edition ? ", \"role.edition\": \"" : "", edition ? edition : "",
	    edition ? "\"" : "",
	    strcmp(role, "unknown") == 0 ? ", \"role.description\": \"RtcSrv: display name "
	                                   "'Contoso Gateway', description ''\""
	                                 : "");
	char *path = th_write(dir, "server.json", json);
	free(json);
	return path;
}

/* One resource per role, and one for Standard Edition. */
static const char role_policy[] =
    "enforcer: 1\nname: roles\nresources:\n"
    "  - {type: registry, id: edge, when: {role: edge}, key: 'HKLM\\Software\\T', value: A, "
    "kind: dword, data: 1}\n"
    "  - {type: registry, id: front-end, when: {role: front-end}, key: 'HKLM\\Software\\T', "
    "value: B, kind: dword, data: 1}\n"
    "  - {type: registry, id: director, when: {role: director}, key: 'HKLM\\Software\\T', "
    "value: C, kind: dword, data: 1}\n"
    "  - {type: registry, id: mediation, when: {role: mediation}, key: 'HKLM\\Software\\T', "
    "value: D, kind: dword, data: 1}\n"
    "  - {type: registry, id: standard, when: {role: front-end, role.edition: standard}, key: "
    "'HKLM\\Software\\T', value: E, kind: dword, data: 1}\n"
    "  - {type: registry, id: any-lync, when: {role: '!= none'}, key: 'HKLM\\Software\\T', "
    "value: F, kind: dword, data: 1}\n";

Test(roles, when_conditions_pick_the_resources_of_each_role)
{
	static const char *const ids[] = {"edge",      "front-end", "director",
	                                  "mediation", "standard",  "any-lync"};
	const enf_outcome D = ENF_OUTCOME_DRIFT, S = ENF_OUTCOME_SKIPPED;
	static const struct {
		const char *role, *edition;
		enf_outcome want[6];
	} servers[] = {
	    {"edge", NULL, {D, S, S, S, S, D}},
	    {"front-end", "enterprise", {S, D, S, S, S, D}},
	    /* A Standard Edition Server is a Front End: front-end policies keep applying. */
	    {"front-end", "standard", {S, D, S, S, D, D}},
	    {"director", NULL, {S, S, D, S, S, D}},
	    {"mediation", NULL, {S, S, S, D, S, D}},
	    {"unknown", NULL, {S, S, S, S, S, D}},
	    {"none", NULL, {S, S, S, S, S, S}},
	};
	for (size_t c = 0; c < ENF_ARRAY_SIZE(servers); c++) {
		char *dir = th_tmpdir();
		char *snap = server(dir, servers[c].role, servers[c].edition);
		char *snap_text = th_read(snap, NULL);
		fixture f;
		fx_init(&f, snap_text, role_policy);
		fx_run(&f, ENF_RUN_PLAN, 0);
		for (size_t i = 0; i < ENF_ARRAY_SIZE(ids); i++) {
			const enf_result *r = fx_result(&f, ids[i]);
			cr_expect_eq(r->outcome, servers[c].want[i], "%s %s: %s is %s (%s)",
			             servers[c].role, servers[c].edition ? servers[c].edition : "",
			             ids[i], enf_outcome_name(r->outcome),
			             r->message ? r->message : "");
		}
		fx_fini(&f);
		free(snap_text);
		free(snap);
		free(dir);
	}
}

Test(roles, facts_show_the_edition_and_an_unknown_roles_description)
{
	char *dir = th_tmpdir();
	char *snap = server(dir, "unknown", NULL);
	char *target = enf_asprintf("snapshot:%s", snap);
	th_cli_result r = th_run_cli(dir, ARGS("facts", "--target", target), NULL);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_expect_str_eq(r.out, "os.build      17763\n"
	                        "os.version    (absent)\n"
	                        "os.major      (absent)\n"
	                        "os.product    (absent)\n"
	                        "host.name     LYNC01\n"
	                        "role          unknown\n"
	                        "lync.version  (absent)\n"
	                        "lync.product  (absent)\n"
	                        "role.description RtcSrv: display name 'Contoso Gateway', "
	                        "description ''\n");
	th_cli_free(&r);
	free(target);
	free(snap);
	snap = server(dir, "front-end", "standard");
	target = enf_asprintf("snapshot:%s", snap);
	r = th_run_cli(dir, ARGS("facts", "--target", target), NULL);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_expect(strstr(r.out, "role          front-end\n") != NULL, "%s", r.out);
	cr_expect(strstr(r.out, "role.edition  standard\n") != NULL, "%s", r.out);
	th_cli_free(&r);
	free(target);
	free(snap);
	free(dir);
}

Test(roles, a_snapshot_with_an_unknown_role_or_edition_is_refused_when_opened)
{
	static const struct {
		const char *role, *edition, *msg;
	} bad[] = {
	    {"frontend", NULL,
	     "facts.role must be edge, front-end, director, mediation, unknown or none"},
	    {"front-end", "express", "facts.role.edition must be standard or enterprise"},
	};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(bad); i++) {
		char *dir = th_tmpdir();
		char *snap = server(dir, bad[i].role, bad[i].edition);
		char *target = enf_asprintf("snapshot:%s", snap);
		th_cli_result r = th_run_cli(dir, ARGS("facts", "--target", target), NULL);
		cr_expect_eq(r.code, 1);
		char *want = enf_asprintf("enforcer: snapshot '%s': %s\n", snap, bad[i].msg);
		cr_expect_str_eq(r.err, want);
		cr_expect_str_eq(r.out, "");
		free(want);
		th_cli_free(&r);
		free(target);
		free(snap);
		free(dir);
	}
}

Test(roles, a_policy_names_only_the_roles_and_editions_there_are)
{
	char *dir = th_tmpdir();
	char *p = th_write(dir, "p.yaml",
	                   "enforcer: 1\nname: p\nwhen:\n  role: directors\n  role.edition: "
	                   "enterprize\nresources: []\n");
	th_cli_result r = th_run_cli(dir, ARGS("validate", p), NULL);
	cr_expect_eq(r.code, 1, "%s", r.err);
	char *want = enf_asprintf(
	    "%s:4:9: 'role' must be one of edge, front-end, director, mediation, unknown, none; "
	    "got 'directors'\n"
	    "%s:5:17: 'role.edition' must be one of standard, enterprise; got 'enterprize'\n",
	    p, p);
	cr_expect(strstr(r.err, want) != NULL, "%s", r.err);
	free(want);
	th_cli_free(&r);
	free(p);
	free(dir);
}

/* `enforcer export` of a snapshot of `role`, with RTCSRV, REPLICA and RTCMEDSRV in it. */
static char *export_of(const char *dir, const char *role)
{
	char *json = enf_asprintf(
	    "{\"schema\": \"enforcer-snapshot/1\", \"facts\": {\"host.name\": \"LYNC01\", "
	    "\"role\": \"%s\"%s}, \"services\": {"
	    "\"RTCSRV\": {\"logon\": \"LocalSystem\", \"password_stored\": false, \"startup\": "
	    "\"automatic\", \"state\": \"running\"},"
	    "\"RTCMEDSRV\": {\"logon\": \"LocalSystem\", \"password_stored\": false, \"startup\": "
	    "\"automatic\", \"state\": \"running\"}}}",
	    role,
	    strcmp(role, "unknown") == 0 ? ", \"role.description\": \"RtcSrv: display name 'X', "
	                                   "description ''\""
	                                 : "");
	char *snap = th_write(dir, "server.json", json);
	char *target = enf_asprintf("snapshot:%s", snap);
	th_cli_result r = th_run_cli(dir, ARGS("export", "--target", target), NULL);
	cr_expect_eq(r.code, 0, "%s: %s", role, r.err);
	char *out = enf_strdup(r.out);
	th_cli_free(&r);
	free(target);
	free(snap);
	free(json);
	return out;
}

Test(roles, a_director_and_a_mediation_server_export_their_services)
{
	char *dir = th_tmpdir();
	char *out = export_of(dir, "director");
	cr_expect(strstr(out, "exported: a Director\"\nwhen:\n  role: \"director\"\n") != NULL,
	          "%s", out);
	cr_expect(strstr(out, "  # The services of a Director that are on this server.\n") != NULL,
	          "%s", out);
	cr_expect(strstr(out, "name: \"RTCSRV\"") != NULL, "%s", out);
	cr_expect(strstr(out, "RTCMEDSRV") == NULL, "%s", out);
	free(out);
	out = export_of(dir, "mediation");
	cr_expect(strstr(out, "when:\n  role: \"mediation\"\n") != NULL, "%s", out);
	cr_expect(strstr(out, "name: \"RTCMEDSRV\"") != NULL, "%s", out);
	cr_expect(strstr(out, "name: \"RTCSRV\"") != NULL, "%s", out);
	free(out);
	out = export_of(dir, "unknown");
	cr_expect(strstr(out, "when:") == NULL, "%s", out);
	cr_expect(strstr(out, "  # The role is unknown (role: unknown; role.description says what "
	                      "RtcSrv says): no services.\n") != NULL,
	          "%s", out);
	cr_expect(strstr(out, "RTCSRV") == NULL, "%s", out);
	free(out);
	free(dir);
}

/*
 * Without -v, the resources a `when:` skips for the same reason are one line
 * (a policy for another role skips all of them); -v and report.txt list each.
 */
Test(roles, resources_skipped_for_one_reason_are_one_line_without_v)
{
	char *dir = th_tmpdir();
	char *snap = server(dir, "edge", NULL);
	char *target = enf_asprintf("snapshot:%s", snap);
	char *p = th_write(dir, "fe.yaml",
	                   "enforcer: 1\nname: fe\nwhen: {role: front-end}\nresources:\n"
	                   "  - {type: registry, id: a, key: 'HKLM\\Software\\T', value: A, kind: "
	                   "dword, data: 1}\n"
	                   "  - {type: registry, id: b, key: 'HKLM\\Software\\T', value: B, kind: "
	                   "dword, data: 1}\n"
	                   "  - {type: registry, id: c, key: 'HKLM\\Software\\T', value: C, kind: "
	                   "dword, data: 1}\n");
	char *reports = enf_asprintf("%s/r", dir);
	th_cli_result r =
	    th_run_cli(dir, ARGS("plan", "--target", target, "--report-dir", reports, p), NULL);
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect(strncmp(r.out,
	                  "skipped     3 resources: the policy does not apply here: role is edge, "
	                  "and the condition is == front-end (-v lists them)\n"
	                  "Plan: 0 to change, 0 failed, 0 compliant, 3 skipped,",
	                  strlen("skipped     3 resources: the policy does not apply here: role is "
	                         "edge, and the condition is == front-end (-v lists them)\n"
	                         "Plan: 0 to change, 0 failed, 0 compliant, 3 skipped,")) == 0,
	          "%s", r.out);
	th_cli_free(&r);
	/* report.txt keeps every resource. */
	char *txt_path = enf_asprintf("%s/report.txt", reports);
	char *txt = th_read(txt_path, NULL);
	cr_expect(strstr(txt,
	                 "skipped     a: the policy does not apply here: role is edge, and the "
	                 "condition is == front-end\n"
	                 "skipped     b: the policy does not apply here: role is edge, and the "
	                 "condition is == front-end\n"
	                 "skipped     c: the policy does not apply here:") != NULL,
	          "%s", txt);
	free(txt);
	free(txt_path);
	r = th_run_cli(dir, ARGS("plan", "-v", "--target", target, p), NULL);
	cr_expect(strstr(r.out, "skipped     b: the policy does not apply here: role is edge") !=
	              NULL,
	          "%s", r.out);
	cr_expect(strstr(r.out, "resources:") == NULL, "%s", r.out);
	th_cli_free(&r);
	/* Different reasons are different lines; a reason one resource has stays its own line. */
	char *q = th_write(dir, "mixed.yaml",
	                   "enforcer: 1\nname: mixed\nresources:\n"
	                   "  - {type: registry, id: fe1, when: {role: front-end}, key: "
	                   "'HKLM\\Software\\T', value: A, kind: dword, data: 1}\n"
	                   "  - {type: registry, id: dir, when: {role: director}, key: "
	                   "'HKLM\\Software\\T', value: B, kind: dword, data: 1}\n"
	                   "  - {type: registry, id: fe2, when: {role: front-end}, key: "
	                   "'HKLM\\Software\\T', value: C, kind: dword, data: 1}\n");
	r = th_run_cli(dir, ARGS("plan", "--target", target, q), NULL);
	const char *want = "skipped     2 resources: condition not met: role is edge, and the "
	                   "condition is == front-end (-v lists them)\n"
	                   "skipped     dir: condition not met: role is edge, and the condition "
	                   "is == director\n"
	                   "Plan: 0 to change, 0 failed, 0 compliant, 3 skipped,";
	cr_expect(strncmp(r.out, want, strlen(want)) == 0, "%s", r.out);
	th_cli_free(&r);
	free(q);
	free(reports);
	free(p);
	free(target);
	free(snap);
	free(dir);
}
