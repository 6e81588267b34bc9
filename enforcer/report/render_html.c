/*
 * The HTML report, for change review: one self-contained page (inline CSS,
 * no scripts, no external files) that reads on a laptop and prints. The
 * verdict first, then where the policy came from, the counts, every resource
 * that was not compliant with its before and after values side by side and
 * the actions taken, and the compliant ones folded. Everything printed is
 * escaped.
 */
#include "enforcer/render.h"

#include "render_int.h"

#include <stdlib.h>
#include <string.h>

static const char css[] =
    "body{font:14px/1.45 'Segoe UI',Arial,sans-serif;color:#1f2328;margin:0;background:#f6f8fa}"
    "main{max-width:1100px;margin:0 auto;padding:24px}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px;border-bottom:1px solid #d0d7de;padding-bottom:4px}"
    ".verdict{padding:16px 20px;border-radius:8px;color:#fff;margin-bottom:18px}"
    ".verdict .big{font-size:24px;font-weight:600}.verdict .sub{opacity:.9}"
    ".v-ok{background:#1a7f37}.v-drift{background:#9a6700}.v-changed{background:#0969da}.v-failed{background:#cf222e}"
    "table{border-collapse:collapse;width:100%;background:#fff}"
    "th,td{border:1px solid #d0d7de;padding:6px 8px;text-align:left;vertical-align:top}"
    "th{background:#eef1f4;font-weight:600;width:22%}"
    ".counts{display:flex;flex-wrap:wrap;gap:8px}.count{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;min-width:90px}"
    ".count b{display:block;font-size:20px}"
    ".res{background:#fff;border:1px solid #d0d7de;border-left:6px solid #9a6700;border-radius:6px;padding:12px 14px;margin:12px 0;page-break-inside:avoid}"
    ".res.failed{border-left-color:#cf222e}.res.changed{border-left-color:#0969da}.res.skipped,.res.waived{border-left-color:#8c959f}"
    ".res h3{margin:0 0 6px;font-size:15px}.tag{display:inline-block;font-size:12px;padding:1px 8px;border-radius:10px;background:#eef1f4;margin-right:6px}"
    ".diff td.changed{background:#fff8c5}.mono,code{font-family:Consolas,'DejaVu Sans Mono',monospace;font-size:12.5px;word-break:break-all}"
    "ul.actions{margin:6px 0 0;padding-left:20px}.done{color:#1a7f37}.failed-a{color:#cf222e}.msg{margin:6px 0 0;color:#57606a}"
    "details{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:8px 12px}summary{cursor:pointer;font-weight:600}"
    "footer{color:#57606a;font-size:12px;margin-top:28px}"
    "table.sub{width:auto;margin:0}table.sub th{width:auto;font-weight:600;background:#f6f8fa}"
    "ul.vl{margin:0;padding-left:18px}.pass{color:#1a7f37;font-weight:600}.fail,tr.fail td{color:#cf222e}"
    ".v-warn{background:#9a6700}.warning{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:6px 10px;margin:6px 0 0}"
    "tr.warn td,tr.warn th{background:#fff8c5}.warn-a{color:#9a6700}details.ev{border:0;padding:4px 0 0}"
    "details.ev summary{font-weight:400;color:#0969da}"
    "table.list th{width:auto}.why{margin:0 0 8px}"
    "@media print{body{background:#fff}main{padding:0}.verdict{color:#000;border:2px solid #000}.res{border-left-width:3px}}";

/* Resources whose message is a warning for a person (a certificate near expiry, a password). */
static size_t count_warnings(const json_t *report)
{
	size_t i, n = 0;
	json_t *r;
	json_array_foreach(json_object_get(report, "resources"), i, r) n +=
	    json_is_true(json_object_get(r, "warning"));
	return n;
}

/*
 * Where the policy came from, beside its name: the path as it was given
 * and, for a policy of a repository, the repository and the commit, so that
 * whoever reads the page can find the very file.
 */
static void policy_source(enf_buf *b, const json_t *src)
{
	const char *file = enf_rj_str(src, "file"), *repo = enf_rj_str(src, "repo");
	const char *commit = enf_rj_str(src, "commit");
	if (!*file)
		return;
	enf_buf_puts(b, " (<code>");
	enf_rj_escape(b, file);
	enf_buf_puts(b, "</code>");
	if (*repo) {
		enf_buf_puts(b, " in repository <code>");
		enf_rj_escape(b, repo);
		enf_buf_puts(b, "</code>");
	}
	if (*commit) {
		enf_buf_puts(b, " at commit <code>");
		enf_rj_escape(b, commit);
		enf_buf_puts(b, "</code>");
	}
	enf_buf_puts(b, ")");
}

