/*
 * A registry value and the bytes Windows stores for it (json_util.h): text
 * as UTF-16LE with its NULs, numbers little-endian. One encoding for the
 * win32 provider, the snapshot and comparisons, so that the Linux tests
 * exercise what a server does.
 *
 * Data other tools wrote need not be the form RegSetValueExW documents: a
 * REG_SZ with text after an embedded NUL, a REG_MULTI_SZ with an empty
 * string in the middle (which ends the list for every documented reader),
 * text without its terminating NUL, an odd byte, a DWORD of 3 bytes. Such a
 * value is read as what a documented reader sees, and keeps its stored
 * bytes in `bytes` so that a journal and a rollback put back exactly what
 * was there (docs/windows-semantics.md).
 */
#include "json_util.h"

#include "enforcer/errors.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static void put_unit(enf_buf *b, uint32_t unit)
{
	unsigned char le[2] = {(unsigned char)(unit & 0xFF), (unsigned char)(unit >> 8)};
	enf_buf_put(b, le, 2);
}

/* Appends UTF-8 `s` as UTF-16LE, with its terminating NUL. */
static int put_utf16(enf_buf *b, const char *s)
{
	static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		uint32_t c = *p;
		size_t n = 0;
		if (c < 0x80)
			n = 1;
		else if ((c & 0xE0) == 0xC0)
			n = 2;
		else if ((c & 0xF0) == 0xE0)
			n = 3;
		else if ((c & 0xF8) == 0xF0)
			n = 4;
		if (n > 1)
			c &= 0x7Fu >> n;
		/* A string ending early stops here at its NUL, which is no continuation byte. */
		for (size_t i = 1; i < n; i++) {
			if ((p[i] & 0xC0) != 0x80) {
				n = 0;
				break;
			}
			c = c << 6 | (p[i] & 0x3Fu);
		}
		if (!n || c < least[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
			enf_error_set(ENF_ERRCLASS_INVALID, "the registry data is not valid UTF-8");
			return ENF_EINVALID;
		}
		p += n;
		if (c >= 0x10000) {
			put_unit(b, 0xD800 | ((c - 0x10000) >> 10));
			put_unit(b, 0xDC00 | ((c - 0x10000) & 0x3FF));
		} else {
			put_unit(b, c);
		}
	}
	put_unit(b, 0);
	return 0;
}

/* The form RegSetValueExW documents for the value's reading; `bytes` is ignored for typed kinds. */
static int encode_reading(enf_buf *b, const enf_reg_value *v)
{
	int rc = 0;
	switch (v->type) {
	case ENF_REG_DWORD:
	case ENF_REG_QWORD:
		for (size_t i = 0; i < (v->type == ENF_REG_DWORD ? 4u : 8u); i++) {
			unsigned char byte = (unsigned char)(v->number >> (8 * i));
			enf_buf_put(b, &byte, 1);
		}
		break;
	case ENF_REG_SZ:
	case ENF_REG_EXPAND_SZ:
		rc = put_utf16(b, v->text ? v->text : "");
		break;
	case ENF_REG_MULTI_SZ:
		/* Each string with its NUL, then the empty string that ends the list. */
		for (size_t i = 0; i < v->count && rc == 0; i++)
			rc = put_utf16(b, v->list[i]);
		if (v->count == 0)
			put_unit(b, 0);
		put_unit(b, 0);
		break;
	default:
		if (v->size)
			enf_buf_put(b, v->bytes, v->size);
		break;
	}
	if (rc == 0 && b->failed)
		rc = enf_error_oom();
	return rc;
}

int enf_reg_value_encode(enf_buf *b, const enf_reg_value *v)
{
	if (!v->bytes)
		return encode_reading(b, v);
	if (v->size)
		enf_buf_put(b, v->bytes, v->size);
	return b->failed ? enf_error_oom() : 0;
}

int enf_reg_value_stored(enf_buf *b, const enf_reg_value *v)
{
	enf_reg_value reading = *v;
	int typed = enf_reg_kind_name(v->type) && v->type != ENF_REG_BINARY;
	if (!typed || !v->bytes)
		return enf_reg_value_encode(b, v);
	reading.bytes = NULL;
	reading.size = 0;
	int rc = encode_reading(b, &reading);
	if (rc)
		return rc;
	/* Only NULs missing at the end: the same data, as a documented reader adds them. */
	int prefix = v->size <= b->len && memcmp(v->bytes, b->ptr, v->size) == 0;
	for (size_t i = v->size; prefix && i < b->len; i++)
		prefix = b->ptr[i] == 0;
	if (prefix)
		return 0;
	b->len = 0;
	return enf_reg_value_encode(b, v);
}

/* The text of UTF-16LE units [from, to) of `data` as UTF-8. */
static int text_at(char **out, const unsigned char *data, size_t from, size_t to)
{
	size_t n = 0;
	return enf_utf16_to_utf8((unsigned char **)out, &n, data + from, to - from, 0);
}

/* Where the string starting at byte `i` ends: its NUL unit, or the last whole unit. */
static size_t string_end(const unsigned char *data, size_t size, size_t i)
{
	while (i + 1 < size && (data[i] || data[i + 1]))
		i += 2;
	return i;
}

/* The strings up to the empty one that ends the list, or up to the end of the data. */
static int read_multi(enf_reg_value *v, const unsigned char *data, size_t size)
{
	size_t alloc = 0;
	for (size_t i = 0; i + 1 < size;) {
		size_t end = string_end(data, size, i);
		if (end == i)
			break;
		if (enf_grow((void **)&v->list, &alloc, v->count + 1, sizeof(char *)))
			return enf_error_oom();
		int rc = text_at(&v->list[v->count], data, i, end);
		if (rc)
			return rc;
		v->count++;
		i = end + 2;
	}
	return 0;
}

int enf_reg_value_decode(enf_reg_value *out, uint32_t type, const unsigned char *data, size_t size)
{
	enf_reg_value v = {0};
	enf_buf b = ENF_BUF_INIT;
	int rc = 0;
	v.type = type;
	switch (type) {
	case ENF_REG_DWORD:
	case ENF_REG_QWORD:
		/* Unsigned, little-endian; a value of another length reads zero-extended. */
		for (size_t i = 0; i < (type == ENF_REG_DWORD ? 4u : 8u) && i < size; i++)
			v.number |= (uint64_t)data[i] << (8 * i);
		break;
	case ENF_REG_SZ:
	case ENF_REG_EXPAND_SZ:
		rc = text_at(&v.text, data, 0, string_end(data, size, 0));
		break;
	case ENF_REG_MULTI_SZ:
		rc = read_multi(&v, data, size);
		break;
	default:
		break;
	}
	if (rc == 0)
		rc = encode_reading(&b, &v);
	/* Not the documented form of what it reads as (and any other type): keep the bytes. */
	int canonical = enf_reg_kind_name(type) && type != ENF_REG_BINARY && b.len == size &&
	                (size == 0 || memcmp(b.ptr, data, size) == 0);
	if (rc == 0 && !canonical) {
		if (!(v.bytes = malloc(size ? size : 1)))
			rc = enf_error_oom();
		else if (size)
			memcpy(v.bytes, data, size);
		v.size = size;
	}
	enf_buf_clear(&b);
	if (rc) {
		enf_reg_value_clear(&v);
		return rc;
	}
	*out = v;
	return 0;
}
