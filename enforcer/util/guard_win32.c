/*
 * Who may change what enforcer reads and writes, on Windows: owners, DACLs
 * and reparse points (the rule is in include/enforcer/guard.h; the
 * documentation behind it in docs/windows-semantics.md).
 */
#include "enforcer/guard.h"
#include "guard_int.h"

#include "enforcer/errors.h"
#include "util/util.h"
#include "util/win32_util.h"

#include <windows.h>
#include <aclapi.h>
#include <sddl.h>
#include <stdlib.h>
#include <string.h>

/* What lets an account change the object itself, or a folder's entries. */
#define OBJECT_WRITE                                                                               \
	(FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_DELETE_CHILD | DELETE | WRITE_DAC |             \
	 WRITE_OWNER | GENERIC_WRITE | GENERIC_ALL)
/*
 * What, on a folder above it, lets an account replace the object: delete or
 * rename entries, or give itself that right. Adding entries (FILE_ADD_FILE,
 * FILE_ADD_SUBDIRECTORY) does not: ProgramData gives standard users that.
 */
#define ABOVE_WRITE (FILE_DELETE_CHILD | DELETE | WRITE_DAC | WRITE_OWNER | GENERIC_ALL)
/*
 * Under Wine (the test platform, not a product platform) a folder above
 * is checked only for rights nobody but an explicit descriptor grants:
 * Wine shows a Unix folder's mode as a DACL, so the sticky /tmp reads as
 * "Everyone may delete" and another Unix user's folder as owned by
 * ANONYMOUS LOGON, though Unix lets neither replace what is ours.
 */
#define ABOVE_WRITE_WINE (WRITE_DAC | WRITE_OWNER | GENERIC_ALL)

/* Wine's ntdll exports wine_get_version; Windows' does not. */
static int under_wine(void)
{
	HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
	return ntdll && GetProcAddress(ntdll, "wine_get_version") != NULL;
}

char *enf_sid_name(void *sid)
{
	wchar_t name[256], domain[256];
	DWORD nn = ENF_ARRAY_SIZE(name), dn = ENF_ARRAY_SIZE(domain);
	SID_NAME_USE use;
	char *n = NULL, *d = NULL, *out = NULL;
	if (LookupAccountSidW(NULL, sid, name, &nn, domain, &dn, &use) &&
	    (n = enf_wide_to_utf8(name)) && (d = enf_wide_to_utf8(domain)))
		out = *d ? enf_asprintf("%s\\%s", d, n) : enf_strdup(n);
	free(n);
	free(d);
	if (!out) {
		wchar_t *text = NULL;
		if (ConvertSidToStringSidW(sid, &text)) {
			out = enf_wide_to_utf8(text);
			LocalFree(text);
		}
	}
	return out ? out : enf_strdup("?");
}

/* Whether `sid` is the account this process runs as (its token's user). */
static int is_token_user(PSID sid)
{
	HANDLE token;
	unsigned char buf[256];
	DWORD need = 0;
	int same = 0;
	if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
		return 0;
	if (GetTokenInformation(token, TokenUser, buf, sizeof(buf), &need))
		same = EqualSid(((TOKEN_USER *)buf)->User.Sid, sid) != 0;
	CloseHandle(token);
	return same;
}

/* NT SERVICE\TrustedInstaller, which owns Windows' own folders (C:\ among them). */
static int is_trusted_installer(PSID sid)
{
	PSID ti = NULL;
	int same = 0;
	if (ConvertStringSidToSidW(
	        L"S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464", &ti)) {
		same = EqualSid(ti, sid) != 0;
		LocalFree(ti);
	}
	return same;
}

static int trusted(PSID sid)
{
	return IsWellKnownSid(sid, WinLocalSystemSid) ||
	       IsWellKnownSid(sid, WinBuiltinAdministratorsSid) || is_trusted_installer(sid) ||
	       is_token_user(sid);
}

static const char *rights_words(ACCESS_MASK m)
{
	if (m & (GENERIC_ALL | WRITE_DAC | WRITE_OWNER))
		return "can change its permissions";
	if (m & (DELETE | FILE_DELETE_CHILD))
		return (m & (FILE_WRITE_DATA | FILE_APPEND_DATA | GENERIC_WRITE))
		           ? "can write and delete"
		           : "can delete or rename";
	return "can write";
}

