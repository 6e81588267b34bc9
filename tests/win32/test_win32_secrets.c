/*
 * Secrets on Windows (util/secret_win32.c), against the machine: the
 * environment read as UTF-16, password files and who may open them, DPAPI
 * at machine scope. Where Wine answers differently from Windows, the test
 * says so with tw_info and checks what Windows documents where Wine allows.
 */
#include "tw.h"

#include "enforcer/errors.h"
#include "util/secret.h"
#include "util/util.h"
#include "util/win32_util.h"

#include <aclapi.h>
#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "Pässwört-Ω-🔑": Latin-1, Greek (outside code page 1252) and a character beyond the BMP. */
#define PW_WIDE L"P\u00e4ssw\u00f6rt-\u03a9-\U0001F511"
#define PW_UTF8 "P\xc3\xa4ssw\xc3\xb6rt-\xce\xa9-\xf0\x9f\x94\x91"

static void environment(void)
{
	CHECK(SetEnvironmentVariableW(L"ENFTEST_PW", PW_WIDE), "set the variable");
	char *v = NULL;
	CHECK_RC(enf_secret_env(&v, "ENFTEST_PW"), 0);
	CHECK(v && strcmp(v, PW_UTF8) == 0, "the variable reads back as its UTF-8 (%s)",
	      v ? "differs" : "none");
	enf_secret_free(v);
	/* getenv goes through the ANSI code page: what the old code saw. */
	const char *ansi = getenv("ENFTEST_PW");
	tw_info("getenv (the ANSI code page) gives %s",
	        ansi && strcmp(ansi, PW_UTF8) == 0
	            ? "the same UTF-8"
	            : "other bytes ('?' for Omega): the reason for GetEnvironmentVariableW");
	CHECK(SetEnvironmentVariableW(L"ENFTEST_PW", L""), "set it empty");
	v = NULL;
	CHECK_RC(enf_secret_env(&v, "ENFTEST_PW"), 0);
	CHECK(v && *v == '\0', "an empty variable reads as empty, not as unset");
	enf_secret_free(v);
	SetEnvironmentVariableW(L"ENFTEST_PW", NULL);
	CHECK_RC(enf_secret_env(&v, "ENFTEST_PW"), ENF_ENOTFOUND);
}

/* Wine's ntdll exports wine_get_version; Windows' does not. */
static int under_wine(void)
{
	HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
	return ntdll && GetProcAddress(ntdll, "wine_get_version") != NULL;
}

static void files(void)
{
	char *path = tw_temp_path("enftest-secret.bin");
	static const char data[] = "\xff\xfeS\0e\0c\0r\0e\0t\0\r\0\n\0";
	CHECK_RC(enf_secret_file_write(path, data, sizeof(data) - 1), 0);
	char *sddl = tw_file_sddl_or(path);
	unsigned char *back = NULL;
	size_t len = 0;
	int rc = enf_secret_file_read(&back, &len, path);
	if (under_wine()) {
		/*
		 * Wine 8 keeps no security descriptor for a file: it shows one made
		 * from the Unix mode (owner and full control: the Unix user; full
		 * control: SYSTEM), whatever CreateFileW was given. Windows keeps the
		 * protected DACL; under Wine enforcer's own check refuses the file.
		 */
		tw_info(
		    "Wine shows the file enforcer wrote as %s (given O:BAD:P(A;;FA;;;SY)(A;;FA;;;BA))",
		    sddl);
		CHECK(rc == ENF_EACCESS && tw_error_has("(owner)"),
		      "under Wine the file's Unix owner is named: %d", rc);
	} else {
		CHECK(strstr(sddl, "D:P") && strstr(sddl, "(A;;FA;;;SY)") &&
		          strstr(sddl, "(A;;FA;;;BA)"),
		      "protected, full control for SYSTEM and Administrators only: %s", sddl);
		CHECK_RC(rc, 0);
	}
	if (rc == 0) {
		char *pw = NULL;
		CHECK(len == sizeof(data) - 1 && memcmp(back, data, len) == 0, "the same bytes");
		CHECK_RC(enf_secret_decode(&pw, back, len), 0);
		CHECK(pw && strcmp(pw, "Secret") == 0, "UTF-16 LE with a BOM decodes");
		enf_secret_free(pw);
	}
	free(sddl);
	enf_secret_wipe(back, len);
	free(back);
	DeleteFileA(path);
	free(path);

	/* A file made the ordinary way inherits its folder's permissions: refused, and said why. */
	path = tw_temp_path("enftest-plain.txt");
	FILE *f = fopen(path, "wb");
	if (f) {
		fputs("Secret\n", f);
		fclose(f);
	}
	sddl = tw_file_sddl_or(path);
	back = NULL;
	rc = enf_secret_file_read(&back, &len, path);
	CHECK(rc == ENF_EACCESS, "an ordinary file (%s) is refused: %d", sddl, rc);
	CHECK(tw_error_has("can be read or changed by others than SYSTEM and Administrators: ") &&
	          tw_error_has("icacls"),
	      "the message names who and how to fix it");
	if (rc == ENF_EACCESS)
		tw_info("refused: %s", enf_error_last()->message);
	free(back);
	free(sddl);
	DeleteFileA(path);
	free(path);
}

