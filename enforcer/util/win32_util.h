/* Helpers for Windows code only: UTF-8 <-> UTF-16 conversion, account names. */
#ifndef ENFORCER_WIN32_UTIL_H
#define ENFORCER_WIN32_UTIL_H

#include <wchar.h>

/* Both return malloc'd strings, or NULL on invalid input or no memory. */
wchar_t *enf_utf8_to_wide(const char *s);
char *enf_wide_to_utf8(const wchar_t *w);

/* "BUILTIN\Users", or the SID's text when it has no name here; malloc'd (guard_win32.c). */
char *enf_sid_name(void *sid);

#endif
