/*
 * Reading the audit branches for the fleet view. Each branch is walked from
 * its tip, first parents only, and the walk stops at the first run older
 * than the window: a year of nightly runs costs what the window holds, not
 * the year. A run's folder comes from its commit message ("Run: <id>"), so
 * no tree is compared; only report.json and its signature are read.
 */
#include "fleet_int.h"

#include "audit_int.h"
#include "enforcer/errors.h"
#include "enforcer/render.h"
#include "util/cms.h"
#include "util/util.h"

#include <git2.h>
#include <stdlib.h>
#include <string.h>

/* A report.json's limit is the audit repository's for a blob (audit_int.h). */
#define SIGNATURE_MAX ((size_t)1024 * 1024)
/* Runs read per host: bounds memory whatever --since says (a year of hourly runs fits). */
#define HOST_RUNS_MAX 20000

static char *git_message(void)
{
	const git_error *ge = git_error_last();
	char *m = enf_strdup(ge && ge->message ? ge->message : "unknown error");
	git_error_clear();
	return m;
}

/* The value of "Key: value" in a commit message, up to the line's end; NULL if absent. */
static char *message_field(const char *msg, const char *key)
{
	size_t klen = strlen(key);
	for (const char *p = msg; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len > klen && strncmp(p, key, klen) == 0)
			return enf_strndup(p + klen, len - klen);
		p = eol ? eol + 1 : NULL;
	}
	return NULL;
}

/* The policy's identity as the commit message names it (runs outside the window). */
static char *message_policy(const char *msg)
{
	char *v = message_field(msg, "Policy commit: ");
	if (v) {
		char *sp = strchr(v, ' ');
		if (sp)
			*sp = '\0';
		return v;
	}
	v = message_field(msg, "Policy file: ");
	const char *sha = v ? strstr(v, "(sha256 ") : NULL;
	char *out = NULL;
	if (sha) {
		sha += strlen("(sha256 ");
		size_t n = strspn(sha, "0123456789abcdef");
		char *hex = enf_strndup(sha, n);
		out = hex ? enf_asprintf("sha256:%s", hex) : NULL;
		free(hex);
	}
	free(v);
	return out;
}

/* The policy's identity as the report names it. */
static char *report_policy(const json_t *report)
{
	const json_t *src = json_object_get(json_object_get(report, "policy"), "source");
	const char *commit = json_string_value(json_object_get(src, "commit"));
	const char *sha = json_string_value(json_object_get(src, "sha256"));
	return commit ? enf_strdup(commit) : sha ? enf_asprintf("sha256:%s", sha) : NULL;
}

static void run_clear(fleet_run *r)
{
	free(r->run_id);
	free(r->policy);
	free(r->policy_name);
	free(r->mode);
	free(r->sig_detail);
	free(r->error);
	json_decref(r->report);
	for (size_t i = 0; i < r->changed_count; i++)
		free(r->changed[i]);
	free(r->changed);
	memset(r, 0, sizeof(*r));
}

/*
 * The blob at `path` of `tree`: ENF_ENOTFOUND when there is none;
 * ENF_ELIMIT, last error "REF: PATH: the blob ...", when it has more than
 * `max` bytes (from its header: it is not read).
 */
static int read_blob(git_blob **out, git_repository *repo, git_tree *tree, const char *path,
                     const char *ref, size_t max)
{
	git_tree_entry *e = NULL;
	int grc = git_tree_entry_bypath(&e, tree, path);
	if (grc == GIT_ENOTFOUND) {
		git_error_clear();
		return ENF_ENOTFOUND;
	}
	if (grc == 0 && git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
		git_tree_entry_free(e);
		return ENF_ENOTFOUND;
	}
	char *what = grc == 0 ? enf_asprintf("%s: %s", ref, path) : NULL;
	int rc = grc    ? ENF_ERROR
	         : what ? enf_git_fits(repo, git_tree_entry_id(e), what, &enf_audit_git_limits, max)
	                : enf_error_oom();
	free(what);
	if (rc == 0 && git_blob_lookup(out, repo, git_tree_entry_id(e)))
		rc = ENF_ERROR;
	git_tree_entry_free(e);
	return rc;
}

