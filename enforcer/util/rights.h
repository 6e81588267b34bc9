/*
 * The one table of Windows user rights: the account rights (SeServiceLogonRight...)
 * and privileges (SeBackupPrivilege...) a `user-right` resource may name, with
 * the name Group Policy shows for each. The loader validates names against it,
 * the engine writes plans with it, and the snapshot checks its file with it.
 */
#ifndef ENFORCER_UTIL_RIGHTS_H
#define ENFORCER_UTIL_RIGHTS_H

typedef struct enf_right_info {
	const char *name;    /* the constant: "SeServiceLogonRight" */
	const char *display; /* as User Rights Assignment shows it: "Log on as a service" */
} enf_right_info;

/* The right `name` names exactly (the constants are case-sensitive here), or NULL. */
const enf_right_info *enf_right_find(const char *name);

/* The right whose constant `name` spells in another case, or NULL. */
const enf_right_info *enf_right_find_nocase(const char *name);

/* The right whose Group Policy name is `display` ("Log on as a service"), any case; or NULL. */
const enf_right_info *enf_right_find_display(const char *display);

/* Every constant, NULL-terminated (for "did you mean"). */
const char *const *enf_right_names(void);

#endif
