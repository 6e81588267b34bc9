/*
 * A policy from a git commit (--repo/--ref): read from the commit, never the
 * working tree; its signature checked; symbolic links, submodules and paths
 * out of the repository refused; the provenance every report carries.
 */
#include "gitrepo.h"
#include "helpers.h"

#include "enforcer/errors.h"
#include "enforcer/engine.h"
#include "enforcer/source.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char policy_yaml[] =
    "enforcer: 1\n"
    "name: lync-edge\n"
    "resources:\n"
    "  - type: registry\n"
    "    id: schannel.session-ticket\n"
    "    key: HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\Schannel\n"
    "    value: EnableSessionTicket\n"
    "    kind: dword\n"
    "    data: 1\n"
    "  - type: certificate\n"
    "    id: root-ca\n"
    "    store: Root\n"
    "    file: certs/root.cer\n";

static const char server_json[] =
    "{\"schema\": \"enforcer-snapshot/1\", \"facts\": {\"host.name\": \"EDGE01\"},\n"
    " \"registry\": {}, \"services\": {}, \"stores\": {}}\n";

typedef struct gfx {
	char *dir;    /* the test's folder: the PKI, server.json */
	char *repo;   /* DIR/policy-repo */
	char *commit; /* main */
	char *ca;     /* DIR/ca.pem */
} gfx;

/* A policy repository whose main commit is signed by `signer` (NULL: unsigned). */
static void setup(gfx *g, const char *signer)
{
	g->dir = th_tmpdir();
	gr_pki(g->dir);
	g->repo = gr_init(g->dir, "policy-repo");
	g->ca = enf_asprintf("%s/ca.pem", g->dir);
	gr_write(g->repo, "policies/edge.yaml", policy_yaml);
	free(gr_sh(g->dir, "mkdir -p policy-repo/policies/certs && cp ca.pem "
	                   "policy-repo/policies/certs/root.cer"));
	free(th_write(g->dir, "server.json", server_json));
	g->commit = gr_commit(g->repo, g->dir, signer, "Edge baseline");
}

static void teardown(gfx *g)
{
	free(g->dir);
	free(g->repo);
	free(g->commit);
	free(g->ca);
}

static enf_source *open_at(const gfx *g, const char *ref, const char *trusted)
{
	enf_source *src = NULL;
	enf_source_git_options opts = ENF_SOURCE_GIT_OPTIONS_INIT;
	opts.trusted_signers = trusted;
	int rc = enf_source_open_git(&src, g->repo, ref, "policies/edge.yaml", &opts);
	cr_assert_eq(rc, 0, "%s", enf_error_last() ? enf_error_last()->message : "?");
	return src;
}

/* A commit made by hand from `main`'s: its message line replaced, or a header added. */
static char *forge(const gfx *g, const char *branch, const char *sed)
{
	char *id = gr_sh(g->repo,
	                 "git cat-file commit main | sed %s > forged && "
	                 "git hash-object -t commit -w forged && rm forged",
	                 sed);
	free(gr_sh(g->repo, "git update-ref refs/heads/%s %s", branch, id));
	return id;
}

/* The thumbprint of a PEM certificate, as the plan shows it. */
static char *thumbprint(const char *dir, const char *pem)
{
	return gr_sh(dir, "openssl x509 -in %s -noout -fingerprint -sha1 | sed 's/.*=//; s/://g'",
	             pem);
}

