/*
 * Certificates: parsing (DER, PEM, PEM bundles, PKCS#7 bundles) and the
 * facts an admin otherwise reads off certlm.msc by hand: thumbprint, serial
 * in every form a log may show it, names, self-signed, CA, EKUs, key,
 * validity; and chain verdicts.
 *
 * Everything here is computed with OpenSSL from the DER bytes, never with
 * CryptoAPI, so that a verdict is the same on Windows, under Wine and on a
 * snapshot file in Linux CI.
 */
#ifndef ENFORCER_CERT_H
#define ENFORCER_CERT_H

#include "common.h"
#include "policy.h" /* the ENF_EKU_* bits */

#include <stdint.h>

/* Limits on what a user hands us. */
#define ENF_CERT_MAX_FILE   (16 * 1024 * 1024)
#define ENF_CERT_MAX_BUNDLE 10000
/* The most chains a chain verdict builds when CA holds several certificates with one subject
 * (cross-signed or renewed intermediates): each alternative costs a pass over CA. */
#define ENF_CHAIN_MAX_TRIES 16

/* One parsed certificate. Opaque; read it through enf_cert_info_get(). */
typedef struct enf_cert enf_cert;

/* What a certificate says, computed once when it is parsed. */
typedef struct enf_cert_info {
	unsigned char sha1[20];
	char thumbprint[41]; /* SHA-1 of the DER, upper-case hex, as Windows shows it */
	unsigned char sha256[32];
	char sha256_hex[65]; /* upper-case hex */
	/*
	 * The serial number as stored: the bytes of the DER INTEGER in hex,
	 * as certlm.msc shows it (with the leading 00 a high first byte
	 * needs), e.g. "7841FC7ABF2025".
	 */
	char *serial;
	/* The same bytes in reverse order, as CryptoAPI holds them and event logs show them:
	 * "2520BF7AFC4178". */
	char *serial_reversed;
	/* The hex text backwards, as some reports quote it: "5202FBA7CF1487". */
	char *serial_char_reversed;
	/*
	 * Names on one line, most specific first as Windows shows them,
	 * e.g. "CN=Go Daddy Secure Certificate Authority - G2, O=GoDaddy.com, Inc., C=US".
	 * Control characters are shown as \xNN.
	 */
	char *subject;
	char *issuer;
	char *name;        /* the subject's CN, else its first RDN's value, else "(no subject)" */
	char *issuer_name; /* the same for the issuer */
	int self_issued;   /* issuer and subject are the same name */
	int self_signed;   /* self-issued, and the signature verifies with its own key */
	int is_ca;         /* basicConstraints says cA: TRUE */
	long path_len;     /* the pathLenConstraint, or -1 when there is none */
	int has_eku;       /* an extendedKeyUsage extension is present */
	unsigned eku;      /* the ENF_EKU_* purposes it lists */
	int eku_any;       /* no EKU extension, or anyExtendedKeyUsage: good for every purpose */
	char *eku_text;    /* "server-auth, client-auth"; unknown purposes as dotted OIDs */
	char *key_type;    /* "RSA", "RSA-PSS", "EC", "DSA", "Ed25519", "Ed448", or the OID */
	int key_bits;      /* 0 when unknown */
	char *key_text;    /* "RSA 2048", "EC P-256 (256 bits)" */
	int64_t not_before, not_after;              /* seconds since 1970-01-01, UTC */
	char not_before_iso[21], not_after_iso[21]; /* "2025-01-01T00:00:00Z" */
	int version;                                /* 1, 2 or 3 */
	char *signature_algorithm;                  /* "sha256WithRSAEncryption" */
} enf_cert_info;

/*
 * Parses one certificate from DER bytes; the whole buffer must be the
 * certificate. ENF_EINVALID (last error set) when it is not one.
 */
int enf_cert_from_der(enf_cert **out, const unsigned char *der, size_t len);

/*
 * Parses n certificates from DER (der[i], len[i] bytes) into out[i], the
 * same as enf_cert_from_der one by one, for a whole store: out[i] is NULL
 * for one that is not a certificate (no last error is left for it). Many
 * self-signatures are verified on two threads. ENF_ENOMEM when memory ran
 * out; out[] then holds what was parsed, for the caller to free.
 */
