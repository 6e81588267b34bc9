/*
 * Registry values under HKLM. Always the 64-bit view (KEY_WOW64_64KEY), so
 * that the enforcer reads and writes what Windows itself uses whatever the
 * bitness of the process. Every value round-trips exactly: the kinds a
 * policy knows are decoded, and any other type, or data not in the form
 * RegSetValueExW documents (util/reg_bytes.c), is kept as its bytes so that
 * a rollback writes back the very bytes that were there.
 */
#include "win32_int.h"

#include "enforcer/errors.h"
#include "util/json_util.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* A registry value is at most about 1 MB on Windows; this bounds a changing value's retries. */
#define REG_MAX_BYTES (64u * 1024 * 1024)

/* The UTF-16 path below HKLM of "HKLM\A\B" or "HKEY_LOCAL_MACHINE\A\B". */
static int parse_key(wchar_t **out, const char *key)
{
	const char *rest = NULL;
	if (enf_starts_with_nocase(key, "HKLM\\"))
		rest = key + 5;
	else if (enf_starts_with_nocase(key, "HKEY_LOCAL_MACHINE\\"))
		rest = key + 19;
	if (!rest || !*rest) {
		enf_error_set(ENF_ERRCLASS_INVALID,
		              "registry key '%s' is not a key under HKLM (HKEY_LOCAL_MACHINE)",
		              key);
		return ENF_EINVALID;
	}
	return enf_w32_wide(out, rest, "the registry key name");
}

static const char *shown_name(const char *name)
{
	return *name ? name : "(default)";
}

static int open_key(HKEY *out, HKEY parent, const wchar_t *subkey, REGSAM access, const char *shown)
{
	LONG rc = RegOpenKeyExW(parent, subkey, 0, access | KEY_WOW64_64KEY, out);
	if (rc == ERROR_SUCCESS)
		return 0;
	if (rc == ERROR_FILE_NOT_FOUND || rc == ERROR_PATH_NOT_FOUND) {
		enf_error_set(ENF_ERRCLASS_PROVIDER, "registry key '%s' does not exist", shown);
		return ENF_ENOTFOUND;
	}
	enf_error_set_os((int)rc, "cannot open registry key '%s'%s", shown,
	                 access & KEY_SET_VALUE ? " for writing" : "");
	return enf_w32_code((DWORD)rc);
}

static int query(enf_reg_value *out, HKEY k, const wchar_t *wname, const char *shown_key,
                 const char *name)
{
	/*
	 * One call into a buffer on the stack for the usual small value (each
	 * call is a round trip to the wineserver under Wine); a larger one, or
	 * one that grows meanwhile, is asked again with the size it needs.
	 */
	BYTE small[256], *data = small, *heap = NULL;
	DWORD type = 0, size = sizeof(small), got = size;
	LONG rc = RegQueryValueExW(k, wname, NULL, &type, data, &got);
	for (int tries = 0; rc == ERROR_MORE_DATA; tries++) {
		size = got > size ? got : size * 2;
		if (size > REG_MAX_BYTES || tries >= 8) {
			enf_error_set(ENF_ERRCLASS_PROVIDER, "value '%s\\%s' is too large to read",
			              shown_key, shown_name(name));
			free(heap);
			return ENF_ELIMIT;
		}
		BYTE *bigger = realloc(heap, size);
		if (!bigger) {
			free(heap);
			return enf_error_oom();
		}
		data = heap = bigger;
		got = size;
		rc = RegQueryValueExW(k, wname, NULL, &type, data, &got);
	}
	if (rc == ERROR_SUCCESS)
		size = got;
	int ret;
	if (rc == ERROR_SUCCESS) {
		ret = enf_reg_value_decode(out, type, data, size);
		if (ret == ENF_EINVALID)
			enf_error_set(
			    ENF_ERRCLASS_PROVIDER,
			    "value '%s\\%s' holds text that is not valid UTF-16; it cannot be compared or restored as text",
			    shown_key, shown_name(name));
	} else if (rc == ERROR_FILE_NOT_FOUND) {
		enf_error_set(ENF_ERRCLASS_PROVIDER, "value '%s\\%s' does not exist", shown_key,
		              shown_name(name));
		ret = ENF_ENOTFOUND;
	} else {
		enf_error_set_os((int)rc, "cannot read value '%s\\%s'", shown_key,
		                 shown_name(name));
		ret = enf_w32_code((DWORD)rc);
	}
	free(heap);
	return ret;
}

