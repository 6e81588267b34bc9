/*
 * The win32 provider, tested against the machine it runs on (Wine in CI):
 * every provider operation, with the machine's state checked afterwards
 * through independent Win32 calls. Test-owned names only: services
 * ENFTEST*, keys under HKLM\Software\EnforcerTest, key containers ENFTEST-*,
 * the test's own certificates; everything is removed again.
 *
 * This file: the assertion helper, main, the registry, accounts and facts.
 * Services are in test_win32_services.c (their waits and process accounts
 * in test_win32_waits.c), certificates and keys in test_win32_certs.c.
 *
 * Prints one line per failure and a last line "N passed, N failed"; the exit
 * code is 1 when anything failed.
 */
#include "tw.h"

#include "enforcer/errors.h"
#include "provider/providers.h"
#include "util/util.h"
#include "util/win32_util.h"

#include <aclapi.h>
#include <sddl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const enf_provider *tw_p;
void *tw_self;
static int passed, failed;

void tw_check(int ok, const char *file, int line, const char *expr, const char *fmt, ...)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	const enf_error *e = enf_error_last();
	va_list ap;
	va_start(ap, fmt);
	printf("FAIL %s:%d: %s: ", file, line, expr);
	vprintf(fmt, ap);
	va_end(ap);
	printf("%s%s%s\n", e ? " (last error: " : "", e ? e->message : "", e ? ")" : "");
	fflush(stdout);
}

