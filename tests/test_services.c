/*
 * Services as Windows really treats them, on the snapshot target: a log-on
 * change on a running service takes effect only at its next start, so it is
 * restarted and the account of its process verified (running_as); a
 * restart handler starts every service again whatever failed, reports each
 * one's final state, and a failed one is finished by the next run. Waits,
 * timeout: and --service-timeout are in test_services_waits.c. Each test
 * asserts the exact actions, messages, exit codes and the snapshot file
 * afterwards.
 */
#include "test_services.h"

#include "engine/engine_int.h"
#include "helpers.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

json_t *ts_service_of(json_t *state, const char *name)
{
	return json_object_get(json_object_get(state, "services"), name);
}

const char *ts_svc_str(json_t *state, const char *name, const char *key)
{
	return json_string_value(json_object_get(ts_service_of(state, name), key));
}

json_int_t ts_svc_int(json_t *state, const char *name, const char *key)
{
	return json_integer_value(json_object_get(ts_service_of(state, name), key));
}

void ts_expect_actions(const fixture *f, const char *id, const char *want)
{
	char *got = fx_actions(fx_result(f, id));
	cr_expect_str_eq(got, want, "%s: got '%s'", id, got);
	free(got);
}

/* A member of a result's before or after state, as compact JSON; free() it. */
static char *state_member(const enf_state *state, const char *key)
{
	char *text = enf_state_json(state);
	json_t *v = json_loads(text, 0, NULL);
	json_t *m = json_object_get(v, key);
	char *out = m ? json_dumps(m, JSON_COMPACT | JSON_ENCODE_ANY) : enf_strdup("(absent)");
	json_decref(v);
	free(text);
	return out;
}

void ts_expect_member(const enf_state *state, const char *key, const char *want)
{
	char *got = state_member(state, key);
	cr_expect_str_eq(got, want, "%s: got %s", key, got);
	free(got);
}

/* Runs the fixture's policy with --service-timeout (0: none); asserts it ran. */
enf_run *ts_run_with(fixture *f, enf_run_mode mode, unsigned service_timeout_ms)
{
	enf_run_options opts = ENF_RUN_OPTIONS_INIT;
	opts.mode = mode;
	opts.service_timeout_ms = service_timeout_ms;
	return fx_run_with(f, &opts);
}

/* Rewrites one member of a service in the snapshot file (NULL value: removes it). */
void ts_set_service_member(const fixture *f, const char *name, const char *key, json_t *value)
{
	json_t *s = fx_state(f);
	if (value)
		json_object_set_new(ts_service_of(s, name), key, value);
	else
		json_object_del(ts_service_of(s, name), key);
	char *text = json_dumps(s, JSON_INDENT(2));
	free(th_write(f->dir, "server.json", text));
	free(text);
	json_decref(s);
}

double ts_monotonic_seconds(void)
{
	return (double)enf_monotonic_ms() / 1000.0;
}

/* ---- Log-on changes take effect ---- */

static const char running_edge[] =
    "{\"schema\": \"enforcer-snapshot/1\", \"facts\": {\"host.name\": \"EDGE01\"},\n"
    " \"services\": {\n"
    "  \"RTCSRV\": {\"logon\": \".\\\\svc-lync\", \"password_stored\": true, \"startup\": "
    "\"automatic\", \"state\": \"running\", \"running_as\": \".\\\\svc-lync\"}}}\n";

static const char logon_policy[] =
    "enforcer: 1\nname: edge\nresources:\n"
    "  - {type: service, id: access-edge, name: RTCSRV, logon: NetworkService, state: running}\n";

