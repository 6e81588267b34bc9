/* Checking x509 (CMS) detached signatures with OpenSSL: integrity first, then trust. */
#include "cms.h"
#include "cms_rules.h"
#include "tsp.h"

#include "enforcer/errors.h"
#include "util.h"

#include <limits.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <stdlib.h>
#include <string.h>

#define TRUST_FILE_MAX (16 * 1024 * 1024)

struct enf_trust {
	char *path;
	X509_STORE *store;
	STACK_OF(X509) * certs; /* also offered to find a signer the signature does not carry */
	enf_signer_rules *rules;
	unsigned flags;        /* ENF_TRUST_* */
	X509_STORE *tsa_store; /* time-stamping authorities; NULL: `store` */
};

const char *enf_sig_status_name(enf_sig_status status)
{
	static const char *const names[] = {"valid", "invalid", "unsigned", "untrusted",
	                                    "unsupported"};
	return (unsigned)status < ENF_ARRAY_SIZE(names) ? names[status] : "invalid";
}

void enf_sig_check_clear(enf_sig_check *check)
{
	if (!check)
		return;
	free(check->signer);
	free(check->reason);
	free(check->tsa);
	memset(check, 0, sizeof(*check));
}

void enf_trust_free(enf_trust *trust)
{
	if (!trust)
		return;
	X509_STORE_free(trust->store);
	X509_STORE_free(trust->tsa_store);
	enf_signer_rules_free(trust->rules);
	sk_X509_pop_free(trust->certs, X509_free);
	free(trust->path);
	free(trust);
}

const char *enf_trust_path(const enf_trust *trust)
{
	return trust ? trust->path : NULL;
}

int enf_trust_load(enf_trust **out, const char *path)
{
	char *data = NULL;
	size_t len = 0;
	int rc = enf_read_file(&data, &len, path, TRUST_FILE_MAX);
	if (rc) {
		const enf_error *e = enf_error_last();
		enf_error_set(ENF_ERRCLASS_CERT, "cannot read the trusted signers: %s",
		              e ? e->message : path);
		return rc;
	}
	enf_trust *t = calloc(1, sizeof(*t));
	BIO *bio = BIO_new_mem_buf(data, (int)len);
	if (!t || !bio || !(t->path = enf_strdup(path)) || !(t->store = X509_STORE_new()) ||
	    !(t->certs = sk_X509_new_null())) {
		rc = enf_error_oom();
		goto done;
	}
	if ((rc = enf_signer_rules_new(&t->rules, NULL, 0)))
		goto done;
	X509 *x;
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (!sk_X509_push(t->certs, x)) {
			X509_free(x);
			rc = enf_error_oom();
			goto done;
		}
	}
	if (sk_X509_num(t->certs) == 0) {
		const unsigned char *p = (const unsigned char *)data;
		if ((x = d2i_X509(NULL, &p, (long)len)) != NULL && !sk_X509_push(t->certs, x))
			X509_free(x);
	}
	if (sk_X509_num(t->certs) == 0) {
		enf_error_set(ENF_ERRCLASS_CERT,
		              "'%s' holds no certificate; give the CA or signer certificates to "
		              "trust, in PEM",
		              path);
		rc = ENF_EINVALID;
		goto done;
	}
	for (int i = 0; i < sk_X509_num(t->certs); i++)
		X509_STORE_add_cert(t->store, sk_X509_value(t->certs, i));
	/* A signer's own certificate in the bundle is trusted as such, not only CAs. */
	X509_STORE_set_flags(t->store, X509_V_FLAG_PARTIAL_CHAIN);
	*out = t;
	t = NULL;
done:
	ERR_clear_error();
	BIO_free(bio);
	enf_trust_free(t);
	free(data);
	return rc;
}

int enf_trust_set_signer_ekus(enf_trust *trust, const char *const *ekus, size_t count)
{
	enf_signer_rules *rules = NULL;
	int rc = enf_signer_rules_new(&rules, ekus, count);
	if (rc == 0) {
		enf_signer_rules_free(trust->rules);
		trust->rules = rules;
	}
	return rc;
}

void enf_trust_set_flags(enf_trust *trust, unsigned flags)
{
	trust->flags = flags;
}

int enf_trust_set_tsa(enf_trust *trust, const enf_trust *tsa)
{
	if (!X509_STORE_up_ref(tsa->store))
		return enf_error_oom();
	X509_STORE_free(trust->tsa_store);
	trust->tsa_store = tsa->store;
	return 0;
}

