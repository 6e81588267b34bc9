/*
 * RFC 3161 time-stamp tokens on CMS signatures. A token proves that the
 * signature existed at the token's genTime: it covers the signature value
 * of the (first) SignerInfo, the bytes of its `signature` OCTET STRING, and
 * is kept in the SignerInfo as the unsigned attribute id-aa-timeStampToken
 * (1.2.840.113549.1.9.16.2.14), as RFC 3161 appendix A and Authenticode
 * do. Being unsigned, attaching it changes neither the signed content nor
 * the signature value.
 */
#ifndef ENFORCER_TSP_H
#define ENFORCER_TSP_H

#include <openssl/cms.h>
#include <openssl/x509.h>
#include <stddef.h>

/* The CMS SignedData in PEM (any label) or DER; NULL when it is neither (cms.c). */
CMS_ContentInfo *enf_cms_parse(const void *sig, size_t len);

/* `cms` as DER in malloc'd memory (cms.c). */
int enf_cms_der(unsigned char **out, size_t *out_len, CMS_ContentInfo *cms);

/* The signature value the token must cover, as bytes (malloc'd). */
int enf_tsp_signed_value(unsigned char **out, size_t *len, CMS_ContentInfo *cms);

/*
 * Attaches `token` (a TimeStampResp as `openssl ts -reply` writes it, or
 * the bare token of `-token_out`) to the signature `sig` and returns the new
 * signature, DER. Refuses a token that does not cover the signature value,
 * a response whose status is not granted, and a signature that already
 * carries a token. The TSA's trust is checked when the report is verified.
 */
int enf_tsp_attach(unsigned char **out, size_t *out_len, const void *sig, size_t sig_len,
                   const void *token, size_t token_len);

/* What a signature's token says. */
typedef struct enf_tsp_result {
	int present;        /* the signature carries a token */
	long long gen_time; /* its genTime (Unix seconds), when verified */
	char *tsa;          /* the TSA certificate's subject, when verified */
	char *why;          /* why a present token is refused, or NULL */
	int altered;        /* refused because it covers other data */
} enf_tsp_result;

/*
 * Finds and verifies the token of the first SignerInfo: its signature, the
 * TSA's certificate (time stamping usage) chaining to `store`, and its
 * message imprint against the signature value.
 */
int enf_tsp_check(enf_tsp_result *out, CMS_ContentInfo *cms, X509_STORE *store);
void enf_tsp_result_clear(enf_tsp_result *r);

/* Seconds since 1970 of an ASN.1 time; 0 when it cannot be read. */
long long enf_asn1_time_unix(const ASN1_TIME *t);

#endif
