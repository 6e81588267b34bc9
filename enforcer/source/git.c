/*
 * A policy in a git commit: the commit, its signature, and the files of its
 * tree, read with libgit2 from the object database, never from a working
 * tree.
 */
#include "source_int.h"

#include "enforcer/errors.h"
#include "enforcer/guard.h"
#include "util/cms.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

#define SHORT_ID 12

/*
 * What a commit is read from: the git folder, and a linked worktree's
 * common one, each with everything in it (include/enforcer/guard.h).
 */
static int guard_git_dirs(git_repository *repo)
{
	const char *dirs[] = {git_repository_path(repo), git_repository_commondir(repo)};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < ENF_ARRAY_SIZE(dirs); i++) {
		if (!dirs[i] || (i > 0 && dirs[0] && strcmp(dirs[i], dirs[0]) == 0))
			continue;
		/* libgit2 ends them with '/'. */
		char *dir = enf_strdup(dirs[i]);
		size_t n = dir ? strlen(dir) : 0;
		while (n > 1 && dir[n - 1] == '/')
			dir[--n] = '\0';
		rc = dir ? enf_guard_check(dir, ENF_GUARD_DIR | ENF_GUARD_PARENTS | ENF_GUARD_TREE)
		         : enf_error_oom();
		free(dir);
	}
	return rc;
}

/*
 * Finds `tree_path` in the commit's tree, one folder at a time, so that a
 * symbolic link or a submodule on the way is named as such rather than
 * reported as a missing file.
 */
static int tree_find(git_tree_entry **out, enf_source *s, const char *tree_path)
{
	const git_tree *tree = s->tree;
	git_tree *owned = NULL;
	const char *p = tree_path;
	int rc = 0;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		char *part = enf_strndup(p, n);
		char *sofar = enf_strndup(tree_path, (size_t)(p - tree_path) + n);
		const git_tree_entry *e = part ? git_tree_entry_byname(tree, part) : NULL;
		git_filemode_t mode = e ? git_tree_entry_filemode(e) : GIT_FILEMODE_UNREADABLE;
		if (!part || !sofar) {
			rc = enf_error_oom();
		} else if (!e) {
			enf_error_set(ENF_ERRCLASS_SOURCE,
			              "'%s' is not in commit %.*s (%s) of '%s'", sofar, SHORT_ID,
			              s->commit_hex, s->ref, s->repo_dir);
			rc = ENF_ENOTFOUND;
		} else if (mode == GIT_FILEMODE_LINK) {
			enf_error_set(
			    ENF_ERRCLASS_SOURCE,
			    "'%s' is a symbolic link in commit %.*s; a policy's files must be "
			    "regular files of its commit (links are never followed)",
			    sofar, SHORT_ID, s->commit_hex);
			rc = ENF_EINVALID;
		} else if (mode == GIT_FILEMODE_COMMIT) {
			enf_error_set(ENF_ERRCLASS_SOURCE,
			              "'%s' is a submodule in commit %.*s; a policy's files must "
			              "be in its own commit, not in a submodule",
			              sofar, SHORT_ID, s->commit_hex);
			rc = ENF_EINVALID;
		} else if (slash && mode != GIT_FILEMODE_TREE) {
			enf_error_set(ENF_ERRCLASS_SOURCE,
			              "'%s' is a file in commit %.*s, not a folder", sofar,
			              SHORT_ID, s->commit_hex);
			rc = ENF_ENOTFOUND;
		} else if (!slash && mode == GIT_FILEMODE_TREE) {
			enf_error_set(ENF_ERRCLASS_SOURCE,
			              "'%s' is a folder in commit %.*s, not a file", sofar,
			              SHORT_ID, s->commit_hex);
			rc = ENF_EINVALID;
		} else if (!slash) {
			if (git_tree_entry_dup(out, e))
				rc = enf_src_git_error(ENF_ERROR, "cannot read '%s'", sofar);
		} else {
			git_tree *next = NULL;
			char *what = enf_asprintf("the folder '%s' of commit %.*s", sofar, SHORT_ID,
			                          s->commit_hex);
			if (!what)
				rc = enf_error_oom();
			else if ((rc = enf_git_fits(s->repo, git_tree_entry_id(e), what,
			                            &enf_src_git_limits, 0)) == 0 &&
			         git_tree_lookup(&next, s->repo, git_tree_entry_id(e)))
				rc = enf_src_git_error(ENF_ERROR, "cannot read the folder '%s'",
				                       sofar);
			free(what);
			git_tree_free(owned);
			owned = next;
			tree = next;
			p = slash + 1;
		}
		free(part);
		free(sofar);
		if (rc || !slash)
			break;
	}
	git_tree_free(owned);
	return rc;
}