/*
 * The accounts other than trusted() ones that an allow entry gives one of
 * `mask`'s rights, or that own the object, as "BUILTIN\Users (can write)".
 * Deny entries are not subtracted: an allow entry is refused even when a
 * deny entry might take it back, which errs on the safe side.
 */
static void writers(enf_buf *who, PSID owner, PACL dacl, ACCESS_MASK mask)
{
	if (!dacl)
		enf_buf_puts(who, "Everyone (it has no DACL)");
	for (DWORD i = 0; dacl && i < dacl->AceCount; i++) {
		ACE_HEADER *ace = NULL;
		if (!GetAce(dacl, i, (void **)&ace) || (ace->AceFlags & INHERIT_ONLY_ACE))
			continue;
		if (ace->AceType == ACCESS_ALLOWED_OBJECT_ACE_TYPE ||
		    ace->AceType == ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE) {
			enf_buf_printf(who, "%san object-specific allow entry",
			               who->len ? ", " : "");
			continue;
		}
		if (ace->AceType != ACCESS_ALLOWED_ACE_TYPE &&
		    ace->AceType != ACCESS_ALLOWED_CALLBACK_ACE_TYPE)
			continue;
		ACCESS_ALLOWED_ACE *a = (ACCESS_ALLOWED_ACE *)ace;
		if (!(a->Mask & mask) || trusted((PSID)&a->SidStart))
			continue;
		char *name = enf_sid_name((PSID)&a->SidStart);
		enf_buf_printf(who, "%s%s (%s)", who->len ? ", " : "", name,
		               rights_words(a->Mask & mask));
		free(name);
	}
	if (owner && !trusted(owner) && mask != ABOVE_WRITE_WINE) {
		char *name = enf_sid_name(owner);
		enf_buf_printf(who, "%s%s (its owner, who can always change its permissions)",
		               who->len ? ", " : "", name);
		free(name);
	}
}

/* Opens the object itself, a reparse point included, to read its attributes and descriptor. */
static HANDLE open_object(const char *path, int follow, DWORD *err)
{
	wchar_t *w = enf_utf8_to_wide(path);
	HANDLE h = INVALID_HANDLE_VALUE;
	*err = ERROR_NOT_ENOUGH_MEMORY;
	if (w) {
		h = CreateFileW(
		    w, READ_CONTROL | FILE_READ_ATTRIBUTES,
		    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
		    FILE_FLAG_BACKUP_SEMANTICS | (follow ? 0 : FILE_FLAG_OPEN_REPARSE_POINT), NULL);
		*err = GetLastError();
	}
	free(w);
	return h;
}

/* `of`: NULL for the object itself, else the object this folder is above. */
static int check_handle(HANDLE h, const char *path, int folder, const char *of)
{
	PSID owner = NULL;
	PACL dacl = NULL;
	PSECURITY_DESCRIPTOR sd = NULL;
	DWORD err = GetSecurityInfo(h, SE_FILE_OBJECT,
	                            OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &owner,
	                            NULL, &dacl, NULL, &sd);
	if (err != ERROR_SUCCESS) {
		enf_error_set_os((int)err, "cannot read who may change '%s'", path);
		return ENF_ERROR;
	}
	enf_buf who = ENF_BUF_INIT;
	writers(&who, owner, dacl,
	        !of            ? OBJECT_WRITE
	        : under_wine() ? ABOVE_WRITE_WINE
	                       : ABOVE_WRITE);
	LocalFree(sd);
	if (!who.len) {
		enf_buf_clear(&who);
		return 0;
	}
	const char *inherit = folder ? "(OI)(CI)" : "";
	if (of)
		enf_error_set(ENF_ERRCLASS_STATE,
		              "%s, a folder above %s, lets others replace what is in it: %s; "
		              "allow only SYSTEM and Administrators to delete there",
		              path, of, who.ptr ? who.ptr : "?");
	else
		enf_error_set(
		    ENF_ERRCLASS_STATE,
		    "%s is writable by %s: allow only SYSTEM and Administrators (icacls \"%s\" /inheritance:r /grant:r *S-1-5-18:%sF *S-1-5-32-544:%sF /setowner *S-1-5-32-544)",
		    path, who.ptr ? who.ptr : "?", path, inherit, inherit);
	enf_buf_clear(&who);
	return ENF_EACCESS;
}

