/*
 * Signed reports: a detached CMS (PKCS #7) signature over the exact bytes of
 * report.json, in DER, that `openssl cms -verify` and Windows accept as a
 * .p7s file.
 */
#include "enforcer/report.h"

#include "enforcer/errors.h"
#include "util/cms.h"
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

static char *subject_of(X509 *cert)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *out = NULL;
	if (bio && X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
		char *p = NULL;
		long n = BIO_get_mem_data(bio, &p);
		out = enf_strndup(p ? p : "", n > 0 ? (size_t)n : 0);
	}
	BIO_free(bio);
	return out;
}

int enf_report_signer_load(enf_report_signer **out, const char *key_path, const char *cert_path)
{
	enf_report_signer *s = calloc(1, sizeof(*s));
	if (!s)
		return enf_error_oom();
	int rc = load_key(&s->key, key_path);
	if (rc == 0)
		rc = load_certs(s, cert_path);
	if (rc == 0 && X509_check_private_key(s->cert, s->key) != 1) {
		enf_error_set(ENF_ERRCLASS_REPORT,
		              "the signing key '%s' does not belong to the certificate '%s'",
		              key_path, cert_path);
		rc = ENF_EINVALID;
	}
	if (rc == 0 && !(s->subject = subject_of(s->cert)))
		rc = enf_error_oom();
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
	unsigned char *der = NULL;
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
	int n = i2d_CMS_ContentInfo(cms, &der);
	if (n <= 0 || !(*out = malloc((size_t)n))) {
		rc = enf_error_oom();
		goto done;
	}
	memcpy(*out, der, (size_t)n);
	*out_len = (size_t)n;
done:
	ERR_clear_error();
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	return rc;
}

int enf_report_verify(enf_sig_check *out, const char *report_path, const char *sig_path,
                      const char *trusted_signers)
{
	char *report = NULL, *sig = NULL;
	size_t report_len = 0, sig_len = 0;
	enf_trust *trust = NULL;
	int rc = enf_read_file(&report, &report_len, report_path, REPORT_MAX);
	if (rc == 0)
		rc = enf_read_file(&sig, &sig_len, sig_path, KEY_FILE_MAX);
	if (rc == 0 && trusted_signers)
		rc = enf_trust_load(&trust, trusted_signers);
	if (rc == 0)
		rc = enf_cms_verify(out, sig, sig_len, report, report_len, trust);
	enf_trust_free(trust);
	free(report);
	free(sig);
	return rc;
}
