/* Planning a certificate resource: one certificate present in, or absent from, one store. */
#include "engine_int.h"

#include "enforcer/errors.h"
#include "enforcer/source.h"
#include "util/util.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#define CERT_FILE_MAX (1024 * 1024)

int policy_file_read(engine *e, const char *file, char **data, size_t *len)
{
	/* Issue 6: through the policy's source, so a policy from a commit uses the commit's file. */
	if (e->source)
		return enf_source_read(data, len, e->source, file, CERT_FILE_MAX);
	char *path = e->policy_dir ? enf_asprintf("%s/%s", e->policy_dir, file) : enf_strdup(file);
	int rc = path ? enf_read_file(data, len, path, CERT_FILE_MAX) : enf_error_oom();
	free(path);
	return rc;
}

int cert_file_der(const char *file, const char *data, size_t n, unsigned char **der, size_t *len)
{
	X509 *x = NULL;
	BIO *bio = BIO_new_mem_buf(data, (int)n);
	if (bio)
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!x) {
		const unsigned char *p = (const unsigned char *)data;
		x = d2i_X509(NULL, &p, (long)n);
	}
	ERR_clear_error();
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

/*
 * The length of the DER element at the start of `p` when it is what
 * d2i_X509 takes (a SEQUENCE of definite length) and fits in `n`; 0 when
 * it is anything else.
 */
static size_t der_sequence_len(const unsigned char *p, size_t n)
{
	size_t head = 2, body = 0;
	if (n < 2 || p[0] != 0x30)
		return 0;
	if (p[1] < 0x80) {
		body = p[1];
	} else {
		size_t k = p[1] & 0x7f;
		/* 0x80 is BER's indefinite length; over 4 length bytes is past any file we read. */
		if (k == 0 || k > 4 || n - 2 < k)
			return 0;
		for (size_t i = 0; i < k; i++)
			body = body << 8 | p[2 + i];
		head += k;
	}
	return body <= n - head ? head + body : 0;
}

int cert_file_sha1(unsigned char out[20], const char *data, size_t n)
{
	const unsigned char *p = (const unsigned char *)data;
	unsigned char *block = NULL;
	char *name = NULL;
	long block_len = 0;
	size_t len;
	BIO *bio = BIO_new_mem_buf(data, (int)n);
	/*
	 * The block cert_file_der parses: PEM_read_bio_X509 reads the first
	 * block this matches (CERTIFICATE or X509 CERTIFICATE), without the
	 * ASN.1 parse.
	 */
	if (bio &&
	    PEM_bytes_read_bio(&block, &block_len, &name, PEM_STRING_X509, bio, NULL, NULL) == 1) {
		p = block;
		n = (size_t)block_len;
	}
	ERR_clear_error();
	/* d2i_X509 stops after the certificate: bytes after it are no part of it. */
	len = der_sequence_len(p, n);
	if (len)
		enf_sha1(out, p, len);
	BIO_free(bio);
	OPENSSL_free(block);
	OPENSSL_free(name);
	return len ? 0 : ENF_EINVALID;
}

int policy_cert_der(engine *e, const char *file, unsigned char **der, size_t *len)
{
	char *data = NULL;
	size_t n = 0;
	int rc = policy_file_read(e, file, &data, &n);
	if (rc == 0)
		rc = cert_file_der(file, data, n, der, len);
	free(data);
	return rc;
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
