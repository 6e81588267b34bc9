/*
 * A policy from a file or from a git commit, for plan, apply and validate:
 * --repo DIR --ref REF PATH, and the --require-signed gate that refuses a
 * commit before anything of it is used.
 */
#include "cli.h"
#include "cli_source.h"

#include "enforcer/guard.h"
#include "enforcer/errors.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

int cli_parse_source_opt(cli_source_opts *s, const char *cmd, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	const char **slot = strcmp(a, "--repo") == 0              ? &s->repo
	                    : strcmp(a, "--ref") == 0             ? &s->ref
	                    : strcmp(a, "--trusted-signers") == 0 ? &s->trusted_signers
	                                                          : NULL;
	if (strcmp(a, "--require-signed") == 0) {
		s->require_signed = 1;
		return 1;
	}
	/* Only a run compares its commit with the state folder's record (engine/enforced.c). */
	if (strcmp(a, "--allow-downgrade") == 0 && strcmp(cmd, "validate") != 0) {
		s->allow_downgrade = 1;
		return 1;
	}
	if (strcmp(a, "--signer-eku") == 0)
		return cli_parse_signer_eku(s->signer_ekus, &s->signer_eku_count, cmd, argc, argv,
		                            i);
	if (!slot)
		return 0;
	if (*i + 1 >= argc) {
		cli_usage_error(cmd, "%s needs a value", a);
		return -1;
	}
	*slot = argv[++*i];
	return 1;
}

int cli_parse_signer_eku(const char **ekus, size_t *count, const char *cmd, int argc, char **argv,
                         int *i)
{
	if (*i + 1 >= argc) {
		cli_usage_error(cmd, "--signer-eku needs an object identifier (1.3.6.1.5.5.7.3.3)");
		return -1;
	}
	if (*count >= CLI_SIGNER_EKU_MAX) {
		cli_usage_error(cmd, "name at most %d --signer-eku values", CLI_SIGNER_EKU_MAX);
		return -1;
	}
	ekus[(*count)++] = argv[++*i];
	return 1;
}

char *cli_repo_path(const char *arg)
{
	char *p = enf_strdup(arg);
	for (char *q = p; q && *q && ENF_PATH_SEP == '\\'; q++)
		if (*q == '\\')
			*q = '/';
	return p;
}

int cli_check_source_opts(const cli_source_opts *s, const char *cmd)
{
	if (!s->repo && (s->ref || s->require_signed || s->trusted_signers || s->allow_downgrade)) {
		cli_usage_error(cmd, "%s applies to a policy from git: give --repo DIR too",
		                s->ref               ? "--ref"
		                : s->require_signed  ? "--require-signed"
		                : s->allow_downgrade ? "--allow-downgrade"
		                                     : "--trusted-signers");
		return 1;
	}
	if (s->require_signed && !s->trusted_signers) {
		cli_usage_error(cmd, "--require-signed needs --trusted-signers PEM: the CA or "
		                     "signer certificates a policy commit must be signed by");
		return 1;
	}
	return 0;
}

static void print_diags(const enf_diag_list *diags)
{
	for (size_t i = 0; i < diags->count; i++) {
		char *line = enf_diag_format(diags, &diags->items[i]);
		cli_fprintf(stderr, "%s\n", line ? line : diags->items[i].message);
		free(line);
	}
}

/*
 * Opens the commit and applies --require-signed. On refusal `why` gets the
 * whole message; the caller decides how to show it.
 */
static int open_git(enf_source **out, const cli_source_opts *s, const char *path, int guard,
                    char **why)
{
	enf_source_git_options opts = ENF_SOURCE_GIT_OPTIONS_INIT;
	opts.trusted_signers = s->trusted_signers;
	opts.guard = guard;
	opts.signer_ekus = s->signer_ekus;
	opts.signer_eku_count = s->signer_eku_count;
	const char *ref = s->ref ? s->ref : "HEAD";
	enf_source *src = NULL;
	char *in_repo = cli_repo_path(path);
	*why = NULL;
	if (!in_repo || enf_source_open_git(&src, s->repo, ref, in_repo, &opts)) {
		const enf_error *e = in_repo ? enf_error_last() : NULL;
		*why = enf_strdup(e ? e->message : "cannot read the policy from git");
		free(in_repo);
		return 1;
	}
	free(in_repo);
	const enf_sig_check *sig = enf_source_signature(src);
	if (s->require_signed && sig->status != ENF_SIG_VALID) {
		*why = enf_asprintf(
		    "refusing commit %.12s (%s) of '%s': its signature is %s%s%s%s%s%s; "
		    "--require-signed accepts only a valid x509 signature from a signer in '%s'",
		    enf_source_commit(src), ref, s->repo, enf_sig_status_name(sig->status),
		    sig->signer ? " (signed by " : "", sig->signer ? sig->signer : "",
		    sig->signer ? ")" : "", sig->reason ? ": " : "", sig->reason ? sig->reason : "",
		    s->trusted_signers);
		enf_source_free(src);
		return 1;
	}
	*out = src;
	return 0;
}

