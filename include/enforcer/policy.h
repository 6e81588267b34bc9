/*
 * The policy model (format version 1) and its loader.
 *
 * enf_policy_load() reads one YAML file strictly, as docs/POLICY.md says,
 * and either returns a fully validated model or fills a diagnostics list
 * with every error it found, each with its line and column. The model is
 * read-only for its users and is freed with enf_policy_free().
 */
#ifndef ENFORCER_POLICY_H
#define ENFORCER_POLICY_H

#include "common.h"
#include "diag.h"
#include "types.h"

/* Limits the loader enforces (see docs/POLICY.md). */
#define ENF_POLICY_MAX_BYTES     (1024 * 1024)
#define ENF_POLICY_MAX_DEPTH     32
#define ENF_POLICY_MAX_SCALAR    (64 * 1024)
#define ENF_POLICY_MAX_RESOURCES 10000
#define ENF_POLICY_MAX_ID        128

/* Where something was written: 1-based line and column. */
typedef struct enf_loc {
	unsigned line;
	unsigned col;
} enf_loc;

typedef enum enf_cmp {
	ENF_CMP_EQ = 0, /* "== X", or a bare value */
	ENF_CMP_NE,     /* "!= X" */
	ENF_CMP_GE,     /* ">= N" */
	ENF_CMP_GT,     /* "> N" */
	ENF_CMP_LE,     /* "<= N" */
	ENF_CMP_LT,     /* "< N" */
	ENF_CMP_IN      /* a list of allowed values */
} enf_cmp;

/* One test of one fact, e.g. os.build >= 9600. */
typedef struct enf_condition {
	char *fact;
	enf_cmp op;
	char **values; /* one operand, or the allowed values for ENF_CMP_IN */
	size_t count;
	enf_loc loc;
} enf_condition;

/* A `when:` map: every condition must hold. */
typedef struct enf_when {
	enf_condition *items;
	size_t count;
} enf_when;

typedef struct enf_waiver {
	int present;
	char *reason;
	char *ticket;         /* may be NULL */
	int year, month, day; /* expires at the end of this day, UTC */
	enf_loc loc;
} enf_waiver;

/*
 * The resource types, one row each: X(ENUM_SUFFIX, c_name). This list is the
 * only place that enumerates them; the loader's table (policy/restype.c) and
 * the engine's (engine/types.c) are built from it, each row naming a
 * `enf_restype_<c_name>` in policy/type_<c_name>.c and an
 * `enf_engine_type_<c_name>` in engine/type_<c_name>.c. docs/hacking.md says
 * how to add one.
 */
#define ENF_RESOURCE_TYPES(X)                                                                      \
	X(CERTIFICATE, certificate)                                                                \
	X(TRUST_STORE, trust_store)                                                                \
	X(REGISTRY, registry)                                                                      \
	X(SERVICE, service)                                                                        \
	X(RESTART, restart)                                                                        \
	X(USER_RIGHT, user_right)

typedef enum enf_resource_type {
#define ENF_X_ENUM(upper, lower) ENF_RES_##upper,
	ENF_RESOURCE_TYPES(ENF_X_ENUM)
#undef ENF_X_ENUM
	    ENF_RES__COUNT
} enf_resource_type;

/* The type's name as a policy writes it ("trust-store"); "?" out of range. */
const char *enf_resource_type_name(enf_resource_type type);

typedef enum enf_ensure { ENF_ENSURE_PRESENT = 0, ENF_ENSURE_ABSENT } enf_ensure;

/* Extended key usages a `require: eku:` list may name. */
#define ENF_EKU_SERVER_AUTH      0x01u
#define ENF_EKU_CLIENT_AUTH      0x02u
#define ENF_EKU_CODE_SIGNING     0x04u
#define ENF_EKU_EMAIL_PROTECTION 0x08u
#define ENF_EKU_TIME_STAMPING    0x10u
#define ENF_EKU_OCSP_SIGNING     0x20u

