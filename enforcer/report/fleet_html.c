/*
 * The fleet report as one self-contained HTML page for a change board
 * (inline CSS, no scripts, no external files): the verdict first, then the
 * hosts, outliers, flapping resources, changes, per-resource counts and the
 * trend as bars. Everything printed is escaped.
 */
#include "fleet_int.h"

#include <stdlib.h>
#include <string.h>

static const char css[] =
    "body{font:14px/1.45 'Segoe UI',Arial,sans-serif;color:#1f2328;margin:0;background:#f6f8fa}"
    "main{max-width:1200px;margin:0 auto;padding:24px}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px;border-bottom:1px solid #d0d7de;padding-bottom:4px}"
    ".verdict{padding:16px 20px;border-radius:8px;color:#fff;margin-bottom:18px}"
    ".verdict .big{font-size:24px;font-weight:600}.verdict .sub{opacity:.9}"
    ".v-ok{background:#1a7f37}.v-drift{background:#9a6700}.v-failed{background:#cf222e}"
    "table{border-collapse:collapse;width:100%;background:#fff}"
    "th,td{border:1px solid #d0d7de;padding:5px 8px;text-align:left;vertical-align:top}"
    "th{background:#eef1f4;font-weight:600}"
    ".counts{display:flex;flex-wrap:wrap;gap:8px}.count{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;min-width:90px}"
    ".count b{display:block;font-size:20px}"
    ".tag{display:inline-block;font-size:12px;padding:1px 8px;border-radius:10px;color:#fff;background:#cf222e}"
    ".t-compliant{background:#1a7f37}.t-drift{background:#9a6700}.t-stale{background:#57606a}"
    ".mono{font-family:Consolas,'DejaVu Sans Mono',monospace;font-size:12.5px;word-break:break-all}"
    ".nw{white-space:nowrap}.note{color:#57606a;font-size:12.5px}ul{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:8px 28px}"
    ".bar{display:flex;height:14px;width:320px;background:#eef1f4}.bar span{display:block;height:14px}"
    ".b-compliant{background:#1a7f37}.b-drift{background:#9a6700}.b-failed{background:#cf222e}.b-unknown{background:#8c959f}"
    "footer{color:#57606a;font-size:12px;margin-top:28px}"
    "@media print{body{background:#fff}main{padding:0}.verdict{color:#000;border:2px solid #000}}";

static void text(enf_buf *b, const char *s)
{
	enf_rj_escape(b, s);
}

static void verdict(enf_buf *b, const json_t *doc)
{
	long long code = enf_rj_num(doc, "exit_code");
	const char *cls = code == 0 ? "v-ok" : code == 2 ? "v-drift" : "v-failed";
	const char *what = code == 0   ? "All hosts compliant and fresh"
	                   : code == 2 ? "Drift in the fleet"
	                               : "Failures, or reports that cannot be trusted";
	enf_buf_printf(b,
	               "<div class=\"verdict %s\"><div class=\"big\">%s</div><div class=\"sub\">",
	               cls, what);
	enf_buf_printf(b, "%lld hosts in <b>",
	               enf_rj_num(json_object_get(doc, "summary"), "hosts"));
	text(b, enf_rj_str(doc, "repository"));
	enf_buf_puts(b, "</b>, runs since ");
	text(b, enf_rj_str(doc, "since"));
	enf_buf_printf(b, " — exit code %lld</div></div>\n", code);
}

static void counts(enf_buf *b, const json_t *s)
{
	struct {
		const char *label;
		long long n;
	} items[] = {
	    {"hosts", enf_rj_num(s, "hosts")},
	    {"compliant", enf_rj_num(s, "compliant")},
	    {"drift", enf_rj_num(s, "drift")},
	    {"failed", enf_rj_num(s, "failed")},
	    {"unknown",
	     enf_rj_num(s, "unreadable") + enf_rj_num(s, "unverified") + enf_rj_num(s, "damaged")},
	    {"stale", enf_rj_num(s, "stale")},
	    {"flapping", enf_rj_num(s, "flapping")},
	    {"outliers", enf_rj_num(s, "outliers")},
	};
	enf_buf_puts(b, "<div class=\"counts\">");
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++)
		enf_buf_printf(b, "<div class=\"count\"><b>%lld</b>%s</div>", items[i].n,
		               items[i].label);
	enf_buf_puts(b, "</div>\n");
}

