/* Digests, from OpenSSL. */
#include "util.h"

#include <openssl/evp.h>

void enf_sha256(unsigned char out[32], const void *data, size_t len)
{
	unsigned int n = 32;
	EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}
