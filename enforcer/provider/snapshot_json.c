/* Reading and checking the snapshot's JSON (docs/snapshot.md). */
#include "snapshot.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *snapshot_get_nocase(const json_t *object, const char *name, const char **key_out)
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

int snapshot_value_from_json(enf_reg_value *out, const json_t *v)
{
	enf_reg_value r = {0};
	const char *kind = json_string_value(json_object_get(v, "kind"));
	json_t *data = json_object_get(v, "data");
	if (!kind) {
		json_t *type = json_object_get(v, "type");
		const char *hex = json_string_value(json_object_get(v, "hex"));
		if (!json_is_integer(type) || json_integer_value(type) < 0 ||
		    json_integer_value(type) > 0xFFFFFFFFLL || !hex)
			return ENF_EINVALID;
		r.type = (uint32_t)json_integer_value(type);
		if (enf_unhex(&r.bytes, &r.size, hex))
			return ENF_EINVALID;
		/*
		 * The typed kinds keep their data in the typed fields, which is what
		 * comparisons and the journal read: a DWORD or QWORD given as raw
		 * little-endian bytes is read into its number, and text kinds must be
		 * written with kind and data.
		 */
		size_t want = r.type == ENF_REG_DWORD ? 4 : r.type == ENF_REG_QWORD ? 8 : 0;
		if (want && r.size == want) {
			for (size_t i = want; i > 0; i--)
				r.number = (r.number << 8) | r.bytes[i - 1];
			free(r.bytes);
			r.bytes = NULL;
			r.size = 0;
		} else if (r.type != ENF_REG_BINARY && enf_reg_kind_name(r.type)) {
			enf_reg_value_clear(&r);
			return ENF_EINVALID;
		}
		*out = r;
		return 0;
	}
	if (enf_reg_kind_parse(&r.type, kind))
		return ENF_EINVALID;
	switch (r.type) {
	case ENF_REG_DWORD:
	case ENF_REG_QWORD: {
		uint64_t max = r.type == ENF_REG_DWORD ? 0xFFFFFFFFu : UINT64_MAX;
		if (json_is_integer(data) && json_integer_value(data) >= 0) {
			r.number = (uint64_t)json_integer_value(data);
		} else if (json_is_string(data)) {
			/* Values past INT64_MAX are written as decimal strings. */
			const char *s = json_string_value(data);
			if (!*s)
				return ENF_EINVALID;
			for (; *s; s++) {
				uint64_t d = (uint64_t)(*s - '0');
				if (*s < '0' || *s > '9' || r.number > (UINT64_MAX - d) / 10)
					return ENF_EINVALID;
				r.number = r.number * 10 + d;
			}
		} else {
			return ENF_EINVALID;
		}
		if (r.number > max)
			return ENF_EINVALID;
		break;
	}
	case ENF_REG_SZ:
	case ENF_REG_EXPAND_SZ:
		if (!json_is_string(data) || !(r.text = enf_strdup(json_string_value(data))))
			return ENF_EINVALID;
		break;
	case ENF_REG_MULTI_SZ: {
		if (!json_is_array(data))
			return ENF_EINVALID;
		size_t n = json_array_size(data);
		r.list = calloc(n ? n : 1, sizeof(char *));
		if (!r.list)
			return ENF_ENOMEM;
		for (size_t i = 0; i < n; i++) {
			const char *s = json_string_value(json_array_get(data, i));
			if (!s || !(r.list[i] = enf_strdup(s))) {
				enf_reg_value_clear(&r);
				return ENF_EINVALID;
			}
			r.count = i + 1;
		}
		break;
	}
	default: {
		const char *hex = json_string_value(data);
		if (!hex || enf_unhex(&r.bytes, &r.size, hex))
			return ENF_EINVALID;
		break;
	}
	}
	*out = r;
	return 0;
}

