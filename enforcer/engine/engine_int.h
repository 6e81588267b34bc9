/*
 * Internal to the engine: changes (the unit that is planned, journaled,
 * applied and undone), per-type planners, the journal.
 */
#ifndef ENFORCER_ENGINE_INT_H
#define ENFORCER_ENGINE_INT_H

#include "enforcer/engine.h"

#include <jansson.h>

struct enf_cert;
struct enf_lock;

typedef struct engine engine;
typedef struct change change;

/*
 * A kind of change (registry-set, service-config, certificate-move...):
 * how it is made, how it is undone, and its journal record. Each is defined
 * by the engine file of the type that plans it (cert_changes.c for the
 * kinds certificate and trust-store resources share).
 */
typedef struct change_ops {
	const char *op; /* the journal record's "op" */
	unsigned flags; /* CHANGE_CERTS */
	/* Makes the change on the target; `res` is NULL in a rollback. */
	int (*apply)(engine *e, const change *c, const enf_resource *res);
	/*
	 * The change that undoes `c`, built from the target's current state;
	 * 0 with out->text NULL when nothing needs undoing.
	 */
	int (*inverse)(engine *e, const change *c, change *out);
	/* Adds the kind's fields to its journal record. */
	int (*encode)(json_t *o, const change *c);
	/* Reads them back (op and text are read already); ENF_EINVALID when damaged. */
	int (*decode)(change *c, const json_t *o);
	/* Why a record cannot be read, before decode names nothing better; or NULL. Optional. */
	const char *(*problem)(const json_t *o);
} change_ops;

/* The kind changes a certificate store or a private key: the run's store cache is emptied. */
#define CHANGE_CERTS 0x1u

/* One change, with everything needed to make it and to undo it. */
struct change {
	const change_ops *ops;
	char *text; /* for plans and reports */
	/* registry kinds: the value, its old state, and the new one */
	char *key, *name;
	int had_old;
	enf_reg_value old_value, new_value;
	/*
	 * registry-set: the keys it creates, outermost first; registry-delete
	 * made by a rollback: the keys the undone run created that it removes,
	 * deepest first, once they are empty
	 */
	char **keys;
	size_t key_count;
	/* service kinds: the service, and its old and new settings */
	char *service;
	char *old_logon, *new_logon;
	int set_password; /* the resource's password is set with the new logon */
	enf_startup old_startup, new_startup;
	/* certificate and key kinds: the store and certificate */
	enf_store store;
	unsigned char thumbprint[20];
	unsigned char *der;
	size_t der_len;
	char *account;
	enf_key_rights rights;
	char *old_sddl, *new_sddl;
	/* right kinds: `name` is the right, `account` whom it is granted or revoked, `key` how
	 * plans show that account */
	/* certificate-move: where it goes, and whether it was there already (undo keeps it then) */
	enf_store dest;
	int dest_had;
	/*
	 * certificate-remove and certificate-move: the certificate with its
	 * properties as the target serializes it (provider cert_element), so
	 * that a rollback puts it back as it was; NULL when the target cannot
	 * give it, or in a journal written before it was kept.
	 */
	unsigned char *element;
	size_t element_len;
};

/* What a planner found for one resource. */
typedef struct res_plan {
	json_t *before;
	json_t *after;
	change *changes;
	size_t count;
	int failed;    /* the resource could not be read, or a check failed */
	int finding;   /* with failed: a compliance finding (a require: check, a store
	                  violation), which a waiver or audit mode covers */
	char *message; /* why it failed, or a note for the report */
	int warning; /* the message holds a warning (warn-days), which the outcome does not show */
} res_plan;