void tw_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("info: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

int tw_error_has(const char *text)
{
	const enf_error *e = enf_error_last();
	return e && e->message && strstr(e->message, text) != NULL;
}

const wchar_t *tw_exe_dir(void)
{
	static wchar_t dir[MAX_PATH];
	if (!dir[0]) {
		GetModuleFileNameW(NULL, dir, MAX_PATH);
		wchar_t *slash = wcsrchr(dir, L'\\');
		if (slash)
			slash[1] = L'\0';
	}
	return dir;
}

int tw_run_self(const wchar_t *args)
{
	wchar_t exe[MAX_PATH], cmd[4096];
	GetModuleFileNameW(NULL, exe, MAX_PATH);
	_snwprintf(cmd, 4096, L"\"%ls\" %ls", exe, args);
	cmd[4095] = L'\0';
	STARTUPINFOW si;
	PROCESS_INFORMATION pi;
	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	if (!CreateProcessW(exe, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
		return -1;
	WaitForSingleObject(pi.hProcess, 60000);
	DWORD code = (DWORD)-1;
	GetExitCodeProcess(pi.hProcess, &code);
	CloseHandle(pi.hProcess);
	CloseHandle(pi.hThread);
	return (int)code;
}

/* ---- registry ---------------------------------------------------------- */

#define TEST_KEY  "HKLM\\Software\\EnforcerTest"
#define TEST_WKEY L"Software\\EnforcerTest"

/* tw.h: the raw type and bytes of a value, read straight from the registry (64-bit view). */
int tw_raw_value(const wchar_t *sub, const wchar_t *name, DWORD *type, BYTE *data, DWORD *size)
{
	HKEY k;
	if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, sub, 0, KEY_QUERY_VALUE | KEY_WOW64_64KEY, &k))
		return -1;
	LONG rc = RegQueryValueExW(k, name, NULL, type, data, size);
	RegCloseKey(k);
	return rc == ERROR_SUCCESS ? 0 : (int)rc;
}

static void raw_set(const wchar_t *sub, const wchar_t *name, DWORD type, const void *data,
                    DWORD size)
{
	HKEY k;
	CHECK(RegCreateKeyExW(HKEY_LOCAL_MACHINE, sub, 0, NULL, 0, KEY_SET_VALUE | KEY_WOW64_64KEY,
	                      NULL, &k, NULL) == 0,
	      "cannot create the test key");
	CHECK(RegSetValueExW(k, name, 0, type, data, size) == 0, "cannot write the raw value");
	RegCloseKey(k);
}

/* Sets a value through the provider, then compares the raw bytes Windows stored. */
static void set_and_check(const char *name, const wchar_t *wname, const enf_reg_value *v,
                          DWORD want_type, const void *want, DWORD want_size)
{
	CHECK_RC(tw_p->reg_set(tw_self, TEST_KEY "\\Kinds", name, v), 0);
	BYTE data[512];
	DWORD type = 0, size = sizeof(data);
	CHECK(tw_raw_value(TEST_WKEY L"\\Kinds", wname, &type, data, &size) == 0,
	      "value %s is not there", name);
	CHECK(type == want_type, "value %s has type %lu, want %lu", name, (unsigned long)type,
	      (unsigned long)want_type);
	CHECK(size == want_size && memcmp(data, want, want_size) == 0,
	      "value %s: %lu bytes stored, want %lu", name, (unsigned long)size,
	      (unsigned long)want_size);
	enf_reg_value back = {0};
	CHECK_RC(tw_p->reg_get(&back, tw_self, TEST_KEY "\\Kinds", name), 0);
	CHECK(enf_reg_value_equal(&back, v), "value %s does not read back equal", name);
	enf_reg_value_clear(&back);
}

static void registry_kinds(void)
{
	enf_reg_value v = {.type = REG_DWORD, .number = 0xFFFFFFFFu};
	static const BYTE ff4[] = {0xff, 0xff, 0xff, 0xff};
	set_and_check("DwordMax", L"DwordMax", &v, REG_DWORD, ff4, 4);
	enf_reg_value back = {0};
	CHECK_RC(tw_p->reg_get(&back, tw_self, TEST_KEY "\\Kinds", "DwordMax"), 0);
	CHECK(back.number == 4294967295ull, "0xFFFFFFFF read as %llu, never -1",
	      (unsigned long long)back.number);
	enf_reg_value_clear(&back);

	v = (enf_reg_value){.type = REG_QWORD, .number = UINT64_MAX};
	static const BYTE ff8[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	set_and_check("QwordMax", L"QwordMax", &v, REG_QWORD, ff8, 8);

	/* SZ: UTF-8 in, UTF-16 with one trailing NUL stored. */
	v = (enf_reg_value){.type = REG_SZ,
	                    .text = "Gr\xc3\xbc\xc3\x9f"
	                            "e \xf0\x9f\x98\x80"};
	static const wchar_t sz[] = L"Gr\x00fc\x00df"
	                            L"e \xd83d\xde00";
	set_and_check("Sz", L"Sz", &v, REG_SZ, sz, sizeof(sz));
	v = (enf_reg_value){.type = REG_EXPAND_SZ, .text = "%SystemRoot%\\x"};
	set_and_check("Expand", L"Expand", &v, REG_EXPAND_SZ, L"%SystemRoot%\\x",
	              sizeof(L"%SystemRoot%\\x"));
	v = (enf_reg_value){.type = REG_SZ, .text = ""};
	set_and_check("", L"", &v, REG_SZ, L"", sizeof(L"")); /* the default value */

	char *list[] = {"a", "no", "C:\\x"};
	v = (enf_reg_value){.type = REG_MULTI_SZ, .list = list, .count = 3};
	static const wchar_t multi[] = L"a\0no\0C:\\x\0";
	set_and_check("Multi", L"Multi", &v, REG_MULTI_SZ, multi, sizeof(multi));
	v = (enf_reg_value){.type = REG_MULTI_SZ, .list = NULL, .count = 0};
	set_and_check("MultiEmpty", L"MultiEmpty", &v, REG_MULTI_SZ, L"\0", 4);

	unsigned char bin[] = {0x00, 0xff, 0x10};
	v = (enf_reg_value){.type = REG_BINARY, .bytes = bin, .size = 3};
	set_and_check("Bin", L"Bin", &v, REG_BINARY, bin, 3);
	v = (enf_reg_value){.type = REG_BINARY, .bytes = NULL, .size = 0};
	set_and_check("BinEmpty", L"BinEmpty", &v, REG_BINARY, "", 0);
	/* A type no policy kind names: raw bytes both ways, so a rollback is exact. */
	unsigned char be[] = {0x01, 0x02, 0x03, 0x04};
	v = (enf_reg_value){.type = REG_DWORD_BIG_ENDIAN, .bytes = be, .size = 4};
	set_and_check("BigEndian", L"BigEndian", &v, REG_DWORD_BIG_ENDIAN, be, 4);
	v = (enf_reg_value){.type = REG_NONE, .bytes = be, .size = 2};
	set_and_check("None", L"None", &v, REG_NONE, be, 2);
}

/* Values other tools wrote without their trailing NULs read the same. */
static void registry_raw_reads(void)
{
	raw_set(TEST_WKEY L"\\Raw", L"NoNul", REG_SZ, L"abc", 6);
	raw_set(TEST_WKEY L"\\Raw", L"MultiNoNul", REG_MULTI_SZ, L"a\0bc", 8);
	raw_set(TEST_WKEY L"\\Raw", L"ShortDword", REG_DWORD, "\x05", 1);
	static const wchar_t lone[] = {0xD800, L'x', 0};
	raw_set(TEST_WKEY L"\\Raw", L"Lone", REG_SZ, lone, sizeof(lone));
	enf_reg_value v = {0};
	CHECK_RC(tw_p->reg_get(&v, tw_self, TEST_KEY "\\Raw", "NoNul"), 0);
	CHECK(v.type == REG_SZ && v.text && strcmp(v.text, "abc") == 0,
	      "SZ without NUL read as '%s'", v.text ? v.text : "");
	enf_reg_value_clear(&v);
	CHECK_RC(tw_p->reg_get(&v, tw_self, TEST_KEY "\\Raw", "MultiNoNul"), 0);
	CHECK(v.count == 2 && strcmp(v.list[0], "a") == 0 && strcmp(v.list[1], "bc") == 0,
	      "MULTI_SZ without the final NULs read as %zu strings", v.count);
	enf_reg_value_clear(&v);
	CHECK_RC(tw_p->reg_get(&v, tw_self, TEST_KEY "\\Raw", "ShortDword"), 0);
	CHECK(v.type == REG_DWORD && v.number == 5, "a 1-byte DWORD read as %llu",
	      (unsigned long long)v.number);
	enf_reg_value_clear(&v);
	/* Text that is not UTF-16 cannot be compared or restored as text: an error, not a guess. */
	CHECK_RC(tw_p->reg_get(&v, tw_self, TEST_KEY "\\Raw", "Lone"), ENF_EINVALID);
	CHECK(tw_error_has("not valid UTF-16"), "the message says why");
}

static void registry_changes(void)
{
	/* A value of the wrong kind is replaced, kind and all. */
	raw_set(TEST_WKEY L"\\Schannel", L"EnableSessionTicket", REG_SZ, L"2", 4);
	enf_reg_value v = {.type = REG_DWORD, .number = 2};
	CHECK_RC(tw_p->reg_set(tw_self, TEST_KEY "\\Schannel", "EnableSessionTicket", &v), 0);
	BYTE data[16];
	DWORD type = 0, size = sizeof(data);
	CHECK(tw_raw_value(TEST_WKEY L"\\Schannel", L"EnableSessionTicket", &type, data, &size) ==
	              0 &&
	          type == REG_DWORD && size == 4 && data[0] == 2,
	      "the SZ was not replaced by DWORD 2 (type %lu, %lu bytes)", (unsigned long)type,
	      (unsigned long)size);

	/* Missing keys on the way are created. */
	CHECK_RC(tw_p->reg_set(tw_self, TEST_KEY "\\New\\Deeper\\Still", "X", &v), 0);
	size = sizeof(data);
	CHECK(tw_raw_value(TEST_WKEY L"\\New\\Deeper\\Still", L"X", &type, data, &size) == 0,
	      "the new key is missing");
	/* HKEY_LOCAL_MACHINE\ is the same as HKLM\; other hives are refused. */
	enf_reg_value back = {0};
	CHECK_RC(tw_p->reg_get(&back, tw_self,
	                       "HKEY_LOCAL_MACHINE\\Software\\EnforcerTest\\New\\Deeper\\Still",
	                       "x"),
	         0);
	enf_reg_value_clear(&back);
	CHECK_RC(tw_p->reg_get(&back, tw_self, "HKCU\\Software", "x"), ENF_EINVALID);

	/* Missing value, missing key: "does not exist" is an answer. */
	CHECK_RC(tw_p->reg_get(&back, tw_self, TEST_KEY "\\Schannel", "Missing"), ENF_ENOTFOUND);
	CHECK(
	    tw_error_has("value 'HKLM\\Software\\EnforcerTest\\Schannel\\Missing' does not exist"),
	    "message");
	CHECK_RC(tw_p->reg_get(&back, tw_self, TEST_KEY "\\NoSuchKey", "X"), ENF_ENOTFOUND);
	CHECK(tw_error_has("registry key 'HKLM\\Software\\EnforcerTest\\NoSuchKey' does not exist"),
	      "message");

	/* Delete, then delete again. */
	CHECK_RC(tw_p->reg_delete(tw_self, TEST_KEY "\\Schannel", "EnableSessionTicket"), 0);
	size = sizeof(data);
	CHECK(tw_raw_value(TEST_WKEY L"\\Schannel", L"EnableSessionTicket", &type, data, &size) ==
	          ERROR_FILE_NOT_FOUND,
	      "the value is still there");
	CHECK_RC(tw_p->reg_delete(tw_self, TEST_KEY "\\Schannel", "EnableSessionTicket"),
	         ENF_ENOTFOUND);
	CHECK_RC(tw_p->reg_delete(tw_self, TEST_KEY "\\NoSuchKey", "X"), ENF_ENOTFOUND);

	/* The 64-bit view: nothing lands in the 32-bit (Wow6432Node) view. */
	HKEY k;
	LONG rc = RegOpenKeyExW(HKEY_LOCAL_MACHINE, TEST_WKEY L"\\New", 0,
	                        KEY_QUERY_VALUE | KEY_WOW64_32KEY, &k);
	CHECK(rc == ERROR_FILE_NOT_FOUND, "the key is visible in the 32-bit view (%ld)", (long)rc);
	if (rc == 0)
		RegCloseKey(k);

	/* Listing the values of a key, for export; the default value is "". */
	char **names = NULL;
	size_t count = 0;
	CHECK_RC(tw_p->reg_values(&names, &count, tw_self, TEST_KEY "\\Kinds"), 0);
	int has_default = 0, has_max = 0;
	for (size_t i = 0; i < count; i++) {
		has_default |= strcmp(names[i], "") == 0;
		has_max |= strcmp(names[i], "DwordMax") == 0;
		free(names[i]);
	}
	free(names);
	CHECK(count == 11 && has_default && has_max, "listed %zu values", count);
	CHECK_RC(tw_p->reg_values(&names, &count, tw_self, TEST_KEY "\\NoSuchKey"), ENF_ENOTFOUND);
}

/* The current user's SID string ("S-1-5-21-..."), malloc'd. */
static char *current_user_sid(void)
{
	HANDLE tok;
	BYTE buf[512];
	DWORD n = 0;
	char *s = NULL;
	if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok)) {
		if (GetTokenInformation(tok, TokenUser, buf, sizeof(buf), &n)) {
			wchar_t *w = NULL;
			if (ConvertSidToStringSidW(((TOKEN_USER *)buf)->User.Sid, &w)) {
				int len =
				    WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
				s = malloc((size_t)len);
				WideCharToMultiByte(CP_UTF8, 0, w, -1, s, len, NULL, NULL);
				LocalFree(w);
			}
		}
		CloseHandle(tok);
	}
	return s;
}

