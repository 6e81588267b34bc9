/*
 * The shipped baselines (the YAML files of policies/) on snapshots of each supported
 * server: what applies there, what is skipped and why (docs/baselines.md);
 * and the cases Microsoft's On-Premises Diagnostics rules decide, with the
 * exact finding the baselines give for each.
 *
 * The servers are the JSON files of tests/resources/baselines/ (facts, registry,
 * services); their certificate stores are made here by tests/pki.c, so that
 * no certificate in the repository expires.
 */
#include "engine_fixture.h"
#include "helpers.h"
#include "pki.h"

#include "util/util.h"

#include <criterion/criterion.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static fixture f;
static pki_set *pki;

static void baselines_fini(void)
{
	fx_fini(&f);
	pki_set_free(pki);
	pki = NULL;
	th_cleanup();
}

TestSuite(baselines, .fini = baselines_fini);

/* The end of a test: everything it made is freed, and nothing leaked (ASan). */
static void test_done(void)
{
	fx_fini(&f);
	pki_set_free(pki);
	pki = NULL;
	th_expect_no_leaks();
}

/* A shipped baseline, e.g. "skype-tls12": policies/NAME.yaml. */
static char *baseline_path(const char *name)
{
	char *path = enf_asprintf("%s/../../policies/%s.yaml", th_resources(), name);
	cr_assert(path);
	return path;
}

/* The server tests/resources/baselines/NAME.json, as a JSON document. */
static json_t *server(const char *name)
{
	char *rel = enf_asprintf("baselines/%s.json", name);
	char *path = th_resource_path(rel);
	json_t *j = th_json_file(path);
	cr_assert(j, "cannot read %s", path);
	free(rel);
	free(path);
	return j;
}

/*
 * The Edge certificates the servers hold: the standard test PKI's root in
 * Root, its intermediate in CA, and `leaf` with its private key in My. The
 * Edge baseline's certs/edge-external.cer is `leaf` too.
 */
static void add_edge_pki(json_t *snap, const pki_cert *leaf)
{
	if (!json_object_get(snap, "stores"))
		json_object_set_new(snap, "stores", json_object());
	pki_snapshot_add(snap, "Root", pki->root);
	pki_snapshot_add(snap, "CA", pki->inter);
	json_object_set_new(pki_snapshot_add(snap, "My", leaf), "private_key", json_true());
}

/*
 * Sets up the fixture: the server `snap` as the snapshot, and the baseline
 * copied into the fixture's folder (the Edge baseline with `leaf` as its
 * certs/edge-external.cer). Takes `snap`.
 */
static void setup(const char *baseline, json_t *snap, const pki_cert *leaf)
{
	fx_fini(&f);
	f.dir = th_tmpdir();
	f.state = enf_asprintf("%s/state", f.dir);
	f.snapshot = pki_snapshot_write(snap, f.dir, "server.json");
	json_decref(snap);
	char *src = baseline_path(baseline);
	char *text = th_read(src, NULL);
	char *name = enf_asprintf("%s.yaml", baseline);
	f.policy = th_write(f.dir, name, text);
	if (leaf) {
		char *certs = enf_asprintf("%s/certs", f.dir);
		cr_assert_eq(mkdir(certs, 0700), 0);
		free(pki_write_der(certs, "edge-external.cer", leaf));
		free(certs);
	}
	free(src);
	free(text);
	free(name);
}

static int same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/*
 * The run in short, one line per group of results with the same outcome and
 * message, in the policy's order: "OUTCOME N: ID ID ... -- MESSAGE". A group
 * of more than 12 names only its count (the others, named, say which it
 * holds), and a group of every result says "all N".
 */
