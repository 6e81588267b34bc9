/* Signed reports at chosen times and RFC 3161 tokens for the tests (signers.h). */
#include "signers.h"
#include "gitrepo.h"
#include "helpers.h"
#include "pki.h"

#include "util/util.h"

#include <criterion/criterion.h>
#include <openssl/cms.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char sg_report_json[] =
    "{\n  \"schema\": \"enforcer-report/1\",\n"
    "  \"run\": {\"id\": \"20240601T000000Z-0a1b2c\", \"mode\": \"apply\", \"host\": \"EDGE01\", "
    "\"started\": \"2024-06-01T00:00:00.000Z\"},\n"
    "  \"policy\": {\"name\": \"lync-edge\", \"source\": {\"commit\": "
    "\"3f2a9c1b7d4e5f60718293a4b5c6d7e8f9012345\"}}\n}\n";

static char *path_of(const char *dir, const char *name, const char *ext)
{
	char *p = enf_asprintf("%s/%s%s", dir, name, ext);
	cr_assert(p);
	return p;
}

static X509 *read_cert(const char *dir, const char *name)
{
	char *p = path_of(dir, name, ".pem");
	FILE *f = fopen(p, "r");
	cr_assert(f, "cannot open %s", p);
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	cr_assert(x, "no certificate in %s", p);
	free(p);
	return x;
}

static EVP_PKEY *read_key(const char *dir, const char *name)
{
	char *p = path_of(dir, name, ".key");
	FILE *f = fopen(p, "r");
	cr_assert(f, "cannot open %s", p);
	EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	cr_assert(k, "no key in %s", p);
	free(p);
	return k;
}

static void write_der(const char *path, const unsigned char *der, int len)
{
	cr_assert(len > 0);
	cr_assert_eq(enf_write_file_atomic(path, der, (size_t)len), 0, "cannot write %s", path);
}

void sg_sign_at(const char *dir, const char *report, const char *signer, time_t at)
{
	X509 *cert = read_cert(dir, signer);
	EVP_PKEY *key = read_key(dir, signer);
	char *in_path = path_of(dir, report, ""), *out_path = path_of(dir, report, ".p7s");
	size_t len = 0;
	char *data = th_read(in_path, &len);
	BIO *in = BIO_new_mem_buf(data, (int)len);
	/* Partial: the signing time goes in before the signature is made. */
	unsigned flags = CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP | CMS_PARTIAL;
	CMS_ContentInfo *cms = CMS_sign(cert, key, NULL, NULL, flags);
	cr_assert(in && cms);
	if (at) {
		CMS_SignerInfo *si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
		ASN1_TIME *t = ASN1_TIME_set(NULL, at);
		cr_assert(t && CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime,
		                                           ASN1_STRING_type(t), t, -1) == 1);
		ASN1_TIME_free(t);
	}
	cr_assert(CMS_final(cms, in, NULL, flags) == 1);
	unsigned char *der = NULL;
	int n = i2d_CMS_ContentInfo(cms, &der);
	write_der(out_path, der, n);
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	free(data);
	free(in_path);
	free(out_path);
	EVP_PKEY_free(key);
	X509_free(cert);
}

void sg_issue(const char *dir, const char *name, const char *cn, const char *issuer,
              time_t not_before, time_t not_after)
{
	pki_cert ca = {0};
	if (issuer) {
		ca.x = read_cert(dir, issuer);
		ca.key = read_key(dir, issuer);
	}
	pki_opts o = {.cn = cn, .not_before = not_before, .not_after = not_after};
	if (issuer) {
		o.key_usage = "critical,digitalSignature";
		o.eku = "codeSigning";
	} else {
		o.ca = 1;
		o.path_len = -1;
	}
	pki_cert *c = pki_issue(&o, NULL, issuer ? &ca : NULL);
	char *file = enf_asprintf("%s.pem", name);
	free(pki_write_pem(dir, file, &c, 1));
	free(file);
	char *key_path = path_of(dir, name, ".key");
	FILE *f = fopen(key_path, "w");
	cr_assert(f && PEM_write_PrivateKey(f, c->key, NULL, NULL, 0, NULL, NULL) == 1);
	fclose(f);
	free(key_path);
	pki_free(c);
	X509_free(ca.x);
	EVP_PKEY_free(ca.key);
}

void sg_timestamp(const char *dir, const char *tsa, const char *data, const char *out)
{
	char *conf = enf_asprintf("[ tsa ]\n"
	                          "default_tsa = tsa_config\n"
	                          "[ tsa_config ]\n"
	                          "serial = %s/%s.serial\n"
	                          "crypto_device = builtin\n"
	                          "signer_cert = %s/%s.pem\n"
	                          "signer_key = %s/%s.key\n"
	                          "signer_digest = sha256\n"
	                          "default_policy = 1.3.6.1.4.1.311.99.2\n"
	                          "digests = sha256, sha384, sha512\n"
	                          "accuracy = secs:1\n"
	                          "ordering = yes\n"
	                          "tsa_name = yes\n"
	                          "ess_cert_id_chain = no\n"
	                          "ess_cert_id_alg = sha256\n",
	                          dir, tsa, dir, tsa, dir, tsa);
	char *conf_name = enf_asprintf("%s.cnf", tsa), *serial = enf_asprintf("%s.serial", tsa);
	free(th_write(dir, conf_name, conf));
	free(th_write(dir, serial, "01\n"));
	int rc = gr_sh_status(dir,
	                      "openssl ts -query -data '%s' -sha256 -cert -out req.tsq && "
	                      "openssl ts -reply -config '%s' -queryfile req.tsq -out '%s' && "
	                      "rm req.tsq",
	                      data, conf_name, out);
	cr_assert_eq(rc, 0, "openssl ts failed for %s over %s", tsa, data);
	free(conf);
	free(conf_name);
	free(serial);
}

static TS_RESP *read_resp(const char *dir, const char *token)
{
	char *p = path_of(dir, token, "");
	size_t len = 0;
	char *data = th_read(p, &len);
	const unsigned char *q = (const unsigned char *)data;
	TS_RESP *resp = d2i_TS_RESP(NULL, &q, (long)len);
	cr_assert(resp, "%s is not a time-stamp response", p);
	free(data);
	free(p);
	return resp;
}

char *sg_gen_time(const char *dir, const char *token)
{
	TS_RESP *resp = read_resp(dir, token);
	struct tm tm;
	cr_assert(ASN1_TIME_to_tm(TS_TST_INFO_get_time(TS_RESP_get_tst_info(resp)), &tm) == 1);
	char buf[32];
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	TS_RESP_free(resp);
	return enf_strdup(buf);
}

void sg_attach_raw(const char *dir, const char *p7s, const char *token)
{
	TS_RESP *resp = read_resp(dir, token);
	char *p = path_of(dir, p7s, "");
	size_t len = 0;
	char *data = th_read(p, &len);
	const unsigned char *q = (const unsigned char *)data;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &q, (long)len);
	cr_assert(cms);
	unsigned char *tok = NULL, *der = NULL;
	int tok_len = i2d_PKCS7(TS_RESP_get_token(resp), &tok);
	CMS_SignerInfo *si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	cr_assert(tok_len > 0 && CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken,
	                                                       V_ASN1_SEQUENCE, tok, tok_len));
	int n = i2d_CMS_ContentInfo(cms, &der);
	write_der(p, der, n);
	OPENSSL_free(tok);
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	TS_RESP_free(resp);
	free(data);
	free(p);
}
