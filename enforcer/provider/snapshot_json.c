/* Reading and checking the snapshot's JSON (docs/snapshot.md). */
#include "snapshot.h"

#include "enforcer/errors.h"
#include "util/json_util.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *enf_snapshot_get_nocase(const json_t *object, const char *name, const char **key_out)
{
	if (!json_is_object(object))
		return NULL;
	json_t *v = json_object_get(object, name);
	if (v) {
		if (key_out)
			*key_out = name;
		return v;
	}
	const char *key;
	json_t *value;
	json_object_foreach((json_t *)object, key, value)
	{
		if (enf_strcaseeq(key, name)) {
			if (key_out)
				*key_out = key;
			return value;
		}
	}
	return NULL;
}

static int bad(const char *path, const char *where, const char *what)
{
	enf_error_set(ENF_ERRCLASS_INVALID, "snapshot '%s': %s %s", path, where, what);
	return ENF_EINVALID;
}

/*
 * The members that model a service's process (docs/snapshot.md): how long
 * it takes to start and stop, with what checkpoints and wait hint, and the
 * account it runs as, which only a service that is not stopped has.
 */
static int check_service_runtime(const char *path, const char *where, const json_t *s,
                                 const char *state)
{
	static const char *const times[] = {"start_ms",      "stop_ms",    "wait_hint_ms",
	                                    "checkpoint_ms", "pending_ms", NULL};
	for (size_t i = 0; times[i]; i++) {
		const json_t *v = json_object_get(s, times[i]);
		if (v && (!json_is_integer(v) || json_integer_value(v) < 0 ||
		          json_integer_value(v) > 86400000)) {
			char what[96];
			snprintf(what, sizeof(what),
			         "has a \"%s\" that is not milliseconds (0 to 86400000)", times[i]);
			return bad(path, where, what);
		}
	}
	const json_t *as = json_object_get(s, "running_as");
	if (as && !json_is_string(as))
		return bad(path, where, "has a \"running_as\" that is not an account name or SID");
	if (as && strcmp(state, "stopped") == 0)
		return bad(
		    path, where,
		    "has a \"running_as\" but is stopped: only a running service has a process");
	return 0;
}

static int check_service(const char *path, const char *name, const json_t *s)
{
	char where[300];
	snprintf(where, sizeof(where), "services.%s", name);
	if (!json_is_object(s))
		return bad(path, where, "must be an object");
	enf_startup startup;
	const char *st = json_string_value(json_object_get(s, "startup"));
	const char *state = json_string_value(json_object_get(s, "state"));
	if (!json_string_value(json_object_get(s, "logon")))
		return bad(path, where, "needs \"logon\"");
	if (!st || (enf_startup_parse(&startup, st) && strcmp(st, "boot") != 0 &&
	            strcmp(st, "system") != 0))
		return bad(path, where,
		           "needs \"startup\": automatic, delayed-automatic, manual or disabled");
	if (!state || (strcmp(state, "running") != 0 && strcmp(state, "stopped") != 0 &&
	               strcmp(state, "start-pending") != 0 && strcmp(state, "stop-pending") != 0))
		return bad(path, where, "needs \"state\": running or stopped");
	return check_service_runtime(path, where, s, state);
}

int enf_snapshot_check(const json_t *doc, const char *path)
{
	const char *schema = json_string_value(json_object_get(doc, "schema"));
	if (!json_is_object(doc) || !schema || strcmp(schema, ENF_SNAPSHOT_SCHEMA) != 0)
		return bad(path, "the document", "needs \"schema\": \"" ENF_SNAPSHOT_SCHEMA "\"");
	static const char *const members[] = {"schema",     "facts",    "stores", "registry",
	                                      "services",   "accounts", "faults", "rights",
	                                      "gpo_rights", NULL};
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)doc, key, v)
	{
		int known = 0;
		for (size_t i = 0; members[i]; i++)
			known |= strcmp(members[i], key) == 0;
		if (!known)
			return bad(
			    path, key,
			    "is not a snapshot member (facts, stores, registry, services, accounts, faults, rights, gpo_rights)");
		/* gpo_rights is a list; enf_snapshot_check_rights says so if it is not. */
		if (strcmp(key, "schema") != 0 && strcmp(key, "gpo_rights") != 0 &&
		    !json_is_object(v))
			return bad(path, key, "must be an object");
	}
	json_object_foreach(json_object_get(doc, "facts"), key, v)
	{
		if (!json_is_string(v) && !json_is_integer(v))
			return bad(path, "a fact", "must be a string or an integer");
		/* A product or role fact holds one of the values the win32 provider reports,
		 * as on a server. */
		const char *const *roles = enf_role_values(key);
		const char *const *values = roles ? roles : enf_product_values(key);
		int known = !values;
		for (size_t i = 0; values && values[i] && !known; i++)
			known = json_is_string(v) && strcmp(values[i], json_string_value(v)) == 0;
		if (!known) {
			char where[64];
			snprintf(where, sizeof(where), "facts.%s", key);
			return bad(
			    path, where,
			    strcmp(key, "role") == 0
			        ? "must be edge, front-end, director, mediation, "
			          "unknown or none"
			    : strcmp(key, "role.edition") == 0 ? "must be standard or enterprise"
			    : strcmp(key, "os.product") == 0
			        ? "must be windows-server-2012, windows-server-2012-r2, "
			          "windows-server-2016, windows-server-2019, windows-server-2022 "
			          "or windows-server-2025"
			        : "must be lync-2013, sfb-2015, sfb-2019 or sfb-se");
		}
	}
	json_object_foreach(json_object_get(doc, "stores"), key, v)
	{
		int rc = enf_snapshot_check_store(path, key, v);
		if (rc)
			return rc;
	}
	json_object_foreach(json_object_get(doc, "registry"), key, v)
	{
		if (!enf_starts_with_nocase(key, "HKLM\\") || !json_is_object(v))
			return bad(path, key,
			           "must be a key under HKLM\\ holding an object of values");
		const char *name;
		json_t *val;
		json_object_foreach(v, name, val)
		{
			enf_reg_value r;
			if (enf_reg_value_from_json(&r, val)) {
				char where[600];
				snprintf(where, sizeof(where), "registry value '%s\\%s'", key,
				         name);
				return bad(path, where,
				           "needs kind and data as in a policy, or type and hex");
			}
			enf_reg_value_clear(&r);
		}
	}
	json_object_foreach(json_object_get(doc, "services"), key, v)
	{
		int rc = check_service(path, key, v);
		if (rc)
			return rc;
	}
	return enf_snapshot_check_rights(doc, path);
}

int enf_snapshot_fault(const snapshot *s, const char *list, const char *name, int prefix)
{
	json_t *l = json_object_get(json_object_get(s->doc, "faults"), list);
	size_t i;
	json_t *e;
	json_array_foreach(l, i, e)
	{
		const char *f = json_string_value(e);
		if (!f)
			continue;
		if (prefix ? enf_starts_with_nocase(name, f) : enf_strcaseeq(name, f))
			return 1;
	}
	return 0;
}
