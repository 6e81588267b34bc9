/*
 * The portable part of secrets: wiping, and decoding a password file's
 * bytes. Messages describe the content's form, never the content.
 */
#include "util/secret.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void enf_secret_wipe(void *p, size_t len)
{
	/* A volatile pointer keeps the compiler from dropping the stores as dead. */
	volatile unsigned char *v = p;
	while (v && len--)
		*v++ = 0;
}

void enf_secret_free(char *secret)
{
	if (!secret)
		return;
	enf_secret_wipe(secret, strlen(secret));
	free(secret);
}

/* Appends code point `c` as UTF-8 to out (room for 4 bytes is the caller's). */
static size_t put_utf8(unsigned char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (unsigned char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (unsigned char)(0xC0 | (c >> 6));
		out[1] = (unsigned char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (unsigned char)(0xE0 | (c >> 12));
		out[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (unsigned char)(0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (unsigned char)(0xF0 | (c >> 18));
	out[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
	out[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
	out[3] = (unsigned char)(0x80 | (c & 0x3F));
	return 4;
}

/* UTF-16 (`big` endian or not) to UTF-8; a lone surrogate or an odd length is invalid. */
int enf_utf16_to_utf8(unsigned char **out, size_t *out_len, const unsigned char *p, size_t len,
                      int big)
{
	if (len % 2) {
		enf_error_set(ENF_ERRCLASS_INVALID, "is UTF-16 with an odd number of bytes");
		return ENF_EINVALID;
	}
	/* At most 3 bytes of UTF-8 per UTF-16 unit (a pair of units makes 4). */
	unsigned char *u = malloc(len / 2 * 3 + 1);
	size_t n = 0;
	if (!u)
		return enf_error_oom();
	for (size_t i = 0; i < len; i += 2) {
		uint32_t c =
		    big ? (uint32_t)(p[i] << 8 | p[i + 1]) : (uint32_t)(p[i + 1] << 8 | p[i]);
		if (c >= 0xD800 && c <= 0xDBFF && i + 3 < len) {
			uint32_t lo = big ? (uint32_t)(p[i + 2] << 8 | p[i + 3])
			                  : (uint32_t)(p[i + 3] << 8 | p[i + 2]);
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
				i += 2;
			}
		}
		if (c >= 0xD800 && c <= 0xDFFF) {
			enf_secret_wipe(u, n);
			free(u);
			enf_error_set(ENF_ERRCLASS_INVALID,
			              "is not valid UTF-16 (a surrogate without its pair)");
			return ENF_EINVALID;
		}
		n += put_utf8(u + n, c);
	}
	u[n] = '\0';
	*out = u;
	*out_len = n;
	return 0;
}

/* True when p[0..len) is well-formed UTF-8 (no overlong forms, no surrogates). */
static int valid_utf8(const unsigned char *p, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned char c = p[i];
		size_t more;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			more = 1, cp = c & 0x1F, min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			more = 2, cp = c & 0x0F, min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			more = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return 0;
		}
		if (len - i <= more)
			return 0;
		for (size_t k = 1; k <= more; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += more + 1;
	}
	return 1;
}

int enf_secret_decode(char **out, const unsigned char *data, size_t len)
{
	unsigned char *text = NULL;
	size_t n = 0;
	int rc;
	if (len >= 2 &&
	    ((data[0] == 0xFF && data[1] == 0xFE) || (data[0] == 0xFE && data[1] == 0xFF))) {
		if ((rc = enf_utf16_to_utf8(&text, &n, data + 2, len - 2, data[0] == 0xFE)))
			return rc;
	} else {
		size_t skip =
		    len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF ? 3 : 0;
		/*
		 * UTF-16 without a mark shows as NULs between ASCII letters; say
		 * so rather than "not text", since that is what an editor wrote.
		 */
		if (len - skip >= 2 && (data[skip] == 0 || data[skip + 1] == 0)) {
			enf_error_set(
			    ENF_ERRCLASS_INVALID,
			    "looks like UTF-16 without a byte-order mark; save it as UTF-8, or as UTF-16 with a byte-order mark");
			return ENF_EINVALID;
		}
		if (!valid_utf8(data + skip, len - skip)) {
			enf_error_set(
			    ENF_ERRCLASS_INVALID,
			    "is neither UTF-8 nor UTF-16 with a byte-order mark; save it as UTF-8");
			return ENF_EINVALID;
		}
		n = len - skip;
		if (!(text = malloc(n + 1)))
			return enf_error_oom();
		memcpy(text, data + skip, n);
		text[n] = '\0';
	}
	/* One line: the newline an editor or `echo` adds is not part of the password. */
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	if (n == 0 || memchr(text, '\0', n)) {
		enf_secret_wipe(text, n);
		free(text);
		enf_error_set(ENF_ERRCLASS_INVALID,
		              n == 0 ? "holds no password (it is empty)"
		                     : "holds a NUL character, which no password has");
		return ENF_EINVALID;
	}
	*out = (char *)text;
	return 0;
}
