/*
 * The journal: one JSON object per line, each written and flushed to disk
 * before the change it describes is made (docs/journal.md). A run killed
 * at any point leaves a journal that says which changes had begun.
 */
#include "engine_int.h"

#include "enforcer/errors.h"
#include "util/json_util.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

#define JOURNAL_SCHEMA "enforcer-journal/1"
/*
 * The most a journal may hold, read whole: with about 700 bytes per change
 * record once decoded, a journal at the limit takes about 400 MiB to roll
 * back (docs/journal.md, "Size"); a run of 10 000 resources writes a few MiB.
 */
#define JOURNAL_MAX_BYTES (128u * 1024 * 1024)

struct journal {
	enf_appender *out;
	char *path;
	size_t records; /* changes and events: none means the run changed nothing */
};

char *enf_journal_path(const char *state_dir, const char *run_id)
{
	return enf_asprintf("%s%cjournal%c%s.jsonl", state_dir, ENF_PATH_SEP, ENF_PATH_SEP, run_id);
}

static int write_line(journal *j, json_t *o)
{
	if (!o)
		return enf_error_oom();
	char *text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	if (!text)
		return enf_error_oom();
	char *line = enf_asprintf("%s\n", text);
	free(text);
	if (!line)
		return enf_error_oom();
	int rc = enf_appender_write(j->out, line, strlen(line));
	free(line);
	return rc;
}

int enf_journal_create(journal **out, const char *dir, const enf_run *run, const char *policy_name)
{
	char *folder = enf_asprintf("%s%cjournal", dir, ENF_PATH_SEP);
	char *path = enf_journal_path(dir, run->run_id);
	journal *j = calloc(1, sizeof(*j));
	int rc = ENF_ENOMEM;
	if (!folder || !path || !j)
		goto fail;
	if ((rc = enf_mkdir_p(folder)))
		goto fail;
	if ((rc = enf_appender_open(&j->out, path)))
		goto fail;
	j->path = path;
	path = NULL;
	rc = write_line(j, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:f}", "journal",
	                             JOURNAL_SCHEMA, "run_id", run->run_id, "mode",
	                             run->mode == ENF_RUN_ROLLBACK ? "rollback" : "apply", "host",
	                             run->host, "user", run->user, "target", run->target, "policy",
	                             policy_name, "started", run->started));
	if (rc)
		goto fail;
	free(folder);
	*out = j;
	return 0;
fail:
	if (rc == ENF_ENOMEM)
		enf_error_oom();
	enf_journal_close(j);
	free(folder);
	free(path);
	return rc;
}

int enf_journal_begin(journal *j, long seq, const char *resource_id, const change *c)
{
	json_t *rec = enf_change_to_json(c);
	if (!rec)
		return enf_error_oom();
	j->records++;
	return write_line(j, json_pack("{s:I, s:s, s:o}", "seq", (json_int_t)seq, "resource",
	                               resource_id ? resource_id : "", "change", rec));
}

int enf_journal_done(journal *j, long seq)
{
	return write_line(j, json_pack("{s:I, s:b}", "seq", (json_int_t)seq, "done", 1));
}

int enf_journal_failed(journal *j, long seq, const char *error)
{
	return write_line(j, json_pack("{s:I, s:s}", "seq", (json_int_t)seq, "failed", error));
}

int enf_journal_event(journal *j, const char *resource_id, const char *text)
{
	j->records++;
	return write_line(j, json_pack("{s:s, s:s}", "event", text, "resource", resource_id));
}

int enf_journal_end(journal *j, const enf_run *run)
{
	return write_line(j, json_pack("{s:f, s:I, s:I, s:I}", "end", run->ended, "changed",
	                               (json_int_t)run->counts[ENF_OUTCOME_CHANGED], "failed",
	                               (json_int_t)run->counts[ENF_OUTCOME_FAILED], "exit",
	                               (json_int_t)enf_run_exit_code(run)));
}

int enf_journal_is_empty(const journal *j)
{
	return j->records == 0;
}

void enf_journal_close(journal *j)
{
	if (!j)
		return;
	enf_appender_close(j->out);
	free(j->path);
	free(j);
}

