/*
 * Path validation cases written from the descriptions of NIST's Public Key
 * Interoperability Test Suite (PKITS, "Certification Path Validation",
 * version 1.0, 2004): each test names the PKITS section whose description
 * it follows. The certificates are made here with tests/pki.c, not taken
 * from PKITS; revocation, policies and the cases that need them are left
 * out, as the chain check does neither (docs/certificates.md). A few
 * cases of the enforcer's own follow: the exact second at both ends of a
 * validity period, an issuer whose key cannot be decoded or was renewed,
 * and what an anchor may be.
 */
#include "pathval.h"

#include "helpers.h"

#include "enforcer/cert.h"
#include "enforcer/errors.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

pki_cert *pv_ta, *pv_good;

pki_cert *pv_issue(pki_opts o, const pki_cert *issuer)
{
	if (!o.not_before)
		o.not_before = pki_date(2020, 1, 1);
	if (!o.not_after)
		o.not_after = pki_date(2049, 12, 31);
	return pki_issue(&o, NULL, issuer);
}

static pki_cert *mk_ca(const char *cn, const pki_cert *issuer)
{
	return pv_issue((pki_opts){.cn = cn, .ca = 1, .path_len = -1}, issuer);
}

void pv_init(void)
{
	pv_ta = mk_ca("Pathval Trust Anchor", NULL);
	pv_good = mk_ca("Pathval Good CA", pv_ta);
}

void pv_fini(void)
{
	pki_free(pv_good);
	pki_free(pv_ta);
	pv_good = pv_ta = NULL;
	th_cleanup();
}

TestSuite(pathval, .init = pv_init, .fini = pv_fini);

static enf_cert *parse(const pki_cert *p)
{
	enf_cert *c = NULL;
	cr_assert_eq(enf_cert_from_der(&c, p->der, p->der_len), 0, "%s: %s", p->name,
	             enf_error_last() ? enf_error_last()->message : "?");
	return c;
}

static void fill(enf_cert_set *set, pki_cert *const *certs)
{
	memset(set, 0, sizeof(*set));
	for (size_t i = 0; certs && certs[i]; i++)
		cr_assert_eq(enf_cert_set_add(set, parse(certs[i])), 0);
}

/*
 * The verdict on `ee` with Root and CA holding these (NULL-terminated)
 * certificates, at `at`: trusted with a chain of `length` when `want` is
 * NULL, else refused with exactly `want`.
 */
static void expect_at(time_t at, const char *want, size_t length, pki_cert *ee,
                      pki_cert *const *root, pki_cert *const *ca)
{
	enf_cert_set r, c;
	fill(&r, root);
	fill(&c, ca);
	enf_cert *leaf = parse(ee);
	enf_chain_verdict v;
	cr_assert_eq(enf_chain_verify(&v, leaf, &r, &c, at), 0);
	if (want) {
		cr_expect(!v.trusted, "'%s' was trusted", ee->name);
		cr_expect_str_eq(v.reason ? v.reason : "(none)", want);
	} else {
		cr_expect(v.trusted, "'%s': %s", ee->name, v.reason);
		cr_expect_eq(v.length, length, "'%s': a chain of %zu", ee->name, v.length);
	}
	enf_chain_verdict_clear(&v);
	enf_cert_free(leaf);
	enf_cert_set_clear(&r);
	enf_cert_set_clear(&c);
}

#define ROOTS(...) ((pki_cert *const[]){__VA_ARGS__, NULL})
#define CAS(...)   ((pki_cert *const[]){__VA_ARGS__, NULL})

static void expect(const char *want, size_t length, pki_cert *ee, pki_cert *const *ca)
{
	expect_at(PV_AT, want, length, ee, ROOTS(pv_ta), ca);
}

/* PKITS 4.1 Signature verification */

Test(pathval, pkits_4_1_1_valid_signatures)
{
	pki_cert *ee = pv_issue((pki_opts){.cn = "Valid EE"}, pv_good);
	expect(NULL, 3, ee, CAS(pv_good));
	pki_free(ee);
}

