/*
 * Inputs sized to hurt (issue 20): git objects larger than their limit are
 * refused from their headers, without being read, whether loose, packed or
 * deltified; an allow list of 2 000 files from git and a CA store of
 * 2 000 certificates with one subject give the right verdict (and the
 * bound on chains built is said). The time these take is in bench/sized,
 * never asserted here.
 */
#include "gitrepo.h"
#include "helpers.h"
#include "pki.h"

#include "enforcer/cert.h"
#include "enforcer/errors.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static const char policy_yaml[] = "enforcer: 1\n"
                                  "name: sized\n"
                                  "resources:\n"
                                  "  - type: certificate\n"
                                  "    id: root-ca\n"
                                  "    store: Root\n"
                                  "    file: certs/root.cer\n";

static const char server_json[] = "{\"schema\": \"enforcer-snapshot/1\", \"facts\": {},\n"
                                  " \"registry\": {}, \"services\": {}, \"stores\": {}}\n";

static char *dir, *repo, *main_id;

static void repo_init(void)
{
	dir = th_tmpdir();
	gr_pki(dir);
	repo = gr_init(dir, "policy-repo");
	gr_write(repo, "policies/edge.yaml", policy_yaml);
	free(gr_sh(dir, "mkdir -p policy-repo/policies/certs && cp ca.pem "
	                "policy-repo/policies/certs/root.cer"));
	free(th_write(dir, "server.json", server_json));
	main_id = gr_commit(repo, dir, NULL, "Edge baseline");
}

static void repo_fini(void)
{
	free(dir);
	free(repo);
	free(main_id);
	dir = repo = main_id = NULL;
	th_cleanup();
}

TestSuite(sized, .init = repo_init, .fini = repo_fini);

/* `apply --ref REF` exits 1 with exactly `err`, and nothing was changed or made. */
static void expect_refused(const char *ref, const char *err)
{
	gr_run r =
	    gr_cli(dir, GR_ARGS("apply", "--target", "snapshot:server.json", "--state-dir", "state",
	                        "--repo", "policy-repo", "--ref", ref, "policies/edge.yaml"));
	cr_expect_eq(r.code, 1, "%s", r.err);
	cr_expect_str_eq(r.err, err);
	cr_expect_str_eq(r.out, "");
	char *server = enf_asprintf("%s/server.json", dir), *state = enf_asprintf("%s/state", dir);
	char *now = th_read(server, NULL);
	cr_expect_str_eq(now, server_json);
	cr_expect_not(enf_path_exists(state), "the state folder was created");
	free(now);
	free(server);
	free(state);
	gr_run_free(&r);
}

/* `validate --ref REF` exits 1 with exactly `err`. */
static void expect_invalid(const char *ref, const char *err)
{
	gr_run r = gr_cli(
	    dir, GR_ARGS("validate", "--repo", "policy-repo", "--ref", ref, "policies/edge.yaml"));
	cr_expect_eq(r.code, 1, "%s", r.err);
	cr_expect_str_eq(r.err, err);
	gr_run_free(&r);
}

/*
 * A commit of main's tree with a gpgsig header of `mib` MiB (lines of 'A'):
 * a few kilobytes once compressed. Returns its id.
 */
static char *huge_commit(const char *branch, int mib)
{
	char *id =
	    gr_sh(repo,
	          "{ git cat-file commit main | sed -n '1,3p'; "
	          "printf 'gpgsig -----BEGIN SIGNED MESSAGE-----\\n'; "
	          "head -c %d /dev/zero | tr '\\0' A | fold -w 64 | sed 's/^/ /'; "
	          "printf ' -----END SIGNED MESSAGE-----\\n\\nHuge signature\\n'; } > huge && "
	          "git hash-object --literally -t commit -w huge && rm huge",
	          mib * 1024 * 1024);
	free(gr_sh(repo, "git update-ref refs/heads/%s %s", branch, id));
	return id;
}

static size_t object_size(const char *id)
{
	char *n = gr_sh(repo, "git cat-file -s %s", id);
	size_t size = strtoul(n, NULL, 10);
	free(n);
	return size;
}

