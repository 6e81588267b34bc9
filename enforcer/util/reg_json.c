/*
 * The registry value codec: a value and its JSON, the one encoding the
 * snapshot, the journal, the reports and the policy diff share
 * (json_util.h, docs/snapshot.md).
 */
#include "json_util.h"

#include "enforcer/errors.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* `v` (freed) as what Windows reads back from the bytes it would store for it. */
static int stored_form(enf_reg_value *out, enf_reg_value *v)
{
	enf_buf b = ENF_BUF_INIT;
	int rc = enf_reg_value_encode(&b, v);
	if (rc == 0)
		rc = enf_reg_value_decode(out, v->type, (const unsigned char *)b.ptr, b.len);
	enf_buf_clear(&b);
	enf_reg_value_clear(v);
	return rc;
}

int enf_reg_value_from_json(enf_reg_value *out, const json_t *v)
{
	enf_reg_value r = {0};
	const char *kind = json_string_value(json_object_get(v, "kind"));
	json_t *data = json_object_get(v, "data");
	if (!kind) {
		json_t *type = json_object_get(v, "type");
		const char *hex = json_string_value(json_object_get(v, "hex"));
		if (!json_is_integer(type) || json_integer_value(type) < 0 ||
		    json_integer_value(type) > 0xFFFFFFFFLL || !hex)
			return ENF_EINVALID;
		unsigned char *bytes = NULL;
		size_t size = 0;
		if (enf_unhex(&bytes, &size, hex))
			return ENF_EINVALID;
		/*
		 * Read as Windows reads stored bytes: the typed kinds keep their
		 * reading in the typed fields, which comparisons use, and the bytes
		 * too when they are not its documented form (a REG_SZ with an
		 * embedded NUL, a REG_MULTI_SZ with an empty string in the middle),
		 * so that a rollback writes them back exactly.
		 */
		int rc = enf_reg_value_decode(&r, (uint32_t)json_integer_value(type), bytes, size);
		free(bytes);
		if (rc)
			return rc == ENF_ENOMEM ? rc : ENF_EINVALID;
		*out = r;
		return 0;
	}
	if (enf_reg_kind_parse(&r.type, kind))
		return ENF_EINVALID;
	switch (r.type) {
	case ENF_REG_DWORD:
	case ENF_REG_QWORD: {
		uint64_t max = r.type == ENF_REG_DWORD ? 0xFFFFFFFFu : UINT64_MAX;
		if (json_is_integer(data) && json_integer_value(data) >= 0) {
			r.number = (uint64_t)json_integer_value(data);
		} else if (json_is_string(data)) {
			/* Values past INT64_MAX are written as decimal strings. */
			const char *s = json_string_value(data);
			if (!*s)
				return ENF_EINVALID;
			for (; *s; s++) {
				uint64_t d = (uint64_t)(*s - '0');
				if (*s < '0' || *s > '9' || r.number > (UINT64_MAX - d) / 10)
					return ENF_EINVALID;
				r.number = r.number * 10 + d;
			}
		} else {
			return ENF_EINVALID;
		}
		if (r.number > max)
			return ENF_EINVALID;
		break;
	}
	case ENF_REG_SZ:
	case ENF_REG_EXPAND_SZ:
		if (!json_is_string(data) || !(r.text = enf_strdup(json_string_value(data))))
			return ENF_EINVALID;
		break;
	case ENF_REG_MULTI_SZ: {
		if (!json_is_array(data))
			return ENF_EINVALID;
		size_t n = json_array_size(data);
		r.list = calloc(n ? n : 1, sizeof(char *));
		if (!r.list)
			return ENF_ENOMEM;
		for (size_t i = 0; i < n; i++) {
			const char *s = json_string_value(json_array_get(data, i));
			if (!s || !(r.list[i] = enf_strdup(s))) {
				enf_reg_value_clear(&r);
				return ENF_EINVALID;
			}
			r.count = i + 1;
		}
		/*
		 * An empty string ends the list for every documented reader: a list
		 * with one is the bytes it would be stored as, read as Windows reads
		 * them (docs/windows-semantics.md).
		 */
		for (size_t i = 0; i < r.count; i++) {
			if (!*r.list[i])
				return stored_form(out, &r);
		}
		break;
	}
	default: {
		const char *hex = json_string_value(data);
		if (!hex || enf_unhex(&r.bytes, &r.size, hex))
			return ENF_EINVALID;
		break;
	}
	}
	*out = r;
	return 0;
}

json_t *enf_reg_value_to_json(const enf_reg_value *v)
{
	const char *kind = enf_reg_kind_name(v->type);
	/* A typed kind with stored bytes is written as those bytes, so the journal keeps them. */
	if (!kind || (v->bytes && v->type != ENF_REG_BINARY)) {
		char *hex = enf_hex(v->bytes, v->size, 0);
		json_t *o =
		    json_pack("{s:I, s:s}", "type", (json_int_t)v->type, "hex", hex ? hex : "");
		free(hex);
		return o;
	}
	json_t *data = NULL;
	switch (v->type) {
	case ENF_REG_DWORD:
	case ENF_REG_QWORD:
		data = enf_json_u64(v->number);
		break;
	case ENF_REG_SZ:
	case ENF_REG_EXPAND_SZ:
		data = json_string(v->text ? v->text : "");
		break;
	case ENF_REG_MULTI_SZ:
		data = enf_json_strings(v->list, v->count);
		break;
	default: {
		char *hex = enf_hex(v->bytes, v->size, 0);
		data = json_string(hex ? hex : "");
		free(hex);
		break;
	}
	}
	return json_pack("{s:s, s:o}", "kind", kind, "data", data);
}