int enf_cms_der(unsigned char **out, size_t *out_len, CMS_ContentInfo *cms)
{
	unsigned char *der = NULL;
	int n = i2d_CMS_ContentInfo(cms, &der);
	int rc = 0;
	if (n <= 0 || !(*out = malloc((size_t)n))) {
		rc = enf_error_oom();
	} else {
		memcpy(*out, der, (size_t)n);
		*out_len = (size_t)n;
	}
	ERR_clear_error();
	OPENSSL_free(der);
	return rc;
}

CMS_ContentInfo *enf_cms_parse(const void *sig, size_t len)
{
	const char *s = sig;
	size_t skip = 0;
	while (skip < len &&
	       (s[skip] == ' ' || s[skip] == '\t' || s[skip] == '\r' || s[skip] == '\n'))
		skip++;
	CMS_ContentInfo *cms = NULL;
	if (len - skip >= 10 && memcmp(s + skip, "-----BEGIN", 10) == 0) {
		BIO *bio = BIO_new_mem_buf(s + skip, (int)(len - skip));
		char *name = NULL, *header = NULL;
		unsigned char *der = NULL;
		long der_len = 0;
		if (bio && PEM_read_bio(bio, &name, &header, &der, &der_len)) {
			const unsigned char *p = der;
			cms = d2i_CMS_ContentInfo(NULL, &p, der_len);
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(der);
		BIO_free(bio);
	} else {
		const unsigned char *p = sig;
		cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	}
	if (cms && OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		CMS_ContentInfo_free(cms);
		cms = NULL;
	}
	return cms;
}

/* Why CMS_verify failed, in words for the people who read reports. */
static char *integrity_reason(unsigned long err)
{
	switch (ERR_GET_LIB(err) == ERR_LIB_CMS ? ERR_GET_REASON(err) : 0) {
	case CMS_R_CONTENT_VERIFY_ERROR:
	case CMS_R_VERIFICATION_FAILURE:
		return enf_strdup("the signed content does not match the signature: it was altered "
		                  "after signing");
	case CMS_R_SIGNER_CERTIFICATE_NOT_FOUND:
		return enf_strdup("the signature does not carry the signer's certificate, and no "
		                  "trusted signer matches it");
	case CMS_R_NO_CONTENT:
	case CMS_R_CONTENT_NOT_FOUND:
		return enf_strdup("the signature has no signed content");
	default: {
		const char *why = ERR_reason_error_string(err);
		return enf_asprintf("the signature does not verify (%s)",
		                    why ? why : "unknown error");
	}
	}
}

/* The signing time the first signer states (signingTime attribute); 0 when none. */
static long long signing_time(CMS_ContentInfo *cms)
{
	STACK_OF(CMS_SignerInfo) *infos = CMS_get0_SignerInfos(cms);
	CMS_SignerInfo *si =
	    sk_CMS_SignerInfo_num(infos) > 0 ? sk_CMS_SignerInfo_value(infos, 0) : NULL;
	int idx = si ? CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1) : -1;
	ASN1_TYPE *t = idx >= 0 ? X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, idx), 0) : NULL;
	/* UTCTime up to 2049, GeneralizedTime after (RFC 5652, 11.3). */
	if (!t || (t->type != V_ASN1_UTCTIME && t->type != V_ASN1_GENERALIZEDTIME))
		return 0;
	return enf_asn1_time_unix(t->value.utctime);
}

/* An error that depends on the time the chain was checked at. */
static int dated(int err)
{
	return err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID;
}

/*
 * Does every signer chain to a trusted signer (at `at`, Unix seconds, or
 * now when 0), and may it sign? NULL when so; else why not.
 */
