/* A snapshot "server" and a policy in a temporary folder, for engine tests. */
#ifndef ENFORCER_TEST_ENGINE_FIXTURE_H
#define ENFORCER_TEST_ENGINE_FIXTURE_H

#include "enforcer/engine.h"

#include <jansson.h>

typedef struct fixture {
	char *dir;
	char *snapshot; /* path */
	char *policy;   /* path */
	char *state;    /* state folder */
	enf_run *run;   /* the last run */
} fixture;

/* The seeds' Edge server: RTCSRV as .\svc-lync with a stored password, stopped;
 * no EnableSessionTicket; RTCMEDIARELAY running as NETWORK SERVICE. */
extern const char fx_seed_snapshot[];
/* The matching Edge baseline: EnableSessionTicket = 2 notifying a restart,
 * RTCSRV as NetworkService with no stored password, running. */
extern const char fx_seed_policy[];

/* The fixture's folder (th_tmpdir) is removed by th_cleanup, not by fx_fini. */
void fx_init(fixture *f, const char *snapshot_json, const char *policy_yaml);
/* Frees the fixture and zeroes it: a second fx_fini does nothing. */
void fx_fini(fixture *f);

/* Runs the policy in `mode` (dry-run for apply when dry is set); asserts it ran. */
enf_run *fx_run(fixture *f, enf_run_mode mode, int dry);
/* Runs the policy with `opts` (its state_dir is the fixture's); asserts it ran. */
enf_run *fx_run_with(fixture *f, enf_run_options *opts);
/* Rolls back run `id`; asserts it ran. */
enf_run *fx_rollback(fixture *f, const char *id);
/* Runs and returns the return code instead of asserting success. */
int fx_try(fixture *f, enf_run_mode mode, enf_run **out);

/* The snapshot as it is on disk now; json_decref() it. */
json_t *fx_state(const fixture *f);
/* The result for resource `id` in the last run. */
const enf_result *fx_result(const fixture *f, const char *id);
/* All action texts of a result joined by "; ". free() it. */
char *fx_actions(const enf_result *r);

#endif