json_t *snapshot_value_to_json(const enf_reg_value *v)
{
	const char *kind = enf_reg_kind_name(v->type);
	if (!kind) {
		char *hex = enf_hex(v->bytes, v->size, 0);
		json_t *o = json_pack("{s:I, s:s}", "type", (json_int_t)v->type, "hex", hex ? hex : "");
		free(hex);
		return o;
	}
	json_t *data = NULL;
	switch (v->type) {
	case ENF_REG_DWORD:
	case ENF_REG_QWORD:
		if (v->number <= (uint64_t)INT64_MAX) {
			data = json_integer((json_int_t)v->number);
		} else {
			char buf[32];
			snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v->number);
			data = json_string(buf);
		}
		break;
	case ENF_REG_SZ:
	case ENF_REG_EXPAND_SZ:
		data = json_string(v->text ? v->text : "");
		break;
	case ENF_REG_MULTI_SZ:
		data = json_array();
		for (size_t i = 0; i < v->count; i++)
			json_array_append_new(data, json_string(v->list[i]));
		break;
	default: {
		char *hex = enf_hex(v->bytes, v->size, 0);
		data = json_string(hex ? hex : "");
		free(hex);
		break;
	}
	}
	return json_pack("{s:s, s:o}", "kind", kind, "data", data);
}

static int check_cert(const char *path, const char *store, size_t i, const json_t *c)
{
	char where[96];
	snprintf(where, sizeof(where), "stores.%s[%zu]", store, i);
	const char *der = json_string_value(json_object_get(c, "der"));
	unsigned char *bytes = NULL;
	size_t len = 0;
	if (!json_is_object(c) || !der)
		return bad(path, where, "needs \"der\": the certificate in base64");
	if (enf_base64_decode(&bytes, &len, der) || len == 0)
		return bad(path, where, "has a \"der\" that is not base64");
	free(bytes);
	json_t *acl = json_object_get(c, "key_acl");
	if (acl && !json_is_array(acl))
		return bad(path, where, "has a \"key_acl\" that is not a list");
	size_t k;
	json_t *e;
	json_array_foreach(acl, k, e)
	{
		const char *rights = json_string_value(json_object_get(e, "rights"));
		if (!json_string_value(json_object_get(e, "account")) || !rights ||
		    (strcmp(rights, "read") != 0 && strcmp(rights, "full") != 0))
			return bad(path, where, "has a key_acl entry without account and rights read/full");
	}
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
		return bad(path, where, "needs \"startup\": automatic, delayed-automatic, manual or disabled");
	if (!state || (strcmp(state, "running") != 0 && strcmp(state, "stopped") != 0))
		return bad(path, where, "needs \"state\": running or stopped");
	return 0;
}

int snapshot_check(const json_t *doc, const char *path)
{
	const char *schema = json_string_value(json_object_get(doc, "schema"));
	if (!json_is_object(doc) || !schema || strcmp(schema, ENF_SNAPSHOT_SCHEMA) != 0)
		return bad(path, "the document", "needs \"schema\": \"" ENF_SNAPSHOT_SCHEMA "\"");
	static const char *const members[] = {"schema", "facts", "stores", "registry",
					      "services", "accounts", "faults", NULL};
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)doc, key, v)
	{
		int known = 0;
		for (size_t i = 0; members[i]; i++)
			known |= strcmp(members[i], key) == 0;
		if (!known)
			return bad(path, key, "is not a snapshot member (facts, stores, registry, services, accounts, faults)");
		if (strcmp(key, "schema") != 0 && !json_is_object(v))
			return bad(path, key, "must be an object");
	}
	json_object_foreach(json_object_get(doc, "facts"), key, v)
	{
		if (!json_is_string(v) && !json_is_integer(v))
			return bad(path, "a fact", "must be a string or an integer");
	}
	json_object_foreach(json_object_get(doc, "stores"), key, v)
	{
		enf_store store;
		if (enf_store_parse(&store, key))
			return bad(path, key, "is not a store name (Root, CA, My, TrustedPeople, TrustedPublisher, Disallowed)");
		if (!json_is_array(v))
			return bad(path, key, "must be a list of certificates");
		size_t i;
		json_t *c;
		json_array_foreach(v, i, c)
		{
			int rc = check_cert(path, key, i, c);
			if (rc)
				return rc;
		}
	}
	json_object_foreach(json_object_get(doc, "registry"), key, v)
	{
		if (!enf_starts_with_nocase(key, "HKLM\\") || !json_is_object(v))
			return bad(path, key, "must be a key under HKLM\\ holding an object of values");
		const char *name;
		json_t *val;
		json_object_foreach(v, name, val)
		{
			enf_reg_value r;
			if (snapshot_value_from_json(&r, val)) {
				char where[600];
				snprintf(where, sizeof(where), "registry value '%s\\%s'", key, name);
				return bad(path, where, "needs kind and data as in a policy, or type and hex");
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
	return 0;
}

int snapshot_fault(const snapshot *s, const char *list, const char *name, int prefix)
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
