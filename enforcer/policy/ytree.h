/*
 * A small YAML node tree built from libyaml's event API, with positions and
 * our own limits. It refuses what the policy format forbids (anchors,
 * aliases, tags, several documents, deep nesting, huge scalars, non-UTF-8)
 * while it reads, so that hostile input never costs more than one pass.
 */
#ifndef ENFORCER_YTREE_H
#define ENFORCER_YTREE_H

#include "enforcer/diag.h"

#include <stddef.h>

typedef enum ynode_kind {
	YNODE_SCALAR = 0,
	YNODE_MAP,
	YNODE_SEQ,
	YNODE_INVALID /* an alias or an over-limit scalar, already reported */
} ynode_kind;

typedef struct ynode ynode;

struct ynode {
	ynode_kind kind;
	unsigned line, col; /* 1-based */
	/* Scalars */
	char *value; /* NUL-terminated; may hold NULs inside (see len) */
	size_t len;
	int plain; /* written without quotes or block style */
	/* Maps (keys[i] -> vals[i]) and sequences (vals[i]) */
	ynode **keys;
	ynode **vals;
	size_t count;
	size_t alloc;
	ynode *pending; /* maps: a key read whose value has not come yet */
};

/*
 * Reports, one error each at the value's position, every double-quoted
 * scalar in the raw text whose backslashes YAML would read as escapes not
 * meant ("\\S" it cannot read, "\\N" that makes NEL, "\\t" in "C:\\temp"):
 * the rule is at the top of yescape.c. Returns how many it reported.
 */
int enf_ytree_scan_escapes(enf_diag_list *diags, const char *data, size_t len);

/* Most keys a single mapping may have; no valid policy map comes close. */
#define YTREE_MAX_MAP_KEYS 256

/*
 * Parses one document. Returns 0 and a tree (possibly with YNODE_INVALID
 * nodes whose errors are in `diags`), or ENF_EINVALID when the file cannot be
 * read as YAML at all (the reason is in `diags`).
 */
int enf_ytree_parse(ynode **out, enf_diag_list *diags, const char *data, size_t len);

void enf_ytree_free(ynode *node);

/* For maps: the value for `key`, or NULL. */
ynode *enf_ytree_get(const ynode *map, const char *key);

/* For maps: the key node itself (for errors about the key), or NULL. */
ynode *enf_ytree_key(const ynode *map, const char *key);

#endif
