/*
 * User rights on the snapshot target: the user-right resource (grant,
 * exclusive, Group Policy), the "Log on as a service" grant a service
 * resource makes for the account it assigns, journal order, rollback and
 * idempotence. Each test asserts the exact actions, exit code and the
 * snapshot file after.
 */
#include "engine/engine_int.h"
#include "engine_fixture.h"
#include "helpers.h"
#include "provider/snapshot.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A Front End: RTCSRV as NetworkService, running; svc-lync has no right yet. */
static const char fe_snapshot[] =
    "{\"schema\": \"enforcer-snapshot/1\",\n"
    " \"facts\": {\"host.name\": \"FE01\"},\n"
    " \"services\": {\n"
    "  \"RTCSRV\": {\"logon\": \"NetworkService\", \"password_stored\": false, \"startup\": \"automatic\", \"state\": \"stopped\"},\n"
    "  \"RTCCLSAGT\": {\"logon\": \"LocalSystem\", \"startup\": \"automatic\", \"state\": \"stopped\"},\n"
    "  \"RTCREPLICA\": {\"logon\": \"LocalSystem\", \"startup\": \"automatic\", \"state\": \"stopped\"}\n"
    " },\n"
    " \"accounts\": {\"CONTOSO\\\\svc-lync\": \"S-1-5-21-1-2-3-1105\", \"CONTOSO\\\\old-svc\": \"S-1-5-21-1-2-3-1200\",\n"
    "              \"CONTOSO\\\\gmsa-lync$\": \"S-1-5-21-1-2-3-1300\"},\n"
    " \"rights\": {\"SeServiceLogonRight\": [\"S-1-5-80-0\"],\n"
    "            \"SeBatchLogonRight\": [\"CONTOSO\\\\old-svc\", \"S-1-5-21-1-2-3-1105\"]}\n"
    "}\n";

static const char move_policy[] = "enforcer: 1\nname: fe\nresources:\n"
                                  "  - type: service\n"
                                  "    id: front-end\n"
                                  "    name: RTCSRV\n"
                                  "    logon: CONTOSO\\svc-lync\n"
                                  "    password: env:LYNC_PW\n"
                                  "    state: running\n";

static void expect_actions(const fixture *f, const char *id, const char *want)
{
	char *got = fx_actions(fx_result(f, id));
	cr_expect_str_eq(got, want, "%s: got '%s'", id, got);
	free(got);
}

/* The accounts holding `right` in the snapshot file, joined by ", ". free() it. */
static char *holders(const fixture *f, const char *right)
{
	json_t *s = fx_state(f);
	json_t *list = json_object_get(json_object_get(s, "rights"), right);
	enf_buf b = ENF_BUF_INIT;
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	    enf_buf_printf(&b, "%s%s", i ? ", " : "", json_string_value(v));
	json_decref(s);
	char *out = enf_buf_detach(&b);
	return out ? out : enf_strdup("");
}

static void expect_holders(const fixture *f, const char *right, const char *want)
{
	char *got = holders(f, right);
	cr_expect_str_eq(got, want, "%s held by '%s'", right, got);
	free(got);
}

/* The "op" of every change record of a run's journal, joined by ", ". free() it. */
static char *journal_ops(const fixture *f, const char *run_id)
{
	char *path = enf_asprintf("%s/journal/%s.jsonl", f->state, run_id);
	char *text = th_read(path, NULL);
	enf_buf b = ENF_BUF_INIT;
	for (char *line = text, *end; line && *line; line = end ? end + 1 : NULL) {
		if ((end = strchr(line, '\n')))
			*end = '\0';
		json_t *rec = json_loads(line, 0, NULL);
		const char *op =
		    json_string_value(json_object_get(json_object_get(rec, "change"), "op"));
		if (op)
			enf_buf_printf(&b, "%s%s", b.len ? ", " : "", op);
		json_decref(rec);
	}
	free(text);
	free(path);
	char *out = enf_buf_detach(&b);
	return out ? out : enf_strdup("");
}

