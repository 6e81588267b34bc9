/*
 * Reading a .reg file as regedit writes it ("Windows Registry Editor Version
 * 5.00" in UTF-16 LE with a byte-order mark, or "REGEDIT4" in the ANSI code
 * page), for `enforcer import-reg`: every value set or deleted under
 * HKEY_LOCAL_MACHINE, in the file's order, the last one winning as in regedit.
 *
 * The format, as regedit writes it: [KEY] lines, [-KEY] to delete a key,
 * "NAME"=... or @=... (the default value) below them; data "text" (with \\
 * and \" escapes), dword:8-hex-digits, hex:bytes (REG_BINARY) or
 * hex(N):bytes (type N, e.g. 2 expand, 7 multi, b qword), or - to delete the
 * value; byte lists wrapped over lines ending in a backslash; lines starting
 * with ';' are comments.
 */
#include "enforcer/errors.h"
#include "enforcer/policy.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

typedef struct reader {
	const char *path;
	enf_regfile *rf;
	int version; /* 5 or 4 */
	char *key;   /* the current [KEY], "HKLM\..." */
	unsigned line;
} reader;

static int fail(const reader *r, const char *fmt, const char *arg)
{
	char *what = enf_asprintf(fmt, arg ? arg : "");
	enf_error_set(ENF_ERRCLASS_POLICY, "%s:%u: %s", r->path, r->line, what ? what : fmt);
	free(what);
	return ENF_EINVALID;
}

/* Appends code point `cp` as UTF-8. */
static void put_utf8(enf_buf *b, uint32_t cp)
{
	unsigned char s[4];
	size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	if (n == 1) {
		s[0] = (unsigned char)cp;
	} else {
		for (size_t i = n - 1; i > 0; i--, cp >>= 6)
			s[i] = (unsigned char)(0x80 | (cp & 0x3F));
		s[0] = (unsigned char)((n == 2 ? 0xC0 : n == 3 ? 0xE0 : 0xF0) | cp);
	}
	enf_buf_put(b, s, n);
}

/* UTF-16 LE to UTF-8; -1 on an unpaired surrogate, an odd length, or a NUL when !nul_ok. */
static int utf16_to_utf8(enf_buf *b, const unsigned char *p, size_t len, int nul_ok)
{
	if (len % 2)
		return -1;
	for (size_t i = 0; i < len; i += 2) {
		uint32_t cp = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8;
		if (cp >= 0xD800 && cp <= 0xDBFF && i + 3 < len) {
			uint32_t lo = (uint32_t)p[i + 2] | (uint32_t)p[i + 3] << 8;
			if (lo < 0xDC00 || lo > 0xDFFF)
				return -1;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			i += 2;
		} else if (cp >= 0xD800 && cp <= 0xDFFF) {
			return -1;
		}
		if (cp == 0 && !nul_ok)
			return -1;
		put_utf8(b, cp);
	}
	return 0;
}

/* Windows-1252 to UTF-8 (regedit's REGEDIT4 files are in the ANSI code page). */
static void ansi_to_utf8(enf_buf *b, const unsigned char *p, size_t len)
{
	/* 0x80-0x9F; 0 where 1252 has no character (kept as the C1 control). */
	static const uint16_t high[32] = {
	    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
	    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
	    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};
	for (size_t i = 0; i < len; i++) {
		uint32_t cp =
		    p[i] >= 0x80 && p[i] <= 0x9F && high[p[i] - 0x80] ? high[p[i] - 0x80] : p[i];
		put_utf8(b, cp);
	}
}

static int valid_utf8(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t n = p[i] < 0x80             ? 1
		           : (p[i] & 0xE0) == 0xC0 ? 2
		           : (p[i] & 0xF0) == 0xE0 ? 3
		           : (p[i] & 0xF8) == 0xF0 ? 4
		                                   : 0;
		if (n == 0 || i + n > len)
			return 0;
		for (size_t k = 1; k < n; k++)
			if ((p[i + k] & 0xC0) != 0x80)
				return 0;
		i += n;
	}
	return 1;
}

