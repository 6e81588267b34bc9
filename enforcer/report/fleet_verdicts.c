/*
 * The fleet's verdicts from the runs read: each host's last run and status,
 * per resource the outcomes across hosts and the outliers from the majority
 * of hosts on the same policy, flapping resources, corrective versus
 * intentional changes, and the per-day trend (docs/fleet.schema.json).
 * A run whose report could not be read or verified counts as unknown,
 * never as compliant.
 */
#include "fleet_int.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* A run's class for the trend and a host's status: by its exit code. */
static const char *run_class(const fleet_run *r)
{
	if (!FLEET_RUN_USABLE(r))
		return "unknown";
	return r->exit_code == 0 ? "compliant" : r->exit_code == 2 ? "drift" : "failed";
}

static const char *host_status(const fleet_host *h)
{
	if (h->count == 0)
		return "damaged";
	const fleet_run *r = &h->runs[0];
	if (FLEET_RUN_USABLE(r))
		return run_class(r);
	return r->unverified ? "unverified" : "unreadable";
}

static json_t *last_run_json(const fleet_run *r)
{
	const json_t *counts = r->report ? json_object_get(r->report, "counts") : NULL;
	return json_pack("{s:s?, s:s, s:o, s:s?, s:o, s:{s:s?, s:s?}, s:{s:s?, s:s?}, s:O?}", "id",
	                 r->run_id, "commit", r->commit, "time", enf_rj_time(r->time), "mode",
	                 r->mode, "exit_code",
	                 r->exit_code >= 0 ? json_integer(r->exit_code) : json_null(), "policy",
	                 "name", r->policy_name, "id", r->policy, "signature", "status", r->sig,
	                 "detail", r->sig_detail, "counts", counts);
}

/* Runs whose report cannot be used: reported per host, and the fleet's exit code is 4. */
static json_t *problems_json(const fleet_host *h)
{
	json_t *list = json_array();
	for (size_t i = 0; list && i < h->count; i++) {
		const fleet_run *r = &h->runs[i];
		if (FLEET_RUN_USABLE(r))
			continue;
		json_array_append_new(list,
		                      json_pack("{s:s?, s:s, s:o, s:s?, s:s}", "run", r->run_id,
		                                "commit", r->commit, "time", enf_rj_time(r->time),
		                                "signature", r->sig, "problem", r->error));
	}
	return list;
}

/* Adds one host's last report to the per-resource counts and the outlier groups. */
static void add_resources(json_t *resources, json_t *groups, const fleet_host *h)
{
	const fleet_run *last = &h->runs[0];
	const json_t *report = last->report;
	size_t i;
	json_t *res;
	json_array_foreach(json_object_get(report, "resources"), i, res)
	{
		const char *id = enf_rj_str(res, "id"), *status = enf_rj_str(res, "status");
		json_t *entry = json_object_get(resources, id);
		if (!entry) {
			entry = json_pack(
			    "{s:s, s:s, s:i, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i}, s:[]}", "id",
			    id, "type", enf_rj_str(res, "type"), "hosts", 0, "counts", "compliant",
			    0, "drift", 0, "changed", 0, "failed", 0, "skipped", 0, "waived", 0,
			    "audit-drift", 0, "by_host");
			json_object_set_new(resources, id, entry);
		}
		json_t *counts = json_object_get(entry, "counts"),
		       *n = json_object_get(counts, status);
		json_object_set_new(entry, "hosts", json_integer(enf_rj_num(entry, "hosts") + 1));
		if (n)
			json_integer_set(n, json_integer_value(n) + 1);
		json_array_append_new(json_object_get(entry, "by_host"),
		                      json_pack("{s:s, s:s}", "host", h->name, "status", status));
		const json_t *state = json_object_get(res, "state");
		if (!json_is_object(state))
			continue;
		char *key = enf_asprintf("%s\n%s\n%s", last->policy_name ? last->policy_name : "",
		                         last->policy ? last->policy : "", id);
		json_t *g = key ? json_object_get(groups, key) : NULL;
		if (key && !g) {
			g = json_pack("{s:s, s:s?, s:s?, s:s, s:[]}", "resource", id, "policy",
			              last->policy_name, "policy_id", last->policy, "type",
			              enf_rj_str(res, "type"), "members");
			json_object_set_new(groups, key, g);
		}
		free(key);
		json_array_append_new(json_object_get(g, "members"),
		                      json_pack("{s:s, s:O}", "host", h->name, "state", state));
	}
}

