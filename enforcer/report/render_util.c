/* Shared by the renderers: reading report.json fields and escaping markup. */
#include "render_int.h"

#include <string.h>

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
	/*
	 * Controls first made visible as the terminal shows them (util/shown.c:
	 * \x1b, \u009b, \u202e): a C1 control or a bidi override written raw
	 * reorders or hides the line in a browser, and XML forbids most C0
	 * controls. Newline and tab are kept: they lay out a message.
	 */
	enf_buf shown = ENF_BUF_INIT;
	enf_buf_put_shown(&shown, s, strlen(s), ENF_SHOWN_LAYOUT);
	if (shown.failed)
		b->failed = 1;
	else
		enf_buf_put_xml(b, shown.ptr ? shown.ptr : "", "&#39;");
	enf_buf_clear(&shown);
}

char *enf_rj_value_text(const json_t *v)
{
	if (!v || json_is_null(v))
		return enf_strdup("—");
	if (json_is_string(v))
		return enf_strdup(json_string_value(v));
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}
