/*
 * Running a policy: for each resource in order, read, compare, and (apply)
 * change, journaled first, then verify; restart handlers last. See
 * docs/CLI.md for the outcomes and exit codes.
 */
#include "engine_int.h"

#include "enforcer/errors.h"
#include "enforcer/source.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *new_run_id(double now)
{
	unsigned char rnd[3] = {0};
	enf_random_bytes(rnd, sizeof(rnd));
	time_t t = (time_t)now;
	struct tm tm;
	enf_gmtime(&tm, t);
	return enf_asprintf("%04d%02d%02dT%02d%02d%02dZ-%02x%02x%02x", tm.tm_year + 1900,
			    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, rnd[0],
			    rnd[1], rnd[2]);
}

static char *dirname_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *bslash = strrchr(path, '\\');
	if (bslash && (!slash || bslash > slash))
		slash = bslash;
	return slash ? enf_strndup(path, (size_t)(slash - path)) : enf_strdup(".");
}

/* Creates the run record and the engine state shared by plan, apply and rollback. */
int engine_start(engine *e, enf_target *target, const enf_run_options *opts,
			enf_run_mode mode)
{
	enf_run *run = calloc(1, sizeof(*run));
	if (!run)
		return enf_error_oom();
	e->run = run;
	e->target = target;
	e->p = target->provider;
	e->self = target->self;
	e->opts = opts;
	e->kill_after = -1;
#ifdef ENF_TEST_HOOKS
	const char *kill = getenv("ENFORCER_FAULT_KILL_AFTER");
	if (kill && *kill)
		e->kill_after = strtol(kill, NULL, 10);
#endif
	run->mode = mode;
	run->dry_run = opts->dry_run;
	run->started = enf_now();
	run->run_id = new_run_id(run->started);
	run->host = enf_host_name();
	run->user = enf_user_name();
	run->target = enf_strdup(target->spec);
	if (!run->run_id || !run->host || !run->user || !run->target)
		return enf_error_oom();
	if (e->p->facts && e->p->facts(&run->facts, e->self)) {
		/* Facts are read-only metadata: a target without them still runs. */
		enf_error_clear();
	}
	return 0;
}

enf_result *result_for(enf_run *run, const enf_resource *res)
{
	enf_result *r = &run->results[run->count++];
	memset(r, 0, sizeof(*r));
	r->resource = res;
	r->id = enf_strdup(res->id);
	r->type = enf_resource_type_name(res->type);
	return r;
}

void result_set_message(enf_result *r, char *message)
{
	free(r->message);
	r->message = message;
}

int result_add_action(enf_result *r, const char *text, int done, const char *error)
{
	enf_action *a = realloc(r->actions, (r->action_count + 1) * sizeof(enf_action));
	if (!a)
		return enf_error_oom();
	r->actions = a;
	a = &r->actions[r->action_count++];
	a->text = enf_strdup(text);
	a->done = done;
	a->error = error ? enf_strdup(error) : NULL;
	return 0;
}

/* Is the waiver in force at `now`? It expires at the end of its day, UTC. */
static int waiver_active(const enf_waiver *w, double now)
{
	/* Days since the epoch for the day after expiry, by the civil calendar. */
	long y = w->year, m = w->month, d = w->day + 1;
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	double end = (double)(era * 146097 + doe - 719468) * 86400.0;
	return now < end;
}

static int plan_resource(engine *e, const enf_resource *res, res_plan *plan)
{
	switch (res->type) {
	case ENF_RES_REGISTRY:
		return plan_registry(e, res, plan);
	case ENF_RES_SERVICE:
		return plan_service(e, res, plan);
	case ENF_RES_CERTIFICATE:
		return plan_certificate(e, res, plan);
	case ENF_RES_TRUST_STORE:
		return plan_trust_store(e, res, plan);
	default:
		return 0;
	}
}