/* Checks the report's signature as the options require; 0 when the report may be used. */
static int check_signature(fleet_run *r, git_repository *repo, git_tree *tree, const char *ref,
                           const git_blob *report, const enf_trust *trust)
{
	char *path = enf_asprintf("%s/report.json.p7s", r->run_id);
	git_blob *sig = NULL;
	int rc = path ? read_blob(&sig, repo, tree, path, ref, SIGNATURE_MAX) : enf_error_oom();
	free(path);
	if (rc == ENF_ENOTFOUND) {
		r->sig = "unsigned";
		if (!trust)
			return 0;
		r->error = enf_strdup("the report is not signed, and --trusted-signers requires a "
		                      "signature from a trusted signer");
		return r->error ? ENF_EINVALID : enf_error_oom();
	}
	if (rc == ENF_ENOMEM)
		return rc;
	if (rc) {
		git_blob_free(sig);
		r->sig = "invalid";
		const enf_error *e = rc == ENF_ELIMIT ? enf_error_last() : NULL;
		r->error =
		    e ? enf_asprintf("its signature report.json.p7s cannot be read: %s", e->message)
		      : enf_strdup("its signature report.json.p7s cannot be read");
		enf_error_clear();
		return r->error ? ENF_EINVALID : enf_error_oom();
	}
	enf_sig_check check = {0};
	rc = enf_cms_verify(&check, git_blob_rawcontent(sig), (size_t)git_blob_rawsize(sig),
	                    git_blob_rawcontent(report), (size_t)git_blob_rawsize(report), trust);
	git_blob_free(sig);
	if (rc) {
		r->sig = "invalid";
		const enf_error *e = enf_error_last();
		r->error =
		    enf_asprintf("its signature cannot be checked: %s", e ? e->message : "?");
		enf_error_clear();
		return r->error ? ENF_EINVALID : enf_error_oom();
	}
	if (check.status == ENF_SIG_VALID || (check.status == ENF_SIG_UNTRUSTED && !trust)) {
		r->sig = check.status == ENF_SIG_VALID ? "valid" : "intact";
		r->sig_detail = enf_strdup(check.signer ? check.signer : "");
	} else {
		r->sig = check.status == ENF_SIG_UNTRUSTED ? "untrusted" : "invalid";
		r->sig_detail = enf_strdup(check.reason ? check.reason : "");
		r->error = enf_asprintf("its signature is %s: %s", r->sig,
		                        check.reason ? check.reason : "?");
	}
	enf_sig_check_clear(&check);
	return r->error ? ENF_EINVALID : 0;
}

/* The state a run leaves: what apply read back, or what plan read; NULL if none. */
static json_t *current_state(const json_t *run, const json_t *res)
{
	int applied = strcmp(enf_rj_str(run, "mode"), "apply") == 0 &&
	              !json_is_true(json_object_get(run, "dry_run"));
	json_t *after = json_object_get(res, "after"), *before = json_object_get(res, "before");
	if (applied && json_is_object(after))
		return after;
	return json_is_object(before) ? before : NULL;
}

/*
 * What the verdicts need of a host's last report: its host, counts, and per
 * resource the id, type, status and the state it leaves. A fleet of 2 000
 * hosts keeps 2 000 of these, not 2 000 whole reports.
 */
static json_t *slim_report(const json_t *doc)
{
	const json_t *run = json_object_get(doc, "run");
	json_t *list = json_array(), *res;
	size_t i;
	json_array_foreach(json_object_get(doc, "resources"), i, res)
	{
		json_array_append_new(
		    list, json_pack("{s:s, s:s, s:s, s:O?}", "id", enf_rj_str(res, "id"), "type",
		                    enf_rj_str(res, "type"), "status", enf_rj_str(res, "status"),
		                    "state", current_state(run, res)));
	}
	return json_pack("{s:{s:s}, s:O?, s:o}", "run", "host", enf_rj_str(run, "host"), "counts",
	                 json_object_get(doc, "counts"), "resources", list);
}