static void set_password_env(void)
{
	setenv("LYNC_PW", "Pa55-not-logged", 1);
}

Test(rights, a_service_moved_to_a_domain_account_is_granted_log_on_as_a_service_first)
{
	fixture f;
	set_password_env();
	fx_init(&f, fe_snapshot, move_policy);
	enf_run *run = fx_run(&f, ENF_RUN_PLAN, 0);
	cr_expect_eq(enf_run_exit_code(run), 2);
	expect_actions(
	    &f, "front-end",
	    "grant CONTOSO\\svc-lync Log on as a service (SeServiceLogonRight); change RTCSRV log-on NetworkService -> CONTOSO\\svc-lync, set its password from the environment; start RTCSRV (stopped)");
	run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 2);
	cr_expect_eq(fx_result(&f, "front-end")->outcome, ENF_OUTCOME_CHANGED);
	/* Journaled, and granted before the log-on changes. */
	char *ops = journal_ops(&f, run->run_id);
	cr_expect_str_eq(ops, "right-grant, service-config, service-start");
	free(ops);
	expect_holders(&f, "SeServiceLogonRight", "S-1-5-80-0, CONTOSO\\svc-lync");
	/* Idempotent: the second apply changes nothing. */
	char *before = th_read(f.snapshot, NULL);
	run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 0);
	cr_expect_eq(run->changes_made, 0);
	char *after = th_read(f.snapshot, NULL);
	cr_expect_str_eq(after, before, "a second apply rewrote the snapshot");
	free(before);
	free(after);
	fx_fini(&f);
	th_expect_no_leaks();
}

Test(rights, managed_accounts_are_granted_virtual_and_builtin_accounts_are_not)
{
	fixture f;
	fx_init(
	    &f, fe_snapshot,
	    "enforcer: 1\nname: fe\nresources:\n"
	    "  - {type: service, id: gmsa, name: RTCSRV, logon: 'CONTOSO\\gmsa-lync$'}\n"
	    "  - {type: service, id: virtual, name: RTCCLSAGT, logon: 'NT SERVICE\\RTCCLSAGT'}\n"
	    "  - {type: service, id: builtin, name: RTCREPLICA, logon: 'NT AUTHORITY\\NETWORK SERVICE'}\n");
	fx_run(&f, ENF_RUN_PLAN, 0);
	expect_actions(
	    &f, "gmsa",
	    "grant CONTOSO\\gmsa-lync$ Log on as a service (SeServiceLogonRight); change RTCSRV log-on NetworkService -> CONTOSO\\gmsa-lync$, no password (Windows manages it)");
	expect_actions(
	    &f, "virtual",
	    "change RTCCLSAGT log-on LocalSystem -> NT SERVICE\\RTCCLSAGT, no password (Windows manages it)");
	expect_actions(
	    &f, "builtin",
	    "change RTCREPLICA log-on LocalSystem -> NT AUTHORITY\\NETWORK SERVICE, clear password");
	fx_fini(&f);
	th_expect_no_leaks();
}

Test(rights, an_account_that_holds_the_right_under_its_sid_is_not_granted_again)
{
	fixture f;
	set_password_env();
	/* svc-lync holds SeBatchLogonRight as its SID; the policy names it. */
	fx_init(
	    &f, fe_snapshot,
	    "enforcer: 1\nname: fe\nresources:\n"
	    "  - {type: user-right, id: batch, right: SeBatchLogonRight, members: ['CONTOSO\\svc-lync']}\n");
	enf_run *run = fx_run(&f, ENF_RUN_PLAN, 0);
	cr_expect_eq(enf_run_exit_code(run), 0);
	cr_expect_eq(fx_result(&f, "batch")->outcome, ENF_OUTCOME_COMPLIANT);
	char *before = enf_state_json(fx_result(&f, "batch")->before);
	cr_expect_str_eq(before,
	                 "{\"right\":\"SeBatchLogonRight\",\"holders\":[\"CONTOSO\\\\old-svc\","
	                 "\"CONTOSO\\\\svc-lync\"]}");
	free(before);
	fx_fini(&f);
	th_expect_no_leaks();
}