int cli_load_policy(enf_policy **policy, enf_source **source, const cli_source_opts *s,
                    const char *cmd, const char *path)
{
	enf_source *src = NULL;
	enf_diag_list diags = {0};
	char *why = NULL;
	int rc = 1;
	/* plan and apply read only a repository or file nobody else can change (guard.h). */
	if (s->repo && open_git(&src, s, path, 1, &why)) {
		cli_fprintf(stderr, "enforcer %s: %s\nNothing was read or changed.\n", cmd,
		            why ? why : "out of memory");
		goto done;
	}
	if (!s->repo && enf_guard_check(path, ENF_GUARD_FILE | ENF_GUARD_PARENTS) == ENF_EACCESS) {
		cli_print_last_error(NULL);
		cli_fprintf(stderr, "Nothing was read or changed.\n");
		goto done;
	}
	if (!s->repo && enf_source_open_file(&src, path)) {
		cli_print_last_error(NULL);
		goto done;
	}
	if (enf_diag_list_init(&diags, enf_source_name(src)))
		goto done;
	if (enf_source_load_policy(policy, &diags, src)) {
		print_diags(&diags);
		cli_fprintf(stderr,
		            "enforcer %s: the policy is not valid; nothing was read or changed\n",
		            cmd);
		goto done;
	}
	print_diags(&diags); /* warnings */
	*source = src;
	src = NULL;
	rc = 0;
done:
	free(why);
	enf_diag_list_clear(&diags);
	enf_source_free(src);
	return rc;
}

/*
 * validate's check of the referenced files, on a policy that loaded: a
 * policy whose files are missing or are not certificates is not valid.
 */
static int check_files_of(int rc, enf_policy **policy, enf_diag_list *diags, enf_source *src,
                          int check_files)
{
	if (rc || !check_files || !*policy)
		return rc;
	if ((rc = enf_source_check_files(src, *policy, diags))) {
		enf_policy_free(*policy);
		*policy = NULL;
	}
	return rc;
}

int cli_load_git_policy(enf_policy **policy, enf_diag_list *diags, const cli_source_opts *s,
                        const char *path, int check_files)
{
	char *in_repo = cli_repo_path(path);
	char *name = in_repo ? enf_asprintf("%s:%s", s->ref ? s->ref : "HEAD", in_repo) : NULL;
	enf_source *src = NULL;
	free(in_repo);
	char *why = NULL;
	int rc = name ? enf_diag_list_init(diags, name) : enf_error_oom();
	free(name);
	if (rc)
		return rc;
	if (open_git(&src, s, path, 0, &why)) {
		enf_diag_add(diags, ENF_SEV_ERROR, 0, 0, "%s", why ? why : "out of memory");
		free(why);
		return ENF_EINVALID;
	}
	rc = enf_source_load_policy(policy, diags, src);
	rc = check_files_of(rc, policy, diags, src, check_files);
	enf_source_free(src);
	return rc;
}

int cli_load_file_policy(enf_policy **policy, enf_diag_list *diags, const char *path,
                         int check_files)
{
	enf_source *src = NULL;
	int rc = enf_diag_list_init(diags, path);
	if (rc)
		return rc;
	if (!check_files) /* --no-files: the files are supplied later; no source needed */
		return enf_policy_load_file(policy, diags, path);
	if ((rc = enf_source_open_file(&src, path)))
		return rc;
	rc = enf_source_load_policy(policy, diags, src);
	rc = check_files_of(rc, policy, diags, src, check_files);
	enf_source_free(src);
	return rc;
}
