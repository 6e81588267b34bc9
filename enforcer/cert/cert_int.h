/* Internal to the cert module: the certificate object and how its facts are computed. */
#ifndef ENFORCER_CERT_INT_H
#define ENFORCER_CERT_INT_H

#include "enforcer/cert.h"

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

struct enf_cert {
	/*
	 * Certificates are shared between sets (a store's list and a chain's
	 * candidates); they are never changed after parsing, so a plain count
	 * is enough for the single-threaded engine.
	 */
	int refs;
	X509 *x;
	unsigned char *der;
	size_t der_len;
	enf_cert_info info;
};

/* The OpenSSL object behind a certificate. Borrowed. */
X509 *enf_cert_x509(const enf_cert *cert);

/* Fills the name fields: subject, issuer and their display names (cert_names.c). */
int enf_cert_fill_names(enf_cert_info *info, X509 *x);

/* Fills eku, eku_any, eku_text, key_type, key_bits, key_text (cert_names.c). */
int enf_cert_fill_usage(enf_cert_info *info, X509 *x);

/* Fills the three serial forms (serial.c). */
int enf_cert_fill_serial(enf_cert_info *info, X509 *x);

/* The display name of a name: its most specific CN, else its first RDN. malloc'd. */
char *enf_cert_display_name(const X509_NAME *name);

/* True when `set` holds `x` (the same DER). */
int enf_cert_set_has_x509(const enf_cert_set *set, X509 *x);

/* True when `x` is an anchor: self-signed and in `root` (chain_reason.c). */
int enf_chain_is_anchor(X509 *x, const enf_cert_set *root);

/*
 * Why the chain OpenSSL built and refused is not trusted, naming the
 * certificate to fix (chain_reason.c). malloc'd; NULL when out of memory.
 */
char *enf_chain_reason(X509_STORE_CTX *ctx, STACK_OF(X509) * chain, const enf_cert_set *root,
                       const enf_cert_set *ca);

#endif
