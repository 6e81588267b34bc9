/*
 * Service waits on the snapshot target: the checkpoint and the wait hint up
 * to a ceiling (timeout:, --service-timeout), on the snapshot's simulated
 * clock, so that a start of fifteen minutes takes no real time; durations;
 * the snapshot's process members; the service-restart journal record.
 */
#include "test_services.h"

#include "engine/engine_int.h"
#include "helpers.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

/* ---- Waits: checkpoints, wait hints, the ceiling ---- */

/* RTCSRV stopped, taking `start_ms` to start, its checkpoint advancing every 5 s. */
static char *slow_snapshot(long start_ms, long checkpoint_ms)
{
	return enf_asprintf(
	    "{\"schema\": \"enforcer-snapshot/1\", \"services\": {\"RTCSRV\": {\"logon\": "
	    "\"NetworkService\", \"startup\": \"automatic\", \"state\": \"stopped\", \"start_ms\": "
	    "%ld, \"wait_hint_ms\": 10000, \"checkpoint_ms\": %ld}}}\n",
	    start_ms, checkpoint_ms);
}

static const char start_policy[] = "enforcer: 1\nname: fe\nresources:\n"
                                   "  - {type: service, id: fe, name: RTCSRV, state: running}\n";

Test(services, a_slow_start_with_advancing_checkpoints_is_waited_for_in_no_real_time)
{
	char *snap = slow_snapshot(8 * 60 * 1000, 5000);
	fixture f;
	fx_init(&f, snap, start_policy);
	double t0 = ts_monotonic_seconds();
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_lt(ts_monotonic_seconds() - t0, 5.0, "an 8-minute start took real time");
	cr_expect_eq(enf_run_exit_code(run), 2);
	cr_expect_eq(fx_result(&f, "fe")->outcome, ENF_OUTCOME_CHANGED, "%s",
	             fx_result(&f, "fe")->message);
	ts_expect_actions(&f, "fe", "start RTCSRV (stopped)");
	json_t *s = fx_state(&f);
	cr_expect_str_eq(ts_svc_str(s, "RTCSRV", "state"), "running");
	cr_expect_null(json_object_get(ts_service_of(s, "RTCSRV"), "pending_ms"));
	json_decref(s);
	free(snap);
	fx_fini(&f);
}

Test(services, a_start_still_advancing_at_the_ceiling_fails_and_is_finished_later)
{
	char *snap = slow_snapshot(15 * 60 * 1000, 5000);
	fixture f;
	fx_init(&f, snap, start_policy);
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 4);
	cr_expect_eq(fx_result(&f, "fe")->outcome, ENF_OUTCOME_FAILED);
	cr_expect_str_eq(
	    fx_result(&f, "fe")->message,
	    "start RTCSRV (stopped): service 'RTCSRV' did not start within 10 min: it is still "
	    "start-pending, its checkpoint still advancing (at 121); give it longer with timeout: "
	    "on the resource or --service-timeout");
	json_t *s = fx_state(&f);
	cr_expect_str_eq(ts_svc_str(s, "RTCSRV", "state"), "start-pending");
	cr_expect_eq(ts_svc_int(s, "RTCSRV", "pending_ms"), 5 * 60 * 1000);
	json_decref(s);
	/* Start-pending is not running: the next run waits for it, within a longer ceiling. */
	run = ts_run_with(&f, ENF_RUN_PLAN, 0);
	ts_expect_actions(&f, "fe", "start RTCSRV (start-pending)");
	run = ts_run_with(&f, ENF_RUN_APPLY, 20 * 60 * 1000);
	cr_expect_eq(enf_run_exit_code(run), 2);
	s = fx_state(&f);
	cr_expect_str_eq(ts_svc_str(s, "RTCSRV", "state"), "running");
	cr_expect_eq(ts_svc_int(s, "RTCSRV", "starts"), 1, "the start was sent once");
	json_decref(s);
	free(snap);
	fx_fini(&f);
}

