/* The snapshot provider: registry values, services and accounts. */
#include "snapshot.h"

#include "enforcer/errors.h"
#include "util/accounts.h"
#include "util/json_util.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static int reg_denied(snapshot *s, const char *key)
{
	if (enf_snapshot_fault(s, "deny_registry", key, 1)) {
		enf_error_set(ENF_ERRCLASS_PROVIDER, "cannot open registry key '%s': access denied",
		              key);
		return ENF_EACCESS;
	}
	return 0;
}

int enf_snap_reg_get(enf_reg_value *out, void *self, const char *key, const char *name)
{
	snapshot *s = self;
	json_t *keys = json_object_get(s->doc, "registry");
	json_t *k = enf_snapshot_get_nocase(keys, key, NULL);
	if (enf_snapshot_fault(s, "unreadable_registry", key, 1)) {
		enf_error_set(ENF_ERRCLASS_PROVIDER, "cannot read registry key '%s': access denied",
		              key);
		return ENF_EACCESS;
	}
	json_t *v = enf_snapshot_get_nocase(k, name, NULL);
	if (!v) {
		enf_error_set(ENF_ERRCLASS_PROVIDER, "%s '%s\\%s' does not exist",
		              k ? "value" : "key", key, name);
		return ENF_ENOTFOUND;
	}
	/* Checked when the file was opened, so only memory can fail here. */
	return enf_reg_value_from_json(out, v) ? enf_error_oom() : 0;
}

int enf_snap_reg_set(void *self, const char *key, const char *name, const enf_reg_value *value)
{
	snapshot *s = self;
	int rc = reg_denied(s, key);
	if (rc)
		return rc;
	json_t *keys = json_object_get(s->doc, "registry");
	if (!keys) {
		keys = json_object();
		json_object_set_new(s->doc, "registry", keys);
	}
	json_t *k = enf_snapshot_get_nocase(keys, key, NULL);
	if (!k) {
		k = json_object();
		json_object_set_new(keys, key, k);
	}
	const char *existing = name;
	enf_snapshot_get_nocase(k, name, &existing);
	json_t *v = enf_reg_value_to_json(value);
	if (!v)
		return enf_error_oom();
	/* Keep the spelling the value already had, as the registry does. */
	json_object_set_new(k, existing, v);
	s->dirty = 1;
	return 0;
}

int enf_snap_reg_delete(void *self, const char *key, const char *name)
{
	snapshot *s = self;
	int rc = reg_denied(s, key);
	if (rc)
		return rc;
	json_t *k = enf_snapshot_get_nocase(json_object_get(s->doc, "registry"), key, NULL);
	const char *existing = NULL;
	if (!enf_snapshot_get_nocase(k, name, &existing)) {
		enf_error_set(ENF_ERRCLASS_PROVIDER, "value '%s\\%s' does not exist", key, name);
		return ENF_ENOTFOUND;
	}
	json_object_del(k, existing);
	s->dirty = 1;
	return 0;
}

int enf_snap_reg_values(char ***out, size_t *count, void *self, const char *key)
{
	snapshot *s = self;
	json_t *k = enf_snapshot_get_nocase(json_object_get(s->doc, "registry"), key, NULL);
	if (!k) {
		enf_error_set(ENF_ERRCLASS_PROVIDER, "registry key '%s' does not exist", key);
		return ENF_ENOTFOUND;
	}
	size_t n = json_object_size(k), i = 0;
	char **names = calloc(n ? n : 1, sizeof(char *));
	const char *name;
	json_t *v;
	if (!names)
		return enf_error_oom();
	json_object_foreach(k, name, v)
	{
		if (!(names[i] = enf_strdup(name))) {
			while (i > 0)
				free(names[--i]);
			free(names);
			return enf_error_oom();
		}
		i++;
	}
	*out = names;
	*count = i;
	return 0;
}

json_t *enf_snapshot_service(snapshot *s, const char *name)
{
	json_t *svc = enf_snapshot_get_nocase(json_object_get(s->doc, "services"), name, NULL);
	if (!svc)
		enf_error_set(ENF_ERRCLASS_PROVIDER,
		              "service '%s' does not exist (OpenService: error 1060)", name);
	return svc;
}