static char *summary(const enf_run *run)
{
	enf_buf b = ENF_BUF_INIT;
	unsigned char *done = calloc(run->count ? run->count : 1, 1);
	cr_assert(done);
	for (size_t i = 0; i < run->count; i++) {
		if (done[i])
			continue;
		const enf_result *r = &run->results[i];
		size_t n = 0;
		for (size_t j = i; j < run->count; j++)
			n += !done[j] && run->results[j].outcome == r->outcome &&
			     same(run->results[j].message, r->message);
		enf_buf_printf(&b, "%s %s%zu", enf_outcome_name(r->outcome),
		               n == run->count ? "all " : "", n);
		int ids = n <= 12;
		for (size_t j = i; j < run->count; j++) {
			const enf_result *o = &run->results[j];
			if (done[j] || o->outcome != r->outcome || !same(o->message, r->message))
				continue;
			done[j] = 1;
			if (ids)
				enf_buf_printf(&b, "%s%s", j == i ? ": " : " ", o->id);
		}
		if (r->message)
			enf_buf_printf(&b, " -- %s", r->message);
		enf_buf_printf(&b, "\n");
	}
	free(done);
	char *text = enf_strdup(b.ptr ? b.ptr : "");
	enf_buf_clear(&b);
	return text;
}

/* Plans `baseline` on the server and compares the run's summary with `want`. */
static void expect_plan(const char *baseline, json_t *snap, const pki_cert *leaf, const char *want)
{
	setup(baseline, snap, leaf);
	enf_run *run = fx_run(&f, ENF_RUN_PLAN, 0);
	char *got = summary(run);
	cr_expect_str_eq(got, want, "%s on %s:\n%s", baseline, f.snapshot, got);
	free(got);
}

/* Each server with each baseline: the summaries are spelt out below. */
static void expect_server(const char *name, const char *tls, const char *fe, const char *edge)
{
	json_t *snap = server(name);
	int is_edge =
	    strcmp(json_string_value(json_object_get(json_object_get(snap, "facts"), "role")),
	           "edge") == 0;
	if (is_edge)
		add_edge_pki(snap, pki->leaf);
	expect_plan("skype-tls12", json_deep_copy(snap), NULL, tls);
	expect_plan("lync-front-end", json_deep_copy(snap), NULL, fe);
	/* The Edge baseline is loaded with its certificate file wherever it runs. */
	expect_plan("lync-edge", snap, pki->leaf, edge);
}

static void pki_init(void)
{
	pki = pki_standard();
}

Test(baselines, lync2013_front_end_on_2012r2, .init = pki_init)
{
	expect_server(
	    "lync2013-fe-2012r2",
	    "skipped all 68 -- the policy does not apply here: lync.version is 5.0.8308.1001, and the condition is >= 6.0.9319.548\n",
	    "drift 3: schannel.session-ticket schannel.client-auth-trust-mode schannel.send-trusted-issuer-list\n"
	    "compliant 1: root-hygiene\n"
	    "drift 1: restart-lync -- notified by schannel.session-ticket, schannel.client-auth-trust-mode, schannel.send-trusted-issuer-list\n",
	    "skipped all 7: access-edge replica web-conferencing-edge av-authentication av-edge root-hygiene edge-external-cert -- the policy does not apply here: role is front-end, and the condition is == edge\n");
	test_done();
}

Test(baselines, lync2013_edge_on_2012r2, .init = pki_init)
{
	expect_server(
	    "lync2013-edge-2012r2",
	    "skipped all 68 -- the policy does not apply here: lync.version is 5.0.8308.1001, and the condition is >= 6.0.9319.548\n",
	    "skipped all 5: schannel.session-ticket schannel.client-auth-trust-mode schannel.send-trusted-issuer-list root-hygiene restart-lync -- the policy does not apply here: role is edge, and the condition is == front-end\n",
	    "drift 1: access-edge\n"
	    "compliant 6: replica web-conferencing-edge av-authentication av-edge root-hygiene edge-external-cert\n");
	test_done();
}

Test(baselines, sfb2015_before_cu9, .init = pki_init)
{
	expect_server(
	    "sfb2015-cu8-fe-2012r2",
	    "skipped all 68 -- the policy does not apply here: lync.version is 6.0.9319.537, and the condition is >= 6.0.9319.548\n",
	    "compliant 4: schannel.session-ticket schannel.client-auth-trust-mode schannel.send-trusted-issuer-list root-hygiene\n"
	    "compliant 1: restart-lync -- not needed: nothing that notifies it changed\n",
	    "skipped all 7: access-edge replica web-conferencing-edge av-authentication av-edge root-hygiene edge-external-cert -- the policy does not apply here: role is front-end, and the condition is == edge\n");
	test_done();
}