struct engine {
	const enf_policy *policy; /* NULL in a rollback */
	enf_target *target;
	const enf_provider *p;
	void *self;
	const enf_run_options *opts;
	enf_run *run;
	struct journal *journal;
	char *policy_dir; /* on disk: password files (and referenced files without a source) */
	struct enf_source
	    *source; /* where referenced files are read (source.h); NULL in a rollback */
	long changes_made;
	long kill_after;      /* ENFORCER_FAULT_KILL_AFTER, or -1 */
	long seq;             /* journal sequence numbers */
	json_t *pending;      /* pending restarts of this policy, or NULL */
	int restart_finish;   /* the handler running finishes a failed run's restart (run.c) */
	int restart_deferred; /* set by the handler: it left its restart pending (run.c) */
	/* Set by the handler: its restart was made and could not be written (run.c). */
	int restart_unwritten;
	/*
	 * The stores as read during this run: many resources read the same store
	 * (every certificate resource, every chain check reads Root and CA), and
	 * on Windows each read opens the store and hashes every certificate.
	 * Any certificate change empties the cache.
	 */
	enf_cert_list cert_cache[ENF_STORE__COUNT];
	unsigned char cert_cached[ENF_STORE__COUNT];
	/* The same stores parsed, entry for entry (NULL: unreadable); emptied with them. */
	struct enf_cert **cert_parsed[ENF_STORE__COUNT];
	/* Account lookups of this run, by name as written (accounts.c): {"sid"} or {"rc", "error"}.
	 */
	json_t *accounts;
	/*
	 * Services whose password this run gave the target, by name: "empty" or
	 * "secret". What could not be read back (only SYSTEM may read a stored
	 * password) is then known from what was written, for the verification.
	 */
	json_t *passwords_given;
};

/*
 * The engine's side of the resource-type table (types.c), one
 * `enf_engine_type_<name>` per row of ENF_RESOURCE_TYPES, each in its own
 * engine/type_<name>.c.
 */
typedef struct engine_type {
	/* The provider capabilities (ENF_CAP_*) it needs: without them the resource fails, unread.
	 */
	unsigned caps;
	/* Reads the resource's actual state and lists the changes. NULL for handlers. */
	int (*plan)(engine *e, const enf_resource *res, res_plan *plan);
	/*
	 * A handler (ENF_RESTYPE_HANDLER) runs after every other resource when
	 * one that notifies it changed: `notifiers` names them. Sets r's outcome.
	 */
	void (*handle)(engine *e, const enf_resource *res, enf_result *r, const char *notifiers);
	/* The change kinds its plans make, NULL-terminated: the journal is read back through them.
	 */
	const change_ops *const *changes;
} engine_type;

#define ENF_X_DECLARE(upper, lower) extern const engine_type enf_engine_type_##lower;
ENF_RESOURCE_TYPES(ENF_X_DECLARE)
#undef ENF_X_DECLARE

const engine_type *enf_engine_type_of(enf_resource_type type);
/* The kind a journal record's "op" names; NULL when none does. */
const change_ops *enf_change_ops_find(const char *op);

/* The change kinds, by the file that defines them. */
extern const change_ops enf_change_reg_set, enf_change_reg_delete; /* type_registry.c */
extern const change_ops enf_change_svc_config, enf_change_svc_start, enf_change_svc_stop,
    enf_change_svc_restart; /* type_service.c */
/*
 * Reads into c->element the serialized element of the certificate c->thumbprint
 * in c->store's .Default (cert_changes.c); leaves it NULL on a target that
 * cannot serialize one.
 */
int enf_change_cert_element(engine *e, change *c);

extern const change_ops enf_change_cert_add, enf_change_cert_remove, enf_change_cert_move,
    enf_change_key_grant, enf_change_key_restore;                        /* cert_changes.c */
extern const change_ops enf_change_right_grant, enf_change_right_revoke; /* type_user_right.c */

/*
 * For a service resource that assigns `account`: when the account needs
 * "Log on as a service" (a user, managed or SID account; not a built-in or
 * virtual one) and lacks it, adds a right-grant to the plan, or fails the
 * plan when Group Policy defines the right or the rights cannot be read.
 * Returns nonzero only without memory (type_user_right.c).
 */
int enf_plan_logon_right(engine *e, const char *account, res_plan *plan);

/* Shared by run.c and rollback.c. */
/* ENF_EINVALID, with the last error set, unless `opts` has this library's version. */
int enf_engine_check_options(const enf_run_options *opts);
int enf_engine_start(engine *e, enf_target *target, const enf_run_options *opts, enf_run_mode mode);
int enf_engine_lock_and_journal(engine *e, struct enf_lock **lock, const char *policy_name);

