/*
 * Signed reports: a detached CMS (PKCS #7) signature over the exact bytes of
 * report.json, in DER, that `openssl cms -verify` and Windows accept as a
 * .p7s file.
 */
#include "enforcer/report.h"

#include "enforcer/errors.h"
#include "util/cms.h"
#include "util/cms_rules.h"
#include "util/tsp.h"
#include "util/util.h"

#include <limits.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#define KEY_FILE_MAX (1024 * 1024)
#define REPORT_MAX   (256u * 1024 * 1024)

struct enf_report_signer {
	EVP_PKEY *key;
	X509 *cert;
	STACK_OF(X509) * chain; /* further certificates of the cert file, carried in signatures */
	char *subject;
};

/* Called by OpenSSL only for an encrypted key: note it, and give no passphrase. */
static int no_passphrase(char *buf, int size, int rwflag, void *asked)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	*(int *)asked = 1;
	return -1;
}

static int load_key(EVP_PKEY **out, const char *path)
{
	char *data = NULL;
	size_t len = 0;
	int rc = enf_read_file(&data, &len, path, KEY_FILE_MAX);
	if (rc)
		return rc;
	int asked = 0;
	BIO *bio = BIO_new_mem_buf(data, (int)len);
	EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, &asked) : NULL;
	BIO_free(bio);
	if (!key && !asked) {
		const unsigned char *p = (const unsigned char *)data;
		key = d2i_AutoPrivateKey(NULL, &p, (long)len);
	}
	/* Encrypted PEM says so in its text even when OpenSSL did not ask. */
	if (!key && (asked || strstr(data, "ENCRYPTED"))) {
		enf_error_set(ENF_ERRCLASS_REPORT,
		              "the signing key '%s' is protected by a passphrase; enforcer runs "
		              "unattended (a scheduled task cannot type one): keep the key without "
		              "a passphrase and protect the file with its permissions instead",
		              path);
		rc = ENF_EINVALID;
	} else if (!key) {
		enf_error_set(ENF_ERRCLASS_REPORT, "'%s' is not a private key in PEM or DER form",
		              path);
		rc = ENF_EINVALID;
	}
	ERR_clear_error();
	free(data);
	if (rc == 0)
		*out = key;
	return rc;
}

static int load_certs(enf_report_signer *s, const char *path)
{
	char *data = NULL;
	size_t len = 0;
	int rc = enf_read_file(&data, &len, path, KEY_FILE_MAX);
	if (rc)
		return rc;
	BIO *bio = BIO_new_mem_buf(data, (int)len);
	X509 *x = NULL;
	if (!bio || !(s->chain = sk_X509_new_null())) {
		rc = enf_error_oom();
		goto done;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (!s->cert)
			s->cert = x;
		else if (!sk_X509_push(s->chain, x))
			X509_free(x);
	}
	if (!s->cert) {
		const unsigned char *p = (const unsigned char *)data;
		s->cert = d2i_X509(NULL, &p, (long)len);
	}
	if (!s->cert) {
		enf_error_set(ENF_ERRCLASS_REPORT, "'%s' holds no certificate in PEM or DER form",
		              path);
		rc = ENF_EINVALID;
	}
done:
	ERR_clear_error();
	BIO_free(bio);
	free(data);
	return rc;
}

int enf_report_signer_load(enf_report_signer **out, const char *key_path, const char *cert_path)
{
	return enf_report_signer_load_ekus(out, key_path, cert_path, NULL, 0);
}

