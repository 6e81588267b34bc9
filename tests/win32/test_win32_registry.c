/*
 * Registry values whose bytes are not the form RegSetValueExW documents,
 * and the keys a run creates, against the registry Wine keeps: a value
 * written by the test (an empty string inside a REG_MULTI_SZ, a NUL inside
 * a REG_SZ...) is read, journaled (through the journal's JSON), replaced by
 * a policy's value and written back, and the bytes RegQueryValueExW then
 * returns are the very bytes that were there. Keys are counted and removed
 * only when empty.
 */
#include "tw.h"

#include "enforcer/engine.h"
#include "enforcer/errors.h"
#include "enforcer/policy.h"
#include "util/json_util.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

#define BYTES_KEY  "HKLM\\Software\\EnforcerTest\\Bytes"
#define BYTES_WKEY L"Software\\EnforcerTest\\Bytes"

static void raw_put_in(const wchar_t *sub, const wchar_t *name, DWORD type, const void *data,
                       DWORD size)
{
	HKEY k;
	CHECK(RegCreateKeyExW(HKEY_LOCAL_MACHINE, sub, 0, NULL, 0, KEY_SET_VALUE | KEY_WOW64_64KEY,
	                      NULL, &k, NULL) == 0,
	      "cannot create the test key");
	CHECK(RegSetValueExW(k, name, 0, type, data, size) == 0, "cannot write the raw value");
	RegCloseKey(k);
}

static void raw_put(const wchar_t *name, DWORD type, const void *data, DWORD size)
{
	raw_put_in(BYTES_WKEY, name, type, data, size);
}

/*
 * What an apply and its rollback do with one value: read it, journal it
 * (its JSON, read back as a rollback reads the journal), set the policy's
 * value, then write the old one back.
 */
static void round_trip(const char *name, const wchar_t *wname, DWORD type, const void *bytes,
                       DWORD size, const enf_reg_value *policy)
{
	raw_put(wname, type, bytes, size);
	enf_reg_value old = {0}, back = {0}, now = {0};
	CHECK_RC(tw_p->reg_get(&old, tw_self, BYTES_KEY, name), 0);
	CHECK(old.bytes && old.size == size, "%s: the stored bytes were not kept (%zu of %lu)",
	      name, old.size, (unsigned long)size);
	CHECK(!enf_reg_value_equal(&old, policy), "%s reads as the policy's value", name);
	json_t *j = enf_reg_value_to_json(&old);
	CHECK(j && json_object_get(j, "hex"), "%s is not journaled as its bytes", name);
	CHECK_RC(enf_reg_value_from_json(&back, j), 0);
	json_decref(j);

	CHECK_RC(tw_p->reg_set(tw_self, BYTES_KEY, name, policy), 0);
	CHECK_RC(tw_p->reg_get(&now, tw_self, BYTES_KEY, name), 0);
	CHECK(enf_reg_value_equal(&now, policy) && !now.bytes,
	      "%s: the policy's value does not read back in the documented form", name);

	CHECK_RC(tw_p->reg_set(tw_self, BYTES_KEY, name, &back), 0);
	BYTE data[256];
	DWORD t = 0, n = sizeof(data);
	CHECK(tw_raw_value(BYTES_WKEY, wname, &t, data, &n) == 0 && t == type && n == size &&
	          memcmp(data, bytes, size) == 0,
	      "%s: the rollback wrote %lu bytes of type %lu, not the %lu bytes of type %lu", name,
	      (unsigned long)n, (unsigned long)t, (unsigned long)size, (unsigned long)type);
	enf_reg_value_clear(&old);
	enf_reg_value_clear(&back);
	enf_reg_value_clear(&now);
}

static void values(void)
{
	char *only_a[] = {"a"}, *only_x[] = {"x"};
	enf_reg_value list_a = {.type = REG_MULTI_SZ, .list = only_a, .count = 1};
	enf_reg_value list_x = {.type = REG_MULTI_SZ, .list = only_x, .count = 1};
	enf_reg_value text_a = {.type = REG_SZ, .text = "a"};
	enf_reg_value text_x = {.type = REG_SZ, .text = "x"};
	enf_reg_value num = {.type = REG_DWORD, .number = 7};
	/* "a", the empty string, "b": documented readers stop at the empty string. */
	static const wchar_t multi_empty[] = {L'a', 0, 0, L'b', 0, 0};
	round_trip("MultiEmpty", L"MultiEmpty", REG_MULTI_SZ, multi_empty, sizeof(multi_empty),
	           &list_a);
	/* "a", NUL, "b", NUL in a REG_SZ. */
	static const wchar_t embedded[] = {L'a', 0, L'b', 0};
	round_trip("Embedded", L"Embedded", REG_SZ, embedded, sizeof(embedded), &text_a);
	/* Text without its NUL, an empty list of one NUL (the Registry Value Types page's form). */
	/*
	 * RegSetValueExW adds the NUL itself when the character after the data
	 * is one: the 'x' after the two characters written keeps it out.
	 */
	static const wchar_t no_nul[] = {L'a', L'b', L'x'};
	round_trip("NoNul", L"NoNul", REG_EXPAND_SZ, no_nul, 2 * sizeof(wchar_t), &text_x);
	static const wchar_t one_nul[] = {0};
	round_trip("OneNul", L"OneNul", REG_MULTI_SZ, one_nul, sizeof(one_nul), &list_x);
	/* An odd byte after the text, and a DWORD of 3 bytes. */
	static const BYTE odd[] = {'a', 0, 0, 0, 0x7f};
	round_trip("Odd", L"Odd", REG_SZ, odd, sizeof(odd), &text_a);
	static const BYTE short_dword[] = {1, 2, 3};
	round_trip("Short", L"Short", REG_DWORD, short_dword, sizeof(short_dword), &num);
}

