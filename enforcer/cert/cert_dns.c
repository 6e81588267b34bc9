/*
 * The DNS names a certificate is good for, as a TLS client checks them: the
 * dNSName entries of its subject alternative name (RFC 5280 4.2.1.6),
 * compared without regard to ASCII case (RFC 4343), a wildcard covering
 * exactly one left-most label (RFC 6125 6.4.3). The subject's CN is read
 * too, only so that a message can say a name is there and not in the SAN:
 * TLS clients that find a SAN ignore the CN (RFC 6125 6.4.4), and Microsoft's
 * Edge guidance says TLS uses the SAN entries for validation.
 */
#include "cert_int.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

/* A name as text: printable ASCII as it is, every other byte as \xNN (it then matches nothing). */
static char *name_text(const unsigned char *p, int len)
{
	enf_buf b = ENF_BUF_INIT;
	for (int i = 0; i < len; i++) {
		if (p[i] > 0x20 && p[i] < 0x7F && p[i] != '\\')
			enf_buf_put(&b, &p[i], 1);
		else
			enf_buf_printf(&b, "\\x%02X", p[i]);
	}
	return enf_buf_detach(&b);
}

static int push(char ***list, size_t *count, size_t *alloc, char *s)
{
	if (!s || enf_grow((void **)list, alloc, *count + 1, sizeof(char *))) {
		free(s);
		return enf_error_oom();
	}
	(*list)[(*count)++] = s;
	return 0;
}

static int read_san(enf_cert_dns *out, X509 *x)
{
	int crit = -1;
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
	ERR_clear_error();
	if (!gens) {
		if (crit == -1)
			return 0; /* no SAN at all */
		enf_error_set(ENF_ERRCLASS_INVALID,
		              crit == -2
		                  ? "the certificate has two subject alternative name extensions"
		                  : "its subject alternative name extension cannot be read");
		return ENF_EINVALID;
	}
	size_t alloc = 0;
	int rc = 0;
	for (int i = 0; i < sk_GENERAL_NAME_num(gens) && rc == 0; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != GEN_DNS)
			continue;
		rc = push(&out->san, &out->san_count, &alloc,
		          name_text(ASN1_STRING_get0_data(g->d.dNSName),
		                    ASN1_STRING_length(g->d.dNSName)));
	}
	GENERAL_NAMES_free(gens);
	return rc;
}

static int read_cn(enf_cert_dns *out, X509 *x)
{
	const X509_NAME *subject = X509_get_subject_name(x);
	size_t alloc = 0;
	int rc = 0;
	for (int i = -1; rc == 0;) {
		i = X509_NAME_get_index_by_NID(subject, NID_commonName, i);
		if (i < 0)
			break;
		const ASN1_STRING *v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i));
		rc = push(&out->cn, &out->cn_count, &alloc,
		          name_text(ASN1_STRING_get0_data(v), ASN1_STRING_length(v)));
	}
	return rc;
}

int enf_cert_dns_get(enf_cert_dns *out, const enf_cert *cert)
{
	enf_cert_dns d;
	memset(&d, 0, sizeof(d));
	int rc = read_san(&d, enf_cert_x509(cert));
	if (rc == 0)
		rc = read_cn(&d, enf_cert_x509(cert));
	if (rc) {
		enf_cert_dns_clear(&d);
		return rc;
	}
	*out = d;
	return 0;
}

void enf_cert_dns_clear(enf_cert_dns *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->san_count; i++)
		free(d->san[i]);
	for (size_t i = 0; i < d->cn_count; i++)
		free(d->cn[i]);
	free(d->san);
	free(d->cn);
	memset(d, 0, sizeof(*d));
}

int enf_dns_name_eq(const char *a, const char *b)
{
	return enf_strcaseeq(a, b);
}

int enf_dns_wildcard_covers(const char *pattern, const char *name)
{
	/* Only a whole left-most label "*", and never for a name of one label under it. */
	if (pattern[0] != '*' || pattern[1] != '.' || !pattern[2] || strchr(pattern + 2, '*'))
		return 0;
	const char *dot = strchr(name, '.');
	if (!dot || dot == name)
		return 0;
	/* "*.com" would cover every second-level name: RFC 6125 lets clients refuse it, and we do.
	 */
	if (!strchr(pattern + 2, '.'))
		return 0;
	return enf_strcaseeq(dot + 1, pattern + 2);
}
