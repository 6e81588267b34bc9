/*
 * The engine: plan = diff(policy, actual state); apply = make each change,
 * journaled first, then verify; rollback = undo a run from its journal.
 *
 * A run reads the target only through the provider (provider.h), so the
 * same code plans against a Windows machine and against a snapshot file.
 */
#ifndef ENFORCER_ENGINE_H
#define ENFORCER_ENGINE_H

#include "common.h"
#include "outcome.h"
#include "policy.h"
#include "provider.h"
#include "source.h"

typedef enum enf_run_mode { ENF_RUN_PLAN = 0, ENF_RUN_APPLY, ENF_RUN_ROLLBACK } enf_run_mode;

/* One change the engine made or would make. */
typedef struct enf_action {
	char *text;  /* "set DWORD EnableSessionTicket 0 -> 2" */
	int done;    /* apply: made and journaled */
	char *error; /* apply: why it failed, or NULL */
} enf_action;

/*
 * A resource's state as a report shows it: what was read, or what is wanted.
 * A JSON value inside the library (the report renders it); enf_state_json
 * gives it as text.
 */
typedef struct enf_state enf_state;

/* The state as compact JSON text ("null" for none); free() it. NULL without memory. */
char *enf_state_json(const enf_state *state);

/* What happened to one resource. */
typedef struct enf_result {
	const enf_resource *resource; /* NULL for rollback entries */
	char *id;
	const char *type;
	enf_outcome outcome;
	enf_state *before; /* the actual state read first (secrets never included) */
	enf_state *after;  /* plan: the desired state; apply: the state read back */
	enf_action *actions;
	size_t action_count;
	char *message; /* why it failed, was skipped or waived; may be NULL */
	double seconds;
	/*
	 * The message holds a warning (a certificate's warn-days): the outcome
	 * stays what it is (compliant does not fail the run), and reports show it.
	 */
	int warning;
	/*
	 * Apply and rollback on a target that writes its changes later (a
	 * snapshot): on_target once a write holds its change; unwritten when it
	 * was reported changed and the write failed, which made it failed.
	 */
	int on_target;
	int unwritten;
} enf_result;

typedef struct enf_run {
	char *run_id;
	char *host;
	char *user;
	char *target;
	enf_run_mode mode;
	int dry_run;
	double started, ended;
	char *policy_name;
	enf_provenance source;
	enf_facts facts;
	enf_result *results;
	size_t count;
	size_t counts[ENF_OUTCOME__COUNT];
	int reboot_pending;
	size_t restarts_deferred; /* handlers left pending by --defer-restarts or defer: true */
	int pending_restarts;     /* enforcer restart --pending: only pending handlers ran */
	size_t changes_made;      /* changes made on the target, even by resources that failed */
	char *journal_path;       /* apply and rollback: the journal written */
	char *rolled_back;        /* rollback: the run it undid */
	/*
	 * --allow-downgrade let this run enforce a commit that does not come
	 * after the one enforced last (docs/journal.md): why, as the report
	 * shows it; NULL otherwise. downgrade_from is that last commit (hex);
	 * downgrade_missing says it was not in the repository.
	 */
	char *downgrade;
	char *downgrade_from;
	int downgrade_missing;
	/* Why the target could not be written (the first failure), or NULL. */
	char *write_error;
} enf_run;

/* Progress callback: called once per resource as soon as it is decided. */
typedef void (*enf_progress_cb)(void *ctx, const enf_run *run, const enf_result *result);

typedef struct enf_run_options {
	unsigned version;
	enf_run_mode mode;
	int dry_run;           /* apply --dry-run: plan, labelled as apply */
	const char *state_dir; /* lock and journals; NULL for the default */
	unsigned wait_seconds; /* for the run lock */
	double now;            /* for waiver expiry; 0 for the clock */
	enf_progress_cb progress;
	void *progress_ctx;
	/*
	 * The ceiling of each service start or stop wait (--service-timeout),
	 * for resources without a timeout: of their own; 0 for
	 * ENF_SERVICE_TIMEOUT_DEFAULT_MS. A service whose checkpoint stops
	 * advancing fails sooner, after its wait hint.
	 */
	unsigned service_timeout_ms;
	/*
	 * Where the files the policy refers to are read from, and what fills the
	 * report's provenance (source.h): e.g. a git commit. NULL: the policy
	 * file's folder, and the file and its SHA-256 as provenance.
	 */
	enf_source *source;
	/*
	 * apply --defer-restarts: the restart handlers a run would perform are
	 * recorded as pending instead (journaled; the run exits 2), for
	 * `enforcer restart --pending` to perform later, when the pool allows.
	 */
	int defer_restarts;
	/*
	 * enforcer restart --pending: an apply that performs only the restart
	 * handlers recorded as pending for this policy, and checks nothing else.
	 */
	int pending_restarts;
	/*
	 * Version 3: run a policy commit that does not descend from the one
	 * enforced last for its repository and path (a downgrade), which is
	 * otherwise refused; the report records it (enf_run.downgrade).
	 */
	int allow_downgrade;
} enf_run_options;

/* The ceiling of a service wait when neither the resource nor the options set one: 10 min. */
#define ENF_SERVICE_TIMEOUT_DEFAULT_MS (10u * 60u * 1000u)

#define ENF_RUN_OPTIONS_VERSION 3
#define ENF_RUN_OPTIONS_INIT                                                                       \
	{                                                                                          \
		ENF_RUN_OPTIONS_VERSION, ENF_RUN_PLAN, 0, NULL, 0, 0, NULL, NULL, 0, NULL, 0, 0, 0 \
	}

/*
 * Plans or applies `policy` on `target`. Returns 0 with *out set whatever
 * the resources' outcomes were (see enf_run_exit_code); a negative code
 * only when the run could not happen at all (lock held, state folder not
 * writable), and then nothing was changed.
 */
int enf_run_policy(enf_run **out, const enf_policy *policy, enf_target *target,
                   const enf_run_options *opts);

/*
 * Undoes run `run_id` from its journal in the state folder: restores every
 * old value and certificate the run changed or removed, newest first. The
 * rollback is itself journaled as a run.
 */
int enf_run_rollback(enf_run **out, const char *run_id, enf_target *target,
                     const enf_run_options *opts);

/*
 * True for accounts that have no password to set: LocalSystem, LocalService,
 * NetworkService in every spelling, (group) managed service accounts
 * ("DOMAIN\\name$") and virtual accounts ("NT SERVICE\\name").
 */
int enf_account_is_builtin(const char *account);

/* The exit code docs/CLI.md gives for this run: 0, 2, 4 or 6. */
int enf_run_exit_code(const enf_run *run);

void enf_run_free(enf_run *run);

#endif
