/*
 * The service resource type, engine side: planning log-on account, stored
 * password, start mode and state, and the service-config, service-start and
 * service-stop changes.
 */
#include "engine_int.h"

#include "enforcer/errors.h"
#include "util/json_util.h"
#include "util/secret.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static json_t *tristate_json(enf_tristate t)
{
	return t == ENF_UNKNOWN ? json_null() : json_boolean(t == ENF_YES);
}

static json_t *info_json(const enf_service_info *info)
{
	json_t *o =
	    json_pack("{s:b, s:s, s:o, s:s, s:s}", "exists", 1, "logon", info->logon,
	              "password_stored", tristate_json(info->password_stored), "startup",
	              enf_startup_name(info->startup), "state", enf_svc_state_name(info->state));
	/* The account of the running process; null when stopped or unknown (service_logon.c). */
	if (o)
		json_object_set_new(o, "running_as",
		                    info->running_as ? json_string(info->running_as) : json_null());
	return o;
}

/* The state apply would leave: the actual one with the policy's settings over it. */
static json_t *desired_json(engine *e, const enf_service_info *info, const enf_res_service *s)
{
	json_t *o = info_json(info);
	if (!o)
		return NULL;
	if (s->logon) {
		json_object_set_new(o, "logon", json_string(s->logon));
		/* A managed or virtual account is given no password: what is stored stays. */
		enf_password_given given = enf_password_for(e, s->logon, s);
		if (given != ENF_PASSWORD_GIVEN_NULL)
			json_object_set_new(o, "password_stored",
			                    json_boolean(given == ENF_PASSWORD_GIVEN_SECRET));
	}
	if (s->startup != ENF_STARTUP_UNSET)
		json_object_set_new(o, "startup", json_string(enf_startup_name(s->startup)));
	if (s->state != ENF_SVC_UNSET)
		json_object_set_new(o, "state", json_string(enf_svc_state_name(s->state)));
	/* Running afterwards, it runs as the policy's account (it is restarted if need be). */
	int runs = s->state == ENF_SVC_RUNNING ||
	           (s->state == ENF_SVC_UNSET &&
	            (info->state == ENF_SVC_RUNNING || info->state == ENF_SVC_START_PENDING));
	if (s->logon)
		json_object_set_new(o, "running_as", runs ? json_string(s->logon) : json_null());
	return o;
}

static const char *password_words(engine *e, const enf_res_service *s)
{
	if (enf_password_for(e, s->logon, s) == ENF_PASSWORD_GIVEN_NULL)
		return ", no password (Windows manages it)";
	switch (s->password) {
	case ENF_PASSWORD_ENV:
		return ", set its password from the environment";
	case ENF_PASSWORD_FILE:
		return ", set its password from a file";
	case ENF_PASSWORD_DPAPI:
		return ", set its password from a DPAPI file";
	default:
		return ", clear password";
	}
}

/*
 * Whether a password is stored, as read, or, when it cannot be read (only
 * SYSTEM may read the LSA secret that holds it), as this run gave it.
 */
static enf_tristate password_known(engine *e, const enf_service_info *info, const char *name)
{
	if (info->password_stored != ENF_UNKNOWN)
		return info->password_stored;
	const char *given = json_string_value(json_object_get(e->passwords_given, name));
	if (!given)
		return ENF_UNKNOWN;
	return strcmp(given, "secret") == 0 ? ENF_YES : ENF_NO;
}

