/*
 * Certificates that survive renewal (issue 19): `match:` with
 * `pick: newest-valid` selects the certificate by what it says, so the
 * yearly renewal needs no edit; `cert inspect` shows the SAN and the
 * template a Microsoft CA wrote; `chain: trusted` says when it passes only
 * because an intermediate sits in Root. Snapshots built from a PKI made at
 * test time.
 */
#include "engine/state.h"
#include "engine_fixture.h"
#include "helpers.h"
#include "pki.h"
#include "trust.h"

#include "enforcer/cert.h"
#include "enforcer/errors.h"
#include "policy/restype.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

TestSuite(certmatch, .init = tt_suite_init, .fini = tt_suite_fini);

#define DAY       86400L
#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The v1 template name as AD CS writes it (a BMPString) and a v2 template (OID, 100.4). */
#define EXT_V1_WEBSERVER "1.3.6.1.4.1.311.20.2=ASN1:BMPSTRING:WebServer"
#define EXT_V2_LYNC      "1.3.6.1.4.1.311.21.7=ASN1:SEQUENCE:tmpl"
#define CONF_V2_LYNC                                                                               \
	"[tmpl]\nid = OID:1.3.6.1.4.1.311.21.8.1.2\nmajor = INTEGER:100\nminor = INTEGER:4\n"

/*
 * A Front End / Edge certificate of sip.contoso.com issued `issued` days
 * ago (negative: in the future), valid `days` days from then, by the
 * standard intermediate; `extensions` NULL or a NULL-terminated list.
 */
static pki_cert *sip_cert(long issued, long days, const char *const *extensions)
{
	time_t now = time(NULL);
	return pki_issue(&(pki_opts){.cn = "sip.contoso.com",
	                             .eku = "serverAuth,clientAuth",
	                             .san = "DNS:sip.contoso.com,DNS:webcon.contoso.com",
	                             .not_before = now - issued * DAY,
	                             .not_after = now - issued * DAY + days * DAY,
	                             .extensions = extensions,
	                             .ext_conf = CONF_V2_LYNC},
	                 NULL, tt.s->inter);
}

/* Adds `c` to My with a private key (or without), and returns its snapshot entry. */
static json_t *in_my(const pki_cert *c, int key)
{
	json_t *o = pki_snapshot_add(tt.snap, "My", c);
	json_object_set_new(o, "private_key", json_boolean(key));
	return o;
}

/* The chain's stores as Windows has them: the root in Root, the intermediate in CA. */
static void standard_chain(void)
{
	pki_snapshot_add(tt.snap, "Root", tt.s->root);
	pki_snapshot_add(tt.snap, "CA", tt.s->inter);
}

/* Plans `match` (YAML flow mapping) with `rest` after it (more keys, each "\n    key: v"). */
static enf_run *plan_match(const char *match, const char *rest)
{
	char *policy = enf_asprintf("enforcer: 1\nname: t\nresources:\n"
	                            "  - type: certificate\n    id: edge\n    store: My\n"
	                            "    match: %s\n    pick: newest-valid%s\n",
	                            match, rest);
	fx_fini(&tt.f); /* the last plan_match's run and paths (fx_fini on a zeroed one: nothing) */
	tt_init(&tt.f, tt.snap, policy);
	free(policy);
	return tt_run(&tt.f, ENF_RUN_PLAN);
}

/* "picked ..." as the note names a certificate. */
static char *picked(const pki_cert *c, size_t matching)
{
	char date[11];
	const ASN1_TIME *t = X509_get0_notAfter(c->x);
	struct tm tm;
	cr_assert(ASN1_TIME_to_tm(t, &tm) == 1);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	return enf_asprintf(
	    "picked 'sip.contoso.com' (%s, valid until %s), the newest valid of %zu "
	    "matching",
	    c->thumbprint, date, matching);
}

/* The thumbprint the plan's "before" names. */
static const char *before_thumbprint(void)
{
	return json_string_value(
	    json_object_get(enf_state_value(fx_result(&tt.f, "edge")->before), "thumbprint"));
}

static void expect_picked(const pki_cert *c, size_t matching)
{
	char *want = picked(c, matching);
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_COMPLIANT);
	tt_expect_message(&tt.f, "edge", want);
	cr_expect_str_eq(before_thumbprint(), c->thumbprint);
	free(want);
}

Test(certmatch, of_two_certificates_of_one_subject_the_newer_is_picked)
{
	standard_chain();
	pki_cert *old = sip_cert(300, 365, NULL), *renewed = sip_cert(10, 365, NULL);
	in_my(renewed, 1);
	in_my(old, 1);
	enf_run *run = plan_match("{subject: sip.contoso.com}",
	                          "\n    require: {chain: trusted, private-key: true}");
	expect_picked(renewed, 2);
	cr_expect_eq(enf_run_exit_code(run), 0);
	json_t *st = fx_state(&tt.f);
	cr_expect(json_equal(st, tt.snap), "a plan changed the snapshot");
	json_decref(st);
	pki_free(old);
	pki_free(renewed);
}