static void keys(void)
{
	size_t nvalues = 9, nsubkeys = 9;
	CHECK_RC(tw_p->reg_key_info(&nvalues, &nsubkeys, tw_self, BYTES_KEY "\\New"),
	         ENF_ENOTFOUND);
	enf_reg_value v = {.type = REG_DWORD, .number = 1};
	CHECK_RC(tw_p->reg_set(tw_self, BYTES_KEY "\\New\\Deep", "A", &v), 0);
	CHECK_RC(tw_p->reg_key_info(&nvalues, &nsubkeys, tw_self, BYTES_KEY "\\New"), 0);
	CHECK(nvalues == 0 && nsubkeys == 1, "New has %zu values and %zu subkeys", nvalues,
	      nsubkeys);
	/* A key with a value, or with a subkey, is left as it is. */
	CHECK_RC(tw_p->reg_key_remove(tw_self, BYTES_KEY "\\New\\Deep"), ENF_EEXISTS);
	CHECK(tw_error_has("is not empty (values: 1, subkeys: 0)"), "the message says why");
	CHECK_RC(tw_p->reg_key_remove(tw_self, BYTES_KEY "\\New"), ENF_EEXISTS);
	enf_reg_value back = {0};
	CHECK_RC(tw_p->reg_get(&back, tw_self, BYTES_KEY "\\New\\Deep", "A"), 0);
	enf_reg_value_clear(&back);
	CHECK_RC(tw_p->reg_delete(tw_self, BYTES_KEY "\\New\\Deep", "A"), 0);
	/* A read keeps the key open between reads: it is still removed. */
	CHECK_RC(tw_p->reg_get(&back, tw_self, BYTES_KEY "\\New\\Deep", "A"), ENF_ENOTFOUND);
	CHECK_RC(tw_p->reg_key_remove(tw_self, BYTES_KEY "\\New\\Deep"), 0);
	CHECK_RC(tw_p->reg_key_remove(tw_self, BYTES_KEY "\\New"), 0);
	HKEY k;
	CHECK(RegOpenKeyExW(HKEY_LOCAL_MACHINE, BYTES_WKEY L"\\New", 0,
	                    KEY_QUERY_VALUE | KEY_WOW64_64KEY, &k) == ERROR_FILE_NOT_FOUND,
	      "the removed key is still there");
	CHECK_RC(tw_p->reg_key_remove(tw_self, BYTES_KEY "\\New"), ENF_ENOTFOUND);
	CHECK_RC(tw_p->reg_key_info(&nvalues, &nsubkeys, tw_self, BYTES_KEY), 0);
	CHECK(nsubkeys == 0 && nvalues == 6, "Bytes has %zu values and %zu subkeys", nvalues,
	      nsubkeys);
}

/* Removes a state folder the engine test made: its files, then its folders. */
static void remove_tree(const char *dir)
{
	char pattern[MAX_PATH];
	snprintf(pattern, sizeof(pattern), "%s\\*", dir);
	WIN32_FIND_DATAA fd;
	HANDLE h = FindFirstFileA(pattern, &fd);
	while (h != INVALID_HANDLE_VALUE) {
		char path[MAX_PATH];
		snprintf(path, sizeof(path), "%s\\%s", dir, fd.cFileName);
		if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
			if (strcmp(fd.cFileName, ".") != 0 && strcmp(fd.cFileName, "..") != 0)
				remove_tree(path);
		} else {
			DeleteFileA(path);
		}
		if (!FindNextFileA(h, &fd)) {
			FindClose(h);
			h = INVALID_HANDLE_VALUE;
		}
	}
	RemoveDirectoryA(dir);
}

