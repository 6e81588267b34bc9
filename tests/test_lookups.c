/*
 * Account lookups on the snapshot target: "no such account" (1332) is an
 * answer, an unreachable domain controller (faults.unreachable_dc, 1722) is
 * not, and a run looks each name up once, however many resources and
 * verifications ask.
 */
#include "engine_fixture.h"
#include "helpers.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

/* The snapshot's account_sid, counted per name. */
static const enf_provider *real;
static json_t *calls;

static int counting_sid(char **out, void *self, const char *account)
{
	json_int_t n = json_integer_value(json_object_get(calls, account));
	json_object_set_new(calls, account, json_integer(n + 1));
	return real->account_sid(out, self, account);
}

/* Runs the fixture's policy through a target whose lookups are counted. */
static enf_run *counted_run(fixture *f, enf_run_mode mode)
{
	enf_diag_list diags;
	enf_policy *policy = NULL;
	enf_target *target = NULL;
	cr_assert_eq(enf_diag_list_init(&diags, f->policy), 0);
	cr_assert_eq(enf_policy_load_file(&policy, &diags, f->policy), 0, "%s",
	             diags.count ? diags.items[0].message : "?");
	enf_diag_list_clear(&diags);
	char *spec = enf_asprintf("snapshot:%s", f->snapshot);
	cr_assert_eq(enf_target_open(&target, spec), 0);
	static enf_provider counting;
	real = target->provider;
	counting = *real;
	counting.account_sid = counting_sid;
	target->provider = &counting;
	json_decref(calls);
	calls = json_object();
	enf_run_options opts = ENF_RUN_OPTIONS_INIT;
	opts.mode = mode;
	opts.state_dir = f->state;
	enf_run_free(f->run);
	f->run = NULL;
	cr_assert_eq(enf_run_policy(&f->run, policy, target, &opts), 0);
	target->provider = real;
	enf_target_close(target);
	enf_policy_free(policy);
	free(spec);
	return f->run;
}

static json_int_t lookups(const char *account)
{
	return json_integer_value(json_object_get(calls, account));
}

/* Three services stored under the account's SID; the policy names it. */
static const char sids_snapshot[] =
    "{\"schema\": \"enforcer-snapshot/1\", \"services\": {\n"
    "  \"A\": {\"logon\": \"S-1-5-21-1-2-3-1105\", \"startup\": \"manual\", \"state\": \"stopped\"},\n"
    "  \"B\": {\"logon\": \"S-1-5-21-1-2-3-1105\", \"startup\": \"manual\", \"state\": \"stopped\"},\n"
    "  \"C\": {\"logon\": \".\\\\svc-old\", \"startup\": \"manual\", \"state\": \"stopped\"}},\n"
    " \"accounts\": {\"CONTOSO\\\\svc-lync\": \"S-1-5-21-1-2-3-1105\"}%s}\n";

static const char sids_policy[] =
    "enforcer: 1\nname: sids\nresources:\n"
    "  - {type: service, id: a, name: A, logon: 'CONTOSO\\svc-lync', password: 'env:ENFTEST_PW', startup: automatic}\n"
    "  - {type: service, id: b, name: B, logon: 'CONTOSO\\svc-lync', password: 'env:ENFTEST_PW'}\n"
    "  - {type: service, id: c, name: C, logon: 'CONTOSO\\svc-lync', password: 'env:ENFTEST_PW'}\n";

static void init(fixture *f, const char *faults)
{
	char *snap = enf_asprintf(sids_snapshot, faults);
	fx_init(f, snap, sids_policy);
	free(snap);
	cr_assert_eq(setenv("ENFTEST_PW", "Correct-Horse-1", 1), 0);
}