static char *trust_problem(CMS_ContentInfo *cms, STACK_OF(X509) * signers, const enf_trust *trust,
                           long long at, enf_sig_time source)
{
	STACK_OF(X509) *carried = CMS_get1_certs(cms);
	char *why = NULL;
	for (int i = 0; i < sk_X509_num(signers) && !why; i++) {
		X509 *signer = sk_X509_value(signers, i);
		X509_STORE_CTX *ctx = X509_STORE_CTX_new();
		if (!ctx || !X509_STORE_CTX_init(ctx, trust->store, signer, carried)) {
			why = enf_strdup("out of memory while checking the signer");
			X509_STORE_CTX_free(ctx);
			break;
		}
		if (at)
			X509_STORE_CTX_set_time(ctx, 0, (time_t)at);
		if (X509_verify_cert(ctx) <= 0) {
			int err = X509_STORE_CTX_get_error(ctx);
			why = enf_asprintf("the signer's certificate does not chain to a trusted "
			                   "signer in '%s' (%s%s)",
			                   trust->path, X509_verify_cert_error_string(err),
			                   !dated(err) ? ""
			                   : source == ENF_SIG_TIME_TIMESTAMP
			                       ? " at the time-stamp's time"
			                   : source == ENF_SIG_TIME_SIGNED ? " at the signing time"
			                                                   : "");
		} else if (enf_signer_rules_check(trust->rules, signer)) {
			const enf_error *e = enf_error_last();
			why = enf_strdup(e ? e->message : "the signer is not allowed to sign");
		}
		X509_STORE_CTX_free(ctx);
	}
	sk_X509_pop_free(carried, X509_free);
	return why;
}

/*
 * For reports (ENF_TRUST_AT_SIGNING_TIME): the time to check the chain at,
 * from a time-stamp token when one is attached (it must then verify), else
 * from the signingTime attribute. 0: now.
 */
static long long check_time(enf_sig_check *out, CMS_ContentInfo *cms, const enf_trust *trust)
{
	if (!(trust->flags & ENF_TRUST_AT_SIGNING_TIME))
		return 0;
	enf_tsp_result ts;
	long long at = 0;
	if (enf_tsp_check(&ts, cms, trust->tsa_store ? trust->tsa_store : trust->store)) {
		out->reason = enf_strdup("cannot read the signature's time-stamp token");
	} else if (ts.why) {
		/* A token over other data was attached to this signature by someone. */
		out->status = ts.altered ? ENF_SIG_INVALID : ENF_SIG_UNTRUSTED;
		out->reason = ts.why;
		ts.why = NULL;
	} else if (ts.present) {
		at = ts.gen_time;
		out->time_source = ENF_SIG_TIME_TIMESTAMP;
		out->tsa = ts.tsa;
		ts.tsa = NULL;
	} else if (out->signed_at) {
		at = out->signed_at;
		out->time_source = ENF_SIG_TIME_SIGNED;
	}
	enf_tsp_result_clear(&ts);
	return at;
}

int enf_cms_verify(enf_sig_check *out, const void *sig, size_t sig_len, const void *data,
                   size_t len, const enf_trust *trust)
{
	memset(out, 0, sizeof(*out));
	out->status = ENF_SIG_INVALID;
	if (sig_len > INT_MAX || len > INT_MAX) {
		out->reason = enf_strdup("the signature or the content is too large to check");
		return out->reason ? 0 : enf_error_oom();
	}
	CMS_ContentInfo *cms = enf_cms_parse(sig, sig_len);
	BIO *content = NULL;
	STACK_OF(X509) *signers = NULL;
	if (!cms) {
		out->reason = enf_strdup("not a CMS (PKCS #7) signature in PEM or DER form");
		goto done;
	}
	if (!(content = BIO_new_mem_buf(data, (int)len))) {
		out->reason = enf_strdup("out of memory");
		goto done;
	}
	/* Integrity alone first: the digest and the signature against the signer's key. */
	unsigned flags = CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY;
	if (CMS_verify(cms, trust ? trust->certs : NULL, NULL, content, NULL, flags) != 1) {
		out->reason = integrity_reason(ERR_peek_last_error());
		goto done;
	}
	signers = CMS_get0_signers(cms);
	if (sk_X509_num(signers) < 1) {
		out->reason = enf_strdup("the signature names no signer");
		goto done;
	}
	X509 *first = sk_X509_value(signers, 0);
	out->signer = enf_x509_subject(first);
	out->signed_at = signing_time(cms);
	out->status = ENF_SIG_UNTRUSTED;
	if (!trust) {
		out->reason = enf_strdup(
		    "intact, but no trusted signers were given to check the signer against");
		goto done;
	}
	out->trust_checked = 1;
	long long at = check_time(out, cms, trust);
	if (!out->reason &&
	    !(out->reason = trust_problem(cms, signers, trust, at, out->time_source))) {
		out->status = ENF_SIG_VALID;
		out->checked_at = at;
		out->expired_since = at && X509_cmp_current_time(X509_get0_notAfter(first)) < 0;
	}
done:
	sk_X509_free(signers);
	ERR_clear_error();
	BIO_free(content);
	CMS_ContentInfo_free(cms);
	return 0;
}
