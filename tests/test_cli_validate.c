/*
 * What validate catches before a night's run would (issue 19): the files a
 * policy refers to, account names as admins write them, YAML's escapes in
 * double quotes; and the help and -q a new user tries first.
 */
#include "engine_fixture.h"
#include "gitrepo.h"
#include "helpers.h"
#include "pki.h"

#include "util/util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static char *dir;

static void vd_init(void)
{
	dir = th_tmpdir();
}

static void vd_fini(void)
{
	free(dir);
	dir = NULL;
	th_cleanup();
}

TestSuite(validate, .init = vd_init, .fini = vd_fini);

/* A certificate resource and a trust store whose allow list names a file. */
static const char files_policy[] = "enforcer: 1\n"
                                   "name: files\n"
                                   "resources:\n"
                                   "  - type: certificate\n"
                                   "    id: edge-cert\n"
                                   "    store: My\n"
                                   "    file: certs/edge.cer\n"
                                   "  - type: trust-store\n"
                                   "    id: root\n"
                                   "    store: Root\n"
                                   "    allow: [certs/root.cer]\n";

Test(validate, checks_the_files_a_policy_refers_to_from_the_policys_folder)
{
	char *sub = enf_asprintf("%s/site", dir), *certs = enf_asprintf("%s/site/certs", dir);
	cr_assert_eq(mkdir(sub, 0700), 0);
	cr_assert_eq(mkdir(certs, 0700), 0);
	free(th_write(sub, "policy.yaml", files_policy));

	/* Run from the folder above: the files are found beside the policy, not in the cwd. */
	th_cli_result r = th_run_cli(dir, ARGS("validate", "site/policy.yaml"), NULL);
	cr_expect_eq(r.code, 1);
	/* A missing file is named by the full path to look for, and by what the policy wrote. */
	char *site = enf_path_absolute(sub);
	char *want = enf_asprintf(
	    "site/policy.yaml:4:5: '%s/certs/edge.cer' does not exist (file: certs/edge.cer, "
	    "relative to the policy's folder %s)\n"
	    "site/policy.yaml:11:13: '%s/certs/root.cer' does not exist (file: certs/root.cer, "
	    "relative to the policy's folder %s)\n",
	    site, site, site, site);
	cr_expect_str_eq(r.err, want);
	free(want);
	free(site);
	cr_expect_str_eq(r.out, "0 of 1 policy valid\n");
	th_cli_free(&r);

	/* --no-files: a policy whose files are supplied later. */
	r = th_run_cli(dir, ARGS("validate", "--no-files", "site/policy.yaml"), NULL);
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect_str_eq(r.out, "site/policy.yaml: valid (policy 'files', 2 resources)\n");
	th_cli_free(&r);

	/* A file that is there but is not a certificate fails too, at its reference. */
	pki_set *pki = pki_standard();
	free(pki_write_der(certs, "edge.cer", pki->leaf));
	free(th_write(certs, "root.cer", "not a certificate\n"));
	r = th_run_cli(dir, ARGS("validate", "-q", "site/policy.yaml"), NULL);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "site/policy.yaml:11:13: 'certs/root.cer' is not a certificate in "
	                        "PEM or DER form\n");
	th_cli_free(&r);

	free(pki_write_der(certs, "root.cer", pki->root));
	r = th_run_cli(dir, ARGS("validate", "site/policy.yaml"), NULL);
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect_str_eq(r.out, "site/policy.yaml: valid (policy 'files', 2 resources)\n");
	cr_expect_str_empty(r.err);
	th_cli_free(&r);
	pki_set_free(pki);
	free(sub);
	free(certs);
}

