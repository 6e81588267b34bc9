/*
 * The restart resource type, engine side: a handler. It plans nothing of its
 * own; after every other resource, when one that notifies it changed, it
 * stops its services in reverse order and starts them in order (or records
 * that a reboot is pending: enforcer never reboots).
 *
 * A restart never leaves services down because one of them failed: once a
 * stop fails it stops no more (the services before it in the list are what
 * the failing one may depend on), and it then tries to start every service
 * of the list, each failure reported on its own. The report reads every
 * service's state back. A restart that failed is recorded as one to finish
 * (pending.c): the next apply starts what is not running, and stops nothing.
 *
 * A deferred restart (apply --defer-restarts, or defer: true) lists the
 * actions it will take and takes none: it stays pending, for `enforcer
 * restart --pending` to perform when the pool can spare the server. Finishing
 * a failed restart is never deferred: it only starts what is down.
 */
#include "engine_int.h"
#include "state.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* Adds an action; an error is the last error's message (or `failed`). */
static void add_action(enf_result *r, const char *text, int rc, const char *failed)
{
	const enf_error *err = rc ? enf_error_last() : NULL;
	enf_result_add_action(r, text, rc == 0,
	                      rc ? (err && err->message ? err->message : failed) : NULL);
}

/* The state of `name` now, or NULL when it cannot be read. */
static const char *state_now(engine *e, const char *name, enf_svc_state *out)
{
	enf_service_info info = {0};
	int rc = e->p->svc_get(&info, e->self, name);
	*out = rc ? ENF_SVC_UNSET : info.state;
	enf_service_info_clear(&info);
	if (rc)
		enf_error_clear();
	return rc ? NULL : enf_svc_state_name(*out);
}

/*
 * Finishing a restart a failed run began: start, in order, every service
 * that is not running. A plan lists the same starts.
 */
static int finish_restart(engine *e, const enf_resource *res, enf_result *r, int acting)
{
	const enf_res_restart *rs = &res->u.restart;
	int failed = 0;
	for (size_t i = 0; i < rs->count; i++) {
		enf_svc_state st;
		const char *name = state_now(e, rs->services[i], &st);
		if (st == ENF_SVC_RUNNING)
			continue;
		char *text =
		    enf_asprintf("start %s (%s)", rs->services[i], name ? name : "unknown");
		if (!acting) {
			enf_result_add_action(r, text ? text : "start", 0, NULL);
		} else {
			int rc =
			    e->p->svc_start(e->self, rs->services[i], enf_service_timeout(e, res));
			add_action(r, text ? text : "start", rc, "failed");
			failed |= rc != 0;
		}
		free(text);
	}
	return failed ? ENF_ERROR : 0;
}

/*
 * Stops the services in reverse order, then starts them in order. A plan
 * (acting 0) lists the very same actions without making them, so that what
 * a plan shows is what an apply does.
 */
static int run_restart(engine *e, const enf_resource *res, enf_result *r, int acting)
{
	const enf_res_restart *rs = &res->u.restart;
	unsigned ceiling = enf_service_timeout(e, res);
	const char *stuck = NULL; /* the service whose stop failed */
	int failed = 0;
	for (size_t i = rs->count; i > 0; i--) {
		const char *name = rs->services[i - 1];
		char *text = enf_asprintf("stop %s", name);
		if (!acting) {
			enf_result_add_action(r, text ? text : "stop", 0, NULL);
		} else if (stuck) {
			/* What comes before it in the list is what it may depend on: leave it. */
			char *why = enf_asprintf("not stopped: %s did not stop", stuck);
			enf_result_add_action(r, text ? text : "stop", 0,
			                      why ? why : "not stopped");
			free(why);
		} else {
			int rc = e->p->svc_stop(e->self, name, ceiling);
			add_action(r, text ? text : "stop", rc, "failed");
			if (rc) {
				stuck = name;
				failed = 1;
			}
		}
		free(text);
	}
	for (size_t i = 0; i < rs->count; i++) {
		char *text = enf_asprintf("start %s", rs->services[i]);
		if (!acting) {
			enf_result_add_action(r, text ? text : "start", 0, NULL);
		} else {
			/* Every service is started, whatever failed before it. */
			int rc = e->p->svc_start(e->self, rs->services[i], ceiling);
			add_action(r, text ? text : "start", rc, "failed");
			failed |= rc != 0;
		}
		free(text);
	}
	return failed ? ENF_ERROR : 0;
}

/*
 * Every service's state read back: the report's "services" list, and
 * "A running, B stop-pending" for the message. Sets *all_running.
 */
static json_t *final_states(engine *e, const enf_res_restart *rs, enf_buf *summary,
                            int *all_running)
{
	json_t *list = json_array();
	*all_running = 1;
	for (size_t i = 0; i < rs->count; i++) {
		enf_svc_state st;
		const char *name = state_now(e, rs->services[i], &st);
		json_array_append_new(list, json_pack("{s:s, s:s}", "name", rs->services[i],
		                                      "state", name ? name : "unknown"));
		enf_buf_printf(summary, "%s%s %s", i ? ", " : "", rs->services[i],
		               name ? name : "unknown");
		*all_running &= st == ENF_SVC_RUNNING;
	}
	return list;
}