/* The resources a run changed, and (for the host's newest usable run) what the verdicts need. */
static int take_report(fleet_run *r, json_t *doc, int keep)
{
	const json_t *run = json_object_get(doc, "run");
	const char *mode = json_string_value(json_object_get(run, "mode"));
	free(r->mode);
	free(r->policy_name);
	r->mode =
	    mode ? enf_asprintf("%s%s", mode,
	                        json_is_true(json_object_get(run, "dry_run")) ? " --dry-run" : "")
	         : NULL;
	json_t *code = json_object_get(run, "exit_code");
	r->exit_code = json_is_integer(code) ? (int)json_integer_value(code) : -1;
	const char *ended = json_string_value(json_object_get(run, "ended"));
	double t = 0;
	if (ended && enf_fleet_parse_time(&t, ended) == 0)
		r->time = t;
	enf_error_clear();
	free(r->policy);
	r->policy = report_policy(doc);
	const char *name =
	    json_string_value(json_object_get(json_object_get(doc, "policy"), "name"));
	r->policy_name = name ? enf_strdup(name) : NULL;
	size_t i;
	json_t *res;
	json_array_foreach(json_object_get(doc, "resources"), i, res)
	{
		if (strcmp(enf_rj_str(res, "status"), "changed") != 0)
			continue;
		char **grown = realloc(r->changed, (r->changed_count + 1) * sizeof(*grown));
		if (!grown)
			return enf_error_oom();
		r->changed = grown;
		if (!(r->changed[r->changed_count] = enf_strdup(enf_rj_str(res, "id"))))
			return enf_error_oom();
		r->changed_count++;
	}
	if (keep && !(r->report = slim_report(doc)))
		return enf_error_oom();
	return 0;
}

/* Reads one run (the commit `c`); what is wrong with it goes into r->error. */
static int read_run(fleet_run *r, git_repository *repo, git_commit *c, const char *ref,
                    const enf_trust *trust, int keep)
{
	const char *msg = git_commit_message(c);
	git_oid_tostr(r->commit, sizeof(r->commit), git_commit_id(c));
	r->time = (double)git_commit_time(c);
	r->exit_code = -1;
	/* What the message says, until the report (read and verified) says it. */
	r->policy = message_policy(msg);
	r->policy_name = message_field(msg, "Policy: ");
	r->mode = message_field(msg, "Mode: ");
	r->run_id = message_field(msg, "Run: ");
	if (!r->run_id || !*r->run_id || strchr(r->run_id, '/')) {
		r->error = enf_strdup("its commit message names no run (no 'Run: <id>' line)");
		return r->error ? 0 : enf_error_oom();
	}
	git_tree *tree = NULL;
	git_blob *blob = NULL;
	char *path = enf_asprintf("%s/report.json", r->run_id);
	int rc = 0;
	if (!path)
		return enf_error_oom();
	if (enf_git_fits(repo, git_commit_tree_id(c), ref, &enf_audit_git_limits, 0)) {
		r->error = enf_strdup(enf_error_last()->message);
		enf_error_clear();
		goto done;
	}
	if (git_commit_tree(&tree, c)) {
		char *why = git_message();
		r->error = enf_asprintf("its tree cannot be read: %s", why ? why : "?");
		free(why);
		goto done;
	}
	rc = read_blob(&blob, repo, tree, path, ref, 0);
	if (rc == ENF_ENOMEM)
		goto done;
	if (rc) {
		char *why = rc == ENF_ERROR ? git_message() : NULL;
		/* Too large: said from its header, with the branch, the blob and the limit. */
		r->error = rc == ENF_ENOTFOUND ? enf_asprintf("%s is missing", path)
		           : rc == ENF_ELIMIT  ? enf_strdup(enf_error_last()->message)
		                               : enf_asprintf("%s cannot be read: %s", path, why);
		enf_error_clear();
		free(why);
		rc = 0;
		goto done;
	}
	if (check_signature(r, repo, tree, ref, blob, trust) == ENF_ENOMEM) {
		rc = ENF_ENOMEM;
		goto done;
	}
	if (r->error) {
		r->unverified = 1;
		goto done;
	}
	enf_report *report = NULL;
	if (enf_report_parse(&report, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob),
	                     path)) {
		const enf_error *e = enf_error_last();
		r->error = enf_strdup(e ? e->message : "not a report");
		enf_error_clear();
		goto done;
	}
	rc = take_report(r, report->doc, keep);
	enf_report_free(report);
done:
	if (!r->error && rc == 0 && !r->run_id)
		rc = enf_error_oom();
	git_blob_free(blob);
	git_tree_free(tree);
	free(path);
	return rc;
}

static int host_error(fleet_host *h, const char *what)
{
	char *why = git_message();
	h->error = enf_asprintf("%s: %s", what, why ? why : "?");
	free(why);
	return h->error ? 0 : enf_error_oom();
}

