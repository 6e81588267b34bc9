/*
 * A test PKI made with OpenSSL when the tests run: no certificate files in
 * the repository to expire, and every property a test asserts on is set
 * here on purpose. Also writes PEM/DER files and snapshot JSON with them.
 */
#ifndef ENFORCER_TEST_PKI_H
#define ENFORCER_TEST_PKI_H

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <time.h>

typedef struct pki_cert {
	X509 *x;
	EVP_PKEY *key;
	unsigned char *der;
	size_t der_len;
	char thumbprint[41]; /* from OpenSSL's X509_digest, upper-case hex */
	char name[128];      /* the CN */
} pki_cert;

typedef struct pki_opts {
	const char *cn;               /* the CN, used when `rdns` is NULL */
	const char *const *rdns;      /* "C=US", ..., "CN=x" in DER order, NULL-terminated */
	int ca;                       /* basicConstraints critical, CA:TRUE */
	int path_len;                 /* with ca: pathLenConstraint; -1 for none */
	const char *eku;              /* "serverAuth,clientAuth"; NULL: no EKU extension */
	const char *serial;           /* hex; NULL: random */
	int rsa_bits;                 /* RSA key of this size when a key is made; 0: EC P-256 */
	time_t not_before, not_after; /* absolute; 0: now - 1 day, now + 365 days */
	int fake_self_issued;         /* issuer name = subject, but signed by the issuer's key */
	const char *san;              /* "DNS:sip.contoso.com,DNS:*.contoso.com"; NULL: no SAN */
} pki_opts;

/*
 * Issues a certificate. `key` is the subject's key (a new one is made when
 * NULL; a given one is shared, e.g. for a cross-signed twin); `issuer` NULL
 * makes it self-signed. Aborts the test on failure. pki_free() it.
 */
pki_cert *pki_issue(const pki_opts *o, EVP_PKEY *key, const pki_cert *issuer);
void pki_free(pki_cert *c);

/* The standard PKI of the tests. */
typedef struct pki_set {
	pki_cert *root;  /* "Contoso Root CA": self-signed CA, RSA 2048 */
	pki_cert *inter; /* "Contoso Issuing CA 01": CA, path length 0, by root */
	pki_cert
	    *leaf; /* "edge.contoso.com": server+client auth, RSA 2048, serial 7841FC7ABF2025 */
	pki_cert *old_root;    /* "Contoso Old Root CA": another self-signed CA */
	pki_cert *cross;       /* "Contoso Issuing CA 01" with inter's key, issued by old_root */
	pki_cert *expired;     /* "expired.contoso.com": 2024-01-01 to 2025-01-01, by inter */
	pki_cert *client_only; /* "client.contoso.com": client-auth only, by inter */
	pki_cert *weak;        /* "weak.contoso.com": RSA 1024, server-auth, by inter */
	pki_cert *selfsigned;  /* "selfsigned.contoso.com": self-signed, not a CA */
} pki_set;

/* Makes the standard PKI (a few RSA keys: some tens of milliseconds). */
pki_set *pki_standard(void);
void pki_set_free(pki_set *s);

/* Midnight UTC of a date, as time_t. */
time_t pki_date(int year, int month, int day);

/* PEM text of certificates, concatenated; free() it. */
char *pki_pem(pki_cert *const *certs, size_t n);

/* Writes certificates as a PEM file DIR/NAME; returns the path (free() it). */
char *pki_write_pem(const char *dir, const char *name, pki_cert *const *certs, size_t n);

/* Writes one certificate as DER; returns the path (free() it). */
char *pki_write_der(const char *dir, const char *name, const pki_cert *c);

/* The DER in base64, as a snapshot holds it; free() it. */
char *pki_base64(const pki_cert *c);

/* An empty snapshot document: {"schema": "enforcer-snapshot/1", "stores": {}}. */
json_t *pki_snapshot(void);

/* Appends a certificate to stores.STORE and returns its object (borrowed). */
json_t *pki_snapshot_add(json_t *snap, const char *store, const pki_cert *c);

/* Writes the snapshot to DIR/NAME; returns the path (free() it). */
char *pki_snapshot_write(json_t *snap, const char *dir, const char *name);

/* True when stores.STORE of a snapshot holds this certificate's DER. */
int pki_snapshot_has(json_t *snap, const char *store, const pki_cert *c);

/* The number of certificates in stores.STORE. */
size_t pki_snapshot_count(json_t *snap, const char *store);

#endif