/* A change made: durable on the target, and the test-only fault hook. */
int engine_after_change(engine *e)
{
	int rc = e->p->commit ? e->p->commit(e->self) : 0;
	e->changes_made++;
#ifdef ENF_TEST_HOOKS
	if (e->kill_after >= 0 && e->changes_made >= e->kill_after)
		enf_die_now();
#endif
	return rc;
}

/* Makes every change of a plan, each journaled before it is made. */
static int make_changes(engine *e, const enf_resource *res, res_plan *plan, enf_result *r,
			int *made)
{
	for (size_t i = 0; i < plan->count; i++) {
		const change *c = &plan->changes[i];
		long n = ++e->seq;
		if (journal_begin(e->journal, n, res ? res->id : "", c)) {
			/* Without a journal record no change may be made. */
			const enf_error *err = enf_error_last();
			result_add_action(r, c->text, 0, err ? err->message : "journal write failed");
			result_set_message(r, enf_asprintf("not changed: the journal could not be written (%s)",
						    err ? err->message : "?"));
			return ENF_ERROR;
		}
		int rc = change_apply(e, c, res);
		if (rc == 0)
			rc = engine_after_change(e);
		if (rc) {
			const enf_error *err = enf_error_last();
			const char *msg = err ? err->message : "failed";
			journal_failed(e->journal, n, msg);
			result_add_action(r, c->text, 0, msg);
			result_set_message(r, enf_asprintf("%s: %s", c->text, msg));
			return rc;
		}
		journal_done(e->journal, n);
		result_add_action(r, c->text, 1, NULL);
		(*made)++;
	}
	return 0;
}

/* Plans (and in apply, converges and verifies) one resource. */
static int run_resource(engine *e, const enf_resource *res, enf_result *r, int *changed_any)
{
	res_plan plan = {0};
	int rc = plan_resource(e, res, &plan);
	if (rc)
		goto done;
	r->before = json_incref(plan.before);
	r->after = json_incref(plan.after);
	if (plan.count == 0 && !plan.failed) {
		if (plan.message)
			result_set_message(r, enf_strdup(plan.message));
		r->outcome = ENF_OUTCOME_COMPLIANT;
		goto done;
	}
	double now = e->opts->now ? e->opts->now : enf_now();
	int waived = res->waiver.present && waiver_active(&res->waiver, now);
	/*
	 * A resource that could not be read has failed whatever its mode. A finding
	 * (a failed require: check, a store violation) is drift that is never
	 * changed: a waiver or audit mode covers it like any other drift.
	 */
	if (plan.failed && !(plan.finding && (waived || res->mode == ENF_MODE_AUDIT))) {
		r->outcome = ENF_OUTCOME_FAILED;
		result_set_message(r, plan.message);
		plan.message = NULL;
		for (size_t i = 0; i < plan.count; i++)
			result_add_action(r, plan.changes[i].text, 0, NULL);
		goto done;
	}
	if (plan.message)
		result_set_message(r, enf_strdup(plan.message));
	if (res->waiver.present && !waived)
		result_set_message(r, enf_asprintf("waiver expired on %04d-%02d-%02d; it is ignored%s%s",
						   res->waiver.year, res->waiver.month, res->waiver.day,
						   plan.message ? "; " : "", plan.message ? plan.message : ""));
	if (res->mode == ENF_MODE_AUDIT || waived || e->run->mode == ENF_RUN_PLAN ||
	    e->run->dry_run) {
		r->outcome = res->mode == ENF_MODE_AUDIT ? ENF_OUTCOME_AUDIT_DRIFT
			     : waived			   ? ENF_OUTCOME_WAIVED
							   : ENF_OUTCOME_DRIFT;
		if (waived)
			result_set_message(r, enf_asprintf("waived until %04d-%02d-%02d: %s%s%s%s%s%s",
							   res->waiver.year, res->waiver.month,
							   res->waiver.day, res->waiver.reason,
							   res->waiver.ticket ? " (" : "",
							   res->waiver.ticket ? res->waiver.ticket : "",
							   res->waiver.ticket ? ")" : "",
							   plan.message ? "; " : "",
							   plan.message ? plan.message : ""));
		for (size_t i = 0; i < plan.count; i++)
			result_add_action(r, plan.changes[i].text, 0, NULL);
		if (r->outcome == ENF_OUTCOME_DRIFT)
			*changed_any = 1;
		goto done;
	}
	/* Record the restarts this resource notifies before anything is changed. */
	if (res->notify_count && pending_add(e, &e->pending, res)) {
		const enf_error *err = enf_error_last();
		r->outcome = ENF_OUTCOME_FAILED;
		result_set_message(r, enf_asprintf("not changed: the pending restart could not be recorded (%s)",
						   err ? err->message : "?"));
		goto done;
	}
	int made = 0;
	int failed = make_changes(e, res, &plan, r, &made);
	*changed_any = made > 0;
	e->run->changes_made += (size_t)made;
	if (failed) {
		r->outcome = ENF_OUTCOME_FAILED;
		goto done;
	}
	/* Verify: read the resource again; it must now be compliant. */
	res_plan check = {0};
	rc = plan_resource(e, res, &check);
	if (rc == 0) {
		json_decref(r->after);
		r->after = json_incref(check.before);
		if (check.failed || check.count) {
			r->outcome = ENF_OUTCOME_FAILED;
			result_set_message(r, enf_asprintf("changed, but verification found it still not compliant: %s",
						    check.failed ? check.message : check.changes[0].text));
		} else {
			r->outcome = ENF_OUTCOME_CHANGED;
		}
	}
	res_plan_clear(&check);
done:
	res_plan_clear(&plan);
	return rc;
}