Test(rights, a_user_right_alone_grants_the_missing_members_and_keeps_the_others)
{
	fixture f;
	fx_init(&f, fe_snapshot,
	        "enforcer: 1\nname: fe\nresources:\n"
	        "  - type: user-right\n"
	        "    id: logon-as-service\n"
	        "    right: SeServiceLogonRight\n"
	        "    members: [CONTOSO\\svc-lync, S-1-5-21-1-2-3-1300, S-1-5-80-0]\n");
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 2);
	expect_actions(
	    &f, "logon-as-service",
	    "grant CONTOSO\\svc-lync Log on as a service (SeServiceLogonRight); grant S-1-5-21-1-2-3-1300 Log on as a service (SeServiceLogonRight)");
	expect_holders(&f, "SeServiceLogonRight",
	               "S-1-5-80-0, CONTOSO\\svc-lync, S-1-5-21-1-2-3-1300");
	/* After an apply, "after" is what was read back: the SID's name is known. */
	char *after = enf_state_json(fx_result(&f, "logon-as-service")->after);
	cr_expect_str_eq(after,
	                 "{\"right\":\"SeServiceLogonRight\",\"holders\":[\"S-1-5-80-0\","
	                 "\"CONTOSO\\\\svc-lync\",\"CONTOSO\\\\gmsa-lync$\"]}",
	                 "%s", after);
	free(after);
	run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 0, "the second apply changed something");
	fx_fini(&f);
	th_expect_no_leaks();
}

Test(rights, exclusive_removes_everyone_else_and_rollback_grants_them_again)
{
	fixture f;
	fx_init(&f, fe_snapshot,
	        "enforcer: 1\nname: fe\nresources:\n"
	        "  - type: user-right\n"
	        "    id: batch\n"
	        "    right: SeBatchLogonRight\n"
	        "    members: ['NT AUTHORITY\\NETWORK SERVICE']\n"
	        "    exclusive: true\n");
	fx_run(&f, ENF_RUN_PLAN, 0);
	expect_actions(
	    &f, "batch",
	    "grant NT AUTHORITY\\NETWORK SERVICE Log on as a batch job (SeBatchLogonRight); revoke Log on as a batch job (SeBatchLogonRight) from CONTOSO\\old-svc; revoke Log on as a batch job (SeBatchLogonRight) from CONTOSO\\svc-lync");
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 2);
	expect_holders(&f, "SeBatchLogonRight", "NT AUTHORITY\\NETWORK SERVICE");
	char *ops = journal_ops(&f, run->run_id);
	cr_expect_str_eq(ops, "right-grant, right-revoke, right-revoke");
	free(ops);
	char *id = enf_strdup(run->run_id);
	cr_expect_eq(enf_run_exit_code(fx_run(&f, ENF_RUN_APPLY, 0)), 0);
	/* Rollback: the two removed accounts hold it again (by SID), the granted one does not. */
	run = fx_rollback(&f, id);
	cr_expect_eq(enf_run_exit_code(run), 2);
	expect_actions(
	    &f, "batch",
	    "grant CONTOSO\\svc-lync Log on as a batch job (SeBatchLogonRight) (the run revoked it); grant CONTOSO\\old-svc Log on as a batch job (SeBatchLogonRight) (the run revoked it); revoke Log on as a batch job (SeBatchLogonRight) from NT AUTHORITY\\NETWORK SERVICE (the run granted it)");
	expect_holders(&f, "SeBatchLogonRight", "S-1-5-21-1-2-3-1105, S-1-5-21-1-2-3-1200");
	cr_expect_eq(enf_run_exit_code(fx_rollback(&f, id)), 0,
	             "a second rollback changed something");
	free(id);
	fx_fini(&f);
	th_expect_no_leaks();
}