static int plan_service(engine *e, const enf_resource *res, res_plan *plan)
{
	const enf_res_service *s = &res->u.svc;
	enf_service_info info = {0};
	int rc = e->p->svc_get(&info, e->self, s->name);
	if (rc) {
		plan->before = json_pack("{s:b}", "exists", 0);
		enf_plan_fail_last(plan, rc == ENF_ENOTFOUND ? "the service is missing"
		                                             : "cannot read the service");
		return 0;
	}
	plan->before = info_json(&info);
	plan->after = desired_json(e, &info, s);
	int same = 1;
	if (s->logon && enf_accounts_compare(&same, e, info.logon, s->logon)) {
		/* Neither "same" nor "different" is known: say why, change nothing. */
		enf_plan_fail_last(plan, "cannot tell whether the log-on account is the policy's");
		enf_service_info_clear(&info);
		return 0;
	}
	int logon_differs = !same;
	/* Assigning an account grants it "Log on as a service" first, as services.msc does. */
	if (logon_differs && enf_plan_logon_right(e, s->logon, plan))
		goto oom;
	if (plan->failed) {
		enf_service_info_clear(&info);
		return 0;
	}
	/*
	 * Only a built-in account's stored password is compared: it must be
	 * empty (the seed's fault). A managed or virtual account is given none,
	 * and a user account's cannot be compared with its secret.
	 */
	int builtin = s->logon && enf_password_for(e, s->logon, s) == ENF_PASSWORD_GIVEN_EMPTY;
	enf_tristate stored = password_known(e, &info, s->name);
	int clear_password = builtin && !logon_differs && stored == ENF_YES;
	int unknown_password = builtin && !logon_differs && stored == ENF_UNKNOWN;
	int startup_differs = s->startup != ENF_STARTUP_UNSET && s->startup != info.startup;
	if (logon_differs || clear_password || startup_differs) {
		enf_buf b = ENF_BUF_INIT;
		if (logon_differs) {
			/* Names that could pass for each other are told apart by their SIDs. */
			int sids =
			    enf_account_confusable(info.logon) || enf_account_confusable(s->logon);
			char *from = enf_account_shown(e, info.logon, NULL, sids);
			char *to = enf_account_shown(e, s->logon, NULL, sids);
			if (!from || !to)
				b.failed = 1;
			else
				enf_buf_printf(&b, "change %s log-on %s -> %s%s", s->name, from, to,
				               password_words(e, s));
			free(from);
			free(to);
		} else if (clear_password)
			enf_buf_printf(&b, "clear the password stored for %s (log-on %s)", s->name,
			               info.logon);
		if (startup_differs)
			enf_buf_printf(&b, "%sset %s start mode %s -> %s", b.len ? ", " : "",
			               s->name, enf_startup_name(info.startup),
			               enf_startup_name(s->startup));
		char *text = enf_buf_detach(&b);
		change *c = text ? enf_plan_add(plan, &enf_change_svc_config, "%s", text) : NULL;
		free(text);
		if (!c || !(c->service = enf_strdup(s->name)))
			goto oom;
		if (logon_differs || clear_password) {
			/* Re-applying the account with the password fields cleared is the fix the
			 * seed found. */
			if (!(c->new_logon = enf_strdup(s->logon)) ||
			    !(c->old_logon = enf_strdup(info.logon)))
				goto oom;
			c->set_password = 1;
		}
		c->old_startup = info.startup;
		c->new_startup = startup_differs ? s->startup : ENF_STARTUP_UNSET;
	}
	int running = info.state == ENF_SVC_RUNNING || info.state == ENF_SVC_START_PENDING;
	if (s->state == ENF_SVC_RUNNING && !running) {
		change *c = enf_plan_add(plan, &enf_change_svc_start, "start %s (%s)", s->name,
		                         enf_svc_state_name(info.state));
		if (!c || !(c->service = enf_strdup(s->name)))
			goto oom;
	} else if (s->state == ENF_SVC_STOPPED && info.state != ENF_SVC_STOPPED) {
		change *c = enf_plan_add(plan, &enf_change_svc_stop, "stop %s (%s)", s->name,
		                         enf_svc_state_name(info.state));
		if (!c || !(c->service = enf_strdup(s->name)))
			goto oom;
	} else if (running && s->logon &&
	           enf_plan_logon_restart(e, s, &info, logon_differs, plan)) {
		goto oom; /* a log-on change takes effect at start: service_logon.c */
	}
	/* A start still pending is not running yet: wait for it, unless a restart does. */
	if (s->state == ENF_SVC_RUNNING && info.state == ENF_SVC_START_PENDING &&
	    (!plan->count || plan->changes[plan->count - 1].ops != &enf_change_svc_restart)) {
		change *c =
		    enf_plan_add(plan, &enf_change_svc_start, "start %s (start-pending)", s->name);
		if (!c || !(c->service = enf_strdup(s->name)))
			goto oom;
	}
	/*
	 * Never compliant by guess: the resource fails, its other changes are
	 * listed and not made (docs/windows-semantics.md says why apply does not
	 * clear the password blindly).
	 */
	if (unknown_password)
		enf_plan_fail(
		    plan,
		    "the password stored for %s is unknown: run as SYSTEM to check the stored password",
		    s->name);
	enf_service_info_clear(&info);
	return 0;
oom:
	enf_service_info_clear(&info);
	return enf_error_oom();
}

static int apply_config(engine *e, const change *c, const enf_resource *res)
{
	enf_service_change sc = {NULL, NULL, c->new_startup};
	enf_password_given given = ENF_PASSWORD_GIVEN_NULL;
	char *secret = NULL;
	int rc = 0;
	if (c->new_logon) {
		sc.logon = c->new_logon;
		/* NULL for managed and virtual accounts, "" for built-in ones, else the secret. */
		if (c->set_password)
			given = enf_password_for(e, c->new_logon, res ? &res->u.svc : NULL);
		if (given == ENF_PASSWORD_GIVEN_SECRET && (rc = enf_secret_read(e, res, &secret)))
			return rc;
		sc.password = given == ENF_PASSWORD_GIVEN_SECRET  ? secret
		              : given == ENF_PASSWORD_GIVEN_EMPTY ? ""
		                                                  : NULL;
	}
	rc = e->p->svc_configure(e->self, c->service, &sc);
	enf_secret_free(secret);
	/* What was given is what is stored now, even where it cannot be read back. */
	if (rc == 0 && given != ENF_PASSWORD_GIVEN_NULL) {
		if (!e->passwords_given && !(e->passwords_given = json_object()))
			return enf_error_oom();
		json_object_set_new(
		    e->passwords_given, c->service,
		    json_string(given == ENF_PASSWORD_GIVEN_SECRET ? "secret" : "empty"));
	}
	return rc;
}