Test(services, a_logon_change_on_a_running_service_restarts_it_and_verifies_its_process)
{
	fixture f;
	fx_init(&f, running_edge, logon_policy);
	enf_run *run = fx_run(&f, ENF_RUN_PLAN, 0);
	cr_expect_eq(enf_run_exit_code(run), 2);
	const char *want = "change RTCSRV log-on .\\svc-lync -> NetworkService, clear password; "
	                   "restart RTCSRV: a log-on change takes effect at start";
	ts_expect_actions(&f, "access-edge", want);
	ts_expect_member(fx_result(&f, "access-edge")->before, "running_as", "\".\\\\svc-lync\"");
	ts_expect_member(fx_result(&f, "access-edge")->after, "running_as", "\"NetworkService\"");

	run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 2);
	cr_expect_eq(run->changes_made, 2);
	cr_expect_eq(fx_result(&f, "access-edge")->outcome, ENF_OUTCOME_CHANGED, "%s",
	             fx_result(&f, "access-edge")->message);
	ts_expect_actions(&f, "access-edge", want);
	/* Verified: read back, its process runs as the policy's account. */
	ts_expect_member(fx_result(&f, "access-edge")->after, "running_as", "\"NetworkService\"");
	json_t *s = fx_state(&f);
	cr_expect_str_eq(ts_svc_str(s, "RTCSRV", "logon"), "NetworkService");
	cr_expect_str_eq(ts_svc_str(s, "RTCSRV", "running_as"), "NetworkService");
	cr_expect_str_eq(ts_svc_str(s, "RTCSRV", "state"), "running");
	cr_expect_eq(ts_svc_int(s, "RTCSRV", "stops"), 1);
	cr_expect_eq(ts_svc_int(s, "RTCSRV", "starts"), 1);
	json_decref(s);
	char *jtext = th_read(run->journal_path, NULL);
	cr_expect(strstr(jtext, "\"op\":\"service-restart\"") != NULL, "%s", jtext);
	free(jtext);
	char *id = enf_strdup(run->run_id);

	run = fx_run(&f, ENF_RUN_PLAN, 0);
	cr_expect_eq(enf_run_exit_code(run), 0);
	cr_expect_null(fx_result(&f, "access-edge")->message);

	/* Rollback: the old log-on back, then a restart so that it takes effect. */
	run = fx_rollback(&f, id);
	cr_expect_eq(enf_run_exit_code(run), 2);
	ts_expect_actions(
	    &f, "access-edge",
	    "restore RTCSRV log-on NetworkService -> .\\svc-lync (without its password); "
	    "restart RTCSRV: the restored log-on takes effect at start");
	s = fx_state(&f);
	cr_expect_str_eq(ts_svc_str(s, "RTCSRV", "logon"), ".\\svc-lync");
	cr_expect_str_eq(ts_svc_str(s, "RTCSRV", "running_as"), ".\\svc-lync");
	cr_expect_str_eq(ts_svc_str(s, "RTCSRV", "state"), "running");
	cr_expect_eq(ts_svc_int(s, "RTCSRV", "starts"), 2);
	json_decref(s);
	free(id);
	fx_fini(&f);
}

Test(services, a_logon_configured_but_not_in_effect_is_restarted)
{
	fixture f;
	fx_init(
	    &f,
	    "{\"schema\": \"enforcer-snapshot/1\", \"services\": {\"RTCSRV\": {\"logon\": "
	    "\"NT AUTHORITY\\\\NetworkService\", \"password_stored\": false, \"startup\": "
	    "\"automatic\", \"state\": \"running\", \"running_as\": \"CONTOSO\\\\svc-lync\"}},\n"
	    " \"accounts\": {\"CONTOSO\\\\svc-lync\": \"S-1-5-21-1-2-3-1105\"}}\n",
	    logon_policy);
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 2);
	ts_expect_actions(
	    &f, "access-edge",
	    "restart RTCSRV: it runs as CONTOSO\\svc-lync, not NetworkService; a log-on "
	    "change takes effect at start");
	json_t *s = fx_state(&f);
	cr_expect_str_eq(ts_svc_str(s, "RTCSRV", "running_as"), "NT AUTHORITY\\NetworkService");
	json_decref(s);
	/* Any spelling of the same account is the same account: compliant now. */
	cr_expect_eq(enf_run_exit_code(fx_run(&f, ENF_RUN_PLAN, 0)), 0);
	fx_fini(&f);
}

/*
 * A running service without "running_as" (a snapshot of an older version,
 * or a process whose token cannot be read): the account of its process is
 * unknown. It is said so, with the reason; it is not taken as proof that
 * the log-on is in effect, and nothing is restarted on a guess.
 */
