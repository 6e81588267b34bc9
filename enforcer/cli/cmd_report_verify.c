/*
 * enforcer report verify: checks a signed report and always says what it
 * verified (the run, the policy commit, the signer, the time the signer's
 * chain was checked at); and enforcer report timestamp: an RFC 3161 token
 * from the company's time-stamping authority attached to the signature.
 */
#include "cli.h"
#include "cli_source.h"

#include "enforcer/errors.h"
#include "enforcer/report.h"
#include "util/util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The report's own file size bound (report/sign.c reads up to 256 MiB). */
#define REPORT_JSON_MAX (256u * 1024 * 1024)

static void iso_time(char *buf, size_t size, long long t)
{
	struct tm tm;
	enf_gmtime(&tm, (time_t)t);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *str_at(json_t *doc, const char *a, const char *b, const char *c)
{
	json_t *v = json_object_get(json_object_get(doc, a), b);
	if (c)
		v = json_object_get(v, c);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* What the signed bytes say: the run, its host, mode and time, and the policy's commit. */
static void print_run(const char *report)
{
	char *text = NULL;
	size_t len = 0;
	json_t *doc = NULL;
	if (enf_read_file(&text, &len, report, REPORT_JSON_MAX) == 0)
		doc = json_loadb(text, len, 0, NULL);
	free(text);
	const char *id = str_at(doc, "run", "id", NULL), *host = str_at(doc, "run", "host", NULL);
	const char *mode = str_at(doc, "run", "mode", NULL);
	const char *started = str_at(doc, "run", "started", NULL);
	if (!id || !host || !mode || !started) {
		cli_printf(
		    "  run:     (the signed file is not an enforcer report: no run to show)\n");
		json_decref(doc);
		return;
	}
	const char *name = str_at(doc, "policy", "name", NULL);
	const char *commit = str_at(doc, "policy", "source", "commit");
	const char *sha = str_at(doc, "policy", "source", "sha256");
	cli_printf("  run:     %s (%s) on %s, started %s\n", id, mode, host, started);
	if (commit)
		cli_printf("  policy:  %s, commit %s\n", name ? name : "?", commit);
	else
		cli_printf("  policy:  %s, not from a commit (file sha256 %s)\n", name ? name : "?",
		           sha ? sha : "unknown");
	json_decref(doc);
}

/* The signer and the time its chain was checked at (or why it was not). */
static void print_signer(const enf_sig_check *c)
{
	char at[32];
	cli_printf("  signer:  %s\n", c->signer);
	if (c->signed_at) {
		iso_time(at, sizeof(at), c->signed_at);
		cli_printf("  signed:  %s, as the signature states (signingTime)\n", at);
	} else {
		cli_printf("  signed:  the signature states no signing time\n");
	}
	if (!c->trust_checked || c->status != ENF_SIG_VALID)
		return;
	const char *since = c->expired_since ? ": the certificate has since expired" : "";
	iso_time(at, sizeof(at), c->checked_at);
	if (c->time_source == ENF_SIG_TIME_TIMESTAMP)
		cli_printf("  chain:   checked at the time-stamp's time %s (RFC 3161, by %s)%s\n",
		           at, c->tsa ? c->tsa : "?", since);
	else if (c->time_source == ENF_SIG_TIME_SIGNED)
		cli_printf("  chain:   checked at the signing time %s%s\n", at, since);
	else
		cli_printf("  chain:   checked at the current time\n");
}

const char cmd_report_verify_usage[] =
    "usage: enforcer report verify [--trusted-signers PEM] [--tsa-certs PEM]\n"
    "                              [--signer-eku OID]... [--signature FILE] REPORT.json\n\n"
    "Checks REPORT.json against its detached CMS signature (by default\n"
    "REPORT.json.p7s, as --sign-key writes it) and prints what it verified:\n"
    "the run (id, mode, host, time), the policy and its commit, the signer.\n"
    "With --trusted-signers (a PEM bundle of CA or signer certificates) the\n"
    "signer must chain to one of them, at the time the report was signed (an\n"
    "attached RFC 3161 time stamp's time, else the signature's signing time),\n"
    "have key usage digitalSignature, not be a CA, and carry the extended key\n"
    "usage code signing or e-mail protection (--signer-eku OID, repeatable:\n"
    "those instead). A time stamp must come from a TSA in --tsa-certs PEM\n"
    "(default: the trusted signers).\n\n"
    "Exit status: 0 the report is as signed, by a trusted signer; 1 it was\n"
    "altered, the signature or its time stamp is not valid, the signer is not\n"
    "trusted or not allowed to sign, or a file cannot be read; 3 it is intact\n"
    "but only its integrity was checked (no --trusted-signers): anyone can\n"
    "sign a forged report with a key of their own.\n";

int cli_report_verify(int argc, char **argv)
{
	enf_report_verify_options opts = ENF_REPORT_VERIFY_OPTIONS_INIT;
	const char *ekus[CLI_SIGNER_EKU_MAX];
	const char *sig_path = NULL, *report = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int valued = strcmp(a, "--trusted-signers") == 0 || strcmp(a, "--signature") == 0 ||
		             strcmp(a, "--tsa-certs") == 0;
		if (strcmp(a, "--signer-eku") == 0) {
			if (cli_parse_signer_eku(ekus, &opts.signer_eku_count, "report verify",
			                         argc, argv, &i) < 0)
				return CLI_EXIT_ERROR;
		} else if (valued && i + 1 >= argc) {
			cli_usage_error("report verify", "%s needs a value", a);
			return CLI_EXIT_ERROR;
		} else if (strcmp(a, "--trusted-signers") == 0) {
			opts.trusted_signers = argv[++i];
		} else if (strcmp(a, "--tsa-certs") == 0) {
			opts.tsa_certs = argv[++i];
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
	if ((opts.tsa_certs || opts.signer_eku_count) && !opts.trusted_signers) {
		cli_usage_error("report verify", "%s checks the signer: give --trusted-signers PEM",
		                opts.tsa_certs ? "--tsa-certs" : "--signer-eku");
		return CLI_EXIT_ERROR;
	}
	opts.signer_ekus = ekus;
	char *default_sig = sig_path ? NULL : enf_asprintf("%s.p7s", report);
	enf_sig_check check = {0};
	int code = CLI_EXIT_ERROR;
	if (enf_report_verify_ext(&check, report, sig_path ? sig_path : default_sig, &opts)) {
		cli_print_last_error("cannot verify the report");
		goto done;
	}
	if (check.status == ENF_SIG_VALID) {
		cli_printf("%s: valid: signed by %s, a trusted signer ('%s')\n", report,
		           check.signer, opts.trusted_signers);
		code = CLI_EXIT_OK;
	} else if (check.status == ENF_SIG_UNTRUSTED && !check.trust_checked) {
		cli_printf(
		    "%s: intact: signed by %s; only its integrity was checked, not who signed "
		    "it (give --trusted-signers PEM)\n",
		    report, check.signer);
		code = CLI_EXIT_UNVERIFIED;
	} else if (check.status == ENF_SIG_UNTRUSTED) {
		cli_fprintf(stderr, "%s: untrusted: signed by %s, but %s\n", report, check.signer,
		            check.reason);
	} else {
		cli_fprintf(stderr, "%s: invalid: %s\n", report, check.reason ? check.reason : "?");
	}
	/* What was signed is shown whenever the signature holds over it. */
	if (check.signer && check.status != ENF_SIG_INVALID) {
		print_run(report);
		print_signer(&check);
	}
done:
	enf_sig_check_clear(&check);
	free(default_sig);
	return code;
}

const char cmd_report_timestamp_usage[] =
    "usage: enforcer report timestamp [--signature FILE] --signature-value OUT REPORT.json\n"
    "       enforcer report timestamp [--signature FILE] --timestamp TOKEN REPORT.json\n\n"
    "A time stamp from the company's RFC 3161 time-stamping authority keeps a\n"
    "signed report verifiable after the signer's certificate expires, on the\n"
    "TSA's word rather than the signer's. The token covers the signature value:\n"
    "  enforcer report timestamp --signature-value sig.bin reports/report.json\n"
    "  openssl ts -query -data sig.bin -sha256 -cert -out req.tsq\n"
    "  (the TSA answers req.tsq with token.tsr, e.g. openssl ts -reply)\n"
    "  enforcer report timestamp --timestamp token.tsr reports/report.json\n"
    "--timestamp checks that the token covers this signature and keeps it in\n"
    "REPORT.json.p7s (an unsigned attribute); report.json does not change.\n"
    "Exit status: 0 done; 1 refused (nothing changed) or a file cannot be read.\n";

int cli_report_timestamp(int argc, char **argv)
{
	const char *sig_path = NULL, *report = NULL, *value_out = NULL, *token = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = strcmp(a, "--signature") == 0         ? &sig_path
		                    : strcmp(a, "--signature-value") == 0 ? &value_out
		                    : strcmp(a, "--timestamp") == 0       ? &token
		                                                          : NULL;
		if (slot && i + 1 >= argc) {
			cli_usage_error("report timestamp", "%s needs a value", a);
			return CLI_EXIT_ERROR;
		} else if (slot) {
			*slot = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			cli_usage_error("report timestamp", "unknown option '%s'", a);
			return CLI_EXIT_ERROR;
		} else if (!report) {
			report = a;
		} else {
			cli_usage_error("report timestamp", "name one report");
			return CLI_EXIT_ERROR;
		}
	}
	if (!report || !value_out == !token) {
		cli_usage_error("report timestamp", "name the report.json and one of "
		                                    "--signature-value OUT or --timestamp TOKEN");
		return CLI_EXIT_ERROR;
	}
	char *default_sig = sig_path ? NULL : enf_asprintf("%s.p7s", report);
	const char *sig = sig_path ? sig_path : default_sig;
	unsigned char *value = NULL;
	size_t len = 0;
	int code = CLI_EXIT_OK;
	if (value_out && (enf_report_signature_value(&value, &len, sig) ||
	                  enf_write_file_atomic(value_out, value, len))) {
		cli_print_last_error("cannot write the signature value");
		code = CLI_EXIT_ERROR;
	} else if (value_out) {
		cli_printf("%s: the signature value of '%s' (%zu bytes): time-stamp it with\n"
		           "  openssl ts -query -data %s -sha256 -cert -out req.tsq\n",
		           value_out, sig, len, value_out);
	} else if (enf_report_timestamp(sig, token)) {
		cli_print_last_error(NULL);
		cli_fprintf(stderr, "Nothing was changed.\n");
		code = CLI_EXIT_ERROR;
	} else {
		cli_printf("%s: time-stamp token attached to '%s'; check it with enforcer report "
		           "verify --trusted-signers PEM [--tsa-certs PEM] %s\n",
		           token, sig, report);
	}
	free(value);
	free(default_sig);
	return code;
}
