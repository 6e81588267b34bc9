/* The registry resource type, loader side: one value under HKLM (docs/POLICY.md). */
#include "loader.h"
#include "restype.h"

#include "enforcer/errors.h"
#include "util/json_util.h"
#include "util/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const required[] = {"type", "id", "key", "value", NULL};
static const char *const optional[] = {"ensure", "kind", "data", NULL};
static const char *const ensures[] = {"present", "absent", NULL};

/* "HKLM\A\B" from "HKLM\A\B" or "HKEY_LOCAL_MACHINE\A\B"; NULL with a reason. */
static char *normalise_key(const char *key, const char **problem)
{
	const char *rest = NULL;
	if (enf_strcaseeq(key, "HKLM") || enf_strcaseeq(key, "HKEY_LOCAL_MACHINE")) {
		*problem = "names no key under HKLM; the values of HKLM itself cannot be managed";
		return NULL;
	}
	if (enf_starts_with_nocase(key, "HKLM\\"))
		rest = key + 5;
	else if (enf_starts_with_nocase(key, "HKEY_LOCAL_MACHINE\\"))
		rest = key + 19;
	if (!rest) {
		*problem =
		    "must start with HKLM\\ (HKEY_LOCAL_MACHINE): only machine settings are managed";
		return NULL;
	}
	if (!*rest) {
		*problem = "names no key under HKLM";
		return NULL;
	}
	size_t part = 0;
	for (const char *p = rest; *p; p++) {
		if (*p == '\\') {
			if (part == 0) {
				*problem = "has an empty part ('\\\\' or a trailing '\\')";
				return NULL;
			}
			part = 0;
			continue;
		}
		if ((unsigned char)*p < 0x20) {
			*problem = "has a control character";
			return NULL;
		}
		if (++part > 255) {
			*problem = "has a part longer than 255 characters, the Windows limit";
			return NULL;
		}
	}
	if (part == 0) {
		*problem = "has an empty part ('\\\\' or a trailing '\\')";
		return NULL;
	}
	return enf_asprintf("HKLM\\%s", rest); /* NULL without a problem: out of memory */
}

/* The kind meant by Windows' spelling ("REG_DWORD", "REG_EXPAND_SZ", "DWORD"), or NULL. */
static const char *reg_kind_hint(const char *name)
{
	char want[16];
	size_t n = 0;
	if (enf_starts_with_nocase(name, "REG_"))
		name += 4;
	for (; *name && n + 1 < sizeof(want); name++)
		want[n++] = *name == '_' ? '-' : (char)tolower((unsigned char)*name);
	want[n] = '\0';
	uint32_t type;
	if (*name || enf_reg_kind_parse(&type, want))
		return NULL;
	return enf_reg_kind_name(type);
}

static int load_reg_data(loader *ld, const ynode *v, enf_reg_value *d)
{
	uint64_t u;
	switch (d->type) {
	case ENF_REG_DWORD:
	case ENF_REG_QWORD:
		if (enf_ld_uint(ld, v, "data", d->type == ENF_REG_DWORD ? UINT32_MAX : UINT64_MAX,
		                &u))
			return ENF_EINVALID;
		d->number = u;
		return 0;
	case ENF_REG_SZ:
	case ENF_REG_EXPAND_SZ:
		return enf_ld_string(ld, v, "data", &d->text);
	case ENF_REG_MULTI_SZ:
		if (v->kind != YNODE_SEQ && v->kind != YNODE_INVALID) {
			enf_ld_error(ld, v, "'data' for kind multi-sz must be a list of strings");
			return ENF_EINVALID;
		}
		for (size_t i = 0; i < v->count; i++) {
			const ynode *e = v->vals[i];
			if (e->kind == YNODE_SCALAR && e->len == 0 && !e->plain) {
				enf_ld_error(
				    ld, e,
				    "a multi-sz entry cannot be empty: Windows reads an empty string as the end of the list");
				return ENF_EINVALID;
			}
		}
		if (enf_ld_string_list(ld, v, "data", 0, &d->list, &d->count))
			return ENF_EINVALID;
		return 0;
	default: {
		char *hex = NULL;
		if (enf_ld_string(ld, v, "data", &hex))
			return ENF_EINVALID;
		int rc = enf_unhex(&d->bytes, &d->size, hex);
		if (rc == ENF_ENOMEM)
			enf_ld_oom(ld);
		else if (rc)
			enf_ld_error(
			    ld, v,
			    "'data' for kind binary must be pairs of hex digits, e.g. \"01 ff 00\"; got '%s'",
			    hex);
		free(hex);
		return rc ? ENF_EINVALID : 0;
	}
	}
}