Test(validate, checks_that_a_file_of_the_commit_is_a_certificate)
{
	char *repo = gr_init(dir, "repo");
	gr_write(repo, "policies/edge.yaml", files_policy);
	gr_write(repo, "policies/certs/edge.cer", "-----BEGIN CERTIFICATE-----\nAAAA\n");
	gr_write(repo, "policies/certs/root.cer", "");
	free(gr_commit(repo, NULL, NULL, "certificates that are not"));
	th_cli_result r =
	    th_run_cli(dir, ARGS("validate", "--repo", "repo", "policies/edge.yaml"), NULL);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "HEAD:policies/edge.yaml:4:5: 'certs/edge.cer' is not a "
	                        "certificate in PEM or DER form\n"
	                        "HEAD:policies/edge.yaml:11:13: 'certs/root.cer' is not a "
	                        "certificate in PEM or DER form\n");
	th_cli_free(&r);
	/* --no-files reads no file; being in the commit is still checked when it loads. */
	r = th_run_cli(dir, ARGS("validate", "--no-files", "--repo", "repo", "policies/edge.yaml"),
	               NULL);
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect_str_eq(r.out, "HEAD:policies/edge.yaml: valid (policy 'files', 2 resources)\n");
	th_cli_free(&r);
	/* Off Windows a backslash is a character of a file name: the path stays strict. */
	r = th_run_cli(dir, ARGS("validate", "--repo", "repo", "policies\\edge.yaml"), NULL);
	cr_expect_eq(r.code, 1);
	cr_expect(strstr(r.err, "backslash") != NULL, "%s", r.err);
	th_cli_free(&r);
	free(repo);
}

/* Writes NAME with TEXT, validates it: exit 1 and exactly ERR on standard error. */
static void expect_invalid(const char *name, const char *text, const char *err)
{
	free(th_write(dir, name, text));
	th_cli_result r = th_run_cli(dir, ARGS("validate", name), NULL);
	cr_expect_eq(r.code, 1, "%s", name);
	cr_expect_str_eq(r.err, err);
	th_cli_free(&r);
}

Test(validate, double_quoted_backslashes_get_a_hint_on_the_values_line)
{
	expect_invalid("nel.yaml",
	               "enforcer: 1\nname: nel\nresources:\n"
	               "  - type: service\n    id: a\n    name: A\n"
	               "    logon: \"NT AUTHORITY\\NetworkService\"\n"
	               "    password: none\n",
	               "nel.yaml:7:12: 'logon': in double quotes a backslash starts a "
	               "YAML escape: \"\\N\" became a NEL line break (U+0085), not a "
	               "backslash and 'N'; write the value in single quotes, where a "
	               "backslash is just a backslash: 'NT AUTHORITY\\NetworkService'\n");
	expect_invalid("esc.yaml",
	               "enforcer: 1\nname: esc\nresources:\n"
	               "  - type: registry\n    id: a\n"
	               "    key: \"HKLM\\System\\CurrentControlSet\"\n"
	               "    value: x\n    kind: dword\n    data: 1\n",
	               "esc.yaml:6:10: 'key': in double quotes a backslash starts a YAML "
	               "escape: \"\\S\" is not an escape YAML knows; write the value in "
	               "single quotes, where a backslash is just a backslash: "
	               "'HKLM\\System\\CurrentControlSet'\n");
	/* "\U" wants 8 hex digits: the error is at the value, which is named by its key. */
	expect_invalid("hex.yaml",
	               "enforcer: 1\nname: hex\nresources:\n"
	               "  - {type: registry, id: a, key: 'HKLM\\Software', value: \"C:\\Users\", "
	               "kind: sz, data: a}\n",
	               "hex.yaml:4:58: 'value': in double quotes a backslash starts a YAML "
	               "escape: \"\\U\" starts an escape of 8 hex digits; write the value in "
	               "single quotes, where a backslash is just a backslash: 'C:\\Users'\n");

	/* Escapes written on purpose stay valid: "\\\\", and hex escapes as export writes them. */
	free(th_write(
	    dir, "ok.yaml",
	    "enforcer: 1\nname: ok\nresources:\n"
	    "  - {type: service, id: a, name: A, logon: \"NT AUTHORITY\\\\NetworkService\"}\n"
	    "  - {type: registry, id: b, key: 'HKLM\\Software\\Contoso', value: v, "
	    "kind: sz, data: \"tab\\x09nel\\x85\"}\n"));
	th_cli_result r = th_run_cli(dir, ARGS("validate", "ok.yaml"), NULL);
	cr_expect_eq(r.code, 0, "%s", r.err);
	th_cli_free(&r);
}

/* The first hour's draft: three backslash traps, all reported in one run, each at its value. */
static const char three_traps[] =
    "enforcer: 1\nname: edge\ndescription: Contoso's Edge servers # \"C:\\Users\"\n"
    "resources:\n"
    "  - type: registry\n    id: ticket\n"
    "    key: \"HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\Schannel\"\n"
    "    value: EnableSessionTicket\n    kind: dword\n    data: 2\n"
    "  - type: service\n    id: access-edge\n    name: RTCSRV\n"
    "    logon: \"NT AUTHORITY\\NetworkService\"\n    password: none\n"
    "  - {type: registry, id: app, key: 'HKLM\\Software\\it''s \"\\S\"', value: Path, "
    "kind: sz, data: \"C:\\temp\\new\"}\n"
    "  - type: registry\n    id: text\n    key: 'HKLM\\Software\\Contoso'\n"
    "    value: |\n      \"C:\\Users\" in a block\n    kind: sz\n"
    "    data: \"tab\\x09 C:\\\\Users\\\\x \\u00e9\"\n";

