/* Opening a target from a --target value. */
#include "providers.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

int enf_target_open(enf_target **out, const char *spec)
{
	const enf_provider *provider = NULL;
	const char *arg = NULL;
	if (strcmp(spec, "local") == 0) {
		provider = enf_provider_local();
		if (!provider) {
			enf_error_set(ENF_ERRCLASS_INVALID,
				      "the local target is the Windows machine itself and needs the Windows build (enforcer.exe); here use --target snapshot:FILE");
			return ENF_EINVALID;
		}
	} else if (strncmp(spec, "snapshot:", 9) == 0) {
		provider = &enf_provider_snapshot;
		arg = spec + 9;
		if (!*arg) {
			enf_error_set(ENF_ERRCLASS_INVALID, "--target snapshot:FILE needs a file name");
			return ENF_EINVALID;
		}
	} else {
		enf_error_set(ENF_ERRCLASS_INVALID,
			      "unknown target '%s'; use local or snapshot:FILE", spec);
		return ENF_EINVALID;
	}
	enf_target *t = calloc(1, sizeof(*t));
	if (!t || !(t->spec = enf_strdup(spec))) {
		free(t);
		return enf_error_oom();
	}
	t->provider = provider;
	int rc = provider->open(&t->self, arg);
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
