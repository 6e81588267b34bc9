/* enforcer plan and enforcer apply: load a policy, open the target, run. */
#include "cli.h"
#include "run_opts.h"

#include "enforcer/diag.h"
#include "enforcer/errors.h"
#include "enforcer/policy.h"

#include <stdlib.h>
#include <string.h>

const char cmd_plan_usage[] =
    "usage: enforcer plan [OPTIONS] POLICY\n"
    "       enforcer plan [OPTIONS] --repo DIR [--ref REF] PATH-IN-REPO\n\n"
    "Shows the drift between POLICY and the target and exactly what apply\n"
    "would change. Changes nothing on the target and writes nothing to the state\n"
    "folder; it writes only the reports asked for (--report-dir, --audit-repo).\n\n"
    "Options:\n"
    "  --target local|snapshot:FILE  the machine itself (default), or a state file\n"
    "  --report-dir DIR              write report.json, report.txt, report.html and\n"
    "                                report.xml (JUnit) there\n"
    "  --format text|json            what goes to standard output\n"
    "  --service-timeout DURATION    accepted as apply takes it; a plan waits for nothing\n"
    "  --repo DIR [--ref REF]        POLICY is a path in commit REF (default HEAD) of the\n"
    "                                git repository DIR, read from the commit, never\n"
    "                                from the working tree\n"
    "  --trusted-signers PEM         CA or signer certificates for x509 commit signatures\n"
    "  --require-signed              refuse a commit without a valid signature by them\n"
    "  --allow-downgrade             run a commit that does not come after the one the\n"
    "                                last apply enforced (refused otherwise: exit 1);\n"
    "                                the report records it\n"
    "  --sign-key K --sign-cert C    also write report.json.p7s (detached CMS, DER)\n"
    "  --signer-eku OID              an extended key usage policy and report signers\n"
    "                                may carry (repeatable; default code signing or\n"
    "                                e-mail protection)\n"
    "  --audit-repo DIR              commit the run's reports to branch audit/<host>\n"
    "  -q, -v, --color auto|always|never\n\n"
    "Exit status: 0 compliant, 2 drift, 4 failures, 6 drift and failures,\n"
    "1 usage error, invalid policy, or a downgrade refused.\n";

const char cmd_apply_usage[] =
    "usage: enforcer apply [OPTIONS] POLICY\n"
    "       enforcer apply [OPTIONS] --repo DIR [--ref REF] PATH-IN-REPO\n\n"
    "Converges the target to POLICY: every change is written to the run's\n"
    "journal before it is made, each resource is read again to verify it,\n"
    "and the restart handlers it notified run last. A second apply changes\n"
    "nothing. Undo a run with 'enforcer rollback RUN-ID'.\n\n"
    "Options:\n"
    "  --dry-run                     plan only (same as enforcer plan)\n"
    "  --defer-restarts              make the changes, leave the restarts they need\n"
    "                                pending (exit 2); 'enforcer restart --pending'\n"
    "                                performs them when the pool can spare the server\n"
    "  --target local|snapshot:FILE  the machine itself (default), or a state file\n"
    "  --state-dir DIR               lock and journals (default %ProgramData%\\enforcer\n"
    "                                or /var/lib/enforcer)\n"
    "  --wait SECONDS                wait that long for another run's lock (default 0)\n"
    "  --service-timeout DURATION    the longest wait for a service to start or stop,\n"
    "                                for resources without timeout: (default 10m; 600,\n"
    "                                90s, 10m, 1h); one that stops making progress fails\n"
    "                                sooner\n"
    "  --report-dir DIR              write report.json, report.txt, report.html and\n"
    "                                report.xml (JUnit) there\n"
    "  --format text|json            what goes to standard output\n"
    "  --repo DIR [--ref REF]        POLICY is a path in commit REF (default HEAD) of the\n"
    "                                git repository DIR, read from the commit, never\n"
    "                                from the working tree\n"
    "  --trusted-signers PEM         CA or signer certificates for x509 commit signatures\n"
    "  --require-signed              refuse a commit without a valid signature by them\n"
    "  --allow-downgrade             run a commit that does not come after the one the\n"
    "                                last apply enforced (refused otherwise: exit 1);\n"
    "                                the report records it\n"
    "  --sign-key K --sign-cert C    also write report.json.p7s (detached CMS, DER)\n"
    "  --signer-eku OID              an extended key usage policy and report signers\n"
    "                                may carry (repeatable; default code signing or\n"
    "                                e-mail protection)\n"
    "  --audit-repo DIR              commit the run's reports to branch audit/<host>\n"
    "  -q, -v, --color auto|always|never\n\n"
    "Exit status: 0 nothing changed and compliant, 2 changes applied and all\n"
    "compliant, 4 failures and nothing changed, 6 some changes and some failures,\n"
    "1 usage error, invalid policy, lock held or a downgrade refused (nothing\n"
    "changed).\n";

