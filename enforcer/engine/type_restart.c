/*
 * The restart resource type, engine side: a handler. It plans nothing of its
 * own; after every other resource, when one that notifies it changed, it
 * stops its services in reverse order and starts them in order (or records
 * that a reboot is pending: enforcer never reboots).
 */
#include "engine_int.h"
#include "state.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

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
		enf_result_add_action(r, text ? text : "stop", 0, NULL);
		free(text);
	}
	for (size_t i = 0; i < rs->count && !acting; i++) {
		char *text = enf_asprintf("start %s", rs->services[i]);
		enf_result_add_action(r, text ? text : "start", 0, NULL);
		free(text);
	}
	if (!acting)
		return 0;
	for (size_t i = rs->count; i > 0 && rc == 0; i--) {
		char *text = enf_asprintf("stop %s", rs->services[i - 1]);
		rc = e->p->svc_stop(e->self, rs->services[i - 1], timeout);
		const enf_error *err = rc ? enf_error_last() : NULL;
		enf_result_add_action(r, text ? text : "stop", rc == 0,
		                      rc ? (err ? err->message : "failed") : NULL);
		free(text);
	}
	for (size_t i = 0; i < rs->count && rc == 0; i++) {
		char *text = enf_asprintf("start %s", rs->services[i]);
		rc = e->p->svc_start(e->self, rs->services[i], timeout);
		const enf_error *err = rc ? enf_error_last() : NULL;
		enf_result_add_action(r, text ? text : "start", rc == 0,
		                      rc ? (err ? err->message : "failed") : NULL);
		free(text);
	}
	if (e->p->commit)
		e->p->commit(e->self);
	return rc;
}

static void handle_restart(engine *e, const enf_resource *res, enf_result *r, const char *notifiers)
{
	const enf_res_restart *rs = &res->u.restart;
	enf_buf list = ENF_BUF_INIT;
	for (size_t i = 0; i < rs->count; i++)
		enf_buf_printf(&list, "%s%s", i ? ", " : "", rs->services[i]);
	char *what = rs->reboot ? enf_strdup("reboot pending")
	                        : enf_asprintf("restart %s", list.ptr ? list.ptr : "");
	enf_buf_clear(&list);
	r->before = enf_state_of(json_pack("{s:s}", "notified_by", notifiers));
	int acting =
	    e->run->mode == ENF_RUN_APPLY && !e->run->dry_run && res->mode != ENF_MODE_AUDIT;
	if (!acting) {
		r->outcome =
		    res->mode == ENF_MODE_AUDIT ? ENF_OUTCOME_AUDIT_DRIFT : ENF_OUTCOME_DRIFT;
		if (rs->reboot)
			enf_result_add_action(r, "reboot pending", 0, NULL);
		else
			run_restart(e, res, r, 0);
		enf_result_set_message(r, enf_asprintf("notified by %s", notifiers));
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
		int rc = run_restart(e, res, r, 1);
		r->outcome = rc ? ENF_OUTCOME_FAILED : ENF_OUTCOME_CHANGED;
		enf_result_set_message(r, rc ? enf_asprintf("restart failed: %s",
		                                            r->actions[r->action_count - 1].error)
		                             : enf_asprintf("notified by %s", notifiers));
	}
	r->after = enf_state_of(json_pack("{s:s}", "action", what ? what : ""));
	free(what);
}

const engine_type enf_engine_type_restart = {
    .caps = ENF_CAP_SERVICES,
    .handle = handle_restart,
};
