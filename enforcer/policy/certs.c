/* Keys the certificate and trust-store resources share: store, file, thumbprint. */
#include "loader.h"

#include "util/util.h"

#include <stdlib.h>
#include <string.h>

int enf_ld_store(loader *ld, const ynode *v, enf_store *out)
{
	char *s = NULL;
	if (enf_ld_nonempty_string(ld, v, "store", &s))
		return ENF_EINVALID;
	/* The names the certificate console shows, for those who copy them from there. */
	static const struct {
		const char *shown, *store;
	} console[] = {{"Intermediate Certification Authorities", "CA"},
	               {"Intermediate", "CA"},
	               {"Trusted Root Certification Authorities", "Root"},
	               {"TrustedRoot", "Root"},
	               {"Personal", "My"},
	               {"Untrusted Certificates", "Disallowed"}};
	int rc = enf_store_parse(out, s);
	const char *hint = NULL;
	for (size_t i = 0; rc && i < ENF_ARRAY_SIZE(console); i++)
		if (enf_strcaseeq(s, console[i].shown))
			hint = console[i].store;
	if (rc)
		enf_ld_error(
		    ld, v,
		    "'store' must be one of Root, CA, My, TrustedPeople, TrustedPublisher, Disallowed; got '%s'%s%s%s",
		    s, hint ? " (that store is called '" : "", hint ? hint : "",
		    hint ? "' here)" : "");
	free(s);
	return rc ? ENF_EINVALID : 0;
}

int enf_ld_path(loader *ld, const ynode *v, const char *key, char **out)
{
	if (enf_ld_nonempty_string(ld, v, key, out))
		return ENF_EINVALID;
	const char *problem = enf_path_problem(*out);
	if (problem) {
		enf_ld_error(ld, v, "'%s': %s ('%s')", key, problem, *out);
		free(*out);
		*out = NULL;
		return ENF_EINVALID;
	}
	return 0;
}

int enf_ld_thumbprint(loader *ld, const ynode *v, unsigned char out[20])
{
	char *s = NULL;
	if (enf_ld_nonempty_string(ld, v, "thumbprint", &s))
		return ENF_EINVALID;
	int rc = enf_ld_parse_thumbprint(s, out);
	if (rc)
		enf_ld_error(
		    ld, v,
		    "'thumbprint' must be 40 hex digits (the SHA-1 thumbprint as Windows shows it); got '%s'",
		    s);
	free(s);
	return rc ? ENF_EINVALID : 0;
}
