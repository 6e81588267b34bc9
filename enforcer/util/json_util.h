/*
 * Small jansson helpers shared by the modules that build JSON (the policy
 * model, the journal, the engine's before/after states), and the registry
 * value codec (reg_json.c): one encoding of a value for the snapshot, the
 * journal, the reports and the policy diff.
 */
#ifndef ENFORCER_UTIL_JSON_UTIL_H
#define ENFORCER_UTIL_JSON_UTIL_H

#include "enforcer/types.h"

#include <jansson.h>
#include <stdint.h>

/* Sets o[key] to the string `value`; a NULL value sets nothing. */
void enf_json_set_str(json_t *o, const char *key, const char *value);

/* A JSON array of the strings. */
json_t *enf_json_strings(char *const *list, size_t count);

/* A 64-bit unsigned number: a JSON integer where it fits, else its decimal text. */
json_t *enf_json_u64(uint64_t v);

/* A SHA-1 thumbprint as upper-case hex. */
json_t *enf_json_thumbprint(const unsigned char thumb[20]);

/*
 * o[key] copied: *out is NULL when the member is absent or null; ENF_EINVALID
 * when it is not a string, ENF_ENOMEM without memory.
 */
int enf_json_get_str(char **out, const json_t *o, const char *key);

/*
 * A registry value as JSON: {"kind": "dword", "data": 2} for the kinds
 * enforcer names (DWORD and QWORD data past INT64_MAX as decimal text,
 * MULTI_SZ as a list, BINARY as hex), {"type": N, "hex": "..."} for any
 * other type. docs/snapshot.md describes it.
 */
json_t *enf_reg_value_to_json(const enf_reg_value *v);

/*
 * The reverse, checked: a DWORD or QWORD given as {"type", "hex"} with 4 or
 * 8 bytes is read into its number; ENF_EINVALID for anything malformed.
 */
int enf_reg_value_from_json(enf_reg_value *out, const json_t *v);

#endif