int enf_src_git_read(char **out, size_t *out_len, enf_source *s, const char *tree_path, size_t max)
{
	git_tree_entry *entry = NULL;
	git_blob *blob = NULL;
	git_odb *odb = NULL;
	size_t header_size = 0;
	git_object_t type = GIT_OBJECT_INVALID;
	int rc = tree_find(&entry, s, tree_path);
	if (rc)
		return rc;
	/* The size from the object's header: a file over the limit is never inflated. */
	if (git_repository_odb(&odb, s->repo) == 0 &&
	    git_odb_read_header(&header_size, &type, odb, git_tree_entry_id(entry)) == 0 &&
	    header_size > max) {
		enf_error_set(ENF_ERRCLASS_SOURCE,
		              "'%s' is %zu bytes in commit %.*s; the limit is %zu", tree_path,
		              header_size, SHORT_ID, s->commit_hex, max);
		rc = ENF_ELIMIT;
		goto done;
	}
	git_error_clear();
	if (git_blob_lookup(&blob, s->repo, git_tree_entry_id(entry))) {
		rc = enf_src_git_error(ENF_ERROR, "cannot read '%s' from commit %.*s", tree_path,
		                       SHORT_ID, s->commit_hex);
		goto done;
	}
	git_object_size_t size = git_blob_rawsize(blob);
	if (size > max) {
		enf_error_set(ENF_ERRCLASS_SOURCE,
		              "'%s' is %llu bytes in commit %.*s; the limit is %zu", tree_path,
		              (unsigned long long)size, SHORT_ID, s->commit_hex, max);
		rc = ENF_ELIMIT;
		goto done;
	}
	char *data = malloc((size_t)size + 1);
	if (!data) {
		rc = enf_error_oom();
		goto done;
	}
	memcpy(data, git_blob_rawcontent(blob), (size_t)size);
	data[size] = '\0';
	*out = data;
	*out_len = (size_t)size;
done:
	git_blob_free(blob);
	git_tree_entry_free(entry);
	git_odb_free(odb);
	return rc;
}

int enf_src_git_blob_id(char **out, enf_source *s, const char *tree_path)
{
	git_tree_entry *entry = NULL;
	int rc = tree_find(&entry, s, tree_path);
	if (rc)
		return rc;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof(hex), git_tree_entry_id(entry));
	git_tree_entry_free(entry);
	*out = enf_strdup(hex);
	return *out ? 0 : enf_error_oom();
}

static int starts_with(const char *data, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(data, prefix, n) == 0;
}

/* The commit a reference or object names, as hex; NULL when it names none. */
static char *commit_hex_of(git_repository *repo, const git_object *obj)
{
	git_object *c = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	if (git_object_peel(&c, obj, GIT_OBJECT_COMMIT)) {
		git_error_clear();
		return enf_strdup("(not a commit)");
	}
	(void)repo;
	git_oid_tostr(hex, sizeof(hex), git_object_id(c));
	git_object_free(c);
	return enf_strdup(hex);
}

/*
 * A --ref must name one thing. git warns and picks one when a name is both
 * a branch and a tag, or when a tag is named like an abbreviated commit id
 * (a tag "0123abcd4567" would win over the commit an audit pinned): here
 * either is refused, naming both, so that what is enforced is never a guess.
 */
