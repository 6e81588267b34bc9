/*
 * Signed reports: report.json.p7s is a detached CMS signature that both
 * `enforcer report verify` and `openssl cms -verify` accept, and that any
 * one-byte change of the report or the signature breaks.
 */
#include "engine_fixture.h"
#include "gitrepo.h"
#include "helpers.h"

#include "enforcer/errors.h"
#include "enforcer/report.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The command docs/CLI.md gives, run in `dir`; its exit status. */
static int openssl_verify(const char *dir, const char *report, const char *sig, const char *ca)
{
	return gr_sh_status(dir,
	                    "openssl cms -verify -binary -inform DER -in %s -content %s "
	                    "-CAfile %s -purpose any -out /dev/null",
	                    sig, report, ca);
}

/* Copies DIR/FROM to DIR/TO with byte `at` (negative: from the end) flipped. */
static void flip_byte(const char *dir, const char *from, const char *to, long at)
{
	char *src = enf_asprintf("%s/%s", dir, from), *dst = enf_asprintf("%s/%s", dir, to);
	size_t len = 0;
	char *data = th_read(src, &len);
	size_t i = at < 0 ? len - (size_t)(-at) : (size_t)at;
	data[i] ^= 0x01;
	cr_assert_eq(enf_write_file_atomic(dst, data, len), 0);
	free(data);
	free(src);
	free(dst);
}

static enf_sig_check verify(const char *dir, const char *report, const char *sig, const char *ca)
{
	char *r = enf_asprintf("%s/%s", dir, report), *s = enf_asprintf("%s/%s", dir, sig);
	char *c = ca ? enf_asprintf("%s/%s", dir, ca) : NULL;
	enf_sig_check check;
	cr_assert_eq(enf_report_verify(&check, r, s, c), 0, "%s", enf_error_last()->message);
	free(r);
	free(s);
	free(c);
	return check;
}

/*
 * Each test's folder: the test PKI (gitrepo.h: signer.key, signer.pem, ca.pem...),
 * the seeds' Edge server (server.json) and baseline (policy.yaml).
 */
static char *dir;

static void signing_init(void)
{
	dir = th_tmpdir();
	gr_pki(dir);
	free(th_write(dir, "server.json", fx_seed_snapshot));
	free(th_write(dir, "policy.yaml", fx_seed_policy));
}

static void signing_fini(void)
{
	free(dir);
	dir = NULL;
	th_cleanup();
}

TestSuite(signing, .init = signing_init, .fini = signing_fini);

Test(signing, a_signed_report_verifies_and_a_one_byte_change_fails_here_and_in_openssl)
{
	const char report[] =
	    "{\n  \"schema\": \"enforcer-report/1\",\n  \"counts\": {\"changed\": 3}\n}\n";
	free(th_write(dir, "report.json", report));
	char *key = enf_asprintf("%s/signer.key", dir), *cert = enf_asprintf("%s/signer.pem", dir);
	enf_report_signer *signer = NULL;
	cr_assert_eq(enf_report_signer_load(&signer, key, cert), 0, "%s",
	             enf_error_last()->message);
	cr_expect_str_eq(enf_report_signer_subject(signer), "CN=Policy Signer,O=Contoso");
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	cr_assert_eq(enf_report_sign(&sig, &sig_len, signer, report, strlen(report)), 0);
	char *sig_path = enf_asprintf("%s/report.json.p7s", dir);
	cr_assert_eq(enf_write_file_atomic(sig_path, sig, sig_len), 0);
	cr_expect_eq(sig[0], 0x30, "DER starts with a SEQUENCE");

	enf_sig_check c = verify(dir, "report.json", "report.json.p7s", "ca.pem");
	cr_expect_eq(c.status, ENF_SIG_VALID, "%s", c.reason);
	cr_expect_str_eq(c.signer, "CN=Policy Signer,O=Contoso");
	enf_sig_check_clear(&c);
	cr_expect_eq(openssl_verify(dir, "report.json", "report.json.p7s", "ca.pem"), 0);

	flip_byte(dir, "report.json", "altered.json", 40);
	c = verify(dir, "altered.json", "report.json.p7s", "ca.pem");
	cr_expect_eq(c.status, ENF_SIG_INVALID);
	cr_expect_str_eq(
	    c.reason,
	    "the signed content does not match the signature: it was altered after signing");
	enf_sig_check_clear(&c);
	cr_expect_neq(openssl_verify(dir, "altered.json", "report.json.p7s", "ca.pem"), 0);

	/* The last byte is the signature value's. */
	flip_byte(dir, "report.json.p7s", "altered.p7s", -1);
	c = verify(dir, "report.json", "altered.p7s", "ca.pem");
	cr_expect_eq(c.status, ENF_SIG_INVALID);
	cr_expect_str_eq(
	    c.reason,
	    "the signed content does not match the signature: it was altered after signing");
	enf_sig_check_clear(&c);
	cr_expect_neq(openssl_verify(dir, "report.json", "altered.p7s", "ca.pem"), 0);

	c = verify(dir, "report.json", "report.json.p7s", "other-ca.pem");
	cr_expect_eq(c.status, ENF_SIG_UNTRUSTED);
	cr_expect_eq(c.trust_checked, 1);
	enf_sig_check_clear(&c);
	cr_expect_neq(openssl_verify(dir, "report.json", "report.json.p7s", "other-ca.pem"), 0);

	c = verify(dir, "report.json", "report.json.p7s", NULL);
	cr_expect_eq(c.status, ENF_SIG_UNTRUSTED);
	cr_expect_eq(c.trust_checked, 0);
	cr_expect_str_eq(c.signer, "CN=Policy Signer,O=Contoso");
	enf_sig_check_clear(&c);

	c = verify(dir, "report.json", "report.json", NULL);
	cr_expect_eq(c.status, ENF_SIG_INVALID);
	cr_expect_str_eq(c.reason, "not a CMS (PKCS #7) signature in PEM or DER form");
	enf_sig_check_clear(&c);
	free(sig);
	free(sig_path);
	enf_report_signer_free(signer);
	free(key);
	free(cert);
}

