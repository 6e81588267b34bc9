/*
 * The size of a git object, known from its header before it is inflated
 * (git_limits.c): shared by the readers of a policy repository (source/)
 * and of the audit repository (report/), each with its own limits.
 */
#ifndef ENFORCER_UTIL_GIT_LIMITS_H
#define ENFORCER_UTIL_GIT_LIMITS_H

#include "enforcer/errors.h"

#include <git2.h>
#include <stddef.h>

/* The most bytes an object of one kind of repository may have, and where that is documented. */
typedef struct enf_git_limits {
	size_t commit; /* a commit or an annotated tag */
	size_t tree;
	size_t blob;
	const char *repo; /* "a policy repository", for "a commit of a policy repository" */
	const char *doc;  /* "docs/POLICY.md, \"A policy from git\"" */
	enf_error_class errclass;
} enf_git_limits;

/* The limit for an object of this type. */
size_t enf_git_limit(const enf_git_limits *limits, git_object_t type);

/*
 * 0 when object `id` is within `max` bytes (0: its type's limit) or cannot
 * be read (the read that follows says why); ENF_ELIMIT, last error "WHAT:
 * the TYPE ID is N bytes, more than the MAX bytes ...; it was not read",
 * when it is larger. Reads only its header.
 */
int enf_git_fits(git_repository *repo, const git_oid *id, const char *what,
                 const enf_git_limits *limits, size_t max);

/*
 * Adds to the repository's object database a backend that refuses to read
 * an object larger than its limit (the others read it), with the message
 * enf_git_fits gives (without WHAT). `limits` must outlive the repository.
 */
int enf_git_guard_sizes(git_repository *repo, const enf_git_limits *limits);

#endif