Test(services, an_unknown_process_account_is_said_and_restarts_nothing)
{
	fixture f;
	fx_init(&f,
	        "{\"schema\": \"enforcer-snapshot/1\", \"services\": {\"RTCSRV\": {\"logon\": "
	        "\"NetworkService\", \"password_stored\": false, \"startup\": \"automatic\", "
	        "\"state\": \"running\"}}}\n",
	        logon_policy);
	char *before = th_read(f.snapshot, NULL);
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 0);
	ts_expect_actions(&f, "access-edge", "");
	cr_expect_str_eq(fx_result(&f, "access-edge")->message,
	                 "the account its process runs as is unknown: the snapshot does not say "
	                 "which account its process runs as (no \"running_as\")");
	ts_expect_member(fx_result(&f, "access-edge")->before, "running_as", "null");
	char *after = th_read(f.snapshot, NULL);
	cr_expect_str_eq(after, before, "the snapshot changed");
	free(after);
	free(before);
	fx_fini(&f);
}

/* A service being disabled is not started again: no restart, the log-on waits for its next start.
 */
Test(services, a_logon_change_on_a_service_being_disabled_restarts_nothing)
{
	fixture f;
	fx_init(&f, running_edge,
	        "enforcer: 1\nname: edge\nresources:\n"
	        "  - {type: service, id: access-edge, name: RTCSRV, logon: NetworkService, "
	        "startup: disabled}\n");
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 2);
	ts_expect_actions(&f, "access-edge",
	                  "change RTCSRV log-on .\\svc-lync -> NetworkService, clear password, set "
	                  "RTCSRV start mode automatic -> disabled");
	cr_expect_str_eq(
	    fx_result(&f, "access-edge")->message,
	    "its process runs as .\\svc-lync until it stops: a service being disabled is "
	    "not restarted");
	json_t *s = fx_state(&f);
	cr_expect_str_eq(ts_svc_str(s, "RTCSRV", "running_as"), ".\\svc-lync");
	cr_expect_eq(ts_svc_int(s, "RTCSRV", "stops"), 0);
	json_decref(s);
	fx_fini(&f);
}

/* The snapshot's process model: set at start, kept by a configure, gone at stop. */
Test(services, running_as_is_set_at_start_kept_by_a_configure_and_gone_at_stop)
{
	fixture f;
	fx_init(&f, running_edge, logon_policy);
	enf_target *t = NULL;
	char *spec = enf_asprintf("snapshot:%s", f.snapshot);
	cr_assert_eq(enf_target_open(&t, spec), 0);
	enf_service_change c = {"NetworkService", "", ENF_STARTUP_UNSET};
	cr_assert_eq(t->provider->svc_configure(t->self, "RTCSRV", &c), 0);
	enf_service_info info = {0};
	cr_assert_eq(t->provider->svc_get(&info, t->self, "RTCSRV"), 0);
	cr_expect_str_eq(info.logon, "NetworkService");
	cr_expect_str_eq(info.running_as, ".\\svc-lync", "a configure changed the running process");
	enf_service_info_clear(&info);
	cr_assert_eq(t->provider->svc_stop(t->self, "RTCSRV", 1000), 0);
	cr_assert_eq(t->provider->svc_get(&info, t->self, "RTCSRV"), 0);
	cr_expect_null(info.running_as);
	cr_expect_null(info.running_as_unknown, "a stopped service has no process to ask about");
	enf_service_info_clear(&info);
	cr_assert_eq(t->provider->svc_start(t->self, "RTCSRV", 1000), 0);
	cr_assert_eq(t->provider->svc_get(&info, t->self, "RTCSRV"), 0);
	cr_expect_str_eq(info.running_as, "NetworkService");
	enf_service_info_clear(&info);
	cr_assert_eq(t->provider->commit(t->self), 0);
	enf_target_close(t);
	json_t *s = fx_state(&f);
	cr_expect_str_eq(ts_svc_str(s, "RTCSRV", "running_as"), "NetworkService");
	json_decref(s);
	free(spec);
	fx_fini(&f);
}