/* The first dependency of `res` that failed or was skipped for a failure. */
static const char *failed_dependency(const enf_run *run, const enf_resource *res,
				     const unsigned char *blocked, const enf_policy *policy)
{
	for (size_t i = 0; i < res->after_count; i++) {
		const enf_resource *dep = enf_policy_find(policy, res->after[i]);
		size_t idx = (size_t)(dep - policy->resources);
		if (dep && blocked[idx])
			return dep->id;
	}
	(void)run;
	return NULL;
}

void engine_progress(engine *e, const enf_result *r)
{
	e->run->counts[r->outcome]++;
	if (e->opts->progress)
		e->opts->progress(e->opts->progress_ctx, e->run, r);
}

/*
 * Stops the services in reverse order, then starts them in order. A plan
 * (acting 0) lists the very same actions without making them, so that what
 * a plan shows is what an apply does.
 */
static int run_restart(engine *e, const enf_resource *res, enf_result *r, int acting)
{
	const enf_res_restart *rs = &res->u.restart;
	unsigned timeout = e->opts->service_timeout_ms ? e->opts->service_timeout_ms : 60000;
	int rc = 0;
	for (size_t i = rs->count; i > 0 && !acting; i--) {
		char *text = enf_asprintf("stop %s", rs->services[i - 1]);
		result_add_action(r, text ? text : "stop", 0, NULL);
		free(text);
	}
	for (size_t i = 0; i < rs->count && !acting; i++) {
		char *text = enf_asprintf("start %s", rs->services[i]);
		result_add_action(r, text ? text : "start", 0, NULL);
		free(text);
	}
	if (!acting)
		return 0;
	for (size_t i = rs->count; i > 0 && rc == 0; i--) {
		char *text = enf_asprintf("stop %s", rs->services[i - 1]);
		rc = e->p->svc_stop(e->self, rs->services[i - 1], timeout);
		const enf_error *err = rc ? enf_error_last() : NULL;
		result_add_action(r, text ? text : "stop", rc == 0, rc ? (err ? err->message : "failed") : NULL);
		free(text);
	}
	for (size_t i = 0; i < rs->count && rc == 0; i++) {
		char *text = enf_asprintf("start %s", rs->services[i]);
		rc = e->p->svc_start(e->self, rs->services[i], timeout);
		const enf_error *err = rc ? enf_error_last() : NULL;
		result_add_action(r, text ? text : "start", rc == 0, rc ? (err ? err->message : "failed") : NULL);
		free(text);
	}
	if (e->p->commit)
		e->p->commit(e->self);
	return rc;
}

