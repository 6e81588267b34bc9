/*
 * Providers: one vtable per kind of target. A provider knows how to read and
 * change certificate stores, registry values and services on one target
 * (the Windows machine itself, or a snapshot state file); the engine knows
 * what the policy wants and is written only against this interface.
 *
 * All functions return 0 or a negative enf_error_code and set the last error
 * on failure. ENF_ENOTFOUND means "does not exist" (a missing value, service
 * or certificate) and is an answer, not a failure to read.
 */
#ifndef ENFORCER_PROVIDER_H
#define ENFORCER_PROVIDER_H

#include "common.h"
#include "policy.h"
#include "types.h"

/*
 * The physical stores a LocalMachine system store is made of
 * (docs/windows-semantics.md, "Certificate stores"): Root holds all five, CA
 * .Default, .GroupPolicy and .Enterprise, the others .Default. Only
 * .Default is the machine's own: the others are filled by Group Policy,
 * Active Directory, automatic root updates and smart cards.
 */
typedef enum enf_phys_store {
	ENF_PHYS_DEFAULT = 0,
	ENF_PHYS_GROUP_POLICY,
	ENF_PHYS_ENTERPRISE,
	ENF_PHYS_AUTHROOT,
	ENF_PHYS_SMARTCARD,
	ENF_PHYS__COUNT
} enf_phys_store;

/* ".Default", ".GroupPolicy"...; "?" out of range. */
const char *enf_phys_store_name(enf_phys_store phys);
/* Whether Windows builds the LocalMachine store `store` with the physical store `phys`. */
int enf_phys_store_in(enf_store store, enf_phys_store phys);

/*
 * One certificate in a store, as one of its physical stores holds it: a
 * certificate in two physical stores is listed twice, .Default first.
 */
typedef struct enf_cert_entry {
	unsigned char thumbprint[20]; /* SHA-1 of the DER */
	unsigned char *der;
	size_t der_len;
	enf_tristate has_private_key;
	enf_tristate exportable;
	enf_phys_store physical;
} enf_cert_entry;

typedef struct enf_cert_list {
	enf_cert_entry *items;
	size_t count;
} enf_cert_list;

void enf_cert_list_clear(enf_cert_list *list);

/* One access entry on a private key. */
typedef struct enf_key_ace {
	char *account; /* as the target names it, e.g. "NT AUTHORITY\NETWORK SERVICE" */
	char *sid;     /* "S-1-5-20", or NULL when unknown */
	uint32_t mask; /* the access mask */
	int allow;     /* 1 allow, 0 deny */
} enf_key_ace;

typedef struct enf_key_acl {
	enf_key_ace *items;
	size_t count;
	char *sddl; /* the whole descriptor, for the journal and rollback */
} enf_key_acl;

void enf_key_acl_clear(enf_key_acl *acl);

/*
 * True when an allow entry with access mask `mask` gives at least `rights`
 * on a private key: GENERIC_ALL/GENERIC_READ as grants write them, or the
 * file rights Windows shows for a key file (full 0x1F01FF, read 0x120089).
 */
int enf_key_mask_covers(uint32_t mask, enf_key_rights rights);

/* What the target says about one service. */
typedef struct enf_service_info {
	char *name;
	char *display_name;
	char *description; /* may be NULL */
	char *logon;       /* the account as stored */
	enf_startup startup;
	enf_svc_state state;
	enf_tristate password_stored;
	/*
	 * Running: the account its process runs as (a SID, or a name as the
	 * target gives it), which is the log-on account configured when the
	 * service last started, not the one configured now. NULL when it is not
	 * running, or when that cannot be told: running_as_unknown then says why
	 * (NULL for a service that is not running).
	 */
	char *running_as;
	char *running_as_unknown;
} enf_service_info;

void enf_service_info_clear(enf_service_info *info);