/* ---- Restart handlers ---- */

static const char three_services[] =
    "{\"schema\": \"enforcer-snapshot/1\", \"faults\": {\"fail_stop\": [\"B\"]},\n"
    " \"registry\": {\"HKLM\\\\Software\\\\T\": {}},\n"
    " \"services\": {\n"
    "  \"A\": {\"logon\": \"LocalSystem\", \"startup\": \"automatic\", \"state\": \"running\", "
    "\"running_as\": \"LocalSystem\"},\n"
    "  \"B\": {\"logon\": \"LocalSystem\", \"startup\": \"automatic\", \"state\": \"running\", "
    "\"running_as\": \"LocalSystem\"},\n"
    "  \"C\": {\"logon\": \"LocalSystem\", \"startup\": \"automatic\", \"state\": \"running\", "
    "\"running_as\": \"LocalSystem\"}}}\n";

static const char three_policy[] =
    "enforcer: 1\nname: lync\nresources:\n"
    "  - {type: registry, id: tls, key: 'HKLM\\Software\\T', value: Enabled, kind: dword, data: 1, "
    "notify: restart-lync}\n"
    "  - {type: restart, id: restart-lync, services: [A, B, C]}\n";

static const char stall_b[] =
    "service 'B' stopped making progress while stopping: its checkpoint stayed at 1 for longer "
    "than its wait hint of 3 s (it is still stop-pending)";

Test(services, a_handler_whose_second_service_fails_to_stop_starts_every_service_again)
{
	fixture f;
	fx_init(&f, three_services, three_policy);
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 6, "a change was made and the restart failed");
	const enf_result *r = fx_result(&f, "restart-lync");
	cr_expect_eq(r->outcome, ENF_OUTCOME_FAILED);
	cr_assert_eq(r->action_count, 6);
	static const char *const texts[] = {"stop C",  "stop B",  "stop A",
	                                    "start A", "start B", "start C"};
	static const int done[] = {1, 0, 0, 1, 0, 1};
	for (size_t i = 0; i < 6; i++) {
		cr_expect_str_eq(r->actions[i].text, texts[i]);
		cr_expect_eq(r->actions[i].done, done[i], "%s", texts[i]);
	}
	cr_expect_str_eq(r->actions[1].error, stall_b);
	cr_expect_str_eq(r->actions[2].error, "not stopped: B did not stop");
	cr_expect_str_eq(r->actions[4].error, stall_b);
	char *message = enf_asprintf("restart failed: %s; afterwards: A running, B stop-pending, "
	                             "C running",
	                             stall_b);
	cr_expect_str_eq(r->message, message);
	free(message);
	/* Each service's final state, read back. */
	ts_expect_member(r->after, "services",
	                 "[{\"name\":\"A\",\"state\":\"running\"},{\"name\":\"B\",\"state\":"
	                 "\"stop-pending\"},{\"name\":\"C\",\"state\":\"running\"}]");
	json_t *s = fx_state(&f);
	cr_expect_str_eq(ts_svc_str(s, "B", "state"), "stop-pending");
	cr_expect_eq(ts_svc_int(s, "A", "stops"), 0, "A was stopped although B did not stop");
	cr_expect_eq(ts_svc_int(s, "B", "stops"), 1);
	cr_expect_eq(ts_svc_int(s, "C", "stops"), 1);
	cr_expect_eq(ts_svc_int(s, "C", "starts"), 1);
	json_decref(s);
	/* The pending record: this restart is to be finished, not begun again. */
	char *path = enf_asprintf("%s/pending/lync.json", f.state);
	json_t *pending = th_json_file(path);
	cr_expect_eq(json_array_size(json_object_get(pending, "handlers")), 0);
	cr_expect_str_eq(
	    json_string_value(json_object_get(json_object_get(pending, "finish"), "restart-lync")),
	    run->run_id);
	json_decref(pending);
	char *id = enf_strdup(run->run_id);

	/* B's stop goes through once its fault is gone; the next run only finishes the start. */
	json_t *snap = fx_state(&f);
	json_object_del(snap, "faults");
	char *text = json_dumps(snap, JSON_INDENT(2));
	free(th_write(f.dir, "server.json", text));
	free(text);
	json_decref(snap);
	run = fx_run(&f, ENF_RUN_PLAN, 0);
	ts_expect_actions(&f, "restart-lync", "start B (stop-pending)");
	char *did_not = enf_asprintf("run %s did not finish its restart", id);
	cr_expect_str_eq(fx_result(&f, "restart-lync")->message, did_not);
	free(did_not);
	run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 2);
	r = fx_result(&f, "restart-lync");
	cr_expect_eq(r->outcome, ENF_OUTCOME_CHANGED, "%s", r->message);
	ts_expect_actions(&f, "restart-lync", "start B (stop-pending)");
	char *finished =
	    enf_asprintf("finished the restart run %s began: A running, B running, C running", id);
	cr_expect_str_eq(r->message, finished);
	free(finished);
	s = fx_state(&f);
	cr_expect_str_eq(ts_svc_str(s, "B", "state"), "running");
	cr_expect_eq(ts_svc_int(s, "B", "starts"), 1);
	cr_expect_eq(ts_svc_int(s, "A", "stops"), 0, "the finishing run stopped A");
	cr_expect_eq(ts_svc_int(s, "C", "stops"), 1, "the finishing run stopped C again");
	json_decref(s);
	struct stat st;
	cr_expect_neq(stat(path, &st), 0, "the pending record is still there");
	run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 0);
	cr_expect_eq(fx_result(&f, "restart-lync")->outcome, ENF_OUTCOME_COMPLIANT);
	free(path);
	free(id);
	fx_fini(&f);
}

