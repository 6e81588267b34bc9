/*
 * Downgrade protection (docs/journal.md, "The commits enforced last"): an
 * attacker with push rights rewinds the policy branch to an older commit
 * that the right person signed a year ago (EnableSessionTicket back to 0),
 * or force-pushes another history. The state folder remembers the commit
 * the last apply enforced per repository and policy path; a run of a
 * commit that does not descend from it is refused, and nothing changes,
 * unless --allow-downgrade, which the report records.
 */
#include "gitrepo.h"
#include "helpers.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char policy_fmt[] =
    "enforcer: 1\n"
    "name: lync-edge\n"
    "resources:\n"
    "  - type: registry\n"
    "    id: schannel.session-ticket\n"
    "    key: HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\Schannel\n"
    "    value: EnableSessionTicket\n"
    "    kind: dword\n"
    "    data: %d\n";

static const char server_json[] =
    "{\"schema\": \"enforcer-snapshot/1\", \"facts\": {\"host.name\": \"EDGE01\"},\n"
    " \"registry\": {}, \"services\": {}, \"stores\": {}}\n";

static char *dir, *repo, *old_commit, *new_commit;

/* The policy with EnableSessionTicket `data`, committed signed by the trusted signer. */
static char *commit_data(const char *in, int data, const char *date, const char *message)
{
	char *text = enf_asprintf(policy_fmt, data);
	gr_write(in, "policies/edge.yaml", text);
	free(text);
	free(gr_sh(in,
	           "git add -A && GIT_AUTHOR_DATE='%s' GIT_COMMITTER_DATE='%s' git -c "
	           "gpg.format=x509 -c gpg.x509.program='%s/sign-signer.sh' -c "
	           "user.signingkey=signer commit -q -S -m '%s'",
	           date, date, dir, message));
	return gr_sh(in, "git rev-parse HEAD");
}

/* A year ago tickets were off (signed); today they are on (signed): main. */
static void setup(void)
{
	dir = th_tmpdir();
	gr_pki(dir);
	repo = gr_init(dir, "policy-repo");
	free(th_write(dir, "server.json", server_json));
	old_commit = commit_data(repo, 0, "2025-11-03T10:00:00+01:00", "Session tickets off");
	new_commit = commit_data(repo, 1, "2026-11-30T09:30:00+01:00", "Session tickets on");
}

static void fini(void)
{
	free(dir);
	free(repo);
	free(old_commit);
	free(new_commit);
	dir = repo = old_commit = new_commit = NULL;
	th_cleanup();
}

TestSuite(downgrade, .init = setup, .fini = fini);

/*
 * apply (or plan) of policies/edge.yaml at main of `in`, signed, with the
 * state folder `state` (a plan reads the record there) and `extra` flags.
 */
static gr_run run_in(const char *cmd, const char *in, const char *extra)
{
	const char *argv[] = {cmd,
	                      "--repo",
	                      in,
	                      "--ref",
	                      "main",
	                      "--trusted-signers",
	                      "ca.pem",
	                      "--require-signed",
	                      "--target",
	                      "snapshot:server.json",
	                      "--format",
	                      "json",
	                      "--state-dir",
	                      "state",
	                      "policies/edge.yaml",
	                      extra,
	                      NULL};
	return gr_cli(dir, argv);
}

static gr_run run(const char *cmd, const char *extra)
{
	return run_in(cmd, "policy-repo", extra);
}

/* The snapshot's EnableSessionTicket, or -1. */
static long ticket(void)
{
	char *path = enf_asprintf("%s/server.json", dir);
	json_t *doc = json_load_file(path, 0, NULL);
	json_t *key = json_object_get(
	    json_object_get(doc, "registry"),
	    "HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\Schannel");
	json_t *v = json_object_get(key, "EnableSessionTicket");
	long data = v ? (long)json_integer_value(json_object_get(v, "data")) : -1;
	json_decref(doc);
	free(path);
	return data;
}

/* The commit state/enforced.json records for policy-repo's policy, or NULL (free() it). */
static char *recorded(void)
{
	char *path = enf_asprintf("%s/state/enforced.json", dir);
	json_t *doc = json_load_file(path, 0, NULL);
	json_t *e = json_array_get(json_object_get(doc, "policies"), 0);
	const char *c = json_string_value(json_object_get(e, "commit"));
	char *out = c ? enf_strdup(c) : NULL;
	cr_expect_str_eq(json_string_value(json_object_get(doc, "format")), "enforcer-enforced/1");
	cr_expect_str_eq(json_string_value(json_object_get(e, "path")), "policies/edge.yaml");
	json_decref(doc);
	free(path);
	return out;
}

static char *file_text(const char *name)
{
	char *path = enf_asprintf("%s/%s", dir, name);
	char *text = th_read(path, NULL);
	free(path);
	return text;
}

