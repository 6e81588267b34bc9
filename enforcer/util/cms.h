/*
 * x509 (CMS, PKCS #7) detached signatures, shared by the git source (commit
 * signatures) and the report signer: parsing in any of the forms tools
 * write, and checking integrity and trust separately, so that a caller can
 * say which of the two failed.
 */
#ifndef ENFORCER_CMS_H
#define ENFORCER_CMS_H

#include "enforcer/signature.h"

#include <stddef.h>

/* Trusted signers: CA or signer certificates from one PEM (or DER) file. */
typedef struct enf_trust enf_trust;

/*
 * Loads a bundle. Every certificate in it is a trust anchor, a CA's or a
 * signer's own (OpenSSL's partial-chain mode), as the bundle's owner meant.
 */
int enf_trust_load(enf_trust **out, const char *path);
const char *enf_trust_path(const enf_trust *trust);

/*
 * The extended key usages a signer must carry one of (cms_rules.h); the
 * default, until this is called, is code signing or e-mail protection.
 */
int enf_trust_set_signer_ekus(enf_trust *trust, const char *const *ekus, size_t count);

/*
 * Check the signer's chain at the time the signature was made rather than
 * now, so that a report stays verifiable after its signer's certificate
 * expires: an attached RFC 3161 token's genTime (the token must verify,
 * tsp.h), else the signingTime attribute the signer states.
 */
#define ENF_TRUST_AT_SIGNING_TIME 1u
void enf_trust_set_flags(enf_trust *trust, unsigned flags);

/* The time-stamping authorities to accept tokens from (default: the trusted signers). */
int enf_trust_set_tsa(enf_trust *trust, const enf_trust *tsa);
void enf_trust_free(enf_trust *trust);

/*
 * Checks the detached signature `sig` (PEM with any label: "SIGNED
 * MESSAGE" as smimesign and gitsign write, "CMS", "PKCS7"; or DER) over
 * exactly `data`. With `trust` NULL only integrity is checked: an intact
 * signature is then ENF_SIG_UNTRUSTED with trust_checked 0. With `trust`,
 * the signer must also chain to it and meet the signer rules (cms_rules.h):
 * otherwise ENF_SIG_UNTRUSTED with the reason. Fills *out
 * whatever the verdict and returns 0; negative only without memory.
 */
int enf_cms_verify(enf_sig_check *out, const void *sig, size_t sig_len, const void *data,
                   size_t len, const enf_trust *trust);

#endif