Test(pathval, pkits_4_1_2_invalid_ca_signature)
{
	pki_cert *ca = pv_issue(
	    (pki_opts){.cn = "Bad Signed CA", .ca = 1, .path_len = -1, .bad_signature = 1}, pv_ta);
	pki_cert *ee = pv_issue((pki_opts){.cn = "Invalid CA Signature EE"}, ca);
	expect("'Pathval Trust Anchor' is in Root but cannot issue 'Bad Signed CA': its signature "
	       "on 'Bad Signed CA' does not verify",
	       0, ee, CAS(ca));
	pki_free(ee);
	pki_free(ca);
}

Test(pathval, pkits_4_1_3_invalid_ee_signature)
{
	pki_cert *ee =
	    pv_issue((pki_opts){.cn = "Invalid EE Signature EE", .bad_signature = 1}, pv_good);
	expect(
	    "intermediate 'Pathval Good CA' is in CA but cannot issue 'Invalid EE Signature EE': "
	    "its signature on 'Invalid EE Signature EE' does not verify",
	    0, ee, CAS(pv_good));
	pki_free(ee);
}

/* A CA with these options under the anchor, and an end entity under it. */
static void issuer_case(const char *ca_cn, pki_opts ca_opts, const char *ee_cn, const char *want)
{
	ca_opts.cn = ca_cn;
	pki_cert *ca = pv_issue(ca_opts, pv_ta);
	pki_cert *ee = pv_issue((pki_opts){.cn = ee_cn}, ca);
	expect(want, 3, ee, CAS(ca));
	pki_free(ee);
	pki_free(ca);
}

/* PKITS 4.2 Validity periods */

Test(pathval, pkits_4_2_1_invalid_ca_notbefore)
{
	issuer_case("Bad notBefore Date CA",
	            (pki_opts){.ca = 1, .path_len = -1, .not_before = pki_date(2047, 1, 1)},
	            "Invalid CA notBefore Date EE",
	            "'Bad notBefore Date CA' is not valid until 2047-01-01");
}

Test(pathval, pkits_4_2_2_invalid_ee_notbefore)
{
	pki_cert *ee = pv_issue(
	    (pki_opts){.cn = "Invalid EE notBefore Date EE", .not_before = pki_date(2047, 1, 1)},
	    pv_good);
	expect("'Invalid EE notBefore Date EE' is not valid until 2047-01-01", 0, ee, CAS(pv_good));
	pki_free(ee);
}

Test(pathval, pkits_4_2_3_valid_pre2000_utc_notbefore)
{
	/* 1950 is the earliest year a UTCTime can hold ("50" is 1950, not 2050). */
	pki_cert *ee = pv_issue((pki_opts){.cn = "Valid pre2000 UTC notBefore Date EE",
	                                   .not_before = pki_date(1950, 1, 1)},
	                        pv_good);
	cr_assert_eq(ASN1_STRING_type(X509_get0_notBefore(ee->x)), V_ASN1_UTCTIME);
	expect(NULL, 3, ee, CAS(pv_good));
	pki_free(ee);
}

Test(pathval, pkits_4_2_5_invalid_ca_notafter)
{
	issuer_case("Bad notAfter Date CA",
	            (pki_opts){.ca = 1, .path_len = -1, .not_after = pki_date(2021, 1, 1)},
	            "Invalid CA notAfter Date EE", "'Bad notAfter Date CA' expired on 2021-01-01");
}

Test(pathval, pkits_4_2_6_invalid_ee_notafter)
{
	pki_cert *ee = pv_issue(
	    (pki_opts){.cn = "Invalid EE notAfter Date EE", .not_after = pki_date(2021, 1, 1)},
	    pv_good);
	expect("'Invalid EE notAfter Date EE' expired on 2021-01-01", 0, ee, CAS(pv_good));
	pki_free(ee);
}

Test(pathval, pkits_4_2_8_valid_generalizedtime_notafter)
{
	/* From 2050 on a date is a GeneralizedTime. */
	pki_cert *ee = pv_issue((pki_opts){.cn = "Valid GeneralizedTime notAfter Date EE",
	                                   .not_after = pki_date(2050, 1, 1)},
	                        pv_good);
	cr_assert_eq(ASN1_STRING_type(X509_get0_notAfter(ee->x)), V_ASN1_GENERALIZEDTIME);
	expect(NULL, 3, ee, CAS(pv_good));
	pki_free(ee);
}