Test(certmatch, an_expired_newer_certificate_is_skipped)
{
	standard_chain();
	/* Issued after the valid one, but for five days only, which are over. */
	pki_cert *valid = sip_cert(100, 365, NULL), *expired = sip_cert(20, 5, NULL);
	in_my(valid, 1);
	in_my(expired, 1);
	plan_match("{subject: SIP.contoso.com, dns-names: [webcon.contoso.com]}", "");
	expect_picked(valid, 2);
	pki_free(valid);
	pki_free(expired);
}

Test(certmatch, a_newer_one_without_its_private_key_is_skipped_when_the_key_is_required)
{
	standard_chain();
	pki_cert *old = sip_cert(100, 365, NULL), *renewed = sip_cert(1, 365, NULL);
	in_my(old, 1);
	in_my(renewed, 0);
	plan_match("{subject: sip.contoso.com}", "\n    require: {private-key: true}");
	expect_picked(old, 2);
	/* Without the requirement, the newest is picked, whatever its key. */
	plan_match("{subject: sip.contoso.com}", "");
	expect_picked(renewed, 2);
	pki_free(old);
	pki_free(renewed);
}

Test(certmatch, no_match_is_a_clear_failure_that_changes_nothing)
{
	standard_chain();
	pki_cert *c = sip_cert(10, 365, NULL);
	in_my(c, 1);
	pki_snapshot_add(tt.snap, "My", tt.s->leaf);
	enf_run *run = plan_match("{subject: sip.fabrikam.com, issuer: Contoso Issuing CA 01}", "");
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_FAILED);
	tt_expect_message(&tt.f, "edge",
	                  "no certificate in My matches subject 'sip.fabrikam.com', issuer "
	                  "'Contoso Issuing CA 01' (2 in the store)");
	tt_expect_actions(&tt.f, "edge", "");
	cr_expect_eq(enf_run_exit_code(run), 4);
	json_t *st = fx_state(&tt.f);
	cr_expect(json_equal(st, tt.snap), "a plan changed the snapshot");
	json_decref(st);
	pki_free(c);
}

Test(certmatch, only_expired_or_keyless_matches_say_so)
{
	standard_chain();
	pki_cert *expired = sip_cert(400, 365, NULL), *later = sip_cert(-5, 365, NULL);
	pki_cert *keyless = sip_cert(3, 365, NULL);
	in_my(expired, 1);
	in_my(later, 1);
	in_my(keyless, 0);
	plan_match("{dns-names: [sip.contoso.com]}", "\n    require: {private-key: true}");
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_FAILED);
	tt_expect_message(&tt.f, "edge",
	                  "no valid certificate in My matches dns-names sip.contoso.com; 1 "
	                  "matching has expired; 1 matching is not valid yet; 1 matching has no "
	                  "private key (require: private-key: true)");
	pki_free(expired);
	pki_free(later);
	pki_free(keyless);
}

Test(certmatch, a_renewed_certificate_is_picked_without_changing_the_policy)
{
	standard_chain();
	pki_cert *old = sip_cert(340, 365, NULL), *renewed = sip_cert(1, 365, NULL);
	json_t *o = in_my(old, 1);
	json_object_set_new(
	    o, "key_acl",
	    json_pack("[{s:s, s:s}]", "account", "NT AUTHORITY\\SYSTEM", "rights", "full"));
	const char *rest = "\n    require: {chain: trusted, valid-for-days: 14}"
	                   "\n    private-key-access: [{account: NetworkService, rights: read}]";
	plan_match("{subject: sip.contoso.com, template: WebServer}", rest);
	/* Without the template extension nothing matches: the template is compared. */
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_FAILED);
	plan_match("{subject: sip.contoso.com}", rest);
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_DRIFT);
	char *want = enf_asprintf("grant read on the private key of 'sip.contoso.com' (%s) in My "
	                          "to NetworkService",
	                          old->thumbprint);
	tt_expect_actions(&tt.f, "edge", want);
	free(want);

	/* The renewal arrives; the same policy now enforces the new certificate's key. */
	json_t *n = in_my(renewed, 1);
	json_object_set_new(
	    n, "key_acl",
	    json_pack("[{s:s, s:s}]", "account", "NT AUTHORITY\\SYSTEM", "rights", "full"));
	plan_match("{subject: sip.contoso.com}", rest);
	want = enf_asprintf("grant read on the private key of 'sip.contoso.com' (%s) in My "
	                    "to NetworkService",
	                    renewed->thumbprint);
	tt_expect_actions(&tt.f, "edge", want);
	free(want);
	tt_run(&tt.f, ENF_RUN_APPLY);
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_CHANGED);
	json_t *st = fx_state(&tt.f);
	json_t *my = json_object_get(json_object_get(st, "stores"), "My");
	char *old_acl = json_dumps(json_object_get(json_array_get(my, 0), "key_acl"), JSON_COMPACT);
	char *new_acl = json_dumps(json_object_get(json_array_get(my, 1), "key_acl"), JSON_COMPACT);
	cr_expect_str_eq(old_acl, "[{\"account\":\"NT AUTHORITY\\\\SYSTEM\",\"rights\":\"full\"}]");
	cr_expect(strstr(new_acl, "NetworkService") || strstr(new_acl, "NETWORK SERVICE"), "%s",
	          new_acl);
	free(old_acl);
	free(new_acl);
	json_decref(st);
	/* Applied again: compliant, with the renewed certificate named. */
	tt_run(&tt.f, ENF_RUN_PLAN);
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_COMPLIANT);
	cr_expect_str_eq(before_thumbprint(), renewed->thumbprint);
	pki_free(old);
	pki_free(renewed);
}