int enf_w32_reg_read(enf_reg_value *out, HKEY parent, const wchar_t *subkey, const wchar_t *name,
                     const char *shown)
{
	HKEY k;
	int rc = open_key(&k, parent, subkey, KEY_QUERY_VALUE, shown);
	if (rc)
		return rc;
	char *n = NULL;
	rc = enf_w32_utf8(&n, name);
	if (rc == 0)
		rc = query(out, k, name, shown, n);
	free(n);
	RegCloseKey(k);
	return rc;
}

/*
 * The key of the last read, kept open: a policy reads its values key by key
 * (a baseline has 2 to 12 values under one key), and opening and closing a
 * key are two more round trips to the wineserver for every value under Wine.
 * A read-only handle locks nothing: values written or deleted through other
 * handles read as they are now, and a key deleted meanwhile is opened again.
 * `given` is the key as the caller wrote it: the next read of the same text
 * needs neither its conversion to UTF-16 nor a comparison of paths.
 * enf_w32_reg_release(), from the provider's close, lets it go.
 */
static struct {
	char *given;
	wchar_t *path;
	HKEY key;
} g_last;

void enf_w32_reg_release(void)
{
	if (g_last.key)
		RegCloseKey(g_last.key);
	free(g_last.given);
	free(g_last.path);
	memset(&g_last, 0, sizeof(g_last));
}

/* The open key for `sub` (written `key`), from g_last or opened now (and kept there). */
static int read_key(HKEY *out, const wchar_t *sub, const char *key, int fresh)
{
	if (!fresh && g_last.key && _wcsicmp(g_last.path, sub) == 0) {
		*out = g_last.key;
		return 0;
	}
	enf_w32_reg_release();
	HKEY k;
	int rc = open_key(&k, HKEY_LOCAL_MACHINE, sub, KEY_QUERY_VALUE, key);
	if (rc)
		return rc;
	if ((g_last.path = _wcsdup(sub))) {
		g_last.key = k;
		g_last.given = enf_strdup(key); /* NULL only costs the shortcut */
	} else {
		RegCloseKey(k);
	}
	*out = k;
	return g_last.path ? 0 : enf_error_oom();
}

/*
 * A value name in UTF-16: in `buf` (`n` characters) when it fits, the usual
 * case, else allocated into *heap. Errors as w32_wide's.
 */
static int wide_name(const wchar_t **out, wchar_t **heap, wchar_t *buf, int n, const char *name)
{
	*heap = NULL;
	if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, name, -1, buf, n) > 0) {
		*out = buf;
		return 0;
	}
	/* Too long, or not UTF-8: w32_wide allocates, or says what is wrong. */
	int rc = enf_w32_wide(heap, name, "the value name");
	*out = *heap;
	return rc;
}

int enf_w32_reg_get(enf_reg_value *out, void *self, const char *key, const char *name)
{
	(void)self;
	wchar_t *sub = NULL, *heap_name = NULL, buf[128];
	const wchar_t *wname = NULL;
	HKEY k = NULL;
	/* The same text as the last read's key is that key, already open. */
	int same = g_last.key && g_last.given && strcmp(g_last.given, key) == 0;
	int rc = same ? 0 : parse_key(&sub, key);
	if (rc == 0)
		rc = wide_name(&wname, &heap_name, buf, (int)ENF_ARRAY_SIZE(buf), name);
	if (rc == 0 && same)
		k = g_last.key;
	else if (rc == 0)
		rc = read_key(&k, sub, key, 0);
	if (rc == 0) {
		rc = query(out, k, wname, key, name);
		/*
		 * The kept key was deleted (and maybe made again) by someone else
		 * (ERROR_KEY_DELETED, which w32_code makes ENF_ERROR): open it anew.
		 */
		if (rc == ENF_ERROR && (sub || (rc = parse_key(&sub, key)) == 0) &&
		    (rc = read_key(&k, sub, key, 1)) == 0)
			rc = query(out, k, wname, key, name);
	}
	free(sub);
	free(heap_name);
	return rc;
}