/* The exact second (RFC 5280 4.1.2.5: "notBefore through notAfter, inclusive"). */

Test(pathval, ee_is_valid_at_its_notafter_second)
{
	pki_cert *ee = pv_issue((pki_opts){.cn = "Last Second EE", .not_after = PV_AT}, pv_good);
	expect_at(PV_AT, NULL, 3, ee, ROOTS(pv_ta), CAS(pv_good));
	pki_free(ee);
}

Test(pathval, ee_has_expired_one_second_after_its_notafter)
{
	pki_cert *ee = pv_issue((pki_opts){.cn = "Last Second EE", .not_after = PV_AT}, pv_good);
	expect_at(PV_AT + 1, "'Last Second EE' expired on 2030-03-15", 0, ee, ROOTS(pv_ta),
	          CAS(pv_good));
	pki_free(ee);
}

Test(pathval, ee_is_valid_at_its_notbefore_second)
{
	pki_cert *ee = pv_issue((pki_opts){.cn = "First Second EE", .not_before = PV_AT}, pv_good);
	expect_at(PV_AT, NULL, 3, ee, ROOTS(pv_ta), CAS(pv_good));
	pki_free(ee);
}

Test(pathval, ee_is_not_valid_one_second_before_its_notbefore)
{
	pki_cert *ee = pv_issue((pki_opts){.cn = "First Second EE", .not_before = PV_AT}, pv_good);
	expect_at(PV_AT - 1, "'First Second EE' is not valid until 2030-03-15", 0, ee, ROOTS(pv_ta),
	          CAS(pv_good));
	pki_free(ee);
}

Test(pathval, intermediate_is_valid_at_its_notafter_second_and_expired_after)
{
	pki_cert *ca = pv_issue(
	    (pki_opts){.cn = "Last Second CA", .ca = 1, .path_len = -1, .not_after = PV_AT}, pv_ta);
	pki_cert *ee = pv_issue((pki_opts){.cn = "Under Last Second CA EE"}, ca);
	expect_at(PV_AT, NULL, 3, ee, ROOTS(pv_ta), CAS(ca));
	expect_at(PV_AT + 1, "'Last Second CA' expired on 2030-03-15", 0, ee, ROOTS(pv_ta),
	          CAS(ca));
	pki_free(ee);
	pki_free(ca);
}

Test(pathval, anchor_is_valid_at_its_notafter_second_and_expired_after)
{
	pki_cert *root = pv_issue(
	    (pki_opts){.cn = "Last Second Root", .ca = 1, .path_len = -1, .not_after = PV_AT},
	    NULL);
	pki_cert *ee = pv_issue((pki_opts){.cn = "Under Last Second Root EE"}, root);
	expect_at(PV_AT, NULL, 2, ee, ROOTS(root), NULL);
	expect_at(PV_AT + 1, "'Last Second Root' expired on 2030-03-15", 0, ee, ROOTS(root), NULL);
	pki_free(ee);
	pki_free(root);
}

/* PKITS 4.6 Basic constraints */

Test(pathval, pkits_4_6_1_invalid_missing_basic_constraints)
{
	issuer_case("Missing basicConstraints CA",
	            (pki_opts){.ca = 1, .path_len = -1, .basic_constraints = ""},
	            "Invalid Missing basicConstraints EE",
	            "intermediate 'Missing basicConstraints CA' is in CA but cannot issue 'Invalid "
	            "Missing basicConstraints EE': it is not a CA (it has no basicConstraints "
	            "extension)");
}

Test(pathval, pkits_4_6_2_invalid_ca_false_critical)
{
	issuer_case(
	    "basicConstraints Critical cA False CA",
	    (pki_opts){.ca = 1, .basic_constraints = "critical,CA:FALSE"}, "Invalid cA False EE",
	    "intermediate 'basicConstraints Critical cA False CA' is in CA but cannot issue "
	    "'Invalid cA False EE': it is not a CA (basicConstraints cA=false)");
}

