/*
 * The snapshot provider: user rights. "rights" maps a right to the accounts
 * it is assigned to directly (names or SIDs, as the file writes them);
 * "gpo_rights" lists the rights Group Policy defines on the machine. Both
 * are optional: a snapshot without "rights" is a machine where no account
 * holds a right directly, and one without "gpo_rights" has no right defined
 * by Group Policy (docs/snapshot.md).
 */
#include "snapshot.h"

#include "enforcer/errors.h"
#include "util/accounts.h"
#include "util/rights.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad(const char *path, const char *where, const char *what)
{
	enf_error_set(ENF_ERRCLASS_INVALID, "snapshot '%s': %s %s", path, where, what);
	return ENF_EINVALID;
}

int enf_snapshot_check_rights(const json_t *doc, const char *path)
{
	const json_t *rights = json_object_get(doc, "rights");
	const json_t *gpo = json_object_get(doc, "gpo_rights");
	const char *key;
	json_t *v;
	if (rights && !json_is_object(rights))
		return bad(path, "rights", "must be an object of rights to lists of accounts");
	json_object_foreach((json_t *)rights, key, v)
	{
		char where[200];
		snprintf(where, sizeof(where), "rights.%s", key);
		if (!enf_right_find(key))
			return bad(path, where,
			           "is not a user right or privilege (SeServiceLogonRight...)");
		size_t i;
		json_t *a;
		if (!json_is_array(v))
			return bad(path, where, "must be a list of account names or SIDs");
		json_array_foreach(v, i, a)
		{
			if (!json_string_value(a) || !*json_string_value(a))
				return bad(path, where, "must be a list of account names or SIDs");
		}
	}
	if (gpo && !json_is_array(gpo))
		return bad(path, "gpo_rights", "must be a list of rights");
	size_t i;
	json_array_foreach(gpo, i, v)
	{
		if (!enf_right_find(json_string_value(v)))
			return bad(path, "gpo_rights",
			           "must list user rights or privileges (SeServiceLogonRight...)");
	}
	return 0;
}

/* The name a SID has on the snapshot's machine: a built-in account, or an entry of "accounts". */
static const char *name_of_sid(const snapshot *s, const char *sid)
{
	const enf_account_builtin *b = enf_account_builtin_find(sid, NULL);
	if (b)
		return b->name;
	const char *name;
	json_t *v;
	json_object_foreach(json_object_get(s->doc, "accounts"), name, v)
	{
		if (enf_strcaseeq(json_string_value(v), sid))
			return name;
	}
	return NULL;
}

int enf_snap_right_holders(enf_right_holders *out, void *self, const char *right)
{
	snapshot *s = self;
	json_t *list = json_object_get(json_object_get(s->doc, "rights"), right);
	enf_right_holders h = {0};
	size_t n = json_array_size(list);
	h.items = calloc(n ? n : 1, sizeof(enf_right_holder));
	if (!h.items)
		return enf_error_oom();
	for (size_t i = 0; i < n; i++) {
		const char *entry = json_string_value(json_array_get(list, i));
		enf_right_holder *e = &h.items[h.count++];
		char *sid = NULL;
		if (enf_account_is_sid(entry)) {
			const char *name = name_of_sid(s, entry);
			e->sid = enf_strdup(entry);
			e->name = name ? enf_strdup(name) : NULL;
			if (!e->sid || (name && !e->name))
				goto oom;
		} else {
			/* A name the file's accounts do not know has no SID, as an unresolvable
			 * name on Windows. */
			if (enf_snap_account_sid(&sid, s, entry) == 0)
				e->sid = sid;
			else
				enf_error_clear();
			if (!(e->name = enf_strdup(entry)))
				goto oom;
		}
	}
	*out = h;
	return 0;
oom:
	enf_right_holders_clear(&h);
	return enf_error_oom();
}

static int rights_denied(const snapshot *s, const char *right)
{
	if (!enf_snapshot_fault(s, "deny_rights", right, 0))
		return 0;
	enf_error_set(ENF_ERRCLASS_PROVIDER,
	              "cannot change who holds %s: access denied (STATUS_ACCESS_DENIED, error 5)",
	              right);
	return ENF_EACCESS;
}

int enf_snap_right_grant(void *self, const char *right, const char *account)
{
	snapshot *s = self;
	int rc = rights_denied(s, right);
	if (rc)
		return rc;
	json_t *rights = json_object_get(s->doc, "rights");
	if (!rights) {
		rights = json_object();
		json_object_set_new(s->doc, "rights", rights);
	}
	json_t *list = json_object_get(rights, right);
	if (!list) {
		list = json_array();
		json_object_set_new(rights, right, list);
	}
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
	{
		/* As LsaAddAccountRights: a right the account holds already is ignored. */
		if (enf_snapshot_same_account(s, json_string_value(e), account))
			return 0;
	}
	json_array_append_new(list, json_string(account));
	s->dirty = 1;
	return 0;
}

int enf_snap_right_revoke(void *self, const char *right, const char *account)
{
	snapshot *s = self;
	int rc = rights_denied(s, right);
	if (rc)
		return rc;
	json_t *rights = json_object_get(s->doc, "rights");
	json_t *list = json_object_get(rights, right);
	/* As LsaRemoveAccountRights: a right the account does not hold is ignored. */
	for (size_t i = json_array_size(list); i > 0; i--) {
		if (enf_snapshot_same_account(s, json_string_value(json_array_get(list, i - 1)),
		                              account)) {
			json_array_remove(list, i - 1);
			s->dirty = 1;
		}
	}
	if (list && json_array_size(list) == 0) {
		json_object_del(rights, right);
		s->dirty = 1;
	}
	return 0;
}

int enf_snap_right_gpo(enf_tristate *out, void *self, const char *right)
{
	snapshot *s = self;
	size_t i;
	json_t *v;
	*out = ENF_NO;
	json_array_foreach(json_object_get(s->doc, "gpo_rights"), i, v)
	{
		if (strcmp(json_string_value(v), right) == 0)
			*out = ENF_YES;
	}
	return 0;
}
