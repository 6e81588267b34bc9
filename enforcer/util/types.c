/* Names and helpers for the shared value types in types.h and outcome.h. */
#include "enforcer/outcome.h"
#include "enforcer/types.h"
#include "json_util.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const char *const store_names[ENF_STORE__COUNT + 1] = {
    "Root", "CA", "My", "TrustedPeople", "TrustedPublisher", "Disallowed", NULL,
};

const char *const *enf_store_names(void)
{
	return store_names;
}

const char *enf_store_name(enf_store store)
{
	return (unsigned)store < ENF_STORE__COUNT ? store_names[store] : "?";
}

int enf_store_parse(enf_store *out, const char *name)
{
	if (enf_starts_with_nocase(name, "LocalMachine\\"))
		name += strlen("LocalMachine\\");
	for (int i = 0; i < ENF_STORE__COUNT; i++) {
		if (enf_strcaseeq(name, store_names[i])) {
			*out = (enf_store)i;
			return 0;
		}
	}
	return ENF_EINVALID;
}

/* The policy's kinds and the types they stand for, in the same order. */
static const char *const reg_kind_names[] = {"dword",    "qword",  "sz", "expand-sz",
                                             "multi-sz", "binary", NULL};
static const uint32_t reg_kind_types[] = {ENF_REG_DWORD,     ENF_REG_QWORD,    ENF_REG_SZ,
                                          ENF_REG_EXPAND_SZ, ENF_REG_MULTI_SZ, ENF_REG_BINARY};
_Static_assert(ENF_ARRAY_SIZE(reg_kind_names) == ENF_ARRAY_SIZE(reg_kind_types) + 1,
               "a name for every kind");

const char *enf_reg_kind_name(uint32_t type)
{
	for (size_t i = 0; i < ENF_ARRAY_SIZE(reg_kind_types); i++)
		if (reg_kind_types[i] == type)
			return reg_kind_names[i];
	return NULL;
}

int enf_reg_kind_parse(uint32_t *out, const char *name)
{
	for (size_t i = 0; i < ENF_ARRAY_SIZE(reg_kind_types); i++) {
		if (strcmp(reg_kind_names[i], name) == 0) {
			*out = reg_kind_types[i];
			return 0;
		}
	}
	return ENF_EINVALID;
}

const char *const *enf_reg_kind_names(void)
{
	return reg_kind_names;
}

void enf_reg_value_clear(enf_reg_value *v)
{
	if (!v)
		return;
	free(v->text);
	for (size_t i = 0; i < v->count; i++)
		free(v->list[i]);
	free(v->list);
	free(v->bytes);
	memset(v, 0, sizeof(*v));
}

int enf_reg_value_copy(enf_reg_value *out, const enf_reg_value *src)
{
	enf_reg_value v = {0};
	v.type = src->type;
	v.number = src->number;
	if (src->text && !(v.text = enf_strdup(src->text)))
		goto oom;
	if (src->count) {
		v.list = calloc(src->count, sizeof(char *));
		if (!v.list)
			goto oom;
		for (size_t i = 0; i < src->count; i++) {
			if (!(v.list[i] = enf_strdup(src->list[i])))
				goto oom;
			v.count = i + 1;
		}
	}
	if (src->bytes) {
		v.bytes = malloc(src->size ? src->size : 1);
		if (!v.bytes)
			goto oom;
		memcpy(v.bytes, src->bytes, src->size);
		v.size = src->size;
	}
	*out = v;
	return 0;
oom:
	enf_reg_value_clear(&v);
	return ENF_ENOMEM;
}

