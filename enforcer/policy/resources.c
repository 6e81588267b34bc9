/*
 * Checks several resource types share: account names (certificate key
 * permissions, service log-ons), service names and wait ceilings (services,
 * restarts).
 */
#include "loader.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <string.h>

/* Why an account name cannot be right, or NULL. */
const char *enf_ld_account_problem(const char *a)
{
	const char *slash = strchr(a, '\\');
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		if (*p < 0x20)
			return "has a control character";
	if (slash && strchr(slash + 1, '\\'))
		return "has more than one backslash; write DOMAIN\\name or .\\name";
	if (slash && (slash == a || !slash[1]))
		return "needs text on both sides of the backslash";
	if (strlen(a) > 256)
		return "is longer than 256 characters";
	return NULL;
}

/* The Service Control Manager's rule for a service name. */
int enf_ld_service_name(loader *ld, const ynode *at, const char *name)
{
	if (strlen(name) <= 256 && !strpbrk(name, "/\\"))
		return 0;
	enf_ld_error(
	    ld, at, "service name '%s' is not valid: at most 256 characters, no '/' or '\\'", name);
	return ENF_EINVALID;
}

/* A service wait's ceiling: seconds, or a number with s, m or h (util.h). */
int enf_ld_duration(loader *ld, const ynode *v, const char *key, unsigned *out_ms)
{
	if (v->kind == YNODE_INVALID)
		return ENF_EINVALID;
	if (v->kind != YNODE_SCALAR || strlen(v->value) != v->len ||
	    enf_duration_parse(out_ms, v->value)) {
		enf_error_clear();
		enf_ld_error(
		    ld, v,
		    "'%s' must be a duration from 1 second to 24 hours: whole seconds (600) or a number with s, m or h (90s, 10m, 1h)",
		    key);
		return ENF_EINVALID;
	}
	return 0;
}
