/* Building the YAML node tree from libyaml events. */
#include "ytree.h"

#include "enforcer/common.h"
#include "enforcer/policy.h"
#include "../util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct builder {
	enf_diag_list *diags;
	const char *data;
	size_t len;
	ynode *root;
	ynode *stack[ENF_POLICY_MAX_DEPTH + 1];
	size_t depth;
	int documents;
	int fatal;
	unsigned end_line, end_col; /* just past the last character */
} builder;

/*
 * 1-based positions of a libyaml mark. At the end of a file without a final
 * line break, libyaml adds one and puts what it finds there (an empty value,
 * an error) on the line after it, which no editor shows: such positions
 * become the end of the last line.
 */
static unsigned mark_line(const builder *b, const yaml_mark_t *m)
{
	unsigned line = (unsigned)m->line + 1;
	return line > b->end_line ? b->end_line : line;
}

static unsigned mark_col(const builder *b, const yaml_mark_t *m)
{
	unsigned line = (unsigned)m->line + 1, col = (unsigned)m->column + 1;
	if (line > b->end_line || (line == b->end_line && col > b->end_col))
		return b->end_col;
	return col;
}

/*
 * The length of the line break at data[i], or 0. These are libyaml's breaks
 * (CR LF, CR, LF, NEL, LS, PS), so that positions we compute agree with the
 * ones libyaml gives.
 */
static size_t break_at(const builder *b, size_t i)
{
	const unsigned char *u = (const unsigned char *)b->data;
	size_t left = b->len - i;
	if (u[i] == '\r')
		return left > 1 && u[i + 1] == '\n' ? 2 : 1;
	if (u[i] == '\n')
		return 1;
	if (u[i] == 0xC2 && left > 1 && u[i + 1] == 0x85)
		return 2;
	if (u[i] == 0xE2 && left > 2 && u[i + 1] == 0x80 && (u[i + 2] == 0xA8 || u[i + 2] == 0xA9))
		return 3;
	return 0;
}

/* Line and column (in characters) of a byte offset. */
static void offset_position(const builder *b, size_t offset, unsigned *line, unsigned *col)
{
	unsigned l = 1, c = 1;
	if (offset > b->len)
		offset = b->len;
	for (size_t i = 0; i < offset;) {
		size_t n = break_at(b, i);
		if (n) {
			l++;
			c = 1;
			i += n;
			continue;
		}
		if (((unsigned char)b->data[i] & 0xC0) != 0x80)
			c++;
		i++;
	}
	*line = l;
	*col = c;
}

/* The byte offset of a libyaml mark (whose column counts characters). */
static size_t mark_offset(const builder *b, const yaml_mark_t *m)
{
	size_t i = 0;
	for (size_t line = 0; line < m->line && i < b->len;) {
		size_t n = break_at(b, i);
		i += n ? n : 1;
		line += n != 0;
	}
	for (size_t c = 0; c < m->column && i < b->len; c++) {
		i++;
		while (i < b->len && ((unsigned char)b->data[i] & 0xC0) == 0x80)
			i++;
	}
	return i;
}

/* The byte at a libyaml mark, or 0. */
static unsigned char byte_at(const builder *b, const yaml_mark_t *m)
{
	size_t i = mark_offset(b, m);
	return i < b->len ? (unsigned char)b->data[i] : 0;
}

static ynode *node_new(builder *b, ynode_kind kind, const yaml_mark_t *m)
{
	ynode *n = calloc(1, sizeof(*n));
	if (!n) {
		enf_diag_add(b->diags, ENF_SEV_ERROR, mark_line(b, m), mark_col(b, m),
		             "out of memory while reading the file");
		b->fatal = 1;
		return NULL;
	}
	n->kind = kind;
	n->line = mark_line(b, m);
	n->col = mark_col(b, m);
	return n;
}

static int same_key(const ynode *a, const ynode *b)
{
	return a->kind == YNODE_SCALAR && b->kind == YNODE_SCALAR && a->len == b->len &&
	       memcmp(a->value, b->value, a->len) == 0;
}

