/*
 * The fleet report as text (a console, a ticket) and as JUnit XML (a CI
 * dashboard: one testcase per host, and one per host and resource), both
 * rendered from the enforcer-fleet/1 document.
 */
#include "fleet_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "lync-edge@3f2a9c1b7d4e": the policy's name and the start of its commit or file hash. */
void enf_fleet__policy_label(enf_buf *b, const json_t *name, const json_t *id)
{
	const char *n = json_string_value(name), *i = json_string_value(id);
	enf_buf_puts(b, n ? n : "(no policy)");
	if (i) {
		size_t skip = strncmp(i, "sha256:", 7) == 0 ? 7 : 0;
		enf_buf_printf(b, "@%s%.12s", skip ? "sha256:" : "", i + skip);
	}
}

/* "EDGE03's access-edge logon is .\svc-lync; 3 of 4 hosts on lync-edge@...: NetworkService" */
void enf_fleet__outlier_text(enf_buf *b, const json_t *o)
{
	char *v = enf_rj_value_text(json_object_get(o, "value"));
	char *m = enf_rj_value_text(json_object_get(o, "majority"));
	enf_buf_printf(b, "%s's %s %s is %s; %lld of %lld hosts on ", enf_rj_str(o, "host"),
	               enf_rj_str(o, "resource"), enf_rj_str(o, "field"), v ? v : "?",
	               enf_rj_num(o, "majority_hosts"), enf_rj_num(o, "hosts"));
	enf_fleet__policy_label(b, json_object_get(o, "policy"), json_object_get(o, "policy_id"));
	enf_buf_printf(b, ": %s", m ? m : "?");
	free(v);
	free(m);
}

static const char *color_of(const char *status)
{
	return strcmp(status, "compliant") == 0 ? "\033[32m"
	       : strcmp(status, "drift") == 0   ? "\033[33m"
	                                        : "\033[31m";
}

static void host_line(enf_buf *b, const json_t *h, int color)
{
	const char *status = enf_rj_str(h, "status");
	const json_t *last = json_object_get(h, "last_run");
	if (color)
		enf_buf_printf(b, "  %s%-10s\033[0m", color_of(status), status);
	else
		enf_buf_printf(b, "  %-10s", status);
	enf_buf_printf(b, " %-5s %-*s", json_is_true(json_object_get(h, "stale")) ? "STALE" : "",
	               json_is_object(last) ? 16 : 0, enf_rj_str(h, "name"));
	if (json_is_object(last)) {
		const json_t *code = json_object_get(last, "exit_code");
		const json_t *p = json_object_get(last, "policy");
		char code_text[24] = "?";
		if (json_is_integer(code))
			snprintf(code_text, sizeof(code_text), "%lld",
			         (long long)json_integer_value(code));
		enf_buf_printf(
		    b, " %.19sZ %-15s exit %-2s ", enf_rj_str(last, "time"),
		    json_is_string(json_object_get(last, "mode")) ? enf_rj_str(last, "mode") : "?",
		    code_text);
		enf_fleet__policy_label(b, json_object_get(p, "name"), json_object_get(p, "id"));
		enf_buf_printf(b, " signature %s",
		               enf_rj_str(json_object_get(last, "signature"), "status"));
	}
	enf_buf_puts(b, "\n");
	if (json_is_string(json_object_get(h, "error")))
		enf_buf_printf(b, "             branch %s: %s\n", enf_rj_str(h, "branch"),
		               enf_rj_str(h, "error"));
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(h, "problems"), i, p)
	{
		enf_buf_printf(b, "             run %s (commit %.12s): %s\n",
		               json_is_string(json_object_get(p, "run")) ? enf_rj_str(p, "run")
		                                                         : "?",
		               enf_rj_str(p, "commit"), enf_rj_str(p, "problem"));
	}
}

/*
 * The document with every string as a terminal may show it (util/shown.c):
 * host names, run ids and values come from the hosts' reports, and none of
 * them may act on the console the fleet text is printed to. The words the
 * text tests ("compliant", "drift") are plain ASCII and stay as they are.
 */
static json_t *shown_copy(json_t *v)
{
	const char *key;
	size_t i;
	json_t *item;
	if (json_is_string(v)) {
		enf_buf b = ENF_BUF_INIT;
		enf_buf_puts(&b, "");
		enf_buf_put_shown(&b, json_string_value(v), json_string_length(v), 0);
		char *text = enf_buf_detach(&b);
		json_t *out = text ? json_string(text) : NULL;
		free(text);
		return out;
	}
	if (json_is_object(v)) {
		json_object_foreach(v, key, item)
		{
			json_t *n = shown_copy(item);
			if (!n || json_object_set_new(v, key, n))
				return NULL;
		}
	}
	json_array_foreach(v, i, item)
	{
		json_t *n = shown_copy(item);
		if (!n || json_array_set_new(v, i, n))
			return NULL;
	}
	return json_incref(v);
}