/*
 * What `report verify` prints under its verdict for DIR/REPORT, signed by
 * the policy signer: the run and policy as report.json has them, and the
 * signing time as the signature carries it (read through the library).
 */
static char *verified_lines(const char *report, int chain)
{
	char *path = enf_asprintf("%s/%s", dir, report), *p7s = enf_asprintf("%s.p7s", path);
	json_t *doc = json_load_file(path, 0, NULL);
	cr_assert(doc, "%s is not JSON", path);
	const char *id = NULL, *mode = NULL, *host = NULL, *started = NULL, *name = NULL,
	           *sha = NULL;
	cr_assert_eq(json_unpack(doc, "{s:{s:s, s:s, s:s, s:s}, s:{s:s, s:{s:s}}}", "run", "id",
	                         &id, "mode", &mode, "host", &host, "started", &started, "policy",
	                         "name", &name, "source", "sha256", &sha),
	             0);
	char *sig = enf_asprintf("%s.p7s", report);
	enf_sig_check c = verify(dir, report, sig, NULL);
	free(sig);
	struct tm tm;
	char at[32];
	enf_gmtime(&tm, (time_t)c.signed_at);
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	char *out = enf_asprintf("  run:     %s (%s) on %s, started %s\n"
	                         "  policy:  %s, not from a commit (file sha256 %s)\n"
	                         "  signer:  CN=Policy Signer,O=Contoso\n"
	                         "  signed:  %s, as the signature states (signingTime)\n"
	                         "%s%s%s",
	                         id, mode, host, started, name, sha, at,
	                         chain ? "  chain:   checked at the signing time " : "",
	                         chain ? at : "", chain ? "\n" : "");
	enf_sig_check_clear(&c);
	json_decref(doc);
	free(path);
	free(p7s);
	return out;
}