static void verdict(enf_buf *b, const json_t *report)
{
	size_t warnings = count_warnings(report);
	const json_t *run = json_object_get(report, "run"), *c = json_object_get(report, "counts");
	const char *mode = enf_rj_str(run, "mode");
	int plan = strcmp(mode, "plan") == 0 || json_is_true(json_object_get(run, "dry_run"));
	const char *cls, *text;
	if (enf_rj_num(c, "failed") > 0) {
		cls = "v-failed";
		text = "Failures";
	} else if (enf_rj_num(c, "drift") > 0 || enf_rj_num(c, "audit-drift") > 0) {
		cls = "v-drift";
		text = plan ? "Drift found" : "Drift reported (audit)";
	} else if (enf_rj_num(c, "changed") > 0) {
		cls = "v-changed";
		text = strcmp(mode, "rollback") == 0 ? "Rolled back" : "Changed, now compliant";
	} else if (warnings) {
		/* Compliant, but something needs a person: not a green banner. */
		cls = "v-warn";
		text = "Compliant, with warnings";
	} else {
		cls = "v-ok";
		text = "Compliant";
	}
	enf_buf_printf(b, "<div class=\"verdict %s\"><div class=\"big\">", cls);
	enf_rj_escape(b, text);
	/* A rollback names the run it undid, in the banner as in the title. */
	if (*enf_rj_str(run, "rolled_back")) {
		enf_buf_puts(b, strcmp(text, "Rolled back") == 0 ? " run " : ": rollback of run ");
		enf_rj_escape(b, enf_rj_str(run, "rolled_back"));
	}
	if (warnings)
		enf_buf_printf(b, " (%zu warning%s)", warnings, warnings == 1 ? "" : "s");
	enf_buf_printf(b, "</div><div class=\"sub\">%s of policy <b>", mode);
	enf_rj_escape(b, enf_rj_str(json_object_get(report, "policy"), "name"));
	enf_buf_puts(b, "</b>");
	policy_source(b, json_object_get(json_object_get(report, "policy"), "source"));
	enf_buf_puts(b, " on <b>");
	enf_rj_escape(b, enf_rj_str(run, "host"));
	enf_buf_printf(b, "</b> — exit code %lld%s", enf_rj_num(run, "exit_code"),
	               json_is_true(json_object_get(run, "reboot_pending")) ? " — REBOOT PENDING"
	                                                                    : "");
	const char *downgrade = enf_rj_str(json_object_get(run, "downgrade"), "message");
	if (*downgrade) {
		enf_buf_puts(b, " — <b>DOWNGRADE</b> ");
		enf_rj_escape(b, downgrade);
	}
	if (json_integer_value(json_object_get(run, "restarts_deferred")) > 0)
		enf_buf_printf(
		    b,
		    " — %lld restart(s) deferred: run <code>enforcer restart "
		    "--pending</code> when the pool can spare this server",
		    (long long)json_integer_value(json_object_get(run, "restarts_deferred")));
	enf_buf_puts(b, "</div></div>\n");
}

static void row(enf_buf *b, const char *name, const char *value, int mono)
{
	enf_buf_printf(b, "<tr><th>%s</th><td%s>", name, mono ? " class=\"mono\"" : "");
	enf_rj_escape(b, value && *value ? value : "—");
	enf_buf_puts(b, "</td></tr>\n");
}