Test(pathval, pkits_4_6_3_invalid_ca_false_not_critical)
{
	issuer_case("basicConstraints Not Critical cA False CA",
	            (pki_opts){.ca = 1, .basic_constraints = "CA:FALSE"}, "Invalid cA False EE",
	            "intermediate 'basicConstraints Not Critical cA False CA' is in CA but cannot "
	            "issue 'Invalid cA False EE': it is not a CA (basicConstraints cA=false)");
}

Test(pathval, pkits_4_6_4_valid_basic_constraints_not_critical)
{
	issuer_case("basicConstraints Not Critical CA",
	            (pki_opts){.ca = 1, .basic_constraints = "CA:TRUE"},
	            "Valid basicConstraints Not Critical EE", NULL);
}

Test(pathval, pkits_4_6_5_invalid_path_length)
{
	pki_cert *ca =
	    pv_issue((pki_opts){.cn = "pathLenConstraint0 CA", .ca = 1, .path_len = 0}, pv_ta);
	pki_cert *sub =
	    pv_issue((pki_opts){.cn = "pathLenConstraint0 subCA", .ca = 1, .path_len = -1}, ca);
	pki_cert *ee = pv_issue((pki_opts){.cn = "Invalid pathLenConstraint EE"}, sub);
	expect("'pathLenConstraint0 CA' allows 0 CA certificates below it (pathLenConstraint 0); "
	       "the chain has 1",
	       0, ee, CAS(ca, sub));
	pki_free(ee);
	pki_free(sub);
	pki_free(ca);
}

Test(pathval, pkits_4_6_7_valid_path_length)
{
	issuer_case("pathLenConstraint0 CA", (pki_opts){.ca = 1, .path_len = 0},
	            "Valid pathLenConstraint EE", NULL);
}

Test(pathval, pkits_4_6_13_valid_path_length_of_one_below_six)
{
	pki_cert *ca =
	    pv_issue((pki_opts){.cn = "pathLenConstraint6 CA", .ca = 1, .path_len = 6}, pv_ta);
	pki_cert *sub =
	    pv_issue((pki_opts){.cn = "pathLenConstraint6 subCA1", .ca = 1, .path_len = 1}, ca);
	pki_cert *sub2 = pv_issue(
	    (pki_opts){.cn = "pathLenConstraint6 subsubCA11", .ca = 1, .path_len = 0}, sub);
	pki_cert *ee = pv_issue((pki_opts){.cn = "Valid pathLenConstraint EE"}, sub2);
	expect(NULL, 5, ee, CAS(ca, sub, sub2));
	pki_free(ee);
	pki_free(sub2);
	pki_free(sub);
	pki_free(ca);
}

/* PKITS 4.7 Key usage */

Test(pathval, pkits_4_7_1_invalid_key_usage_critical_keycertsign_false)
{
	issuer_case("keyUsage Critical keyCertSign False CA",
	            (pki_opts){.ca = 1, .path_len = -1, .key_usage = "critical,cRLSign"},
	            "Invalid keyUsage Critical keyCertSign False EE",
	            "intermediate 'keyUsage Critical keyCertSign False CA' is in CA but cannot "
	            "issue 'Invalid keyUsage Critical keyCertSign False EE': its keyUsage does not "
	            "include keyCertSign");
}

Test(pathval, pkits_4_7_2_invalid_key_usage_not_critical_keycertsign_false)
{
	issuer_case("keyUsage Not Critical keyCertSign False CA",
	            (pki_opts){.ca = 1, .path_len = -1, .key_usage = "cRLSign"},
	            "Invalid keyUsage Not Critical keyCertSign False EE",
	            "intermediate 'keyUsage Not Critical keyCertSign False CA' is in CA but cannot "
	            "issue 'Invalid keyUsage Not Critical keyCertSign False EE': its keyUsage does "
	            "not include keyCertSign");
}

Test(pathval, pkits_4_7_3_valid_key_usage_not_critical)
{
	issuer_case("keyUsage Not Critical CA",
	            (pki_opts){.ca = 1, .path_len = -1, .key_usage = "keyCertSign,cRLSign"},
	            "Valid keyUsage Not Critical EE", NULL);
}

