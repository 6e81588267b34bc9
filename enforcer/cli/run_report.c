/*
 * Report files that can be trusted after the run, for plan, apply and
 * rollback: report.json.p7s (--sign-key, --sign-cert) and one commit per
 * run in the audit repository (--audit-repo).
 *
 * With either, the reports are first written to a private temporary
 * folder: whatever files the report writer makes (today report.json, .txt,
 * .xml, .html) are then exactly the run's files, signed, copied to
 * --report-dir and committed, with no stale file of an earlier run mixed in.
 */
#include "cli.h"
#include "run_opts.h"

#include "enforcer/errors.h"
#include "enforcer/render.h"
#include "enforcer/report.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

#define REPORT_FILE_MAX (256u * 1024 * 1024)
#define SIGNATURE_NAME  "report.json.p7s"

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
	if (strcmp(cmd, "rollback") == 0 &&
	    (o->src.repo || o->src.ref || o->src.trusted_signers || o->src.require_signed)) {
		cli_usage_error(cmd, "--repo, --ref, --trusted-signers and --require-signed name a "
		                     "policy; a rollback undoes a run from its journal");
		return 1;
	}
	if (strcmp(cmd, "rollback") != 0 && cli_check_source_opts(&o->src, cmd))
		return 1;
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
	if (o->sign_key && enf_report_signer_load(&o->signer, o->sign_key, o->sign_cert)) {
		const enf_error *e = enf_error_last();
		fprintf(stderr, "enforcer %s: %s\nNothing was read or changed.\n", cmd,
		        e ? e->message : "cannot load the signing key");
		return 1;
	}
	if (o->audit_repo && enf_audit_open(&o->audit, o->audit_repo)) {
		const enf_error *e = enf_error_last();
		fprintf(stderr, "enforcer %s: %s\nNothing was read or changed.\n", cmd,
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

typedef struct report_set {
	enf_report_file *files;
	char **names;
	char **data;
	size_t count;
} report_set;

static void report_set_clear(report_set *s)
{
	for (size_t i = 0; i < s->count; i++) {
		free(s->names[i]);
		free(s->data[i]);
	}
	free(s->files);
	free(s->names);
	free(s->data);
	memset(s, 0, sizeof(*s));
}

/* Renders the reports into a temporary folder and takes every file from there. */
static int render_all(report_set *set, const enf_report *report)
{
	char *tmp = NULL, **names = NULL;
	size_t n = 0;
	int rc = enf_temp_dir(&tmp);
	if (rc)
		return rc;
	int written = enf_report_write_dir(report, tmp);
	/* Listed even after a failure, so that the folder is cleaned up. */
	rc = enf_dir_entries(&names, &n, tmp);
	if (written)
		rc = written;
	/* One more slot for the signature. */
	set->files = calloc(n + 1, sizeof(*set->files));
	set->names = calloc(n + 1, sizeof(char *));
	set->data = calloc(n + 1, sizeof(char *));
	if (rc == 0 && (!set->files || !set->names || !set->data))
		rc = enf_error_oom();
	for (size_t i = 0; i < n; i++) {
		char *path = enf_asprintf("%s/%s", tmp, names[i]);
		size_t len = 0;
		if (rc == 0 && !path)
			rc = enf_error_oom();
		if (rc == 0 &&
		    (rc = enf_read_file(&set->data[i], &len, path, REPORT_FILE_MAX)) == 0) {
			set->names[i] = names[i];
			names[i] = NULL;
			set->files[i] = (enf_report_file){set->names[i], set->data[i], len};
			set->count = i + 1;
		}
		if (path)
			enf_remove_file(path);
		free(path);
		free(names[i]);
	}
	free(names);
	enf_remove_dir(tmp);
	free(tmp);
	return rc;
}

static int add_signature(report_set *set, const enf_report_signer *signer)
{
	for (size_t i = 0; i < set->count; i++) {
		if (strcmp(set->files[i].name, "report.json") != 0)
			continue;
		unsigned char *sig = NULL;
		size_t len = 0;
		int rc = enf_report_sign(&sig, &len, signer, set->files[i].data, set->files[i].len);
		if (rc)
			return rc;
		set->names[set->count] = enf_strdup(SIGNATURE_NAME);
		set->data[set->count] = (char *)sig;
		set->files[set->count] = (enf_report_file){set->names[set->count], sig, len};
		set->count++;
		return set->names[set->count - 1] ? 0 : enf_error_oom();
	}
	enf_error_set(ENF_ERRCLASS_REPORT, "no report.json was written to sign");
	return ENF_ERROR;
}

static int write_set(const report_set *set, const char *dir)
{
	int rc = enf_mkdir_p(dir);
	for (size_t i = 0; i < set->count && rc == 0; i++) {
		char *path = enf_asprintf("%s/%s", dir, set->files[i].name);
		rc = path ? enf_write_file_atomic(path, set->files[i].data, set->files[i].len)
		          : enf_error_oom();
		free(path);
	}
	return rc;
}

/* A signature left by an earlier run would not match the new report.json. */
static int remove_stale_signature(const char *dir)
{
	char *path = enf_asprintf("%s/%s", dir, SIGNATURE_NAME);
	int rc = path ? enf_remove_file(path) : enf_error_oom();
	free(path);
	return rc;
}

int cli_write_reports(const cli_run_opts *o, const enf_report *report, const enf_run *run)
{
	if (!o->signer && !o->audit) {
		if (!o->report_dir)
			return 0;
		if (enf_report_write_dir(report, o->report_dir) ||
		    remove_stale_signature(o->report_dir)) {
			cli_print_last_error("cannot write the reports");
			return 1;
		}
		return 0;
	}
	report_set set = {0};
	int failed = 0;
	if (render_all(&set, report) || (o->signer && add_signature(&set, o->signer))) {
		cli_print_last_error("cannot write the reports");
		report_set_clear(&set);
		return 1;
	}
	if (o->report_dir && (write_set(&set, o->report_dir) ||
	                      (!o->signer && remove_stale_signature(o->report_dir)))) {
		cli_print_last_error("cannot write the reports");
		failed = 1;
	}
	char *commit = NULL;
	if (o->audit && enf_audit_commit(&commit, o->audit, run, set.files, set.count)) {
		cli_print_last_error(
		    "the run's reports were not committed to the audit repository");
		failed = 1;
	} else if (commit && o->verbose && !o->json) {
		fprintf(stderr, "audit: run %s committed as %.12s in '%s'\n", run->run_id, commit,
		        o->audit_repo);
	}
	free(commit);
	report_set_clear(&set);
	return failed;
}
