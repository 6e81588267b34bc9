/*
 * Registry values whose stored bytes are not the form RegSetValueExW
 * documents (a REG_SZ with an embedded NUL, a REG_MULTI_SZ with an empty
 * string in the middle, text without its terminator), read, compared,
 * journaled and rolled back byte for byte; and the keys a run creates,
 * removed again by its rollback when they are left empty.
 */
#include "engine_fixture.h"
#include "helpers.h"

#include "util/json_util.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static fixture f;

static void registry_fini(void)
{
	fx_fini(&f);
	th_cleanup();
}

TestSuite(registry, .fini = registry_fini);

static void expect_actions(const char *id, const char *want)
{
	char *got = fx_actions(fx_result(&f, id));
	cr_expect_str_eq(got, want, "%s: got '%s'", id, got);
	free(got);
}

/* A value from its stored bytes given as hex. */
static enf_reg_value decoded(uint32_t type, const char *hex)
{
	unsigned char *bytes = NULL;
	size_t size = 0;
	enf_reg_value v = {0};
	cr_assert_eq(enf_unhex(&bytes, &size, hex), 0);
	cr_assert_eq(enf_reg_value_decode(&v, type, bytes, size), 0, "%s", hex);
	free(bytes);
	return v;
}

static char *to_json_text(const enf_reg_value *v)
{
	json_t *j = enf_reg_value_to_json(v);
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	return s;
}

/* "a", NUL, "b", NUL: a documented reader sees "a". */
#define SZ_EMBEDDED "6100000062000000"
/* "a", NUL, the empty string, "b", NUL, NUL: the list ends at the empty string. */
#define MULTI_EMPTY "610000000000620000000000"

Test(registry, bytes_not_in_the_documented_form_are_kept_and_compared_as_stored)
{
	enf_reg_value v = decoded(ENF_REG_SZ, SZ_EMBEDDED);
	cr_expect_str_eq(v.text, "a");
	cr_expect_eq(v.size, 8);
	char *s = to_json_text(&v);
	cr_expect_str_eq(s, "{\"hex\":\"" SZ_EMBEDDED "\",\"type\":1}");
	free(s);
	s = enf_reg_value_describe(&v);
	cr_expect_str_eq(s, "SZ \"a\" (stored as 8 bytes: " SZ_EMBEDDED ")");
	free(s);
	enf_reg_value a = {.type = ENF_REG_SZ, .text = "a"};
	cr_expect_not(enf_reg_value_equal(&v, &a), "text after an embedded NUL is ignored");
	cr_expect_not(enf_reg_value_equal(&a, &v));
	enf_reg_value copy = {0};
	cr_assert_eq(enf_reg_value_copy(&copy, &v), 0);
	cr_expect(enf_reg_value_equal(&copy, &v));
	enf_buf b = ENF_BUF_INIT;
	cr_assert_eq(enf_reg_value_encode(&b, &copy), 0);
	cr_expect_eq(b.len, 8);
	cr_expect_eq(memcmp(b.ptr, "a\0\0\0b\0\0\0", 8), 0, "the bytes written back differ");
	enf_buf_clear(&b);
	enf_reg_value_clear(&copy);
	enf_reg_value_clear(&v);

	v = decoded(ENF_REG_MULTI_SZ, MULTI_EMPTY);
	cr_expect_eq(v.count, 1);
	cr_expect_str_eq(v.list[0], "a");
	cr_expect_eq(v.size, 12);
	char *only_a[] = {"a"}, *a_b[] = {"a", "b"};
	enf_reg_value list = {.type = ENF_REG_MULTI_SZ, .list = only_a, .count = 1};
	cr_expect_not(enf_reg_value_equal(&v, &list));
	list = (enf_reg_value){.type = ENF_REG_MULTI_SZ, .list = a_b, .count = 2};
	cr_expect_not(enf_reg_value_equal(&v, &list));
	enf_reg_value_clear(&v);

	/* Only the terminators missing: the same data (a documented reader adds them). */
	v = decoded(ENF_REG_SZ, "61006200");
	cr_expect_str_eq(v.text, "ab");
	cr_expect_eq(v.size, 4, "the bytes are kept for a rollback");
	enf_reg_value ab = {.type = ENF_REG_SZ, .text = "ab"};
	cr_expect(enf_reg_value_equal(&v, &ab));
	enf_reg_value_clear(&v);
	v = decoded(ENF_REG_DWORD, "05");
	enf_reg_value five = {.type = ENF_REG_DWORD, .number = 5};
	cr_expect(v.number == 5 && v.size == 1 && enf_reg_value_equal(&v, &five));
	enf_reg_value_clear(&v);

	/* The documented form is read as before: no bytes, and written as kind and data. */
	v = decoded(ENF_REG_MULTI_SZ, "6100000062000000 0000");
	cr_expect(v.count == 2 && !v.bytes);
	s = to_json_text(&v);
	cr_expect_str_eq(s, "{\"data\":[\"a\",\"b\"],\"kind\":\"multi-sz\"}");
	free(s);
	enf_reg_value_clear(&v);
	unsigned char lone[] = {0x00, 0xd8, 0x00, 0x00};
	cr_expect_eq(enf_reg_value_decode(&v, ENF_REG_SZ, lone, sizeof(lone)), ENF_EINVALID);
}

