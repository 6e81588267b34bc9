/*
 * Downgrade protection's questions to git (include/enforcer/source.h): which
 * repository a git source is, and whether its commit comes after one
 * enforced earlier. The record itself lives in the state folder
 * (engine/enforced.c).
 */
#include "source_int.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

#define SHORT_ID 12

/*
 * A remote URL without its user information ("https://user:token@host/r"
 * keeps a token that must never reach the state folder or a message), and
 * without the trailing '/' or ".git" two spellings of one URL may differ by.
 */
static char *url_key(const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *host = scheme ? scheme + 3 : url;
	const char *slash = strchr(host, '/');
	const char *at = strchr(host, '@');
	enf_buf b = ENF_BUF_INIT;
	enf_buf_puts(&b, "url:");
	if (scheme && at && (!slash || at < slash)) {
		enf_buf_put(&b, url, (size_t)(host - url));
		enf_buf_puts(&b, at + 1);
	} else {
		enf_buf_puts(&b, url);
	}
	while (b.ptr && b.len > 4 && b.ptr[b.len - 1] == '/')
		b.ptr[--b.len] = '\0';
	if (b.ptr && b.len > 8 && strcmp(b.ptr + b.len - 4, ".git") == 0)
		b.ptr[b.len -= 4] = '\0';
	return enf_buf_detach(&b);
}

int enf_source_repo_id(char **out, const enf_source *s)
{
	if (s->kind != SRC_GIT) {
		enf_error_set(ENF_ERRCLASS_SOURCE, "'%s' is not a policy from a git commit",
		              s->name);
		return ENF_ENOTFOUND;
	}
	/*
	 * The URL as configured, read as a plain value: git_remote_lookup would also
	 * match `url.*.insteadOf` with a regular expression, which in libgit2 1.5
	 * leaks pcre2's match data when nothing matches (fixed upstream later).
	 */
	git_config *cfg = NULL;
	const char *url = NULL;
	if (git_repository_config_snapshot(&cfg, s->repo) == 0 &&
	    git_config_get_string(&url, cfg, "remote.origin.url") != 0)
		url = NULL;
	git_error_clear();
	char *id = NULL;
	if (url && *url) {
		id = url_key(url);
	} else {
		/* No origin: the folder, as an absolute path with '/' (a move is caught by the
		 * engine's look-up by commit). */
		const char *dir = git_repository_workdir(s->repo);
		char *abs = enf_path_absolute(dir ? dir : git_repository_path(s->repo));
		size_t n = abs ? strlen(abs) : 0;
		while (n > 1 && abs[n - 1] == '/')
			abs[--n] = '\0';
		id = abs ? enf_asprintf("path:%s", abs) : NULL;
		free(abs);
	}
	git_config_free(cfg);
	*out = id;
	return id ? 0 : enf_error_oom();
}

const char *enf_source_repo_path(const enf_source *s)
{
	return s->kind == SRC_GIT ? s->path : NULL;
}

int enf_source_lineage(enf_lineage *out, const enf_source *s, const char *recorded)
{
	git_oid id;
	git_commit *old = NULL;
	if (s->kind != SRC_GIT || git_oid_fromstr(&id, recorded) < 0) {
		git_error_clear();
		enf_error_set(ENF_ERRCLASS_SOURCE, "'%s' is not a commit id", recorded);
		return ENF_EINVALID;
	}
	const git_oid *now = git_commit_id(s->commit);
	if (git_oid_equal(now, &id)) {
		*out = ENF_LINEAGE_SAME;
		return 0;
	}
	if (git_commit_lookup(&old, s->repo, &id) < 0) {
		git_error_clear();
		*out = ENF_LINEAGE_MISSING;
		return 0;
	}
	git_commit_free(old);
	int rc = git_graph_descendant_of(s->repo, now, &id);
	if (rc < 0)
		return enf_src_git_error(ENF_ERROR, "cannot walk the history of '%s' from %.*s",
		                         s->repo_dir, SHORT_ID, s->commit_hex);
	*out = rc == 1 ? ENF_LINEAGE_DESCENDANT : ENF_LINEAGE_NOT_DESCENDANT;
	return 0;
}

char *enf_source_commit_text(const enf_source *s, const char *hex)
{
	git_oid id;
	git_commit *c = NULL;
	enf_provenance p = {0};
	char *text = NULL;
	if (s->kind == SRC_GIT && git_oid_fromstr(&id, hex) == 0 &&
	    git_commit_lookup(&c, s->repo, &id) == 0 && enf_src_commit_provenance(&p, c) == 0)
		/* The day is enough to tell a year-old commit from today's. */
		text = enf_asprintf("%.*s of %.10s \"%s\"", SHORT_ID, hex, p.date, p.subject);
	else
		text = enf_asprintf("%.*s", SHORT_ID, hex);
	git_error_clear();
	enf_provenance_clear(&p);
	git_commit_free(c);
	return text;
}

int enf_source_is_shallow(const enf_source *s)
{
	return s->kind == SRC_GIT && git_repository_is_shallow(s->repo) == 1;
}
