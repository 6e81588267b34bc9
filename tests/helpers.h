/* Shared helpers for the Criterion tests. */
#ifndef ENFORCER_TEST_HELPERS_H
#define ENFORCER_TEST_HELPERS_H

#include "enforcer/diag.h"
#include "enforcer/policy.h"

#include <stddef.h>

/* The tests/resources directory (from ENFORCER_TEST_RESOURCES). */
const char *th_resources(void);

/* A path under tests/resources; free() it. */
char *th_resource_path(const char *relative);

/*
 * Loads a policy from a buffer and returns every diagnostic as
 * "LINE:COL: message" lines joined by '\n' (no file name); free() it.
 * *rc receives the loader's return code; *out the policy (may be NULL).
 */
char *th_load_buffer(const char *data, size_t len, int *rc, enf_policy **out);

/* The same for a file under tests/resources. */
char *th_load_resource(const char *relative, int *rc, enf_policy **out);

/* Reads a whole file; aborts the test on failure. free() it. */
char *th_read(const char *path, size_t *len);

/*
 * A fresh temporary folder for one test; free() the path. The folder, and
 * everything in it, is removed by th_cleanup() when the test ends.
 */
char *th_tmpdir(void);

/*
 * Removes every folder th_tmpdir() made in this test's process. It is the
 * .fini of every suite (TestSuite(NAME, .fini = th_cleanup), or called by
 * the suite's own .fini), so that a test, passed or failed, leaves nothing
 * behind in the temporary folder.
 */
void th_cleanup(void);

/* A suite's temporary folder: TestSuite(x, .init = th_dir_init, .fini = th_dir_fini). */
extern char *th_dir;
void th_dir_init(void);
void th_dir_fini(void);

/* Removes DIR and everything in it; a DIR that does not exist is no error. */
void th_remove_tree(const char *dir);

/* Writes `text` to DIR/NAME and returns the path; free() it. */
char *th_write(const char *dir, const char *name, const char *text);

/* What one run of the enforcer binary did. */
typedef struct th_cli_result {
	int code;  /* the exit code */
	char *out; /* standard output */
	char *err; /* standard error */
} th_cli_result;

/*
 * Runs the enforcer binary (ENFORCER_EXE) in `dir` with argv (NULL-terminated,
 * without the program name) and one optional "NAME=value" environment addition.
 */
th_cli_result th_run_cli(const char *dir, const char *const *argv, const char *env);
void th_cli_free(th_cli_result *r);

/*
 * Criterion 2.4 ignores how a test's process exits, so LeakSanitizer's
 * report at exit never fails a test: under ASan this checks for leaks now,
 * as an expectation of the calling test. Does nothing in other builds.
 */
void th_expect_no_leaks(void);

/*
 * The fault-injection hook (ENFORCER_FAULT_KILL_AFTER) is compiled only into
 * builds configured with -Dtest_hooks=true, as every build scripts/test runs
 * is. A test that needs it starts with th_needs_test_hooks(): in a build
 * without it the test is skipped (and says why), not failed.
 */
#ifdef ENF_TEST_HOOKS
#define th_needs_test_hooks() ((void)0)
#else
#define th_needs_test_hooks()                                                                      \
	cr_skip_test("needs the fault-injection hook: configure with -Dtest_hooks=true")
#endif

/* Reads a JSON file; aborts the test on failure. json_decref() it. */
struct json_t *th_json_file(const char *path);

#endif