Test(registry, the_json_forms_read_as_windows_reads_the_bytes)
{
	json_t *j = json_loads("{\"type\": 1, \"hex\": \"61000000\"}", 0, NULL);
	enf_reg_value v = {0};
	cr_assert_eq(enf_reg_value_from_json(&v, j), 0);
	cr_expect(v.type == ENF_REG_SZ && !v.bytes && strcmp(v.text, "a") == 0);
	enf_reg_value_clear(&v);
	json_decref(j);
	/* A list with an empty string is the bytes Windows would store for it. */
	j = json_loads("{\"kind\": \"multi-sz\", \"data\": [\"a\", \"\", \"b\"]}", 0, NULL);
	cr_assert_eq(enf_reg_value_from_json(&v, j), 0);
	cr_expect_eq(v.count, 1);
	char *s = to_json_text(&v);
	cr_expect_str_eq(s, "{\"hex\":\"" MULTI_EMPTY "\",\"type\":7}");
	free(s);
	enf_reg_value_clear(&v);
	json_decref(j);
	/* Text that is not UTF-16 cannot be read as text. */
	j = json_loads("{\"type\": 1, \"hex\": \"00d80000\"}", 0, NULL);
	cr_expect_eq(enf_reg_value_from_json(&v, j), ENF_EINVALID);
	json_decref(j);
}

#define CONTOSO "HKLM\\\\Software\\\\Contoso"

/* The value's JSON in the snapshot, as compact text with sorted keys. */
static char *snapshot_value(const char *key, const char *name)
{
	json_t *s = fx_state(&f);
	json_t *v = json_object_get(json_object_get(json_object_get(s, "registry"), key), name);
	char *text = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(s);
	return text;
}

Test(registry, rollback_writes_back_the_stored_bytes_exactly)
{
	fx_init(
	    &f,
	    "{\"schema\": \"enforcer-snapshot/1\", \"registry\": {\"" CONTOSO "\": {\n"
	    " \"List\": {\"type\": 7, \"hex\": \"" MULTI_EMPTY "\"},\n"
	    " \"Text\": {\"type\": 1, \"hex\": \"" SZ_EMBEDDED "\"},\n"
	    " \"Short\": {\"type\": 1, \"hex\": \"61006200\"}}}}\n",
	    "enforcer: 1\nname: reg\nresources:\n"
	    "  - {type: registry, id: list, key: 'HKLM\\Software\\Contoso', value: List, kind: multi-sz, data: [a]}\n"
	    "  - {type: registry, id: text, key: 'HKLM\\Software\\Contoso', value: Text, kind: sz, data: a}\n"
	    "  - {type: registry, id: short, key: 'HKLM\\Software\\Contoso', value: Short, kind: sz, data: ab}\n");
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	expect_actions("list", "set List MULTI_SZ [\"a\"] (stored as 12 bytes: " MULTI_EMPTY
	                       ") -> MULTI_SZ [\"a\"]");
	expect_actions("text",
	               "set Text SZ \"a\" (stored as 8 bytes: " SZ_EMBEDDED ") -> SZ \"a\"");
	expect_actions("short", "");
	cr_expect_eq(run->counts[ENF_OUTCOME_CHANGED], 2);
	cr_expect_eq(run->counts[ENF_OUTCOME_COMPLIANT], 1,
	             "text without its NULs is the same text");
	char *id = enf_strdup(run->run_id);
	char *v = snapshot_value("HKLM\\Software\\Contoso", "Text");
	cr_expect_str_eq(v, "{\"data\":\"a\",\"kind\":\"sz\"}");
	free(v);

	/* The journal holds the old bytes. */
	char *path = enf_asprintf("%s/journal/%s.jsonl", f.state, id);
	char *journal = th_read(path, NULL);
	cr_expect(strstr(journal, "\"old\":{\"type\":1,\"hex\":\"" SZ_EMBEDDED "\"}") != NULL, "%s",
	          journal);
	cr_expect(strstr(journal, "\"old\":{\"type\":7,\"hex\":\"" MULTI_EMPTY "\"}") != NULL, "%s",
	          journal);
	free(journal);
	free(path);

	run = fx_rollback(&f, id);
	cr_expect_eq(enf_run_exit_code(run), 2);
	v = snapshot_value("HKLM\\Software\\Contoso", "Text");
	cr_expect_str_eq(v, "{\"hex\":\"" SZ_EMBEDDED "\",\"type\":1}");
	free(v);
	v = snapshot_value("HKLM\\Software\\Contoso", "List");
	cr_expect_str_eq(v, "{\"hex\":\"" MULTI_EMPTY "\",\"type\":7}");
	free(v);
	v = snapshot_value("HKLM\\Software\\Contoso", "Short");
	cr_expect_str_eq(v, "{\"hex\":\"61006200\",\"type\":1}", "a compliant value is untouched");
	free(v);
	cr_expect_eq(enf_run_exit_code(fx_rollback(&f, id)), 0,
	             "a second rollback changed something");
	free(id);
}