static void provenance(enf_buf *b, const json_t *report)
{
	const json_t *run = json_object_get(report, "run");
	const json_t *src = json_object_get(json_object_get(report, "policy"), "source");
	const json_t *dirty = json_object_get(src, "dirty");
	enf_buf_puts(b, "<h2>Run and policy source</h2><table>\n");
	row(b, "Run", enf_rj_str(run, "id"), 1);
	row(b, "Started (UTC)", enf_rj_str(run, "started"), 0);
	row(b, "Ended (UTC)", enf_rj_str(run, "ended"), 0);
	row(b, "Host", enf_rj_str(run, "host"), 0);
	row(b, "User", enf_rj_str(run, "user"), 0);
	row(b, "Target", enf_rj_str(run, "target"), 1);
	row(b, "Policy file", enf_rj_str(src, "file"), 1);
	row(b, "Policy SHA-256", enf_rj_str(src, "sha256"), 1);
	row(b, "Repository", enf_rj_str(src, "repo"), 1);
	row(b, "Ref", enf_rj_str(src, "ref"), 1);
	row(b, "Commit", enf_rj_str(src, "commit"), 1);
	row(b, "Author", enf_rj_str(src, "author"), 0);
	row(b, "Date", enf_rj_str(src, "date"), 0);
	row(b, "Subject", enf_rj_str(src, "subject"), 0);
	row(b, "Signature", enf_rj_str(src, "signature"), 0);
	row(b, "Signer", enf_rj_str(src, "signer"), 0);
	/* Unknown is said as such; a policy read from no repository has nothing to compare. */
	int in_git = json_is_string(json_object_get(src, "repo")) ||
	             json_is_string(json_object_get(src, "commit"));
	row(b, "Uncommitted changes",
	    json_is_true(dirty)    ? "yes"
	    : json_is_false(dirty) ? "no"
	    : in_git               ? "unknown"
	                           : "not known: the policy file is not in a git repository",
	    0);
	row(b, "Journal", enf_rj_str(run, "journal"), 1);
	row(b, "enforcer", enf_rj_str(run, "enforcer_version"), 0);
	enf_buf_puts(b, "</table>\n");
}

static void counts(enf_buf *b, const json_t *report)
{
	static const char *const names[] = {"changed", "drift",   "failed",   "audit-drift",
	                                    "waived",  "skipped", "compliant"};
	enf_buf_puts(b, "<h2>Counts</h2><div class=\"counts\">");
	for (size_t i = 0; i < ENF_ARRAY_SIZE(names); i++)
		enf_buf_printf(b, "<div class=\"count\"><b>%lld</b>%s</div>",
		               enf_rj_num(json_object_get(report, "counts"), names[i]), names[i]);
	enf_buf_puts(b, "</div>\n");
}

/* Before and after side by side, key by key, with the differing rows marked. */
static void before_after(enf_buf *b, const json_t *before, const json_t *after)
{
	enf_buf_puts(b, "<table class=\"diff\"><tr><th></th><th>before</th><th>after</th></tr>\n");
	if (json_is_object(before) || json_is_object(after)) {
		const char *key;
		json_t *v;
		json_t *keys = json_object();
		json_object_foreach((json_t *)before, key, v)
		    json_object_set(keys, key, json_null());
		json_object_foreach((json_t *)after, key, v)
		    json_object_set(keys, key, json_null());
		json_object_foreach(keys, key, v)
		{
			json_t *x = json_object_get(before, key), *y = json_object_get(after, key);
			/*
			 * An "after" that is absent (a plan, a field the run did not
			 * touch) or the same as before is no change: not marked as one.
			 */
			int differs = y != NULL && (x == NULL || !json_equal(x, y));
			enf_buf_puts(b, "<tr><th>");
			enf_rj_escape(b, key);
			enf_buf_printf(b, "</th><td class=\"mono%s\">", differs ? " changed" : "");
			enf_html_value(b, key, x);
			enf_buf_printf(b, "</td><td class=\"mono%s\">", differs ? " changed" : "");
			if (y || !after || json_is_null(after))
				enf_html_value(b, key, y);
			else
				enf_buf_puts(b, "unchanged");
			enf_buf_puts(b, "</td></tr>\n");
		}
		json_decref(keys);
	} else {
		enf_buf_puts(b, "<tr><th>value</th><td class=\"mono\">");
		enf_html_value(b, NULL, before);
		enf_buf_puts(b, "</td><td class=\"mono\">");
		enf_html_value(b, NULL, after);
		enf_buf_puts(b, "</td></tr>\n");
	}
	enf_buf_puts(b, "</table>\n");
}

/*
 * A restart is not a value that changed from one thing to another: it says
 * why it ran (or would), and the state each service was left in.
 */