Test(signing, apply_signs_its_report_and_report_verify_checks_it)
{
	gr_run r = gr_cli(dir, GR_ARGS("apply", "--target", "snapshot:server.json", "--state-dir",
	                               "state", "--report-dir", "reports", "--sign-key",
	                               "signer.key", "--sign-cert", "signer.pem", "policy.yaml"));
	cr_expect_eq(r.code, 2, "%s", r.err);
	gr_run_free(&r);
	cr_expect_eq(
	    openssl_verify(dir, "reports/report.json", "reports/report.json.p7s", "ca.pem"), 0);

	r = gr_cli(
	    dir, GR_ARGS("report", "verify", "--trusted-signers", "ca.pem", "reports/report.json"));
	char *lines = verified_lines("reports/report.json", 1);
	char *want = enf_asprintf("reports/report.json: valid: signed by CN=Policy "
	                          "Signer,O=Contoso, a trusted signer ('ca.pem')\n%s",
	                          lines);
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect_str_eq(r.out, want);
	gr_run_free(&r);
	free(want);
	free(lines);
	/* Issue 20: only integrity checked is not a pass (it was 0): anyone can re-sign. */
	r = gr_cli(dir, GR_ARGS("report", "verify", "reports/report.json"));
	lines = verified_lines("reports/report.json", 0);
	want = enf_asprintf("reports/report.json: intact: signed by CN=Policy Signer,O=Contoso; "
	                    "only its integrity was checked, not who signed it (give "
	                    "--trusted-signers PEM)\n%s",
	                    lines);
	cr_expect_eq(r.code, 3, "%s", r.err);
	cr_expect_str_eq(r.out, want);
	gr_run_free(&r);
	free(want);
	free(lines);
	r = gr_cli(dir, GR_ARGS("report", "verify", "--trusted-signers", "other-ca.pem",
	                        "reports/report.json"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err,
	                 "reports/report.json: untrusted: signed by CN=Policy Signer,O=Contoso, "
	                 "but the signer's certificate does not chain to a trusted signer in "
	                 "'other-ca.pem' (unable to get local issuer certificate)\n");
	gr_run_free(&r);

	/* One byte of the report changed: the run's counts, say. */
	free(gr_sh(dir, "sed -i 's/\"changed\": 3/\"changed\": 2/' reports/report.json"));
	r = gr_cli(
	    dir, GR_ARGS("report", "verify", "--trusted-signers", "ca.pem", "reports/report.json"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.out, "");
	cr_expect_str_eq(r.err, "reports/report.json: invalid: the signed content does not match "
	                        "the signature: it was altered after signing\n");
	gr_run_free(&r);
	cr_expect_neq(
	    openssl_verify(dir, "reports/report.json", "reports/report.json.p7s", "ca.pem"), 0);

	/* A later run without signing leaves no signature that does not match. */
	r = gr_cli(dir, GR_ARGS("plan", "--target", "snapshot:server.json", "--report-dir",
	                        "reports", "policy.yaml"));
	cr_expect_eq(r.code, 0, "%s", r.err);
	gr_run_free(&r);
	char *p7s = enf_asprintf("%s/reports/report.json.p7s", dir);
	cr_expect_not(enf_path_exists(p7s));
	r = gr_cli(dir, GR_ARGS("report", "verify", "reports/report.json"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "enforcer: cannot verify the report: cannot open "
	                        "'reports/report.json.p7s': No such file or directory\n");
	gr_run_free(&r);
	free(p7s);
}

Test(signing, a_key_with_a_passphrase_is_refused_before_the_run)
{
	free(gr_sh(dir,
	           "openssl pkey -in signer.key -aes256 -passout pass:secret -out pkcs8.key && "
	           "openssl ec -in signer.key -aes256 -passout pass:secret -out legacy.key "
	           "2>/dev/null && grep -q Proc-Type legacy.key"));
	static const char *const keys[] = {"pkcs8.key", "legacy.key"};
	for (size_t i = 0; i < 2; i++) {
		gr_run r =
		    gr_cli(dir, GR_ARGS("apply", "--target", "snapshot:server.json", "--state-dir",
		                        "state", "--report-dir", "reports", "--sign-key", keys[i],
		                        "--sign-cert", "signer.pem", "policy.yaml"));
		char *want = enf_asprintf(
		    "enforcer apply: the signing key '%s' is protected by a passphrase; enforcer "
		    "runs unattended (a scheduled task cannot type one): keep the key without a "
		    "passphrase and protect the file with its permissions instead\n"
		    "Nothing was read or changed.\n",
		    keys[i]);
		cr_expect_eq(r.code, 1);
		cr_expect_str_eq(r.err, want);
		free(want);
		gr_run_free(&r);
	}
	char *server = enf_asprintf("%s/server.json", dir),
	     *reports = enf_asprintf("%s/reports", dir);
	char *now = th_read(server, NULL);
	cr_expect_str_eq(now, fx_seed_snapshot);
	cr_expect_not(enf_path_exists(reports));
	/* A key that is not the certificate's. */
	gr_run r = gr_cli(dir, GR_ARGS("plan", "--target", "snapshot:server.json", "--report-dir",
	                               "reports", "--sign-key", "rogue.key", "--sign-cert",
	                               "signer.pem", "policy.yaml"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "enforcer plan: the signing key 'rogue.key' does not belong to the "
	                        "certificate 'signer.pem'\n"
	                        "Nothing was read or changed.\n");
	gr_run_free(&r);
	r = gr_cli(dir, GR_ARGS("plan", "--target", "snapshot:server.json", "--sign-key",
	                        "signer.key", "--sign-cert", "signer.pem", "policy.yaml"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "enforcer plan: --sign-key signs report.json: give --report-dir "
	                        "DIR or --audit-repo DIR for it\n"
	                        "See 'enforcer plan --help'.\n");
	gr_run_free(&r);
	free(now);
	free(server);
	free(reports);
}
