/*
 * trust-store resources through the engine, on snapshot files built from a
 * PKI made at test time: the exact plan, the state of the "machine" after
 * apply, idempotence, and rollback restoring exactly. Certificate checks and
 * how allow-list files are read are in test_trust_checks.c.
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

static const char root_policy[] = "enforcer: 1\n"
                                  "name: root-hygiene\n"
                                  "resources:\n"
                                  "  - type: trust-store\n"
                                  "    id: root\n"
                                  "    store: Root\n";

/* Every test starts from the standard PKI and an empty snapshot (trust.h). */
TestSuite(trust, .init = tt_suite_init, .fini = tt_suite_fini);

Test(trust, intermediate_in_root_moves_to_ca_and_rolls_back_exactly)
{
	pki_set *s = tt.s;
	json_t *snap = tt.snap;
	pki_snapshot_add(snap, "Root", s->root);
	pki_snapshot_add(snap, "Root", s->inter);
	pki_snapshot_add(snap, "My", s->leaf);
	tt_init(&tt.f, snap, root_policy);

	tt_run(&tt.f, ENF_RUN_PLAN);
	tt_expect_outcome(&tt.f, "root", ENF_OUTCOME_DRIFT);
	char *want =
	    enf_asprintf("move 'Contoso Issuing CA 01' (%s) Root -> CA", s->inter->thumbprint);
	tt_expect_actions(&tt.f, "root", want);
	json_t *st = fx_state(&tt.f);
	cr_expect(json_equal(st, snap), "a plan changed the snapshot");
	json_decref(st);

	enf_run *run = tt_run(&tt.f, ENF_RUN_APPLY);
	tt_expect_outcome(&tt.f, "root", ENF_OUTCOME_CHANGED);
	tt_expect_actions(&tt.f, "root", want);
	cr_expect_eq(enf_run_exit_code(run), 2);
	char *id = enf_strdup(run->run_id);
	st = fx_state(&tt.f);
	cr_expect(pki_snapshot_has(st, "CA", s->inter));
	cr_expect(!pki_snapshot_has(st, "Root", s->inter));
	cr_expect(pki_snapshot_has(st, "Root", s->root));
	cr_expect_eq(pki_snapshot_count(st, "Root"), 1);
	json_decref(st);

	/* Converged: a plan finds nothing, a second apply changes nothing. */
	tt_run(&tt.f, ENF_RUN_PLAN);
	tt_expect_outcome(&tt.f, "root", ENF_OUTCOME_COMPLIANT);
	cr_expect_eq(fx_result(&tt.f, "root")->action_count, 0);
	run = tt_run(&tt.f, ENF_RUN_APPLY);
	cr_expect_eq(enf_run_exit_code(run), 0);

	fx_rollback(&tt.f, id);
	tt_expect_outcome(&tt.f, "root", ENF_OUTCOME_CHANGED);
	char *back =
	    enf_asprintf("move 'Contoso Issuing CA 01' (%s) back CA -> Root", s->inter->thumbprint);
	tt_expect_actions(&tt.f, "root", back);
	st = fx_state(&tt.f);
	cr_expect(pki_snapshot_has(st, "Root", s->inter));
	cr_expect(pki_snapshot_has(st, "Root", s->root));
	cr_expect_eq(pki_snapshot_count(st, "Root"), 2);
	cr_expect_eq(pki_snapshot_count(st, "CA"), 0);
	json_decref(st);

	free(back);
	free(id);
	free(want);
}

Test(trust, move_is_journaled_with_the_der_and_the_destination)
{
	pki_set *s = tt.s;
	json_t *snap = tt.snap;
	pki_snapshot_add(snap, "Root", s->inter);
	tt_init(&tt.f, snap, root_policy);
	enf_run *run = tt_run(&tt.f, ENF_RUN_APPLY);
	size_t len = 0;
	char *journal = th_read(run->journal_path, &len);
	char *b64 = pki_base64(s->inter);
	cr_expect(strstr(journal, "\"op\":\"certificate-move\"") != NULL, "%s", journal);
	cr_expect(strstr(journal, "\"to\":\"CA\"") != NULL);
	cr_expect(strstr(journal, "\"to_had\":false") != NULL);
	/* Base64 has '/' that a JSON writer may escape; compare the first characters. */
	char prefix[40];
	snprintf(prefix, sizeof(prefix), "%.32s", b64);
	cr_expect(strstr(journal, prefix) != NULL, "the DER is not in the journal");
	free(b64);
	free(journal);
}

