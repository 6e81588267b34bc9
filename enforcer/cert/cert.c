/*
 * Parsing certificates and computing the facts every other part of the
 * enforcer reads: thumbprints, validity, CA flag and self-signature.
 */
#include "cert_int.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

X509 *enf_cert_x509(const enf_cert *cert)
{
	return cert->x;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * An ASN1_TIME as seconds since the epoch and as ISO 8601. ASN1_TIME_to_tm
 * is used instead of timegm(), which mingw does not have.
 */
static int time_of(int64_t *secs, char iso[21], const ASN1_TIME *t)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return ENF_EINVALID;
	int64_t days = days_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	*secs = days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
	/* ASN1 times hold years 0-9999, so the text always fits; the compiler cannot know that. */
	char buf[80];
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	memcpy(iso, buf, 20);
	iso[20] = '\0';
	return 0;
}

static void hex_into(char *out, const unsigned char *data, size_t len)
{
	static const char digits[] = "0123456789ABCDEF";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 15];
	}
	out[2 * len] = '\0';
}

/*
 * Self-signed means more than issuer == subject: the signature must verify
 * with the certificate's own key. A self-issued certificate whose signature
 * does not verify is an intermediate (or damaged) and never an anchor.
 */
static int verifies_with_own_key(X509 *x)
{
	EVP_PKEY *key = X509_get0_pubkey(x);
	int ok = key && X509_verify(x, key) == 1;
	ERR_clear_error();
	return ok;
}

/*
 * Computes the facts of c->x. With `verify` 0 the self-signature of a
 * self-issued certificate is left for the caller (enf_cert_from_der_list):
 * self_signed stays 0 until it is checked.
 */
static int fill_info(enf_cert *c, int verify)
{
	enf_cert_info *info = &c->info;
	X509 *x = c->x;
	int rc;
	enf_sha1(info->sha1, c->der, c->der_len);
	enf_sha256(info->sha256, c->der, c->der_len);
	hex_into(info->thumbprint, info->sha1, 20);
	hex_into(info->sha256_hex, info->sha256, 32);
	if ((rc = enf_cert_fill_serial(info, x)) || (rc = enf_cert_fill_names(info, x)) ||
	    (rc = enf_cert_fill_usage(info, x)))
		return rc;
	if (time_of(&info->not_before, info->not_before_iso, X509_get0_notBefore(x)) ||
	    time_of(&info->not_after, info->not_after_iso, X509_get0_notAfter(x))) {
		enf_error_set(ENF_ERRCLASS_CERT,
		              "certificate '%s' has an unreadable validity period", info->name);
		return ENF_EINVALID;
	}
	info->self_issued = X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0;
	/* Only a self-issued certificate is verified: verifying is most of the cost of a parse. */
	info->self_signed = verify && info->self_issued && verifies_with_own_key(x);
	/* Also computes the cached extension flags X509_get_pathlen reads. */
	uint32_t flags = X509_get_extension_flags(x);
	info->is_ca = (flags & EXFLAG_BCONS) && (flags & EXFLAG_CA);
	info->path_len = info->is_ca ? X509_get_pathlen(x) : -1;
	info->version = (int)X509_get_version(x) + 1;
	int nid = X509_get_signature_nid(x);
	const char *sig = nid != NID_undef ? OBJ_nid2ln(nid) : NULL;
	info->signature_algorithm = enf_strdup(sig ? sig : "unknown");
	return info->signature_algorithm ? 0 : enf_error_oom();
}

static void info_clear(enf_cert_info *info)
{
	char **strings[] = {&info->serial,
	                    &info->serial_reversed,
	                    &info->serial_char_reversed,
	                    &info->subject,
	                    &info->issuer,
	                    &info->name,
	                    &info->issuer_name,
	                    &info->eku_text,
	                    &info->key_type,
	                    &info->key_text,
	                    &info->signature_algorithm};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(strings); i++) {
		free(*strings[i]);
		*strings[i] = NULL;
	}
}

