/*
 * Where a policy comes from: a file on disk, or a file in a git commit.
 *
 * The engine reads the files a policy refers to (certificate files, the
 * certificate files of a trust-store's `allow` list) only through the
 * source, so a policy loaded from a commit is enforced with that commit's
 * files and never with the working tree's. Service password files are the
 * exception, on purpose: secrets do not belong in a policy repository, so
 * they are always read from disk (see enf_source_local_dir).
 *
 * A source also fills the report's provenance (enf_provenance): for a commit,
 * its id, author, date, subject, tree and signature; for a plain file in a
 * git working tree, the working tree's HEAD and whether the file differs
 * from it (dirty).
 */
#ifndef ENFORCER_SOURCE_H
#define ENFORCER_SOURCE_H

#include "common.h"
#include "diag.h"
#include "policy.h"
#include "signature.h"

typedef struct enf_source enf_source;

/* Where the policy came from, for reports. */
typedef struct enf_provenance {
	char *file;   /* the policy path as given */
	char *sha256; /* of the policy file's bytes, hex */
	char *repo, *ref, *commit, *author, *date, *subject, *tree;
	char *signature; /* valid, invalid, unsigned, untrusted, unsupported */
	char *signer;
	int dirty; /* -1 unknown, 0 clean, 1 modified or untracked */
} enf_provenance;

/* Fills `prov` for a policy read from a plain file: its path and SHA-256, nothing more. */
int enf_provenance_from_file(enf_provenance *prov, const enf_policy *policy);
void enf_provenance_clear(enf_provenance *prov);

/*
 * A policy file on disk: referenced files are read from its folder. When the
 * file is in a git working tree, the provenance names the tree's HEAD commit
 * and whether the policy (or a file it refers to) is modified or untracked.
 * The policy itself is loaded with enf_policy_load_file.
 */
int enf_source_open_file(enf_source **out, const char *policy_path);

/* A folder, with no provenance: the engine's default when it is given no source. */
int enf_source_open_dir(enf_source **out, const char *dir);

typedef struct enf_source_git_options {
	unsigned version;
	/* PEM bundle of CA or signer certificates a commit signature must chain to; or NULL. */
	const char *trusted_signers;
	/*
	 * Version 2: 1 refuses a repository (its folder, and everything in its
	 * git folder) or signers file that someone other than the system and
	 * the account running enforcer can change (include/enforcer/guard.h):
	 * what plan and apply read. 0 for validate and policy diff, which
	 * policy CI runs on checkouts of its own.
	 */
	int guard;
	/*
	 * Version 3: the extended key usages a commit's signer must carry one
	 * of (dotted OIDs, --signer-eku); NULL for code signing or e-mail
	 * protection. The signer must also have digitalSignature and not be a
	 * CA (util/cms_rules.h).
	 */
	const char *const *signer_ekus;
	size_t signer_eku_count;
} enf_source_git_options;

#define ENF_SOURCE_GIT_OPTIONS_VERSION 3
#define ENF_SOURCE_GIT_OPTIONS_INIT                                                                \
	{                                                                                          \
		ENF_SOURCE_GIT_OPTIONS_VERSION, NULL, 0, NULL, 0                                   \
	}

/*
 * git_libgit2_init, as enforcer needs libgit2 (pair each call with
 * git_libgit2_shutdown): the system, XDG and ProgramData configuration
 * levels are emptied, so that a run as SYSTEM or root reads no
 * configuration file a standard user may write (C:\ProgramData\Git\config);
 * the global level (the running account's own) stays. 0, or ENF_ERROR.
 */
int enf_source_git_init(void);

/*
 * Whether libgit2 refused to open a repository because another account
 * owns it: GIT_EOWNER, or, in libgit2 1.5 (Debian 12, the Windows build),
 * GIT_ENOTFOUND for the safe.directory setting it then looks up when no
 * configuration file has one.
 */
int enf_source_git_not_owner(int git_rc);

/*
 * The last libgit2 error as the last error, "WHAT: LIBGIT2'S MESSAGE"; an
 * ownership refusal (enf_source_git_not_owner) is said in plain words with
 * what to do instead. Returns `code`.
 */
int enf_source_git_fail(int code, int git_rc, const char *what);

/*
 * The file `path` (relative to the repository's top, '/'-separated) in the
 * commit `ref` (anything git rev-parse takes: a branch, a tag, an id) of the
 * repository `repo_dir` (its working tree or its .git folder; parents are
 * not searched). Checks the commit's signature (see enf_source_signature)
 * and that `path` is a regular file of the commit, not a symbolic link or
 * inside a submodule. Nothing is read from the working tree.
 */
int enf_source_open_git(enf_source **out, const char *repo_dir, const char *ref, const char *path,
                        const enf_source_git_options *opts);

/*
 * Loads the policy of a git source (for a file source: from its file), with
 * "REF:PATH" as the file name in diagnostics; see enf_policy_load_buffer.
 */
int enf_source_load_policy(enf_policy **out, enf_diag_list *diags, enf_source *src);

