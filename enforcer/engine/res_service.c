/* Planning a service resource: log-on account, stored password, start mode, state. */
#include "engine_int.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static json_t *tristate_json(enf_tristate t)
{
	return t == ENF_UNKNOWN ? json_null() : json_boolean(t == ENF_YES);
}

static json_t *info_json(const enf_service_info *info)
{
	return json_pack("{s:b, s:s, s:o, s:s, s:s}", "exists", 1, "logon", info->logon,
			 "password_stored", tristate_json(info->password_stored), "startup",
			 enf_startup_name(info->startup), "state", enf_svc_state_name(info->state));
}

/* The state apply would leave: the actual one with the policy's settings over it. */
static json_t *desired_json(const enf_service_info *info, const enf_res_service *s)
{
	json_t *o = info_json(info);
	if (!o)
		return NULL;
	if (s->logon) {
		json_object_set_new(o, "logon", json_string(s->logon));
		json_object_set_new(o, "password_stored",
				    s->password == ENF_PASSWORD_NONE ? json_false() : json_true());
	}
	if (s->startup != ENF_STARTUP_UNSET)
		json_object_set_new(o, "startup", json_string(enf_startup_name(s->startup)));
	if (s->state != ENF_SVC_UNSET)
		json_object_set_new(o, "state", json_string(enf_svc_state_name(s->state)));
	return o;
}

static const char *password_words(const enf_res_service *s)
{
	switch (s->password) {
	case ENF_PASSWORD_ENV:
		return ", set its password from the environment";
	case ENF_PASSWORD_FILE:
		return ", set its password from a file";
	default:
		return ", clear password";
	}
}

int plan_service(engine *e, const enf_resource *res, res_plan *plan)
{
	const enf_res_service *s = &res->u.svc;
	enf_service_info info = {0};
	int rc = e->p->svc_get(&info, e->self, s->name);
	if (rc) {
		plan->before = json_pack("{s:b}", "exists", 0);
		plan_fail_last(plan, rc == ENF_ENOTFOUND ? "the service is missing" : "cannot read the service");
		return 0;
	}
	plan->before = info_json(&info);
	plan->after = desired_json(&info, s);
	int logon_differs = s->logon && !accounts_same(e, info.logon, s->logon);
	int clear_password = s->logon && !logon_differs && s->password == ENF_PASSWORD_NONE &&
			     info.password_stored == ENF_YES;
	int startup_differs = s->startup != ENF_STARTUP_UNSET && s->startup != info.startup;
	if (logon_differs || clear_password || startup_differs) {
		enf_buf b = ENF_BUF_INIT;
		if (logon_differs)
			enf_buf_printf(&b, "change %s log-on %s -> %s%s", s->name, info.logon, s->logon,
				       password_words(s));
		else if (clear_password)
			enf_buf_printf(&b, "clear the password stored for %s (log-on %s)", s->name,
				       info.logon);
		if (startup_differs)
			enf_buf_printf(&b, "%sset %s start mode %s -> %s", b.len ? ", " : "", s->name,
				       enf_startup_name(info.startup), enf_startup_name(s->startup));
		char *text = enf_buf_detach(&b);
		change *c = text ? plan_add(plan, CH_SVC_CONFIG, "%s", text) : NULL;
		free(text);
		if (!c || !(c->service = enf_strdup(s->name)))
			goto oom;
		if (logon_differs || clear_password) {
			/* Re-applying the account with the password fields cleared is the fix the seed found. */
			if (!(c->new_logon = enf_strdup(s->logon)) || !(c->old_logon = enf_strdup(info.logon)))
				goto oom;
			c->set_password = 1;
		}
		c->old_startup = info.startup;
		c->new_startup = startup_differs ? s->startup : ENF_STARTUP_UNSET;
	}
	int running = info.state == ENF_SVC_RUNNING || info.state == ENF_SVC_START_PENDING;
	if (s->state == ENF_SVC_RUNNING && !running) {
		change *c = plan_add(plan, CH_SVC_START, "start %s (%s)", s->name,
				     enf_svc_state_name(info.state));
		if (!c || !(c->service = enf_strdup(s->name)))
			goto oom;
	} else if (s->state == ENF_SVC_STOPPED && info.state != ENF_SVC_STOPPED) {
		change *c = plan_add(plan, CH_SVC_STOP, "stop %s (%s)", s->name,
				     enf_svc_state_name(info.state));
		if (!c || !(c->service = enf_strdup(s->name)))
			goto oom;
	}
	enf_service_info_clear(&info);
	return 0;
oom:
	enf_service_info_clear(&info);
	return enf_error_oom();
}
