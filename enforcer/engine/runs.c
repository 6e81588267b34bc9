/*
 * The runs index (include/enforcer/runs.h, docs/journal.md): one line per
 * finished apply or rollback in STATE/runs.jsonl, so that a run that
 * changed nothing can leave no journal and still be listed, and a rollback
 * of it can say that it changed nothing. The index is rewritten whole
 * (enf_write_file_atomic: a new file of random name, created exclusively,
 * renamed over the old), under the state folder's lock.
 */
#include "enforcer/runs.h"
#include "engine_int.h"

#include "enforcer/errors.h"
#include "enforcer/guard.h"
#include "util/json_util.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUNS_INDEX     "runs.jsonl"
#define RUNS_MAX_BYTES (64u * 1024 * 1024)

static char *index_path(const char *dir)
{
	return enf_asprintf("%s%c%s", dir, ENF_PATH_SEP, RUNS_INDEX);
}

static char *state_dir_or_default(const char *state_dir)
{
	return state_dir ? enf_strdup(state_dir) : enf_default_state_dir();
}

/* The index's text; empty when there is none yet. */
static int read_index(char **text, size_t *len, const char *dir)
{
	char *path = index_path(dir);
	if (!path)
		return enf_error_oom();
	int rc = enf_read_file(text, len, path, RUNS_MAX_BYTES);
	free(path);
	if (rc == ENF_ENOTFOUND) {
		enf_error_clear();
		*text = enf_strdup("");
		*len = 0;
		return *text ? 0 : enf_error_oom();
	}
	return rc;
}

/* The seconds since 1970 of a run id's start (20261122T030512Z-...), or -1. */
static double run_id_time(const char *id)
{
	int v[6] = {0};
	static const int width[6] = {4, 2, 2, 2, 2, 2};
	const char *p = id;
	for (int k = 0; k < 6; k++) {
		if (k == 3 && *p++ != 'T')
			return -1;
		for (int d = 0; d < width[k]; d++, p++) {
			if (*p < '0' || *p > '9')
				return -1;
			v[k] = v[k] * 10 + (*p - '0');
		}
	}
	if (*p++ != 'Z' || *p != '-' || v[1] < 1 || v[1] > 12)
		return -1;
	/* Days since 1970-01-01 by the civil calendar. */
	long y = v[0] - (v[1] <= 2), m = v[1];
	long era = y / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + v[2] - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	long days = era * 146097 + doe - 719468;
	return (double)days * 86400.0 + v[3] * 3600.0 + v[4] * 60.0 + v[5];
}

int enf_engine_runs_record(engine *e, int has_journal)
{
	const enf_run *run = e->run;
	char *dir = enf_engine_state_dir(e->opts);
	char *path = dir ? index_path(dir) : NULL;
	char *text = NULL, *line = NULL;
	size_t len = 0;
	int rc = path ? read_index(&text, &len, dir) : enf_error_oom();
	json_t *o = NULL;
	if (rc == 0) {
		o = json_pack("{s:s, s:s, s:s?, s:f, s:I, s:I, s:I, s:b}", "run_id", run->run_id,
		              "mode", run->mode == ENF_RUN_ROLLBACK ? "rollback" : "apply",
		              "policy", run->policy_name, "started", run->started, "changed",
		              (json_int_t)run->counts[ENF_OUTCOME_CHANGED], "failed",
		              (json_int_t)run->counts[ENF_OUTCOME_FAILED], "exit",
		              (json_int_t)enf_run_exit_code(run), "journal", has_journal);
		line = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
		rc = line ? 0 : enf_error_oom();
	}
	if (rc == 0) {
		enf_buf b = ENF_BUF_INIT;
		enf_buf_put(&b, text, len);
		enf_buf_printf(&b, "%s\n", line);
		rc = b.ptr ? enf_write_file_atomic(path, b.ptr, b.len) : enf_error_oom();
		enf_buf_clear(&b);
	}
	json_decref(o);
	free(line);
	free(text);
	free(path);
	free(dir);
	return rc;
}

