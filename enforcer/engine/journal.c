/*
 * The journal: one JSON object per line, each written and flushed to disk
 * before the change it describes is made (docs/journal.md). A run killed
 * at any point leaves a journal that says which changes had begun.
 */
#include "engine_int.h"

#include "enforcer/errors.h"
#include "provider/snapshot.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

#define JOURNAL_SCHEMA "enforcer-journal/1"
#define JOURNAL_MAX_BYTES (512u * 1024 * 1024)

struct journal {
	enf_appender *out;
	char *path;
};

static const char *const kind_names[] = {
	[CH_REG_SET] = "registry-set",	   [CH_REG_DELETE] = "registry-delete",
	[CH_SVC_CONFIG] = "service-config", [CH_SVC_START] = "service-start",
	[CH_SVC_STOP] = "service-stop",	   [CH_CERT_ADD] = "certificate-add",
	[CH_CERT_REMOVE] = "certificate-remove", [CH_KEY_GRANT] = "key-grant",
	[CH_KEY_RESTORE] = "key-restore",	   [CH_CERT_MOVE] = "certificate-move",
};

char *journal_path(const char *state_dir, const char *run_id)
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

int journal_create(journal **out, const char *dir, const enf_run *run, const char *policy_name)
{
	char *folder = enf_asprintf("%s%cjournal", dir, ENF_PATH_SEP);
	char *path = journal_path(dir, run->run_id);
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
				     run->host, "user", run->user, "target", run->target,
				     "policy", policy_name, "started", run->started));
	if (rc)
		goto fail;
	free(folder);
	*out = j;
	return 0;
fail:
	if (rc == ENF_ENOMEM)
		enf_error_oom();
	journal_close(j);
	free(folder);
	free(path);
	return rc;
}

int journal_begin(journal *j, long seq, const char *resource_id, const change *c)
{
	json_t *rec = change_to_json(c);
	if (!rec)
		return enf_error_oom();
	return write_line(j, json_pack("{s:I, s:s, s:o}", "seq", (json_int_t)seq, "resource",
				       resource_id ? resource_id : "", "change", rec));
}

int journal_done(journal *j, long seq)
{
	return write_line(j, json_pack("{s:I, s:b}", "seq", (json_int_t)seq, "done", 1));
}

int journal_failed(journal *j, long seq, const char *error)
{
	return write_line(j, json_pack("{s:I, s:s}", "seq", (json_int_t)seq, "failed", error));
}

int journal_event(journal *j, const char *resource_id, const char *text)
{
	return write_line(j, json_pack("{s:s, s:s}", "event", text, "resource", resource_id));
}

int journal_end(journal *j, const enf_run *run)
{
	return write_line(j, json_pack("{s:f, s:I, s:I, s:I}", "end", run->ended, "changed",
				       (json_int_t)run->counts[ENF_OUTCOME_CHANGED], "failed",
				       (json_int_t)run->counts[ENF_OUTCOME_FAILED], "exit",
				       (json_int_t)enf_run_exit_code(run)));
}

void journal_close(journal *j)
{
	if (!j)
		return;
	enf_appender_close(j->out);
	free(j->path);
	free(j);
}

static void set_str(json_t *o, const char *key, const char *value)
{
	if (value)
		json_object_set_new(o, key, json_string(value));
}

json_t *change_to_json(const change *c)
{
	json_t *o = json_pack("{s:s, s:s}", "op", kind_names[c->kind], "text", c->text);
	if (!o)
		return NULL;
	switch (c->kind) {
	case CH_REG_SET:
	case CH_REG_DELETE:
		set_str(o, "key", c->key);
		set_str(o, "name", c->name);
		json_object_set_new(o, "old", c->had_old ? snapshot_value_to_json(&c->old_value)
							  : json_null());
		if (c->kind == CH_REG_SET)
			json_object_set_new(o, "new", snapshot_value_to_json(&c->new_value));
		break;
	case CH_SVC_CONFIG:
	case CH_SVC_START:
	case CH_SVC_STOP:
		set_str(o, "service", c->service);
		set_str(o, "old_logon", c->old_logon);
		set_str(o, "new_logon", c->new_logon);
		json_object_set_new(o, "set_password", json_boolean(c->set_password));
		set_str(o, "old_startup", c->old_startup ? enf_startup_name(c->old_startup) : NULL);
		set_str(o, "new_startup", c->new_startup ? enf_startup_name(c->new_startup) : NULL);
		break;
	default: {
		char *hex = enf_hex(c->thumbprint, 20, 1);
		char *der = c->der ? enf_base64_encode(c->der, c->der_len) : NULL;
		set_str(o, "store", enf_store_name(c->store));
		set_str(o, "thumbprint", hex);
		set_str(o, "der", der);
		set_str(o, "account", c->account);
		if (c->kind == CH_KEY_GRANT)
			set_str(o, "rights", c->rights == ENF_RIGHTS_FULL ? "full" : "read");
		set_str(o, "old_sddl", c->old_sddl);
		set_str(o, "new_sddl", c->new_sddl);
		if (c->kind == CH_CERT_MOVE) {
			set_str(o, "to", enf_store_name(c->dest));
			json_object_set_new(o, "to_had", json_boolean(c->dest_had));
		}
		free(hex);
		free(der);
		break;
	}
	}
	return o;
}

