/*
 * Reports as evidence (issue 20): `report verify` says what it verified,
 * exits 3 when only integrity was checked, checks the signer's chain at
 * the signing time (so a report outlives its signer's certificate), and
 * accepts an RFC 3161 time stamp from a trusted TSA, whose time then wins.
 */
#include "gitrepo.h"
#include "helpers.h"
#include "pki.h"
#include "signers.h"

#include "util/util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static char *dir;
static time_t signed_2024; /* 2024-06-01T00:05:00Z: while "Old Signer" was valid */

static void init(void)
{
	dir = th_tmpdir();
	gr_pki(dir);
	gr_pki_more(dir);
	free(th_write(dir, "report.json", sg_report_json));
	/* A CA that outlives its signer, as CAs do: 2023 to a year from now. */
	sg_issue(dir, "oldca", "Contoso Old Signing CA", NULL, pki_date(2023, 1, 1),
	         time(NULL) + 365 * 86400L);
	sg_issue(dir, "old", "Old Signer", "oldca", pki_date(2024, 1, 1), pki_date(2025, 1, 1));
	signed_2024 = pki_date(2024, 6, 1) + 300;
}

static void fini(void)
{
	free(dir);
	dir = NULL;
	th_cleanup();
}

TestSuite(report_time, .init = init, .fini = fini);

static const char run_lines[] =
    "  run:     20240601T000000Z-0a1b2c (apply) on EDGE01, started 2024-06-01T00:00:00.000Z\n"
    "  policy:  lync-edge, commit 3f2a9c1b7d4e5f60718293a4b5c6d7e8f9012345\n";

static char *file_text(const char *name)
{
	char *p = enf_asprintf("%s/%s", dir, name);
	char *t = th_read(p, NULL);
	free(p);
	return t;
}

Test(report_time, verify_says_what_it_verified_and_exits_3_when_only_integrity_was_checked)
{
	sg_sign_at(dir, "report.json", "old", signed_2024);
	gr_run r = gr_cli(dir, GR_ARGS("report", "verify", "report.json"));
	char *want = enf_asprintf(
	    "report.json: intact: signed by CN=Old Signer; only its integrity was checked, not "
	    "who signed it (give --trusted-signers PEM)\n%s"
	    "  signer:  CN=Old Signer\n"
	    "  signed:  2024-06-01T00:05:00Z, as the signature states (signingTime)\n",
	    run_lines);
	cr_expect_eq(r.code, 3);
	cr_expect_str_eq(r.out, want);
	cr_expect_str_eq(r.err, "");
	gr_run_free(&r);
	free(want);
	/* The certificate expired on 2025-01-01; the report, signed in 2024, still verifies. */
	r = gr_cli(dir,
	           GR_ARGS("report", "verify", "--trusted-signers", "oldca.pem", "report.json"));
	want = enf_asprintf(
	    "report.json: valid: signed by CN=Old Signer, a trusted signer ('oldca.pem')\n%s"
	    "  signer:  CN=Old Signer\n"
	    "  signed:  2024-06-01T00:05:00Z, as the signature states (signingTime)\n"
	    "  chain:   checked at the signing time 2024-06-01T00:05:00Z: the certificate has "
	    "since expired\n",
	    run_lines);
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect_str_eq(r.out, want);
	gr_run_free(&r);
	free(want);
	/* Not a report of enforcer's: the signature holds, there is no run to show. */
	free(th_write(dir, "other.json", "{\"not\": \"a report\"}\n"));
	sg_sign_at(dir, "other.json", "signer", 0);
	r = gr_cli(dir, GR_ARGS("report", "verify", "--trusted-signers", "ca.pem", "other.json"));
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect(strstr(r.out, "\n  run:     (the signed file is not an enforcer report: no run "
	                        "to show)\n  signer:  CN=Policy Signer,O=Contoso\n"),
	          "%s", r.out);
	gr_run_free(&r);
}

