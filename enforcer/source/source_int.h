/* Internal to the policy source: the handle shared by source.c, git.c and diff.c. */
#ifndef ENFORCER_SOURCE_INT_H
#define ENFORCER_SOURCE_INT_H

#include "enforcer/source.h"
#include "util/git_limits.h"

#include <git2.h>

typedef enum src_kind {
	SRC_DIR = 0, /* a folder: the engine's default */
	SRC_FILE,    /* a policy file on disk, perhaps in a git working tree */
	SRC_GIT      /* a file in a git commit */
} src_kind;

struct enf_source {
	src_kind kind;
	char *name;      /* for messages: the path, or "REF:PATH" */
	char *path;      /* the policy: on disk, or in the commit's tree */
	char *local_dir; /* on disk: referenced files (dir, file) and password files (all) */
	int git_init;    /* git_libgit2_init() was called for this source */

	/* SRC_GIT */
	git_repository *repo;
	git_commit *commit;
	git_tree *tree;
	char *prefix; /* the policy's folder in the tree: "" or "dir/" */
	char *repo_dir;
	char *ref;
	enf_sig_check sig;

	/* SRC_FILE in a working tree (wt NULL otherwise), and SRC_GIT */
	git_repository *wt;
	char *wt_prefix;  /* the policy's folder in the working tree: "" or "dir/" */
	char *commit_hex; /* the commit, or the working tree's HEAD (NULL when unborn) */
	int dirty;        /* -1 unknown, 0 clean, 1 modified or untracked */
	int wt_status;    /* the working tree's status: 0 not read yet, 1 read, -1 unreadable */
	char **wt_dirty;  /* then: its files that are not as HEAD holds them, sorted */
	size_t wt_dirty_count;
};

/* "dir/" for "dir/file", "" for "file"; NULL without memory. */
char *enf_src_folder_prefix(const char *path);

/* Sets the last error from libgit2's, prefixed; returns `code`. */
int enf_src_git_error(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(ENF_PRINTF_ARCHETYPE, 2, 3)))
#endif
    ;

/* Author, date, subject and tree of a commit into `prov`. */
int enf_src_commit_provenance(enf_provenance *prov, git_commit *commit);

/*
 * The most bytes an object of a policy repository may have (docs/POLICY.md,
 * "A policy from git"): a commit or an annotated tag (a signed commit is a
 * few kilobytes), a tree (one folder: some 150 000 entries), a file (the
 * policy's and a certificate file's own limit).
 */
#define ENF_GIT_COMMIT_MAX ((size_t)1024 * 1024)
#define ENF_GIT_TREE_MAX   ((size_t)8 * 1024 * 1024)
#define ENF_GIT_BLOB_MAX   ((size_t)1024 * 1024)

/* source.c: those limits, for util/git_limits.h (enf_git_fits, enf_git_guard_sizes). */
extern const enf_git_limits enf_src_git_limits;

/* git.c */
int enf_src_git_read(char **out, size_t *out_len, enf_source *s, const char *tree_path, size_t max);
int enf_src_git_blob_id(char **out, enf_source *s, const char *tree_path);
void enf_src_git_close(enf_source *s);

/* source.c: the working tree a plain policy file is in, if any; starts libgit2 only when a .git is
 * above it. */
void enf_src_find_worktree(enf_source *s);

#endif
