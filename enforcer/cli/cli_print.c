/*
 * The CLI's printing: printf whose %s and %c arguments are shown as values
 * (enf_buf_put_shown: control characters, bidi controls and invalid UTF-8
 * escaped, newline and tab too), while the format itself, the program's own
 * layout, is written as it is. Every message the CLI prints goes through
 * here, so a name read from a target, a policy, git or a report cannot act
 * on the terminal, whatever message it lands in.
 */
#include "cli.h"

#include "util/util.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* `len` bytes of a value, shown, padded to `width` (on the right when `left`). */
static void put_value(enf_buf *b, const char *v, size_t len, int width, int left)
{
	enf_buf shown = ENF_BUF_INIT;
	enf_buf_put_shown(&shown, v, len, 0);
	size_t n = shown.len, pad = width > 0 && (size_t)width > n ? (size_t)width - n : 0;
	for (size_t i = 0; !left && i < pad; i++)
		enf_buf_put(b, " ", 1);
	enf_buf_put(b, shown.ptr ? shown.ptr : "", n);
	for (size_t i = 0; left && i < pad; i++)
		enf_buf_put(b, " ", 1);
	b->failed |= shown.failed;
	enf_buf_clear(&shown);
}

/* Formats one numeric conversion: `spec` is "%" flags width precision length conversion. */
static void put_number(enf_buf *b, const char *spec, const char *len, char conv, va_list *ap)
{
	char *s = NULL;
	if (strchr("di", conv)) {
		if (!strcmp(len, "l"))
			s = enf_asprintf(spec, va_arg(*ap, long));
		else if (!strcmp(len, "ll"))
			s = enf_asprintf(spec, va_arg(*ap, long long));
		else if (!strcmp(len, "z") || !strcmp(len, "t"))
			s = enf_asprintf(spec, va_arg(*ap, ptrdiff_t));
		else if (!strcmp(len, "j"))
			s = enf_asprintf(spec, va_arg(*ap, intmax_t));
		else
			s = enf_asprintf(spec, va_arg(*ap, int));
	} else if (strchr("uxXo", conv)) {
		if (!strcmp(len, "l"))
			s = enf_asprintf(spec, va_arg(*ap, unsigned long));
		else if (!strcmp(len, "ll"))
			s = enf_asprintf(spec, va_arg(*ap, unsigned long long));
		else if (!strcmp(len, "z") || !strcmp(len, "t"))
			s = enf_asprintf(spec, va_arg(*ap, size_t));
		else if (!strcmp(len, "j"))
			s = enf_asprintf(spec, va_arg(*ap, uintmax_t));
		else
			s = enf_asprintf(spec, va_arg(*ap, unsigned));
	} else if (strchr("feEgGaA", conv)) {
		s = !strcmp(len, "L") ? enf_asprintf(spec, va_arg(*ap, long double))
		                      : enf_asprintf(spec, va_arg(*ap, double));
	} else if (conv == 'p') {
		s = enf_asprintf(spec, va_arg(*ap, void *));
	}
	if (!s)
		b->failed = 1;
	else
		enf_buf_puts(b, s);
	free(s);
}

int cli_vfprintf(FILE *f, const char *fmt, va_list ap)
{
	enf_buf b = ENF_BUF_INIT;
	va_list args;
	va_copy(args, ap);
	const char *p = fmt;
	while (*p) {
		const char *pct = strchr(p, '%');
		if (!pct) {
			enf_buf_puts(&b, p);
			break;
		}
		enf_buf_put(&b, p, (size_t)(pct - p));
		p = pct + 1;
		if (*p == '%') {
			enf_buf_put(&b, "%", 1);
			p++;
			continue;
		}
		char spec[64], len[3] = "";
		int left = 0, star_left = 0, width = -1, prec = -1;
		size_t k = 0;
		spec[k++] = '%';
		for (; *p && strchr("-+ #0", *p) && k < 8; p++) {
			left |= *p == '-';
			spec[k++] = *p;
		}
		if (*p == '*') {
			width = va_arg(args, int);
			star_left = width < 0;
			left |= star_left;
			width = abs(width);
			p++;
		} else if (*p >= '0' && *p <= '9') {
			width = (int)strtol(p, (char **)&p, 10);
		}
		if (*p == '.') {
			p++;
			if (*p == '*') {
				prec = va_arg(args, int);
				p++;
			} else {
				prec = (int)strtol(p, (char **)&p, 10);
			}
			if (prec < 0)
				prec = -1;
		}
		for (size_t n = 0; *p && strchr("hlzjtL", *p) && n < 2; p++)
			len[n++] = *p;
		char conv = *p ? *p++ : '\0';
		if (conv == 's' || conv == 'c') {
			char c = 0;
			const char *v = conv == 'c' ? (c = (char)va_arg(args, int), &c)
			                            : va_arg(args, const char *);
			if (!v)
				v = "(null)";
			size_t n = conv == 'c' ? 1
			           : prec >= 0 ? strnlen(v, (size_t)prec)
			                       : strlen(v);
			put_value(&b, v, n, width, left);
			continue;
		}
		/* The spec again, with the numbers '*' took written out. */
		int n = snprintf(spec + k, sizeof(spec) - k, "%s", star_left ? "-" : "");
		if (width >= 0)
			n += snprintf(spec + k + n, sizeof(spec) - k - (size_t)n, "%d", width);
		if (prec >= 0)
			n += snprintf(spec + k + n, sizeof(spec) - k - (size_t)n, ".%d", prec);
		snprintf(spec + k + n, sizeof(spec) - k - (size_t)n, "%s%c", len, conv);
		put_number(&b, spec, len, conv, &args);
	}
	va_end(args);
	int rc = -1;
	if (!b.failed && (b.len == 0 || fwrite(b.ptr, 1, b.len, f) == b.len))
		rc = (int)b.len;
	enf_buf_clear(&b);
	return rc;
}

int cli_fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = cli_vfprintf(f, fmt, ap);
	va_end(ap);
	return rc;
}

int cli_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = cli_vfprintf(stdout, fmt, ap);
	va_end(ap);
	return rc;
}

static void put_shown(FILE *f, const char *text, int flags)
{
	enf_buf b = ENF_BUF_INIT;
	if (text)
		enf_buf_put_shown(&b, text, strlen(text), flags);
	if (b.len)
		fwrite(b.ptr, 1, b.len, f);
	enf_buf_clear(&b);
}

void cli_put_text(FILE *f, const char *text)
{
	put_shown(f, text, ENF_SHOWN_LAYOUT);
}

void cli_put_json(FILE *f, const char *json)
{
	put_shown(f, json, ENF_SHOWN_JSON);
}
