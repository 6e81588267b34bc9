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

#include "enforcer/errors.h"
#include "util/json_util.h"
#include "util/util.h"

#include <string.h>

#define BYTES_KEY  "HKLM\\Software\\EnforcerTest\\Bytes"
#define BYTES_WKEY L"Software\\EnforcerTest\\Bytes"

static void raw_put(const wchar_t *name, DWORD type, const void *data, DWORD size)
{
	HKEY k;
	CHECK(RegCreateKeyExW(HKEY_LOCAL_MACHINE, BYTES_WKEY, 0, NULL, 0,
	                      KEY_SET_VALUE | KEY_WOW64_64KEY, NULL, &k, NULL) == 0,
	      "cannot create the test key");
	CHECK(RegSetValueExW(k, name, 0, type, data, size) == 0, "cannot write the raw value");
	RegCloseKey(k);
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
	static const wchar_t no_nul[] = {L'a', L'b'};
	round_trip("NoNul", L"NoNul", REG_EXPAND_SZ, no_nul, sizeof(no_nul), &text_x);
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

void tw_registry_bytes(void)
{
	RegDeleteTreeW(HKEY_LOCAL_MACHINE, BYTES_WKEY);
	values();
	keys();
	CHECK(RegDeleteTreeW(HKEY_LOCAL_MACHINE, BYTES_WKEY) == ERROR_SUCCESS, "cannot clean up %s",
	      BYTES_KEY);
}