static const char created_policy[] =
    "enforcer: 1\nname: reg\nresources:\n"
    "  - {type: registry, id: a, key: 'HKLM\\Software\\Contoso\\New\\Deep', value: A, kind: dword, data: 1}\n"
    "  - {type: registry, id: b, key: 'HKLM\\Software\\Fresh\\One', value: B, kind: dword, data: 2}\n";

static const char contoso_snapshot[] =
    "{\"schema\": \"enforcer-snapshot/1\", \"registry\": {\"" CONTOSO
    "\": {\"Keep\": {\"kind\": \"dword\", \"data\": 1}}}}\n";

/* The names of the snapshot's registry keys, sorted, joined by spaces. */
static char *registry_keys(void)
{
	json_t *s = fx_state(&f);
	json_t *keys = json_object_get(s, "registry");
	const char *names[16];
	size_t n = 0;
	const char *name;
	json_t *v;
	json_object_foreach(keys, name, v)
	{
		if (n < 16)
			names[n++] = name;
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			const char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	enf_buf b = ENF_BUF_INIT;
	for (size_t i = 0; i < n; i++)
		enf_buf_printf(&b, "%s%s", i ? " " : "", names[i]);
	json_decref(s);
	return enf_buf_detach(&b);
}

/* Sets a value in the snapshot file behind the enforcer's back, as another tool would. */
static void other_tool_sets(const char *key, const char *name)
{
	json_t *s = fx_state(&f);
	json_t *reg = json_object_get(s, "registry");
	if (!json_object_get(reg, key))
		json_object_set_new(reg, key, json_object());
	json_object_set_new(json_object_get(reg, key), name,
	                    json_pack("{s:s, s:i}", "kind", "dword", "data", 7));
	cr_assert_eq(json_dump_file(s, f.snapshot, 0), 0);
	json_decref(s);
}

Test(registry, rollback_removes_the_keys_the_run_created_once_they_are_empty)
{
	fx_init(&f, contoso_snapshot, created_policy);
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(run->counts[ENF_OUTCOME_CHANGED], 2);
	char *id = enf_strdup(run->run_id);
	char *keys = registry_keys();
	cr_expect_str_eq(keys, "HKLM\\Software\\Contoso HKLM\\Software\\Contoso\\New\\Deep "
	                       "HKLM\\Software\\Fresh\\One");
	free(keys);
	char *path = enf_asprintf("%s/journal/%s.jsonl", f.state, id);
	char *journal = th_read(path, NULL);
	cr_expect(strstr(journal, "\"created_keys\":[\"HKLM\\\\Software\\\\Contoso\\\\New\","
	                          "\"HKLM\\\\Software\\\\Contoso\\\\New\\\\Deep\"]") != NULL,
	          "%s", journal);
	cr_expect(strstr(journal, "\"created_keys\":[\"HKLM\\\\Software\\\\Fresh\","
	                          "\"HKLM\\\\Software\\\\Fresh\\\\One\"]") != NULL,
	          "%s", journal);
	free(journal);
	free(path);

	/* Another tool writes a value into a key the run created: that key stays. */
	other_tool_sets("HKLM\\Software\\Fresh", "Other");
	run = fx_rollback(&f, id);
	cr_expect_eq(enf_run_exit_code(run), 2);
	expect_actions("a", "delete HKLM\\Software\\Contoso\\New\\Deep\\A (restoring: it did not "
	                    "exist); remove the keys the run created, now empty: "
	                    "HKLM\\Software\\Contoso\\New\\Deep, HKLM\\Software\\Contoso\\New");
	expect_actions("b",
	               "delete HKLM\\Software\\Fresh\\One\\B (restoring: it did not exist); "
	               "remove the keys the run created, now empty: HKLM\\Software\\Fresh\\One; "
	               "keep key HKLM\\Software\\Fresh, which the run created: it holds 1 "
	               "other value and 0 subkeys");
	keys = registry_keys();
	cr_expect_str_eq(keys, "HKLM\\Software\\Contoso HKLM\\Software\\Fresh");
	free(keys);
	char *v = snapshot_value("HKLM\\Software\\Contoso", "Keep");
	cr_expect_str_eq(v, "{\"data\":1,\"kind\":\"dword\"}");
	free(v);
	char *rid = enf_strdup(f.run->run_id);
	cr_expect_eq(enf_run_exit_code(fx_rollback(&f, id)), 0,
	             "a second rollback changed something");

	/* Undoing the rollback creates the keys again, and journals that it does. */
	run = fx_rollback(&f, rid);
	cr_expect_eq(enf_run_exit_code(run), 2);
	keys = registry_keys();
	cr_expect_str_eq(keys, "HKLM\\Software\\Contoso HKLM\\Software\\Contoso\\New\\Deep "
	                       "HKLM\\Software\\Fresh HKLM\\Software\\Fresh\\One");
	free(keys);
	run = fx_rollback(&f, f.run->run_id);
	keys = registry_keys();
	cr_expect_str_eq(keys, "HKLM\\Software\\Contoso HKLM\\Software\\Fresh");
	free(keys);
	free(rid);
	free(id);
}

Test(registry, a_key_with_a_subkey_is_kept_and_old_journals_remove_no_keys)
{
	fx_init(&f, contoso_snapshot, created_policy);
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	char *id = enf_strdup(run->run_id);
	other_tool_sets("HKLM\\Software\\Contoso\\New\\Sibling", "S");
	/* A journal of an earlier version: no "created_keys" on run b's change. */
	char *path = enf_asprintf("%s/journal/%s.jsonl", f.state, id);
	char *journal = th_read(path, NULL);
	const char *drop = ",\"created_keys\":[\"HKLM\\\\Software\\\\Fresh\","
	                   "\"HKLM\\\\Software\\\\Fresh\\\\One\"]";
	char *at = strstr(journal, drop);
	cr_assert(at != NULL, "%s", journal);
	memmove(at, at + strlen(drop), strlen(at + strlen(drop)) + 1);
	free(th_write(f.state, "journal.tmp", journal));
	char *tmp = enf_asprintf("%s/journal.tmp", f.state);
	cr_assert_eq(rename(tmp, path), 0);
	free(tmp);
	free(journal);
	free(path);

	run = fx_rollback(&f, id);
	cr_expect_eq(enf_run_exit_code(run), 2);
	expect_actions("a",
	               "delete HKLM\\Software\\Contoso\\New\\Deep\\A (restoring: it did not "
	               "exist); remove the keys the run created, now empty: "
	               "HKLM\\Software\\Contoso\\New\\Deep; keep key HKLM\\Software\\Contoso\\New, "
	               "which the run created: it holds 0 other values and 1 subkey");
	expect_actions("b", "delete HKLM\\Software\\Fresh\\One\\B (restoring: it did not exist)");
	char *keys = registry_keys();
	cr_expect_str_eq(keys, "HKLM\\Software\\Contoso HKLM\\Software\\Contoso\\New\\Sibling "
	                       "HKLM\\Software\\Fresh\\One");
	free(keys);
	free(id);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

Test(registry, export_leaves_out_values_whose_bytes_hold_more_than_their_text)
{
	fx_init(&f,
	        "{\"schema\": \"enforcer-snapshot/1\", \"registry\": {\"" CONTOSO "\": {\n"
	        " \"Text\": {\"type\": 1, \"hex\": \"" SZ_EMBEDDED "\"},\n"
	        " \"Short\": {\"type\": 1, \"hex\": \"61006200\"}}}}\n",
	        "enforcer: 1\nname: unused\nresources: []\n");
	char *target = enf_asprintf("snapshot:%s", f.snapshot);
	th_cli_result r = th_run_cli(f.dir,
	                             ARGS("export", "--target", target, "--key",
	                                  "HKLM\\Software\\Contoso", "--name", "bytes"),
	                             NULL);
	cr_assert_eq(r.code, 0, "export failed: %s", r.err);
	cr_expect(strstr(r.out, "  # value \"Text\" is stored as 8 bytes that its sz reading does "
	                        "not show (an embedded NUL, an empty string inside a list, extra "
	                        "bytes): not exported\n") != NULL,
	          "%s", r.out);
	cr_expect(strstr(r.out, "value: \"Short\"\n    kind: sz\n    data: \"ab\"\n") != NULL, "%s",
	          r.out);
	char *policy = th_write(f.dir, "exported.yaml", r.out);
	th_cli_result p = th_run_cli(f.dir, ARGS("plan", "--target", target, policy), NULL);
	cr_expect_eq(p.code, 0, "the export does not plan compliant:\n%s%s", p.out, p.err);
	th_cli_free(&p);
	th_cli_free(&r);
	free(policy);
	free(target);
}