/* The outliers of one group of hosts on the same policy: per field, those off the majority. */
static void group_outliers(json_t *outliers, const json_t *g)
{
	const json_t *members = json_object_get(g, "members");
	size_t n = json_array_size(members), i;
	json_t *fields = json_object(), *m;
	json_array_foreach(members, i, m)
	{
		const char *f;
		json_t *v;
		json_object_foreach(json_object_get(m, "state"), f, v)
		    json_object_set_new(fields, f, json_null());
	}
	const char *field;
	json_t *unused;
	json_object_foreach(fields, field, unused)
	{
		/* Each value as canonical text, counted: linear in the hosts. */
		json_t *tally = json_object();
		char **texts = calloc(n ? n : 1, sizeof(*texts));
		const char *best = NULL;
		long long best_n = 0;
		json_array_foreach(members, i, m)
		{
			const json_t *v = json_object_get(json_object_get(m, "state"), field);
			texts[i] =
			    v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS)
			      : enf_strdup("(none)");
			if (!texts[i])
				continue;
			json_t *c = json_object_get(tally, texts[i]);
			long long k = c ? json_integer_value(c) + 1 : 1;
			json_object_set_new(tally, texts[i], json_integer(k));
			if (k > best_n) {
				best_n = k;
				best = json_object_iter_key(json_object_iter_at(tally, texts[i]));
			}
		}
		if (best && (size_t)best_n * 2 > n && (size_t)best_n < n) {
			json_t *majority = json_object_get(json_object_get(members, 0), "state");
			json_array_foreach(members, i, m)
			{
				const json_t *v =
				    json_object_get(json_object_get(m, "state"), field);
				if (texts[i] && strcmp(texts[i], best) == 0) {
					majority = (json_t *)v;
					break;
				}
			}
			json_array_foreach(members, i, m)
			{
				if (!texts[i] || strcmp(texts[i], best) == 0)
					continue;
				const json_t *v =
				    json_object_get(json_object_get(m, "state"), field);
				json_array_append_new(
				    outliers,
				    json_pack(
				        "{s:s, s:s, s:s, s:O?, s:O?, s:s, s:O, s:I, s:I}", "host",
				        enf_rj_str(m, "host"), "resource",
				        enf_rj_str(g, "resource"), "type", enf_rj_str(g, "type"),
				        "policy", json_object_get(g, "policy"), "policy_id",
				        json_object_get(g, "policy_id"), "field", field, "value",
				        v ? (json_t *)v : json_null(), "majority_hosts",
				        (json_int_t)best_n, "hosts", (json_int_t)n));
				json_t *o = json_array_get(outliers, json_array_size(outliers) - 1);
				json_object_set(o, "majority", majority ? majority : json_null());
			}
		}
		for (i = 0; i < n; i++)
			free(texts[i]);
		free(texts);
		json_decref(tally);
	}
	json_decref(fields);
}

/*
 * A change of run i: corrective when the policy stayed what the host's
 * previous run enforced (something had undone it), intentional when it
 * followed a new policy (or the branch's first run), unknown when the run
 * before is not known.
 */
static const char *change_kind(const fleet_host *h, size_t i, const char **prev_out)
{
	const fleet_run *r = &h->runs[i];
	int last = i + 1 == h->count;
	const char *prev = !last ? h->runs[i + 1].policy : h->have_before ? h->before_policy : NULL;
	*prev_out = prev;
	if (last && h->from_start)
		return "intentional";
	if ((last && !h->have_before) || !prev || !r->policy)
		return "unknown";
	return strcmp(prev, r->policy) == 0 ? "corrective" : "intentional";
}

/*
 * Flapping: a resource a host's last N applies changed, under the same
 * policy, in at least half of them (and at least twice): something keeps
 * undoing it.
 */
static size_t add_flapping(json_t *flapping, const fleet_host *h, unsigned flap_runs)
{
	json_t *seen = json_object();
	size_t applies = 0, found = 0;
	for (size_t i = 0; i < h->count && applies < flap_runs; i++) {
		const fleet_run *r = &h->runs[i];
		const char *prev;
		if (!FLEET_RUN_USABLE(r) || !r->mode || strcmp(r->mode, "apply") != 0)
			continue;
		applies++;
		if (strcmp(change_kind(h, i, &prev), "intentional") == 0)
			continue;
		for (size_t k = 0; k < r->changed_count; k++) {
			json_t *runs = json_object_get(seen, r->changed[k]);
			if (!runs) {
				runs = json_array();
				json_object_set_new(seen, r->changed[k], runs);
			}
			json_array_append_new(runs, json_pack("{s:s, s:s, s:o}", "id", r->run_id,
			                                      "commit", r->commit, "time",
			                                      enf_rj_time(r->time)));
		}
	}
	const char *id;
	json_t *runs;
	json_object_foreach(seen, id, runs)
	{
		size_t n = json_array_size(runs);
		if (n < 2 || n * 2 < applies)
			continue;
		found++;
		json_array_append_new(flapping,
		                      json_pack("{s:s, s:s, s:I, s:I, s:O}", "host", h->name,
		                                "resource", id, "changed", (json_int_t)n, "applies",
		                                (json_int_t)applies, "runs", runs));
	}
	json_decref(seen);
	return found;
}

