/*
 * `enforcer install` on Windows (util/install.h): the administrator check,
 * the Application event source and the state folder's purge. The scheduled
 * task is in task_win32.c. docs/windows-semantics.md has the Microsoft
 * sources of each behaviour used here.
 */
#include "util/install.h"

#include "enforcer/errors.h"
#include "util/win32_util.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

/* EventMessageFile's types: the three that enf_event_write uses. */
#define TYPES_SUPPORTED (EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE)

int enf_install_supported(void)
{
	return 1;
}

int enf_install_check_admin(void)
{
	/*
	 * The Administrators SID counts only when enabled in the token: under
	 * UAC an administrator's unelevated token holds it for deny only.
	 */
	BYTE sid[SECURITY_MAX_SID_SIZE];
	DWORD size = sizeof(sid);
	BOOL member = FALSE;
	if (!CreateWellKnownSid(WinBuiltinAdministratorsSid, NULL, sid, &size) ||
	    !CheckTokenMembership(NULL, sid, &member)) {
		enf_error_set_os((int)GetLastError(),
		                 "cannot tell whether this is an administrator");
		return ENF_ERROR;
	}
	if (member)
		return 0;
	enf_error_set(
	    ENF_ERRCLASS_OS,
	    "this needs an administrator: run it from an elevated prompt (Run as administrator) or as SYSTEM; nothing was changed");
	return ENF_EACCESS;
}

char *enf_install_find_git(void)
{
	wchar_t path[MAX_PATH];
	/* The PATH of this process, as Git for Windows' installer extends the machine's. */
	DWORD n = SearchPathW(NULL, L"git.exe", NULL, MAX_PATH, path, NULL);
	return n > 0 && n < MAX_PATH ? enf_wide_to_utf8(path) : NULL;
}

char *enf_install_exe_path(void)
{
	DWORD size = MAX_PATH;
	for (;;) {
		wchar_t *buf = malloc(size * sizeof(wchar_t));
		if (!buf) {
			enf_error_oom();
			return NULL;
		}
		DWORD n = GetModuleFileNameW(NULL, buf, size);
		if (n == 0) {
			enf_error_set_os((int)GetLastError(),
			                 "cannot find enforcer.exe's own path");
			free(buf);
			return NULL;
		}
		if (n < size) {
			char *path = enf_wide_to_utf8(buf);
			free(buf);
			if (!path)
				enf_error_oom();
			return path;
		}
		free(buf);
		if (size >= 32768) {
			enf_error_set(ENF_ERRCLASS_OS,
			              "enforcer.exe's path is longer than 32767 characters");
			return NULL;
		}
		size *= 2;
	}
}

/* A registry error as the last error; access denied says what to do. */
static int reg_error(LONG err, const char *what)
{
	if (err == ERROR_ACCESS_DENIED) {
		enf_error_set(ENF_ERRCLASS_OS,
		              "%s: access denied: run it as an administrator; nothing was changed",
		              what);
		return ENF_EACCESS;
	}
	enf_error_set_os((int)err, "%s", what);
	return ENF_ERROR;
}

/* The event source's values as they are: 1 when both are what install writes. */
static int source_as_asked(HKEY key, const wchar_t *exe)
{
	wchar_t file[MAX_PATH * 2];
	DWORD type = 0, size = sizeof(file) - sizeof(wchar_t), types = 0;
	if (RegQueryValueExW(key, L"EventMessageFile", NULL, &type, (BYTE *)file, &size) !=
	        ERROR_SUCCESS ||
	    type != REG_SZ)
		return 0;
	file[size / sizeof(wchar_t)] = L'\0';
	size = sizeof(types);
	if (RegQueryValueExW(key, L"TypesSupported", NULL, &type, (BYTE *)&types, &size) !=
	        ERROR_SUCCESS ||
	    type != REG_DWORD || types != TYPES_SUPPORTED)
		return 0;
	/* Windows paths compare without case. */
	return CompareStringOrdinal(file, -1, exe, -1, TRUE) == CSTR_EQUAL;
}

int enf_event_source_install(enf_install_step *out, const char *exe)
{
	HKEY key = NULL;
	DWORD disposition = 0, types = TYPES_SUPPORTED;
	wchar_t *wexe = enf_utf8_to_wide(exe);
	if (!wexe)
		return enf_error_oom();
	int rc = 0;
	LONG err = RegCreateKeyExW(HKEY_LOCAL_MACHINE, L"" ENF_EVENT_SOURCE_KEY, 0, NULL, 0,
	                           KEY_QUERY_VALUE | KEY_SET_VALUE, NULL, &key, &disposition);
	if (err != ERROR_SUCCESS) {
		rc = reg_error(err, "cannot create the event source HKLM\\" ENF_EVENT_SOURCE_KEY);
		goto done;
	}
	if (disposition == REG_OPENED_EXISTING_KEY && source_as_asked(key, wexe)) {
		*out = ENF_STEP_UNCHANGED;
		goto done;
	}
	/* REG_SZ, not REG_EXPAND_SZ: a '%' in the exe's folder name is a '%'. */
	err = RegSetValueExW(key, L"EventMessageFile", 0, REG_SZ, (const BYTE *)wexe,
	                     (DWORD)((wcslen(wexe) + 1) * sizeof(wchar_t)));
	if (err == ERROR_SUCCESS)
		err = RegSetValueExW(key, L"TypesSupported", 0, REG_DWORD, (const BYTE *)&types,
		                     sizeof(types));
	if (err != ERROR_SUCCESS) {
		rc = reg_error(err, "cannot write the event source HKLM\\" ENF_EVENT_SOURCE_KEY);
		goto done;
	}
	*out = disposition == REG_CREATED_NEW_KEY ? ENF_STEP_CREATED : ENF_STEP_UPDATED;
done:
	if (key)
		RegCloseKey(key);
	free(wexe);
	return rc;
}

