/* Small jansson helpers (json_util.h). */
#include "json_util.h"

#include "enforcer/errors.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>

void enf_json_set_str(json_t *o, const char *key, const char *value)
{
	if (value)
		json_object_set_new(o, key, json_string(value));
}

json_t *enf_json_strings(char *const *list, size_t count)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < count; i++)
		json_array_append_new(a, json_string(list[i]));
	return a;
}

json_t *enf_json_u64(uint64_t v)
{
	if (v <= (uint64_t)INT64_MAX)
		return json_integer((json_int_t)v);
	char buf[32];
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return json_string(buf);
}

json_t *enf_json_thumbprint(const unsigned char thumb[20])
{
	char *hex = enf_hex(thumb, 20, 1);
	json_t *j = json_string(hex ? hex : "");
	free(hex);
	return j;
}

int enf_json_get_str(char **out, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return ENF_EINVALID;
	*out = enf_strdup(json_string_value(v));
	return *out ? 0 : ENF_ENOMEM;
}
