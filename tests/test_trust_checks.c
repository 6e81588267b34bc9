/*
 * Certificate checks (require:, private-key-access, chains) through the
 * engine, and the allow-list files of a trust-store resource, on snapshot
 * files built from a PKI made at test time. The trust store's own planning,
 * apply and rollback are in test_trust.c.
 */
#include "engine/state.h"
#include "engine_fixture.h"
#include "helpers.h"
#include "pki.h"
#include "trust.h"

#include "util/util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A certificate resource for the certificate in My with this thumbprint. */
static char *cert_policy(const char *thumbprint, const char *extra)
{
	return enf_asprintf("enforcer: 1\nname: t\nresources:\n"
	                    "  - type: certificate\n    id: edge\n    store: My\n"
	                    "    thumbprint: %s\n%s",
	                    thumbprint, extra);
}

/* Every test starts from the standard PKI and an empty snapshot (trust.h). */
TestSuite(certcheck, .init = tt_suite_init, .fini = tt_suite_fini);

Test(certcheck, every_failing_check_is_listed_with_its_reason)
{
	pki_set *s = tt.s;
	json_t *snap = tt.snap;
	pki_snapshot_add(snap, "Root", s->root);
	pki_snapshot_add(snap, "My", s->weak);
	char *policy = cert_policy(
	    s->weak->thumbprint, "    require:\n      chain: trusted\n      valid-for-days: 30\n"
	                         "      eku: [server-auth, client-auth]\n      min-key-bits: 2048\n"
	                         "      private-key: true\n");
	tt_init(&tt.f, snap, policy);
	enf_run *run = tt_run(&tt.f, ENF_RUN_APPLY);
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_FAILED);
	tt_expect_message(&tt.f, "edge",
	                  "chain: intermediate 'Contoso Issuing CA 01' not found in CA; the chain "
	                  "stops at the leaf; "
	                  "eku: lacks client-auth (it has: server-auth); "
	                  "min-key-bits: the key is RSA 1024, fewer than 2048 bits; "
	                  "private-key: it has no private key in My");
	cr_expect_eq(enf_run_exit_code(run), 4);
	json_t *checks =
	    json_object_get(enf_state_value(fx_result(&tt.f, "edge")->before), "checks");
	cr_expect_eq(json_array_size(checks), 5);
	json_t *st = fx_state(&tt.f);
	cr_expect(json_equal(st, snap), "a check changed the snapshot");
	json_decref(st);
	free(policy);
}

Test(certcheck, expired_certificate)
{
	pki_set *s = tt.s;
	json_t *snap = tt.snap;
	pki_snapshot_add(snap, "Root", s->root);
	pki_snapshot_add(snap, "CA", s->inter);
	pki_snapshot_add(snap, "My", s->expired);
	char *policy = cert_policy(s->expired->thumbprint,
	                           "    require: {chain: trusted, valid-for-days: 30}\n");
	tt_init(&tt.f, snap, policy);
	tt_run(&tt.f, ENF_RUN_PLAN);
	tt_expect_message(&tt.f, "edge",
	                  "chain: 'expired.contoso.com' expired on 2025-01-01; valid-for-days: "
	                  "expired on 2025-01-01");
	free(policy);
}

Test(certcheck, passing_checks_are_compliant)
{
	pki_set *s = tt.s;
	json_t *snap = tt.snap;
	pki_snapshot_add(snap, "Root", s->root);
	pki_snapshot_add(snap, "CA", s->inter);
	json_t *leaf = pki_snapshot_add(snap, "My", s->leaf);
	json_object_set_new(leaf, "private_key", json_true());
	json_object_set_new(leaf, "exportable", json_false());
	char *policy = cert_policy(
	    s->leaf->thumbprint, "    require:\n      chain: trusted\n      valid-for-days: 30\n"
	                         "      eku: [server-auth, client-auth]\n      min-key-bits: 2048\n"
	                         "      private-key: true\n      key-exportable: false\n");
	tt_init(&tt.f, snap, policy);
	enf_run *run = tt_run(&tt.f, ENF_RUN_PLAN);
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_COMPLIANT);
	cr_expect_eq(enf_run_exit_code(run), 0);
	json_t *chain = json_array_get(
	    json_object_get(enf_state_value(fx_result(&tt.f, "edge")->before), "checks"), 0);
	cr_expect_str_eq(
	    json_string_value(json_object_get(chain, "detail")),
	    "trusted: 'edge.contoso.com' -> 'Contoso Issuing CA 01' -> 'Contoso Root CA'");
	free(policy);
}

