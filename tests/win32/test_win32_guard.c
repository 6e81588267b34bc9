/*
 * The state folder and inputs as trust boundaries on Windows
 * (include/enforcer/guard.h): the state folder's protected DACL read back
 * with GetNamedSecurityInfoW, a folder that lets BUILTIN\Users write
 * refused, reparse points refused, and DLLs from System32 only. Where Wine
 * keeps no security descriptor the test says what Wine showed; Windows
 * must show the protected DACL.
 */
#include "tw.h"

#include "enforcer/errors.h"
#include "enforcer/guard.h"
#include "util/util.h"
#include "util/win32_util.h"

#include <aclapi.h>
#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void remove_dir(const char *path)
{
	wchar_t *w = enf_utf8_to_wide(path);
	if (w)
		RemoveDirectoryW(w);
	free(w);
}

static void state_folder(void)
{
	char *base = tw_temp_path("enftest-guard");
	char *state = base ? enf_asprintf("%s\\enforcer", base) : NULL;
	remove_dir(state);
	remove_dir(base);
	CHECK_RC(enf_state_dir_create(state), 0);
	char *sddl = tw_file_sddl(state);
	CHECK(sddl != NULL, "GetNamedSecurityInfoW reads the state folder's descriptor");
	if (sddl && strstr(sddl, "D:P")) {
		/* Windows: exactly what enforcer gave it, nothing inherited from the folder above.
		 */
		CHECK(strstr(sddl, "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)") != NULL &&
		          strstr(sddl, "(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(") == NULL,
		      "protected, full control for SYSTEM and Administrators only: %s", sddl);
	} else {
		/* Wine 8 keeps no security descriptor: it shows one made from the Unix mode. */
		tw_info(
		    "the state folder reads back as %s (given O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA))",
		    sddl ? sddl : "?");
	}
	/* Made already: checked, not changed, accepted again. */
	CHECK_RC(enf_state_dir_create(state), 0);
	free(sddl);

	/* A folder that lets BUILTIN\Users write, as ProgramData's children inherit. */
	char *open = base ? enf_asprintf("%s\\users-write", base) : NULL;
	wchar_t *w = open ? enf_utf8_to_wide(open) : NULL;
	SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, FALSE};
	CHECK(w &&
	          ConvertStringSecurityDescriptorToSecurityDescriptorW(
	              L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1201bf;;;BU)", SDDL_REVISION_1,
	              &sa.lpSecurityDescriptor, NULL) &&
	          CreateDirectoryW(w, &sa),
	      "made a folder BUILTIN\\Users may write");
	if (sa.lpSecurityDescriptor)
		LocalFree(sa.lpSecurityDescriptor);
	sddl = tw_file_sddl(open);
	int rc = enf_guard_check(open, ENF_GUARD_DIR);
	if (sddl && strstr(sddl, ";;;BU)")) {
		CHECK(rc == ENF_EACCESS &&
		          tw_error_has(" is writable by BUILTIN\\Users (can write") &&
		          tw_error_has("icacls"),
		      "refused, naming BUILTIN\\Users and what to run: %d %s", rc,
		      enf_error_last() ? enf_error_last()->message : "");
		if (rc == ENF_EACCESS)
			tw_info("refused: %s", enf_error_last()->message);
	} else {
		tw_info("Wine kept no DACL for it (reads back as %s): the refusal is Windows-only "
		        "here, and tests/test_guard.c checks the POSIX rule",
		        sddl ? sddl : "?");
	}
	free(sddl);
	RemoveDirectoryW(w);
	free(w);
	free(open);
	remove_dir(state);
	remove_dir(base);
	free(state);
	free(base);
}

static void reparse_points(void)
{
	char *target = tw_temp_path("enftest-guard-target");
	char *link = tw_temp_path("enftest-guard-link");
	wchar_t *wt = target ? enf_utf8_to_wide(target) : NULL;
	wchar_t *wl = link ? enf_utf8_to_wide(link) : NULL;
	RemoveDirectoryW(wl);
	CreateDirectoryW(wt, NULL);
	BOOL made_link = wt && wl && CreateSymbolicLinkW(wl, wt, SYMBOLIC_LINK_FLAG_DIRECTORY);
	DWORD attr = wl ? GetFileAttributesW(wl) : INVALID_FILE_ATTRIBUTES;
	if (made_link && attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_REPARSE_POINT)) {
		int rc = enf_guard_check(link, ENF_GUARD_DIR);
		CHECK(rc == ENF_EACCESS && tw_error_has("is a reparse point"),
		      "a symbolic link to a folder is refused: %d %s", rc,
		      enf_error_last() ? enf_error_last()->message : "");
		int made = enf_state_dir_create(link);
		CHECK(made == ENF_EACCESS, "nor taken as the state folder: %d", made);
		RemoveDirectoryW(wl);
	} else {
		/* Wine 8's CreateSymbolicLinkW reports success and makes nothing. */
		tw_info("CreateSymbolicLinkW returned %d and the link's attributes are 0x%lx: no "
		        "reparse point to test here (tests/test_guard.c tests symbolic links)",
		        (int)made_link, (unsigned long)attr);
	}
	RemoveDirectoryW(wt);
	free(wt);
	free(wl);
	free(target);
	free(link);
}

/*
 * After enf_guard_process, a DLL that is only in the exe's folder is not
 * loaded by name (LoadLibraryW), though it loads when that folder is asked
 * for explicitly: the search path is System32 alone.
 */
static void dll_search(void)
{
	wchar_t sys[MAX_PATH], from[MAX_PATH + 32], to[MAX_PATH + 32];
	UINT n = GetSystemDirectoryW(sys, MAX_PATH);
	CHECK(n > 0 && n < MAX_PATH, "the system folder");
	swprintf(from, ENF_ARRAY_SIZE(from), L"%ls\\version.dll", sys);
	swprintf(to, ENF_ARRAY_SIZE(to), L"%lsenftest-planted.dll", tw_exe_dir());
	CHECK(CopyFileW(from, to, FALSE), "planted a DLL next to the exe (%lu)",
	      (unsigned long)GetLastError());
	CHECK_RC(enf_guard_process(), 0);
	HMODULE m = LoadLibraryW(L"enftest-planted.dll");
	DWORD err = GetLastError();
	CHECK(m == NULL && err == ERROR_MOD_NOT_FOUND,
	      "a DLL in the exe's folder is not found by name (%p, %lu)", (void *)m,
	      (unsigned long)err);
	if (m)
		FreeLibrary(m);
	m = LoadLibraryExW(L"enftest-planted.dll", NULL, LOAD_LIBRARY_SEARCH_APPLICATION_DIR);
	CHECK(m != NULL, "it is a DLL that loads when its folder is asked for (%lu)",
	      (unsigned long)GetLastError());
	if (m)
		FreeLibrary(m);
	m = LoadLibraryW(L"crypt32.dll");
	CHECK(m != NULL, "a system DLL still loads (%lu)", (unsigned long)GetLastError());
	DeleteFileW(to);
}

void tw_guard(void)
{
	state_folder();
	reparse_points();
	dll_search();
}