Test(report_time, a_signature_made_after_the_certificate_expired_is_refused)
{
	sg_sign_at(dir, "report.json", "old", pki_date(2025, 6, 1));
	gr_run r = gr_cli(
	    dir, GR_ARGS("report", "verify", "--trusted-signers", "oldca.pem", "report.json"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "report.json: untrusted: signed by CN=Old Signer, but the signer's "
	                        "certificate does not chain to a trusted signer in 'oldca.pem' "
	                        "(certificate has expired at the signing time)\n");
	char *want = enf_asprintf("%s  signer:  CN=Old Signer\n"
	                          "  signed:  2025-06-01T00:00:00Z, as the signature states "
	                          "(signingTime)\n",
	                          run_lines);
	cr_expect_str_eq(r.out, want);
	free(want);
	gr_run_free(&r);
}

Test(report_time, a_time_stamp_from_the_company_tsa_is_attached_and_its_time_is_used)
{
	time_t now = time(NULL);
	sg_sign_at(dir, "report.json", "signer", now);
	char *report_before = file_text("report.json");
	char *plain = file_text("report.json.p7s");
	size_t plain_len = 0;
	char *p7s_path = enf_asprintf("%s/report.json.p7s", dir);
	free(th_read(p7s_path, &plain_len));
	free(gr_sh(dir, "cp report.json.p7s plain.p7s"));

	gr_run r = gr_cli(
	    dir, GR_ARGS("report", "timestamp", "--signature-value", "sig.bin", "report.json"));
	size_t value_len = 0;
	char *sig_bin = enf_asprintf("%s/sig.bin", dir);
	free(th_read(sig_bin, &value_len));
	char *want = enf_asprintf("sig.bin: the signature value of 'report.json.p7s' (%zu bytes): "
	                          "time-stamp it with\n"
	                          "  openssl ts -query -data sig.bin -sha256 -cert -out req.tsq\n",
	                          value_len);
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect_str_eq(r.out, want);
	cr_expect(value_len >= 64 && value_len <= 72, "an ECDSA P-256 signature value");
	gr_run_free(&r);
	free(want);

	sg_timestamp(dir, "tsa", "sig.bin", "token.tsr");
	r = gr_cli(dir, GR_ARGS("report", "timestamp", "--timestamp", "token.tsr", "report.json"));
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect_str_eq(r.out, "token.tsr: time-stamp token attached to 'report.json.p7s'; check "
	                        "it with enforcer report verify --trusted-signers PEM "
	                        "[--tsa-certs PEM] report.json\n");
	gr_run_free(&r);
	char *report_after = file_text("report.json");
	cr_expect_str_eq(report_after, report_before, "report.json changed");
	cr_expect_eq(gr_sh_status(dir, "openssl cms -verify -binary -inform DER -in "
	                               "report.json.p7s -content report.json -CAfile ca.pem "
	                               "-purpose any -out /dev/null"),
	             0, "OpenSSL still accepts the signature with its token");

	char signed_at[32], *gen = sg_gen_time(dir, "token.tsr");
	struct tm tm;
	enf_gmtime(&tm, now);
	strftime(signed_at, sizeof(signed_at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	r = gr_cli(dir, GR_ARGS("report", "verify", "--trusted-signers", "ca.pem", "report.json"));
	want = enf_asprintf("report.json: valid: signed by CN=Policy Signer,O=Contoso, a trusted "
	                    "signer ('ca.pem')\n%s"
	                    "  signer:  CN=Policy Signer,O=Contoso\n"
	                    "  signed:  %s, as the signature states (signingTime)\n"
	                    "  chain:   checked at the time-stamp's time %s (RFC 3161, by "
	                    "CN=Contoso TSA,O=Contoso)\n",
	                    run_lines, signed_at, gen);
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect_str_eq(r.out, want);
	gr_run_free(&r);
	free(want);

	/* One token per signature: a second is refused and the file is left as it is. */
	char *with_token = file_text("report.json.p7s");
	r = gr_cli(dir, GR_ARGS("report", "timestamp", "--timestamp", "token.tsr", "report.json"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "enforcer: 'token.tsr' was not attached to 'report.json.p7s': the "
	                        "signature already carries a time-stamp token\n"
	                        "Nothing was changed.\n");
	gr_run_free(&r);
	char *still = file_text("report.json.p7s");
	cr_expect_str_eq(still, with_token);
	free(still);
	free(with_token);
	free(gen);
	free(report_after);
	free(report_before);
	free(plain);
	free(sig_bin);
	free(p7s_path);
}

Test(report_time, a_token_over_other_data_or_from_an_untrusted_tsa_is_refused)
{
	sg_sign_at(dir, "report.json", "signer", 0);
	free(gr_sh(dir, "cp report.json.p7s plain.p7s"));
	gr_run r = gr_cli(
	    dir, GR_ARGS("report", "timestamp", "--signature-value", "sig.bin", "report.json"));
	cr_assert_eq(r.code, 0, "%s", r.err);
	gr_run_free(&r);

	/* A token over report.json itself, not over the signature value. */
	sg_timestamp(dir, "tsa", "report.json", "other.tsr");
	r = gr_cli(dir, GR_ARGS("report", "timestamp", "--timestamp", "other.tsr", "report.json"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "enforcer: 'other.tsr' was not attached to 'report.json.p7s': the "
	                        "time-stamp token does not cover this signature: it was made for "
	                        "other data (make the query from the signature value that "
	                        "'enforcer report timestamp --signature-value' writes)\n"
	                        "Nothing was changed.\n");
	gr_run_free(&r);
	cr_expect_eq(gr_sh_status(dir, "cmp -s plain.p7s report.json.p7s"), 0,
	             "the signature file changed");
	/* Attached by hand, as a forger would: verify refuses it. */
	free(gr_sh(dir, "cp plain.p7s forged.p7s"));
	sg_attach_raw(dir, "forged.p7s", "other.tsr");
	r = gr_cli(dir, GR_ARGS("report", "verify", "--trusted-signers", "ca.pem", "--signature",
	                        "forged.p7s", "report.json"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "report.json: invalid: its time-stamp token covers other data than "
	                        "this signature\n");
	cr_expect_str_eq(r.out, "");
	gr_run_free(&r);

	/* A TSA of another CA: attached (it covers the signature), refused when verified. */
	sg_timestamp(dir, "rogue-tsa", "sig.bin", "rogue.tsr");
	r = gr_cli(dir, GR_ARGS("report", "timestamp", "--timestamp", "rogue.tsr", "report.json"));
	cr_expect_eq(r.code, 0, "%s", r.err);
	gr_run_free(&r);
	r = gr_cli(dir, GR_ARGS("report", "verify", "--trusted-signers", "ca.pem", "report.json"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "report.json: untrusted: signed by CN=Policy Signer,O=Contoso, but "
	                        "its time-stamp token is not from a trusted time-stamping "
	                        "authority (certificate verify error: Verify error:unable to get "
	                        "local issuer certificate)\n");
	gr_run_free(&r);
	/* --tsa-certs names the TSAs to trust, apart from the signers. */
	r = gr_cli(dir, GR_ARGS("report", "verify", "--trusted-signers", "ca.pem", "--tsa-certs",
	                        "other-ca.pem", "report.json"));
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect(strstr(r.out, " (RFC 3161, by CN=Rogue TSA,O=Elsewhere)\n"), "%s", r.out);
	gr_run_free(&r);
	r = gr_cli(dir, GR_ARGS("report", "verify", "--tsa-certs", "ca.pem", "report.json"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "enforcer report verify: --tsa-certs checks the signer: give "
	                        "--trusted-signers PEM\nSee 'enforcer report verify --help'.\n");
	gr_run_free(&r);
}

Test(report_time, the_time_stamp_wins_over_a_signing_time_the_signer_states)
{
	/* Signed today with the key of a certificate that expired in 2025, dated 2024. */
	sg_sign_at(dir, "report.json", "old", signed_2024);
	gr_run r = gr_cli(
	    dir, GR_ARGS("report", "timestamp", "--signature-value", "sig.bin", "report.json"));
	cr_assert_eq(r.code, 0, "%s", r.err);
	gr_run_free(&r);
	sg_timestamp(dir, "tsa", "sig.bin", "token.tsr");
	r = gr_cli(dir, GR_ARGS("report", "timestamp", "--timestamp", "token.tsr", "report.json"));
	cr_assert_eq(r.code, 0, "%s", r.err);
	gr_run_free(&r);
	r = gr_cli(dir, GR_ARGS("report", "verify", "--trusted-signers", "oldca.pem", "--tsa-certs",
	                        "ca.pem", "report.json"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "report.json: untrusted: signed by CN=Old Signer, but the signer's "
	                        "certificate does not chain to a trusted signer in 'oldca.pem' "
	                        "(certificate has expired at the time-stamp's time)\n");
	gr_run_free(&r);
}