static int ref_unambiguous(git_repository *repo, const char *ref, const char *repo_dir)
{
	static const char *const prefixes[] = {"refs/heads/", "refs/tags/", "refs/remotes/", NULL};
	char *found[4] = {NULL, NULL, NULL, NULL};
	size_t n = 0;
	int rc = 0;
	if (strncmp(ref, "refs/", 5) == 0)
		return 0; /* a full name names one reference */
	for (size_t i = 0; prefixes[i] && n < 3; i++) {
		char *full = enf_asprintf("%s%s", prefixes[i], ref);
		git_reference *r = NULL;
		if (full && git_reference_lookup(&r, repo, full) == 0)
			found[n++] = full;
		else
			free(full);
		git_reference_free(r);
		git_error_clear();
	}
	/* A name of 4 to 39 hex digits is also an abbreviated object id. */
	size_t len = strlen(ref), hexlen = strspn(ref, "0123456789abcdefABCDEF");
	git_oid oid;
	git_object *obj = NULL;
	if (n > 0 && len == hexlen && len >= 4 && len < GIT_OID_HEXSZ &&
	    git_oid_fromstrn(&oid, ref, len) == 0 &&
	    git_object_lookup_prefix(&obj, repo, &oid, len, GIT_OBJECT_ANY) == 0) {
		char *hex = commit_hex_of(repo, obj);
		found[n++] = hex ? enf_asprintf("the object %s", hex) : NULL;
		free(hex);
	}
	git_object_free(obj);
	git_error_clear();
	if (n > 1) {
		enf_buf what = ENF_BUF_INIT;
		for (size_t i = 0; i < n; i++)
			enf_buf_printf(&what, "%s%s",
			               i == 0       ? ""
			               : i + 1 == n ? " and "
			                            : ", ",
			               found[i] ? found[i] : "?");
		enf_error_set(
		    ENF_ERRCLASS_SOURCE,
		    "--ref '%s' is ambiguous in '%s': it names %s; give the full reference "
		    "(refs/tags/%s...) or the full 40-digit commit id",
		    ref, repo_dir, what.ptr ? what.ptr : "several objects", ref);
		rc = ENF_EINVALID;
		enf_buf_clear(&what);
	}
	for (size_t i = 0; i < n; i++)
		free(found[i]);
	return rc;
}

/*
 * The object a branch, tag or full commit id names, checked against its
 * limit before git_revparse_single reads it, so that the refusal names
 * --ref. (Other forms, `main~2`, are checked by the guard backend as each
 * object on the way is read.)
 */
static int ref_fits(git_repository *repo, const char *ref, const char *repo_dir)
{
	git_reference *named = NULL, *resolved = NULL;
	git_oid id;
	int have = 0;
	if (git_reference_dwim(&named, repo, ref) == 0 &&
	    git_reference_resolve(&resolved, named) == 0 && git_reference_target(resolved)) {
		git_oid_cpy(&id, git_reference_target(resolved));
		have = 1;
	} else if (strlen(ref) == GIT_OID_HEXSZ && git_oid_fromstr(&id, ref) == 0) {
		have = 1;
	}
	git_reference_free(resolved);
	git_reference_free(named);
	git_error_clear();
	if (!have)
		return 0;
	char *what = enf_asprintf("--ref '%s' of '%s'", ref, repo_dir);
	int rc = what ? enf_git_fits(repo, &id, what, &enf_src_git_limits, 0) : enf_error_oom();
	free(what);
	return rc;
}

/*
 * The commit's gpgsig header and the bytes it signs (the object without that
 * header), as git verify-commit reads them: only among the headers, which end
 * at the first empty line. A signature block pasted into the message is text
 * of the message (GIT_ENOTFOUND: unsigned); libgit2 1.5's own reader
 * (git_commit_extract_signature) looks past the headers and finds it.
 */
static int extract_signature(git_buf *sig, git_buf *data, git_repository *repo, const git_oid *id)
{
	git_odb *odb = NULL;
	git_odb_object *obj = NULL;
	enf_buf signature = ENF_BUF_INIT, signed_part = ENF_BUF_INIT;
	int grc = git_repository_odb(&odb, repo);
	if (grc == 0)
		grc = git_odb_read(&obj, odb, id);
	const char *p = grc == 0 ? git_odb_object_data(obj) : NULL;
	const char *end = p ? p + git_odb_object_size(obj) : NULL;
	int found = 0, in_sig = 0;
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		if (p == nl) { /* the empty line: the message follows, signed as it is */
			enf_buf_put(&signed_part, p, (size_t)(end - p));
			break;
		}
		if (in_sig && *p == ' ') {
			enf_buf_put(&signature, "\n", 1);
			enf_buf_put(&signature, p + 1, (size_t)((nl ? nl : end) - p - 1));
		} else if (!found && (size_t)(end - p) > 7 && memcmp(p, "gpgsig ", 7) == 0) {
			found = in_sig = 1;
			enf_buf_put(&signature, p + 7, (size_t)((nl ? nl : end) - p - 7));
		} else {
			in_sig = 0;
			enf_buf_put(&signed_part, p, (size_t)(next - p));
		}
		p = next;
	}
	if (grc == 0 && !found)
		grc = GIT_ENOTFOUND;
	if (grc == 0 && (signature.failed || signed_part.failed))
		grc = -1;
	if (grc == 0) {
		enf_buf_put(&signature, "\n", 1);
		grc = git_buf_set(sig, signature.ptr, signature.len);
		if (grc == 0)
			grc = git_buf_set(data, signed_part.ptr ? signed_part.ptr : "",
			                  signed_part.len);
	}
	enf_buf_clear(&signature);
	enf_buf_clear(&signed_part);
	git_odb_object_free(obj);
	git_odb_free(odb);
	return grc;
}

