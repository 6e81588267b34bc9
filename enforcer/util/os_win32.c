/* Windows implementations of the OS helpers in util.h. */
#include "util.h"
#include "win32_util.h"

#include "enforcer/common.h"
#include "enforcer/errors.h"

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
	wchar_t *text = NULL;
	DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER |
					 FORMAT_MESSAGE_FROM_SYSTEM |
					 FORMAT_MESSAGE_IGNORE_INSERTS,
				 NULL, (DWORD)code, 0, (LPWSTR)&text, 0, NULL);
	char *s = NULL;
	if (n && text) {
		/* Drop the trailing ".\r\n" Windows adds. */
		while (n && (text[n - 1] == L'\r' || text[n - 1] == L'\n' ||
			     text[n - 1] == L'.' || text[n - 1] == L' '))
			text[--n] = L'\0';
		char *u = enf_wide_to_utf8(text);
		s = u ? enf_asprintf("%s (error %lu)", u, (unsigned long)code) : NULL;
		free(u);
	}
	if (text)
		LocalFree(text);
	return s ? s : enf_asprintf("error %lu", (unsigned long)code);
}

int enf_read_file(char **out, size_t *out_len, const char *path, size_t max)
{
	wchar_t *wpath = enf_utf8_to_wide(path);
	if (!wpath) {
		enf_error_set(ENF_ERRCLASS_INVALID, "'%s' is not a valid UTF-8 path", path);
		return ENF_EINVALID;
	}
	HANDLE h = CreateFileW(wpath, GENERIC_READ, FILE_SHARE_READ, NULL,
			       OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
	free(wpath);
	if (h == INVALID_HANDLE_VALUE) {
		DWORD err = GetLastError();
		enf_error_set_os((int)err, "cannot open '%s'", path);
		return (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND)
			       ? ENF_ENOTFOUND
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
		enf_error_set(ENF_ERRCLASS_INVALID,
			      "'%s' is %lld bytes; the limit is %zu bytes", path,
			      (long long)size.QuadPart, max);
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