int enf_engine_finish_journal(engine *e, int run_rc)
{
	if (!e->journal)
		return 0;
	int has_journal = run_rc != 0 || !enf_journal_is_empty(e->journal);
	if (has_journal)
		enf_journal_end(e->journal, e->run);
	enf_journal_close(e->journal);
	e->journal = NULL;
	if (!has_journal && e->run->journal_path) {
		/* Nothing was journaled, so nothing is there to roll back: the index says so. */
		enf_remove_file(e->run->journal_path);
		free(e->run->journal_path);
		e->run->journal_path = NULL;
	}
	return run_rc ? 0 : enf_engine_runs_record(e, has_journal);
}

void enf_runs_free(enf_run_entry *runs, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(runs[i].run_id);
		free(runs[i].mode);
		free(runs[i].policy);
		free(runs[i].unreadable);
	}
	free(runs);
}

static enf_run_entry *find_entry(enf_run_entry *runs, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(runs[i].run_id, id) == 0)
			return &runs[i];
	return NULL;
}

static int entry_from_json(enf_run_entry *e, const json_t *o)
{
	memset(e, 0, sizeof(*e));
	json_t *exit = json_object_get(o, "exit");
	if (enf_json_get_str(&e->run_id, o, "run_id") || !e->run_id ||
	    enf_json_get_str(&e->mode, o, "mode") || enf_json_get_str(&e->policy, o, "policy"))
		return ENF_EINVALID;
	e->started = json_number_value(json_object_get(o, "started"));
	e->changed = (long)json_integer_value(json_object_get(o, "changed"));
	e->failed = (long)json_integer_value(json_object_get(o, "failed"));
	e->exit_code = json_is_integer(exit) ? (int)json_integer_value(exit) : -1;
	e->has_journal = json_is_true(json_object_get(o, "journal"));
	return 0;
}

/*
 * A journal too large to read, listed as such: rollback refuses it with the
 * same reason, so `runs` must not show it as a run one could roll back.
 */
static int entry_unreadable(enf_run_entry *e, const char *id)
{
	const enf_error *err = enf_error_last();
	double t = run_id_time(id);
	memset(e, 0, sizeof(*e));
	e->run_id = enf_strdup(id);
	e->unreadable = enf_strdup(err && err->message ? err->message : "cannot be read");
	e->started = t < 0 ? 0 : t;
	e->exit_code = -1;
	e->has_journal = 1;
	enf_error_clear();
	if (e->run_id && e->unreadable)
		return 0;
	free(e->run_id);
	free(e->unreadable);
	return enf_error_oom();
}

/* A journal the index has no line for: its first line, and its end line if it has one. */
static int entry_from_journal(enf_run_entry *e, const char *path, const char *id)
{
	char *data = NULL;
	size_t len = 0;
	int rc = enf_journal_read_text(&data, &len, path);
	if (rc == ENF_ELIMIT)
		return entry_unreadable(e, id);
	if (rc)
		return rc;
	json_t *head = NULL, *end = NULL;
	for (char *p = data; p < data + len;) {
		char *eol = memchr(p, '\n', (size_t)(data + len - p));
		if (!eol)
			break;
		json_t *o = json_loadb(p, (size_t)(eol - p), 0, NULL);
		if (!head) {
			head = o;
		} else if (json_object_get(o, "end")) {
			json_decref(end);
			end = o;
		} else {
			json_decref(o);
		}
		p = eol + 1;
	}
	rc = head ? entry_from_json(e, head) : ENF_EINVALID;
	if (rc == 0) {
		json_t *exit = json_object_get(end, "exit");
		e->changed = (long)json_integer_value(json_object_get(end, "changed"));
		e->failed = (long)json_integer_value(json_object_get(end, "failed"));
		e->exit_code = json_is_integer(exit) ? (int)json_integer_value(exit) : -1;
		e->has_journal = 1;
	} else {
		enf_error_set(ENF_ERRCLASS_STATE, "journal '%s' is empty or damaged", path);
	}
	json_decref(head);
	json_decref(end);
	free(data);
	return rc;
}