Test(trust, rollback_of_a_move_keeps_a_copy_that_was_already_in_ca)
{
	pki_set *s = tt.s;
	json_t *snap = tt.snap;
	pki_snapshot_add(snap, "Root", s->root);
	pki_snapshot_add(snap, "Root", s->inter);
	pki_snapshot_add(snap, "CA", s->inter);
	tt_init(&tt.f, snap, root_policy);
	enf_run *run = tt_run(&tt.f, ENF_RUN_APPLY);
	char *id = enf_strdup(run->run_id);
	json_t *st = fx_state(&tt.f);
	cr_expect(!pki_snapshot_has(st, "Root", s->inter));
	cr_expect_eq(pki_snapshot_count(st, "CA"), 1);
	json_decref(st);
	fx_rollback(&tt.f, id);
	st = fx_state(&tt.f);
	cr_expect(pki_snapshot_has(st, "Root", s->inter));
	cr_expect(pki_snapshot_has(st, "CA", s->inter));
	json_decref(st);
	free(id);
}

Test(trust, misplaced_remove_and_rollback_restore_the_der)
{
	pki_set *s = tt.s;
	json_t *snap = tt.snap;
	pki_snapshot_add(snap, "Root", s->root);
	pki_snapshot_add(snap, "Root", s->inter);
	tt_init(&tt.f, snap,
	        "enforcer: 1\nname: t\nresources:\n"
	        "  - type: trust-store\n    id: root\n    store: Root\n    misplaced: remove\n");
	enf_run *run = tt_run(&tt.f, ENF_RUN_APPLY);
	char *want = enf_asprintf("remove 'Contoso Issuing CA 01' (%s) from Root: it is not "
	                          "self-signed (an intermediate)",
	                          s->inter->thumbprint);
	tt_expect_actions(&tt.f, "root", want);
	char *id = enf_strdup(run->run_id);
	json_t *st = fx_state(&tt.f);
	cr_expect(!pki_snapshot_has(st, "Root", s->inter));
	cr_expect_eq(pki_snapshot_count(st, "CA"), 0);
	json_decref(st);
	fx_rollback(&tt.f, id);
	st = fx_state(&tt.f);
	cr_expect(pki_snapshot_has(st, "Root", s->inter));
	cr_expect_eq(pki_snapshot_count(st, "Root"), 2);
	json_decref(st);
	free(id);
	free(want);
}

Test(trust, misplaced_report_fails_and_changes_nothing)
{
	pki_set *s = tt.s;
	json_t *snap = tt.snap;
	pki_snapshot_add(snap, "Root", s->root);
	pki_snapshot_add(snap, "Root", s->inter);
	tt_init(&tt.f, snap,
	        "enforcer: 1\nname: t\nresources:\n"
	        "  - type: trust-store\n    id: root\n    store: Root\n    misplaced: report\n");
	enf_run *run = tt_run(&tt.f, ENF_RUN_APPLY);
	tt_expect_outcome(&tt.f, "root", ENF_OUTCOME_FAILED);
	char *want = enf_asprintf(
	    "'Contoso Issuing CA 01' (%s) is in Root but it is not self-signed (an intermediate)",
	    s->inter->thumbprint);
	tt_expect_message(&tt.f, "root", want);
	cr_expect_eq(enf_run_exit_code(run), 4);
	json_t *st = fx_state(&tt.f);
	cr_expect(json_equal(st, snap));
	json_decref(st);
	free(want);
}

Test(trust, extras_remove_by_allow_file_and_rollback)
{
	pki_set *s = tt.s;
	json_t *snap = tt.snap;
	pki_snapshot_add(snap, "Root", s->root);
	pki_snapshot_add(snap, "Root", s->old_root);
	tt_init(&tt.f, snap,
	        "enforcer: 1\nname: t\nresources:\n"
	        "  - type: trust-store\n    id: root\n    store: Root\n"
	        "    allow: [certs/contoso-root.pem]\n    extras: remove\n");
	char *certs = enf_asprintf("%s/certs", tt.f.dir);
	cr_assert_eq(enf_mkdir_p(certs), 0);
	free(pki_write_pem(certs, "contoso-root.pem", (pki_cert *[]){s->root}, 1));
	tt_run(&tt.f, ENF_RUN_PLAN);
	char *want =
	    enf_asprintf("remove 'Contoso Old Root CA' (%s) from Root: not in the allow list",
	                 s->old_root->thumbprint);
	tt_expect_actions(&tt.f, "root", want);
	enf_run *run = tt_run(&tt.f, ENF_RUN_APPLY);
	tt_expect_outcome(&tt.f, "root", ENF_OUTCOME_CHANGED);
	char *id = enf_strdup(run->run_id);
	json_t *st = fx_state(&tt.f);
	cr_expect(!pki_snapshot_has(st, "Root", s->old_root));
	cr_expect_eq(pki_snapshot_count(st, "Root"), 1);
	json_decref(st);
	tt_run(&tt.f, ENF_RUN_APPLY);
	tt_expect_outcome(&tt.f, "root", ENF_OUTCOME_COMPLIANT);
	fx_rollback(&tt.f, id);
	st = fx_state(&tt.f);
	cr_expect(pki_snapshot_has(st, "Root", s->old_root), "the removed DER was not restored");
	json_decref(st);
	free(id);
	free(want);
	free(certs);
}

