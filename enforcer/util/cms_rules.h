/*
 * Who may sign: the rules a signer's certificate must meet, for policy
 * commits and reports alike, on top of chaining to a trusted signer. Being
 * under the company CA is not enough: a web server's TLS certificate is
 * under it too.
 *
 * The rules are strict where RFC 5280 is lenient: a certificate without a
 * key usage extension may, by RFC 5280, be used for anything, and one
 * without an extended key usage for any purpose; a signer's certificate
 * must state both.
 *   - key usage present, with digitalSignature;
 *   - not a CA (basicConstraints CA:TRUE): a CA issues signers, it does not
 *     sign policies or reports itself;
 *   - extended key usage present, with one of the allowed purposes: code
 *     signing (1.3.6.1.5.5.7.3.3) or e-mail protection (1.3.6.1.5.5.7.3.4)
 *     unless --signer-eku names others. anyExtendedKeyUsage counts only when
 *     named (2.5.29.37.0).
 */
#ifndef ENFORCER_CMS_RULES_H
#define ENFORCER_CMS_RULES_H

#include <openssl/x509.h>
#include <stddef.h>

/* At most this many --signer-eku values. */
#define ENF_SIGNER_EKU_MAX 16

typedef struct enf_signer_rules enf_signer_rules;

/*
 * The rules with the allowed extended key usages `ekus` (dotted OIDs, or
 * OpenSSL's short names such as "codeSigning"); `count` 0 for the default
 * set. A value that is not an OID is ENF_EINVALID, naming it.
 */
int enf_signer_rules_new(enf_signer_rules **out, const char *const *ekus, size_t count);
void enf_signer_rules_free(enf_signer_rules *rules);

/*
 * 0 when `cert` may sign; ENF_EINVALID when not, with the last error
 * naming the certificate's subject and what is wrong, e.g. "'CN=web01' is
 * not allowed to sign: its extended key usage is serverAuth; allowed:
 * codeSigning, emailProtection (--signer-eku)".
 */
int enf_signer_rules_check(const enf_signer_rules *rules, X509 *cert);

/* The certificate's subject, RFC 2253 ("CN=Policy Signer,O=Contoso"), malloc'd; NULL OOM. */
char *enf_x509_subject(X509 *cert);

#endif