static int by_start(const void *a, const void *b)
{
	const enf_run_entry *x = a, *y = b;
	return x->started < y->started ? -1 : x->started > y->started;
}

int enf_runs_list(enf_run_entry **out, size_t *count, const char *state_dir)
{
	*out = NULL;
	*count = 0;
	char *dir = state_dir_or_default(state_dir);
	if (!dir)
		return enf_error_oom();
	/* A planted index or journal would only mislead: still, read none someone else can write.
	 */
	int rc = enf_engine_state_guard(dir, 0);
	char *text = NULL, *jdir = NULL, **names = NULL;
	size_t len = 0, nnames = 0, n = 0, alloc = 0;
	enf_run_entry *runs = NULL;
	if (rc == ENF_ENOTFOUND) {
		enf_error_clear();
		free(dir);
		return 0;
	}
	if (rc == 0)
		rc = read_index(&text, &len, dir);
	for (char *p = text; rc == 0 && p && p < text + len;) {
		char *eol = memchr(p, '\n', (size_t)(text + len - p));
		if (!eol)
			break; /* a last line cut short */
		json_t *o = json_loadb(p, (size_t)(eol - p), 0, NULL);
		p = eol + 1;
		if (enf_grow((void **)&runs, &alloc, n + 1, sizeof(*runs))) {
			rc = enf_error_oom();
		} else if (!o || entry_from_json(&runs[n], o)) {
			free(runs[n].run_id);
			free(runs[n].mode);
			free(runs[n].policy);
			/* One damaged line is skipped: the journals are what a rollback reads. */
		} else {
			n++;
		}
		json_decref(o);
	}
	jdir = rc == 0 ? enf_asprintf("%s%cjournal", dir, ENF_PATH_SEP) : NULL;
	if (rc == 0 && !jdir)
		rc = enf_error_oom();
	if (rc == 0 && (rc = enf_dir_entries(&names, &nnames, jdir)) == ENF_ENOTFOUND) {
		enf_error_clear();
		rc = 0;
	}
	for (size_t i = 0; rc == 0 && i < nnames; i++) {
		size_t l = strlen(names[i]);
		if (l < 7 || strcmp(names[i] + l - 6, ".jsonl") != 0)
			continue;
		char *id = enf_strndup(names[i], l - 6);
		enf_run_entry *have = id ? find_entry(runs, n, id) : NULL;
		if (!id) {
			rc = enf_error_oom();
		} else if (have) {
			have->has_journal = 1;
		} else if (enf_grow((void **)&runs, &alloc, n + 1, sizeof(*runs))) {
			rc = enf_error_oom();
		} else {
			char *path = enf_asprintf("%s%c%s", jdir, ENF_PATH_SEP, names[i]);
			rc = path ? enf_guard_check(path, ENF_GUARD_FILE) : enf_error_oom();
			if (rc == 0)
				rc = entry_from_journal(&runs[n], path, id);
			if (rc == 0)
				n++;
			free(path);
		}
		free(id);
	}
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	free(jdir);
	free(text);
	free(dir);
	if (rc) {
		enf_runs_free(runs, n);
		return rc;
	}
	if (n)
		qsort(runs, n, sizeof(*runs), by_start);
	*out = runs;
	*count = n;
	return 0;
}

int enf_runs_last_changed(char **run_id, const char *state_dir)
{
	enf_run_entry *runs = NULL;
	size_t n = 0;
	int rc = enf_runs_list(&runs, &n, state_dir);
	if (rc)
		return rc;
	rc = ENF_ENOTFOUND;
	for (size_t i = n; i > 0; i--) {
		const enf_run_entry *r = &runs[i - 1];
		if (r->unreadable) {
			/* It may be the latest change: never roll back an older one instead. */
			enf_error_set(ENF_ERRCLASS_STATE, "%s", r->unreadable);
			rc = ENF_ELIMIT;
			break;
		}
		if (strcmp(r->mode, "apply") == 0 && r->has_journal &&
		    (r->changed > 0 || r->failed > 0 || r->exit_code < 0)) {
			*run_id = enf_strdup(r->run_id);
			rc = *run_id ? 0 : enf_error_oom();
			break;
		}
	}
	if (rc == ENF_ENOTFOUND)
		enf_error_set(ENF_ERRCLASS_STATE,
		              "no apply in the state folder changed anything: there is nothing "
		              "to roll back (see 'enforcer runs')");
	enf_runs_free(runs, n);
	return rc;
}

