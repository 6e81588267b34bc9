/*
 * The size of every object read from a repository others push to (a policy
 * repository: docs/POLICY.md, "A policy from git"; the audit repository:
 * docs/CLI.md, "Limits of the audit repository"), known from its header before it is inflated. A
 * push of a few megabytes can hold a commit of 300 MB (a signature header
 * of repeated bytes compresses a thousandfold) or a 600 MB blob: libgit2
 * inflates a whole object into memory when it is read, so the size must be
 * checked first. Each reader gives its own limits (enf_git_limits).
 *
 * libgit2 1.5 reads an object's header without inflating its body: a loose
 * object's first kilobyte, a packed one's type and size bytes, and for a
 * delta the result size at the start of the delta, walking the chain of
 * bases only through their headers for the type (git_odb_read_header,
 * odb_pack.c and pack.c's git_packfile_resolve_header).
 *
 * Two layers: the places that read an object check it first with
 * enf_git_fits() and say which file, folder or branch it is; and a guard backend
 * added to the repository's object database refuses any other read of an
 * oversized object (a commit on the way of `--ref main~3`, a parent, a tag),
 * so that nothing reads one by another path.
 */
#include "git_limits.h"

#include "util.h"

#include <git2/sys/odb_backend.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHORT_ID 12

size_t enf_git_limit(const enf_git_limits *limits, git_object_t type)
{
	switch (type) {
	case GIT_OBJECT_TREE:
		return limits->tree;
	case GIT_OBJECT_BLOB:
		return limits->blob;
	default: /* commits and tags */
		return limits->commit;
	}
}

/* "the commit 0123456789ab is N bytes; ..." into buf. */
static void describe(char *buf, size_t n, const git_oid *id, git_object_t type, size_t size,
                     const enf_git_limits *limits, size_t max)
{
	char hex[GIT_OID_HEXSZ + 1];
	const char *t = git_object_type2string(type);
	git_oid_tostr(hex, sizeof(hex), id);
	/* A limit of its own (a signature file's) is not the type's: said as such. */
	if (max != enf_git_limit(limits, type))
		snprintf(
		    buf, n,
		    "the %s %.*s is %zu bytes, more than the %zu bytes this file may have (%s); "
		    "it was not read",
		    t, SHORT_ID, hex, size, max, limits->doc);
	else
		snprintf(buf, n,
		         "the %s %.*s is %zu bytes, more than the %zu bytes a %s of %s may have "
		         "(%s); it was not read",
		         t, SHORT_ID, hex, size, max, t, limits->repo, limits->doc);
}

int enf_git_fits(git_repository *repo, const git_oid *id, const char *what,
                 const enf_git_limits *limits, size_t max)
{
	git_odb *odb = NULL;
	size_t size = 0;
	git_object_t type = GIT_OBJECT_INVALID;
	int grc = git_repository_odb(&odb, repo);
	if (grc == 0)
		grc = git_odb_read_header(&size, &type, odb, id);
	git_odb_free(odb);
	if (grc) {
		/* Not found or unreadable: the read that follows says so. */
		git_error_clear();
		return 0;
	}
	if (!max)
		max = enf_git_limit(limits, type);
	if (size <= max)
		return 0;
	char msg[512];
	describe(msg, sizeof(msg), id, type, size, limits, max);
	enf_error_set(limits->errclass, "%s: %s", what, msg);
	return ENF_ELIMIT;
}

/*
 * The guard backend: first of the object database's backends, it reads
 * only headers (from its own loose and pack backends over the same
 * objects folder, as the database's lock is held while it runs) and passes
 * every object within the limits on to the real ones. Objects only an
 * alternate object store holds are not in its folders and pass unchecked:
 * an alternate is the local machine's configuration, not what a push sends.
 */
typedef struct guard_backend {
	git_odb_backend parent;
	git_odb_backend *pack;
	git_odb_backend *loose;
	const enf_git_limits *limits;
} guard_backend;

