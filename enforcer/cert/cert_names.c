/*
 * How a certificate reads to a Windows admin: names as certlm.msc writes
 * them (most specific first, "S=" for the state), purposes by the words
 * the policy uses, and the key as "RSA 2048".
 */
#include "cert_int.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

/* The attribute names Windows uses (CertNameToStr, X500 style). */
static const struct {
	int nid;
	const char *name;
} attr_names[] = {
    {NID_commonName, "CN"},
    {NID_organizationalUnitName, "OU"},
    {NID_organizationName, "O"},
    {NID_localityName, "L"},
    {NID_stateOrProvinceName, "S"},
    {NID_countryName, "C"},
    {NID_pkcs9_emailAddress, "E"},
    {NID_streetAddress, "STREET"},
    {NID_domainComponent, "DC"},
    {NID_serialNumber, "SERIALNUMBER"},
    {NID_givenName, "G"},
    {NID_surname, "SN"},
    {NID_title, "T"},
    {NID_initials, "I"},
    {NID_postalCode, "PostalCode"},
    {NID_description, "Description"},
    {NID_userId, "UID"},
};

static void put_attr_name(enf_buf *b, const ASN1_OBJECT *obj)
{
	int nid = OBJ_obj2nid(obj);
	for (size_t i = 0; i < ENF_ARRAY_SIZE(attr_names); i++) {
		if (attr_names[i].nid == nid) {
			enf_buf_puts(b, attr_names[i].name);
			return;
		}
	}
	/* Windows writes attributes it has no name for as OID.1.2.3. */
	char oid[128];
	if (OBJ_obj2txt(oid, sizeof(oid), obj, 1) <= 0)
		snprintf(oid, sizeof(oid), "?");
	enf_buf_printf(b, "OID.%s", oid);
}

/*
 * The value as UTF-8. Names come from certificates anyone can make: a
 * control character is shown as \xNN so that it cannot forge a line in a
 * report or a terminal escape.
 */
static void put_attr_value(enf_buf *b, const X509_NAME_ENTRY *e)
{
	unsigned char *utf8 = NULL;
	int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
	if (n < 0) {
		ERR_clear_error();
		enf_buf_puts(b, "?");
		return;
	}
	for (int i = 0; i < n; i++) {
		unsigned char ch = utf8[i];
		if (ch < 0x20 || ch == 0x7f)
			enf_buf_printf(b, "\\x%02X", ch);
		else
			enf_buf_put(b, &ch, 1);
	}
	OPENSSL_free(utf8);
}

/* "CN=..., OU=..., O=..., C=US": the DER order reversed, as Windows shows it. */
static char *name_line(const X509_NAME *name)
{
	enf_buf b = ENF_BUF_INIT;
	int n = X509_NAME_entry_count(name);
	int prev_set = -1;
	for (int i = n - 1; i >= 0; i--) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
		int set = X509_NAME_ENTRY_set(e);
		/* Attributes of one multi-valued RDN are joined with " + ". */
		if (i != n - 1)
			enf_buf_puts(&b, set == prev_set ? " + " : ", ");
		prev_set = set;
		put_attr_name(&b, X509_NAME_ENTRY_get_object(e));
		enf_buf_puts(&b, "=");
		put_attr_value(&b, e);
	}
	return enf_buf_detach(&b);
}

char *enf_cert_display_name(const X509_NAME *name)
{
	int n = X509_NAME_entry_count(name);
	int pick = -1;
	for (int i = n - 1; i >= 0 && pick < 0; i--)
		if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(X509_NAME_get_entry(name, i))) ==
		    NID_commonName)
			pick = i;
	if (pick < 0)
		pick = n - 1;
	if (pick < 0)
		return enf_strdup("(no subject)");
	enf_buf b = ENF_BUF_INIT;
	put_attr_value(&b, X509_NAME_get_entry(name, pick));
	return enf_buf_detach(&b);
}

int enf_cert_fill_names(enf_cert_info *info, X509 *x)
{
	info->subject = name_line(X509_get_subject_name(x));
	info->issuer = name_line(X509_get_issuer_name(x));
	info->name = enf_cert_display_name(X509_get_subject_name(x));
	info->issuer_name = enf_cert_display_name(X509_get_issuer_name(x));
	if (!info->subject || !info->issuer || !info->name || !info->issuer_name)
		return enf_error_oom();
	return 0;
}

