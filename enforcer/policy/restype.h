/*
 * The loader's side of the resource-type table: one `enf_restype` per type,
 * each in its own file policy/type_<name>.c, listed through
 * ENF_RESOURCE_TYPES (include/enforcer/policy.h). The loader, the policy
 * diff and the source's file checks dispatch through it; nothing outside a
 * type's own files switches on its type. The engine's side is
 * engine/engine_type.h.
 */
#ifndef ENFORCER_POLICY_RESTYPE_H
#define ENFORCER_POLICY_RESTYPE_H

#include "enforcer/policy.h"

#include <jansson.h>

struct loader;
struct ynode;

/* A handler runs after every other resource, once, when a resource that notifies it changed. */
#define ENF_RESTYPE_HANDLER 0x1u

typedef struct enf_restype {
	const char *name;            /* as a policy writes it: "trust-store" */
	unsigned flags;              /* ENF_RESTYPE_* */
	const char *const *required; /* its keys, "type" and "id" included; NULL-terminated */
	const char *const *optional; /* its own optional keys (the common ones are the loader's) */
	/* Reads the type's keys of a resource mapping into res->u; reports every error. */
	int (*load)(struct loader *ld, const struct ynode *map, enf_resource *res);
	/* Frees what load allocated in res->u. */
	void (*clear)(enf_resource *res);
	/*
	 * The i-th file the resource refers to (a certificate file), with where
	 * it is written; NULL past the last. NULL when the type refers to none.
	 */
	const char *(*file)(const enf_resource *res, size_t i, enf_loc *loc);
	/* Adds the type's keys, as the validated model holds them, to its JSON (policy diff). */
	void (*to_json)(json_t *o, const enf_resource *res);
} enf_restype;

/* The row of a type; NULL out of range (a resource whose type was not understood). */
const enf_restype *enf_restype_of(enf_resource_type type);

/* The type a policy's `type:` names; ENF_RES__COUNT when none. */
enf_resource_type enf_restype_find(const char *name);

/* The names of every type, NULL-terminated (for "did you mean" and messages). */
const char *const *enf_restype_names(void);

/* The i-th file a resource refers to (see enf_restype.file); NULL past the last. */
const char *enf_resource_file(const enf_resource *res, size_t i, enf_loc *loc);

/*
 * The resource as JSON, keyed as a policy writes it (common and type keys),
 * from the validated model: two spellings of one meaning compare equal
 * (policy_json.c, for `policy diff`).
 */
json_t *enf_resource_to_json(const enf_resource *res);

/* The policy-level keys as JSON: name, description, when. */
json_t *enf_policy_to_json(const enf_policy *policy);

#define ENF_X_DECLARE(upper, lower) extern const enf_restype enf_restype_##lower;
ENF_RESOURCE_TYPES(ENF_X_DECLARE)
#undef ENF_X_DECLARE

#endif
