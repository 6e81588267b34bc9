/* Windows implementations of the OS helpers in util.h. */
#define _CRT_RAND_S /* rand_s() in <stdlib.h> */
#include "util.h"
#include "console.h"
#include "win32_util.h"

#include "enforcer/common.h"
#include "enforcer/errors.h"

#include <process.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

wchar_t *enf_utf8_to_wide(const char *s)
{
	int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
	if (n <= 0)
		return NULL;
	wchar_t *w = malloc((size_t)n * sizeof(wchar_t));
	if (!w)
		return NULL;
	MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n);
	return w;
}

char *enf_wide_to_utf8(const wchar_t *w)
{
	int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
	if (n <= 0)
		return NULL;
	char *s = malloc((size_t)n);
	if (!s)
		return NULL;
	WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
	return s;
}

char *enf_os_error_text(int code)
{
	int hresult = (unsigned)code >= 0x80000000u;
	wchar_t *text = NULL;
	DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
	                             FORMAT_MESSAGE_IGNORE_INSERTS,
	                         NULL, (DWORD)code, 0, (LPWSTR)&text, 0, NULL);
	char *s = NULL;
	if (n && text) {
		/* Drop the trailing ".\r\n" Windows adds. */
		while (n && (text[n - 1] == L'\r' || text[n - 1] == L'\n' || text[n - 1] == L'.' ||
		             text[n - 1] == L' '))
			text[--n] = L'\0';
		char *u = enf_wide_to_utf8(text);
		s = u ? enf_asprintf(hresult ? "%s (error 0x%08lx)" : "%s (error %lu)", u,
		                     (unsigned long)code)
		      : NULL;
		free(u);
	}
	if (text)
		LocalFree(text);
	/* HRESULT-style codes (CryptoAPI's NTE_*, CRYPT_E_*) read as hex, as Microsoft documents
	 * them. */
	return s ? s : enf_asprintf(hresult ? "error 0x%08lx" : "error %lu", (unsigned long)code);
}

int enf_read_file(char **out, size_t *out_len, const char *path, size_t max)
{
	wchar_t *wpath = enf_utf8_to_wide(path);
	if (!wpath) {
		enf_error_set(ENF_ERRCLASS_INVALID, "'%s' is not a valid UTF-8 path", path);
		return ENF_EINVALID;
	}
	HANDLE h = CreateFileW(wpath, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
	                       FILE_ATTRIBUTE_NORMAL, NULL);
	free(wpath);
	if (h == INVALID_HANDLE_VALUE) {
		DWORD err = GetLastError();
		enf_error_set_os((int)err, "cannot open '%s'", path);
		return (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND) ? ENF_ENOTFOUND
		                                                                    : ENF_ERROR;
	}
	int rc = ENF_ERROR;
	char *data = NULL;
	LARGE_INTEGER size;
	if (!GetFileSizeEx(h, &size)) {
		enf_error_set_os((int)GetLastError(), "cannot read '%s'", path);
		goto done;
	}
	if ((unsigned long long)size.QuadPart > max) {
		enf_error_set(ENF_ERRCLASS_INVALID, "'%s' is %lld bytes; the limit is %zu bytes",
		              path, (long long)size.QuadPart, max);
		rc = ENF_ELIMIT;
		goto done;
	}
	size_t len = 0, want = (size_t)size.QuadPart;
	data = malloc(want + 1);
	if (!data) {
		rc = enf_error_oom();
		goto done;
	}
	while (len < want) {
		DWORD got = 0;
		if (!ReadFile(h, data + len, (DWORD)(want - len), &got, NULL)) {
			enf_error_set_os((int)GetLastError(), "cannot read '%s'", path);
			goto done;
		}
		if (got == 0)
			break;
		len += got;
	}
	data[len] = '\0';
	*out = data;
	*out_len = len;
	data = NULL;
	rc = 0;
done:
	free(data);
	CloseHandle(h);
	return rc;
}

