/*
 * Secrets on Windows: the environment in UTF-16, password files whose
 * security descriptor lets only SYSTEM and Administrators at them, DPAPI at
 * machine scope, and a password typed at the console without echo.
 * docs/windows-semantics.md gives the Microsoft documentation behind each.
 */
#include "util/secret.h"
#include "util/win32_util.h"

#include "enforcer/errors.h"
#include "enforcer/guard.h"
#include "util/util.h"

#include <windows.h>
#include <aclapi.h>
#include <dpapi.h>
#include <sddl.h>
#include <stdlib.h>
#include <string.h>

/* UTF-16 to UTF-8 for a secret: the wide copy is wiped by the caller. */
static int secret_utf8(char **out, const wchar_t *w, size_t wlen)
{
	int n = wlen ? WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, (int)wlen, NULL, 0,
	                                   NULL, NULL)
	             : 0;
	if (wlen && n <= 0) {
		enf_error_set(ENF_ERRCLASS_INVALID, "is not valid UTF-16");
		return ENF_EINVALID;
	}
	char *s = malloc((size_t)n + 1);
	if (!s)
		return enf_error_oom();
	if (n)
		WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, (int)wlen, s, n, NULL, NULL);
	s[n] = '\0';
	*out = s;
	return 0;
}

int enf_secret_env(char **out, const char *name)
{
	wchar_t *wname = enf_utf8_to_wide(name);
	if (!wname)
		return enf_error_oom();
	/* The size first; the value may change between the calls, so try again if it grew. */
	int rc = ENF_ENOTFOUND;
	DWORD size = 0;
	wchar_t *buf = NULL;
	for (int tries = 0; tries < 3; tries++) {
		SetLastError(0);
		DWORD n = GetEnvironmentVariableW(wname, buf, size);
		if (n == 0) {
			/* 0 is also the length of an empty value: only this error means "not set".
			 */
			rc = GetLastError() == ERROR_ENVVAR_NOT_FOUND ? ENF_ENOTFOUND
			                                              : secret_utf8(out, L"", 0);
			break;
		}
		if (buf && n < size) {
			rc = secret_utf8(out, buf, n);
			break;
		}
		if (buf) {
			enf_secret_wipe(buf, size * sizeof(wchar_t));
			free(buf);
		}
		size = n;
		if (!(buf = malloc(size * sizeof(wchar_t)))) {
			rc = enf_error_oom();
			break;
		}
	}
	if (buf) {
		enf_secret_wipe(buf, size * sizeof(wchar_t));
		free(buf);
	}
	free(wname);
	return rc;
}

static int trusted(PSID sid)
{
	return IsWellKnownSid(sid, WinLocalSystemSid) ||
	       IsWellKnownSid(sid, WinBuiltinAdministratorsSid);
}

/* What an allow entry's mask lets its account do with the password in the file. */
static const char *rights_words(ACCESS_MASK m)
{
	const ACCESS_MASK read = FILE_READ_DATA | GENERIC_READ | GENERIC_ALL;
	const ACCESS_MASK write = FILE_WRITE_DATA | FILE_APPEND_DATA | GENERIC_WRITE | GENERIC_ALL;
	/* Whoever may change the permissions or the owner may grant itself the rest. */
	const ACCESS_MASK perms = WRITE_DAC | WRITE_OWNER | GENERIC_ALL;
	int r = (m & read) != 0, w = (m & write) != 0, p = (m & perms) != 0;
	if (p)
		return r || w ? "full control" : "may change the permissions";
	if (r && w)
		return "read and write";
	return r ? "read" : w ? "write" : NULL;
}

/*
 * The check on the open file (the rule is in secret.h). Deny entries are
 * not subtracted: an allow entry for another account refuses the file even
 * when a deny entry might take the access back, which errs on the safe side.
 */