Test(certcheck, key_exportable_and_private_key_false)
{
	pki_set *s = tt.s;
	json_t *snap = tt.snap;
	json_t *leaf = pki_snapshot_add(snap, "My", s->leaf);
	json_object_set_new(leaf, "private_key", json_true());
	json_object_set_new(leaf, "exportable", json_true());
	char *policy = cert_policy(s->leaf->thumbprint,
	                           "    require: {private-key: false, key-exportable: false}\n");
	tt_init(&tt.f, snap, policy);
	tt_run(&tt.f, ENF_RUN_PLAN);
	tt_expect_message(
	    &tt.f, "edge",
	    "private-key: it has a private key in My, and the policy says it must not; "
	    "key-exportable: the private key is exportable, and the policy says it must not be");
	free(policy);
}

Test(certcheck, private_key_access_is_granted_and_rolled_back_exactly)
{
	pki_set *s = tt.s;
	json_t *snap = tt.snap;
	json_t *leaf = pki_snapshot_add(snap, "My", s->leaf);
	json_object_set_new(leaf, "private_key", json_true());
	json_object_set_new(leaf, "key_acl",
	                    json_pack("[{s:s, s:s}, {s:s, s:s}]", "account", "NT AUTHORITY\\SYSTEM",
	                              "rights", "full", "account", "BUILTIN\\Administrators",
	                              "rights", "read"));
	json_t *acl_before = json_deep_copy(json_object_get(leaf, "key_acl"));
	/* SYSTEM is there by another spelling, with full control, which covers read. */
	char *policy = cert_policy(s->leaf->thumbprint,
	                           "    private-key-access:\n"
	                           "      - {account: LocalSystem, rights: read}\n"
	                           "      - {account: NetworkService, rights: read}\n"
	                           "      - {account: BUILTIN\\Administrators, rights: full}\n");
	tt_init(&tt.f, snap, policy);
	tt_run(&tt.f, ENF_RUN_PLAN);
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_DRIFT);
	char *want = enf_asprintf(
	    "grant read on the private key of 'edge.contoso.com' (%s) in My to NetworkService; "
	    "grant full on the private key of 'edge.contoso.com' (%s) in My to "
	    "BUILTIN\\Administrators",
	    s->leaf->thumbprint, s->leaf->thumbprint);
	tt_expect_actions(&tt.f, "edge", want);

	enf_run *run = tt_run(&tt.f, ENF_RUN_APPLY);
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_CHANGED);
	char *id = enf_strdup(run->run_id);
	json_t *st = fx_state(&tt.f);
	json_t *acl = json_object_get(
	    json_array_get(json_object_get(json_object_get(st, "stores"), "My"), 0), "key_acl");
	json_t *want_acl =
	    json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}]", "account", "NT AUTHORITY\\SYSTEM",
	              "rights", "full", "account", "BUILTIN\\Administrators", "rights", "full",
	              "account", "NetworkService", "rights", "read");
	cr_expect(json_equal(acl, want_acl));
	json_decref(want_acl);
	json_decref(st);

	tt_run(&tt.f, ENF_RUN_APPLY);
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_COMPLIANT);

	fx_rollback(&tt.f, id);
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_CHANGED);
	st = fx_state(&tt.f);
	acl = json_object_get(
	    json_array_get(json_object_get(json_object_get(st, "stores"), "My"), 0), "key_acl");
	cr_expect(json_equal(acl, acl_before), "the ACL was not restored exactly");
	json_decref(st);
	/* A second rollback finds everything as it was and changes nothing. */
	enf_run *again = fx_rollback(&tt.f, id);
	cr_expect_eq(enf_run_exit_code(again), 0);
	free(id);
	free(want);
	free(policy);
	json_decref(acl_before);
}

