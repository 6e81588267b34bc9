/* What guard_posix.c and guard_win32.c share (include/enforcer/guard.h has the rule). */
#ifndef ENFORCER_UTIL_GUARD_INT_H
#define ENFORCER_UTIL_GUARD_INT_H

/*
 * The platform's check of one entry inside a checked tree (not a link, owned
 * and writable as the rule says); sets *is_dir when the tree goes on below it.
 */
typedef int (*enf_guard_entry_fn)(const char *path, int *is_dir);

/*
 * Every entry below `dir`, each with `check`: the first refusal stops the
 * walk. A tree deeper than 64 folders or of more than 200 000 entries is
 * refused (ENF_ELIMIT) rather than walked for ever.
 */
int enf_guard_tree(const char *dir, enf_guard_entry_fn check);

#endif
