/*
 * The cert module against a PKI made at test time: thumbprints checked
 * against OpenSSL's own digests, the serial forms of the field report,
 * names as Windows writes them, self-signed and CA verdicts, EKUs, keys,
 * validity, parsing of PEM/DER/PKCS#7, and chain verdicts with their exact
 * reasons.
 */
#include "helpers.h"
#include "pki.h"

#include "enforcer/cert.h"
#include "enforcer/errors.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <openssl/pkcs7.h>
#include <stdlib.h>
#include <string.h>

static enf_cert *parse(const pki_cert *p)
{
	enf_cert *c = NULL;
	cr_assert_eq(enf_cert_from_der(&c, p->der, p->der_len), 0, "%s",
	             enf_error_last() ? enf_error_last()->message : "?");
	return c;
}

static const enf_cert_info *info_of(enf_cert *c)
{
	return enf_cert_info_get(c);
}

static void set_of(enf_cert_set *set, pki_cert *const *certs, size_t n)
{
	memset(set, 0, sizeof(*set));
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(enf_cert_set_add(set, parse(certs[i])), 0);
}

/* The verdict for `leaf` with these Root and CA stores, at `at` (0: now). */
static enf_chain_verdict verdict(pki_cert *leaf, pki_cert *const *root, size_t nroot,
                                 pki_cert *const *ca, size_t nca, time_t at)
{
	enf_cert_set r, i;
	set_of(&r, root, nroot);
	set_of(&i, ca, nca);
	enf_cert *c = parse(leaf);
	enf_chain_verdict v;
	cr_assert_eq(enf_chain_verify(&v, c, &r, &i, at ? at : time(NULL)), 0);
	enf_cert_free(c);
	enf_cert_set_clear(&r);
	enf_cert_set_clear(&i);
	return v;
}

/* Each test's standard PKI (pki.h), made before it and freed after it. */
static pki_set *std_pki;

static void pki_init(void)
{
	std_pki = pki_standard();
}

static void pki_fini(void)
{
	pki_set_free(std_pki);
	std_pki = NULL;
	th_cleanup();
}

TestSuite(cert, .init = pki_init, .fini = pki_fini);
TestSuite(chain, .init = pki_init, .fini = pki_fini);
TestSuite(cli_cert, .init = pki_init, .fini = pki_fini);

Test(cert, thumbprints_are_openssl_sha1_and_sha256_in_upper_case)
{
	pki_set *s = std_pki;
	pki_cert *all[] = {s->root, s->inter, s->leaf, s->cross, s->weak, s->selfsigned};
	for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
		enf_cert *c = parse(all[k]);
		unsigned char md[32];
		unsigned int len = 32;
		cr_assert_eq(X509_digest(all[k]->x, EVP_sha256(), md, &len), 1);
		char *sha256 = enf_hex(md, 32, 1);
		cr_expect_str_eq(info_of(c)->thumbprint, all[k]->thumbprint);
		cr_expect_str_eq(info_of(c)->sha256_hex, sha256);
		cr_expect_eq(strlen(info_of(c)->thumbprint), 40);
		free(sha256);
		enf_cert_free(c);
	}
}

Test(cert, serial_forms_of_the_field_report)
{
	pki_set *s = std_pki;
	enf_cert *c = parse(s->leaf);
	cr_expect_str_eq(info_of(c)->serial, "7841FC7ABF2025");
	cr_expect_str_eq(info_of(c)->serial_reversed, "2520BF7AFC4178");
	cr_expect_str_eq(info_of(c)->serial_char_reversed, "5202FBA7CF1487");
	enf_cert_free(c);
}

