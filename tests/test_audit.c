/*
 * The audit repository: one commit per run on branch audit/<host>, holding
 * every report file the run wrote, without touching HEAD or a working tree.
 */
#include "engine_fixture.h"
#include "gitrepo.h"
#include "helpers.h"

#include "enforcer/errors.h"
#include "enforcer/report.h"

#include <criterion/criterion.h>
#include <git2.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* The fixture's snapshot is EDGE01 (its host.name fact): its runs are filed under it. */
static char *host_branch(void)
{
	char *host = enf_strdup("EDGE01"), *branch = NULL;
	cr_assert_eq(enf_audit_branch(&branch, host), 0);
	free(host);
	char *ref = enf_asprintf("refs/heads/%s", branch);
	free(branch);
	return ref;
}

/* The names in folder `run` of a commit's tree, joined by ' '. */
static char *run_files(git_repository *repo, git_commit *c, const char *run)
{
	git_tree *root = NULL, *tree = NULL;
	git_tree_entry *e = NULL;
	cr_assert_eq(git_commit_tree(&root, c), 0);
	cr_assert_eq(git_tree_entry_bypath(&e, root, run), 0, "no folder %s", run);
	cr_assert_eq(git_tree_lookup(&tree, repo, git_tree_entry_id(e)), 0);
	enf_buf b = ENF_BUF_INIT;
	for (size_t i = 0; i < git_tree_entrycount(tree); i++) {
		const git_tree_entry *f = git_tree_entry_byindex(tree, i);
		cr_expect_eq(git_tree_entry_filemode(f), GIT_FILEMODE_BLOB);
		enf_buf_printf(&b, "%s%s", i ? " " : "", git_tree_entry_name(f));
	}
	git_tree_entry_free(e);
	git_tree_free(tree);
	git_tree_free(root);
	return enf_buf_detach(&b);
}

/* The blob at PATH of a commit's tree, written to DIR/NAME. */
static void extract(git_repository *repo, git_commit *c, const char *path, const char *dir,
                    const char *name)
{
	git_tree *root = NULL;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	cr_assert_eq(git_commit_tree(&root, c), 0);
	cr_assert_eq(git_tree_entry_bypath(&e, root, path), 0, "no %s", path);
	cr_assert_eq(git_blob_lookup(&blob, repo, git_tree_entry_id(e)), 0);
	char *out = enf_asprintf("%s/%s", dir, name);
	cr_assert_eq(
	    enf_write_file_atomic(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob)),
	    0);
	free(out);
	git_blob_free(blob);
	git_tree_entry_free(e);
	git_tree_free(root);
}

/* Each test's folder, with the seeds' Edge server (server.json) and baseline (policy.yaml). */
static char *dir;

static void audit_init(void)
{
	dir = th_tmpdir();
	free(th_write(dir, "server.json", fx_seed_snapshot));
	free(th_write(dir, "policy.yaml", fx_seed_policy));
}

static void audit_fini(void)
{
	free(dir);
	dir = NULL;
	th_cleanup();
}

TestSuite(audit, .init = audit_init, .fini = audit_fini);