/* What the state folder holds beyond the record: the journals, as a listing. */
static char *journals(void)
{
	return gr_sh(dir, "ls state/journal | sort | tr '\\n' ' '");
}

static void expect_refused(const char *cmd, const char *want_err)
{
	char *before = file_text("server.json");
	char *record = file_text("state/enforced.json");
	char *listed = journals();
	gr_run r = run(cmd, NULL);
	cr_expect_eq(r.code, 1, "%s refused: exit 1, not %d", cmd, r.code);
	cr_expect_str_eq(r.err, want_err);
	cr_expect_str_eq(r.out, "");
	char *after = file_text("server.json");
	char *record_after = file_text("state/enforced.json");
	char *listed_after = journals();
	cr_expect_str_eq(after, before, "the snapshot is unchanged");
	cr_expect_str_eq(record_after, record, "the record is unchanged");
	cr_expect_str_eq(listed_after, listed, "no journal was written");
	gr_run_free(&r);
	free(before);
	free(after);
	free(record);
	free(record_after);
	free(listed);
	free(listed_after);
}

Test(downgrade, a_branch_rewound_to_an_older_signed_commit_is_refused_then_allowed)
{
	gr_run r = run("apply", NULL);
	cr_assert_eq(r.code, 2, "%s", r.err);
	gr_run_free(&r);
	cr_expect_eq(ticket(), 1);
	char *rec = recorded();
	cr_expect_str_eq(rec, new_commit);
	free(rec);

	/* The attack: main rewound to last year's commit, validly signed by the right signer. */
	free(gr_sh(repo, "git update-ref refs/heads/main %s", old_commit));
	char *want = enf_asprintf(
	    "enforcer: refusing policy 'main:policies/edge.yaml' at %.12s of 2025-11-03 "
	    "\"Session tickets off\": commit %.12s of 2025-11-03 \"Session tickets off\" does "
	    "not descend from commit %.12s of 2026-11-30 \"Session tickets on\", enforced last by "
	    "run %s: it would undo what was enforced since (a branch rewound to an older commit, "
	    "or pushed over with another history). Enforce a commit that comes after %.12s; if "
	    "going back is intended, run again with --allow-downgrade (the report records it). "
	    "Nothing was changed\n",
	    old_commit, old_commit, new_commit, "%s", new_commit);
	/* The run id is the record's: read it to build the exact message. */
	char *path = enf_asprintf("%s/state/enforced.json", dir);
	json_t *doc = json_load_file(path, 0, NULL);
	const char *run_id = json_string_value(
	    json_object_get(json_array_get(json_object_get(doc, "policies"), 0), "run_id"));
	cr_assert(run_id);
	char *exact = enf_asprintf(want, run_id);
	expect_refused("apply", exact);
	expect_refused("plan", exact);
	json_decref(doc);
	free(path);
	free(want);
	free(exact);
	cr_expect_eq(ticket(), 1, "EnableSessionTicket stays 1");

	/* Going back on purpose: applied, recorded, and the report says so. */
	r = run("apply", "--allow-downgrade");
	cr_assert_eq(r.code, 2, "%s", r.err);
	cr_expect_eq(ticket(), 0);
	json_t *report = json_loads(r.out, 0, NULL);
	json_t *d = json_object_get(json_object_get(report, "run"), "downgrade");
	cr_expect(json_is_true(json_object_get(d, "allowed")));
	cr_expect_str_eq(json_string_value(json_object_get(d, "from")), new_commit);
	cr_expect_str_eq(json_string_value(json_object_get(d, "to")), old_commit);
	cr_expect_str_eq(json_string_value(json_object_get(d, "reason")), "not-descendant");
	cr_expect(strncmp(json_string_value(json_object_get(d, "message")),
	                  "allowed by --allow-downgrade: commit ", 37) == 0);
	json_decref(report);
	gr_run_free(&r);
	rec = recorded();
	cr_expect_str_eq(rec, old_commit, "the downgrade is what later commits descend from");
	free(rec);
	/* The same commit again: no downgrade, nothing to change, no mention. */
	r = run("apply", NULL);
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect_null(strstr(r.out, "downgrade"));
	gr_run_free(&r);
}

