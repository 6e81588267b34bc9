/*
 * Who may sign (issue 20): a certificate under the trusted CA is not
 * enough. A web server's TLS certificate, a CA, a certificate without key
 * usage or extended key usage are refused as policy-commit and report
 * signers, with --signer-eku naming other purposes; and nothing changes.
 */
#include "engine_fixture.h"
#include "gitrepo.h"
#include "helpers.h"
#include "signers.h"

#include "enforcer/report.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static char *dir;

static void init(void)
{
	dir = th_tmpdir();
	gr_pki(dir);
	gr_pki_more(dir);
	free(th_write(dir, "server.json", fx_seed_snapshot));
	free(th_write(dir, "policy.yaml", fx_seed_policy));
}

static void fini(void)
{
	free(dir);
	dir = NULL;
	th_cleanup();
}

TestSuite(signers, .init = init, .fini = fini);

/* server.json as the seed wrote it, and no state folder or report folder. */
static void expect_nothing_changed(void)
{
	char *server = enf_asprintf("%s/server.json", dir), *state = enf_asprintf("%s/state", dir),
	     *reports = enf_asprintf("%s/reports", dir);
	char *now = th_read(server, NULL);
	cr_expect_str_eq(now, fx_seed_snapshot, "server.json changed");
	cr_expect_not(enf_path_exists(state), "the state folder was created");
	cr_expect_not(enf_path_exists(reports), "the report folder was created");
	free(now);
	free(server);
	free(state);
	free(reports);
}

static const char web_refused[] =
    "'CN=web01.contoso.com,O=Contoso' is not allowed to sign: its key usage is "
    "keyEncipherment, keyAgreement, without digitalSignature; its extended key usage is "
    "serverAuth; allowed: codeSigning, emailProtection (--signer-eku)";

/* Each certificate that may not sign, and why, as the refusal says. */
static const struct {
	const char *name, *subject, *why;
} refused[] = {
    {"web", "CN=web01.contoso.com,O=Contoso", web_refused},
    {"casigner", "CN=Contoso Signing CA,O=Contoso",
     "'CN=Contoso Signing CA,O=Contoso' is not allowed to sign: it is a CA certificate "
     "(basicConstraints CA:TRUE): a CA issues signers' certificates, it does not sign"},
    {"noku", "CN=No Key Usage,O=Contoso",
     "'CN=No Key Usage,O=Contoso' is not allowed to sign: it has no key usage extension (a "
     "signer needs digitalSignature)"},
    {"noeku", "CN=No Extended Key Usage,O=Contoso",
     "'CN=No Extended Key Usage,O=Contoso' is not allowed to sign: it has no extended key "
     "usage; allowed: codeSigning, emailProtection (--signer-eku)"},
};

Test(signers, policy_commits_signed_by_a_web_server_a_ca_or_without_usages_are_refused)
{
	char *repo = gr_init(dir, "policy-repo");
	gr_write(repo, "policies/edge.yaml", fx_seed_policy);
	for (size_t i = 0; i < ENF_ARRAY_SIZE(refused); i++) {
		gr_write(repo, "policies/signed-by.txt", refused[i].name);
		char *id = gr_commit(repo, dir, refused[i].name, refused[i].name);
		free(gr_sh(repo, "git branch %s", refused[i].name));
		gr_run r =
		    gr_cli(dir, GR_ARGS("apply", "--target", "snapshot:server.json", "--state-dir",
		                        "state", "--report-dir", "reports", "--repo", "policy-repo",
		                        "--ref", refused[i].name, "--trusted-signers", "ca.pem",
		                        "--require-signed", "policies/edge.yaml"));
		char *want = enf_asprintf(
		    "enforcer apply: refusing commit %.12s (%s) of 'policy-repo': its signature is "
		    "untrusted (signed by %s): %s; --require-signed accepts only a valid x509 "
		    "signature from a signer in 'ca.pem'\nNothing was read or changed.\n",
		    id, refused[i].name, refused[i].subject, refused[i].why);
		cr_expect_eq(r.code, 1, "%s", refused[i].name);
		cr_expect_str_eq(r.err, want);
		cr_expect_str_eq(r.out, "");
		gr_run_free(&r);
		expect_nothing_changed();
		free(want);
		free(id);
	}
	/* The policy signer of the same CA, with code signing, still signs. */
	gr_write(repo, "policies/signed-by.txt", "signer");
	free(gr_commit(repo, dir, "signer", "by the policy signer"));
	gr_run r = gr_cli(dir, GR_ARGS("plan", "--target", "snapshot:server.json", "--repo",
	                               "policy-repo", "--trusted-signers", "ca.pem",
	                               "--require-signed", "policies/edge.yaml"));
	cr_expect_eq(r.code, 2, "%s", r.err);
	gr_run_free(&r);
	free(repo);
}

