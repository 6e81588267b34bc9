/* Durations: the service wait ceiling (timeout: and --service-timeout). */
#include "util.h"

#include "enforcer/errors.h"

#include <ctype.h>
#include <string.h>

int enf_duration_parse(unsigned *out_ms, const char *text)
{
	const char *p = text ? text : "";
	uint64_t n = 0;
	size_t digits = 0;
	for (; isdigit((unsigned char)*p) && digits < 12; p++, digits++)
		n = n * 10 + (uint64_t)(*p - '0');
	uint64_t unit = 1000;
	if (*p == 's' || *p == 'm' || *p == 'h') {
		unit = *p == 's' ? 1000 : *p == 'm' ? 60000 : 3600000;
		p++;
	}
	uint64_t ms = n * unit;
	if (digits == 0 || *p || ms < 1000 || ms > ENF_DURATION_MAX_MS) {
		enf_error_set(
		    ENF_ERRCLASS_INVALID,
		    "'%s' is not a duration from 1 second to 24 hours: write whole seconds (600) or a number with s, m or h (90s, 10m, 1h)",
		    text ? text : "");
		return ENF_EINVALID;
	}
	*out_ms = (unsigned)ms;
	return 0;
}

char *enf_duration_text(unsigned ms)
{
	unsigned h = ms / 3600000u, m = ms / 60000u % 60u, s = ms / 1000u % 60u, frac = ms % 1000u;
	enf_buf b = ENF_BUF_INIT;
	if (ms < 60000u) {
		/* Below a minute the tenths matter: a wait hint of 1.5 s is not 1 s. */
		if (frac == 0)
			enf_buf_printf(&b, "%u s", s);
		else if (frac % 100u == 0)
			enf_buf_printf(&b, "%u.%u s", s, frac / 100u);
		else
			enf_buf_printf(&b, "%u ms", ms);
		return enf_buf_detach(&b);
	}
	if (h)
		enf_buf_printf(&b, "%u h", h);
	if (m)
		enf_buf_printf(&b, "%s%u min", b.len ? " " : "", m);
	if (s)
		enf_buf_printf(&b, "%s%u s", b.len ? " " : "", s);
	return enf_buf_detach(&b);
}
