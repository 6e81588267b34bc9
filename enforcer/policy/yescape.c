/*
 * Backslash traps in double-quoted values, found in the raw text before
 * libyaml reads it, so that every one in a file is reported at once (libyaml
 * stops at its first error, and an escape that parses, "\N", would surface
 * only later, as a strange value).
 *
 * The scan is lexical: it follows comments, single- and double-quoted
 * scalars, plain scalars and block scalars (| and >) well enough to find
 * where each double-quoted scalar starts and ends. A double-quoted scalar is
 * a trap when one of its escapes is
 *   - not an escape YAML knows ("\S", "\C"), or a hex escape without its
 *     digits ("\U" wants 8): libyaml cannot read the file;
 *   - one that makes a control character or line break no policy value
 *     holds: \a \b \e \f \v \N \L \P ("\0" is refused later, as a NUL in a
 *     value);
 *   - any other escape but "\\" and "\"", in a value written as a Windows
 *     name with single backslashes: it starts with a drive ("C:\"), a
 *     registry hive ("HKLM\", "HKEY_LOCAL_MACHINE\"...), a built-in account
 *     domain ("NT AUTHORITY\", "NT SERVICE\", "BUILTIN\", ".\") or a UNC
 *     server ("\\server\"), followed by one backslash, not "\\". There
 *     "C:\temp" means a folder, not "C:", a tab and "emp". Values that
 *     escape their first backslash ("C:\\temp\x09") were written by someone
 *     (or export) who meant every escape, and are left alone.
 *   - the same, in the value of a key that names one account (`logon`,
 *     `account`) whose first backslash is single:
 *     an account name holds no control character, so "CONTOSO\nancy" is the
 *     account, never "CONTOSO", a line feed and "ancy".
 * Elsewhere (a `members` list item) "DOMAIN\name" is not recognised:
 * "line1\nline2" looks the same.
 */
#include "ytree.h"

#include "../util/util.h"

#include <string.h>

typedef struct scan {
	const char *d;
	size_t len, i;
	unsigned line, col;
	enf_diag_list *diags;
	int traps;
} scan;

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

static int is_break(char c)
{
	return c == '\n' || c == '\r';
}

/* Moves one byte on, counting lines and columns (in characters) as libyaml does. */
static void step(scan *s)
{
	char c = s->d[s->i++];
	if (c == '\r' && s->i < s->len && s->d[s->i] == '\n')
		return; /* CR LF: the LF ends the line */
	if (is_break(c)) {
		s->line++;
		s->col = 1;
	} else if (((unsigned char)c & 0xC0) != 0x80) {
		s->col++;
	}
}

static int starts_nocase(const char *p, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	if (n < k)
		return 0;
	for (size_t j = 0; j < k; j++)
		if ((p[j] | 0x20) != (prefix[j] | 0x20))
			return 0;
	return 1;
}

/* The offset of the first backslash in r[from..n), or n (r is not NUL-terminated). */
static size_t backslash_at(const char *r, size_t n, size_t from)
{
	while (from < n && r[from] != '\\')
		from++;
	return from;
}

/* Whether raw text (between the quotes) is a Windows name with single backslashes. */
static int windows_name(const char *r, size_t n)
{
	static const char *const prefixes[] = {
	    "HKLM\\", "HKCU\\",         "HKCR\\",       "HKU\\",     "HKCC\\",
	    "HKEY_",  "NT AUTHORITY\\", "NT SERVICE\\", "BUILTIN\\", ".\\"};
	size_t at = 0;
	if (n >= 3 && ((r[0] | 0x20) >= 'a' && (r[0] | 0x20) <= 'z') && r[1] == ':' && r[2] == '\\')
		at = 2;
	else if (n >= 3 && r[0] == '\\' && r[1] == '\\' && r[2] != '\\')
		at = backslash_at(r, n, 2);
	for (size_t k = 0; !at && k < sizeof(prefixes) / sizeof(*prefixes); k++)
		if (starts_nocase(r, n, prefixes[k]))
			at = k == 5 ? backslash_at(r, n, 5) : strlen(prefixes[k]) - 1;
	return at && at + 1 < n && r[at] == '\\' && r[at + 1] != '\\';
}

/* Whether the value of `key` (raw text r) is an account name with a single backslash. */
static int account_name(const char *key, const char *r, size_t n)
{
	const char *b = memchr(r, '\\', n);
	int named = strcmp(key, "logon") == 0 || strcmp(key, "account") == 0;
	return named && b && (size_t)(b - r) + 1 < n && b[1] != '\\' && b[1] != '"';
}