Test(sized, a_commit_over_its_limit_is_refused_from_its_header)
{
	char *id = huge_commit("huge", 3);
	size_t size = object_size(id);
	char *want = enf_asprintf(
	    "enforcer apply: --ref 'huge' of 'policy-repo': the commit %.12s is %zu bytes, more "
	    "than the 1048576 bytes a commit of a policy repository may have (docs/POLICY.md, "
	    "\"A policy from git\"); it was not read\nNothing was read or changed.\n",
	    id, size);
	expect_refused("huge", want);
	free(want);
	/* By its full id, and packed. */
	free(gr_sh(repo, "git repack -adq"));
	want = enf_asprintf(
	    "enforcer apply: --ref '%s' of 'policy-repo': the commit %.12s is %zu bytes, more "
	    "than the 1048576 bytes a commit of a policy repository may have (docs/POLICY.md, "
	    "\"A policy from git\"); it was not read\nNothing was read or changed.\n",
	    id, id, size);
	expect_refused(id, want);
	free(want);
	free(id);
}

Test(sized, a_huge_commit_on_the_way_of_a_ref_is_refused_too)
{
	char *id = huge_commit("huge", 2);
	char *child = gr_sh(repo, "git commit-tree -p %s -m child main^{tree}", id);
	free(gr_sh(repo, "git update-ref refs/heads/child %s", child));
	char *want = enf_asprintf(
	    "enforcer apply: 'child~1' is not a commit of 'policy-repo': the commit %.12s is %zu "
	    "bytes, more than the 1048576 bytes a commit of a policy repository may have "
	    "(docs/POLICY.md, \"A policy from git\"); it was not read\nNothing was read or "
	    "changed.\n",
	    id, object_size(id));
	expect_refused("child~1", want);
	/* The child itself is small: its parent is never read. */
	gr_run r = gr_cli(dir, GR_ARGS("validate", "--repo", "policy-repo", "--ref", "child",
	                               "policies/edge.yaml"));
	cr_expect_eq(r.code, 0, "%s", r.err);
	gr_run_free(&r);
	free(want);
	free(child);
	free(id);
}

Test(sized, a_file_over_its_limit_is_refused_loose_packed_and_as_a_delta)
{
	/* 1.2 MB of text, then the same with one line changed. */
	free(gr_sh(repo, "for i in $(seq 1 30000); do echo \"line $i of a file that is far too "
	                 "big\"; done > policies/certs/root.cer && git add -A && "
	                 "git commit -qm big && git branch big"));
	free(gr_sh(repo, "sed -i 's/line 7 /line seven /' policies/certs/root.cer && git add -A && "
	                 "git commit -qm big2 && git branch big2"));
	for (int packed = 0; packed < 2; packed++) {
		if (packed) {
			/* Both in one pack, one of them a delta of the other. */
			free(gr_sh(repo, "git repack -adfq --depth=5 --window=10"));
			char *deltas = gr_sh(repo, "git verify-pack -v .git/objects/pack/*.idx | "
			                           "awk '$2 == \"blob\" && NF >= 7' | wc -l");
			cr_assert_neq(strcmp(deltas, "0"), 0, "no blob was stored as a delta");
			free(deltas);
		}
		for (int k = 0; k < 2; k++) {
			const char *ref = k ? "big2" : "big";
			char *commit = gr_sh(repo, "git rev-parse %s", ref);
			char *blob = gr_sh(repo, "git rev-parse %s:policies/certs/root.cer", ref);
			char *want =
			    enf_asprintf("%s:policies/edge.yaml:4:5: 'certs/root.cer': "
			                 "'policies/certs/root.cer' is %zu bytes in commit "
			                 "%.12s; the limit is 1048576\n",
			                 ref, object_size(blob), commit);
			expect_invalid(ref, want);
			free(want);
			free(blob);
			free(commit);
		}
	}
}