int enf_snap_svc_get(enf_service_info *out, void *self, const char *name)
{
	snapshot *s = self;
	const char *key = name;
	json_t *svc = enf_snapshot_get_nocase(json_object_get(s->doc, "services"), name, &key);
	if (!svc) {
		enf_snapshot_service(s, name);
		return ENF_ENOTFOUND;
	}
	if (enf_snapshot_fault(s, "unreadable_services", name, 0)) {
		enf_error_set(ENF_ERRCLASS_PROVIDER, "cannot query service '%s': access denied",
		              name);
		return ENF_EACCESS;
	}
	enf_service_info info = {0};
	const char *desc = json_string_value(json_object_get(svc, "description"));
	const char *display = json_string_value(json_object_get(svc, "display_name"));
	info.name = enf_strdup(key);
	info.display_name = enf_strdup(display ? display : key);
	info.description = desc ? enf_strdup(desc) : NULL;
	info.logon = enf_strdup(json_string_value(json_object_get(svc, "logon")));
	const char *startup = json_string_value(json_object_get(svc, "startup"));
	if (enf_startup_parse(&info.startup, startup))
		info.startup = strcmp(startup, "boot") == 0 ? ENF_STARTUP_BOOT : ENF_STARTUP_SYSTEM;
	/* State and the account of the running process: snapshot_services.c. */
	int rc = enf_snapshot_svc_running_as(&info, svc);
	json_t *pw = json_object_get(svc, "password_stored");
	info.password_stored =
	    json_is_boolean(pw) ? (json_is_true(pw) ? ENF_YES : ENF_NO) : ENF_UNKNOWN;
	/* A run that is not SYSTEM on Windows: the LSA secret exists or not, but cannot be read. */
	if (enf_snapshot_fault(s, "unreadable_passwords", name, 0))
		info.password_stored = ENF_UNKNOWN;
	if (rc || !info.name || !info.display_name || !info.logon || (desc && !info.description)) {
		enf_service_info_clear(&info);
		return enf_error_oom();
	}
	*out = info;
	return 0;
}

int enf_snap_svc_configure(void *self, const char *name, const enf_service_change *change)
{
	snapshot *s = self;
	json_t *svc = enf_snapshot_service(s, name);
	if (!svc)
		return ENF_ENOTFOUND;
	if (enf_snapshot_fault(s, "deny_services", name, 0)) {
		enf_error_set(ENF_ERRCLASS_PROVIDER, "cannot change service '%s': access denied",
		              name);
		return ENF_EACCESS;
	}
	if (change->logon) {
		json_object_set_new(svc, "logon", json_string(change->logon));
		/* The secret itself is never stored in a snapshot: only whether there is one. */
		if (change->password)
			json_object_set_new(svc, "password_stored",
			                    json_boolean(*change->password != '\0'));
		/*
		 * What lpPassword was given, which password_stored alone cannot
		 * show: NULL (a managed or virtual account; the stored password
		 * is left as it is), "" or a secret.
		 */
		json_object_set_new(svc, "password_passed",
		                    json_string(!change->password   ? "null"
		                                : *change->password ? "secret"
		                                                    : "empty"));
	}
	if (change->startup != ENF_STARTUP_UNSET)
		json_object_set_new(svc, "startup", json_string(enf_startup_name(change->startup)));
	s->dirty = 1;
	return 0;
}

/*
 * The SID an account name stands for on the snapshot's machine, or NULL.
 * As on Windows, the built-in accounts are known everywhere in every
 * spelling (the one table), "HOST\LocalSystem" with the snapshot's own
 * host.name; other accounts come from the file's "accounts".
 */
static const char *sid_on(const snapshot *s, const char *account)
{
	const char *host =
	    json_string_value(json_object_get(json_object_get(s->doc, "facts"), "host.name"));
	const enf_account_builtin *b = enf_account_builtin_find(account, host);
	if (b)
		return b->sid;
	if (enf_account_is_sid(account))
		return account;
	return json_string_value(
	    enf_snapshot_get_nocase(json_object_get(s->doc, "accounts"), account, NULL));
}