/*
 * A grant to an account the key already allows by another spelling changes
 * that entry, as SetEntriesInAcl merges by SID on Windows: the snapshot keeps
 * one entry per account.
 */
Test(certcheck, private_key_access_grant_merges_with_the_same_account_by_another_spelling)
{
	pki_set *s = pki_standard();
	json_t *snap = pki_snapshot();
	json_t *leaf = pki_snapshot_add(snap, "My", s->leaf);
	json_object_set_new(leaf, "private_key", json_true());
	json_object_set_new(leaf, "key_acl",
	                    json_pack("[{s:s, s:s}]", "account", "NT AUTHORITY\\NETWORK SERVICE",
	                              "rights", "read"));
	fixture f;
	char *policy =
	    cert_policy(s->leaf->thumbprint,
	                "    private-key-access: [{account: Network Service, rights: full}]\n");
	tt_init(&f, snap, policy);
	tt_run(&f, ENF_RUN_APPLY);
	tt_expect_outcome(&f, "edge", ENF_OUTCOME_CHANGED);
	json_t *st = fx_state(&f);
	json_t *acl = json_object_get(
	    json_array_get(json_object_get(json_object_get(st, "stores"), "My"), 0), "key_acl");
	json_t *want_acl =
	    json_pack("[{s:s, s:s}]", "account", "NT AUTHORITY\\NETWORK SERVICE", "rights", "full");
	cr_expect(json_equal(acl, want_acl), "one entry, now with full control");
	json_decref(want_acl);
	json_decref(st);
	tt_run(&f, ENF_RUN_APPLY);
	tt_expect_outcome(&f, "edge", ENF_OUTCOME_COMPLIANT);
	free(policy);
	fx_fini(&f);
	json_decref(snap);
	pki_set_free(s);
}

Test(certcheck, private_key_access_needs_a_private_key)
{
	pki_set *s = tt.s;
	json_t *snap = tt.snap;
	pki_snapshot_add(snap, "My", s->leaf);
	char *policy =
	    cert_policy(s->leaf->thumbprint,
	                "    private-key-access: [{account: NetworkService, rights: read}]\n");
	tt_init(&tt.f, snap, policy);
	tt_run(&tt.f, ENF_RUN_PLAN);
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_FAILED);
	tt_expect_message(&tt.f, "edge", "private-key-access: it has no private key in My");
	free(policy);
}

/*
 * The field report: the Edge certificate's GoDaddy intermediate is missing
 * from the Intermediate store. The check names it; adding it from a file
 * (ordered before the check) fixes it in one apply.
 */
