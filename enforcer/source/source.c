/*
 * The policy source: a folder, a file (perhaps in a git working tree), or a
 * git commit (git.c). Every file a policy refers to is read through here.
 */
#include "source_int.h"

#include "policy/restype.h"

#include "enforcer/cert.h"
#include "enforcer/errors.h"
#include "util/util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

char *enf_src_folder_prefix(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? enf_strndup(path, (size_t)(slash - path) + 1) : enf_strdup("");
}

const enf_git_limits enf_src_git_limits = {ENF_GIT_COMMIT_MAX,
                                           ENF_GIT_TREE_MAX,
                                           ENF_GIT_BLOB_MAX,
                                           "a policy repository",
                                           "docs/POLICY.md, \"A policy from git\"",
                                           ENF_ERRCLASS_SOURCE};

int enf_src_git_error(int code, const char *fmt, ...)
{
	const git_error *ge = git_error_last();
	va_list ap;
	va_start(ap, fmt);
	char *what = enf_vasprintf(fmt, ap);
	va_end(ap);
	enf_error_set(ENF_ERRCLASS_SOURCE, "%s: %s", what ? what : "git",
	              ge && ge->message ? ge->message : "unknown error");
	free(what);
	git_error_clear();
	return code;
}

int enf_source_git_init(void)
{
	static const int levels[] = {GIT_CONFIG_LEVEL_SYSTEM, GIT_CONFIG_LEVEL_XDG,
	                             GIT_CONFIG_LEVEL_PROGRAMDATA};
	if (git_libgit2_init() < 0)
		return enf_src_git_error(ENF_ERROR, "cannot initialise libgit2");
	/* An empty list of folders: libgit2 finds no file at that level (not NULL: the default). */
	for (size_t i = 0; i < ENF_ARRAY_SIZE(levels); i++)
		if (git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, levels[i], "") < 0)
			return enf_src_git_error(ENF_ERROR,
			                         "cannot narrow libgit2's configuration");
	/*
	 * libgit2 keeps trees of up to 4 KiB in its object cache: a folder of more
	 * than about 100 files was read and inflated again for every file of it a
	 * policy names (an allow list of 10 000 files read a 400 KB tree 10 000
	 * times). Any tree within the limit is kept.
	 */
	if (git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE,
	                     (size_t)ENF_GIT_TREE_MAX) < 0)
		return enf_src_git_error(ENF_ERROR, "cannot set libgit2's object cache");
	return 0;
}

int enf_source_git_not_owner(int git_rc)
{
	const git_error *ge = git_error_last();
	return git_rc == GIT_EOWNER || (git_rc == GIT_ENOTFOUND && ge && ge->message &&
	                                strstr(ge->message, "'safe.directory'"));
}

