/*
 * The runs of the state folder (issue 19): `enforcer runs`, `rollback last`,
 * no journal for a run that changes nothing, --keep-days, --exit-codes.
 */
#include "engine_fixture.h"
#include "helpers.h"

#include "util/util.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static char *dir;

static void runs_init(void)
{
	dir = th_tmpdir();
	free(th_write(dir, "server.json", fx_seed_snapshot));
	free(th_write(dir, "policy.yaml", fx_seed_policy));
}

static void runs_fini(void)
{
	free(dir);
	dir = NULL;
	th_cleanup();
}

TestSuite(runs, .init = runs_init, .fini = runs_fini);

/* `enforcer runs --format json`, parsed. */
static json_t *runs_json(void)
{
	th_cli_result r =
	    th_run_cli(dir, ARGS("runs", "--state-dir", "state", "--format", "json"), NULL);
	cr_assert_eq(r.code, 0, "%s", r.err);
	json_t *a = json_loads(r.out, 0, NULL);
	th_cli_free(&r);
	cr_assert(json_is_array(a));
	return a;
}

static const char *run_field(const json_t *a, size_t i, const char *key)
{
	return json_string_value(json_object_get(json_array_get(a, i), key));
}

static size_t journal_count(void)
{
	char *jdir = enf_asprintf("%s/state/journal", dir);
	char **names = NULL;
	size_t n = 0;
	cr_assert_eq(enf_dir_entries(&names, &n, jdir), 0);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(jdir);
	return n;
}

static int apply(const char *extra)
{
	th_cli_result r =
	    extra ? th_run_cli(dir,
	                       ARGS("apply", "--target", "snapshot:server.json", "--state-dir",
	                            "state", extra, "simple", "policy.yaml"),
	                       NULL)
	          : th_run_cli(dir,
	                       ARGS("apply", "--target", "snapshot:server.json", "--state-dir",
	                            "state", "policy.yaml"),
	                       NULL);
	int code = r.code;
	th_cli_free(&r);
	return code;
}

Test(runs, a_run_that_changes_nothing_keeps_no_journal_and_rollback_last_undoes_the_last_change)
{
	th_cli_result r = th_run_cli(dir, ARGS("runs", "--state-dir", "state"), NULL);
	cr_expect_eq(r.code, 0);
	cr_expect_str_eq(r.out, "No runs in the state folder.\n");
	th_cli_free(&r);
	cr_assert_eq(apply(NULL), 2);
	cr_expect_eq(journal_count(), 1);
	cr_assert_eq(apply(NULL), 0);
	/* The second apply found everything compliant: no second journal. */
	cr_expect_eq(journal_count(), 1);
	json_t *a = runs_json();
	cr_assert_eq(json_array_size(a), 2);
	char *changed = enf_strdup(run_field(a, 0, "run_id"));
	char *unchanged = enf_strdup(run_field(a, 1, "run_id"));
	cr_expect_str_eq(run_field(a, 0, "mode"), "apply");
	cr_expect_str_eq(run_field(a, 0, "policy"), "lync-edge");
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(a, 0), "changed")), 3);
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(a, 0), "exit")), 2);
	cr_expect(json_is_true(json_object_get(json_array_get(a, 0), "journal")));
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(a, 1), "changed")), 0);
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(a, 1), "exit")), 0);
	cr_expect(json_is_false(json_object_get(json_array_get(a, 1), "journal")));
	json_decref(a);

	r = th_run_cli(
	    dir,
	    ARGS("rollback", "--target", "snapshot:server.json", "--state-dir", "state", unchanged),
	    NULL);
	cr_expect_eq(r.code, 0);
	char *want = enf_asprintf("Run %s (apply of lync-edge) changed nothing, so it kept no "
	                          "journal: there is nothing to roll back.\n",
	                          unchanged);
	cr_expect_str_eq(r.out, want);
	free(want);
	th_cli_free(&r);

	r = th_run_cli(dir,
	               ARGS("rollback", "--target", "snapshot:server.json", "--state-dir", "state",
	                    "--format", "json", "last"),
	               NULL);
	cr_expect_eq(r.code, 2, "%s", r.err);
	json_t *report = json_loads(r.out, 0, NULL);
	cr_expect_str_eq(
	    json_string_value(json_object_get(json_object_get(report, "run"), "rolled_back")),
	    changed);
	json_decref(report);
	th_cli_free(&r);
	/* The rollback changed something: its journal is kept, and it is listed. */
	cr_expect_eq(journal_count(), 2);
	a = runs_json();
	cr_assert_eq(json_array_size(a), 3);
	cr_expect_str_eq(run_field(a, 2, "mode"), "rollback");
	char *policy = enf_asprintf("rollback of %s", changed);
	cr_expect_str_eq(run_field(a, 2, "policy"), policy);
	free(policy);
	json_decref(a);
	/* And the plan shows the drift the first apply fixed, back again. */
	r = th_run_cli(dir, ARGS("plan", "--target", "snapshot:server.json", "policy.yaml"), NULL);
	cr_expect_eq(r.code, 2);
	th_cli_free(&r);
	free(changed);
	free(unchanged);
}