/* The whole file as UTF-8 text. */
static int decode_file(enf_buf *text, const unsigned char *data, size_t len, const char *path)
{
	if (len >= 2 && data[0] == 0xFF && data[1] == 0xFE) {
		if (utf16_to_utf8(text, data + 2, len - 2, 0) == 0)
			return 0;
		enf_error_set(
		    ENF_ERRCLASS_POLICY,
		    "%s: not valid UTF-16 text (an odd length, a NUL or a broken surrogate)", path);
		return ENF_EINVALID;
	}
	if (len >= 2 && data[0] == 0xFE && data[1] == 0xFF) {
		enf_error_set(
		    ENF_ERRCLASS_POLICY,
		    "%s: UTF-16 big-endian, which regedit never writes: save it as Unicode "
		    "(UTF-16 LE) or UTF-8",
		    path);
		return ENF_EINVALID;
	}
	if (len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF) {
		data += 3;
		len -= 3;
	}
	if (memchr(data, '\0', len)) {
		enf_error_set(ENF_ERRCLASS_POLICY,
		              "%s: holds NUL bytes, as UTF-16 without a byte-order mark would: "
		              "export it again with regedit, or save it as UTF-8",
		              path);
		return ENF_EINVALID;
	}
	if (valid_utf8(data, len))
		enf_buf_put(text, data, len);
	else
		ansi_to_utf8(text, data, len);
	return 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* [KEY]: the current key, "HKLM\..."; keys outside HKLM are refused. */
static int read_key(reader *r, char *line)
{
	size_t n = strlen(line);
	if (line[n - 1] != ']')
		return fail(r, "a key line must end with ']': %s", line);
	line[n - 1] = '\0';
	if (line[1] == '-')
		return fail(r,
		            "[-%s] deletes a whole key, which a policy of registry values cannot "
		            "express: list its values as \"NAME\"=- instead, or delete it by hand",
		            line + 2);
	const char *path = line + 1, *rest = NULL;
	static const char *const roots[] = {"HKEY_LOCAL_MACHINE\\", "HKLM\\"};
	for (size_t i = 0; i < 2 && !rest; i++)
		if (enf_starts_with_nocase(path, roots[i]))
			rest = path + strlen(roots[i]);
	if (!rest)
		return fail(r,
		            "key '%s' is outside HKEY_LOCAL_MACHINE: enforcer manages machine "
		            "settings only",
		            path);
	if (!*rest)
		return fail(r, "key '%s' names no key under HKEY_LOCAL_MACHINE", path);
	free(r->key);
	r->key = enf_asprintf("HKLM\\%s", rest);
	return r->key ? 0 : enf_error_oom();
}

/* A quoted string at *p (which points at '"'): unescaped into *out; *p after it. */
static int read_quoted(reader *r, char **p, char **out)
{
	enf_buf b = ENF_BUF_INIT;
	char *s = *p + 1;
	for (; *s && *s != '"'; s++) {
		if (*s == '\\' && (s[1] == '\\' || s[1] == '"'))
			s++;
		else if (*s == '\\') {
			enf_buf_clear(&b);
			return fail(
			    r,
			    "unknown escape '\\%.1s' in a string: regedit writes only \\\\ and \\\"",
			    s + 1);
		}
		enf_buf_put(&b, s, 1);
	}
	if (*s != '"') {
		enf_buf_clear(&b);
		return fail(r, "a string without its closing '\"'%s", NULL);
	}
	*p = s + 1;
	enf_buf_put(&b, "", 0);
	*out = b.ptr ? enf_buf_detach(&b) : enf_strdup("");
	return *out ? 0 : enf_error_oom();
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

/* "01,02,ff" (spaces allowed around the commas; empty for no bytes). */
static int read_bytes(reader *r, const char *s, enf_buf *out)
{
	while (*s == ' ' || *s == '\t')
		s++;
	while (*s) {
		/* Two digits a byte, as regedit writes them. */
		int hi = hex_digit(s[0]), lo = hi >= 0 ? hex_digit(s[1]) : -1;
		if (lo < 0)
			return fail(r, "'%s' is not a list of hex bytes such as 0a,ff,00", s);
		unsigned char byte = (unsigned char)(hi * 16 + lo);
		enf_buf_put(out, &byte, 1);
		s += 2;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == ',') {
			s++;
			while (*s == ' ' || *s == '\t')
				s++;
			if (!*s)
				return fail(r, "a byte list ends with ','%s", NULL);
		} else if (*s) {
			return fail(r, "'%s' is not a list of hex bytes such as 0a,ff,00", s);
		}
	}
	return 0;
}

/* Text of a hex(1), hex(2) or one of hex(7)'s strings: UTF-16 LE (version 5) or ANSI. */
static int bytes_text(reader *r, const unsigned char *p, size_t len, char **out)
{
	enf_buf b = ENF_BUF_INIT;
	if (r->version == 5 ? utf16_to_utf8(&b, p, len, 0) != 0 : memchr(p, 0, len) != NULL) {
		enf_buf_clear(&b);
		return fail(r,
		            "the string data is not UTF-16 text without NULs inside (a value a "
		            "policy's text kinds cannot hold)%s",
		            NULL);
	}
	if (r->version != 5)
		ansi_to_utf8(&b, p, len);
	enf_buf_put(&b, "", 0);
	*out = b.ptr ? enf_buf_detach(&b) : enf_strdup("");
	return *out ? 0 : enf_error_oom();
}

/* Raw bytes of type `type` to a value of one of the policy's kinds. */
static int typed_value(reader *r, uint32_t type, const unsigned char *p, size_t len,
                       enf_reg_value *v)
{
	size_t unit = r->version == 5 ? 2 : 1; /* the size of a NUL character */
	v->type = type;
	switch (type) {
	case ENF_REG_SZ:
	case ENF_REG_EXPAND_SZ:
		/* One terminating NUL, as regedit writes it; some writers leave it out. */
		if (len >= unit && !memcmp(p + len - unit, "\0\0", unit))
			len -= unit;
		return bytes_text(r, p, len, &v->text);
	case ENF_REG_MULTI_SZ: {
		size_t i = 0, alloc = 0;
		while (i < len) {
			size_t end = i;
			while (end + unit <= len && memcmp(p + end, "\0\0", unit))
				end += unit;
			if (end == i && end + unit >= len)
				break; /* the list's final NUL */
			if (end == i)
				return fail(
				    r,
				    "the multi-sz data holds an empty string before its end: "
				    "programs reading it stop there, and a policy cannot hold it%s",
				    NULL);
			char *s = NULL;
			if (bytes_text(r, p + i, end - i, &s))
				return ENF_EINVALID;
			if (enf_grow((void **)&v->list, &alloc, v->count + 1, sizeof(char *))) {
				free(s);
				return enf_error_oom();
			}
			v->list[v->count++] = s;
			i = end + unit;
		}
		return 0;
	}
	case ENF_REG_DWORD:
	case ENF_REG_QWORD:
		if (len != (type == ENF_REG_DWORD ? 4u : 8u))
			return fail(r,
			            "a %s must be exactly its bytes (4 for hex(4), 8 for hex(b))",
			            type == ENF_REG_DWORD ? "DWORD" : "QWORD");
		for (size_t i = len; i > 0; i--)
			v->number = v->number << 8 | p[i - 1];
		return 0;
	case ENF_REG_BINARY:
		v->bytes = malloc(len ? len : 1);
		if (!v->bytes)
			return enf_error_oom();
		memcpy(v->bytes, p, len);
		v->size = len;
		return 0;
	default: {
		char *n = enf_asprintf("%x", (unsigned)type);
		int rc =
		    fail(r,
		         "hex(%s) is a registry type no policy kind holds: the kinds are dword "
		         "(hex(4)), qword (hex(b)), sz (hex(1)), expand-sz (hex(2)), multi-sz "
		         "(hex(7)) and binary (hex or hex(3))",
		         n ? n : "?");
		free(n);
		return rc;
	}
	}
}

/* The part after '=': the value's data, or '-' (delete). */
static int read_data(reader *r, char *s, enf_regfile_entry *e)
{
	s = trim(s);
	if (strcmp(s, "-") == 0) {
		e->remove = 1;
		return 0;
	}
	if (*s == '"') {
		char *end = s;
		e->value.type = ENF_REG_SZ;
		if (read_quoted(r, &end, &e->value.text))
			return ENF_EINVALID;
		if (*trim(end))
			return fail(r, "'%s' after the closing '\"' of a string", trim(end));
		return 0;
	}
	if (enf_starts_with_nocase(s, "dword:")) {
		const char *h = s + 6;
		size_t n = strlen(h);
		uint64_t v = 0;
		for (size_t i = 0; i < n && n <= 8; i++)
			v = hex_digit(h[i]) < 0 ? UINT64_MAX : v * 16 + (uint64_t)hex_digit(h[i]);
		if (n == 0 || n > 8 || v == UINT64_MAX)
			return fail(r, "'%s' is not dword: followed by 1 to 8 hex digits", s);
		e->value.type = ENF_REG_DWORD;
		e->value.number = v;
		return 0;
	}
	uint32_t type = ENF_REG_BINARY;
	const char *bytes = NULL;
	if (enf_starts_with_nocase(s, "hex:")) {
		bytes = s + 4;
	} else if (enf_starts_with_nocase(s, "hex(")) {
		char *close = strchr(s, ')');
		type = 0;
		for (const char *h = s + 4; close && h < close; h++)
			type = hex_digit(*h) < 0 || type > 0xFFFFFFF
			           ? UINT32_MAX
			           : type * 16 + (uint32_t)hex_digit(*h);
		if (!close || close == s + 4 || close[1] != ':' || type == UINT32_MAX)
			return fail(r, "'%s' is not hex(TYPE): followed by bytes", s);
		bytes = close + 2;
	} else {
		return fail(r,
		            "'%s' is none of the data regedit writes: \"text\", dword:, hex:, "
		            "hex(TYPE): or - (delete)",
		            s);
	}
	enf_buf raw = ENF_BUF_INIT;
	int rc = read_bytes(r, bytes, &raw);
	if (rc == 0)
		rc = typed_value(r, type, (const unsigned char *)(raw.ptr ? raw.ptr : ""), raw.len,
		                 &e->value);
	enf_buf_clear(&raw);
	return rc;
}

/* Adds or replaces (the last one wins, as in regedit) the entry for key and name. */
static int add_entry(reader *r, enf_regfile_entry *e)
{
	enf_regfile *rf = r->rf;
	for (size_t i = 0; i < rf->count; i++) {
		enf_regfile_entry *old = &rf->entries[i];
		if (enf_strcaseeq(old->key, e->key) && enf_strcaseeq(old->name, e->name)) {
			free(old->key);
			free(old->name);
			enf_reg_value_clear(&old->value);
			*old = *e;
			return 0;
		}
	}
	if (enf_grow((void **)&rf->entries, &rf->alloc, rf->count + 1, sizeof(*e)))
		return enf_error_oom();
	rf->entries[rf->count++] = *e;
	return 0;
}

static int read_value(reader *r, char *line)
{
	if (!r->key)
		return fail(r, "a value before any [HKEY_LOCAL_MACHINE\\...] key line%s", NULL);
	enf_regfile_entry e = {.line = r->line};
	char *p = line;
	int rc = 0;
	if (*p == '@') {
		e.name = enf_strdup("");
		p++;
	} else {
		rc = read_quoted(r, &p, &e.name);
	}
	if (rc == 0 && !e.name)
		rc = enf_error_oom();
	p = rc ? p : trim(p);
	if (rc == 0 && *p != '=')
		rc = fail(r, "expected '=' after the value's name, not '%s'", p);
	if (rc == 0)
		rc = read_data(r, p + 1, &e);
	if (rc == 0 && !(e.key = enf_strdup(r->key)))
		rc = enf_error_oom();
	if (rc == 0)
		rc = add_entry(r, &e);
	if (rc) {
		free(e.key);
		free(e.name);
		enf_reg_value_clear(&e.value);
	}
	return rc;
}

/* One logical line (continuations joined): the header, a [KEY], a value, or nothing. */
static int read_line(reader *r, char *l)
{
	if (r->version == 0) {
		if (!*l)
			return 0;
		if (strcmp(l, "Windows Registry Editor Version 5.00") == 0)
			r->version = 5;
		else if (strcmp(l, "REGEDIT4") == 0)
			r->version = 4;
		else
			return fail(
			    r,
			    "not a .reg file: its first line must be 'Windows Registry Editor "
			    "Version 5.00' or 'REGEDIT4', not '%s'",
			    l);
		return 0;
	}
	if (*l == '[')
		return read_key(r, l);
	if (*l && *l != ';')
		return read_value(r, l);
	return 0;
}

int enf_regfile_parse(enf_regfile **out, const unsigned char *data, size_t len, const char *path)
{
	enf_buf text = ENF_BUF_INIT, logical = ENF_BUF_INIT;
	reader r = {.path = path, .rf = calloc(1, sizeof(enf_regfile))};
	*out = NULL;
	if (!r.rf)
		return enf_error_oom();
	int rc = decode_file(&text, data, len, path);
	enf_buf_put(&text, "", 0);
	if (rc == 0 && text.failed)
		rc = enf_error_oom();
	char *next = rc ? NULL : text.ptr;
	unsigned lineno = 0;
	while (rc == 0 && next) {
		char *line = next;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		char *t = trim(line);
		if (logical.len == 0)
			r.line = lineno;
		/* A line ending in '\' goes on in the next (byte lists wrapped at 80 columns). */
		size_t n = strlen(t);
		int more = n && t[n - 1] == '\\';
		enf_buf_put(&logical, t, more ? n - 1 : n);
		if (more && next)
			continue;
		rc = logical.failed ? enf_error_oom()
		                    : read_line(&r, logical.ptr ? logical.ptr : "");
		logical.len = 0;
		if (logical.ptr)
			logical.ptr[0] = '\0';
	}
	if (rc == 0 && r.version == 0)
		rc = fail(&r,
		          "an empty file: a .reg file starts with 'Windows Registry Editor Version "
		          "5.00' or 'REGEDIT4'%s",
		          NULL);
	enf_buf_clear(&text);
	enf_buf_clear(&logical);
	free(r.key);
	if (rc) {
		enf_regfile_free(r.rf);
		return rc;
	}
	r.rf->version = r.version;
	*out = r.rf;
	return 0;
}

void enf_regfile_free(enf_regfile *rf)
{
	if (!rf)
		return;
	for (size_t i = 0; i < rf->count; i++) {
		free(rf->entries[i].key);
		free(rf->entries[i].name);
		enf_reg_value_clear(&rf->entries[i].value);
	}
	free(rf->entries);
	free(rf);
}