/* validate --repo's error output for the policy at `ref`. */
static void expect_invalid(const gfx *g, const char *ref, const char *err)
{
	gr_run r = gr_cli(g->dir, GR_ARGS("validate", "--repo", "policy-repo", "--ref", ref,
	                                  "policies/edge.yaml"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, err);
	cr_expect_str_eq(r.out, "0 of 1 policy valid\n");
	gr_run_free(&r);
}

/* policy.source of `plan --format json` for a plain path. */
static json_t *plain_source(const gfx *g)
{
	gr_run r = gr_cli(g->dir, GR_ARGS("plan", "--target", "snapshot:server.json", "--format",
	                                  "json", "policy-repo/policies/edge.yaml"));
	cr_assert_eq(r.code, 2, "%s", r.err);
	json_error_t err;
	json_t *doc = json_loads(r.out, 0, &err);
	cr_assert(doc, "%s", err.text);
	json_t *src = json_incref(json_object_get(json_object_get(doc, "policy"), "source"));
	json_decref(doc);
	gr_run_free(&r);
	return src;
}

static int dirty_of(const gfx *g)
{
	json_t *src = plain_source(g);
	cr_expect_str_eq(json_string_value(json_object_get(src, "commit")), g->commit);
	cr_expect_str_eq(json_string_value(json_object_get(src, "ref")), "main");
	cr_expect_str_eq(json_string_value(json_object_get(src, "subject")), "Edge baseline");
	int dirty = json_is_true(json_object_get(src, "dirty"));
	json_decref(src);
	return dirty;
}

/*
 * Each test's policy repository (setup): its main commit unsigned, signed by
 * the trusted CA's signer, or by a signer from an untrusted CA.
 */
static gfx g;

static void unsigned_repo(void)
{
	setup(&g, NULL);
}

static void signed_repo(void)
{
	setup(&g, "signer");
}

static void rogue_repo(void)
{
	setup(&g, "rogue");
}

static void gitsource_fini(void)
{
	teardown(&g);
	memset(&g, 0, sizeof(g));
	th_cleanup();
}

TestSuite(gitsource, .fini = gitsource_fini);

Test(gitsource, a_signed_commit_is_valid_and_the_report_names_it, .init = signed_repo)
{
	enf_source *src = open_at(&g, "main", g.ca);
	const enf_sig_check *sig = enf_source_signature(src);
	cr_expect_eq(sig->status, ENF_SIG_VALID, "%s", sig->reason);
	cr_expect_str_eq(sig->signer, "CN=Policy Signer,O=Contoso");
	enf_diag_list diags;
	enf_policy *policy = NULL;
	cr_assert_eq(enf_diag_list_init(&diags, enf_source_name(src)), 0);
	cr_assert_eq(enf_source_load_policy(&policy, &diags, src), 0);
	cr_expect_str_eq(policy->path, "main:policies/edge.yaml");
	enf_target *target = NULL;
	char *spec = enf_asprintf("snapshot:%s/server.json", g.dir);
	cr_assert_eq(enf_target_open(&target, spec), 0);
	enf_run_options opts = ENF_RUN_OPTIONS_INIT;
	opts.source = src;
	enf_run *run = NULL;
	cr_assert_eq(enf_run_policy(&run, policy, target, &opts), 0);
	const enf_provenance *p = &run->source;
	char *tree = gr_sh(g.repo, "git rev-parse 'main^{tree}'");
	cr_expect_str_eq(p->file, "policies/edge.yaml");
	cr_expect_str_eq(p->repo, g.repo);
	cr_expect_str_eq(p->ref, "main");
	cr_expect_str_eq(p->commit, g.commit);
	cr_expect_str_eq(p->author, "Alice Admin <alice@contoso.com>");
	cr_expect_str_eq(p->date, "2026-03-01T14:05:09+01:00");
	cr_expect_str_eq(p->subject, "Edge baseline");
	cr_expect_str_eq(p->tree, tree);
	cr_expect_str_eq(p->signature, "valid");
	cr_expect_str_eq(p->signer, "CN=Policy Signer,O=Contoso");
	cr_expect_eq(p->dirty, 0);
	/* The certificate came from the commit, through the source. */
	char *thumb = thumbprint(g.dir, "ca.pem");
	char *want = enf_asprintf("add certs/root.cer (%s) to Root", thumb);
	cr_expect_eq(run->results[1].outcome, ENF_OUTCOME_DRIFT, "%s", run->results[1].message);
	cr_expect_str_eq(run->results[1].actions[0].text, want);
	free(want);
	free(thumb);
	free(tree);
	enf_run_free(run);
	enf_target_close(target);
	free(spec);
	enf_policy_free(policy);
	enf_diag_list_clear(&diags);
	enf_source_free(src);
}

Test(gitsource, the_policy_and_its_files_come_from_the_commit_not_the_working_tree,
     .init = unsigned_repo)
{
	/* The working tree says something else; the commit is what runs. */
	free(gr_sh(g.dir, "cp other-ca.pem policy-repo/policies/certs/root.cer && "
	                  "sed -i 's/data: 1/data: 7/' policy-repo/policies/edge.yaml"));
	gr_run r = gr_cli(g.dir, GR_ARGS("plan", "--target", "snapshot:server.json", "--repo",
	                                 "policy-repo", "--ref", "main", "policies/edge.yaml"));
	char *thumb = thumbprint(g.dir, "ca.pem");
	char *want =
	    enf_asprintf("\ndrift       root-ca: add certs/root.cer (%s) to Root\n", thumb);
	cr_expect_eq(r.code, 2, "%s", r.err);
	cr_expect(strstr(r.out, "EnableSessionTicket = DWORD 1 (0x1)") != NULL, "%s", r.out);
	cr_expect(strstr(r.out, want) != NULL, "%s", r.out);
	free(want);
	free(thumb);
	gr_run_free(&r);
	/* validate too, and --ref defaults to HEAD. */
	r = gr_cli(g.dir, GR_ARGS("validate", "--repo", "policy-repo", "policies/edge.yaml"));
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect_str_eq(r.out,
	                 "HEAD:policies/edge.yaml: valid (policy 'lync-edge', 2 resources)\n");
	gr_run_free(&r);
}

Test(gitsource, require_signed_refuses_an_unsigned_commit_before_reading_anything,
     .init = unsigned_repo)
{
	enf_source *src = open_at(&g, "main", g.ca);
	cr_expect_eq(enf_source_signature(src)->status, ENF_SIG_UNSIGNED);
	cr_expect_str_eq(enf_source_signature(src)->reason, "the commit is not signed");
	enf_source_free(src);
	gr_run r = gr_cli(g.dir, GR_ARGS("apply", "--target", "snapshot:server.json", "--state-dir",
	                                 "state", "--repo", "policy-repo", "--ref", "main",
	                                 "--trusted-signers", "ca.pem", "--require-signed",
	                                 "policies/edge.yaml"));
	char *want =
	    enf_asprintf("enforcer apply: refusing commit %.12s (main) of 'policy-repo': its "
	                 "signature is unsigned: the commit is not signed; --require-signed "
	                 "accepts only a valid x509 signature from a signer in 'ca.pem'\n"
	                 "Nothing was read or changed.\n",
	                 g.commit);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, want);
	cr_expect_str_eq(r.out, "");
	char *state = enf_asprintf("%s/state", g.dir),
	     *server = enf_asprintf("%s/server.json", g.dir);
	cr_expect_not(enf_path_exists(state), "the state folder was created");
	char *now = th_read(server, NULL);
	cr_expect_str_eq(now, server_json);
	free(now);
	free(state);
	free(server);
	free(want);
	gr_run_free(&r);
	/* --require-signed alone cannot say whom to trust. */
	r = gr_cli(g.dir, GR_ARGS("plan", "--repo", "policy-repo", "--require-signed",
	                          "policies/edge.yaml"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "enforcer plan: --require-signed needs --trusted-signers PEM: the "
	                        "CA or signer certificates a policy commit must be signed by\n"
	                        "See 'enforcer plan --help'.\n");
	gr_run_free(&r);
}

Test(gitsource, a_commit_altered_after_signing_is_invalid, .init = signed_repo)
{
	char *id = forge(&g, "tampered", "'s/^Edge baseline$/Edge baseline, data relaxed/'");
	enf_source *src = open_at(&g, "tampered", g.ca);
	const enf_sig_check *sig = enf_source_signature(src);
	cr_expect_eq(sig->status, ENF_SIG_INVALID);
	cr_expect_str_eq(
	    sig->reason,
	    "the signed content does not match the signature: it was altered after signing");
	enf_source_free(src);
	gr_run r = gr_cli(g.dir, GR_ARGS("plan", "--target", "snapshot:server.json", "--repo",
	                                 "policy-repo", "--ref", "tampered", "--trusted-signers",
	                                 "ca.pem", "--require-signed", "policies/edge.yaml"));
	char *want =
	    enf_asprintf("enforcer plan: refusing commit %.12s (tampered) of 'policy-repo': its "
	                 "signature is invalid: the signed content does not match the signature: "
	                 "it was altered after signing; --require-signed accepts only a valid x509 "
	                 "signature from a signer in 'ca.pem'\n"
	                 "Nothing was read or changed.\n",
	                 id);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, want);
	free(want);
	free(id);
	gr_run_free(&r);
}