static void host_row(enf_buf *b, const json_t *h)
{
	const char *status = enf_rj_str(h, "status");
	const json_t *last = json_object_get(h, "last_run");
	enf_buf_printf(b, "<tr class=\"host\"><td><b>");
	text(b, enf_rj_str(h, "name"));
	enf_buf_printf(b, "</b></td><td><span class=\"tag t-%s\">%s</span>", status, status);
	if (json_is_true(json_object_get(h, "stale")))
		enf_buf_puts(b, " <span class=\"tag t-stale\">stale</span>");
	enf_buf_puts(b, "</td><td class=\"mono nw\">");
	if (json_is_object(last)) {
		const json_t *p = json_object_get(last, "policy");
		text(b, enf_rj_str(last, "time"));
		enf_buf_puts(b, "</td><td>");
		text(b, enf_rj_str(last, "mode"));
		enf_buf_puts(b, "</td><td>");
		if (json_is_integer(json_object_get(last, "exit_code")))
			enf_buf_printf(b, "%lld", enf_rj_num(last, "exit_code"));
		enf_buf_puts(b, "</td><td class=\"mono nw\">");
		enf_buf label = ENF_BUF_INIT;
		enf_fleet__policy_label(&label, json_object_get(p, "name"),
		                        json_object_get(p, "id"));
		text(b, label.ptr);
		enf_buf_clear(&label);
		enf_buf_puts(b, "</td><td>");
		text(b, enf_rj_str(json_object_get(last, "signature"), "status"));
	} else {
		enf_buf_puts(b, "</td><td></td><td></td><td></td><td>");
	}
	enf_buf_puts(b, "</td><td class=\"note\">");
	if (json_is_string(json_object_get(h, "error"))) {
		text(b, enf_rj_str(h, "error"));
		enf_buf_puts(b, "<br>");
	}
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(h, "problems"), i, p)
	{
		enf_buf_puts(b, "run ");
		text(b, json_is_string(json_object_get(p, "run")) ? enf_rj_str(p, "run") : "?");
		enf_buf_puts(b, ": ");
		text(b, enf_rj_str(p, "problem"));
		enf_buf_puts(b, "<br>");
	}
	enf_buf_puts(b, "</td></tr>\n");
}

static void lists(enf_buf *b, const json_t *doc)
{
	size_t i, k;
	json_t *e, *r;
	enf_buf_puts(b, "<h2>Outliers (off the majority of hosts on the same policy)</h2>\n");
	if (!json_array_size(json_object_get(doc, "outliers")))
		enf_buf_puts(b, "<p class=\"note\">None.</p>\n");
	else
		enf_buf_puts(b, "<ul>");
	json_array_foreach(json_object_get(doc, "outliers"), i, e)
	{
		enf_buf line = ENF_BUF_INIT;
		enf_fleet__outlier_text(&line, e);
		enf_buf_puts(b, "<li class=\"outlier\">");
		text(b, line.ptr);
		enf_buf_puts(b, "</li>");
		enf_buf_clear(&line);
	}
	if (json_array_size(json_object_get(doc, "outliers")))
		enf_buf_puts(b, "</ul>\n");
	enf_buf_printf(
	    b,
	    "<h2>Flapping (changed in at least half of a host's last %lld applies)</h2>\n"
	    "<table><tr><th>Host</th><th>Resource</th><th>Changed</th><th>Runs that "
	    "changed it</th></tr>\n",
	    enf_rj_num(doc, "flap_runs"));
	json_array_foreach(json_object_get(doc, "flapping"), i, e)
	{
		enf_buf_puts(b, "<tr class=\"flap\"><td>");
		text(b, enf_rj_str(e, "host"));
		enf_buf_puts(b, "</td><td>");
		text(b, enf_rj_str(e, "resource"));
		enf_buf_printf(b, "</td><td>%lld of %lld applies</td><td class=\"mono\">",
		               enf_rj_num(e, "changed"), enf_rj_num(e, "applies"));
		json_array_foreach(json_object_get(e, "runs"), k, r)
		{
			text(b, enf_rj_str(r, "id"));
			enf_buf_puts(b, " ");
		}
		enf_buf_puts(b, "</td></tr>\n");
	}
	enf_buf_puts(b, "</table>\n<h2>Changes: corrective (same policy) and intentional (a new "
	                "policy)</h2>\n<table><tr><th>Host</th><th>Corrective</th><th>Intentional</"
	                "th><th>Unknown</th></tr>\n");
	json_array_foreach(json_object_get(doc, "hosts"), i, e)
	{
		const json_t *c = json_object_get(e, "changes");
		enf_buf_puts(b, "<tr><td>");
		text(b, enf_rj_str(e, "name"));
		enf_buf_printf(b, "</td><td>%lld</td><td>%lld</td><td>%lld</td></tr>\n",
		               enf_rj_num(c, "corrective"), enf_rj_num(c, "intentional"),
		               enf_rj_num(c, "unknown"));
	}
	enf_buf_puts(b, "</table>\n");
}

