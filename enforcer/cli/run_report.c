/*
 * Report files that can be trusted after the run, for plan, apply and
 * rollback: report.json.p7s (--sign-key, --sign-cert) and one commit per
 * run in the audit repository (--audit-repo).
 *
 * Every format is rendered once, in memory, and --report-dir, the
 * signature and the audit commit all take those same bytes: what was
 * signed is what was written and committed, and the commit holds exactly
 * the run's files, with no stale file of an earlier run mixed in.
 */
#include "cli.h"
#include "run_opts.h"

#include "enforcer/guard.h"
#include "enforcer/errors.h"
#include "enforcer/render.h"
#include "enforcer/report.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

int cli_parse_run_extra(cli_run_opts *o, const char *cmd, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	const char **slot = strcmp(a, "--sign-key") == 0     ? &o->sign_key
	                    : strcmp(a, "--sign-cert") == 0  ? &o->sign_cert
	                    : strcmp(a, "--audit-repo") == 0 ? &o->audit_repo
	                                                     : NULL;
	if (!slot)
		return cli_parse_source_opt(&o->src, cmd, argc, argv, i);
	if (*i + 1 >= argc) {
		cli_usage_error(cmd, "%s needs a value", a);
		return -1;
	}
	*slot = argv[++*i];
	return 1;
}

int cli_check_run_extra(const cli_run_opts *o, const char *cmd)
{
	if (strcmp(cmd, "rollback") == 0 && (o->src.repo || o->src.ref || o->src.trusted_signers ||
	                                     o->src.require_signed || o->src.allow_downgrade)) {
		cli_usage_error(cmd,
		                "--repo, --ref, --trusted-signers, --require-signed and "
		                "--allow-downgrade name a policy; a rollback undoes a run from "
		                "its journal");
		return 1;
	}
	if (strcmp(cmd, "rollback") != 0 && cli_check_source_opts(&o->src, cmd))
		return 1;
	if (o->src.signer_eku_count && !o->src.trusted_signers && !o->sign_key) {
		cli_usage_error(cmd, "--signer-eku names what a signer may be: give it with "
		                     "--trusted-signers PEM (policy commits) or --sign-key KEY "
		                     "(reports)");
		return 1;
	}
	if (!o->sign_key != !o->sign_cert) {
		cli_usage_error(cmd, "%s needs %s too", o->sign_key ? "--sign-key" : "--sign-cert",
		                o->sign_key ? "--sign-cert CERT" : "--sign-key KEY");
		return 1;
	}
	if (o->sign_key && !o->report_dir && !o->audit_repo) {
		cli_usage_error(cmd, "--sign-key signs report.json: give --report-dir DIR or "
		                     "--audit-repo DIR for it");
		return 1;
	}
	return 0;
}

int cli_prepare_outputs(cli_run_opts *o, const char *cmd)
{
	/*
	 * A key someone else could replace would sign their report; a report
	 * folder they could change would take their link for report.json.
	 */
	if ((o->sign_key && enf_guard_check(o->sign_key, ENF_GUARD_FILE | ENF_GUARD_PARENTS)) ||
	    (o->report_dir && enf_guard_check(o->report_dir, ENF_GUARD_DIR | ENF_GUARD_PARENTS |
	                                                         ENF_GUARD_MAY_BE_MISSING))) {
		const enf_error *e = enf_error_last();
		cli_fprintf(stderr, "enforcer %s: %s\nNothing was read or changed.\n", cmd,
		            e ? e->message : "cannot check who may change the outputs");
		return 1;
	}
	if (o->sign_key &&
	    enf_report_signer_load_ekus(&o->signer, o->sign_key, o->sign_cert, o->src.signer_ekus,
	                                o->src.signer_eku_count)) {
		const enf_error *e = enf_error_last();
		cli_fprintf(stderr, "enforcer %s: %s\nNothing was read or changed.\n", cmd,
		            e ? e->message : "cannot load the signing key");
		return 1;
	}
	if (o->audit_repo && enf_audit_open(&o->audit, o->audit_repo)) {
		const enf_error *e = enf_error_last();
		cli_fprintf(stderr, "enforcer %s: %s\nNothing was read or changed.\n", cmd,
		            e ? e->message : "cannot open the audit repository");
		return 1;
	}
	return 0;
}

void cli_run_opts_clear(cli_run_opts *o)
{
	enf_report_signer_free(o->signer);
	enf_audit_free(o->audit);
	o->signer = NULL;
	o->audit = NULL;
}

/* A signature left by an earlier run would not match the new report.json. */
static int remove_stale_signature(const char *dir)
{
	char *path = enf_asprintf("%s/%s", dir, ENF_REPORT_SIGNATURE_NAME);
	int rc = path ? enf_remove_file(path) : enf_error_oom();
	free(path);
	return rc;
}

int cli_write_reports(const cli_run_opts *o, const enf_report *report, const enf_run *run)
{
	if (!o->report_dir && !o->signer && !o->audit)
		return 0;
	enf_report_files *files = NULL;
	int failed = 0;
	if (enf_report_files_render(&files, report) ||
	    (o->signer && enf_report_files_sign(files, o->signer))) {
		cli_print_last_error("cannot write the reports");
		enf_report_files_free(files);
		return 1;
	}
	if (o->report_dir && (enf_report_files_write(files, o->report_dir) ||
	                      (!o->signer && remove_stale_signature(o->report_dir)))) {
		cli_print_last_error("cannot write the reports");
		failed = 1;
	}
	char *commit = NULL;
	if (o->audit && enf_audit_commit(&commit, o->audit, run, enf_report_files_items(files),
	                                 enf_report_files_count(files))) {
		cli_print_last_error(
		    "the run's reports were not committed to the audit repository");
		failed = 1;
	} else if (commit && o->verbose && !o->json) {
		cli_fprintf(stderr, "audit: run %s committed as %.12s in '%s'\n", run->run_id,
		            commit, o->audit_repo);
	}
	free(commit);
	enf_report_files_free(files);
	return failed;
}
