/* The service resource type, loader side: log-on, password source, start mode, state. */
#include "loader.h"
#include "restype.h"

#include "enforcer/errors.h"
#include "util/accounts.h"
#include "util/json_util.h"
#include "util/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const required[] = {"type", "id", "name", NULL};
static const char *const optional[] = {"logon", "password", "startup", "state", "timeout", NULL};
static const char *const states[] = {"running", "stopped", NULL};
static const char *const startup_modes[] = {"automatic", "delayed-automatic", "manual", "disabled",
                                            NULL};

/*
 * Why an account has no password a policy could give, or NULL when it has
 * one: the SCM is given "" for a built-in account and NULL for a managed or
 * virtual one (ChangeServiceConfigW's lpPassword).
 */
static const char *passwordless_kind(const char *a)
{
	switch (enf_account_classify(a)) {
	case ENF_ACCOUNT_BUILTIN:
		return "is a built-in account, which has no password";
	case ENF_ACCOUNT_MANAGED:
		return "is a managed service account: Windows manages its password, and the service is given none";
	case ENF_ACCOUNT_VIRTUAL:
		return "is a virtual account: Windows manages its password, and the service is given none";
	default:
		return NULL;
	}
}

static int load_password(loader *ld, const ynode *v, enf_res_service *s)
{
	/*
	 * What was written may be the secret itself, so no message here quotes
	 * the value, and it does not go through ld_string(), whose messages do
	 * ("123456 would be read as a number...").
	 */
	static const char usage[] =
	    "'password' must be none, env:VARNAME, file:PATH or dpapi:PATH; a password is never written in a policy";
	if (v->kind == YNODE_INVALID)
		return ENF_EINVALID;
	if (v->kind != YNODE_SCALAR || strlen(v->value) != v->len) {
		enf_ld_error(ld, v, "%s", usage);
		return ENF_EINVALID;
	}
	const char *text = v->value;
	if (strcmp(text, "none") == 0) {
		s->password = ENF_PASSWORD_NONE;
		return 0;
	}
	if (strncmp(text, "env:", 4) == 0) {
		const char *name = text + 4;
		int ok = isalpha((unsigned char)*name) || *name == '_';
		for (const char *p = name; ok && *p; p++)
			ok = isalnum((unsigned char)*p) || *p == '_';
		if (!ok) {
			enf_ld_error(
			    ld, v,
			    "'password: env:NAME' needs a variable name of letters, digits and '_', not starting with a digit");
			return ENF_EINVALID;
		}
		s->password = ENF_PASSWORD_ENV;
		s->password_ref = enf_strdup(name);
		return s->password_ref ? 0 : enf_ld_oom(ld);
	}
	if (strncmp(text, "file:", 5) == 0 && !text[5]) {
		enf_ld_error(
		    ld, v,
		    "'password: file:PATH' needs the path of the file that holds the password");
		return ENF_EINVALID;
	}
	if (strncmp(text, "file:", 5) == 0) {
		s->password = ENF_PASSWORD_FILE;
		s->password_ref = enf_strdup(text + 5);
		return s->password_ref ? 0 : enf_ld_oom(ld);
	}
	/*
	 * Accepted by every build, so that a policy repository's CI on Linux
	 * validates it; only enforcer.exe on the machine that wrote the file can
	 * decrypt it, which a run says when it needs the password.
	 */
	if (strncmp(text, "dpapi:", 6) == 0 && !text[6]) {
		enf_ld_error(
		    ld, v,
		    "'password: dpapi:PATH' needs the path of the file 'enforcer secret protect' wrote");
		return ENF_EINVALID;
	}
	if (strncmp(text, "dpapi:", 6) == 0) {
		s->password = ENF_PASSWORD_DPAPI;
		s->password_ref = enf_strdup(text + 6);
		return s->password_ref ? 0 : enf_ld_oom(ld);
	}
	enf_ld_error(ld, v, "%s", usage);
	return ENF_EINVALID;
}

/* Checks that the password setting fits the kind of account. */
static int check_logon_password(loader *ld, const ynode *logon, const ynode *password,
                                const enf_res_service *s)
{
	const char *kind = passwordless_kind(s->logon);
	int passwordless = !enf_account_takes_password(s->logon);
	if (passwordless && s->password != ENF_PASSWORD_NONE) {
		enf_ld_error(ld, password, "'%s' %s; write password: none or leave it out",
		             s->logon, kind ? kind : "has no password the enforcer could set");
		return ENF_EINVALID;
	}
	if (!passwordless && !password) {
		enf_ld_error(
		    ld, logon,
		    "'%s' is a user account: add password: env:VARNAME or password: file:PATH to say where its password comes from",
		    s->logon);
		return ENF_EINVALID;
	}
	if (!passwordless && s->password == ENF_PASSWORD_NONE) {
		enf_ld_error(
		    ld, password,
		    "'%s' is a user account: password: none would clear its password and the service could not log on; use env:VARNAME or file:PATH",
		    s->logon);
		return ENF_EINVALID;
	}
	return 0;
}