/*
 * The state folder (statedir.c): its path from the options (NULL for the
 * default), and the check that only the system and the account running
 * enforcer can change it, its lock, journal and pending folders
 * (include/enforcer/guard.h); `create` makes it first when missing, with
 * its protected DACL or mode 0700. enf_engine_state_file_guard checks the
 * folder and then one file in it (a journal, a pending record): ENF_ENOTFOUND
 * when either is missing.
 */
char *enf_engine_state_dir(const enf_run_options *opts);
int enf_engine_state_guard(const char *dir, int create);
int enf_engine_state_file_guard(const enf_run_options *opts, const char *path);
/* After each change: count it, and the test-only fault hook. */
int enf_engine_after_change(engine *e);
/*
 * Makes the run's changes durable on the target (provider commit: the
 * snapshot writes its file) once, at the end of an apply or rollback, and
 * after a restart handler, before its pending record is removed. When that
 * fails, every result that changed becomes failed, saying why, and the
 * journal records it: ENF_ERROR.
 */
int enf_engine_flush(engine *e);
void enf_engine_progress(engine *e, const enf_result *r);
enf_result *enf_result_for(enf_run *run, const enf_resource *res);
void enf_result_set_message(enf_result *r, char *message);
int enf_result_add_action(enf_result *r, const char *text, int done, const char *error);

/* Adds a change to a plan; the text is formatted. Returns the change or NULL. */
change *enf_plan_add(res_plan *plan, const change_ops *ops, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(ENF_PRINTF_ARCHETYPE, 3, 4)))
#endif
    ;
void enf_plan_fail(res_plan *plan, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(ENF_PRINTF_ARCHETYPE, 2, 3)))
#endif
    ;
/* Fails the plan with the library's last error, prefixed. */
void enf_plan_fail_last(res_plan *plan, const char *what);
void enf_res_plan_clear(res_plan *plan);
void enf_change_clear(change *c);

/* What a private key's DACL gives an account (key_access.c). */
typedef enum key_verdict {
	KEY_GRANTED, /* an allow entry for the account gives the rights, and no deny comes first */
	KEY_NOT_GRANTED, /* no entry for the account gives them: a grant adds one */
	KEY_DENIED,      /* a deny entry for the account or Everyone refuses them first */
	KEY_UNKNOWN      /* a deny entry for a group the account may be in comes first */
} key_verdict;

/*
 * Evaluates `acl` for `account` and `rights` in Windows' order; for
 * KEY_DENIED and KEY_UNKNOWN, *why is the finding (free() it).
 */
int enf_key_access_check(key_verdict *out, char **why, engine *e, const enf_key_acl *acl,
                         const char *account, enf_key_rights rights);

/*
 * The checks and key permissions of a certificate that is (or will be)
 * present: `require:` findings fail the plan with a reason; missing
 * `private-key-access` entries become key-grant changes. `found` is the
 * store's entry, or NULL when the certificate is about to be added.
 */
int enf_plan_cert_checks(engine *e, const enf_resource *res, const unsigned char thumbprint[20],
                         const enf_cert_entry *found, res_plan *plan);

/*
 * A certificate resource with `match:` (cert_match.c): picks the newest
 * valid certificate of the store that matches, fills the plan with it and
 * runs its checks; fails the plan, saying why, when none is left.
 */
int enf_plan_cert_match(engine *e, const enf_resource *res, res_plan *plan);

/* A store's certificates, from the run's cache (certs.c); the caller clears *out. */
int enf_engine_cert_list(engine *e, enf_cert_list *out, enf_store store);
/*
 * A store's certificates parsed, from the run's cache: (*out)[i] is entry i
 * of engine_cert_list's list, or NULL when OpenSSL cannot read it. Borrowed
 * until the cache is emptied: enf_cert_ref() what is kept longer.
 */
int enf_engine_cert_parsed(engine *e, struct enf_cert *const **out, size_t *count, enf_store store);
/*
 * What to do about a certificate (`label`: "'NAME' (THUMBPRINT)") that a
 * physical store other than .Default holds, which enforcer never changes:
 * "... is in Root through Group Policy: remove it from the GPO". NULL when
 * out of memory.
 */
