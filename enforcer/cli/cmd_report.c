/* enforcer report: `show` a saved report again, `verify` a signed one. */
#include "cli.h"

#include "enforcer/errors.h"
#include "enforcer/report.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

const char cmd_report_usage[] =
    "usage: enforcer report show [--format text|html|junit|json] [-v] REPORT.json\n"
    "       enforcer report verify [--trusted-signers PEM] [--tsa-certs PEM]\n"
    "                              [--signer-eku OID]... [--signature FILE] REPORT.json\n"
    "       enforcer report timestamp (--signature-value OUT | --timestamp TOKEN)\n"
    "                                 [--signature FILE] REPORT.json\n\n"
    "show       renders a saved report again (see 'enforcer report show --help').\n"
    "verify     checks REPORT.json against its detached CMS signature (by default\n"
    "           REPORT.json.p7s, as --sign-key writes it) and prints what it\n"
    "           verified (see 'enforcer report verify --help').\n"
    "timestamp  attaches an RFC 3161 time stamp to the signature (see 'enforcer\n"
    "           report timestamp --help').\n\n"
    "The same check with OpenSSL:\n"
    "  openssl cms -verify -binary -inform DER -in report.json.p7s \\\n"
    "      -content report.json -CAfile trusted.pem -purpose any -out /dev/null\n\n"
    "Exit status of verify: 0 the report is as signed, by a trusted signer;\n"
    "1 it was altered, a signature or time stamp is not valid, the signer is\n"
    "not trusted or not allowed to sign, or a file cannot be read; 3 intact,\n"
    "but only integrity was checked (no --trusted-signers).\n";

int cmd_report(int argc, char **argv)
{
	if (argc < 2) {
		cli_usage_error("report", "name a subcommand: show, verify or timestamp");
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
			fputs(cmd_report_verify_usage, stdout);
			return CLI_EXIT_OK;
		}
		return cli_report_verify(argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "timestamp") == 0) {
		if (help) {
			fputs(cmd_report_timestamp_usage, stdout);
			return CLI_EXIT_OK;
		}
		return cli_report_timestamp(argc - 1, argv + 1);
	}
	cli_usage_error("report",
	                "'%s' is not a report subcommand; they are show, verify and timestamp",
	                argv[1]);
	return CLI_EXIT_ERROR;
}