static int set_key_sddl(const wchar_t *sub, const char *sddl)
{
	HKEY k;
	PSECURITY_DESCRIPTOR sd = NULL;
	if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, sub, 0, WRITE_DAC | KEY_WOW64_64KEY, &k))
		return -1;
	int ok = ConvertStringSecurityDescriptorToSecurityDescriptorA(sddl, SDDL_REVISION_1, &sd,
	                                                              NULL) &&
	         RegSetKeySecurity(k, DACL_SECURITY_INFORMATION, sd) == ERROR_SUCCESS;
	if (sd)
		LocalFree(sd);
	RegCloseKey(k);
	return ok ? 0 : -1;
}

/* A key whose DACL denies the current user (and everyone) everything. */
static void registry_access_denied(void)
{
	enf_reg_value v = {.type = REG_DWORD, .number = 1};
	CHECK_RC(tw_p->reg_set(tw_self, TEST_KEY "\\Denied", "Before", &v), 0);
	char *sid = current_user_sid();
	char *sddl = enf_asprintf("D:P(D;;KA;;;%s)(D;;KA;;;WD)", sid ? sid : "WD");
	CHECK(set_key_sddl(TEST_WKEY L"\\Denied", sddl) == 0, "cannot deny the key");
	enf_reg_value back = {0};
	CHECK_RC(tw_p->reg_get(&back, tw_self, TEST_KEY "\\Denied", "Before"), ENF_EACCESS);
	CHECK(tw_error_has("registry key 'HKLM\\Software\\EnforcerTest\\Denied'"),
	      "the message names the key");
	CHECK_RC(tw_p->reg_set(tw_self, TEST_KEY "\\Denied", "After", &v), ENF_EACCESS);
	CHECK(tw_error_has("HKLM\\Software\\EnforcerTest\\Denied"), "the message names the key");
	CHECK_RC(tw_p->reg_delete(tw_self, TEST_KEY "\\Denied", "Before"), ENF_EACCESS);
	/* The owner may still change the DACL: give the key back for the cleanup. */
	CHECK(set_key_sddl(TEST_WKEY L"\\Denied", "D:(A;;KA;;;WD)") == 0,
	      "cannot restore the key's DACL");
	free(sddl);
	free(sid);
}

