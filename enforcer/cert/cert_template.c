/*
 * The Microsoft certificate template extensions, which say which template
 * of an enterprise CA issued a certificate: a renewal comes from the same
 * template, so a policy can select "the certificate of template X".
 *
 * Two forms exist. The version 1 extension (szOID_ENROLL_CERTTYPE_EXTENSION,
 * 1.3.6.1.4.1.311.20.2) holds the template's name, e.g. "WebServer"; AD CS
 * writes it as a BMPString, the protocol text describes a UTF8String (in a
 * SEQUENCE), and each of these is read. The version 2 extension
 * (szOID_CERTIFICATE_TEMPLATE, 1.3.6.1.4.1.311.21.7) holds the template's
 * OID and its major and optional minor version; its display name lives in
 * Active Directory, which a certificate alone cannot tell.
 */
#include "cert_int.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <stdlib.h>
#include <string.h>

#define OID_TEMPLATE_NAME "1.3.6.1.4.1.311.20.2"
#define OID_TEMPLATE_V2   "1.3.6.1.4.1.311.21.7"

/* The extension of this OID, or NULL; *twice when there is more than one. */
static const ASN1_OCTET_STRING *ext_data(X509 *x, const char *oid, int *twice)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	int at = obj ? X509_get_ext_by_OBJ(x, obj, -1) : -1;
	*twice = at >= 0 && X509_get_ext_by_OBJ(x, obj, at) >= 0;
	ASN1_OBJECT_free(obj);
	return at >= 0 ? X509_EXTENSION_get_data(X509_get_ext(x, at)) : NULL;
}

static int bad(const char *what)
{
	enf_error_set(ENF_ERRCLASS_CERT, "its certificate template extension cannot be read: %s",
	              what);
	return ENF_EINVALID;
}

/* A string as UTF-8, control characters as \xNN so that it matches no name. */
static char *string_text(const ASN1_STRING *s)
{
	unsigned char *utf8 = NULL;
	int n = ASN1_STRING_to_UTF8(&utf8, s);
	if (n < 0)
		return NULL;
	enf_buf b = ENF_BUF_INIT;
	for (int i = 0; i < n; i++) {
		if (utf8[i] < 0x20 || utf8[i] == 0x7f)
			enf_buf_printf(&b, "\\x%02X", utf8[i]);
		else
			enf_buf_printf(&b, "%c", utf8[i]);
	}
	OPENSSL_free(utf8);
	return b.failed ? (enf_buf_clear(&b), NULL) : enf_buf_detach(&b);
}

static int read_name(enf_cert_template *out, const ASN1_OCTET_STRING *data)
{
	const unsigned char *p = ASN1_STRING_get0_data(data);
	long len = ASN1_STRING_length(data);
	ASN1_TYPE *t = d2i_ASN1_TYPE(NULL, &p, len);
	ASN1_TYPE *inner = NULL;
	if (t && t->type == V_ASN1_SEQUENCE) {
		/* CertificateTemplateName ::= SEQUENCE { Name UTF8String }; the type holds the
		 * whole encoding, its header included. */
		const unsigned char *q = ASN1_STRING_get0_data(t->value.sequence);
		long qlen = 0;
		int tag = 0, cls = 0;
		if (!(ASN1_get_object(&q, &qlen, &tag, &cls,
		                      ASN1_STRING_length(t->value.sequence)) &
		      0x80))
			inner = d2i_ASN1_TYPE(NULL, &q, qlen);
	}
	const ASN1_TYPE *s = inner ? inner : t;
	int rc = 0;
	if (!s || (s->type != V_ASN1_BMPSTRING && s->type != V_ASN1_UTF8STRING &&
	           s->type != V_ASN1_PRINTABLESTRING && s->type != V_ASN1_IA5STRING))
		rc = bad("the template name is not a string");
	else if (!(out->name = string_text(s->value.asn1_string)))
		rc = bad("the template name is not text");
	ASN1_TYPE_free(inner);
	ASN1_TYPE_free(t);
	return rc;
}

