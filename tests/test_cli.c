/*
 * The enforcer command line: exit codes, messages and files, exactly as
 * docs/CLI.md promises scripts and schedulers.
 */
#include "engine_fixture.h"
#include "helpers.h"

#include "util/util.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Each test's folder, where the commands run, with the seeds' Edge server in server.json. */
static char *dir;

static void cli_init(void)
{
	dir = th_tmpdir();
	free(th_write(dir, "server.json", fx_seed_snapshot));
}

static void cli_fini(void)
{
	free(dir);
	dir = NULL;
	th_cleanup();
}

TestSuite(cli, .init = cli_init, .fini = cli_fini);

Test(cli, version_help_and_unknown_commands)
{
	th_cli_result r = th_run_cli(dir, ARGS("--version"), NULL);
	cr_expect_eq(r.code, 0);
	cr_expect(strncmp(r.out, "enforcer 0.1.0\n", 15) == 0, "%s", r.out);
	th_cli_free(&r);
	r = th_run_cli(dir, ARGS("plan", "--help"), NULL);
	cr_expect_eq(r.code, 0);
	cr_expect(strstr(r.out, "usage: enforcer plan") != NULL);
	th_cli_free(&r);
	r = th_run_cli(dir, ARGS("plna"), NULL);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "enforcer: 'plna' is not a command. See 'enforcer --help'.\n");
	th_cli_free(&r);
	r = th_run_cli(dir, ARGS("apply", "--wait", "soon", "x.yaml"), NULL);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err,
	                 "enforcer apply: --wait takes whole seconds from 0 to 86400, not 'soon'\n"
	                 "See 'enforcer apply --help'.\n");
	th_cli_free(&r);
}

Test(cli, validate_exit_codes_and_positions)
{
	free(th_write(dir, "good.yaml", fx_seed_policy));
	free(th_write(
	    dir, "bad.yaml",
	    "enforcer: 1\nname: bad\nresources:\n  - type: registry\n    id: x\n    key: HKLM\\A\n    value: V\n    kind: dword\n    data: 0x100000000\n"));
	th_cli_result r = th_run_cli(dir, ARGS("validate", "good.yaml"), NULL);
	cr_expect_eq(r.code, 0);
	cr_expect_str_eq(r.out, "good.yaml: valid (policy 'lync-edge', 3 resources)\n");
	th_cli_free(&r);
	r = th_run_cli(dir, ARGS("validate", "good.yaml", "bad.yaml", "missing.yaml"), NULL);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(
	    r.err,
	    "bad.yaml:9:11: 'data' must be at most 4294967295 (0xFFFFFFFF); got 0x100000000\n"
	    "missing.yaml: cannot open 'missing.yaml': No such file or directory\n");
	cr_expect_str_eq(
	    r.out, "good.yaml: valid (policy 'lync-edge', 3 resources)\n1 of 3 policies valid\n");
	th_cli_free(&r);
}

Test(cli, validate_accepts_every_spelling_of_the_builtin_accounts)
{
	free(th_write(dir, "accounts.yaml",
	              "enforcer: 1\nname: accounts\nresources:\n"
	              "  - {type: service, id: a, name: A, logon: SYSTEM}\n"
	              "  - {type: service, id: b, name: B, logon: LocalSystem}\n"
	              "  - {type: service, id: c, name: C, logon: NT AUTHORITY\\SYSTEM}\n"
	              "  - {type: service, id: d, name: D, logon: S-1-5-18}\n"
	              "  - {type: service, id: e, name: E, logon: Network Service}\n"));
	free(th_write(dir, "user.yaml",
	              "enforcer: 1\nname: user\nresources:\n"
	              "  - {type: service, id: a, name: A, logon: NT AUTHORITY\\Local System}\n"));
	th_cli_result r = th_run_cli(dir, ARGS("validate", "accounts.yaml"), NULL);
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect_str_eq(r.out, "accounts.yaml: valid (policy 'accounts', 5 resources)\n");
	cr_expect_str_empty(r.err);
	th_cli_free(&r);
	r = th_run_cli(dir, ARGS("validate", "user.yaml"), NULL);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err,
	                 "user.yaml:4:44: 'NT AUTHORITY\\Local System' is a user account: add "
	                 "password: env:VARNAME or password: file:PATH to say where its password "
	                 "comes from\n");
	th_cli_free(&r);
}

