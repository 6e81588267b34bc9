/*
 * Physical certificate stores on snapshots (docs/snapshot.md): Root and CA
 * as Windows builds them from .Default, .GroupPolicy, .Enterprise,
 * .AuthRoot and .SmartCard. Only .Default is ever changed; what another
 * physical store holds is reported as managed elsewhere; one certificate
 * in two physical stores is one certificate; max-certs leaves AuthRoot out;
 * a certificate's properties survive a move, a removal and their rollback.
 */
#include "engine/state.h"
#include "engine_fixture.h"
#include "helpers.h"
#include "pki.h"
#include "trust.h"

#include "enforcer/errors.h"
#include "enforcer/provider.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(stores, .init = tt_suite_init, .fini = tt_suite_fini);

/*
 * The fixture for a policy of one trust-store resource, `id`, on `store`,
 * with the YAML lines `keys` (printf format) added to it.
 */
static void init_store(const char *id, const char *store, const char *keys, ...)
{
	va_list ap;
	va_start(ap, keys);
	char *more = enf_vasprintf(keys, ap);
	va_end(ap);
	char *policy = enf_asprintf("enforcer: 1\nname: t\nresources:\n"
	                            "  - type: trust-store\n    id: %s\n    store: %s\n%s",
	                            id, store, more ? more : "");
	cr_assert(more && policy);
	tt_init(&tt.f, tt.snap, policy);
	free(policy);
	free(more);
}

/* The list of physical store `phys` of `store` in `snap`, created when missing. */
static json_t *phys(json_t *snap, const char *store, const char *name)
{
	json_t *stores = json_object_get(snap, "stores");
	json_t *o = json_object_get(stores, store);
	if (!o) {
		o = json_object();
		json_object_set_new(stores, store, o);
	}
	json_t *list = json_object_get(o, name);
	if (!list) {
		list = json_array();
		json_object_set_new(o, name, list);
	}
	return list;
}

static json_t *add(json_t *snap, const char *store, const char *name, const pki_cert *c)
{
	char *b64 = pki_base64(c);
	json_t *o = json_pack("{s:s}", "der", b64);
	free(b64);
	json_array_append_new(phys(snap, store, name), o);
	return o;
}

/* The entry of `c` in a physical store of the snapshot as it is on disk, or NULL. */
static json_t *entry_in(json_t *st, const char *store, const char *name, const pki_cert *c)
{
	json_t *v = json_object_get(json_object_get(st, "stores"), store);
	json_t *list = json_is_array(v) ? (strcmp(name, ".Default") == 0 ? v : NULL)
	                                : json_object_get(v, name);
	char *b64 = pki_base64(c);
	json_t *found = NULL;
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
	{
		const char *der = json_string_value(json_object_get(e, "der"));
		if (der && strcmp(der, b64) == 0)
			found = e;
	}
	free(b64);
	return found;
}

static size_t count_in(json_t *st, const char *store, const char *name)
{
	json_t *v = json_object_get(json_object_get(st, "stores"), store);
	return json_array_size(json_is_array(v) ? (strcmp(name, ".Default") == 0 ? v : NULL)
	                                        : json_object_get(v, name));
}

static void expect_unchanged(const json_t *snap)
{
	json_t *st = fx_state(&tt.f);
	cr_expect(json_equal(st, (json_t *)snap), "the snapshot changed");
	json_decref(st);
}

/*
 * Resource `id` of `run` failed on a finding, with no action and the
 * message `want`; exit code 4 and the snapshot as it was.
 */
static void expect_refused(enf_run *run, const char *id, const char *want)
{
	tt_expect_outcome(&tt.f, id, ENF_OUTCOME_FAILED);
	tt_expect_actions(&tt.f, id, "");
	tt_expect_message(&tt.f, id, want);
	cr_expect_eq(enf_run_exit_code(run), 4);
	expect_unchanged(tt.snap);
}