/* Appends one node to a sequence's values or a map's keys and values. */
static int append(ynode *parent, ynode *key, ynode *val)
{
	size_t alloc = parent->alloc;
	if (key && enf_grow((void **)&parent->keys, &alloc, parent->count + 1, sizeof(ynode *)))
		return ENF_ENOMEM;
	if (enf_grow((void **)&parent->vals, &parent->alloc, parent->count + 1, sizeof(ynode *)))
		return ENF_ENOMEM;
	if (key)
		parent->keys[parent->count] = key;
	parent->vals[parent->count++] = val;
	return 0;
}

/* Checks a map key: a plain string, not seen before in this map. */
static void check_key(builder *b, const ynode *parent, ynode *key)
{
	if (key->kind == YNODE_MAP || key->kind == YNODE_SEQ) {
		enf_diag_add(b->diags, ENF_SEV_ERROR, key->line, key->col,
		             "a mapping key must be a plain string, not a %s",
		             key->kind == YNODE_MAP ? "mapping" : "sequence");
		key->kind = YNODE_INVALID;
		return;
	}
	for (size_t i = 0; i < parent->count && key->kind == YNODE_SCALAR; i++) {
		if (same_key(parent->keys[i], key)) {
			enf_diag_add(b->diags, ENF_SEV_ERROR, key->line, key->col,
			             "duplicate key '%s' (first at line %u)", key->value,
			             parent->keys[i]->line);
			key->kind = YNODE_INVALID;
		}
	}
}

/* Adds a finished node to the collection on top of the stack, or as root. */
static void attach(builder *b, ynode *n)
{
	if (b->depth == 0) {
		b->root = n;
		return;
	}
	ynode *parent = b->stack[b->depth - 1];
	if (parent->kind == YNODE_MAP && !parent->pending) {
		if (parent->count >= YTREE_MAX_MAP_KEYS) {
			enf_diag_add(b->diags, ENF_SEV_ERROR, n->line, n->col,
			             "more than %d keys in one mapping", YTREE_MAX_MAP_KEYS);
			b->fatal = 1;
			enf_ytree_free(n);
			return;
		}
		check_key(b, parent, n);
		parent->pending = n;
		return;
	}
	ynode *key = parent->pending;
	parent->pending = NULL;
	if (append(parent, key, n)) {
		enf_diag_add(b->diags, ENF_SEV_ERROR, n->line, n->col,
		             "out of memory while reading the file");
		b->fatal = 1;
		enf_ytree_free(key);
		enf_ytree_free(n);
	}
}

/* Reports anchors and tags, which the format forbids. */
static void check_properties(builder *b, const yaml_mark_t *m, const yaml_char_t *anchor,
                             const yaml_char_t *tag)
{
	static const char yaml_prefix[] = "tag:yaml.org,2002:";
	if (anchor)
		enf_diag_add(b->diags, ENF_SEV_ERROR, mark_line(b, m), mark_col(b, m),
		             "anchors (&%s) are not allowed in a policy; write the value out",
		             (const char *)anchor);
	if (!tag)
		return;
	const char *t = (const char *)tag;
	/* An unquoted "!= 6.3" is read as the tag "!=": say what happened. */
	if (t[0] == '!' && t[1] == '=')
		enf_diag_add(
		    b->diags, ENF_SEV_ERROR, mark_line(b, m), mark_col(b, m),
		    "a value that starts with '!' must be quoted, e.g. \"!= 6.3\" (YAML reads '!' as a tag)");
	/* libyaml resolves "!!str" to its long form; show it as it was written. */
	else if (strncmp(t, yaml_prefix, sizeof(yaml_prefix) - 1) == 0)
		enf_diag_add(b->diags, ENF_SEV_ERROR, mark_line(b, m), mark_col(b, m),
		             "tags (!!%s) are not allowed in a policy; remove the tag",
		             t + sizeof(yaml_prefix) - 1);
	else
		enf_diag_add(b->diags, ENF_SEV_ERROR, mark_line(b, m), mark_col(b, m),
		             "tags (%s) are not allowed in a policy; remove the tag", t);
}