Test(cert, serial_matches_every_form_an_admin_pastes)
{
	pki_set *s = std_pki;
	enf_cert *c = parse(s->leaf);
	char *n = NULL;
	cr_assert_eq(enf_serial_normalize(&n, "25 20 bf:7a fc 41 78"), 0);
	cr_expect_str_eq(n, "2520BF7AFC4178");
	cr_expect_eq(enf_cert_serial_match(c, n), ENF_SERIAL_BYTE_REVERSED);
	free(n);
	cr_assert_eq(enf_serial_normalize(&n, "5202fba7cf1487"), 0);
	cr_expect_eq(enf_cert_serial_match(c, n), ENF_SERIAL_CHAR_REVERSED);
	free(n);
	cr_assert_eq(enf_serial_normalize(&n, "78:41:FC:7A:BF:20:25"), 0);
	cr_expect_eq(enf_cert_serial_match(c, n), ENF_SERIAL_AS_STORED);
	free(n);
	cr_assert_eq(enf_serial_normalize(&n, "1234"), 0);
	cr_expect_eq(enf_cert_serial_match(c, n), ENF_SERIAL_NO_MATCH);
	free(n);
	cr_expect_eq(enf_serial_normalize(&n, "12x4"), ENF_EINVALID);
	cr_expect_eq(enf_serial_normalize(&n, " : "), ENF_EINVALID);
	cr_expect_str_eq(enf_serial_form_name(ENF_SERIAL_BYTE_REVERSED), "byte-reversed");
	cr_expect_str_eq(enf_serial_form_name(ENF_SERIAL_CHAR_REVERSED), "character-reversed");
	cr_expect_str_eq(enf_serial_form_name(ENF_SERIAL_AS_STORED), "as written");
	enf_cert_free(c);
}

Test(cert, serial_with_a_high_first_byte_keeps_its_zero_as_windows_shows_it)
{
	pki_cert *p =
	    pki_issue(&(pki_opts){.cn = "high.contoso.com", .serial = "80AB"}, NULL, NULL);
	enf_cert *c = parse(p);
	cr_expect_str_eq(info_of(c)->serial, "0080AB");
	cr_expect_str_eq(info_of(c)->serial_reversed, "AB8000");
	/* The zero is optional in every form: openssl prints 80AB, CryptoAPI AB8000. */
	cr_expect_eq(enf_cert_serial_match(c, "80AB"), ENF_SERIAL_AS_STORED);
	cr_expect_eq(enf_cert_serial_match(c, "0080AB"), ENF_SERIAL_AS_STORED);
	cr_expect_eq(enf_cert_serial_match(c, "AB80"), ENF_SERIAL_BYTE_REVERSED);
	cr_expect_eq(enf_cert_serial_match(c, "AB8000"), ENF_SERIAL_BYTE_REVERSED);
	cr_expect_eq(enf_cert_serial_match(c, "BA08"), ENF_SERIAL_CHAR_REVERSED);
	enf_cert_free(c);
	pki_free(p);
}

Test(cert, names_read_as_windows_writes_them)
{
	static const char *const rdns[] = {"C=US",
	                                   "ST=Arizona",
	                                   "L=Scottsdale",
	                                   "O=GoDaddy.com, Inc.",
	                                   "OU=http://certs.godaddy.com/repository/",
	                                   "CN=Go Daddy Secure Certificate Authority - G2",
	                                   NULL};
	pki_cert *p = pki_issue(&(pki_opts){.rdns = rdns, .ca = 1, .path_len = 0}, NULL, NULL);
	enf_cert *c = parse(p);
	cr_expect_str_eq(
	    info_of(c)->subject,
	    "CN=Go Daddy Secure Certificate Authority - G2, OU=http://certs.godaddy.com/repository/, O=GoDaddy.com, Inc., L=Scottsdale, S=Arizona, C=US");
	cr_expect_str_eq(info_of(c)->issuer, info_of(c)->subject);
	cr_expect_str_eq(info_of(c)->name, "Go Daddy Secure Certificate Authority - G2");
	enf_cert_free(c);
	pki_free(p);
}

Test(cert, display_name_without_cn_is_the_first_rdn_and_control_characters_are_escaped)
{
	static const char *const no_cn[] = {"C=US", "O=Contoso", "OU=Edge Servers", NULL};
	static const char *const evil[] = {"CN=evil\nFAKE LINE", NULL};
	pki_cert *a = pki_issue(&(pki_opts){.rdns = no_cn}, NULL, NULL);
	pki_cert *b = pki_issue(&(pki_opts){.rdns = evil}, NULL, NULL);
	enf_cert *ca = parse(a), *cb = parse(b);
	cr_expect_str_eq(info_of(ca)->name, "Edge Servers");
	cr_expect_str_eq(info_of(ca)->subject, "OU=Edge Servers, O=Contoso, C=US");
	cr_expect_str_eq(info_of(cb)->subject, "CN=evil\\x0AFAKE LINE");
	enf_cert_free(ca);
	enf_cert_free(cb);
	pki_free(a);
	pki_free(b);
}

