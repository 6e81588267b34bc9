/*
 * The chain's exact second through the engine, whose clock is the run's
 * `now` (the path validation cases themselves are in test_pathval.c).
 */
#include "engine_fixture.h"
#include "helpers.h"
#include "pathval.h"

#include "util/util.h"

#include <criterion/criterion.h>
#include <stdlib.h>

TestSuite(pathval_engine, .init = pv_init, .fini = pv_fini);

/* Plans `require: {chain: trusted, valid-for-days: 0}` for `ee` in My at `now`. */
static void plan_at(fixture *f, const pki_cert *ee, time_t now)
{
	json_t *snap = pki_snapshot();
	pki_snapshot_add(snap, "Root", pv_ta);
	pki_snapshot_add(snap, "CA", pv_good);
	pki_snapshot_add(snap, "My", ee);
	char *json = json_dumps(snap, 0);
	char *policy = enf_asprintf("enforcer: 1\nname: t\nresources:\n"
	                            "  - type: certificate\n    id: edge\n    store: My\n"
	                            "    thumbprint: %s\n"
	                            "    require: {chain: trusted, valid-for-days: 0}\n",
	                            ee->thumbprint);
	cr_assert(json && policy);
	fx_init(f, json, policy);
	enf_run_options opts = ENF_RUN_OPTIONS_INIT;
	opts.mode = ENF_RUN_PLAN;
	opts.now = (double)now;
	fx_run_with(f, &opts);
	free(policy);
	free(json);
	json_decref(snap);
}

/* `ee` is compliant at `valid`, and one second away at `invalid` fails with `want`. */
static void second_case(pki_opts o, time_t valid, time_t invalid, const char *want)
{
	pki_cert *ee = pv_issue(o, pv_good);
	fixture f = {0};
	plan_at(&f, ee, valid);
	const enf_result *r = fx_result(&f, "edge");
	cr_expect_eq(r->outcome, ENF_OUTCOME_COMPLIANT, "%s", r->message);
	fx_fini(&f);
	plan_at(&f, ee, invalid);
	r = fx_result(&f, "edge");
	cr_expect_eq(r->outcome, ENF_OUTCOME_FAILED);
	cr_expect_str_eq(r->message ? r->message : "(none)", want);
	fx_fini(&f);
	pki_free(ee);
}

Test(pathval_engine, counts_the_notafter_second_as_valid)
{
	second_case((pki_opts){.cn = "Last Second EE", .not_after = PV_AT}, PV_AT, PV_AT + 1,
	            "chain: 'Last Second EE' expired on 2030-03-15; valid-for-days: expired on "
	            "2030-03-15");
}

Test(pathval_engine, counts_the_notbefore_second_as_valid)
{
	second_case((pki_opts){.cn = "First Second EE", .not_before = PV_AT}, PV_AT, PV_AT - 1,
	            "chain: 'First Second EE' is not valid until 2030-03-15; valid-for-days: not "
	            "valid until 2030-03-15");
}
