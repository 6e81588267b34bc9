/* enforcer report: `show` a saved report again, `verify` a signed one. */
#include "cli.h"

#include "enforcer/errors.h"
#include "enforcer/report.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

const char cmd_report_usage[] =
    "usage: enforcer report show [--format text|html|junit|json] [-v] REPORT.json\n"
    "       enforcer report verify [--trusted-signers PEM] [--signature FILE] REPORT.json\n\n"
    "show    renders a saved report again (see 'enforcer report show --help').\n"
    "verify  checks REPORT.json against its detached CMS signature (by default\n"
    "        REPORT.json.p7s, as --sign-key writes it) and names the signer.\n"
    "        With --trusted-signers (a PEM bundle of CA or signer certificates)\n"
    "        the signer must also chain to one of them.\n\n"
    "The same check with OpenSSL:\n"
    "  openssl cms -verify -binary -inform DER -in report.json.p7s \\\n"
    "      -content report.json -CAfile trusted.pem -purpose any -out /dev/null\n\n"
    "Exit status of verify: 0 the report is as signed (and, with\n"
    "--trusted-signers, by a trusted signer); 1 it was altered, the signature is\n"
    "not valid, the signer is not trusted, or a file cannot be read.\n";

static int report_verify(int argc, char **argv)
{
	const char *trusted = NULL, *sig_path = NULL, *report = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if ((strcmp(a, "--trusted-signers") == 0 || strcmp(a, "--signature") == 0) &&
		    i + 1 >= argc) {
			cli_usage_error("report verify", "%s needs a value", a);
			return CLI_EXIT_ERROR;
		} else if (strcmp(a, "--trusted-signers") == 0) {
			trusted = argv[++i];
		} else if (strcmp(a, "--signature") == 0) {
			sig_path = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			cli_usage_error("report verify", "unknown option '%s'", a);
			return CLI_EXIT_ERROR;
		} else if (!report) {
			report = a;
		} else {
			cli_usage_error("report verify", "name one report");
			return CLI_EXIT_ERROR;
		}
	}
	if (!report) {
		cli_usage_error("report verify", "name the report.json to verify");
		return CLI_EXIT_ERROR;
	}
	char *default_sig = sig_path ? NULL : enf_asprintf("%s.p7s", report);
	enf_sig_check check = {0};
	int code = CLI_EXIT_ERROR;
	if (enf_report_verify(&check, report, sig_path ? sig_path : default_sig, trusted)) {
		cli_print_last_error("cannot verify the report");
		goto done;
	}
	if (check.status == ENF_SIG_VALID) {
		cli_printf("%s: valid: signed by %s, a trusted signer ('%s')\n", report,
		           check.signer, trusted);
		code = CLI_EXIT_OK;
	} else if (check.status == ENF_SIG_UNTRUSTED && !check.trust_checked) {
		/* As docs/CLI.md promises: nonzero only when the report was altered. */
		cli_printf("%s: intact: signed by %s; who signed was not checked (give "
		           "--trusted-signers PEM)\n",
		           report, check.signer);
		code = CLI_EXIT_OK;
	} else if (check.status == ENF_SIG_UNTRUSTED) {
		cli_fprintf(stderr, "%s: untrusted: signed by %s, but %s\n", report, check.signer,
		            check.reason);
	} else {
		cli_fprintf(stderr, "%s: invalid: %s\n", report, check.reason ? check.reason : "?");
	}
done:
	enf_sig_check_clear(&check);
	free(default_sig);
	return code;
}

int cmd_report(int argc, char **argv)
{
	if (argc < 2) {
		cli_usage_error("report", "name a subcommand: show or verify");
		return CLI_EXIT_ERROR;
	}
	int help = argc >= 3 && cli_is_help(argv[2]);
	if (strcmp(argv[1], "show") == 0) {
		if (help) {
			fputs(cmd_report_show_usage, stdout);
			return CLI_EXIT_OK;
		}
		return cmd_report_show(argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "verify") == 0) {
		if (help) {
			fputs(cmd_report_usage, stdout);
			return CLI_EXIT_OK;
		}
		return report_verify(argc - 1, argv + 1);
	}
	cli_usage_error("report", "'%s' is not a report subcommand; they are show and verify",
	                argv[1]);
	return CLI_EXIT_ERROR;
}