Test(audit, three_runs_make_three_commits_with_their_reports_on_the_host_branch)
{
	gr_pki(dir);
	gr_run r = gr_cli(dir, GR_ARGS("plan", "--target", "snapshot:server.json", "--audit-repo",
	                               "audit", "policy.yaml"));
	cr_expect_eq(r.code, 2, "%s", r.err);
	gr_run_free(&r);
	r = gr_cli(dir,
	           GR_ARGS("apply", "--target", "snapshot:server.json", "--state-dir", "state",
	                   "--report-dir", "reports", "--sign-key", "signer.key", "--sign-cert",
	                   "signer.pem", "--audit-repo", "audit", "policy.yaml"));
	cr_expect_eq(r.code, 2, "%s", r.err);
	gr_run_free(&r);
	r = gr_cli(dir, GR_ARGS("apply", "--target", "snapshot:server.json", "--state-dir", "state",
	                        "--audit-repo", "audit", "-q", "policy.yaml"));
	cr_expect_eq(r.code, 0, "%s", r.err);
	gr_run_free(&r);
	/* What the signed run wrote to --report-dir is what its commit holds. */
	char *written = gr_sh(dir, "ls reports | tr '\\n' ' ' | sed 's/ $//'");
	cr_expect_str_eq(written, "report.html report.json report.json.p7s report.txt report.xml");

	git_libgit2_init();
	git_repository *repo = NULL;
	char *audit = enf_asprintf("%s/audit", dir);
	cr_assert_eq(git_repository_open(&repo, audit), 0);
	cr_expect(git_repository_is_bare(repo));
	cr_expect_eq(git_repository_head_unborn(repo), 1, "HEAD was moved");
	char *ref = host_branch();
	git_oid tip;
	cr_assert_eq(git_reference_name_to_id(&tip, repo, ref), 0, "no branch %s", ref);
	git_commit *commits[3] = {NULL, NULL, NULL};
	cr_assert_eq(git_commit_lookup(&commits[2], repo, &tip), 0);
	cr_assert_eq(git_commit_parentcount(commits[2]), 1);
	cr_assert_eq(git_commit_parent(&commits[1], commits[2], 0), 0);
	cr_assert_eq(git_commit_parentcount(commits[1]), 1);
	cr_assert_eq(git_commit_parent(&commits[0], commits[1], 0), 0);
	cr_expect_eq(git_commit_parentcount(commits[0]), 0, "more than three commits");

	static const char *const modes[] = {"plan", "apply", "apply"};
	static const int codes[] = {2, 2, 0};
	static const char *const counts[] = {
	    "Counts: 0 compliant, 3 drift, 0 changed, 0 failed, 0 skipped, 0 waived, 0 audit-drift",
	    "Counts: 0 compliant, 0 drift, 3 changed, 0 failed, 0 skipped, 0 waived, 0 audit-drift",
	    "Counts: 3 compliant, 0 drift, 0 changed, 0 failed, 0 skipped, 0 waived, 0 "
	    "audit-drift"};
	char *host = enf_strdup("EDGE01");
	for (int i = 0; i < 3; i++) {
		/* Each commit adds one folder, named by the run id of the report inside. */
		git_tree *tree = NULL;
		cr_assert_eq(git_commit_tree(&tree, commits[i]), 0);
		cr_expect_eq(git_tree_entrycount(tree), (size_t)i + 1);
		git_tree_free(tree);
		const char *msg = git_commit_message(commits[i]);
		const char *run_line = strstr(msg, "\nRun: ");
		cr_assert(run_line, "%s", msg);
		char *run = enf_strndup(run_line + 6, strcspn(run_line + 6, "\n"));
		char *files = run_files(repo, commits[i], run);
		cr_expect_str_eq(
		    files, i == 1 ? "report.html report.json report.json.p7s report.txt report.xml"
		                  : "report.html report.json report.txt report.xml");
		char *path = enf_asprintf("%s/report.json", run),
		     *local = enf_asprintf("r%d.json", i);
		extract(repo, commits[i], path, dir, local);
		char *local_path = enf_asprintf("%s/%s", dir, local);
		json_t *doc = th_json_file(local_path);
		cr_expect_str_eq(
		    json_string_value(json_object_get(json_object_get(doc, "run"), "id")), run);
		json_decref(doc);
		char *subject = enf_asprintf("enforcer %s of lync-edge on %s: exit %d\n\n",
		                             modes[i], host, codes[i]);
		cr_expect(strncmp(msg, subject, strlen(subject)) == 0, "%s", msg);
		char *mode = enf_asprintf("\nMode: %s\n", modes[i]);
		cr_expect(strstr(msg, mode) != NULL, "%s", msg);
		cr_expect(strstr(msg, "\nPolicy: lync-edge\n") != NULL, "%s", msg);
		cr_expect(strstr(msg, "\nPolicy file: policy.yaml (sha256 ") != NULL, "%s", msg);
		cr_expect(strstr(msg, counts[i]) != NULL, "%s", msg);
		if (i == 1) {
			/* The signature in the log still verifies against the report beside it. */
			char *sig_path = enf_asprintf("%s/report.json.p7s", run);
			extract(repo, commits[i], sig_path, dir, "r1.json.p7s");
			enf_sig_check c;
			char *ca = enf_asprintf("%s/ca.pem", dir),
			     *sig = enf_asprintf("%s/r1.json.p7s", dir);
			cr_assert_eq(enf_report_verify(&c, local_path, sig, ca), 0);
			cr_expect_eq(c.status, ENF_SIG_VALID, "%s", c.reason);
			enf_sig_check_clear(&c);
			free(ca);
			free(sig);
			free(sig_path);
		}
		free(subject);
		free(mode);
		free(local_path);
		free(path);
		free(local);
		free(files);
		free(run);
	}
	free(host);
	for (int i = 0; i < 3; i++)
		git_commit_free(commits[i]);
	git_repository_free(repo);
	git_libgit2_shutdown();
	free(ref);
	free(audit);
	free(written);
}