int enf_cert_from_der_list(enf_cert **out, size_t n, const unsigned char *const *der,
                           const size_t *len);

/* The certificate's facts. Borrowed; lives as long as the certificate. */
const enf_cert_info *enf_cert_info_get(const enf_cert *cert);

/* The certificate's DER bytes. Borrowed. */
const unsigned char *enf_cert_der(const enf_cert *cert, size_t *len);

/* Whole days from `now` (seconds since 1970) until it expires; negative once expired. */
long enf_cert_days_left(const enf_cert *cert, int64_t now);

/* True when both have the same subject name and the same public key. */
int enf_cert_same_subject_and_key(const enf_cert *a, const enf_cert *b);

/*
 * Groups without comparing every pair (a store of 10 000 certificates):
 * next[i] is the next index after i whose certificate is the same by the
 * grouping, or SIZE_MAX. By thumbprint (`sha1[i]`, 20 bytes each), or by
 * subject and key as enf_cert_same_subject_and_key (a NULL cert is in no
 * group). `next` holds n entries.
 */
int enf_cert_group_thumbprints(size_t *next, const unsigned char *const *sha1, size_t n);
int enf_cert_group_subject_key(size_t *next, enf_cert *const *certs, size_t n);
/* A set of n thumbprints (20 bytes each, one after the other): sorted, then looked up. */
void enf_cert_thumbprints_sort(unsigned char *set, size_t n);
int enf_cert_thumbprints_has(const unsigned char *set, size_t n, const unsigned char sha1[20]);

/* A second reference to the same certificate (it is immutable). */
enf_cert *enf_cert_ref(enf_cert *cert);

/* Drops a reference; accepts NULL. */
void enf_cert_free(enf_cert *cert);

/* A list of certificates, e.g. a bundle or a store. It owns its items. */
typedef struct enf_cert_set {
	enf_cert **items;
	size_t count;
	size_t alloc;
} enf_cert_set;

/* Appends `cert`; the set takes it over, also on failure (then it is freed). */
int enf_cert_set_add(enf_cert_set *set, enf_cert *cert);

/* The first certificate with this SHA-1 thumbprint, or NULL. Borrowed. */
enf_cert *enf_cert_set_find(const enf_cert_set *set, const unsigned char sha1[20]);

void enf_cert_set_clear(enf_cert_set *set);

/*
 * Parses every certificate in a buffer: PEM (every CERTIFICATE block,
 * other blocks such as keys are skipped), one DER certificate, or a PKCS#7
 * bundle (.p7b, DER or PEM). ENF_EINVALID when it holds none; ENF_ELIMIT
 * past ENF_CERT_MAX_BUNDLE. *out is filled only on success.
 */
int enf_cert_parse_all(enf_cert_set *out, const void *data, size_t len);

/* Reads a file of at most ENF_CERT_MAX_FILE bytes and parses it so. */
int enf_cert_load_file(enf_cert_set *out, const char *path);

/*
 * The certificate of a policy's certificate file (`data`, `n` bytes): the
 * first CERTIFICATE block of PEM, else a DER certificate at the start; the
 * DER encoded again into *der (free() it). `file` names it in the error.
 */
int enf_cert_file_der(unsigned char **der, size_t *len, const char *file, const char *data,
                      size_t n);

/*
 * The SHA-1 of the bytes enf_cert_file_der would parse, found without
 * parsing them: nothing says they are a certificate. ENF_EINVALID when
 * there are none.
 */
int enf_cert_file_sha1(unsigned char out[20], const char *data, size_t n);

/* The forms in which a serial number may be written. */
typedef enum enf_serial_form {
	ENF_SERIAL_NO_MATCH = 0,
	ENF_SERIAL_AS_STORED,     /* as certlm.msc and openssl show it */
	ENF_SERIAL_BYTE_REVERSED, /* byte order reversed (CryptoAPI, event logs) */
	ENF_SERIAL_CHAR_REVERSED  /* the hex text written backwards */
} enf_serial_form;