Test(cert, self_signed_needs_the_signature_to_verify_with_its_own_key)
{
	pki_set *s = std_pki;
	/* Issuer name equal to the subject, signed by another key: an intermediate in disguise. */
	pki_cert *fake = pki_issue(
	    &(pki_opts){.cn = "Contoso Fake Root", .ca = 1, .path_len = -1, .fake_self_issued = 1},
	    NULL, s->root);
	struct {
		pki_cert *p;
		int issued, self_signed;
	} want[] = {{s->root, 1, 1},       {s->inter, 0, 0}, {s->leaf, 0, 0},
	            {s->selfsigned, 1, 1}, {s->cross, 0, 0}, {fake, 1, 0}};
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		enf_cert *c = parse(want[k].p);
		cr_expect_eq(info_of(c)->self_issued, want[k].issued, "%s", want[k].p->name);
		cr_expect_eq(info_of(c)->self_signed, want[k].self_signed, "%s", want[k].p->name);
		enf_cert_free(c);
	}
	pki_free(fake);
}

/*
 * A store is parsed as a list (enf_cert_from_der_list), whose many
 * self-signatures are verified on two threads: every certificate reads as
 * it does alone, and what is not a certificate is NULL.
 */
Test(cert, a_list_parses_as_each_certificate_alone)
{
	pki_set *s = pki_standard();
	pki_cert *fake = pki_issue(
	    &(pki_opts){.cn = "Contoso Fake Root", .ca = 1, .path_len = -1, .fake_self_issued = 1},
	    NULL, s->root);
	static const unsigned char garbage[] = {0x30, 0x03, 0x02, 0x01, 0x05};
	pki_cert *kinds[] = {s->root, s->inter, s->selfsigned, fake, s->leaf, NULL};
	enum { N = 90 }; /* 45 self-issued of them: enough for the second thread */
	const unsigned char *der[N];
	size_t len[N];
	enf_cert *list[N];
	for (size_t i = 0; i < N; i++) {
		pki_cert *p = kinds[i % 6];
		der[i] = p ? p->der : garbage;
		len[i] = p ? p->der_len : sizeof(garbage);
	}
	cr_assert_eq(enf_cert_from_der_list(list, N, der, len), 0);
	cr_expect_null(enf_error_last());
	for (size_t i = 0; i < N; i++) {
		pki_cert *p = kinds[i % 6];
		if (!p) {
			cr_expect_null(list[i]);
			continue;
		}
		enf_cert *alone = parse(p);
		cr_assert(list[i]);
		cr_expect_str_eq(info_of(list[i])->thumbprint, info_of(alone)->thumbprint);
		cr_expect_eq(info_of(list[i])->self_issued, info_of(alone)->self_issued, "%s",
		             p->name);
		cr_expect_eq(info_of(list[i])->self_signed, info_of(alone)->self_signed, "%s",
		             p->name);
		cr_expect_eq(info_of(list[i])->is_ca, info_of(alone)->is_ca, "%s", p->name);
		enf_cert_free(alone);
		enf_cert_free(list[i]);
	}
	pki_free(fake);
	pki_set_free(s);
}

Test(cert, ca_flag_and_path_length)
{
	pki_set *s = std_pki;
	enf_cert *root = parse(s->root), *inter = parse(s->inter), *leaf = parse(s->leaf),
	         *ss = parse(s->selfsigned);
	cr_expect(info_of(root)->is_ca);
	cr_expect_eq(info_of(root)->path_len, -1);
	cr_expect(info_of(inter)->is_ca);
	cr_expect_eq(info_of(inter)->path_len, 0);
	cr_expect(!info_of(leaf)->is_ca);
	cr_expect(!info_of(ss)->is_ca);
	enf_cert_free(root);
	enf_cert_free(inter);
	enf_cert_free(leaf);
	enf_cert_free(ss);
}