/* The first error among the actions, for the message. */
static const char *first_error(const enf_result *r)
{
	for (size_t i = 0; i < r->action_count; i++)
		if (r->actions[i].error)
			return r->actions[i].error;
	return NULL;
}

static void handle_restart(engine *e, const enf_resource *res, enf_result *r, const char *notifiers)
{
	const enf_res_restart *rs = &res->u.restart;
	int finish = e->restart_finish;
	enf_buf list = ENF_BUF_INIT;
	for (size_t i = 0; i < rs->count; i++)
		enf_buf_printf(&list, "%s%s", i ? ", " : "", rs->services[i]);
	char *what = rs->reboot ? enf_strdup("reboot pending")
	             : finish   ? enf_asprintf("finish the restart of %s begun by %s",
                                             list.ptr ? list.ptr : "", notifiers)
	                        : enf_asprintf("restart %s", list.ptr ? list.ptr : "");
	enf_buf_clear(&list);
	r->before = enf_state_of(json_pack("{s:s}", "notified_by", notifiers));
	int acting =
	    e->run->mode == ENF_RUN_APPLY && !e->run->dry_run && res->mode != ENF_MODE_AUDIT;
	int defer = !finish && !rs->reboot && !e->opts->pending_restarts &&
	            (e->opts->defer_restarts || rs->defer);
	json_t *after = json_pack("{s:s}", "action", what ? what : "");
	if (defer && res->mode != ENF_MODE_AUDIT) {
		/* What `restart --pending` will do, listed and not done. */
		run_restart(e, res, r, 0);
		r->outcome = ENF_OUTCOME_DRIFT;
		json_object_set_new(after, "deferred", json_true());
		enf_result_set_message(
		    r, enf_asprintf("restart pending (notified by %s): deferred; 'enforcer restart "
		                    "--pending' performs it",
		                    notifiers));
		if (acting) {
			e->restart_deferred = 1;
			enf_journal_event(e->journal, res->id, "restart deferred");
		}
	} else if (!acting) {
		if (rs->reboot)
			enf_result_add_action(r, "reboot pending", 0, NULL);
		else if (finish)
			finish_restart(e, res, r, 0);
		else
			run_restart(e, res, r, 0);
		r->outcome = res->mode == ENF_MODE_AUDIT      ? ENF_OUTCOME_AUDIT_DRIFT
		             : finish && r->action_count == 0 ? ENF_OUTCOME_COMPLIANT
		                                              : ENF_OUTCOME_DRIFT;
		enf_result_set_message(
		    r, finish ? enf_asprintf("%s did not finish its restart", notifiers)
		              : enf_asprintf("notified by %s", notifiers));
	} else if (rs->reboot) {
		r->outcome = ENF_OUTCOME_CHANGED;
		e->run->reboot_pending = 1;
		enf_result_add_action(r, "reboot pending", 1, NULL);
		enf_result_set_message(
		    r,
		    enf_asprintf(
		        "a restart of the machine is needed for the changes of %s; enforcer never reboots",
		        notifiers));
		enf_journal_event(e->journal, res->id, "reboot pending");
	} else {
		enf_journal_event(e->journal, res->id, what ? what : "restart");
		int rc = finish ? finish_restart(e, res, r, 1) : run_restart(e, res, r, 1);
		/*
		 * The target holds the run's changes and this restart before run.c
		 * removes the pending record: a restart the target lacks stays owed.
		 */
		int unwritten = enf_engine_flush(e);
		/* Not on the target, done or not: the whole restart stays owed (run.c). */
		e->restart_unwritten = unwritten != 0;
		enf_buf states = ENF_BUF_INIT;
		int all_running = 0;
		json_object_set_new(after, "services", final_states(e, rs, &states, &all_running));
		const char *err = first_error(r);
		if (unwritten && rc == 0 && all_running) {
			r->outcome = ENF_OUTCOME_FAILED;
			enf_result_set_message(
			    r,
			    enf_asprintf("restart done, but the target could not be written; the "
			                 "restart stays pending: %s",
			                 states.ptr ? states.ptr : ""));
		} else if (rc || !all_running) {
			r->outcome = ENF_OUTCOME_FAILED;
			enf_result_set_message(
			    r,
			    err ? enf_asprintf("restart failed: %s; afterwards: %s", err,
			                       states.ptr ? states.ptr : "")
			        : enf_asprintf("restart done, but not every service is running: %s",
			                       states.ptr ? states.ptr : ""));
		} else if (finish) {
			r->outcome = r->action_count ? ENF_OUTCOME_CHANGED : ENF_OUTCOME_COMPLIANT;
			enf_result_set_message(r, enf_asprintf("finished the restart %s began: %s",
			                                       notifiers,
			                                       states.ptr ? states.ptr : ""));
		} else {
			r->outcome = ENF_OUTCOME_CHANGED;
			enf_result_set_message(r, enf_asprintf("notified by %s", notifiers));
		}
		/* The write above holds this restart: a later one that fails does not undo it. */
		r->on_target = !unwritten && r->outcome == ENF_OUTCOME_CHANGED;
		enf_buf_clear(&states);
	}
	r->after = enf_state_of(after);
	free(what);
}

const engine_type enf_engine_type_restart = {
    .caps = ENF_CAP_SERVICES,
    .handle = handle_restart,
};
