/*
 * Rollback: undo a run from its journal, newest change first. Each undo is
 * computed from the target's current state (so a second rollback changes
 * nothing), journaled, and made, as in an apply.
 */
#include "engine_int.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static int valid_run_id(const char *id)
{
	if (!*id || strlen(id) > 64)
		return 0;
	for (const char *p = id; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= 'a' && *p <= 'z') || *p == '-'))
			return 0;
	return 1;
}

/*
 * The results of a rollback are grouped per resource of the undone run;
 * `by_id` maps a resource id to its result's index, so that a journal of
 * many resources is not searched through once per record.
 */
static enf_result *result_named(enf_run *run, json_t *by_id, const char *id, size_t max)
{
	json_t *at = json_object_get(by_id, id);
	if (at)
		return &run->results[json_integer_value(at)];
	if (run->count >= max ||
	    json_object_set_new(by_id, id, json_integer((json_int_t)run->count)))
		return NULL;
	enf_result *r = &run->results[run->count++];
	memset(r, 0, sizeof(*r));
	r->id = enf_strdup(id);
	r->type = "rollback";
	r->outcome = ENF_OUTCOME_COMPLIANT;
	return r;
}

static void undo_one(engine *e, const journal_entry *je, enf_result *r)
{
	change inv;
	int rc = enf_change_inverse(e, &je->c, &inv);
	if (rc) {
		const enf_error *err = enf_error_last();
		enf_result_add_action(r, je->c.text, 0,
		                      err ? err->message : "cannot read the current state");
		r->outcome = ENF_OUTCOME_FAILED;
		enf_result_set_message(
		    r, enf_asprintf("cannot undo '%s': %s", je->c.text, err ? err->message : "?"));
		enf_change_clear(&inv);
		return;
	}
	if (!inv.text) {
		enf_change_clear(&inv);
		return; /* already as it was before the run */
	}
	long n = ++e->seq;
	const enf_error *err = NULL;
	if (enf_journal_begin(e->journal, n, je->resource, &inv) == 0 &&
	    (rc = enf_change_apply(e, &inv, NULL)) == 0 && (rc = enf_engine_after_change(e)) == 0) {
		enf_journal_done(e->journal, n);
		e->run->changes_made++;
		enf_result_add_action(r, inv.text, 1, NULL);
		if (r->outcome != ENF_OUTCOME_FAILED)
			r->outcome = ENF_OUTCOME_CHANGED;
		/* A user account back as the log-on, without its password: a person must act. */
		if (inv.ops == &enf_change_svc_config && inv.new_logon && !inv.set_password &&
		    r->outcome == ENF_OUTCOME_CHANGED) {
			r->warning = 1;
			enf_result_set_message(
			    r, enf_asprintf("enter the password of %s for service %s again in "
			                    "services.msc: passwords are never journaled",
			                    inv.new_logon, inv.service));
		}
	} else {
		err = enf_error_last();
		enf_journal_failed(e->journal, n, err ? err->message : "failed");
		enf_result_add_action(r, inv.text, 0, err ? err->message : "failed");
		r->outcome = ENF_OUTCOME_FAILED;
		enf_result_set_message(
		    r, enf_asprintf("%s: %s", inv.text, err ? err->message : "failed"));
	}
	enf_change_clear(&inv);
}

int enf_run_rollback(enf_run **out, const char *run_id, enf_target *target,
                     const enf_run_options *opts)
{
	if (enf_engine_check_options(opts))
		return ENF_EINVALID;
	if (!valid_run_id(run_id)) {
		enf_error_set(
		    ENF_ERRCLASS_INVALID,
		    "'%s' is not a run id; run ids look like 20261122T030512Z-4f3a9c (see the report or the journal folder)",
		    run_id);
		return ENF_EINVALID;
	}
	char *dir = enf_engine_state_dir(opts);
	char *path = dir ? enf_journal_path(dir, run_id) : NULL;
	free(dir);
	if (!path)
		return enf_error_oom();
	journal_read jr = {0};
	/* A journal someone else could write is not read: it would say what to write where. */
	int rc = enf_engine_state_file_guard(opts, path);
	if (rc == 0 || rc == ENF_ENOTFOUND)
		rc = enf_journal_load(&jr, path);
	if (rc == ENF_ENOTFOUND)
		enf_error_set(ENF_ERRCLASS_STATE, "there is no journal for run %s ('%s')", run_id,
		              path);
	if (rc) {
		free(path);
		return rc;
	}
	engine e = {0};
	enf_lock *lock = NULL;
	rc = enf_engine_start(&e, target, opts, ENF_RUN_ROLLBACK);
	if (rc == 0 && jr.target && strcmp(jr.target, target->spec) != 0) {
		enf_error_set(ENF_ERRCLASS_INVALID,
		              "run %s changed target '%s', not '%s'; roll it back with --target %s",
		              run_id, jr.target, target->spec, jr.target);
		rc = ENF_EINVALID;
	}
	if (rc == 0) {
		e.run->rolled_back = enf_strdup(run_id);
		e.run->policy_name = enf_asprintf("rollback of %s", run_id);
		e.run->source.file = enf_asprintf("journal %s", run_id);
		e.run->source.dirty = -1;
		if (!e.run->rolled_back)
			rc = enf_error_oom();
	}
	if (rc == 0)
		rc = enf_engine_lock_and_journal(&e, &lock, e.run->policy_name);
	/*
	 * Read again under the lock: a run that was still going when this
	 * rollback started (and waited for it) has journaled more since.
	 */
	if (rc == 0) {
		enf_journal_read_clear(&jr);
		rc = enf_journal_load(&jr, path);
	}
	json_t *by_id = json_object();
	if (rc == 0) {
		e.run->results = calloc(jr.count ? jr.count : 1, sizeof(enf_result));
		if (!e.run->results || !by_id)
			rc = enf_error_oom();
	}
	/*
	 * Newest first, except that services the run stopped (or restarted) are
	 * started again last: a service it disabled and then stopped cannot
	 * start before its start mode (and log-on account) are restored, and a
	 * restart makes the restored log-on take effect only once it is back.
	 */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = jr.count; rc == 0 && i > 0; i--) {
			const journal_entry *je = &jr.entries[i - 1];
			int last = je->c.ops == &enf_change_svc_stop ||
			           je->c.ops == &enf_change_svc_restart;
			if (last != pass)
				continue;
			enf_result *r = result_named(e.run, by_id, je->resource, jr.count);
			if (r)
				undo_one(&e, je, r);
			else
				rc = enf_error_oom();
		}
	}
	for (size_t i = 0; rc == 0 && i < e.run->count; i++)
		enf_engine_progress(&e, &e.run->results[i]);
	if (e.journal)
		enf_engine_flush(&e);
	e.run->ended = enf_now();
	if (e.journal && enf_engine_finish_journal(&e, rc) && rc == 0) {
		/* The run is done; only its line in the runs index is missing. */
		enf_error_clear();
	}
	json_decref(by_id);
	enf_lock_release(lock);
	enf_engine_cert_cache_clear(&e);
	enf_account_cache_clear(&e);
	json_decref(e.passwords_given);
	enf_journal_read_clear(&jr);
	free(path);
	if (rc) {
		enf_run_free(e.run);
		return rc;
	}
	*out = e.run;
	return 0;
}