char *enf_fleet_render_text(const enf_fleet *f, int color)
{
	json_t *copy = json_deep_copy(f->doc);
	json_t *doc = copy ? shown_copy(copy) : NULL;
	json_decref(copy);
	if (!doc)
		return NULL;
	const json_t *s = json_object_get(doc, "summary");
	enf_buf b = ENF_BUF_INIT;
	size_t i;
	json_t *e;
	enf_buf_printf(&b, "Fleet %s (branches %s*), runs since %s, as of %s\n",
	               enf_rj_str(doc, "repository"), enf_rj_str(doc, "branch_prefix"),
	               enf_rj_str(doc, "since"), enf_rj_str(doc, "generated"));
	enf_buf_printf(&b, "\nHosts (stale: no run in %lld hours):\n",
	               enf_rj_num(doc, "stale_hours"));
	json_array_foreach(json_object_get(doc, "hosts"), i, e) host_line(&b, e, color);
	enf_buf_puts(&b,
	             "\nResources (each host's last run): compliant, drifted, failed, waived\n");
	json_array_foreach(json_object_get(doc, "resources"), i, e)
	{
		const json_t *c = json_object_get(e, "counts");
		enf_buf_printf(&b, "  %-28s %-11s %lld, %lld, %lld, %lld\n", enf_rj_str(e, "id"),
		               enf_rj_str(e, "type"), enf_rj_num(c, "compliant"),
		               enf_rj_num(c, "drift") + enf_rj_num(c, "changed") +
		                   enf_rj_num(c, "audit-drift"),
		               enf_rj_num(c, "failed"), enf_rj_num(c, "waived"));
	}
	if (json_array_size(json_object_get(doc, "outliers")))
		enf_buf_puts(&b, "\nOutliers (off the majority of hosts on the same policy):\n");
	json_array_foreach(json_object_get(doc, "outliers"), i, e)
	{
		enf_buf_puts(&b, "  ");
		enf_fleet__outlier_text(&b, e);
		enf_buf_puts(&b, "\n");
	}
	if (json_array_size(json_object_get(doc, "flapping")))
		enf_buf_printf(
		    &b, "\nFlapping (changed in at least half of a host's last %lld applies):\n",
		    enf_rj_num(doc, "flap_runs"));
	json_array_foreach(json_object_get(doc, "flapping"), i, e)
	{
		enf_buf_printf(
		    &b, "  %s %s: changed in %lld of %lld applies:", enf_rj_str(e, "host"),
		    enf_rj_str(e, "resource"), enf_rj_num(e, "changed"), enf_rj_num(e, "applies"));
		size_t k;
		json_t *r;
		json_array_foreach(json_object_get(e, "runs"), k, r)
		{
			enf_buf_printf(&b, " %s", enf_rj_str(r, "id"));
		}
		enf_buf_puts(&b, "\n");
	}
	const json_t *kinds = json_object_get(s, "changes");
	enf_buf_printf(
	    &b,
	    "\nChanges: %lld corrective (drift corrected, same policy), %lld intentional "
	    "(a new policy), %lld unknown\n",
	    enf_rj_num(kinds, "corrective"), enf_rj_num(kinds, "intentional"),
	    enf_rj_num(kinds, "unknown"));
	json_array_foreach(json_object_get(doc, "hosts"), i, e)
	{
		const json_t *k = json_object_get(e, "changes");
		if (enf_rj_num(k, "corrective") + enf_rj_num(k, "intentional") +
		    enf_rj_num(k, "unknown"))
			enf_buf_printf(&b,
			               "  %-16s %lld corrective, %lld intentional, %lld unknown\n",
			               enf_rj_str(e, "name"), enf_rj_num(k, "corrective"),
			               enf_rj_num(k, "intentional"), enf_rj_num(k, "unknown"));
	}
	enf_buf_puts(
	    &b, "\nTrend (each host's last run of the day): compliant, drift, failed, unknown\n");
	json_array_foreach(json_object_get(doc, "trend"), i, e)
	{
		enf_buf_printf(&b, "  %s  %lld, %lld, %lld, %lld\n", enf_rj_str(e, "day"),
		               enf_rj_num(e, "compliant"), enf_rj_num(e, "drift"),
		               enf_rj_num(e, "failed"), enf_rj_num(e, "unknown"));
	}
	enf_buf_printf(
	    &b,
	    "\nFleet: %lld hosts: %lld compliant, %lld drift, %lld failed, %lld unknown; "
	    "%lld stale, %lld with problems, %lld flapping, %lld outliers; exit %lld\n",
	    enf_rj_num(s, "hosts"), enf_rj_num(s, "compliant"), enf_rj_num(s, "drift"),
	    enf_rj_num(s, "failed"),
	    enf_rj_num(s, "unreadable") + enf_rj_num(s, "unverified") + enf_rj_num(s, "damaged"),
	    enf_rj_num(s, "stale"), enf_rj_num(s, "with_problems"), enf_rj_num(s, "flapping"),
	    enf_rj_num(s, "outliers"), enf_rj_num(doc, "exit_code"));
	json_decref(doc);
	return enf_buf_detach(&b);
}

