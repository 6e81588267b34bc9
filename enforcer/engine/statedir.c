/*
 * The state folder as a trust boundary (include/enforcer/guard.h): before a
 * run reads or writes anything in it, the folder, its lock, its journal and
 * pending folders must be such that only the system and the account
 * running enforcer can change them. Otherwise a user who planted a journal
 * could have a rollback write the values of their choice, and one who
 * planted a link could turn the run's writes into writes of their choice.
 */
#include "engine_int.h"

#include "enforcer/errors.h"
#include "enforcer/guard.h"
#include "util/util.h"

#include <stdlib.h>

char *enf_engine_state_dir(const enf_run_options *opts)
{
	return opts->state_dir ? enf_strdup(opts->state_dir) : enf_default_state_dir();
}

int enf_engine_state_guard(const char *dir, int create)
{
	static const struct {
		const char *name;
		unsigned kind;
	} parts[] = {{"enforcer.lock", ENF_GUARD_FILE},
	             {"enforced.json", ENF_GUARD_FILE},
	             {"journal", ENF_GUARD_DIR},
	             {"pending", ENF_GUARD_DIR},
	             {"runs.jsonl", ENF_GUARD_FILE}};
	int rc = create ? enf_state_dir_create(dir)
	                : enf_guard_check(dir, ENF_GUARD_DIR | ENF_GUARD_PARENTS);
	for (size_t i = 0; rc == 0 && i < ENF_ARRAY_SIZE(parts); i++) {
		char *path = enf_asprintf("%s%c%s", dir, ENF_PATH_SEP, parts[i].name);
		rc = path ? enf_guard_check(path, parts[i].kind) : enf_error_oom();
		/* Not there yet: the run creates it, exclusively, in the folder just checked. */
		if (rc == ENF_ENOTFOUND) {
			enf_error_clear();
			rc = 0;
		}
		free(path);
	}
	return rc;
}

int enf_engine_state_file_guard(const enf_run_options *opts, const char *path)
{
	char *dir = enf_engine_state_dir(opts);
	int rc = dir ? enf_engine_state_guard(dir, 0) : enf_error_oom();
	if (rc == 0)
		rc = enf_guard_check(path, ENF_GUARD_FILE);
	free(dir);
	return rc;
}