const char cmd_restart_usage[] =
    "usage: enforcer restart --pending [OPTIONS] POLICY\n"
    "       enforcer restart --pending [OPTIONS] --repo DIR [--ref REF] PATH-IN-REPO\n\n"
    "Performs the restarts that earlier applies of POLICY left pending (apply\n"
    "--defer-restarts, or defer: true on a restart handler), and nothing else:\n"
    "journaled, with the same waits and read-back as apply. Nothing pending:\n"
    "nothing done, exit 0.\n\n"
    "Options: those of apply (--dry-run lists the restarts without making them).\n\n"
    "Exit status: 0 nothing pending, 2 restarts performed, 4 a restart failed,\n"
    "1 usage error, invalid policy or lock held (nothing done).\n";

static int run_policy(const char *cmd, int argc, char **argv, enf_run_mode mode)
{
	static const char *const extra_apply[] = {"--dry-run", "--defer-restarts", NULL};
	static const char *const extra_restart[] = {"--dry-run", "--pending", NULL};
	int restart = strcmp(cmd, "restart") == 0;
	cli_run_opts o;
	int exit_code = CLI_EXIT_ERROR;
	enf_policy *policy = NULL;
	enf_target *target = NULL;
	enf_run *run = NULL;
	enf_source *source = NULL;
	if (cli_parse_run_opts(&o, cmd, argc, argv,
	                       restart                 ? extra_restart
	                       : mode == ENF_RUN_APPLY ? extra_apply
	                                               : NULL))
		goto done;
	if (restart && !o.pending) {
		cli_usage_error(cmd, "say --pending: enforcer restart performs the restarts that "
		                     "earlier applies deferred, and only those");
		goto done;
	}
	if (o.nargs != 1) {
		cli_usage_error(cmd,
		                o.nargs ? "name one policy file, not %d" : "name a policy file%.0d",
		                o.nargs);
		goto done;
	}
	/* Issue 6: a file, or a file of a git commit; then the signing key and audit repository. */
	if (cli_load_policy(&policy, &source, &o.src, cmd, o.args[0]) ||
	    cli_prepare_outputs(&o, cmd))
		goto done;
	if (enf_target_open(&target, o.target)) {
		cli_print_last_error(NULL);
		goto done;
	}
	enf_run_options opts = ENF_RUN_OPTIONS_INIT;
	opts.mode = mode;
	opts.dry_run = o.dry_run;
	opts.defer_restarts = o.defer_restarts;
	opts.pending_restarts = o.pending;
	opts.state_dir = o.state_dir;
	opts.wait_seconds = o.wait_seconds;
	opts.service_timeout_ms = o.service_timeout_ms;
	opts.progress = cli_progress;
	opts.progress_ctx = &o;
	opts.source = source;
	opts.allow_downgrade = o.src.allow_downgrade;
	if (enf_run_policy(&run, policy, target, &opts)) {
		cli_print_last_error(NULL);
		goto done;
	}
	exit_code = cli_finish_run(&o, run);
done:
	enf_run_free(run);
	enf_target_close(target);
	enf_policy_free(policy);
	enf_source_free(source);
	cli_run_opts_clear(&o);
	free(o.args);
	return exit_code;
}

int cmd_plan(int argc, char **argv)
{
	return run_policy("plan", argc, argv, ENF_RUN_PLAN);
}

int cmd_apply(int argc, char **argv)
{
	return run_policy("apply", argc, argv, ENF_RUN_APPLY);
}

int cmd_restart(int argc, char **argv)
{
	return run_policy("restart", argc, argv, ENF_RUN_APPLY);
}