Test(baselines, sfb2015_cu9, .init = pki_init)
{
	expect_server(
	    "sfb2015-cu9-fe-2012r2",
	    "drift 52\n"
	    "compliant 10: tls12-server-enabled tls12-server-disabled-by-default tls12-client-enabled tls12-client-disabled-by-default net4-strong-crypto net4-wow-strong-crypto net2-strong-crypto net2-wow-strong-crypto winhttp-default-protocols winhttp-wow-default-protocols\n"
	    "skipped 5: tls13-server-enabled tls13-server-disabled-by-default tls13-client-enabled tls13-client-disabled-by-default cipher-suite-order-2022 -- condition not met: os.build is 9600, and the condition is >= 20348\n"
	    "drift 1: reboot -- notified by tls10-server-enabled, tls10-server-disabled-by-default, tls10-client-enabled and 49 more\n",
	    "compliant 4: schannel.session-ticket schannel.client-auth-trust-mode schannel.send-trusted-issuer-list root-hygiene\n"
	    "compliant 1: restart-lync -- not needed: nothing that notifies it changed\n",
	    "skipped all 7: access-edge replica web-conferencing-edge av-authentication av-edge root-hygiene edge-external-cert -- the policy does not apply here: role is front-end, and the condition is == edge\n");
	test_done();
}

Test(baselines, sfb2019_edge_on_2019, .init = pki_init)
{
	expect_server(
	    "sfb2019-edge-2019",
	    "drift 52\n"
	    "compliant 10: tls12-server-enabled tls12-server-disabled-by-default tls12-client-enabled tls12-client-disabled-by-default net4-strong-crypto net4-wow-strong-crypto net2-strong-crypto net2-wow-strong-crypto winhttp-default-protocols winhttp-wow-default-protocols\n"
	    "skipped 5: tls13-server-enabled tls13-server-disabled-by-default tls13-client-enabled tls13-client-disabled-by-default cipher-suite-order-2022 -- condition not met: os.build is 17763, and the condition is >= 20348\n"
	    "drift 1: reboot -- notified by tls10-server-enabled, tls10-server-disabled-by-default, tls10-client-enabled and 49 more\n",
	    "skipped all 5: schannel.session-ticket schannel.client-auth-trust-mode schannel.send-trusted-issuer-list root-hygiene restart-lync -- the policy does not apply here: role is edge, and the condition is == front-end\n",
	    "compliant all 7: access-edge replica web-conferencing-edge av-authentication av-edge root-hygiene edge-external-cert\n");
	test_done();
}

Test(baselines, subscription_edition_on_2022, .init = pki_init)
{
	expect_server(
	    "se-fe-2022",
	    "drift 56\n"
	    "compliant 10: tls12-server-enabled tls12-server-disabled-by-default tls12-client-enabled tls12-client-disabled-by-default net4-strong-crypto net4-wow-strong-crypto net2-strong-crypto net2-wow-strong-crypto winhttp-default-protocols winhttp-wow-default-protocols\n"
	    "skipped 1: cipher-suite-order -- condition not met: os.build is 20348, and the condition is < 20348\n"
	    "drift 1: reboot -- notified by tls10-server-enabled, tls10-server-disabled-by-default, tls10-client-enabled and 53 more\n",
	    "skipped 1: schannel.session-ticket -- condition not met: os.build is 20348, and the condition is == 9600\n"
	    "compliant 3: schannel.client-auth-trust-mode schannel.send-trusted-issuer-list root-hygiene\n"
	    "compliant 1: restart-lync -- not needed: nothing that notifies it changed\n",
	    "skipped all 7: access-edge replica web-conferencing-edge av-authentication av-edge root-hygiene edge-external-cert -- the policy does not apply here: role is front-end, and the condition is == edge\n");
	test_done();
}

/*
 * Microsoft's On-Premises Diagnostics (OPD) rules and the baselines' verdict
 * on the same server (docs/baselines.md has the table). The server is the
 * SfB 2015 CU9 Front End, or the SfB 2019 Edge, with the stores each case
 * needs.
 */

/* The Front End with `n` self-signed roots (EC keys: quick) in Root. */
static json_t *front_end_with_roots(size_t n)
{
	json_t *snap = server("sfb2015-cu9-fe-2012r2");
	json_object_set_new(snap, "stores", json_object());
	pki_snapshot_add(snap, "Root", pki->root);
	for (size_t i = 1; i < n; i++) {
		char cn[64];
		snprintf(cn, sizeof(cn), "OPD Test Root %03zu", i);
		pki_cert *c = pki_issue(&(pki_opts){.cn = cn, .ca = 1, .path_len = -1}, NULL, NULL);
		pki_snapshot_add(snap, "Root", c);
		pki_free(c);
	}
	return snap;
}