Test(stores, group_policy_intermediate_is_refused_and_never_moved)
{
	pki_set *s = tt.s;
	add(tt.snap, "Root", ".Default", s->root);
	add(tt.snap, "Root", ".GroupPolicy", s->inter);
	init_store("root", "Root", "");
	char *want = enf_asprintf("'Contoso Issuing CA 01' (%s) is in Root through Group Policy: "
	                          "remove it from the GPO (an intermediate)",
	                          s->inter->thumbprint);

	expect_refused(tt_run(&tt.f, ENF_RUN_PLAN), "root", want);
	enf_run *run = tt_run(&tt.f, ENF_RUN_APPLY);
	expect_refused(run, "root", want);

	/* The report names where it is and why. */
	const enf_result *r = fx_result(&tt.f, "root");
	json_t *where = json_object_get(enf_state_value(r->before), "managed_elsewhere");
	json_t *want_where = json_pack("[{s:s, s:s, s:s, s:s}]", "thumbprint", s->inter->thumbprint,
	                               "subject", "CN=Contoso Issuing CA 01", "physical",
	                               ".GroupPolicy", "finding", "an intermediate");
	char *got = json_dumps(where, JSON_COMPACT);
	cr_expect(json_equal(where, want_where), "managed_elsewhere: %s", got);
	free(got);
	json_decref(want_where);
	free(want);
}

Test(stores, managed_elsewhere_report_makes_it_a_note)
{
	pki_set *s = tt.s;
	add(tt.snap, "Root", ".Default", s->root);
	add(tt.snap, "Root", ".GroupPolicy", s->inter);
	init_store("root", "Root", "    managed-elsewhere: report\n");
	enf_run *run = tt_run(&tt.f, ENF_RUN_APPLY);
	tt_expect_outcome(&tt.f, "root", ENF_OUTCOME_COMPLIANT);
	char *want = enf_asprintf("'Contoso Issuing CA 01' (%s) is in Root through Group Policy: "
	                          "remove it from the GPO (an intermediate)",
	                          s->inter->thumbprint);
	tt_expect_message(&tt.f, "root", want);
	cr_expect_eq(enf_run_exit_code(run), 0);
	expect_unchanged(tt.snap);
	free(want);
}

/*
 * The .Default copy of an intermediate that Group Policy also pushes is
 * moved once (no second move of the Group Policy copy, which would fail
 * with "not in store"), and the verification names the copy left.
 */
Test(stores, default_copy_moves_once_and_the_group_policy_copy_stays)
{
	pki_set *s = tt.s;
	add(tt.snap, "Root", ".Default", s->root);
	add(tt.snap, "Root", ".Default", s->inter);
	add(tt.snap, "Root", ".GroupPolicy", s->inter);
	init_store("root", "Root", "");
	enf_run *run = tt_run(&tt.f, ENF_RUN_APPLY);
	char *move =
	    enf_asprintf("move 'Contoso Issuing CA 01' (%s) Root -> CA", s->inter->thumbprint);
	tt_expect_actions(&tt.f, "root", move);
	tt_expect_outcome(&tt.f, "root", ENF_OUTCOME_FAILED);
	char *want = enf_asprintf(
	    "changed, but verification found it still not compliant: 'Contoso Issuing CA 01' (%s) "
	    "is in Root through Group Policy: remove it from the GPO (an intermediate)",
	    s->inter->thumbprint);
	tt_expect_message(&tt.f, "root", want);
	cr_expect_eq(enf_run_exit_code(run), 6);
	json_t *st = fx_state(&tt.f);
	cr_expect(entry_in(st, "Root", ".Default", s->root));
	cr_expect(!entry_in(st, "Root", ".Default", s->inter));
	cr_expect(entry_in(st, "Root", ".GroupPolicy", s->inter));
	cr_expect(entry_in(st, "CA", ".Default", s->inter));
	json_decref(st);

	/* The next run changes nothing and says the same. */
	run = tt_run(&tt.f, ENF_RUN_APPLY);
	tt_expect_actions(&tt.f, "root", "");
	cr_expect_eq(enf_run_exit_code(run), 4);
	free(want);
	free(move);
}