static void push(builder *b, ynode *n, const yaml_mark_t *m)
{
	if (b->depth >= ENF_POLICY_MAX_DEPTH) {
		enf_diag_add(b->diags, ENF_SEV_ERROR, mark_line(b, m), mark_col(b, m),
		             "nesting deeper than %d levels; a policy never needs that: check "
		             "the indentation",
		             ENF_POLICY_MAX_DEPTH);
		b->fatal = 1;
		enf_ytree_free(n);
		return;
	}
	b->stack[b->depth++] = n;
}

static void pop(builder *b)
{
	if (b->depth == 0)
		return;
	attach(b, b->stack[--b->depth]);
}

static void on_scalar(builder *b, yaml_event_t *ev)
{
	const yaml_mark_t *m = &ev->start_mark;
	check_properties(b, m, ev->data.scalar.anchor, ev->data.scalar.tag);
	ynode *n = node_new(b, YNODE_SCALAR, m);
	if (!n)
		return;
	size_t len = ev->data.scalar.length;
	if (len > ENF_POLICY_MAX_SCALAR) {
		enf_diag_add(b->diags, ENF_SEV_ERROR, n->line, n->col,
		             "a value of %zu bytes; the limit is %d bytes (64 KiB): put large "
		             "data (a certificate) in a file the policy refers to",
		             len, ENF_POLICY_MAX_SCALAR);
		n->kind = YNODE_INVALID;
	} else {
		/*
		 * The event's buffer is taken over rather than copied: libyaml
		 * allocates it with malloc() and ends it with a NUL (its strings
		 * are zero-filled as they grow), and yaml_event_delete() then
		 * frees NULL. One allocation fewer per scalar counts under Wine,
		 * where malloc() costs four times what it costs on Linux.
		 */
		char *v = (char *)ev->data.scalar.value;
		if (v && v[len] == '\0') {
			n->value = v;
			ev->data.scalar.value = NULL;
		} else {
			n->value = enf_strndup(v ? v : "", len);
		}
		if (!n->value) {
			b->fatal = 1;
			enf_ytree_free(n);
			return;
		}
		n->len = len;
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	}
	attach(b, n);
}

/* Reports a reader error: bytes that are not UTF-8, or control characters. */
static void on_reader_error(builder *b, const yaml_parser_t *p)
{
	unsigned line, col;
	size_t at = p->problem_offset < b->len ? p->problem_offset : b->len;
	const char *problem = p->problem ? p->problem : "";
	if (strcmp(problem, "control characters are not allowed") == 0) {
		offset_position(b, at, &line, &col);
		if (p->problem_value == 0)
			enf_diag_add(b->diags, ENF_SEV_ERROR, line, col,
			             "the file has a NUL byte; a policy is plain UTF-8 text");
		else
			enf_diag_add(
			    b->diags, ENF_SEV_ERROR, line, col,
			    "the file has the control character U+%04X; a policy is plain UTF-8 text",
			    (unsigned)p->problem_value);
		return;
	}
	/*
	 * Every other reader error is a byte sequence that is not UTF-8. libyaml
	 * may point at the continuation byte that broke a sequence; report the
	 * sequence from its first byte, which is where an editor shows the
	 * misread character (typically Windows-1252 text).
	 */
	size_t start = at, end = at + 1;
	if (strstr(problem, "trailing") && start > 0) {
		start--;
		while (start > 0 && at - start < 3 &&
		       ((unsigned char)b->data[start] & 0xC0) == 0x80)
			start--;
	} else if (at < b->len) {
		unsigned char lead = (unsigned char)b->data[at];
		end = at + (lead >= 0xF0 && lead < 0xF8   ? 4
		            : lead >= 0xE0 && lead < 0xF0 ? 3
		            : lead >= 0xC0 && lead < 0xE0 ? 2
		                                          : 1);
	}
	if (end > b->len)
		end = b->len;
	char bytes[24] = "";
	for (size_t i = start, used = 0; i < end; i++) {
		int n = snprintf(bytes + used, sizeof(bytes) - used, "%s0x%02x",
		                 i > start ? " " : "", (unsigned char)b->data[i]);
		if (n < 0 || (size_t)n >= sizeof(bytes) - used)
			break;
		used += (size_t)n;
	}
	offset_position(b, start, &line, &col);
	enf_diag_add(
	    b->diags, ENF_SEV_ERROR, line, col,
	    "the file is not valid UTF-8 (%s: %s); save it as UTF-8, not ANSI or Windows-1252",
	    bytes, problem);
}

