/*
 * Killed runs: the test-only hook ENFORCER_FAULT_KILL_AFTER=N kills the
 * process right after its Nth change is made (before the journal records
 * it as done). For every N: the next apply converges, and a rollback of the
 * killed run restores exactly what it had changed.
 */
#include "engine_fixture.h"
#include "helpers.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Applies in a child killed after `n` changes; returns the killed run's id. */
static char *apply_killed_after(fixture *f, int n)
{
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		char value[16];
		snprintf(value, sizeof(value), "%d", n);
		setenv("ENFORCER_FAULT_KILL_AFTER", value, 1);
		enf_run *run = NULL;
		fx_try(f, ENF_RUN_APPLY, &run);
		_exit(0); /* not reached when the hook fires */
	}
	int status = 0;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	          "the run was not killed after change %d", n);
	DIR *d = opendir(f->state);
	cr_assert(d);
	char *id = NULL;
	struct dirent *e;
	char *jdir = enf_asprintf("%s/journal", f->state);
	closedir(d);
	d = opendir(jdir);
	cr_assert(d);
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".jsonl"))
			id = enf_strndup(e->d_name, strlen(e->d_name) - 6);
	closedir(d);
	free(jdir);
	cr_assert(id, "no journal was written");
	return id;
}

/* Every folder a test made goes when it ends. */
TestSuite(faults, .fini = th_cleanup);

static void expect_original_seed_state(const fixture *f)
{
	json_t *s = fx_state(f);
	json_t *k = json_object_get(
	    json_object_get(s, "registry"),
	    "HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\Schannel");
	cr_expect_eq(json_object_size(k), 0);
	json_t *rtc = json_object_get(json_object_get(s, "services"), "RTCSRV");
	cr_expect_str_eq(json_string_value(json_object_get(rtc, "logon")), ".\\svc-lync");
	cr_expect_str_eq(json_string_value(json_object_get(rtc, "state")), "stopped");
	json_decref(s);
}

Test(faults, every_kill_point_converges_on_rerun_and_rolls_back)
{
	th_needs_test_hooks();
	/* The seed apply makes 3 changes, then restarts through the handler. */
	for (int n = 1; n <= 3; n++) {
		fixture f;
		fx_init(&f, fx_seed_snapshot, fx_seed_policy);
		char *id = apply_killed_after(&f, n);
		enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
		cr_expect_eq(run->counts[ENF_OUTCOME_FAILED], 0, "kill at %d: rerun failed", n);
		/* The restart the killed run owed still happens, exactly once. */
		json_t *s = fx_state(&f);
		json_t *relay = json_object_get(json_object_get(s, "services"), "RTCMEDIARELAY");
		cr_expect_eq(json_integer_value(json_object_get(relay, "stops")), 1,
		             "kill at %d: the pending restart did not run", n);
		json_decref(s);
		cr_expect_eq(enf_run_exit_code(fx_run(&f, ENF_RUN_PLAN, 0)), 0,
		             "kill at %d: not converged after the rerun", n);
		fx_run(&f, ENF_RUN_APPLY, 0);
		cr_expect_eq(fx_result(&f, "restart-lync")->outcome, ENF_OUTCOME_COMPLIANT,
		             "kill at %d: the restart ran twice", n);
		free(id);
		fx_fini(&f);

		fx_init(&f, fx_seed_snapshot, fx_seed_policy);
		id = apply_killed_after(&f, n);
		run = fx_rollback(&f, id);
		cr_expect_eq(run->counts[ENF_OUTCOME_FAILED], 0, "kill at %d: rollback failed", n);
		expect_original_seed_state(&f);
		free(id);
		fx_fini(&f);
	}
}

Test(faults, a_held_lock_refuses_a_second_apply_and_changes_nothing)
{
	fixture f;
	fx_init(&f, fx_seed_snapshot, fx_seed_policy);
	cr_assert_eq(enf_mkdir_p(f.state), 0);
	char *lock_path = enf_asprintf("%s/enforcer.lock", f.state);
	enf_lock *lock = NULL;
	cr_assert_eq(enf_lock_acquire(&lock, lock_path, 0), 0);
	pid_t pid = fork();
	if (pid == 0) {
		enf_run *run = NULL;
		_exit(fx_try(&f, ENF_RUN_APPLY, &run) == ENF_ELOCKED ? 0 : 1);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "the second apply did not see the lock");
	char *now = th_read(f.snapshot, NULL);
	cr_expect_str_eq(now, fx_seed_snapshot);
	free(now);
	enf_lock_release(lock);
	/* A killed holder releases it: the OS drops the lock with the process. */
	pid = fork();
	if (pid == 0) {
		enf_lock *held = NULL;
		enf_lock_acquire(&held, lock_path, 0);
		kill(getpid(), SIGKILL);
	}
	waitpid(pid, &status, 0);
	cr_expect_eq(enf_lock_acquire(&lock, lock_path, 0), 0, "a dead process kept the lock");
	enf_lock_release(lock);
	free(lock_path);
	fx_fini(&f);
}

/*
 * Issue 20: one snapshot, one run. A run with another state folder does not
 * share the first one's lock, so the snapshot is locked by itself: the second
 * apply is refused (ENF_ELOCKED, exit 1 on the command line) and changes nothing.
 */
Test(faults, a_snapshot_another_run_changes_is_refused_whatever_the_state_folder)
{
	fixture f;
	fx_init(&f, fx_seed_snapshot, fx_seed_policy);
	char *lock_path = enf_asprintf("%s.lock", f.snapshot);
	enf_lock *lock = NULL;
	cr_assert_eq(enf_lock_acquire(&lock, lock_path, 0), 0);
	char *other_state = enf_asprintf("%s/other-state", f.dir);
	free(f.state);
	f.state = other_state;
	pid_t pid = fork();
	if (pid == 0) {
		enf_run *run = NULL;
		int rc = fx_try(&f, ENF_RUN_APPLY, &run);
		const enf_error *e = enf_error_last();
		char *want =
		    enf_asprintf("another enforcer run is changing the snapshot '%s' (it holds "
		                 "'%s'); wait for it to finish or use --wait SECONDS",
		                 f.snapshot, lock_path);
		_exit(rc == ENF_ELOCKED && e && strcmp(e->message, want) == 0 ? 0 : 1);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "the second apply did not see the snapshot's lock, or said something else");
	char *now = th_read(f.snapshot, NULL);
	cr_expect_str_eq(now, fx_seed_snapshot);
	free(now);
	enf_lock_release(lock);
	/* Released: the apply goes through, and a plan never needed the lock. */
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 2);
	free(lock_path);
	fx_fini(&f);
}