/* A change to a service's configuration; unset fields are left alone. */
typedef struct enf_service_change {
	const char *logon; /* NULL: unchanged */
	/*
	 * With logon, ChangeServiceConfigW's lpPassword: NULL gives no password
	 * (what managed and virtual accounts must get; what is stored stays), ""
	 * the empty one (built-in accounts: clears what is stored), else the
	 * secret. Never logged; the snapshot records which as password_passed.
	 */
	const char *password;
	enf_startup startup; /* ENF_STARTUP_UNSET: unchanged */
} enf_service_change;

/* One account that holds a user right, as the target lists it. */
typedef struct enf_right_holder {
	char *sid;  /* "S-1-5-21-...", or NULL when the target knows only a name */
	char *name; /* "CONTOSO\svc-lync", or NULL when the SID has no known name */
} enf_right_holder;

typedef struct enf_right_holders {
	enf_right_holder *items;
	size_t count;
} enf_right_holders;

void enf_right_holders_clear(enf_right_holders *holders);

/* One fact: name and value, both strings ("9600", "6.3", "edge"). */
typedef struct enf_fact {
	char *name;
	char *value;
} enf_fact;

typedef struct enf_facts {
	enf_fact *items;
	size_t count;
} enf_facts;

/* Returns the value of a fact, or NULL when absent. Borrowed. */
const char *enf_facts_get(const enf_facts *facts, const char *name);
int enf_facts_set(enf_facts *facts, const char *name, const char *value);
void enf_facts_clear(enf_facts *facts);

/* Capability bits. */
#define ENF_CAP_CERTS    0x01u
#define ENF_CAP_REGISTRY 0x02u
#define ENF_CAP_SERVICES 0x04u
#define ENF_CAP_KEYS     0x08u
#define ENF_CAP_FACTS    0x10u
#define ENF_CAP_RIGHTS   0x20u

#define ENF_PROVIDER_VERSION 1

