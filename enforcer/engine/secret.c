/*
 * Service passwords: read only when a change needs them, from the
 * environment or a file named in the policy, and wiped after use. They
 * never reach a plan, a report, a journal or a log.
 */
#include "engine_int.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

void enf_secret_free(char *secret)
{
	if (!secret)
		return;
	/* A volatile pointer keeps the compiler from dropping the wipe. */
	volatile char *p = secret;
	while (*p)
		*p++ = '\0';
	free(secret);
}

int enf_secret_read(engine *e, const enf_resource *res, char **out)
{
	const enf_res_service *s = &res->u.svc;
	if (s->password == ENF_PASSWORD_NONE) {
		*out = enf_strdup("");
		return *out ? 0 : enf_error_oom();
	}
	if (s->password == ENF_PASSWORD_ENV) {
		const char *v = getenv(s->password_ref);
		if (!v || !*v) {
			enf_error_set(
			    ENF_ERRCLASS_INVALID,
			    "the password for %s comes from the environment variable %s, which is not set",
			    s->logon, s->password_ref);
			return ENF_EINVALID;
		}
		*out = enf_strdup(v);
		return *out ? 0 : enf_error_oom();
	}
	char *path = enf_path_problem(s->password_ref) || !e->policy_dir
	                 ? enf_strdup(s->password_ref)
	                 : enf_asprintf("%s/%s", e->policy_dir, s->password_ref);
	char *data = NULL;
	size_t len = 0;
	int rc = path ? enf_read_file(&data, &len, path, 4096) : enf_error_oom();
	if (rc) {
		enf_error_set(ENF_ERRCLASS_INVALID, "cannot read the password file for %s ('%s')",
		              s->logon, s->password_ref);
		free(path);
		return rc;
	}
	free(path);
	/* One line: a trailing newline from an editor is not part of the password. */
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		data[--len] = '\0';
	if (len == 0 || strlen(data) != len) {
		enf_secret_free(data);
		enf_error_set(ENF_ERRCLASS_INVALID, "the password file for %s is empty or not text",
		              s->logon);
		return ENF_EINVALID;
	}
	*out = data;
	return 0;
}
