/*
 * The audit log: every run's report files committed to branch audit/<host>
 * of a git repository. The branch's history is the log; pushing it to a
 * central remote gives the central view. Commits are built in the object
 * database (tree builders, then a commit on the ref), so HEAD, the index
 * and any working tree are never touched.
 */
#include "enforcer/report.h"

#include "audit_int.h"
#include "enforcer/errors.h"
#include "enforcer/source.h"
#include "util/util.h"

#include <ctype.h>
#include <git2.h>
#include <stdlib.h>
#include <string.h>

#define COMMIT_TRIES 5

const enf_git_limits enf_audit_git_limits = {ENF_AUDIT_COMMIT_MAX,
                                             ENF_AUDIT_TREE_MAX,
                                             ENF_AUDIT_REPORT_MAX,
                                             "the audit repository",
                                             "docs/CLI.md, \"Limits of the audit repository\"",
                                             ENF_ERRCLASS_REPORT};

struct enf_audit {
	git_repository *repo;
	char *dir;
};

static int git_fail(int code, const char *what, const char *dir)
{
	const git_error *ge = git_error_last();
	enf_error_set(ENF_ERRCLASS_REPORT, "%s '%s': %s", what, dir,
	              ge && ge->message ? ge->message : "unknown error");
	git_error_clear();
	return code;
}

void enf_audit_free(enf_audit *a)
{
	if (!a)
		return;
	git_repository_free(a->repo);
	free(a->dir);
	free(a);
	git_libgit2_shutdown();
}