Test(stores, authroot_is_untouched_by_extras_remove)
{
	pki_set *s = tt.s;
	add(tt.snap, "Root", ".Default", s->root);
	add(tt.snap, "Root", ".AuthRoot", s->old_root);
	init_store("root", "Root", "    allow: [%s]\n    extras: remove\n", s->root->thumbprint);
	char *want = enf_asprintf(
	    "'Contoso Old Root CA' (%s) is in Root through automatic root updates (AuthRoot): "
	    "Windows downloads it again when it is needed; allow it, or turn automatic root "
	    "updates off (not in the allow list)",
	    s->old_root->thumbprint);
	expect_refused(tt_run(&tt.f, ENF_RUN_APPLY), "root", want);
	free(want);
}

Test(stores, an_extra_in_default_is_removed_and_the_authroot_one_kept)
{
	pki_set *s = tt.s;
	add(tt.snap, "Root", ".Default", s->root);
	add(tt.snap, "Root", ".Default", s->selfsigned);
	add(tt.snap, "Root", ".AuthRoot", s->old_root);
	init_store("root", "Root",
	           "    allow: [%s]\n    extras: remove\n    managed-elsewhere: report\n",
	           s->root->thumbprint);
	enf_run *run = tt_run(&tt.f, ENF_RUN_APPLY);
	char *remove =
	    enf_asprintf("remove 'selfsigned.contoso.com' (%s) from Root: not in the allow list",
	                 s->selfsigned->thumbprint);
	tt_expect_actions(&tt.f, "root", remove);
	tt_expect_outcome(&tt.f, "root", ENF_OUTCOME_CHANGED);
	cr_expect_eq(enf_run_exit_code(run), 2);
	json_t *st = fx_state(&tt.f);
	cr_expect_eq(count_in(st, "Root", ".Default"), 1);
	cr_expect(entry_in(st, "Root", ".Default", s->root));
	cr_expect(entry_in(st, "Root", ".AuthRoot", s->old_root));
	json_decref(st);
	free(remove);
}

Test(stores, one_certificate_in_two_physical_stores_is_not_a_subject_and_key_duplicate)
{
	pki_set *s = tt.s;
	add(tt.snap, "Root", ".Default", s->root);
	add(tt.snap, "Root", ".GroupPolicy", s->root);
	init_store("root", "Root", "    max-certs: 1\n");
	enf_run *run = tt_run(&tt.f, ENF_RUN_APPLY);
	tt_expect_outcome(&tt.f, "root", ENF_OUTCOME_COMPLIANT);
	tt_expect_actions(&tt.f, "root", "");
	char *want = enf_asprintf("'Contoso Root CA' (%s) is in Root 2 times, in .Default, "
	                          ".GroupPolicy",
	                          s->root->thumbprint);
	tt_expect_message(&tt.f, "root", want);
	cr_expect_eq(enf_run_exit_code(run), 0);
	/* Counted once against max-certs 1. */
	const enf_result *r = fx_result(&tt.f, "root");
	cr_expect_eq(json_integer_value(json_object_get(enf_state_value(r->before), "count")), 1);
	expect_unchanged(tt.snap);
	free(want);
}

Test(stores, a_renewal_on_the_same_key_is_still_a_duplicate_across_physical_stores)
{
	pki_set *s = tt.s;
	add(tt.snap, "CA", ".Default", s->inter);
	add(tt.snap, "CA", ".Enterprise", s->cross);
	init_store("ca", "CA", "");
	tt_run(&tt.f, ENF_RUN_PLAN);
	tt_expect_outcome(&tt.f, "ca", ENF_OUTCOME_COMPLIANT);
	char *want = enf_asprintf(
	    "'Contoso Issuing CA 01' is in CA 2 times with the same subject and key: %s, %s",
	    s->inter->thumbprint, s->cross->thumbprint);
	tt_expect_message(&tt.f, "ca", want);
	free(want);
}