/*
 * Takes over `x` (freed on failure) and computes its facts. `der` is its
 * encoding when the caller parsed it from one; else it is encoded here.
 */
static int cert_from_x509(enf_cert **out, X509 *x, const unsigned char *der, size_t len, int verify)
{
	enf_cert *c = calloc(1, sizeof(*c));
	unsigned char *encoded = NULL;
	int rc = ENF_ENOMEM;
	if (!c)
		goto fail;
	if (!der) {
		int n = i2d_X509(x, &encoded);
		if (n <= 0)
			goto fail;
		der = encoded;
		len = (size_t)n;
	}
	/* Our own copy, so that callers free() nothing OpenSSL allocated. */
	if (!(c->der = malloc(len)))
		goto fail;
	memcpy(c->der, der, len);
	c->der_len = len;
	c->x = x;
	c->refs = 1;
	x = NULL;
	if ((rc = fill_info(c, verify)))
		goto fail;
	OPENSSL_free(encoded);
	*out = c;
	return 0;
fail:
	OPENSSL_free(encoded);
	X509_free(x);
	enf_cert_free(c);
	if (rc == ENF_ENOMEM)
		enf_error_oom();
	return rc;
}

static int from_der(enf_cert **out, const unsigned char *der, size_t len, int verify)
{
	if (len == 0 || len > ENF_CERT_MAX_FILE) {
		enf_error_set(ENF_ERRCLASS_CERT, "a certificate of %zu bytes cannot be right", len);
		return ENF_EINVALID;
	}
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	ERR_clear_error();
	if (!x || p != der + len) {
		X509_free(x);
		enf_error_set(ENF_ERRCLASS_CERT, "the data is not a DER-encoded X.509 certificate");
		return ENF_EINVALID;
	}
	/*
	 * The bytes as given rather than encoded again: that is work saved, and
	 * the thumbprint is then the one of the bytes as stored, as Windows has it.
	 */
	return cert_from_x509(out, x, der, len, verify);
}

int enf_cert_from_der(enf_cert **out, const unsigned char *der, size_t len)
{
	return from_der(out, der, len, 1);
}

/*
 * The self-signatures of a list: verifying them is most of the cost of
 * parsing a store (about 70 us each for ECDSA P-256, against 20 us for the
 * rest of a parse), and each is independent of the others. With many, a
 * second thread verifies alongside this one, each taking the next
 * certificate still to do.
 */
typedef struct verify_work {
	enf_cert **certs;
	size_t count;
	atomic_size_t next;
} verify_work;

#define VERIFY_THREAD_MIN 32

static void verify_some(void *arg)
{
	verify_work *w = arg;
	size_t i;
	while ((i = atomic_fetch_add(&w->next, 1)) < w->count) {
		enf_cert *c = w->certs[i];
		if (c && c->info.self_issued)
			c->info.self_signed = verifies_with_own_key(c->x);
	}
}

static void verify_thread(void *arg)
{
	verify_some(arg);
	/* OpenSSL's state for this thread (its error queue) goes with it. */
	OPENSSL_thread_stop();
}

int enf_cert_from_der_list(enf_cert **out, size_t n, const unsigned char *const *der,
                           const size_t *len)
{
	size_t issued = 0;
	for (size_t i = 0; i < n; i++)
		out[i] = NULL;
	for (size_t i = 0; i < n; i++) {
		if (from_der(&out[i], der[i], len[i], 0) == ENF_ENOMEM)
			return ENF_ENOMEM;
		issued += out[i] && out[i]->info.self_issued;
	}
	enf_error_clear();
	verify_work w = {.certs = out, .count = n};
	atomic_init(&w.next, 0);
	enf_thread *helper = issued >= VERIFY_THREAD_MIN ? enf_thread_run(verify_thread, &w) : NULL;
	verify_some(&w);
	enf_thread_join(helper);
	return 0;
}