/* A hint for the syntax errors people make most often, or "". */
static const char *syntax_hint(const builder *b, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "";
	unsigned char c = byte_at(b, &p->problem_mark);
	if (c == '\t')
		return strstr(problem, "tab") ? "; YAML indents with spaces only"
		                              : "; this is a tab: YAML indents with spaces only";
	if (strstr(problem, "cannot start any token") && (c == '@' || c == '`'))
		return "; a value that starts with '@' or '`' must be quoted";
	if (p->context && strstr(p->context, "block scalar")) {
		unsigned char ind = byte_at(b, &p->context_mark);
		if (ind == '>' || ind == '|')
			return "; a value that starts with '>' or '|' must be quoted, e.g. os.build: \">= 9600\"";
	}
	if (strstr(problem, "mapping values are not allowed"))
		return "; a value that contains ': ' or ends with ':' must be quoted";
	if (strstr(problem, "did not find expected key") ||
	    strstr(problem, "did not find expected '-' indicator"))
		return "; check the indentation of this line";
	return "";
}

static void on_syntax_error(builder *b, const yaml_parser_t *p)
{
	if (p->error == YAML_READER_ERROR) {
		on_reader_error(b, p);
		return;
	}
	const char *problem = p->problem ? p->problem : "cannot be parsed";
	unsigned line = mark_line(b, &p->problem_mark), col = mark_col(b, &p->problem_mark);
	/* The context ("while parsing a block mapping") helps when it started elsewhere. */
	if (p->context && mark_line(b, &p->context_mark) != line)
		enf_diag_add(b->diags, ENF_SEV_ERROR, line, col,
		             "YAML syntax error: %s %s at line %u%s", problem, p->context,
		             mark_line(b, &p->context_mark), syntax_hint(b, p));
	else
		enf_diag_add(b->diags, ENF_SEV_ERROR, line, col, "YAML syntax error: %s%s", problem,
		             syntax_hint(b, p));
}

/* Handles one event; returns 1 when the stream is over or reading must stop. */
static int on_event(builder *b, yaml_event_t *ev)
{
	const yaml_mark_t *m = &ev->start_mark;
	ynode *n;
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++b->documents > 1) {
			enf_diag_add(b->diags, ENF_SEV_ERROR, mark_line(b, m), mark_col(b, m),
			             "a second YAML document; a policy file holds exactly one");
			b->fatal = 1;
			return 1;
		}
		if (ev->data.document_start.tag_directives.start !=
		    ev->data.document_start.tag_directives.end)
			enf_diag_add(b->diags, ENF_SEV_ERROR, mark_line(b, m), mark_col(b, m),
			             "%%TAG directives are not allowed in a policy");
		return 0;
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		if (ev->type == YAML_MAPPING_START_EVENT)
			check_properties(b, m, ev->data.mapping_start.anchor,
			                 ev->data.mapping_start.tag);
		else
			check_properties(b, m, ev->data.sequence_start.anchor,
			                 ev->data.sequence_start.tag);
		n = node_new(b, ev->type == YAML_MAPPING_START_EVENT ? YNODE_MAP : YNODE_SEQ, m);
		if (n)
			push(b, n, m);
		return b->fatal;
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		pop(b);
		return b->fatal;
	case YAML_SCALAR_EVENT:
		on_scalar(b, ev);
		return b->fatal;
	case YAML_ALIAS_EVENT:
		enf_diag_add(b->diags, ENF_SEV_ERROR, mark_line(b, m), mark_col(b, m),
		             "aliases (*%s) are not allowed in a policy; write the value out",
		             (const char *)ev->data.alias.anchor);
		n = node_new(b, YNODE_INVALID, m);
		if (n)
			attach(b, n);
		return b->fatal;
	case YAML_STREAM_END_EVENT:
		return 1;
	default:
		return 0;
	}
}