int enf_event_source_uninstall(enf_install_step *out)
{
	LONG err = RegDeleteKeyW(HKEY_LOCAL_MACHINE, L"" ENF_EVENT_SOURCE_KEY);
	if (err == ERROR_FILE_NOT_FOUND) {
		*out = ENF_STEP_ABSENT;
		return 0;
	}
	if (err != ERROR_SUCCESS)
		return reg_error(err, "cannot remove the event source HKLM\\" ENF_EVENT_SOURCE_KEY);
	*out = ENF_STEP_REMOVED;
	return 0;
}

/* "DIR\NAME", malloc'd. */
static wchar_t *child(const wchar_t *dir, const wchar_t *name)
{
	size_t n = wcslen(dir) + wcslen(name) + 2;
	wchar_t *p = malloc(n * sizeof(wchar_t));
	if (p)
		swprintf(p, n, L"%ls\\%ls", dir, name);
	return p;
}

static int purge_error(const wchar_t *path, const char *what)
{
	DWORD err = GetLastError();
	char *p = enf_wide_to_utf8(path);
	enf_error_set_os((int)err,
	                 "cannot %s '%s' (a run may be holding it: try again when it ends)", what,
	                 p ? p : "?");
	free(p);
	return ENF_ERROR;
}

/* Empties the folder `dir`; links inside are removed, never followed. */
static int purge_tree(const wchar_t *dir, unsigned depth)
{
	if (depth > 64) {
		enf_error_set(ENF_ERRCLASS_STATE,
		              "the state folder is nested deeper than 64 folders");
		return ENF_ELIMIT;
	}
	wchar_t *pattern = child(dir, L"*");
	if (!pattern)
		return enf_error_oom();
	WIN32_FIND_DATAW fd;
	HANDLE h = FindFirstFileExW(pattern, FindExInfoBasic, &fd, FindExSearchNameMatch, NULL, 0);
	free(pattern);
	if (h == INVALID_HANDLE_VALUE)
		return GetLastError() == ERROR_FILE_NOT_FOUND ? 0 : purge_error(dir, "list");
	int rc = 0;
	do {
		if (!wcscmp(fd.cFileName, L".") || !wcscmp(fd.cFileName, L".."))
			continue;
		wchar_t *path = child(dir, fd.cFileName);
		if (!path) {
			rc = enf_error_oom();
			break;
		}
		DWORD attr = fd.dwFileAttributes;
		int is_dir = (attr & FILE_ATTRIBUTE_DIRECTORY) != 0;
		if (attr & FILE_ATTRIBUTE_READONLY)
			SetFileAttributesW(path, attr & ~(DWORD)FILE_ATTRIBUTE_READONLY);
		/* A junction or directory link is a folder entry: RemoveDirectory drops the link.
		 */
		if (is_dir && !(attr & FILE_ATTRIBUTE_REPARSE_POINT))
			rc = purge_tree(path, depth + 1);
		if (rc == 0 && !(is_dir ? RemoveDirectoryW(path) : DeleteFileW(path)))
			rc = purge_error(path, "delete");
		free(path);
	} while (rc == 0 && FindNextFileW(h, &fd));
	FindClose(h);
	return rc;
}

int enf_state_dir_purge(enf_install_step *out, const char *dir)
{
	wchar_t *wdir = enf_utf8_to_wide(dir);
	if (!wdir)
		return enf_error_oom();
	int rc = 0;
	DWORD attr = GetFileAttributesW(wdir);
	if (attr == INVALID_FILE_ATTRIBUTES) {
		if (GetLastError() == ERROR_FILE_NOT_FOUND ||
		    GetLastError() == ERROR_PATH_NOT_FOUND)
			*out = ENF_STEP_ABSENT;
		else
			rc = purge_error(wdir, "read");
		goto done;
	}
	if ((attr & FILE_ATTRIBUTE_REPARSE_POINT) || !(attr & FILE_ATTRIBUTE_DIRECTORY)) {
		enf_error_set(
		    ENF_ERRCLASS_STATE,
		    "'%s' is not a plain folder (a junction, a link or a file): enforcer deletes nothing through it; remove it yourself",
		    dir);
		rc = ENF_EINVALID;
		goto done;
	}
	rc = purge_tree(wdir, 0);
	if (rc == 0 && !RemoveDirectoryW(wdir))
		rc = purge_error(wdir, "delete");
	if (rc == 0)
		*out = ENF_STEP_REMOVED;
done:
	free(wdir);
	return rc;
}