const enf_cert_info *enf_cert_info_get(const enf_cert *cert)
{
	return &cert->info;
}

const unsigned char *enf_cert_der(const enf_cert *cert, size_t *len)
{
	*len = cert->der_len;
	return cert->der;
}

long enf_cert_days_left(const enf_cert *cert, int64_t now)
{
	int64_t d = cert->info.not_after - now;
	/* Floor division: 12 hours left is 0 days; expired an hour ago is -1. */
	return (long)(d >= 0 ? d / 86400 : -((-d + 86399) / 86400));
}

int enf_cert_same_subject_and_key(const enf_cert *a, const enf_cert *b)
{
	if (X509_NAME_cmp(X509_get_subject_name(a->x), X509_get_subject_name(b->x)) != 0)
		return 0;
	const X509_PUBKEY *ka = X509_get_X509_PUBKEY(a->x), *kb = X509_get_X509_PUBKEY(b->x);
	unsigned char *da = NULL, *db = NULL;
	int la = i2d_X509_PUBKEY(ka, &da), lb = i2d_X509_PUBKEY(kb, &db);
	int same = la > 0 && la == lb && memcmp(da, db, (size_t)la) == 0;
	OPENSSL_free(da);
	OPENSSL_free(db);
	return same;
}

enf_cert *enf_cert_ref(enf_cert *cert)
{
	cert->refs++;
	return cert;
}

void enf_cert_free(enf_cert *cert)
{
	if (!cert || --cert->refs > 0)
		return;
	X509_free(cert->x);
	free(cert->der);
	info_clear(&cert->info);
	free(cert);
}

int enf_cert_set_add(enf_cert_set *set, enf_cert *cert)
{
	if (set->count >= ENF_CERT_MAX_BUNDLE) {
		enf_cert_free(cert);
		enf_error_set(ENF_ERRCLASS_CERT, "more than %d certificates in one list",
		              ENF_CERT_MAX_BUNDLE);
		return ENF_ELIMIT;
	}
	if (enf_grow((void **)&set->items, &set->alloc, set->count + 1, sizeof(enf_cert *))) {
		enf_cert_free(cert);
		return enf_error_oom();
	}
	set->items[set->count++] = cert;
	return 0;
}

enf_cert *enf_cert_set_find(const enf_cert_set *set, const unsigned char sha1[20])
{
	for (size_t i = 0; i < set->count; i++)
		if (memcmp(set->items[i]->info.sha1, sha1, 20) == 0)
			return set->items[i];
	return NULL;
}

void enf_cert_set_clear(enf_cert_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->count; i++)
		enf_cert_free(set->items[i]);
	free(set->items);
	memset(set, 0, sizeof(*set));
}

static int add_x509(enf_cert_set *set, X509 *x)
{
	enf_cert *c = NULL;
	int rc = cert_from_x509(&c, x, NULL, 0, 1);
	return rc ? rc : enf_cert_set_add(set, c);
}

static int add_pkcs7(enf_cert_set *set, PKCS7 *p7)
{
	STACK_OF(X509) *certs = NULL;
	int nid = OBJ_obj2nid(p7->type);
	if (nid == NID_pkcs7_signed && p7->d.sign)
		certs = p7->d.sign->cert;
	else if (nid == NID_pkcs7_signedAndEnveloped && p7->d.signed_and_enveloped)
		certs = p7->d.signed_and_enveloped->cert;
	int rc = 0;
	for (int i = 0; i < sk_X509_num(certs) && rc == 0; i++) {
		X509 *x = sk_X509_value(certs, i);
		X509_up_ref(x);
		rc = add_x509(set, x);
	}
	return rc;
}

