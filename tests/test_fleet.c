/*
 * The fleet report's library side: its options and dates, and audit
 * branches written here commit by commit (libgit2), including what no
 * enforcer run writes: a commit without a run, a run without report.json,
 * a report that is not an enforcer report. tests/check_fleet.py checks the
 * verdicts from real snapshot runs in every format.
 */
#include "helpers.h"

#include "enforcer/errors.h"
#include "enforcer/fleet.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <git2.h>
#include <git2/sys/commit.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

TestSuite(fleet, .fini = th_cleanup);

static const char report_fmt[] =
    "{\"schema\": \"enforcer-report/1\", \"run\": {\"id\": \"%s\", \"mode\": \"apply\", "
    "\"dry_run\": false, \"host\": \"FE01\", \"ended\": \"%s\", \"exit_code\": %d}, "
    "\"policy\": {\"name\": \"fe\", \"source\": {\"commit\": \"%s\"}}, \"counts\": {}, "
    "\"resources\": [{\"id\": \"tls\", \"type\": \"registry\", \"status\": \"%s\", "
    "\"before\": {\"data\": 0}, \"after\": {\"data\": 1}}]}";

/* Commits `file` (NULL: none) as <run>/report.json on refs/heads/audit/fe01, at `when`. */
static void commit_run(git_repository *repo, const char *message, const char *run, const char *file,
                       git_time_t when)
{
	git_oid tip, blob, sub, root, id;
	git_commit *parent = NULL;
	git_tree *parent_tree = NULL, *tree = NULL;
	git_treebuilder *rb = NULL, *tb = NULL;
	git_signature *sig = NULL;
	int has_tip = git_reference_name_to_id(&tip, repo, "refs/heads/audit/fe01") == 0;
	if (has_tip) {
		cr_assert_eq(git_commit_lookup(&parent, repo, &tip), 0);
		cr_assert_eq(git_commit_tree(&parent_tree, parent), 0);
	}
	cr_assert_eq(git_treebuilder_new(&rb, repo, NULL), 0);
	if (file) {
		cr_assert_eq(git_blob_create_from_buffer(&blob, repo, file, strlen(file)), 0);
		cr_assert_eq(
		    git_treebuilder_insert(NULL, rb, "report.json", &blob, GIT_FILEMODE_BLOB), 0);
	} else {
		cr_assert_eq(git_blob_create_from_buffer(&blob, repo, "x", 1), 0);
		cr_assert_eq(
		    git_treebuilder_insert(NULL, rb, "report.txt", &blob, GIT_FILEMODE_BLOB), 0);
	}
	cr_assert_eq(git_treebuilder_write(&sub, rb), 0);
	cr_assert_eq(git_treebuilder_new(&tb, repo, parent_tree), 0);
	cr_assert_eq(git_treebuilder_insert(NULL, tb, run, &sub, GIT_FILEMODE_TREE), 0);
	cr_assert_eq(git_treebuilder_write(&root, tb), 0);
	cr_assert_eq(git_tree_lookup(&tree, repo, &root), 0);
	cr_assert_eq(git_signature_new(&sig, "enforcer", "enforcer@fe01", when, 0), 0);
	const git_commit *parents[1] = {parent};
	cr_assert_eq(git_commit_create(&id, repo, "refs/heads/audit/fe01", sig, sig, NULL, message,
	                               tree, has_tip, parents),
	             0);
	git_signature_free(sig);
	git_tree_free(tree);
	git_tree_free(parent_tree);
	git_commit_free(parent);
	git_treebuilder_free(rb);
	git_treebuilder_free(tb);
}

static json_t *fleet_doc(const char *dir, const enf_fleet_options *opts)
{
	enf_fleet *f = NULL;
	cr_assert_eq(enf_fleet_read(&f, dir, opts), 0, "%s", enf_error_last()->message);
	char *text = NULL;
	size_t len = 0;
	cr_assert_eq(enf_fleet_json(&text, &len, f), 0);
	json_t *doc = json_loads(text, 0, NULL);
	cr_assert_not_null(doc);
	cr_expect_eq(json_integer_value(json_object_get(doc, "exit_code")), enf_fleet_exit_code(f));
	free(text);
	enf_fleet_free(f);
	return doc;
}