/* A host's testcase fails unless its last run was compliant, fresh and verified. */
static void host_case(enf_buf *b, const json_t *h)
{
	const char *status = enf_rj_str(h, "status");
	int stale = json_is_true(json_object_get(h, "stale"));
	size_t problems = json_array_size(json_object_get(h, "problems"));
	enf_buf_puts(b, "    <testcase classname=\"fleet.hosts\" name=\"");
	enf_rj_escape(b, enf_rj_str(h, "name"));
	if (strcmp(status, "compliant") == 0 && !stale && !problems &&
	    !json_is_string(json_object_get(h, "error"))) {
		enf_buf_puts(b, "\"/>\n");
		return;
	}
	enf_buf_puts(b, "\">\n      <failure type=\"");
	enf_rj_escape(b, status);
	enf_buf_puts(b, "\" message=\"");
	enf_buf_printf(b, "%s%s%s", status, stale ? ", stale" : "",
	               problems || json_is_string(json_object_get(h, "error"))
	                   ? ", reports that cannot be used"
	                   : "");
	enf_buf_puts(b, "\">");
	if (json_is_string(json_object_get(h, "error"))) {
		enf_rj_escape(b, enf_rj_str(h, "error"));
		enf_buf_puts(b, "\n");
	}
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(h, "problems"), i, p)
	{
		enf_rj_escape(b, enf_rj_str(p, "commit"));
		enf_buf_puts(b, ": ");
		enf_rj_escape(b, enf_rj_str(p, "problem"));
		enf_buf_puts(b, "\n");
	}
	enf_buf_puts(b, "</failure>\n    </testcase>\n");
}

char *enf_fleet_render_junit(const enf_fleet *f)
{
	const json_t *doc = f->doc;
	enf_buf b = ENF_BUF_INIT, cases = ENF_BUF_INIT;
	size_t i, k, tests = 0, failures = 0, skipped = 0, host_failures = 0;
	json_t *e, *h;
	json_array_foreach(json_object_get(doc, "resources"), i, e)
	{
		json_array_foreach(json_object_get(e, "by_host"), k, h)
		{
			const char *status = enf_rj_str(h, "status");
			int fail = strcmp(status, "drift") == 0 ||
			           strcmp(status, "audit-drift") == 0 ||
			           strcmp(status, "failed") == 0;
			int skip = strcmp(status, "skipped") == 0 || strcmp(status, "waived") == 0;
			tests++;
			failures += fail;
			skipped += skip;
			enf_buf_puts(&cases, "    <testcase classname=\"fleet.resources\" name=\"");
			enf_rj_escape(&cases, enf_rj_str(h, "host"));
			enf_buf_puts(&cases, ": ");
			enf_rj_escape(&cases, enf_rj_str(e, "id"));
			if (fail || skip)
				enf_buf_printf(&cases,
				               "\">\n      <%s %s=\"%s\"/>\n    </testcase>\n",
				               fail ? "failure" : "skipped",
				               fail ? "type" : "message", status);
			else
				enf_buf_puts(&cases, "\"/>\n");
		}
	}
	const json_t *hosts = json_object_get(doc, "hosts");
	json_array_foreach(hosts, i, h)
	{
		host_failures += strcmp(enf_rj_str(h, "status"), "compliant") != 0 ||
		                 json_is_true(json_object_get(h, "stale")) ||
		                 json_array_size(json_object_get(h, "problems")) ||
		                 json_is_string(json_object_get(h, "error"));
	}
	enf_buf_printf(&b,
	               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"enforcer "
	               "fleet\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\" errors=\"0\">\n",
	               json_array_size(hosts) + tests, host_failures + failures, skipped);
	enf_buf_printf(&b,
	               "  <testsuite name=\"hosts\" tests=\"%zu\" failures=\"%zu\" skipped=\"0\" "
	               "errors=\"0\" timestamp=\"%s\">\n",
	               json_array_size(hosts), host_failures, enf_rj_str(doc, "generated"));
	json_array_foreach(hosts, i, h) host_case(&b, h);
	enf_buf_printf(&b,
	               "  </testsuite>\n  <testsuite name=\"resources\" tests=\"%zu\" "
	               "failures=\"%zu\" skipped=\"%zu\" errors=\"0\" timestamp=\"%s\">\n",
	               tests, failures, skipped, enf_rj_str(doc, "generated"));
	if (cases.ptr)
		enf_buf_puts(&b, cases.ptr);
	enf_buf_puts(&b, "  </testsuite>\n</testsuites>\n");
	int failed = cases.failed;
	enf_buf_clear(&cases);
	if (failed) {
		enf_buf_clear(&b);
		return NULL;
	}
	return enf_buf_detach(&b);
}