static void run_handler(engine *e, const enf_resource *res, enf_result *r, const char *notifiers)
{
	const enf_res_restart *rs = &res->u.restart;
	enf_buf list = ENF_BUF_INIT;
	for (size_t i = 0; i < rs->count; i++)
		enf_buf_printf(&list, "%s%s", i ? ", " : "", rs->services[i]);
	char *what = rs->reboot ? enf_strdup("reboot pending")
				: enf_asprintf("restart %s", list.ptr ? list.ptr : "");
	enf_buf_clear(&list);
	r->before = json_pack("{s:s}", "notified_by", notifiers);
	int acting = e->run->mode == ENF_RUN_APPLY && !e->run->dry_run && res->mode != ENF_MODE_AUDIT;
	if (!acting) {
		r->outcome = res->mode == ENF_MODE_AUDIT ? ENF_OUTCOME_AUDIT_DRIFT : ENF_OUTCOME_DRIFT;
		if (rs->reboot)
			result_add_action(r, "reboot pending", 0, NULL);
		else
			run_restart(e, res, r, 0);
		result_set_message(r, enf_asprintf("notified by %s", notifiers));
	} else if (rs->reboot) {
		r->outcome = ENF_OUTCOME_CHANGED;
		e->run->reboot_pending = 1;
		result_add_action(r, "reboot pending", 1, NULL);
		result_set_message(r, enf_asprintf("a restart of the machine is needed for the changes of %s; enforcer never reboots",
						   notifiers));
		journal_event(e->journal, res->id, "reboot pending");
	} else {
		journal_event(e->journal, res->id, what ? what : "restart");
		int rc = run_restart(e, res, r, 1);
		r->outcome = rc ? ENF_OUTCOME_FAILED : ENF_OUTCOME_CHANGED;
		result_set_message(r, rc ? enf_asprintf("restart failed: %s", r->actions[r->action_count - 1].error)
				  : enf_asprintf("notified by %s", notifiers));
	}
	r->after = json_pack("{s:s}", "action", what ? what : "");
	free(what);
}