Test(fleet, dates_are_utc_days_or_times_and_anything_else_is_refused)
{
	double t = 0;
	cr_assert_eq(enf_fleet_parse_time(&t, "1970-01-02"), 0);
	cr_expect_eq(t, 86400.0);
	cr_assert_eq(enf_fleet_parse_time(&t, "2026-12-06T09:30:15Z"), 0);
	cr_expect_eq(t, 1796549415.0);
	cr_assert_eq(enf_fleet_parse_time(&t, "2024-02-29T00:00:00.250Z"), 0);
	cr_expect_eq(t, 1709164800.25);
	static const char *const bad[] = {
	    "yesterday", "2026-13-01", "2026-12-06T25:00:00Z", "2026-12-06T09:30:15", "2026-12-06 ",
	    "",          "1969-12-31"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(enf_fleet_parse_time(&t, bad[i]), ENF_EINVALID, "%s", bad[i]);
		cr_expect(
		    strstr(enf_error_last()->message, "give YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ"));
	}
}

Test(fleet, options_out_of_range_are_refused_before_anything_is_read)
{
	char *dir = th_tmpdir();
	enf_fleet *f = NULL;
	enf_fleet_options o = ENF_FLEET_OPTIONS_INIT;
	o.flap_runs = 1;
	cr_expect_eq(enf_fleet_read(&f, dir, &o), ENF_EINVALID);
	cr_expect_str_eq(enf_error_last()->message,
	                 "flapping needs 2 to 1000 applies to look at (a change and its undoing)");
	o = (enf_fleet_options)ENF_FLEET_OPTIONS_INIT;
	o.stale_hours = 0;
	cr_expect_eq(enf_fleet_read(&f, dir, &o), ENF_EINVALID);
	o = (enf_fleet_options)ENF_FLEET_OPTIONS_INIT;
	o.branch_prefix = "../x";
	cr_expect_eq(enf_fleet_read(&f, dir, &o), ENF_EINVALID);
	o = (enf_fleet_options)ENF_FLEET_OPTIONS_INIT;
	o.version = 99;
	cr_expect_eq(enf_fleet_read(&f, dir, &o), ENF_EINVALID);
	cr_expect_null(f);
	/* An empty folder is not an audit repository (nothing is created). */
	o = (enf_fleet_options)ENF_FLEET_OPTIONS_INIT;
	cr_expect_eq(enf_fleet_read(&f, dir, &o), ENF_ENOTFOUND);
	cr_expect(strstr(enf_error_last()->message, "cannot open the audit repository"));
	char *git = enf_asprintf("%s/.git", dir);
	cr_expect_eq(enf_path_exists(git), 0);
	free(git);
	free(dir);
}