/*
 * The commit's signature: git signs the commit object without its gpgsig
 * header, and for gpg.format=x509 (smimesign, gitsign, gpgsm) the header
 * holds a detached CMS signature in PEM.
 */
static int check_signature(enf_source *s, const enf_source_git_options *opts)
{
	const char *trusted_signers = opts ? opts->trusted_signers : NULL;
	git_buf sig = {0}, data = {0};
	git_oid id;
	enf_trust *trust = NULL;
	int rc = 0;
	git_oid_cpy(&id, git_commit_id(s->commit));
	int grc = extract_signature(&sig, &data, s->repo, &id);
	if (grc == GIT_ENOTFOUND) {
		git_error_clear();
		s->sig.status = ENF_SIG_UNSIGNED;
		s->sig.reason = enf_strdup("the commit is not signed");
	} else if (grc) {
		rc = enf_src_git_error(ENF_ERROR, "cannot read the signature of commit %.*s",
		                       SHORT_ID, s->commit_hex);
	} else if (starts_with(sig.ptr, sig.size, "-----BEGIN PGP SIGNATURE-----")) {
		s->sig.status = ENF_SIG_UNSUPPORTED;
		s->sig.reason =
		    enf_strdup("the commit has a GPG (OpenPGP) signature; only x509 (CMS) "
		               "signatures are checked (git config gpg.format x509)");
	} else if (starts_with(sig.ptr, sig.size, "-----BEGIN SSH SIGNATURE-----")) {
		s->sig.status = ENF_SIG_UNSUPPORTED;
		s->sig.reason = enf_strdup("the commit has an SSH signature; only x509 (CMS) "
		                           "signatures are checked (git config gpg.format x509)");
	} else if (!trusted_signers || (rc = enf_trust_load(&trust, trusted_signers)) == 0) {
		if (trust && opts->version >= 3)
			rc = enf_trust_set_signer_ekus(trust, opts->signer_ekus,
			                               opts->signer_eku_count);
		if (rc == 0)
			rc = enf_cms_verify(&s->sig, sig.ptr, sig.size, data.ptr, data.size, trust);
	}
	if (rc == 0 && s->sig.status != ENF_SIG_VALID && !s->sig.reason)
		rc = enf_error_oom();
	enf_trust_free(trust);
	git_buf_dispose(&sig);
	git_buf_dispose(&data);
	return rc;
}

/* The policy's folder on disk, where its password files are. */
static char *local_dir_of(git_repository *repo, const char *prefix)
{
	const char *top = git_repository_workdir(repo);
	if (!top)
		top = git_repository_path(repo);
	size_t top_len = strlen(top), n = strlen(prefix);
	if (n == 0) /* the top folder itself, without libgit2's trailing '/' */
		return enf_strndup(top, top_len > 1 ? top_len - 1 : top_len);
	return enf_asprintf("%s%.*s", top, (int)(n - 1), prefix);
}