Test(gitsource, a_signer_from_an_untrusted_ca_is_untrusted, .init = rogue_repo)
{
	enf_source *src = open_at(&g, "main", g.ca);
	const enf_sig_check *sig = enf_source_signature(src);
	char *why = enf_asprintf("the signer's certificate does not chain to a trusted signer in "
	                         "'%s' (unable to get local issuer certificate)",
	                         g.ca);
	cr_expect_eq(sig->status, ENF_SIG_UNTRUSTED);
	cr_expect_str_eq(sig->signer, "CN=Rogue Signer,O=Elsewhere");
	cr_expect_str_eq(sig->reason, why);
	free(why);
	enf_source_free(src);
	/* Without trusted signers, an intact signature is untrusted: nobody vouched for the signer.
	 */
	src = open_at(&g, "main", NULL);
	sig = enf_source_signature(src);
	cr_expect_eq(sig->status, ENF_SIG_UNTRUSTED);
	cr_expect_eq(sig->trust_checked, 0);
	cr_expect_str_eq(sig->reason,
	                 "intact, but no trusted signers were given to check the signer against");
	enf_source_free(src);
	/* The bundle may hold the signer's own certificate rather than its CA. */
	char *rogue = enf_asprintf("%s/rogue.pem", g.dir);
	src = open_at(&g, "main", rogue);
	cr_expect_eq(enf_source_signature(src)->status, ENF_SIG_VALID);
	enf_source_free(src);
	free(rogue);
}