/* The policy's names for purposes, with their ENF_EKU_* bits. */
static const struct {
	int nid;
	unsigned bit;
	const char *name;
} eku_names[] = {
    {NID_server_auth, ENF_EKU_SERVER_AUTH, "server-auth"},
    {NID_client_auth, ENF_EKU_CLIENT_AUTH, "client-auth"},
    {NID_code_sign, ENF_EKU_CODE_SIGNING, "code-signing"},
    {NID_email_protect, ENF_EKU_EMAIL_PROTECTION, "email-protection"},
    {NID_time_stamp, ENF_EKU_TIME_STAMPING, "time-stamping"},
    {NID_OCSP_sign, ENF_EKU_OCSP_SIGNING, "ocsp-signing"},
    {NID_anyExtendedKeyUsage, 0, "any"},
};

static int fill_eku(enf_cert_info *info, X509 *x)
{
	int crit = 0;
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);
	enf_buf b = ENF_BUF_INIT;
	ERR_clear_error();
	info->has_eku = eku != NULL;
	/* Without the extension a certificate is good for every purpose (RFC 5280, Windows). */
	info->eku_any = eku == NULL;
	for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
		const ASN1_OBJECT *obj = sk_ASN1_OBJECT_value(eku, i);
		int nid = OBJ_obj2nid(obj);
		const char *name = NULL;
		for (size_t k = 0; k < ENF_ARRAY_SIZE(eku_names) && !name; k++) {
			if (eku_names[k].nid == nid) {
				name = eku_names[k].name;
				info->eku |= eku_names[k].bit;
				info->eku_any |= nid == NID_anyExtendedKeyUsage;
			}
		}
		char oid[128];
		if (!name && OBJ_obj2txt(oid, sizeof(oid), obj, 1) > 0)
			name = oid;
		enf_buf_printf(&b, "%s%s", b.len ? ", " : "", name ? name : "?");
	}
	EXTENDED_KEY_USAGE_free(eku);
	if (!info->has_eku)
		enf_buf_puts(&b, "any purpose (no EKU extension)");
	else if (b.len == 0)
		enf_buf_puts(&b, "none (an empty EKU extension)");
	info->eku_text = enf_buf_detach(&b);
	return info->eku_text ? 0 : enf_error_oom();
}

static int fill_key(enf_cert_info *info, X509 *x)
{
	EVP_PKEY *key = X509_get0_pubkey(x);
	char curve[64] = "";
	ERR_clear_error();
	if (!key) {
		/* A key type OpenSSL cannot load: name it by its algorithm OID. */
		char oid[128] = "unknown";
		ASN1_OBJECT *alg = NULL;
		if (X509_PUBKEY_get0_param(&alg, NULL, NULL, NULL, X509_get_X509_PUBKEY(x)) == 1 &&
		    alg)
			OBJ_obj2txt(oid, sizeof(oid), alg, 0);
		info->key_type = enf_strdup(oid);
		info->key_text = enf_asprintf("%s (not a key type this build reads)", oid);
		return info->key_type && info->key_text ? 0 : enf_error_oom();
	}
	const char *type;
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_RSA:
		type = "RSA";
		break;
	case EVP_PKEY_RSA_PSS:
		type = "RSA-PSS";
		break;
	case EVP_PKEY_DSA:
		type = "DSA";
		break;
	case EVP_PKEY_EC: {
		type = "EC";
		size_t n = 0;
		if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, curve,
		                                   sizeof(curve), &n) == 1) {
			/* "prime256v1" reads as "P-256" in Windows and in the NIST list. */
			const char *nist = EC_curve_nid2nist(OBJ_sn2nid(curve));
			if (nist)
				snprintf(curve, sizeof(curve), "%s", nist);
		}
		ERR_clear_error();
		break;
	}
	case EVP_PKEY_ED25519:
		type = "Ed25519";
		break;
	case EVP_PKEY_ED448:
		type = "Ed448";
		break;
	default:
		type = OBJ_nid2sn(EVP_PKEY_get_base_id(key));
		if (!type)
			type = "unknown";
		break;
	}
	info->key_bits = EVP_PKEY_get_bits(key);
	if (info->key_bits < 0)
		info->key_bits = 0;
	info->key_type = enf_strdup(type);
	info->key_text = curve[0] ? enf_asprintf("%s %s (%d bits)", type, curve, info->key_bits)
	                          : enf_asprintf("%s %d", type, info->key_bits);
	return info->key_type && info->key_text ? 0 : enf_error_oom();
}

int enf_cert_fill_usage(enf_cert_info *info, X509 *x)
{
	int rc = fill_eku(info, x);
	return rc ? rc : fill_key(info, x);
}