Test(cli, plan_apply_exit_codes_reports_and_an_invalid_policy_changes_nothing)
{
	free(th_write(dir, "policy.yaml", fx_seed_policy));
	free(th_write(dir, "broken.yaml", "enforcer: 1\nname: broken\nresources: {}\n"));
	th_cli_result r = th_run_cli(dir,
	                             ARGS("apply", "--target", "snapshot:server.json",
	                                  "--state-dir", "state", "broken.yaml"),
	                             NULL);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(
	    r.err,
	    "broken.yaml:3:12: 'resources' must be a list of resources, each starting with '- ', not a mapping\n"
	    "enforcer apply: the policy is not valid; nothing was read or changed\n");
	th_cli_free(&r);
	r = th_run_cli(dir, ARGS("plan", "--target", "snapshot:server.json", "policy.yaml"), NULL);
	cr_expect_eq(r.code, 2);
	cr_expect(
	    strstr(
	        r.out,
	        "drift       access-edge: change RTCSRV log-on .\\svc-lync -> NetworkService, clear password; start RTCSRV (stopped)\n"),
	    "%s", r.out);
	th_cli_free(&r);
	r = th_run_cli(dir,
	               ARGS("apply", "--target", "snapshot:server.json", "--state-dir", "state",
	                    "--report-dir", "reports", "policy.yaml"),
	               NULL);
	cr_expect_eq(r.code, 2);
	th_cli_free(&r);
	char *report_path = enf_asprintf("%s/reports/report.json", dir);
	json_t *report = th_json_file(report_path);
	free(report_path);
	cr_expect_str_eq(json_string_value(json_object_get(report, "schema")), "enforcer-report/1");
	cr_expect_eq(
	    json_integer_value(json_object_get(json_object_get(report, "counts"), "changed")), 3);
	cr_expect_eq(
	    json_integer_value(json_object_get(json_object_get(report, "run"), "exit_code")), 2);
	json_decref(report);
	r = th_run_cli(dir,
	               ARGS("apply", "--target", "snapshot:server.json", "--state-dir", "state",
	                    "policy.yaml"),
	               NULL);
	cr_expect_eq(r.code, 0);
	cr_expect(strstr(r.out, "Apply: 0 changed, 0 failed, 3 compliant") == r.out, "%s", r.out);
	th_cli_free(&r);
	r = th_run_cli(dir, ARGS("plan", "policy.yaml"), NULL);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(
	    r.err,
	    "enforcer: the local target is the Windows machine itself and needs the Windows build (enforcer.exe); here use --target snapshot:FILE\n");
	th_cli_free(&r);
}