Test(cert, ekus_as_bits_and_words)
{
	pki_set *s = std_pki;
	pki_cert *odd = pki_issue(
	    &(pki_opts){.cn = "odd", .eku = "serverAuth,1.3.6.1.4.1.311.20.2.2"}, NULL, NULL);
	enf_cert *leaf = parse(s->leaf), *client = parse(s->client_only), *root = parse(s->root),
	         *o = parse(odd);
	cr_expect_eq(info_of(leaf)->eku, ENF_EKU_SERVER_AUTH | ENF_EKU_CLIENT_AUTH);
	cr_expect_str_eq(info_of(leaf)->eku_text, "server-auth, client-auth");
	cr_expect(!info_of(leaf)->eku_any);
	cr_expect_eq(info_of(client)->eku, ENF_EKU_CLIENT_AUTH);
	cr_expect_str_eq(info_of(client)->eku_text, "client-auth");
	cr_expect(!info_of(root)->has_eku);
	cr_expect(info_of(root)->eku_any);
	cr_expect_str_eq(info_of(root)->eku_text, "any purpose (no EKU extension)");
	cr_expect_str_eq(info_of(o)->eku_text, "server-auth, 1.3.6.1.4.1.311.20.2.2");
	enf_cert_free(leaf);
	enf_cert_free(client);
	enf_cert_free(root);
	enf_cert_free(o);
	pki_free(odd);
}

Test(cert, key_type_and_size)
{
	pki_set *s = std_pki;
	enf_cert *root = parse(s->root), *weak = parse(s->weak), *inter = parse(s->inter);
	cr_expect_str_eq(info_of(root)->key_type, "RSA");
	cr_expect_eq(info_of(root)->key_bits, 2048);
	cr_expect_str_eq(info_of(root)->key_text, "RSA 2048");
	cr_expect_eq(info_of(weak)->key_bits, 1024);
	cr_expect_str_eq(info_of(weak)->key_text, "RSA 1024");
	cr_expect_str_eq(info_of(inter)->key_type, "EC");
	cr_expect_str_eq(info_of(inter)->key_text, "EC P-256 (256 bits)");
	enf_cert_free(root);
	enf_cert_free(weak);
	enf_cert_free(inter);
}

Test(cert, validity_as_time_iso_and_days_left)
{
	pki_set *s = std_pki;
	enf_cert *c = parse(s->expired);
	cr_expect_eq(info_of(c)->not_before, 1704067200);
	cr_expect_eq(info_of(c)->not_after, 1735689600);
	cr_expect_str_eq(info_of(c)->not_before_iso, "2024-01-01T00:00:00Z");
	cr_expect_str_eq(info_of(c)->not_after_iso, "2025-01-01T00:00:00Z");
	cr_expect_eq(enf_cert_days_left(c, 1735689600 - 86400 * 10), 10);
	cr_expect_eq(enf_cert_days_left(c, 1735689600 - 3600), 0);
	cr_expect_eq(enf_cert_days_left(c, 1735689600 + 3600), -1);
	enf_cert_free(c);
}

Test(cert, parses_pem_bundles_der_and_pkcs7)
{
	pki_set *s = std_pki;
	char *dir = th_tmpdir();
	/* A bundle as admins keep them: a key block between the certificates is skipped. */
	char *a = pki_pem((pki_cert *[]){s->leaf}, 1);
	char *b = pki_pem((pki_cert *[]){s->inter, s->root}, 2);
	char *text = enf_asprintf(
	    "%s-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n%s", a, b);
	char *pem = th_write(dir, "bundle.pem", text);
	enf_cert_set set = {0};
	cr_assert_eq(enf_cert_load_file(&set, pem), 0, "%s", enf_error_last()->message);
	cr_assert_eq(set.count, 3);
	cr_expect_str_eq(info_of(set.items[0])->thumbprint, s->leaf->thumbprint);
	cr_expect_str_eq(info_of(set.items[2])->thumbprint, s->root->thumbprint);
	enf_cert_set_clear(&set);

	char *der = pki_write_der(dir, "root.cer", s->root);
	cr_assert_eq(enf_cert_load_file(&set, der), 0);
	cr_expect_eq(set.count, 1);
	cr_expect_str_eq(info_of(set.items[0])->thumbprint, s->root->thumbprint);
	enf_cert_set_clear(&set);

	PKCS7 *p7 = PKCS7_new();
	cr_assert(p7 && PKCS7_set_type(p7, NID_pkcs7_signed) == 1 &&
	          PKCS7_content_new(p7, NID_pkcs7_data) == 1);
	cr_assert(PKCS7_add_certificate(p7, s->inter->x) == 1 &&
	          PKCS7_add_certificate(p7, s->root->x) == 1);
	unsigned char *p7der = NULL;
	int n = i2d_PKCS7(p7, &p7der);
	cr_assert(n > 0);
	cr_assert_eq(enf_cert_parse_all(&set, p7der, (size_t)n), 0);
	cr_expect_eq(set.count, 2);
	enf_cert_set_clear(&set);
	OPENSSL_free(p7der);
	PKCS7_free(p7);

	cr_expect_eq(enf_cert_parse_all(&set, "hello", 5), ENF_EINVALID);
	cr_expect_str_eq(enf_error_last()->message,
	                 "no certificate found: expected PEM (BEGIN CERTIFICATE), DER or PKCS#7");
	cr_expect_eq(enf_cert_parse_all(&set, "", 0), ENF_EINVALID);
	char *missing = enf_asprintf("%s/none.pem", dir);
	cr_expect_neq(enf_cert_load_file(&set, missing), 0);
	free(missing);
	free(a);
	free(b);
	free(text);
	free(pem);
	free(der);
	free(dir);
}