int enf_report_signer_load_ekus(enf_report_signer **out, const char *key_path,
                                const char *cert_path, const char *const *ekus, size_t count)
{
	enf_report_signer *s = calloc(1, sizeof(*s));
	enf_signer_rules *rules = NULL;
	if (!s)
		return enf_error_oom();
	int rc = enf_signer_rules_new(&rules, ekus, count);
	if (rc == 0)
		rc = load_key(&s->key, key_path);
	if (rc == 0)
		rc = load_certs(s, cert_path);
	if (rc == 0 && X509_check_private_key(s->cert, s->key) != 1) {
		enf_error_set(ENF_ERRCLASS_REPORT,
		              "the signing key '%s' does not belong to the certificate '%s'",
		              key_path, cert_path);
		rc = ENF_EINVALID;
	}
	/* Refused here, before the run: a report it signed would not verify. */
	if (rc == 0 && enf_signer_rules_check(rules, s->cert) == ENF_EINVALID) {
		const enf_error *e = enf_error_last();
		enf_error_set(ENF_ERRCLASS_REPORT, "the signing certificate '%s': %s", cert_path,
		              e ? e->message : "is not allowed to sign");
		rc = ENF_EINVALID;
	}
	if (rc == 0 && !(s->subject = enf_x509_subject(s->cert)))
		rc = enf_error_oom();
	enf_signer_rules_free(rules);
	ERR_clear_error();
	if (rc) {
		enf_report_signer_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

const char *enf_report_signer_subject(const enf_report_signer *s)
{
	return s->subject;
}

void enf_report_signer_free(enf_report_signer *s)
{
	if (!s)
		return;
	EVP_PKEY_free(s->key);
	X509_free(s->cert);
	sk_X509_pop_free(s->chain, X509_free);
	free(s->subject);
	free(s);
}

int enf_report_sign(unsigned char **out, size_t *out_len, const enf_report_signer *s,
                    const void *data, size_t len)
{
	if (len > INT_MAX) {
		enf_error_set(ENF_ERRCLASS_REPORT, "the report is too large to sign");
		return ENF_ELIMIT;
	}
	BIO *in = BIO_new_mem_buf(data, (int)len);
	CMS_ContentInfo *cms = NULL;
	int rc = 0;
	/* Binary: the bytes as they are, no S/MIME line-ending canonicalisation. */
	unsigned flags = CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP;
	if (!in || !(cms = CMS_sign(s->cert, s->key, s->chain, in, flags))) {
		const char *why = ERR_reason_error_string(ERR_peek_last_error());
		enf_error_set(ENF_ERRCLASS_REPORT, "cannot sign the report (%s)",
		              why ? why : "OpenSSL error");
		rc = ENF_ERROR;
		goto done;
	}
	rc = enf_cms_der(out, out_len, cms);
done:
	ERR_clear_error();
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	return rc;
}

int enf_report_verify_ext(enf_sig_check *out, const char *report_path, const char *sig_path,
                          const enf_report_verify_options *opts)
{
	char *report = NULL, *sig = NULL;
	size_t report_len = 0, sig_len = 0;
	enf_trust *trust = NULL, *tsa = NULL;
	int rc = enf_read_file(&report, &report_len, report_path, REPORT_MAX);
	if (rc == 0)
		rc = enf_read_file(&sig, &sig_len, sig_path, KEY_FILE_MAX);
	if (rc == 0 && opts->trusted_signers &&
	    (rc = enf_trust_load(&trust, opts->trusted_signers)) == 0) {
		/* A report is evidence for years: its signer's chain as it was when it signed. */
		enf_trust_set_flags(trust, ENF_TRUST_AT_SIGNING_TIME);
		rc = enf_trust_set_signer_ekus(trust, opts->signer_ekus, opts->signer_eku_count);
	}
	if (rc == 0 && trust && opts->tsa_certs &&
	    (rc = enf_trust_load(&tsa, opts->tsa_certs)) == 0)
		rc = enf_trust_set_tsa(trust, tsa);
	if (rc == 0)
		rc = enf_cms_verify(out, sig, sig_len, report, report_len, trust);
	enf_trust_free(tsa);
	enf_trust_free(trust);
	free(report);
	free(sig);
	return rc;
}

int enf_report_verify(enf_sig_check *out, const char *report_path, const char *sig_path,
                      const char *trusted_signers)
{
	enf_report_verify_options opts = ENF_REPORT_VERIFY_OPTIONS_INIT;
	opts.trusted_signers = trusted_signers;
	return enf_report_verify_ext(out, report_path, sig_path, &opts);
}

int enf_report_signature_value(unsigned char **out, size_t *out_len, const char *sig_path)
{
	char *sig = NULL;
	size_t len = 0;
	int rc = enf_read_file(&sig, &len, sig_path, KEY_FILE_MAX);
	CMS_ContentInfo *cms = rc == 0 ? enf_cms_parse(sig, len) : NULL;
	if (rc == 0 && !cms) {
		enf_error_set(ENF_ERRCLASS_REPORT,
		              "'%s' is not a CMS (PKCS #7) signature in PEM or DER form", sig_path);
		rc = ENF_EINVALID;
	}
	if (rc == 0)
		rc = enf_tsp_signed_value(out, out_len, cms);
	ERR_clear_error();
	CMS_ContentInfo_free(cms);
	free(sig);
	return rc;
}

int enf_report_timestamp(const char *sig_path, const char *token_path)
{
	char *sig = NULL, *token = NULL;
	size_t sig_len = 0, token_len = 0, out_len = 0;
	unsigned char *out = NULL;
	int rc = enf_read_file(&sig, &sig_len, sig_path, KEY_FILE_MAX);
	if (rc == 0)
		rc = enf_read_file(&token, &token_len, token_path, KEY_FILE_MAX);
	if (rc == 0 && (rc = enf_tsp_attach(&out, &out_len, sig, sig_len, token, token_len))) {
		const enf_error *e = enf_error_last();
		char *why = enf_strdup(e ? e->message : "cannot attach the token");
		enf_error_set(ENF_ERRCLASS_REPORT, "'%s' was not attached to '%s': %s", token_path,
		              sig_path, why ? why : "out of memory");
		free(why);
	}
	/* Atomic: the signature file is whole, with the token or without it. */
	if (rc == 0)
		rc = enf_write_file_atomic(sig_path, out, out_len);
	free(out);
	free(token);
	free(sig);
	return rc;
}
