/*
 * Deferred restarts (issue 17): apply --defer-restarts and defer: true make
 * the changes and leave the restarts pending; enforcer restart --pending
 * performs exactly those, journaled, with the waits and read-back of apply.
 */
#include "helpers.h"
#include "test_services.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

TestSuite(deferred, .fini = th_cleanup);

static const char pool_member[] =
    "{\"schema\": \"enforcer-snapshot/1\",\n"
    " \"registry\": {\"HKLM\\\\Software\\\\T\": {}},\n"
    " \"services\": {\n"
    "  \"A\": {\"logon\": \"LocalSystem\", \"startup\": \"automatic\", \"state\": \"running\", "
    "\"running_as\": \"LocalSystem\"},\n"
    "  \"B\": {\"logon\": \"LocalSystem\", \"startup\": \"automatic\", \"state\": \"running\", "
    "\"running_as\": \"LocalSystem\"}}}\n";

static const char policy[] =
    "enforcer: 1\nname: lync\nresources:\n"
    "  - {type: registry, id: tls, key: 'HKLM\\Software\\T', value: Enabled, kind: dword, data: 1, "
    "notify: restart-lync}\n"
    "  - {type: restart, id: restart-lync, services: [A, B]}\n";

static const char policy_defer[] =
    "enforcer: 1\nname: lync\nresources:\n"
    "  - {type: registry, id: tls, key: 'HKLM\\Software\\T', value: Enabled, kind: dword, data: 1, "
    "notify: restart-lync}\n"
    "  - {type: restart, id: restart-lync, services: [A, B], defer: true}\n";

static enf_run *run_opts(fixture *f, int defer, int pending)
{
	enf_run_options opts = ENF_RUN_OPTIONS_INIT;
	opts.mode = ENF_RUN_APPLY;
	opts.defer_restarts = defer;
	opts.pending_restarts = pending;
	return fx_run_with(f, &opts);
}

static json_t *pending_record(const fixture *f)
{
	char *path = enf_asprintf("%s/pending/lync.json", f->state);
	struct stat st;
	json_t *doc = stat(path, &st) == 0 ? th_json_file(path) : NULL;
	free(path);
	return doc;
}

static void expect_stops_starts(const fixture *f, json_int_t stops, json_int_t starts)
{
	json_t *s = fx_state(f);
	for (const char *const *n = (const char *const[]){"A", "B", NULL}; *n; n++) {
		cr_expect_eq(ts_svc_int(s, *n, "stops"), stops, "%s stopped", *n);
		cr_expect_eq(ts_svc_int(s, *n, "starts"), starts, "%s started", *n);
		cr_expect_str_eq(ts_svc_str(s, *n, "state"), "running");
	}
	json_decref(s);
}