Test(rights, rollback_revokes_only_what_the_run_granted)
{
	fixture f;
	set_password_env();
	/* svc-lync holds the right already; the gMSA does not. */
	char *snap = enf_asprintf(
	    "%.*s\"SeServiceLogonRight\": [\"S-1-5-80-0\", \"CONTOSO\\\\svc-lync\"]%s",
	    (int)(strstr(fe_snapshot, "\"SeServiceLogonRight\"") - fe_snapshot), fe_snapshot,
	    strstr(fe_snapshot, "[\"S-1-5-80-0\"]") + strlen("[\"S-1-5-80-0\"]"));
	fx_init(
	    &f, snap,
	    "enforcer: 1\nname: fe\nresources:\n"
	    "  - {type: service, id: front-end, name: RTCSRV, logon: 'CONTOSO\\svc-lync', password: 'env:LYNC_PW'}\n"
	    "  - {type: service, id: replica, name: RTCREPLICA, logon: 'CONTOSO\\gmsa-lync$'}\n");
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 2);
	expect_actions(
	    &f, "front-end",
	    "change RTCSRV log-on NetworkService -> CONTOSO\\svc-lync, set its password from the environment");
	expect_actions(
	    &f, "replica",
	    "grant CONTOSO\\gmsa-lync$ Log on as a service (SeServiceLogonRight); change RTCREPLICA log-on LocalSystem -> CONTOSO\\gmsa-lync$, no password (Windows manages it)");
	expect_holders(&f, "SeServiceLogonRight",
	               "S-1-5-80-0, CONTOSO\\svc-lync, CONTOSO\\gmsa-lync$");
	char *id = enf_strdup(run->run_id);
	fx_rollback(&f, id);
	expect_actions(
	    &f, "replica",
	    "restore RTCREPLICA log-on CONTOSO\\gmsa-lync$ -> LocalSystem; revoke Log on as a service (SeServiceLogonRight) from CONTOSO\\gmsa-lync$ (the run granted it)");
	/* svc-lync had it before the run and keeps it. */
	expect_holders(&f, "SeServiceLogonRight", "S-1-5-80-0, CONTOSO\\svc-lync");
	free(id);
	free(snap);
	fx_fini(&f);
	th_expect_no_leaks();
}

/* The snapshot with "gpo_rights": ["SeServiceLogonRight"] added. */
static char *gpo_snapshot(void)
{
	const char *end = strrchr(fe_snapshot, '}');
	return enf_asprintf("%.*s, \"gpo_rights\": [\"SeServiceLogonRight\"]}\n",
	                    (int)(end - fe_snapshot), fe_snapshot);
}

Test(rights, a_right_group_policy_defines_is_never_changed_locally)
{
	fixture f;
	set_password_env();
	char *snap = gpo_snapshot();
	fx_init(&f, snap, move_policy);
	enf_run *run = NULL;
	cr_assert_eq(fx_try(&f, ENF_RUN_APPLY, &run), 0);
	cr_expect_eq(enf_run_exit_code(run), 4);
	const enf_result *r = NULL;
	for (size_t i = 0; i < run->count; i++)
		if (strcmp(run->results[i].id, "front-end") == 0)
			r = &run->results[i];
	cr_assert_not_null(r);
	cr_expect_eq(r->outcome, ENF_OUTCOME_FAILED);
	cr_expect_str_eq(
	    r->message,
	    "SeServiceLogonRight is set by Group Policy: grant CONTOSO\\svc-lync there");
	cr_expect_eq(r->action_count, 0);
	cr_expect_eq(run->changes_made, 0);
	/* Nothing was begun: a run that changes nothing keeps no journal (issue 19). */
	cr_expect_null(run->journal_path);
	char *jpath = enf_asprintf("%s/journal/%s.jsonl", f.state, run->run_id);
	cr_expect_eq(access(jpath, F_OK), -1, "a journal was kept: %s", jpath);
	free(jpath);
	char *now = th_read(f.snapshot, NULL);
	cr_expect_str_eq(now, snap, "the snapshot changed");
	free(now);
	enf_run_free(run);
	fx_fini(&f);

	/* The user-right resource too, for a grant and for a removal. */
	fx_init(
	    &f, snap,
	    "enforcer: 1\nname: fe\nresources:\n"
	    "  - {type: user-right, id: grant, right: SeServiceLogonRight, members: ['CONTOSO\\svc-lync', 'CONTOSO\\gmsa-lync$']}\n"
	    "  - {type: user-right, id: only, right: SeServiceLogonRight, members: ['S-1-5-80-0'], exclusive: true}\n"
	    "  - {type: user-right, id: exclusive, right: SeServiceLogonRight, members: ['CONTOSO\\svc-lync'], exclusive: true}\n");
	run = NULL;
	cr_assert_eq(fx_try(&f, ENF_RUN_APPLY, &run), 0);
	cr_expect_eq(enf_run_exit_code(run), 4);
	cr_expect_str_eq(
	    run->results[0].message,
	    "SeServiceLogonRight is set by Group Policy: grant CONTOSO\\svc-lync, CONTOSO\\gmsa-lync$ there");
	/* Compliant as Group Policy set it: nothing to change, nothing refused. */
	cr_expect_eq(run->results[1].outcome, ENF_OUTCOME_COMPLIANT);
	cr_expect_str_eq(
	    run->results[2].message,
	    "SeServiceLogonRight is set by Group Policy: grant CONTOSO\\svc-lync and revoke it from S-1-5-80-0 there");
	now = th_read(f.snapshot, NULL);
	cr_expect_str_eq(now, snap, "the snapshot changed");
	free(now);
	enf_run_free(run);
	free(snap);
	fx_fini(&f);
	th_expect_no_leaks();
}