Test(gitsource, gpg_and_ssh_signatures_are_unsupported, .init = unsigned_repo)
{
	free(forge(&g, "gpg",
	           "'/^committer /a gpgsig -----BEGIN PGP SIGNATURE-----\\n \\n "
	           "iQEzBAABCAAdFiEE\\n -----END PGP SIGNATURE-----'"));
	free(forge(&g, "ssh",
	           "'/^committer /a gpgsig -----BEGIN SSH SIGNATURE-----\\n U1NIU0lH\\n -----END "
	           "SSH SIGNATURE-----'"));
	enf_source *src = open_at(&g, "gpg", g.ca);
	cr_expect_eq(enf_source_signature(src)->status, ENF_SIG_UNSUPPORTED);
	cr_expect_str_eq(enf_source_signature(src)->reason,
	                 "the commit has a GPG (OpenPGP) signature; only x509 (CMS) signatures are "
	                 "checked (git config gpg.format x509)");
	enf_source_free(src);
	src = open_at(&g, "ssh", g.ca);
	cr_expect_eq(enf_source_signature(src)->status, ENF_SIG_UNSUPPORTED);
	cr_expect_str_eq(enf_source_signature(src)->reason,
	                 "the commit has an SSH signature; only x509 (CMS) signatures are checked "
	                 "(git config gpg.format x509)");
	enf_source_free(src);
}

Test(gitsource, symbolic_links_in_a_commit_are_refused_with_their_path, .init = unsigned_repo)
{
	free(gr_sh(g.repo, "git checkout -q -b file-link && cd policies/certs && rm root.cer && "
	                   "ln -s ../../../ca.pem root.cer"));
	char *file_link = gr_commit(g.repo, g.dir, NULL, "link the file");
	free(gr_sh(
	    g.repo,
	    "git checkout -q -b folder-link main && mkdir -p elsewhere && "
	    "git mv policies/certs elsewhere/certs && ln -s ../elsewhere/certs policies/certs"));
	char *folder_link = gr_commit(g.repo, g.dir, NULL, "link the folder");
	char *want =
	    enf_asprintf("file-link:policies/edge.yaml:10:5: 'certs/root.cer': "
	                 "'policies/certs/root.cer' is a symbolic link in commit %.12s; a policy's "
	                 "files must be regular files of its commit (links are never followed)\n",
	                 file_link);
	expect_invalid(&g, "file-link", want);
	free(want);
	want = enf_asprintf("folder-link:policies/edge.yaml:10:5: 'certs/root.cer': "
	                    "'policies/certs' is a symbolic link in commit %.12s; a policy's files "
	                    "must be regular files of its commit (links are never followed)\n",
	                    folder_link);
	expect_invalid(&g, "folder-link", want);
	free(want);
	/* The policy file itself, too. */
	free(gr_sh(g.repo, "git checkout -q main && ln -s edge.yaml policies/link.yaml"));
	char *policy_link = gr_commit(g.repo, g.dir, NULL, "link the policy");
	enf_source *src = NULL;
	cr_expect_eq(enf_source_open_git(&src, g.repo, "main", "policies/link.yaml", NULL),
	             ENF_EINVALID);
	want = enf_asprintf("'policies/link.yaml' is a symbolic link in commit %.12s; a policy's "
	                    "files must be regular files of its commit (links are never followed)",
	                    policy_link);
	cr_expect_str_eq(enf_error_last()->message, want);
	free(want);
	free(file_link);
	free(folder_link);
	free(policy_link);
}