static void restart_reason(enf_buf *b, const json_t *r)
{
	const char *status = enf_rj_str(r, "status");
	const json_t *before = json_object_get(r, "before"), *after = json_object_get(r, "after");
	const char *by = enf_rj_str(before, "notified_by"), *action = enf_rj_str(after, "action");
	const json_t *services = json_object_get(after, "services");
	if (strncmp(action, "restart ", 8) == 0)
		action += 8;
	enf_buf_puts(b, "<p class=\"why\">");
	if (!*by) {
		enf_buf_puts(b, "Restart not needed: nothing that notifies it changed");
	} else {
		int changed = strcmp(status, "changed") == 0, drift = strcmp(status, "drift") == 0;
		enf_buf_puts(b, changed ? "Restarted " : drift ? "Would restart " : "Restart of ");
		enf_rj_escape(b, *action ? action : "its services");
		enf_buf_puts(b, changed || drift ? " because <b>" : " (");
		enf_rj_escape(b, by);
		enf_buf_puts(b, changed ? "</b> changed"
		                : drift ? "</b> would change"
		                        : " changed): ");
		if (!changed && !drift)
			enf_rj_escape(b, status);
	}
	enf_buf_puts(b, "</p>\n");
	if (json_array_size(services)) {
		enf_buf_puts(b, "<table class=\"diff\"><tr><th>services afterwards</th><td>");
		enf_html_value(b, "services", services);
		enf_buf_puts(b, "</td></tr></table>\n");
	}
}

/*
 * The certificates a `match:` selector picked, above the fold: a renewal
 * shows as a new thumbprint here without opening the compliant list.
 */
static void picked(enf_buf *b, const json_t *resources)
{
	size_t i, n = 0;
	json_t *r;
	json_array_foreach(resources, i, r)
	{
		const json_t *ev = json_object_get(r, "before");
		if (strcmp(enf_rj_str(r, "type"), "certificate") != 0 || !*enf_rj_str(ev, "picked"))
			continue;
		if (n++ == 0)
			enf_buf_puts(
			    b, "<h2>Certificates picked by a selector</h2><table class=\"list\">"
			       "<tr><th>resource</th><th>certificate</th><th>thumbprint</th>"
			       "<th>valid until</th><th>picked</th></tr>\n");
		enf_buf_puts(b, "<tr><td><span class=\"tag\">");
		enf_rj_escape(b, enf_rj_str(r, "status"));
		enf_buf_puts(b, "</span>");
		enf_rj_escape(b, enf_rj_str(r, "id"));
		enf_buf_puts(b, "</td><td>");
		enf_rj_escape(b, enf_rj_str(ev, "name"));
		/* The whole subject when its checks ran (cert_checks.c adds it). */
		if (*enf_rj_str(ev, "subject")) {
			enf_buf_puts(b, "<br><span class=\"msg\">");
			enf_rj_escape(b, enf_rj_str(ev, "subject"));
			enf_buf_puts(b, "</span>");
		}
		enf_buf_puts(b, "</td><td class=\"mono\">");
		enf_rj_escape(b, enf_rj_str(ev, "thumbprint"));
		enf_buf_puts(b, "</td><td>");
		enf_rj_escape(b, enf_rj_str(ev, "not_after"));
		enf_buf_printf(b, "</td><td>%s of %lld matching</td></tr>\n",
		               strcmp(enf_rj_str(ev, "picked"), "newest-valid") == 0
		                   ? "newest valid"
		                   : "picked",
		               enf_rj_num(ev, "matching"));
	}
	if (n)
		enf_buf_puts(b, "</table>\n");
}

static void resource(enf_buf *b, const json_t *r)
{
	const char *status = enf_rj_str(r, "status");
	enf_buf_puts(b, "<div class=\"res ");
	enf_rj_escape(b, status);
	enf_buf_puts(b, "\"><h3><span class=\"tag\">");
	enf_rj_escape(b, status);
	enf_buf_puts(b, "</span><span class=\"tag\">");
	enf_rj_escape(b, enf_rj_str(r, "type"));
	enf_buf_puts(b, "</span>");
	enf_rj_escape(b, enf_rj_str(r, "id"));
	enf_buf_puts(b, "</h3>\n");
	const json_t *before = json_object_get(r, "before"), *after = json_object_get(r, "after");
	int restart = strcmp(enf_rj_str(r, "type"), "restart") == 0;
	if (restart)
		restart_reason(b, r);
	else if (!json_is_null(before) || !json_is_null(after))
		before_after(b, before, after);
	json_t *actions = json_object_get(r, "actions");
	if (json_array_size(actions)) {
		enf_buf_puts(b, "<ul class=\"actions\">");
		size_t i;
		json_t *a;
		json_array_foreach(actions, i, a)
		{
			const char *err = json_string_value(json_object_get(a, "error"));
			int done = json_is_true(json_object_get(a, "done"));
			/*
			 * Done, but a person must finish it (type_service.c says so): not a
			 * tick. Reports before 0.1.0's release said "enter it again".
			 */
			const char *text = enf_rj_str(a, "text");
			int by_hand = done && !err &&
			              (strstr(text, "(without its password)") ||
			               strstr(text, "enter it again"));
			enf_buf_printf(b, "<li class=\"%s\">%s ",
			               err       ? "failed-a"
			               : by_hand ? "warn-a"
			               : done    ? "done"
			                         : "",
			               err       ? "✗"
			               : by_hand ? "⚠"
			               : done    ? "✓"
			                         : "→");
			enf_rj_escape(b, enf_rj_str(a, "text"));
			if (err) {
				enf_buf_puts(b, ": ");
				enf_rj_escape(b, err);
			}
			enf_buf_puts(b, "</li>");
		}
		enf_buf_puts(b, "</ul>\n");
	}
	const char *msg = json_string_value(json_object_get(r, "message"));
	/* A restart's "notified by X" is said by its reason already. */
	if (restart && msg && strncmp(msg, "notified by ", 12) == 0 &&
	    strcmp(msg + 12, enf_rj_str(before, "notified_by")) == 0)
		msg = NULL;
	if (msg && json_is_true(json_object_get(r, "warning"))) {
		enf_buf_puts(b, "<p class=\"warning\">⚠ Warning: ");
		enf_rj_escape(b, msg);
		enf_buf_puts(b, "</p>\n");
	} else if (msg) {
		enf_buf_puts(b, "<p class=\"msg\">");
		enf_rj_escape(b, msg);
		enf_buf_puts(b, "</p>\n");
	}
	enf_buf_puts(b, "</div>\n");
}