void tw_registry(void)
{
	RegDeleteTreeW(HKEY_LOCAL_MACHINE, TEST_WKEY);
	registry_kinds();
	registry_raw_reads();
	registry_changes();
	registry_access_denied();
	CHECK(RegDeleteTreeW(HKEY_LOCAL_MACHINE, TEST_WKEY) == ERROR_SUCCESS, "cannot clean up %s",
	      TEST_KEY);
}

/* ---- random bytes (run ids) ------------------------------------------------ */

/* rand_s() gives 4 bytes a call: odd lengths are filled to the last byte. */
static void random_bytes(void)
{
	unsigned char a[37], b[37];
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	CHECK_RC(enf_random_bytes(a, sizeof(a)), 0);
	CHECK_RC(enf_random_bytes(b, sizeof(b)), 0);
	CHECK(memcmp(a, b, sizeof(a)) != 0, "two draws of 37 bytes are equal");
	/* The last 3 bytes (the partial word) are written: 2^-24 that they stay 0 in both. */
	CHECK(a[34] | a[35] | a[36] | b[34] | b[35] | b[36], "the last bytes were not filled");
	CHECK_RC(enf_random_bytes(a, 0), 0);
}

/* ---- accounts ---------------------------------------------------------- */

void tw_accounts(void)
{
	static const char *const network_service[] = {
	    "NetworkService", "NT AUTHORITY\\NetworkService", "NT AUTHORITY\\NETWORK SERVICE"};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(network_service); i++) {
		char *sid = NULL;
		CHECK_RC(tw_p->account_sid(&sid, tw_self, network_service[i]), 0);
		CHECK(sid && strcmp(sid, "S-1-5-20") == 0, "%s is %s", network_service[i],
		      sid ? sid : "?");
		free(sid);
	}
	char *sid = NULL;
	CHECK_RC(tw_p->account_sid(&sid, tw_self, "BUILTIN\\Administrators"), 0);
	CHECK(sid && strcmp(sid, "S-1-5-32-544") == 0, "Administrators is %s", sid ? sid : "?");
	free(sid);
	/* ".\name" is the local account "name". */
	wchar_t user[256];
	DWORD n = 256;
	GetUserNameW(user, &n);
	char *me = enf_asprintf(".\\%ls", user), *want = current_user_sid();
	sid = NULL;
	CHECK_RC(tw_p->account_sid(&sid, tw_self, me), 0);
	CHECK(sid && want && strcmp(sid, want) == 0, "%s is %s, want %s", me, sid ? sid : "?",
	      want ? want : "?");
	free(sid);
	free(me);
	free(want);
	/*
	 * LookupAccountName does not know "LocalSystem" (its Microsoft page says
	 * so): every spelling of the built-in accounts comes from the one table,
	 * the computer's own "NAME\LocalSystem" too.
	 */
	wchar_t host[MAX_COMPUTERNAME_LENGTH + 1];
	n = ENF_ARRAY_SIZE(host);
	GetComputerNameW(host, &n);
	char *host_system = enf_asprintf("%ls\\LocalSystem", host);
	const struct {
		const char *name, *sid;
	} builtin[] = {
	    {"LocalSystem", "S-1-5-18"},     {"SYSTEM", "S-1-5-18"},
	    {"Local System", "S-1-5-18"},    {"s-1-5-18", "S-1-5-18"},
	    {host_system, "S-1-5-18"},       {"Local Service", "S-1-5-19"},
	    {"Network Service", "S-1-5-20"}, {"S-1-5-20", "S-1-5-20"},
	};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(builtin); i++) {
		sid = NULL;
		CHECK_RC(tw_p->account_sid(&sid, tw_self, builtin[i].name), 0);
		CHECK(sid && strcmp(sid, builtin[i].sid) == 0, "%s is %s", builtin[i].name,
		      sid ? sid : "?");
		free(sid);
	}
	free(host_system);
	sid = NULL;
	CHECK_RC(tw_p->account_sid(&sid, tw_self, "ENFTEST\\nosuchuser"), ENF_ENOTFOUND);
	CHECK(tw_error_has("1332"), "the message gives the error code");
	random_bytes();
}