Test(rights, a_denied_grant_fails_the_service_before_its_log_on_changes)
{
	fixture f;
	set_password_env();
	const char *end = strrchr(fe_snapshot, '}');
	char *snap =
	    enf_asprintf("%.*s, \"faults\": {\"deny_rights\": [\"SeServiceLogonRight\"]}}\n",
	                 (int)(end - fe_snapshot), fe_snapshot);
	fx_init(&f, snap, move_policy);
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 4);
	const enf_result *r = fx_result(&f, "front-end");
	cr_expect_str_eq(
	    r->message,
	    "grant CONTOSO\\svc-lync Log on as a service (SeServiceLogonRight): cannot change who holds SeServiceLogonRight: access denied (STATUS_ACCESS_DENIED, error 5)");
	char *now = th_read(f.snapshot, NULL);
	cr_expect_str_eq(now, snap, "the snapshot changed");
	free(now);
	free(snap);
	fx_fini(&f);
	th_expect_no_leaks();
}

Test(rights, without_the_password_nothing_is_granted)
{
	fixture f;
	unsetenv("LYNC_PW");
	fx_init(&f, fe_snapshot, move_policy);
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 4, "a grant was made for a log-on change that failed");
	cr_expect_eq(run->changes_made, 0);
	char *now = th_read(f.snapshot, NULL);
	cr_expect_str_eq(now, fe_snapshot);
	free(now);
	fx_fini(&f);
	th_expect_no_leaks();
}

