/* Digests and base64, from OpenSSL. */
#include "util.h"

#include "enforcer/common.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

void enf_sha256(unsigned char out[32], const void *data, size_t len)
{
	unsigned int n = 32;
	EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}

void enf_sha1(unsigned char out[20], const void *data, size_t len)
{
	unsigned int n = 20;
	EVP_Digest(data, len, out, &n, EVP_sha1(), NULL);
}

char *enf_base64_encode(const unsigned char *data, size_t len)
{
	if (len > (size_t)INT32_MAX / 2)
		return NULL;
	char *out = malloc(4 * ((len + 2) / 3) + 1);
	if (!out)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

int enf_base64_decode(unsigned char **out, size_t *out_len, const char *text)
{
	size_t n = strlen(text);
	if (n % 4 != 0 || n > (size_t)INT32_MAX / 2)
		return ENF_EINVALID;
	unsigned char *buf = malloc(n / 4 * 3 + 1);
	if (!buf)
		return ENF_ENOMEM;
	int got = EVP_DecodeBlock(buf, (const unsigned char *)text, (int)n);
	if (got < 0) {
		free(buf);
		return ENF_EINVALID;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes: take them off. */
	size_t len = (size_t)got;
	if (n >= 1 && text[n - 1] == '=')
		len--;
	if (n >= 2 && text[n - 2] == '=')
		len--;
	*out = buf;
	*out_len = len;
	return 0;
}