/* Walks one branch from its tip, newest first, to the first run older than the window. */
static int read_host(fleet_host *h, git_repository *repo, const enf_fleet_options *opts,
                     const enf_trust *trust)
{
	git_revwalk *walk = NULL;
	git_oid oid;
	char *ref = enf_asprintf("refs/heads/%s", h->branch);
	int rc = 0;
	if (!ref)
		return enf_error_oom();
	/* An oversized tip is said with its branch, the commit and the limit. */
	if (git_reference_name_to_id(&oid, repo, ref) == 0 &&
	    enf_git_fits(repo, &oid, ref, &enf_audit_git_limits, 0)) {
		h->error =
		    enf_asprintf("its last commit cannot be read: %s", enf_error_last()->message);
		enf_error_clear();
		rc = h->error ? 0 : enf_error_oom();
		goto done;
	}
	git_error_clear();
	if (git_revwalk_new(&walk, repo) || git_revwalk_push_ref(walk, ref)) {
		rc = host_error(h, "the branch cannot be walked");
		goto done;
	}
	git_revwalk_simplify_first_parent(walk);
	for (;;) {
		int grc = git_revwalk_next(&oid, walk);
		if (grc == GIT_ITEROVER) {
			git_error_clear();
			h->from_start = 1;
			break;
		}
		git_commit *c = NULL;
		if (grc || git_commit_lookup(&c, repo, &oid)) {
			/* With the branch: the commit libgit2 names (a parent it read ahead, one
			 * over its size) is not the branch's own. */
			char *what =
			    enf_asprintf("%s: %s",
			                 h->count ? "its history is damaged after the runs shown"
			                          : "its last commit cannot be read",
			                 ref);
			rc = what ? host_error(h, what) : enf_error_oom();
			free(what);
			break;
		}
		if (h->count > 0 && (double)git_commit_time(c) < opts->since) {
			h->have_before = 1;
			h->before_policy = message_policy(git_commit_message(c));
			git_commit_free(c);
			break;
		}
		if (h->count == HOST_RUNS_MAX) {
			git_commit_free(c);
			h->error =
			    enf_asprintf("more than %d runs since the start of the window; give a "
			                 "later --since",
			                 HOST_RUNS_MAX);
			rc = h->error ? 0 : enf_error_oom();
			break;
		}
		if (h->count == 0) {
			/* The host as the run named it (its report, once read, says the same). */
			char *host = message_field(git_commit_message(c), "Host: ");
			if (host && *host) {
				free(h->name);
				h->name = host;
				host = NULL;
			}
			free(host);
		}
		rc = enf_grow((void **)&h->runs, &h->alloc, h->count + 1, sizeof(*h->runs));
		if (rc == 0) {
			fleet_run *r = &h->runs[h->count++];
			memset(r, 0, sizeof(*r));
			rc = read_run(r, repo, c, ref, trust, h->count == 1);
			if (r->report) {
				const char *host =
				    enf_rj_str(json_object_get(r->report, "run"), "host");
				if (*host) {
					free(h->name);
					h->name = enf_strdup(host);
				}
			}
		}
		git_commit_free(c);
		if (rc)
			break;
	}
done:
	git_revwalk_free(walk);
	free(ref);
	return rc;
}

static void host_clear(fleet_host *h)
{
	for (size_t i = 0; i < h->count; i++)
		run_clear(&h->runs[i]);
	free(h->runs);
	free(h->name);
	free(h->branch);
	free(h->error);
	free(h->before_policy);
}

void enf_fleet__data_clear(fleet_data *d)
{
	for (size_t i = 0; i < d->count; i++)
		host_clear(&d->hosts[i]);
	free(d->hosts);
	free(d->where);
	memset(d, 0, sizeof(*d));
}

static int by_branch(const void *a, const void *b)
{
	return strcmp(((const fleet_host *)a)->branch, ((const fleet_host *)b)->branch);
}

/* Every local branch under the prefix, as a host. */
static int list_hosts(fleet_data *d, git_repository *repo, const char *prefix)
{
	git_branch_iterator *it = NULL;
	git_reference *ref = NULL;
	git_branch_t type;
	int rc = 0;
	if (git_branch_iterator_new(&it, repo, GIT_BRANCH_LOCAL)) {
		char *why = git_message();
		enf_error_set(ENF_ERRCLASS_REPORT, "cannot list the branches of '%s': %s", d->where,
		              why ? why : "?");
		free(why);
		return ENF_ERROR;
	}
	while (rc == 0 && git_branch_next(&ref, &type, it) == 0) {
		const char *name = NULL;
		if (git_branch_name(&name, ref) == 0 &&
		    strncmp(name, prefix, strlen(prefix)) == 0 && name[strlen(prefix)]) {
			rc = enf_grow((void **)&d->hosts, &d->alloc, d->count + 1,
			              sizeof(*d->hosts));
			if (rc == 0) {
				fleet_host *h = &d->hosts[d->count++];
				memset(h, 0, sizeof(*h));
				h->branch = enf_strdup(name);
				h->name = enf_strdup(name + strlen(prefix));
				if (!h->branch || !h->name)
					rc = enf_error_oom();
			}
		}
		git_reference_free(ref);
	}
	git_error_clear();
	git_branch_iterator_free(it);
	if (rc == 0 && d->count)
		qsort(d->hosts, d->count, sizeof(*d->hosts), by_branch);
	return rc;
}