int enf_snapshot_same_account(const snapshot *s, const char *a, const char *b)
{
	if (!a || !b)
		return 0;
	if (enf_strcaseeq(a, b))
		return 1;
	const char *sa = sid_on(s, a), *sb = sid_on(s, b);
	return sa && sb && enf_strcaseeq(sa, sb);
}

/* True when `account` is "DOMAIN\name" and faults.unreachable_dc names DOMAIN. */
static int dc_unreachable(const snapshot *s, const char *account)
{
	const char *slash = strchr(account, '\\');
	char *domain = slash ? enf_strndup(account, (size_t)(slash - account)) : NULL;
	int down = domain && enf_snapshot_fault(s, "unreachable_dc", domain, 0);
	free(domain);
	return down;
}

int enf_snap_account_sid(char **out, void *self, const char *account)
{
	snapshot *s = self;
	const char *host =
	    json_string_value(json_object_get(json_object_get(s->doc, "facts"), "host.name"));
	/* As LookupAccountName: built-in accounts and SIDs need no domain controller. */
	if (!enf_account_builtin_find(account, host) && !enf_account_is_sid(account) &&
	    dc_unreachable(s, account)) {
		enf_error_set(
		    ENF_ERRCLASS_PROVIDER,
		    "cannot look up account '%s': the domain controller cannot be reached, so whether the account exists is unknown (LookupAccountName: error 1722)",
		    account);
		return ENF_ERROR;
	}
	const char *sid = sid_on(s, account);
	if (!sid) {
		enf_error_set(ENF_ERRCLASS_PROVIDER,
		              "account '%s' does not exist (LookupAccountName: error 1332)",
		              account);
		return ENF_ENOTFOUND;
	}
	*out = enf_strdup(sid);
	return *out ? 0 : enf_error_oom();
}

/*
 * Keys are the members of "registry"; as on Windows, a key also exists
 * when only a key below it is listed (its parents exist by its path).
 * Counts the key's values and its distinct immediate subkeys.
 */
int enf_snap_reg_key_info(size_t *values, size_t *subkeys, void *self, const char *key)
{
	snapshot *s = self;
	json_t *keys = json_object_get(s->doc, "registry");
	json_t *k = enf_snapshot_get_nocase(keys, key, NULL);
	size_t len = strlen(key), n = 0;
	const char *name, **seen = NULL;
	json_t *v;
	int found = k != NULL;
	json_object_foreach(keys, name, v)
	{
		if (!enf_strncaseeq(name, key, len) || name[len] != '\\' || !name[len + 1])
			continue;
		found = 1;
		const char *child = name + len + 1, *end = strchr(child, '\\');
		size_t clen = end ? (size_t)(end - child) : strlen(child), i = 0;
		while (i < n && !(enf_strncaseeq(seen[i], child, clen) &&
		                  (seen[i][clen] == '\\' || !seen[i][clen])))
			i++;
		if (i < n)
			continue;
		const char **more = realloc(seen, (n + 1) * sizeof(*seen));
		if (!more) {
			free(seen);
			return enf_error_oom();
		}
		seen = more;
		seen[n++] = child;
	}
	free(seen);
	if (!found) {
		enf_error_set(ENF_ERRCLASS_PROVIDER, "registry key '%s' does not exist", key);
		return ENF_ENOTFOUND;
	}
	*values = json_object_size(k);
	*subkeys = n;
	return 0;
}

int enf_snap_reg_key_remove(void *self, const char *key)
{
	snapshot *s = self;
	size_t values = 0, subkeys = 0;
	int rc = reg_denied(s, key);
	if (rc == 0)
		rc = enf_snap_reg_key_info(&values, &subkeys, self, key);
	if (rc)
		return rc;
	if (values || subkeys) {
		enf_error_set(
		    ENF_ERRCLASS_PROVIDER,
		    "registry key '%s' is not empty (values: %zu, subkeys: %zu): left as it is",
		    key, values, subkeys);
		return ENF_EEXISTS;
	}
	const char *existing = NULL;
	json_t *keys = json_object_get(s->doc, "registry");
	if (enf_snapshot_get_nocase(keys, key, &existing))
		json_object_del(keys, existing);
	s->dirty = 1;
	return 0;
}
