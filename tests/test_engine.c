/*
 * The engine on the snapshot target: plan, apply, verification, outcomes,
 * exit codes, restart handlers, journal and rollback. Each test asserts the
 * exact actions and the state of the "machine" (the snapshot file) after.
 */
#include "engine_fixture.h"
#include "helpers.h"

#include "util/util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SCHANNEL "HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\Schannel"

static json_t *service_of(json_t *state, const char *name)
{
	return json_object_get(json_object_get(state, "services"), name);
}

static const char *svc_str(json_t *state, const char *name, const char *key)
{
	return json_string_value(json_object_get(service_of(state, name), key));
}

static json_int_t svc_int(json_t *state, const char *name, const char *key)
{
	return json_integer_value(json_object_get(service_of(state, name), key));
}

static void expect_actions(const fixture *f, const char *id, const char *want)
{
	char *got = fx_actions(fx_result(f, id));
	cr_expect_str_eq(got, want, "%s: got '%s'", id, got);
	free(got);
}

/* The running test's fixture: made by the test itself, or by seed_init. */
static fixture f;

/* The seeds' Edge server and its baseline, which most tests start from. */
static void seed_init(void)
{
	fx_init(&f, fx_seed_snapshot, fx_seed_policy);
}

static void engine_fini(void)
{
	fx_fini(&f);
	th_cleanup();
}

TestSuite(engine, .fini = engine_fini);

Test(engine, seed_server_plan_lists_exactly_the_fixes, .init = seed_init)
{
	enf_run *run = fx_run(&f, ENF_RUN_PLAN, 0);
	cr_expect_eq(enf_run_exit_code(run), 2);
	cr_expect_eq(fx_result(&f, "schannel.session-ticket")->outcome, ENF_OUTCOME_DRIFT);
	expect_actions(&f, "schannel.session-ticket",
	               "create EnableSessionTicket = DWORD 2 (0x2) under " SCHANNEL);
	expect_actions(
	    &f, "access-edge",
	    "change RTCSRV log-on .\\svc-lync -> NetworkService, clear password; start RTCSRV (stopped)");
	/* The plan lists the handler's actions exactly as an apply makes them. */
	expect_actions(&f, "restart-lync",
	               "stop RTCMEDIARELAY; stop RTCSRV; start RTCSRV; start RTCMEDIARELAY");
	cr_expect_eq(run->counts[ENF_OUTCOME_DRIFT], 3);
}

Test(engine, plan_and_dry_run_change_nothing_anywhere, .init = seed_init)
{
	fx_run(&f, ENF_RUN_PLAN, 0);
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 1);
	cr_expect_eq(enf_run_exit_code(run), 2);
	cr_expect_eq(run->counts[ENF_OUTCOME_CHANGED], 0);
	char *now = th_read(f.snapshot, NULL);
	cr_expect_str_eq(now, fx_seed_snapshot, "the snapshot was rewritten by a plan");
	struct stat st;
	cr_expect_neq(stat(f.state, &st), 0, "a plan created the state folder");
	free(now);
}

Test(engine, apply_converges_verifies_and_second_apply_changes_nothing, .init = seed_init)
{
	enf_run *plan = fx_run(&f, ENF_RUN_PLAN, 0);
	char *planned = fx_actions(fx_result(&f, "access-edge"));
	(void)plan;
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 2);
	cr_expect_eq(run->counts[ENF_OUTCOME_CHANGED], 3);
	char *applied = fx_actions(fx_result(&f, "access-edge"));
	cr_expect_str_eq(applied, planned, "apply did other than the plan said");
	json_t *s = fx_state(&f);
	json_t *v = json_object_get(json_object_get(json_object_get(s, "registry"), SCHANNEL),
	                            "EnableSessionTicket");
	cr_expect_str_eq(json_string_value(json_object_get(v, "kind")), "dword");
	cr_expect_eq(json_integer_value(json_object_get(v, "data")), 2);
	cr_expect_str_eq(svc_str(s, "RTCSRV", "logon"), "NetworkService");
	cr_expect(json_is_false(json_object_get(service_of(s, "RTCSRV"), "password_stored")));
	cr_expect_str_eq(svc_str(s, "RTCSRV", "state"), "running");
	json_decref(s);
	run = fx_run(&f, ENF_RUN_PLAN, 0);
	cr_expect_eq(enf_run_exit_code(run), 0);
	run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 0);
	cr_expect_eq(run->counts[ENF_OUTCOME_COMPLIANT], 3);
	free(planned);
	free(applied);
}