Test(cli, a_password_never_reaches_output_reports_or_journals)
{
	free(th_write(
	    dir, "policy.yaml",
	    "enforcer: 1\nname: secret\nresources:\n"
	    "  - {type: service, id: edge, name: RTCSRV, logon: 'CONTOSO\\svc-edge', password: 'env:EDGE_PW'}\n"));
	const char *canary = "EDGE_PW=Canary-7f3a9-Secret";
	/*
	 * Every command and output format, a secret-bearing file and a failing
	 * run (a service that will not start, after the account was set):
	 * the canary must appear nowhere.
	 */
	free(th_write(dir, "pw.txt", "Canary-7f3a9-FromFile\n"));
	free(th_write(
	    dir, "policy2.yaml",
	    "enforcer: 1\nname: secret2\nresources:\n"
	    "  - {type: service, id: relay, name: RTCMEDIARELAY, logon: '.\\svc-relay', password: 'file:pw.txt', state: running}\n"
	    "  - {type: service, id: gone, name: GONE, logon: '.\\svc-gone', password: 'env:EDGE_PW'}\n"));
	const char *const *runs[] = {
	    ARGS("plan", "--target", "snapshot:server.json", "--report-dir", "r-plan",
	         "policy.yaml"),
	    ARGS("plan", "-v", "--format", "json", "--target", "snapshot:server.json",
	         "policy.yaml"),
	    ARGS("apply", "-v", "--format", "json", "--target", "snapshot:server.json",
	         "--state-dir", "state", "--report-dir", "r-apply", "policy.yaml"),
	    ARGS("apply", "-v", "--target", "snapshot:server.json", "--state-dir", "state",
	         "--report-dir", "r-fail", "policy2.yaml"),
	};
	const int codes[] = {2, 2, 2, 6};
	for (size_t k = 0; k < sizeof(runs) / sizeof(runs[0]); k++) {
		th_cli_result r = th_run_cli(dir, runs[k], canary);
		cr_expect_eq(r.code, codes[k], "run %zu: %s", k, r.err);
		cr_expect(!strstr(r.out, "Canary-7f3a9") && !strstr(r.err, "Canary-7f3a9"),
		          "run %zu printed the password", k);
		th_cli_free(&r);
	}
	const char *files[] = {"r-plan/report.json",  "r-plan/report.txt",   "r-plan/report.html",
	                       "r-plan/report.xml",   "r-apply/report.json", "r-apply/report.txt",
	                       "r-apply/report.html", "r-apply/report.xml",  "r-fail/report.json",
	                       "r-fail/report.html",  "server.json"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *path = enf_asprintf("%s/%s", dir, files[i]);
		char *text = th_read(path, NULL);
		cr_expect(!strstr(text, "Canary-7f3a9"), "the password leaked into %s", files[i]);
		free(text);
		free(path);
	}
	char *cmd = enf_asprintf("grep -r Canary-7f3a9 '%s/state' >/dev/null", dir);
	cr_expect_neq(system(cmd), 0, "the password leaked into the state folder");
	free(cmd);
	th_cli_result r;
	/* Without the variable, the change fails and says which variable is missing. */
	free(th_write(dir, "server.json", fx_seed_snapshot));
	r = th_run_cli(dir,
	               ARGS("apply", "--target", "snapshot:server.json", "--state-dir", "state",
	                    "policy.yaml"),
	               NULL);
	cr_expect_eq(r.code, 4);
	cr_expect(
	    strstr(
	        r.out,
	        "the password for CONTOSO\\svc-edge comes from the environment variable EDGE_PW, which is not set"),
	    "%s", r.out);
	th_cli_free(&r);
}

/* Issue 17: apply --defer-restarts, then restart --pending, as a pool's playbook runs them. */
Test(cli, deferred_restarts_from_apply_to_restart_pending)
{
	free(th_write(dir, "policy.yaml", fx_seed_policy));
	th_cli_result r = th_run_cli(dir, ARGS("restart", "policy.yaml"), NULL);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "enforcer restart: say --pending: enforcer restart performs the "
	                        "restarts that earlier applies deferred, and only those\n"
	                        "See 'enforcer restart --help'.\n");
	th_cli_free(&r);
	r = th_run_cli(dir,
	               ARGS("apply", "--defer-restarts", "--target", "snapshot:server.json",
	                    "--state-dir", "state", "--report-dir", "deferred", "policy.yaml"),
	               NULL);
	cr_expect_eq(r.code, 2);
	cr_expect(strstr(r.out, "1 restart(s) deferred: run 'enforcer restart --pending' when the "
	                        "pool can spare this server\n"),
	          "%s", r.out);
	th_cli_free(&r);
	char *path = enf_asprintf("%s/deferred/report.json", dir);
	json_t *report = th_json_file(path);
	free(path);
	json_t *run = json_object_get(report, "run");
	cr_expect_str_eq(json_string_value(json_object_get(run, "mode")), "apply");
	cr_expect_eq(json_integer_value(json_object_get(run, "restarts_deferred")), 1);
	json_decref(report);
	r = th_run_cli(dir,
	               ARGS("restart", "--pending", "--target", "snapshot:server.json",
	                    "--state-dir", "state", "--report-dir", "restarted", "policy.yaml"),
	               NULL);
	cr_expect_eq(r.code, 2, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "Restart: 1 changed, 0 failed, 0 compliant"), "%s", r.out);
	th_cli_free(&r);
	path = enf_asprintf("%s/restarted/report.json", dir);
	report = th_json_file(path);
	free(path);
	run = json_object_get(report, "run");
	cr_expect_str_eq(json_string_value(json_object_get(run, "mode")), "restart");
	cr_expect_eq(json_array_size(json_object_get(report, "resources")), 1);
	json_decref(report);
	r = th_run_cli(dir,
	               ARGS("restart", "--pending", "--target", "snapshot:server.json",
	                    "--state-dir", "state", "policy.yaml"),
	               NULL);
	cr_expect_eq(r.code, 0, "%s%s", r.out, r.err);
	th_cli_free(&r);
}
