/*
 * The resource-type table: every row of ENF_RESOURCE_TYPES has a complete
 * loader and engine side, every change kind round-trips through its journal
 * encoding, and the API's version and capability checks refuse what they
 * must, changing nothing.
 */
#include "engine/engine_int.h"
#include "engine_fixture.h"
#include "helpers.h"
#include "policy/restype.h"
#include "provider/providers.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

Test(types, every_row_has_a_loader_and_an_engine_side)
{
	for (int t = 0; t < ENF_RES__COUNT; t++) {
		const enf_restype *lt = enf_restype_of((enf_resource_type)t);
		const engine_type *et = enf_engine_type_of((enf_resource_type)t);
		cr_assert_not_null(lt, "type %d has no loader row", t);
		cr_assert_not_null(et, "type %d has no engine row", t);
		cr_expect_not_null(lt->load, "%s: no load", lt->name);
		cr_expect_not_null(lt->clear, "%s: no clear", lt->name);
		cr_expect_not_null(lt->to_json, "%s: no to_json", lt->name);
		cr_expect_str_eq(lt->required[0], "type", "%s", lt->name);
		cr_expect_str_eq(lt->required[1], "id", "%s", lt->name);
		cr_expect_eq(enf_restype_find(lt->name), t, "%s", lt->name);
		cr_expect_str_eq(enf_resource_type_name((enf_resource_type)t), lt->name);
		/* A handler runs; every other type plans. */
		if (lt->flags & ENF_RESTYPE_HANDLER)
			cr_expect(et->handle && !et->plan,
			          "%s: a handler handles and plans nothing", lt->name);
		else
			cr_expect(et->plan && !et->handle, "%s: plans", lt->name);
		cr_expect_neq(et->caps, 0u, "%s: names the capabilities it needs", lt->name);
	}
	cr_expect_eq(enf_restype_find("no-such-type"), ENF_RES__COUNT);
	cr_expect_null(enf_restype_of(ENF_RES__COUNT));
	cr_expect_str_eq(enf_resource_type_name(ENF_RES__COUNT), "?");
}

Test(types, change_kinds_have_unique_ops_and_every_operation)
{
	const char *seen[64];
	size_t n = 0;
	for (int t = 0; t < ENF_RES__COUNT; t++) {
		for (const change_ops *const *k = enf_engine_type_of((enf_resource_type)t)->changes;
		     k && *k; k++) {
			const change_ops *ops = *k;
			cr_expect(ops->apply && ops->inverse && ops->encode && ops->decode, "%s",
			          ops->op);
			cr_expect_eq(enf_change_ops_find(ops->op), ops, "%s is found by its op",
			             ops->op);
			int dup = 0;
			for (size_t i = 0; i < n; i++)
				dup |= strcmp(seen[i], ops->op) == 0 &&
				       enf_change_ops_find(seen[i]) != ops;
			cr_expect_not(dup, "two kinds are called %s", ops->op);
			if (n < 64)
				seen[n++] = ops->op;
		}
	}
	/* All ten kinds of docs/journal.md. */
	static const char *const ops[] = {
	    "registry-set", "registry-delete", "service-config",     "service-start",
	    "service-stop", "certificate-add", "certificate-remove", "certificate-move",
	    "key-grant",    "key-restore"};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(ops); i++)
		cr_expect_not_null(enf_change_ops_find(ops[i]), "%s", ops[i]);
	cr_expect_null(enf_change_ops_find("registry-frobnicate"));
}

/* Encodes `c`, decodes the record and encodes it again: the two records are equal. */
static void expect_round_trip(change *c)
{
	json_t *a = enf_change_to_json(c);
	cr_assert_not_null(a, "%s encodes", c->ops->op);
	change back = {0};
	cr_assert_eq(enf_change_from_json(&back, a), 0, "%s decodes", c->ops->op);
	cr_expect_eq(back.ops, c->ops);
	json_t *b = enf_change_to_json(&back);
	cr_expect(json_equal(a, b), "%s: %s != %s", c->ops->op, json_dumps(a, JSON_SORT_KEYS),
	          json_dumps(b, JSON_SORT_KEYS));
	json_decref(a);
	json_decref(b);
	enf_change_clear(&back);
	enf_change_clear(c);
}