Test(engine, restart_handler_runs_once_stopping_in_reverse_and_starting_in_order, .init = seed_init)
{
	fx_run(&f, ENF_RUN_APPLY, 0);
	expect_actions(&f, "restart-lync",
	               "stop RTCMEDIARELAY; stop RTCSRV; start RTCSRV; start RTCMEDIARELAY");
	cr_expect_str_eq(fx_result(&f, "restart-lync")->message,
	                 "notified by schannel.session-ticket");
	json_t *s = fx_state(&f);
	/* RTCSRV: started by its resource, then restarted once by the handler. */
	cr_expect_eq(svc_int(s, "RTCSRV", "starts"), 2);
	cr_expect_eq(svc_int(s, "RTCSRV", "stops"), 1);
	cr_expect_eq(svc_int(s, "RTCMEDIARELAY", "starts"), 1);
	cr_expect_eq(svc_int(s, "RTCMEDIARELAY", "stops"), 1);
	json_decref(s);
	fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(fx_result(&f, "restart-lync")->outcome, ENF_OUTCOME_COMPLIANT);
	s = fx_state(&f);
	cr_expect_eq(svc_int(s, "RTCMEDIARELAY", "starts"), 1,
	             "a compliant run restarted services");
	json_decref(s);
}

Test(engine, rollback_restores_the_old_state_exactly_and_twice_is_a_no_op, .init = seed_init)
{
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	char *id = enf_strdup(run->run_id);
	run = fx_rollback(&f, id);
	cr_expect_eq(enf_run_exit_code(run), 2);
	json_t *s = fx_state(&f);
	cr_expect_eq(json_object_size(json_object_get(json_object_get(s, "registry"), SCHANNEL)), 0,
	             "EnableSessionTicket was not deleted again");
	cr_expect_str_eq(svc_str(s, "RTCSRV", "logon"), ".\\svc-lync");
	cr_expect_str_eq(svc_str(s, "RTCSRV", "state"), "stopped");
	cr_expect_str_eq(svc_str(s, "RTCSRV", "startup"), "automatic");
	json_decref(s);
	expect_actions(
	    &f, "access-edge",
	    "stop RTCSRV (it was stopped); restore RTCSRV log-on NetworkService -> .\\svc-lync (without its password)");
	run = fx_rollback(&f, id);
	cr_expect_eq(enf_run_exit_code(run), 0, "a second rollback changed something");
	free(id);
}

static const char registry_snapshot[] =
    "{\"schema\": \"enforcer-snapshot/1\", \"registry\": {\"HKLM\\\\Software\\\\Contoso\": {\n"
    " \"Level\": {\"kind\": \"dword\", \"data\": 0},\n"
    " \"Mode\": {\"kind\": \"sz\", \"data\": \"2\"},\n"
    " \"Old\": {\"kind\": \"sz\", \"data\": \"remove me\"},\n"
    " \"Odd\": {\"type\": 6, \"hex\": \"5c0052\"}}}}\n";

