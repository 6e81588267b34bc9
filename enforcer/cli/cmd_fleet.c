/* enforcer fleet report: the pool's compliance from the audit repository's host branches. */
#include "cli.h"
#include "cli_source.h"

#include "enforcer/errors.h"
#include "enforcer/fleet.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

const char cmd_fleet_usage[] =
    "usage: enforcer fleet report --audit-repo DIR|URL [--branch-prefix PREFIX]\n"
    "           [--since DATE] [--stale-hours N] [--flap-runs N]\n"
    "           [--trusted-signers PEM [--signer-eku OID]...] [--fetch-dir DIR]\n"
    "           [--format text|json|html|junit] [--report-dir DIR]\n"
    "           [--color auto|always|never]\n\n"
    "Reads every host's audit branch (PREFIX<host>, default audit/) of the audit\n"
    "repository that --audit-repo runs commit to, and reports the whole fleet:\n"
    "each host's last run (stale when older than --stale-hours, default 26), per\n"
    "resource the hosts' outcomes and the outliers from the majority of hosts on\n"
    "the same policy, flapping resources (changed in at least half of a host's\n"
    "last --flap-runs applies, default 7), corrective versus intentional changes,\n"
    "and the per-day trend. Only runs since DATE (YYYY-MM-DD or\n"
    "YYYY-MM-DDTHH:MM:SSZ, UTC; default 7 days ago) are read, and each host's last\n"
    "run whatever its age. A URL (https://, ssh://, file://, user@host:path) is\n"
    "fetched first, into --fetch-dir (kept for the next time) or a temporary\n"
    "folder. With --trusted-signers every report must carry a signature from a\n"
    "signer that chains to the PEM bundle when it signed, and may sign (digital\n"
    "signature, not a CA, code signing or e-mail protection, or the extended\n"
    "key usages --signer-eku names); without, signatures are checked for\n"
    "integrity only. The hosts' servers are never contacted.\n\n"
    "--format    what standard output shows (default text); --report-dir writes\n"
    "            fleet.json, fleet.txt, fleet.xml (JUnit) and fleet.html.\n\n"
    "Exit status: 0 every host compliant and fresh; 2 drift somewhere (a host's\n"
    "last run found or corrected drift, a stale host, a flapping resource); 4 a\n"
    "host's last run failed, or a report that cannot be read or verified, or a\n"
    "damaged branch; 1 usage error or an audit repository that cannot be read.\n";

