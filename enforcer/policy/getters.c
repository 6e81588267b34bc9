/* Typed getters for the policy loader: strict YAML scalars to model values. */
#include "loader.h"

#include "../util/util.h"
#include "enforcer/errors.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void enf_ld_error(loader *ld, const ynode *at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = enf_vasprintf(fmt, ap);
	va_end(ap);
	if (!msg) {
		ld->oom = 1;
		return;
	}
	enf_diag_add(ld->diags, ENF_SEV_ERROR, at ? at->line : 1, at ? at->col : 1, "%s", msg);
	free(msg);
}

int enf_ld_oom(loader *ld)
{
	ld->oom = 1;
	return ENF_ENOMEM;
}

static const char *kind_word(const ynode *n)
{
	switch (n->kind) {
	case YNODE_MAP:
		return "mapping";
	case YNODE_SEQ:
		return "list";
	default:
		return "value";
	}
}

static int in_list(const char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

/*
 * The closest name within an edit distance of 2 (1 for words shorter than
 * four characters, where two edits make any word another: "k3" is not "id"),
 * or NULL.
 */
static const char *closest(const char *s, const char *const *lists[], size_t n)
{
	const char *best = NULL;
	size_t best_d = strlen(s) < 4 ? 2 : 3;
	for (size_t i = 0; i < n; i++) {
		for (const char *const *p = lists[i]; p && *p; p++) {
			size_t d = enf_edit_distance(s, *p, 3);
			if (d < best_d) {
				best_d = d;
				best = *p;
			}
		}
	}
	return best;
}

const char *enf_ld_closest(const char *s, const char *const *names)
{
	const char *const *lists[] = {names};
	return closest(s, lists, 1);
}

char *enf_ld_join(const char *const *names)
{
	enf_buf b = ENF_BUF_INIT;
	for (const char *const *p = names; p && *p; p++)
		enf_buf_printf(&b, "%s%s", p == names ? "" : ", ", *p);
	return enf_buf_detach(&b);
}

int enf_ld_check_keys(loader *ld, const ynode *map, const ld_keys *keys, const char *what)
{
	if (map->kind != YNODE_MAP) {
		if (map->kind != YNODE_INVALID)
			enf_ld_error(ld, map, "%s must be a mapping (key: value lines), not a %s",
			             what, kind_word(map));
		return ENF_EINVALID;
	}
	const char *const *lists[] = {keys->required, keys->optional, keys->optional2};
	for (size_t i = 0; i < map->count; i++) {
		const ynode *k = map->keys[i];
		if (k->kind != YNODE_SCALAR)
			continue; /* already reported */
		if (in_list(keys->required, k->value) || in_list(keys->optional, k->value) ||
		    in_list(keys->optional2, k->value))
			continue;
		if (strcmp(k->value, "<<") == 0) {
			enf_ld_error(
			    ld, k,
			    "'<<' (a YAML merge key) is not allowed in a policy; write the keys out");
			continue;
		}
		const char *hint = closest(k->value, lists, ENF_ARRAY_SIZE(lists));
		if (hint) {
			enf_ld_error(ld, k, "unknown key '%s' in %s; did you mean '%s'?", k->value,
			             what, hint);
		} else {
			enf_buf b = ENF_BUF_INIT;
			for (size_t l = 0; l < ENF_ARRAY_SIZE(lists); l++)
				for (const char *const *p = lists[l]; p && *p; p++)
					enf_buf_printf(&b, "%s%s", b.len ? ", " : "", *p);
			enf_ld_error(ld, k, "unknown key '%s' in %s; the keys are: %s", k->value,
			             what, b.ptr ? b.ptr : "");
			enf_buf_clear(&b);
		}
	}
	for (const char *const *p = keys->required; p && *p; p++)
		if (!enf_ytree_get(map, *p))
			enf_ld_error(ld, map, "%s is missing the required key '%s'", what, *p);
	return 0;
}

static int all_of(const char *s, const char *set)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!strchr(set, *s))
			return 0;
	return 1;
}

/* Digits (and underscores, as YAML 1.1 allows) with at least one digit. */
static const char *skip_digits(const char *s, int *any)
{
	for (; *s && (isdigit((unsigned char)*s) || *s == '_'); s++)
		if (*s != '_')
			*any = 1;
	return s;
}