Test(runs, rollback_last_with_simple_exit_codes_and_with_nothing_to_roll_back)
{
	cr_assert_eq(apply("--exit-codes"), 0); /* 3 changed: 2, simple 0 */
	cr_assert_eq(apply(NULL), 0);
	th_cli_result r = th_run_cli(dir,
	                             ARGS("rollback", "--target", "snapshot:server.json",
	                                  "--state-dir", "state", "--exit-codes", "simple", "last"),
	                             NULL);
	cr_expect_eq(r.code, 0, "%s", r.err);
	th_cli_free(&r);
	/* A rollback is not an apply: `last` is still the first apply, now nothing to undo. */
	r = th_run_cli(
	    dir,
	    ARGS("rollback", "--target", "snapshot:server.json", "--state-dir", "state", "last"),
	    NULL);
	cr_expect_eq(r.code, 0, "%s", r.err);
	th_cli_free(&r);
	r = th_run_cli(
	    dir,
	    ARGS("rollback", "--target", "snapshot:server.json", "--state-dir", "empty", "last"),
	    NULL);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "enforcer: no apply in the state folder changed anything: there "
	                        "is nothing to roll back (see 'enforcer runs')\n");
	th_cli_free(&r);
}

Test(runs, exit_codes_simple_and_usage_errors)
{
	th_cli_result r =
	    th_run_cli(dir,
	               ARGS("apply", "--target", "snapshot:server.json", "--state-dir", "state",
	                    "--exit-codes", "puppet", "policy.yaml"),
	               NULL);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "enforcer apply: --exit-codes must be detailed or simple, not "
	                        "'puppet'\nSee 'enforcer apply --help'.\n");
	th_cli_free(&r);
	r = th_run_cli(
	    dir,
	    ARGS("plan", "--target", "snapshot:server.json", "--keep-days", "30", "policy.yaml"),
	    NULL);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "enforcer plan: --keep-days is for apply and rollback, which write "
	                        "the state folder\nSee 'enforcer plan --help'.\n");
	th_cli_free(&r);
	r = th_run_cli(dir, ARGS("runs", "--keep-days", "0"), NULL);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "enforcer runs: --keep-days takes whole days from 1 to 36500, not "
	                        "'0'\nSee 'enforcer runs --help'.\n");
	th_cli_free(&r);
	/* Drift found by a plan is success for a scheduler: 0; detailed: 2. */
	r = th_run_cli(dir,
	               ARGS("plan", "--target", "snapshot:server.json", "--exit-codes", "simple",
	                    "policy.yaml"),
	               NULL);
	cr_expect_eq(r.code, 0);
	th_cli_free(&r);
	/* A failure is 1: a snapshot whose service cannot be read fails the resource. */
	free(th_write(dir, "bad.yaml",
	              "enforcer: 1\nname: bad\nresources:\n  - type: service\n    id: s\n"
	              "    name: NOSUCHSVC\n    startup: automatic\n"));
	r = th_run_cli(dir,
	               ARGS("apply", "--target", "snapshot:server.json", "--state-dir", "state",
	                    "--exit-codes", "simple", "bad.yaml"),
	               NULL);
	cr_expect_eq(r.code, 1, "%s%s", r.out, r.err);
	th_cli_free(&r);
	r = th_run_cli(
	    dir,
	    ARGS("apply", "--target", "snapshot:server.json", "--state-dir", "state", "bad.yaml"),
	    NULL);
	cr_expect_eq(r.code, 4, "%s%s", r.out, r.err);
	th_cli_free(&r);
}

