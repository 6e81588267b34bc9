/* Opening a target from a --target value. */
#include "providers.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/*
 * A provider built against another version of provider.h, or one whose
 * capability bits promise functions it lacks, would be called through
 * pointers that are not there: refuse it before opening anything.
 */
static int provider_check(const enf_provider *p)
{
	const struct {
		unsigned cap;
		int has;
	} needs[] = {
	    {ENF_CAP_CERTS, p->cert_list && p->cert_add && p->cert_remove},
	    {ENF_CAP_KEYS, p->key_acl_get && p->key_acl_grant && p->key_acl_restore},
	    {ENF_CAP_REGISTRY, p->reg_get && p->reg_set && p->reg_delete},
	    {ENF_CAP_SERVICES, p->svc_get && p->svc_configure && p->svc_start && p->svc_stop},
	    {ENF_CAP_FACTS, p->facts != NULL},
	    {ENF_CAP_RIGHTS, p->right_holders && p->right_grant && p->right_revoke && p->right_gpo},
	};
	if (p->version != ENF_PROVIDER_VERSION) {
		enf_error_set(ENF_ERRCLASS_INVALID,
		              "the %s provider has interface version %u; this enforcer needs %u",
		              p->name, p->version, ENF_PROVIDER_VERSION);
		return ENF_EINVALID;
	}
	for (size_t i = 0; i < ENF_ARRAY_SIZE(needs); i++) {
		if ((p->caps & needs[i].cap) && !needs[i].has) {
			enf_error_set(
			    ENF_ERRCLASS_INVALID,
			    "the %s provider claims capability 0x%x without its functions", p->name,
			    needs[i].cap);
			return ENF_EINVALID;
		}
	}
	return p->open && p->close ? 0 : ENF_EINVALID;
}

int enf_target_open(enf_target **out, const char *spec)
{
	const enf_provider *provider = NULL;
	const char *arg = NULL;
	if (strcmp(spec, "local") == 0) {
		provider = enf_provider_local();
		if (!provider) {
			enf_error_set(
			    ENF_ERRCLASS_INVALID,
			    "the local target is the Windows machine itself and needs the Windows build (enforcer.exe); here use --target snapshot:FILE");
			return ENF_EINVALID;
		}
	} else if (strncmp(spec, "snapshot:", 9) == 0) {
		provider = &enf_provider_snapshot;
		arg = spec + 9;
		if (!*arg) {
			enf_error_set(ENF_ERRCLASS_INVALID,
			              "--target snapshot:FILE needs a file name");
			return ENF_EINVALID;
		}
	} else {
		enf_error_set(ENF_ERRCLASS_INVALID,
		              "unknown target '%s'; use local or snapshot:FILE", spec);
		return ENF_EINVALID;
	}
	int rc = provider_check(provider);
	if (rc)
		return rc;
	enf_target *t = calloc(1, sizeof(*t));
	if (!t || !(t->spec = enf_strdup(spec))) {
		free(t);
		return enf_error_oom();
	}
	t->provider = provider;
	rc = provider->open(&t->self, arg);
	if (rc) {
		free(t->spec);
		free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void enf_target_close(enf_target *target)
{
	if (!target)
		return;
	target->provider->close(target->self);
	free(target->spec);
	free(target);
}