Test(types, every_change_kind_round_trips_through_the_journal)
{
	change c = {.ops = &enf_change_reg_set,
	            .text = enf_strdup("set"),
	            .key = enf_strdup("HKLM\\A"),
	            .name = enf_strdup("")};
	c.had_old = 1;
	c.old_value.type = ENF_REG_MULTI_SZ;
	c.old_value.list = calloc(2, sizeof(char *));
	c.old_value.list[0] = enf_strdup("a");
	c.old_value.list[1] = enf_strdup("b");
	c.old_value.count = 2;
	c.new_value.type = ENF_REG_QWORD;
	c.new_value.number = UINT64_MAX;
	expect_round_trip(&c);

	c = (change){.ops = &enf_change_reg_delete,
	             .text = enf_strdup("delete"),
	             .key = enf_strdup("HKLM\\A"),
	             .name = enf_strdup("V")};
	expect_round_trip(&c);

	c = (change){.ops = &enf_change_svc_config,
	             .text = enf_strdup("config"),
	             .service = enf_strdup("RTCSRV"),
	             .old_logon = enf_strdup(".\\svc"),
	             .new_logon = enf_strdup("NetworkService"),
	             .set_password = 1,
	             .old_startup = ENF_STARTUP_MANUAL,
	             .new_startup = ENF_STARTUP_AUTOMATIC};
	expect_round_trip(&c);

	unsigned char der[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	c = (change){.ops = &enf_change_cert_move,
	             .text = enf_strdup("move"),
	             .store = ENF_STORE_ROOT,
	             .dest = ENF_STORE_CA,
	             .dest_had = 1};
	c.der = malloc(sizeof(der));
	memcpy(c.der, der, sizeof(der));
	c.der_len = sizeof(der);
	enf_sha1(c.thumbprint, der, sizeof(der));
	expect_round_trip(&c);

	c = (change){.ops = &enf_change_key_grant,
	             .text = enf_strdup("grant"),
	             .store = ENF_STORE_MY,
	             .account = enf_strdup("NT AUTHORITY\\NETWORK SERVICE"),
	             .rights = ENF_RIGHTS_FULL,
	             .old_sddl = enf_strdup("D:(A;;GA;;;SY)")};
	expect_round_trip(&c);
}

Test(types, a_journal_record_with_an_unknown_op_is_refused)
{
	json_t *o = json_pack("{s:s, s:s}", "op", "registry-frobnicate", "text", "x");
	change c = {0};
	cr_expect_eq(enf_change_from_json(&c, o), ENF_EINVALID);
	json_decref(o);
	/* A registry record without its old value cannot be undone exactly. */
	o = json_pack("{s:s, s:s, s:s, s:s}", "op", "registry-set", "text", "x", "key", "HKLM\\A",
	              "name", "V");
	cr_expect_not_null(enf_change_reg_set.problem(o));
	json_decref(o);
}

Test(types, run_options_of_another_version_are_refused_before_anything_runs)
{
	fixture f;
	fx_init(&f, fx_seed_snapshot, fx_seed_policy);
	enf_policy *policy = NULL;
	enf_diag_list diags;
	enf_diag_list_init(&diags, "policy.yaml");
	cr_assert_eq(enf_policy_load_file(&policy, &diags, f.policy), 0);
	char *spec = enf_asprintf("snapshot:%s", f.snapshot);
	enf_target *target = NULL;
	cr_assert_eq(enf_target_open(&target, spec), 0);
	enf_run_options opts = ENF_RUN_OPTIONS_INIT;
	opts.version = ENF_RUN_OPTIONS_VERSION + 1;
	opts.mode = ENF_RUN_APPLY;
	opts.state_dir = f.state;
	enf_run *run = NULL;
	cr_expect_eq(enf_run_policy(&run, policy, target, &opts), ENF_EINVALID);
	cr_expect_null(run);
	cr_expect(strstr(enf_error_last()->message, "ENF_RUN_OPTIONS_INIT") != NULL);
	cr_expect_eq(enf_run_rollback(&run, "20261122T030512Z-4f3a9c", target, &opts),
	             ENF_EINVALID);
	enf_target_close(target);
	/* Nothing was written: no state folder, the snapshot as it was. */
	struct stat st;
	cr_expect_neq(stat(f.state, &st), 0, "no state folder was created");
	char *now = th_read(f.snapshot, NULL);
	cr_expect_str_eq(now, fx_seed_snapshot);
	free(now);
	free(spec);
	enf_policy_free(policy);
	enf_diag_list_clear(&diags);
	fx_fini(&f);
}

Test(types, a_target_without_a_capability_fails_those_resources_unread)
{
	fixture f;
	fx_init(&f, fx_seed_snapshot, fx_seed_policy);
	enf_policy *policy = NULL;
	enf_diag_list diags;
	enf_diag_list_init(&diags, "policy.yaml");
	cr_assert_eq(enf_policy_load_file(&policy, &diags, f.policy), 0);
	char *spec = enf_asprintf("snapshot:%s", f.snapshot);
	enf_target *target = NULL;
	cr_assert_eq(enf_target_open(&target, spec), 0);
	/* The snapshot provider as a target that has no registry. */
	enf_provider partial = enf_provider_snapshot;
	partial.caps &= ~ENF_CAP_REGISTRY;
	target->provider = &partial;
	enf_run_options opts = ENF_RUN_OPTIONS_INIT;
	enf_run *run = NULL;
	cr_assert_eq(enf_run_policy(&run, policy, target, &opts), 0);
	const enf_result *r = &run->results[0];
	cr_expect_str_eq(r->id, "schannel.session-ticket");
	cr_expect_eq(r->outcome, ENF_OUTCOME_FAILED);
	cr_expect_str_eq(r->message,
	                 "the snapshot target cannot read or change registry resources");
	cr_expect_eq(run->results[1].outcome, ENF_OUTCOME_DRIFT, "services are still planned");
	enf_run_free(run);
	target->provider = &enf_provider_snapshot;
	enf_target_close(target);
	free(spec);
	enf_policy_free(policy);
	enf_diag_list_clear(&diags);
	fx_fini(&f);
}