/* ---- facts ------------------------------------------------------------- */

#define UNINSTALL L"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\"

static void add_product(const wchar_t *code, const wchar_t *name, const wchar_t *version)
{
	wchar_t sub[256];
	_snwprintf(sub, 256, L"%ls%ls", UNINSTALL, code);
	raw_set(sub, L"DisplayName", REG_SZ, name, (DWORD)((wcslen(name) + 1) * sizeof(wchar_t)));
	raw_set(sub, L"DisplayVersion", REG_SZ, version,
	        (DWORD)((wcslen(version) + 1) * sizeof(wchar_t)));
}

static void drop_product(const wchar_t *code)
{
	wchar_t sub[256];
	_snwprintf(sub, 256, L"%ls%ls", UNINSTALL, code);
	RegDeleteTreeW(HKEY_LOCAL_MACHINE, sub);
}

static char *fact(const char *name)
{
	enf_facts f = {0};
	CHECK_RC(tw_p->facts(&f, tw_self), 0);
	const char *v = enf_facts_get(&f, name);
	char *copy = v ? enf_strdup(v) : NULL;
	enf_facts_clear(&f);
	return copy;
}

static int fact_is(const char *name, const char *want)
{
	char *v = fact(name);
	int same = want ? v && strcmp(v, want) == 0 : v == NULL;
	if (!same)
		printf("  fact %s is %s, want %s\n", name, v ? v : "(absent)",
		       want ? want : "(absent)");
	free(v);
	return same;
}