/* PKITS 4.13 Name constraints */

/* A CA permitted the directory subtree O=Pathval Test, OU=permittedSubtree1. */
static void dn_case(const char *ee_ou, const char *ee_cn, const char *want)
{
	pki_cert *ca =
	    pv_issue((pki_opts){.cn = "nameConstraints DN1 CA",
	                        .ca = 1,
	                        .path_len = -1,
	                        .extensions =
	                            (const char *const[]){
	                                "nameConstraints=critical,permitted;dirName:subtree", NULL},
	                        .ext_conf = "[subtree]\nO = Pathval Test\n"
	                                    "OU = permittedSubtree1\n"},
	             pv_ta);
	char ou[96], cn[96];
	snprintf(ou, sizeof(ou), "OU=%s", ee_ou);
	snprintf(cn, sizeof(cn), "CN=%s", ee_cn);
	pki_cert *ee =
	    pv_issue((pki_opts){.rdns = (const char *const[]){"O=Pathval Test", ou, cn, NULL}}, ca);
	expect(want, 3, ee, CAS(ca));
	pki_free(ee);
	pki_free(ca);
}

Test(pathval, pkits_4_13_1_valid_dn_name_constraints)
{
	dn_case("permittedSubtree1", "Valid DN nameConstraints EE", NULL);
}

Test(pathval, pkits_4_13_2_invalid_dn_name_constraints)
{
	dn_case("otherSubtree", "Invalid DN nameConstraints EE",
	        "the name constraints of 'nameConstraints DN1 CA' do not permit the names of "
	        "'Invalid DN nameConstraints EE'");
}

static void constrained_case(const char *constraint, const char *ee_cn, const char *ee_san,
                             const char *want)
{
	pki_cert *ca = pv_issue((pki_opts){.cn = "nameConstraints CA",
	                                   .ca = 1,
	                                   .path_len = -1,
	                                   .extensions = (const char *const[]){constraint, NULL}},
	                        pv_ta);
	pki_cert *ee = pv_issue(
	    (pki_opts){.cn = ee_cn, .extensions = (const char *const[]){ee_san, NULL}}, ca);
	expect(want, 3, ee, CAS(ca));
	pki_free(ee);
	pki_free(ca);
}

Test(pathval, pkits_4_13_30_valid_dns_name_constraints)
{
	constrained_case("nameConstraints=critical,permitted;DNS:pathval.test",
	                 "Valid DNS nameConstraints EE", "subjectAltName=DNS:host.pathval.test",
	                 NULL);
}

Test(pathval, pkits_4_13_31_invalid_dns_name_constraints_permitted)
{
	constrained_case("nameConstraints=critical,permitted;DNS:pathval.test",
	                 "Invalid DNS nameConstraints EE", "subjectAltName=DNS:host.elsewhere.test",
	                 "the name constraints of 'nameConstraints CA' do not permit the names of "
	                 "'Invalid DNS nameConstraints EE'");
}

Test(pathval, pkits_4_13_33_invalid_dns_name_constraints_excluded)
{
	constrained_case(
	    "nameConstraints=critical,excluded;DNS:excluded.pathval.test",
	    "Invalid DNS nameConstraints EE", "subjectAltName=DNS:host.excluded.pathval.test",
	    "the name constraints of 'nameConstraints CA' exclude a name of 'Invalid DNS "
	    "nameConstraints EE'");
}

Test(pathval, dns_name_constraints_hold_a_host_name_cn_without_dns_names)
{
	/* OpenSSL's rule, not RFC 5280's: the CN is taken for a DNS name when there is none. */
	constrained_case("nameConstraints=critical,permitted;DNS:pathval.test",
	                 "host.elsewhere.test", "subjectAltName=email:alice@pathval.test",
	                 "the name constraints of 'nameConstraints CA' do not permit the names of "
	                 "'host.elsewhere.test'");
}

