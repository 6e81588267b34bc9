/*
 * Running a policy: for each resource in order, read, compare, and (apply)
 * change, journaled first, then verify; restart handlers last. See
 * docs/CLI.md for the outcomes and exit codes.
 */
#include "engine_int.h"

#include "policy/restype.h"
#include "state.h"

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
int enf_engine_start(engine *e, enf_target *target, const enf_run_options *opts, enf_run_mode mode)
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
	run->pending_restarts = opts->pending_restarts;
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
	/*
	 * The run is about the target: a snapshot of EDGE03 is filed (report,
	 * audit branch) under EDGE03, so a fleet can be rehearsed from snapshots.
	 * The local target's host.name is this machine's name anyway.
	 */
	const char *target_host = enf_facts_get(&run->facts, "host.name");
	if (target_host && *target_host && strcmp(target_host, run->host) != 0) {
		char *copy = enf_strdup(target_host);
		if (!copy)
			return enf_error_oom();
		free(run->host);
		run->host = copy;
	}
	return 0;
}

enf_result *enf_result_for(enf_run *run, const enf_resource *res)
{
	enf_result *r = &run->results[run->count++];
	memset(r, 0, sizeof(*r));
	r->resource = res;
	r->id = enf_strdup(res->id);
	r->type = enf_resource_type_name(res->type);
	return r;
}

void enf_result_set_message(enf_result *r, char *message)
{
	free(r->message);
	r->message = message;
}

int enf_result_add_action(enf_result *r, const char *text, int done, const char *error)
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
	const engine_type *t = enf_engine_type_of(res->type);
	if (!t || !t->plan)
		return 0;
	if ((e->p->caps & t->caps) != t->caps) {
		enf_plan_fail(plan, "the %s target cannot read or change %s resources", e->p->name,
		              enf_resource_type_name(res->type));
		return 0;
	}
	return t->plan(e, res, plan);
}

/* Handlers (restart) run last, once, when something that notifies them changed. */
static int is_handler(const enf_resource *res)
{
	const enf_restype *t = enf_restype_of(res->type);
	return t && (t->flags & ENF_RESTYPE_HANDLER);
}

/*
 * A change made: counted, and the test-only fault hook. It is not written
 * out here: a snapshot rewrote its whole file per change, which made an
 * apply of N changes cost N times the file (enf_engine_flush writes it once).
 * The journal record came first either way, so a run killed here leaves the
 * target as its last flush did, which a rollback and the next apply handle
 * as they handle any change that was begun (docs/snapshot.md).
 */
int enf_engine_after_change(engine *e)
{
	e->changes_made++;
#ifdef ENF_TEST_HOOKS
	if (e->kill_after >= 0 && e->changes_made >= e->kill_after)
		enf_die_now();
#endif
	return 0;
}

int enf_engine_flush(engine *e)
{
	if (!e->p->commit || e->p->commit(e->self) == 0) {
		/* Written: a later write that fails (a second restart's) does not undo these. */
		for (size_t i = 0; i < e->run->count; i++)
			if (e->run->results[i].outcome == ENF_OUTCOME_CHANGED)
				e->run->results[i].on_target = 1;
		return 0;
	}
	/* What the run reported changed is not on the target: say so, never "changed". */
	const enf_error *err = enf_error_last();
	char *why =
	    enf_strdup(err && err->message ? err->message : "the target could not be written");
	if (!e->run->write_error && why)
		e->run->write_error = enf_strdup(why);
	for (size_t i = 0; i < e->run->count; i++) {
		enf_result *r = &e->run->results[i];
		if (r->outcome != ENF_OUTCOME_CHANGED || r->on_target)
			continue;
		r->unwritten = 1;
		/* (Counted when reported; a rollback that stopped early reported none.) */
		if (e->run->counts[ENF_OUTCOME_CHANGED]) {
			e->run->counts[ENF_OUTCOME_CHANGED]--;
			e->run->counts[ENF_OUTCOME_FAILED]++;
		}
		r->outcome = ENF_OUTCOME_FAILED;
		enf_result_set_message(
		    r,
		    enf_asprintf("changed, but the change could not be written to the target: %s",
		                 why ? why : "?"));
	}
	if (e->journal)
		enf_journal_event(e->journal, "", why ? why : "the target could not be written");
	free(why);
	return ENF_ERROR;
}

