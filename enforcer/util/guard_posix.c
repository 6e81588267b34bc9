/*
 * Who may change what enforcer reads and writes, on POSIX: owners and
 * modes (the rule is in include/enforcer/guard.h).
 */
#include "enforcer/guard.h"
#include "guard_int.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int owner_ok(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

static char *user_text(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);
	return pw && pw->pw_name
	           ? enf_asprintf("user '%s' (uid %lu)", pw->pw_name, (unsigned long)uid)
	           : enf_asprintf("uid %lu", (unsigned long)uid);
}

static int refuse_owner(const char *path, const struct stat *st)
{
	char *who = user_text(st->st_uid), *me = user_text(geteuid());
	enf_error_set(
	    ENF_ERRCLASS_STATE,
	    "'%s' belongs to %s, not to root or %s who runs enforcer, so that user can change it: run chown %lu '%s' (or remove it if you did not make it)",
	    path, who ? who : "another user", me ? me : "the user", (unsigned long)geteuid(), path);
	free(who);
	free(me);
	return ENF_EACCESS;
}

static int refuse_mode(const char *path, const struct stat *st)
{
	mode_t mode = st->st_mode & 07777;
	if (mode & S_IWOTH) {
		enf_error_set(ENF_ERRCLASS_STATE,
		              "'%s' is writable by every user (mode %04o): run chmod o-w '%s'",
		              path, (unsigned)mode, path);
	} else {
		struct group *gr = getgrgid(st->st_gid);
		char *group = gr && gr->gr_name
		                  ? enf_asprintf("group '%s'", gr->gr_name)
		                  : enf_asprintf("group %lu", (unsigned long)st->st_gid);
		enf_error_set(ENF_ERRCLASS_STATE,
		              "'%s' is writable by %s (mode %04o): run chmod g-w '%s'", path,
		              group ? group : "its group", (unsigned)mode, path);
		free(group);
	}
	return ENF_EACCESS;
}

/*
 * One object. `above`: a folder above the object, which others may write
 * when it is sticky (they cannot then rename or delete what is not theirs).
 */
static int check_stat(const char *path, const struct stat *st, int above)
{
	if (!owner_ok(st->st_uid))
		return refuse_owner(path, st);
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) &&
	    !(above && S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX)))
		return refuse_mode(path, st);
	return 0;
}

static int refuse_link(const char *path)
{
	char target[512];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	enf_error_set(
	    ENF_ERRCLASS_STATE,
	    "'%s' is a symbolic link (to '%s'): enforcer does not follow links in its state folder or inputs; put the real file or folder there",
	    path, target);
	return ENF_EACCESS;
}

/* The object itself: no link, the kind asked for, the owner and mode rule. */
static int check_one(const char *path, unsigned flags)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		enf_error_set_os(errno, "cannot read who may change '%s'", path);
		return errno == ENOENT ? ENF_ENOTFOUND : ENF_ERROR;
	}
	if (S_ISLNK(st.st_mode))
		return refuse_link(path);
	if ((flags & ENF_GUARD_DIR) && !S_ISDIR(st.st_mode)) {
		enf_error_set(ENF_ERRCLASS_STATE, "'%s' is not a folder", path);
		return ENF_EINVALID;
	}
	if ((flags & ENF_GUARD_FILE) && !S_ISREG(st.st_mode)) {
		enf_error_set(ENF_ERRCLASS_STATE, "'%s' is not a regular file", path);
		return ENF_EINVALID;
	}
	return check_stat(path, &st, 0);
}

/*
 * Every folder above `path`, from its parent to "/", by lstat on the
 * resolved path (no links left in it) and by stat on the path as written
 * (each folder a link in it leads through). Whoever may replace an entry
 * of one of those folders could replace the object.
 */