static const char three_traps_err[] =
    "three.yaml:7:10: 'key': in double quotes a backslash starts a YAML escape: \"\\S\" is "
    "not an escape YAML knows; write the value in single quotes, where a backslash is just "
    "a backslash: 'HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\Schannel'\n"
    "three.yaml:14:12: 'logon': in double quotes a backslash starts a YAML escape: \"\\N\" "
    "became a NEL line break (U+0085), not a backslash and 'N'; write the value in single "
    "quotes, where a backslash is just a backslash: 'NT AUTHORITY\\NetworkService'\n"
    "three.yaml:16:93: 'data': in double quotes a backslash starts a YAML escape: \"\\t\" "
    "became a tab (U+0009), not a backslash and 't'; write the value in single quotes, "
    "where a backslash is just a backslash: 'C:\\temp\\new'\n";

Test(validate, every_backslash_trap_in_a_file_is_reported_at_once)
{
	free(th_write(dir, "three.yaml", three_traps));
	th_cli_result r = th_run_cli(dir, ARGS("validate", "three.yaml"), NULL);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, three_traps_err);
	cr_expect_str_eq(r.out, "0 of 1 policy valid\n");
	th_cli_free(&r);
	/* Every command that loads the policy says the same, and changes nothing. */
	free(th_write(dir, "server.json", fx_seed_snapshot));
	r = th_run_cli(dir, ARGS("plan", "--target", "snapshot:server.json", "three.yaml"), NULL);
	cr_expect_eq(r.code, 1);
	cr_expect(strstr(r.err, three_traps_err) == r.err, "%s", r.err);
	th_cli_free(&r);
	/* In a Windows name, an escape YAML knows is still a trap: "\_" is a no-break space. */
	expect_invalid(
	    "nbsp.yaml",
	    "enforcer: 1\nname: x\nresources:\n"
	    "  - {type: registry, id: a, key: 'HKLM\\Software', value: v, kind: sz, "
	    "data: \"D:\\_old\\it's\"}\n",
	    "nbsp.yaml:4:77: 'data': in double quotes a backslash starts a YAML escape: "
	    "\"\\_\" became a no-break space (U+00A0), not a backslash and '_'; write the "
	    "value in single quotes, where a backslash is just a backslash: "
	    "'D:\\_old\\it''s'\n");
	/* An account holds no line feed: "CONTOSO\nancy" is the account 'CONTOSO\nancy'. */
	expect_invalid("nancy.yaml",
	               "enforcer: 1\nname: x\nresources:\n"
	               "  - type: service\n    id: a\n    name: A\n"
	               "    logon: \"CONTOSO\\nancy\"\n    password: none\n",
	               "nancy.yaml:7:12: 'logon': in double quotes a backslash starts a YAML "
	               "escape: \"\\n\" became a line feed (U+000A), not a backslash and 'n'; "
	               "write the value in single quotes, where a backslash is just a backslash: "
	               "'CONTOSO\\nancy'\n");
	/* Written as export writes it, every escape meant: no trap. */
	free(th_write(dir, "nancy2.yaml",
	              "enforcer: 1\nname: x\nresources:\n"
	              "  - {type: service, id: a, name: A, logon: \"CONTOSO\\\\nancy\", "
	              "password: \"env:NANCY_PASSWORD\"}\n"));
	th_cli_result ok = th_run_cli(dir, ARGS("validate", "nancy2.yaml"), NULL);
	cr_expect_eq(ok.code, 0, "%s", ok.err);
	th_cli_free(&ok);
}

