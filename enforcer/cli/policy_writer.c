/* Writing a v1 policy as YAML text (policy_writer.h). */
#include "policy_writer.h"

#include "cli.h"

#include "enforcer/diag.h"
#include "enforcer/errors.h"
#include "enforcer/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decodes one UTF-8 character; 0 on a malformed sequence. */
static size_t utf8_char(const unsigned char *p, uint32_t *cp)
{
	size_t n = p[0] < 0x80             ? 1
	           : (p[0] & 0xE0) == 0xC0 ? 2
	           : (p[0] & 0xF0) == 0xE0 ? 3
	           : (p[0] & 0xF8) == 0xF0 ? 4
	                                   : 0;
	if (n == 0)
		return 0;
	*cp = n == 1 ? p[0] : (uint32_t)(p[0] & (0x7F >> n));
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (p[i] & 0x3F);
	}
	return n;
}

int cli_pw_text(enf_buf *b, const char *s, int quoted)
{
	if (quoted)
		enf_buf_puts(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		uint32_t cp = 0;
		size_t n = utf8_char(p, &cp);
		if (n == 0)
			return -1;
		if (quoted && (cp == '"' || cp == '\\'))
			enf_buf_printf(b, "\\%c", (char)cp);
		else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
			enf_buf_printf(b, "\\x%02X", (unsigned)cp);
		else if (cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF || cp == 0xFFFE ||
		         cp == 0xFFFF || (cp >= 0x202A && cp <= 0x202E) ||
		         (cp >= 0x2066 && cp <= 0x2069)) /* bidi controls reorder the line shown */
			enf_buf_printf(b, "\\u%04X", (unsigned)cp);
		else
			enf_buf_put(b, p, n);
		p += n;
	}
	if (quoted)
		enf_buf_puts(b, "\"");
	return 0;
}

int cli_pw_key_string(cli_policy_writer *w, const char *indent, const char *key, const char *value)
{
	enf_buf_printf(&w->out, "%s%s: ", indent, key);
	if (cli_pw_text(&w->out, value, 1)) {
		enf_error_set(ENF_ERRCLASS_INVALID, "the %s is not valid UTF-8 text", key);
		return ENF_EINVALID;
	}
	enf_buf_puts(&w->out, "\n");
	return 0;
}

int cli_pw_key_literal(cli_policy_writer *w, const char *indent, const char *key, const char *value)
{
	/* Single quotes keep backslashes as they are; only text YAML reads back as itself. */
	enf_buf probe = ENF_BUF_INIT;
	int plain =
	    cli_pw_text(&probe, value, 0) == 0 && strcmp(probe.ptr ? probe.ptr : "", value) == 0;
	enf_buf_clear(&probe);
	if (!plain)
		return cli_pw_key_string(w, indent, key, value);
	enf_buf_printf(&w->out, "%s%s: '", indent, key);
	for (const char *p = value; *p; p++)
		enf_buf_puts(&w->out, *p == '\'' ? "''" : (char[]){*p, '\0'});
	enf_buf_puts(&w->out, "'\n");
	return 0;
}

void cli_pw_comment(cli_policy_writer *w, const char *indent, const char *text)
{
	enf_buf_printf(&w->out, "%s# ", indent);
	if (cli_pw_text(&w->out, text, 0))
		enf_buf_puts(&w->out, "(not UTF-8)");
	enf_buf_puts(&w->out, "\n");
}

void cli_pw_slug(enf_buf *b, const char *s, size_t max)
{
	size_t start = b->len;
	int dash = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && b->len - start < max; p++) {
		unsigned char c = *p >= 'A' && *p <= 'Z' ? (unsigned char)(*p + 32) : *p;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (dash && b->len > start)
				enf_buf_puts(b, "-");
			enf_buf_put(b, &c, 1);
			dash = 0;
		} else {
			dash = 1;
		}
	}
}