static int guard_header(size_t *size, git_object_t *type, guard_backend *g, const git_oid *id)
{
	int rc = GIT_ENOTFOUND;
	if (g->pack)
		rc = g->pack->read_header(size, type, g->pack, id);
	if (rc == GIT_ENOTFOUND && g->loose)
		rc = g->loose->read_header(size, type, g->loose, id);
	return rc;
}

static int guard_check(guard_backend *g, const git_oid *id)
{
	size_t size = 0;
	git_object_t type = GIT_OBJECT_INVALID;
	if (guard_header(&size, &type, g, id) != 0) {
		git_error_clear();
		return GIT_PASSTHROUGH; /* the real backends find it, or say why not */
	}
	size_t max = enf_git_limit(g->limits, type);
	if (size <= max)
		return GIT_PASSTHROUGH;
	char msg[512];
	describe(msg, sizeof(msg), id, type, size, g->limits, max);
	git_error_set_str(GIT_ERROR_ODB, msg);
	return GIT_EINVALID;
}

static int guard_read(void **data, size_t *len, git_object_t *type, git_odb_backend *b,
                      const git_oid *id)
{
	(void)data;
	(void)len;
	(void)type;
	return guard_check((guard_backend *)b, id);
}

static int guard_read_prefix(git_oid *full, void **data, size_t *len, git_object_t *type,
                             git_odb_backend *b, const git_oid *short_id, size_t n)
{
	guard_backend *g = (guard_backend *)b;
	git_oid id;
	int rc = GIT_ENOTFOUND;
	(void)full;
	(void)data;
	(void)len;
	(void)type;
	if (g->pack)
		rc = g->pack->exists_prefix(&id, g->pack, short_id, n);
	if (rc == GIT_ENOTFOUND && g->loose)
		rc = g->loose->exists_prefix(&id, g->loose, short_id, n);
	if (rc) {
		git_error_clear();
		return GIT_PASSTHROUGH;
	}
	return guard_check(g, &id);
}

static int guard_refresh(git_odb_backend *b)
{
	guard_backend *g = (guard_backend *)b;
	if (g->pack && g->pack->refresh)
		g->pack->refresh(g->pack);
	git_error_clear();
	return 0;
}

/* Every object is listed by the real backends. */
static int guard_foreach(git_odb_backend *b, git_odb_foreach_cb cb, void *payload)
{
	(void)b;
	(void)cb;
	(void)payload;
	return 0;
}

static void guard_free(git_odb_backend *b)
{
	guard_backend *g = (guard_backend *)b;
	if (g->pack)
		g->pack->free(g->pack);
	if (g->loose)
		g->loose->free(g->loose);
	free(g);
}

int enf_git_guard_sizes(git_repository *repo, const enf_git_limits *limits)
{
	git_buf dir = {0};
	git_odb *odb = NULL;
	guard_backend *g = calloc(1, sizeof(*g));
	int grc = g ? git_odb_init_backend(&g->parent, GIT_ODB_BACKEND_VERSION) : -1;
	if (grc == 0)
		grc = git_repository_item_path(&dir, repo, GIT_REPOSITORY_ITEM_OBJECTS);
	if (grc == 0)
		grc = git_odb_backend_pack(&g->pack, dir.ptr);
	if (grc == 0)
		grc = git_odb_backend_loose(&g->loose, dir.ptr, -1, 0, 0, 0);
	if (grc == 0)
		grc = git_repository_odb(&odb, repo);
	if (grc == 0) {
		g->limits = limits;
		g->parent.read = guard_read;
		g->parent.read_prefix = guard_read_prefix;
		g->parent.refresh = guard_refresh;
		g->parent.foreach = guard_foreach;
		g->parent.free = guard_free;
		/* Above the loose (1) and packed (2) backends: asked first. */
		grc = git_odb_add_backend(odb, &g->parent, 1000);
	}
	git_odb_free(odb);
	git_buf_dispose(&dir);
	if (grc) {
		if (g)
			guard_free(&g->parent);
		if (!g)
			return enf_error_oom();
		const git_error *ge = git_error_last();
		enf_error_set(limits->errclass, "cannot open the repository's objects: %s",
		              ge && ge->message ? ge->message : "unknown error");
		git_error_clear();
		return ENF_ERROR;
	}
	return 0;
}