Test(certcheck, seed_missing_intermediate_is_named_and_fixed)
{
	static const char *const root_dn[] = {"C=US",
	                                      "ST=Arizona",
	                                      "L=Scottsdale",
	                                      "O=GoDaddy.com, Inc.",
	                                      "CN=Go Daddy Root Certificate Authority - G2",
	                                      NULL};
	static const char *const int_dn[] = {"C=US",
	                                     "ST=Arizona",
	                                     "L=Scottsdale",
	                                     "O=GoDaddy.com, Inc.",
	                                     "OU=http://certs.godaddy.com/repository/",
	                                     "CN=Go Daddy Secure Certificate Authority - G2",
	                                     NULL};
	pki_cert *root =
	    pki_issue(&(pki_opts){.rdns = root_dn, .ca = 1, .path_len = -1}, NULL, NULL);
	pki_cert *inter =
	    pki_issue(&(pki_opts){.rdns = int_dn, .ca = 1, .path_len = 0}, NULL, root);
	pki_cert *leaf = pki_issue(&(pki_opts){.cn = "sip.contoso.com",
	                                       .eku = "serverAuth,clientAuth",
	                                       .serial = "7841FC7ABF2025",
	                                       .rsa_bits = 2048},
	                           NULL, inter);
	json_t *snap = tt.snap;
	pki_snapshot_add(snap, "Root", root);
	json_object_set_new(pki_snapshot_add(snap, "My", leaf), "private_key", json_true());
	char *check = enf_asprintf("enforcer: 1\nname: t\nresources:\n"
	                           "  - type: certificate\n    id: edge\n    store: My\n"
	                           "    thumbprint: %s\n    require: {chain: trusted}\n",
	                           leaf->thumbprint);
	tt_init(&tt.f, snap, check);
	tt_run(&tt.f, ENF_RUN_PLAN);
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_FAILED);
	tt_expect_message(&tt.f, "edge",
	                  "chain: intermediate 'Go Daddy Secure Certificate Authority - G2' not "
	                  "found in CA; the chain stops at the leaf");

	free(pki_write_pem(tt.f.dir, "gdig2.crt.pem", (pki_cert *[]){inter}, 1));
	char *fixed = enf_asprintf("%s    after: [gd-intermediate]\n"
	                           "  - type: certificate\n    id: gd-intermediate\n    store: CA\n"
	                           "    file: gdig2.crt.pem\n    require: {chain: trusted}\n",
	                           check);
	free(tt.f.policy);
	tt.f.policy = th_write(tt.f.dir, "policy.yaml", fixed);
	tt_run(&tt.f, ENF_RUN_APPLY);
	tt_expect_outcome(&tt.f, "gd-intermediate", ENF_OUTCOME_CHANGED);
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_COMPLIANT);
	json_t *st = fx_state(&tt.f);
	cr_expect(pki_snapshot_has(st, "CA", inter));
	json_decref(st);
	free(check);
	free(fixed);
	pki_free(leaf);
	pki_free(inter);
	pki_free(root);
}

Test(certcheck, a_certificate_about_to_be_added_is_checked_as_the_file_has_it)
{
	pki_set *s = tt.s;
	json_t *snap = tt.snap;
	tt_init(&tt.f, snap,
	        "enforcer: 1\nname: t\nresources:\n"
	        "  - type: certificate\n    id: root\n    store: Root\n    file: root.cer\n"
	        "    require: {chain: trusted, min-key-bits: 2048}\n"
	        "  - type: certificate\n    id: edge\n    store: My\n    file: edge.pem\n"
	        "    private-key-access: [{account: NetworkService, rights: read}]\n");
	free(pki_write_der(tt.f.dir, "root.cer", s->root));
	free(pki_write_pem(tt.f.dir, "edge.pem", (pki_cert *[]){s->leaf}, 1));
	tt_run(&tt.f, ENF_RUN_PLAN);
	/* The root will be in Root once added: its own chain is trusted. */
	tt_expect_outcome(&tt.f, "root", ENF_OUTCOME_DRIFT);
	char *want = enf_asprintf("add root.cer (%s) to Root", s->root->thumbprint);
	tt_expect_actions(&tt.f, "root", want);
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_FAILED);
	tt_expect_message(&tt.f, "edge",
	                  "private-key-access: the certificate is not in My yet, and one added "
	                  "from a file has no private key whose permissions could be set");
	free(want);
}

/* Writes bytes to DIR/NAME (th_write is for text); returns the path. */
static char *write_bytes(const char *dir, const char *name, const void *data, size_t len)
{
	char *path = enf_asprintf("%s/%s", dir, name);
	FILE *fp = fopen(path, "wb");
	cr_assert(fp && fwrite(data, 1, len, fp) == len && fclose(fp) == 0, "cannot write %s",
	          path);
	return path;
}

/* A Root trust store whose extras are removed, with the allow list `files`, and a certs/ folder. */
static void allow_init(fixture *f, json_t *snap, const char *files)
{
	char *policy = enf_asprintf("enforcer: 1\nname: t\nresources:\n"
	                            "  - type: trust-store\n    id: root\n    store: Root\n"
	                            "    allow: [%s]\n    extras: remove\n",
	                            files);
	tt_init(f, snap, policy);
	char *certs = enf_asprintf("%s/certs", f->dir);
	cr_assert_eq(enf_mkdir_p(certs), 0);
	free(certs);
	free(policy);
}

