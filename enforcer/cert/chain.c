/*
 * Chain verdicts with OpenSSL's X509_verify_cert: anchors only from Root,
 * issuers from CA, no partial chains, validity checked at a given time.
 * The reason for a failure names the certificate an admin has to find, in
 * the words of the field reports ("intermediate 'X' not found in CA"); it
 * is worded in chain_reason.c.
 */
#include "cert_int.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

void enf_chain_verdict_clear(enf_chain_verdict *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->length; i++) {
		free(v->names[i]);
		free(v->thumbprints[i]);
	}
	free(v->names);
	free(v->thumbprints);
	free(v->reason);
	memset(v, 0, sizeof(*v));
}

/* What the verification callback needs to know. */
typedef struct verify_ctx {
	const enf_cert_set *root;
	int64_t at;
} verify_ctx;

/*
 * Two of OpenSSL's verdicts are not Windows' (docs/certificates.md):
 * - a certificate is valid up to and including its notAfter second (RFC
 *   5280 4.1.2.5, CertVerifyTimeValidity), where X509_cmp_time counts that
 *   second as expired;
 * - an anchor without basicConstraints may issue certificates: RFC 5280
 *   does not process the anchor's extensions, and CryptoAPI only objects to
 *   a basicConstraints extension that forbids it. OpenSSL accepts such an
 *   anchor only when it has a keyUsage or is a version 1 certificate.
 */
static int verify_cb(int ok, X509_STORE_CTX *ctx)
{
	const verify_ctx *vc = X509_STORE_CTX_get_app_data(ctx);
	X509 *x = X509_STORE_CTX_get_current_cert(ctx);
	int err = X509_STORE_CTX_get_error(ctx);
	if (ok || !vc || !x)
		return ok;
	if (err == X509_V_ERR_CERT_HAS_EXPIRED &&
	    ASN1_TIME_cmp_time_t(X509_get0_notAfter(x), (time_t)vc->at) == 0)
		ok = 1;
	else if (err == X509_V_ERR_INVALID_CA && enf_chain_is_anchor(x, vc->root) &&
	         !(X509_get_extension_flags(x) & EXFLAG_BCONS))
		ok = 1;
	if (ok)
		X509_STORE_CTX_set_error(ctx, X509_V_OK);
	return ok;
}

/* Copies the chain as built into the verdict. */
static int record_chain(enf_chain_verdict *v, STACK_OF(X509) * chain)
{
	size_t n = (size_t)sk_X509_num(chain);
	v->names = calloc(n ? n : 1, sizeof(char *));
	v->thumbprints = calloc(n ? n : 1, sizeof(char *));
	if (!v->names || !v->thumbprints)
		return enf_error_oom();
	for (size_t i = 0; i < n; i++) {
		X509 *x = sk_X509_value(chain, (int)i);
		unsigned char md[20];
		unsigned int mdlen = 20;
		v->names[i] = enf_cert_display_name(X509_get_subject_name(x));
		v->thumbprints[i] =
		    X509_digest(x, EVP_sha1(), md, &mdlen) == 1 ? enf_hex(md, 20, 1) : NULL;
		v->length = i + 1;
		if (!v->names[i] || !v->thumbprints[i])
			return enf_error_oom();
	}
	return 0;
}

/*
 * The siblings of a wrong issuer (same subject, not skipped) whose key
 * verifies the signature of `child`: offered first next time, since
 * OpenSSL takes the first candidate by name. Without it, a CA store of
 * 10 000 certificates with one subject was tried one certificate at a time,
 * each attempt over all 10 000 (16 s).
 */
static void prefer_signers(unsigned char *prefer, const enf_cert_set *ca, const unsigned char *skip,
                           X509 *wrong, X509 *child)
{
	for (size_t s = 0; s < ca->count; s++) {
		X509 *x = ca->items[s]->x;
		EVP_PKEY *key = X509_get0_pubkey(x);
		if (!skip[s] && x != wrong &&
		    X509_NAME_cmp(X509_get_subject_name(x), X509_get_subject_name(wrong)) == 0)
			prefer[s] = key && X509_verify(child, key) == 1;
	}
	ERR_clear_error();
}

/*
 * One attempt with the CA certificates not in `skip`, those in `prefer`
 * first. On a failure, *retry is the index in `ca` of a certificate of the
 * chain that has a sibling with the same subject not yet tried, or -1.
 */