/* "as written", "byte-reversed", "character-reversed", or "no match". */
const char *enf_serial_form_name(enf_serial_form form);

/*
 * Normalises a serial number as an admin pastes it: spaces, tabs, colons
 * and dashes are dropped, letters upper-cased. ENF_EINVALID (last error
 * set) when anything else is not a hex digit, or nothing is left.
 */
int enf_serial_normalize(char **out, const char *text);

/*
 * Which form of this certificate's serial `normalized` is, trying as
 * written, then byte-reversed, then character-reversed; ENF_SERIAL_NO_MATCH
 * when none. The leading 00 of a high first byte is optional in every form.
 */
enf_serial_form enf_cert_serial_match(const enf_cert *cert, const char *normalized);

/* The verdict on one certificate's chain. */
typedef struct enf_chain_verdict {
	int trusted;  /* it builds to a self-signed anchor in Root and verifies */
	char *reason; /* why it is not trusted; NULL when it is */
	char **names; /* the chain as built, leaf first: display names */
	char **thumbprints;
	size_t length;
} enf_chain_verdict;

/*
 * Builds and verifies the chain of `leaf` as Windows would for a machine
 * certificate: issuers come from `ca` (the Intermediate Certification
 * Authorities store), anchors only from `root`, and the chain must end at a
 * self-signed certificate in `root` (no partial chains). Every certificate
 * must be valid at `at` (seconds since 1970), its notAfter second
 * included. When several certificates in `ca` could issue the same
 * certificate (a cross-signed intermediate), each is tried. Returns 0
 * with *out filled whatever the verdict; a negative code only when the
 * check could not be made.
 */
int enf_chain_verify(enf_chain_verdict *out, const enf_cert *leaf, const enf_cert_set *root,
                     const enf_cert_set *ca, int64_t at);

void enf_chain_verdict_clear(enf_chain_verdict *verdict);

/*
 * The DNS names of a certificate: the dNSName entries of its subject
 * alternative name, which TLS clients check, and the CN values of its
 * subject, which they do not check when there is a SAN. Bytes that are not
 * printable ASCII are written \xNN, so that such an entry matches no name.
 */
typedef struct enf_cert_dns {
	char **san;
	size_t san_count;
	char **cn;
	size_t cn_count;
} enf_cert_dns;

/*
 * Reads the names; ENF_EINVALID (last error set) when the subject
 * alternative name extension is there but cannot be read, or is there twice.
 */
int enf_cert_dns_get(enf_cert_dns *out, const enf_cert *cert);
void enf_cert_dns_clear(enf_cert_dns *dns);

/*
 * The certificate template a Microsoft CA wrote into a certificate
 * (cert_template.c): `name` from the version 1 extension
 * (1.3.6.1.4.1.311.20.2), `oid` and its versions from the version 2 one
 * (1.3.6.1.4.1.311.21.7). A certificate may have either, both or none.
 */
typedef struct enf_cert_template {
	char *name;        /* e.g. "WebServer"; NULL when absent */
	char *oid;         /* dotted; NULL when absent */
	long major, minor; /* -1 when absent */
} enf_cert_template;

/* Reads both extensions; ENF_EINVALID (last error set) when one is there but unreadable. */
int enf_cert_template_get(enf_cert_template *out, const enf_cert *cert);

/* True when `want` is the template's name (any case) or its OID. */
int enf_cert_template_is(const enf_cert_template *t, const char *want);

/* "WebServer", "1.3.6.1.4.1.311.21.8.1.2, version 100.4", or both; malloc'd. */
char *enf_cert_template_text(const enf_cert_template *t);

void enf_cert_template_clear(enf_cert_template *t);

/* True when two DNS names are the same name: ASCII case is ignored (RFC 4343). */
int enf_dns_name_eq(const char *a, const char *b);

/*
 * True when the wildcard `pattern` ("*.contoso.com") covers `name`
 * ("sip.contoso.com") as RFC 6125 6.4.3 allows: "*" is the whole left-most
 * label and stands for exactly one label; "*.com" covers nothing.
 */
int enf_dns_wildcard_covers(const char *pattern, const char *name);

#endif