/* Keeps the index lines of runs that started at or after `cutoff`. */
static int prune_index(const char *dir, double cutoff, size_t *removed)
{
	char *text = NULL;
	size_t len = 0;
	int rc = read_index(&text, &len, dir);
	enf_buf kept = ENF_BUF_INIT;
	size_t dropped = 0;
	for (char *p = text; rc == 0 && p < text + len;) {
		char *eol = memchr(p, '\n', (size_t)(text + len - p));
		size_t l = eol ? (size_t)(eol - p) : (size_t)(text + len - p);
		json_t *o = json_loadb(p, l, 0, NULL);
		double started = json_number_value(json_object_get(o, "started"));
		json_decref(o);
		if (o && started < cutoff)
			dropped++;
		else if (eol)
			enf_buf_put(&kept, p, l + 1);
		p += l + (eol ? 1 : 0);
	}
	char *path = rc == 0 && dropped ? index_path(dir) : NULL;
	if (rc == 0 && dropped)
		rc = path ? enf_write_file_atomic(path, kept.ptr ? kept.ptr : "", kept.len)
		          : enf_error_oom();
	if (rc == 0)
		*removed = dropped;
	free(path);
	enf_buf_clear(&kept);
	free(text);
	return rc;
}

int enf_runs_prune(const char *state_dir, unsigned keep_days, double now, unsigned wait_seconds,
                   size_t *journals_removed, size_t *lines_removed)
{
	*journals_removed = *lines_removed = 0;
	char *dir = state_dir_or_default(state_dir);
	char *lock_path = dir ? enf_asprintf("%s%cenforcer.lock", dir, ENF_PATH_SEP) : NULL;
	char *jdir = dir ? enf_asprintf("%s%cjournal", dir, ENF_PATH_SEP) : NULL;
	char **names = NULL;
	size_t nnames = 0, from_index = 0, journals = 0;
	enf_lock *lock = NULL;
	double cutoff = now - (double)keep_days * 86400.0;
	int rc = lock_path && jdir ? enf_engine_state_guard(dir, 0) : enf_error_oom();
	if (rc == ENF_ENOTFOUND) {
		/* No state folder: nothing to prune. */
		enf_error_clear();
		rc = 1;
	}
	if (rc == 0)
		rc = enf_lock_acquire(&lock, lock_path, wait_seconds * 1000u);
	if (rc == 0 && (rc = enf_dir_entries(&names, &nnames, jdir)) == ENF_ENOTFOUND) {
		enf_error_clear();
		rc = 0;
	}
	for (size_t i = 0; rc == 0 && i < nnames; i++) {
		size_t l = strlen(names[i]);
		double t = run_id_time(names[i]);
		/* Only journals: RUN-ID.jsonl, by the start time their name carries. */
		if (l < 7 || strcmp(names[i] + l - 6, ".jsonl") != 0 || t < 0 || t >= cutoff)
			continue;
		char *path = enf_asprintf("%s%c%s", jdir, ENF_PATH_SEP, names[i]);
		rc = path ? enf_remove_file(path) : enf_error_oom();
		journals += rc == 0;
		free(path);
	}
	if (rc == 0)
		rc = prune_index(dir, cutoff, &from_index);
	if (rc == 0) {
		*journals_removed = journals;
		*lines_removed = from_index;
	}
	enf_lock_release(lock);
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	free(jdir);
	free(lock_path);
	free(dir);
	return rc == 1 ? 0 : rc;
}