Test(cert, der_with_trailing_bytes_is_rejected)
{
	pki_set *s = std_pki;
	unsigned char *buf = malloc(s->root->der_len + 1);
	memcpy(buf, s->root->der, s->root->der_len);
	buf[s->root->der_len] = 0;
	enf_cert *c = NULL;
	cr_expect_eq(enf_cert_from_der(&c, buf, s->root->der_len + 1), ENF_EINVALID);
	cr_expect_eq(enf_cert_from_der(&c, buf, 10), ENF_EINVALID);
	free(buf);
}

Test(cert, same_subject_and_key)
{
	pki_set *s = std_pki;
	enf_cert *inter = parse(s->inter), *cross = parse(s->cross), *root = parse(s->root);
	cr_expect(enf_cert_same_subject_and_key(inter, cross));
	cr_expect(!enf_cert_same_subject_and_key(inter, root));
	enf_cert_free(inter);
	enf_cert_free(cross);
	enf_cert_free(root);
}

Test(chain, trusted_through_ca_to_root)
{
	pki_set *s = std_pki;
	enf_chain_verdict v =
	    verdict(s->leaf, (pki_cert *[]){s->root}, 1, (pki_cert *[]){s->inter}, 1, 0);
	cr_expect(v.trusted, "%s", v.reason);
	cr_expect_null(v.reason);
	cr_assert_eq(v.length, 3);
	cr_expect_str_eq(v.names[0], "edge.contoso.com");
	cr_expect_str_eq(v.names[1], "Contoso Issuing CA 01");
	cr_expect_str_eq(v.names[2], "Contoso Root CA");
	cr_expect_str_eq(v.thumbprints[2], s->root->thumbprint);
	enf_chain_verdict_clear(&v);
}

Test(chain, missing_intermediate_is_named_from_the_issuer)
{
	pki_set *s = std_pki;
	enf_chain_verdict v = verdict(s->leaf, (pki_cert *[]){s->root}, 1, NULL, 0, 0);
	cr_expect(!v.trusted);
	cr_expect_str_eq(
	    v.reason,
	    "intermediate 'Contoso Issuing CA 01' not found in CA; the chain stops at the leaf");
	cr_expect_eq(v.length, 1);
	enf_chain_verdict_clear(&v);
}

Test(chain, missing_root)
{
	pki_set *s = std_pki;
	enf_chain_verdict v = verdict(s->leaf, NULL, 0, (pki_cert *[]){s->inter}, 1, 0);
	cr_expect_str_eq(
	    v.reason,
	    "'Contoso Root CA', the issuer of 'Contoso Issuing CA 01', is in neither CA nor Root; the chain stops there");
	enf_chain_verdict_clear(&v);
}

Test(chain, root_in_ca_instead_of_root)
{
	pki_set *s = std_pki;
	enf_chain_verdict v = verdict(s->leaf, NULL, 0, (pki_cert *[]){s->inter, s->root}, 2, 0);
	cr_expect_str_eq(v.reason, "the chain ends at 'Contoso Root CA' which is not in Root");
	enf_chain_verdict_clear(&v);
}

Test(chain, self_signed_leaf_is_trusted_only_in_root)
{
	pki_set *s = std_pki;
	enf_chain_verdict v = verdict(s->selfsigned, (pki_cert *[]){s->root}, 1, NULL, 0, 0);
	cr_expect_str_eq(v.reason,
	                 "the chain ends at 'selfsigned.contoso.com' which is not in Root");
	enf_chain_verdict_clear(&v);
	v = verdict(s->selfsigned, (pki_cert *[]){s->root, s->selfsigned}, 2, NULL, 0, 0);
	cr_expect(v.trusted, "%s", v.reason);
	enf_chain_verdict_clear(&v);
}

