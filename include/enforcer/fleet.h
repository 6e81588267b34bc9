/*
 * The pool view: every host's audit branch (audit/<host>, report.h) read
 * from one audit repository and summarised for the whole fleet: each host's
 * last run and whether it is stale, per resource the hosts' outcomes and the
 * outliers from the pool's majority, flapping resources, corrective versus
 * intentional changes, and a per-day trend. The result is one JSON document
 * (schema enforcer-fleet/1, docs/fleet.schema.json) that every format is
 * rendered from.
 *
 * Only what the options need is read: each branch is walked from its tip and
 * the walk stops at the first run older than `since`.
 */
#ifndef ENFORCER_FLEET_H
#define ENFORCER_FLEET_H

#include "common.h"

#define ENF_FLEET_OPTIONS_VERSION 2

typedef struct enf_fleet_options {
	unsigned version;
	const char *branch_prefix; /* "audit/": the branches that are hosts */
	double now;                /* the report's time (seconds since the epoch); 0: now */
	double since;         /* read runs from then on; 0: ENF_FLEET_DEFAULT_DAYS before now */
	unsigned stale_hours; /* a host whose last run is older is stale */
	unsigned flap_runs;   /* flapping looks at each host's last N applies */
	const char *trusted_signers; /* PEM bundle the report signers must chain to, or NULL */
	const char *fetch_dir; /* for a URL: the folder to fetch into (made if needed), or NULL */
	/* Version 2: the extended key usages a report signer may carry (--signer-eku); NULL:
	 * default */
	const char *const *signer_ekus;
	size_t signer_eku_count;
} enf_fleet_options;

#define ENF_FLEET_DEFAULT_DAYS        7
#define ENF_FLEET_DEFAULT_STALE_HOURS 26
#define ENF_FLEET_DEFAULT_FLAP_RUNS   7

#define ENF_FLEET_OPTIONS_INIT                                                                     \
	{                                                                                          \
		ENF_FLEET_OPTIONS_VERSION, "audit/", 0, 0, ENF_FLEET_DEFAULT_STALE_HOURS,          \
		    ENF_FLEET_DEFAULT_FLAP_RUNS, NULL, NULL, NULL, 0                               \
	}

/* The fleet report (opaque): the enforcer-fleet/1 document. */
typedef struct enf_fleet enf_fleet;

/*
 * Reads the audit repository `where`: a local git repository (bare or not;
 * opened exactly there), or a URL (scheme://..., or user@host:path) whose
 * branches under the prefix are fetched first into opts->fetch_dir (a
 * temporary folder, removed afterwards, without one). A damaged branch, a
 * report that is not JSON or a signature that does not verify is recorded
 * against its host, never an error: the rest of the fleet is still read.
 * Errors are for the repository as a whole (cannot open or fetch it, no
 * memory) and for options out of range.
 */
int enf_fleet_read(enf_fleet **out, const char *where, const enf_fleet_options *opts);

/*
 * Parses a UTC date "YYYY-MM-DD" or time "YYYY-MM-DDTHH:MM:SSZ" (what
 * --since takes) into seconds since the epoch.
 */
int enf_fleet_parse_time(double *out, const char *text);

/* 0 all hosts compliant and fresh, 2 drift somewhere, 4 failures or unverifiable reports. */
int enf_fleet_exit_code(const enf_fleet *fleet);

/* The JSON document, indented by two spaces, ASCII only, ending in a newline; free() it. */
int enf_fleet_json(char **out, size_t *out_len, const enf_fleet *fleet);

/* Text for a console (ANSI colour only with `color`); NULL with no memory. */
char *enf_fleet_render_text(const enf_fleet *fleet, int color);

/* One self-contained HTML page for a change board (no scripts, no external files). */
char *enf_fleet_render_html(const enf_fleet *fleet);

/* JUnit XML: one testcase per host, and one per host and resource. */
char *enf_fleet_render_junit(const enf_fleet *fleet);

/*
 * Writes fleet.json, fleet.txt, fleet.xml and fleet.html into `dir`
 * (created if needed), each atomically.
 */
int enf_fleet_write_dir(const enf_fleet *fleet, const char *dir);

void enf_fleet_free(enf_fleet *fleet);

#endif