Test(stores, max_certs_leaves_out_what_only_authroot_holds)
{
	pki_set *s = tt.s;
	add(tt.snap, "Root", ".Default", s->root);
	add(tt.snap, "Root", ".AuthRoot", s->old_root);
	add(tt.snap, "Root", ".AuthRoot", s->selfsigned);
	add(tt.snap, "Root", ".AuthRoot", s->root);
	init_store("root", "Root", "    max-certs: 1\n    managed-elsewhere: report\n");
	tt_run(&tt.f, ENF_RUN_PLAN);
	tt_expect_outcome(&tt.f, "root", ENF_OUTCOME_COMPLIANT);
	const enf_result *r = fx_result(&tt.f, "root");
	cr_expect_eq(json_integer_value(json_object_get(enf_state_value(r->before), "count")), 1);

	/* A Group Policy root counts: it is in Root on every refresh. */
	add(tt.snap, "Root", ".GroupPolicy", s->old_root);
	fx_fini(&tt.f);
	init_store("root", "Root", "    max-certs: 1\n");
	tt_run(&tt.f, ENF_RUN_PLAN);
	tt_expect_outcome(&tt.f, "root", ENF_OUTCOME_FAILED);
	char *want =
	    enf_asprintf("Root holds 2 certificates, more than max-certs 1; "
	                 "'Contoso Root CA' (%s) is in Root 2 times, in .Default, .AuthRoot; "
	                 "'Contoso Old Root CA' (%s) is in Root 2 times, in .GroupPolicy, "
	                 ".AuthRoot",
	                 s->root->thumbprint, s->old_root->thumbprint);
	tt_expect_message(&tt.f, "root", want);
	free(want);
}

/* A moved certificate keeps its friendly name and EKU restriction, there and back. */
Test(stores, properties_are_kept_through_a_move_and_its_rollback)
{
	pki_set *s = tt.s;
	pki_snapshot_add(tt.snap, "Root", s->root);
	json_t *inter = pki_snapshot_add(tt.snap, "Root", s->inter);
	json_object_set_new(inter, "friendly_name", json_string("Issuing CA (pinned)"));
	json_object_set_new(inter, "eku_property",
	                    json_pack("[s, s]", "server-auth", "client-auth"));
	json_t *props = json_deep_copy(inter);
	init_store("root", "Root", "");
	enf_run *run = tt_run(&tt.f, ENF_RUN_APPLY);
	cr_expect_eq(enf_run_exit_code(run), 2);
	char *id = enf_strdup(run->run_id);
	json_t *st = fx_state(&tt.f);
	json_t *moved = entry_in(st, "CA", ".Default", s->inter);
	cr_expect(json_equal(moved, props), "in CA: %s", json_dumps(moved, JSON_COMPACT));
	cr_expect(!entry_in(st, "Root", ".Default", s->inter));
	json_decref(st);

	/* The journal keeps the element: the entry as JSON, in base64. */
	size_t len = 0;
	char *journal = th_read(run->journal_path, &len);
	char *element = json_dumps(props, JSON_COMPACT | JSON_SORT_KEYS);
	char *b64 = enf_base64_encode((const unsigned char *)element, strlen(element));
	char prefix[48];
	snprintf(prefix, sizeof(prefix), "\"element\":\"%.32s", b64);
	cr_expect(strstr(journal, prefix) != NULL, "no element in the journal: %s", journal);

	fx_rollback(&tt.f, id);
	st = fx_state(&tt.f);
	json_t *back = entry_in(st, "Root", ".Default", s->inter);
	cr_expect(json_equal(back, props), "back in Root: %s", json_dumps(back, JSON_COMPACT));
	cr_expect_eq(count_in(st, "CA", ".Default"), 0);
	json_decref(st);
	free(b64);
	free(element);
	free(journal);
	free(id);
	json_decref(props);
}