Test(chain, intermediate_in_root_is_no_anchor)
{
	pki_set *s = std_pki;
	/* With its root also there the chain is trusted; alone it is not an anchor. */
	enf_chain_verdict v = verdict(s->leaf, (pki_cert *[]){s->inter, s->root}, 2, NULL, 0, 0);
	cr_expect(v.trusted, "%s", v.reason);
	enf_chain_verdict_clear(&v);
	v = verdict(s->leaf, (pki_cert *[]){s->inter}, 1, NULL, 0, 0);
	cr_expect_str_eq(
	    v.reason,
	    "'Contoso Issuing CA 01' is in Root but is not self-signed (an intermediate); its issuer 'Contoso Root CA' is not in Root");
	enf_chain_verdict_clear(&v);
}

Test(chain, expired_and_not_yet_valid)
{
	pki_set *s = std_pki;
	enf_chain_verdict v =
	    verdict(s->expired, (pki_cert *[]){s->root}, 1, (pki_cert *[]){s->inter}, 1, 0);
	cr_expect_str_eq(v.reason, "'expired.contoso.com' expired on 2025-01-01");
	enf_chain_verdict_clear(&v);
	/* Checked at a time before the intermediate was made. */
	v = verdict(s->leaf, (pki_cert *[]){s->root}, 1, (pki_cert *[]){s->inter}, 1,
	            time(NULL) - 30 * 86400);
	cr_expect(!v.trusted);
	cr_expect(strstr(v.reason, "is not valid until ") != NULL, "%s", v.reason);
	enf_chain_verdict_clear(&v);
}

Test(chain, cross_signed_intermediate_finds_the_path_whichever_comes_first)
{
	pki_set *s = std_pki;
	enf_chain_verdict v =
	    verdict(s->leaf, (pki_cert *[]){s->root}, 1, (pki_cert *[]){s->cross, s->inter}, 2, 0);
	cr_expect(v.trusted, "%s", v.reason);
	cr_assert_eq(v.length, 3);
	cr_expect_str_eq(v.names[2], "Contoso Root CA");
	enf_chain_verdict_clear(&v);
	v = verdict(s->leaf, (pki_cert *[]){s->old_root}, 1, (pki_cert *[]){s->inter, s->cross}, 2,
	            0);
	cr_expect(v.trusted, "%s", v.reason);
	cr_assert_eq(v.length, 3);
	cr_expect_str_eq(v.names[2], "Contoso Old Root CA");
	cr_expect_str_eq(v.thumbprints[1], s->cross->thumbprint);
	enf_chain_verdict_clear(&v);
	/* Neither root: the first failure explains it. */
	v = verdict(s->leaf, NULL, 0, (pki_cert *[]){s->inter, s->cross}, 2, 0);
	cr_expect(!v.trusted);
	cr_expect_str_eq(
	    v.reason,
	    "'Contoso Root CA', the issuer of 'Contoso Issuing CA 01', is in neither CA nor Root; the chain stops there");
	enf_chain_verdict_clear(&v);
}

