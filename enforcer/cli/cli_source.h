/*
 * Command-line side of issue 6: a policy from a git commit (--repo, --ref,
 * --trusted-signers, --require-signed), signed reports (--sign-key,
 * --sign-cert) and the audit repository (--audit-repo). Shared by plan,
 * apply, rollback and validate; implemented in run_source.c and
 * run_report.c.
 */
#ifndef ENFORCER_CLI_SOURCE_H
#define ENFORCER_CLI_SOURCE_H

#include "enforcer/diag.h"
#include "enforcer/policy.h"
#include "enforcer/engine.h"
#include "enforcer/source.h"

#include <jansson.h>

#define CLI_SIGNER_EKU_MAX 16

typedef struct cli_source_opts {
	const char *repo;            /* --repo DIR: load the policy from a commit */
	const char *ref;             /* --ref REF (default HEAD) */
	const char *trusted_signers; /* --trusted-signers PEM */
	int require_signed;          /* --require-signed */
	int allow_downgrade;         /* --allow-downgrade (plan, apply, restart) */
	/* --signer-eku OID (repeatable): the purposes a policy or report signer may carry. */
	const char *signer_ekus[CLI_SIGNER_EKU_MAX];
	size_t signer_eku_count;
} cli_source_opts;

/*
 * Parses --repo, --ref, --trusted-signers, --require-signed or --signer-eku
 * at argv[*i].
 * Returns 1 when it took the option (and *i is on its value), 0 when
 * argv[*i] is another option, -1 after printing a usage error.
 */
int cli_parse_source_opt(cli_source_opts *s, const char *cmd, int argc, char **argv, int *i);

/*
 * --signer-eku OID at argv[*i], appended to `ekus` (CLI_SIGNER_EKU_MAX
 * slots); 1 taken, -1 after a usage error.
 */
int cli_parse_signer_eku(const char **ekus, size_t *count, const char *cmd, int argc, char **argv,
                         int *i);

/*
 * A PATH-IN-REPO as given on the command line, malloc'd (NULL when memory
 * ran out). On Windows, where '\\' is the command line's separator,
 * "policies\\edge.yaml" means "policies/edge.yaml"; elsewhere the path is
 * kept as it is. References inside a policy keep their strict rules.
 */
char *cli_repo_path(const char *arg);

/* Options that need each other; prints a usage error and returns 1. */
int cli_check_source_opts(const cli_source_opts *s, const char *cmd);

/*
 * Opens the policy PATH (a file, or with --repo a file of the commit) and
 * loads it, printing its diagnostics. With --require-signed, a commit
 * without a valid signature from a trusted signer is refused before the
 * policy is even parsed. Returns 0, or 1 after printing why ("nothing was
 * read or changed").
 */
int cli_load_policy(enf_policy **policy, enf_source **source, const cli_source_opts *s,
                    const char *cmd, const char *path);

/*
 * For validate: loads PATH of the commit into `diags` (initialised here,
 * named "REF:PATH"); a source that cannot be opened or is refused becomes
 * an error of that file. With `check_files`, every file the policy refers
 * to must also parse as a certificate (enf_source_check_files). Returns the
 * loader's code.
 */
int cli_load_git_policy(enf_policy **policy, enf_diag_list *diags, const cli_source_opts *s,
                        const char *path, int check_files);

/*
 * For validate: loads the policy file PATH into `diags` (initialised here);
 * with `check_files`, every file it refers to, relative to its folder, must
 * exist and parse as a certificate. Returns the loader's code.
 */
int cli_load_file_policy(enf_policy **policy, enf_diag_list *diags, const char *path,
                         int check_files);

#endif