int cli_pw_resource_head(cli_policy_writer *w, const char *type, const char *prefix,
                         const char *name, const char *fallback)
{
	enf_buf id = ENF_BUF_INIT;
	enf_buf_puts(&id, prefix);
	size_t before = id.len;
	cli_pw_slug(&id, name, 96);
	if (id.len == before)
		enf_buf_puts(&id, fallback);
	char *base = enf_buf_detach(&id);
	char *unique = base ? enf_strdup(base) : NULL;
	for (unsigned n = 2; unique; n++) {
		int taken = 0;
		for (size_t i = 0; i < w->id_count && !taken; i++)
			taken = strcmp(w->ids[i], unique) == 0;
		if (!taken)
			break;
		free(unique);
		unique = enf_asprintf("%s-%u", base, n);
	}
	free(base);
	if (!unique || enf_grow((void **)&w->ids, &w->id_alloc, w->id_count + 1, sizeof(char *))) {
		free(unique);
		return enf_error_oom();
	}
	w->ids[w->id_count++] = unique;
	enf_buf_printf(&w->out, "  - type: %s\n    id: %s\n", type, unique);
	return 0;
}

int cli_pw_reg_value(cli_policy_writer *w, const enf_reg_value *v)
{
	const char *kind = enf_reg_kind_name(v->type);
	if (!kind) {
		enf_error_set(ENF_ERRCLASS_INVALID,
		              "registry type %u is none of the policy's kinds (dword, qword, sz, "
		              "expand-sz, multi-sz, binary)",
		              (unsigned)v->type);
		return ENF_EINVALID;
	}
	enf_buf_printf(&w->out, "    kind: %s\n", kind);
	switch (v->type) {
	case ENF_REG_DWORD:
	case ENF_REG_QWORD:
		/* Unsigned decimal: 0xFFFFFFFF is 4294967295, never -1. */
		enf_buf_printf(&w->out, "    data: %llu\n", (unsigned long long)v->number);
		return 0;
	case ENF_REG_SZ:
	case ENF_REG_EXPAND_SZ:
		return cli_pw_key_string(w, "    ", "data", v->text ? v->text : "");
	case ENF_REG_MULTI_SZ:
		if (v->count == 0) {
			enf_buf_puts(&w->out, "    data: []\n");
			return 0;
		}
		enf_buf_puts(&w->out, "    data:\n");
		for (size_t i = 0; i < v->count; i++) {
			enf_buf_puts(&w->out, "      - ");
			if (cli_pw_text(&w->out, v->list[i], 1)) {
				enf_error_set(ENF_ERRCLASS_INVALID,
				              "a multi-sz string is not valid UTF-8 text");
				return ENF_EINVALID;
			}
			enf_buf_puts(&w->out, "\n");
		}
		return 0;
	default: {
		char *hex = enf_hex(v->bytes, v->size, 0);
		if (!hex)
			return enf_error_oom();
		enf_buf_printf(&w->out, "    data: \"%s\"\n", hex);
		free(hex);
		return 0;
	}
	}
}

int cli_pw_check(const cli_policy_writer *w, const char *what)
{
	enf_diag_list diags;
	enf_policy *policy = NULL;
	char *label = enf_asprintf("(%s)", what);
	if (!label || enf_diag_list_init(&diags, label)) {
		free(label);
		return enf_error_oom();
	}
	int rc = enf_policy_load_buffer(&policy, &diags, label, w->out.ptr ? w->out.ptr : "",
	                                w->out.len);
	for (size_t i = 0; rc && i < diags.count; i++) {
		char *line = enf_diag_format(&diags, &diags.items[i]);
		cli_fprintf(stderr, "%s\n", line ? line : diags.items[i].message);
		free(line);
	}
	enf_policy_free(policy);
	enf_diag_list_clear(&diags);
	free(label);
	if (rc)
		enf_error_set(
		    ENF_ERRCLASS_POLICY,
		    "internal error: the %s policy does not validate (a bug: please report "
		    "it with the lines above)",
		    what);
	return rc;
}

int cli_pw_valid_name(const char *n)
{
	if (!*n || strlen(n) > 64 || *n == '-')
		return 0;
	for (; *n; n++)
		if (!((*n >= 'a' && *n <= 'z') || (*n >= '0' && *n <= '9') || *n == '-'))
			return 0;
	return 1;
}

void cli_pw_clear(cli_policy_writer *w)
{
	for (size_t i = 0; i < w->id_count; i++)
		free(w->ids[i]);
	free(w->ids);
	enf_buf_clear(&w->out);
	memset(w, 0, sizeof(*w));
}
