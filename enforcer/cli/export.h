/*
 * What `enforcer export` writes, shared by its two forms (cmd_export.c): the
 * resources of a selection (--store, --key, --service) and the policy of a
 * server's role (export_role.c). Text is appended to a buffer that is
 * printed only once the whole policy validates.
 */
#ifndef ENFORCER_CLI_EXPORT_H
#define ENFORCER_CLI_EXPORT_H

#include "enforcer/provider.h"
#include "util/util.h"

typedef struct cli_exporter {
	enf_target *target;
	enf_buf out;
	char **ids; /* every id written, to keep them unique */
	size_t id_count, id_alloc;
} cli_exporter;

void cli_exporter_clear(cli_exporter *x);

/*
 * Appends `s` as a double-quoted YAML scalar (quoted 1) or as comment text
 * (0), escaping whatever YAML would not read back as itself. -1 when `s` is
 * not UTF-8.
 */
int cli_export_text(enf_buf *b, const char *s, int quoted);

/* "INDENTKEY: "VALUE"\n"; ENF_EINVALID (last error set) when VALUE is not UTF-8. */
int cli_export_string(cli_exporter *x, const char *indent, const char *key, const char *value);

/* "INDENT# TEXT\n". */
void cli_export_comment(cli_exporter *x, const char *indent, const char *text);

/* [a-z0-9] runs of `s` joined by '-', at most `max` characters, appended to `b`. */
void cli_export_slug(enf_buf *b, const char *s, size_t max);

/* "  - type: TYPE\n    id: ID\n", the id made unique from `prefix` and `name`. */
int cli_export_head(cli_exporter *x, const char *type, const char *prefix, const char *name,
                    const char *fallback);

/* Every certificate of a store, each a certificate resource by thumbprint. */
int cli_export_store(cli_exporter *x, enf_store store);

/*
 * Every value of a registry key (not its subkeys), each a registry
 * resource, with ids from the key's last `id_parts` parts (1 or 2) and the
 * value's name. A key that does not exist is ENF_ENOTFOUND, or, with
 * `missing_ok`, nothing written.
 */
int cli_export_key(cli_exporter *x, const char *key, int id_parts, int missing_ok);

/*
 * A service's log-on account, startup and state. A user account's password
 * is never read: it is written as env:ENFORCER_PASSWORD_<NAME>, for the
 * admin to set. A service that does not exist is ENF_ENOTFOUND.
 */
int cli_export_service(cli_exporter *x, const char *name);

/*
 * The policy of a server's `role` fact (edge, front-end, none or absent):
 * the role's services present on it, the Schannel and TLS keys that exist,
 * and Root and CA as trust stores that allow what they hold now
 * (export_role.c).
 */
int cli_export_role(cli_exporter *x, const char *role);

#endif