Test(chain, leaf_signed_by_a_non_ca)
{
	pki_set *s = std_pki;
	pki_cert *bad = pki_issue(&(pki_opts){.cn = "under-leaf.contoso.com"}, NULL, s->selfsigned);
	enf_chain_verdict v = verdict(bad, (pki_cert *[]){s->selfsigned}, 1, NULL, 0, 0);
	cr_expect(!v.trusted);
	/* An anchor without basicConstraints may issue, but not with this keyUsage. */
	cr_expect_str_eq(
	    v.reason,
	    "'selfsigned.contoso.com' is in Root but cannot issue 'under-leaf.contoso.com': its keyUsage does not include keyCertSign");
	enf_chain_verdict_clear(&v);
	pki_free(bad);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

Test(cli_cert, inspect_a_file_and_a_store)
{
	pki_set *s = std_pki;
	char *dir = th_tmpdir();
	free(pki_write_pem(dir, "leaf.pem", (pki_cert *[]){s->leaf}, 1));
	json_t *snap = pki_snapshot();
	json_object_set_new(pki_snapshot_add(snap, "My", s->leaf), "private_key", json_true());
	free(pki_snapshot_write(snap, dir, "server.json"));

	th_cli_result r = th_run_cli(dir, ARGS("cert", "inspect", "leaf.pem"), NULL);
	cr_expect_eq(r.code, 0, "%s", r.err);
	char *want = enf_asprintf("Thumbprint:   %s\n", s->leaf->thumbprint);
	cr_expect(strncmp(r.out, want, strlen(want)) == 0, "%s", r.out);
	cr_expect(
	    strstr(
	        r.out,
	        "Serial:       7841FC7ABF2025 (byte-reversed, as event logs show it: 2520BF7AFC4178)\n") !=
	    NULL);
	cr_expect(strstr(r.out, "Subject:      CN=edge.contoso.com\n") != NULL);
	cr_expect(strstr(r.out, "Issuer:       CN=Contoso Issuing CA 01\n") != NULL);
	cr_expect(
	    strstr(
	        r.out,
	        "Self-signed:  no\nCA:           no\nEKU:          server-auth, client-auth\nKey:          RSA 2048\n") !=
	        NULL,
	    "%s", r.out);
	th_cli_free(&r);

	r = th_run_cli(dir,
	               ARGS("cert", "inspect", "--store", "My", "--target", "snapshot:server.json",
	                    "--format", "json"),
	               NULL);
	cr_expect_eq(r.code, 0, "%s", r.err);
	json_t *doc = json_loads(r.out, 0, NULL);
	json_t *c = json_array_get(json_object_get(doc, "certificates"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(c, "thumbprint")), s->leaf->thumbprint);
	cr_expect_str_eq(json_string_value(json_object_get(c, "serial_byte_reversed")),
	                 "2520BF7AFC4178");
	cr_expect_str_eq(json_string_value(json_object_get(c, "private_key")), "yes");
	json_decref(doc);
	th_cli_free(&r);

	r = th_run_cli(
	    dir, ARGS("cert", "inspect", "--store", "Roots", "--target", "snapshot:server.json"),
	    NULL);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(
	    r.err,
	    "enforcer cert: 'Roots' is not a store: Root, CA, My, TrustedPeople, TrustedPublisher or Disallowed\n"
	    "See 'enforcer cert --help'.\n");
	th_cli_free(&r);
	free(want);
	json_decref(snap);
	free(dir);
}

Test(cli_cert, find_serial_says_which_form_matched)
{
	pki_set *s = std_pki;
	char *dir = th_tmpdir();
	json_t *snap = pki_snapshot();
	pki_snapshot_add(snap, "Root", s->root);
	pki_snapshot_add(snap, "My", s->leaf);
	free(pki_snapshot_write(snap, dir, "server.json"));
	struct {
		const char *serial, *form;
	} cases[] = {{"7841FC7ABF2025", "7841FC7ABF2025 as written"},
	             {"25 20 bf 7a fc 41 78", "2520BF7AFC4178 byte-reversed"},
	             {"52:02:FB:A7:CF:14:87", "5202FBA7CF1487 character-reversed"}};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		th_cli_result r = th_run_cli(dir,
		                             ARGS("cert", "find-serial", cases[k].serial,
		                                  "--target", "snapshot:server.json"),
		                             NULL);
		cr_expect_eq(r.code, 0, "%s: %s", cases[k].serial, r.err);
		char *head = enf_asprintf(
		    "found in LocalMachine\\My: 'edge.contoso.com' (%s)\nMatched:      %s (as stored: 7841FC7ABF2025)\n",
		    s->leaf->thumbprint, cases[k].form);
		cr_expect(strncmp(r.out, head, strlen(head)) == 0, "%s", r.out);
		free(head);
		th_cli_free(&r);
	}
	th_cli_result r = th_run_cli(
	    dir, ARGS("cert", "find-serial", "1234", "--target", "snapshot:server.json"), NULL);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.out, "");
	cr_expect_str_eq(
	    r.err,
	    "enforcer cert find-serial: no certificate in the LocalMachine stores of snapshot:server.json has serial 1234, as written, byte-reversed or character-reversed\n");
	th_cli_free(&r);
	r = th_run_cli(dir, ARGS("cert", "find-serial", "78-41-zz"), NULL);
	cr_expect_eq(r.code, 1);
	cr_expect(strstr(r.err, "'78-41-zz' is not a serial number") != NULL, "%s", r.err);
	th_cli_free(&r);
	r = th_run_cli(dir, ARGS("cert", "find-serial"), NULL);
	cr_expect_eq(r.code, 1);
	th_cli_free(&r);
	json_decref(snap);
	free(dir);
}
