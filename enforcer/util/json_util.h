/*
 * Small jansson helpers shared by the modules that build JSON (the policy
 * model, the journal, the engine's before/after states), and the registry
 * value codec (reg_json.c): one encoding of a value for the snapshot, the
 * journal, the reports and the policy diff.
 */
#ifndef ENFORCER_UTIL_JSON_UTIL_H
#define ENFORCER_UTIL_JSON_UTIL_H

#include "enforcer/types.h"
#include "util.h"

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

/*
 * The bytes Windows stores for a value (reg_bytes.c), appended to `b`:
 * text as UTF-16LE with its NULs, numbers little-endian; a value whose
 * `bytes` are set (any type but the typed kinds, or a typed kind read from
 * data that is not in the documented form) is those bytes exactly.
 */
int enf_reg_value_encode(enf_buf *b, const enf_reg_value *v);

/*
 * A value from the bytes stored for it: the typed kinds as a documented
 * reader sees them (text up to its first NUL, a list up to its first empty
 * string); when the bytes are not the documented form of that reading,
 * they are kept in `bytes` as well, so that they can be written back
 * exactly. ENF_EINVALID for text that is not UTF-16.
 */
int enf_reg_value_decode(enf_reg_value *out, uint32_t type, const unsigned char *data, size_t size);

/*
 * What equality compares: the value's bytes, except that a typed value
 * whose stored bytes lack only NULs at the end (text written without its
 * terminator, a short DWORD) stands for its reading's documented form.
 */
int enf_reg_value_stored(enf_buf *b, const enf_reg_value *v);

#endif