Test(services, a_checkpoint_that_stops_advancing_fails_after_the_wait_hint)
{
	char *snap = slow_snapshot(60 * 1000, 0);
	fixture f;
	fx_init(&f, snap, start_policy);
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 4);
	cr_expect_str_eq(
	    fx_result(&f, "fe")->message,
	    "start RTCSRV (stopped): service 'RTCSRV' stopped making progress while "
	    "starting: its checkpoint stayed at 1 for longer than its wait hint of 10 s "
	    "(it is still start-pending)");
	json_t *s = fx_state(&f);
	cr_expect_str_eq(ts_svc_str(s, "RTCSRV", "state"), "start-pending");
	/* Given up after the hint (10 s and one poll), not at the 10-minute ceiling. */
	cr_expect_gt(ts_svc_int(s, "RTCSRV", "pending_ms"), 49000);
	json_decref(s);
	free(snap);
	fx_fini(&f);
}

Test(services, timeout_on_the_resource_wins_over_service_timeout)
{
	char *snap = slow_snapshot(15 * 60 * 1000, 5000);
	fixture f;
	fx_init(&f, snap,
	        "enforcer: 1\nname: fe\nresources:\n"
	        "  - {type: service, id: fe, name: RTCSRV, state: running, timeout: 20m}\n");
	enf_run *run = ts_run_with(&f, ENF_RUN_APPLY, 5 * 60 * 1000);
	cr_expect_eq(enf_run_exit_code(run), 2, "%s", fx_result(&f, "fe")->message);
	free(snap);
	fx_fini(&f);
	/* The loader keeps it in milliseconds, for restarts too. */
	static const char text[] = "enforcer: 1\nname: fe\nresources:\n"
	                           "  - {type: service, id: fe, name: A, timeout: 20m, notify: r}\n"
	                           "  - {type: restart, id: r, services: [A], timeout: 90}\n";
	int rc = 0;
	enf_policy *p = NULL;
	char *diags = th_load_buffer(text, strlen(text), &rc, &p);
	cr_assert_eq(rc, 0, "%s", diags);
	cr_expect_eq(p->resources[0].u.svc.timeout_ms, 20u * 60 * 1000);
	cr_expect_eq(p->resources[1].u.restart.timeout_ms, 90u * 1000);
	enf_policy_free(p);
	free(diags);
}

Test(services, service_timeout_is_the_ceiling_of_resources_without_their_own)
{
	char *snap = slow_snapshot(15 * 60 * 1000, 5000);
	fixture f;
	fx_init(&f, snap, start_policy);
	enf_run *run = ts_run_with(&f, ENF_RUN_APPLY, 5 * 60 * 1000);
	cr_expect_eq(enf_run_exit_code(run), 4);
	cr_expect(strstr(fx_result(&f, "fe")->message, "did not start within 5 min:") != NULL, "%s",
	          fx_result(&f, "fe")->message);
	fx_fini(&f);
	fx_init(&f, snap, start_policy);
	run = ts_run_with(&f, ENF_RUN_APPLY, 20 * 60 * 1000);
	cr_expect_eq(enf_run_exit_code(run), 2, "%s", fx_result(&f, "fe")->message);
	free(snap);
	fx_fini(&f);
}

/* The command line: --service-timeout, and its usage error. */
Test(services, the_service_timeout_option)
{
	char *snap = slow_snapshot(15 * 60 * 1000, 5000);
	fixture f;
	fx_init(&f, snap, start_policy);
	char *target = enf_asprintf("snapshot:%s", f.snapshot);
	const char *bad[] = {"apply",       "--target", target,
	                     "--state-dir", f.state,    "--service-timeout",
	                     "10 min",      f.policy,   NULL};
	th_cli_result r = th_run_cli(f.dir, bad, NULL);
	cr_expect_eq(r.code, 1);
	cr_expect(strstr(r.err, "enforcer apply: --service-timeout takes a duration from 1 second "
	                        "to 24 hours (600, 90s, 10m, 1h), not '10 min'") != NULL,
	          "%s", r.err);
	th_cli_free(&r);
	const char *shorter[] = {"apply",       "--target", target,
	                         "--state-dir", f.state,    "--service-timeout",
	                         "300",         f.policy,   NULL};
	r = th_run_cli(f.dir, shorter, NULL);
	cr_expect_eq(r.code, 4, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "did not start within 5 min") != NULL, "%s", r.out);
	th_cli_free(&r);
	const char *longer[] = {"apply",       "--target", target,
	                        "--state-dir", f.state,    "--service-timeout",
	                        "1h",          f.policy,   NULL};
	r = th_run_cli(f.dir, longer, NULL);
	cr_expect_eq(r.code, 2, "%s%s", r.out, r.err);
	th_cli_free(&r);
	json_t *s = fx_state(&f);
	cr_expect_str_eq(ts_svc_str(s, "RTCSRV", "state"), "running");
	json_decref(s);
	free(target);
	free(snap);
	fx_fini(&f);
}