/*
 * The first trap among the escapes of raw text r (n bytes), the value of
 * `key` ("" when it has none): its offset, with what it did appended to
 * *what; or -1.
 */
static long first_trap(const char *key, const char *r, size_t n, enf_buf *what)
{
	static const char made_from[] = "abefvNLP0tnr_";
	static const char *const made[] = {
	    "a bell (U+0007)",           "a backspace (U+0008)",
	    "an escape (U+001B)",        "a form feed (U+000C)",
	    "a vertical tab (U+000B)",   "a NEL line break (U+0085)",
	    "a line separator (U+2028)", "a paragraph separator (U+2029)",
	    "a NUL character (U+0000)",  "a tab (U+0009)",
	    "a line feed (U+000A)",      "a carriage return (U+000D)",
	    "a no-break space (U+00A0)"};
	int path = windows_name(r, n) || account_name(key, r, n);
	for (size_t i = 0; i + 1 < n; i++) {
		if (r[i] != '\\')
			continue;
		char c = r[++i];
		const char *m = c ? strchr(made_from, c) : NULL;
		size_t digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0, k = 0;
		if (c == '\\' || c == '"' || is_break(c))
			continue;
		while (k < digits && i + 1 + k < n && is_hex(r[i + 1 + k]))
			k++;
		if (k < digits) {
			enf_buf_printf(what, "\"\\%c\" starts an escape of %zu hex digits", c,
			               digits);
			return (long)i - 1;
		}
		if (digits && path) {
			unsigned long code = 0;
			for (k = 0; k < digits; k++)
				code = code * 16 +
				       (unsigned long)(is_hex(r[i + 1 + k]) && r[i + 1 + k] <= '9'
				                           ? r[i + 1 + k] - '0'
				                           : (r[i + 1 + k] | 0x20) - 'a' + 10);
			enf_buf_printf(
			    what,
			    "\"\\%.*s\" became the character U+%04lX, not a backslash and '%.*s'",
			    (int)digits + 1, r + i, code, (int)digits + 1, r + i);
			return (long)i - 1;
		}
		if (m && (m - made_from < 8 || path)) {
			enf_buf_printf(what, "\"\\%c\" became %s, not a backslash and '%c'", c,
			               made[m - made_from], c);
			return (long)i - 1;
		}
		if (!m && !digits && !strchr(" \t/", c)) {
			enf_buf_printf(what, "\"\\%c\" is not an escape YAML knows", c);
			return (long)i - 1;
		}
		if (!m && !digits && path) {
			enf_buf_printf(what, "\"\\%c\" became '%c' alone, not a backslash and '%c'",
			               c, c, c);
			return (long)i - 1;
		}
		i += digits;
	}
	return -1;
}

/* The key of a value on its line ("logon" in "  - logon: \"x\""), or "". */
static void key_before(const scan *s, size_t from, char *key, size_t size)
{
	size_t j = from;
	key[0] = '\0';
	while (j > 0 && is_space(s->d[j - 1]))
		j--;
	if (j == 0 || s->d[j - 1] != ':')
		return;
	size_t end = --j;
	while (j > 0 && !is_break(s->d[j - 1]) && !strchr("{,", s->d[j - 1]))
		j--;
	/* Indentation and sequence indicators ("  - - ") come before the key. */
	while (j < end && (is_space(s->d[j]) || (s->d[j] == '-' && is_space(s->d[j + 1]))))
		j++;
	if (end > j && end - j < size && !memchr(s->d + j, '"', end - j) &&
	    !memchr(s->d + j, '\'', end - j)) {
		memcpy(key, s->d + j, end - j);
		key[end - j] = '\0';
	}
}

