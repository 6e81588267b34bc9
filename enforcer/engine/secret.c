/*
 * Service passwords: what the Service Control Manager is given with a
 * log-on account, and the secret itself, read only when a change needs it
 * (from the environment, a file, or a DPAPI file named in the policy) and
 * wiped after use. A secret never reaches a plan, a report, a journal or a
 * log: messages name where it comes from, never what it is.
 */
#include "engine_int.h"

#include "enforcer/errors.h"
#include "util/accounts.h"
#include "util/secret.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* The file a file: or dpapi: reference names: beside the policy unless absolute. */
static char *secret_path(engine *e, const char *ref)
{
	return enf_path_problem(ref) || !e->policy_dir ? enf_strdup(ref)
	                                               : enf_asprintf("%s/%s", e->policy_dir, ref);
}

/*
 * Prefixes the last error with the secret's source: "the password file for
 * ACCOUNT ('REF')" and then, after `sep`, what util/secret.c said (": 'PATH'
 * is open to others..." or " holds no password...").
 */
static int file_error(int rc, const enf_res_service *s, const char *what, const char *sep)
{
	const enf_error *err = enf_error_last();
	char *why = enf_strdup(err && err->message ? err->message : "cannot be read");
	enf_error_set(ENF_ERRCLASS_INVALID, "the %s for %s ('%s')%s%s", what, s->logon,
	              s->password_ref, sep, why ? why : "cannot be read");
	free(why);
	return rc == ENF_ENOMEM ? rc : ENF_EINVALID;
}

static int read_env(const enf_res_service *s, char **out)
{
	char *v = NULL;
	int rc = enf_secret_env(&v, s->password_ref);
	if (rc == 0 && *v) {
		*out = v;
		return 0;
	}
	enf_secret_free(v);
	if (rc == ENF_ENOMEM)
		return rc;
	enf_error_set(ENF_ERRCLASS_INVALID,
	              "the password for %s comes from the environment variable %s, which is %s",
	              s->logon, s->password_ref, rc == 0 ? "empty" : "not set");
	return ENF_EINVALID;
}

static int read_file(engine *e, const enf_res_service *s, char **out)
{
	int dpapi = s->password == ENF_PASSWORD_DPAPI;
	const char *what = dpapi ? "DPAPI password file" : "password file";
	/* Refused before the file is opened: the Linux build cannot decrypt it anyway. */
	if (dpapi && !enf_secret_dpapi_available()) {
		enf_secret_dpapi_unprotect(out, NULL, 0);
		return file_error(ENF_EUNSUPPORTED, s, what, " cannot be used: ");
	}
	char *path = secret_path(e, s->password_ref);
	unsigned char *data = NULL;
	size_t len = 0;
	if (!path)
		return enf_error_oom();
	int rc = enf_secret_file_read(&data, &len, path);
	free(path);
	if (rc)
		return file_error(rc, s, what, ": ");
	/* A DPAPI file's message says what failed; a password file's says what it holds. */
	rc = dpapi ? enf_secret_dpapi_unprotect(out, data, len) : enf_secret_decode(out, data, len);
	enf_secret_wipe(data, len);
	free(data);
	return rc ? file_error(rc, s, what, dpapi ? ": " : " ") : 0;
}

int enf_secret_read(engine *e, const enf_resource *res, char **out)
{
	const enf_res_service *s = &res->u.svc;
	switch (s->password) {
	case ENF_PASSWORD_ENV:
		return read_env(s, out);
	case ENF_PASSWORD_FILE:
	case ENF_PASSWORD_DPAPI:
		return read_file(e, s, out);
	default:
		*out = enf_strdup("");
		return *out ? 0 : enf_error_oom();
	}
}

enf_password_given enf_password_for(engine *e, const char *logon, const enf_res_service *s)
{
	/* "HOST\LocalSystem" is LocalSystem too: the one table knows it with the host's name. */
	if (enf_account_builtin_find(logon, enf_facts_get(&e->run->facts, "host.name")))
		return ENF_PASSWORD_GIVEN_EMPTY;
	switch (enf_account_classify(logon)) {
	case ENF_ACCOUNT_MANAGED:
	case ENF_ACCOUNT_VIRTUAL:
		/* ChangeServiceConfigW: "must be NULL" for managed and virtual accounts. */
		return ENF_PASSWORD_GIVEN_NULL;
	case ENF_ACCOUNT_BUILTIN:
		return ENF_PASSWORD_GIVEN_EMPTY;
	default:
		/* A user account: its secret, or (a rollback, which never has one) none. */
		return s && s->password != ENF_PASSWORD_NONE ? ENF_PASSWORD_GIVEN_SECRET
		                                             : ENF_PASSWORD_GIVEN_NULL;
	}
}