Test(lookups, each_name_is_looked_up_once_per_run)
{
	fixture f;
	init(&f, "");
	enf_run *run = counted_run(&f, ENF_RUN_PLAN);
	/* A and B are the account by SID; C is another account: only its log-on changes. */
	cr_expect_eq(fx_result(&f, "a")->outcome, ENF_OUTCOME_DRIFT);
	cr_expect_eq(fx_result(&f, "b")->outcome, ENF_OUTCOME_COMPLIANT);
	cr_expect_eq(fx_result(&f, "c")->outcome, ENF_OUTCOME_DRIFT);
	cr_expect_eq(enf_run_exit_code(run), 2);
	cr_expect_eq(lookups("CONTOSO\\svc-lync"), 1);
	cr_expect_eq(lookups(".\\svc-old"), 1);
	cr_expect_eq(json_object_size(calls), 2);
	/* Apply plans, changes and verifies each resource: still one lookup per name. */
	run = counted_run(&f, ENF_RUN_APPLY);
	cr_expect_eq(enf_run_exit_code(run), 2);
	cr_expect_eq(run->counts[ENF_OUTCOME_CHANGED], 2);
	cr_expect_eq(lookups("CONTOSO\\svc-lync"), 1);
	cr_expect_eq(lookups(".\\svc-old"), 1);
	fx_fini(&f);
	json_decref(calls);
	calls = NULL;
}

#define UNREACHABLE                                                                                \
	"cannot tell whether the log-on account is the policy's: cannot look up account "          \
	"'CONTOSO\\svc-lync': the domain controller cannot be reached, so whether the account "    \
	"exists is unknown (LookupAccountName: error 1722)"

Test(lookups, an_unreachable_domain_controller_is_not_a_missing_account)
{
	fixture f;
	init(&f, ",\n \"faults\": {\"unreachable_dc\": [\"contoso\"]}");
	char *before = th_read(f.snapshot, NULL);
	enf_run *run = counted_run(&f, ENF_RUN_APPLY);
	/*
	 * A and B are stored as the SID, C as another name: whether the
	 * policy's account is either cannot be told, so nothing is changed.
	 */
	for (const char *const *id = (const char *const[]){"a", "b", "c", NULL}; *id; id++) {
		cr_expect_eq(fx_result(&f, *id)->outcome, ENF_OUTCOME_FAILED, "%s", *id);
		cr_expect_str_eq(fx_result(&f, *id)->message, UNREACHABLE, "%s", *id);
	}
	/* The same failure is not asked again for every resource: one timeout, not three. */
	cr_expect_eq(lookups("CONTOSO\\svc-lync"), 1);
	cr_expect_eq(lookups(".\\svc-old"), 1);
	cr_expect_eq(enf_run_exit_code(run), 4);
	cr_expect_eq(run->changes_made, 0);
	char *after = th_read(f.snapshot, NULL);
	cr_expect_str_eq(after, before, "apply changed the snapshot");
	free(after);
	free(before);
	fx_fini(&f);
	json_decref(calls);
	calls = NULL;
}

Test(lookups, the_providers_say_which_kind_of_failure)
{
	fixture f;
	init(&f, ",\n \"faults\": {\"unreachable_dc\": [\"CONTOSO\"]}");
	enf_target *target = NULL;
	char *spec = enf_asprintf("snapshot:%s", f.snapshot);
	cr_assert_eq(enf_target_open(&target, spec), 0);
	char *sid = NULL;
	cr_expect_eq(target->provider->account_sid(&sid, target->self, "CONTOSO\\svc-lync"),
	             ENF_ERROR);
	cr_expect_str_eq(enf_error_last()->message,
	                 "cannot look up account 'CONTOSO\\svc-lync': the domain controller cannot "
	                 "be reached, so whether the account exists is unknown (LookupAccountName: "
	                 "error 1722)");
	cr_expect_eq(target->provider->account_sid(&sid, target->self, "FABRIKAM\\nobody"),
	             ENF_ENOTFOUND);
	cr_expect_str_eq(
	    enf_error_last()->message,
	    "account 'FABRIKAM\\nobody' does not exist (LookupAccountName: error 1332)");
	/* Built-in accounts and SIDs need no domain controller, as on Windows. */
	cr_expect_eq(target->provider->account_sid(&sid, target->self, "NetworkService"), 0);
	cr_expect_str_eq(sid, "S-1-5-20");
	free(sid);
	enf_target_close(target);
	free(spec);
	fx_fini(&f);
}