/* Creates (or with display NULL deletes) the service `name`. */
static void lync_service(const wchar_t *name, const wchar_t *display, const wchar_t *description)
{
	SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
	SC_HANDLE s = OpenServiceW(scm, name, SERVICE_ALL_ACCESS);
	if (s) {
		DeleteService(s);
		CloseServiceHandle(s);
	}
	if (display) {
		wchar_t path[MAX_PATH + 16];
		_snwprintf(path, MAX_PATH + 16, L"\"%lstestsvc.exe\"", tw_exe_dir());
		s = CreateServiceW(scm, name, display, SERVICE_ALL_ACCESS,
		                   SERVICE_WIN32_OWN_PROCESS, SERVICE_DEMAND_START,
		                   SERVICE_ERROR_NORMAL, path, NULL, NULL, NULL, NULL, NULL);
		CHECK(s != NULL, "cannot create %ls (error %lu)", name, GetLastError());
		SERVICE_DESCRIPTIONW d = {(wchar_t *)description};
		if (s && description)
			ChangeServiceConfig2W(s, SERVICE_CONFIG_DESCRIPTION, &d);
		if (s)
			CloseServiceHandle(s);
	}
	CloseServiceHandle(scm);
}

/* RtcSrv, as Lync names it. */
static void rtcsrv(const wchar_t *display, const wchar_t *description)
{
	lync_service(L"RtcSrv", display, description);
}