Test(downgrade, the_text_html_and_junit_reports_show_an_allowed_downgrade)
{
	gr_run r = run("apply", NULL);
	cr_assert_eq(r.code, 2, "%s", r.err);
	gr_run_free(&r);
	free(gr_sh(repo, "git update-ref refs/heads/main %s", old_commit));
	const char *argv[] = {"apply",
	                      "--repo",
	                      "policy-repo",
	                      "--ref",
	                      "main",
	                      "--target",
	                      "snapshot:server.json",
	                      "--state-dir",
	                      "state",
	                      "--report-dir",
	                      "reports",
	                      "--allow-downgrade",
	                      "policies/edge.yaml",
	                      NULL};
	r = gr_cli(dir, argv);
	cr_assert_eq(r.code, 2, "%s", r.err);
	char *line = enf_asprintf("DOWNGRADE allowed by --allow-downgrade: commit %.12s of "
	                          "2025-11-03 \"Session tickets off\" does not descend from "
	                          "commit %.12s of 2026-11-30",
	                          old_commit, new_commit);
	cr_expect(strstr(r.out, line), "text: %s", r.out);
	char *txt = file_text("reports/report.txt");
	char *html = file_text("reports/report.html");
	char *xml = file_text("reports/report.xml");
	cr_expect(strstr(txt, line));
	cr_expect(strstr(html, "<b>DOWNGRADE</b> allowed by --allow-downgrade: commit "));
	cr_expect(strstr(xml, "<property name=\"run.downgrade\" value=\"allowed by "
	                      "--allow-downgrade: commit "));
	free(line);
	free(txt);
	free(html);
	free(xml);
	gr_run_free(&r);
}

Test(downgrade, a_fast_forward_is_applied_and_recorded)
{
	free(gr_sh(repo, "git update-ref refs/heads/main %s", old_commit));
	gr_run r = run("apply", NULL);
	cr_assert_eq(r.code, 2, "%s", r.err);
	gr_run_free(&r);
	cr_expect_eq(ticket(), 0);
	/* main moves forward to the newer commit: a descendant, applied. */
	free(gr_sh(repo, "git update-ref refs/heads/main %s", new_commit));
	r = run("plan", NULL);
	cr_expect_eq(r.code, 2, "%s", r.err);
	gr_run_free(&r);
	r = run("apply", NULL);
	cr_expect_eq(r.code, 2, "%s", r.err);
	cr_expect_null(strstr(r.out, "downgrade"));
	gr_run_free(&r);
	cr_expect_eq(ticket(), 1);
	char *rec = recorded();
	cr_expect_str_eq(rec, new_commit);
	free(rec);
}

Test(downgrade, a_force_push_to_another_history_is_refused_and_a_lost_commit_too)
{
	gr_run r = run("apply", NULL);
	cr_assert_eq(r.code, 2, "%s", r.err);
	gr_run_free(&r);
	/* A new root commit, signed by the right signer, pushed over main. */
	free(gr_sh(repo, "git checkout -q --orphan rewritten"));
	char *other = commit_data(repo, 0, "2026-12-01T08:00:00+01:00", "Start over");
	free(gr_sh(repo, "git update-ref refs/heads/main %s && git checkout -q main", other));
	gr_run t = run("apply", NULL);
	cr_expect_eq(t.code, 1);
	char *want = enf_asprintf("commit %.12s of 2026-12-01 \"Start over\" does not descend "
	                          "from commit %.12s of 2026-11-30 \"Session tickets on\"",
	                          other, new_commit);
	cr_expect(strstr(t.err, want), "%s", t.err);
	gr_run_free(&t);
	free(want);
	cr_expect_eq(ticket(), 1);
	/* The old history gone for good: the recorded commit cannot be found. */
	free(gr_sh(repo, "git branch -q -D rewritten && git reflog expire --expire=now --all && "
	                 "git gc -q --prune=now"));
	cr_assert_neq(gr_sh_status(repo, "git cat-file -e %s", new_commit), 0);
	want = enf_asprintf(
	    "commit %.12s, enforced last by run %%s, cannot be found in the repository (its "
	    "history was rewritten, or the clone is shallow), so whether %.12s of 2026-12-01 "
	    "\"Start over\" comes after it cannot be told",
	    new_commit, other);
	t = run("apply", NULL);
	cr_expect_eq(t.code, 1);
	char *head = enf_strndup(want, (size_t)(strstr(want, "%s") - want));
	cr_expect(strstr(t.err, head), "%s", t.err);
	cr_expect(strstr(t.err, strstr(want, "%s") + 2), "%s", t.err);
	gr_run_free(&t);
	cr_expect_eq(ticket(), 1);
	t = run("apply", "--allow-downgrade");
	cr_expect_eq(t.code, 2, "%s", t.err);
	json_t *report = json_loads(t.out, 0, NULL);
	json_t *d = json_object_get(json_object_get(report, "run"), "downgrade");
	cr_expect_str_eq(json_string_value(json_object_get(d, "reason")), "not-found");
	json_decref(report);
	gr_run_free(&t);
	cr_expect_eq(ticket(), 0);
	free(head);
	free(want);
	free(other);
}