Test(deferred, apply_defers_the_restart_and_restart_pending_performs_it_once)
{
	fixture f;
	fx_init(&f, pool_member, policy);
	enf_run *run = run_opts(&f, 1, 0);
	cr_expect_eq(enf_run_exit_code(run), 2);
	cr_expect_eq(run->restarts_deferred, 1);
	cr_expect_eq(fx_result(&f, "tls")->outcome, ENF_OUTCOME_CHANGED);
	const enf_result *r = fx_result(&f, "restart-lync");
	cr_expect_eq(r->outcome, ENF_OUTCOME_DRIFT);
	cr_expect_str_eq(r->message, "restart pending (notified by tls): deferred; 'enforcer "
	                             "restart --pending' performs it");
	ts_expect_actions(&f, "restart-lync", "stop B; stop A; start A; start B");
	for (size_t i = 0; i < r->action_count; i++)
		cr_expect_eq(r->actions[i].done, 0, "%s was done", r->actions[i].text);
	/* The change is made and verified; the services were not touched. */
	json_t *s = fx_state(&f);
	json_t *value = json_object_get(
	    json_object_get(json_object_get(s, "registry"), "HKLM\\Software\\T"), "Enabled");
	cr_expect_eq(json_integer_value(json_object_get(value, "data")), 1);
	json_decref(s);
	expect_stops_starts(&f, 0, 0);
	char *journal = th_read(run->journal_path, NULL);
	cr_expect_not_null(strstr(journal, "\"restart deferred\""), "%s", journal);
	free(journal);
	char *first = enf_strdup(run->run_id);
	json_t *doc = pending_record(&f);
	cr_assert_not_null(doc, "the deferred restart was not recorded");
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(doc, "handlers"), 0)),
	                 "restart-lync");
	cr_expect_str_eq(
	    json_string_value(json_object_get(json_object_get(doc, "deferred"), "restart-lync")),
	    first);
	json_decref(doc);

	/* The next deferring apply changes nothing and still reports the restart pending. */
	run = run_opts(&f, 1, 0);
	cr_expect_eq(enf_run_exit_code(run), 2, "a pending restart is drift");
	cr_expect_eq(fx_result(&f, "tls")->outcome, ENF_OUTCOME_COMPLIANT);
	char *want = enf_asprintf("restart pending (notified by run %s, which deferred it): "
	                          "deferred; 'enforcer restart --pending' performs it",
	                          first);
	cr_expect_str_eq(fx_result(&f, "restart-lync")->message, want);
	free(want);
	expect_stops_starts(&f, 0, 0);

	/* restart --pending: the handler only, performed, the record gone. */
	run = run_opts(&f, 0, 1);
	cr_expect_eq(enf_run_exit_code(run), 2);
	cr_expect_eq(run->count, 1, "restart --pending reported more than its handlers");
	cr_expect_str_eq(run->results[0].id, "restart-lync");
	cr_expect_eq(run->results[0].outcome, ENF_OUTCOME_CHANGED, "%s", run->results[0].message);
	want = enf_asprintf("notified by run %s, which deferred it", first);
	cr_expect_str_eq(run->results[0].message, want);
	free(want);
	ts_expect_member(run->results[0].after, "services",
	                 "[{\"name\":\"A\",\"state\":\"running\"},{\"name\":\"B\",\"state\":"
	                 "\"running\"}]");
	expect_stops_starts(&f, 1, 1);
	cr_expect_null(pending_record(&f), "the record is still there");
	cr_expect_not_null(run->journal_path);
	journal = th_read(run->journal_path, NULL);
	cr_expect_not_null(strstr(journal, "\"restart A, B\""), "not journaled: %s", journal);
	free(journal);

	/* Nothing pending: nothing done, exit 0. */
	run = run_opts(&f, 0, 1);
	cr_expect_eq(enf_run_exit_code(run), 0);
	cr_expect_eq(run->results[0].outcome, ENF_OUTCOME_COMPLIANT);
	cr_expect_str_eq(run->results[0].message, "no restart pending");
	expect_stops_starts(&f, 1, 1);
	free(first);
	fx_fini(&f);
}

Test(deferred, defer_true_on_the_handler_defers_without_the_option_and_plan_says_so)
{
	fixture f;
	fx_init(&f, pool_member, policy_defer);
	enf_run *run = fx_run(&f, ENF_RUN_PLAN, 0);
	cr_expect_eq(enf_run_exit_code(run), 2);
	cr_expect_str_eq(
	    fx_result(&f, "restart-lync")->message,
	    "restart pending (notified by tls): deferred; 'enforcer restart --pending' "
	    "performs it");
	cr_expect_null(pending_record(&f), "a plan wrote a pending record");
	run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 2);
	cr_expect_eq(run->restarts_deferred, 1);
	cr_expect_eq(fx_result(&f, "restart-lync")->outcome, ENF_OUTCOME_DRIFT);
	expect_stops_starts(&f, 0, 0);
	json_t *doc = pending_record(&f);
	cr_expect_str_eq(
	    json_string_value(json_object_get(json_object_get(doc, "deferred"), "restart-lync")),
	    run->run_id);
	json_decref(doc);
	/* A dry run of restart --pending lists what it would do, and does nothing. */
	enf_run_options opts = ENF_RUN_OPTIONS_INIT;
	opts.mode = ENF_RUN_APPLY;
	opts.dry_run = 1;
	opts.pending_restarts = 1;
	run = fx_run_with(&f, &opts);
	cr_expect_eq(enf_run_exit_code(run), 2);
	ts_expect_actions(&f, "restart-lync", "stop B; stop A; start A; start B");
	expect_stops_starts(&f, 0, 0);
	run = run_opts(&f, 0, 1);
	cr_expect_eq(enf_run_exit_code(run), 2);
	cr_expect_eq(fx_result(&f, "restart-lync")->outcome, ENF_OUTCOME_CHANGED);
	expect_stops_starts(&f, 1, 1);
	cr_expect_null(pending_record(&f));
	fx_fini(&f);
}

