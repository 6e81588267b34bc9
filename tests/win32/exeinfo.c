/*
 * exeinfo: what Windows reads from an executable's resources, read as
 * Explorer and Get-Item do, for tests/win32/e2e-package.sh (independent of
 * enforcer and of windres: a resource the build got wrong reads wrong here).
 *
 *   exeinfo.exe EXE            the version resource, then the manifest:
 *     fixed: A.B.C.D             VS_FIXEDFILEINFO's file version
 *     product: A.B.C.D           ... and product version
 *     translation: LLLL CCCC     the first VarFileInfo\Translation (hex)
 *     FileVersion: ...           StringFileInfo strings of that translation
 *     ProductName: ...
 *     ProductVersion: ...
 *     OriginalFilename: ...
 *     manifest: N bytes          RT_MANIFEST resource 1 (an executable's)
 *     then the manifest's text, as it is in the exe
 * Exit status 0, or 1 with what failed on stderr.
 */
#include <windows.h>

#include <shellapi.h>

#include <stdio.h>
#include <stdlib.h>

static int fail(const char *what)
{
	fprintf(stderr, "exeinfo: %s: error %lu\n", what, (unsigned long)GetLastError());
	return 1;
}

static void print_utf8(const wchar_t *w)
{
	char buf[1024];
	int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, (int)sizeof(buf), NULL, NULL);
	fputs(n > 0 ? buf : "?", stdout);
}

static void print_version(const char *name, DWORD ms, DWORD ls)
{
	printf("%s: %u.%u.%u.%u\n", name, (unsigned)HIWORD(ms), (unsigned)LOWORD(ms),
	       (unsigned)HIWORD(ls), (unsigned)LOWORD(ls));
}

static int version_info(const wchar_t *exe)
{
	DWORD handle = 0;
	DWORD size = GetFileVersionInfoSizeW(exe, &handle);
	if (!size)
		return fail("GetFileVersionInfoSizeW (no version resource)");
	void *data = malloc(size);
	if (!data || !GetFileVersionInfoW(exe, 0, size, data)) {
		free(data);
		return fail("GetFileVersionInfoW");
	}
	VS_FIXEDFILEINFO *fixed = NULL;
	UINT len = 0;
	struct {
		WORD lang, codepage;
	} *tr = NULL;
	int rc = 0;
	if (!VerQueryValueW(data, L"\\", (void **)&fixed, &len) || len < sizeof(*fixed) ||
	    fixed->dwSignature != 0xFEEF04BD) {
		rc = fail("VerQueryValueW \\ (no VS_FIXEDFILEINFO)");
	} else if (!VerQueryValueW(data, L"\\VarFileInfo\\Translation", (void **)&tr, &len) ||
	           len < sizeof(*tr)) {
		rc = fail("VerQueryValueW \\VarFileInfo\\Translation");
	} else {
		print_version("fixed", fixed->dwFileVersionMS, fixed->dwFileVersionLS);
		print_version("product", fixed->dwProductVersionMS, fixed->dwProductVersionLS);
		printf("translation: %04X %04X\n", tr->lang, tr->codepage);
		static const wchar_t *const names[] = {L"FileVersion", L"ProductName",
		                                       L"ProductVersion", L"OriginalFilename"};
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			wchar_t key[128];
			wchar_t *value = NULL;
			_snwprintf(key, 128, L"\\StringFileInfo\\%04x%04x\\%ls", tr->lang,
			           tr->codepage, names[i]);
			key[127] = 0;
			print_utf8(names[i]);
			fputs(": ", stdout);
			if (VerQueryValueW(data, key, (void **)&value, &len) && len)
				print_utf8(value);
			else
				fputs("(none)", stdout);
			putchar('\n');
		}
	}
	free(data);
	return rc;
}

static int manifest(const wchar_t *exe)
{
	HMODULE mod =
	    LoadLibraryExW(exe, NULL, LOAD_LIBRARY_AS_DATAFILE | LOAD_LIBRARY_AS_IMAGE_RESOURCE);
	if (!mod)
		return fail("LoadLibraryExW");
	/* CREATEPROCESS_MANIFEST_RESOURCE_ID (1) of type RT_MANIFEST: what the loader reads. */
	HRSRC res = FindResourceW(mod, MAKEINTRESOURCEW(1), MAKEINTRESOURCEW(24));
	HGLOBAL h = res ? LoadResource(mod, res) : NULL;
	const char *text = h ? LockResource(h) : NULL;
	int rc = 0;
	if (!text) {
		rc = fail("FindResourceW RT_MANIFEST 1 (no manifest)");
	} else {
		DWORD size = SizeofResource(mod, res);
		printf("manifest: %lu bytes\n", (unsigned long)size);
		fwrite(text, 1, size, stdout);
		putchar('\n');
	}
	FreeLibrary(mod);
	return rc;
}

int main(void)
{
	int argc = 0;
	wchar_t **argv = CommandLineToArgvW(GetCommandLineW(), &argc);
	if (!argv || argc != 2) {
		fputs("usage: exeinfo.exe EXE\n", stderr);
		return 2;
	}
	int rc = version_info(argv[1]);
	if (rc == 0)
		rc = manifest(argv[1]);
	LocalFree(argv);
	return rc;
}