Test(downgrade, a_moved_or_recloned_repository_keeps_its_protection)
{
	/* A clone (origin: policy-repo) enforced, then cloned again elsewhere and rewound. */
	free(gr_sh(dir, "git clone -q policy-repo clone-a && git clone -q policy-repo clone-b"));
	gr_run r = run_in("apply", "clone-a", NULL);
	cr_assert_eq(r.code, 2, "%s", r.err);
	gr_run_free(&r);
	free(gr_sh(dir, "git -C clone-b update-ref refs/heads/main %s", old_commit));
	r = run_in("apply", "clone-b", NULL);
	cr_expect_eq(r.code, 1);
	cr_expect(strstr(r.err, "does not descend from commit"), "%s", r.err);
	gr_run_free(&r);
	/* The record names the origin's URL, never a password in it. */
	free(gr_sh(dir, "git -C clone-a remote set-url origin "
	                "https://alice:s3cret@git.contoso.com/lync/policy.git/"));
	r = run_in("apply", "clone-a", NULL);
	cr_expect_eq(r.code, 0, "%s", r.err);
	gr_run_free(&r);
	char *record = file_text("state/enforced.json");
	cr_expect(strstr(record, "\"url:https://git.contoso.com/lync/policy\""), "%s", record);
	cr_expect_null(strstr(record, "s3cret"));
	cr_expect_null(strstr(record, "alice"));
	free(record);
	/* Without an origin, a repository is known by its folder; moved, its commit finds it. */
	r = run("apply", NULL);
	cr_assert_eq(r.code, 0, "%s", r.err);
	gr_run_free(&r);
	free(gr_sh(dir,
	           "mv policy-repo moved-repo && git -C moved-repo update-ref "
	           "refs/heads/main %s",
	           old_commit));
	r = run_in("apply", "moved-repo", NULL);
	cr_expect_eq(r.code, 1);
	cr_expect(strstr(r.err, "does not descend from commit"), "%s", r.err);
	gr_run_free(&r);
	cr_expect_eq(ticket(), 1);
}

Test(downgrade, a_damaged_or_planted_record_is_refused_and_nothing_changes)
{
	gr_run r = run("apply", NULL);
	cr_assert_eq(r.code, 2, "%s", r.err);
	gr_run_free(&r);
	static const struct {
		const char *text, *what;
	} cases[] = {
	    {"{not json", "not JSON at line 1, column 4: string or '}' expected near 'not'"},
	    {"{\"format\": \"other/1\", \"policies\": []}",
	     "not an \"enforcer-enforced/1\" document"},
	    {"{\"format\": \"enforcer-enforced/1\"}", "no \"policies\" list"},
	    {"{\"format\": \"enforcer-enforced/1\", \"policies\": [{\"repository\": \"x\", "
	     "\"path\": \"policies/edge.yaml\", \"commit\": \"HEAD\"}]}",
	     "no commit id of 40 or 64 hex digits, entry 1"},
	    {"{\"format\": \"enforcer-enforced/1\", \"policies\": [{\"path\": \"p\"}]}",
	     "a repository or path missing, entry 1"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		free(th_write(dir, "state/enforced.json", cases[i].text));
		free(gr_sh(dir, "chmod 600 state/enforced.json"));
		char *want = enf_asprintf(
		    "enforcer: '%s/enforced.json', the record of the commits enforced last, "
		    "is damaged (%s): enforcer writes it, nobody else should; restore it from a "
		    "backup, or remove it to start downgrade protection again from the next "
		    "apply; nothing was changed\n",
		    "state", cases[i].what);
		expect_refused("apply", want);
		free(want);
	}
	/* One others can write is not read at all (the state folder's rule). */
	free(gr_sh(dir, "chmod 666 state/enforced.json"));
	r = run("apply", NULL);
	cr_expect_eq(r.code, 1);
	cr_expect(strstr(r.err, "state/enforced.json"), "%s", r.err);
	gr_run_free(&r);
	/* A link planted in its place is refused too. */
	free(gr_sh(dir, "rm state/enforced.json && echo '{}' > elsewhere.json && "
	                "ln -s ../elsewhere.json state/enforced.json"));
	r = run("apply", NULL);
	cr_expect_eq(r.code, 1);
	cr_expect(strstr(r.err, "state/enforced.json"), "%s", r.err);
	gr_run_free(&r);
	cr_expect_eq(ticket(), 1);
}

Test(downgrade, a_plan_records_nothing_and_allow_downgrade_needs_a_repository)
{
	gr_run r = run("plan", NULL);
	cr_expect_eq(r.code, 2, "%s", r.err);
	gr_run_free(&r);
	cr_expect_neq(gr_sh_status(dir, "test -e state"), 0, "a plan writes no state folder");
	const char *argv[] = {
	    "apply", "--allow-downgrade", "--target", "snapshot:server.json", "edge.yaml", NULL};
	r = gr_cli(dir, argv);
	cr_expect_eq(r.code, 1);
	cr_expect(strstr(r.err, "--allow-downgrade applies to a policy from git: give --repo DIR "
	                        "too"),
	          "%s", r.err);
	gr_run_free(&r);
}