/* An INTEGER of at most 32 bits at *p, as CERT_TEMPLATE_EXT holds a DWORD. */
static int read_dword(long *out, const unsigned char **p, long len)
{
	ASN1_INTEGER *i = d2i_ASN1_INTEGER(NULL, p, len);
	int64_t v = 0;
	int ok = i && ASN1_INTEGER_get_int64(&v, i) == 1 && v >= 0 && v <= 0xFFFFFFFFLL;
	ASN1_INTEGER_free(i);
	*out = ok ? (long)v : -1;
	return ok ? 0 : bad("a version is not a number");
}

static int read_v2(enf_cert_template *out, const ASN1_OCTET_STRING *data)
{
	/* CertificateTemplate ::= SEQUENCE { templateID OID, major INTEGER, minor INTEGER OPTIONAL
	 * } */
	const unsigned char *p = ASN1_STRING_get0_data(data);
	long len = ASN1_STRING_length(data), seq_len = 0;
	int tag = 0, cls = 0;
	int ret = ASN1_get_object(&p, &seq_len, &tag, &cls, len);
	if ((ret & 0x80) || tag != V_ASN1_SEQUENCE || cls != V_ASN1_UNIVERSAL)
		return bad("not a SEQUENCE");
	const unsigned char *end = p + seq_len;
	ASN1_OBJECT *obj = d2i_ASN1_OBJECT(NULL, &p, end - p);
	char oid[128];
	int n = obj ? OBJ_obj2txt(oid, sizeof(oid), obj, 1) : -1;
	ASN1_OBJECT_free(obj);
	if (n <= 0 || (size_t)n >= sizeof(oid))
		return bad("the template OID cannot be read");
	if (!(out->oid = enf_strdup(oid)))
		return enf_error_oom();
	if (p >= end || read_dword(&out->major, &p, end - p))
		return bad("the major version is missing");
	if (p < end && read_dword(&out->minor, &p, end - p))
		return ENF_EINVALID;
	if (p != end)
		return bad("it has more than an OID and two versions");
	return 0;
}

int enf_cert_template_get(enf_cert_template *out, const enf_cert *cert)
{
	memset(out, 0, sizeof(*out));
	out->major = out->minor = -1;
	X509 *x = enf_cert_x509(cert);
	int twice1 = 0, twice2 = 0;
	const ASN1_OCTET_STRING *v1 = ext_data(x, OID_TEMPLATE_NAME, &twice1);
	const ASN1_OCTET_STRING *v2 = ext_data(x, OID_TEMPLATE_V2, &twice2);
	int rc = 0;
	if (twice1 || twice2)
		rc = bad("the extension is there twice");
	if (rc == 0 && v1)
		rc = read_name(out, v1);
	if (rc == 0 && v2)
		rc = read_v2(out, v2);
	if (rc)
		enf_cert_template_clear(out);
	return rc;
}

int enf_cert_template_is(const enf_cert_template *t, const char *want)
{
	return (t->name && enf_strcaseeq(t->name, want)) || (t->oid && strcmp(t->oid, want) == 0);
}

char *enf_cert_template_text(const enf_cert_template *t)
{
	if (t->oid && t->name)
		return t->minor >= 0
		           ? enf_asprintf("%s (%s, version %ld.%ld)", t->name, t->oid, t->major,
		                          t->minor)
		           : enf_asprintf("%s (%s, version %ld)", t->name, t->oid, t->major);
	if (t->oid)
		return t->minor >= 0
		           ? enf_asprintf("%s, version %ld.%ld", t->oid, t->major, t->minor)
		           : enf_asprintf("%s, version %ld", t->oid, t->major);
	return enf_strdup(t->name ? t->name : "none");
}

void enf_cert_template_clear(enf_cert_template *t)
{
	free(t->name);
	free(t->oid);
	t->name = t->oid = NULL;
}