/* One double-quoted scalar at s->i (its opening quote): reported if it is a trap. */
static void double_quoted(scan *s)
{
	unsigned line = s->line, col = s->col;
	size_t from = s->i + 1;
	char key[64];
	key_before(s, s->i, key, sizeof(key));
	step(s);
	while (s->i < s->len && s->d[s->i] != '"') {
		if (s->d[s->i] == '\\' && s->i + 1 < s->len)
			step(s);
		step(s);
	}
	size_t n = s->i - from;
	if (s->i < s->len)
		step(s); /* the closing quote */
	enf_buf what = ENF_BUF_INIT;
	long at = first_trap(key, s->d + from, n, &what);
	if (at < 0)
		return;
	const char *r = s->d + from;
	enf_buf quoted = ENF_BUF_INIT;
	/*
	 * "\\" and "\"" meant one character; every other backslash was meant as
	 * written. A UNC path's leading "\\" is the path's own, though.
	 */
	size_t j = 0;
	if (n >= 3 && r[0] == '\\' && r[1] == '\\' && r[2] != '\\' && windows_name(r, n)) {
		enf_buf_put(&quoted, r, 2);
		j = 2;
	}
	for (; j < n; j++) {
		if (r[j] == '\\' && j + 1 < n && (r[j + 1] == '\\' || r[j + 1] == '"'))
			j++;
		if (is_break(r[j]))
			enf_buf_put(&quoted, " ", 1);
		else
			enf_buf_put(&quoted, r[j] == '\'' ? "\'\'" : r + j, r[j] == '\'' ? 2 : 1);
	}
	enf_diag_add(s->diags, ENF_SEV_ERROR, line, col,
	             "%s%s%sin double quotes a backslash starts a YAML escape: %s; write the value "
	             "in single quotes, where a backslash is just a backslash: '%s'",
	             key[0] ? "'" : "", key, key[0] ? "': " : "",
	             what.ptr && !what.failed ? what.ptr : "?",
	             quoted.ptr && !quoted.failed ? quoted.ptr : "");
	enf_buf_clear(&what);
	enf_buf_clear(&quoted);
	s->traps++;
}

/* Skips a single-quoted scalar at s->i ('' is a quote inside it). */
static void single_quoted(scan *s)
{
	step(s);
	while (s->i < s->len) {
		if (s->d[s->i] == '\'') {
			step(s);
			if (s->i < s->len && s->d[s->i] == '\'') {
				step(s);
				continue;
			}
			return;
		}
		step(s);
	}
}

/* Whether the byte at i ends a token: a space, a line break or the end. */
static int ends_token(const scan *s, size_t i)
{
	return i >= s->len || is_space(s->d[i]) || is_break(s->d[i]);
}

int enf_ytree_scan_escapes(enf_diag_list *diags, const char *data, size_t len)
{
	scan s = {data, len, 0, 1, 1, diags, 0};
	int plain = 0, flow = 0;
	long block = -1; /* inside a block scalar: the indentation of its parent line */
	unsigned indent = 0;
	while (s.i < s.len) {
		char c = s.d[s.i];
		if (s.col == 1) {
			/* A new line: its indentation, and whether a block scalar goes on. */
			size_t j = s.i;
			while (j < s.len && s.d[j] == ' ')
				j++;
			indent = (unsigned)(j - s.i);
			int blank = j >= s.len || is_break(s.d[j]);
			if (block >= 0 && (blank || (long)indent > block)) {
				while (s.i < s.len && !is_break(s.d[s.i]))
					step(&s);
				if (s.i < s.len)
					step(&s);
				continue;
			}
			block = -1;
			plain = 0;
		}
		if (is_break(c) || is_space(c) || c == '\0') {
			step(&s);
			continue;
		}
		if (c == '#' && (s.i == 0 || is_space(s.d[s.i - 1]) || is_break(s.d[s.i - 1]))) {
			while (s.i < s.len && !is_break(s.d[s.i]))
				step(&s);
			continue;
		}
		if (plain) {
			/* Inside a plain scalar only ": " and, in flow, , ] } end it. */
			if ((c == ':' && ends_token(&s, s.i + 1)) || (flow && strchr(",[]{}", c))) {
				plain = 0;
				flow += c == '[' || c == '{'   ? 1
				        : c == ']' || c == '}' ? -(flow > 0)
				                               : 0;
			}
			step(&s);
			continue;
		}
		if (c == '"')
			double_quoted(&s);
		else if (c == '\'')
			single_quoted(&s);
		if (c == '"' || c == '\'') {
			plain = 1; /* what follows a quoted scalar on its line is no new token */
			continue;
		}
		if ((c == '|' || c == '>') && !flow) {
			size_t j = s.i + 1;
			while (j < s.len && s.d[j] && strchr("0123456789+-", s.d[j]))
				j++;
			if (ends_token(&s, j)) {
				block = indent;
				while (s.i < s.len && !is_break(s.d[s.i]))
					step(&s);
				continue;
			}
		}
		if (strchr("-?:", c) && ends_token(&s, s.i + 1)) {
			step(&s);
			continue;
		}
		if (strchr("[{", c))
			flow++;
		else if (strchr("]}", c))
			flow -= flow > 0;
		else if (c != ',')
			plain = 1;
		step(&s);
	}
	return s.traps;
}