static int refuse_reparse(const char *path)
{
	enf_error_set(
	    ENF_ERRCLASS_STATE,
	    "%s is a reparse point (a junction, symbolic link or mount point): enforcer does not follow them in its state folder or inputs; put the real file or folder there",
	    path);
	return ENF_EACCESS;
}

static int check_one(const char *path, unsigned flags, int *is_dir)
{
	/* GetFileAttributesW describes a link itself, not what it points to. */
	wchar_t *w = enf_utf8_to_wide(path);
	DWORD attr = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
	free(w);
	if (attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_REPARSE_POINT))
		return refuse_reparse(path);
	DWORD err;
	HANDLE h = open_object(path, 0, &err);
	if (h == INVALID_HANDLE_VALUE) {
		enf_error_set_os((int)err, "cannot read who may change '%s'", path);
		return err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND ? ENF_ENOTFOUND
		                                                                  : ENF_ERROR;
	}
	BY_HANDLE_FILE_INFORMATION info = {0};
	int rc = 0;
	if (!GetFileInformationByHandle(h, &info)) {
		enf_error_set_os((int)GetLastError(), "cannot read '%s'", path);
		rc = ENF_ERROR;
	} else if (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) {
		rc = refuse_reparse(path);
	} else if ((flags & ENF_GUARD_DIR) && !(info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
		enf_error_set(ENF_ERRCLASS_STATE, "'%s' is not a folder", path);
		rc = ENF_EINVALID;
	} else if ((flags & ENF_GUARD_FILE) &&
	           ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) ||
	            GetFileType(h) != FILE_TYPE_DISK)) {
		enf_error_set(ENF_ERRCLASS_STATE, "'%s' is not a regular file", path);
		rc = ENF_EINVALID;
	} else {
		rc = check_handle(h, path, (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0,
		                  NULL);
	}
	CloseHandle(h);
	*is_dir = (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
	return rc;
}

/* Each folder above `path` up to its drive's root (reparse points there are followed). */
static int check_parents(const char *path)
{
	wchar_t *w = enf_utf8_to_wide(path);
	DWORD need = w ? GetFullPathNameW(w, 0, NULL, NULL) : 0;
	wchar_t *full = need ? malloc((size_t)need * sizeof(wchar_t)) : NULL;
	char *p = full && GetFullPathNameW(w, need, full, NULL) ? enf_wide_to_utf8(full) : NULL;
	free(w);
	free(full);
	if (!p)
		return enf_error_oom();
	int rc = 0;
	for (char *sep = strrchr(p, '\\'); rc == 0 && sep; sep = strrchr(p, '\\')) {
		/* "C:\" keeps its backslash: "C:" alone is the drive's current folder. */
		int root = sep > p && sep[-1] == ':';
		sep[root ? 1 : 0] = '\0';
		if (!*p)
			break;
		DWORD err;
		HANDLE h = open_object(p, 1, &err);
		if (h == INVALID_HANDLE_VALUE) {
			enf_error_set_os((int)err, "cannot read who may change '%s'", p);
			rc = ENF_ERROR;
		} else {
			rc = check_handle(h, p, 1, path);
			CloseHandle(h);
		}
		/* A drive's root, or a share's (\\server\share): nothing above it to check. */
		const char *share = p[0] == '\\' && p[1] == '\\' ? strchr(p + 2, '\\') : NULL;
		if (root || (share && !strchr(share + 1, '\\')))
			break;
	}
	free(p);
	return rc;
}

/* One entry below a checked folder, as check_one checks it. */
static int check_entry(const char *path, int *is_dir)
{
	return check_one(path, 0, is_dir);
}

/* The nearest part of `path` that exists, for ENF_GUARD_MAY_BE_MISSING; malloc'd. */
static char *existing_part(const char *path)
{
	char *p = enf_strdup(path);
	while (p && !enf_path_exists(p)) {
		char *sep = strrchr(p, '\\'), *slash = strrchr(p, '/');
		if (slash && (!sep || slash > sep))
			sep = slash;
		if (!sep || (sep > p && sep[-1] == ':')) {
			free(p);
			return enf_strdup(".");
		}
		*sep = '\0';
	}
	return p;
}

/* The folder a missing object would be made in: a folder above it. */
static int check_missing(const char *path, unsigned flags)
{
	char *part = existing_part(path);
	if (!part)
		return enf_error_oom();
	DWORD err;
	HANDLE h = open_object(part, 1, &err);
	int rc = 0;
	if (h == INVALID_HANDLE_VALUE) {
		enf_error_set_os((int)err, "cannot read who may change '%s'", part);
		rc = ENF_ERROR;
	} else {
		rc = check_handle(h, part, 1, path);
		CloseHandle(h);
	}
	if (rc == 0 && (flags & ENF_GUARD_PARENTS))
		rc = check_parents(part);
	free(part);
	return rc;
}

int enf_guard_check(const char *path, unsigned flags)
{
	if ((flags & ENF_GUARD_MAY_BE_MISSING) && !enf_path_exists(path))
		return check_missing(path, flags);
	int is_dir = 0;
	int rc = check_one(path, flags, &is_dir);
	if (rc == 0 && (flags & ENF_GUARD_PARENTS))
		rc = check_parents(path);
	if (rc == 0 && (flags & ENF_GUARD_TREE))
		rc = enf_guard_tree(path, check_entry);
	return rc;
}

/*
 * Protected (nothing inherited from ProgramData, where standard users may
 * create files), full control for SYSTEM and Administrators on the folder
 * and everything created in it, owned by Administrators. Without the right
 * to name Administrators as owner, the creator stays owner.
 */
static const wchar_t *const state_sddl[] = {L"O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)",
                                            L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"};

int enf_state_dir_create(const char *path)
{
	/* The folders it goes in first: nothing is made where others could replace it. */
	int rc =
	    enf_guard_check(path, ENF_GUARD_DIR | ENF_GUARD_PARENTS | ENF_GUARD_MAY_BE_MISSING);
	char *copy = rc ? NULL : enf_strdup(path);
	if (!copy)
		return rc ? rc : enf_error_oom();
	char *sep = strrchr(copy, '\\'), *slash = strrchr(copy, '/');
	if (slash && (!sep || slash > sep))
		sep = slash;
	if (sep && sep > copy && sep[-1] != ':') {
		*sep = '\0';
		rc = enf_mkdir_p(copy);
	}
	free(copy);
	wchar_t *w = rc == 0 ? enf_utf8_to_wide(path) : NULL;
	if (rc == 0 && !w)
		rc = enf_error_oom();
	DWORD err = ERROR_SUCCESS;
	for (size_t i = 0; rc == 0 && i < ENF_ARRAY_SIZE(state_sddl); i++) {
		SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, FALSE};
		if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(
		        state_sddl[i], SDDL_REVISION_1, &sa.lpSecurityDescriptor, NULL)) {
			rc = enf_error_oom();
			break;
		}
		BOOL made = CreateDirectoryW(w, &sa);
		err = made ? ERROR_SUCCESS : GetLastError();
		LocalFree(sa.lpSecurityDescriptor);
		if (err != ERROR_INVALID_OWNER)
			break;
	}
	free(w);
	if (rc == 0 && err != ERROR_SUCCESS && err != ERROR_ALREADY_EXISTS) {
		enf_error_set_os((int)err, "cannot create the state folder '%s'", path);
		rc = ENF_ERROR;
	}
	return rc ? rc : enf_guard_check(path, ENF_GUARD_DIR | ENF_GUARD_PARENTS);
}

/*
 * DLLs loaded from here on (the delay-loaded system DLLs: crypt32, winhttp,
 * ws2_32...) come only from System32, never from the folder enforcer.exe or
 * the current folder is in. Windows 7 and Server 2008 R2 have the function
 * only with update KB2533623: without it, SetDllDirectoryW("") at least
 * takes the current folder out of the search.
 */
int enf_guard_process(void)
{
	typedef BOOL(WINAPI * set_dirs_fn)(DWORD);
	HMODULE k32 = GetModuleHandleW(L"kernel32.dll");
	set_dirs_fn set_dirs =
	    k32 ? (set_dirs_fn)(void (*)(void))GetProcAddress(k32, "SetDefaultDllDirectories")
	        : NULL;
	if (set_dirs && set_dirs(LOAD_LIBRARY_SEARCH_SYSTEM32))
		return 0;
	if (!SetDllDirectoryW(L"")) {
		enf_error_set_os((int)GetLastError(), "cannot restrict where DLLs are loaded from");
		return ENF_ERROR;
	}
	return 0;
}
