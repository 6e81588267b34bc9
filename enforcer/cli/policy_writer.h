/*
 * Writing a v1 policy as YAML text (export, import-reg): every string
 * double-quoted with YAML escapes, so that `no`, `0x10`, `"`, `\` or a line
 * separator read back as exactly that text; resource ids made unique; and the
 * result loaded with the real loader before anyone sees it, so that what is
 * printed is always a policy `enforcer validate` accepts.
 */
#ifndef ENFORCER_CLI_POLICY_WRITER_H
#define ENFORCER_CLI_POLICY_WRITER_H

#include "enforcer/types.h"
#include "util/util.h"

typedef struct cli_policy_writer {
	enf_buf out;
	char **ids; /* every id written, to keep them unique */
	size_t id_count, id_alloc;
} cli_policy_writer;

/*
 * Appends `s` for a double-quoted YAML scalar (quoted 1) or for a comment
 * (quoted 0): backslash and quote escaped, and every character YAML would
 * not read back as itself written as an escape. -1 on bytes that are not UTF-8.
 */
int cli_pw_text(enf_buf *b, const char *s, int quoted);

/* "INDENT KEY: "VALUE"\n"; ENF_EINVALID (last error set) when VALUE is not UTF-8. */
int cli_pw_key_string(cli_policy_writer *w, const char *indent, const char *key, const char *value);

/*
 * The same, single-quoted when the text needs no escape (a registry path
 * reads as itself: 'HKLM\SYSTEM\...'), double-quoted otherwise.
 */
int cli_pw_key_literal(cli_policy_writer *w, const char *indent, const char *key,
                       const char *value);

/* Appends the [a-z0-9] runs of `s` (lower-cased) joined by '-', at most `max` characters. */
void cli_pw_slug(enf_buf *b, const char *s, size_t max);

/* A policy name as the loader wants it: [a-z0-9][a-z0-9-]*, at most 64 characters. */
int cli_pw_valid_name(const char *n);

/* "INDENT# TEXT\n". */
void cli_pw_comment(cli_policy_writer *w, const char *indent, const char *text);

/*
 * "  - type: TYPE\n    id: ID\n", the id made of `prefix` and the [a-z0-9]
 * runs of `name` (or `fallback` when it has none), unique within the writer.
 */
int cli_pw_resource_head(cli_policy_writer *w, const char *type, const char *prefix,
                         const char *name, const char *fallback);

/* "    kind: K\n    data: ...\n" for a registry value of one of the policy's kinds. */
int cli_pw_reg_value(cli_policy_writer *w, const enf_reg_value *v);

/*
 * Loads the written policy with the real loader; on a failure prints the
 * loader's messages on stderr and sets an internal error naming `what`.
 */
int cli_pw_check(const cli_policy_writer *w, const char *what);

void cli_pw_clear(cli_policy_writer *w);

#endif
