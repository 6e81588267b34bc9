/*
 * Common definitions for the enforcer library: version, return codes.
 *
 * Every library function that can fail returns an int: 0 on success or a
 * negative code from enum enf_error_code. The message that goes with a
 * failure is kept in a per-thread last error (see errors.h).
 */
#ifndef ENFORCER_COMMON_H
#define ENFORCER_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define ENF_VERSION "0.1.0"

/*
 * The archetype for printf-style format checking. mingw-w64's GCC checks
 * `printf` against msvcrt's printf (no %zu, %llu); the Windows build uses
 * mingw's C99 stdio instead (meson.build defines __USE_MINGW_ANSI_STDIO),
 * whose formats are GNU's.
 */
#if defined(__MINGW32__)
#define ENF_PRINTF_ARCHETYPE gnu_printf
#else
#define ENF_PRINTF_ARCHETYPE printf
#endif

/* Return codes. Zero is success; everything else is negative. */
typedef enum enf_error_code {
	ENF_OK = 0,
	ENF_ERROR = -1,        /* generic failure; see the last error */
	ENF_ENOTFOUND = -3,    /* the thing asked for does not exist */
	ENF_EEXISTS = -4,      /* it already exists */
	ENF_EINVALID = -5,     /* bad input (policy, file, argument) */
	ENF_EACCESS = -6,      /* the operating system denied access */
	ENF_ELOCKED = -7,      /* another run holds the lock */
	ENF_ETIMEOUT = -8,     /* a wait ran out */
	ENF_EUNSUPPORTED = -9, /* the target cannot do this */
	ENF_ELIMIT = -10,      /* a size or count limit was exceeded */
	ENF_ENOMEM = -11,      /* out of memory */
	ENF_EKIND = -12        /* a value exists but has another kind */
} enf_error_code;

#endif