Test(engine, registry_kinds_values_and_absence)
{
	fx_init(
	    &f, registry_snapshot,
	    "enforcer: 1\nname: reg\nresources:\n"
	    "  - {type: registry, id: level, key: 'HKEY_LOCAL_MACHINE\\Software\\Contoso', value: Level, kind: dword, data: 0xFFFFFFFF}\n"
	    "  - {type: registry, id: mode, key: 'HKLM\\software\\contoso', value: Mode, kind: dword, data: 2}\n"
	    "  - {type: registry, id: old, key: 'HKLM\\Software\\Contoso', value: Old, ensure: absent}\n"
	    "  - {type: registry, id: odd, key: 'HKLM\\Software\\Contoso', value: Odd, ensure: absent}\n"
	    "  - {type: registry, id: big, key: 'HKLM\\Software\\Contoso\\New', value: '', kind: qword, data: 0xFFFFFFFFFFFFFFFF}\n"
	    "  - {type: registry, id: list, key: 'HKLM\\Software\\Contoso', value: List, kind: multi-sz, data: [a, 'b c']}\n"
	    "  - {type: registry, id: bin, key: 'HKLM\\Software\\Contoso', value: Bin, kind: binary, data: '00 ff'}\n");
	fx_run(&f, ENF_RUN_PLAN, 0);
	expect_actions(&f, "level", "set DWORD Level 0 -> 4294967295");
	expect_actions(&f, "mode", "set Mode SZ \"2\" -> DWORD 2 (0x2)");
	expect_actions(&f, "old", "delete HKLM\\Software\\Contoso Old (was SZ \"remove me\")");
	expect_actions(&f, "odd", "delete HKLM\\Software\\Contoso Odd (was type 6, 3 bytes)");
	expect_actions(
	    &f, "big",
	    "create (default) = QWORD 18446744073709551615 (0xffffffffffffffff) under HKLM\\Software\\Contoso\\New");
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(run->counts[ENF_OUTCOME_CHANGED], 7);
	char *id = enf_strdup(run->run_id);
	cr_expect_eq(enf_run_exit_code(fx_run(&f, ENF_RUN_APPLY, 0)), 0);
	json_t *s = fx_state(&f);
	json_t *k = json_object_get(json_object_get(s, "registry"), "HKLM\\Software\\Contoso");
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(k, "Level"), "data")),
	             4294967295LL);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(k, "Mode"), "kind")),
	                 "dword");
	cr_expect_null(json_object_get(k, "Old"));
	cr_expect_null(json_object_get(k, "Odd"));
	json_t *nk =
	    json_object_get(json_object_get(s, "registry"), "HKLM\\Software\\Contoso\\New");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(nk, ""), "data")),
	                 "18446744073709551615");
	json_decref(s);
	/* Rollback brings back even the value of an unusual type, byte for byte. */
	fx_rollback(&f, id);
	s = fx_state(&f);
	k = json_object_get(json_object_get(s, "registry"), "HKLM\\Software\\Contoso");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(k, "Odd"), "hex")),
	                 "5c0052");
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(k, "Type"), "type")), 0);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(k, "Mode"), "data")),
	                 "2");
	cr_expect_null(json_object_get(k, "List"));
	json_decref(s);
	free(id);
}

static const char services_snapshot[] =
    "{\"schema\": \"enforcer-snapshot/1\", \"services\": {\n"
    " \"A\": {\"logon\": \"NT AUTHORITY\\\\NETWORK SERVICE\", \"password_stored\": false, \"startup\": \"manual\", \"state\": \"running\"},\n"
    " \"B\": {\"logon\": \"NT AUTHORITY\\\\NetworkService\", \"password_stored\": true, \"startup\": \"automatic\", \"state\": \"running\"},\n"
    " \"C\": {\"logon\": \"LocalSystem\", \"password_stored\": false, \"startup\": \"disabled\", \"state\": \"stopped\"}}}\n";

