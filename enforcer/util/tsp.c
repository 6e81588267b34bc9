/* RFC 3161 time-stamp tokens on CMS signatures (tsp.h). */
#include "tsp.h"

#include "cms_rules.h"
#include "enforcer/errors.h"
#include "util.h"

#include <limits.h>
#include <openssl/err.h>
#include <openssl/opensslv.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <stdlib.h>
#include <string.h>

void enf_tsp_result_clear(enf_tsp_result *r)
{
	if (!r)
		return;
	free(r->tsa);
	free(r->why);
	memset(r, 0, sizeof(*r));
}

long long enf_asn1_time_unix(const ASN1_TIME *t)
{
	/* A difference from 1970 needs no timegm, which mingw lacks. */
	ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);
	int days = 0, secs = 0;
	long long out = 0;
	if (epoch && t && ASN1_TIME_diff(&days, &secs, epoch, t))
		out = (long long)days * 86400 + secs;
	ASN1_TIME_free(epoch);
	return out;
}

static CMS_SignerInfo *first_signer(CMS_ContentInfo *cms)
{
	STACK_OF(CMS_SignerInfo) *infos = CMS_get0_SignerInfos(cms);
	return sk_CMS_SignerInfo_num(infos) > 0 ? sk_CMS_SignerInfo_value(infos, 0) : NULL;
}

int enf_tsp_signed_value(unsigned char **out, size_t *len, CMS_ContentInfo *cms)
{
	CMS_SignerInfo *si = first_signer(cms);
	ASN1_OCTET_STRING *v = si ? CMS_SignerInfo_get0_signature(si) : NULL;
	if (!v || ASN1_STRING_length(v) <= 0) {
		enf_error_set(ENF_ERRCLASS_REPORT, "the signature has no signer and no value");
		return ENF_EINVALID;
	}
	size_t n = (size_t)ASN1_STRING_length(v);
	if (!(*out = malloc(n)))
		return enf_error_oom();
	memcpy(*out, ASN1_STRING_get0_data(v), n);
	*len = n;
	return 0;
}

/* The token of a TimeStampResp (granted) or a bare token; NULL with the last error set. */
static PKCS7 *parse_token(const void *data, size_t len)
{
	const unsigned char *p = data;
	PKCS7 *token = NULL;
	TS_RESP *resp = len <= LONG_MAX ? d2i_TS_RESP(NULL, &p, (long)len) : NULL;
	if (resp) {
		long status =
		    ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp)));
		/* 0 granted, 1 granted with modifications: anything else carries no token. */
		if (status != 0 && status != 1)
			enf_error_set(ENF_ERRCLASS_REPORT,
			              "the time-stamp response was not granted (status %ld): it "
			              "carries no token",
			              status);
		else if (!TS_RESP_get_token(resp) || !(token = PKCS7_dup(TS_RESP_get_token(resp))))
			enf_error_set(ENF_ERRCLASS_REPORT,
			              "the time-stamp response carries no token");
		TS_RESP_free(resp);
	} else {
		p = data;
		token = len <= LONG_MAX ? d2i_PKCS7(NULL, &p, (long)len) : NULL;
		if (!token || !PKCS7_type_is_signed(token)) {
			PKCS7_free(token);
			token = NULL;
			enf_error_set(ENF_ERRCLASS_REPORT,
			              "not an RFC 3161 time-stamp response or token (DER), as "
			              "'openssl ts -reply' writes");
		}
	}
	ERR_clear_error();
	return token;
}

/* The token kept in the first SignerInfo, or NULL. */
static PKCS7 *attached_token(CMS_ContentInfo *cms, int *present)
{
	CMS_SignerInfo *si = first_signer(cms);
	int idx = si ? CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1) : -1;
	*present = idx >= 0;
	if (idx < 0)
		return NULL;
	ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(CMS_unsigned_get_attr(si, idx), 0);
	if (!t || t->type != V_ASN1_SEQUENCE)
		return NULL;
	const unsigned char *p = t->value.sequence->data;
	PKCS7 *token = d2i_PKCS7(NULL, &p, t->value.sequence->length);
	if (token && !PKCS7_type_is_signed(token)) {
		PKCS7_free(token);
		token = NULL;
	}
	return token;
}

/*
 * The context takes what it is given and frees it: OpenSSL 3.4 renamed the
 * setters to say so (set0_*) and deprecated the old names, which Debian 12's
 * OpenSSL 3.0 alone has.
 */
#if OPENSSL_VERSION_NUMBER >= 0x30400000L
#define set0_data(ctx, bio)    TS_VERIFY_CTX_set0_data(ctx, bio)
#define set0_store(ctx, store) TS_VERIFY_CTX_set0_store(ctx, store)
#else
#define set0_data(ctx, bio)    TS_VERIFY_CTX_set_data(ctx, bio)
#define set0_store(ctx, store) TS_VERIFY_CTX_set_store(ctx, store)
#endif

/*
 * Runs OpenSSL's token checks `flags` over the signature value; 1 when
 * they pass. The context owns what it is given, so the store is shared by
 * a reference of its own.
 */