/* Each change of the window, with its kind (change_kind). */
static void add_changes(json_t *changes, json_t *kinds, const fleet_host *h)
{
	for (size_t i = 0; i < h->count; i++) {
		const fleet_run *r = &h->runs[i];
		if (!FLEET_RUN_USABLE(r) || r->changed_count == 0)
			continue;
		const char *prev = NULL, *kind = change_kind(h, i, &prev);
		json_t *n = json_object_get(kinds, kind);
		json_integer_set(n, json_integer_value(n) + (json_int_t)r->changed_count);
		for (size_t k = 0; k < r->changed_count; k++)
			json_array_append_new(
			    changes,
			    json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:s?, s:s?}", "host", h->name,
			              "resource", r->changed[k], "run", r->run_id, "time",
			              enf_rj_time(r->time), "commit", r->commit, "kind", kind,
			              "policy", r->policy, "previous_policy", prev));
	}
}

static int by_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Per day (UTC), each host's last run of the day: compliant, drift, failed or unknown. */
static json_t *trend_json(const fleet_data *d, double since)
{
	json_t *days = json_object(), *seen = json_object(), *out = json_array();
	for (size_t i = 0; i < d->count; i++) {
		const fleet_host *h = &d->hosts[i];
		for (size_t k = 0; k < h->count; k++) {
			const fleet_run *r = &h->runs[k];
			if (r->time < since)
				continue;
			json_t *t = enf_rj_time(r->time);
			char *day = enf_strndup(json_string_value(t), 10);
			char *key = enf_asprintf("%s\n%s", day, h->branch);
			json_decref(t);
			if (day && key && !json_object_get(seen, key)) {
				json_object_set_new(seen, key, json_true());
				json_t *e = json_object_get(days, day);
				if (!e) {
					e = json_pack("{s:s, s:i, s:i, s:i, s:i}", "day", day,
					              "compliant", 0, "drift", 0, "failed", 0,
					              "unknown", 0);
					json_object_set_new(days, day, e);
				}
				json_t *n = json_object_get(e, run_class(r));
				json_integer_set(n, json_integer_value(n) + 1);
			}
			free(day);
			free(key);
		}
	}
	size_t n = json_object_size(days), j = 0;
	const char **keys = calloc(n ? n : 1, sizeof(*keys));
	const char *key;
	json_t *v;
	json_object_foreach(days, key, v)
	{
		if (keys)
			keys[j++] = key;
	}
	if (keys)
		qsort(keys, j, sizeof(*keys), by_key);
	for (size_t k = 0; keys && k < j; k++)
		json_array_append(out, json_object_get(days, keys[k]));
	free(keys);
	json_decref(days);
	json_decref(seen);
	return out;
}

/* Sorted by host, then resource, then field: a stable order for every format. */
static int by_host_resource(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(enf_rj_str(x, "host"), enf_rj_str(y, "host"));
	if (!c)
		c = strcmp(enf_rj_str(x, "resource"), enf_rj_str(y, "resource"));
	return c ? c : strcmp(enf_rj_str(x, "field"), enf_rj_str(y, "field"));
}

static json_t *sorted(json_t *list)
{
	size_t n = json_array_size(list);
	json_t **items = calloc(n ? n : 1, sizeof(*items)), *out = json_array();
	for (size_t i = 0; items && i < n; i++)
		items[i] = json_array_get(list, i);
	if (items)
		qsort(items, n, sizeof(*items), by_host_resource);
	for (size_t i = 0; items && i < n; i++)
		json_array_append(out, items[i]);
	free(items);
	json_decref(list);
	return out;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(enf_rj_str(*(json_t *const *)a, "id"), enf_rj_str(*(json_t *const *)b, "id"));
}