typedef struct enf_provider {
	unsigned version;
	const char *name; /* "win32", "snapshot" */
	unsigned caps;

	/* `arg` is what follows "name:" in --target, or NULL. */
	int (*open)(void **out, const char *arg);
	/* Makes every change durable (the snapshot rewrites its file). */
	int (*commit)(void *self);
	void (*close)(void *self);

	int (*facts)(enf_facts *out, void *self);

	/*
	 * cert_list reads every physical store of `store`; cert_add and
	 * cert_remove change only its .Default physical store, the one the
	 * machine owns.
	 */
	int (*cert_list)(enf_cert_list *out, void *self, enf_store store);
	int (*cert_add)(void *self, enf_store store, const unsigned char *der, size_t der_len);
	int (*cert_remove)(void *self, enf_store store, const unsigned char thumbprint[20]);

	int (*key_acl_get)(enf_key_acl *out, void *self, enf_store store,
	                   const unsigned char thumbprint[20]);
	int (*key_acl_grant)(void *self, enf_store store, const unsigned char thumbprint[20],
	                     const char *account, enf_key_rights rights);
	int (*key_acl_restore)(void *self, enf_store store, const unsigned char thumbprint[20],
	                       const char *sddl);

	int (*reg_get)(enf_reg_value *out, void *self, const char *key, const char *name);
	int (*reg_set)(void *self, const char *key, const char *name, const enf_reg_value *value);
	int (*reg_delete)(void *self, const char *key, const char *name);

	int (*svc_get)(enf_service_info *out, void *self, const char *name);
	int (*svc_configure)(void *self, const char *name, const enf_service_change *change);
	/*
	 * Start or stop a service and wait for it (provider/svc_wait.h): while
	 * its checkpoint advances within its wait hint, for at most timeout_ms,
	 * the ceiling. ENF_ETIMEOUT when it stopped making progress or was still
	 * pending at the ceiling.
	 */
	int (*svc_start)(void *self, const char *name, unsigned timeout_ms);
	int (*svc_stop)(void *self, const char *name, unsigned timeout_ms);

	/* Resolves an account name to a SID string ("S-1-5-20"). */
	int (*account_sid)(char **out, void *self, const char *account);

	/*
	 * Lists the names of a key's values ("" is the default value), for
	 * export; free each name and the array with free(). ENF_ENOTFOUND
	 * when the key does not exist. May be NULL.
	 */
	int (*reg_values)(char ***out, size_t *count, void *self, const char *key);

	/*
	 * Reads the target's state again. The engine calls it once it holds the
	 * run lock, so that a run that waited for another sees what that run
	 * left, not what was there when it opened the target (the snapshot
	 * re-reads its file). NULL for a target that is always read live.
	 */
	int (*reload)(void *self);
	/*
	 * Holds the target for this run until close: the engine calls it right
	 * after the run lock, before reload, for a run that changes the target.
	 * A target a second run could change through another state folder (a
	 * snapshot file) is locked by itself; ENF_ELOCKED after `wait_ms`. NULL
	 * for the machine itself, which the state folder's lock covers.
	 */
	int (*lock)(void *self, unsigned wait_ms);

	/*
	 * User rights (ENF_CAP_RIGHTS). `right` is a constant such as
	 * "SeServiceLogonRight". right_holders lists the accounts the machine
	 * assigns the right to directly (not through a group); grant and revoke
	 * take an account name or SID and change only that account's
	 * assignment. right_gpo says whether Group Policy defines the right on
	 * this machine: ENF_YES, ENF_NO, or ENF_UNKNOWN with the last error
	 * saying why it cannot be told (a right Group Policy defines is
	 * overwritten at its next refresh, so it is never changed locally).
	 */
	int (*right_holders)(enf_right_holders *out, void *self, const char *right);
	int (*right_grant)(void *self, const char *right, const char *account);
	int (*right_revoke)(void *self, const char *right, const char *account);
	int (*right_gpo)(enf_tristate *out, void *self, const char *right);

	/*
	 * A certificate of `store`'s .Default physical store with its
	 * properties (friendly name, EKU restriction, key link), serialized as
	 * the target keeps it (CertSerializeCertificateStoreElement on Windows),
	 * for the journal; free() it. ENF_ENOTFOUND when it is not in .Default.
	 * cert_add_element adds such an element back to .Default, properties
	 * and all, after checking that it holds the certificate `thumbprint`
	 * (ENF_EINVALID otherwise); a certificate already there keeps its own
	 * properties and gains those it lacks. Both may be NULL: the engine then
	 * journals and restores the DER alone.
	 */
	int (*cert_element)(unsigned char **out, size_t *len, void *self, enf_store store,
	                    const unsigned char thumbprint[20]);
	int (*cert_add_element)(void *self, enf_store store, const unsigned char thumbprint[20],
	                        const unsigned char *element, size_t len);
	/*
	 * Registry keys, so that a rollback can remove the keys a run created
	 * (optional: NULL leaves them). reg_key_info counts a key's values and
	 * its subkeys (ENF_ENOTFOUND when it does not exist); reg_key_remove
	 * removes a key that has neither, and leaves one that has some with
	 * ENF_EEXISTS (never removing a value or subkey someone else made).
	 */
	int (*reg_key_info)(size_t *values, size_t *subkeys, void *self, const char *key);
	int (*reg_key_remove)(void *self, const char *key);
	/*
	 * The names of the target's services (Win32 services, any state), for
	 * `export --service PATTERN`; free each name and the array. May be
	 * NULL: a pattern then selects nothing.
	 */
	int (*svc_list)(char ***out, size_t *count, void *self);
} enf_provider;

/* An open target: a provider and its instance. */
typedef struct enf_target {
	const enf_provider *provider;
	void *self;
	char *spec; /* "local", "snapshot:FILE" */
} enf_target;

/*
 * Opens a target from a --target value: "local" (the Windows build only) or
 * "snapshot:FILE". Returns ENF_EINVALID for an unknown or unavailable kind.
 */
int enf_target_open(enf_target **out, const char *spec);
void enf_target_close(enf_target *target);

#endif