char *enf_render_html(const enf_report *rep)
{
	const json_t *report = rep->doc;
	enf_buf b = ENF_BUF_INIT;
	const json_t *run = json_object_get(report, "run");
	enf_buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	                 "<title>enforcer ");
	enf_rj_escape(&b, enf_rj_str(run, "mode"));
	enf_buf_puts(&b, ": ");
	/* A rollback's policy name is already "rollback of RUN-ID". */
	enf_rj_escape(&b, enf_rj_str(json_object_get(report, "policy"), "name"));
	enf_buf_puts(&b, " on ");
	enf_rj_escape(&b, enf_rj_str(run, "host"));
	enf_buf_printf(&b, "</title><style>%s</style></head><body><main>\n", css);
	verdict(&b, report);
	provenance(&b, report);
	counts(&b, report);
	size_t i, compliant = 0;
	json_t *r, *resources = json_object_get(report, "resources");
	enf_buf_puts(&b, "<h2>Resources that were not compliant</h2>\n");
	json_array_foreach(resources, i, r)
	{
		if (strcmp(enf_rj_str(r, "status"), "compliant") == 0)
			compliant++;
		else
			resource(&b, r);
	}
	if (compliant == json_array_size(resources))
		enf_buf_puts(&b, "<p>None.</p>\n");
	picked(&b, resources);
	enf_buf_printf(
	    &b,
	    "<h2>Compliant resources</h2><details><summary>%zu compliant resource%s</summary><table>\n",
	    compliant, compliant == 1 ? "" : "s");
	json_array_foreach(resources, i, r)
	{
		if (strcmp(enf_rj_str(r, "status"), "compliant") != 0)
			continue;
		int warn = json_is_true(json_object_get(r, "warning"));
		enf_buf_puts(&b, warn ? "<tr class=\"warn\"><th>" : "<tr><th>");
		enf_rj_escape(&b, enf_rj_str(r, "id"));
		enf_buf_puts(&b, "</th><td>");
		enf_rj_escape(&b, enf_rj_str(r, "type"));
		const char *msg = json_string_value(json_object_get(r, "message"));
		if (msg) {
			enf_buf_puts(&b, warn ? ": ⚠ warning: " : ": ");
			enf_rj_escape(&b, msg);
		}
		/* What a compliant certificate was checked against, for whoever asks. */
		const json_t *ev = json_object_get(r, "before");
		if (strcmp(enf_rj_str(r, "type"), "certificate") == 0 && json_is_object(ev)) {
			enf_buf_puts(&b, "<details class=\"ev\"><summary>evidence</summary>");
			enf_html_value(&b, NULL, ev);
			enf_buf_puts(&b, "</details>");
		}
		enf_buf_puts(&b, "</td></tr>\n");
	}
	enf_buf_puts(&b, "</table></details>\n<footer>Generated by enforcer ");
	enf_rj_escape(&b, enf_rj_str(run, "enforcer_version"));
	enf_buf_puts(
	    &b, " from report.json (schema enforcer-report/1).</footer>\n</main></body></html>\n");
	return enf_buf_detach(&b);
}