static void resources(enf_buf *b, const json_t *doc)
{
	size_t i, k;
	json_t *e, *h;
	enf_buf_puts(b, "<h2>Resources (each host's last run)</h2>\n<table><tr><th>Resource</th>"
	                "<th>Type</th><th>Compliant</th><th>Drifted</th><th>Failed</th>"
	                "<th>Waived</th><th>Not compliant</th></tr>\n");
	json_array_foreach(json_object_get(doc, "resources"), i, e)
	{
		const json_t *c = json_object_get(e, "counts");
		enf_buf_puts(b, "<tr class=\"resource\"><td class=\"mono\">");
		text(b, enf_rj_str(e, "id"));
		enf_buf_puts(b, "</td><td>");
		text(b, enf_rj_str(e, "type"));
		enf_buf_printf(b, "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>",
		               enf_rj_num(c, "compliant"),
		               enf_rj_num(c, "drift") + enf_rj_num(c, "changed") +
		                   enf_rj_num(c, "audit-drift"),
		               enf_rj_num(c, "failed"), enf_rj_num(c, "waived"));
		json_array_foreach(json_object_get(e, "by_host"), k, h)
		{
			if (strcmp(enf_rj_str(h, "status"), "compliant") == 0)
				continue;
			text(b, enf_rj_str(h, "host"));
			enf_buf_puts(b, " (");
			text(b, enf_rj_str(h, "status"));
			enf_buf_puts(b, ") ");
		}
		enf_buf_puts(b, "</td></tr>\n");
	}
	enf_buf_puts(b, "</table>\n");
}

static void trend(enf_buf *b, const json_t *doc)
{
	static const char *const kinds[] = {"compliant", "drift", "failed", "unknown"};
	size_t i;
	json_t *e;
	enf_buf_puts(b, "<h2>Trend (each host's last run of the day)</h2>\n<table><tr><th>Day "
	                "(UTC)</th><th>Hosts</th><th>Compliant</th><th>Drift</th><th>Failed</th>"
	                "<th>Unknown</th></tr>\n");
	json_array_foreach(json_object_get(doc, "trend"), i, e)
	{
		long long total = 0;
		for (int k = 0; k < 4; k++)
			total += enf_rj_num(e, kinds[k]);
		enf_buf_printf(b, "<tr class=\"day\"><td>%s</td><td><div class=\"bar\">",
		               enf_rj_str(e, "day"));
		for (int k = 0; k < 4 && total > 0; k++)
			enf_buf_printf(b, "<span class=\"b-%s\" style=\"width:%lld%%\"></span>",
			               kinds[k], enf_rj_num(e, kinds[k]) * 100 / total);
		enf_buf_puts(b, "</div></td>");
		for (int k = 0; k < 4; k++)
			enf_buf_printf(b, "<td>%lld</td>", enf_rj_num(e, kinds[k]));
		enf_buf_puts(b, "</tr>\n");
	}
	enf_buf_puts(b, "</table>\n");
}

char *enf_fleet_render_html(const enf_fleet *f)
{
	const json_t *doc = f->doc;
	enf_buf b = ENF_BUF_INIT;
	size_t i;
	json_t *h;
	enf_buf_printf(&b,
	               "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	               "<title>enforcer fleet report</title><style>%s</style></head>\n"
	               "<body><main>\n<h1>Fleet compliance</h1>\n",
	               css);
	verdict(&b, doc);
	counts(&b, json_object_get(doc, "summary"));
	enf_buf_printf(&b,
	               "<h2>Hosts (stale: no run in %lld hours)</h2>\n<table><tr><th>Host</th>"
	               "<th>Status</th><th>Last run</th><th>Mode</th><th>Exit</th><th>Policy</th>"
	               "<th>Signature</th><th>Notes</th></tr>\n",
	               enf_rj_num(doc, "stale_hours"));
	json_array_foreach(json_object_get(doc, "hosts"), i, h) host_row(&b, h);
	enf_buf_puts(&b, "</table>\n");
	lists(&b, doc);
	resources(&b, doc);
	trend(&b, doc);
	enf_buf_puts(&b, "<footer>enforcer fleet report, generated ");
	text(&b, enf_rj_str(doc, "generated"));
	enf_buf_puts(&b, " from the audit branches ");
	text(&b, enf_rj_str(doc, "branch_prefix"));
	enf_buf_puts(&b, "*</footer>\n</main></body></html>\n");
	return enf_buf_detach(&b);
}
