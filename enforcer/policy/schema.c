/*
 * The JSON Schema of policy format 1 (docs/policy.schema.json), generated
 * from the tables the loader itself uses: the top-level keys and the common
 * keys of load.c, and each resource type's row (policy/type_<name>.c) with
 * its required and optional keys, its nested mappings and its enum lists.
 * Each key's keydoc adds only what an editor shows (the kind of value, one
 * sentence); a key without a keydoc, or a keydoc without a key, is an error
 * here, so that the schema cannot fall behind the loader.
 *
 * Written for JSON Schema draft-07, which the YAML language server (VS Code's
 * YAML extension) and Python's jsonschema read.
 */
#include "loader.h"
#include "restype.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static json_t *string_list(const char *const *names)
{
	json_t *a = json_array();
	for (size_t i = 0; names && names[i]; i++)
		json_array_append_new(a, json_string(names[i]));
	return a;
}

/* "^(?:[Rr][Oo][Oo][Tt]|...)$": store names in any case, as the loader reads them. */
static json_t *any_case(const char *const *names, const char *prefix)
{
	enf_buf b = ENF_BUF_INIT;
	enf_buf_printf(&b, "^(?:%s)?(?:", prefix);
	for (size_t i = 0; names[i]; i++) {
		enf_buf_puts(&b, i ? "|" : "");
		for (const char *p = names[i]; *p; p++) {
			char lo = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
			char up = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
			if (lo != up)
				enf_buf_printf(&b, "[%c%c]", up, lo);
			else
				enf_buf_put(&b, p, 1);
		}
	}
	enf_buf_puts(&b, ")$");
	json_t *o = json_pack("{s:s, s:s}", "type", "string", "pattern", b.ptr ? b.ptr : "");
	enf_buf_clear(&b);
	return o;
}

static const enf_keydoc *find_doc(const enf_keydoc *const *tables, const char *name)
{
	for (size_t t = 0; tables[t]; t++)
		for (const enf_keydoc *d = tables[t]; d->name; d++)
			if (strcmp(d->name, name) == 0)
				return d;
	return NULL;
}

static json_t *object_schema(const char *const *const *lists, const char *const *required,
                             const enf_keydoc *const *docs, const char *type_name);

static json_t *resources_schema(void);

static json_t *value_schema(const enf_keydoc *d, const char *type_name)
{
	static const char *const texts[] = {"string", NULL};
	json_t *s = NULL;
	switch (d->kind) {
	case ENF_KK_STRING:
		s = json_pack("{s:s}", "type", "string");
		break;
	case ENF_KK_ID:
		s = json_pack("{s:s, s:s, s:i}", "type", "string", "pattern",
		              "^[a-z0-9][a-z0-9._-]*$", "maxLength", ENF_POLICY_MAX_ID);
		break;
	case ENF_KK_NAME:
		s = json_pack("{s:s, s:s, s:i}", "type", "string", "pattern",
		              "^[a-z0-9][a-z0-9-]*$", "maxLength", ENF_POLICY_MAX_ID);
		break;
	case ENF_KK_COUNT:
		s = json_pack("{s:s, s:i}", "type", "integer", "minimum", 0);
		break;
	case ENF_KK_BOOL:
		s = json_pack("{s:s}", "type", "boolean");
		break;
	case ENF_KK_ENUM:
		/* `type` is the resource's own name inside its branch of the schema. */
		s = type_name && strcmp(d->name, "type") == 0
		        ? json_pack("{s:s}", "const", type_name)
		        : json_pack("{s:o}", "enum", string_list(d->values));
		break;
	case ENF_KK_ENUMS:
		s = json_pack("{s:s, s:i, s:{s:o}}", "type", "array", "minItems", 1, "items",
		              "enum", string_list(d->values));
		break;
	case ENF_KK_STORE:
		s = any_case(enf_store_names(),
		             "[Ll][Oo][Cc][Aa][Ll][Mm][Aa][Cc][Hh][Ii][Nn][Ee]\\\\");
		break;
	case ENF_KK_REG_KIND:
		s = json_pack("{s:o}", "enum", string_list(enf_reg_kind_names()));
		break;
	case ENF_KK_STRINGS:
		s = json_pack("{s:s, s:{s:s}}", "type", "array", "items", "type", "string");
		break;
	case ENF_KK_STRING_OR_LIST:
		s = json_pack("{s:[{s:s}, {s:s, s:{s:s}}]}", "anyOf", "type", "string", "type",
		              "array", "items", "type", "string");
		break;
	case ENF_KK_DURATION:
		s = json_pack("{s:[{s:s, s:i}, {s:s, s:s}]}", "anyOf", "type", "integer", "minimum",
		              1, "type", "string", "pattern", "^[0-9]+[smh]?$");
		break;
	case ENF_KK_DATA:
		s = json_pack("{s:[{s:s}, {s:s, s:i}, {s:s, s:{s:o}}]}", "anyOf", "type", "string",
		              "type", "integer", "minimum", 0, "type", "array", "items", "type",
		              string_list(texts));
		break;
	case ENF_KK_CONDITION: {
		json_t *test = json_pack("{s:[{s:s}, {s:s}, {s:s, s:{s:[s, s]}}]}", "anyOf", "type",
		                         "string", "type", "number", "type", "array", "items",
		                         "type", "string", "number");
		s = json_pack("{s:s, s:{s:o}, s:o}", "type", "object", "propertyNames", "enum",
		              string_list(enf_ld_known_facts()), "additionalProperties", test);
		break;
	}
	case ENF_KK_VERSION:
		s = json_pack("{s:i}", "const", 1);
		break;
	case ENF_KK_MAP:
	case ENF_KK_MAPS: {
		/* Either list may be absent: the other goes first then. */
		const char *const *lists[] = {d->required ? d->required : d->optional,
		                              d->required ? d->optional : NULL, NULL};
		const enf_keydoc *docs[] = {d->sub, NULL};
		json_t *map = object_schema(lists, d->required, docs, NULL);
		if (!map)
			return NULL;
		s = d->kind == ENF_KK_MAP ? map
		                          : json_pack("{s:s, s:o}", "type", "array", "items", map);
		break;
	}
	case ENF_KK_RESOURCES:
		s = resources_schema();
		break;
	}
	if (s && d->doc)
		json_object_set_new(s, "description", json_string(d->doc));
	return s;
}