Test(engine, service_accounts_compare_by_identity_and_stored_passwords_are_cleared)
{
	fx_init(
	    &f, services_snapshot,
	    "enforcer: 1\nname: svc\nresources:\n"
	    "  - {type: service, id: a, name: A, logon: NetworkService, startup: delayed-automatic}\n"
	    "  - {type: service, id: b, name: b, logon: 'NT AUTHORITY\\NETWORK SERVICE', state: stopped}\n"
	    "  - {type: service, id: c, name: C, logon: 'NT AUTHORITY\\SYSTEM', state: running}\n"
	    "  - {type: service, id: missing, name: NOPE, state: running}\n");
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	expect_actions(&f, "a", "set A start mode manual -> delayed-automatic");
	expect_actions(
	    &f, "b",
	    "clear the password stored for b (log-on NT AUTHORITY\\NetworkService); stop b (running)");
	cr_expect_eq(fx_result(&f, "c")->outcome, ENF_OUTCOME_FAILED);
	cr_expect_str_eq(
	    fx_result(&f, "c")->message,
	    "start C (stopped): cannot start service 'C': it is disabled (error 1058)");
	cr_expect_eq(fx_result(&f, "missing")->outcome, ENF_OUTCOME_FAILED);
	cr_expect_str_eq(
	    fx_result(&f, "missing")->message,
	    "the service is missing: service 'NOPE' does not exist (OpenService: error 1060)");
	cr_expect_eq(enf_run_exit_code(run), 6);
	json_t *s = fx_state(&f);
	cr_expect_str_eq(svc_str(s, "A", "startup"), "delayed-automatic");
	cr_expect(json_is_false(json_object_get(service_of(s, "B"), "password_stored")));
	cr_expect_str_eq(svc_str(s, "B", "state"), "stopped");
	json_decref(s);
}

/*
 * The SCM shows LocalSystem; a policy may say SYSTEM, S-1-5-18 or any other
 * spelling of the same account (docs/windows-semantics.md), and the host's
 * own "EDGE01\LocalSystem" is it too: all compliant, nothing changed.
 */
Test(engine, builtin_account_spellings_are_compliant_without_a_change)
{
	static const char snapshot[] =
	    "{\"schema\": \"enforcer-snapshot/1\", \"facts\": {\"host.name\": \"EDGE01\"},\n"
	    " \"services\": {\n"
	    "  \"A\": {\"logon\": \"LocalSystem\", \"password_stored\": false, \"startup\": \"automatic\", \"state\": \"running\"},\n"
	    "  \"B\": {\"logon\": \"LocalSystem\", \"password_stored\": false, \"startup\": \"automatic\", \"state\": \"running\"},\n"
	    "  \"C\": {\"logon\": \"LocalSystem\", \"password_stored\": false, \"startup\": \"manual\", "
	    "\"state\": \"stopped\"},\n"
	    "  \"D\": {\"logon\": \"EDGE01\\\\LocalSystem\", \"password_stored\": false, \"startup\": \"manual\", \"state\": \"stopped\"},\n"
	    "  \"E\": {\"logon\": \"NT AUTHORITY\\\\NetworkService\", \"password_stored\": false, "
	    "\"startup\": \"manual\", \"state\": \"stopped\"},\n"
	    "  \"F\": {\"logon\": \"NT AUTHORITY\\\\LocalService\", \"password_stored\": false, \"startup\": \"manual\", \"state\": \"stopped\"}\n"
	    " }}\n";
	fx_init(&f, snapshot,
	        "enforcer: 1\nname: spellings\nresources:\n"
	        "  - {type: service, id: a, name: A, logon: SYSTEM, state: running}\n"
	        "  - {type: service, id: b, name: B, logon: S-1-5-18, startup: automatic}\n"
	        "  - {type: service, id: c, name: C, logon: 'NT AUTHORITY\\SYSTEM'}\n"
	        "  - {type: service, id: d, name: D, logon: LocalSystem}\n"
	        "  - {type: service, id: e, name: E, logon: Network Service}\n"
	        "  - {type: service, id: f, name: F, logon: local service}\n");
	char *before = th_read(f.snapshot, NULL);
	static const char *const ids[] = {"a", "b", "c", "d", "e", "f"};
	enf_run *run = fx_run(&f, ENF_RUN_PLAN, 0);
	cr_expect_eq(enf_run_exit_code(run), 0);
	for (size_t i = 0; i < ENF_ARRAY_SIZE(ids); i++) {
		cr_expect_eq(fx_result(&f, ids[i])->outcome, ENF_OUTCOME_COMPLIANT, "%s", ids[i]);
		expect_actions(&f, ids[i], "");
	}
	run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 0);
	cr_expect_eq(run->changes_made, 0);
	cr_expect_eq(run->counts[ENF_OUTCOME_COMPLIANT], ENF_ARRAY_SIZE(ids));
	char *after = th_read(f.snapshot, NULL);
	cr_expect_str_eq(after, before, "the snapshot changed");
	free(after);
	free(before);
	fx_fini(&f);
}