static int run_all(engine *e, const enf_policy *policy)
{
	enf_run *run = e->run;
	size_t n = policy->count;
	run->results = calloc(n ? n : 1, sizeof(enf_result));
	unsigned char *blocked = calloc(n ? n : 1, 1);
	unsigned char *changed = calloc(n ? n : 1, 1);
	long *slot = calloc(n ? n : 1, sizeof(long));
	int rc = 0;
	if (!run->results || !blocked || !changed || !slot) {
		rc = enf_error_oom();
		goto done;
	}
	/* Results are reported in list order; they are decided in dependency order. */
	for (size_t i = 0; i < n; i++) {
		slot[i] = (long)i;
		result_for(run, &policy->resources[i]);
	}
	if ((rc = pending_load(e, &e->pending)))
		goto done;
	char *why = NULL;
	int applies = when_holds(&policy->when, &run->facts, &why);
	for (size_t k = 0; k < n && rc == 0; k++) {
		size_t i = policy->order[k];
		const enf_resource *res = &policy->resources[i];
		enf_result *r = &run->results[slot[i]];
		double t0 = enf_now();
		char *rwhy = NULL;
		const char *dep;
		if (res->type == ENF_RES_RESTART)
			continue; /* handlers run last */
		if (!applies) {
			r->outcome = ENF_OUTCOME_SKIPPED;
			result_set_message(r, enf_asprintf("the policy does not apply here: %s", why));
		} else if (!when_holds(&res->when, &run->facts, &rwhy)) {
			r->outcome = ENF_OUTCOME_SKIPPED;
			result_set_message(r, enf_asprintf("condition not met: %s", rwhy));
		} else if ((dep = failed_dependency(run, res, blocked, policy))) {
			r->outcome = ENF_OUTCOME_SKIPPED;
			blocked[i] = 1;
			result_set_message(r, enf_asprintf("skipped: '%s', which it comes after, failed", dep));
		} else {
			int did = 0;
			rc = run_resource(e, res, r, &did);
			changed[i] = (unsigned char)did;
			blocked[i] = r->outcome == ENF_OUTCOME_FAILED;
		}
		free(rwhy);
		r->seconds = enf_now() - t0;
		engine_progress(e, r);
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		const enf_resource *res = &policy->resources[i];
		if (res->type != ENF_RES_RESTART)
			continue;
		enf_result *r = &run->results[slot[i]];
		double t0 = enf_now();
		enf_buf by = ENF_BUF_INIT;
		size_t notifiers = 0;
		for (size_t o = 0; o < n; o++) {
			if (!changed[o])
				continue;
			for (size_t j = 0; j < policy->resources[o].notify_count; j++) {
				if (strcmp(policy->resources[o].notify[j], res->id) != 0)
					continue;
				/* Name the first three; a long list says nothing more. */
				if (++notifiers <= 3)
					enf_buf_printf(&by, "%s%s", by.len ? ", " : "",
						       policy->resources[o].id);
			}
		}
		if (notifiers > 3)
			enf_buf_printf(&by, " and %zu more", notifiers - 3);
		if (by.len == 0 && pending_contains(e->pending, res->id))
			enf_buf_printf(&by, "run %s, which was interrupted before this restart",
				       json_string_value(json_object_get(e->pending, "run")));
		char *rwhy = NULL;
		const char *dep;
		if (!applies || !when_holds(&res->when, &run->facts, &rwhy)) {
			r->outcome = ENF_OUTCOME_SKIPPED;
			result_set_message(r, applies ? enf_asprintf("condition not met: %s", rwhy)
						       : enf_asprintf("the policy does not apply here: %s", why));
		} else if ((dep = failed_dependency(run, res, blocked, policy))) {
			r->outcome = ENF_OUTCOME_SKIPPED;
			result_set_message(r, enf_asprintf("skipped: '%s', which it comes after, failed", dep));
		} else if (by.len == 0) {
			r->outcome = ENF_OUTCOME_COMPLIANT;
			result_set_message(r, enf_strdup("not needed: nothing that notifies it changed"));
		} else {
			run_handler(e, res, r, by.ptr);
			if (r->outcome == ENF_OUTCOME_CHANGED && e->pending)
				pending_done(e, e->pending, res->id);
		}
		free(rwhy);
		enf_buf_clear(&by);
		r->seconds = enf_now() - t0;
		engine_progress(e, r);
	}
	free(why);
done:
	free(blocked);
	free(changed);
	free(slot);
	return rc;
}

int enf_provenance_from_file(enf_provenance *prov, const enf_policy *policy)
{
	memset(prov, 0, sizeof(*prov));
	prov->file = enf_strdup(policy->path);
	prov->sha256 = enf_hex(policy->sha256, 32, 0);
	prov->dirty = -1;
	return prov->file && prov->sha256 ? 0 : enf_error_oom();
}

void enf_provenance_clear(enf_provenance *p)
{
	char **fields[] = {&p->file, &p->sha256, &p->repo, &p->ref, &p->commit, &p->author,
			   &p->date, &p->subject, &p->tree, &p->signature, &p->signer};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(fields); i++) {
		free(*fields[i]);
		*fields[i] = NULL;
	}
}

/* The state folder: created for apply and rollback, never touched by a plan. */
static char *state_dir_of(const enf_run_options *opts)
{
	return opts->state_dir ? enf_strdup(opts->state_dir) : enf_default_state_dir();
}

