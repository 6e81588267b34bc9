/* enforcer rollback RUN-ID: undo what one run changed. */
#include "cli.h"
#include "run_opts.h"

#include "enforcer/errors.h"

#include <stdlib.h>

const char cmd_rollback_usage[] =
    "usage: enforcer rollback [OPTIONS] RUN-ID\n\n"
    "Restores what run RUN-ID changed or removed, from its journal in the state\n"
    "folder: old registry values (or their absence), service accounts and start\n"
    "modes, removed or moved certificates, private-key permissions. Newest\n"
    "change first; whatever is already as it was is left alone. The rollback is\n"
    "itself a journaled run that can be rolled back. Passwords are never\n"
    "journaled: a user account restored as a service's log-on needs its\n"
    "password entered again.\n\n"
    "Options:\n"
    "  --target local|snapshot:FILE  the target the run changed (default local)\n"
    "  --state-dir DIR               where the run's journal is\n"
    "  --wait SECONDS                wait that long for another run's lock\n"
    "  --service-timeout DURATION    the longest wait for a service to start or stop\n"
    "                                (default 10m; 600, 90s, 10m, 1h)\n"
    "  --report-dir DIR, --format text|json, -q, -v, --color auto|always|never\n"
    "  --sign-key K --sign-cert C    also write report.json.p7s (detached CMS, DER)\n"
    "  --audit-repo DIR              commit the run's reports to branch audit/<host>\n\n"
    "Exit status: 0 nothing to undo, 2 restored, 4/6 some restores failed,\n"
    "1 usage error, unknown run or lock held.\n";

int cmd_rollback(int argc, char **argv)
{
	cli_run_opts o;
	int exit_code = CLI_EXIT_ERROR;
	enf_target *target = NULL;
	enf_run *run = NULL;
	if (cli_parse_run_opts(&o, "rollback", argc, argv, NULL))
		goto done;
	if (o.nargs != 1) {
		cli_usage_error("rollback", "name one run id (the 'run' of a report or an apply)");
		goto done;
	}
	if (cli_prepare_outputs(&o, "rollback"))
		goto done;
	if (enf_target_open(&target, o.target)) {
		cli_print_last_error(NULL);
		goto done;
	}
	enf_run_options opts = ENF_RUN_OPTIONS_INIT;
	opts.mode = ENF_RUN_ROLLBACK;
	opts.state_dir = o.state_dir;
	opts.wait_seconds = o.wait_seconds;
	opts.service_timeout_ms = o.service_timeout_ms;
	if (enf_run_rollback(&run, o.args[0], target, &opts)) {
		cli_print_last_error(NULL);
		goto done;
	}
	exit_code = cli_finish_run(&o, run);
done:
	enf_run_free(run);
	enf_target_close(target);
	cli_run_opts_clear(&o);
	free(o.args);
	return exit_code;
}