static int check_access(HANDLE h, const char *path)
{
	PSID owner = NULL;
	PACL dacl = NULL;
	PSECURITY_DESCRIPTOR sd = NULL;
	DWORD err = GetSecurityInfo(h, SE_FILE_OBJECT,
	                            OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &owner,
	                            NULL, &dacl, NULL, &sd);
	if (err != ERROR_SUCCESS) {
		enf_error_set_os((int)err, "cannot read who may open '%s'", path);
		return ENF_ERROR;
	}
	enf_buf who = ENF_BUF_INIT;
	if (!dacl) {
		/* A NULL DACL grants everyone full access. */
		enf_buf_puts(&who, "everyone (the file has no DACL)");
	} else {
		for (DWORD i = 0; i < dacl->AceCount; i++) {
			ACE_HEADER *ace = NULL;
			if (!GetAce(dacl, i, (void **)&ace) || (ace->AceFlags & INHERIT_ONLY_ACE))
				continue;
			/* Object entries (directory objects, not files) are not read: refused,
			 * unread. */
			if (ace->AceType == ACCESS_ALLOWED_OBJECT_ACE_TYPE ||
			    ace->AceType == ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE) {
				enf_buf_printf(&who, "%san object-specific allow entry",
				               who.len ? ", " : "");
				continue;
			}
			/* A conditional (callback) entry has the plain entry's layout: counted as
			 * one. */
			if (ace->AceType != ACCESS_ALLOWED_ACE_TYPE &&
			    ace->AceType != ACCESS_ALLOWED_CALLBACK_ACE_TYPE)
				continue;
			ACCESS_ALLOWED_ACE *a = (ACCESS_ALLOWED_ACE *)ace;
			const char *words = rights_words(a->Mask);
			if (!words || trusted((PSID)&a->SidStart))
				continue;
			char *name = enf_sid_name((PSID)&a->SidStart);
			enf_buf_printf(&who, "%s%s (%s)", who.len ? ", " : "", name, words);
			free(name);
		}
	}
	if (owner && !trusted(owner)) {
		/* An owner may always change the DACL, so it can read the file whatever it says. */
		char *name = enf_sid_name(owner);
		enf_buf_printf(&who, "%s%s (owner)", who.len ? ", " : "", name);
		free(name);
	}
	LocalFree(sd);
	if (!who.len) {
		enf_buf_clear(&who);
		return 0;
	}
	enf_error_set(
	    ENF_ERRCLASS_INVALID,
	    "'%s' can be read or changed by others than SYSTEM and Administrators: %s; allow only those two (icacls \"%s\" /inheritance:r /grant:r *S-1-5-18:F *S-1-5-32-544:F /setowner *S-1-5-32-544)",
	    path, who.ptr ? who.ptr : "?", path);
	enf_buf_clear(&who);
	return ENF_EACCESS;
}

int enf_secret_file_read(unsigned char **out, size_t *len, const char *path)
{
	wchar_t *wpath = enf_utf8_to_wide(path);
	if (!wpath) {
		enf_error_set(ENF_ERRCLASS_INVALID, "'%s' is not a valid UTF-8 path", path);
		return ENF_EINVALID;
	}
	/*
	 * One handle for the check and the read: nothing can change the file in
	 * between. FILE_FLAG_OPEN_REPARSE_POINT opens a symbolic link or other
	 * reparse point itself, not what it points to, so that it is refused
	 * below before its target's permissions or a byte of it are read.
	 */
	HANDLE h =
	    CreateFileW(wpath, GENERIC_READ | READ_CONTROL, FILE_SHARE_READ, NULL, OPEN_EXISTING,
	                FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
	free(wpath);
	if (h == INVALID_HANDLE_VALUE) {
		DWORD err = GetLastError();
		enf_error_set_os((int)err, "cannot open '%s'", path);
		return err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND ? ENF_ENOTFOUND
		                                                                  : ENF_ERROR;
	}
	unsigned char *data = NULL;
	DWORD n = 0;
	BY_HANDLE_FILE_INFORMATION info = {0};
	int rc = 0;
	if (!GetFileInformationByHandle(h, &info)) {
		enf_error_set_os((int)GetLastError(), "cannot read '%s'", path);
		rc = ENF_ERROR;
	} else if (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) {
		/* The guard's words for it; a link replaced since is refused all the same. */
		if ((rc = enf_guard_check(path, ENF_GUARD_FILE)) == 0) {
			enf_error_set(ENF_ERRCLASS_INVALID, "'%s' was a reparse point when opened",
			              path);
			rc = ENF_EACCESS;
		}
	}
	if (rc == 0)
		rc = check_access(h, path);
	/* Not through a reparse point, nor in a folder others could swap (enforcer/guard.h). */
	if (rc == 0)
		rc = enf_guard_check(path, ENF_GUARD_FILE | ENF_GUARD_PARENTS);
	if (rc)
		goto done;
	if (GetFileType(h) != FILE_TYPE_DISK) {
		enf_error_set(ENF_ERRCLASS_INVALID, "'%s' is not a regular file", path);
		rc = ENF_EINVALID;
		goto done;
	}
	if (!(data = malloc(ENF_SECRET_FILE_MAX + 1))) {
		rc = enf_error_oom();
		goto done;
	}
	for (;;) {
		DWORD got = 0;
		if (!ReadFile(h, data + n, ENF_SECRET_FILE_MAX + 1 - n, &got, NULL)) {
			enf_error_set_os((int)GetLastError(), "cannot read '%s'", path);
			rc = ENF_ERROR;
			goto done;
		}
		if (got == 0)
			break;
		n += got;
		if (n > ENF_SECRET_FILE_MAX) {
			enf_error_set(ENF_ERRCLASS_INVALID, "'%s' is larger than %u bytes", path,
			              ENF_SECRET_FILE_MAX);
			rc = ENF_ELIMIT;
			goto done;
		}
	}
	*out = data;
	*len = n;
	data = NULL;
done:
	if (data) {
		enf_secret_wipe(data, n);
		free(data);
	}
	CloseHandle(h);
	return rc;
}

/*
 * Protected (no inherited entries), full control for SYSTEM and
 * Administrators only, owned by Administrators: what check_access accepts.
 * Without the right to name Administrators as owner, the creator's default
 * owner is kept and the write still succeeds; the check then names it.
 */
static const wchar_t *const secret_sddl[] = {L"O:BAD:P(A;;FA;;;SY)(A;;FA;;;BA)",
                                             L"D:P(A;;FA;;;SY)(A;;FA;;;BA)"};

static HANDLE create_secret(const wchar_t *wpath)
{
	HANDLE h = INVALID_HANDLE_VALUE;
	for (size_t i = 0; i < ENF_ARRAY_SIZE(secret_sddl) && h == INVALID_HANDLE_VALUE; i++) {
		SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, FALSE};
		if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(
		        secret_sddl[i], SDDL_REVISION_1, &sa.lpSecurityDescriptor, NULL))
			continue;
		h = CreateFileW(wpath, GENERIC_WRITE, 0, &sa, CREATE_NEW, FILE_ATTRIBUTE_NORMAL,
		                NULL);
		DWORD err = GetLastError();
		LocalFree(sa.lpSecurityDescriptor);
		if (h == INVALID_HANDLE_VALUE && err != ERROR_INVALID_OWNER)
			break;
		SetLastError(err);
	}
	return h;
}