Test(validate, builtin_accounts_in_any_case_and_spelling_are_one_account)
{
	/* The seeds' RTCMEDIARELAY runs as NT AUTHORITY\NETWORK SERVICE. */
	free(th_write(dir, "server.json", fx_seed_snapshot));
	static const char *const spellings[] = {"network service", "NETWORK SERVICE",
	                                        "nt authority\\network service", "NetworkService",
	                                        "Network Service"};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(spellings); i++) {
		char *text =
		    enf_asprintf("enforcer: 1\nname: ns\nresources:\n"
		                 "  - {type: service, id: m, name: RTCMEDIARELAY, logon: '%s', "
		                 "password: none}\n",
		                 spellings[i]);
		free(th_write(dir, "ns.yaml", text));
		th_cli_result r = th_run_cli(
		    dir, ARGS("plan", "-q", "--target", "snapshot:server.json", "ns.yaml"), NULL);
		cr_expect_eq(r.code, 0, "'%s': %s%s", spellings[i], r.out, r.err);
		th_cli_free(&r);
		free(text);
	}
	free(th_write(dir, "others.yaml",
	              "enforcer: 1\nname: others\nresources:\n"
	              "  - {type: service, id: a, name: A, logon: local system}\n"
	              "  - {type: service, id: b, name: B, logon: LOCAL SERVICE}\n"
	              "  - {type: service, id: c, name: C, logon: system}\n"
	              "  - {type: service, id: d, name: D, logon: Nt Authority\\Local Service}\n"));
	th_cli_result r = th_run_cli(dir, ARGS("validate", "-q", "others.yaml"), NULL);
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect_str_empty(r.out);
	cr_expect_str_empty(r.err);
	th_cli_free(&r);
}

Test(validate, help_slash_question_mark_and_quiet)
{
	th_cli_result h = th_run_cli(dir, ARGS("--help"), NULL);
	cr_expect_eq(h.code, 0);
	static const char *const forms[][2] = {{"help", NULL}, {"/?", NULL}};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(forms); i++) {
		th_cli_result r = th_run_cli(dir, ARGS(forms[i][0]), NULL);
		cr_expect_eq(r.code, 0);
		cr_expect_str_eq(r.out, h.out, "'%s'", forms[i][0]);
		th_cli_free(&r);
	}
	th_cli_free(&h);
	h = th_run_cli(dir, ARGS("validate", "--help"), NULL);
	static const char *const cmd_forms[][2] = {{"help", "validate"}, {"validate", "/?"}};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(cmd_forms); i++) {
		th_cli_result r = th_run_cli(dir, ARGS(cmd_forms[i][0], cmd_forms[i][1]), NULL);
		cr_expect_eq(r.code, 0);
		cr_expect_str_eq(r.out, h.out, "'%s %s'", cmd_forms[i][0], cmd_forms[i][1]);
		th_cli_free(&r);
	}
	th_cli_free(&h);
	h = th_run_cli(dir, ARGS("help", "valdiate"), NULL);
	cr_expect_eq(h.code, 1);
	cr_expect_str_eq(h.err, "enforcer: 'valdiate' is not a command. See 'enforcer --help'.\n");
	th_cli_free(&h);
	/* What plan and apply write with --report-dir is what their help says. */
	h = th_run_cli(dir, ARGS("apply", "--help"), NULL);
	cr_expect(strstr(h.out, "write report.json, report.txt, report.html and\n"
	                        "                                report.xml (JUnit) there\n"));
	th_cli_free(&h);

	/* -q: nothing at all on success, also when apply changed something (exit 2). */
	free(th_write(dir, "server.json", fx_seed_snapshot));
	free(th_write(dir, "policy.yaml", fx_seed_policy));
	th_cli_result r = th_run_cli(dir, ARGS("validate", "-q", "policy.yaml"), NULL);
	cr_expect_eq(r.code, 0);
	cr_expect_str_empty(r.out);
	cr_expect_str_empty(r.err);
	th_cli_free(&r);
	r = th_run_cli(dir, ARGS("plan", "-q", "--target", "snapshot:server.json", "policy.yaml"),
	               NULL);
	cr_expect_eq(r.code, 2);
	cr_expect_str_empty(r.out);
	th_cli_free(&r);
	r = th_run_cli(dir,
	               ARGS("apply", "-q", "--target", "snapshot:server.json", "--state-dir",
	                    "state", "--report-dir", "reports", "policy.yaml"),
	               NULL);
	cr_expect_eq(r.code, 2, "%s", r.err);
	cr_expect_str_empty(r.out);
	cr_expect_str_empty(r.err);
	th_cli_free(&r);
	char *html = enf_asprintf("%s/reports/report.html", dir);
	cr_expect(enf_path_exists(html), "the help's report.html");
	free(html);
}