int enf_w32_reg_set(void *self, const char *key, const char *name, const enf_reg_value *value)
{
	(void)self;
	wchar_t *sub = NULL, *wname = NULL;
	enf_buf data = ENF_BUF_INIT;
	HKEY k = NULL;
	int rc = parse_key(&sub, key);
	if (rc == 0)
		rc = enf_w32_wide(&wname, name, "the value name");
	if (rc == 0)
		rc = enf_reg_value_encode(&data, value);
	/*
	 * Text whose bytes do not end with a NUL gets one from RegSetValueExW
	 * when the character just past the buffer is a NUL (Wine does, and its
	 * source says Windows NT does too): a non-NUL character there, not
	 * counted, keeps the write to exactly the bytes given.
	 */
	size_t len = data.len;
	enf_buf_put(&data, "\xff\xff", 2);
	if (rc == 0 && data.failed)
		rc = enf_error_oom();
	if (rc)
		goto done;
	if (len > 0xFFFFFFFFu) {
		enf_error_set(ENF_ERRCLASS_INVALID, "the data for '%s\\%s' is too large", key,
		              shown_name(name));
		rc = ENF_ELIMIT;
		goto done;
	}
	/* Missing keys on the way are created, as POLICY.md promises. */
	LONG err = RegCreateKeyExW(HKEY_LOCAL_MACHINE, sub, 0, NULL, REG_OPTION_NON_VOLATILE,
	                           KEY_SET_VALUE | KEY_WOW64_64KEY, NULL, &k, NULL);
	if (err != ERROR_SUCCESS) {
		k = NULL;
		enf_error_set_os((int)err, "cannot open registry key '%s' for writing", key);
		rc = enf_w32_code((DWORD)err);
		goto done;
	}
	/* Setting a value of another type replaces it, kind and all. */
	err = RegSetValueExW(k, wname, 0, value->type, (const BYTE *)data.ptr, (DWORD)len);
	if (err != ERROR_SUCCESS) {
		enf_error_set_os((int)err, "cannot write value '%s\\%s'", key, shown_name(name));
		rc = enf_w32_code((DWORD)err);
	}
done:
	if (k)
		RegCloseKey(k);
	enf_buf_clear(&data);
	free(sub);
	free(wname);
	return rc;
}

int enf_w32_reg_delete(void *self, const char *key, const char *name)
{
	(void)self;
	wchar_t *sub = NULL, *wname = NULL;
	HKEY k = NULL;
	int rc = parse_key(&sub, key);
	if (rc == 0)
		rc = enf_w32_wide(&wname, name, "the value name");
	if (rc == 0)
		rc = open_key(&k, HKEY_LOCAL_MACHINE, sub, KEY_SET_VALUE, key);
	if (rc == 0) {
		LONG err = RegDeleteValueW(k, wname);
		if (err == ERROR_FILE_NOT_FOUND) {
			enf_error_set(ENF_ERRCLASS_PROVIDER, "value '%s\\%s' does not exist", key,
			              shown_name(name));
			rc = ENF_ENOTFOUND;
		} else if (err != ERROR_SUCCESS) {
			enf_error_set_os((int)err, "cannot delete value '%s\\%s'", key,
			                 shown_name(name));
			rc = enf_w32_code((DWORD)err);
		}
	}
	if (k)
		RegCloseKey(k);
	free(sub);
	free(wname);
	return rc;
}