/* DER bytes followed by `tail`, in a buffer to free(). */
static unsigned char *der_and(const pki_cert *c, const char *tail, size_t *len)
{
	size_t n = strlen(tail);
	unsigned char *b = malloc(c->der_len + n);
	cr_assert(b);
	memcpy(b, c->der, c->der_len);
	memcpy(b + c->der_len, tail, n);
	*len = c->der_len + n;
	return b;
}

/* Applies the policy: `want` with `message`, no action, and the store as it was. */
static void expect_untouched(fixture *f, json_t *snap, enf_outcome want, const char *message)
{
	tt_run(f, ENF_RUN_APPLY);
	tt_expect_outcome(f, "root", want);
	tt_expect_message(f, "root", message);
	tt_expect_actions(f, "root", "");
	json_t *st = fx_state(f);
	cr_expect(json_equal(st, snap), "the store changed");
	json_decref(st);
}

/*
 * Allow-list files are hashed without being parsed when they hold a store
 * certificate's bytes: PEM (after other text, as openssl pkcs12 writes it),
 * DER, and DER with bytes after the certificate, which were always ignored.
 */
Test(trust, allow_files_in_pem_and_der_match_the_store_certificates)
{
	pki_set *s = tt.s;
	json_t *snap = tt.snap;
	pki_snapshot_add(snap, "Root", s->root);
	pki_snapshot_add(snap, "Root", s->old_root);
	pki_snapshot_add(snap, "Root", s->selfsigned);
	allow_init(&tt.f, snap, "certs/root.pem, certs/old.cer, certs/self.cer");
	char *pem = pki_pem((pki_cert *[]){s->root}, 1);
	char *text = enf_asprintf(
	    "Bag Attributes\n    friendlyName: root\nsubject=CN = Contoso Root CA\n%s", pem);
	size_t len = 0;
	unsigned char *trailing = der_and(s->selfsigned, "\r\ntrailing", &len);
	free(th_write(tt.f.dir, "certs/root.pem", text));
	free(pki_write_der(tt.f.dir, "certs/old.cer", s->old_root));
	free(write_bytes(tt.f.dir, "certs/self.cer", trailing, len));
	expect_untouched(&tt.f, snap, ENF_OUTCOME_COMPLIANT, "(none)");
	free(trailing);
	free(text);
	free(pem);
	th_expect_no_leaks();
}

/* Certificates not in the store are parsed in full and allowed without a word, as always. */
Test(trust, allow_files_not_in_the_store_are_accepted_silently)
{
	pki_set *s = tt.s;
	json_t *snap = tt.snap;
	pki_snapshot_add(snap, "Root", s->root);
	allow_init(&tt.f, snap, "certs/root.pem, certs/old.pem, certs/inter.cer");
	size_t len = 0;
	unsigned char *trailing = der_and(s->inter, "trailing", &len);
	free(pki_write_pem(tt.f.dir, "certs/root.pem", (pki_cert *[]){s->root}, 1));
	free(pki_write_pem(tt.f.dir, "certs/old.pem", (pki_cert *[]){s->old_root}, 1));
	free(write_bytes(tt.f.dir, "certs/inter.cer", trailing, len));
	expect_untouched(&tt.f, snap, ENF_OUTCOME_COMPLIANT, "(none)");
	free(trailing);
	th_expect_no_leaks();
}

/*
 * A damaged allow file fails the resource, and with `extras: remove` no
 * root goes because of it; also one holding the very bytes of a store
 * entry OpenSSL cannot read, which the hash alone would match.
 */
