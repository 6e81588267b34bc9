/*
 * Shared by the reliability tests (test_reliability.c and
 * test_reliability_input.c): the enforcer binary run in a folder of its
 * own, and what it leaves there read back and checked.
 */
#ifndef ENFORCER_TEST_RELIABILITY_H
#define ENFORCER_TEST_RELIABILITY_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define APPLY     "apply", "--target", "snapshot:server.json", "--state-dir", "state"
#define PLAN      "plan", "--target", "snapshot:server.json"
#define ROLLBACK  "rollback", "--target", "snapshot:server.json", "--state-dir", "state"

/* Starts the enforcer in DIR; its output goes to DIR/TAG.out and DIR/TAG.err. */
pid_t rl_spawn_cli(const char *dir, const char *tag, const char *const *argv, const char *env);

/* The exit code, or 128 + the signal that ended it. */
int rl_wait_cli(pid_t pid);

/* What a run started with TAG wrote to STREAM ("out" or "err"); free() it. */
char *rl_cli_text(const char *dir, const char *tag, const char *stream);

/* The journals in DIR/state/journal, by name (run ids); rl_free_ids() them. */
size_t rl_journal_ids(const char *dir, char ***ids);
void rl_free_ids(char **ids, size_t n);

/*
 * A journal's records; json_decref() them. Every line that ends in a newline
 * must be a whole JSON object: only a last line without one may have been
 * cut by a kill.
 */
json_t *rl_journal_records(const char *dir, const char *id);

/* The records with this member: "end", or with a "seq", "change", "done" or "failed". */
size_t rl_count_records(const json_t *records, const char *member);

/* DIR/server.json, which must be whole: valid JSON that the snapshot provider opens. */
json_t *rl_whole_snapshot(const char *dir, const char *label);

/*
 * After the rollback of a run: everything its journal RECORDS says it began
 * to change is in NOW as in ORIG. Passwords are never journaled, so a
 * service's stored password is the one thing not compared.
 */
void rl_expect_restored(const json_t *orig, const json_t *now, const json_t *records,
                        const char *label);

#endif