int enf_audit_open(enf_audit **out, const char *dir)
{
	enf_audit *a = calloc(1, sizeof(*a));
	if (!a)
		return enf_error_oom();
	int rc = enf_source_git_init();
	if (rc) {
		free(a);
		return rc;
	}
	if (!(a->dir = enf_strdup(dir))) {
		rc = enf_error_oom();
		goto done;
	}
	int grc = git_repository_open_ext(&a->repo, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (enf_source_git_not_owner(grc)) {
		char *what = enf_asprintf("cannot open the audit repository '%s'", dir);
		rc = enf_source_git_fail(ENF_EACCESS, grc, what ? what : dir);
		free(what);
	} else if (grc == GIT_ENOTFOUND) {
		git_error_clear();
		char **names = NULL;
		size_t n = 0;
		rc = enf_dir_entries(&names, &n, dir);
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		if (rc == 0 && n > 0) {
			enf_error_set(ENF_ERRCLASS_REPORT,
			              "'%s' is not a git repository and not empty; give an audit "
			              "repository, or a new or empty folder to create one in",
			              dir);
			rc = ENF_EINVALID;
		} else if (rc == 0 || rc == ENF_ENOTFOUND) {
			enf_error_clear();
			/* Bare: an audit log is only ever appended to and pushed, never checked
			 * out. */
			rc = git_repository_init(&a->repo, dir, 1)
			         ? git_fail(ENF_ERROR, "cannot create the audit repository", dir)
			         : 0;
		}
	} else if (grc) {
		rc = git_fail(ENF_ERROR, "cannot open the audit repository", dir);
	}
	/* Every server pushes here: no object is inflated before its size is known. */
	if (rc == 0)
		rc = enf_git_guard_sizes(a->repo, &enf_audit_git_limits);
done:
	if (rc) {
		enf_audit_free(a);
		return rc;
	}
	*out = a;
	return 0;
}

int enf_audit_branch(char **out, const char *host)
{
	/* One spelling per machine, valid as a ref name on every file system. */
	enf_buf b = ENF_BUF_INIT;
	enf_buf_puts(&b, "audit/");
	size_t start = b.len;
	for (const char *p = host && *host ? host : "unknown"; *p; p++) {
		unsigned char c = (unsigned char)tolower((unsigned char)*p);
		int ok = isalnum(c) || c == '-' || c == '_' ||
		         (c == '.' && b.len > start && b.ptr[b.len - 1] != '.');
		enf_buf_put(&b, ok ? (const char *)&c : "-", 1);
	}
	while (b.len > start && (b.ptr[b.len - 1] == '.' || b.ptr[b.len - 1] == '-'))
		b.ptr[--b.len] = '\0';
	if (b.len == start)
		enf_buf_puts(&b, "unknown");
	char *name = enf_buf_detach(&b);
	char *ref = name ? enf_asprintf("refs/heads/%s", name) : NULL;
	int valid = 0;
	if (!ref || git_reference_name_is_valid(&valid, ref) || !valid) {
		/* The rare name git still refuses ("x.lock"): without dots it is fine. */
		for (char *p = name; p && *p; p++)
			if (*p == '.')
				*p = '-';
	}
	git_error_clear();
	free(ref);
	if (!name)
		return enf_error_oom();
	*out = name;
	return 0;
}

/* A name or e-mail for a git signature: no angle brackets or line breaks. */
static char *ident(const char *s, const char *fallback)
{
	char *out = enf_strdup(s && *s ? s : fallback);
	for (char *p = out; p && *p; p++)
		if (*p == '<' || *p == '>' || *p == '\n' || *p == '\r')
			*p = '_';
	return out;
}

static const char *mode_name(const enf_run *run)
{
	if (run->mode == ENF_RUN_APPLY && run->pending_restarts)
		return run->dry_run ? "restart --pending --dry-run" : "restart --pending";
	return run->mode == ENF_RUN_APPLY      ? (run->dry_run ? "apply --dry-run" : "apply")
	       : run->mode == ENF_RUN_ROLLBACK ? "rollback"
	                                       : "plan";
}

static char *commit_message(const enf_run *run)
{
	const enf_provenance *p = &run->source;
	const char *policy = run->policy_name ? run->policy_name : "(none)";
	enf_buf b = ENF_BUF_INIT;
	enf_buf_printf(&b, "enforcer %s of %s on %s: exit %d\n\n", mode_name(run), policy,
	               run->host, enf_run_exit_code(run));
	enf_buf_printf(&b, "Run: %s\nMode: %s\nHost: %s\nUser: %s\nTarget: %s\nPolicy: %s\n",
	               run->run_id, mode_name(run), run->host, run->user, run->target, policy);
	if (p->commit)
		enf_buf_printf(&b, "Policy commit: %s (%s in %s; signature %s%s%s)\n", p->commit,
		               p->ref ? p->ref : "?", p->repo ? p->repo : "?",
		               p->signature ? p->signature : "not checked", p->signer ? ", " : "",
		               p->signer ? p->signer : "");
	if (p->file)
		enf_buf_printf(&b, "Policy file: %s (sha256 %s%s)\n", p->file,
		               p->sha256 ? p->sha256 : "?",
		               p->dirty == 1 ? ", modified or untracked in its working tree" : "");
	enf_buf_puts(&b, "Counts:");
	for (int o = 0; o < ENF_OUTCOME__COUNT; o++)
		enf_buf_printf(&b, "%s %zu %s", o ? "," : "", run->counts[o],
		               enf_outcome_name((enf_outcome)o));
	enf_buf_printf(&b, "\nExit code: %d\n", enf_run_exit_code(run));
	return enf_buf_detach(&b);
}

/* The run's folder: one blob per file. */
static int run_tree(git_oid *out, git_repository *repo, const enf_report_file *files, size_t count)
{
	git_treebuilder *tb = NULL;
	int rc = git_treebuilder_new(&tb, repo, NULL) ? ENF_ERROR : 0;
	for (size_t i = 0; i < count && rc == 0; i++) {
		git_oid blob;
		if (!*files[i].name || strchr(files[i].name, '/') || strchr(files[i].name, '\\')) {
			enf_error_set(ENF_ERRCLASS_REPORT, "'%s' is not a report file name",
			              files[i].name);
			return ENF_EINVALID;
		}
		if (git_blob_create_from_buffer(&blob, repo, files[i].data, files[i].len) ||
		    git_treebuilder_insert(NULL, tb, files[i].name, &blob, GIT_FILEMODE_BLOB))
			rc = ENF_ERROR;
	}
	if (rc == 0 && git_treebuilder_write(out, tb))
		rc = ENF_ERROR;
	git_treebuilder_free(tb);
	return rc;
}

/*
 * The branch's tip and its tree within the limits, from their headers:
 * before anything is stored, so that a refusal leaves the repository as it
 * was. (A tip that moves after this meets the guard backend instead.)
 */
static int tip_fits(enf_audit *a, const char *refname)
{
	git_reference *ref = NULL;
	git_commit *tip = NULL;
	int rc = 0;
	if (git_reference_lookup(&ref, a->repo, refname) == 0 &&
	    git_reference_type(ref) == GIT_REFERENCE_DIRECT) {
		rc = enf_git_fits(a->repo, git_reference_target(ref), refname,
		                  &enf_audit_git_limits, 0);
		if (rc == 0 && git_commit_lookup(&tip, a->repo, git_reference_target(ref)) == 0)
			rc = enf_git_fits(a->repo, git_commit_tree_id(tip), refname,
			                  &enf_audit_git_limits, 0);
	}
	git_error_clear(); /* what cannot be read is said by the commit that follows */
	git_commit_free(tip);
	git_reference_free(ref);
	if (rc == ENF_ELIMIT) {
		char *why = enf_strdup(enf_error_last()->message);
		enf_error_set(ENF_ERRCLASS_REPORT,
		              "cannot commit the reports to the audit repository '%s': %s; nothing "
		              "was written",
		              a->dir, why ? why : "?");
		free(why);
	}
	return rc;
}

/* A reference at the branch's name that is not a branch: libgit2 would write through it. */
#define NOT_A_BRANCH (-1000)

/*
 * One attempt: the branch's tip, plus the run's folder; GIT_EMODIFIED if the
 * tip moved. The branch is read and written by its full name only, never
 * through a symbolic reference (which would put the run on whatever branch
 * it points to): such a reference is NOT_A_BRANCH, with *target its target.
 */
static int commit_once(git_oid *out, git_repository *repo, const char *refname, const char *run_id,
                       const git_oid *run_tree_id, const git_signature *sig, const char *message,
                       char **target)
{
	git_reference *ref = NULL, *updated = NULL;
	git_commit *parent = NULL;
	git_tree *parent_tree = NULL, *tree = NULL;
	git_treebuilder *tb = NULL;
	git_oid tree_id, tip;
	int grc = git_reference_lookup(&ref, repo, refname);
	if (grc == 0 && git_reference_type(ref) != GIT_REFERENCE_DIRECT) {
		const char *to = git_reference_symbolic_target(ref);
		*target = enf_strdup(to ? to : "?");
		git_reference_free(ref);
		return NOT_A_BRANCH;
	}
	if (grc == 0) {
		git_oid_cpy(&tip, git_reference_target(ref));
		grc = git_commit_lookup(&parent, repo, &tip);
	} else if (grc == GIT_ENOTFOUND) {
		grc = 0; /* the branch's first run */
	}
	if (grc == 0 && parent)
		grc = git_commit_tree(&parent_tree, parent);
	if (grc == 0)
		grc = git_treebuilder_new(&tb, repo, parent_tree);
	if (grc == 0)
		grc = git_treebuilder_insert(NULL, tb, run_id, run_tree_id, GIT_FILEMODE_TREE);
	if (grc == 0)
		grc = git_treebuilder_write(&tree_id, tb);
	if (grc == 0)
		grc = git_tree_lookup(&tree, repo, &tree_id);
	if (grc == 0) {
		const git_commit *parents[1] = {parent};
		grc = git_commit_create(out, repo, NULL, sig, sig, NULL, message, tree,
		                        parent ? 1 : 0, parents);
	}
	/* Moved only from the tip read above (or created only if still absent): else again. */
	if (grc == 0)
		grc = parent ? git_reference_create_matching(&updated, repo, refname, out, 1, &tip,
		                                             "enforcer: audit")
		             : git_reference_create(&updated, repo, refname, out, 0,
		                                    "enforcer: audit");
	if (grc == GIT_EEXISTS)
		grc = GIT_EMODIFIED;
	git_reference_free(updated);
	git_reference_free(ref);
	git_treebuilder_free(tb);
	git_tree_free(tree);
	git_tree_free(parent_tree);
	git_commit_free(parent);
	return grc;
}

int enf_audit_commit(char **out, enf_audit *a, const enf_run *run, const enf_report_file *files,
                     size_t count)
{
	char *branch = NULL, *refname = NULL, *message = NULL, *name = NULL, *email = NULL;
	char *host = NULL;
	git_signature *sig = NULL;
	git_oid run_tree_id, commit_id;
	int rc = enf_audit_branch(&branch, run->host);
	if (rc)
		return rc;
	host = enf_strdup(branch + strlen("audit/"));
	refname = enf_asprintf("refs/heads/%s", branch);
	message = commit_message(run);
	name = ident(run->user, "enforcer");
	email = host ? enf_asprintf("enforcer@%s", host) : NULL;
	if (!host || !refname || !message || !name || !email) {
		rc = enf_error_oom();
		goto done;
	}
	if (git_signature_new(&sig, name, email, (git_time_t)run->ended, 0)) {
		rc = git_fail(ENF_ERROR, "cannot make the commit's signature for", a->dir);
		goto done;
	}
	if ((rc = tip_fits(a, refname)))
		goto done;
	if ((rc = run_tree(&run_tree_id, a->repo, files, count))) {
		if (rc != ENF_EINVALID)
			rc = git_fail(rc, "cannot store the reports in", a->dir);
		goto done;
	}
	/* Another run may commit between our read of the tip and our commit: then again. */
	int grc = GIT_EMODIFIED;
	char *target = NULL;
	for (int i = 0; i < COMMIT_TRIES && grc == GIT_EMODIFIED; i++)
		grc = commit_once(&commit_id, a->repo, refname, run->run_id, &run_tree_id, sig,
		                  message, &target);
	if (grc == NOT_A_BRANCH) {
		enf_error_set(
		    ENF_ERRCLASS_REPORT,
		    "'%s' in the audit repository %s is a symbolic reference (to '%s'), not "
		    "a branch: enforcer writes the audit branch only by its own name; delete "
		    "it (git update-ref -d --no-deref %s) and the next run creates the branch",
		    refname, a->dir, target ? target : "?", refname);
		free(target);
		rc = ENF_EINVALID;
		goto done;
	}
	if (grc) {
		rc = git_fail(ENF_ERROR, "cannot commit the reports to", a->dir);
		goto done;
	}
	if (out) {
		char hex[GIT_OID_HEXSZ + 1];
		if (!(*out = enf_strdup(git_oid_tostr(hex, sizeof(hex), &commit_id))))
			rc = enf_error_oom();
	}
done:
	git_signature_free(sig);
	free(branch);
	free(host);
	free(refname);
	free(message);
	free(name);
	free(email);
	return rc;
}