int enf_secret_file_write(const char *path, const void *data, size_t len)
{
	char *tmp = enf_temp_name(path);
	wchar_t *wtmp = tmp ? enf_utf8_to_wide(tmp) : NULL, *wpath = enf_utf8_to_wide(path);
	int rc = ENF_ERROR;
	if (!wtmp || !wpath) {
		rc = tmp ? ENF_EINVALID : ENF_ERROR;
		if (tmp)
			enf_error_set(ENF_ERRCLASS_INVALID, "'%s' is not a valid UTF-8 path", path);
		goto done;
	}
	/* Not over a reparse point, nor in a folder others could swap: what the read requires. */
	if ((rc = enf_guard_check(path,
	                          ENF_GUARD_FILE | ENF_GUARD_PARENTS | ENF_GUARD_MAY_BE_MISSING))) {
		goto done;
	}
	rc = ENF_ERROR;
	/* A new file with its own descriptor, renamed over the old one: never a moment open to
	 * others. */
	HANDLE h = create_secret(wtmp);
	if (h == INVALID_HANDLE_VALUE) {
		enf_error_set_os((int)GetLastError(), "cannot create '%s'", tmp);
		goto done;
	}
	DWORD wrote = 0;
	BOOL ok =
	    WriteFile(h, data, (DWORD)len, &wrote, NULL) && wrote == len && FlushFileBuffers(h);
	DWORD err = GetLastError();
	CloseHandle(h);
	if (!ok) {
		enf_error_set_os((int)err, "cannot write '%s'", tmp);
		DeleteFileW(wtmp);
		goto done;
	}
	if (!MoveFileExW(wtmp, wpath, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
		enf_error_set_os((int)GetLastError(), "cannot replace '%s'", path);
		DeleteFileW(wtmp);
		goto done;
	}
	rc = 0;
done:
	free(tmp);
	free(wtmp);
	free(wpath);
	return rc;
}

int enf_secret_dpapi_available(void)
{
	return 1;
}

/* Shown by tools that list DPAPI blobs; says what the blob is, never what it holds. */
#define DPAPI_DESCRIPTION L"enforcer service password"

int enf_secret_dpapi_protect(unsigned char **out, size_t *len, const char *secret)
{
	DATA_BLOB in = {(DWORD)strlen(secret), (BYTE *)secret}, blob = {0, NULL};
	if (!CryptProtectData(&in, DPAPI_DESCRIPTION, NULL, NULL, NULL,
	                      CRYPTPROTECT_LOCAL_MACHINE | CRYPTPROTECT_UI_FORBIDDEN, &blob)) {
		enf_error_set_os((int)GetLastError(),
		                 "cannot encrypt the password (CryptProtectData)");
		return ENF_ERROR;
	}
	unsigned char *copy = malloc(blob.cbData ? blob.cbData : 1);
	if (copy)
		memcpy(copy, blob.pbData, blob.cbData);
	*len = blob.cbData;
	LocalFree(blob.pbData);
	if (!copy)
		return enf_error_oom();
	*out = copy;
	return 0;
}

int enf_secret_dpapi_unprotect(char **out, const unsigned char *blob, size_t len)
{
	DATA_BLOB in = {(DWORD)len, (BYTE *)blob}, plain = {0, NULL};
	if (!CryptUnprotectData(&in, NULL, NULL, NULL, NULL, CRYPTPROTECT_UI_FORBIDDEN, &plain)) {
		enf_error_set_os(
		    (int)GetLastError(),
		    "cannot be decrypted (CryptUnprotectData): it was not written by 'enforcer secret protect' on this machine, or was changed since");
		return ENF_EINVALID;
	}
	/* What was protected is the password's UTF-8; check it as a UTF-8 password file. */
	int rc = enf_secret_decode(out, plain.pbData, plain.cbData);
	enf_secret_wipe(plain.pbData, plain.cbData);
	LocalFree(plain.pbData);
	return rc;
}

/* Reads a line typed at the console, without echo. */
static int read_console(char **out, HANDLE in, const char *prompt)
{
	DWORD mode = 0;
	GetConsoleMode(in, &mode);
	HANDLE con = CreateFileW(L"CONOUT$", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_WRITE, NULL,
	                         OPEN_EXISTING, 0, NULL);
	wchar_t *wprompt = prompt ? enf_utf8_to_wide(prompt) : NULL;
	if (con != INVALID_HANDLE_VALUE && wprompt)
		WriteConsoleW(con, wprompt, (DWORD)wcslen(wprompt), NULL, NULL);
	free(wprompt);
	SetConsoleMode(in,
	               (mode | ENABLE_LINE_INPUT | ENABLE_PROCESSED_INPUT) & ~ENABLE_ECHO_INPUT);
	wchar_t buf[1024];
	DWORD n = 0, got = 0;
	int rc = 0;
	while (n < ENF_ARRAY_SIZE(buf) &&
	       ReadConsoleW(in, buf + n, ENF_ARRAY_SIZE(buf) - n, &got, NULL) && got > 0) {
		n += got;
		if (buf[n - 1] == L'\n')
			break;
	}
	SetConsoleMode(in, mode);
	if (con != INVALID_HANDLE_VALUE) {
		/* The newline the user typed was not echoed either. */
		WriteConsoleW(con, L"\r\n", 2, NULL, NULL);
		CloseHandle(con);
	}
	while (n > 0 && (buf[n - 1] == L'\n' || buf[n - 1] == L'\r'))
		n--;
	if (n == 0 || n >= ENF_ARRAY_SIZE(buf) - 1) {
		enf_error_set(ENF_ERRCLASS_INVALID,
		              n ? "the password is longer than %zu characters"
		                : "no password was typed",
		              ENF_ARRAY_SIZE(buf) - 2);
		rc = n ? ENF_ELIMIT : ENF_EINVALID;
	} else {
		rc = secret_utf8(out, buf, n);
	}
	enf_secret_wipe(buf, sizeof(buf));
	return rc;
}

int enf_secret_read_stdin(char **out, const char *prompt, int *typed)
{
	HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
	DWORD mode;
	*typed = in != INVALID_HANDLE_VALUE && in && GetConsoleMode(in, &mode);
	if (*typed)
		return read_console(out, in, prompt);
	/* A pipe or a file: its bytes, decoded as a password file is (a BOM, UTF-16...). */
	unsigned char buf[4096];
	DWORD n = 0, got = 0;
	while (n < sizeof(buf) && ReadFile(in, buf + n, (DWORD)sizeof(buf) - n, &got, NULL) && got)
		n += got;
	int rc;
	if (n == sizeof(buf)) {
		enf_error_set(ENF_ERRCLASS_INVALID, "the password is longer than %zu bytes",
		              sizeof(buf) - 1);
		rc = ENF_ELIMIT;
	} else {
		rc = enf_secret_decode(out, buf, n);
	}
	enf_secret_wipe(buf, sizeof(buf));
	return rc;
}
