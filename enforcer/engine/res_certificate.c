/* Planning a certificate resource: one certificate present in, or absent from, one store. */
#include "engine_int.h"

#include "enforcer/errors.h"
#include "enforcer/source.h"
#include "util/util.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#define CERT_FILE_MAX (1024 * 1024)

int policy_cert_der(engine *e, const char *file, unsigned char **der, size_t *len)
{
	char *data = NULL;
	size_t n = 0;
	int rc;
	/* Issue 6: through the policy's source, so a policy from a commit uses the commit's file. */
	if (e->source) {
		rc = enf_source_read(&data, &n, e->source, file, CERT_FILE_MAX);
	} else {
		char *path = e->policy_dir ? enf_asprintf("%s/%s", e->policy_dir, file) : enf_strdup(file);
		rc = path ? enf_read_file(&data, &n, path, CERT_FILE_MAX) : enf_error_oom();
		free(path);
	}
	if (rc)
		return rc;
	X509 *x = NULL;
	BIO *bio = BIO_new_mem_buf(data, (int)n);
	if (bio)
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!x) {
		const unsigned char *p = (const unsigned char *)data;
		x = d2i_X509(NULL, &p, (long)n);
	}
	free(data);
	if (!x) {
		enf_error_set(ENF_ERRCLASS_CERT, "'%s' is not a certificate in PEM or DER form", file);
		return ENF_EINVALID;
	}
	unsigned char *out = NULL;
	int outlen = i2d_X509(x, &out);
	X509_free(x);
	if (outlen <= 0)
		return enf_error_oom();
	/* OpenSSL's buffer is freed with OPENSSL_free: hand back our own. */
	*der = malloc((size_t)outlen);
	if (!*der) {
		OPENSSL_free(out);
		return enf_error_oom();
	}
	memcpy(*der, out, (size_t)outlen);
	OPENSSL_free(out);
	*len = (size_t)outlen;
	return 0;
}

static json_t *cert_json(const enf_res_certificate *c, const unsigned char *thumb, int present)
{
	char *hex = enf_hex(thumb, 20, 1);
	json_t *o = json_pack("{s:s, s:s, s:b}", "store", enf_store_name(c->store), "thumbprint",
			      hex ? hex : "", "present", present);
	free(hex);
	return o;
}

int plan_certificate(engine *e, const enf_resource *res, res_plan *plan)
{
	const enf_res_certificate *c = &res->u.cert;
	unsigned char thumb[20];
	unsigned char *der = NULL;
	size_t der_len = 0;
	if (c->file) {
		if (policy_cert_der(e, c->file, &der, &der_len)) {
			plan_fail_last(plan, "cannot load the certificate file");
			return 0;
		}
		enf_sha1(thumb, der, der_len);
		if (c->has_thumbprint && memcmp(thumb, c->thumbprint, 20) != 0) {
			char *want = enf_hex(c->thumbprint, 20, 1), *got = enf_hex(thumb, 20, 1);
			plan_fail(plan, "'%s' has thumbprint %s, not %s as the policy says", c->file,
				  got ? got : "?", want ? want : "?");
			free(want);
			free(got);
			free(der);
			return 0;
		}
	} else {
		memcpy(thumb, c->thumbprint, 20);
	}
	enf_cert_list list = {0};
	if (engine_cert_list(e, &list, c->store)) {
		plan_fail_last(plan, "cannot read the store");
		free(der);
		return 0;
	}
	const enf_cert_entry *found = NULL;
	for (size_t i = 0; i < list.count && !found; i++)
		if (memcmp(list.items[i].thumbprint, thumb, 20) == 0)
			found = &list.items[i];
	plan->before = cert_json(c, thumb, found != NULL);
	plan->after = cert_json(c, thumb, c->ensure == ENF_ENSURE_PRESENT);
	char *hex = enf_hex(thumb, 20, 1);
	change *ch = NULL;
	int rc = 0;
	if (c->ensure == ENF_ENSURE_PRESENT && !found) {
		if (!der) {
			plan_fail(plan, "certificate %s is not in %s, and the policy gives no file to add it from",
				  hex ? hex : "?", enf_store_name(c->store));
		} else if ((ch = plan_add(plan, CH_CERT_ADD, "add %s (%s) to %s", c->file,
					  hex ? hex : "?", enf_store_name(c->store)))) {
			ch->der = der;
			ch->der_len = der_len;
			der = NULL;
		} else {
			rc = enf_error_oom();
		}
	} else if (c->ensure == ENF_ENSURE_ABSENT && found) {
		/* The removed certificate's DER goes into the journal, for rollback. */
		if ((ch = plan_add(plan, CH_CERT_REMOVE, "remove %s from %s", hex ? hex : "?",
				   enf_store_name(c->store))) &&
		    (ch->der = malloc(found->der_len))) {
			memcpy(ch->der, found->der, found->der_len);
			ch->der_len = found->der_len;
		} else {
			rc = enf_error_oom();
		}
	}
	if (ch) {
		ch->store = c->store;
		memcpy(ch->thumbprint, thumb, 20);
	}
	if (rc == 0 && !plan->failed && c->ensure == ENF_ENSURE_PRESENT)
		rc = plan_cert_checks(e, res, thumb, found, plan);
	free(hex);
	free(der);
	enf_cert_list_clear(&list);
	return rc;
}