static int load_registry(loader *ld, const ynode *n, enf_resource *res)
{
	enf_res_registry *r = &res->u.reg;
	int rc = 0, idx = 0;
	const ynode *v;
	if ((v = enf_ytree_get(n, "key"))) {
		char *key = NULL;
		if (enf_ld_nonempty_string(ld, v, "key", &key)) {
			rc = ENF_EINVALID;
		} else {
			const char *problem = NULL;
			r->key = normalise_key(key, &problem);
			if (!r->key && !problem) {
				rc = enf_ld_oom(ld);
			} else if (!r->key) {
				enf_ld_error(ld, v, "registry key '%s' %s", key, problem);
				rc = ENF_EINVALID;
			}
			free(key);
		}
	}
	if ((v = enf_ytree_get(n, "value"))) {
		if (v->kind == YNODE_SCALAR && v->plain && v->len == 0) {
			/* An empty plain value is null in YAML, not the empty name. */
			enf_ld_error(
			    ld, v,
			    "'value' has no value; for the key's default value write value: \"\"");
			rc = ENF_EINVALID;
		} else if (enf_ld_string(ld, v, "value", &r->value)) {
			rc = ENF_EINVALID;
		} else if (strlen(r->value) > 16383) {
			enf_ld_error(ld, v,
			             "'value' is longer than 16383 characters, the Windows limit");
			rc = ENF_EINVALID;
		}
	}
	if ((v = enf_ytree_get(n, "ensure")) && enf_ld_enum(ld, v, "ensure", ensures, &idx))
		rc = ENF_EINVALID;
	r->ensure = (enf_ensure)idx;
	const ynode *kind = enf_ytree_get(n, "kind"), *data = enf_ytree_get(n, "data");
	if (r->ensure == ENF_ENSURE_ABSENT) {
		if (kind)
			enf_ld_error(
			    ld, enf_ytree_key(n, "kind"),
			    "'kind' does not go with ensure: absent (the value is deleted whatever its kind)");
		if (data)
			enf_ld_error(ld, enf_ytree_key(n, "data"),
			             "'data' does not go with ensure: absent");
		return kind || data ? ENF_EINVALID : rc;
	}
	if (!kind || !data) {
		enf_ld_error(ld, n, "a registry value with ensure: present needs %s",
		             !kind && !data ? "'kind' and 'data'"
		             : !kind        ? "'kind'"
		                            : "'data'");
		rc = ENF_EINVALID;
	}
	if (kind) {
		char *name = NULL;
		if (enf_ld_nonempty_string(ld, kind, "kind", &name)) {
			return ENF_EINVALID;
		}
		if (enf_reg_kind_parse(&r->data.type, name)) {
			const char *hint = reg_kind_hint(name);
			enf_ld_error(
			    ld, kind,
			    "'kind' must be one of dword, qword, sz, expand-sz, multi-sz, binary; got '%s'%s%s%s",
			    name, hint ? " (did you mean '" : "", hint ? hint : "",
			    hint ? "'?)" : "");
			free(name);
			return ENF_EINVALID;
		}
		free(name);
		if (data && load_reg_data(ld, data, &r->data))
			rc = ENF_EINVALID;
	}
	return rc;
}

static void clear_registry(enf_resource *res)
{
	free(res->u.reg.key);
	free(res->u.reg.value);
	enf_reg_value_clear(&res->u.reg.data);
}

static void registry_json(json_t *o, const enf_resource *res)
{
	const enf_res_registry *r = &res->u.reg;
	enf_json_set_str(o, "key", r->key);
	enf_json_set_str(o, "value", r->value);
	enf_json_set_str(o, "ensure", r->ensure == ENF_ENSURE_ABSENT ? "absent" : "present");
	if (r->ensure == ENF_ENSURE_ABSENT)
		return;
	/* The same encoding as the snapshot and the journal (reg_json.c). */
	json_t *v = enf_reg_value_to_json(&r->data);
	json_object_set(o, "kind", json_object_get(v, "kind"));
	json_object_set(o, "data", json_object_get(v, "data"));
	json_decref(v);
}

static const enf_keydoc keydocs[] = {
    {"key", ENF_KK_STRING,
     "HKLM\\... (or HKEY_LOCAL_MACHINE\\...): the key that holds the value; case-insensitive", NULL,
     NULL, NULL, NULL},
    {"value", ENF_KK_STRING, "the value's name; '' is the key's default value", NULL, NULL, NULL,
     NULL},
    {"ensure", ENF_KK_ENUM, "present (default) or absent", ensures, NULL, NULL, NULL},
    {"kind", ENF_KK_REG_KIND, "the value's type: a value of another kind is drift", NULL, NULL,
     NULL, NULL},
    {"data", ENF_KK_DATA,
     "dword, qword: an unsigned number (0xFFFFFFFF, never -1); sz, expand-sz: text; multi-sz: a list of texts; binary: hex",
     NULL, NULL, NULL, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL},
};

const enf_restype enf_restype_registry = {
    .name = "registry",
    .required = required,
    .optional = optional,
    .load = load_registry,
    .clear = clear_registry,
    .to_json = registry_json,
    .keydocs = keydocs,
};