Test(rights, the_snapshot_checks_rights_when_it_is_opened)
{
	static const struct {
		const char *doc, *error;
	} cases[] = {
	    {"{\"schema\": \"enforcer-snapshot/1\", \"rights\": {\"SeServiceLogon\": []}}",
	     "snapshot 'X': rights.SeServiceLogon is not a user right or privilege (SeServiceLogonRight...)"},
	    {"{\"schema\": \"enforcer-snapshot/1\", \"rights\": {\"SeServiceLogonRight\": \"x\"}}",
	     "snapshot 'X': rights.SeServiceLogonRight must be a list of account names or SIDs"},
	    {"{\"schema\": \"enforcer-snapshot/1\", \"rights\": {\"SeServiceLogonRight\": [\"\"]}}",
	     "snapshot 'X': rights.SeServiceLogonRight must be a list of account names or SIDs"},
	    {"{\"schema\": \"enforcer-snapshot/1\", \"rights\": []}",
	     "snapshot 'X': rights must be an object"},
	    {"{\"schema\": \"enforcer-snapshot/1\", \"gpo_rights\": {}}",
	     "snapshot 'X': gpo_rights must be a list of rights"},
	    {"{\"schema\": \"enforcer-snapshot/1\", \"gpo_rights\": [\"SeFoo\"]}",
	     "snapshot 'X': gpo_rights must list user rights or privileges (SeServiceLogonRight...)"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *doc = json_loads(cases[i].doc, 0, NULL);
		cr_assert_not_null(doc);
		cr_expect_eq(enf_snapshot_check(doc, "X"), ENF_EINVALID, "case %zu", i);
		cr_expect_str_eq(enf_error_last()->message, cases[i].error, "case %zu", i);
		json_decref(doc);
	}
	th_expect_no_leaks();
}

Test(rights, both_change_kinds_round_trip_through_the_journal)
{
	const change_ops *kinds[] = {&enf_change_right_grant, &enf_change_right_revoke};
	for (size_t i = 0; i < 2; i++) {
		change c = {.ops = kinds[i],
		            .text = enf_strdup("x"),
		            .name = enf_strdup("SeServiceLogonRight"),
		            .account = enf_strdup("S-1-5-21-1-2-3-1105"),
		            .key = enf_strdup("CONTOSO\\svc-lync")};
		json_t *a = enf_change_to_json(&c);
		change back = {0};
		cr_assert_eq(enf_change_from_json(&back, a), 0, "%s", kinds[i]->op);
		cr_expect_eq(back.ops, kinds[i]);
		json_t *b = enf_change_to_json(&back);
		cr_expect(json_equal(a, b));
		json_decref(a);
		json_decref(b);
		enf_change_clear(&back);
		enf_change_clear(&c);
	}
	/* A record naming no right the LSA knows cannot be undone. */
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "op", "right-grant", "text", "x", "right",
	                      "SeNoSuchRight", "account", "S-1-5-20");
	change c = {0};
	cr_expect_eq(enf_change_from_json(&c, o), ENF_EINVALID);
	json_decref(o);
	th_expect_no_leaks();
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

Test(rights, apply_refused_by_group_policy_exits_4_and_leaves_the_snapshot_byte_for_byte)
{
	char *dir = th_tmpdir();
	char *snap = gpo_snapshot();
	char *path = th_write(dir, "server.json", snap);
	free(th_write(dir, "policy.yaml", move_policy));
	th_cli_result r = th_run_cli(dir,
	                             ARGS("apply", "--target", "snapshot:server.json",
	                                  "--state-dir", "state", "policy.yaml"),
	                             "LYNC_PW=Pa55-not-logged");
	cr_expect_eq(r.code, 4, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "failed      front-end: SeServiceLogonRight is set by Group "
	                        "Policy: grant CONTOSO\\svc-lync there\n") == r.out,
	          "%s", r.out);
	char *now = th_read(path, NULL);
	cr_expect_str_eq(now, snap, "the snapshot changed");
	free(now);
	th_cli_free(&r);
	free(path);
	free(snap);
	free(dir);
	th_expect_no_leaks();
}

Test(rights, exclusive_revokes_nobody_while_a_member_cannot_be_resolved)
{
	fixture f;
	fx_init(&f, fe_snapshot,
	        "enforcer: 1\nname: fe\nresources:\n"
	        "  - {type: user-right, id: batch, right: SeBatchLogonRight, exclusive: true,\n"
	        "     members: ['CONTOSO\\svc-lync', 'CONTOSO\\not-in-the-directory']}\n");
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 4);
	cr_expect_str_eq(
	    fx_result(&f, "batch")->message,
	    "member 'CONTOSO\\not-in-the-directory' cannot be resolved to a SID (account 'CONTOSO\\not-in-the-directory' does not exist (LookupAccountName: error 1332)), so with exclusive: true nobody is revoked: it could be one of the holders");
	char *now = th_read(f.snapshot, NULL);
	cr_expect_str_eq(now, fe_snapshot);
	free(now);
	fx_fini(&f);
	th_expect_no_leaks();
}