static int attempt(enf_chain_verdict *v, long *retry, X509_STORE *store, const enf_cert *leaf,
                   const enf_cert_set *root, const enf_cert_set *ca, const unsigned char *skip,
                   unsigned char *prefer, int64_t at)
{
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *chain = NULL;
	int rc = untrusted && ctx ? 0 : enf_error_oom();
	*retry = -1;
	for (int pass = 1; pass >= 0; pass--)
		for (size_t i = 0; rc == 0 && ca && i < ca->count; i++)
			if (!skip[i] && prefer[i] == pass &&
			    !sk_X509_push(untrusted, ca->items[i]->x))
				rc = enf_error_oom();
	if (rc == 0 && X509_STORE_CTX_init(ctx, store, leaf->x, untrusted) != 1)
		rc = enf_error_oom();
	if (rc)
		goto done;
	X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(param, (time_t)at);
	/*
	 * No X509_V_FLAG_PARTIAL_CHAIN: an intermediate in Root is not an
	 * anchor. The anchor's own signature is checked, as "self-signed"
	 * means here.
	 */
	X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_CHECK_SS_SIGNATURE);
	verify_ctx vc = {root, at};
	X509_STORE_CTX_set_app_data(ctx, &vc);
	X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
	v->trusted = X509_verify_cert(ctx) == 1;
	chain = X509_STORE_CTX_get1_chain(ctx);
	if (!v->trusted && !(v->reason = enf_chain_reason(ctx, chain, root, ca)))
		rc = enf_error_oom();
	if (rc == 0)
		rc = record_chain(v, chain);
	/* A cross-signed intermediate: OpenSSL took the first candidate; offer the next. */
	for (int i = sk_X509_num(chain) - 1; rc == 0 && !v->trusted && i >= 1 && *retry < 0; i--) {
		X509 *x = sk_X509_value(chain, i);
		for (size_t k = 0; ca && k < ca->count && *retry < 0; k++) {
			if (skip[k] || X509_cmp(ca->items[k]->x, x) != 0)
				continue;
			for (size_t s = 0; s < ca->count; s++)
				if (s != k && !skip[s] &&
				    X509_NAME_cmp(X509_get_subject_name(ca->items[s]->x),
				                  X509_get_subject_name(x)) == 0)
					*retry = (long)k;
			if (*retry >= 0)
				prefer_signers(prefer, ca, skip, x, sk_X509_value(chain, i - 1));
		}
	}
done:
	ERR_clear_error();
	sk_X509_pop_free(chain, X509_free);
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	return rc;
}

int enf_chain_verify(enf_chain_verdict *out, const enf_cert *leaf, const enf_cert_set *root,
                     const enf_cert_set *ca, int64_t at)
{
	enf_chain_verdict first = {0}, v = {0};
	size_t nca = ca ? ca->count : 0;
	unsigned char *skip = calloc(nca ? nca : 1, 1);
	unsigned char *prefer = calloc(nca ? nca : 1, 1);
	X509_STORE *store = X509_STORE_new();
	int rc = skip && prefer && store ? 0 : enf_error_oom();
	/* A certificate twice in Root is no error: X509_STORE_add_cert's complaint is cleared. */
	for (size_t i = 0; rc == 0 && root && i < root->count; i++)
		X509_STORE_add_cert(store, root->items[i]->x);
	ERR_clear_error();
	long retry = -1;
	size_t tries = 0;
	for (; rc == 0 && tries <= nca; tries++) {
		rc = attempt(&v, &retry, store, leaf, root, ca, skip, prefer, at);
		if (rc || v.trusted || retry < 0 || tries + 1 == ENF_CHAIN_MAX_TRIES)
			break;
		skip[retry] = 1;
		/* The first verdict explains the failure best if no alternative works. */
		if (tries == 0) {
			first = v;
			memset(&v, 0, sizeof(v));
		} else {
			enf_chain_verdict_clear(&v);
		}
	}
	if (rc == 0 && !v.trusted && first.reason) {
		enf_chain_verdict_clear(&v);
		v = first;
		memset(&first, 0, sizeof(first));
	}
	/* The bound (docs/certificates.md): said, so that "not trusted" is not taken as final. */
	if (rc == 0 && !v.trusted && retry >= 0 && tries + 1 == ENF_CHAIN_MAX_TRIES) {
		char *subject = enf_cert_display_name(X509_get_subject_name(ca->items[retry]->x));
		char *reason = enf_asprintf(
		    "%s; not every way to build the chain was tried: %d chains were built, and CA "
		    "holds more certificates named '%s' (remove the ones that are not needed)",
		    v.reason ? v.reason : "the chain is not trusted", ENF_CHAIN_MAX_TRIES,
		    subject ? subject : "?");
		free(subject);
		if (!reason) {
			rc = enf_error_oom();
		} else {
			free(v.reason);
			v.reason = reason;
		}
	}
	enf_chain_verdict_clear(&first);
	X509_STORE_free(store);
	free(skip);
	free(prefer);
	if (rc) {
		enf_chain_verdict_clear(&v);
		return rc;
	}
	*out = v;
	return 0;
}
