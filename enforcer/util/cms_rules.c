/* Who may sign policies and reports: key usage, CA or not, extended key usage (cms_rules.h). */
#include "cms_rules.h"

#include "enforcer/errors.h"
#include "util.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

struct enf_signer_rules {
	ASN1_OBJECT *ekus[ENF_SIGNER_EKU_MAX];
	size_t count;
};

static const char *const default_ekus[] = {"1.3.6.1.5.5.7.3.3", "1.3.6.1.5.5.7.3.4"};

void enf_signer_rules_free(enf_signer_rules *rules)
{
	if (!rules)
		return;
	for (size_t i = 0; i < rules->count; i++)
		ASN1_OBJECT_free(rules->ekus[i]);
	free(rules);
}

int enf_signer_rules_new(enf_signer_rules **out, const char *const *ekus, size_t count)
{
	if (count == 0) {
		ekus = default_ekus;
		count = ENF_ARRAY_SIZE(default_ekus);
	}
	if (count > ENF_SIGNER_EKU_MAX) {
		enf_error_set(ENF_ERRCLASS_INVALID,
		              "%zu --signer-eku values; name at most %d extended key usages", count,
		              ENF_SIGNER_EKU_MAX);
		return ENF_ELIMIT;
	}
	enf_signer_rules *r = calloc(1, sizeof(*r));
	if (!r)
		return enf_error_oom();
	int rc = 0;
	for (size_t i = 0; i < count && rc == 0; i++) {
		/* Names as OpenSSL knows them, or dotted OIDs: an EKU of a private arc has no name.
		 */
		if (!(r->ekus[r->count] = OBJ_txt2obj(ekus[i], 0))) {
			enf_error_set(ENF_ERRCLASS_INVALID,
			              "--signer-eku '%s' is not an object identifier; give one in "
			              "dotted form, e.g. 1.3.6.1.5.5.7.3.3 for code signing",
			              ekus[i]);
			rc = ENF_EINVALID;
		} else {
			r->count++;
		}
	}
	ERR_clear_error();
	if (rc) {
		enf_signer_rules_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

char *enf_x509_subject(X509 *cert)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *out = NULL;
	if (bio && X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
		char *p = NULL;
		long n = BIO_get_mem_data(bio, &p);
		out = enf_strndup(p ? p : "", n > 0 ? (size_t)n : 0);
	}
	BIO_free(bio);
	return out;
}

/* "codeSigning", or the dotted OID of a usage OpenSSL has no name for. */
static void put_oid(enf_buf *b, const ASN1_OBJECT *obj)
{
	int nid = OBJ_obj2nid(obj);
	char dotted[128];
	if (nid != NID_undef) {
		enf_buf_puts(b, OBJ_nid2sn(nid));
	} else {
		OBJ_obj2txt(dotted, sizeof(dotted), obj, 1);
		enf_buf_puts(b, dotted);
	}
}

static void put_key_usage(enf_buf *b, uint32_t ku)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {{KU_DIGITAL_SIGNATURE, "digitalSignature"},
	             {KU_NON_REPUDIATION, "nonRepudiation"},
	             {KU_KEY_ENCIPHERMENT, "keyEncipherment"},
	             {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
	             {KU_KEY_AGREEMENT, "keyAgreement"},
	             {KU_KEY_CERT_SIGN, "keyCertSign"},
	             {KU_CRL_SIGN, "cRLSign"},
	             {KU_ENCIPHER_ONLY, "encipherOnly"},
	             {KU_DECIPHER_ONLY, "decipherOnly"}};
	size_t shown = 0;
	for (size_t i = 0; i < ENF_ARRAY_SIZE(names); i++)
		if (ku & names[i].bit) {
			enf_buf_printf(b, "%s%s", shown++ ? ", " : "", names[i].name);
		}
	if (!shown)
		enf_buf_puts(b, "empty");
}

/* What is wrong with the extended key usage, into `b`; nothing when an allowed one is there. */
static void eku_problem(enf_buf *b, const enf_signer_rules *r, X509 *cert)
{
	int crit = 0;
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(cert, NID_ext_key_usage, &crit, NULL);
	int n = eku ? sk_ASN1_OBJECT_num(eku) : 0;
	for (int i = 0; i < n; i++)
		for (size_t j = 0; j < r->count; j++)
			if (OBJ_cmp(sk_ASN1_OBJECT_value(eku, i), r->ekus[j]) == 0) {
				EXTENDED_KEY_USAGE_free(eku);
				return;
			}
	if (n == 0) {
		enf_buf_puts(b, "it has no extended key usage");
	} else {
		enf_buf_puts(b, "its extended key usage is ");
		for (int i = 0; i < n; i++) {
			if (i)
				enf_buf_puts(b, ", ");
			put_oid(b, sk_ASN1_OBJECT_value(eku, i));
		}
	}
	enf_buf_puts(b, "; allowed: ");
	for (size_t j = 0; j < r->count; j++) {
		if (j)
			enf_buf_puts(b, ", ");
		put_oid(b, r->ekus[j]);
	}
	enf_buf_puts(b, " (--signer-eku)");
	EXTENDED_KEY_USAGE_free(eku);
}

int enf_signer_rules_check(const enf_signer_rules *r, X509 *cert)
{
	enf_buf why = ENF_BUF_INIT;
	uint32_t flags = X509_get_extension_flags(cert);
	int crit = 0;
	BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(cert, NID_basic_constraints, &crit, NULL);
	/* Every problem at once: the admin gets the right certificate in one go. */
	if (flags & EXFLAG_INVALID)
		enf_buf_puts(&why, "its extensions cannot be decoded; ");
	if (bc && bc->ca)
		enf_buf_puts(&why, "it is a CA certificate (basicConstraints CA:TRUE): a CA issues "
		                   "signers' certificates, it does not sign; ");
	if (!(flags & EXFLAG_KUSAGE)) {
		enf_buf_puts(&why, "it has no key usage extension (a signer needs "
		                   "digitalSignature); ");
	} else if (!(X509_get_key_usage(cert) & KU_DIGITAL_SIGNATURE)) {
		enf_buf_puts(&why, "its key usage is ");
		put_key_usage(&why, X509_get_key_usage(cert));
		enf_buf_puts(&why, ", without digitalSignature; ");
	}
	eku_problem(&why, r, cert);
	BASIC_CONSTRAINTS_free(bc);
	ERR_clear_error();
	int rc = 0;
	if (why.failed) {
		rc = enf_error_oom();
	} else if (why.len) {
		char *subject = enf_x509_subject(cert);
		size_t len = why.len;
		/* No trailing "; " when the extended key usage was right. */
		if (len >= 2 && why.ptr[len - 2] == ';')
			len -= 2;
		enf_error_set(ENF_ERRCLASS_CERT, "'%s' is not allowed to sign: %.*s",
		              subject ? subject : "?", (int)len, why.ptr);
		free(subject);
		rc = ENF_EINVALID;
	}
	enf_buf_clear(&why);
	return rc;
}