int enf_w32_reg_values(char ***out, size_t *count, void *self, const char *key)
{
	(void)self;
	wchar_t *sub = NULL, *buf = NULL;
	char **names = NULL;
	size_t n = 0, alloc = 0;
	HKEY k = NULL;
	int rc = parse_key(&sub, key);
	if (rc == 0)
		rc = open_key(&k, HKEY_LOCAL_MACHINE, sub, KEY_QUERY_VALUE, key);
	if (rc)
		goto done;
	DWORD longest = 0;
	RegQueryInfoKeyW(k, NULL, NULL, NULL, NULL, NULL, NULL, NULL, &longest, NULL, NULL, NULL);
	DWORD size = longest + 1;
	for (DWORD i = 0;;) {
		wchar_t *bigger = realloc(buf, (size_t)size * sizeof(wchar_t));
		if (!bigger) {
			rc = enf_error_oom();
			break;
		}
		buf = bigger;
		DWORD len = size;
		LONG err = RegEnumValueW(k, i, buf, &len, NULL, NULL, NULL, NULL);
		if (err == ERROR_NO_MORE_ITEMS)
			break;
		if (err == ERROR_MORE_DATA && size < 32768) {
			size = 32768; /* a value added meanwhile with a longer name: the Windows
			                 maximum */
			continue;
		}
		if (err != ERROR_SUCCESS) {
			enf_error_set_os((int)err, "cannot list the values of registry key '%s'",
			                 key);
			rc = enf_w32_code((DWORD)err);
			break;
		}
		buf[len] = L'\0';
		char *name = NULL;
		if ((rc = enf_w32_utf8(&name, buf)))
			break;
		if (enf_grow((void **)&names, &alloc, n + 1, sizeof(char *))) {
			free(name);
			rc = enf_error_oom();
			break;
		}
		names[n++] = name;
		i++;
	}
	if (rc == 0 && !names && !(names = calloc(1, sizeof(char *))))
		rc = enf_error_oom();
done:
	if (rc) {
		while (n > 0)
			free(names[--n]);
		free(names);
	} else {
		*out = names;
		*count = n;
	}
	if (k)
		RegCloseKey(k);
	free(buf);
	free(sub);
	return rc;
}

/* RegQueryInfoKeyW's counts of values and subkeys, on an open key. */
static int key_counts(size_t *values, size_t *subkeys, HKEY k, const char *key)
{
	DWORD nvalues = 0, nsubkeys = 0;
	LONG err = RegQueryInfoKeyW(k, NULL, NULL, NULL, &nsubkeys, NULL, NULL, &nvalues, NULL,
	                            NULL, NULL, NULL);
	if (err != ERROR_SUCCESS) {
		enf_error_set_os((int)err, "cannot read registry key '%s'", key);
		return enf_w32_code((DWORD)err);
	}
	*values = nvalues;
	*subkeys = nsubkeys;
	return 0;
}

int enf_w32_reg_key_info(size_t *values, size_t *subkeys, void *self, const char *key)
{
	(void)self;
	wchar_t *sub = NULL;
	HKEY k = NULL;
	int rc = parse_key(&sub, key);
	if (rc == 0)
		rc = open_key(&k, HKEY_LOCAL_MACHINE, sub, KEY_QUERY_VALUE, key);
	if (rc == 0)
		rc = key_counts(values, subkeys, k, key);
	if (k)
		RegCloseKey(k);
	free(sub);
	return rc;
}

int enf_w32_reg_key_remove(void *self, const char *key)
{
	(void)self;
	wchar_t *sub = NULL;
	HKEY k = NULL;
	size_t values = 0, subkeys = 0;
	int rc = parse_key(&sub, key);
	if (rc == 0)
		rc = open_key(&k, HKEY_LOCAL_MACHINE, sub, KEY_QUERY_VALUE, key);
	if (rc == 0)
		rc = key_counts(&values, &subkeys, k, key);
	if (rc == 0 && (values || subkeys)) {
		enf_error_set(
		    ENF_ERRCLASS_PROVIDER,
		    "registry key '%s' is not empty (values: %zu, subkeys: %zu): left as it is",
		    key, values, subkeys);
		rc = ENF_EEXISTS;
	}
	if (k)
		RegCloseKey(k);
	/*
	 * RegDeleteKeyExW refuses a key with subkeys but would take its values
	 * with it: hence the count first. A value written in between is the one
	 * window left (the registry has no "delete if empty").
	 */
	if (rc == 0) {
		enf_w32_reg_release(); /* the kept read handle may be this key */
		LONG err = RegDeleteKeyExW(HKEY_LOCAL_MACHINE, sub, KEY_WOW64_64KEY, 0);
		if (err != ERROR_SUCCESS && err != ERROR_FILE_NOT_FOUND) {
			enf_error_set_os((int)err, "cannot remove registry key '%s'", key);
			rc = enf_w32_code((DWORD)err);
		}
	}
	free(sub);
	return rc;
}