int enf_ytree_parse(ynode **out, enf_diag_list *diags, const char *data, size_t len)
{
	const unsigned char *u = (const unsigned char *)data;
	/* With a byte order mark, or without one: ASCII text with every other byte zero. */
	int utf16 = len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF));
	if (len >= 4 && ((u[0] && !u[1] && u[2] && !u[3]) || (!u[0] && u[1] && !u[2] && u[3])))
		utf16 = 1;
	if (utf16) {
		enf_diag_add(diags, ENF_SEV_ERROR, 1, 1, "the file is UTF-16; save it as UTF-8");
		return ENF_EINVALID;
	}
	/*
	 * Notepad writes a UTF-8 byte order mark. libyaml, told the encoding,
	 * would read it as a character and count it as a column; skip it so
	 * positions match what an editor shows.
	 */
	if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
		data += 3;
		len -= 3;
	}
	/* Every backslash trap at once, rather than libyaml's first error (yescape.c). */
	if (enf_ytree_scan_escapes(diags, data, len) > 0)
		return ENF_EINVALID;
	builder b = {diags, data, len, NULL, {0}, 0, 0, 0, 0, 0};
	offset_position(&b, len, &b.end_line, &b.end_col);
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser)) {
		enf_diag_add(diags, ENF_SEV_ERROR, 1, 1, "out of memory while reading the file");
		return ENF_ENOMEM;
	}
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	int rc = 0;
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev)) {
			on_syntax_error(&b, &parser);
			rc = ENF_EINVALID;
			break;
		}
		int stop = on_event(&b, &ev);
		yaml_event_delete(&ev);
		if (b.fatal) {
			rc = ENF_EINVALID;
			break;
		}
		if (stop)
			break;
	}
	yaml_parser_delete(&parser);
	/* Whatever is still open belongs to an unfinished tree. */
	while (b.depth > 0)
		enf_ytree_free(b.stack[--b.depth]);
	if (rc == 0 && !b.root) {
		enf_diag_add(diags, ENF_SEV_ERROR, 1, 1,
		             "the file is empty; a policy starts with 'enforcer: 1'");
		rc = ENF_EINVALID;
	}
	if (rc != 0) {
		enf_ytree_free(b.root);
		return rc;
	}
	*out = b.root;
	return 0;
}

void enf_ytree_free(ynode *n)
{
	if (!n)
		return;
	/* Recursion is bounded: nesting is capped at ENF_POLICY_MAX_DEPTH. */
	for (size_t i = 0; i < n->count; i++) {
		if (n->keys)
			enf_ytree_free(n->keys[i]);
		enf_ytree_free(n->vals[i]);
	}
	enf_ytree_free(n->pending);
	free(n->keys);
	free(n->vals);
	free(n->value);
	free(n);
}

static long find_key(const ynode *map, const char *key)
{
	if (!map || map->kind != YNODE_MAP)
		return -1;
	size_t klen = strlen(key);
	for (size_t i = 0; i < map->count; i++) {
		const ynode *k = map->keys[i];
		if (k->kind == YNODE_SCALAR && k->len == klen && memcmp(k->value, key, klen) == 0)
			return (long)i;
	}
	return -1;
}

ynode *enf_ytree_get(const ynode *map, const char *key)
{
	long i = find_key(map, key);
	return i < 0 ? NULL : map->vals[i];
}

ynode *enf_ytree_key(const ynode *map, const char *key)
{
	long i = find_key(map, key);
	return i < 0 ? NULL : map->keys[i];
}