char *enf_cert_managed_elsewhere(const char *label, enf_store store, enf_phys_store phys);
/* Forgets every cached store (after a certificate change, and at the end of a run). */
void enf_engine_cert_cache_clear(engine *e);

/* A copy of `s` (NULL stays NULL); ENF_ENOMEM without memory. For the kinds' inverses. */
int enf_change_dup_str(char **out, const char *s);

/* Makes one change on the target. */
int enf_change_apply(engine *e, const change *c, const enf_resource *res);

/*
 * Builds the change that undoes `c` from the target's current state, for a
 * rollback. Returns 0 with out->text NULL when nothing needs to be undone.
 */
int enf_change_inverse(engine *e, const change *c, change *out);

/* Journal records. */
json_t *enf_change_to_json(const change *c);
int enf_change_from_json(change *out, const json_t *j);

/*
 * Service waits and log-on changes taking effect (service_logon.c). The
 * ceiling of a start or stop wait: the resource's timeout:, else
 * --service-timeout, else ENF_SERVICE_TIMEOUT_DEFAULT_MS; `res` may be NULL
 * (a rollback).
 */
unsigned enf_service_timeout(const engine *e, const enf_resource *res);
/*
 * For a running service whose log-on the policy manages: plans a restart
 * when the log-on changes or its process runs as another account, or notes
 * in plan->message that the account of its process is unknown. 0 or
 * ENF_ENOMEM.
 */
int enf_plan_logon_restart(engine *e, const enf_res_service *s, const enf_service_info *info,
                           int logon_changes, res_plan *plan);
/* The service-restart kind: stop then start; undone after the log-on is restored. */
int enf_service_restart_apply(engine *e, const change *c, const enf_resource *res);
int enf_service_restart_inverse(engine *e, const change *c, change *out);

/* Account identity: same account whatever the spelling; 0 when it cannot be told. */
int enf_accounts_same(engine *e, const char *a, const char *b);

/*
 * The same, saying why when it cannot be told: 0 with *same set, or the
 * lookup's error (ENF_ERROR, the last error naming the account and why, e.g.
 * an unreachable domain controller). An account that does not exist is no
 * error: it is not the other one.
 */
int enf_accounts_compare(int *same, engine *e, const char *a, const char *b);

/*
 * The SID of an account name, as the target resolves it, looked up at most
 * once per run (engine/accounts.c keeps every answer, failures included, so
 * that an unreachable domain controller costs one timeout, not one per
 * resource). 0 with *sid borrowed until the run ends; ENF_ENOTFOUND when the
 * account does not exist; another code when it could not be looked up. The
 * last error says which either way.
 */
int enf_account_lookup(engine *e, const char *account, const char **sid);
/* Forgets the run's lookups (at the end of a run). */
void enf_account_cache_clear(engine *e);

/*
 * Whether plans show an account name with its SID: when it holds any
 * character outside printable ASCII (a non-ASCII hyphen, a Cyrillic 'а'),
 * which can look like another account's name. docs/CLI.md, "Accounts that look alike".
 */
int enf_account_confusable(const char *name);
/*
 * How a plan shows an account: `name` as it is, or with `with_sid`
 * "NAME (S-1-5-...)": `sid` when the caller knows it, else as the target
 * looks it up, and "NAME (SID unknown: no such account)" or "NAME (SID
 * unknown: cannot be looked up)" when it cannot. A SID is shown as it is.
 * A new string; NULL on OOM.
 */
char *enf_account_shown(engine *e, const char *name, const char *sid, int with_sid);

/* The value of a fact test (when.c). */
int enf_when_holds(const enf_when *when, const enf_facts *facts, char **why);

/*
 * Reads the secret for a service resource (env:, file: or dpapi:; "" for
 * none); the caller frees it with enf_secret_free() (util/secret.h), which
 * wipes it first.
 */
int enf_secret_read(engine *e, const enf_resource *res, char **out);

