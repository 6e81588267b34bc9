/* enforcer rollback RUN-ID: undo what one run changed. */
#include "cli.h"
#include "run_opts.h"

#include "enforcer/errors.h"
#include "enforcer/runs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_rollback_usage[] =
    "usage: enforcer rollback [OPTIONS] RUN-ID|last\n\n"
    "Restores what run RUN-ID changed or removed (last: the latest apply that\n"
    "changed something; 'enforcer runs' lists them), from its journal in the state\n"
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
    "  --signer-eku OID              an extended key usage the report signer may carry\n"
    "                                (repeatable; default code signing or e-mail\n"
    "                                protection)\n"
    "  --audit-repo DIR              commit the run's reports to branch audit/<host>\n"
    "  --keep-days N                 then remove journals and runs older than N days\n"
    "  --exit-codes detailed|simple  simple: 0 success, 1 failure (default detailed)\n\n"
    "A run that changed nothing kept no journal: rolling it back says so (exit 0).\n\n"
    "Exit status: 0 nothing to undo, 2 restored, 4/6 some restores failed,\n"
    "1 usage error, unknown run or lock held.\n";

/*
 * A run that changed nothing left no journal, only its line in the runs
 * index: say so rather than "there is no journal". 1 said, 0 not such a
 * run, -1 the state folder could not be read (printed).
 */
static int said_unchanged(const cli_run_opts *o)
{
	enf_run_entry *runs = NULL;
	size_t n = 0;
	if (enf_runs_list(&runs, &n, o->state_dir)) {
		cli_print_last_error(NULL);
		return -1;
	}
	int said = 0;
	for (size_t i = 0; i < n && !said; i++) {
		const enf_run_entry *r = &runs[i];
		if (strcmp(r->run_id, o->args[0]) != 0 || r->has_journal)
			continue;
		said = 1;
		if (!o->quiet)
			cli_printf(
			    "Run %s (%s of %s) changed nothing, so it kept no journal: there is "
			    "nothing to roll back.\n",
			    r->run_id, r->mode, r->policy ? r->policy : "?");
	}
	enf_runs_free(runs, n);
	return said;
}

int cmd_rollback(int argc, char **argv)
{
	cli_run_opts o;
	int exit_code = CLI_EXIT_ERROR;
	enf_target *target = NULL;
	enf_run *run = NULL;
	char *last = NULL;
	if (cli_parse_run_opts(&o, "rollback", argc, argv, NULL))
		goto done;
	if (o.nargs != 1) {
		cli_usage_error("rollback", "name one run id (the 'run' of a report or an apply)");
		goto done;
	}
	if (strcmp(o.args[0], "last") == 0) {
		if (enf_runs_last_changed(&last, o.state_dir)) {
			cli_print_last_error(NULL);
			goto done;
		}
		o.args[0] = last;
	} else {
		int said = said_unchanged(&o);
		if (said)
			exit_code = said < 0 ? CLI_EXIT_ERROR : CLI_EXIT_OK;
		if (said)
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
	free(last);
	return exit_code;
}