Test(trust, a_damaged_allow_file_fails_and_removes_nothing)
{
	static const unsigned char not_x509[] = {0x30, 0x03, 0x02, 0x01, 0x05};
	static const char bad_pem[] = "-----BEGIN CERTIFICATE-----\nMIIB!!notbase64\n"
	                              "-----END CERTIFICATE-----\n";
	pki_set *s = tt.s;
	json_t *snap = tt.snap;
	pki_snapshot_add(snap, "Root", s->root);
	pki_snapshot_add(snap, "Root", s->old_root);
	json_array_append_new(json_object_get(json_object_get(snap, "stores"), "Root"),
	                      json_pack("{s:s}", "der", "MAMCAQU="));
	for (int which = 0; which < 3; which++) {
		fixture f;
		allow_init(&f, snap, "certs/root.pem, certs/bad.cer");
		free(pki_write_pem(f.dir, "certs/root.pem", (pki_cert *[]){s->root}, 1));
		if (which == 0) /* cut short */
			free(write_bytes(f.dir, "certs/bad.cer", s->old_root->der,
			                 s->old_root->der_len / 2));
		else if (which == 1)
			free(th_write(f.dir, "certs/bad.cer", bad_pem));
		else
			free(write_bytes(f.dir, "certs/bad.cer", not_x509, sizeof(not_x509)));
		expect_untouched(&f, snap, ENF_OUTCOME_FAILED,
		                 "allow: cannot load 'certs/bad.cer': 'certs/bad.cer' is not a "
		                 "certificate in PEM or DER form");
		fx_fini(&f);
	}
	th_expect_no_leaks();
}

/*
 * From eight files on, the allow list is read on a second thread while the
 * store is parsed (res_trust_store.c). The verdicts are those of a short
 * list read one file after the other, and a file that cannot be read fails
 * the resource with the same message.
 */
Test(trust, long_allow_lists_give_the_verdicts_of_short_ones)
{
	pki_set *s = pki_standard();
	json_t *snap = pki_snapshot();
	pki_snapshot_add(snap, "Root", s->root);
	pki_snapshot_add(snap, "Root", s->old_root);
	char *short_message = NULL;
	for (int missing = 0; missing < 2; missing++) {
		for (int copies = 0; copies <= 8; copies += 8) {
			enf_buf list = ENF_BUF_INIT;
			enf_buf_puts(&list, "certs/root.pem");
			if (missing)
				enf_buf_puts(&list, ", certs/missing.pem");
			for (int i = 0; i < copies; i++)
				enf_buf_printf(&list, ", certs/copy%d.pem", i);
			enf_buf_puts(&list, ", certs/old.cer");
			cr_assert(!list.failed);
			fixture f;
			allow_init(&f, snap, list.ptr);
			free(pki_write_pem(f.dir, "certs/root.pem", (pki_cert *[]){s->root}, 1));
			free(pki_write_der(f.dir, "certs/old.cer", s->old_root));
			for (int i = 0; i < copies; i++) {
				char *name = enf_asprintf("certs/copy%d.pem", i);
				free(pki_write_pem(f.dir, name, (pki_cert *[]){s->root}, 1));
				free(name);
			}
			if (!missing) {
				expect_untouched(&f, snap, ENF_OUTCOME_COMPLIANT, "(none)");
			} else {
				tt_run(&f, ENF_RUN_APPLY);
				tt_expect_outcome(&f, "root", ENF_OUTCOME_FAILED);
				tt_expect_actions(&f, "root", "");
				/* The same words; only the fixture's folder differs. */
				const char *got = fx_result(&f, "root")->message;
				char *real = enf_path_absolute(f.dir);
				char *head = enf_asprintf(
				    "allow: cannot load 'certs/missing.pem': '%s/certs/missing.pem' does not "
				    "exist (file: certs/missing.pem, relative to the policy's folder %s)",
				    real, real);
				free(real);
				cr_assert(got && head);
				cr_assert(strncmp(got, head, strlen(head)) == 0, "%s", got);
				const char *tail = got + strlen(head);
				if (!short_message)
					short_message = enf_strdup(tail);
				else
					cr_expect_str_eq(tail, short_message);
				free(head);
			}
			enf_buf_clear(&list);
			fx_fini(&f);
		}
	}
	free(short_message);
	json_decref(snap);
	pki_set_free(s);
	th_expect_no_leaks();
}