/* What ChangeServiceConfigW's lpPassword is given with a log-on account. */
typedef enum enf_password_given {
	ENF_PASSWORD_GIVEN_NULL = 0, /* NULL: managed and virtual accounts (and "unchanged") */
	ENF_PASSWORD_GIVEN_EMPTY,    /* "": LocalSystem, LocalService, NetworkService */
	ENF_PASSWORD_GIVEN_SECRET    /* a user account's password, from the policy's source */
} enf_password_given;

/*
 * The password the SCM must be given with `logon`, as its documentation
 * says for each kind of account (docs/windows-semantics.md). `s` is the
 * policy's resource, or NULL in a rollback, which has no secret: a user
 * account then gets NULL, its stored password left as it is.
 */
enf_password_given enf_password_for(engine *e, const char *logon, const enf_res_service *s);

/* Loads a certificate file a policy refers to, as DER. */
int enf_policy_cert_der(engine *e, const char *file, unsigned char **der, size_t *len);
/* Reads a file a policy refers to, through its source or next to it; the caller frees *data. */
int enf_policy_file_read(engine *e, const char *file, char **data, size_t *len);

/* Pending restarts (pending.c): handlers notified by a change whose restart has not run. */
int enf_pending_load(engine *e, json_t **out);
int enf_pending_contains(const json_t *doc, const char *id);
/* Records the handlers `res` notifies, before its changes are made. */
int enf_pending_add(engine *e, json_t **doc, const enf_resource *res);
/* The handler has run: forget it (and the file when none is left). */
int enf_pending_done(engine *e, json_t *doc, const char *id);
/*
 * The handler failed after it began: the next run only finishes it (starts
 * what is not running). Records it as begun by this run.
 */
int enf_pending_finish(engine *e, json_t *doc, const char *id);
/* The run whose restart `id` did not finish, or NULL. Borrowed from doc. */
const char *enf_pending_finishing(const json_t *doc, const char *id);
/*
 * The handler was deferred (apply --defer-restarts, defer: true): it stays
 * pending, marked with the run that first deferred it.
 */
int enf_pending_defer(engine *e, json_t *doc, const char *id);
/* The run that deferred `id`, or NULL. Borrowed from doc. */
const char *enf_pending_deferred(const json_t *doc, const char *id);

/* The journal (journal.c). */
typedef struct journal journal;
int enf_journal_create(journal **out, const char *dir, const enf_run *run, const char *policy_name);
int enf_journal_begin(journal *j, long seq, const char *resource_id, const change *c);
int enf_journal_done(journal *j, long seq);
int enf_journal_failed(journal *j, long seq, const char *error);
int enf_journal_event(journal *j, const char *resource_id, const char *text);
int enf_journal_end(journal *j, const enf_run *run);
void enf_journal_close(journal *j);
/* Nothing but the run's first line: no change begun, no event. */
int enf_journal_is_empty(const journal *j);
/*
 * The end of an apply or rollback (runs.c), under its lock: the journal's
 * end line, or, when the run journaled nothing, the journal removed; then
 * the run's line in the runs index. A run that stopped on an error
 * (run_rc) keeps its journal as it is and its error: no index line.
 */
int enf_engine_finish_journal(engine *e, int run_rc);

/*
 * Downgrade protection (enforced.c, docs/journal.md): the check of a run's
 * commit against the one enforced last for its repository and policy path
 * (refused, or with --allow-downgrade noted in the run), and the record of
 * a complete apply's commit. Both do nothing for a policy not from a commit.
 */
int enf_engine_downgrade_check(engine *e);
int enf_engine_downgrade_record(engine *e);
int enf_engine_runs_record(engine *e, int has_journal);

/* A journal as read back: the changes a run began, in order. */
typedef struct journal_entry {
	long seq;
	char *resource;
	change c;
	int done;
	int failed;
} journal_entry;

typedef struct journal_read {
	char *run_id;
	char *target;
	int complete;
	journal_entry *entries;
	size_t count;
} journal_read;

int enf_journal_load(journal_read *out, const char *path);
/* A journal's text, read whole: refused past the one limit all readers share. */
int enf_journal_read_text(char **data, size_t *len, const char *path);
void enf_journal_read_clear(journal_read *jr);
char *enf_journal_path(const char *state_dir, const char *run_id);

#endif