/* Half the hosts (every other one), read on a second thread with a repository of its own. */
typedef struct half {
	fleet_data *d;
	const char *path; /* the repository's folder */
	const enf_fleet_options *opts;
	const enf_trust *trust;
	int rc;
	char *why; /* the last error of the thread, when rc is not 0 */
} half;

static void read_half(void *arg)
{
	half *w = arg;
	git_repository *repo = NULL;
	if (git_repository_open_ext(&repo, w->path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL)) {
		char *why = git_message();
		enf_error_set(ENF_ERRCLASS_REPORT, "cannot open the audit repository '%s': %s",
		              w->path, why ? why : "?");
		free(why);
		w->rc = ENF_ERROR;
	} else {
		w->rc = enf_git_guard_sizes(repo, &enf_audit_git_limits);
	}
	for (size_t i = 1; w->rc == 0 && i < w->d->count; i += 2)
		w->rc = read_host(&w->d->hosts[i], repo, w->opts, w->trust);
	if (w->rc) {
		const enf_error *e = enf_error_last();
		w->why = enf_strdup(e ? e->message : "out of memory");
	}
	git_repository_free(repo);
}

int enf_fleet__load(fleet_data *d, const char *where, const enf_fleet_options *opts)
{
	git_repository *repo = NULL;
	enf_trust *trust = NULL;
	int rc = 0;
	memset(d, 0, sizeof(*d));
	if (!(d->where = enf_strdup(where)))
		return enf_error_oom();
	if (opts->trusted_signers && (rc = enf_trust_load(&trust, opts->trusted_signers)))
		return rc;
	/* Reports are read long after they were signed: each signer as it was when it signed. */
	if (trust)
		enf_trust_set_flags(trust, ENF_TRUST_AT_SIGNING_TIME);
	if (trust &&
	    (rc = enf_trust_set_signer_ekus(trust, opts->signer_ekus, opts->signer_eku_count))) {
		enf_trust_free(trust);
		return rc;
	}
	if (opts->fetch_dir) {
		rc = enf_fleet__fetch(&repo, where, opts->fetch_dir, opts->branch_prefix);
	} else if (git_repository_open_ext(&repo, where, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL)) {
		char *why = git_message();
		enf_error_set(ENF_ERRCLASS_REPORT,
		              "cannot open the audit repository '%s': %s; give the folder or URL "
		              "that --audit-repo runs commit to",
		              where, why ? why : "?");
		free(why);
		rc = ENF_ENOTFOUND;
	}
	/* Every server pushes here: no object is inflated before its size is known. */
	if (rc == 0)
		rc = enf_git_guard_sizes(repo, &enf_audit_git_limits);
	if (rc == 0)
		rc = list_hosts(d, repo, opts->branch_prefix);
	/*
	 * Reading is signature checks, inflating and JSON parsing, all CPU: the
	 * odd hosts on a second thread halve it on two cores. Each thread has its
	 * own repository object; the trusted signers are only read.
	 */
	half w = {d, rc == 0 ? git_repository_path(repo) : NULL, opts, trust, 0, NULL};
	enf_thread *t = rc == 0 && d->count > 1 ? enf_thread_run(read_half, &w) : NULL;
	for (size_t i = 0; rc == 0 && i<d->count; i += d->count> 1 ? 2 : 1)
		rc = read_host(&d->hosts[i], repo, opts, trust);
	enf_thread_join(t);
	if (rc == 0 && w.rc) {
		enf_error_set(ENF_ERRCLASS_REPORT, "%s", w.why ? w.why : "out of memory");
		rc = w.rc;
	}
	free(w.why);
	git_repository_free(repo);
	enf_trust_free(trust);
	return rc;
}