/* True when `needle` occurs in the `len` bytes at `hay`. */
static int memmem_tw(const unsigned char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return 1;
	return 0;
}

/*
 * A password file planted as a symbolic link: refused as a reparse point
 * (the handle is opened with FILE_FLAG_OPEN_REPARSE_POINT and its
 * attributes read), nothing read from it, and `enforcer secret protect`
 * does not write over it. Wine 8's CreateSymbolicLinkW reports success and
 * makes nothing (tests/win32/test_win32_guard.c): then there is nothing to
 * refuse, the test says so, and tests/test_secrets.c tests the rule with a
 * POSIX symbolic link (Wine shows a Unix symbolic link as its target, with
 * no reparse attribute). On Windows the link exists and is refused.
 */
static void links(void)
{
	char *real = tw_temp_path("enftest-secret-real.bin");
	char *link = tw_temp_path("enftest-secret-link.bin");
	wchar_t *wr = real ? enf_utf8_to_wide(real) : NULL;
	wchar_t *wl = link ? enf_utf8_to_wide(link) : NULL;
	static const char data[] = "Secret\n";
	DeleteFileW(wl);
	CHECK_RC(enf_secret_file_write(real, data, sizeof(data) - 1), 0);
	BOOL made = wr && wl && CreateSymbolicLinkW(wl, wr, 0);
	DWORD attr = wl ? GetFileAttributesW(wl) : INVALID_FILE_ATTRIBUTES;
	if (made && attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_REPARSE_POINT)) {
		unsigned char *back = NULL;
		size_t len = 0;
		int rc = enf_secret_file_read(&back, &len, link);
		CHECK(rc == ENF_EACCESS && tw_error_has("is a reparse point"),
		      "a password file that is a symbolic link is refused: %d %s", rc,
		      enf_error_last() ? enf_error_last()->message : "");
		CHECK(back == NULL, "nothing was read from it");
		free(back);
		rc = enf_secret_file_write(link, data, sizeof(data) - 1);
		CHECK(rc == ENF_EACCESS, "secret protect does not write over it: %d", rc);
		DeleteFileW(wl);
	} else {
		tw_info("CreateSymbolicLinkW returned %d and the link's attributes are 0x%lx: no "
		        "reparse point to refuse here (Windows makes one; tests/test_secrets.c "
		        "refuses a POSIX symbolic link)",
		        (int)made, (unsigned long)attr);
	}
	DeleteFileW(wr);
	free(wr);
	free(wl);
	free(real);
	free(link);
}

static void dpapi(void)
{
	unsigned char *blob = NULL;
	size_t len = 0;
	CHECK(enf_secret_dpapi_available(), "DPAPI in the Windows build");
	int rc = enf_secret_dpapi_protect(&blob, &len, PW_UTF8);
	CHECK_RC(rc, 0);
	if (rc)
		return;
	CHECK(len > strlen(PW_UTF8) && !memmem_tw(blob, len, PW_UTF8), "encrypted, not the text");
	char *back = NULL;
	CHECK_RC(enf_secret_dpapi_unprotect(&back, blob, len), 0);
	CHECK(back && strcmp(back, PW_UTF8) == 0, "the round trip gives the password back");
	enf_secret_free(back);
	/* The end of the blob: what the integrity check covers in Windows' format and Wine's. */
	blob[len - 1] ^= 0x55;
	back = NULL;
	CHECK_RC(enf_secret_dpapi_unprotect(&back, blob, len), ENF_EINVALID);
	CHECK(tw_error_has("CryptUnprotectData"), "a changed blob is refused, saying so");
	free(blob);
}

void tw_secrets(void)
{
	environment();
	files();
	links();
	dpapi();
}
