/*
 * The certificate file a policy refers to (a certificate resource's `file`,
 * a trust-store's `allow` entry): the first CERTIFICATE block of a PEM
 * file, or a DER certificate. Everything that reads such a file goes
 * through here, so that a thumbprint found without parsing and the
 * certificate parsed are always of the same bytes.
 */
#include "cert_int.h"

#include "enforcer/cert.h"
#include "enforcer/errors.h"
#include "util/util.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

int enf_cert_file_der(unsigned char **der, size_t *len, const char *file, const char *data,
                      size_t n)
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
		enf_error_set(ENF_ERRCLASS_CERT, "'%s' is not a certificate in PEM or DER form",
		              file);
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

int enf_cert_file_sha1(unsigned char out[20], const char *data, size_t n)
{
	const unsigned char *p = (const unsigned char *)data;
	unsigned char *block = NULL;
	char *name = NULL;
	long block_len = 0;
	size_t len;
	BIO *bio = BIO_new_mem_buf(data, (int)n);
	/*
	 * The block enf_cert_file_der parses: PEM_read_bio_X509 reads the first
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