static int verify_token(PKCS7 *token, const unsigned char *value, size_t len, X509_STORE *store,
                        int flags)
{
	TS_VERIFY_CTX *ctx = TS_VERIFY_CTX_new();
	BIO *data = BIO_new_mem_buf(value, (int)len);
	int ok = 0;
	if (ctx && data) {
		TS_VERIFY_CTX_set_flags(ctx, flags);
		set0_data(ctx, data);
		data = NULL;
		if (store && X509_STORE_up_ref(store))
			set0_store(ctx, store);
		ok = TS_RESP_verify_token(ctx, token) == 1;
	}
	BIO_free(data);
	TS_VERIFY_CTX_free(ctx);
	return ok;
}

int enf_tsp_attach(unsigned char **out, size_t *out_len, const void *sig, size_t sig_len,
                   const void *token_data, size_t token_len)
{
	CMS_ContentInfo *cms = enf_cms_parse(sig, sig_len);
	PKCS7 *token = NULL;
	unsigned char *value = NULL, *tok_der = NULL;
	size_t value_len = 0;
	int rc = 0, present = 0;
	if (!cms) {
		enf_error_set(ENF_ERRCLASS_REPORT,
		              "not a CMS (PKCS #7) signature in PEM or DER form");
		rc = ENF_EINVALID;
		goto done;
	}
	if ((rc = enf_tsp_signed_value(&value, &value_len, cms)))
		goto done;
	PKCS7_free(attached_token(cms, &present));
	if (present) {
		enf_error_set(ENF_ERRCLASS_REPORT,
		              "the signature already carries a time-stamp token");
		rc = ENF_EEXISTS;
		goto done;
	}
	if (!(token = parse_token(token_data, token_len))) {
		rc = ENF_EINVALID;
		goto done;
	}
	if (!verify_token(token, value, value_len, NULL, TS_VFY_VERSION | TS_VFY_DATA)) {
		enf_error_set(ENF_ERRCLASS_REPORT,
		              "the time-stamp token does not cover this signature: it was made for "
		              "other data (make the query from the signature value that "
		              "'enforcer report timestamp --signature-value' writes)");
		rc = ENF_EINVALID;
		goto done;
	}
	int tok_len = i2d_PKCS7(token, &tok_der);
	if (tok_len <= 0 ||
	    !CMS_unsigned_add1_attr_by_NID(first_signer(cms), NID_id_smime_aa_timeStampToken,
	                                   V_ASN1_SEQUENCE, tok_der, tok_len)) {
		rc = enf_error_oom();
		goto done;
	}
	rc = enf_cms_der(out, out_len, cms);
done:
	ERR_clear_error();
	OPENSSL_free(tok_der);
	free(value);
	PKCS7_free(token);
	CMS_ContentInfo_free(cms);
	return rc;
}

/* OpenSSL's last reason, with its detail ("unable to get local issuer certificate"). */
static char *openssl_why(void)
{
	const char *data = NULL;
	int flags = 0;
	unsigned long err = ERR_peek_last_error_data(&data, &flags);
	const char *reason = err ? ERR_reason_error_string(err) : NULL;
	return enf_asprintf("%s%s%s", reason ? reason : "unknown error",
	                    data && *data && (flags & ERR_TXT_STRING) ? ": " : "",
	                    data && (flags & ERR_TXT_STRING) ? data : "");
}

int enf_tsp_check(enf_tsp_result *out, CMS_ContentInfo *cms, X509_STORE *store)
{
	memset(out, 0, sizeof(*out));
	unsigned char *value = NULL;
	size_t value_len = 0;
	PKCS7 *token = attached_token(cms, &out->present);
	TS_TST_INFO *tst = NULL;
	STACK_OF(X509) *signers = NULL;
	int rc = 0;
	if (!out->present)
		goto done;
	if (!token) {
		out->why = enf_strdup("its time-stamp token cannot be decoded");
	} else if ((rc = enf_tsp_signed_value(&value, &value_len, cms)) != 0) {
		goto done;
	} else if (value_len > INT_MAX ||
	           !verify_token(token, value, value_len, NULL, TS_VFY_VERSION | TS_VFY_DATA)) {
		out->altered = 1;
		out->why = enf_strdup("its time-stamp token covers other data than this signature");
	} else if (!verify_token(token, value, value_len, store,
	                         TS_VFY_SIGNATURE | TS_VFY_SIGNER | TS_VFY_VERSION | TS_VFY_DATA)) {
		char *why = openssl_why();
		out->why = enf_asprintf("its time-stamp token is not from a trusted time-stamping "
		                        "authority (%s)",
		                        why ? why : "?");
		free(why);
	} else if (!(tst = PKCS7_to_TS_TST_INFO(token))) {
		out->why = enf_strdup("its time-stamp token has no time-stamp information");
	} else {
		out->gen_time = enf_asn1_time_unix(TS_TST_INFO_get_time(tst));
		signers = PKCS7_get0_signers(token, NULL, 0);
		if (sk_X509_num(signers) > 0)
			out->tsa = enf_x509_subject(sk_X509_value(signers, 0));
	}
	if (out->present && !out->why && !out->tsa && !out->gen_time)
		out->why = enf_strdup("its time-stamp token cannot be read");
done:
	ERR_clear_error();
	sk_X509_free(signers);
	TS_TST_INFO_free(tst);
	PKCS7_free(token);
	free(value);
	return rc;
}
