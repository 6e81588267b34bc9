/* Shared by the renderers: reading report.json fields and escaping markup. */
#include "render_int.h"

const char *enf_rj_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

long long enf_rj_num(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

void enf_rj_escape(enf_buf *b, const char *s)
{
	enf_buf_put_xml(b, s, "&#39;");
}

char *enf_rj_value_text(const json_t *v)
{
	if (!v || json_is_null(v))
		return enf_strdup("—");
	if (json_is_string(v))
		return enf_strdup(json_string_value(v));
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}
