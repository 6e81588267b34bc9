/* enforcer policy diff: per resource, what was added, removed or changed between two commits. */
#include "gitrepo.h"
#include "helpers.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char v1[] =
    "enforcer: 1\n"
    "name: lync-edge\n"
    "resources:\n"
    "  - type: registry\n"
    "    id: schannel.session-ticket\n"
    "    key: HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\Schannel\n"
    "    value: EnableSessionTicket\n"
    "    kind: dword\n"
    "    data: 1\n"
    "  - type: service\n"
    "    id: old-service\n"
    "    name: RTCOLD\n"
    "    state: stopped\n"
    "  - type: certificate\n"
    "    id: root-ca\n"
    "    store: Root\n"
    "    file: certs/root.cer\n";

/* v1 with: a policy condition, data 1 -> 2, old-service removed, access-edge added. */
static const char v2[] =
    "enforcer: 1\n"
    "name: lync-edge\n"
    "when:\n"
    "  os.build: \">= 9600\"\n"
    "resources:\n"
    "  - type: registry\n"
    "    id: schannel.session-ticket\n"
    "    key: HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\Schannel\n"
    "    value: EnableSessionTicket\n"
    "    kind: dword\n"
    "    data: 2\n"
    "  - type: certificate\n"
    "    id: root-ca\n"
    "    store: Root\n"
    "    file: certs/root.cer\n"
    "  - type: service\n"
    "    id: access-edge\n"
    "    name: RTCSRV\n"
    "    logon: NetworkService\n";

/* v2 written differently, meaning the same. */
static const char v3[] =
    "# Edge baseline, reformatted\n"
    "enforcer: 1\n"
    "name: lync-edge\n"
    "when: {os.build: '>= 9600'}\n"
    "resources:\n"
    "  - {type: registry, id: schannel.session-ticket, value: EnableSessionTicket, kind: dword, "
    "data: 0x2,\n"
    "     key: "
    "'HKEY_LOCAL_MACHINE\\System\\CurrentControlSet\\Control\\SecurityProviders\\Schannel'}\n"
    "  - {type: certificate, id: root-ca, store: 'LocalMachine\\Root', file: certs/root.cer, mode: "
    "enforce}\n"
    "  - {type: service, id: access-edge, name: RTCSRV, logon: NetworkService}\n";

typedef struct dfx {
	char *dir, *repo, *c1, *c2;
} dfx;

static void setup(dfx *f)
{
	f->dir = th_tmpdir();
	free(gr_sh(f->dir, "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
	                   "-keyout a.key -out a.pem -subj /CN=A 2>/dev/null && "
	                   "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
	                   "-keyout b.key -out b.pem -subj /CN=B 2>/dev/null"));
	f->repo = gr_init(f->dir, "policies");
	gr_write(f->repo, "edge/edge.yaml", v1);
	free(
	    gr_sh(f->dir, "mkdir -p policies/edge/certs && cp a.pem policies/edge/certs/root.cer"));
	f->c1 = gr_commit(f->repo, f->dir, NULL, "v1");
	free(gr_sh(f->repo, "git tag v1"));
	gr_write(f->repo, "edge/edge.yaml", v2);
	free(gr_sh(f->dir, "cp b.pem policies/edge/certs/root.cer"));
	f->c2 = gr_commit(f->repo, f->dir, NULL, "v2");
	free(gr_sh(f->repo, "git tag v2"));
	gr_write(f->repo, "edge/edge.yaml", v3);
	free(gr_commit(f->repo, f->dir, NULL, "v3"));
	free(gr_sh(f->repo, "git tag v3"));
}

static void teardown(dfx *f)
{
	free(f->dir);
	free(f->repo);
	free(f->c1);
	free(f->c2);
}

/* Each test's repository: v1, v2 and v3 of the Edge policy, tagged (setup). */
static dfx f;

static void diff_init(void)
{
	setup(&f);
}

static void diff_fini(void)
{
	teardown(&f);
	th_cleanup();
}

TestSuite(policydiff, .init = diff_init, .fini = diff_fini);

