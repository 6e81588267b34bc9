/* The walk below a checked folder (ENF_GUARD_TREE), the same on every platform. */
#include "guard_int.h"

#include "enforcer/errors.h"
#include "util.h"

#include <stdlib.h>

/* A tree deeper or larger than this is refused rather than walked for ever. */
#define TREE_MAX_DEPTH   64
#define TREE_MAX_ENTRIES 200000u

static int walk(const char *dir, int depth, unsigned *count, enf_guard_entry_fn check)
{
	char **names = NULL;
	size_t n = 0;
	if (depth > TREE_MAX_DEPTH) {
		enf_error_set(ENF_ERRCLASS_STATE, "'%s' is nested more than %d folders deep", dir,
		              TREE_MAX_DEPTH);
		return ENF_ELIMIT;
	}
	int rc = enf_dir_entries(&names, &n, dir);
	for (size_t i = 0; i < n; i++) {
		char *path = rc == 0 ? enf_asprintf("%s%c%s", dir, ENF_PATH_SEP, names[i]) : NULL;
		if (rc == 0 && !path)
			rc = enf_error_oom();
		if (rc == 0 && ++*count > TREE_MAX_ENTRIES) {
			enf_error_set(ENF_ERRCLASS_STATE, "'%s' holds more than %u entries", dir,
			              TREE_MAX_ENTRIES);
			rc = ENF_ELIMIT;
		}
		int is_dir = 0;
		if (rc == 0)
			rc = check(path, &is_dir);
		if (rc == 0 && is_dir)
			rc = walk(path, depth + 1, count, check);
		free(path);
		free(names[i]);
	}
	free(names);
	return rc;
}

int enf_guard_tree(const char *dir, enf_guard_entry_fn check)
{
	unsigned count = 0;
	return walk(dir, 0, &count, check);
}