Test(fleet, runs_without_a_report_are_unreadable_and_the_window_stops_the_walk)
{
	char *dir = th_tmpdir();
	git_repository *repo = NULL;
	git_libgit2_init();
	cr_assert_eq(git_repository_init(&repo, dir, 1), 0);
	git_time_t now = 1796549415, day = 86400;
	const char *policy = "3f2a9c1b7d4e3f2a9c1b7d4e3f2a9c1b7d4e3f2a";
	char run[5][32], msg[512], report[1024];
	for (int i = 0; i < 5; i++) {
		snprintf(run[i], sizeof(run[i]), "2026120%dT093015Z-00000%d", i + 1, i);
		snprintf(
		    msg, sizeof(msg),
		    "enforcer apply of fe on FE01: exit 2\n\nRun: %s\nMode: apply\nHost: FE01\n"
		    "Policy: fe\nPolicy commit: %s (main in x; signature valid)\nExit code: 2\n",
		    run[i], policy);
		char ended[32];
		snprintf(ended, sizeof(ended), "2026-12-0%dT09:30:15.000Z", i + 1);
		snprintf(report, sizeof(report), report_fmt, run[i], ended, 2, policy, "changed");
		/* Day 4's run has no report.json; day 5's report is someone else's JSON. */
		commit_run(repo, msg, run[i],
		           i == 3   ? NULL
		           : i == 4 ? "{\"schema\": \"other/1\"}"
		                    : report,
		           now - (5 - 1 - i) * day - 4 * day);
	}
	/* A commit with no run in its message, on top. */
	commit_run(repo, "a note\n", "notes", "{}", now);
	git_repository_free(repo);
	git_libgit2_shutdown();

	enf_fleet_options o = ENF_FLEET_OPTIONS_INIT;
	o.now = (double)now;
	o.since = (double)(now - 6 * day);
	json_t *doc = fleet_doc(dir, &o);
	json_t *h = json_array_get(json_object_get(doc, "hosts"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(h, "name")), "fe01");
	cr_expect_str_eq(json_string_value(json_object_get(h, "status")), "unreadable");
	cr_expect_eq(json_integer_value(json_object_get(h, "runs_read")), 4);
	json_t *p = json_object_get(h, "problems");
	cr_assert_eq(json_array_size(p), 3);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(p, 0), "problem")),
	                 "its commit message names no run (no 'Run: <id>' line)");
	char *expect = enf_asprintf("'%s/report.json' is not an enforcer report (schema "
	                            "enforcer-report/1)",
	                            run[4]);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(p, 1), "problem")),
	                 expect);
	free(expect);
	expect = enf_asprintf("%s/report.json is missing", run[3]);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(p, 2), "problem")),
	                 expect);
	free(expect);
	/* Runs 1 and 2 are older than the window: run 3's change has run 2's policy before it. */
	json_t *changes = json_object_get(doc, "changes");
	cr_assert_eq(json_array_size(changes), 1);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(changes, 0), "kind")),
	                 "corrective");
	cr_expect_eq(json_integer_value(json_object_get(doc, "exit_code")), 4);
	json_decref(doc);

	/* A wider window reaches the branch's first run: an intentional change. */
	o.since = (double)(now - 30 * day);
	doc = fleet_doc(dir, &o);
	changes = json_object_get(doc, "changes");
	cr_assert_eq(json_array_size(changes), 3);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(changes, 2), "kind")),
	                 "intentional");
	json_decref(doc);
	free(dir);
}

Test(fleet, a_repository_without_audit_branches_is_an_empty_compliant_fleet)
{
	char *dir = th_tmpdir();
	git_repository *repo = NULL;
	git_libgit2_init();
	cr_assert_eq(git_repository_init(&repo, dir, 1), 0);
	git_repository_free(repo);
	git_libgit2_shutdown();
	enf_fleet_options o = ENF_FLEET_OPTIONS_INIT;
	json_t *doc = fleet_doc(dir, &o);
	cr_expect_eq(json_array_size(json_object_get(doc, "hosts")), 0);
	cr_expect_eq(json_integer_value(json_object_get(doc, "exit_code")), 0);
	json_decref(doc);
	free(dir);
}

Test(fleet, strings_from_the_hosts_reports_are_escaped_in_the_text)
{
	char *dir = th_tmpdir();
	git_repository *repo = NULL;
	git_libgit2_init();
	cr_assert_eq(git_repository_init(&repo, dir, 1), 0);
	git_time_t now = 1796549415;
	const char *policy = "3f2a9c1b7d4e3f2a9c1b7d4e3f2a9c1b7d4e3f2a";
	const char *run = "20261206T093015Z-000001";
	char msg[512], report[1024];
	snprintf(msg, sizeof(msg),
	         "enforcer apply of fe on FE01: exit 2\n\nRun: %s\nMode: apply\nHost: FE01\n"
	         "Policy: fe\nPolicy commit: %s (main in x; signature valid)\nExit code: 2\n",
	         run, policy);
	snprintf(report, sizeof(report), report_fmt, run, "2026-12-06T09:30:15.000Z", 2, policy,
	         "changed");
	/* A resource id that clears the screen and reverses the rest of its line. */
	char *hostile = strstr(report, "\"id\": \"tls\"");
	cr_assert_not_null(hostile);
	char *file =
	    enf_asprintf("%.*s\"id\": \"tls\\u001b[2J\\u202eX\\u009b\"%s", (int)(hostile - report),
	                 report, hostile + strlen("\"id\": \"tls\""));
	commit_run(repo, msg, run, file, now - 3600);
	free(file);
	git_repository_free(repo);
	git_libgit2_shutdown();

	enf_fleet_options o = ENF_FLEET_OPTIONS_INIT;
	o.now = (double)now;
	enf_fleet *f = NULL;
	cr_assert_eq(enf_fleet_read(&f, dir, &o), 0, "%s", enf_error_last()->message);
	char *text = enf_fleet_render_text(f, 1);
	cr_assert_not_null(text);
	cr_expect(strstr(text, "\n  tls\\x1b[2J\\u202eX\\u009b") != NULL, "%s", text);
	/* The only escape sequences left are the text's own colours. */
	for (const char *p = strchr(text, '\033'); p; p = strchr(p + 1, '\033'))
		cr_expect(strncmp(p, "\033[3", 3) == 0 || strncmp(p, "\033[0m", 4) == 0, "%s", p);
	cr_expect(strstr(text, "\xe2\x80\xae") == NULL && strstr(text, "\xc2\x9b") == NULL);
	free(text);
	enf_fleet_free(f);
	free(dir);
}

