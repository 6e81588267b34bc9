/*
 * Internal to the policy loader: the checking context and the typed getters
 * that turn YAML nodes into model values, reporting every problem with its
 * position.
 */
#ifndef ENFORCER_LOADER_H
#define ENFORCER_LOADER_H

#include "enforcer/policy.h"
#include "restype.h"
#include "ytree.h"

typedef struct loader {
	enf_diag_list *diags;
	int oom;
} loader;

/* Reports an error at a node. */
void enf_ld_error(loader *ld, const ynode *at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(ENF_PRINTF_ARCHETYPE, 3, 4)))
#endif
    ;

/* Records an allocation failure; returns ENF_ENOMEM for `return ld_oom(ld);`. */
int enf_ld_oom(loader *ld);

/* The set of keys a mapping may have; NULL-terminated lists. */
typedef struct ld_keys {
	const char *const *required;
	const char *const *optional;
	const char *const *optional2; /* e.g. the keys common to all resources */
} ld_keys;

/*
 * Reports every key of `map` not in `keys` (with a did-you-mean) and every
 * required key that is missing. `what` names the mapping in messages
 * ("a registry resource"). Returns 0 if `map` is a mapping.
 */
int enf_ld_check_keys(loader *ld, const ynode *map, const ld_keys *keys, const char *what);

/* True if a plain scalar would be read as a non-string by YAML 1.1 or 1.2. */
int enf_ld_looks_non_string(const char *s);

/* Getters. Each reports its own error and returns ENF_EINVALID on failure. */
int enf_ld_string(loader *ld, const ynode *n, const char *key, char **out);
int enf_ld_nonempty_string(loader *ld, const ynode *n, const char *key, char **out);
int enf_ld_bool(loader *ld, const ynode *n, const char *key, int *out);
int enf_ld_uint(loader *ld, const ynode *n, const char *key, uint64_t max, uint64_t *out);
/* One of `names` (NULL-terminated); *out is the index. */
int enf_ld_enum(loader *ld, const ynode *n, const char *key, const char *const *names, int *out);
/* The name in `names` (NULL-terminated) closest to `s`, within 2 edits; or NULL. */
const char *enf_ld_closest(const char *s, const char *const *names);

/* `names` joined with ", " (for "the keys are: ..."); free() it. NULL on OOM. */
char *enf_ld_join(const char *const *names);

/* A list of strings; a single string counts as a list of one when `single`. */
int enf_ld_string_list(loader *ld, const ynode *n, const char *key, int single, char ***out,
                       size_t *count);

/* A SHA-1 thumbprint: 40 hex digits, spaces and U+200E marks ignored. */
int enf_ld_parse_thumbprint(const char *s, unsigned char out[20]);

/*
 * Checks a path a policy refers to: relative, '/'-separated, no '..', no
 * ':' or backslash, no Windows device names. Returns NULL when it is fine,
 * or a static reason.
 */
const char *enf_path_problem(const char *path);

void enf_ld_free_strings(char **list, size_t count);

/* Loads the `when:` mapping. */
int enf_ld_when(loader *ld, const ynode *n, enf_when *out);
void enf_ld_when_clear(enf_when *when);

/* The keys every resource may have besides type and id. */
const char *const *enf_ld_common_keys(void);

/* For the JSON Schema (schema.c): what the common keys hold (type and id among them). */
const enf_keydoc *enf_ld_common_keydocs(void);
/* The policy's own keys: the loader's lists and what they hold. */
void enf_ld_policy_keys(const char *const **req, const char *const **opt, const enf_keydoc **docs);
/* The facts a condition may test. */
const char *const *enf_ld_known_facts(void);

/* Why an account name ("DOMAIN\\name", ".\\name", "LocalSystem") cannot be right, or NULL. */
const char *enf_ld_account_problem(const char *account);

/* Keys the certificate and trust-store types share (certs.c). */
int enf_ld_store(loader *ld, const ynode *v, enf_store *out);
/* A path a policy refers to, checked with enf_path_problem. */
int enf_ld_path(loader *ld, const ynode *v, const char *key, char **out);
int enf_ld_thumbprint(loader *ld, const ynode *v, unsigned char out[20]);

/* The Service Control Manager's rule for a service name (resources.c). */
int enf_ld_service_name(loader *ld, const ynode *at, const char *name);
/* A duration (timeout:), as enf_duration_parse reads it, in milliseconds (resources.c). */
int enf_ld_duration(loader *ld, const ynode *v, const char *key, unsigned *out_ms);

/* Cross-resource checks and ordering (graph.c). */
int enf_ld_check_graph(loader *ld, enf_policy *policy, const ynode *resources);

#endif