/*
 * Reads every file the policy refers to (a certificate's `file`, a
 * trust-store `allow` entry's file) through the source and parses it as
 * plan and apply would; each one that is missing or is not a certificate is
 * an error in `diags` at the line of its reference. ENF_EINVALID when any
 * is, ENF_ENOMEM when memory ran out.
 */
int enf_source_check_files(enf_source *src, const enf_policy *policy, enf_diag_list *diags);

/*
 * Reads a file the policy refers to, `relative` to the policy's folder, at
 * most `max` bytes. Paths with '..', a leading '/', a backslash, a ':' or a
 * Windows device name are refused (ENF_EINVALID); from a commit, so are
 * symbolic links and submodules. The error names the path.
 */
int enf_source_read(char **out, size_t *out_len, enf_source *src, const char *relative, size_t max);

/*
 * The blob id (hex) of a referenced file in a git source, to tell whether a
 * file changed between two commits; ENF_ENOTFOUND when it is not there.
 */
int enf_source_file_id(char **out, enf_source *src, const char *relative);

/*
 * The folder on disk that files staying on disk (password files) are read
 * from: the policy's folder; for a commit, the policy's folder in the
 * repository's working tree (the repository folder when it is bare).
 */
const char *enf_source_local_dir(const enf_source *src);

/* The name of the policy in messages: the path, or "REF:PATH" for a commit. */
const char *enf_source_name(const enf_source *src);

/* The commit signature's check (git sources); NULL for a file. Borrowed. */
const enf_sig_check *enf_source_signature(const enf_source *src);

/* The commit id (hex) of a git source, or of a plain file's working tree HEAD; or NULL. */
const char *enf_source_commit(const enf_source *src);

/*
 * Downgrade protection (docs/journal.md, "The commits enforced last"): how
 * a git source's commit relates to a commit enforced earlier.
 */
typedef enum enf_lineage {
	ENF_LINEAGE_SAME = 0,       /* the very commit */
	ENF_LINEAGE_DESCENDANT,     /* it comes after it (a fast-forward) */
	ENF_LINEAGE_NOT_DESCENDANT, /* an older commit, or another line of history */
	ENF_LINEAGE_MISSING         /* the earlier commit is not in the repository */
} enf_lineage;

/*
 * Which repository a git source is, as the record of enforced commits keys
 * it: "url:URL" of its remote origin (without user or password, nor a
 * trailing ".git"), so that a clone moved or made again elsewhere is the
 * same repository; "path:DIR" (absolute) when it has no origin.
 * ENF_ENOTFOUND for a source that is not a git commit.
 */
int enf_source_repo_id(char **out, const enf_source *src);

/* The policy's path in the repository (git sources); NULL otherwise. Borrowed. */
const char *enf_source_repo_path(const enf_source *src);

/* How the source's commit relates to commit `recorded` (hex), git_graph_descendant_of. */
int enf_source_lineage(enf_lineage *out, const enf_source *src, const char *recorded);

/*
 * A commit for messages: 0123456789ab of 2026-03-01 "subject", or the
 * short id alone when the commit is not in the repository. NULL without memory.
 */
char *enf_source_commit_text(const enf_source *src, const char *hex);

/* 1 when the source's repository is a shallow clone (its history is cut). */
int enf_source_is_shallow(const enf_source *src);

/*
 * Fills `prov` for the report. For a file source `dirty` covers the policy
 * and every file read through the source so far, so call it after the run.
 */
int enf_source_provenance(enf_provenance *prov, const enf_source *src, const enf_policy *policy);

void enf_source_free(enf_source *src);

/* What changed between two versions of a policy (enf_policy_diff). */
typedef struct enf_policy_changes enf_policy_changes;

/*
 * What changed between two versions of a policy, per resource id: added,
 * removed, and for a changed resource each key that changed, from what to
 * what (values as the policy model holds them, so a spelling that means the
 * same, e.g. `0x2` for `2`, is no change). A referenced certificate file
 * whose content changed counts as a change of that resource. `from_src` and
 * `to_src` may be NULL (no file contents compared). Free *out with
 * enf_policy_changes_free.
 */
int enf_policy_diff(enf_policy_changes **out, const enf_policy *from, enf_source *from_src,
                    const enf_policy *to, enf_source *to_src);

/* How many differences: resources added, removed or changed, and policy settings changed. */
size_t enf_policy_changes_count(const enf_policy_changes *changes);

/* The changes as text: one line per change ("~ registry ID: data 1 -> 2"); free() it. */
char *enf_policy_changes_text(const enf_policy_changes *changes);

/* Where the two versions compared came from, named in the JSON form; any may be NULL. */
typedef struct enf_diff_origin {
	const char *repo, *path;
	const char *from_ref, *from_commit;
	const char *to_ref, *to_commit;
} enf_diff_origin;

/*
 * The changes as one JSON document (schema "enforcer-policy-diff/1",
 * docs/CLI.md), indented, with `origin` (may be NULL) as "repo", "path",
 * "from" and "to"; free() it. NULL without memory.
 */
char *enf_policy_changes_json(const enf_policy_changes *changes, const enf_diff_origin *origin);

void enf_policy_changes_free(enf_policy_changes *changes);

#endif