static int apply_start(engine *e, const change *c, const enf_resource *res)
{
	return e->p->svc_start(e->self, c->service, enf_service_timeout(e, res));
}

static int apply_stop(engine *e, const change *c, const enf_resource *res)
{
	return e->p->svc_stop(e->self, c->service, enf_service_timeout(e, res));
}

static int invert_service(engine *e, const change *c, change *out)
{
	enf_service_info cur = {0};
	int rc = e->p->svc_get(&cur, e->self, c->service);
	if (rc)
		return rc;
	out->new_startup = ENF_STARTUP_UNSET;
	out->old_startup = cur.startup;
	if (enf_change_dup_str(&out->service, c->service)) {
		enf_service_info_clear(&cur);
		return ENF_ENOMEM;
	}
	if (c->ops == &enf_change_svc_start || c->ops == &enf_change_svc_stop) {
		int running = cur.state == ENF_SVC_RUNNING;
		if (c->ops == &enf_change_svc_start && running) {
			out->ops = &enf_change_svc_stop;
			out->text = enf_asprintf("stop %s (it was stopped)", c->service);
		} else if (c->ops == &enf_change_svc_stop && !running) {
			out->ops = &enf_change_svc_start;
			out->text = enf_asprintf("start %s (it was running)", c->service);
		}
		enf_service_info_clear(&cur);
		return 0;
	}
	enf_buf b = ENF_BUF_INIT;
	out->ops = &enf_change_svc_config;
	/*
	 * The account as it was written, not only the same identity: an apply
	 * that re-applied "NetworkService" as "NT AUTHORITY\NETWORK SERVICE"
	 * changed what the service stores, and a rollback puts that back.
	 */
	if (c->old_logon && !enf_strcaseeq(cur.logon, c->old_logon)) {
		out->new_logon = enf_strdup(c->old_logon);
		out->old_logon = enf_strdup(cur.logon);
		/* Passwords are never journaled: a user account's must be entered again. */
		out->set_password = enf_account_is_builtin(c->old_logon);
		enf_buf_printf(&b, "restore %s log-on %s -> %s%s", c->service, cur.logon,
		               c->old_logon, out->set_password ? "" : " (without its password)");
	}
	if (c->old_startup != ENF_STARTUP_UNSET && c->new_startup != ENF_STARTUP_UNSET &&
	    cur.startup != c->old_startup) {
		out->new_startup = c->old_startup;
		enf_buf_printf(&b, "%srestore %s start mode %s -> %s", b.len ? ", " : "",
		               c->service, enf_startup_name(cur.startup),
		               enf_startup_name(c->old_startup));
	}
	enf_service_info_clear(&cur);
	if (b.len)
		out->text = enf_buf_detach(&b);
	else
		enf_buf_clear(&b);
	return 0;
}

/* {"service", "old_logon", "new_logon", "set_password", "old_startup", "new_startup"}. */
static int encode(json_t *o, const change *c)
{
	enf_json_set_str(o, "service", c->service);
	enf_json_set_str(o, "old_logon", c->old_logon);
	enf_json_set_str(o, "new_logon", c->new_logon);
	json_object_set_new(o, "set_password", json_boolean(c->set_password));
	enf_json_set_str(o, "old_startup",
	                 c->old_startup ? enf_startup_name(c->old_startup) : NULL);
	enf_json_set_str(o, "new_startup",
	                 c->new_startup ? enf_startup_name(c->new_startup) : NULL);
	return 0;
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

static int decode(change *c, const json_t *o)
{
	if (enf_json_get_str(&c->service, o, "service") || !c->service ||
	    enf_json_get_str(&c->old_logon, o, "old_logon") ||
	    enf_json_get_str(&c->new_logon, o, "new_logon") ||
	    get_startup(&c->old_startup, o, "old_startup") ||
	    get_startup(&c->new_startup, o, "new_startup"))
		return ENF_EINVALID;
	c->set_password = json_is_true(json_object_get(o, "set_password"));
	return 0;
}

const change_ops enf_change_svc_config = {
    .op = "service-config",
    .apply = apply_config,
    .inverse = invert_service,
    .encode = encode,
    .decode = decode,
};

const change_ops enf_change_svc_start = {
    .op = "service-start",
    .apply = apply_start,
    .inverse = invert_service,
    .encode = encode,
    .decode = decode,
};

const change_ops enf_change_svc_stop = {
    .op = "service-stop",
    .apply = apply_stop,
    .inverse = invert_service,
    .encode = encode,
    .decode = decode,
};

/* A log-on change on a running service: stop and start (service_logon.c). */
const change_ops enf_change_svc_restart = {
    .op = "service-restart",
    .apply = enf_service_restart_apply,
    .inverse = enf_service_restart_inverse,
    .encode = encode,
    .decode = decode,
};

static const change_ops *const changes[] = {&enf_change_svc_config,  &enf_change_svc_start,
                                            &enf_change_svc_stop,    &enf_change_right_grant,
                                            &enf_change_svc_restart, NULL};

const engine_type enf_engine_type_service = {
    .caps = ENF_CAP_SERVICES,
    .plan = plan_service,
    .changes = changes,
};