/* Every CERTIFICATE (and PKCS7) block of PEM text; other blocks are skipped. */
static int parse_pem(enf_cert_set *set, const void *data, size_t len)
{
	BIO *bio = BIO_new_mem_buf(data, (int)len);
	int rc = bio ? 0 : enf_error_oom();
	while (rc == 0) {
		char *name = NULL, *header = NULL;
		unsigned char *body = NULL;
		long blen = 0;
		if (PEM_read_bio(bio, &name, &header, &body, &blen) != 1)
			break; /* the end, or damage after the last good block */
		const unsigned char *p = body;
		if (strcmp(name, PEM_STRING_X509) == 0 || strcmp(name, PEM_STRING_X509_OLD) == 0 ||
		    strcmp(name, PEM_STRING_X509_TRUSTED) == 0) {
			X509 *x = strcmp(name, PEM_STRING_X509_TRUSTED) == 0
			              ? d2i_X509_AUX(NULL, &p, blen)
			              : d2i_X509(NULL, &p, blen);
			if (!x) {
				enf_error_set(ENF_ERRCLASS_CERT,
				              "certificate %zu of the PEM text is damaged",
				              set->count + 1);
				rc = ENF_EINVALID;
			} else {
				rc = add_x509(set, x);
			}
		} else if (strcmp(name, PEM_STRING_PKCS7) == 0) {
			PKCS7 *p7 = d2i_PKCS7(NULL, &p, blen);
			rc = p7 ? add_pkcs7(set, p7) : 0;
			PKCS7_free(p7);
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(body);
	}
	ERR_clear_error();
	BIO_free(bio);
	return rc;
}

static int has_pem_marker(const char *data, size_t len)
{
	static const char marker[] = "-----BEGIN ";
	size_t m = sizeof(marker) - 1;
	for (size_t i = 0; i + m <= len; i++)
		if (data[i] == '-' && memcmp(data + i, marker, m) == 0)
			return 1;
	return 0;
}

int enf_cert_parse_all(enf_cert_set *out, const void *data, size_t len)
{
	enf_cert_set set = {0};
	int rc = 0;
	if (len == 0 || len > ENF_CERT_MAX_FILE) {
		enf_error_set(ENF_ERRCLASS_CERT, "%zu bytes cannot be a certificate file", len);
		return ENF_EINVALID;
	}
	if (has_pem_marker(data, len)) {
		rc = parse_pem(&set, data, len);
	} else {
		const unsigned char *p = data;
		X509 *x = d2i_X509(NULL, &p, (long)len);
		if (x && p == (const unsigned char *)data + len) {
			rc = add_x509(&set, x);
		} else {
			X509_free(x);
			p = data;
			PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)len);
			rc = p7 ? add_pkcs7(&set, p7) : 0;
			PKCS7_free(p7);
		}
		ERR_clear_error();
	}
	if (rc == 0 && set.count == 0) {
		enf_error_set(
		    ENF_ERRCLASS_CERT,
		    "no certificate found: expected PEM (BEGIN CERTIFICATE), DER or PKCS#7");
		rc = ENF_EINVALID;
	}
	if (rc) {
		enf_cert_set_clear(&set);
		return rc;
	}
	*out = set;
	return 0;
}

int enf_cert_load_file(enf_cert_set *out, const char *path)
{
	char *data = NULL;
	size_t len = 0;
	int rc = enf_read_file(&data, &len, path, ENF_CERT_MAX_FILE);
	if (rc) {
		if (rc == ENF_ENOTFOUND)
			enf_error_set(ENF_ERRCLASS_CERT, "'%s' does not exist", path);
		return rc;
	}
	rc = enf_cert_parse_all(out, data, len);
	if (rc) {
		const enf_error *e = enf_error_last();
		char *msg = enf_strdup(e ? e->message : "cannot be parsed");
		enf_error_set(ENF_ERRCLASS_CERT, "'%s': %s", path, msg ? msg : "cannot be parsed");
		free(msg);
	}
	free(data);
	return rc;
}