int engine_lock_and_journal(engine *e, enf_lock **lock, const char *policy_name)
{
	char *dir = state_dir_of(e->opts);
	char *lock_path = dir ? enf_asprintf("%s%cenforcer.lock", dir, ENF_PATH_SEP) : NULL;
	int rc = lock_path ? enf_mkdir_p(dir) : enf_error_oom();
	if (rc == 0)
		rc = enf_lock_acquire(lock, lock_path, e->opts->wait_seconds * 1000u);
	/* What the target held before the lock may be what a run we waited for changed. */
	if (rc == 0 && e->p->reload) {
		rc = e->p->reload(e->self);
		engine_cert_cache_clear(e);
	}
	if (rc == 0 && e->p->reload && e->p->facts) {
		enf_facts_clear(&e->run->facts);
		if (e->p->facts(&e->run->facts, e->self))
			enf_error_clear();
	}
	if (rc == 0) {
		rc = journal_create(&e->journal, dir, e->run, policy_name);
		if (rc == 0)
			e->run->journal_path = journal_path(dir, e->run->run_id);
	}
	free(lock_path);
	free(dir);
	return rc;
}

int enf_run_policy(enf_run **out, const enf_policy *policy, enf_target *target,
		   const enf_run_options *opts)
{
	engine e = {0};
	enf_lock *lock = NULL;
	e.policy = policy;
	enf_source *own_source = NULL;
	int rc = engine_start(&e, target, opts, opts->mode == ENF_RUN_APPLY ? ENF_RUN_APPLY : ENF_RUN_PLAN);
	if (rc == 0)
		rc = enf_provenance_from_file(&e.run->source, policy);
	e.run->policy_name = enf_strdup(policy->name);
	/* Issue 6: referenced files come from the policy's source (a commit, or its folder). */
	e.policy_dir = opts->source ? enf_strdup(enf_source_local_dir(opts->source))
				    : dirname_of(policy->path);
	if (rc == 0 && !opts->source)
		rc = e.policy_dir ? enf_source_open_dir(&own_source, e.policy_dir) : enf_error_oom();
	e.source = opts->source ? opts->source : own_source;
	int acting = e.run->mode == ENF_RUN_APPLY && !opts->dry_run;
	if (rc == 0 && acting)
		rc = engine_lock_and_journal(&e, &lock, policy->name);
	if (rc == 0)
		rc = run_all(&e, policy);
	/* After the run: a file source's dirty flag covers every file the run read. */
	if (rc == 0 && opts->source) {
		enf_provenance_clear(&e.run->source);
		rc = enf_source_provenance(&e.run->source, opts->source, policy);
	}
	e.run->ended = enf_now();
	if (e.journal) {
		journal_end(e.journal, e.run);
		journal_close(e.journal);
	}
	enf_lock_release(lock);
	free(e.policy_dir);
	enf_source_free(own_source);
	json_decref(e.pending);
	engine_cert_cache_clear(&e);
	if (rc) {
		enf_run_free(e.run);
		return rc;
	}
	*out = e.run;
	return 0;
}

int enf_run_exit_code(const enf_run *run)
{
	int failures = run->counts[ENF_OUTCOME_FAILED] > 0;
	/* A resource that changed something and then failed still changed the machine. */
	int changes = run->counts[ENF_OUTCOME_DRIFT] > 0 || run->counts[ENF_OUTCOME_CHANGED] > 0 ||
		      run->counts[ENF_OUTCOME_AUDIT_DRIFT] > 0 || run->changes_made > 0;
	return (changes ? 2 : 0) | (failures ? 4 : 0);
}

void enf_run_free(enf_run *run)
{
	if (!run)
		return;
	for (size_t i = 0; i < run->count; i++) {
		enf_result *r = &run->results[i];
		free(r->id);
		json_decref(r->before);
		json_decref(r->after);
		for (size_t a = 0; a < r->action_count; a++) {
			free(r->actions[a].text);
			free(r->actions[a].error);
		}
		free(r->actions);
		free(r->message);
	}
	free(run->results);
	free(run->run_id);
	free(run->host);
	free(run->user);
	free(run->target);
	free(run->policy_name);
	free(run->journal_path);
	free(run->rolled_back);
	enf_provenance_clear(&run->source);
	enf_facts_clear(&run->facts);
	free(run);
}
