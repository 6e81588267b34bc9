/*
 * Deny entries on a private key's DACL, evaluated in the order Windows
 * evaluates them: a deny entry for the account, or for Everyone, that comes
 * before the allow entries refuses the access (a finding; no grant is
 * planned, as one could not help); a deny entry for a group the check cannot
 * see into makes the access unknown; a deny entry for another account that
 * is no group does not apply; an allow that comes first wins.
 */
#include "engine_fixture.h"
#include "helpers.h"
#include "pki.h"
#include "trust.h"

#include "util/util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

TestSuite(keyacl, .init = tt_suite_init, .fini = tt_suite_fini);

/* The leaf in My with a private key whose DACL is `acl` (JSON text); the policy asks `access`. */
static void key_case(const char *acl, const char *access)
{
	json_t *leaf = pki_snapshot_add(tt.snap, "My", tt.s->leaf);
	json_object_set_new(leaf, "private_key", json_true());
	json_object_set_new(leaf, "key_acl", json_loads(acl, 0, NULL));
	cr_assert_not_null(json_object_get(leaf, "key_acl"));
	json_object_set_new(tt.snap, "accounts",
	                    json_pack("{s:s}", "CONTOSO\\KeyDenied", "S-1-5-21-1-2-3-4001"));
	char *policy = enf_asprintf("enforcer: 1\nname: t\nresources:\n"
	                            "  - type: certificate\n    id: edge\n    store: My\n"
	                            "    thumbprint: %s\n    private-key-access: [%s]\n",
	                            tt.s->leaf->thumbprint, access);
	tt_init(&tt.f, tt.snap, policy);
	free(policy);
}

/* The key's DACL in the snapshot file now, as compact JSON. */
static char *acl_now(void)
{
	json_t *st = fx_state(&tt.f);
	json_t *acl = json_object_get(
	    json_array_get(json_object_get(json_object_get(st, "stores"), "My"), 0), "key_acl");
	char *text = json_dumps(acl, JSON_COMPACT);
	json_decref(st);
	return text;
}

#define DENY_NS                                                                                    \
	"{\"account\": \"NT AUTHORITY\\\\NETWORK SERVICE\", \"rights\": \"read\", \"deny\": true}"
#define ALLOW_NS "{\"account\": \"NetworkService\", \"rights\": \"read\"}"

Test(keyacl, a_deny_entry_before_the_allow_refuses_and_no_grant_is_planned)
{
	key_case("[" DENY_NS ", " ALLOW_NS "]", "{account: NetworkService, rights: read}");
	char *before = acl_now();
	tt_run(&tt.f, ENF_RUN_APPLY);
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_FAILED);
	tt_expect_message(
	    &tt.f, "edge",
	    "private-key-access: NetworkService cannot read the private key: a deny entry for "
	    "'NT AUTHORITY\\NETWORK SERVICE' comes before any allow entry; remove that deny entry "
	    "(enforcer adds allow entries, it never removes deny entries)");
	tt_expect_actions(&tt.f, "edge", "");
	char *after = acl_now();
	cr_expect_str_eq(after, before, "the key's DACL changed");
	free(before);
	free(after);
}

Test(keyacl, a_deny_entry_for_everyone_refuses_every_account)
{
	key_case("[{\"account\": \"Everyone\", \"rights\": \"full\", \"deny\": true}, "
	         "{\"account\": \"NT AUTHORITY\\\\SYSTEM\", \"rights\": \"full\"}]",
	         "{account: LocalSystem, rights: read}");
	tt_run(&tt.f, ENF_RUN_PLAN);
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_FAILED);
	tt_expect_message(
	    &tt.f, "edge",
	    "private-key-access: LocalSystem cannot read the private key: a deny entry for "
	    "'Everyone', which includes every account, comes before any allow entry; remove that "
	    "deny entry (enforcer adds allow entries, it never removes deny entries)");
}

Test(keyacl, a_deny_entry_for_a_group_the_check_cannot_see_into_is_unknown)
{
	key_case(
	    "[{\"account\": \"CONTOSO\\\\KeyDenied\", \"rights\": \"read\", \"deny\": true}, " ALLOW_NS
	    "]",
	    "{account: NetworkService, rights: read}");
	tt_run(&tt.f, ENF_RUN_PLAN);
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_FAILED);
	tt_expect_message(
	    &tt.f, "edge",
	    "private-key-access: whether NetworkService may read the private key is unknown: a deny "
	    "entry for 'CONTOSO\\KeyDenied' comes first, and the check cannot tell whether "
	    "NetworkService is in that group; remove the entry, or check it by hand");
}

Test(keyacl, a_deny_entry_for_another_account_does_not_apply_and_a_grant_keeps_it)
{
	key_case("[{\"account\": \"LocalService\", \"rights\": \"full\", \"deny\": true}]",
	         "{account: NetworkService, rights: read}");
	tt_run(&tt.f, ENF_RUN_APPLY);
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_CHANGED);
	char *acl = acl_now();
	cr_expect_str_eq(acl, "[{\"account\":\"LocalService\",\"rights\":\"full\",\"deny\":true},"
	                      "{\"account\":\"NetworkService\",\"rights\":\"read\"}]");
	free(acl);
	tt_run(&tt.f, ENF_RUN_APPLY);
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_COMPLIANT);
}

Test(keyacl, an_allow_entry_that_comes_first_wins_as_windows_stops_there)
{
	/* Not the canonical order tools write, but Windows evaluates the entries as they are. */
	key_case("[" ALLOW_NS ", " DENY_NS "]", "{account: NetworkService, rights: read}");
	tt_run(&tt.f, ENF_RUN_PLAN);
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_COMPLIANT);
	/*
	 * For full control too: the deny entry takes away only rights not yet
	 * allowed, and read was; the rest is missing, and a grant appended after
	 * it gives it.
	 */
	fx_fini(&tt.f);
	json_decref(tt.snap);
	tt.snap = pki_snapshot();
	key_case("[" ALLOW_NS ", " DENY_NS "]", "{account: NetworkService, rights: full}");
	tt_run(&tt.f, ENF_RUN_APPLY);
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_CHANGED);
	tt_run(&tt.f, ENF_RUN_APPLY);
	tt_expect_outcome(&tt.f, "edge", ENF_OUTCOME_COMPLIANT);
}