/* One run of `yaml` (or a rollback of `undo`) through the engine, on this machine. */
static enf_run *engine_run(const char *state, const char *yaml, const char *undo)
{
	enf_target *target = NULL;
	enf_policy *policy = NULL;
	enf_run *run = NULL;
	enf_diag_list diags;
	enf_run_options opts = ENF_RUN_OPTIONS_INIT;
	opts.state_dir = state;
	CHECK_RC(enf_target_open(&target, "local"), 0);
	if (undo) {
		opts.mode = ENF_RUN_ROLLBACK;
		CHECK_RC(enf_run_rollback(&run, undo, target, &opts), 0);
	} else if (enf_diag_list_init(&diags, "bytes.yaml") == 0) {
		opts.mode = ENF_RUN_APPLY;
		int rc = enf_policy_load_buffer(&policy, &diags, "bytes.yaml", yaml, strlen(yaml));
		CHECK(rc == 0, "the test policy is invalid: %s",
		      diags.count ? diags.items[0].message : "?");
		if (policy)
			CHECK_RC(enf_run_policy(&run, policy, target, &opts), 0);
		enf_policy_free(policy);
		enf_diag_list_clear(&diags);
	}
	enf_target_close(target);
	return run;
}

/*
 * The brief's case end to end: values set by the test, a policy applied
 * through the engine that changes them and creates keys, the run rolled
 * back, and the bytes read with RegQueryValueExW.
 */
static void apply_and_rollback(void)
{
	static const wchar_t multi_empty[] = {L'a', 0, 0, L'b', 0, 0};
	static const wchar_t embedded[] = {L'a', 0, L'b', 0};
	raw_put_in(BYTES_WKEY L"\\Run", L"List", REG_MULTI_SZ, multi_empty, sizeof(multi_empty));
	raw_put_in(BYTES_WKEY L"\\Run", L"Text", REG_SZ, embedded, sizeof(embedded));
	static const char yaml[] = "enforcer: 1\nname: bytes\nresources:\n"
	                           "  - {type: registry, id: list, key: '" BYTES_KEY
	                           "\\Run', value: List, kind: multi-sz, data: [a]}\n"
	                           "  - {type: registry, id: text, key: '" BYTES_KEY
	                           "\\Run', value: Text, kind: sz, data: a}\n"
	                           "  - {type: registry, id: made, key: '" BYTES_KEY
	                           "\\Run\\Made\\Deeper', value: Made, kind: dword, data: 1}\n";
	char state[MAX_PATH];
	DWORD n = GetTempPathA(sizeof(state) - 32, state);
	snprintf(state + n, sizeof(state) - n, "enftest-bytes-%lu",
	         (unsigned long)GetCurrentProcessId());
	enf_run *run = engine_run(state, yaml, NULL);
	CHECK(run && enf_run_exit_code(run) == 2 && run->counts[ENF_OUTCOME_CHANGED] == 3,
	      "the apply did not change the three values (exit %d)",
	      run ? enf_run_exit_code(run) : -1);
	BYTE data[64];
	DWORD type = 0, size = sizeof(data);
	CHECK(tw_raw_value(BYTES_WKEY L"\\Run", L"List", &type, data, &size) == 0 && size == 6,
	      "the apply did not write [a] as 6 bytes (%lu)", (unsigned long)size);
	char *id = run ? enf_strdup(run->run_id) : NULL;
	enf_run_free(run);
	run = id ? engine_run(state, NULL, id) : NULL;
	CHECK(run && enf_run_exit_code(run) == 2, "the rollback changed nothing (exit %d)",
	      run ? enf_run_exit_code(run) : -1);
	enf_run_free(run);
	size = sizeof(data);
	CHECK(tw_raw_value(BYTES_WKEY L"\\Run", L"List", &type, data, &size) == 0 &&
	          type == REG_MULTI_SZ && size == sizeof(multi_empty) &&
	          memcmp(data, multi_empty, size) == 0,
	      "List is back as %lu bytes, not its %lu", (unsigned long)size,
	      (unsigned long)sizeof(multi_empty));
	size = sizeof(data);
	CHECK(tw_raw_value(BYTES_WKEY L"\\Run", L"Text", &type, data, &size) == 0 &&
	          type == REG_SZ && size == sizeof(embedded) && memcmp(data, embedded, size) == 0,
	      "Text is back as %lu bytes, not its %lu", (unsigned long)size,
	      (unsigned long)sizeof(embedded));
	HKEY k;
	CHECK(RegOpenKeyExW(HKEY_LOCAL_MACHINE, BYTES_WKEY L"\\Run\\Made", 0,
	                    KEY_QUERY_VALUE | KEY_WOW64_64KEY, &k) == ERROR_FILE_NOT_FOUND,
	      "the keys the run created are still there");
	run = id ? engine_run(state, NULL, id) : NULL;
	CHECK(run && enf_run_exit_code(run) == 0, "a second rollback changed something");
	enf_run_free(run);
	free(id);
	remove_tree(state);
}

void tw_registry_bytes(void)
{
	RegDeleteTreeW(HKEY_LOCAL_MACHINE, BYTES_WKEY);
	values();
	keys();
	apply_and_rollback();
	CHECK(RegDeleteTreeW(HKEY_LOCAL_MACHINE, BYTES_WKEY) == ERROR_SUCCESS, "cannot clean up %s",
	      BYTES_KEY);
}
