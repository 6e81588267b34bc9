/*
 * The user-right resource type, loader side: one right (an account right
 * such as SeServiceLogonRight, or a privilege), the accounts that must hold
 * it, and whether they are the only ones.
 */
#include "loader.h"
#include "restype.h"

#include "enforcer/errors.h"
#include "util/accounts.h"
#include "util/json_util.h"
#include "util/rights.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static const char *const required[] = {"type", "id", "right", "members", NULL};
static const char *const optional[] = {"exclusive", NULL};

/* The documented constant, exactly; a near miss gets a suggestion. */
static int load_right(loader *ld, const ynode *v, enf_res_user_right *r)
{
	if (enf_ld_nonempty_string(ld, v, "right", &r->right))
		return ENF_EINVALID;
	if (enf_right_find(r->right))
		return 0;
	const enf_right_info *other = enf_right_find_nocase(r->right);
	if (!other)
		other = enf_right_find_display(r->right);
	const char *hint = other ? other->name : enf_ld_closest(r->right, enf_right_names());
	if (hint)
		enf_ld_error(ld, v, "'%s' is not a user right or privilege; did you mean '%s'?",
		             r->right, hint);
	else
		enf_ld_error(
		    ld, v,
		    "'%s' is not a user right or privilege: use a constant of Microsoft's Account Rights Constants (SeServiceLogonRight...) or Privilege Constants (SeBackupPrivilege...)",
		    r->right);
	return ENF_EINVALID;
}

/* Two entries for one account (the same spelling in any case, or one built-in account). */
static int same_member(const char *a, const char *b)
{
	const char *sa = enf_account_builtin_sid(a), *sb = enf_account_builtin_sid(b);
	return enf_strcaseeq(a, b) || (sa && sb && strcmp(sa, sb) == 0);
}

static int load_members(loader *ld, const ynode *v, enf_res_user_right *r)
{
	if (v->kind != YNODE_SEQ && v->kind != YNODE_INVALID) {
		enf_ld_error(ld, v, "'members' must be a list of account names or SIDs");
		return ENF_EINVALID;
	}
	if (enf_ld_string_list(ld, v, "members", 0, &r->members, &r->count))
		return ENF_EINVALID;
	int rc = 0;
	for (size_t i = 0; i < r->count; i++) {
		const char *problem = enf_ld_account_problem(r->members[i]);
		if (problem) {
			enf_ld_error(ld, v->vals[i], "member '%s' %s", r->members[i], problem);
			rc = ENF_EINVALID;
			continue;
		}
		for (size_t j = 0; j < i; j++) {
			if (same_member(r->members[i], r->members[j])) {
				enf_ld_error(
				    ld, v->vals[i],
				    "member '%s' is the same account as '%s', listed before",
				    r->members[i], r->members[j]);
				rc = ENF_EINVALID;
				break;
			}
		}
	}
	return rc;
}

static int load_user_right(loader *ld, const ynode *n, enf_resource *res)
{
	enf_res_user_right *r = &res->u.right;
	int rc = 0;
	const ynode *v;
	if ((v = enf_ytree_get(n, "right")) && load_right(ld, v, r))
		rc = ENF_EINVALID;
	if ((v = enf_ytree_get(n, "exclusive")) && enf_ld_bool(ld, v, "exclusive", &r->exclusive))
		rc = ENF_EINVALID;
	const ynode *members = enf_ytree_get(n, "members");
	if (members && load_members(ld, members, r))
		rc = ENF_EINVALID;
	else if (members && r->count == 0 && !r->exclusive) {
		enf_ld_error(
		    ld, members,
		    "an empty 'members' list changes nothing; list the accounts, or add exclusive: true to remove every holder");
		rc = ENF_EINVALID;
	}
	return rc;
}

static void clear_user_right(enf_resource *res)
{
	free(res->u.right.right);
	enf_ld_free_strings(res->u.right.members, res->u.right.count);
}

static void user_right_json(json_t *o, const enf_resource *res)
{
	const enf_res_user_right *r = &res->u.right;
	enf_json_set_str(o, "right", r->right);
	json_object_set_new(o, "members", enf_json_strings(r->members, r->count));
	json_object_set_new(o, "exclusive", json_boolean(r->exclusive));
}

static const enf_keydoc keydocs[] = {
    {"right", ENF_KK_STRING, "the right's constant, e.g. SeServiceLogonRight", NULL, NULL, NULL,
     NULL},
    {"members", ENF_KK_STRINGS, "accounts that must hold it (names or SIDs; compared by SID)", NULL,
     NULL, NULL, NULL},
    {"exclusive", ENF_KK_BOOL, "true: everyone else is removed (journaled)", NULL, NULL, NULL,
     NULL},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL},
};

const enf_restype enf_restype_user_right = {
    .name = "user-right",
    .required = required,
    .optional = optional,
    .load = load_user_right,
    .clear = clear_user_right,
    .to_json = user_right_json,
    .keydocs = keydocs,
};