/* Makes every change of a plan, each journaled before it is made. */
static int make_changes(engine *e, const enf_resource *res, res_plan *plan, enf_result *r,
                        int *made)
{
	for (size_t i = 0; i < plan->count; i++) {
		const change *c = &plan->changes[i];
		long n = ++e->seq;
		if (enf_journal_begin(e->journal, n, res ? res->id : "", c)) {
			/* Without a journal record no change may be made. */
			const enf_error *err = enf_error_last();
			enf_result_add_action(r, c->text, 0,
			                      err ? err->message : "journal write failed");
			enf_result_set_message(
			    r, enf_asprintf("not changed: the journal could not be written (%s)",
			                    err ? err->message : "?"));
			return ENF_ERROR;
		}
		int rc = enf_change_apply(e, c, res);
		if (rc == 0)
			rc = enf_engine_after_change(e);
		if (rc) {
			const enf_error *err = enf_error_last();
			char *msg = enf_strdup(err && err->message ? err->message : "failed");
			/*
			 * A change that failed may still have changed the target (a start
			 * sent, given up at the ceiling while still pending): that stays
			 * in the target's model, which enf_engine_flush writes.
			 */
			enf_journal_failed(e->journal, n, msg ? msg : "failed");
			enf_result_add_action(r, c->text, 0, msg ? msg : "failed");
			enf_result_set_message(
			    r, enf_asprintf("%s: %s", c->text, msg ? msg : "failed"));
			free(msg);
			return rc;
		}
		enf_journal_done(e->journal, n);
		enf_result_add_action(r, c->text, 1, NULL);
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
	r->before = enf_state_of(json_incref(plan.before));
	r->after = enf_state_of(json_incref(plan.after));
	r->warning = plan.warning;
	if (plan.count == 0 && !plan.failed) {
		if (plan.message)
			enf_result_set_message(r, enf_strdup(plan.message));
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
		enf_result_set_message(r, plan.message);
		plan.message = NULL;
		for (size_t i = 0; i < plan.count; i++)
			enf_result_add_action(r, plan.changes[i].text, 0, NULL);
		goto done;
	}
	if (plan.message)
		enf_result_set_message(r, enf_strdup(plan.message));
	if (res->waiver.present && !waived)
		enf_result_set_message(
		    r, enf_asprintf("waiver expired on %04d-%02d-%02d; it is ignored%s%s",
		                    res->waiver.year, res->waiver.month, res->waiver.day,
		                    plan.message ? "; " : "", plan.message ? plan.message : ""));
	if (res->mode == ENF_MODE_AUDIT || waived || e->run->mode == ENF_RUN_PLAN ||
	    e->run->dry_run) {
		r->outcome = res->mode == ENF_MODE_AUDIT ? ENF_OUTCOME_AUDIT_DRIFT
		             : waived                    ? ENF_OUTCOME_WAIVED
		                                         : ENF_OUTCOME_DRIFT;
		if (waived)
			enf_result_set_message(
			    r, enf_asprintf("waived until %04d-%02d-%02d: %s%s%s%s%s%s",
			                    res->waiver.year, res->waiver.month, res->waiver.day,
			                    res->waiver.reason, res->waiver.ticket ? " (" : "",
			                    res->waiver.ticket ? res->waiver.ticket : "",
			                    res->waiver.ticket ? ")" : "", plan.message ? "; " : "",
			                    plan.message ? plan.message : ""));
		for (size_t i = 0; i < plan.count; i++)
			enf_result_add_action(r, plan.changes[i].text, 0, NULL);
		if (r->outcome == ENF_OUTCOME_DRIFT)
			*changed_any = 1;
		goto done;
	}
	/* Record the restarts this resource notifies before anything is changed. */
	if (res->notify_count && enf_pending_add(e, &e->pending, res)) {
		const enf_error *err = enf_error_last();
		r->outcome = ENF_OUTCOME_FAILED;
		enf_result_set_message(
		    r, enf_asprintf("not changed: the pending restart could not be recorded (%s)",
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
		json_decref(enf_state_value(r->after));
		r->after = enf_state_of(json_incref(check.before));
		if (check.failed || check.count) {
			r->outcome = ENF_OUTCOME_FAILED;
			enf_result_set_message(
			    r, enf_asprintf(
			           "changed, but verification found it still not compliant: %s",
			           check.failed ? check.message : check.changes[0].text));
		} else {
			r->outcome = ENF_OUTCOME_CHANGED;
		}
	}
	enf_res_plan_clear(&check);
done:
	enf_res_plan_clear(&plan);
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

void enf_engine_progress(engine *e, const enf_result *r)
{
	e->run->counts[r->outcome]++;
	if (e->opts->progress)
		e->opts->progress(e->opts->progress_ctx, e->run, r);
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
	/*
	 * Results are reported in list order; they are decided in dependency
	 * order. A run of pending restarts reports its handlers only.
	 */
	int only_restarts = e->opts->pending_restarts;
	for (size_t i = 0; i < n; i++) {
		slot[i] = -1;
		if (only_restarts && !is_handler(&policy->resources[i]))
			continue;
		slot[i] = (long)run->count;
		enf_result_for(run, &policy->resources[i]);
	}
	if ((rc = enf_pending_load(e, &e->pending)))
		goto done;
	char *why = NULL;
	int applies = enf_when_holds(&policy->when, &run->facts, &why);
	for (size_t k = 0; k < n && rc == 0; k++) {
		size_t i = policy->order[k];
		const enf_resource *res = &policy->resources[i];
		enf_result *r = &run->results[slot[i]];
		double t0 = enf_now();
		char *rwhy = NULL;
		const char *dep;
		if (is_handler(res) || only_restarts)
			continue; /* handlers run last */
		if (!applies) {
			r->outcome = ENF_OUTCOME_SKIPPED;
			enf_result_set_message(
			    r, enf_asprintf("the policy does not apply here: %s", why));
		} else if (!enf_when_holds(&res->when, &run->facts, &rwhy)) {
			r->outcome = ENF_OUTCOME_SKIPPED;
			enf_result_set_message(r, enf_asprintf("condition not met: %s", rwhy));
		} else if ((dep = failed_dependency(run, res, blocked, policy))) {
			r->outcome = ENF_OUTCOME_SKIPPED;
			blocked[i] = 1;
			enf_result_set_message(
			    r, enf_asprintf("skipped: '%s', which it comes after, failed", dep));
		} else {
			int did = 0;
			rc = run_resource(e, res, r, &did);
			changed[i] = (unsigned char)did;
			blocked[i] = r->outcome == ENF_OUTCOME_FAILED;
		}
		free(rwhy);
		r->seconds = enf_now() - t0;
		enf_engine_progress(e, r);
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		const enf_resource *res = &policy->resources[i];
		if (!is_handler(res))
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
		int finishing = 0;
		if (by.len == 0 && enf_pending_deferred(e->pending, res->id)) {
			enf_buf_printf(&by, "run %s, which deferred it",
			               enf_pending_deferred(e->pending, res->id));
		} else if (by.len == 0 && enf_pending_contains(e->pending, res->id)) {
			enf_buf_printf(&by, "run %s, which was interrupted before this restart",
			               json_string_value(json_object_get(e->pending, "run")));
		} else if (by.len == 0 && enf_pending_finishing(e->pending, res->id)) {
			/* Its restart failed: finish it (start what is not running), stop nothing.
			 */
			enf_buf_printf(&by, "run %s", enf_pending_finishing(e->pending, res->id));
			finishing = 1;
		}
		char *rwhy = NULL;
		const char *dep;
		if (!applies || !enf_when_holds(&res->when, &run->facts, &rwhy)) {
			r->outcome = ENF_OUTCOME_SKIPPED;
			enf_result_set_message(
			    r, applies ? enf_asprintf("condition not met: %s", rwhy)
			               : enf_asprintf("the policy does not apply here: %s", why));
		} else if ((dep = failed_dependency(run, res, blocked, policy))) {
			r->outcome = ENF_OUTCOME_SKIPPED;
			enf_result_set_message(
			    r, enf_asprintf("skipped: '%s', which it comes after, failed", dep));
		} else if (by.len == 0) {
			r->outcome = ENF_OUTCOME_COMPLIANT;
			enf_result_set_message(
			    r, enf_strdup(only_restarts
			                      ? "no restart pending"
			                      : "not needed: nothing that notifies it changed"));
		} else {
			e->restart_finish = finishing;
			e->restart_deferred = 0;
			e->restart_unwritten = 0;
			enf_engine_type_of(res->type)->handle(e, res, r, by.ptr);
			e->restart_finish = 0;
			int acted = run->mode == ENF_RUN_APPLY && !run->dry_run &&
			            res->mode != ENF_MODE_AUDIT;
			if (acted && e->restart_deferred) {
				run->restarts_deferred++;
				if (e->pending && enf_pending_defer(e, e->pending, res->id)) {
					const enf_error *err = enf_error_last();
					enf_result_set_message(
					    r, enf_asprintf(
					           "%s; the pending record could not be marked "
					           "as deferred (%s), the restart is still pending",
					           r->message ? r->message : "deferred",
					           err && err->message ? err->message : "error"));
				}
			} else if (acted && e->pending &&
			           (r->outcome == ENF_OUTCOME_CHANGED ||
			            (finishing && r->outcome == ENF_OUTCOME_COMPLIANT)))
				enf_pending_done(e, e->pending, res->id);
			else if (acted && e->pending && r->outcome == ENF_OUTCOME_FAILED &&
			         !e->restart_unwritten)
				enf_pending_finish(e, e->pending, res->id);
			/*
			 * A restart made but not written: the target does not show it,
			 * so the record keeps it owed as it was (a whole restart, not
			 * only starting what is down), for the next apply or
			 * `restart --pending`.
			 */
		}
		free(rwhy);
		enf_buf_clear(&by);
		r->seconds = enf_now() - t0;
		enf_engine_progress(e, r);
	}
	free(why);
done:
	free(blocked);
	free(changed);
	free(slot);
	return rc;
}

/*
 * The state folder: created for apply and rollback, never touched by a plan,
 * and checked before anything in it is used (statedir.c).
 */
int enf_engine_lock_and_journal(engine *e, enf_lock **lock, const char *policy_name)
{
	char *dir = enf_engine_state_dir(e->opts);
	char *lock_path = dir ? enf_asprintf("%s%cenforcer.lock", dir, ENF_PATH_SEP) : NULL;
	int rc = lock_path ? enf_engine_state_guard(dir, 1) : enf_error_oom();
	if (rc == 0)
		rc = enf_lock_acquire(lock, lock_path, e->opts->wait_seconds * 1000u);
	/* What the target held before the lock may be what a run we waited for changed. */
	if (rc == 0 && e->p->lock)
		rc = e->p->lock(e->self, e->opts->wait_seconds * 1000u);
	if (rc == 0 && e->p->reload) {
		rc = e->p->reload(e->self);
		enf_engine_cert_cache_clear(e);
	}
	if (rc == 0 && e->p->reload && e->p->facts) {
		enf_facts_clear(&e->run->facts);
		if (e->p->facts(&e->run->facts, e->self))
			enf_error_clear();
	}
	/* Under the lock, before the journal: a refused commit leaves no trace. */
	if (rc == 0)
		rc = enf_engine_downgrade_check(e);
	if (rc == 0) {
		rc = enf_journal_create(&e->journal, dir, e->run, policy_name);
		if (rc == 0)
			e->run->journal_path = enf_journal_path(dir, e->run->run_id);
	}
	free(lock_path);
	free(dir);
	return rc;
}

int enf_engine_check_options(const enf_run_options *opts)
{
	if (opts && opts->version == ENF_RUN_OPTIONS_VERSION &&
	    (opts->pending_restarts || opts->defer_restarts) &&
	    (opts->mode != ENF_RUN_APPLY || (opts->pending_restarts && opts->defer_restarts))) {
		enf_error_set(ENF_ERRCLASS_INVALID,
		              "restarts are deferred, or pending ones performed, only by an apply, "
		              "and not both at once");
		return ENF_EINVALID;
	}
	if (opts && opts->version == ENF_RUN_OPTIONS_VERSION)
		return 0;
	enf_error_set(
	    ENF_ERRCLASS_INVALID,
	    "run options of version %u; this library takes version %u (initialise them with ENF_RUN_OPTIONS_INIT)",
	    opts ? opts->version : 0, ENF_RUN_OPTIONS_VERSION);
	return ENF_EINVALID;
}

int enf_run_policy(enf_run **out, const enf_policy *policy, enf_target *target,
                   const enf_run_options *opts)
{
	if (enf_engine_check_options(opts))
		return ENF_EINVALID;
	engine e = {0};
	enf_lock *lock = NULL;
	e.policy = policy;
	enf_source *own_source = NULL;
	int rc = enf_engine_start(&e, target, opts,
	                          opts->mode == ENF_RUN_APPLY ? ENF_RUN_APPLY : ENF_RUN_PLAN);
	if (rc == 0)
		rc = enf_provenance_from_file(&e.run->source, policy);
	e.run->policy_name = enf_strdup(policy->name);
	/* Issue 6: referenced files come from the policy's source (a commit, or its folder). */
	e.policy_dir = opts->source ? enf_strdup(enf_source_local_dir(opts->source))
	                            : dirname_of(policy->path);
	if (rc == 0 && !opts->source)
		rc =
		    e.policy_dir ? enf_source_open_dir(&own_source, e.policy_dir) : enf_error_oom();
	e.source = opts->source ? opts->source : own_source;
	int acting = e.run->mode == ENF_RUN_APPLY && !opts->dry_run;
	if (rc == 0 && acting)
		rc = enf_engine_lock_and_journal(&e, &lock, policy->name);
	else if (rc == 0)
		rc = enf_engine_downgrade_check(&e);
	if (rc == 0)
		rc = run_all(&e, policy);
	/* Whatever was made, run_all's error or not: the journal names it. */
	int unwritten = e.journal && enf_engine_flush(&e);
	/* A complete apply of a commit is what later commits must descend from. */
	if (rc == 0 && acting && !unwritten && !opts->pending_restarts &&
	    enf_engine_downgrade_record(&e))
		enf_error_clear(); /* as for the runs index: the run itself is done */
	/* After the run: a file source's dirty flag covers every file the run read. */
	if (rc == 0 && opts->source) {
		enf_provenance_clear(&e.run->source);
		rc = enf_source_provenance(&e.run->source, opts->source, policy);
	}
	e.run->ended = enf_now();
	if (e.journal && enf_engine_finish_journal(&e, rc) && rc == 0) {
		/* The run is done; only its line in the runs index is missing. */
		enf_error_clear();
	}
	enf_lock_release(lock);
	free(e.policy_dir);
	enf_source_free(own_source);
	json_decref(e.pending);
	enf_engine_cert_cache_clear(&e);
	enf_account_cache_clear(&e);
	json_decref(e.passwords_given);
	if (rc) {
		enf_run_free(e.run);
		return rc;
	}
	*out = e.run;
	return 0;
}

char *enf_state_json(const enf_state *state)
{
	const json_t *v = enf_state_value(state);
	return v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : enf_strdup("null");
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
		json_decref(enf_state_value(r->before));
		json_decref(enf_state_value(r->after));
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
	free(run->downgrade);
	free(run->downgrade_from);
	free(run->write_error);
	enf_provenance_clear(&run->source);
	enf_facts_clear(&run->facts);
	free(run);
}