static const enf_result *plan_result(const char *baseline, json_t *snap, const pki_cert *leaf,
                                     const char *id)
{
	setup(baseline, snap, leaf);
	fx_run(&f, ENF_RUN_PLAN, 0);
	return fx_result(&f, id);
}

static void expect_result(const enf_result *r, enf_outcome outcome, const char *message)
{
	cr_expect_eq(r->outcome, outcome, "%s: %s, not %s (%s)", r->id,
	             enf_outcome_name(r->outcome), enf_outcome_name(outcome),
	             r->message ? r->message : "no message");
	if (message)
		cr_expect_str_eq(r->message ? r->message : "(none)", message, "%s: got '%s'", r->id,
		                 r->message ? r->message : "(none)");
	else
		cr_expect_null(r->message, "%s: %s", r->id, r->message);
}

/* RDCheckTooManyCertsRootCA: more than 100 in Root fails; 100 does not. */
Test(baselines, opd_101_roots_fail_and_100_do_not, .init = pki_init)
{
	const enf_result *r =
	    plan_result("lync-front-end", front_end_with_roots(101), NULL, "root-hygiene");
	expect_result(r, ENF_OUTCOME_FAILED,
	              "Root holds 101 certificates, more than max-certs 100");
	cr_expect_eq(enf_run_exit_code(f.run), 4);
	r = plan_result("lync-edge", front_end_with_roots(101), pki->leaf, "root-hygiene");
	expect_result(
	    r, ENF_OUTCOME_SKIPPED,
	    "the policy does not apply here: role is front-end, and the condition is == edge");
	r = plan_result("lync-front-end", front_end_with_roots(100), NULL, "root-hygiene");
	expect_result(r, ENF_OUTCOME_COMPLIANT, NULL);
	test_done();
}

/*
 * RDDuplicatesInTrustedRootCA: the same thumbprint twice in Root. OPD fails
 * the rule; the baselines report it (duplicates: report) and stay compliant,
 * since a copy changes no trust decision.
 */
Test(baselines, opd_duplicate_thumbprint_is_reported, .init = pki_init)
{
	/*
	 * One physical store holds a certificate once: the duplicate thumbprint a
	 * server can have is the same root in .Default and pushed by Group Policy.
	 */
	json_t *snap = front_end_with_roots(1);
	json_t *stores = json_object_get(snap, "stores");
	json_t *root = json_deep_copy(json_object_get(stores, "Root"));
	json_object_set_new(
	    stores, "Root",
	    json_pack("{s:o, s:[O]}", ".Default", root, ".GroupPolicy", json_array_get(root, 0)));
	const enf_result *r = plan_result("lync-front-end", snap, NULL, "root-hygiene");
	char *want = enf_asprintf("'Contoso Root CA' (%s) is in Root 2 times, in .Default, "
	                          ".GroupPolicy",
	                          pki->root->thumbprint);
	expect_result(r, ENF_OUTCOME_COMPLIANT, want);
	free(want);
	test_done();
}

/* The SfB 2019 Edge with `leaf` as its external certificate. */
static json_t *edge_with(const pki_cert *leaf)
{
	json_t *snap = server("sfb2019-edge-2019");
	add_edge_pki(snap, leaf);
	return snap;
}

/*
 * RDCheckCertsExpiring (45 days): a certificate 40 days from its end is a
 * warning (warn-days), which leaves the outcome and the exit code alone.
 */
Test(baselines, opd_certificate_40_days_from_expiry_warns, .init = pki_init)
{
	time_t end = time(NULL) + 40 * 86400 + 3600;
	pki_cert *leaf =
	    pki_issue(&(pki_opts){.cn = "sip.contoso.com", .eku = "serverAuth", .not_after = end},
	              NULL, pki->inter);
	const enf_result *r = plan_result("lync-edge", edge_with(leaf), leaf, "edge-external-cert");
	char date[11];
	strftime(date, sizeof(date), "%Y-%m-%d", gmtime(&end));
	char *want = enf_asprintf(
	    "warn-days: expires on %s, in 40 days (a warning: the policy warns 45 days ahead)",
	    date);
	expect_result(r, ENF_OUTCOME_COMPLIANT, want);
	cr_expect_eq(enf_run_exit_code(f.run), 0);
	free(want);
	pki_free(leaf);
	test_done();
}