Test(certmatch, the_template_selects_by_name_or_oid)
{
	standard_chain();
	pki_cert *web = sip_cert(50, 365, (const char *const[]){EXT_V1_WEBSERVER, NULL});
	pki_cert *lync = sip_cert(40, 365, (const char *const[]){EXT_V2_LYNC, NULL});
	pki_cert *plain = sip_cert(1, 365, NULL);
	in_my(web, 1);
	in_my(lync, 1);
	in_my(plain, 1);
	plan_match("{subject: sip.contoso.com, template: webserver}", "");
	expect_picked(web, 1);
	plan_match("{subject: sip.contoso.com, template: '1.3.6.1.4.1.311.21.8.1.2'}", "");
	expect_picked(lync, 1);
	plan_match("{template: '1.3.6.1.4.1.311.21.8.1'}", "");
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_FAILED);
	pki_free(web);
	pki_free(lync);
	pki_free(plain);
}

Test(certmatch, an_intermediate_in_root_passes_with_a_warning)
{
	pki_snapshot_add(tt.snap, "Root", tt.s->root);
	pki_snapshot_add(tt.snap, "Root", tt.s->inter);
	pki_cert *c = sip_cert(10, 365, NULL);
	in_my(c, 1);
	enf_run *run = plan_match("{subject: sip.contoso.com}", "\n    require: {chain: trusted}");
	char *note = picked(c, 1);
	char *want =
	    enf_asprintf("%s; chain: trusted, but 'Contoso Issuing CA 01' is in Root: "
	                 "move it to CA (trusted: 'sip.contoso.com' -> 'Contoso Issuing CA "
	                 "01' -> 'Contoso Root CA')",
	                 note);
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_COMPLIANT);
	tt_expect_message(&tt.f, "edge", want);
	cr_expect(fx_result(&tt.f, "edge")->warning);
	cr_expect_eq(enf_run_exit_code(run), 0);
	free(note);
	free(want);
	/* In CA as well: the chain does not rest on Root's copy, no warning. */
	pki_snapshot_add(tt.snap, "CA", tt.s->inter);
	plan_match("{subject: sip.contoso.com}", "\n    require: {chain: trusted}");
	note = picked(c, 1);
	tt_expect_message(&tt.f, "edge", note);
	cr_expect(!fx_result(&tt.f, "edge")->warning);
	free(note);
	pki_free(c);
}

Test(certmatch, cert_inspect_shows_the_san_and_the_template)
{
	pki_cert *both =
	    sip_cert(1, 365, (const char *const[]){EXT_V1_WEBSERVER, EXT_V2_LYNC, NULL});
	char *dir = th_tmpdir();
	free(pki_write_pem(dir, "both.pem", (pki_cert *[]){both}, 1));
	free(pki_write_pem(dir, "root.pem", (pki_cert *[]){tt.s->root}, 1));
	th_cli_result r = th_run_cli(dir, ARGS("cert", "inspect", "both.pem"), NULL);
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect(strstr(r.out,
	                 "SAN DNS:      sip.contoso.com, webcon.contoso.com\n"
	                 "Template:     WebServer (1.3.6.1.4.1.311.21.8.1.2, version 100.4)\n"),
	          "%s", r.out);
	th_cli_free(&r);
	r = th_run_cli(dir, ARGS("cert", "inspect", "root.pem"), NULL);
	cr_expect(strstr(r.out, "SAN DNS:      none\nTemplate:     none\n"), "%s", r.out);
	th_cli_free(&r);
	r = th_run_cli(dir, ARGS("cert", "inspect", "both.pem", "--format", "json"), NULL);
	cr_expect_eq(r.code, 0, "%s", r.err);
	json_t *doc = json_loads(r.out, 0, NULL);
	json_t *c = json_array_get(json_object_get(doc, "certificates"), 0);
	char *san = json_dumps(json_object_get(c, "san_dns"), JSON_COMPACT);
	char *tmpl = json_dumps(json_object_get(c, "template"), JSON_COMPACT | JSON_SORT_KEYS);
	cr_expect_str_eq(san, "[\"sip.contoso.com\",\"webcon.contoso.com\"]");
	cr_expect_str_eq(tmpl, "{\"major\":100,\"minor\":4,\"name\":\"WebServer\",\"oid\":"
	                       "\"1.3.6.1.4.1.311.21.8.1.2\"}");
	free(san);
	free(tmpl);
	json_decref(doc);
	th_cli_free(&r);
	free(dir);
	pki_free(both);
}