static int check_parents(const char *path)
{
	char *abs = path[0] == '/' ? enf_strdup(path) : NULL;
	if (!abs) {
		char *cwd = getcwd(NULL, 0);
		abs = cwd ? enf_asprintf("%s/%s", cwd, path) : NULL;
		free(cwd);
	}
	if (!abs)
		return enf_error_oom();
	int rc = 0;
	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		/* Each pass cuts its own copy. */
		char *p = pass == 0 ? enf_strdup(abs) : NULL;
		if (pass == 0 && !p) {
			rc = enf_error_oom();
			break;
		}
		if (pass == 1) {
			/* The resolved parent: realpath leaves no link in it. */
			char *slash = strrchr(abs, '/');
			*slash = '\0';
			char *real = realpath(*abs ? abs : "/", NULL);
			*slash = '/';
			if (!real) {
				enf_error_set_os(errno, "cannot resolve the folder of '%s'", path);
				rc = ENF_ERROR;
				break;
			}
			p = enf_asprintf("%s/x", strcmp(real, "/") == 0 ? "" : real);
			free(real);
			if (!p) {
				rc = enf_error_oom();
				break;
			}
		}
		/* Cut at each '/' from the end: the parent, its parent, ... "/". */
		for (char *slash = strrchr(p, '/'); rc == 0 && slash; slash = strrchr(p, '/')) {
			*slash = '\0';
			const char *dir = slash == p ? "/" : p;
			struct stat st;
			if ((pass == 0 ? stat(dir, &st) : lstat(dir, &st)) < 0) {
				enf_error_set_os(errno, "cannot read who may change '%s'", dir);
				rc = ENF_ERROR;
			} else {
				rc = check_stat(dir, &st, 1);
			}
			if (slash == p)
				break;
		}
		free(p);
	}
	free(abs);
	return rc;
}

/* One entry below a checked folder: not a link, owned and writable as the rule says. */
static int check_entry(const char *path, int *is_dir)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		enf_error_set_os(errno, "cannot read who may change '%s'", path);
		return ENF_ERROR;
	}
	if (S_ISLNK(st.st_mode))
		return refuse_link(path);
	*is_dir = S_ISDIR(st.st_mode);
	return check_stat(path, &st, 0);
}

/* The nearest part of `path` that exists, for ENF_GUARD_MAY_BE_MISSING; malloc'd. */
static char *existing_part(const char *path)
{
	char *p = enf_strdup(path);
	struct stat st;
	while (p && lstat(p, &st) < 0 && errno == ENOENT) {
		char *slash = strrchr(p, '/');
		if (!slash) {
			free(p);
			return enf_strdup(".");
		}
		slash[slash == p ? 1 : 0] = '\0';
	}
	return p;
}

/* The folder a missing object would be made in: a folder above it. */
static int check_missing(const char *path, unsigned flags)
{
	char *part = existing_part(path);
	struct stat st;
	int rc = 0;
	if (!part)
		return enf_error_oom();
	if (stat(part, &st) < 0) {
		enf_error_set_os(errno, "cannot read who may change '%s'", part);
		rc = ENF_ERROR;
	} else if (!S_ISDIR(st.st_mode)) {
		enf_error_set(ENF_ERRCLASS_STATE, "'%s' is not a folder", part);
		rc = ENF_EINVALID;
	} else {
		rc = check_stat(part, &st, 1);
	}
	if (rc == 0 && (flags & ENF_GUARD_PARENTS) && strcmp(part, "/") != 0)
		rc = check_parents(part);
	free(part);
	return rc;
}

int enf_guard_check(const char *path, unsigned flags)
{
	struct stat st;
	if ((flags & ENF_GUARD_MAY_BE_MISSING) && lstat(path, &st) < 0 && errno == ENOENT)
		return check_missing(path, flags);
	int rc = check_one(path, flags);
	if (rc == 0 && (flags & ENF_GUARD_PARENTS) && strcmp(path, "/") != 0)
		rc = check_parents(path);
	if (rc == 0 && (flags & ENF_GUARD_TREE))
		rc = enf_guard_tree(path, check_entry);
	return rc;
}

int enf_state_dir_create(const char *path)
{
	/* The folders it goes in first: nothing is made where others could replace it. */
	int rc =
	    enf_guard_check(path, ENF_GUARD_DIR | ENF_GUARD_PARENTS | ENF_GUARD_MAY_BE_MISSING);
	if (rc)
		return rc;
	const char *slash = strrchr(path, '/');
	if (slash && slash != path) {
		char *parent = enf_strndup(path, (size_t)(slash - path));
		rc = parent ? enf_mkdir_p(parent) : enf_error_oom();
		free(parent);
		if (rc)
			return rc;
	}
	/* 0700: only its owner (root, or the user running enforcer) may enter it. */
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		enf_error_set_os(errno, "cannot create the state folder '%s'", path);
		return ENF_ERROR;
	}
	return enf_guard_check(path, ENF_GUARD_DIR | ENF_GUARD_PARENTS);
}

int enf_guard_process(void)
{
	return 0;
}