Test(policydiff, added_removed_and_changed_resources_key_by_key)
{
	char *blob1 = gr_sh(f.repo, "git rev-parse v1:edge/certs/root.cer | cut -c1-12");
	char *blob2 = gr_sh(f.repo, "git rev-parse v2:edge/certs/root.cer | cut -c1-12");
	gr_run r = gr_cli(
	    f.dir, GR_ARGS("policy", "diff", "v1", "v2", "--repo", "policies", "edge/edge.yaml"));
	char *want = enf_asprintf("policy edge/edge.yaml: v1 (%.12s) -> v2 (%.12s)\n"
	                          "~ policy lync-edge: when (none) -> {os.build: \">= 9600\"}\n"
	                          "- service old-service\n"
	                          "+ service access-edge\n"
	                          "~ registry schannel.session-ticket: data 1 -> 2\n"
	                          "~ certificate root-ca: content of certs/root.cer %s -> %s\n"
	                          "1 added, 1 removed, 2 changed, 1 policy setting changed\n",
	                          f.c1, f.c2, blob1, blob2);
	cr_expect_eq(r.code, 2, "%s", r.err);
	cr_expect_str_eq(r.out, want);
	cr_expect_str_eq(r.err, "");
	gr_run_free(&r);
	free(want);

	r = gr_cli(f.dir, GR_ARGS("policy", "diff", "--format", "json", "--repo", "policies", "v1",
	                          "v2", "edge/edge.yaml"));
	cr_expect_eq(r.code, 2, "%s", r.err);
	json_error_t err;
	json_t *doc = json_loads(r.out, 0, &err);
	cr_assert(doc, "%s", err.text);
	cr_expect_str_eq(json_string_value(json_object_get(doc, "schema")),
	                 "enforcer-policy-diff/1");
	cr_expect_eq(json_integer_value(json_object_get(doc, "differences")), 5);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(doc, "from"), "commit")),
	                 f.c1);
	json_t *want_changed =
	    json_pack("[{s:s, s:s, s:[{s:s, s:i, s:i}]}, {s:s, s:s, s:[{s:s, s:s, s:s}]}]", "id",
	              "schannel.session-ticket", "type", "registry", "keys", "key", "data", "from",
	              1, "to", 2, "id", "root-ca", "type", "certificate", "keys", "key",
	              "content of certs/root.cer", "from", blob1, "to", blob2);
	cr_expect(json_equal(json_object_get(doc, "changed"), want_changed), "%s", r.out);
	json_t *want_added = json_pack("[{s:s, s:s}]", "id", "access-edge", "type", "service");
	json_t *want_removed = json_pack("[{s:s, s:s}]", "id", "old-service", "type", "service");
	cr_expect(json_equal(json_object_get(doc, "added"), want_added));
	cr_expect(json_equal(json_object_get(doc, "removed"), want_removed));
	json_decref(want_changed);
	json_decref(want_added);
	json_decref(want_removed);
	json_decref(doc);
	gr_run_free(&r);
	free(blob1);
	free(blob2);
}

Test(policydiff, the_same_meaning_written_differently_is_no_difference)
{
	gr_run r = gr_cli(
	    f.dir, GR_ARGS("policy", "diff", "v2", "v3", "--repo", "policies", "edge/edge.yaml"));
	cr_expect_eq(r.code, 0, "%s", r.err);
	char *c3 = gr_sh(f.repo, "git rev-parse v3");
	char *want = enf_asprintf(
	    "policy edge/edge.yaml: v2 (%.12s) -> v3 (%.12s)\nno differences\n", f.c2, c3);
	cr_expect_str_eq(r.out, want);
	free(want);
	free(c3);
	gr_run_free(&r);
	r = gr_cli(f.dir, GR_ARGS("policy", "diff", "v1", "v2", "edge/edge.yaml"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "enforcer policy diff: name the policy repository with --repo DIR\n"
	                        "See 'enforcer policy diff --help'.\n");
	gr_run_free(&r);
	r = gr_cli(f.dir,
	           GR_ARGS("policy", "diff", "v1", "v9", "--repo", "policies", "edge/edge.yaml"));
	cr_expect_eq(r.code, 1);
	cr_expect(strstr(r.err, "enforcer: 'v9' is not a commit of 'policies': ") == r.err, "%s",
	          r.err);
	gr_run_free(&r);
}