Test(gitsource, files_in_a_submodule_are_refused, .init = unsigned_repo)
{
	free(gr_sh(g.repo,
	           "git checkout -q -b submodule && git rm -q -r policies/certs && "
	           "git update-index --add --cacheinfo 160000,%s,policies/certs && "
	           "git commit -q -m 'certificates from a submodule'",
	           g.commit));
	char *id = gr_sh(g.repo, "git rev-parse HEAD");
	char *want = enf_asprintf(
	    "submodule:policies/edge.yaml:10:5: 'certs/root.cer': 'policies/certs' is a submodule "
	    "in commit %.12s; a policy's files must be in its own commit, not in a submodule\n",
	    id);
	expect_invalid(&g, "submodule", want);
	free(want);
	free(id);
}

Test(gitsource, paths_out_of_the_repository_or_unsafe_on_windows_are_refused, .init = unsigned_repo)
{
	static const struct {
		const char *path, *error;
	} cases[] = {
	    {"../ca.pem", "cannot use '../ca.pem': the path has '..'; keep referenced files inside "
	                  "the policy's repository"},
	    {"certs/../../ca.pem", "cannot use 'certs/../../ca.pem': the path has '..'; keep "
	                           "referenced files inside the policy's repository"},
	    {"/etc/passwd",
	     "cannot use '/etc/passwd': the path is absolute; give it relative to the policy file"},
	    {"certs\\root.cer",
	     "cannot use 'certs\\root.cer': the path has a backslash; use '/' between folders"},
	    {"C:root.cer",
	     "cannot use 'C:root.cer': the path has a ':' (a drive letter or a stream name)"},
	    {"root.cer:stream",
	     "cannot use 'root.cer:stream': the path has a ':' (a drive letter or a stream name)"},
	    {"certs/NUL.cer",
	     "cannot use 'certs/NUL.cer': the path names a Windows device (CON, NUL, COM1...)"},
	    {"com1", "cannot use 'com1': the path names a Windows device (CON, NUL, COM1...)"},
	    {"CON.txt.cer",
	     "cannot use 'CON.txt.cer': the path names a Windows device (CON, NUL, COM1...)"},
	};
	enf_source *src = open_at(&g, "main", NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *data = NULL;
		size_t len = 0;
		cr_expect_eq(enf_source_read(&data, &len, src, cases[i].path, 4096), ENF_EINVALID,
		             "%s", cases[i].path);
		cr_expect_str_eq(enf_error_last()->message, cases[i].error);
	}
	char *data = NULL;
	size_t len = 0;
	cr_expect_eq(enf_source_read(&data, &len, src, "certs/missing.cer", 4096), ENF_ENOTFOUND);
	char *want = enf_asprintf(
	    "'policies/certs/missing.cer' is not in commit %.12s (main) of '%s'", g.commit, g.repo);
	cr_expect_str_eq(enf_error_last()->message, want);
	free(want);
	cr_expect_eq(enf_source_read(&data, &len, src, "certs/root.cer", 4096), 0);
	free(data);
	enf_source_free(src);
	/* The policy's own path, and a reference the loader sees. */
	cr_expect_eq(enf_source_open_git(&src, g.repo, "main", "../edge.yaml", NULL), ENF_EINVALID);
	cr_expect_str_eq(enf_error_last()->message,
	                 "cannot use the policy path '../edge.yaml': the path has '..'; keep "
	                 "referenced files inside the policy's repository");
	free(gr_sh(g.repo, "git checkout -q -b dotdot && sed -i 's|certs/root.cer|../../ca.pem|' "
	                   "policies/edge.yaml"));
	free(gr_commit(g.repo, g.dir, NULL, "outside"));
	gr_run r = gr_cli(g.dir, GR_ARGS("validate", "--repo", "policy-repo", "--ref", "dotdot",
	                                 "policies/edge.yaml"));
	cr_expect_eq(r.code, 1);
	cr_expect(strstr(r.err, "dotdot:policies/edge.yaml:13:11: ") == r.err, "%s", r.err);
	cr_expect(strstr(r.err, "'..'") != NULL, "%s", r.err);
	gr_run_free(&r);
}

