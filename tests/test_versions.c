/*
 * The releases of today in facts and conditions (issue 16): os.product for
 * Windows Server 2012 to 2025 and lync.product for Lync Server 2013, Skype
 * for Business Server 2015 and 2019 and Subscription Edition; how they are
 * told from build numbers and installed products' names, `enforcer facts`
 * showing each product's name beside its version, `when:` on snapshots of
 * each combination, and a snapshot's product facts checked when it is opened.
 */
#include "engine_fixture.h"
#include "helpers.h"

#include "enforcer/types.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

TestSuite(versions, .fini = th_cleanup);

Test(versions, windows_server_builds_name_their_release)
{
	cr_expect_str_eq(enf_os_product_of_build(9200), "windows-server-2012");
	cr_expect_str_eq(enf_os_product_of_build(9600), "windows-server-2012-r2");
	cr_expect_str_eq(enf_os_product_of_build(14393), "windows-server-2016");
	cr_expect_str_eq(enf_os_product_of_build(17763), "windows-server-2019");
	cr_expect_str_eq(enf_os_product_of_build(20348), "windows-server-2022");
	cr_expect_str_eq(enf_os_product_of_build(26100), "windows-server-2025");
	/* Builds no Windows Server release has (Windows 10 22H2, Windows 11 23H2). */
	cr_expect_null(enf_os_product_of_build(19045));
	cr_expect_null(enf_os_product_of_build(22631));
	cr_expect_str_eq(enf_product_name("os.product", "windows-server-2012-r2"),
	                 "Windows Server 2012 R2");
	cr_expect_str_eq(enf_product_name("os.product", "windows-server-2025"),
	                 "Windows Server 2025");
	cr_expect_null(enf_product_name("os.product", "windows-10"));
	cr_expect_null(enf_product_name("role", "edge"));
}

Test(versions, lync_products_are_told_by_name_and_else_by_an_unambiguous_version)
{
	cr_expect_str_eq(enf_lync_product_of("Lync Server 2013, Core Components", "5.0.8308.1182"),
	                 "lync-2013");
	cr_expect_str_eq(
	    enf_lync_product_of("Skype for Business Server 2015, Core Components", "6.0.9319.548"),
	    "sfb-2015");
	cr_expect_str_eq(
	    enf_lync_product_of("Skype for Business Server 2019, Core Components", "7.0.2046.404"),
	    "sfb-2019");
	cr_expect_str_eq(
	    enf_lync_product_of("Skype for Business Server Subscription Edition, Core Components",
	                        "7.0.2046.889"),
	    "sfb-se");
	/* The name decides in any case; without a year in it, 5.x and 6.x still tell. */
	cr_expect_str_eq(
	    enf_lync_product_of("SKYPE FOR BUSINESS SERVER 2019, CORE COMPONENTS", NULL),
	    "sfb-2019");
	cr_expect_str_eq(enf_lync_product_of("Core Components", "5.0.8308.577"), "lync-2013");
	cr_expect_str_eq(enf_lync_product_of(NULL, "6.0.9319.102"), "sfb-2015");
	/* 7.0.2046 is 2019 or Subscription Edition: the version alone never guesses. */
	cr_expect_null(
	    enf_lync_product_of("Skype for Business Server, Core Components", "7.0.2046.889"));
	cr_expect_null(enf_lync_product_of(NULL, "60.0.1"));
	cr_expect_null(enf_lync_product_of("Lync Server 2010, Core Components", "4.0.7577.0"));
	cr_expect_str_eq(enf_product_name("lync.product", "sfb-se"),
	                 "Skype for Business Server Subscription Edition");
	cr_expect_str_eq(enf_product_name("lync.product", "lync-2013"), "Lync Server 2013");
}

/* A snapshot of one supported combination. */
static char *combination(const char *dir, const char *os_build, const char *os_product,
                         const char *version, const char *product, const char *role)
{
	char *json = enf_asprintf(
	    "{\"schema\": \"enforcer-snapshot/1\", \"facts\": {\"os.build\": \"%s\", "
	    "\"os.version\": \"6.3\", \"os.product\": \"%s\", \"host.name\": \"LYNC01\", "
	    "\"role\": \"%s\", \"lync.version\": \"%s\", \"lync.product\": \"%s\"}}",
	    os_build, os_product, role, version, product);
	char *path = th_write(dir, "server.json", json);
	free(json);
	return path;
}

Test(versions, facts_show_each_products_name_beside_its_version)
{
	char *dir = th_tmpdir();
	char *snap =
	    combination(dir, "20348", "windows-server-2022", "7.0.2046.889", "sfb-se", "front-end");
	char *target = enf_asprintf("snapshot:%s", snap);
	th_cli_result r = th_run_cli(dir, ARGS("facts", "--target", target), NULL);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_expect_str_eq(r.out,
	                 "os.build      20348 (Windows Server 2022)\n"
	                 "os.version    6.3\n"
	                 "os.major      (absent)\n"
	                 "os.product    windows-server-2022\n"
	                 "host.name     LYNC01\n"
	                 "role          front-end\n"
	                 "lync.version  7.0.2046.889 (Skype for Business Server Subscription "
	                 "Edition)\n"
	                 "lync.product  sfb-se\n");
	th_cli_free(&r);
	r = th_run_cli(dir, ARGS("facts", "--format", "json", "--target", target), NULL);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_expect(strstr(r.out, "\"lync.product\": \"sfb-se\"") != NULL, "%s", r.out);
	cr_expect(strstr(r.out, "\"os.product\": \"windows-server-2022\"") != NULL, "%s", r.out);
	th_cli_free(&r);
	free(target);
	free(snap);
	free(dir);
}

