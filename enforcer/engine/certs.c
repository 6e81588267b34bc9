/*
 * Certificates as the engine reads them: the stores, cached and parsed once
 * per run, and the certificate files a policy refers to, read through its
 * source.
 */
#include "engine_int.h"

#include "enforcer/cert.h"
#include "enforcer/errors.h"
#include "enforcer/source.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

#define CERT_FILE_MAX (1024 * 1024)

static int load_store(engine *e, enf_store store)
{
	if (e->cert_cached[store])
		return 0;
	int rc = e->p->cert_list(&e->cert_cache[store], e->self, store);
	if (rc == 0)
		e->cert_cached[store] = 1;
	return rc;
}

int enf_engine_cert_list(engine *e, enf_cert_list *out, enf_store store)
{
	int rc = load_store(e, store);
	if (rc)
		return rc;
	const enf_cert_list *src = &e->cert_cache[store];
	enf_cert_list copy = {0};
	copy.items = calloc(src->count ? src->count : 1, sizeof(enf_cert_entry));
	if (!copy.items)
		return enf_error_oom();
	for (size_t i = 0; i < src->count; i++) {
		copy.items[i] = src->items[i];
		copy.items[i].der = malloc(src->items[i].der_len ? src->items[i].der_len : 1);
		if (!copy.items[i].der) {
			enf_cert_list_clear(&copy);
			return enf_error_oom();
		}
		memcpy(copy.items[i].der, src->items[i].der, src->items[i].der_len);
		copy.count = i + 1;
	}
	*out = copy;
	return 0;
}

static void free_parsed(enf_cert **certs, size_t count)
{
	for (size_t i = 0; certs && i < count; i++)
		enf_cert_free(certs[i]);
	free(certs);
}

/*
 * Parsing is most of what a store costs (OpenSSL decodes every key and
 * verifies every self-signature), and every chain check looks at all of
 * Root and CA: each certificate is parsed once per cached list.
 */
int enf_engine_cert_parsed(engine *e, enf_cert *const **out, size_t *count, enf_store store)
{
	int rc = load_store(e, store);
	const enf_cert_list *src = &e->cert_cache[store];
	enf_cert **certs = NULL;
	if (rc || e->cert_parsed[store])
		goto done;
	size_t n = src->count ? src->count : 1;
	const unsigned char **der = calloc(n, sizeof(*der));
	size_t *len = calloc(n, sizeof(*len));
	if (!(certs = calloc(n, sizeof(enf_cert *))) || !der || !len) {
		free(certs);
		free(der);
		free(len);
		rc = enf_error_oom();
		goto done;
	}
	for (size_t i = 0; i < src->count; i++) {
		der[i] = src->items[i].der;
		len[i] = src->items[i].der_len;
	}
	/* One OpenSSL cannot read stays NULL: it is reported, or is no issuer. */
	rc = enf_cert_from_der_list(certs, src->count, der, len);
	free(der);
	free(len);
	if (rc) {
		free_parsed(certs, src->count);
		goto done;
	}
	e->cert_parsed[store] = certs;
done:
	if (rc == 0) {
		*out = e->cert_parsed[store];
		*count = src->count;
	}
	return rc;
}

void enf_engine_cert_cache_clear(engine *e)
{
	for (int s = 0; s < ENF_STORE__COUNT; s++) {
		free_parsed(e->cert_parsed[s], e->cert_cache[s].count);
		e->cert_parsed[s] = NULL;
		enf_cert_list_clear(&e->cert_cache[s]);
		e->cert_cached[s] = 0;
	}
}

char *enf_cert_managed_elsewhere(const char *label, enf_store store, enf_phys_store phys)
{
	const char *name = enf_store_name(store);
	switch (phys) {
	case ENF_PHYS_GROUP_POLICY:
		return enf_asprintf("%s is in %s through Group Policy: remove it from the GPO",
		                    label, name);
	case ENF_PHYS_ENTERPRISE:
		return enf_asprintf(
		    "%s is in %s through Active Directory (Enterprise): remove it from the directory, "
		    "which every machine of the forest downloads it from",
		    label, name);
	case ENF_PHYS_AUTHROOT:
		return enf_asprintf(
		    "%s is in %s through automatic root updates (AuthRoot): Windows downloads it "
		    "again when it is needed; allow it, or turn automatic root updates off",
		    label, name);
	case ENF_PHYS_SMARTCARD:
		return enf_asprintf("%s is in %s through a smart card (SmartCard): remove it from "
		                    "the card",
		                    label, name);
	default:
		return enf_asprintf("%s is in %s\\%s", label, name, enf_phys_store_name(phys));
	}
}

int enf_policy_file_read(engine *e, const char *file, char **data, size_t *len)
{
	/* Issue 6: through the policy's source, so a policy from a commit uses the commit's file.
	 */
	if (e->source)
		return enf_source_read(data, len, e->source, file, CERT_FILE_MAX);
	char *path = e->policy_dir ? enf_asprintf("%s/%s", e->policy_dir, file) : enf_strdup(file);
	int rc = path ? enf_read_file(data, len, path, CERT_FILE_MAX) : enf_error_oom();
	free(path);
	return rc;
}

int enf_policy_cert_der(engine *e, const char *file, unsigned char **der, size_t *len)
{
	char *data = NULL;
	size_t n = 0;
	int rc = enf_policy_file_read(e, file, &data, &n);
	if (rc == 0)
		rc = enf_cert_file_der(der, len, file, data, n);
	free(data);
	return rc;
}