Test(services, a_successful_handler_reports_every_service_running)
{
	fixture f;
	fx_init(&f, three_services, three_policy);
	ts_set_service_member(&f, "B", "start_ms", json_integer(90000));
	json_t *snap = fx_state(&f);
	json_object_del(snap, "faults");
	char *text = json_dumps(snap, JSON_INDENT(2));
	free(th_write(f.dir, "server.json", text));
	free(text);
	json_decref(snap);
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 2);
	const enf_result *r = fx_result(&f, "restart-lync");
	cr_expect_eq(r->outcome, ENF_OUTCOME_CHANGED);
	cr_expect_str_eq(r->message, "notified by tls");
	ts_expect_member(r->after, "services",
	                 "[{\"name\":\"A\",\"state\":\"running\"},{\"name\":\"B\",\"state\":"
	                 "\"running\"},{\"name\":\"C\",\"state\":\"running\"}]");
	char *path = enf_asprintf("%s/pending/lync.json", f.state);
	struct stat st;
	cr_expect_neq(stat(path, &st), 0, "the pending record was kept");
	free(path);
	fx_fini(&f);
}

/* A service that stays down after its start returned is a failed restart, said so. */
Test(services, a_handler_whose_service_fails_to_start_still_starts_the_rest)
{
	fixture f;
	fx_init(&f, three_services, three_policy);
	json_t *snap = fx_state(&f);
	json_object_set_new(json_object_get(snap, "faults"), "fail_stop", json_array());
	json_object_set_new(json_object_get(snap, "faults"), "fail_start", json_pack("[s]", "A"));
	char *text = json_dumps(snap, JSON_INDENT(2));
	free(th_write(f.dir, "server.json", text));
	free(text);
	json_decref(snap);
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 6);
	ts_expect_actions(&f, "restart-lync", "stop C; stop B; stop A; start A; start B; start C");
	const enf_result *r = fx_result(&f, "restart-lync");
	cr_expect_str_eq(r->message,
	                 "restart failed: service 'A' did not start: the service process exited "
	                 "(error 1067); afterwards: A stopped, B running, C running");
	json_t *s = fx_state(&f);
	cr_expect_str_eq(ts_svc_str(s, "B", "state"), "running");
	cr_expect_str_eq(ts_svc_str(s, "C", "state"), "running");
	json_decref(s);
	fx_fini(&f);
}