static int get_str(char **out, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return ENF_EINVALID;
	*out = enf_strdup(json_string_value(v));
	return *out ? 0 : ENF_ENOMEM;
}

static int get_startup(enf_startup *out, const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	*out = ENF_STARTUP_UNSET;
	if (!s)
		return 0;
	if (enf_startup_parse(out, s) == 0)
		return 0;
	*out = strcmp(s, "boot") == 0 ? ENF_STARTUP_BOOT : ENF_STARTUP_SYSTEM;
	return strcmp(s, "boot") == 0 || strcmp(s, "system") == 0 ? 0 : ENF_EINVALID;
}

int change_from_json(change *out, const json_t *o)
{
	change c = {0};
	const char *op = json_string_value(json_object_get(o, "op"));
	int rc = ENF_EINVALID;
	size_t k;
	for (k = 0; k < ENF_ARRAY_SIZE(kind_names); k++)
		if (op && strcmp(op, kind_names[k]) == 0)
			break;
	if (k == ENF_ARRAY_SIZE(kind_names) || get_str(&c.text, o, "text") || !c.text)
		goto fail;
	c.kind = (change_kind)k;
	switch (c.kind) {
	case CH_REG_SET:
	case CH_REG_DELETE: {
		const json_t *old = json_object_get(o, "old");
		if (get_str(&c.key, o, "key") || get_str(&c.name, o, "name") || !c.key || !c.name)
			goto fail;
		c.had_old = old && !json_is_null(old);
		if (c.had_old && snapshot_value_from_json(&c.old_value, old))
			goto fail;
		if (c.kind == CH_REG_SET &&
		    snapshot_value_from_json(&c.new_value, json_object_get(o, "new")))
			goto fail;
		break;
	}
	case CH_SVC_CONFIG:
	case CH_SVC_START:
	case CH_SVC_STOP:
		if (get_str(&c.service, o, "service") || !c.service ||
		    get_str(&c.old_logon, o, "old_logon") || get_str(&c.new_logon, o, "new_logon") ||
		    get_startup(&c.old_startup, o, "old_startup") ||
		    get_startup(&c.new_startup, o, "new_startup"))
			goto fail;
		c.set_password = json_is_true(json_object_get(o, "set_password"));
		break;
	default: {
		const char *store = json_string_value(json_object_get(o, "store"));
		const char *thumb = json_string_value(json_object_get(o, "thumbprint"));
		const char *der = json_string_value(json_object_get(o, "der"));
		unsigned char *bytes = NULL;
		size_t len = 0;
		if (!store || enf_store_parse(&c.store, store) || !thumb ||
		    enf_unhex(&bytes, &len, thumb))
			goto fail;
		if (len != 20) {
			free(bytes);
			goto fail;
		}
		memcpy(c.thumbprint, bytes, 20);
		free(bytes);
		if (der && enf_base64_decode(&c.der, &c.der_len, der))
			goto fail;
		/* A rollback adds back the DER it finds here: it must be the certificate named. */
		if (c.der) {
			unsigned char sha1[20];
			enf_sha1(sha1, c.der, c.der_len);
			if (c.der_len == 0 || memcmp(sha1, c.thumbprint, 20) != 0)
				goto fail;
		} else if (c.kind == CH_CERT_REMOVE) {
			goto fail;
		}
		const char *rights = json_string_value(json_object_get(o, "rights"));
		c.rights = rights && strcmp(rights, "full") == 0 ? ENF_RIGHTS_FULL : ENF_RIGHTS_READ;
		if (get_str(&c.account, o, "account") || get_str(&c.old_sddl, o, "old_sddl") ||
		    get_str(&c.new_sddl, o, "new_sddl"))
			goto fail;
		const char *to = json_string_value(json_object_get(o, "to"));
		if (c.kind == CH_CERT_MOVE && (!to || enf_store_parse(&c.dest, to) || !c.der))
			goto fail;
		c.dest_had = json_is_true(json_object_get(o, "to_had"));
		break;
	}
	}
	*out = c;
	return 0;
fail:
	change_clear(&c);
	return rc;
}