Test(signers, signer_eku_names_the_purposes_a_policy_signer_may_carry)
{
	char *repo = gr_init(dir, "policy-repo");
	gr_write(repo, "policies/edge.yaml", fx_seed_policy);
	char *id = gr_commit(repo, dir, "private", "by a private purpose");
	free(gr_sh(repo, "git branch private"));
	gr_write(repo, "policies/signed-by.txt", "signer");
	char *code_signed = gr_commit(repo, dir, "signer", "by code signing");
	gr_run r = gr_cli(dir, GR_ARGS("plan", "--target", "snapshot:server.json", "--repo",
	                               "policy-repo", "--ref", "private", "--trusted-signers",
	                               "ca.pem", "--require-signed", "policies/edge.yaml"));
	char *want = enf_asprintf(
	    "enforcer plan: refusing commit %.12s (private) of 'policy-repo': its signature is "
	    "untrusted (signed by CN=Private Purpose Signer,O=Contoso): 'CN=Private Purpose "
	    "Signer,O=Contoso' is not allowed to sign: its extended key usage is "
	    "1.3.6.1.4.1.311.99.1; allowed: codeSigning, emailProtection (--signer-eku); "
	    "--require-signed accepts only a valid x509 signature from a signer in 'ca.pem'\n"
	    "Nothing was read or changed.\n",
	    id);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, want);
	gr_run_free(&r);
	free(want);
	r = gr_cli(dir,
	           GR_ARGS("plan", "--target", "snapshot:server.json", "--repo", "policy-repo",
	                   "--ref", "private", "--trusted-signers", "ca.pem", "--require-signed",
	                   "--signer-eku", "1.3.6.1.4.1.311.99.1", "policies/edge.yaml"));
	cr_expect_eq(r.code, 2, "%s", r.err);
	gr_run_free(&r);
	/* Named purposes replace the default set: code signing no longer counts. */
	r = gr_cli(dir, GR_ARGS("plan", "--target", "snapshot:server.json", "--repo", "policy-repo",
	                        "--trusted-signers", "ca.pem", "--require-signed", "--signer-eku",
	                        "1.3.6.1.4.1.311.99.1", "policies/edge.yaml"));
	want = enf_asprintf(
	    "enforcer plan: refusing commit %.12s (HEAD) of 'policy-repo': its signature is "
	    "untrusted (signed by CN=Policy Signer,O=Contoso): 'CN=Policy Signer,O=Contoso' is "
	    "not allowed to sign: its extended key usage is codeSigning; allowed: "
	    "1.3.6.1.4.1.311.99.1 (--signer-eku); --require-signed accepts only a valid x509 "
	    "signature from a signer in 'ca.pem'\nNothing was read or changed.\n",
	    code_signed);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, want);
	gr_run_free(&r);
	free(want);
	r = gr_cli(dir, GR_ARGS("plan", "--target", "snapshot:server.json", "--repo", "policy-repo",
	                        "--trusted-signers", "ca.pem", "--signer-eku", "web",
	                        "policies/edge.yaml"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "enforcer plan: --signer-eku 'web' is not an object identifier; "
	                        "give one in dotted form, e.g. 1.3.6.1.5.5.7.3.3 for code "
	                        "signing\nNothing was read or changed.\n");
	gr_run_free(&r);
	r = gr_cli(dir, GR_ARGS("plan", "--target", "snapshot:server.json", "--signer-eku",
	                        "1.3.6.1.5.5.7.3.3", "policy.yaml"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "enforcer plan: --signer-eku names what a signer may be: give it "
	                        "with --trusted-signers PEM (policy commits) or --sign-key KEY "
	                        "(reports)\nSee 'enforcer plan --help'.\n");
	gr_run_free(&r);
	expect_nothing_changed();
	free(code_signed);
	free(id);
	free(repo);
}

Test(signers, a_report_signing_certificate_that_may_not_sign_is_refused_before_the_run)
{
	for (size_t i = 0; i < ENF_ARRAY_SIZE(refused); i++) {
		char *key = enf_asprintf("%s.key", refused[i].name),
		     *cert = enf_asprintf("%s.pem", refused[i].name);
		gr_run r =
		    gr_cli(dir, GR_ARGS("apply", "--target", "snapshot:server.json", "--state-dir",
		                        "state", "--report-dir", "reports", "--sign-key", key,
		                        "--sign-cert", cert, "policy.yaml"));
		char *want = enf_asprintf("enforcer apply: the signing certificate '%s': %s\n"
		                          "Nothing was read or changed.\n",
		                          cert, refused[i].why);
		cr_expect_eq(r.code, 1, "%s", refused[i].name);
		cr_expect_str_eq(r.err, want);
		cr_expect_str_eq(r.out, "");
		gr_run_free(&r);
		expect_nothing_changed();
		free(want);
		free(key);
		free(cert);
	}
	gr_run r = gr_cli(dir, GR_ARGS("apply", "--target", "snapshot:server.json", "--state-dir",
	                               "state", "--report-dir", "reports", "--sign-key",
	                               "private.key", "--sign-cert", "private.pem", "--signer-eku",
	                               "1.3.6.1.4.1.311.99.1", "policy.yaml"));
	cr_expect_eq(r.code, 2, "%s", r.err);
	gr_run_free(&r);
	r = gr_cli(dir, GR_ARGS("report", "verify", "--trusted-signers", "ca.pem", "--signer-eku",
	                        "1.3.6.1.4.1.311.99.1", "reports/report.json"));
	cr_expect_eq(r.code, 0, "%s", r.err);
	gr_run_free(&r);
	/* Without --signer-eku, the default set does not include the private purpose. */
	r = gr_cli(
	    dir, GR_ARGS("report", "verify", "--trusted-signers", "ca.pem", "reports/report.json"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "reports/report.json: untrusted: signed by CN=Private Purpose "
	                        "Signer,O=Contoso, but 'CN=Private Purpose Signer,O=Contoso' is "
	                        "not allowed to sign: its extended key usage is "
	                        "1.3.6.1.4.1.311.99.1; allowed: codeSigning, emailProtection "
	                        "(--signer-eku)\n");
	gr_run_free(&r);
}

Test(signers, a_report_signed_by_a_web_server_certificate_does_not_verify)
{
	/* The attacker signs outside enforcer, with the TLS key of a server. */
	free(th_write(dir, "report.json", sg_report_json));
	sg_sign_at(dir, "report.json", "web", 0);
	gr_run r =
	    gr_cli(dir, GR_ARGS("report", "verify", "--trusted-signers", "ca.pem", "report.json"));
	char *want =
	    enf_asprintf("report.json: untrusted: signed by CN=web01.contoso.com,O=Contoso, "
	                 "but %s\n",
	                 web_refused);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, want);
	gr_run_free(&r);
	free(want);
}

Test(signers, fleet_report_takes_the_signer_eku_of_its_report_signers)
{
	gr_run r = gr_cli(dir, GR_ARGS("apply", "--target", "snapshot:server.json", "--state-dir",
	                               "state", "--audit-repo", "audit", "--sign-key",
	                               "private.key", "--sign-cert", "private.pem", "--signer-eku",
	                               "1.3.6.1.4.1.311.99.1", "policy.yaml"));
	cr_expect_eq(r.code, 2, "%s", r.err);
	gr_run_free(&r);
	r = gr_cli(dir, GR_ARGS("fleet", "report", "--audit-repo", "audit", "--trusted-signers",
	                        "ca.pem", "--color", "never"));
	cr_expect_eq(r.code, 4, "%s", r.err);
	cr_expect(strstr(r.out, "'CN=Private Purpose Signer,O=Contoso' is not allowed to sign: its "
	                        "extended key usage is 1.3.6.1.4.1.311.99.1; allowed: codeSigning, "
	                        "emailProtection (--signer-eku)"),
	          "%s", r.out);
	gr_run_free(&r);
	r = gr_cli(dir,
	           GR_ARGS("fleet", "report", "--audit-repo", "audit", "--trusted-signers",
	                   "ca.pem", "--signer-eku", "1.3.6.1.4.1.311.99.1", "--color", "never"));
	cr_expect_eq(r.code, 2, "%s%s", r.out, r.err);
	cr_expect_null(strstr(r.out, "not allowed to sign"), "%s", r.out);
	gr_run_free(&r);
}