typedef struct enf_cert_require {
	int chain_trusted;        /* `chain: trusted` */
	long valid_for_days;      /* -1 when not set */
	unsigned eku;             /* ENF_EKU_* bits; 0 when not set */
	long min_key_bits;        /* -1 when not set */
	enf_tristate private_key; /* ENF_UNKNOWN when not set */
	enf_tristate exportable;  /* ENF_UNKNOWN when not set */
	long warn_days;           /* `warn-days`: a warning, not a failure; -1 when not set */
	char **dns_names;         /* `dns-names`: each must be a DNS name of the SAN */
	size_t dns_name_count;
} enf_cert_require;

typedef enum enf_key_rights { ENF_RIGHTS_READ = 0, ENF_RIGHTS_FULL } enf_key_rights;

typedef struct enf_key_access {
	char *account;
	enf_key_rights rights;
	enf_loc loc;
} enf_key_access;

typedef struct enf_res_certificate {
	enf_store store;
	char *file; /* as written, relative to the policy; or NULL */
	int has_thumbprint;
	unsigned char thumbprint[20];
	enf_ensure ensure;
	int has_require;
	enf_cert_require require;
	enf_key_access *access;
	size_t access_count;
	/*
	 * `match:` (with `pick: newest-valid`) instead of file/thumbprint: the
	 * newest valid certificate of the store that matches, so that a renewal
	 * needs no edit. Each field NULL / 0 when not given.
	 */
	int has_match;
	char *match_subject;  /* the subject's CN, or its whole subject as shown */
	char *match_issuer;   /* the issuer's CN, or its whole issuer as shown */
	char *match_template; /* the template's name or OID */
	char **match_dns_names;
	size_t match_dns_name_count;
} enf_res_certificate;

typedef enum enf_misplaced {
	ENF_MISPLACED_MOVE = 0,
	ENF_MISPLACED_REMOVE,
	ENF_MISPLACED_REPORT
} enf_misplaced;

typedef enum enf_extras { ENF_EXTRAS_REPORT = 0, ENF_EXTRAS_REMOVE } enf_extras;

/* One entry of an `allow:` list: a thumbprint or a certificate file. */
typedef struct enf_allow {
	int is_thumbprint;
	unsigned char thumbprint[20];
	char *file;
	enf_loc loc;
} enf_allow;

typedef struct enf_res_trust_store {
	enf_store store; /* Root or CA */
	enf_misplaced misplaced;
	int has_allow;
	enf_allow *allow;
	size_t allow_count;
	enf_extras extras;
	long max_certs; /* -1 when not set */
	/*
	 * `managed-elsewhere: report`: a finding in a physical store other than
	 * .Default (Group Policy, Active Directory, AuthRoot, a smart card) is a
	 * note; without it, it fails the resource.
	 */
	int managed_elsewhere_report;
} enf_res_trust_store;

typedef struct enf_res_registry {
	char *key;   /* normalised: "HKLM\..." with single backslashes */
	char *value; /* "" for the default value */
	enf_ensure ensure;
	enf_reg_value data; /* type and data when ensure is present */
} enf_res_registry;

typedef enum enf_password_kind {
	ENF_PASSWORD_NONE = 0, /* none: "" for a built-in account (clearing what is stored),
	                          nothing for a managed or virtual one */
	ENF_PASSWORD_ENV,      /* env:VARNAME */
	ENF_PASSWORD_FILE,     /* file:PATH */
	ENF_PASSWORD_DPAPI     /* dpapi:PATH, written by `enforcer secret protect` */
} enf_password_kind;

typedef struct enf_res_service {
	char *name;
	char *logon; /* as written; NULL when not managed */
	enf_password_kind password;
	char *password_ref;  /* the variable name or the path; never the secret */
	enf_startup startup; /* ENF_STARTUP_UNSET when not managed */
	enf_svc_state state; /* ENF_SVC_UNSET when not managed */
	unsigned timeout_ms; /* timeout: the ceiling of its start and stop waits; 0 when not set */
} enf_res_service;

typedef struct enf_res_restart {
	char **services;
	size_t count;
	int reboot;
	unsigned timeout_ms; /* timeout: the ceiling of each stop and start wait; 0 when not set */
	int defer;           /* defer: true: left pending for `enforcer restart --pending` */
} enf_res_restart;