json_t *enf_change_to_json(const change *c)
{
	json_t *o = json_pack("{s:s, s:s}", "op", c->ops->op, "text", c->text);
	if (o && c->ops->encode(o, c)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int enf_change_from_json(change *out, const json_t *o)
{
	change c = {0};
	c.ops = enf_change_ops_find(json_string_value(json_object_get(o, "op")));
	if (!c.ops || enf_json_get_str(&c.text, o, "text") || !c.text || c.ops->decode(&c, o)) {
		enf_change_clear(&c);
		return ENF_EINVALID;
	}
	*out = c;
	return 0;
}

/* Why a change line cannot be used for a rollback, or NULL when it can. */
static const char *change_record_problem(const json_t *o)
{
	const json_t *c = json_object_get(o, "change");
	const char *op = json_string_value(json_object_get(c, "op"));
	const change_ops *ops = op ? enf_change_ops_find(op) : NULL;
	if (!json_is_integer(json_object_get(o, "seq")))
		return "no \"seq\"";
	if (!json_is_string(json_object_get(o, "resource")))
		return "no \"resource\"";
	if (!json_is_object(c) || !op)
		return "no \"op\"";
	if (!ops)
		return "an unknown \"op\"";
	return ops->problem ? ops->problem(c) : NULL;
}

void enf_journal_read_clear(journal_read *jr)
{
	for (size_t i = 0; i < jr->count; i++) {
		free(jr->entries[i].resource);
		enf_change_clear(&jr->entries[i].c);
	}
	free(jr->entries);
	free(jr->run_id);
	free(jr->target);
	memset(jr, 0, sizeof(*jr));
}

/*
 * Where the latest change record of each seq is, so that each "done" and
 * "failed" line finds its change at once: a scan back through the records
 * per line made a journal whose lines are far from their change (or name
 * none) quadratic. Open addressing over a power-of-two table, kept at most
 * half full.
 */
typedef struct seq_index {
	long *seqs;
	size_t *at; /* entry index + 1; 0 marks an empty slot */
	size_t cap, used;
} seq_index;

static size_t seq_slot(const seq_index *ix, long seq)
{
	size_t i = (size_t)((unsigned long long)seq * 0x9E3779B97F4A7C15ull) & (ix->cap - 1);
	while (ix->at[i] && ix->seqs[i] != seq)
		i = (i + 1) & (ix->cap - 1);
	return i;
}

/* Entry `at` is now the latest record of `seq`, as a scan back from here would find it. */
static int seq_index_put(seq_index *ix, long seq, size_t at)
{
	if (2 * (ix->used + 1) > ix->cap) {
		seq_index bigger = {0};
		bigger.cap = ix->cap ? 2 * ix->cap : 64;
		bigger.seqs = calloc(bigger.cap, sizeof(long));
		bigger.at = calloc(bigger.cap, sizeof(size_t));
		if (!bigger.seqs || !bigger.at) {
			free(bigger.seqs);
			free(bigger.at);
			return enf_error_oom();
		}
		for (size_t i = 0; i < ix->cap; i++) {
			if (!ix->at[i])
				continue;
			size_t j = seq_slot(&bigger, ix->seqs[i]);
			bigger.seqs[j] = ix->seqs[i];
			bigger.at[j] = ix->at[i];
		}
		bigger.used = ix->used;
		free(ix->seqs);
		free(ix->at);
		*ix = bigger;
	}
	size_t i = seq_slot(ix, seq);
	ix->used += ix->at[i] == 0;
	ix->seqs[i] = seq;
	ix->at[i] = at + 1;
	return 0;
}

static journal_entry *find_seq(journal_read *jr, const seq_index *ix, long seq)
{
	if (!ix->cap)
		return NULL;
	size_t i = seq_slot(ix, seq);
	return ix->at[i] ? &jr->entries[ix->at[i] - 1] : NULL;
}

/*
 * Reads a journal back. A last line cut short by a crash is ignored (the
 * change it would have described was not begun); any other damage is an
 * error that names the line.
 */
/*
 * Every reader of a journal (rollback, `runs`) reads it here, so that one
 * limit and one refusal hold for all of them.
 */
int enf_journal_read_text(char **data, size_t *len, const char *path)
{
	int rc = enf_read_file(data, len, path, JOURNAL_MAX_BYTES);
	if (rc == ENF_ELIMIT)
		enf_error_set(ENF_ERRCLASS_STATE,
		              "journal '%s' is larger than %u MiB, the most a journal may hold: "
		              "enforcer never writes one that large, and it is not read; move it "
		              "out of the state folder (docs/journal.md, \"Size\")",
		              path, JOURNAL_MAX_BYTES / (1024u * 1024u));
	return rc;
}

int enf_journal_load(journal_read *out, const char *path)
{
	char *data = NULL;
	size_t len = 0;
	int rc = enf_journal_read_text(&data, &len, path);
	if (rc)
		return rc;
	journal_read jr = {0};
	seq_index ix = {0};
	size_t alloc = 0;
	unsigned line = 0;
	rc = 0;
	for (char *p = data; p < data + len && rc == 0;) {
		char *eol = memchr(p, '\n', (size_t)(data + len - p));
		line++;
		if (!eol)
			break; /* an unfinished last record */
		json_error_t err;
		json_t *o = json_loadb(p, (size_t)(eol - p), JSON_REJECT_DUPLICATES, &err);
		p = eol + 1;
		if (!json_is_object(o)) {
			enf_error_set(ENF_ERRCLASS_STATE, "journal '%s' line %u is damaged: %s",
			              path, line, o ? "not an object" : err.text);
			json_decref(o);
			rc = ENF_EINVALID;
			break;
		}
		const char *schema = json_string_value(json_object_get(o, "journal"));
		json_t *seq = json_object_get(o, "seq");
		if (line == 1) {
			if (!schema || strcmp(schema, JOURNAL_SCHEMA) != 0) {
				enf_error_set(ENF_ERRCLASS_STATE,
				              "'%s' is not an enforcer journal (%s)", path,
				              JOURNAL_SCHEMA);
				rc = ENF_EINVALID;
			} else {
				jr.run_id =
				    enf_strdup(json_string_value(json_object_get(o, "run_id")));
				jr.target =
				    enf_strdup(json_string_value(json_object_get(o, "target")));
			}
		} else if (json_object_get(o, "end")) {
			jr.complete = 1;
		} else if (json_object_get(o, "change")) {
			/* A change record the rollback cannot read in full must not be skipped. */
			const char *why = change_record_problem(o);
			if (why) {
				enf_error_set(
				    ENF_ERRCLASS_STATE,
				    "journal '%s' line %u: the change record is damaged (%s)", path,
				    line, why);
				rc = ENF_EINVALID;
			} else if (enf_grow((void **)&jr.entries, &alloc, jr.count + 1,
			                    sizeof(journal_entry))) {
				rc = enf_error_oom();
			} else {
				journal_entry *e = &jr.entries[jr.count];
				memset(e, 0, sizeof(*e));
				e->seq = (long)json_integer_value(seq);
				e->resource =
				    enf_strdup(json_string_value(json_object_get(o, "resource")));
				if (!e->resource) {
					rc = enf_error_oom();
				} else if (enf_change_from_json(&e->c,
				                                json_object_get(o, "change"))) {
					free(e->resource);
					enf_error_set(
					    ENF_ERRCLASS_STATE,
					    "journal '%s' line %u: the change record is damaged",
					    path, line);
					rc = ENF_EINVALID;
				} else if ((rc = seq_index_put(&ix, e->seq, jr.count))) {
					free(e->resource);
					enf_change_clear(&e->c);
				} else {
					jr.count++;
				}
			}
		} else if (json_is_integer(seq)) {
			journal_entry *e = find_seq(&jr, &ix, (long)json_integer_value(seq));
			if (e && json_is_true(json_object_get(o, "done")))
				e->done = 1;
			else if (e && json_object_get(o, "failed"))
				e->failed = 1;
		}
		json_decref(o);
	}
	free(data);
	free(ix.seqs);
	free(ix.at);
	if (rc == 0 && !jr.run_id) {
		enf_error_set(ENF_ERRCLASS_STATE, "journal '%s' is empty or damaged", path);
		rc = ENF_EINVALID;
	}
	if (rc) {
		enf_journal_read_clear(&jr);
		return rc;
	}
	*out = jr;
	return 0;
}