Test(stores, properties_are_kept_through_a_removal_and_its_rollback)
{
	pki_set *s = tt.s;
	pki_snapshot_add(tt.snap, "Root", s->root);
	json_t *extra = pki_snapshot_add(tt.snap, "Root", s->old_root);
	json_object_set_new(extra, "friendly_name", json_string("Old root, kept for signing"));
	json_object_set_new(extra, "eku_property", json_pack("[s]", "code-signing"));
	json_t *props = json_deep_copy(extra);
	init_store("root", "Root", "    allow: [%s]\n    extras: remove\n", s->root->thumbprint);
	enf_run *run = tt_run(&tt.f, ENF_RUN_APPLY);
	cr_expect_eq(enf_run_exit_code(run), 2);
	char *id = enf_strdup(run->run_id);
	fx_rollback(&tt.f, id);
	json_t *st = fx_state(&tt.f);
	json_t *back = entry_in(st, "Root", ".Default", s->old_root);
	cr_expect(json_equal(back, props), "back in Root: %s", json_dumps(back, JSON_COMPACT));
	json_decref(st);
	free(id);
	json_decref(props);
}

/* A copy already in CA stays as it was: the move and its rollback leave it alone. */
Test(stores, a_move_into_a_ca_that_has_the_certificate_leaves_that_copy_as_it_is)
{
	pki_set *s = tt.s;
	pki_snapshot_add(tt.snap, "Root", s->root);
	json_t *in_root = pki_snapshot_add(tt.snap, "Root", s->inter);
	json_object_set_new(in_root, "friendly_name", json_string("A"));
	json_object_set_new(in_root, "eku_property", json_pack("[s]", "server-auth"));
	json_t *in_ca = pki_snapshot_add(tt.snap, "CA", s->inter);
	json_object_set_new(in_ca, "friendly_name", json_string("B"));
	json_t *root_props = json_deep_copy(in_root), *ca_props = json_deep_copy(in_ca);
	init_store("root", "Root", "");
	enf_run *run = tt_run(&tt.f, ENF_RUN_APPLY);
	cr_expect_eq(enf_run_exit_code(run), 2);
	char *id = enf_strdup(run->run_id);
	json_t *st = fx_state(&tt.f);
	json_t *ca = entry_in(st, "CA", ".Default", s->inter);
	cr_expect(json_equal(ca, ca_props), "in CA: %s", json_dumps(ca, JSON_COMPACT));
	cr_expect(!entry_in(st, "Root", ".Default", s->inter));
	json_decref(st);
	fx_rollback(&tt.f, id);
	st = fx_state(&tt.f);
	json_t *back = entry_in(st, "Root", ".Default", s->inter);
	cr_expect(json_equal(back, root_props), "back in Root: %s", json_dumps(back, JSON_COMPACT));
	ca = entry_in(st, "CA", ".Default", s->inter);
	cr_expect(json_equal(ca, ca_props), "in CA after the rollback: %s",
	          json_dumps(ca, JSON_COMPACT));
	json_decref(st);
	json_decref(root_props);
	json_decref(ca_props);
	free(id);
}

Test(stores, an_enterprise_self_signed_ca_is_managed_elsewhere)
{
	pki_set *s = tt.s;
	add(tt.snap, "CA", ".Default", s->inter);
	add(tt.snap, "CA", ".Enterprise", s->old_root);
	init_store("ca", "CA", "    misplaced: remove\n");
	enf_run *run = tt_run(&tt.f, ENF_RUN_APPLY);
	char *want = enf_asprintf(
	    "'Contoso Old Root CA' (%s) is in CA through Active Directory (Enterprise): remove it "
	    "from the directory, which every machine of the forest downloads it from (self-signed)",
	    s->old_root->thumbprint);
	expect_refused(run, "ca", want);
	free(want);
}