static int looks_float(const char *s)
{
	int any = 0;
	s = skip_digits(s, &any);
	if (*s == '.') {
		s++;
		/* YAML 1.1 allows further dots here ("1.2.3" is a float). */
		for (; *s && (isdigit((unsigned char)*s) || *s == '.' || *s == '_'); s++)
			if (isdigit((unsigned char)*s))
				any = 1;
	}
	if (!any)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		int exp = 0;
		s = skip_digits(s, &exp);
		if (!exp)
			return 0;
	}
	return *s == '\0';
}

static int looks_sexagesimal(const char *s)
{
	int any = 0;
	s = skip_digits(s, &any);
	if (!any || *s != ':')
		return 0;
	while (*s == ':') {
		s++;
		int part = 0;
		s = skip_digits(s, &part);
		if (!part)
			return 0;
	}
	if (*s == '.') {
		int frac = 0;
		s = skip_digits(s + 1, &frac);
	}
	return *s == '\0';
}

static int looks_date(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	s += 4;
	for (int part = 0; part < 2; part++) {
		if (*s++ != '-' || !isdigit((unsigned char)*s))
			return 0;
		s++;
		if (isdigit((unsigned char)*s))
			s++;
	}
	return *s == '\0' || *s == 'T' || *s == 't' || *s == ' ';
}

/* What a YAML 1.1 or 1.2 reader would take the plain scalar for, or NULL. */
static const char *non_string_kind(const char *s)
{
	static const char *const bools[] = {"y",    "Y",     "yes",   "Yes",   "YES",  "n",
	                                    "N",    "no",    "No",    "NO",    "true", "True",
	                                    "TRUE", "false", "False", "FALSE", "on",   "On",
	                                    "ON",   "off",   "Off",   "OFF",   NULL};
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
	static const char *const specials[] = {".inf", ".Inf", ".INF", ".nan",
	                                       ".NaN", ".NAN", NULL};
	/*
	 * Every boolean and null word above starts with one of these (or is
	 * empty): other text, most of a policy, skips the two lists.
	 */
	int word = *s == '\0' || strchr("yYnNtTfFoO~", *s) != NULL;
	if (word && in_list(bools, s))
		return "boolean";
	if (word && in_list(nulls, s))
		return "null";
	if (looks_date(s))
		return "date";
	const char *t = s;
	if (*t == '+' || *t == '-')
		t++;
	if (in_list(specials, t))
		return "number";
	if (t[0] == '0' && (t[1] == 'x' || t[1] == 'X') && all_of(t + 2, "0123456789abcdefABCDEF_"))
		return "number";
	if (t[0] == '0' && t[1] == 'b' && all_of(t + 2, "01_"))
		return "number";
	if (t[0] == '0' && t[1] == 'o' && all_of(t + 2, "01234567"))
		return "number";
	if (looks_float(t) || looks_sexagesimal(t))
		return "number";
	return NULL;
}

int enf_ld_looks_non_string(const char *s)
{
	return non_string_kind(s) != NULL;
}

/* Common checks for a string: a scalar, no NUL inside, not an implicit non-string. */
static int scalar_text(loader *ld, const ynode *n, const char *key)
{
	if (n->kind == YNODE_INVALID)
		return ENF_EINVALID;
	if (n->kind != YNODE_SCALAR) {
		enf_ld_error(ld, n, "'%s' must be a string, not a %s", key, kind_word(n));
		return ENF_EINVALID;
	}
	if (strlen(n->value) != n->len) {
		enf_ld_error(ld, n, "'%s' contains a NUL character", key);
		return ENF_EINVALID;
	}
	return 0;
}

int enf_ld_string(loader *ld, const ynode *n, const char *key, char **out)
{
	if (scalar_text(ld, n, key))
		return ENF_EINVALID;
	const char *kind = n->plain ? non_string_kind(n->value) : NULL;
	if (kind && n->len == 0) {
		enf_ld_error(ld, n, "'%s' has no value; write a value or remove the key", key);
		return ENF_EINVALID;
	}
	if (kind) {
		enf_ld_error(
		    ld, n,
		    "'%s': %s would be read as a %s by YAML; quote it if you mean the text: \"%s\"",
		    key, n->value, kind, n->value);
		return ENF_EINVALID;
	}
	char *s = enf_strdup(n->value);
	if (!s) {
		ld->oom = 1;
		return ENF_ENOMEM;
	}
	*out = s;
	return 0;
}

