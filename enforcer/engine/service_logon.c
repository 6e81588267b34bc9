/*
 * Log-on changes taking effect, and the ceiling of service waits.
 *
 * Windows applies a change of a running service's configuration only when
 * the service next starts (ChangeServiceConfig: "the changes do not take
 * effect until the service is stopped"). So a log-on change on a running
 * service comes with a restart of that service, and a service is compliant
 * only when the process it runs in has the policy's account, which the
 * provider reads from the process's token (running_as). An account that
 * cannot be read is reported as unknown, with the reason: it neither
 * restarts a service nor counts as proof that the log-on is in effect.
 */
#include "engine_int.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

unsigned enf_service_timeout(const engine *e, const enf_resource *res)
{
	unsigned own = 0;
	if (res && res->type == ENF_RES_SERVICE)
		own = res->u.svc.timeout_ms;
	else if (res && res->type == ENF_RES_RESTART)
		own = res->u.restart.timeout_ms;
	if (own)
		return own;
	return e->opts->service_timeout_ms ? e->opts->service_timeout_ms
	                                   : ENF_SERVICE_TIMEOUT_DEFAULT_MS;
}

int enf_plan_logon_restart(engine *e, const enf_res_service *s, const enf_service_info *info,
                           int logon_changes, res_plan *plan)
{
	change *c = NULL;
	/* A service being disabled is not started again: its log-on takes effect when it is. */
	if (s->startup == ENF_STARTUP_DISABLED) {
		if (!info->running_as || enf_accounts_same(e, info->running_as, s->logon))
			return 0;
		free(plan->message);
		plan->message = enf_asprintf(
		    "its process runs as %s until it stops: a service being disabled is not restarted",
		    info->running_as);
		return plan->message ? 0 : enf_error_oom();
	}
	if (logon_changes) {
		c = enf_plan_add(plan, &enf_change_svc_restart,
		                 "restart %s: a log-on change takes effect at start", s->name);
	} else if (info->running_as && !enf_accounts_same(e, info->running_as, s->logon)) {
		int sids =
		    enf_account_confusable(info->running_as) || enf_account_confusable(s->logon);
		char *is = enf_account_shown(e, info->running_as, NULL, sids);
		char *want = enf_account_shown(e, s->logon, NULL, sids);
		c = is && want ? enf_plan_add(plan, &enf_change_svc_restart,
		                              "restart %s: it runs as %s, not %s; a log-on change "
		                              "takes effect at start",
		                              s->name, is, want)
		               : NULL;
		free(is);
		free(want);
	} else if (!info->running_as && info->running_as_unknown) {
		/* Said, never guessed: no restart on a guess, and no claim that it is in effect. */
		free(plan->message);
		plan->message = enf_asprintf("the account its process runs as is unknown: %s",
		                             info->running_as_unknown);
		return plan->message ? 0 : enf_error_oom();
	} else {
		return 0;
	}
	if (!c || !(c->service = enf_strdup(s->name)))
		return enf_error_oom();
	c->old_startup = info->startup;
	c->new_startup = ENF_STARTUP_UNSET;
	return 0;
}

int enf_service_restart_apply(engine *e, const change *c, const enf_resource *res)
{
	unsigned ceiling = enf_service_timeout(e, res);
	int rc = e->p->svc_stop(e->self, c->service, ceiling);
	return rc ? rc : e->p->svc_start(e->self, c->service, ceiling);
}

/*
 * Undoing a restart, once the rollback has put the old log-on back (it runs
 * after every other undo of the run): a service that is no longer running is
 * started again, as it was running; a running one is restarted unless its
 * process already runs as the account it is configured with.
 */
int enf_service_restart_inverse(engine *e, const change *c, change *out)
{
	enf_service_info cur = {0};
	int rc = e->p->svc_get(&cur, e->self, c->service);
	if (rc)
		return rc;
	out->old_startup = cur.startup;
	out->new_startup = ENF_STARTUP_UNSET;
	if (enf_change_dup_str(&out->service, c->service)) {
		enf_service_info_clear(&cur);
		return ENF_ENOMEM;
	}
	if (cur.state == ENF_SVC_STOPPED || cur.state == ENF_SVC_STOP_PENDING) {
		out->ops = &enf_change_svc_start;
		out->text = enf_asprintf("start %s (it was running)", c->service);
	} else if (!cur.running_as || !enf_accounts_same(e, cur.running_as, cur.logon)) {
		out->ops = &enf_change_svc_restart;
		out->text = enf_asprintf("restart %s: the restored log-on takes effect at start",
		                         c->service);
	}
	enf_service_info_clear(&cur);
	return 0;
}
