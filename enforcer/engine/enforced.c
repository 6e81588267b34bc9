/*
 * Downgrade protection (docs/journal.md, "The commits enforced last"): the
 * state folder's STATE/enforced.json names, per repository and policy
 * path, the commit the last complete apply enforced. A run of a commit
 * that is neither that commit nor a descendant of it would undo what was
 * enforced since (a branch rewound to an older signed commit, a
 * force-push), so it is refused unless --allow-downgrade, which the report
 * records. The file is rewritten whole (enf_write_file_atomic) under the
 * run's lock, and read only when the state folder passes its guard.
 */
#include "engine_int.h"

#include "enforcer/errors.h"
#include "enforcer/guard.h"
#include "enforcer/source.h"
#include "util/json_util.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

#define ENFORCED_FILE   "enforced.json"
#define ENFORCED_FORMAT "enforcer-enforced/1"
/* About 250 bytes an entry: room for thousands of policies. */
#define ENFORCED_MAX_BYTES (4u * 1024 * 1024)

static int is_commit_id(const char *s)
{
	size_t n = strlen(s);
	if (n != 40 && n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int damaged(const char *path, const char *what, size_t entry)
{
	enf_error_set(
	    ENF_ERRCLASS_STATE,
	    "'%s', the record of the commits enforced last, is damaged (%s%s%.0zu): enforcer writes it, nobody else should; restore it from a backup, or remove it to start downgrade protection again from the next apply; nothing was changed",
	    path, what, entry ? ", entry " : "", entry);
	return ENF_EINVALID;
}

/* Checks the record's form: every entry a repository, a path and a commit id. */
static int check_record(const json_t *doc, const char *path)
{
	const json_t *list = json_object_get(doc, "policies");
	const char *format = json_string_value(json_object_get(doc, "format"));
	if (!json_is_object(doc) || !format || strcmp(format, ENFORCED_FORMAT) != 0)
		return damaged(path, "not an \"" ENFORCED_FORMAT "\" document", 0);
	if (!json_is_array(list))
		return damaged(path, "no \"policies\" list", 0);
	size_t i;
	const json_t *e;
	json_array_foreach(list, i, e)
	{
		const char *repo = json_string_value(json_object_get(e, "repository"));
		const char *file = json_string_value(json_object_get(e, "path"));
		const char *commit = json_string_value(json_object_get(e, "commit"));
		if (!repo || !*repo || !file || !*file)
			return damaged(path, "a repository or path missing", i + 1);
		if (!commit || !is_commit_id(commit))
			return damaged(path, "no commit id of 40 or 64 hex digits", i + 1);
	}
	return 0;
}

static char *record_path(const char *dir)
{
	return enf_asprintf("%s%c%s", dir, ENF_PATH_SEP, ENFORCED_FILE);
}

/* The record, or an empty one when the state folder or the file is not there yet. */
static int load_record(json_t **out, const enf_run_options *opts)
{
	char *dir = enf_engine_state_dir(opts);
	char *path = dir ? record_path(dir) : NULL;
	char *text = NULL;
	size_t len = 0;
	json_t *doc = NULL;
	/* Checked like the journals: a record someone else could write could name any commit. */
	int rc = path ? enf_engine_state_file_guard(opts, path) : enf_error_oom();
	if (rc == 0)
		rc = enf_read_file(&text, &len, path, ENFORCED_MAX_BYTES);
	if (rc == ENF_ENOTFOUND) {
		enf_error_clear();
		doc = json_pack("{s:s, s:[]}", "format", ENFORCED_FORMAT, "policies");
		rc = doc ? 0 : enf_error_oom();
	} else if (rc == ENF_ELIMIT) {
		rc = damaged(path, "larger than 4 MiB", 0);
	} else if (rc == 0) {
		json_error_t jerr;
		doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
		char *where = doc ? NULL
		                  : enf_asprintf("not JSON at line %d, column %d: %s", jerr.line,
		                                 jerr.column, jerr.text);
		rc = doc ? check_record(doc, path) : damaged(path, where ? where : jerr.text, 0);
		free(where);
	}
	if (rc == 0) {
		*out = doc;
		doc = NULL;
	}
	json_decref(doc);
	free(text);
	free(path);
	free(dir);
	return rc;
}

/*
 * The entry of this repository and policy path. A repository without an
 * origin is known by its folder: when it was moved, the entry of the same
 * policy path whose commit this repository holds is taken, so that a move
 * does not reset the protection silently.
 */
static json_t *find_entry(json_t *doc, const char *repo, const char *file, const enf_source *src,
                          int exact_only)
{
	json_t *list = json_object_get(doc, "policies"), *e, *moved = NULL;
	size_t i;
	json_array_foreach(list, i, e)
	{
		if (strcmp(json_string_value(json_object_get(e, "path")), file) != 0)
			continue;
		if (strcmp(json_string_value(json_object_get(e, "repository")), repo) == 0)
			return e;
		enf_lineage l;
		if (!exact_only && !moved &&
		    enf_source_lineage(&l, src, json_string_value(json_object_get(e, "commit"))) ==
		        0 &&
		    l != ENF_LINEAGE_MISSING)
			moved = e;
		enf_error_clear();
	}
	return moved;
}

static int refuse(engine *e, const enf_source *src, const json_t *entry, enf_lineage l)
{
	const char *last = json_string_value(json_object_get(entry, "commit"));
	const char *by = json_string_value(json_object_get(entry, "run_id"));
	char *now_text = enf_source_commit_text(src, enf_source_commit(src));
	char *last_text = enf_source_commit_text(src, last);
	char *why = NULL;
	if (!now_text || !last_text)
		goto oom;
	if (l == ENF_LINEAGE_MISSING)
		why = enf_asprintf(
		    "commit %s, enforced last%s%s, cannot be found in the repository (its history was rewritten, or the clone is %s), so whether %s comes after it cannot be told",
		    last_text, by ? " by run " : "", by ? by : "",
		    enf_source_is_shallow(src) ? "shallow: fetch with --unshallow" : "shallow",
		    now_text);
	else
		why = enf_asprintf(
		    "commit %s does not descend from commit %s, enforced last%s%s: it would undo what was enforced since (a branch rewound to an older commit, or pushed over with another history)",
		    now_text, last_text, by ? " by run " : "", by ? by : "");
	if (!why)
		goto oom;
	if (e->opts->allow_downgrade) {
		e->run->downgrade = enf_asprintf("allowed by --allow-downgrade: %s", why);
		e->run->downgrade_from = enf_strdup(last);
		e->run->downgrade_missing = l == ENF_LINEAGE_MISSING;
		free(why);
		free(now_text);
		free(last_text);
		return e->run->downgrade && e->run->downgrade_from ? 0 : enf_error_oom();
	}
	enf_error_set(
	    ENF_ERRCLASS_STATE,
	    "refusing policy '%s' at %s: %s. Enforce a commit that comes after %.12s; if going back is intended, run again with --allow-downgrade (the report records it). Nothing was changed",
	    enf_source_name(src), now_text, why, last);
	free(why);
	free(now_text);
	free(last_text);
	return ENF_EINVALID;
oom:
	free(now_text);
	free(last_text);
	return enf_error_oom();
}

int enf_engine_downgrade_check(engine *e)
{
	const enf_source *src = e->opts->source;
	char *repo = NULL;
	json_t *doc = NULL;
	if (!src || !enf_source_repo_path(src))
		return 0; /* not a policy from a commit: nothing to compare */
	int rc = enf_source_repo_id(&repo, src);
	if (rc == 0)
		rc = load_record(&doc, e->opts);
	const json_t *entry =
	    rc == 0 ? find_entry(doc, repo, enf_source_repo_path(src), src, 0) : NULL;
	enf_lineage l = ENF_LINEAGE_SAME;
	if (entry)
		rc = enf_source_lineage(&l, src,
		                        json_string_value(json_object_get(entry, "commit")));
	if (rc == 0 && entry && l != ENF_LINEAGE_SAME && l != ENF_LINEAGE_DESCENDANT)
		rc = refuse(e, src, entry, l);
	json_decref(doc);
	free(repo);
	return rc;
}

int enf_engine_downgrade_record(engine *e)
{
	const enf_source *src = e->opts->source;
	char *repo = NULL, *dir = NULL, *path = NULL, *text = NULL;
	json_t *doc = NULL;
	if (!src || !enf_source_repo_path(src) || !enf_source_commit(src))
		return 0;
	int rc = enf_source_repo_id(&repo, src);
	if (rc == 0)
		rc = load_record(&doc, e->opts);
	if (rc == 0) {
		json_t *entry = find_entry(doc, repo, enf_source_repo_path(src), src, 1);
		json_t *now = json_pack("{s:s, s:s, s:s, s:s, s:f}", "repository", repo, "path",
		                        enf_source_repo_path(src), "commit", enf_source_commit(src),
		                        "run_id", e->run->run_id, "recorded", enf_now());
		if (!now)
			rc = enf_error_oom();
		else if (entry)
			rc = json_object_update(entry, now) ? enf_error_oom() : 0;
		else
			rc = json_array_append(json_object_get(doc, "policies"), now)
			         ? enf_error_oom()
			         : 0;
		json_decref(now);
	}
	dir = rc == 0 ? enf_engine_state_dir(e->opts) : NULL;
	path = dir ? record_path(dir) : NULL;
	text = path ? json_dumps(doc, JSON_INDENT(1) | JSON_ENSURE_ASCII) : NULL;
	if (rc == 0)
		rc = text ? enf_write_file_atomic(path, text, strlen(text)) : enf_error_oom();
	free(text);
	free(path);
	free(dir);
	json_decref(doc);
	free(repo);
	return rc;
}