Test(pathval, pkits_4_13_22_invalid_rfc822_name_constraints)
{
	constrained_case("nameConstraints=critical,permitted;email:pathval.test",
	                 "Invalid RFC822 nameConstraints EE",
	                 "subjectAltName=email:alice@elsewhere.test",
	                 "the name constraints of 'nameConstraints CA' do not permit the names of "
	                 "'Invalid RFC822 nameConstraints EE'");
}

/* The enforcer's own cases: issuers that OpenSSL passes over while it builds the chain. */

Test(pathval, issuer_whose_key_cannot_be_decoded)
{
	issuer_case("Undecodable Key CA", (pki_opts){.ca = 1, .path_len = -1, .bad_key = 1},
	            "Under Undecodable Key CA EE",
	            "intermediate 'Undecodable Key CA' is in CA but cannot issue 'Under "
	            "Undecodable Key CA EE': its public key cannot be decoded");
}

Test(pathval, every_certificate_with_the_issuers_name_says_why_it_cannot_issue)
{
	pki_cert *renewed = mk_ca("Pathval Good CA", pv_ta);
	pki_cert *damaged = pv_issue(
	    (pki_opts){.cn = "Pathval Good CA", .ca = 1, .path_len = -1, .bad_key = 1}, pv_ta);
	pki_cert *ee = pv_issue((pki_opts){.cn = "Valid EE"}, pv_good);
	expect("intermediate 'Pathval Good CA' is in CA but cannot issue 'Valid EE': its signature "
	       "on 'Valid EE' does not verify; intermediate 'Pathval Good CA' is in CA but cannot "
	       "issue 'Valid EE': its public key cannot be decoded",
	       0, ee, CAS(renewed, damaged));
	pki_free(ee);
	pki_free(damaged);
	pki_free(renewed);
}

Test(pathval, issuer_renewed_with_another_key)
{
	pki_cert *renewed = mk_ca("Pathval Good CA", pv_ta);
	pki_cert *ee = pv_issue((pki_opts){.cn = "Issued Before Renewal EE"}, pv_good);
	expect(
	    "intermediate 'Pathval Good CA' is in CA but cannot issue 'Issued Before Renewal EE': "
	    "its signature on 'Issued Before Renewal EE' does not verify",
	    0, ee, CAS(renewed));
	/* With the old certificate back in CA the chain is whole again. */
	expect(NULL, 3, ee, CAS(renewed, pv_good));
	pki_free(ee);
	pki_free(renewed);
}

/* What an anchor may be (docs/certificates.md: as Windows, not as RFC 5280) */

Test(pathval, anchor_without_basic_constraints_may_issue)
{
	pki_cert *root = pv_issue(
	    (pki_opts){.cn = "Old Style Root", .basic_constraints = "", .key_usage = ""}, NULL);
	pki_cert *ee = pv_issue((pki_opts){.cn = "Under Old Style Root EE"}, root);
	expect_at(PV_AT, NULL, 2, ee, ROOTS(root), NULL);
	pki_free(ee);
	pki_free(root);
}

Test(pathval, anchor_with_ca_false_cannot_issue)
{
	pki_cert *root =
	    pv_issue((pki_opts){.cn = "cA False Root", .basic_constraints = "CA:FALSE"}, NULL);
	pki_cert *ee = pv_issue((pki_opts){.cn = "Under cA False Root EE"}, root);
	expect_at(PV_AT,
	          "'cA False Root' is in Root but cannot issue 'Under cA False Root EE': it is not "
	          "a CA (basicConstraints cA=false)",
	          0, ee, ROOTS(root), NULL);
	/* It is an anchor all the same: trusted for itself. */
	expect_at(PV_AT, NULL, 1, root, ROOTS(root), NULL);
	pki_free(ee);
	pki_free(root);
}

Test(pathval, intermediate_in_root_is_no_anchor_even_when_valid)
{
	pki_cert *ee = pv_issue((pki_opts){.cn = "Valid EE"}, pv_good);
	expect_at(PV_AT,
	          "'Pathval Good CA' is in Root but is not self-signed (an intermediate); its "
	          "issuer 'Pathval Trust Anchor' is not in Root",
	          0, ee, ROOTS(pv_good), NULL);
	pki_free(ee);
}