static int load_service(loader *ld, const ynode *n, enf_resource *res)
{
	enf_res_service *s = &res->u.svc;
	int rc = 0, idx;
	const ynode *v;
	if ((v = enf_ytree_get(n, "name"))) {
		if (enf_ld_nonempty_string(ld, v, "name", &s->name)) {
			rc = ENF_EINVALID;
		} else if (enf_ld_service_name(ld, v, s->name)) {
			rc = ENF_EINVALID;
		}
	}
	const ynode *logon = enf_ytree_get(n, "logon"), *password = enf_ytree_get(n, "password");
	int logon_ok = 0, password_ok = 1;
	if (logon) {
		if (enf_ld_nonempty_string(ld, logon, "logon", &s->logon)) {
			rc = ENF_EINVALID;
		} else if (enf_ld_account_problem(s->logon)) {
			enf_ld_error(ld, logon, "logon account '%s' %s", s->logon,
			             enf_ld_account_problem(s->logon));
			rc = ENF_EINVALID;
		} else {
			logon_ok = 1;
		}
	}
	if (password && load_password(ld, password, s)) {
		password_ok = 0;
		rc = ENF_EINVALID;
	}
	if (password && !logon) {
		enf_ld_error(ld, enf_ytree_key(n, "password"),
		             "'password' goes with 'logon': name the account too");
		rc = ENF_EINVALID;
	}
	/* Independent of the checks above, so that every mistake is reported at once. */
	if (logon_ok && password_ok && check_logon_password(ld, logon, password, s))
		rc = ENF_EINVALID;
	if ((v = enf_ytree_get(n, "startup"))) {
		if (enf_ld_enum(ld, v, "startup", startup_modes, &idx))
			rc = ENF_EINVALID;
		else
			s->startup = (enf_startup)(ENF_STARTUP_AUTOMATIC + idx);
	}
	if ((v = enf_ytree_get(n, "state"))) {
		if (enf_ld_enum(ld, v, "state", states, &idx))
			rc = ENF_EINVALID;
		else
			s->state = idx == 0 ? ENF_SVC_RUNNING : ENF_SVC_STOPPED;
	}
	if ((v = enf_ytree_get(n, "timeout")) && enf_ld_duration(ld, v, "timeout", &s->timeout_ms))
		rc = ENF_EINVALID;
	if (s->startup == ENF_STARTUP_DISABLED && s->state == ENF_SVC_RUNNING) {
		enf_ld_error(ld, enf_ytree_get(n, "state"),
		             "a service with startup: disabled cannot be running");
		rc = ENF_EINVALID;
	}
	return rc;
}

static void clear_service(enf_resource *res)
{
	free(res->u.svc.name);
	free(res->u.svc.logon);
	free(res->u.svc.password_ref);
}

static void service_json(json_t *o, const enf_resource *res)
{
	const enf_res_service *s = &res->u.svc;
	enf_json_set_str(o, "name", s->name);
	enf_json_set_str(o, "logon", s->logon);
	if (s->password == ENF_PASSWORD_NONE) {
		if (s->logon)
			enf_json_set_str(o, "password", "none");
	} else {
		/* The reference only: the policy never holds the secret itself. */
		char *ref = enf_asprintf("%s:%s",
		                         s->password == ENF_PASSWORD_ENV    ? "env"
		                         : s->password == ENF_PASSWORD_FILE ? "file"
		                                                            : "dpapi",
		                         s->password_ref);
		enf_json_set_str(o, "password", ref ? ref : "");
		free(ref);
	}
	if (s->startup != ENF_STARTUP_UNSET)
		enf_json_set_str(o, "startup", enf_startup_name(s->startup));
	if (s->state != ENF_SVC_UNSET)
		enf_json_set_str(o, "state", enf_svc_state_name(s->state));
	if (s->timeout_ms)
		json_object_set_new(o, "timeout", json_integer(s->timeout_ms / 1000));
}

static const enf_keydoc keydocs[] = {
    {"name", ENF_KK_STRING, "the service's short name, e.g. RTCSRV", NULL, NULL, NULL, NULL},
    {"logon", ENF_KK_STRING,
     "the account it logs on as: LocalSystem, NetworkService, LocalService (any spelling), NT SERVICE\\NAME, DOMAIN\\gmsa$, DOMAIN\\user or .\\user",
     NULL, NULL, NULL, NULL},
    {"password", ENF_KK_STRING,
     "none (built-in, managed and virtual accounts), or env:VAR, file:PATH or dpapi:PATH for a user account; never the password itself",
     NULL, NULL, NULL, NULL},
    {"startup", ENF_KK_ENUM, "the start mode", startup_modes, NULL, NULL, NULL},
    {"state", ENF_KK_ENUM, "running or stopped after the run", states, NULL, NULL, NULL},
    {"timeout", ENF_KK_DURATION,
     "the longest wait for a start or stop: seconds, or 90s, 10m, 1h (default 10m)", NULL, NULL,
     NULL, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL},
};

const enf_restype enf_restype_service = {
    .name = "service",
    .required = required,
    .optional = optional,
    .load = load_service,
    .clear = clear_service,
    .to_json = service_json,
    .keydocs = keydocs,
};