/*
 * An object of exactly the keys in `lists` (each a NULL-terminated list of
 * the loader's), those in `required` required, each described by its keydoc.
 * NULL with the last error set when a key has no keydoc.
 */
static json_t *object_schema(const char *const *const *lists, const char *const *required,
                             const enf_keydoc *const *docs, const char *type_name)
{
	json_t *props = json_object();
	for (size_t l = 0; lists[l]; l++) {
		for (size_t i = 0; lists[l][i]; i++) {
			const enf_keydoc *d = find_doc(docs, lists[l][i]);
			json_t *v = d ? value_schema(d, type_name) : NULL;
			if (!v) {
				if (!d)
					enf_error_set(
					    ENF_ERRCLASS_POLICY,
					    "the key '%s'%s%s has no keydoc: describe it beside the "
					    "loader's list",
					    lists[l][i], type_name ? " of " : "",
					    type_name ? type_name : "");
				json_decref(props);
				return NULL;
			}
			json_object_set_new(props, lists[l][i], v);
		}
	}
	/* A keydoc for a key the loader does not know would document a key it refuses. */
	for (size_t t = 0; docs[t]; t++) {
		for (const enf_keydoc *d = docs[t]; d->name; d++) {
			if (!json_object_get(props, d->name)) {
				enf_error_set(
				    ENF_ERRCLASS_POLICY,
				    "the keydoc '%s'%s%s describes a key the loader does not take",
				    d->name, type_name ? " of " : "", type_name ? type_name : "");
				json_decref(props);
				return NULL;
			}
		}
	}
	json_t *o = json_pack("{s:s, s:o, s:b}", "type", "object", "properties", props,
	                      "additionalProperties", 0);
	if (required && required[0])
		json_object_set_new(o, "required", string_list(required));
	return o;
}

/*
 * Every resource: type and id, and then, by type, exactly that type's keys
 * and the common ones ("if type is X then ...": an editor completes the keys
 * of the type written, and underlines any other).
 */
static json_t *resources_schema(void)
{
	json_t *branches = json_array();
	const enf_keydoc *common = enf_ld_common_keydocs();
	static const char *const type_id[] = {"type", "id", NULL};
	json_t *type_enum = string_list(enf_restype_names());
	for (int i = 0; i < ENF_RES__COUNT; i++) {
		const enf_restype *t = enf_restype_of((enf_resource_type)i);
		const char *const *lists[] = {t->required, t->optional, enf_ld_common_keys(), NULL};
		const enf_keydoc *docs[] = {common, t->keydocs, NULL};
		json_t *then = object_schema(lists, t->required, docs, t->name);
		if (!then) {
			json_decref(branches);
			json_decref(type_enum);
			return NULL;
		}
		json_array_append_new(branches,
		                      json_pack("{s:{s:{s:{s:s}}}, s:o}", "if", "properties",
		                                "type", "const", t->name, "then", then));
	}
	json_t *item = json_pack("{s:s, s:o, s:{s:{s:o}}, s:o}", "type", "object", "required",
	                         string_list(type_id), "properties", "type", "enum", type_enum,
	                         "allOf", branches);
	return json_pack("{s:s, s:o}", "type", "array", "items", item);
}

char *enf_policy_schema(void)
{
	const char *const *req, *const *opt;
	const enf_keydoc *top;
	enf_ld_policy_keys(&req, &opt, &top);
	const char *const *lists[] = {req, opt, NULL};
	const enf_keydoc *docs[] = {top, NULL};
	json_t *o = object_schema(lists, req, docs, NULL);
	if (!o)
		return NULL;
	json_t *doc = json_pack(
	    "{s:s, s:s, s:s, s:s}", "$schema", "http://json-schema.org/draft-07/schema#", "$id",
	    "https://enforcer.invalid/policy.schema.json", "title", "enforcer policy, format 1",
	    "description",
	    "Generated by `enforcer policy schema` from the loader's own tables; do not edit.");
	json_object_update(doc, o);
	json_decref(o);
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!text)
		enf_error_oom();
	return text;
}