/*
 * The external Edge certificate with server authentication only, as public
 * CAs now issue them: compliant (the client-authentication EKU is no longer
 * required). RDCheckSfbServerCertificateExpired: an expired one fails.
 */
Test(baselines, opd_edge_certificate_server_auth_only, .init = pki_init)
{
	pki_cert *leaf =
	    pki_issue(&(pki_opts){.cn = "sip.contoso.com", .eku = "serverAuth"}, NULL, pki->inter);
	expect_result(plan_result("lync-edge", edge_with(leaf), leaf, "edge-external-cert"),
	              ENF_OUTCOME_COMPLIANT, NULL);
	expect_result(plan_result("lync-edge", edge_with(pki->client_only), pki->client_only,
	                          "edge-external-cert"),
	              ENF_OUTCOME_FAILED, "eku: lacks server-auth (it has: client-auth)");
	expect_result(
	    plan_result("lync-edge", edge_with(pki->expired), pki->expired, "edge-external-cert"),
	    ENF_OUTCOME_FAILED,
	    "chain: 'expired.contoso.com' expired on 2025-01-01; warn-days: expired on 2025-01-01");
	pki_free(leaf);
	test_done();
}

/*
 * RDCheckMisplacedRootCACertificates calls a Root certificate misplaced when
 * its Issuer and Subject differ as strings; the baselines when it is not
 * self-signed (its own key verifies its signature). Where they differ:
 * an intermediate that bears its own name as issuer but is signed by the
 * root (OPD: in place; enforcer: moved to CA), and a self-signed root whose
 * issuer name is its subject spaced differently (OPD: misplaced; enforcer:
 * a root, in place, as OpenSSL compares names after RFC 5280's folding).
 */
Test(baselines, opd_misplaced_verdicts_differ_on_purpose, .init = pki_init)
{
	pki_cert *same_name = pki_issue(
	    &(pki_opts){
	        .cn = "Contoso Issuing CA 02", .ca = 1, .path_len = 0, .fake_self_issued = 1},
	    NULL, pki->root);
	json_t *snap = front_end_with_roots(1);
	pki_snapshot_add(snap, "Root", same_name);
	const enf_result *r = plan_result("lync-front-end", snap, NULL, "root-hygiene");
	cr_expect_eq(r->outcome, ENF_OUTCOME_DRIFT);
	char *want =
	    enf_asprintf("move 'Contoso Issuing CA 02' (%s) Root -> CA", same_name->thumbprint);
	char *got = fx_actions(r);
	cr_expect_str_eq(got, want);
	free(got);
	free(want);
	pki_free(same_name);

	pki_cert *spaced = pki_issue(
	    &(pki_opts){.cn = "Contoso  Spaced Root", .ca = 1, .path_len = -1}, NULL, NULL);
	X509_NAME *issuer = X509_NAME_new();
	cr_assert(issuer && X509_NAME_add_entry_by_txt(issuer, "CN", MBSTRING_UTF8,
	                                               (const unsigned char *)"Contoso Spaced Root",
	                                               -1, -1, 0));
	cr_assert(X509_set_issuer_name(spaced->x, issuer) &&
	          X509_sign(spaced->x, spaced->key, EVP_sha256()));
	X509_NAME_free(issuer);
	unsigned char *der = NULL;
	int n = i2d_X509(spaced->x, &der);
	cr_assert(n > 0);
	free(spaced->der);
	spaced->der = malloc((size_t)n);
	cr_assert(spaced->der);
	memcpy(spaced->der, der, (size_t)n);
	spaced->der_len = (size_t)n;
	OPENSSL_free(der);
	snap = front_end_with_roots(1);
	pki_snapshot_add(snap, "Root", spaced);
	expect_result(plan_result("lync-front-end", snap, NULL, "root-hygiene"),
	              ENF_OUTCOME_COMPLIANT, NULL);
	pki_free(spaced);
	test_done();
}