static int parse_count(const char *s, unsigned *out)
{
	char *end = NULL;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < 1 || v > 1000000)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int fleet_report(int argc, char **argv)
{
	enf_fleet_options opts = ENF_FLEET_OPTIONS_INIT;
	const char *repo = NULL, *format = "text", *report_dir = NULL, *color = "auto";
	static const char *const valued[] = {"--audit-repo",  "--branch-prefix",   "--since",
	                                     "--stale-hours", "--trusted-signers", "--format",
	                                     "--report-dir",  "--flap-runs",       "--fetch-dir",
	                                     "--color",       "--signer-eku",      NULL};
	const char *ekus[CLI_SIGNER_EKU_MAX];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int takes = 0;
		for (const char *const *v = valued; *v; v++)
			takes |= strcmp(a, *v) == 0;
		if (!takes) {
			cli_usage_error("fleet report", "%s '%s'",
			                a[0] == '-' ? "unknown option" : "unexpected argument", a);
			return CLI_EXIT_ERROR;
		}
		if (i + 1 >= argc) {
			cli_usage_error("fleet report", "%s needs a value", a);
			return CLI_EXIT_ERROR;
		}
		const char *v = argv[++i];
		if (strcmp(a, "--audit-repo") == 0) {
			repo = v;
		} else if (strcmp(a, "--branch-prefix") == 0) {
			opts.branch_prefix = v;
		} else if (strcmp(a, "--since") == 0) {
			if (enf_fleet_parse_time(&opts.since, v)) {
				cli_usage_error("fleet report", "--since: %s",
				                enf_error_last()->message);
				return CLI_EXIT_ERROR;
			}
		} else if (strcmp(a, "--stale-hours") == 0 || strcmp(a, "--flap-runs") == 0) {
			unsigned *n =
			    strcmp(a, "--stale-hours") == 0 ? &opts.stale_hours : &opts.flap_runs;
			if (parse_count(v, n)) {
				cli_usage_error("fleet report",
				                "%s takes a whole number above 0, not '%s'", a, v);
				return CLI_EXIT_ERROR;
			}
		} else if (strcmp(a, "--trusted-signers") == 0) {
			opts.trusted_signers = v;
		} else if (strcmp(a, "--signer-eku") == 0) {
			if (opts.signer_eku_count >= CLI_SIGNER_EKU_MAX) {
				cli_usage_error("fleet report",
				                "name at most %d --signer-eku values",
				                CLI_SIGNER_EKU_MAX);
				return CLI_EXIT_ERROR;
			}
			ekus[opts.signer_eku_count++] = v;
			opts.signer_ekus = ekus;
		} else if (strcmp(a, "--fetch-dir") == 0) {
			opts.fetch_dir = v;
		} else if (strcmp(a, "--report-dir") == 0) {
			report_dir = v;
		} else if (strcmp(a, "--color") == 0) {
			color = v;
		} else {
			format = v;
		}
	}
	if (!repo) {
		cli_usage_error("fleet report",
		                "name the audit repository with --audit-repo DIR|URL");
		return CLI_EXIT_ERROR;
	}
	if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "html") &&
	    strcmp(format, "junit")) {
		cli_usage_error("fleet report",
		                "--format must be text, json, html or junit, not '%s'", format);
		return CLI_EXIT_ERROR;
	}
	if (strcmp(color, "auto") && strcmp(color, "always") && strcmp(color, "never")) {
		cli_usage_error("fleet report", "--color must be auto, always or never, not '%s'",
		                color);
		return CLI_EXIT_ERROR;
	}
	enf_fleet *fleet = NULL;
	if (enf_fleet_read(&fleet, repo, &opts)) {
		cli_print_last_error("fleet report");
		return CLI_EXIT_ERROR;
	}
	int code = enf_fleet_exit_code(fleet);
	char *out = NULL;
	size_t len = 0;
	if (strcmp(format, "json") == 0) {
		if (enf_fleet_json(&out, &len, fleet))
			out = NULL;
	} else if (strcmp(format, "html") == 0) {
		out = enf_fleet_render_html(fleet);
	} else if (strcmp(format, "junit") == 0) {
		out = enf_fleet_render_junit(fleet);
	} else {
		int c = strcmp(color, "always") == 0 ||
		        (strcmp(color, "auto") == 0 && enf_isatty_stdout() && !getenv("NO_COLOR"));
		out = enf_fleet_render_text(fleet, c);
	}
	if (!out) {
		cli_fprintf(stderr, "enforcer: fleet report: out of memory\n");
		code = CLI_EXIT_ERROR;
	} else if (strcmp(format, "json") == 0) {
		cli_put_json(stdout, out);
	} else {
		/* HTML and XML escape what they hold; the text's values are escaped as they
		 * are rendered. */
		fputs(out, stdout);
	}
	if (report_dir && enf_fleet_write_dir(fleet, report_dir)) {
		cli_print_last_error("fleet report: cannot write the report files");
		code = CLI_EXIT_FAILURES;
	}
	free(out);
	enf_fleet_free(fleet);
	return code;
}

int cmd_fleet(int argc, char **argv)
{
	if (argc < 2) {
		cli_usage_error("fleet", "name a subcommand: report");
		return CLI_EXIT_ERROR;
	}
	if (strcmp(argv[1], "report") == 0) {
		if (argc >= 3 && cli_is_help(argv[2])) {
			fputs(cmd_fleet_usage, stdout);
			return CLI_EXIT_OK;
		}
		return fleet_report(argc - 1, argv + 1);
	}
	cli_usage_error("fleet", "'%s' is not a fleet subcommand; there is report", argv[1]);
	return CLI_EXIT_ERROR;
}