/* Removes every "element" member from a journal file's records. */
static void strip_elements(const char *path)
{
	size_t len = 0;
	char *text = th_read(path, &len);
	enf_buf out = ENF_BUF_INIT;
	for (char *line = text, *end; *line; line = end + 1) {
		end = strchr(line, '\n');
		cr_assert(end, "the journal's last line is cut short");
		*end = '\0';
		json_t *rec = json_loads(line, 0, NULL);
		cr_assert(rec, "a journal line is not JSON: %s", line);
		json_object_del(json_object_get(rec, "change"), "element");
		char *again = json_dumps(rec, JSON_COMPACT);
		enf_buf_printf(&out, "%s\n", again);
		free(again);
		json_decref(rec);
	}
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs(out.ptr, f);
	fclose(f);
	enf_buf_clear(&out);
	free(text);
}

Test(stores, a_journal_without_elements_still_rolls_back)
{
	pki_set *s = tt.s;
	pki_snapshot_add(tt.snap, "Root", s->root);
	json_t *inter = pki_snapshot_add(tt.snap, "Root", s->inter);
	json_object_set_new(inter, "friendly_name", json_string("Issuing CA"));
	init_store("root", "Root", "");
	enf_run *run = tt_run(&tt.f, ENF_RUN_APPLY);
	char *id = enf_strdup(run->run_id);
	strip_elements(run->journal_path);
	size_t len = 0;
	char *journal = th_read(run->journal_path, &len);
	cr_assert(strstr(journal, "\"element\"") == NULL);
	free(journal);
	fx_rollback(&tt.f, id);
	json_t *st = fx_state(&tt.f);
	/* Back as the journal had it: the DER, without the properties it did not keep. */
	json_t *back = entry_in(st, "Root", ".Default", s->inter);
	cr_expect(back != NULL);
	cr_expect(json_object_get(back, "friendly_name") == NULL);
	cr_expect_eq(count_in(st, "CA", ".Default"), 0);
	json_decref(st);
	free(id);
}

Test(stores, certificate_absent_managed_by_group_policy_fails_and_changes_nothing)
{
	pki_set *s = tt.s;
	add(tt.snap, "Root", ".GroupPolicy", s->old_root);
	char *policy = enf_asprintf("enforcer: 1\nname: t\nresources:\n"
	                            "  - type: certificate\n    id: old-root\n    store: Root\n"
	                            "    thumbprint: %s\n    ensure: absent\n",
	                            s->old_root->thumbprint);
	tt_init(&tt.f, tt.snap, policy);
	enf_run *run = tt_run(&tt.f, ENF_RUN_APPLY);
	char *want = enf_asprintf("'Contoso Old Root CA' (%s) is in Root through Group Policy: "
	                          "remove it from the GPO",
	                          s->old_root->thumbprint);
	expect_refused(run, "old-root", want);
	free(want);
	free(policy);
}

/* Opens the snapshot `text`; returns the error message, or NULL when it opens. */
static char *open_error(const char *text)
{
	char *dir = th_tmpdir();
	char *path = th_write(dir, "server.json", text);
	char *spec = enf_asprintf("snapshot:%s", path);
	enf_target *t = NULL;
	char *msg = NULL;
	if (enf_target_open(&t, spec))
		msg = enf_strdup(enf_error_last()->message);
	enf_target_close(t);
	free(spec);
	free(path);
	free(dir);
	return msg;
}