Test(runs, keep_days_prunes_old_journals_and_runs)
{
	cr_assert_eq(apply(NULL), 2);
	cr_assert_eq(apply(NULL), 0);
	/* A journal and an index line of 2020, as a run of then would have left them. */
	char *jdir = enf_asprintf("%s/state/journal", dir);
	free(th_write(jdir, "20200101T000000Z-aaaaaa.jsonl",
	              "{\"journal\":\"enforcer-journal/1\",\"run_id\":\"20200101T000000Z-aaaaaa\","
	              "\"mode\":\"apply\",\"host\":\"EDGE01\",\"user\":\"root\",\"target\":"
	              "\"snapshot:server.json\",\"policy\":\"old\",\"started\":1577836800.0}\n"
	              "{\"end\":1577836801.0,\"changed\":1,\"failed\":0,\"exit\":2}\n"));
	free(jdir);
	char *index = enf_asprintf("%s/state/runs.jsonl", dir);
	size_t len = 0;
	char *text = th_read(index, &len);
	char *old = enf_asprintf("{\"run_id\":\"20200102T000000Z-bbbbbb\",\"mode\":\"apply\","
	                         "\"policy\":\"old\",\"started\":1577923200.0,\"changed\":0,"
	                         "\"failed\":0,\"exit\":0,\"journal\":false}\n%s",
	                         text);
	cr_assert_eq(enf_write_file_atomic(index, old, strlen(old)), 0);
	free(old);
	free(text);
	json_t *a = runs_json();
	cr_expect_eq(json_array_size(a), 4);
	cr_expect_str_eq(run_field(a, 0, "run_id"), "20200101T000000Z-aaaaaa");
	cr_expect_str_eq(run_field(a, 1, "run_id"), "20200102T000000Z-bbbbbb");
	json_decref(a);
	th_cli_result r =
	    th_run_cli(dir, ARGS("runs", "--state-dir", "state", "--keep-days", "30"), NULL);
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect(strncmp(r.out,
	                  "Removed 1 journals and 1 runs older than 30 days.\n"
	                  "RUN                      STARTED (UTC)       MODE     CHANGED FAILED "
	                  "EXIT JOURNAL POLICY\n",
	                  strlen("Removed 1 journals and 1 runs older than 30 days.\n"
	                         "RUN                      STARTED (UTC)       MODE     CHANGED "
	                         "FAILED EXIT JOURNAL POLICY\n")) == 0,
	          "%s", r.out);
	th_cli_free(&r);
	a = runs_json();
	cr_expect_eq(json_array_size(a), 2);
	cr_expect_neq(strncmp(run_field(a, 0, "run_id"), "2020", 4), 0);
	json_decref(a);
	cr_expect_eq(journal_count(), 1);
	/* apply --keep-days prunes too, after the run: nothing that young. */
	r = th_run_cli(dir,
	               ARGS("apply", "--target", "snapshot:server.json", "--state-dir", "state",
	                    "--keep-days", "1", "policy.yaml"),
	               NULL);
	cr_expect_eq(r.code, 0, "%s", r.err);
	th_cli_free(&r);
	a = runs_json();
	cr_expect_eq(json_array_size(a), 3);
	json_decref(a);
	free(index);
}