Test(trust, extras_report_by_thumbprint_fails_naming_them)
{
	pki_set *s = tt.s;
	json_t *snap = tt.snap;
	pki_snapshot_add(snap, "Root", s->root);
	pki_snapshot_add(snap, "Root", s->old_root);
	char *policy = enf_asprintf("enforcer: 1\nname: t\nresources:\n"
	                            "  - type: trust-store\n    id: root\n    store: Root\n"
	                            "    allow: [\"%s\"]\n",
	                            s->root->thumbprint);
	tt_init(&tt.f, snap, policy);
	tt_run(&tt.f, ENF_RUN_PLAN);
	tt_expect_outcome(&tt.f, "root", ENF_OUTCOME_FAILED);
	char *want = enf_asprintf("'Contoso Old Root CA' (%s) is in Root but not in the allow list",
	                          s->old_root->thumbprint);
	tt_expect_message(&tt.f, "root", want);
	free(want);
	free(policy);
}

Test(trust, max_certs_is_a_violation)
{
	pki_set *s = tt.s;
	json_t *snap = tt.snap;
	pki_snapshot_add(snap, "Root", s->root);
	pki_snapshot_add(snap, "Root", s->old_root);
	tt_init(&tt.f, snap,
	        "enforcer: 1\nname: t\nresources:\n"
	        "  - type: trust-store\n    id: root\n    store: Root\n    max-certs: 1\n");
	tt_run(&tt.f, ENF_RUN_PLAN);
	tt_expect_outcome(&tt.f, "root", ENF_OUTCOME_FAILED);
	tt_expect_message(&tt.f, "root", "Root holds 2 certificates, more than max-certs 1");
}

Test(trust, a_violation_does_not_block_the_moves)
{
	pki_set *s = tt.s;
	json_t *snap = tt.snap;
	pki_snapshot_add(snap, "Root", s->root);
	pki_snapshot_add(snap, "Root", s->inter);
	pki_snapshot_add(snap, "Root", s->old_root);
	tt_init(&tt.f, snap,
	        "enforcer: 1\nname: t\nresources:\n"
	        "  - type: trust-store\n    id: root\n    store: Root\n    max-certs: 1\n");
	tt_run(&tt.f, ENF_RUN_PLAN);
	tt_expect_outcome(&tt.f, "root", ENF_OUTCOME_DRIFT);
	tt_expect_message(&tt.f, "root",
	                  "Root will still hold 2 certificates, more than max-certs 1");
	enf_run *run = tt_run(&tt.f, ENF_RUN_APPLY);
	tt_expect_outcome(&tt.f, "root", ENF_OUTCOME_FAILED);
	tt_expect_message(&tt.f, "root",
	                  "changed, but verification found it still not compliant: Root holds 2 "
	                  "certificates, more than max-certs 1");
	cr_expect_eq(fx_result(&tt.f, "root")->actions[0].done, 1);
	json_t *st = fx_state(&tt.f);
	cr_expect(pki_snapshot_has(st, "CA", s->inter));
	json_decref(st);
	(void)run;
}

Test(trust, duplicates_are_reported_as_a_note)
{
	pki_set *s = tt.s;
	/* The same root re-issued: same subject and key, another serial. */
	pki_cert *twin = pki_issue(&(pki_opts){.cn = "Contoso Root CA", .ca = 1, .path_len = -1},
	                           s->root->key, NULL);
	json_t *snap = tt.snap;
	pki_snapshot_add(snap, "Root", s->root);
	pki_snapshot_add(snap, "Root", twin);
	tt_init(&tt.f, snap, root_policy);
	tt_run(&tt.f, ENF_RUN_PLAN);
	tt_expect_outcome(&tt.f, "root", ENF_OUTCOME_COMPLIANT);
	char *want = enf_asprintf(
	    "'Contoso Root CA' is in Root 2 times with the same subject and key: %s, %s",
	    s->root->thumbprint, twin->thumbprint);
	tt_expect_message(&tt.f, "root", want);
	json_t *dups =
	    json_object_get(enf_state_value(fx_result(&tt.f, "root")->before), "duplicates");
	cr_expect_eq(json_array_size(dups), 2);
	free(want);
	pki_free(twin);
}

