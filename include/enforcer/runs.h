/*
 * The runs of a state folder (docs/journal.md, "The runs index"): every
 * apply and rollback that finished adds a line to STATE/runs.jsonl; a run
 * that changed something also keeps its journal. `enforcer runs` lists
 * them, `rollback last` finds the latest apply that changed something, and
 * --keep-days prunes old journals and lines.
 */
#ifndef ENFORCER_RUNS_H
#define ENFORCER_RUNS_H

#include <stddef.h>

typedef struct enf_run_entry {
	char *run_id;
	char *mode;   /* "apply" or "rollback" */
	char *policy; /* the policy's name ("rollback of RUN-ID" for a rollback) */
	double started;
	long changed, failed;
	int exit_code;   /* -1 when the run never finished (interrupted) */
	int has_journal; /* its journal is in the state folder */
	/*
	 * Why its journal cannot be read (larger than a journal may be), or
	 * NULL; when set, only run_id, started (from the id) and has_journal
	 * are known, and no rollback reads it.
	 */
	char *unreadable;
} enf_run_entry;

/*
 * The runs of `state_dir` (NULL: the default state folder), oldest first:
 * the index's lines, and journals it has no line for (a run that was
 * interrupted, or written by an earlier version). 0 with none when the
 * folder does not exist.
 */
int enf_runs_list(enf_run_entry **out, size_t *count, const char *state_dir);
void enf_runs_free(enf_run_entry *runs, size_t count);

/*
 * The latest apply whose journal is there and that changed something (or
 * was interrupted, so may have): malloc'd run id; ENF_ENOTFOUND when none;
 * ENF_ELIMIT, with the journal's refusal, when a later journal cannot be read.
 */
int enf_runs_last_changed(char **run_id, const char *state_dir);

/*
 * Removes the journals of runs that started more than `keep_days` days
 * before `now`, and their index lines, under the state folder's lock
 * (waiting up to wait_seconds for it): how many journals and how many
 * index lines were removed.
 */
int enf_runs_prune(const char *state_dir, unsigned keep_days, double now, unsigned wait_seconds,
                   size_t *journals_removed, size_t *lines_removed);

#endif