int enf_write_file_atomic(const char *path, const void *data, size_t len)
{
	char *tmp = enf_temp_name(path);
	wchar_t *wtmp = tmp ? enf_utf8_to_wide(tmp) : NULL;
	wchar_t *wpath = enf_utf8_to_wide(path);
	int rc = ENF_ERROR;
	if (!tmp || !wtmp || !wpath) {
		rc = tmp ? enf_error_oom() : ENF_ERROR;
		goto done;
	}
	/* CREATE_NEW: a new file of our own, never one someone made first. */
	HANDLE h =
	    CreateFileW(wtmp, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
	if (h == INVALID_HANDLE_VALUE) {
		enf_error_set_os((int)GetLastError(), "cannot create '%s'", tmp);
		goto done;
	}
	const char *p = data;
	size_t left = len;
	while (left > 0) {
		DWORD chunk = left > 0x40000000 ? 0x40000000 : (DWORD)left, put = 0;
		if (!WriteFile(h, p, chunk, &put, NULL)) {
			enf_error_set_os((int)GetLastError(), "cannot write '%s'", tmp);
			CloseHandle(h);
			DeleteFileW(wtmp);
			goto done;
		}
		p += put;
		left -= put;
	}
	if (!FlushFileBuffers(h)) {
		enf_error_set_os((int)GetLastError(), "cannot flush '%s'", tmp);
		CloseHandle(h);
		DeleteFileW(wtmp);
		goto done;
	}
	CloseHandle(h);
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

struct enf_appender {
	HANDLE h;
	char *path;
};

int enf_appender_open(enf_appender **out, const char *path)
{
	wchar_t *wpath = enf_utf8_to_wide(path);
	enf_appender *a = calloc(1, sizeof(*a));
	if (!wpath || !a || !(a->path = enf_strdup(path))) {
		free(wpath);
		free(a);
		return enf_error_oom();
	}
	/* CREATE_NEW: a journal is never another run's, nor a file someone planted. */
	a->h = CreateFileW(wpath, FILE_APPEND_DATA, FILE_SHARE_READ, NULL, CREATE_NEW,
	                   FILE_ATTRIBUTE_NORMAL, NULL);
	free(wpath);
	if (a->h == INVALID_HANDLE_VALUE) {
		enf_error_set_os((int)GetLastError(), "cannot open '%s'", path);
		free(a->path);
		free(a);
		return ENF_ERROR;
	}
	*out = a;
	return 0;
}

int enf_appender_write(enf_appender *a, const void *data, size_t len)
{
	DWORD put = 0;
	if (!WriteFile(a->h, data, (DWORD)len, &put, NULL) || put != len) {
		enf_error_set_os((int)GetLastError(), "cannot write '%s'", a->path);
		return ENF_ERROR;
	}
	if (!FlushFileBuffers(a->h)) {
		enf_error_set_os((int)GetLastError(), "cannot flush '%s'", a->path);
		return ENF_ERROR;
	}
	return 0;
}

void enf_appender_close(enf_appender *a)
{
	if (!a)
		return;
	CloseHandle(a->h);
	free(a->path);
	free(a);
}

int enf_mkdir_p(const char *path)
{
	char *copy = enf_strdup(path);
	if (!copy)
		return enf_error_oom();
	int rc = 0;
	/* Skip a drive ("C:\") or UNC prefix before creating parts. */
	char *p = copy;
	if (p[0] && p[1] == ':')
		p += 2;
	while (*p == '\\' || *p == '/')
		p++;
	for (;; p++) {
		if (*p != '/' && *p != '\\' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		wchar_t *w = enf_utf8_to_wide(copy);
		if (!w) {
			rc = enf_error_oom();
			break;
		}
		if (!CreateDirectoryW(w, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) {
			enf_error_set_os((int)GetLastError(), "cannot create the folder '%s'",
			                 copy);
			free(w);
			rc = ENF_ERROR;
			break;
		}
		free(w);
		*p = saved;
		if (!saved)
			break;
	}
	free(copy);
	return rc;
}

int enf_path_exists(const char *path)
{
	wchar_t *w = enf_utf8_to_wide(path);
	DWORD attr = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
	free(w);
	return attr != INVALID_FILE_ATTRIBUTES;
}

struct enf_lock {
	HANDLE h;
};

int enf_lock_acquire(enf_lock **out, const char *path, unsigned wait_ms)
{
	wchar_t *w = enf_utf8_to_wide(path);
	if (!w)
		return enf_error_oom();
	HANDLE h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
	                       NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	free(w);
	if (h == INVALID_HANDLE_VALUE) {
		enf_error_set_os((int)GetLastError(), "cannot open the lock file '%s'", path);
		return ENF_ERROR;
	}
	double deadline = enf_now() + wait_ms / 1000.0;
	for (;;) {
		OVERLAPPED ov = {0};
		if (LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0,
		               &ov))
			break;
		DWORD err = GetLastError();
		if (err != ERROR_LOCK_VIOLATION && err != ERROR_IO_PENDING) {
			enf_error_set_os((int)err, "cannot lock '%s'", path);
			CloseHandle(h);
			return ENF_ERROR;
		}
		if (enf_now() >= deadline) {
			enf_error_set(
			    ENF_ERRCLASS_STATE,
			    "another enforcer run holds the lock '%s'; wait for it to finish or use --wait SECONDS",
			    path);
			CloseHandle(h);
			return ENF_ELOCKED;
		}
		enf_sleep_ms(100);
	}
	enf_lock *lock = malloc(sizeof(*lock));
	if (!lock) {
		CloseHandle(h);
		return enf_error_oom();
	}
	lock->h = h;
	*out = lock;
	return 0;
}

void enf_lock_release(enf_lock *lock)
{
	if (!lock)
		return;
	CloseHandle(lock->h); /* closing the handle releases the lock */
	free(lock);
}

char *enf_host_name(void)
{
	wchar_t buf[MAX_COMPUTERNAME_LENGTH + 64];
	DWORD n = (DWORD)(sizeof(buf) / sizeof(buf[0]));
	if (!GetComputerNameExW(ComputerNameDnsHostname, buf, &n))
		return enf_strdup("unknown");
	char *s = enf_wide_to_utf8(buf);
	return s ? s : enf_strdup("unknown");
}

char *enf_user_name(void)
{
	wchar_t buf[257];
	DWORD n = 257;
	if (!GetUserNameW(buf, &n))
		return enf_strdup("unknown");
	char *s = enf_wide_to_utf8(buf);
	return s ? s : enf_strdup("unknown");
}

char *enf_default_state_dir(void)
{
	wchar_t buf[MAX_PATH];
	DWORD n = GetEnvironmentVariableW(L"ProgramData", buf, MAX_PATH);
	char *base =
	    (n > 0 && n < MAX_PATH) ? enf_wide_to_utf8(buf) : enf_strdup("C:\\ProgramData");
	char *dir = base ? enf_asprintf("%s\\enforcer", base) : NULL;
	free(base);
	return dir;
}

/*
 * rand_s() is the C runtime's interface to the system's cryptographic
 * generator (RtlGenRandom, in advapi32, which every run loads anyway).
 * BCryptGenRandom gives the same bytes but loads bcrypt.dll, which under
 * Wine also loads GnuTLS: 3.5 MiB and milliseconds for a run id.
 */
int enf_random_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;
	while (len > 0) {
		unsigned int r;
		if (rand_s(&r) != 0) {
			enf_error_set(ENF_ERRCLASS_OS, "cannot get random bytes from the system");
			return ENF_ERROR;
		}
		size_t n = len < sizeof(r) ? len : sizeof(r);
		memcpy(p, &r, n);
		p += n;
		len -= n;
	}
	return 0;
}

double enf_now(void)
{
	FILETIME ft;
	GetSystemTimeAsFileTime(&ft);
	unsigned long long t = ((unsigned long long)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
	/* 100 ns ticks since 1601 to seconds since 1970. */
	return (double)(t - 116444736000000000ULL) / 1e7;
}

/* GetTickCount64 counts from boot and is not moved by changes of the system time. */
uint64_t enf_monotonic_ms(void)
{
	return GetTickCount64();
}

void enf_sleep_ms(unsigned ms)
{
	Sleep(ms);
}

struct enf_thread {
	HANDLE handle;
	void (*fn)(void *arg);
	void *arg;
};

static unsigned __stdcall thread_main(void *p)
{
	enf_thread *t = p;
	t->fn(t->arg);
	return 0;
}

enf_thread *enf_thread_run(void (*fn)(void *arg), void *arg)
{
	enf_thread *t = malloc(sizeof(*t));
	if (t) {
		t->fn = fn;
		t->arg = arg;
		/* _beginthreadex, not CreateThread: the thread uses the C runtime. */
		t->handle = (HANDLE)_beginthreadex(NULL, 0, thread_main, t, 0, NULL);
		if (t->handle)
			return t;
		free(t);
	}
	fn(arg);
	return NULL;
}

void enf_thread_join(enf_thread *thread)
{
	if (!thread)
		return;
	WaitForSingleObject(thread->handle, INFINITE);
	CloseHandle(thread->handle);
	free(thread);
}

void enf_die_now(void)
{
	TerminateProcess(GetCurrentProcess(), 137);
}

/* Folders and paths for the git source and the report writer (util.h). */

char *enf_path_absolute(const char *path)
{
	wchar_t *w = enf_utf8_to_wide(path);
	if (!w)
		return NULL;
	DWORD need = GetFullPathNameW(w, 0, NULL, NULL);
	wchar_t *full = need ? malloc((size_t)need * sizeof(wchar_t)) : NULL;
	char *out = NULL;
	if (full && GetFullPathNameW(w, need, full, NULL) > 0 &&
	    GetFileAttributesW(full) != INVALID_FILE_ATTRIBUTES)
		out = enf_wide_to_utf8(full);
	free(full);
	free(w);
	/* libgit2 spells Windows paths with '/'; so do we, to compare them. */
	for (char *p = out; p && *p; p++)
		if (*p == '\\')
			*p = '/';
	return out;
}

int enf_temp_dir(char **out)
{
	wchar_t base[MAX_PATH + 1];
	DWORD n = GetTempPathW(MAX_PATH + 1, base);
	if (n == 0 || n > MAX_PATH) {
		enf_error_set_os((int)GetLastError(), "cannot find the temporary folder");
		return ENF_ERROR;
	}
	char *dir = enf_wide_to_utf8(base);
	if (!dir)
		return enf_error_oom();
	/* A random name that is new, never an existing folder someone else made. */
	for (int tries = 0; tries < 16; tries++) {
		unsigned char rnd[6];
		if (enf_random_bytes(rnd, sizeof(rnd)))
			break;
		char *hex = enf_hex(rnd, sizeof(rnd), 0);
		char *path = hex ? enf_asprintf("%senforcer-%s", dir, hex) : NULL;
		wchar_t *w = path ? enf_utf8_to_wide(path) : NULL;
		free(hex);
		if (w && CreateDirectoryW(w, NULL)) {
			free(w);
			free(dir);
			*out = path;
			return 0;
		}
		DWORD err = w ? GetLastError() : ERROR_NOT_ENOUGH_MEMORY;
		free(w);
		free(path);
		if (err != ERROR_ALREADY_EXISTS) {
			enf_error_set_os((int)err, "cannot create a temporary folder in '%s'", dir);
			free(dir);
			return ENF_ERROR;
		}
	}
	enf_error_set(ENF_ERRCLASS_OS, "cannot create a temporary folder in '%s'", dir);
	free(dir);
	return ENF_ERROR;
}

int enf_dir_entries(char ***out, size_t *count, const char *path)
{
	char *pattern = enf_asprintf("%s\\*", path);
	wchar_t *w = pattern ? enf_utf8_to_wide(pattern) : NULL;
	free(pattern);
	if (!w)
		return enf_error_oom();
	WIN32_FIND_DATAW fd;
	HANDLE h = FindFirstFileW(w, &fd);
	free(w);
	if (h == INVALID_HANDLE_VALUE) {
		DWORD err = GetLastError();
		enf_error_set_os((int)err, "cannot read the folder '%s'", path);
		return err == ERROR_PATH_NOT_FOUND || err == ERROR_FILE_NOT_FOUND ? ENF_ENOTFOUND
		                                                                  : ENF_ERROR;
	}
	char **names = NULL;
	size_t n = 0, alloc = 0;
	int rc = 0;
	do {
		if (wcscmp(fd.cFileName, L".") == 0 || wcscmp(fd.cFileName, L"..") == 0)
			continue;
		if (enf_grow((void **)&names, &alloc, n + 1, sizeof(char *)) ||
		    !(names[n] = enf_wide_to_utf8(fd.cFileName))) {
			rc = enf_error_oom();
			break;
		}
		n++;
	} while (FindNextFileW(h, &fd));
	FindClose(h);
	return enf_dir_entries_finish(out, count, names, n, rc);
}

int enf_remove_file(const char *path)
{
	wchar_t *w = enf_utf8_to_wide(path);
	if (!w)
		return enf_error_oom();
	int rc = 0;
	if (!DeleteFileW(w) && GetLastError() != ERROR_FILE_NOT_FOUND &&
	    GetLastError() != ERROR_PATH_NOT_FOUND) {
		enf_error_set_os((int)GetLastError(), "cannot delete '%s'", path);
		rc = ENF_ERROR;
	}
	free(w);
	return rc;
}

int enf_remove_dir(const char *path)
{
	wchar_t *w = enf_utf8_to_wide(path);
	if (!w)
		return enf_error_oom();
	int rc = 0;
	if (!RemoveDirectoryW(w)) {
		enf_error_set_os((int)GetLastError(), "cannot delete the folder '%s'", path);
		rc = ENF_ERROR;
	}
	free(w);
	return rc;
}

void enf_gmtime(struct tm *out, time_t t)
{
	gmtime_s(out, &t);
}

/* enf_isatty_stdout and enf_isatty_stderr are in console_win32.c, which knows the console. */

/* The C runtime's own parser of the UTF-16 command line (msvcrt; no public header declares it). */
extern int __cdecl __wgetmainargs(int *argc, wchar_t ***argv, wchar_t ***env, int glob,
                                  void *startinfo);

int enf_main_args(int *argc, char ***argv)
{
	int n = 0;
	wchar_t **wargv = NULL, **wenv = NULL;
	int startinfo = 0; /* _startupinfo: its one member, the new-handler mode */
	if (__wgetmainargs(&n, &wargv, &wenv, 0, &startinfo) < 0 || !wargv || n < 1)
		return 0; /* keep the narrow arguments: better than none */
	char **out = calloc((size_t)n + 1, sizeof(char *));
	if (!out)
		return enf_error_oom();
	for (int i = 0; i < n; i++) {
		if (!(out[i] = enf_wide_to_utf8(wargv[i]))) {
			while (i > 0)
				free(out[--i]);
			free(out);
			return enf_error_oom();
		}
	}
	*argc = n;
	*argv = out;
	return 0;
}
