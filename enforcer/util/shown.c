/*
 * Text read from a target, a policy, git or a report, made safe to show on
 * a terminal. A service's description can hold ESC [ 2 J (clear the
 * screen), a C1 CSI (the same in one character), a bidi override that
 * reorders the rest of the line, or bytes that are not UTF-8: written raw,
 * they act on the terminal instead of being read. Each is written instead
 * as a visible escape that cannot be mistaken for the text around it
 * (docs/CLI.md, "Control characters in output"):
 *
 *   a C0 control, DEL, a byte of invalid UTF-8   \xHH   (\x1b, \x7f, \xff)
 *   a C1 control, a bidi control                 \uHHHH (\u009b, \u202e)
 *   backslashes right before such an escape, or
 *   before text that reads as one ("\x1b")       doubled
 *
 * Any other backslash stays single, so "CONTOSO\svc" and "\\server\share"
 * read as they always did. JSON printed for a terminal keeps its meaning:
 * only DEL, C1 and bidi controls (which JSON may hold raw) become \uHHHH.
 */
#include "util.h"

#include <string.h>

/* The length of a valid UTF-8 sequence at p (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n, unsigned long *cp)
{
	size_t len = p[0] < 0x80                    ? 1
	             : p[0] >= 0xC2 && p[0] <= 0xDF ? 2
	             : p[0] >= 0xE0 && p[0] <= 0xEF ? 3
	             : p[0] >= 0xF0 && p[0] <= 0xF4 ? 4
	                                            : 0;
	if (!len || len > n)
		return 0;
	unsigned long c = len == 1 ? p[0] : p[0] & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3F);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

static int escaped_char(unsigned long c, int flags)
{
	if (c == '\n' || c == '\t')
		return !(flags & (ENF_SHOWN_LAYOUT | ENF_SHOWN_JSON));
	return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || (c >= 0x202A && c <= 0x202E) ||
	       (c >= 0x2066 && c <= 0x2069);
}

/* True when the text at p is written as an escape, or reads as one already. */
static int escape_follows(const unsigned char *p, size_t n, int flags)
{
	unsigned long c = 0;
	if (n == 0)
		return 0;
	size_t len = utf8_len(p, n, &c);
	if (!len || escaped_char(c, flags))
		return 1;
	size_t digits = p[0] == 'x' ? 2 : p[0] == 'u' ? 4 : 0;
	if (!digits || n < digits + 1)
		return 0;
	for (size_t i = 1; i <= digits; i++)
		if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
			return 0;
	return 1;
}

void enf_buf_put_shown(enf_buf *b, const char *s, size_t n, int flags)
{
	const unsigned char *p = (const unsigned char *)s;
	int json = flags & ENF_SHOWN_JSON;
	size_t i = 0;
	while (i < n) {
		unsigned long c = 0;
		/* JSON's own escapes stay: its backslashes are never doubled. */
		if (p[i] == '\\' && !json) {
			size_t run = i;
			while (run < n && p[run] == '\\')
				run++;
			int twice = escape_follows(p + run, n - run, flags);
			for (size_t k = i; k < run; k++)
				enf_buf_put(b, twice ? "\\\\" : "\\", twice ? 2 : 1);
			i = run;
			continue;
		}
		size_t len = utf8_len(p + i, n - i, &c);
		if (!len && json)
			enf_buf_puts(b, "\\ufffd"), i++; /* jansson writes none; JSON has no \x */
		else if (!len)
			enf_buf_printf(b, "\\x%02x", p[i++]);
		else if (!escaped_char(c, flags))
			enf_buf_put(b, p + i, len);
		else if (c < 0x80 && !json)
			enf_buf_printf(b, "\\x%02lx", c);
		else
			enf_buf_printf(b, "\\u%04lx", c);
		i += len;
	}
}
