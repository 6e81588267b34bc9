/* Shared by the trust-store and certificate tests: see trust.h. */
#include "trust.h"
#include "helpers.h"
#include "pki.h"

#include "enforcer/errors.h"
#include "enforcer/provider.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

tt_state tt;

void tt_suite_init(void)
{
	tt.s = pki_standard();
	tt.snap = pki_snapshot();
}

void tt_suite_fini(void)
{
	fx_fini(&tt.f);
	json_decref(tt.snap);
	pki_set_free(tt.s);
	memset(&tt, 0, sizeof(tt));
	th_cleanup();
}

void tt_init(fixture *f, json_t *snap, const char *policy)
{
	memset(f, 0, sizeof(*f));
	f->dir = th_tmpdir();
	f->snapshot = pki_snapshot_write(snap, f->dir, "server.json");
	f->policy = th_write(f->dir, "policy.yaml", policy);
	f->state = enf_asprintf("%s/state", f->dir);
}

enf_run *tt_run(fixture *f, enf_run_mode mode)
{
	size_t len = 0;
	char *text = th_read(f->policy, &len);
	enf_diag_list diags;
	enf_policy *policy = NULL;
	enf_target *target = NULL;
	cr_assert_eq(enf_diag_list_init(&diags, f->policy), 0);
	/* The name is the file's path: files the policy names are found next to it. */
	cr_assert_eq(enf_policy_load_buffer(&policy, &diags, f->policy, text, len), 0,
	             "the test policy is invalid: %s", diags.count ? diags.items[0].message : "?");
	enf_diag_list_clear(&diags);
	char *spec = enf_asprintf("snapshot:%s", f->snapshot);
	cr_assert_eq(enf_target_open(&target, spec), 0, "%s", enf_error_last()->message);
	enf_run_options opts = ENF_RUN_OPTIONS_INIT;
	opts.mode = mode;
	opts.state_dir = f->state;
	enf_run_free(f->run);
	f->run = NULL;
	cr_assert_eq(enf_run_policy(&f->run, policy, target, &opts), 0, "the run failed: %s",
	             enf_error_last() ? enf_error_last()->message : "?");
	enf_target_close(target);
	enf_policy_free(policy);
	free(spec);
	free(text);
	return f->run;
}

void tt_expect_actions(const fixture *f, const char *id, const char *want)
{
	char *got = fx_actions(fx_result(f, id));
	cr_expect_str_eq(got, want, "%s: got '%s'", id, got);
	free(got);
}

void tt_expect_outcome(const fixture *f, const char *id, enf_outcome want)
{
	const enf_result *r = fx_result(f, id);
	cr_expect_eq(r->outcome, want, "%s: %s, not %s (%s)", id, enf_outcome_name(r->outcome),
	             enf_outcome_name(want), r->message ? r->message : "");
}

void tt_expect_message(const fixture *f, const char *id, const char *want)
{
	const char *got = fx_result(f, id)->message;
	cr_expect_str_eq(got ? got : "(none)", want);
}