int enf_source_git_fail(int code, int git_rc, const char *what)
{
	if (!enf_source_git_not_owner(git_rc))
		return enf_src_git_error(code, "%s", what);
	char *user = enf_user_name();
	git_error_clear();
	enf_error_set(
	    ENF_ERRCLASS_SOURCE,
	    "%s: it belongs to another account than %s, which runs enforcer, and git refuses such repositories (that account could change what it holds); make this account or Administrators its owner (Windows: takeown /F DIR /R /A; POSIX: chown -R), or clone it again as this account",
	    what, user ? user : "the account");
	free(user);
	return code;
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void civil_from_days(long long z, int *y, int *m, int *d)
{
	z += 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* "2026-03-01T14:05:09+01:00": the time as its author's clock showed it. */
static char *iso8601(const git_time *t)
{
	long long local = (long long)t->time + (long long)t->offset * 60;
	long long days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	long long secs = local - days * 86400;
	int y, m, d, off = t->offset < 0 ? -t->offset : t->offset;
	civil_from_days(days, &y, &m, &d);
	return enf_asprintf("%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y, m, d, (int)(secs / 3600),
	                    (int)(secs / 60 % 60), (int)(secs % 60), t->offset < 0 ? '-' : '+',
	                    off / 60, off % 60);
}

int enf_src_commit_provenance(enf_provenance *prov, git_commit *commit)
{
	const git_signature *a = git_commit_author(commit);
	const char *subject = git_commit_summary(commit);
	char tree[GIT_OID_HEXSZ + 1];
	git_oid_tostr(tree, sizeof(tree), git_commit_tree_id(commit));
	prov->author = enf_asprintf("%s <%s>", a->name, a->email);
	prov->date = iso8601(&a->when);
	prov->subject = enf_strdup(subject ? subject : "");
	prov->tree = enf_strdup(tree);
	return prov->author && prov->date && prov->subject && prov->tree ? 0 : enf_error_oom();
}

static enf_source *source_new(src_kind kind)
{
	enf_source *s = calloc(1, sizeof(*s));
	if (s) {
		s->kind = kind;
		s->dirty = -1;
	}
	return s;
}

int enf_source_open_dir(enf_source **out, const char *dir)
{
	enf_source *s = source_new(SRC_DIR);
	if (!s || !(s->local_dir = enf_strdup(dir)) || !(s->name = enf_strdup(dir))) {
		enf_source_free(s);
		return enf_error_oom();
	}
	*out = s;
	return 0;
}

int enf_source_open_file(enf_source **out, const char *policy_path)
{
	enf_source *s = source_new(SRC_FILE);
	const char *slash = strrchr(policy_path, '/');
	const char *bslash = strrchr(policy_path, '\\');
	if (bslash && (!slash || bslash > slash))
		slash = bslash;
	if (!s || !(s->path = enf_strdup(policy_path)) || !(s->name = enf_strdup(policy_path)) ||
	    !(s->local_dir = slash ? enf_strndup(policy_path, (size_t)(slash - policy_path))
	                           : enf_strdup("."))) {
		enf_source_free(s);
		return enf_error_oom();
	}
	enf_src_find_worktree(s);
	*out = s;
	return 0;
}

/* Modified, staged, untracked or ignored: anything but what HEAD holds. -1 when unknown. */
static int worktree_dirty(git_repository *wt, const char *relative)
{
	unsigned flags = 0;
	if (git_status_file(&flags, wt, relative)) {
		git_error_clear();
		return -1;
	}
	return flags != GIT_STATUS_CURRENT;
}

/* ASCII case folded: on Windows "Certs/a.cer" opens "certs/a.cer" (and a wrong fold only errs
 * on the side of dirty). */
static int path_cmp(const void *a, const void *b)
{
	const unsigned char *x = *(const unsigned char *const *)a;
	const unsigned char *y = *(const unsigned char *const *)b;
	for (;; x++, y++) {
		int cx = *x >= 'A' && *x <= 'Z' ? *x + 32 : *x;
		int cy = *y >= 'A' && *y <= 'Z' ? *y + 32 : *y;
		if (cx != cy || !cx)
			return cx - cy;
	}
}

/*
 * Every file of the policy's folder that is not as HEAD holds it, from one
 * status of the folder, sorted: git_status_file compares the whole working
 * tree with the index each time, so asking it once per file of an allow list
 * of 10 000 files took minutes. 0, or -1 when the status cannot be read.
 */
static int worktree_dirty_set(enf_source *s)
{
	git_status_options opts;
	git_status_list *list = NULL;
	size_t plen = strlen(s->wt_prefix);
	char *folder = enf_strndup(s->wt_prefix, plen ? plen - 1 : 0);
	char *spec[] = {folder};
	git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	/* What git_status_file asks for: untracked and ignored files count, folders are searched.
	 */
	opts.flags = GIT_STATUS_OPT_INCLUDE_IGNORED | GIT_STATUS_OPT_RECURSE_IGNORED_DIRS |
	             GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
	             GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH;
	if (plen) {
		opts.pathspec.strings = spec;
		opts.pathspec.count = 1;
	}
	s->wt_status = -1;
	if (!folder || git_status_list_new(&list, s->wt, &opts)) {
		git_error_clear();
		free(folder);
		return -1;
	}
	size_t n = git_status_list_entrycount(list);
	s->wt_dirty = calloc(2 * n + 1, sizeof(char *));
	for (size_t i = 0; s->wt_dirty && i < n; i++) {
		const git_status_entry *e = git_status_byindex(list, i);
		const git_diff_delta *d[] = {e->head_to_index, e->index_to_workdir};
		for (size_t k = 0; k < 2; k++) {
			const char *path = d[k] ? d[k]->new_file.path : NULL;
			if (path && !(s->wt_dirty[s->wt_dirty_count++] = enf_strdup(path)))
				s->wt_dirty_count--;
		}
	}
	git_status_list_free(list);
	free(folder);
	if (!s->wt_dirty)
		return -1;
	qsort(s->wt_dirty, s->wt_dirty_count, sizeof(char *), path_cmp);
	s->wt_status = 1;
	return 0;
}

/* worktree_dirty for a file of the policy's folder, from worktree_dirty_set. */
static int worktree_file_dirty(enf_source *s, const char *in_tree)
{
	if (s->wt_status == 0)
		worktree_dirty_set(s);
	if (s->wt_status < 0)
		return -1;
	return bsearch(&in_tree, s->wt_dirty, s->wt_dirty_count, sizeof(char *), path_cmp) != NULL;
}

/*
 * Whether a `.git` (a folder, or the file of a linked work tree or
 * submodule) is in `dir` ("C:/a/b/" or "/a/b/") or any folder above it:
 * only then can the policy lie in a git working tree, and only then is
 * libgit2 started. Its start costs more than the rest of a small plan
 * (Debian's libgit2 reads the system's CA bundle; under Wine it adds about
 * 2 MiB of memory), which a plain policy folder need not pay.
 */
static int git_above(const char *dir)
{
	for (size_t n = strlen(dir); n > 0;) {
		char *git = enf_asprintf("%.*s.git", (int)n, dir);
		int found = !git || enf_path_exists(git);
		free(git);
		if (found)
			return 1;
		/* Back to the slash before the last folder's name. */
		size_t i = n - 1;
		while (i > 0 && dir[i - 1] != '/')
			i--;
		n = i;
	}
	return 0;
}

void enf_src_find_worktree(enf_source *s)
{
	char *abs = enf_path_absolute(s->path);
	char *dir = abs ? enf_src_folder_prefix(abs) : NULL;
	char *top = NULL;
	git_repository *repo = NULL;
	git_oid head;
	if (!dir || !git_above(dir))
		goto done;
	if (enf_source_git_init())
		goto done;
	s->git_init = 1;
	if (git_repository_open_ext(&repo, dir, 0, NULL) || git_repository_is_bare(repo))
		goto done;
	top = enf_path_absolute(git_repository_workdir(repo));
	size_t n = top ? strlen(top) : 0;
	while (n > 0 && top[n - 1] == '/')
		n--;
	/* Windows paths compare without case; elsewhere a mismatch just finds no status. */
	if (!top || (strncmp(abs, top, n) != 0 && !enf_strncaseeq(abs, top, n)) || abs[n] != '/')
		goto done;
	const char *relative = abs + n + 1;
	if (!(s->wt_prefix = enf_src_folder_prefix(relative)))
		goto done;
	/* HEAD's commit and trees are read for the status and the provenance: within limits. */
	if (enf_git_guard_sizes(repo, &enf_src_git_limits)) {
		enf_error_clear(); /* the file is read from disk all the same; its commit is unknown
		                    */
		goto done;
	}
	s->dirty = worktree_dirty(repo, relative);
	if (git_reference_name_to_id(&head, repo, "HEAD") == 0) {
		char hex[GIT_OID_HEXSZ + 1];
		s->commit_hex = enf_strdup(git_oid_tostr(hex, sizeof(hex), &head));
	} else {
		/* No commit yet: the file cannot be in one. */
		s->dirty = 1;
	}
	s->wt = repo;
	repo = NULL;
done:
	if (s->git_init)
		git_error_clear();
	git_repository_free(repo);
	free(abs);
	free(dir);
	free(top);
}

/*
 * A path of the working tree (`in_tree`, from its top) that its HEAD holds
 * as a symbolic link, itself or a folder on the way: git status calls it
 * unchanged, yet reading it follows the link, perhaps out of the
 * repository, so what is read is not the commit's file. Refused as a
 * commit's link is (git.c), so that the report's "clean" stays true.
 */
static int worktree_link(enf_source *s, const char *in_tree)
{
	git_object *tree = NULL;
	int rc = 0;
	if (!s->wt || !s->commit_hex || git_revparse_single(&tree, s->wt, "HEAD^{tree}")) {
		/* No commit: the file is reported dirty already. */
		git_error_clear();
		return 0;
	}
	for (const char *p = in_tree; rc == 0 && p;) {
		const char *slash = strchr(p, '/');
		char *sofar =
		    enf_strndup(in_tree, slash ? (size_t)(slash - in_tree) : strlen(in_tree));
		git_tree_entry *e = NULL;
		if (!sofar) {
			rc = enf_error_oom();
		} else if (git_tree_entry_bypath(&e, (git_tree *)tree, sofar) == 0 &&
		           git_tree_entry_filemode(e) == GIT_FILEMODE_LINK) {
			enf_error_set(ENF_ERRCLASS_SOURCE,
			              "'%s' is a symbolic link in commit %.12s, the HEAD of the "
			              "working tree; a policy's files must be regular files of its "
			              "commit (links are never followed)",
			              sofar, s->commit_hex);
			rc = ENF_EINVALID;
		}
		git_tree_entry_free(e);
		free(sofar);
		p = slash ? slash + 1 : NULL;
	}
	if (rc != ENF_EINVALID)
		git_error_clear();
	git_object_free(tree);
	return rc;
}

/*
 * A file of a policy read from disk that is not there: named by the full path
 * an administrator can look for, in the platform's own spelling, and by what
 * the policy wrote and where that is taken from ("./certs/x.cer" told them
 * neither).
 */
static int missing_file(const enf_source *s, const char *relative)
{
	char *dir = enf_path_absolute(s->local_dir);
	char *full = enf_asprintf("%s/%s", dir ? dir : s->local_dir, relative);
	if (!full) {
		free(dir);
		return enf_error_oom();
	}
	for (char *p = full; *p; p++)
		if (*p == '/' || *p == '\\')
			*p = ENF_PATH_SEP;
	/* The folder is the full path's beginning, now in the same spelling. */
	size_t dir_len = strlen(full) - strlen(relative) - 1;
	enf_error_set(ENF_ERRCLASS_SOURCE,
	              "'%s' does not exist (file: %s, relative to the policy's folder %.*s)", full,
	              relative, (int)dir_len, full);
	free(full);
	free(dir);
	return ENF_ENOTFOUND;
}

int enf_source_read(char **out, size_t *out_len, enf_source *s, const char *relative, size_t max)
{
	const char *problem = enf_path_problem(relative);
	if (problem) {
		enf_error_set(ENF_ERRCLASS_SOURCE, "cannot use '%s': %s", relative, problem);
		return ENF_EINVALID;
	}
	if (s->kind == SRC_GIT) {
		char *full = enf_asprintf("%s%s", s->prefix, relative);
		int rc = full ? enf_src_git_read(out, out_len, s, full, max) : enf_error_oom();
		free(full);
		return rc;
	}
	char *in_tree = s->wt ? enf_asprintf("%s%s", s->wt_prefix, relative) : NULL;
	if (s->wt && !in_tree)
		return enf_error_oom();
	int rc = in_tree ? worktree_link(s, in_tree) : 0;
	char *path = rc == 0 ? enf_asprintf("%s/%s", s->local_dir, relative) : NULL;
	if (rc == 0)
		rc = path ? enf_read_file(out, out_len, path, max) : enf_error_oom();
	free(path);
	if (rc == ENF_ENOTFOUND)
		rc = missing_file(s, relative);
	if (rc == 0 && s->wt) {
		int dirty = worktree_file_dirty(s, in_tree);
		/* The report's dirty flag covers every file the run used. */
		if (dirty == 1 || (dirty == -1 && s->dirty == 0))
			s->dirty = dirty;
	}
	free(in_tree);
	return rc;
}

int enf_source_file_id(char **out, enf_source *s, const char *relative)
{
	if (s->kind != SRC_GIT || enf_path_problem(relative)) {
		enf_error_set(ENF_ERRCLASS_SOURCE, "'%s' is not a file of a commit", relative);
		return ENF_ENOTFOUND;
	}
	char *full = enf_asprintf("%s%s", s->prefix, relative);
	int rc = full ? enf_src_git_blob_id(out, s, full) : enf_error_oom();
	free(full);
	return rc;
}

/*
 * Every certificate file a policy from a commit refers to must be a regular
 * file of that commit: checked when the policy is loaded, so that validate
 * reports a missing file, a symbolic link or a submodule with its position,
 * and plan or apply stop before reading the target.
 */
static int check_references(enf_source *s, const enf_policy *policy, enf_diag_list *diags)
{
	int rc = 0;
	for (size_t r = 0; r < policy->count; r++) {
		const char *file;
		enf_loc loc;
		for (size_t i = 0; (file = enf_resource_file(&policy->resources[r], i, &loc));
		     i++) {
			char *id = NULL;
			if (enf_source_file_id(&id, s, file) == 0) {
				free(id);
				continue;
			}
			const enf_error *e = enf_error_last();
			enf_diag_add(diags, ENF_SEV_ERROR, loc.line, loc.col, "'%s': %s", file,
			             e ? e->message : "cannot be read");
			rc = ENF_EINVALID;
		}
	}
	return rc;
}

/* The most plan and apply read of a referenced file (engine/certs.c). */
#define CHECK_FILE_MAX (1024 * 1024)

int enf_source_check_files(enf_source *s, const enf_policy *policy, enf_diag_list *diags)
{
	int rc = 0;
	for (size_t r = 0; r < policy->count; r++) {
		const char *file;
		enf_loc loc;
		for (size_t i = 0; (file = enf_resource_file(&policy->resources[r], i, &loc));
		     i++) {
			char *data = NULL;
			unsigned char *der = NULL;
			size_t n = 0, len = 0;
			/* What plan and apply do with it (engine/certs.c): read, then parse. */
			int frc = enf_source_read(&data, &n, s, file, CHECK_FILE_MAX);
			int parsed = frc == 0;
			if (parsed)
				frc = enf_cert_file_der(&der, &len, file, data, n);
			free(data);
			free(der);
			if (frc == ENF_ENOMEM)
				return frc;
			if (frc == 0)
				continue;
			/* A parse error and a missing file name the file already; another read
			 * error names the path on disk. */
			int named = parsed || frc == ENF_ENOTFOUND;
			const enf_error *e = enf_error_last();
			enf_diag_add(diags, ENF_SEV_ERROR, loc.line, loc.col, "%s%s%s%s",
			             named ? "" : "'", named ? "" : file,
			             named ? "" : "': ", e ? e->message : "cannot be read");
			rc = ENF_EINVALID;
		}
	}
	return rc;
}

int enf_source_load_policy(enf_policy **out, enf_diag_list *diags, enf_source *s)
{
	if (s->kind == SRC_FILE && s->wt) {
		/* The policy file itself: not a link of its working tree's HEAD either. */
		const char *base = s->path;
		for (const char *p = s->path; *p; p++)
			if (*p == '/' || *p == '\\')
				base = p + 1;
		char *in_tree = enf_asprintf("%s%s", s->wt_prefix, base);
		int rc = in_tree ? worktree_link(s, in_tree) : enf_error_oom();
		free(in_tree);
		if (rc) {
			const enf_error *e = enf_error_last();
			enf_diag_add(diags, ENF_SEV_ERROR, 0, 0, "%s",
			             e ? e->message : "cannot read the policy");
			return rc;
		}
	}
	if (s->kind != SRC_GIT)
		return enf_policy_load_file(out, diags, s->path);
	char *data = NULL;
	size_t len = 0;
	int rc = enf_src_git_read(&data, &len, s, s->path, ENF_POLICY_MAX_BYTES);
	if (rc) {
		const enf_error *e = enf_error_last();
		if (rc == ENF_ELIMIT)
			enf_diag_add(
			    diags, ENF_SEV_ERROR, 1, 1,
			    "the file is larger than %d bytes (1 MiB), the limit for a policy: "
			    "split it into several policy files",
			    ENF_POLICY_MAX_BYTES);
		else
			enf_diag_add(diags, ENF_SEV_ERROR, 0, 0, "%s",
			             e ? e->message : "cannot read the policy");
		return rc == ENF_ELIMIT ? ENF_EINVALID : rc;
	}
	rc = enf_policy_load_buffer(out, diags, s->name, data, len);
	free(data);
	if (rc == 0 && (rc = check_references(s, *out, diags))) {
		enf_policy_free(*out);
		*out = NULL;
	}
	return rc;
}

const char *enf_source_local_dir(const enf_source *s)
{
	return s->local_dir;
}

const char *enf_source_name(const enf_source *s)
{
	return s->name;
}

const enf_sig_check *enf_source_signature(const enf_source *s)
{
	return s->kind == SRC_GIT ? &s->sig : NULL;
}

const char *enf_source_commit(const enf_source *s)
{
	return s->commit_hex;
}

/* The working tree's folder without the trailing '/' libgit2 gives it. */
static char *repo_folder(git_repository *repo)
{
	const char *p = git_repository_workdir(repo);
	if (!p)
		p = git_repository_path(repo);
	size_t n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		n--;
	return enf_strndup(p, n);
}

/* HEAD's branch name, or "HEAD" when it is detached. */
static char *head_name(git_repository *repo)
{
	git_reference *ref = NULL;
	char *name = NULL;
	if (git_repository_head(&ref, repo) == 0 && git_reference_is_branch(ref))
		name = enf_strdup(git_reference_shorthand(ref));
	git_reference_free(ref);
	git_error_clear();
	return name ? name : enf_strdup("HEAD");
}

int enf_source_provenance(enf_provenance *prov, const enf_source *s, const enf_policy *policy)
{
	int rc = enf_provenance_from_file(prov, policy);
	if (rc || s->kind == SRC_DIR)
		return rc;
	prov->dirty = s->dirty;
	git_repository *repo = s->kind == SRC_GIT ? s->repo : s->wt;
	if (!repo)
		return 0;
	git_commit *head = NULL;
	git_oid id;
	git_commit *commit = s->commit;
	if (!commit && s->commit_hex && git_oid_fromstr(&id, s->commit_hex) == 0 &&
	    git_commit_lookup(&head, repo, &id) == 0)
		commit = head;
	prov->repo = repo_folder(repo);
	prov->ref = s->kind == SRC_GIT ? enf_strdup(s->ref) : head_name(repo);
	prov->commit = s->commit_hex ? enf_strdup(s->commit_hex) : NULL;
	if (!prov->repo || !prov->ref || (s->commit_hex && !prov->commit))
		rc = enf_error_oom();
	if (rc == 0 && commit)
		rc = enf_src_commit_provenance(prov, commit);
	if (rc == 0 && s->kind == SRC_GIT) {
		/* A commit is what it is: never dirty. */
		prov->dirty = 0;
		free(prov->file);
		if (!(prov->file = enf_strdup(s->path)))
			rc = enf_error_oom();
		prov->signature = enf_strdup(enf_sig_status_name(s->sig.status));
		prov->signer = s->sig.signer ? enf_strdup(s->sig.signer) : NULL;
		if (!prov->signature || (s->sig.signer && !prov->signer))
			rc = enf_error_oom();
	}
	git_commit_free(head);
	git_error_clear();
	return rc;
}

void enf_source_free(enf_source *s)
{
	if (!s)
		return;
	enf_src_git_close(s);
	git_repository_free(s->wt);
	free(s->name);
	free(s->path);
	free(s->local_dir);
	free(s->wt_prefix);
	for (size_t i = 0; i < s->wt_dirty_count; i++)
		free(s->wt_dirty[i]);
	free(s->wt_dirty);
	free(s->commit_hex);
	if (s->git_init)
		git_libgit2_shutdown();
	free(s);
}

int enf_provenance_from_file(enf_provenance *prov, const enf_policy *policy)
{
	memset(prov, 0, sizeof(*prov));
	prov->file = enf_strdup(policy->path);
	prov->sha256 = enf_hex(policy->sha256, 32, 0);
	prov->dirty = -1;
	return prov->file && prov->sha256 ? 0 : enf_error_oom();
}

void enf_provenance_clear(enf_provenance *p)
{
	char **fields[] = {&p->file, &p->sha256,  &p->repo, &p->ref,       &p->commit, &p->author,
	                   &p->date, &p->subject, &p->tree, &p->signature, &p->signer};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(fields); i++) {
		free(*fields[i]);
		*fields[i] = NULL;
	}
}