Test(deferred, an_apply_that_does_not_defer_performs_a_deferred_restart)
{
	fixture f;
	fx_init(&f, pool_member, policy);
	enf_run *run = run_opts(&f, 1, 0);
	char *first = enf_strdup(run->run_id);
	run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 2);
	const enf_result *r = fx_result(&f, "restart-lync");
	cr_expect_eq(r->outcome, ENF_OUTCOME_CHANGED, "%s", r->message);
	char *want = enf_asprintf("notified by run %s, which deferred it", first);
	cr_expect_str_eq(r->message, want);
	free(want);
	expect_stops_starts(&f, 1, 1);
	cr_expect_null(pending_record(&f));
	free(first);
	fx_fini(&f);
}

Test(deferred, a_pending_restart_that_fails_is_finished_by_the_next_restart_pending)
{
	fixture f;
	fx_init(&f, pool_member, policy);
	enf_run *run = run_opts(&f, 1, 0);
	/* B will not start. */
	json_t *snap = fx_state(&f);
	json_object_set_new(snap, "faults", json_pack("{s:[s]}", "fail_start", "B"));
	char *text = json_dumps(snap, JSON_INDENT(2));
	free(th_write(f.dir, "server.json", text));
	free(text);
	json_decref(snap);
	run = run_opts(&f, 0, 1);
	cr_expect_eq(enf_run_exit_code(run), 4, "a failed restart is a failure");
	cr_expect_eq(run->results[0].outcome, ENF_OUTCOME_FAILED);
	char *id = enf_strdup(run->run_id);
	json_t *doc = pending_record(&f);
	cr_expect_eq(json_array_size(json_object_get(doc, "handlers")), 0);
	cr_expect_null(json_object_get(json_object_get(doc, "deferred"), "restart-lync"));
	cr_expect_str_eq(
	    json_string_value(json_object_get(json_object_get(doc, "finish"), "restart-lync")), id);
	json_decref(doc);
	/* Its fault gone, restart --pending finishes it: starts B, stops nothing. */
	snap = fx_state(&f);
	json_object_del(snap, "faults");
	text = json_dumps(snap, JSON_INDENT(2));
	free(th_write(f.dir, "server.json", text));
	free(text);
	json_decref(snap);
	run = run_opts(&f, 0, 1);
	cr_expect_eq(enf_run_exit_code(run), 2);
	ts_expect_actions(&f, "restart-lync", "start B (stopped)");
	json_t *s = fx_state(&f);
	cr_expect_str_eq(ts_svc_str(s, "B", "state"), "running");
	cr_expect_eq(ts_svc_int(s, "A", "stops"), 1);
	json_decref(s);
	cr_expect_null(pending_record(&f));
	free(id);
	fx_fini(&f);
}

static const char policy_two[] =
    "enforcer: 1\nname: lync\nresources:\n"
    "  - {type: registry, id: tls, key: 'HKLM\\Software\\T', value: Enabled, kind: dword, "
    "data: 1, notify: restart-a}\n"
    "  - {type: registry, id: ticket, key: 'HKLM\\Software\\T', value: Ticket, kind: dword, "
    "data: 0, notify: restart-b}\n"
    "  - {type: restart, id: restart-a, services: [A]}\n"
    "  - {type: restart, id: restart-b, services: [B]}\n";

/*
 * The first handler's write of the snapshot succeeds and the second's fails
 * (the fault hook: the 2nd write and every later one fail, as on a disk that
 * filled up). The second restart was made but the file does not show it: it
 * stays pending as a whole restart, and the next apply makes it; what the
 * first write holds stays changed.
 */