Test(engine, audit_waiver_when_and_dependencies_decide_outcomes)
{
	fx_init(
	    &f, fx_seed_snapshot,
	    "enforcer: 1\nname: outcomes\nresources:\n"
	    "  - {type: registry, id: audited, mode: audit, key: 'HKLM\\Software\\A', value: X, kind: dword, data: 1}\n"
	    "  - type: registry\n    id: waived\n    key: 'HKLM\\Software\\A'\n    value: 'Y'\n    kind: dword\n    data: 1\n"
	    "    waiver: {reason: vendor says no, ticket: CHG-1, expires: 2999-12-31}\n"
	    "  - type: registry\n    id: expired\n    key: 'HKLM\\Software\\A'\n    value: Z\n    kind: dword\n    data: 1\n"
	    "    waiver: {reason: old, expires: 2020-01-01}\n"
	    "  - {type: registry, id: wrong-os, when: {os.build: '< 9600'}, key: 'HKLM\\Software\\A', value: W, kind: dword, data: 1}\n"
	    "  - {type: service, id: broken, name: NOPE, state: running}\n"
	    "  - {type: registry, id: dependent, after: [broken], key: 'HKLM\\Software\\A', value: V, kind: dword, data: 1}\n");
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(fx_result(&f, "audited")->outcome, ENF_OUTCOME_AUDIT_DRIFT);
	cr_expect_eq(fx_result(&f, "waived")->outcome, ENF_OUTCOME_WAIVED);
	cr_expect_str_eq(fx_result(&f, "waived")->message,
	                 "waived until 2999-12-31: vendor says no (CHG-1)");
	cr_expect_eq(fx_result(&f, "expired")->outcome, ENF_OUTCOME_CHANGED);
	cr_expect_str_eq(fx_result(&f, "expired")->message,
	                 "waiver expired on 2020-01-01; it is ignored");
	cr_expect_eq(fx_result(&f, "wrong-os")->outcome, ENF_OUTCOME_SKIPPED);
	cr_expect_str_eq(fx_result(&f, "wrong-os")->message,
	                 "condition not met: os.build is 9600, and the condition is < 9600");
	cr_expect_eq(fx_result(&f, "broken")->outcome, ENF_OUTCOME_FAILED);
	cr_expect_eq(fx_result(&f, "dependent")->outcome, ENF_OUTCOME_SKIPPED);
	cr_expect_str_eq(fx_result(&f, "dependent")->message,
	                 "skipped: 'broken', which it comes after, failed");
	cr_expect_eq(enf_run_exit_code(run), 6);
	json_t *s = fx_state(&f);
	json_t *k = json_object_get(json_object_get(s, "registry"), "HKLM\\Software\\A");
	cr_expect_eq(json_object_size(k), 1, "only the expired waiver's value may be written");
	cr_expect_not_null(json_object_get(k, "Z"));
	json_decref(s);
}