Test(gitsource, a_plain_path_in_a_working_tree_records_its_commit_and_dirtiness,
     .init = unsigned_repo)
{
	cr_expect_eq(dirty_of(&g), 0, "clean");
	free(gr_sh(g.repo, "echo '# edited' >> policies/edge.yaml"));
	cr_expect_eq(dirty_of(&g), 1, "modified policy");
	free(gr_sh(
	    g.repo,
	    "git checkout -q policies/edge.yaml && cp ../other-ca.pem policies/certs/root.cer"));
	cr_expect_eq(dirty_of(&g), 1, "modified certificate file");
	free(gr_sh(g.repo, "git checkout -q policies/certs/root.cer && git mv policies/edge.yaml "
	                   "policies/staged.yaml && "
	                   "cp policies/staged.yaml policies/edge.yaml"));
	cr_expect_eq(dirty_of(&g), 1, "untracked policy");
	/* Outside any repository: no commit, dirty unknown. */
	free(gr_sh(g.dir,
	           "cp policy-repo/policies/edge.yaml . && cp -r policy-repo/policies/certs ."));
	gr_run r = gr_cli(g.dir, GR_ARGS("plan", "--target", "snapshot:server.json", "--format",
	                                 "json", "edge.yaml"));
	json_t *doc = json_loads(r.out, 0, NULL);
	json_t *src = json_object_get(json_object_get(doc, "policy"), "source");
	cr_expect(json_is_null(json_object_get(src, "commit")));
	cr_expect(json_is_null(json_object_get(src, "dirty")));
	cr_expect_str_eq(json_string_value(json_object_get(src, "file")), "edge.yaml");
	json_decref(doc);
	gr_run_free(&r);
}

/*
 * A committed link is "unchanged" to git status, yet reading it follows the
 * link out of the repository: refused in a working tree as in a commit.
 */