int enf_source_open_git(enf_source **out, const char *repo_dir, const char *ref, const char *path,
                        const enf_source_git_options *opts)
{
	/* Version 1 had no `guard`: read as 0. */
	if (opts && opts->version != 1 && opts->version != ENF_SOURCE_GIT_OPTIONS_VERSION) {
		enf_error_set(
		    ENF_ERRCLASS_INVALID,
		    "git source options of version %u; this library takes version %u (initialise them with ENF_SOURCE_GIT_OPTIONS_INIT)",
		    opts->version, ENF_SOURCE_GIT_OPTIONS_VERSION);
		return ENF_EINVALID;
	}
	enf_source *s = calloc(1, sizeof(*s));
	git_object *obj = NULL;
	git_tree_entry *entry = NULL;
	int rc = 0;
	if (!s)
		return enf_error_oom();
	s->kind = SRC_GIT;
	s->dirty = 0;
	if ((rc = enf_source_git_init()))
		goto done;
	s->git_init = 1;
	const char *problem = enf_path_problem(path);
	if (problem) {
		enf_error_set(ENF_ERRCLASS_SOURCE, "cannot use the policy path '%s': %s", path,
		              problem);
		rc = ENF_EINVALID;
		goto done;
	}
	if (!(s->repo_dir = enf_strdup(repo_dir)) || !(s->ref = enf_strdup(ref)) ||
	    !(s->path = enf_strdup(path)) || !(s->prefix = enf_src_folder_prefix(path)) ||
	    !(s->name = enf_asprintf("%s:%s", ref, path))) {
		rc = enf_error_oom();
		goto done;
	}
	/* The repository named, not one found above it: an audit names exactly one. */
	int guard = opts && opts->version >= 2 && opts->guard;
	if (guard && (rc = enf_guard_check(repo_dir, ENF_GUARD_DIR | ENF_GUARD_PARENTS)))
		goto done;
	int grc = git_repository_open_ext(&s->repo, repo_dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (grc) {
		int owner = enf_source_git_not_owner(grc);
		char *what = enf_asprintf(owner ? "cannot read the repository '%s'"
		                                : "'%s' is not a git repository",
		                          repo_dir);
		rc = owner ? ENF_EACCESS : ENF_ENOTFOUND;
		enf_source_git_fail(rc, grc, what ? what : repo_dir);
		free(what);
		goto done;
	}
	if (guard && (rc = guard_git_dirs(s->repo)))
		goto done;
	if (guard && opts->trusted_signers &&
	    (rc = enf_guard_check(opts->trusted_signers, ENF_GUARD_FILE | ENF_GUARD_PARENTS)))
		goto done;
	if ((rc = enf_git_guard_sizes(s->repo, &enf_src_git_limits)) ||
	    (rc = ref_fits(s->repo, ref, repo_dir)) ||
	    (rc = ref_unambiguous(s->repo, ref, repo_dir)))
		goto done;
	if (git_revparse_single(&obj, s->repo, ref)) {
		rc =
		    enf_src_git_error(ENF_ENOTFOUND, "'%s' is not a commit of '%s'", ref, repo_dir);
		goto done;
	}
	if (git_object_peel((git_object **)&s->commit, obj, GIT_OBJECT_COMMIT)) {
		rc = enf_src_git_error(ENF_EINVALID, "'%s' in '%s' does not name a commit", ref,
		                       repo_dir);
		goto done;
	}
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof(hex), git_commit_id(s->commit));
	if (!(s->commit_hex = enf_strdup(hex)) ||
	    !(s->local_dir = local_dir_of(s->repo, s->prefix))) {
		rc = enf_error_oom();
		goto done;
	}
	char *top = enf_asprintf("the top folder of commit %.*s", SHORT_ID, hex);
	rc = top ? enf_git_fits(s->repo, git_commit_tree_id(s->commit), top, &enf_src_git_limits, 0)
	         : enf_error_oom();
	free(top);
	if (rc)
		goto done;
	if (git_commit_tree(&s->tree, s->commit)) {
		rc = enf_src_git_error(ENF_ERROR, "cannot read the tree of commit %.*s", SHORT_ID,
		                       hex);
		goto done;
	}
	if ((rc = tree_find(&entry, s, path)) == 0)
		rc = check_signature(s, opts);
done:
	git_tree_entry_free(entry);
	git_object_free(obj);
	if (rc) {
		enf_source_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void enf_src_git_close(enf_source *s)
{
	git_tree_free(s->tree);
	git_commit_free(s->commit);
	git_repository_free(s->repo);
	s->tree = NULL;
	s->commit = NULL;
	s->repo = NULL;
	enf_sig_check_clear(&s->sig);
	free(s->prefix);
	free(s->repo_dir);
	free(s->ref);
	s->prefix = s->repo_dir = s->ref = NULL;
}