Test(sized, a_folder_over_its_limit_is_refused_with_its_path)
{
	/* policies/certs: root.cer and 250 000 more entries (a tree of some 9 MB). */
	char *commit = gr_sh(
	    repo,
	    "blob=$(git rev-parse main:policies/certs/root.cer) && "
	    "{ seq -f 'f%%06g' 0 249999 | awk -v b=$blob '{ printf \"100644 blob %%s\\t%%s\\n\", "
	    "b, $1 }'; printf '100644 blob %%s\\troot.cer\\n' $blob; } | git mktree > certs && "
	    "pol=$(printf '040000 tree %%s\\tcerts\\n100644 blob %%s\\tedge.yaml\\n' "
	    "$(cat certs) $(git rev-parse main:policies/edge.yaml) | git mktree) && "
	    "top=$(printf '040000 tree %%s\\tpolicies\\n' $pol | git mktree) && "
	    "git commit-tree -m folder $top");
	free(gr_sh(repo, "git update-ref refs/heads/folder %s", commit));
	char *tree = gr_sh(repo, "cat certs && rm certs");
	char *want = enf_asprintf(
	    "folder:policies/edge.yaml:4:5: 'certs/root.cer': the folder 'policies/certs' of "
	    "commit %.12s: the tree %.12s is %zu bytes, more than the 8388608 bytes a tree of a "
	    "policy repository may have (docs/POLICY.md, \"A policy from git\"); it was not read\n",
	    commit, tree, object_size(tree));
	expect_invalid("folder", want);
	free(want);
	free(tree);
	free(commit);
}

/*
 * --- Many inputs: the verdict is right. 2 000 here, so that the suite stays
 * lean on two cores; bench/sized times the issue's 10 000. ---
 */

#define MANY 2000

Test(sized, an_allow_list_of_two_thousand_files_from_git_is_checked)
{
	free(gr_sh(repo, "rm -rf policies && mkdir -p policies/roots"));
	pki_opts o = {.ca = 1, .path_len = -1};
	pki_cert *first = NULL;
	json_t *snap = pki_snapshot();
	enf_buf pol = ENF_BUF_INIT;
	enf_buf_puts(&pol, "enforcer: 1\nname: many\nresources:\n"
	                   "  - {type: trust-store, id: root, store: Root, allow: [\n");
	char *roots = enf_asprintf("%s/policies/roots", repo);
	for (int i = 0; i <= MANY; i++) {
		char cn[64], file[32];
		snprintf(cn, sizeof(cn), "Sized Root %05d", i);
		snprintf(file, sizeof(file), "r%05d.cer", i);
		o.cn = cn;
		/* One key for all: fast, and each is still a root of its own. */
		pki_cert *c = pki_issue(&o, first ? first->key : NULL, NULL);
		pki_snapshot_add(snap, "Root", c);
		if (i < MANY) { /* the last is in Root but not allowed: the one extra */
			free(pki_write_der(roots, file, c));
			enf_buf_printf(&pol, "      roots/%s%s\n", file, i + 1 < MANY ? "," : "]}");
		}
		if (first)
			pki_free(c);
		else
			first = c;
	}
	pki_free(first);
	gr_write(repo, "policies/edge.yaml", pol.ptr);
	char *id = gr_commit(repo, dir, NULL, "Two thousand roots");
	free(pki_snapshot_write(snap, dir, "server.json"));
	gr_run r =
	    gr_cli(dir, GR_ARGS("plan", "--target", "snapshot:server.json", "--state-dir", "state",
	                        "--repo", "policy-repo", "--ref", "main", "policies/edge.yaml"));
	cr_expect_eq(r.code, 4, "%s", r.err);
	cr_expect(strstr(r.out, "'Sized Root 02000'") != NULL, "%s", r.out);
	cr_expect(strstr(r.out, "'Sized Root 01999'") == NULL, "an allowed root was reported");
	gr_run_free(&r);
	free(id);
	free(roots);
	enf_buf_clear(&pol);
	json_decref(snap);
}