/* The template reader on forms other than AD CS's, and on damaged extensions. */
static int template_of(const char *const *extensions, const char *conf, enf_cert_template *t)
{
	pki_cert *p = pki_issue(&(pki_opts){.cn = "t", .extensions = extensions, .ext_conf = conf},
	                        NULL, NULL);
	enf_cert *c = NULL;
	cr_assert_eq(enf_cert_from_der(&c, p->der, p->der_len), 0);
	int rc = enf_cert_template_get(t, c);
	enf_cert_free(c);
	pki_free(p);
	return rc;
}

Test(certmatch, template_extensions_in_other_forms_and_damaged)
{
	enf_cert_template t;
	/* The protocol's form: a UTF8String in a SEQUENCE. */
	cr_assert_eq(
	    template_of((const char *const[]){"1.3.6.1.4.1.311.20.2=ASN1:SEQUENCE:n", NULL},
	                "[n]\nname = UTF8:Lync Edge\n", &t),
	    0);
	cr_expect_str_eq(t.name, "Lync Edge");
	cr_expect_null(t.oid);
	enf_cert_template_clear(&t);
	/* A v2 template without a minor version. */
	cr_assert_eq(template_of((const char *const[]){EXT_V2_LYNC, NULL},
	                         "[tmpl]\nid = OID:1.3.6.1.4.1.311.21.8.9\nmajor = INTEGER:7\n",
	                         &t),
	             0);
	char *text = enf_cert_template_text(&t);
	cr_expect_str_eq(text, "1.3.6.1.4.1.311.21.8.9, version 7");
	free(text);
	enf_cert_template_clear(&t);
	/* Not a string; no OID. */
	cr_expect_eq(template_of((const char *const[]){"1.3.6.1.4.1.311.20.2=ASN1:INTEGER:5", NULL},
	                         NULL, &t),
	             ENF_EINVALID);
	cr_expect_str_eq(enf_error_last()->message, "its certificate template extension cannot be "
	                                            "read: the template name is not a string");
	cr_expect_eq(
	    template_of((const char *const[]){"1.3.6.1.4.1.311.21.7=ASN1:SEQUENCE:x", NULL},
	                "[x]\nmajor = INTEGER:7\n", &t),
	    ENF_EINVALID);
	cr_expect_str_eq(enf_error_last()->message, "its certificate template extension cannot be "
	                                            "read: the template OID cannot be read");
}

Test(certmatch, the_loader_reads_match_and_pick)
{
	int rc = 0;
	enf_policy *p = NULL;
	char *diags = th_load_resource("valid/cert-match.yaml", &rc, &p);
	cr_assert_eq(rc, 0, "%s", diags);
	const enf_res_certificate *c = &enf_policy_find(p, "edge-external")->u.cert;
	cr_expect(c->has_match);
	cr_expect_str_eq(c->match_subject, "sip.contoso.com");
	cr_expect_str_eq(c->match_issuer, "Contoso Issuing CA 01");
	cr_expect_str_eq(c->match_template, "WebServer");
	cr_expect_eq(c->match_dns_name_count, 2);
	cr_expect_str_eq(c->match_dns_names[1], "webcon.contoso.com");
	/* The model as a policy writes it (policy diff compares it). */
	json_t *model = enf_resource_to_json(enf_policy_find(p, "edge-external"));
	char *json = json_dumps(json_object_get(model, "match"), JSON_COMPACT | JSON_SORT_KEYS);
	cr_expect_str_eq(json,
	                 "{\"dns-names\":[\"sip.contoso.com\",\"webcon.contoso.com\"],"
	                 "\"issuer\":\"Contoso Issuing CA 01\",\"subject\":\"sip.contoso.com\","
	                 "\"template\":\"WebServer\"}");
	cr_expect_str_eq(json_string_value(json_object_get(model, "pick")), "newest-valid");
	free(json);
	json_decref(model);
	enf_policy_free(p);
	free(diags);
}