/*
 * An object of `len` bytes: `head`, then 'A's (a few kilobytes once
 * compressed), written through a stream so that hundreds of megabytes
 * never sit in memory.
 */
static void big_object(git_oid *out, git_repository *repo, git_object_t type, const char *head,
                       size_t len)
{
	static char chunk[1024 * 1024];
	git_odb *odb = NULL;
	git_odb_stream *st = NULL;
	memset(chunk, 'A', sizeof(chunk));
	cr_assert_eq(git_repository_odb(&odb, repo), 0);
	cr_assert_eq(git_odb_open_wstream(&st, odb, (git_object_size_t)len, type), 0);
	cr_assert_eq(git_odb_stream_write(st, head, strlen(head)), 0);
	for (size_t done = strlen(head); done < len;) {
		size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		cr_assert_eq(git_odb_stream_write(st, chunk, n), 0);
		done += n;
	}
	cr_assert_eq(git_odb_stream_finalize_write(out, st), 0);
	git_odb_stream_free(st);
	git_odb_free(odb);
}

/* A run's commit with root tree `tree` on `branch`, written as git would (no object is read). */
static void raw_commit(git_oid *out, git_repository *repo, const char *branch, const git_oid *tree,
                       const char *run, git_time_t when)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_odb *odb = NULL;
	git_reference *ref = NULL;
	char *text = enf_asprintf(
	    "tree %s\nauthor enforcer <enforcer@x> %lld +0000\ncommitter enforcer <enforcer@x> "
	    "%lld +0000\n\nenforcer apply of fe: exit 0\n\nRun: %s\nMode: apply\n",
	    git_oid_tostr(hex, sizeof(hex), tree), (long long)when, (long long)when, run);
	cr_assert_eq(git_repository_odb(&odb, repo), 0);
	cr_assert_eq(git_odb_write(out, odb, text, strlen(text), GIT_OBJECT_COMMIT), 0);
	cr_assert_eq(git_reference_create(&ref, repo, branch, out, 1, NULL), 0);
	git_reference_free(ref);
	git_odb_free(odb);
	free(text);
}

/* RUN/NAME = blob, as a root tree. */
static void run_folder(git_oid *out, git_repository *repo, const char *run, const char *name,
                       const git_oid *blob)
{
	git_treebuilder *rb = NULL, *tb = NULL;
	git_oid sub;
	cr_assert_eq(git_treebuilder_new(&rb, repo, NULL), 0);
	cr_assert_eq(git_treebuilder_insert(NULL, rb, name, blob, GIT_FILEMODE_BLOB), 0);
	cr_assert_eq(git_treebuilder_write(&sub, rb), 0);
	cr_assert_eq(git_treebuilder_new(&tb, repo, NULL), 0);
	cr_assert_eq(git_treebuilder_insert(NULL, tb, run, &sub, GIT_FILEMODE_TREE), 0);
	cr_assert_eq(git_treebuilder_write(out, tb), 0);
	git_treebuilder_free(rb);
	git_treebuilder_free(tb);
}

static const char *host_str(const json_t *doc, size_t i, const char *key)
{
	return json_string_value(
	    json_object_get(json_array_get(json_object_get(doc, "hosts"), i), key));
}

static const char *problem(const json_t *doc, size_t i)
{
	const json_t *h = json_array_get(json_object_get(doc, "hosts"), i);
	return json_string_value(
	    json_object_get(json_array_get(json_object_get(h, "problems"), 0), "problem"));
}

/*
 * Issue 20, "Git objects", for the audit repository every server pushes
 * to: a report.json of 258 MiB, a tip commit of 3 MiB, a root tree of
 * 9 MiB and a signature of 2 MiB are each refused from their headers with
 * the branch, the object and the limit; those hosts are unreadable or
 * damaged (never compliant), and the others are reported as before.
 */