Test(audit, an_existing_checkout_keeps_its_head_index_and_working_tree)
{
	char *repo = gr_init(dir, "ledger");
	gr_write(repo, "README", "the audit log of the Edge servers\n");
	char *head = gr_commit(repo, dir, NULL, "start the ledger");
	gr_run r = gr_cli(dir, GR_ARGS("plan", "--target", "snapshot:server.json", "--audit-repo",
	                               "ledger", "policy.yaml"));
	cr_expect_eq(r.code, 2, "%s", r.err);
	gr_run_free(&r);
	char *now = gr_sh(
	    repo, "git rev-parse HEAD && git symbolic-ref HEAD && git status --porcelain && ls");
	char *want = enf_asprintf("%s\nrefs/heads/main\nREADME", head);
	cr_expect_str_eq(now, want);
	char *ref = host_branch();
	char *count = gr_sh(repo, "git rev-list --count %s", ref);
	cr_expect_str_eq(count, "1");
	free(count);
	free(ref);
	free(want);
	free(now);
	free(head);
	free(repo);
}

Test(audit, a_folder_that_is_neither_a_repository_nor_empty_is_refused_before_the_run)
{
	free(gr_sh(dir, "mkdir notes && echo x > notes/todo.txt"));
	gr_run r = gr_cli(dir, GR_ARGS("apply", "--target", "snapshot:server.json", "--state-dir",
	                               "state", "--audit-repo", "notes", "policy.yaml"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err,
	                 "enforcer apply: 'notes' is not a git repository and not empty; give an "
	                 "audit repository, or a new or empty folder to create one in\n"
	                 "Nothing was read or changed.\n");
	char *server = enf_asprintf("%s/server.json", dir);
	char *data = th_read(server, NULL);
	cr_expect_str_eq(data, fx_seed_snapshot);
	free(data);
	free(server);
	gr_run_free(&r);
}

Test(audit, branch_names_are_one_valid_spelling_per_host)
{
	static const char *const cases[][2] = {
	    {"EDGE01", "audit/edge01"},
	    {"edge01.contoso.com", "audit/edge01.contoso.com"},
	    {"odd host..name.", "audit/odd-host.-name"},
	    {"x.lock", "audit/x-lock"},
	    {"", "audit/unknown"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *b = NULL;
		cr_assert_eq(enf_audit_branch(&b, cases[i][0]), 0);
		cr_expect_str_eq(b, cases[i][1], "%s", cases[i][0]);
		free(b);
	}
}

/* The blob at PATH of commit `hex`'s tree; free() it. */
static char *blob_at(size_t *out_len, git_repository *repo, const char *hex, const char *path)
{
	git_oid id;
	git_commit *c = NULL;
	git_tree *root = NULL;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	cr_assert_eq(git_oid_fromstr(&id, hex), 0);
	cr_assert_eq(git_commit_lookup(&c, repo, &id), 0);
	cr_assert_eq(git_commit_tree(&root, c), 0);
	cr_assert_eq(git_tree_entry_bypath(&e, root, path), 0, "no %s", path);
	cr_assert_eq(git_blob_lookup(&blob, repo, git_tree_entry_id(e)), 0);
	*out_len = (size_t)git_blob_rawsize(blob);
	char *data = malloc(*out_len + 1);
	cr_assert(data);
	memcpy(data, git_blob_rawcontent(blob), *out_len);
	data[*out_len] = '\0';
	git_blob_free(blob);
	git_tree_entry_free(e);
	git_tree_free(root);
	git_commit_free(c);
	return data;
}

Test(audit, the_bytes_signed_written_and_committed_are_the_same)
{
	fixture f;
	fx_init(&f, fx_seed_snapshot, fx_seed_policy);
	gr_pki(f.dir);
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	enf_report *report = NULL;
	cr_assert_eq(enf_report_from_run(&report, run), 0);
	enf_report_files *files = NULL;
	cr_assert_eq(enf_report_files_render(&files, report), 0);
	char *key = enf_asprintf("%s/signer.key", f.dir),
	     *cert = enf_asprintf("%s/signer.pem", f.dir);
	enf_report_signer *signer = NULL;
	cr_assert_eq(enf_report_signer_load(&signer, key, cert), 0, "%s",
	             enf_error_last()->message);
	cr_assert_eq(enf_report_files_sign(files, signer), 0, "%s", enf_error_last()->message);
	/* One signature per set: a second would not say which one is the run's. */
	cr_expect_eq(enf_report_files_sign(files, signer), ENF_EEXISTS);
	char *reports = enf_asprintf("%s/reports", f.dir),
	     *audit_dir = enf_asprintf("%s/audit", f.dir);
	cr_assert_eq(enf_report_files_write(files, reports), 0, "%s", enf_error_last()->message);
	enf_audit *audit = NULL;
	char *commit = NULL;
	cr_assert_eq(enf_audit_open(&audit, audit_dir), 0, "%s", enf_error_last()->message);
	cr_assert_eq(enf_audit_commit(&commit, audit, run, enf_report_files_items(files),
	                              enf_report_files_count(files)),
	             0, "%s", enf_error_last()->message);
	enf_audit_free(audit);

	static const char *const names[] = {"report.json", "report.txt", "report.xml",
	                                    "report.html", "report.json.p7s"};
	cr_assert_eq(enf_report_files_count(files), 5);
	const enf_report_file *items = enf_report_files_items(files);
	git_libgit2_init();
	git_repository *repo = NULL;
	cr_assert_eq(git_repository_open(&repo, audit_dir), 0);
	for (size_t i = 0; i < 5; i++) {
		cr_expect_str_eq(items[i].name, names[i]);
		char *path = enf_asprintf("%s/%s", reports, names[i]);
		char *in_git = enf_asprintf("%s/%s", run->run_id, names[i]);
		size_t written_len = 0, committed_len = 0;
		char *written = th_read(path, &written_len);
		char *committed = blob_at(&committed_len, repo, commit, in_git);
		cr_expect(written_len == items[i].len &&
		              memcmp(written, items[i].data, written_len) == 0,
		          "%s in the folder is not the set's", names[i]);
		cr_expect(committed_len == items[i].len &&
		              memcmp(committed, items[i].data, committed_len) == 0,
		          "%s in the audit commit is not the set's", names[i]);
		if (i == 0) {
			/* The committed report.json, beside the folder's signature, verifies. */
			char *copy = th_write(f.dir, "committed.json", committed);
			char *sig = enf_asprintf("%s/%s", reports, ENF_REPORT_SIGNATURE_NAME);
			char *ca = enf_asprintf("%s/ca.pem", f.dir);
			enf_sig_check c;
			cr_assert_eq(enf_report_verify(&c, copy, sig, ca), 0);
			cr_expect_eq(c.status, ENF_SIG_VALID, "%s", c.reason);
			enf_sig_check_clear(&c);
			/* And it is the report's canonical JSON. */
			char *json = NULL;
			size_t json_len = 0;
			cr_assert_eq(enf_report_json(&json, &json_len, report), 0);
			cr_expect(json_len == committed_len &&
			          memcmp(json, committed, json_len) == 0);
			free(json);
			free(ca);
			free(sig);
			free(copy);
		}
		free(committed);
		free(written);
		free(in_git);
		free(path);
	}
	git_repository_free(repo);
	git_libgit2_shutdown();
	free(commit);
	free(reports);
	free(audit_dir);
	enf_report_signer_free(signer);
	free(key);
	free(cert);
	enf_report_files_free(files);
	enf_report_free(report);
	fx_fini(&f);
}

/* Issue 20: a symbolic reference planted at the host's branch must not redirect the run. */
Test(audit, a_symbolic_reference_at_the_branch_is_refused_and_nothing_moves)
{
	gr_run r = gr_cli(dir, GR_ARGS("plan", "--target", "snapshot:server.json", "--audit-repo",
	                               "audit", "policy.yaml"));
	cr_assert_eq(r.code, 2, "%s", r.err);
	gr_run_free(&r);
	free(gr_sh(dir, "git -C audit branch main audit/edge01 && "
	                "git -C audit symbolic-ref refs/heads/audit/edge01 refs/heads/main"));
	char *main_before = gr_sh(dir, "git -C audit rev-parse refs/heads/main");
	r = gr_cli(dir, GR_ARGS("plan", "--target", "snapshot:server.json", "--audit-repo", "audit",
	                        "policy.yaml"));
	cr_expect_eq(r.code, 6, "drift, and the audit commit not written: %s", r.err);
	char *want = enf_asprintf(
	    "'refs/heads/audit/edge01' in the audit repository audit is a symbolic reference (to "
	    "'refs/heads/main'), not a branch: enforcer writes the audit branch only by its own "
	    "name; delete it (git update-ref -d --no-deref refs/heads/audit/edge01) and the next "
	    "run creates the branch");
	cr_expect(strstr(r.err, want), "%s", r.err);
	free(want);
	gr_run_free(&r);
	char *main_after = gr_sh(dir, "git -C audit rev-parse refs/heads/main");
	cr_expect_str_eq(main_after, main_before, "the run landed on main");
	char *still = gr_sh(dir, "git -C audit symbolic-ref refs/heads/audit/edge01");
	cr_expect_str_eq(still, "refs/heads/main");
	free(main_before);
	free(main_after);
	free(still);
}

/*
 * Issue 20, "Git objects": a pushed tip of 3 MiB (a commit message of
 * repeated bytes: kilobytes once compressed) is refused from its header,
 * naming the branch, the commit and the limit; the tip stays and no object
 * is added.
 */
Test(audit, an_oversized_tip_is_refused_from_its_header_and_nothing_is_written)
{
	gr_run r = gr_cli(dir, GR_ARGS("plan", "--target", "snapshot:server.json", "--audit-repo",
	                               "audit", "policy.yaml"));
	cr_assert_eq(r.code, 2, "%s", r.err);
	gr_run_free(&r);
	char *id = gr_sh(dir,
	                 "cd audit && { git cat-file commit audit/edge01 | sed -n '1,4p'; "
	                 "echo; head -c %d /dev/zero | tr '\\0' A | fold -w 64; } > huge && "
	                 "git hash-object --literally -t commit -w huge && rm huge",
	                 3 * 1024 * 1024);
	free(gr_sh(dir, "git -C audit update-ref refs/heads/audit/edge01 %s", id));
	char *size = gr_sh(dir, "git -C audit cat-file -s %s", id);
	char *objects = gr_sh(dir, "find audit/objects -type f | sort");
	r = gr_cli(dir, GR_ARGS("plan", "--target", "snapshot:server.json", "--audit-repo", "audit",
	                        "policy.yaml"));
	cr_expect_eq(r.code, 6, "drift, and the audit commit not written: %s", r.err);
	char *want = enf_asprintf(
	    "cannot commit the reports to the audit repository 'audit': refs/heads/audit/edge01: "
	    "the commit %.12s is %s bytes, more than the 1048576 bytes a commit of the audit "
	    "repository may have (docs/CLI.md, \"Limits of the audit repository\"); it was not read; nothing was "
	    "written",
	    id, size);
	cr_expect(strstr(r.err, want), "%s\nwanted: %s", r.err, want);
	free(want);
	gr_run_free(&r);
	char *tip = gr_sh(dir, "git -C audit rev-parse refs/heads/audit/edge01");
	cr_expect_str_eq(tip, id, "the branch moved");
	char *after = gr_sh(dir, "find audit/objects -type f | sort");
	cr_expect_str_eq(after, objects, "objects were added");
	free(tip);
	free(after);
	free(objects);
	free(size);
	free(id);
}