Test(versions, a_snapshot_with_an_unknown_product_is_refused_when_opened)
{
	char *dir = th_tmpdir();
	char *snap =
	    combination(dir, "17763", "windows-server-2019", "7.0.2046.404", "sfb2019", "edge");
	char *target = enf_asprintf("snapshot:%s", snap);
	th_cli_result r = th_run_cli(dir, ARGS("facts", "--target", target), NULL);
	cr_expect_eq(r.code, 1);
	char *want = enf_asprintf("enforcer: snapshot '%s': facts.lync.product must be lync-2013, "
	                          "sfb-2015, sfb-2019 or sfb-se\n",
	                          snap);
	cr_expect_str_eq(r.err, want);
	cr_expect_str_eq(r.out, "");
	free(want);
	th_cli_free(&r);
	free(target);
	free(snap);
	free(dir);
}

/* One resource per release, each applying only where its conditions hold. */
static const char product_policy[] =
    "enforcer: 1\nname: releases\nresources:\n"
    "  - {type: registry, id: lync-2013, when: {lync.product: lync-2013, os.product: "
    "windows-server-2012-r2}, key: 'HKLM\\Software\\T', value: A, kind: dword, data: 1}\n"
    "  - {type: registry, id: sfb-after-cu9, when: {lync.product: [sfb-2015, sfb-2019, "
    "sfb-se], lync.version: '>= 6.0.9319.548'}, key: 'HKLM\\Software\\T', value: B, kind: "
    "dword, data: 1}\n"
    "  - {type: registry, id: not-se, when: {lync.product: '!= sfb-se'}, key: "
    "'HKLM\\Software\\T', value: C, kind: dword, data: 1}\n"
    "  - {type: registry, id: server-2022-on, when: {os.build: '>= 20348'}, key: "
    "'HKLM\\Software\\T', value: D, kind: dword, data: 1}\n";

typedef struct combo {
	const char *build, *os, *version, *product;
	enf_outcome want[4];
	const char *skipped[4]; /* the message of each skipped resource */
} combo;

Test(versions, when_conditions_pick_the_resources_of_each_release)
{
	static const char *const ids[] = {"lync-2013", "sfb-after-cu9", "not-se", "server-2022-on"};
	const enf_outcome D = ENF_OUTCOME_DRIFT, S = ENF_OUTCOME_SKIPPED;
	const combo combos[] = {
	    {"9600",
	     "windows-server-2012-r2",
	     "5.0.8308.1182",
	     "lync-2013",
	     {D, S, D, S},
	     {NULL,
	      "condition not met: lync.product is lync-2013, and the condition is in "
	      "[sfb-2015, sfb-2019, sfb-se]",
	      NULL, "condition not met: os.build is 9600, and the condition is >= 20348"}},
	    {"14393",
	     "windows-server-2016",
	     "6.0.9319.534",
	     "sfb-2015",
	     {S, S, D, S},
	     {"condition not met: lync.product is sfb-2015, and the condition is == lync-2013",
	      "condition not met: lync.version is 6.0.9319.534, and the condition is >= "
	      "6.0.9319.548",
	      NULL, "condition not met: os.build is 14393, and the condition is >= 20348"}},
	    {"14393",
	     "windows-server-2016",
	     "6.0.9319.548",
	     "sfb-2015",
	     {S, D, D, S},
	     {"condition not met: lync.product is sfb-2015, and the condition is == lync-2013",
	      NULL, NULL, "condition not met: os.build is 14393, and the condition is >= 20348"}},
	    {"17763",
	     "windows-server-2019",
	     "7.0.2046.404",
	     "sfb-2019",
	     {S, D, D, S},
	     {"condition not met: lync.product is sfb-2019, and the condition is == lync-2013",
	      NULL, NULL, "condition not met: os.build is 17763, and the condition is >= 20348"}},
	    {"20348",
	     "windows-server-2022",
	     "7.0.2046.889",
	     "sfb-se",
	     {S, D, S, D},
	     {"condition not met: lync.product is sfb-se, and the condition is == lync-2013", NULL,
	      "condition not met: lync.product is sfb-se, and the condition is != sfb-se", NULL}},
	    {"26100",
	     "windows-server-2025",
	     "7.0.2046.889",
	     "sfb-se",
	     {S, D, S, D},
	     {"condition not met: lync.product is sfb-se, and the condition is == lync-2013", NULL,
	      "condition not met: lync.product is sfb-se, and the condition is != sfb-se", NULL}},
	};
	for (size_t c = 0; c < ENF_ARRAY_SIZE(combos); c++) {
		const combo *k = &combos[c];
		char *dir = th_tmpdir();
		char *snap = combination(dir, k->build, k->os, k->version, k->product, "front-end");
		char *snap_text = th_read(snap, NULL);
		fixture f;
		fx_init(&f, snap_text, product_policy);
		fx_run(&f, ENF_RUN_PLAN, 0);
		for (size_t i = 0; i < ENF_ARRAY_SIZE(ids); i++) {
			const enf_result *r = fx_result(&f, ids[i]);
			cr_expect_eq(r->outcome, k->want[i], "%s on %s: %s is %s (%s)", k->product,
			             k->os, ids[i], enf_outcome_name(r->outcome),
			             r->message ? r->message : "");
			if (k->skipped[i])
				cr_expect_str_eq(r->message ? r->message : "(none)", k->skipped[i],
				                 "%s on %s: %s", k->product, k->os, ids[i]);
		}
		fx_fini(&f);
		free(snap_text);
		free(snap);
		free(dir);
	}
}
