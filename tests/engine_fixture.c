/* Engine test fixtures on the snapshot provider. */
#include "engine_fixture.h"
#include "helpers.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

const char fx_seed_snapshot[] =
    "{\"schema\": \"enforcer-snapshot/1\",\n"
    " \"facts\": {\"os.build\": \"9600\", \"os.version\": \"6.3\", \"host.name\": \"EDGE01\", \"role\": \"edge\"},\n"
    " \"registry\": {\"HKLM\\\\System\\\\CurrentControlSet\\\\Control\\\\SecurityProviders\\\\Schannel\": {}},\n"
    " \"services\": {\n"
    "  \"RTCSRV\": {\"logon\": \".\\\\svc-lync\", \"password_stored\": true, \"startup\": \"automatic\", \"state\": \"stopped\"},\n"
    "  \"RTCMEDIARELAY\": {\"logon\": \"NT AUTHORITY\\\\NETWORK SERVICE\", \"password_stored\": false, \"startup\": \"automatic\", \"state\": \"running\"}\n"
    " }}\n";

const char fx_seed_policy[] =
    "enforcer: 1\n"
    "name: lync-edge\n"
    "resources:\n"
    "  - type: registry\n"
    "    id: schannel.session-ticket\n"
    "    key: HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\Schannel\n"
    "    value: EnableSessionTicket\n"
    "    kind: dword\n"
    "    data: 2\n"
    "    notify: restart-lync\n"
    "  - type: service\n"
    "    id: access-edge\n"
    "    name: RTCSRV\n"
    "    logon: NetworkService\n"
    "    state: running\n"
    "  - type: restart\n"
    "    id: restart-lync\n"
    "    services: [RTCSRV, RTCMEDIARELAY]\n";

void fx_init(fixture *f, const char *snapshot_json, const char *policy_yaml)
{
	memset(f, 0, sizeof(*f));
	f->dir = th_tmpdir();
	f->snapshot = th_write(f->dir, "server.json", snapshot_json);
	f->policy = th_write(f->dir, "policy.yaml", policy_yaml);
	f->state = enf_asprintf("%s/state", f->dir);
}

void fx_fini(fixture *f)
{
	enf_run_free(f->run);
	free(f->dir);
	free(f->snapshot);
	free(f->policy);
	free(f->state);
	/* Once more is nothing: a suite's .fini may follow a test's own fx_fini. */
	memset(f, 0, sizeof(*f));
}

int fx_try(fixture *f, enf_run_mode mode, enf_run **out)
{
	enf_diag_list diags;
	enf_policy *policy = NULL;
	enf_target *target = NULL;
	cr_assert_eq(enf_diag_list_init(&diags, f->policy), 0);
	int rc = enf_policy_load_file(&policy, &diags, f->policy);
	cr_assert_eq(rc, 0, "the test policy is invalid: %s",
	             diags.count ? diags.items[0].message : "?");
	enf_diag_list_clear(&diags);
	char *spec = enf_asprintf("snapshot:%s", f->snapshot);
	cr_assert_eq(enf_target_open(&target, spec), 0, "%s", enf_error_last()->message);
	enf_run_options opts = ENF_RUN_OPTIONS_INIT;
	opts.mode = mode;
	opts.state_dir = f->state;
	rc = enf_run_policy(out, policy, target, &opts);
	enf_target_close(target);
	enf_policy_free(policy);
	free(spec);
	return rc;
}

enf_run *fx_run_with(fixture *f, enf_run_options *opts)
{
	enf_diag_list diags;
	enf_policy *policy = NULL;
	enf_target *target = NULL;
	cr_assert_eq(enf_diag_list_init(&diags, f->policy), 0);
	cr_assert_eq(enf_policy_load_file(&policy, &diags, f->policy), 0,
	             "the test policy is invalid: %s", diags.count ? diags.items[0].message : "?");
	enf_diag_list_clear(&diags);
	char *spec = enf_asprintf("snapshot:%s", f->snapshot);
	cr_assert_eq(enf_target_open(&target, spec), 0, "%s", enf_error_last()->message);
	opts->state_dir = f->state;
	enf_run_free(f->run);
	f->run = NULL;
	int rc = enf_run_policy(&f->run, policy, target, opts);
	cr_assert_eq(rc, 0, "the run failed: %s",
	             enf_error_last() ? enf_error_last()->message : "?");
	enf_target_close(target);
	enf_policy_free(policy);
	free(spec);
	return f->run;
}

enf_run *fx_run(fixture *f, enf_run_mode mode, int dry)
{
	enf_run_options opts = ENF_RUN_OPTIONS_INIT;
	opts.mode = mode;
	opts.dry_run = dry;
	return fx_run_with(f, &opts);
}

enf_run *fx_rollback(fixture *f, const char *id)
{
	enf_target *target = NULL;
	char *spec = enf_asprintf("snapshot:%s", f->snapshot);
	char *run_id = enf_strdup(id);
	cr_assert_eq(enf_target_open(&target, spec), 0);
	enf_run_options opts = ENF_RUN_OPTIONS_INIT;
	opts.mode = ENF_RUN_ROLLBACK;
	opts.state_dir = f->state;
	enf_run_free(f->run);
	f->run = NULL;
	int rc = enf_run_rollback(&f->run, run_id, target, &opts);
	cr_assert_eq(rc, 0, "the rollback failed: %s",
	             enf_error_last() ? enf_error_last()->message : "?");
	enf_target_close(target);
	free(spec);
	free(run_id);
	return f->run;
}

json_t *fx_state(const fixture *f)
{
	return th_json_file(f->snapshot);
}

const enf_result *fx_result(const fixture *f, const char *id)
{
	for (size_t i = 0; f->run && i < f->run->count; i++)
		if (strcmp(f->run->results[i].id, id) == 0)
			return &f->run->results[i];
	cr_assert_fail("no result for '%s'", id);
	return NULL;
}

char *fx_actions(const enf_result *r)
{
	enf_buf b = ENF_BUF_INIT;
	for (size_t i = 0; i < r->action_count; i++)
		enf_buf_printf(&b, "%s%s", i ? "; " : "", r->actions[i].text);
	return enf_buf_detach(&b);
}