/* The chain verdict of `leaf` with Root {root} and CA `ca`. */
static void chain_of(enf_chain_verdict *v, pki_cert *leaf, pki_cert *root, pki_cert **ca, size_t n)
{
	enf_cert_set r = {0}, c = {0};
	enf_cert *x = NULL;
	cr_assert_eq(enf_cert_from_der(&x, root->der, root->der_len), 0);
	cr_assert_eq(enf_cert_set_add(&r, x), 0);
	for (size_t i = 0; i < n; i++) {
		x = NULL;
		cr_assert_eq(enf_cert_from_der(&x, ca[i]->der, ca[i]->der_len), 0);
		cr_assert_eq(enf_cert_set_add(&c, x), 0);
	}
	enf_cert *l = NULL;
	cr_assert_eq(enf_cert_from_der(&l, leaf->der, leaf->der_len), 0);
	cr_assert_eq(enf_chain_verify(v, l, &r, &c, (int64_t)time(NULL)), 0);
	enf_cert_free(l);
	enf_cert_set_clear(&r);
	enf_cert_set_clear(&c);
}

Test(sized, two_thousand_cas_with_one_subject_find_the_issuer)
{
	pki_opts ro = {.cn = "Sized Root", .ca = 1, .path_len = -1};
	pki_cert *root = pki_issue(&ro, NULL, NULL);
	pki_cert **ca = calloc(MANY, sizeof(*ca));
	pki_opts co = {.cn = "Sized Issuing CA", .ca = 1, .path_len = -1};
	for (size_t i = 0; i < MANY; i++)
		ca[i] = pki_issue(&co, NULL, root); /* each with a key of its own */
	pki_opts lo = {.cn = "edge.sized.example", .path_len = -1};
	/* Issued by the last: every other one is tried by name first. */
	pki_cert *leaf = pki_issue(&lo, NULL, ca[MANY - 1]);
	enf_chain_verdict v;
	chain_of(&v, leaf, root, ca, MANY);
	cr_expect(v.trusted, "%s", v.reason ? v.reason : "");
	cr_expect_eq(v.length, 3);
	cr_expect_str_eq(v.thumbprints[1], ca[MANY - 1]->thumbprint);
	enf_chain_verdict_clear(&v);
	for (size_t i = 0; i < MANY; i++)
		pki_free(ca[i]);
	free(ca);
	pki_free(leaf);
	pki_free(root);
}

Test(sized, past_sixteen_chains_the_verdict_says_what_was_not_tried)
{
	pki_opts ro = {.cn = "Sized Root", .ca = 1, .path_len = -1};
	pki_cert *root = pki_issue(&ro, NULL, NULL);
	pki_cert *ca[20];
	/* One subject and one key: each verifies the leaf, and only the last may issue. */
	pki_opts no = {
	    .cn = "Sized Issuing CA", .path_len = -1, .basic_constraints = "critical,CA:FALSE"};
	pki_opts co = {.cn = "Sized Issuing CA", .ca = 1, .path_len = -1};
	EVP_PKEY *key = NULL;
	for (size_t i = 0; i < 20; i++) {
		ca[i] = pki_issue(i < 19 ? &no : &co, key, root);
		key = ca[0]->key;
	}
	pki_opts lo = {.cn = "edge.sized.example", .path_len = -1};
	pki_cert *leaf = pki_issue(&lo, NULL, ca[19]);
	enf_chain_verdict v;
	chain_of(&v, leaf, root, ca, 20);
	cr_expect(!v.trusted);
	cr_expect_str_eq(v.reason,
	                 "intermediate 'Sized Issuing CA' is in CA but cannot issue "
	                 "'edge.sized.example': it is not a CA (basicConstraints cA=false); not "
	                 "every way to build the chain was tried: 16 chains were built, and CA "
	                 "holds more certificates named 'Sized Issuing CA' (remove the ones that "
	                 "are not needed)");
	enf_chain_verdict_clear(&v);
	/* With 16 certificates, the last is found. */
	chain_of(&v, leaf, root, ca + 4, 16);
	cr_expect(v.trusted, "%s", v.reason ? v.reason : "");
	enf_chain_verdict_clear(&v);
	for (size_t i = 0; i < 20; i++)
		pki_free(ca[i]);
	pki_free(leaf);
	pki_free(root);
}
