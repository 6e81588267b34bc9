/*
 * Internal to the report module: the fleet view's runs as read from the
 * audit branches (fleet_read.c), before the verdicts (fleet_verdicts.c)
 * turn them into the enforcer-fleet/1 document.
 */
#ifndef ENFORCER_FLEET_INT_H
#define ENFORCER_FLEET_INT_H

#include "enforcer/fleet.h"

#include "render_int.h"

/* One run of one host, as its audit commit and report say. */
typedef struct fleet_run {
	char commit[41];
	char *run_id;
	double time;       /* run.ended of the report, else the commit's time */
	char *policy;      /* the policy commit, "sha256:<hex>" of a policy file, or NULL */
	char *policy_name; /* the policy's name, or NULL */
	char *mode;        /* "plan", "apply", "apply --dry-run", "rollback" (or NULL) */
	int exit_code;     /* -1 when unknown */
	const char *sig;   /* "valid", "intact", "unsigned", "untrusted", "invalid" */
	char *sig_detail;  /* the signer, or why the signature is not good */
	char *error;       /* why the report cannot be used, or NULL */
	int unverified;    /* ... because of its signature */
	json_t *report;    /* the newest usable run's: run.host, counts, resources (id, type,
	                      status, state); else NULL */
	char **changed;    /* the resources the run changed */
	size_t changed_count;
} fleet_run;

/* One audit branch. */
typedef struct fleet_host {
	char *name;      /* the reports' host (run.host), else the branch's name */
	char *branch;    /* "audit/edge01" */
	char *error;     /* the branch cannot be read (further), or NULL */
	fleet_run *runs; /* newest first */
	size_t count, alloc;
	int from_start;      /* the walk reached the branch's first run */
	int have_before;     /* a run older than the window was seen */
	char *before_policy; /* its policy (from its commit message), or NULL */
} fleet_host;

typedef struct fleet_data {
	fleet_host *hosts; /* sorted by branch */
	size_t count, alloc;
	char *where; /* the repository or URL, as given */
} fleet_data;

struct enf_fleet {
	json_t *doc;
};

/* Reads every host's runs since opts->since (validated options). */
int enf_fleet__load(fleet_data *out, const char *where, const enf_fleet_options *opts);

struct git_repository;

/*
 * Fetches the branches under `prefix` of the remote `url` into the bare
 * repository `dir` (made if needed), pruning those the remote no longer
 * has, and opens it.
 */
int enf_fleet__fetch(struct git_repository **out, const char *url, const char *dir,
                     const char *prefix);

void enf_fleet__data_clear(fleet_data *data);

/* The enforcer-fleet/1 document from what was read. */
int enf_fleet__verdicts(json_t **out, const fleet_data *data, const enf_fleet_options *opts);

/* "lync-edge@3f2a9c1b7d4e": a policy's name and the start of its commit or file hash. */
void enf_fleet__policy_label(enf_buf *b, const json_t *name, const json_t *id);

/* One outlier in words: "EDGE03's access-edge logon is ...; 3 of 4 hosts on ...: ...". */
void enf_fleet__outlier_text(enf_buf *b, const json_t *outlier);

/* Is this run's report usable for verdicts (read, and its signature as required)? */
#define FLEET_RUN_USABLE(r) ((r)->error == NULL)

#endif