/* ---- Parts ---- */

Test(services, durations_parse_and_read)
{
	static const struct {
		const char *text;
		unsigned ms;
	} ok[] = {{"600", 600000}, {"90s", 90000},    {"10m", 600000},
	          {"1h", 3600000}, {"24h", 86400000}, {"1", 1000}};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(ok); i++) {
		unsigned ms = 0;
		cr_expect_eq(enf_duration_parse(&ms, ok[i].text), 0, "%s", ok[i].text);
		cr_expect_eq(ms, ok[i].ms, "%s", ok[i].text);
	}
	static const char *const bad[] = {"",    "0",     "0s",   "-5", "10 min",         "1.5m",
	                                  "25h", "86401", "10ms", "m",  "99999999999999", "10mm"};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(bad); i++) {
		unsigned ms = 7;
		cr_expect_eq(enf_duration_parse(&ms, bad[i]), ENF_EINVALID, "%s", bad[i]);
		cr_expect_eq(ms, 7u, "%s changed the output", bad[i]);
	}
	static const struct {
		unsigned ms;
		const char *text;
	} shown[] = {{600000, "10 min"},      {90000, "1 min 30 s"}, {3600000, "1 h"},
	             {5400000, "1 h 30 min"}, {1500, "1.5 s"},       {10000, "10 s"},
	             {1234, "1234 ms"}};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(shown); i++) {
		char *t = enf_duration_text(shown[i].ms);
		cr_expect_str_eq(t, shown[i].text);
		free(t);
	}
}

Test(services, snapshot_checks_the_process_members)
{
	static const struct {
		const char *member;
		const char *message;
	} cases[] = {
	    {"\"start_ms\": -1", "has a \"start_ms\" that is not milliseconds (0 to 86400000)"},
	    {"\"checkpoint_ms\": \"5s\"",
	     "has a \"checkpoint_ms\" that is not milliseconds (0 to 86400000)"},
	    {"\"running_as\": \"LocalSystem\"",
	     "has a \"running_as\" but is stopped: only a running service has a process"},
	    {"\"running_as\": 5", "has a \"running_as\" that is not an account name or SID"},
	};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(cases); i++) {
		fixture f;
		char *snap = enf_asprintf(
		    "{\"schema\": \"enforcer-snapshot/1\", \"services\": {\"S\": {\"logon\": "
		    "\"LocalSystem\", \"startup\": \"manual\", \"state\": \"stopped\", %s}}}\n",
		    cases[i].member);
		fx_init(&f, snap, start_policy);
		enf_target *t = NULL;
		char *spec = enf_asprintf("snapshot:%s", f.snapshot);
		cr_expect_eq(enf_target_open(&t, spec), ENF_EINVALID, "%s", cases[i].member);
		char *want =
		    enf_asprintf("snapshot '%s': services.S %s", f.snapshot, cases[i].message);
		cr_expect_str_eq(enf_error_last()->message, want);
		free(want);
		free(spec);
		free(snap);
		fx_fini(&f);
	}
}

Test(services, the_restart_change_round_trips_through_the_journal)
{
	change c = {0};
	c.ops = &enf_change_svc_restart;
	c.text = enf_strdup("restart RTCSRV: a log-on change takes effect at start");
	c.service = enf_strdup("RTCSRV");
	c.old_startup = ENF_STARTUP_AUTOMATIC;
	json_t *j = enf_change_to_json(&c);
	change back = {0};
	cr_assert_eq(enf_change_from_json(&back, j), 0);
	cr_expect_eq(back.ops, &enf_change_svc_restart);
	cr_expect_str_eq(back.text, c.text);
	cr_expect_str_eq(back.service, "RTCSRV");
	cr_expect_eq(back.old_startup, ENF_STARTUP_AUTOMATIC);
	json_decref(j);
	enf_change_clear(&c);
	enf_change_clear(&back);
}