int enf_ld_nonempty_string(loader *ld, const ynode *n, const char *key, char **out)
{
	if (n->kind == YNODE_SCALAR && n->len == 0 && !n->plain) {
		enf_ld_error(ld, n, "'%s' must not be empty", key);
		return ENF_EINVALID;
	}
	return enf_ld_string(ld, n, key, out);
}

int enf_ld_bool(loader *ld, const ynode *n, const char *key, int *out)
{
	if (n->kind == YNODE_INVALID)
		return ENF_EINVALID;
	if (n->kind == YNODE_SCALAR && n->plain) {
		if (strcmp(n->value, "true") == 0) {
			*out = 1;
			return 0;
		}
		if (strcmp(n->value, "false") == 0) {
			*out = 0;
			return 0;
		}
	}
	if (n->kind != YNODE_SCALAR)
		enf_ld_error(ld, n, "'%s' must be true or false, not a %s", key, kind_word(n));
	else if (!n->plain)
		enf_ld_error(ld, n, "'%s' must be true or false without quotes; got \"%s\"", key,
		             n->value);
	else
		enf_ld_error(
		    ld, n,
		    "'%s' must be true or false; got '%s' (words like yes, no, on and off are not booleans here)",
		    key, n->value);
	return ENF_EINVALID;
}

int enf_ld_uint(loader *ld, const ynode *n, const char *key, uint64_t max, uint64_t *out)
{
	if (n->kind == YNODE_INVALID)
		return ENF_EINVALID;
	if (n->kind != YNODE_SCALAR) {
		enf_ld_error(ld, n, "'%s' must be a whole number, not a %s", key, kind_word(n));
		return ENF_EINVALID;
	}
	if (!n->plain) {
		enf_ld_error(ld, n, "'%s' must be a whole number without quotes; got \"%s\"", key,
		             n->value);
		return ENF_EINVALID;
	}
	const char *s = n->value;
	int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	const char *digits = hex ? s + 2 : s;
	int ok = *digits != '\0' && all_of(digits, hex ? "0123456789abcdefABCDEF" : "0123456789") &&
	         (hex || digits[0] != '0' || digits[1] == '\0');
	if (!ok) {
		if (s[0] == '-' && all_of(s + 1, "0123456789"))
			enf_ld_error(ld, n, "'%s' must not be negative; got %s", key, s);
		else if (s[0] == '0' && all_of(s, "0123456789"))
			enf_ld_error(
			    ld, n,
			    "'%s': %s has a leading zero; write it in decimal without one, or in hex as 0x...",
			    key, s);
		else
			enf_ld_error(
			    ld, n,
			    "'%s' must be a whole number (decimal, or hex as 0x...); got '%s'", key,
			    s);
		return ENF_EINVALID;
	}
	uint64_t v = 0;
	unsigned base = hex ? 16 : 10;
	for (const char *p = digits; *p; p++) {
		unsigned d = isdigit((unsigned char)*p)
		                 ? (unsigned)(*p - '0')
		                 : (unsigned)(tolower((unsigned char)*p) - 'a' + 10);
		if (v > (UINT64_MAX - d) / base) {
			v = UINT64_MAX;
			ok = 0;
			break;
		}
		v = v * base + d;
	}
	if (!ok || v > max) {
		/* The registry limits are known by their hex form; other limits are not. */
		if (max == UINT32_MAX || max == UINT64_MAX)
			enf_ld_error(ld, n, "'%s' must be at most %llu (0x%llX); got %s", key,
			             (unsigned long long)max, (unsigned long long)max, s);
		else
			enf_ld_error(ld, n, "'%s' must be at most %llu; got %s", key,
			             (unsigned long long)max, s);
		return ENF_EINVALID;
	}
	*out = v;
	return 0;
}