/* Who holds one user right (SeServiceLogonRight...) on the machine. */
typedef struct enf_res_user_right {
	char *right;    /* the constant, as Microsoft spells it */
	char **members; /* names or SIDs, as written; compared by SID */
	size_t count;
	int exclusive; /* everyone else is removed */
} enf_res_user_right;

typedef enum enf_mode { ENF_MODE_ENFORCE = 0, ENF_MODE_AUDIT } enf_mode;

typedef struct enf_resource {
	enf_resource_type type;
	char *id;
	enf_loc loc; /* where the resource's mapping starts */
	enf_when when;
	char **after; /* ids */
	size_t after_count;
	char **notify; /* ids of restart resources */
	size_t notify_count;
	enf_mode mode;
	enf_waiver waiver;
	union {
		enf_res_certificate cert;
		enf_res_trust_store trust;
		enf_res_registry reg;
		enf_res_service svc;
		enf_res_restart restart;
		enf_res_user_right right;
	} u;
} enf_resource;

typedef struct enf_policy {
	char *path; /* the file it was loaded from, as given */
	char *name;
	char *description; /* may be NULL */
	enf_when when;
	enf_resource *resources;
	size_t count;
	size_t *order;            /* indexes into resources: list order respecting `after` */
	unsigned char sha256[32]; /* of the file's bytes */
} enf_policy;

/*
 * Loads a policy from a buffer. `name` is the file name used in diagnostics.
 * On success *out is the policy (free with enf_policy_free) and `diags` may
 * hold warnings. On failure returns ENF_EINVALID, *out is untouched, and
 * `diags` holds every error found. `diags` must be initialised by the caller.
 */
int enf_policy_load_buffer(enf_policy **out, enf_diag_list *diags, const char *name,
                           const char *data, size_t len);

/* Reads the file (at most ENF_POLICY_MAX_BYTES) and loads it. */
int enf_policy_load_file(enf_policy **out, enf_diag_list *diags, const char *path);

/* Finds a resource by id; NULL when there is none. Borrowed pointer. */
const enf_resource *enf_policy_find(const enf_policy *policy, const char *id);

void enf_policy_free(enf_policy *policy);

/* True when a fact's `value` (NULL when the target has no such fact) passes the test. */
int enf_condition_holds(const enf_condition *c, const char *value);

/*
 * validate --lint: adds warnings (at the resources concerned) for what is
 * valid but probably not meant: the same registry value set twice, a value
 * or service start mode/state a shipped baseline in `baselines` sets
 * differently, a resource notifying two handlers that restart one service,
 * conditions that can never hold together (docs/CLI.md).
 */
void enf_policy_lint(const enf_policy *p, enf_diag_list *diags, const enf_policy *const *baselines,
                     size_t count);

/*
 * The JSON Schema (draft-07) of policy format 1, as text, generated from the
 * loader's own tables (docs/policy.schema.json); free() it. NULL with the
 * last error set when a key has no description (a bug the tests catch).
 */
char *enf_policy_schema(void);

/* One value a .reg file sets or deletes under HKEY_LOCAL_MACHINE (enforcer import-reg). */
typedef struct enf_regfile_entry {
	char *key;           /* "HKLM\..." */
	char *name;          /* "" for the key's default value (@) */
	int remove;          /* "NAME"=- : the value is deleted */
	enf_reg_value value; /* when !remove: one of the policy's kinds */
	unsigned line;       /* where it is written (the last time, when set twice) */
} enf_regfile_entry;

typedef struct enf_regfile {
	int version; /* 5 ("Windows Registry Editor Version 5.00") or 4 ("REGEDIT4") */
	enf_regfile_entry *entries;
	size_t count, alloc;
} enf_regfile;

/*
 * Reads a .reg file's bytes as regedit writes them: UTF-16 LE with a
 * byte-order mark, UTF-8 with or without one, or the ANSI code page
 * (Windows-1252). A value set twice is kept once, with the last data, as
 * regedit would leave it. ENF_EINVALID with "PATH:LINE: message" as the last
 * error for a key outside HKLM, a deleted key, a malformed line or a type no
 * policy kind holds.
 */
int enf_regfile_parse(enf_regfile **out, const unsigned char *data, size_t len, const char *path);
void enf_regfile_free(enf_regfile *rf);

#endif