Test(gitsource, a_committed_link_in_a_working_tree_is_refused_not_reported_clean,
     .init = unsigned_repo)
{
	free(gr_sh(g.repo, "cd policies/certs && rm root.cer && ln -s ../../../other-ca.pem "
	                   "root.cer && cd .. && ln -s edge.yaml link.yaml"));
	char *c = gr_commit(g.repo, g.dir, NULL, "link out");
	gr_run r = gr_cli(g.dir, GR_ARGS("plan", "--target", "snapshot:server.json",
	                                 "policy-repo/policies/edge.yaml"));
	char *want = enf_asprintf("failed      root-ca: cannot load the certificate file: "
	                          "'policies/certs/root.cer' is a symbolic link in commit %.12s, "
	                          "the HEAD of the working tree; a policy's files must be regular "
	                          "files of its commit (links are never followed)\n",
	                          c);
	cr_expect_eq(r.code, 6, "the certificate never compliant: %s", r.out);
	cr_expect(strstr(r.out, want), "%s", r.out);
	gr_run_free(&r);
	free(want);
	want = enf_asprintf("policy-repo/policies/link.yaml: 'policies/link.yaml' is a symbolic "
	                    "link in commit %.12s, the HEAD of the working tree; a policy's files "
	                    "must be regular files of its commit (links are never followed)\n",
	                    c);
	r = gr_cli(g.dir, GR_ARGS("validate", "policy-repo/policies/link.yaml"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, want);
	gr_run_free(&r);
	free(want);
	free(c);
}

/*
 * libgit2 is only started when a `.git` lies in the policy's folder or above
 * it; a linked work tree has a `.git` file, not a folder, and is found too.
 */
Test(gitsource, a_policy_in_a_linked_work_tree_records_its_commit, .init = unsigned_repo)
{
	free(gr_sh(g.repo, "git worktree add -q ../linked-wt 2>&1"));
	gr_run r = gr_cli(g.dir, GR_ARGS("plan", "--target", "snapshot:server.json", "--format",
	                                 "json", "linked-wt/policies/edge.yaml"));
	cr_assert_eq(r.code, 2, "%s", r.err);
	json_t *doc = json_loads(r.out, 0, NULL);
	json_t *src = json_object_get(json_object_get(doc, "policy"), "source");
	cr_expect_str_eq(json_string_value(json_object_get(src, "commit")), g.commit);
	cr_expect(json_is_false(json_object_get(src, "dirty")));
	json_decref(doc);
	gr_run_free(&r);
}

/* Issue 20: a --ref that names two things is refused, naming both. */
Test(gitsource, an_ambiguous_ref_is_refused_naming_what_it_could_be, .init = unsigned_repo)
{
	/* A second commit, and a tag named like the first commit's abbreviated id on it. */
	free(gr_sh(g.repo, "git commit -q --allow-empty -m second"));
	char *second = gr_sh(g.repo, "git rev-parse HEAD");
	char *pinned = enf_strndup(g.commit, 12);
	free(gr_sh(g.repo, "git tag %s HEAD && git tag release HEAD~1 && git branch release HEAD",
	           pinned));
	enf_source *src = NULL;
	enf_source_git_options opts = ENF_SOURCE_GIT_OPTIONS_INIT;
	cr_expect_eq(enf_source_open_git(&src, g.repo, pinned, "policies/edge.yaml", &opts),
	             ENF_EINVALID);
	char *want = enf_asprintf("--ref '%s' is ambiguous in '%s': it names refs/tags/%s and the "
	                          "object %s; give the full reference (refs/tags/%s...) or the "
	                          "full 40-digit commit id",
	                          pinned, g.repo, pinned, g.commit, pinned);
	cr_expect_str_eq(enf_error_last()->message, want);
	free(want);
	cr_expect_eq(enf_source_open_git(&src, g.repo, "release", "policies/edge.yaml", &opts),
	             ENF_EINVALID);
	want = enf_asprintf("--ref 'release' is ambiguous in '%s': it names refs/heads/release and "
	                    "refs/tags/release; give the full reference (refs/tags/release...) or "
	                    "the full 40-digit commit id",
	                    g.repo);
	cr_expect_str_eq(enf_error_last()->message, want);
	free(want);
	/* The full names, and the full id, each name one commit. */
	src = open_at(&g, "refs/tags/release", NULL);
	cr_expect_str_eq(enf_source_commit(src), g.commit);
	enf_source_free(src);
	src = open_at(&g, "refs/heads/release", NULL);
	cr_expect_str_eq(enf_source_commit(src), second);
	enf_source_free(src);
	src = open_at(&g, g.commit, NULL);
	cr_expect_str_eq(enf_source_commit(src), g.commit);
	enf_source_free(src);
	free(pinned);
	free(second);
}

/*
 * Issue 20: only the commit's own gpgsig header is its signature. A signed
 * commit's signature block pasted into another commit's message makes that
 * commit unsigned, for enforcer as for git verify-commit.
 */
Test(gitsource, a_signature_pasted_into_the_message_is_no_signature, .init = signed_repo)
{
	free(gr_sh(g.repo,
	           "git cat-file commit main > signed && "
	           "sed -n '/^gpgsig /,/^ -----END/p' signed > block && "
	           "sed '/^gpgsig /,/^ -----END/d' signed > pasted && cat block >> pasted && "
	           "git update-ref refs/heads/pasted $(git hash-object -t commit -w pasted) && "
	           "rm signed block pasted"));
	cr_assert_eq(gr_sh_status(g.repo, "git cat-file commit pasted | grep -q '^gpgsig '"), 0,
	             "the block is not in the message");
	cr_expect_neq(gr_sh_status(g.repo, "git verify-commit pasted 2>/dev/null"), 0,
	              "git sees a signature");
	enf_source *src = open_at(&g, "pasted", g.ca);
	cr_expect_eq(enf_source_signature(src)->status, ENF_SIG_UNSIGNED);
	cr_expect_str_eq(enf_source_signature(src)->reason, "the commit is not signed");
	enf_source_free(src);
	/* The signed commit itself still verifies, through the same reader. */
	src = open_at(&g, "main", g.ca);
	cr_expect_eq(enf_source_signature(src)->status, ENF_SIG_VALID);
	enf_source_free(src);
}
