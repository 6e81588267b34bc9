/*
 * The snapshot provider: a JSON state file that stands for a machine
 * (docs/snapshot.md). The document is kept in memory as parsed, checked
 * once when opened, changed in place, and written back atomically by
 * commit().
 */
#ifndef ENFORCER_SNAPSHOT_H
#define ENFORCER_SNAPSHOT_H

#include "enforcer/provider.h"

#include <jansson.h>

/*
 * The schema a snapshot names, and the most its file may hold: parsed, a
 * snapshot takes about 12.5 times its size in memory (docs/snapshot.md,
 * "Size"); a model of the state a server's policies read is a few MiB.
 */
#define ENF_SNAPSHOT_SCHEMA    "enforcer-snapshot/1"
#define ENF_SNAPSHOT_MAX_BYTES (64u * 1024 * 1024)

typedef struct snapshot {
	char *path;
	json_t *doc;
	int dirty;
	uint64_t clock_ms;     /* simulated time for service waits (snapshot_services.c) */
	struct enf_lock *lock; /* FILE.lock, while a run that changes it holds it */
	long writes;           /* the file's writes this run (the test-only fault hook) */
} snapshot;

/* Checks a parsed document; sets the last error naming the bad member. */
int enf_snapshot_check(const json_t *doc, const char *path);

/* Looks a member up by exact name, then case-insensitively (Windows names). */
json_t *enf_snapshot_get_nocase(const json_t *object, const char *name, const char **key_out);

/* The service `name` (any case), or NULL with "does not exist (... error 1060)" as the last error.
 */
json_t *enf_snapshot_service(snapshot *s, const char *name);

/*
 * Certificate stores and their physical stores (snapshot_certs.c): the
 * check of one member of "stores", the provider's functions, and the entry
 * of a certificate in the first physical store that holds it (NULL, with
 * the last error set, when none does).
 */
int enf_snapshot_check_store(const char *path, const char *name, const json_t *v);
int enf_snap_cert_list(enf_cert_list *out, void *self, enf_store store);
int enf_snap_cert_add(void *self, enf_store store, const unsigned char *der, size_t der_len);
int enf_snap_cert_remove(void *self, enf_store store, const unsigned char thumbprint[20]);
int enf_snap_cert_element(unsigned char **out, size_t *len, void *self, enf_store store,
                          const unsigned char thumbprint[20]);
int enf_snap_cert_add_element(void *self, enf_store store, const unsigned char thumbprint[20],
                              const unsigned char *element, size_t len);
json_t *enf_snapshot_cert_find(snapshot *s, enf_store store, const unsigned char thumbprint[20]);

/* Registry values between the snapshot's JSON and enf_reg_value. */
int snapshot_value_from_json(enf_reg_value *out, const json_t *v);
json_t *snapshot_value_to_json(const enf_reg_value *v);

/* True when `faults.LIST` names `name` (case-insensitively, or as a key prefix). */
int enf_snapshot_fault(const snapshot *s, const char *list, const char *name, int prefix);

/* Registry, services and accounts (snapshot_state.c). */
int enf_snap_reg_get(enf_reg_value *out, void *self, const char *key, const char *name);
int enf_snap_reg_set(void *self, const char *key, const char *name, const enf_reg_value *value);
int enf_snap_reg_delete(void *self, const char *key, const char *name);
int enf_snap_reg_values(char ***out, size_t *count, void *self, const char *key);
int enf_snap_reg_key_info(size_t *values, size_t *subkeys, void *self, const char *key);
int enf_snap_reg_key_remove(void *self, const char *key);
int enf_snap_svc_get(enf_service_info *out, void *self, const char *name);
int enf_snap_svc_list(char ***out, size_t *count, void *self);
int enf_snap_svc_configure(void *self, const char *name, const enf_service_change *change);
int enf_snap_account_sid(char **out, void *self, const char *account);
/* True when two names are one account on the snapshot's machine: same spelling or same SID. */
int enf_snapshot_same_account(const snapshot *s, const char *a, const char *b);

/* User rights (snapshot_rights.c): "rights" and "gpo_rights". */
int enf_snapshot_check_rights(const json_t *doc, const char *path);
int enf_snap_right_holders(enf_right_holders *out, void *self, const char *right);
int enf_snap_right_grant(void *self, const char *right, const char *account);
int enf_snap_right_revoke(void *self, const char *right, const char *account);
int enf_snap_right_gpo(enf_tristate *out, void *self, const char *right);
/*
 * Starting and stopping services on the snapshot's simulated clock, and
 * the account of a running service's process (snapshot_services.c).
 */
int enf_snap_svc_start(void *self, const char *name, unsigned timeout_ms);
int enf_snap_svc_stop(void *self, const char *name, unsigned timeout_ms);
/* The state a service's "state" member gives (running, stopped, start-pending, stop-pending). */
enf_svc_state enf_snapshot_svc_state(const json_t *svc);
/* Sets info->state, and info->running_as or info->running_as_unknown for a running service. */
int enf_snapshot_svc_running_as(enf_service_info *info, const json_t *svc);

#endif
