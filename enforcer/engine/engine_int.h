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

typedef enum change_kind {
	CH_REG_SET = 0,
	CH_REG_DELETE,
	CH_SVC_CONFIG,
	CH_SVC_START,
	CH_SVC_STOP,
	CH_CERT_ADD,
	CH_CERT_REMOVE,
	CH_KEY_GRANT,
	CH_KEY_RESTORE,
	CH_CERT_MOVE /* from `store` to `dest`: added to dest first, then removed */
} change_kind;

/* One change, with everything needed to make it and to undo it. */
typedef struct change {
	change_kind kind;
	char *text; /* for plans and reports */
	/* CH_REG_*: the value, its old state, and the new one */
	char *key, *name;
	int had_old;
	enf_reg_value old_value, new_value;
	/* CH_SVC_*: the service, and its old and new settings */
	char *service;
	char *old_logon, *new_logon;
	int set_password; /* the resource's password is set with the new logon */
	enf_startup old_startup, new_startup;
	/* CH_CERT_*, CH_KEY_*: the store and certificate */
	enf_store store;
	unsigned char thumbprint[20];
	unsigned char *der;
	size_t der_len;
	char *account;
	enf_key_rights rights;
	char *old_sddl, *new_sddl;
	/* CH_CERT_MOVE: where it goes, and whether it was there already (undo keeps it then) */
	enf_store dest;
	int dest_had;
} change;

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
} res_plan;

typedef struct engine {
	const enf_policy *policy; /* NULL in a rollback */
	enf_target *target;
	const enf_provider *p;
	void *self;
	const enf_run_options *opts;
	enf_run *run;
	struct journal *journal;
	char *policy_dir; /* on disk: password files (and referenced files without a source) */
	struct enf_source *source; /* where referenced files are read (source.h); NULL in a rollback */
	long changes_made;
	long kill_after; /* ENFORCER_FAULT_KILL_AFTER, or -1 */
	long seq;        /* journal sequence numbers */
	json_t *pending; /* pending restarts of this policy, or NULL */
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
} engine;

/* Shared by run.c and rollback.c. */
int engine_start(engine *e, enf_target *target, const enf_run_options *opts, enf_run_mode mode);
int engine_lock_and_journal(engine *e, struct enf_lock **lock, const char *policy_name);
/* After each change: commit on the target, count it, and the test-only fault hook. */
int engine_after_change(engine *e);
void engine_progress(engine *e, const enf_result *r);
enf_result *result_for(enf_run *run, const enf_resource *res);
void result_set_message(enf_result *r, char *message);
int result_add_action(enf_result *r, const char *text, int done, const char *error);

/* Adds a change to a plan; the text is formatted. Returns the change or NULL. */
change *plan_add(res_plan *plan, change_kind kind, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(ENF_PRINTF_ARCHETYPE, 3, 4)))
#endif
	;
void plan_fail(res_plan *plan, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(ENF_PRINTF_ARCHETYPE, 2, 3)))
#endif
	;
/* Fails the plan with the library's last error, prefixed. */
void plan_fail_last(res_plan *plan, const char *what);
void res_plan_clear(res_plan *plan);
void change_clear(change *c);

/* The planners: read the actual state and list the changes. */
int plan_registry(engine *e, const enf_resource *res, res_plan *plan);
int plan_service(engine *e, const enf_resource *res, res_plan *plan);
int plan_certificate(engine *e, const enf_resource *res, res_plan *plan);
int plan_trust_store(engine *e, const enf_resource *res, res_plan *plan);

/*
 * The checks and key permissions of a certificate that is (or will be)
 * present: `require:` findings fail the plan with a reason; missing
 * `private-key-access` entries become CH_KEY_GRANT changes. `found` is the
 * store's entry, or NULL when the certificate is about to be added.
 */
int plan_cert_checks(engine *e, const enf_resource *res, const unsigned char thumbprint[20],
		     const enf_cert_entry *found, res_plan *plan);

/* A store's certificates, from the run's cache; the caller clears *out. */
int engine_cert_list(engine *e, enf_cert_list *out, enf_store store);
/*
 * A store's certificates parsed, from the run's cache: (*out)[i] is entry i
 * of engine_cert_list's list, or NULL when OpenSSL cannot read it. Borrowed
 * until the cache is emptied: enf_cert_ref() what is kept longer.
 */
int engine_cert_parsed(engine *e, struct enf_cert *const **out, size_t *count, enf_store store);
/* Forgets every cached store (after a certificate change, and at the end of a run). */
void engine_cert_cache_clear(engine *e);

/* Makes one change on the target. */
int change_apply(engine *e, const change *c, const enf_resource *res);

/*
 * Builds the change that undoes `c` from the target's current state, for a
 * rollback. Returns 0 with out->text NULL when nothing needs to be undone.
 */
int change_inverse(engine *e, const change *c, change *out);

/* Journal records. */
json_t *change_to_json(const change *c);
int change_from_json(change *out, const json_t *j);

/* Account identity: same account whatever the spelling. */
int accounts_same(engine *e, const char *a, const char *b);
/* True for accounts without a password (LocalSystem, gMSA, virtual...). */
int account_is_builtin(const char *account);

/* The value of a fact test (when.c). */
int when_holds(const enf_when *when, const enf_facts *facts, char **why);

/* Reads the secret for a service resource; the caller wipes and frees it. */
int secret_read(engine *e, const enf_resource *res, char **out);
void secret_free(char *secret);

/* Loads a certificate file a policy refers to, as DER. */
int policy_cert_der(engine *e, const char *file, unsigned char **der, size_t *len);
/* Reads a file a policy refers to, through its source or next to it; the caller frees *data. */
int policy_file_read(engine *e, const char *file, char **data, size_t *len);
/* The certificate in a file's bytes (PEM, else DER), parsed and encoded again. */
int cert_file_der(const char *file, const char *data, size_t n, unsigned char **der, size_t *len);
/*
 * The SHA-1 of the bytes cert_file_der would parse, found without parsing
 * them: nothing says they are a certificate. ENF_EINVALID when there are none.
 */
int cert_file_sha1(unsigned char out[20], const char *data, size_t n);

/* Pending restarts (pending.c): handlers notified by a change whose restart has not run. */
int pending_load(engine *e, json_t **out);
int pending_contains(const json_t *doc, const char *id);
/* Records the handlers `res` notifies, before its changes are made. */
int pending_add(engine *e, json_t **doc, const enf_resource *res);
/* The handler has run: forget it (and the file when none is left). */
int pending_done(engine *e, json_t *doc, const char *id);

/* The journal (journal.c). */
typedef struct journal journal;
int journal_create(journal **out, const char *dir, const enf_run *run, const char *policy_name);
int journal_begin(journal *j, long seq, const char *resource_id, const change *c);
int journal_done(journal *j, long seq);
int journal_failed(journal *j, long seq, const char *error);
int journal_event(journal *j, const char *resource_id, const char *text);
int journal_end(journal *j, const enf_run *run);
void journal_close(journal *j);

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

int journal_load(journal_read *out, const char *path);
void journal_read_clear(journal_read *jr);
char *journal_path(const char *state_dir, const char *run_id);

#endif