/* Why a change line cannot be used for a rollback, or NULL when it can. */
static const char *change_record_problem(const json_t *o)
{
	const json_t *c = json_object_get(o, "change");
	const char *op = json_string_value(json_object_get(c, "op"));
	size_t k;
	if (!json_is_integer(json_object_get(o, "seq")))
		return "no \"seq\"";
	if (!json_is_string(json_object_get(o, "resource")))
		return "no \"resource\"";
	if (!json_is_object(c) || !op)
		return "no \"op\"";
	for (k = 0; k < ENF_ARRAY_SIZE(kind_names); k++)
		if (strcmp(op, kind_names[k]) == 0)
			break;
	if (k == ENF_ARRAY_SIZE(kind_names))
		return "an unknown \"op\"";
	/* "old": null says the value did not exist; a missing "old" says nothing. */
	if ((k == CH_REG_SET || k == CH_REG_DELETE) && !json_object_get(c, "old"))
		return "no \"old\" value";
	return NULL;
}

void journal_read_clear(journal_read *jr)
{
	for (size_t i = 0; i < jr->count; i++) {
		free(jr->entries[i].resource);
		change_clear(&jr->entries[i].c);
	}
	free(jr->entries);
	free(jr->run_id);
	free(jr->target);
	memset(jr, 0, sizeof(*jr));
}

static journal_entry *find_seq(journal_read *jr, long seq)
{
	for (size_t i = jr->count; i > 0; i--)
		if (jr->entries[i - 1].seq == seq)
			return &jr->entries[i - 1];
	return NULL;
}

/*
 * Reads a journal back. A last line cut short by a crash is ignored (the
 * change it would have described was not begun); any other damage is an
 * error that names the line.
 */
int journal_load(journal_read *out, const char *path)
{
	char *data = NULL;
	size_t len = 0;
	int rc = enf_read_file(&data, &len, path, JOURNAL_MAX_BYTES);
	if (rc)
		return rc;
	journal_read jr = {0};
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
			enf_error_set(ENF_ERRCLASS_STATE, "journal '%s' line %u is damaged: %s", path,
				      line, o ? "not an object" : err.text);
			json_decref(o);
			rc = ENF_EINVALID;
			break;
		}
		const char *schema = json_string_value(json_object_get(o, "journal"));
		json_t *seq = json_object_get(o, "seq");
		if (line == 1) {
			if (!schema || strcmp(schema, JOURNAL_SCHEMA) != 0) {
				enf_error_set(ENF_ERRCLASS_STATE, "'%s' is not an enforcer journal (%s)",
					      path, JOURNAL_SCHEMA);
				rc = ENF_EINVALID;
			} else {
				jr.run_id = enf_strdup(json_string_value(json_object_get(o, "run_id")));
				jr.target = enf_strdup(json_string_value(json_object_get(o, "target")));
			}
		} else if (json_object_get(o, "end")) {
			jr.complete = 1;
		} else if (json_object_get(o, "change")) {
			/* A change record the rollback cannot read in full must not be skipped. */
			const char *why = change_record_problem(o);
			if (why) {
				enf_error_set(ENF_ERRCLASS_STATE,
					      "journal '%s' line %u: the change record is damaged (%s)",
					      path, line, why);
				rc = ENF_EINVALID;
			} else if (enf_grow((void **)&jr.entries, &alloc, jr.count + 1,
					    sizeof(journal_entry))) {
				rc = enf_error_oom();
			} else {
				journal_entry *e = &jr.entries[jr.count];
				memset(e, 0, sizeof(*e));
				e->seq = (long)json_integer_value(seq);
				e->resource = enf_strdup(json_string_value(json_object_get(o, "resource")));
				if (!e->resource) {
					rc = enf_error_oom();
				} else if (change_from_json(&e->c, json_object_get(o, "change"))) {
					free(e->resource);
					enf_error_set(ENF_ERRCLASS_STATE,
						      "journal '%s' line %u: the change record is damaged",
						      path, line);
					rc = ENF_EINVALID;
				} else {
					jr.count++;
				}
			}
		} else if (json_is_integer(seq)) {
			journal_entry *e = find_seq(&jr, (long)json_integer_value(seq));
			if (e && json_is_true(json_object_get(o, "done")))
				e->done = 1;
			else if (e && json_object_get(o, "failed"))
				e->failed = 1;
		}
		json_decref(o);
	}
	free(data);
	if (rc == 0 && !jr.run_id) {
		enf_error_set(ENF_ERRCLASS_STATE, "journal '%s' is empty or damaged", path);
		rc = ENF_EINVALID;
	}
	if (rc) {
		journal_read_clear(&jr);
		return rc;
	}
	*out = jr;
	return 0;
}
