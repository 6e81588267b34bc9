/* Strings and buffers. */
#include "util.h"

#include "enforcer/common.h"
#include "enforcer/errors.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *enf_vasprintf(const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return NULL;
	char *s = malloc((size_t)n + 1);
	if (!s)
		return NULL;
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *enf_asprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = enf_vasprintf(fmt, ap);
	va_end(ap);
	return s;
}

char *enf_strndup(const char *s, size_t n)
{
	if (!s)
		return NULL;
	char *d = malloc(n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *enf_strdup(const char *s)
{
	return s ? enf_strndup(s, strlen(s)) : NULL;
}

int enf_strncaseeq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ca = (unsigned char)a[i], cb = (unsigned char)b[i];
		if (tolower(ca) != tolower(cb))
			return 0;
		if (!ca)
			return 1;
	}
	return 1;
}

int enf_strcaseeq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	return la == lb && enf_strncaseeq(a, b, la);
}

int enf_contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; hay && *hay; hay++)
		if (enf_strncaseeq(hay, needle, n))
			return 1;
	return 0;
}

int enf_starts_with_nocase(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return strlen(s) >= n && enf_strncaseeq(s, prefix, n);
}

size_t enf_edit_distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return cap;
	size_t row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = diag + cost;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb] < cap ? row[lb] : cap;
}

int enf_grow(void **items, size_t *alloc, size_t need, size_t size)
{
	if (need <= *alloc)
		return 0;
	size_t n = *alloc ? *alloc : 8;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return ENF_ENOMEM;
		n *= 2;
	}
	if (n > SIZE_MAX / size)
		return ENF_ENOMEM;
	void *p = realloc(*items, n * size);
	if (!p)
		return ENF_ENOMEM;
	*items = p;
	*alloc = n;
	return 0;
}

void enf_buf_put(enf_buf *b, const void *data, size_t len)
{
	if (b->failed)
		return;
	if (len > SIZE_MAX - b->len - 1 ||
	    enf_grow((void **)&b->ptr, &b->alloc, b->len + len + 1, 1)) {
		b->failed = 1;
		return;
	}
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
}

void enf_buf_puts(enf_buf *b, const char *s)
{
	enf_buf_put(b, s, strlen(s));
}

void enf_buf_printf(enf_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = enf_vasprintf(fmt, ap);
	va_end(ap);
	if (!s) {
		b->failed = 1;
		return;
	}
	enf_buf_puts(b, s);
	free(s);
}

char *enf_buf_detach(enf_buf *b)
{
	char *s = NULL;
	if (!b->failed) {
		s = b->ptr ? b->ptr : enf_strdup("");
		b->ptr = NULL;
	}
	enf_buf_clear(b);
	return s;
}

void enf_buf_clear(enf_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->alloc = 0;
	b->failed = 0;
}

char *enf_text_crlf(char *text, int crlf)
{
	if (!text || !crlf)
		return text;
	size_t extra = 0, len = 0;
	for (; text[len]; len++)
		extra += text[len] == '\n' && (len == 0 || text[len - 1] != '\r');
	char *out = extra ? malloc(len + extra + 1) : text;
	if (out && out != text) {
		char *p = out;
		for (size_t i = 0; i < len; i++) {
			if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
				*p++ = '\r';
			*p++ = text[i];
		}
		*p = '\0';
	}
	if (out != text)
		free(text);
	return out;
}

char *enf_hex(const unsigned char *data, size_t len, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char *s = malloc(len * 2 + 1);
	if (!s)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		s[2 * i] = digits[data[i] >> 4];
		s[2 * i + 1] = digits[data[i] & 15];
	}
	s[len * 2] = '\0';
	return s;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int enf_unhex(unsigned char **out, size_t *out_len, const char *hex)
{
	size_t digits = 0;
	for (const char *p = hex; *p; p++) {
		if (*p == ' ')
			continue;
		if (hexval((unsigned char)*p) < 0)
			return ENF_EINVALID;
		digits++;
	}
	if (digits % 2)
		return ENF_EINVALID;
	unsigned char *bytes = malloc(digits / 2 + 1);
	if (!bytes)
		return ENF_ENOMEM;
	size_t n = 0;
	int hi = -1;
	for (const char *p = hex; *p; p++) {
		if (*p == ' ')
			continue;
		int v = hexval((unsigned char)*p);
		if (hi < 0) {
			hi = v;
		} else {
			bytes[n++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	*out = bytes;
	*out_len = n;
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int enf_dir_entries_finish(char ***out, size_t *count, char **names, size_t n, int rc)
{
	if (rc) {
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return rc;
	}
	if (n)
		qsort(names, n, sizeof(char *), compare_names);
	*out = names;
	*count = n;
	return 0;
}

char *enf_temp_name(const char *path)
{
	unsigned char rnd[8];
	if (enf_random_bytes(rnd, sizeof(rnd)))
		return NULL;
	char *hex = enf_hex(rnd, sizeof(rnd), 0);
	char *name = hex ? enf_asprintf("%s.tmp-%s", path, hex) : NULL;
	free(hex);
	if (!name)
		enf_error_oom();
	return name;
}

void enf_buf_put_xml(enf_buf *b, const char *s, const char *apos)
{
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		switch (*p) {
		case '&':
			enf_buf_puts(b, "&amp;");
			break;
		case '<':
			enf_buf_puts(b, "&lt;");
			break;
		case '>':
			enf_buf_puts(b, "&gt;");
			break;
		case '"':
			enf_buf_puts(b, "&quot;");
			break;
		case '\'':
			enf_buf_puts(b, apos);
			break;
		default:
			if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
				break;
			enf_buf_put(b, p, 1);
		}
	}
}