/*
 * The engine parses Root and CA once for all chain checks of a run: a
 * certificate added or removed between two checks must still count.
 */
Test(certcheck, chain_checks_see_the_changes_made_between_them)
{
	pki_set *s = tt.s;
	json_t *snap = tt.snap;
	pki_snapshot_add(snap, "Root", s->root);
	pki_snapshot_add(snap, "My", s->leaf);
	pki_snapshot_add(snap, "My", s->client_only);
	char *policy = enf_asprintf(
	    "enforcer: 1\nname: t\nresources:\n"
	    "  - {type: certificate, id: first, store: My, thumbprint: %s, require: {chain: "
	    "trusted}}\n"
	    "  - {type: certificate, id: add-inter, store: CA, file: inter.pem}\n"
	    "  - {type: certificate, id: second, store: My, thumbprint: %s, require: {chain: "
	    "trusted}}\n"
	    "  - {type: certificate, id: drop-root, store: Root, thumbprint: %s, ensure: absent}\n"
	    "  - {type: certificate, id: third, store: My, thumbprint: %s, require: {chain: "
	    "trusted}}\n",
	    s->leaf->thumbprint, s->client_only->thumbprint, s->root->thumbprint,
	    s->leaf->thumbprint);
	tt_init(&tt.f, snap, policy);
	free(pki_write_pem(tt.f.dir, "inter.pem", (pki_cert *[]){s->inter}, 1));
	tt_run(&tt.f, ENF_RUN_APPLY);
	tt_expect_outcome(&tt.f, "first", ENF_OUTCOME_FAILED);
	tt_expect_message(&tt.f, "first",
	                  "chain: intermediate 'Contoso Issuing CA 01' not found in CA; the chain "
	                  "stops at the leaf");
	tt_expect_outcome(&tt.f, "add-inter", ENF_OUTCOME_CHANGED);
	tt_expect_outcome(&tt.f, "second", ENF_OUTCOME_COMPLIANT);
	tt_expect_outcome(&tt.f, "drop-root", ENF_OUTCOME_CHANGED);
	tt_expect_outcome(&tt.f, "third", ENF_OUTCOME_FAILED);
	tt_expect_message(&tt.f, "third",
	                  "chain: 'Contoso Root CA', the issuer of 'Contoso Issuing CA 01', is in "
	                  "neither CA nor Root; the chain stops there");
	free(policy);
	th_expect_no_leaks();
}

/*
 * A certificate whose outer length is not in its shortest form (BER, which
 * OpenSSL reads) keeps the thumbprint of its bytes as stored; an allow file
 * with those bytes is that certificate, though encoding it again would
 * give other bytes and another hash.
 */
Test(trust, an_allow_file_matches_a_store_certificate_by_its_bytes)
{
	pki_set *s = tt.s;
	cr_assert(s->old_root->der_len > 256 && s->old_root->der[1] == 0x82);
	size_t len = s->old_root->der_len + 1;
	unsigned char *ber = malloc(len);
	cr_assert(ber);
	ber[0] = 0x30;
	ber[1] = 0x83; /* three length bytes, the first of them 0 */
	ber[2] = 0;
	memcpy(ber + 3, s->old_root->der + 2, s->old_root->der_len - 2);
	char *b64 = enf_base64_encode(ber, len);
	json_t *snap = tt.snap;
	pki_snapshot_add(snap, "Root", s->root);
	json_array_append_new(json_object_get(json_object_get(snap, "stores"), "Root"),
	                      json_pack("{s:s}", "der", b64));
	allow_init(&tt.f, snap, "certs/root.pem, certs/old.cer");
	free(pki_write_pem(tt.f.dir, "certs/root.pem", (pki_cert *[]){s->root}, 1));
	free(write_bytes(tt.f.dir, "certs/old.cer", ber, len));
	expect_untouched(&tt.f, snap, ENF_OUTCOME_COMPLIANT, "(none)");
	free(b64);
	free(ber);
	th_expect_no_leaks();
}