/* The per-resource entries, by id. */
static json_t *resources_list(json_t *resources)
{
	size_t n = json_object_size(resources), j = 0;
	json_t **items = calloc(n ? n : 1, sizeof(*items)), *out = json_array(), *e;
	const char *id;
	json_object_foreach(resources, id, e)
	{
		if (items)
			items[j++] = e;
	}
	if (items)
		qsort(items, j, sizeof(*items), by_id);
	for (size_t i = 0; items && i < j; i++)
		json_array_append(out, items[i]);
	free(items);
	json_decref(resources);
	return out;
}

int enf_fleet__verdicts(json_t **out, const fleet_data *d, const enf_fleet_options *opts)
{
	json_t *hosts = json_array(), *resources = json_object(), *groups = json_object();
	json_t *outliers = json_array(), *flapping = json_array(), *changes = json_array();
	json_t *kinds =
	    json_pack("{s:i, s:i, s:i}", "corrective", 0, "intentional", 0, "unknown", 0);
	json_t *tally = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i}", "compliant", 0, "drift", 0,
	                          "failed", 0, "unreadable", 0, "unverified", 0, "damaged", 0);
	size_t stale = 0, flapping_hosts = 0, troubled = 0;
	double cutoff = opts->now - (double)opts->stale_hours * 3600.0;
	for (size_t i = 0; i < d->count; i++) {
		const fleet_host *h = &d->hosts[i];
		const char *status = host_status(h);
		int is_stale = h->count == 0 || h->runs[0].time < cutoff;
		json_t *problems = problems_json(h);
		json_t *host_kinds =
		    json_pack("{s:i, s:i, s:i}", "corrective", 0, "intentional", 0, "unknown", 0);
		stale += is_stale;
		if (json_array_size(problems) || h->error)
			troubled++;
		json_t *n = json_object_get(tally, status);
		json_integer_set(n, json_integer_value(n) + 1);
		if (h->count && FLEET_RUN_USABLE(&h->runs[0]) && h->runs[0].report)
			add_resources(resources, groups, h);
		size_t flaps = add_flapping(flapping, h, opts->flap_runs);
		flapping_hosts += flaps > 0;
		size_t before = json_array_size(changes);
		add_changes(changes, host_kinds, h);
		for (size_t k = before; k < json_array_size(changes); k++) {
			const char *kind = enf_rj_str(json_array_get(changes, k), "kind");
			json_t *c = json_object_get(kinds, kind);
			json_integer_set(c, json_integer_value(c) + 1);
		}
		json_array_append_new(hosts,
		                      json_pack("{s:s, s:s, s:s, s:b, s:s?, s:I, s:o, s:o, s:o}",
		                                "name", h->name, "branch", h->branch, "status",
		                                status, "stale", is_stale, "error", h->error,
		                                "runs_read", (json_int_t)h->count, "last_run",
		                                h->count ? last_run_json(&h->runs[0]) : json_null(),
		                                "problems", problems, "changes", host_kinds));
	}
	const char *key;
	json_t *g;
	json_object_foreach(groups, key, g) group_outliers(outliers, g);
	outliers = sorted(outliers);
	flapping = sorted(flapping);
	long long failing = enf_rj_num(tally, "failed") + enf_rj_num(tally, "unreadable") +
	                    enf_rj_num(tally, "unverified") + enf_rj_num(tally, "damaged");
	int code = failing || troubled                                     ? 4
	           : enf_rj_num(tally, "drift") || stale || flapping_hosts ? 2
	                                                                   : 0;
	json_object_set_new(tally, "hosts", json_integer((json_int_t)d->count));
	json_object_set_new(tally, "stale", json_integer((json_int_t)stale));
	json_object_set_new(tally, "with_problems", json_integer((json_int_t)troubled));
	json_object_set_new(tally, "flapping", json_integer((json_int_t)json_array_size(flapping)));
	json_object_set_new(tally, "outliers", json_integer((json_int_t)json_array_size(outliers)));
	json_object_set_new(tally, "changes", kinds);
	json_t *doc = json_pack(
	    "{s:s, s:o, s:s, s:s, s:o, s:I, s:I, s:s?, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "schema", "enforcer-fleet/1", "generated", enf_rj_time(opts->now), "repository",
	    d->where, "branch_prefix", opts->branch_prefix, "since", enf_rj_time(opts->since),
	    "stale_hours", (json_int_t)opts->stale_hours, "flap_runs", (json_int_t)opts->flap_runs,
	    "trusted_signers", opts->trusted_signers, "exit_code", code, "summary", tally, "hosts",
	    hosts, "resources", resources_list(resources), "outliers", outliers, "flapping",
	    flapping, "changes", changes, "trend", trend_json(d, opts->since));
	json_decref(groups);
	if (!doc)
		return enf_error_oom();
	*out = doc;
	return 0;
}
