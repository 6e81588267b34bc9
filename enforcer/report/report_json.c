/*
 * The run report as JSON, schema enforcer-report/1 (docs/report.schema.json),
 * and enf_report, which holds it: made from a run, or read from a saved
 * report.json.
 */
#include "enforcer/engine.h"
#include "enforcer/errors.h"
#include "enforcer/render.h"

#include "engine/state.h"
#include "render_int.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A saved report.json larger than this is not one of ours. */
#define REPORT_LOAD_MAX (256u * 1024 * 1024)

/* "2026-11-22T03:05:12.345Z" */
json_t *enf_rj_time(double t)
{
	time_t secs = (time_t)t;
	int ms = (int)((t - (double)secs) * 1000.0);
	struct tm tm;
	enf_gmtime(&tm, secs);
	char buf[96];
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
	return json_string(buf);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static const char *mode_name(const enf_run *run)
{
	switch (run->mode) {
	case ENF_RUN_APPLY:
		return run->pending_restarts ? "restart" : "apply";
	case ENF_RUN_ROLLBACK:
		return "rollback";
	default:
		return "plan";
	}
}

static json_t *source_json(const enf_provenance *p)
{
	json_t *o = json_object();
	json_object_set_new(o, "file", str_or_null(p->file));
	json_object_set_new(o, "sha256", str_or_null(p->sha256));
	json_object_set_new(o, "repo", str_or_null(p->repo));
	json_object_set_new(o, "ref", str_or_null(p->ref));
	json_object_set_new(o, "commit", str_or_null(p->commit));
	json_object_set_new(o, "author", str_or_null(p->author));
	json_object_set_new(o, "date", str_or_null(p->date));
	json_object_set_new(o, "subject", str_or_null(p->subject));
	json_object_set_new(o, "tree", str_or_null(p->tree));
	json_object_set_new(o, "signature", str_or_null(p->signature));
	json_object_set_new(o, "signer", str_or_null(p->signer));
	json_object_set_new(o, "dirty", p->dirty < 0 ? json_null() : json_boolean(p->dirty));
	return o;
}

static json_t *result_json(const enf_result *r)
{
	json_t *actions = json_array();
	for (size_t i = 0; i < r->action_count; i++) {
		const enf_action *a = &r->actions[i];
		json_array_append_new(actions, json_pack("{s:s, s:b, s:o}", "text", a->text, "done",
		                                         a->done, "error", str_or_null(a->error)));
	}
	json_t *o = json_pack("{s:s, s:s, s:s, s:O, s:O, s:o, s:o, s:f}", "id", r->id, "type",
	                      r->type, "status", enf_outcome_name(r->outcome), "before",
	                      r->before ? enf_state_value(r->before) : json_null(), "after",
	                      r->after ? enf_state_value(r->after) : json_null(), "actions",
	                      actions, "message", str_or_null(r->message), "seconds", r->seconds);
	/* Only when there is one, so that reports without warnings stay as they were. */
	if (o && r->warning)
		json_object_set_new(o, "warning", json_true());
	return o;
}

static json_t *run_to_json(const enf_run *run)
{
	json_t *facts = json_object();
	for (size_t i = 0; i < run->facts.count; i++)
		json_object_set_new(facts, run->facts.items[i].name,
		                    json_string(run->facts.items[i].value));
	json_t *counts = json_object();
	for (int o = 0; o < ENF_OUTCOME__COUNT; o++)
		json_object_set_new(counts, enf_outcome_name((enf_outcome)o),
		                    json_integer((json_int_t)run->counts[o]));
	json_t *resources = json_array();
	for (size_t i = 0; i < run->count; i++)
		json_array_append_new(resources, result_json(&run->results[i]));
	json_t *r = json_pack(
	    "{s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:o, s:o, s:f, s:i, s:I, s:b, s:o, s:o}", "id",
	    run->run_id, "mode", mode_name(run), "dry_run", run->dry_run, "host", run->host, "user",
	    run->user, "target", run->target, "enforcer_version", ENF_VERSION, "started",
	    enf_rj_time(run->started), "ended", enf_rj_time(run->ended), "duration_seconds",
	    run->ended - run->started, "exit_code", enf_run_exit_code(run), "changes_made",
	    (json_int_t)run->changes_made, "reboot_pending", run->reboot_pending, "journal",
	    str_or_null(run->journal_path), "rolled_back", str_or_null(run->rolled_back));
	if (r && run->restarts_deferred)
		json_object_set_new(r, "restarts_deferred",
		                    json_integer((json_int_t)run->restarts_deferred));
	/* Only a run that --allow-downgrade let through has it: reports before it stay alike. */
	if (r && run->downgrade)
		json_object_set_new(
		    r, "downgrade",
		    json_pack("{s:b, s:o, s:o, s:s, s:s}", "allowed", 1, "from",
		              str_or_null(run->downgrade_from), "to",
		              str_or_null(run->source.commit), "reason",
		              run->downgrade_missing ? "not-found" : "not-descendant", "message",
		              run->downgrade));
	json_t *policy = json_pack("{s:o, s:o}", "name", str_or_null(run->policy_name), "source",
	                           source_json(&run->source));
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "schema", "enforcer-report/1", "run", r,
	                 "policy", policy, "facts", facts, "counts", counts, "resources",
	                 resources);
}

/* Takes `doc` (one reference) in every case. */
static int report_new(enf_report **out, json_t *doc)
{
	enf_report *r = calloc(1, sizeof(*r));
	if (!r) {
		json_decref(doc);
		return enf_error_oom();
	}
	r->doc = doc;
	*out = r;
	return 0;
}

int enf_report_from_run(enf_report **out, const enf_run *run)
{
	json_t *doc = run_to_json(run);
	if (!doc)
		return enf_error_oom();
	return report_new(out, doc);
}

int enf_report_parse(enf_report **out, const char *data, size_t len, const char *name)
{
	json_error_t err;
	json_t *doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);
	if (!doc) {
		enf_error_set(ENF_ERRCLASS_REPORT, "'%s':%d:%d: not JSON: %s", name, err.line,
		              err.column, err.text);
		return ENF_EINVALID;
	}
	const char *schema = json_string_value(json_object_get(doc, "schema"));
	if (!schema || strcmp(schema, "enforcer-report/1") != 0 ||
	    !json_is_object(json_object_get(doc, "run")) ||
	    !json_is_array(json_object_get(doc, "resources"))) {
		enf_error_set(ENF_ERRCLASS_REPORT,
		              "'%s' is not an enforcer report (schema enforcer-report/1)", name);
		json_decref(doc);
		return ENF_EINVALID;
	}
	return report_new(out, doc);
}

int enf_report_load(enf_report **out, const char *path)
{
	char *data = NULL;
	size_t len = 0;
	int rc = enf_read_file(&data, &len, path, REPORT_LOAD_MAX);
	if (rc)
		return rc;
	rc = enf_report_parse(out, data, len, path);
	free(data);
	return rc;
}

int enf_report_json(char **out, size_t *out_len, const enf_report *report)
{
	char *json = json_dumps(report->doc, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	char *text = json ? enf_asprintf("%s\n", json) : NULL;
	free(json);
	if (!text)
		return enf_error_oom();
	*out = text;
	*out_len = strlen(text);
	return 0;
}

void enf_report_free(enf_report *report)
{
	if (!report)
		return;
	json_decref(report->doc);
	free(report);
}