Test(stores, snapshot_physical_stores_are_checked_when_opened)
{
	char *msg = open_error("{\"schema\": \"enforcer-snapshot/1\", \"stores\": {\"CA\": "
	                       "{\".AuthRoot\": []}}}");
	cr_assert(msg);
	cr_expect(strstr(msg, ": stores.CA\\.AuthRoot is not a physical store of LocalMachine\\CA "
	                      "(.Default, .GroupPolicy, .Enterprise)") != NULL,
	          "%s", msg);
	free(msg);
	msg = open_error("{\"schema\": \"enforcer-snapshot/1\", \"stores\": {\"Root\": "
	                 "{\".Default\": [{\"der\": \"MAA=\", \"eku_property\": [\"any\"]}]}}}");
	cr_assert(msg);
	cr_expect(strstr(msg, ": stores.Root\\.Default[0] has an \"eku_property\" entry that is "
	                      "not server-auth") != NULL,
	          "%s", msg);
	free(msg);
	msg = open_error("{\"schema\": \"enforcer-snapshot/1\", \"stores\": {\"My\": "
	                 "[{\"der\": \"MAA=\", \"friendly_name\": 7}]}}");
	cr_assert(msg);
	cr_expect(strstr(msg, ": stores.My[0] has a \"friendly_name\" that is not a string") !=
	              NULL,
	          "%s", msg);
	free(msg);
	msg = open_error("{\"schema\": \"enforcer-snapshot/1\", \"stores\": {\"Root\": "
	                 "{\".Default\": [], \".default\": []}}}");
	cr_assert(msg);
	cr_expect(strstr(msg, ": stores.Root\\.default names a physical store given twice") != NULL,
	          "%s", msg);
	free(msg);
	/* A plain list is .Default, as snapshots always had them. */
	msg =
	    open_error("{\"schema\": \"enforcer-snapshot/1\", \"stores\": {\"Root\": "
	               "[{\"der\": \"MAA=\"}], \"CA\": {\".Default\": [], \".Enterprise\": []}}}");
	cr_expect(msg == NULL, "%s", msg);
	free(msg);
}

/* The provider itself: reads tag each physical store, writes go to .Default only. */
Test(stores, snapshot_provider_lists_every_physical_store_and_writes_default)
{
	pki_set *s = tt.s;
	add(tt.snap, "Root", ".GroupPolicy", s->old_root);
	add(tt.snap, "Root", ".Enterprise", s->root);
	init_store("root", "Root", "");
	char *spec = enf_asprintf("snapshot:%s", tt.f.snapshot);
	enf_target *t = NULL;
	cr_assert_eq(enf_target_open(&t, spec), 0);
	unsigned char old_root[20], root[20];
	enf_sha1(old_root, s->old_root->der, s->old_root->der_len);
	enf_sha1(root, s->root->der, s->root->der_len);
	enf_cert_list l = {0};
	cr_assert_eq(t->provider->cert_list(&l, t->self, ENF_STORE_ROOT), 0);
	cr_assert_eq(l.count, 2);
	cr_expect_eq(l.items[0].physical, ENF_PHYS_GROUP_POLICY);
	cr_expect_eq(l.items[1].physical, ENF_PHYS_ENTERPRISE);
	enf_cert_list_clear(&l);
	/* Not in .Default: nothing to remove or serialize, whatever the others hold. */
	cr_expect_eq(t->provider->cert_remove(t->self, ENF_STORE_ROOT, old_root), ENF_ENOTFOUND);
	cr_expect_str_eq(enf_error_last()->message,
	                 "no such certificate in LocalMachine\\Root\\.Default");
	unsigned char *el = NULL;
	size_t n = 0;
	cr_expect_eq(t->provider->cert_element(&el, &n, t->self, ENF_STORE_ROOT, old_root),
	             ENF_ENOTFOUND);
	cr_assert_eq(
	    t->provider->cert_add(t->self, ENF_STORE_ROOT, s->old_root->der, s->old_root->der_len),
	    0);
	/* An element that is not the certificate named is refused. */
	cr_assert_eq(t->provider->cert_element(&el, &n, t->self, ENF_STORE_ROOT, old_root), 0);
	cr_expect_eq(t->provider->cert_add_element(t->self, ENF_STORE_CA, root, el, n),
	             ENF_EINVALID);
	cr_assert_eq(t->provider->commit(t->self), 0);
	enf_target_close(t);
	free(el);
	json_t *st = fx_state(&tt.f);
	cr_expect(entry_in(st, "Root", ".Default", s->old_root));
	cr_expect(entry_in(st, "Root", ".GroupPolicy", s->old_root));
	cr_expect_eq(count_in(st, "CA", ".Default"), 0);
	json_decref(st);
	free(spec);
}