Test(deferred, a_restart_whose_write_fails_stays_pending_for_the_next_apply)
{
	th_needs_test_hooks();
	fixture f;
	fx_init(&f, pool_member, policy_two);
	setenv("ENFORCER_FAULT_FAIL_WRITE", "2", 1);
	enf_run *run = run_opts(&f, 0, 0);
	unsetenv("ENFORCER_FAULT_FAIL_WRITE");
	cr_expect_eq(enf_run_exit_code(run), 6);
	cr_expect_eq(fx_result(&f, "tls")->outcome, ENF_OUTCOME_CHANGED);
	cr_expect_eq(fx_result(&f, "ticket")->outcome, ENF_OUTCOME_CHANGED,
	             "the first write holds it: %s", fx_result(&f, "ticket")->message);
	cr_expect_eq(fx_result(&f, "restart-a")->outcome, ENF_OUTCOME_CHANGED);
	const enf_result *r = fx_result(&f, "restart-b");
	cr_expect_eq(r->outcome, ENF_OUTCOME_FAILED);
	cr_expect_str_eq(r->message, "restart done, but the target could not be written; the "
	                             "restart stays pending: B running");
	char *id = enf_strdup(run->run_id);
	json_t *s = fx_state(&f);
	cr_expect_eq(ts_svc_int(s, "A", "stops"), 1);
	cr_expect_eq(ts_svc_int(s, "B", "stops"), 0, "the file shows B's restart");
	json_decref(s);
	json_t *doc = pending_record(&f);
	json_t *want = json_pack("{s:s, s:[s]}", "run", id, "handlers", "restart-b");
	cr_expect(json_equal(doc, want), "the pending record: %s",
	          doc ? json_dumps(doc, JSON_COMPACT) : "none");
	json_decref(want);
	json_decref(doc);
	/* The next apply restarts B (stops it too: a whole restart), and only B. */
	run = run_opts(&f, 0, 0);
	cr_expect_eq(enf_run_exit_code(run), 2);
	cr_expect_eq(fx_result(&f, "restart-a")->outcome, ENF_OUTCOME_COMPLIANT);
	ts_expect_actions(&f, "restart-b", "stop B; start B");
	r = fx_result(&f, "restart-b");
	char *msg =
	    enf_asprintf("notified by run %s, which was interrupted before this restart", id);
	cr_expect_str_eq(r->message, msg);
	free(msg);
	s = fx_state(&f);
	cr_expect_eq(ts_svc_int(s, "A", "stops"), 1);
	cr_expect_eq(ts_svc_int(s, "B", "stops"), 1);
	cr_expect_eq(ts_svc_int(s, "B", "starts"), 1);
	cr_expect_str_eq(ts_svc_str(s, "B", "state"), "running");
	json_decref(s);
	cr_expect_null(pending_record(&f));
	free(id);
	fx_fini(&f);
}

Test(deferred, options_that_cannot_go_together_are_refused)
{
	fixture f;
	fx_init(&f, pool_member, policy);
	enf_policy *p = NULL;
	enf_target *t = NULL;
	enf_diag_list diags;
	cr_assert_eq(enf_diag_list_init(&diags, f.policy), 0);
	cr_assert_eq(enf_policy_load_file(&p, &diags, f.policy), 0);
	enf_diag_list_clear(&diags);
	char *spec = enf_asprintf("snapshot:%s", f.snapshot);
	cr_assert_eq(enf_target_open(&t, spec), 0);
	enf_run_options opts = ENF_RUN_OPTIONS_INIT;
	opts.state_dir = f.state;
	opts.defer_restarts = 1; /* with a plan */
	enf_run *run = NULL;
	cr_expect_eq(enf_run_policy(&run, p, t, &opts), ENF_EINVALID);
	cr_expect_str_eq(enf_error_last()->message,
	                 "restarts are deferred, or pending ones performed, only by an apply, and "
	                 "not both at once");
	opts.mode = ENF_RUN_APPLY;
	opts.pending_restarts = 1;
	cr_expect_eq(enf_run_policy(&run, p, t, &opts), ENF_EINVALID);
	cr_expect_null(run);
	json_t *s = fx_state(&f);
	cr_expect_null(
	    json_object_get(json_object_get(json_object_get(s, "registry"), "HKLM\\Software\\T"),
	                    "Enabled"),
	    "a refused run changed the target");
	json_decref(s);
	enf_target_close(t);
	enf_policy_free(p);
	free(spec);
	fx_fini(&f);
}

Test(deferred, defer_with_reboot_is_a_validation_error)
{
	static const char text[] =
	    "enforcer: 1\nname: x\nresources:\n"
	    "  - {type: registry, id: v, key: 'HKLM\\Software\\T', value: V, kind: dword, data: 1, "
	    "notify: r}\n"
	    "  - {type: restart, id: r, reboot: true, defer: true}\n";
	int rc = 0;
	char *msg = th_load_buffer(text, strlen(text), &rc, NULL);
	cr_expect_eq(rc, ENF_EINVALID);
	cr_expect_str_eq(msg, "5:49: 'defer' has no meaning with reboot: true: enforcer never "
	                      "reboots, it only reports that a reboot is pending");
	free(msg);
}
