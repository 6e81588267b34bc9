/*
 * What `enforcer export` writes, shared by its two forms (cmd_export.c): the
 * resources of a selection (--store, --key, --service) and the policy of a
 * server's role (export_role.c). Text is appended to a buffer that is
 * printed only once the whole policy validates.
 */
#ifndef ENFORCER_CLI_EXPORT_H
#define ENFORCER_CLI_EXPORT_H

#include "enforcer/cert.h"
#include "enforcer/provider.h"
#include "policy_writer.h"
#include "util/util.h"

typedef struct cli_exporter {
	cli_policy_writer w; /* the text and the ids written so far */
	enf_target *target;
} cli_exporter;

/*
 * Root or CA as one trust-store resource whose allow list is what the store
 * holds now (export_role.c): unlike a certificate resource per root, it
 * does not fail when Windows prunes an expired root it allowed.
 */
int cli_export_trust_store(cli_exporter *x, enf_store store);

/* Every certificate of a store, each a certificate resource by thumbprint. */
int cli_export_store(cli_exporter *x, enf_store store);

/*
 * For a certificate of My (export_my.c): `require:` with what it passes
 * now (chain, EKU, private key; warn-days with its days left) and
 * `private-key-access:` with who may read its key.
 */
int cli_export_my_extras(cli_exporter *x, const enf_cert_entry *e, const enf_cert *cert,
                         enf_store store);

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