Test(fleet, oversized_objects_make_their_host_unknown_and_the_others_are_reported)
{
	char *dir = th_tmpdir();
	git_repository *repo = NULL;
	git_libgit2_init();
	cr_assert_eq(git_repository_init(&repo, dir, 1), 0);
	git_time_t now = 1796549415;
	const char *policy = "3f2a9c1b7d4e3f2a9c1b7d4e3f2a9c1b7d4e3f2a";
	const char *run = "20261206T093015Z-000001";
	char msg[512], report[1024];
	snprintf(msg, sizeof(msg),
	         "enforcer apply of fe on FE01: exit 0\n\nRun: %s\nMode: apply\nHost: FE01\n"
	         "Policy: fe\nPolicy commit: %s (main in x; signature valid)\nExit code: 0\n",
	         run, policy);
	snprintf(report, sizeof(report), report_fmt, run, "2026-12-06T09:30:15.000Z", 0, policy,
	         "unchanged");
	commit_run(repo, msg, run, report, now - 3600);

	git_oid blob, tree, commit, empty, fe02_blob, fe03, fe04_tree, fe05_sig;
	size_t blob_len = (size_t)258 * 1024 * 1024;
	big_object(&fe02_blob, repo, GIT_OBJECT_BLOB, "{\"schema\": \"enforcer-report/1\", ",
	           blob_len);
	run_folder(&tree, repo, run, "report.json", &fe02_blob);
	raw_commit(&commit, repo, "refs/heads/audit/fe02", &tree, run, now - 3600);

	cr_assert_eq(git_odb_hash(&empty, "", 0, GIT_OBJECT_TREE), 0);
	char head[256], hex[GIT_OID_HEXSZ + 1];
	snprintf(head, sizeof(head),
	         "tree %s\nauthor a <a@x> %lld +0000\ncommitter a <a@x> %lld +0000\n\n",
	         git_oid_tostr(hex, sizeof(hex), &empty), (long long)now, (long long)now);
	big_object(&fe03, repo, GIT_OBJECT_COMMIT, head, (size_t)3 * 1024 * 1024);
	git_reference *ref = NULL;
	cr_assert_eq(git_reference_create(&ref, repo, "refs/heads/audit/fe03", &fe03, 1, NULL), 0);
	git_reference_free(ref);

	big_object(&fe04_tree, repo, GIT_OBJECT_TREE, "", (size_t)9 * 1024 * 1024);
	raw_commit(&commit, repo, "refs/heads/audit/fe04", &fe04_tree, run, now - 3600);

	/* fe05: its report is fe01's, its signature 2 MiB (a signature file's limit is 1 MiB). */
	cr_assert_eq(git_blob_create_from_buffer(&blob, repo, report, strlen(report)), 0);
	big_object(&fe05_sig, repo, GIT_OBJECT_BLOB, "", (size_t)2 * 1024 * 1024);
	git_treebuilder *rb = NULL, *tb = NULL;
	git_oid sub;
	cr_assert_eq(git_treebuilder_new(&rb, repo, NULL), 0);
	cr_assert_eq(git_treebuilder_insert(NULL, rb, "report.json", &blob, GIT_FILEMODE_BLOB), 0);
	cr_assert_eq(
	    git_treebuilder_insert(NULL, rb, "report.json.p7s", &fe05_sig, GIT_FILEMODE_BLOB), 0);
	cr_assert_eq(git_treebuilder_write(&sub, rb), 0);
	cr_assert_eq(git_treebuilder_new(&tb, repo, NULL), 0);
	cr_assert_eq(git_treebuilder_insert(NULL, tb, run, &sub, GIT_FILEMODE_TREE), 0);
	cr_assert_eq(git_treebuilder_write(&tree, tb), 0);
	git_treebuilder_free(rb);
	git_treebuilder_free(tb);
	raw_commit(&commit, repo, "refs/heads/audit/fe05", &tree, run, now - 3600);

	/* fe06: fe01's run on top of fe03's commit: the walk meets it only through the guard. */
	git_commit *tip = NULL;
	git_tree *root = NULL;
	git_signature *sig = NULL;
	git_oid fe01;
	cr_assert_eq(git_reference_name_to_id(&fe01, repo, "refs/heads/audit/fe01"), 0);
	cr_assert_eq(git_commit_lookup(&tip, repo, &fe01), 0);
	cr_assert_eq(git_commit_tree(&root, tip), 0);
	cr_assert_eq(git_signature_new(&sig, "enforcer", "enforcer@fe06", now - 3600, 0), 0);
	git_oid_tostr(hex, sizeof(hex), &fe03);
	cr_assert_eq(git_commit_create_from_ids(&commit, repo, "refs/heads/audit/fe06", sig, sig,
	                                        NULL, msg, git_tree_id(root), 1,
	                                        (const git_oid *[]){&fe03}),
	             0);
	git_signature_free(sig);
	git_tree_free(root);
	git_commit_free(tip);
	git_repository_free(repo);
	git_libgit2_shutdown();

	enf_fleet_options o = ENF_FLEET_OPTIONS_INIT;
	o.now = (double)now;
	json_t *doc = fleet_doc(dir, &o);
	cr_assert_eq(json_array_size(json_object_get(doc, "hosts")), 6);
	cr_expect_str_eq(host_str(doc, 0, "branch"), "audit/fe01");
	cr_expect_str_eq(host_str(doc, 0, "status"), "compliant");
	cr_expect_null(problem(doc, 0));

	char *want;
	cr_expect_str_eq(host_str(doc, 1, "status"), "unreadable");
	want =
	    enf_asprintf("refs/heads/audit/fe02: %s/report.json: the blob %.12s is %zu bytes, "
	                 "more than the 268435456 bytes a blob of the audit repository may "
	                 "have (docs/CLI.md, \"Limits of the audit repository\"); it was not read",
	                 run, git_oid_tostr(hex, sizeof(hex), &fe02_blob), blob_len);
	cr_expect_str_eq(problem(doc, 1), want);
	free(want);

	cr_expect_str_eq(host_str(doc, 2, "status"), "damaged");
	want = enf_asprintf(
	    "its last commit cannot be read: refs/heads/audit/fe03: the commit "
	    "%.12s is 3145728 bytes, more than the 1048576 bytes a commit of the "
	    "audit repository may have (docs/CLI.md, \"Limits of the audit repository\"); it was not read",
	    git_oid_tostr(hex, sizeof(hex), &fe03));
	cr_expect_str_eq(host_str(doc, 2, "error"), want);
	free(want);

	cr_expect_str_eq(host_str(doc, 3, "status"), "unreadable");
	want = enf_asprintf("refs/heads/audit/fe04: the tree %.12s is 9437184 bytes, more than "
	                    "the 8388608 bytes a tree of the audit repository may have "
	                    "(docs/CLI.md, \"Limits of the audit repository\"); it was not read",
	                    git_oid_tostr(hex, sizeof(hex), &fe04_tree));
	cr_expect_str_eq(problem(doc, 3), want);
	free(want);

	/* A signature that cannot be read: the report is not verified (as a bad signature). */
	cr_expect_str_eq(host_str(doc, 4, "status"), "unverified");
	want = enf_asprintf(
	    "its signature report.json.p7s cannot be read: refs/heads/audit/fe05: "
	    "%s/report.json.p7s: the blob %.12s is 2097152 bytes, more than the "
	    "1048576 bytes this file may have (docs/CLI.md, \"Limits of the audit repository\"); it was "
	    "not read",
	    run, git_oid_tostr(hex, sizeof(hex), &fe05_sig));
	cr_expect_str_eq(problem(doc, 4), want);
	free(want);

	/* libgit2's walk reads a commit's parents before it returns the commit. */
	cr_expect_str_eq(host_str(doc, 5, "status"), "damaged");
	want = enf_asprintf(
	    "its last commit cannot be read: refs/heads/audit/fe06: the commit %.12s is "
	    "3145728 bytes, more than the 1048576 bytes a commit of the audit "
	    "repository may have (docs/CLI.md, \"Limits of the audit repository\"); it was not read",
	    git_oid_tostr(hex, sizeof(hex), &fe03));
	cr_expect_str_eq(host_str(doc, 5, "error"), want);
	free(want);
	cr_expect_eq(json_integer_value(json_object_get(doc, "exit_code")), 4);
	json_decref(doc);
	free(dir);
}