Test(engine, exit_codes_follow_cli_md)
{
	fx_init(&f, fx_seed_snapshot,
	        "enforcer: 1\nname: codes\nresources:\n"
	        "  - {type: service, id: relay, name: RTCMEDIARELAY, state: running}\n");
	cr_expect_eq(enf_run_exit_code(fx_run(&f, ENF_RUN_PLAN, 0)), 0);
	cr_expect_eq(enf_run_exit_code(fx_run(&f, ENF_RUN_APPLY, 0)), 0);
	fx_fini(&f);
	fx_init(
	    &f, fx_seed_snapshot,
	    "enforcer: 1\nname: codes\nresources:\n"
	    "  - {type: service, id: gone, name: GONE, state: running}\n"
	    "  - {type: service, id: skipped, name: RTCSRV, state: running, when: {role: front-end}}\n");
	cr_expect_eq(enf_run_exit_code(fx_run(&f, ENF_RUN_PLAN, 0)), 4);
	cr_expect_eq(enf_run_exit_code(fx_run(&f, ENF_RUN_APPLY, 0)), 4);
}

Test(engine, denied_registry_fails_that_resource_only)
{
	fx_init(
	    &f,
	    "{\"schema\": \"enforcer-snapshot/1\", \"faults\": {\"deny_registry\": [\"HKLM\\\\Software\\\\Locked\"]}}\n",
	    "enforcer: 1\nname: deny\nresources:\n"
	    "  - {type: registry, id: locked, key: 'HKLM\\Software\\Locked\\Sub', value: X, kind: dword, data: 1}\n"
	    "  - {type: registry, id: open, key: 'HKLM\\Software\\Open', value: X, kind: dword, data: 1}\n");
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(fx_result(&f, "locked")->outcome, ENF_OUTCOME_FAILED);
	cr_expect_str_eq(
	    fx_result(&f, "locked")->message,
	    "create X = DWORD 1 (0x1) under HKLM\\Software\\Locked\\Sub: cannot open registry key 'HKLM\\Software\\Locked\\Sub': access denied");
	cr_expect_eq(fx_result(&f, "open")->outcome, ENF_OUTCOME_CHANGED);
	cr_expect_eq(enf_run_exit_code(run), 6);
}

Test(engine, reboot_handler_reports_reboot_pending_and_restarts_nothing)
{
	fx_init(
	    &f, fx_seed_snapshot,
	    "enforcer: 1\nname: tls\nresources:\n"
	    "  - {type: registry, id: tls12, key: 'HKLM\\Software\\T', value: Enabled, kind: dword, data: 1, notify: reboot}\n"
	    "  - {type: restart, id: reboot, reboot: true}\n");
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect(run->reboot_pending);
	cr_expect_eq(fx_result(&f, "reboot")->outcome, ENF_OUTCOME_CHANGED);
	expect_actions(&f, "reboot", "reboot pending");
	json_t *s = fx_state(&f);
	cr_expect_eq(svc_int(s, "RTCMEDIARELAY", "stops"), 0);
	json_decref(s);
}

Test(engine, a_resource_that_changed_then_failed_counts_as_a_change)
{
	fx_init(
	    &f,
	    "{\"schema\": \"enforcer-snapshot/1\", \"faults\": {\"fail_start\": [\"A\"]}, \"services\": {\n"
	    " \"A\": {\"logon\": \"LocalSystem\", \"startup\": \"manual\", \"state\": \"stopped\"}}}\n",
	    "enforcer: 1\nname: half\nresources:\n"
	    "  - {type: service, id: a, name: A, startup: automatic, state: running}\n");
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(fx_result(&f, "a")->outcome, ENF_OUTCOME_FAILED);
	cr_expect_eq(run->changes_made, 1);
	cr_expect_eq(enf_run_exit_code(run), 6, "a change was made: 6, not 4");
	json_t *s = fx_state(&f);
	cr_expect_str_eq(svc_str(s, "A", "startup"), "automatic");
	json_decref(s);
}