int enf_ld_enum(loader *ld, const ynode *n, const char *key, const char *const *names, int *out)
{
	if (scalar_text(ld, n, key))
		return ENF_EINVALID;
	for (int i = 0; names[i]; i++) {
		if (strcmp(names[i], n->value) == 0) {
			*out = i;
			return 0;
		}
	}
	enf_buf b = ENF_BUF_INIT;
	for (int i = 0; names[i]; i++)
		enf_buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
	const char *const *lists[] = {names};
	const char *hint = closest(n->value, lists, 1);
	if (hint)
		enf_ld_error(ld, n, "'%s' must be one of %s; got '%s' (did you mean '%s'?)", key,
		             b.ptr ? b.ptr : "", n->value, hint);
	else
		enf_ld_error(ld, n, "'%s' must be one of %s; got '%s'", key, b.ptr ? b.ptr : "",
		             n->value);
	enf_buf_clear(&b);
	return ENF_EINVALID;
}

void enf_ld_free_strings(char **list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(list[i]);
	free(list);
}

int enf_ld_string_list(loader *ld, const ynode *n, const char *key, int single, char ***out,
                       size_t *count)
{
	if (n->kind == YNODE_INVALID)
		return ENF_EINVALID;
	if (n->kind == YNODE_SCALAR && single) {
		char *s = NULL;
		if (enf_ld_nonempty_string(ld, n, key, &s))
			return ENF_EINVALID;
		char **list = malloc(sizeof(char *));
		if (!list) {
			free(s);
			ld->oom = 1;
			return ENF_ENOMEM;
		}
		list[0] = s;
		*out = list;
		*count = 1;
		return 0;
	}
	if (n->kind != YNODE_SEQ) {
		enf_ld_error(ld, n, "'%s' must be a list, not a %s", key, kind_word(n));
		return ENF_EINVALID;
	}
	char **list = calloc(n->count ? n->count : 1, sizeof(char *));
	if (!list) {
		ld->oom = 1;
		return ENF_ENOMEM;
	}
	int rc = 0;
	size_t got = 0;
	for (size_t i = 0; i < n->count; i++) {
		char *s = NULL;
		if (enf_ld_nonempty_string(ld, n->vals[i], key, &s)) {
			rc = ENF_EINVALID;
			continue;
		}
		list[got++] = s;
	}
	if (rc) {
		enf_ld_free_strings(list, got);
		return rc;
	}
	*out = list;
	*count = got;
	return 0;
}

int enf_ld_parse_thumbprint(const char *s, unsigned char out[20])
{
	char hex[41];
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == ' ')
			continue;
		/* U+200E, which the Windows certificate dialog puts before a copied thumbprint. */
		if (p[0] == 0xE2 && p[1] == 0x80 && p[2] == 0x8E) {
			p += 2;
			continue;
		}
		if (!isxdigit(*p) || n == 40)
			return ENF_EINVALID;
		hex[n++] = (char)*p;
	}
	if (n != 40)
		return ENF_EINVALID;
	hex[40] = '\0';
	unsigned char *bytes = NULL;
	size_t len = 0;
	if (enf_unhex(&bytes, &len, hex))
		return ENF_EINVALID;
	memcpy(out, bytes, 20);
	free(bytes);
	return 0;
}

const char *enf_path_problem(const char *path)
{
	static const char *const devices[] = {"CON",  "PRN",  "AUX",  "NUL",  "COM1", "COM2",
	                                      "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
	                                      "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5",
	                                      "LPT6", "LPT7", "LPT8", "LPT9", NULL};
	if (!*path)
		return "the path is empty";
	if (path[0] == '/')
		return "the path is absolute; give it relative to the policy file";
	if (strchr(path, '\\'))
		return "the path has a backslash; use '/' between folders";
	if (strchr(path, ':'))
		return "the path has a ':' (a drive letter or a stream name)";
	const char *p = path;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == 0)
			return "the path has an empty part ('//' or a trailing '/')";
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return "the path has '..'; keep referenced files inside the policy's repository";
		/* A device name is reserved with any extension: "nul.txt" too. */
		size_t stem = 0;
		while (stem < len && p[stem] != '.')
			stem++;
		for (size_t i = 0; devices[i]; i++) {
			if (strlen(devices[i]) == stem && enf_strncaseeq(p, devices[i], stem))
				return "the path names a Windows device (CON, NUL, COM1...)";
		}
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)p[i] < 0x20)
				return "the path has a control character";
		if (!end)
			break;
		p = end + 1;
		if (!*p)
			return "the path has an empty part ('//' or a trailing '/')";
	}
	return NULL;
}
