/* Helpers for Windows code only: UTF-8 <-> UTF-16 conversion. */
#ifndef ENFORCER_WIN32_UTIL_H
#define ENFORCER_WIN32_UTIL_H

#include <wchar.h>

/* Both return malloc'd strings, or NULL on invalid input or no memory. */
wchar_t *enf_utf8_to_wide(const char *s);
char *enf_wide_to_utf8(const wchar_t *w);

#endif
