/*
 * libFuzzer harness for the certificate parser. Each input is read as a
 * certificate file (PEM, DER or PKCS#7: enf_cert_parse_all) and as one DER
 * certificate (enf_cert_from_der); on whatever parses, every fact is read and
 * checked against the contract of cert.h, the serial forms are matched
 * against their own text, the self-signed verdict is checked against
 * self-issued, the DER is parsed again, and a chain is built within the set.
 * The input's first line is also a serial number as an admin pastes it.
 *
 * Build and run: see docs/benchmarks.md, section "Fuzzing".
 */
#include "enforcer/cert.h"
#include "enforcer/errors.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_hex(const char *s, size_t len)
{
	if (!s || (len && strlen(s) != len))
		abort();
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'F')))
			abort();
}

static void check_cert(enf_cert *c)
{
	const enf_cert_info *i = enf_cert_info_get(c);
	check_hex(i->thumbprint, 40);
	check_hex(i->sha256_hex, 64);
	check_hex(i->serial, 0);
	check_hex(i->serial_reversed, 0);
	check_hex(i->serial_char_reversed, 0);
	if (!*i->serial || strlen(i->serial) != strlen(i->serial_reversed) ||
	    strlen(i->serial) != strlen(i->serial_char_reversed))
		abort();
	if (!i->subject || !i->issuer || !i->name || !i->issuer_name || !i->eku_text ||
	    !i->key_type || !i->key_text || !i->signature_algorithm)
		abort();
	/* Names are shown on one line: no control character survives. */
	for (const char *p = i->subject; *p; p++)
		if ((unsigned char)*p < 0x20)
			abort();
	if (i->self_signed && !i->self_issued)
		abort();
	if (i->not_before_iso[20] != '\0' || strlen(i->not_before_iso) != 20)
		abort();
	/* Every form of its own serial matches, and as written is found first. */
	if (enf_cert_serial_match(c, i->serial) != ENF_SERIAL_AS_STORED ||
	    enf_cert_serial_match(c, i->serial_reversed) == ENF_SERIAL_NO_MATCH ||
	    enf_cert_serial_match(c, i->serial_char_reversed) == ENF_SERIAL_NO_MATCH)
		abort();
	(void)enf_cert_days_left(c, 1795316787);
	/* The DER it keeps parses again to the same certificate. */
	size_t len = 0;
	const unsigned char *der = enf_cert_der(c, &len);
	enf_cert *again = NULL;
	if (enf_cert_from_der(&again, der, len) != 0 ||
	    strcmp(enf_cert_info_get(again)->thumbprint, i->thumbprint) != 0 ||
	    !enf_cert_same_subject_and_key(c, again))
		abort();
	enf_cert_free(again);
}

static void check_serial_text(const uint8_t *data, size_t size)
{
	size_t n = 0;
	while (n < size && n < 256 && data[n] != '\n' && data[n] != '\0')
		n++;
	char *text = malloc(n + 1);
	if (!text)
		return;
	memcpy(text, data, n);
	text[n] = '\0';
	char *norm = NULL;
	if (enf_serial_normalize(&norm, text) == 0) {
		check_hex(norm, 0);
		if (!*norm)
			abort();
		free(norm);
	}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enf_cert_set set = {0};
	if (enf_cert_parse_all(&set, data, size) == 0) {
		if (set.count == 0)
			abort();
		for (size_t i = 0; i < set.count; i++) {
			check_cert(set.items[i]);
			if (enf_cert_set_find(&set, enf_cert_info_get(set.items[i])->sha1) == NULL)
				abort();
		}
		/* The first certificate's chain, with the rest as both CA and Root. */
		enf_chain_verdict v = {0};
		if (enf_chain_verify(&v, set.items[0], &set, &set, 1795316787) == 0) {
			if (!v.trusted && !v.reason)
				abort();
			enf_chain_verdict_clear(&v);
		}
		enf_cert_set_clear(&set);
	}
	enf_cert *c = NULL;
	if (enf_cert_from_der(&c, data, size) == 0) {
		check_cert(c);
		enf_cert_free(c);
	}
	check_serial_text(data, size);
	enf_error_clear();
	return 0;
}