static int streq_null(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* A typed kind read from bytes that are not the documented form of its reading. */
static int has_stored_bytes(const enf_reg_value *v)
{
	return v->bytes && v->type != ENF_REG_BINARY && enf_reg_kind_name(v->type);
}

/*
 * Values read from bytes other than their documented form (reg_bytes.c) are
 * compared by those bytes: a REG_SZ with more after an embedded NUL is not
 * the text before it. Out of memory compares unequal: a change is planned,
 * never a false "compliant".
 */
static int stored_equal(const enf_reg_value *a, const enf_reg_value *b)
{
	enf_buf x = ENF_BUF_INIT, y = ENF_BUF_INIT;
	int same = enf_reg_value_stored(&x, a) == 0 && enf_reg_value_stored(&y, b) == 0 &&
	           x.len == y.len && (x.len == 0 || memcmp(x.ptr, y.ptr, x.len) == 0);
	enf_buf_clear(&x);
	enf_buf_clear(&y);
	return same;
}

int enf_reg_value_hides_bytes(const enf_reg_value *v)
{
	enf_reg_value reading = *v;
	reading.bytes = NULL;
	reading.size = 0;
	return has_stored_bytes(v) && !stored_equal(v, &reading);
}

int enf_reg_value_equal(const enf_reg_value *a, const enf_reg_value *b)
{
	if (a->type != b->type)
		return 0;
	if (has_stored_bytes(a) || has_stored_bytes(b))
		return stored_equal(a, b);
	switch (a->type) {
	case ENF_REG_DWORD:
	case ENF_REG_QWORD:
		return a->number == b->number;
	case ENF_REG_SZ:
	case ENF_REG_EXPAND_SZ:
		return streq_null(a->text, b->text);
	case ENF_REG_MULTI_SZ:
		if (a->count != b->count)
			return 0;
		for (size_t i = 0; i < a->count; i++)
			if (strcmp(a->list[i], b->list[i]) != 0)
				return 0;
		return 1;
	default:
		return a->size == b->size &&
		       (a->size == 0 || memcmp(a->bytes, b->bytes, a->size) == 0);
	}
}

/* Appends a string in double quotes, escaping quotes, backslashes and controls. */
static void put_quoted(enf_buf *b, const char *s)
{
	enf_buf_puts(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			enf_buf_printf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			enf_buf_printf(b, "\\x%02x", *p);
		else
			enf_buf_put(b, p, 1);
	}
	enf_buf_puts(b, "\"");
}

char *enf_reg_value_describe(const enf_reg_value *v)
{
	enf_buf b = ENF_BUF_INIT;
	switch (v->type) {
	case ENF_REG_DWORD:
		enf_buf_printf(&b, "DWORD %llu (0x%llx)", (unsigned long long)v->number,
		               (unsigned long long)v->number);
		break;
	case ENF_REG_QWORD:
		enf_buf_printf(&b, "QWORD %llu (0x%llx)", (unsigned long long)v->number,
		               (unsigned long long)v->number);
		break;
	case ENF_REG_SZ:
	case ENF_REG_EXPAND_SZ:
		enf_buf_puts(&b, v->type == ENF_REG_SZ ? "SZ " : "EXPAND_SZ ");
		put_quoted(&b, v->text ? v->text : "");
		break;
	case ENF_REG_MULTI_SZ:
		enf_buf_puts(&b, "MULTI_SZ [");
		for (size_t i = 0; i < v->count; i++) {
			if (i)
				enf_buf_puts(&b, ", ");
			put_quoted(&b, v->list[i]);
		}
		enf_buf_puts(&b, "]");
		break;
	case ENF_REG_BINARY: {
		enf_buf_puts(&b, "BINARY ");
		size_t shown = v->size > 32 ? 32 : v->size;
		char *hex = enf_hex(v->bytes, shown, 0);
		enf_buf_puts(&b, hex ? hex : "");
		free(hex);
		if (shown < v->size)
			enf_buf_printf(&b, "... (%zu bytes)", v->size);
		if (v->size == 0)
			enf_buf_puts(&b, "(empty)");
		break;
	}
	default:
		enf_buf_printf(&b, "type %lu, %zu bytes", (unsigned long)v->type, v->size);
		break;
	}
	if (has_stored_bytes(v)) {
		/* What it reads as, and the bytes a rollback writes back. */
		size_t shown = v->size > 32 ? 32 : v->size;
		char *hex = enf_hex(v->bytes, shown, 0);
		enf_buf_printf(&b, " (stored as %zu bytes: %s%s)", v->size, hex ? hex : "",
		               shown < v->size ? "..." : "");
		free(hex);
	}
	return enf_buf_detach(&b);
}

static const char *const startup_names[] = {
    [ENF_STARTUP_UNSET] = "unset",
    [ENF_STARTUP_AUTOMATIC] = "automatic",
    [ENF_STARTUP_DELAYED_AUTOMATIC] = "delayed-automatic",
    [ENF_STARTUP_MANUAL] = "manual",
    [ENF_STARTUP_DISABLED] = "disabled",
    [ENF_STARTUP_BOOT] = "boot",
    [ENF_STARTUP_SYSTEM] = "system",
};

const char *enf_startup_name(enf_startup startup)
{
	return (unsigned)startup < ENF_ARRAY_SIZE(startup_names) ? startup_names[startup] : "?";
}

int enf_startup_parse(enf_startup *out, const char *name)
{
	/* Only the four modes a policy may set. */
	for (int i = ENF_STARTUP_AUTOMATIC; i <= ENF_STARTUP_DISABLED; i++) {
		if (strcmp(name, startup_names[i]) == 0) {
			*out = (enf_startup)i;
			return 0;
		}
	}
	return ENF_EINVALID;
}

static const char *const svc_state_names[] = {
    [ENF_SVC_UNSET] = "unset",
    [ENF_SVC_STOPPED] = "stopped",
    [ENF_SVC_RUNNING] = "running",
    [ENF_SVC_START_PENDING] = "start-pending",
    [ENF_SVC_STOP_PENDING] = "stop-pending",
    [ENF_SVC_PAUSED] = "paused",
    [ENF_SVC_OTHER] = "other",
};

const char *enf_svc_state_name(enf_svc_state state)
{
	return (unsigned)state < ENF_ARRAY_SIZE(svc_state_names) ? svc_state_names[state] : "?";
}

static const char *const outcome_names[ENF_OUTCOME__COUNT] = {
    "compliant", "drift", "changed", "failed", "skipped", "waived", "audit-drift",
};

const char *enf_outcome_name(enf_outcome outcome)
{
	return (unsigned)outcome < ENF_OUTCOME__COUNT ? outcome_names[outcome] : "?";
}
