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

/*
 * What a key's value is, for the JSON Schema of policies (schema.c). The
 * loader's own lists say which keys there are (required, optional, and the
 * nested ones of a mapping); a keydoc adds what an editor shows: the kind of
 * value and a sentence. schema.c refuses a key without a keydoc, and a keydoc
 * without a key, so the two cannot drift apart.
 */
typedef enum enf_keykind {
	ENF_KK_STRING,         /* any non-empty text */
	ENF_KK_ID,             /* an id: [a-z0-9][a-z0-9._-]* */
	ENF_KK_NAME,           /* a policy name: [a-z0-9][a-z0-9-]* */
	ENF_KK_COUNT,          /* an unsigned integer */
	ENF_KK_BOOL,           /* true or false */
	ENF_KK_ENUM,           /* one of `values` */
	ENF_KK_STORE,          /* a certificate store's name, in any case (enf_store_names) */
	ENF_KK_REG_KIND,       /* a registry value's kind (enf_reg_kind_names) */
	ENF_KK_ENUMS,          /* a list of `values` */
	ENF_KK_STRINGS,        /* a list of texts */
	ENF_KK_STRING_OR_LIST, /* a text, or a list of texts (after, notify) */
	ENF_KK_DURATION,       /* seconds, or a number with s, m or h */
	ENF_KK_DATA,           /* a registry value's data: a number, a text or a list of texts */
	ENF_KK_CONDITION,      /* when: a mapping of fact to test */
	ENF_KK_VERSION,        /* enforcer: 1 */
	ENF_KK_MAP,            /* a mapping of the keys `required`/`optional`, described by `sub` */
	ENF_KK_MAPS,           /* a list of such mappings */
	ENF_KK_RESOURCES       /* the policy's resources: one mapping per type of the table */
} enf_keykind;

typedef struct enf_keydoc {
	const char *name;
	enf_keykind kind;
	const char *doc;
	const char *const *values;   /* ENUM, ENUMS: the loader's own list */
	const char *const *required; /* MAP(S): the loader's lists of the mapping's keys */
	const char *const *optional;
	const struct enf_keydoc *sub; /* MAP(S): their keydocs */
} enf_keydoc;

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
	/* What each of its keys holds, for the JSON Schema; ends with a NULL name. */
	const enf_keydoc *keydocs;
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
