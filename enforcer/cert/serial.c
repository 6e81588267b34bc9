/*
 * Serial numbers in the forms an admin meets them. certlm.msc and openssl
 * show the DER bytes in order; CryptoAPI keeps them little-endian, so Lync
 * event logs print them byte-reversed (7841FC7ABF2025 as 2520BF7AFC4178),
 * and some reports reverse the text itself (5202FBA7CF1487).
 */
#include "cert_int.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <openssl/asn1.h>
#include <stdlib.h>
#include <string.h>

const char *enf_serial_form_name(enf_serial_form form)
{
	switch (form) {
	case ENF_SERIAL_AS_STORED:
		return "as written";
	case ENF_SERIAL_BYTE_REVERSED:
		return "byte-reversed";
	case ENF_SERIAL_CHAR_REVERSED:
		return "character-reversed";
	default:
		return "no match";
	}
}

static char *reverse_bytes_hex(const unsigned char *p, size_t n)
{
	unsigned char *r = malloc(n ? n : 1);
	if (!r)
		return NULL;
	for (size_t i = 0; i < n; i++)
		r[i] = p[n - 1 - i];
	char *hex = enf_hex(r, n, 1);
	free(r);
	return hex;
}

static char *reverse_text(const char *s)
{
	size_t n = strlen(s);
	char *r = malloc(n + 1);
	if (!r)
		return NULL;
	for (size_t i = 0; i < n; i++)
		r[i] = s[n - 1 - i];
	r[n] = '\0';
	return r;
}

/*
 * The content octets of the serial's DER INTEGER: what Windows shows,
 * including the 00 that keeps a positive number with a high first bit
 * positive. OpenSSL's own accessor gives the magnitude without it.
 */
static int serial_content(unsigned char **buf, const unsigned char **content, size_t *len, X509 *x)
{
	*buf = NULL;
	int n = i2d_ASN1_INTEGER(X509_get0_serialNumber(x), buf);
	if (n < 2)
		return ENF_EINVALID;
	const unsigned char *p = *buf + 2;
	size_t clen = (*buf)[1];
	if (clen & 0x80) {
		size_t k = clen & 0x7f;
		if (k == 0 || k > 4 || (size_t)n < 2 + k)
			return ENF_EINVALID;
		clen = 0;
		for (size_t i = 0; i < k; i++)
			clen = (clen << 8) | p[i];
		p += k;
	}
	if ((size_t)(p - *buf) + clen != (size_t)n)
		return ENF_EINVALID;
	*content = p;
	*len = clen;
	return 0;
}

int enf_cert_fill_serial(enf_cert_info *info, X509 *x)
{
	unsigned char *buf = NULL;
	const unsigned char *content = NULL;
	size_t len = 0;
	int rc = serial_content(&buf, &content, &len, x);
	if (rc) {
		OPENSSL_free(buf);
		enf_error_set(ENF_ERRCLASS_CERT, "the certificate's serial number cannot be read");
		return rc;
	}
	info->serial = enf_hex(content, len, 1);
	info->serial_reversed = reverse_bytes_hex(content, len);
	info->serial_char_reversed = info->serial ? reverse_text(info->serial) : NULL;
	OPENSSL_free(buf);
	if (!info->serial || !info->serial_reversed || !info->serial_char_reversed)
		return enf_error_oom();
	return 0;
}

int enf_serial_normalize(char **out, const char *text)
{
	enf_buf b = ENF_BUF_INIT;
	for (const char *p = text; *p; p++) {
		char ch = *p;
		if (ch == ' ' || ch == '\t' || ch == ':' || ch == '-')
			continue;
		if (ch >= 'a' && ch <= 'f')
			ch = (char)(ch - 'a' + 'A');
		if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'F'))) {
			enf_buf_clear(&b);
			enf_error_set(
			    ENF_ERRCLASS_INVALID,
			    "'%s' is not a serial number: only hex digits, spaces and colons, e.g. 78 41 fc 7a bf 20 25",
			    text);
			return ENF_EINVALID;
		}
		enf_buf_put(&b, &ch, 1);
	}
	if (b.len == 0) {
		enf_buf_clear(&b);
		enf_error_set(ENF_ERRCLASS_INVALID, "the serial number is empty");
		return ENF_EINVALID;
	}
	char *s = enf_buf_detach(&b);
	if (!s)
		return enf_error_oom();
	*out = s;
	return 0;
}

/* Equal, or equal once the 00 byte that `full` has and `want` may lack is dropped. */
static int same_serial(const char *full, const char *want, int zero_at_end)
{
	if (strcmp(full, want) == 0)
		return 1;
	size_t n = strlen(full);
	if (n <= 2)
		return 0;
	if (!zero_at_end)
		return strncmp(full, "00", 2) == 0 && strcmp(full + 2, want) == 0;
	return strcmp(full + n - 2, "00") == 0 && strlen(want) == n - 2 &&
	       strncmp(full, want, n - 2) == 0;
}

enf_serial_form enf_cert_serial_match(const enf_cert *cert, const char *normalized)
{
	const enf_cert_info *i = &cert->info;
	if (same_serial(i->serial, normalized, 0))
		return ENF_SERIAL_AS_STORED;
	if (same_serial(i->serial_reversed, normalized, 1))
		return ENF_SERIAL_BYTE_REVERSED;
	if (same_serial(i->serial_char_reversed, normalized, 1))
		return ENF_SERIAL_CHAR_REVERSED;
	return ENF_SERIAL_NO_MATCH;
}