Test(trust, self_signed_in_ca_is_reported_never_moved_to_root)
{
	pki_set *s = tt.s;
	json_t *snap = tt.snap;
	pki_snapshot_add(snap, "CA", s->inter);
	pki_snapshot_add(snap, "CA", s->old_root);
	tt_init(&tt.f, snap,
	        "enforcer: 1\nname: t\nresources:\n"
	        "  - type: trust-store\n    id: ca\n    store: CA\n"
	        "  - type: trust-store\n    id: ca-strict\n    store: CA\n    misplaced: report\n");
	tt_run(&tt.f, ENF_RUN_APPLY);
	tt_expect_outcome(&tt.f, "ca", ENF_OUTCOME_COMPLIANT);
	char *note = enf_asprintf("'Contoso Old Root CA' (%s) is in CA but it is self-signed; a "
	                          "root belongs in Root, and enforcer never moves one there itself",
	                          s->old_root->thumbprint);
	tt_expect_message(&tt.f, "ca", note);
	tt_expect_outcome(&tt.f, "ca-strict", ENF_OUTCOME_FAILED);
	char *violation = enf_asprintf("'Contoso Old Root CA' (%s) is in CA but it is self-signed",
	                               s->old_root->thumbprint);
	tt_expect_message(&tt.f, "ca-strict", violation);
	json_t *st = fx_state(&tt.f);
	cr_expect(json_equal(st, snap));
	json_decref(st);
	free(note);
	free(violation);
}

Test(trust, before_and_after_list_what_was_found)
{
	pki_set *s = tt.s;
	json_t *snap = tt.snap;
	pki_snapshot_add(snap, "Root", s->root);
	pki_snapshot_add(snap, "Root", s->inter);
	tt_init(&tt.f, snap, root_policy);
	tt_run(&tt.f, ENF_RUN_PLAN);
	const enf_result *r = fx_result(&tt.f, "root");
	json_t *want_before =
	    json_pack("{s:s, s:i, s:[{s:s, s:s}], s:[], s:[], s:[]}", "store", "Root", "count", 2,
	              "misplaced", "thumbprint", s->inter->thumbprint, "subject",
	              "CN=Contoso Issuing CA 01", "extras", "duplicates", "unreadable");
	json_t *want_after = json_pack("{s:s, s:i, s:[], s:[], s:[]}", "store", "Root", "count", 1,
	                               "misplaced", "extras", "duplicates");
	char *got = json_dumps(enf_state_value(r->before), JSON_COMPACT);
	cr_expect(json_equal(enf_state_value(r->before), want_before), "before: %s", got);
	free(got);
	got = json_dumps(enf_state_value(r->after), JSON_COMPACT);
	cr_expect(json_equal(enf_state_value(r->after), want_after), "after: %s", got);
	free(got);
	json_decref(want_before);
	json_decref(want_after);
}

Test(trust, unreadable_store_fails_the_resource)
{
	pki_set *s = tt.s;
	json_t *snap = tt.snap;
	pki_snapshot_add(snap, "Root", s->root);
	json_object_set_new(snap, "faults", json_pack("{s:[s]}", "unreadable_stores", "Root"));
	tt_init(&tt.f, snap, root_policy);
	tt_run(&tt.f, ENF_RUN_PLAN);
	tt_expect_outcome(&tt.f, "root", ENF_OUTCOME_FAILED);
	tt_expect_message(
	    &tt.f, "root",
	    "cannot read the store: cannot open the LocalMachine\\Root store: access denied");
}

/*
 * A move adds to CA (made durable) before it removes from Root: when the
 * removal fails, the certificate is in both stores, never in neither, and
 * a rollback takes the new copy out of CA again.
 */
Test(trust, a_move_that_cannot_remove_from_root_loses_nothing)
{
	pki_set *s = tt.s;
	json_t *snap = tt.snap;
	pki_snapshot_add(snap, "Root", s->root);
	pki_snapshot_add(snap, "Root", s->inter);
	json_object_set_new(snap, "faults", json_pack("{s:[s]}", "readonly_stores", "Root"));
	tt_init(&tt.f, snap, root_policy);
	enf_run *run = tt_run(&tt.f, ENF_RUN_APPLY);
	tt_expect_outcome(&tt.f, "root", ENF_OUTCOME_FAILED);
	char *id = enf_strdup(run->run_id);
	json_t *st = fx_state(&tt.f);
	cr_expect(pki_snapshot_has(st, "Root", s->inter));
	cr_expect(pki_snapshot_has(st, "CA", s->inter));
	json_decref(st);
	fx_rollback(&tt.f, id);
	char *want =
	    enf_asprintf("remove 'Contoso Issuing CA 01' (%s) from CA (the move put it there)",
	                 s->inter->thumbprint);
	tt_expect_actions(&tt.f, "root", want);
	st = fx_state(&tt.f);
	cr_expect(pki_snapshot_has(st, "Root", s->inter));
	cr_expect_eq(pki_snapshot_count(st, "CA"), 0);
	json_decref(st);
	free(want);
	free(id);
}