void tw_facts(void)
{
	/* The Windows version, as the registry says it. */
	BYTE data[128];
	DWORD type, size = sizeof(data);
	if (tw_raw_value(L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", L"CurrentBuildNumber",
	                 &type, data, &size) == 0) {
		char *want = enf_asprintf("%ls", (wchar_t *)data);
		CHECK(fact_is("os.build", want), "os.build");
		free(want);
	}
	char *version = fact("os.version"), *major = fact("os.major");
	CHECK(version && major && strncmp(version, major, strlen(major)) == 0 &&
	          version[strlen(major)] == '.',
	      "os.major %s does not go with os.version %s", major ? major : "?",
	      version ? version : "?");
	free(version);
	free(major);
	char *host = fact("host.name");
	CHECK(host && *host, "host.name is empty");
	free(host);

	/* role: from the RtcSrv service, "none" without one. */
	rtcsrv(NULL, NULL);
	CHECK(fact_is("role", "none"), "role without RtcSrv");
	rtcsrv(L"Skype for Business Server Access Edge", L"Skype for Business Server Access Edge");
	CHECK(fact_is("role", "edge"), "role of an Edge Server");
	rtcsrv(L"Lync Server Front-End", L"Lync Server Front-End");
	CHECK(fact_is("role", "front-end"), "role of a Front End");
	CHECK(fact_is("role.edition", NULL), "no SQL Server instance: the edition is not told");
	/* Standard Edition keeps its pool's databases in its own instance, RTC. */
	lync_service(L"MSSQL$RTCLOCAL", L"SQL Server (RTCLOCAL)", NULL);
	CHECK(fact_is("role", "front-end") && fact_is("role.edition", "enterprise"),
	      "an Enterprise Edition Front End");
	lync_service(L"MSSQL$RTC", L"SQL Server (RTC)", NULL);
	CHECK(fact_is("role", "front-end") && fact_is("role.edition", "standard"),
	      "a Standard Edition Server is a Front End, of the standard edition");
	lync_service(L"MSSQL$RTC", NULL, NULL);
	lync_service(L"MSSQL$RTCLOCAL", NULL, NULL);
	/* A Front End collocates Mediation; RTCMEDSRV without one is a Mediation Server. */
	lync_service(L"RTCMEDSRV", L"Skype for Business Server Mediation", NULL);
	CHECK(fact_is("role", "front-end"), "a Front End with Mediation collocated");
	/* (Two services may not share a display name: error 1078.) */
	rtcsrv(L"Lync Server", NULL);
	CHECK(fact_is("role", "mediation"), "a stand-alone Mediation Server");
	lync_service(L"RTCMEDSRV", NULL, NULL);
	rtcsrv(L"Something Else", NULL);
	CHECK(fact_is("role", "unknown") &&
	          fact_is("role.description",
	                  "RtcSrv: display name 'Something Else', description ''"),
	      "an RtcSrv that says no role: unknown, with what it says");
	add_product(L"{ENFTEST-4}", L"Skype for Business Server 2015, Director", L"6.0.9319.0");
	CHECK(fact_is("role", "director") && fact_is("role.description", NULL),
	      "a Director by its installed product");
	drop_product(L"{ENFTEST-4}");
	rtcsrv(NULL, NULL);
	CHECK(fact_is("role", "none"), "role without RtcSrv, again");

	/* lync.version: the highest installed Core Components. */
	drop_product(L"{ENFTEST-1}");
	drop_product(L"{ENFTEST-2}");
	drop_product(L"{ENFTEST-3}");
	CHECK(fact_is("lync.version", NULL), "no Lync installed");
	add_product(L"{ENFTEST-1}", L"Microsoft Lync Server 2013, Core Components",
	            L"5.0.8308.577");
	CHECK(fact_is("lync.version", "5.0.8308.577"), "Lync 2013");
	add_product(L"{ENFTEST-2}", L"Skype for Business Server 2015, Core Components",
	            L"6.0.9319.0");
	add_product(L"{ENFTEST-3}", L"Skype for Business Server 2015, Front End Server",
	            L"9.9.9999.9");
	CHECK(fact_is("lync.version", "6.0.9319.0"), "the highest Core Components, and only those");
	drop_product(L"{ENFTEST-1}");
	drop_product(L"{ENFTEST-2}");
	drop_product(L"{ENFTEST-3}");
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--expect") == 0)
		return tw_expect_main(argc, argv);
	enf_target *target = NULL;
	if (enf_target_open(&target, "local") != 0) {
		printf("FAIL: cannot open the local target: %s\n0 passed, 1 failed\n",
		       enf_error_last() ? enf_error_last()->message : "?");
		return 1;
	}
	tw_p = target->provider;
	tw_self = target->self;
	CHECK(strcmp(tw_p->name, "win32") == 0 && tw_p == enf_provider_local(),
	      "the local provider is win32");
	static const struct {
		const char *name;
		void (*fn)(void);
	} areas[] = {
	    {"registry", tw_registry},
	    {"reg-bytes", tw_registry_bytes},
	    {"accounts", tw_accounts},
	    {"services", tw_services},
	    {"certificates", tw_certs},
	    {"keys", tw_keys},
	    {"facts", tw_facts},
	    {"rights", tw_rights},
	    {"waits", tw_waits},
	    {"secrets", tw_secrets},
	    {"phys-stores", tw_phys_stores},
	    {"guard", tw_guard}, /* last: it limits where this process loads DLLs from */
	};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(areas); i++) {
		int before = failed;
		double t0 = enf_now();
		areas[i].fn();
		printf("%-12s %s (%.2f s)\n", areas[i].name, failed == before ? "ok" : "FAILED",
		       enf_now() - t0);
		fflush(stdout);
	}
	enf_target_close(target);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

char *tw_temp_path(const char *name)
{
	wchar_t dir[MAX_PATH];
	DWORD n = GetTempPathW(MAX_PATH, dir);
	char *d = n ? enf_wide_to_utf8(dir) : NULL;
	char *p = d ? enf_asprintf("%s%s", d, name) : NULL;
	free(d);
	return p;
}

char *tw_file_sddl(const char *path)
{
	wchar_t *w = enf_utf8_to_wide(path), *s = NULL;
	PSECURITY_DESCRIPTOR sd = NULL;
	char *out = NULL;
	if (w &&
	    GetNamedSecurityInfoW(w, SE_FILE_OBJECT,
	                          OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, NULL,
	                          NULL, NULL, NULL, &sd) == ERROR_SUCCESS &&
	    ConvertSecurityDescriptorToStringSecurityDescriptorW(
	        sd, SDDL_REVISION_1, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &s,
	        NULL))
		out = enf_wide_to_utf8(s);
	if (s)
		LocalFree(s);
	if (sd)
		LocalFree(sd);
	free(w);
	return out;
}

char *tw_file_sddl_or(const char *path)
{
	char *s = tw_file_sddl(path);
	return s ? s : enf_strdup("?");
}
