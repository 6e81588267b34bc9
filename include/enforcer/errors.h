/*
 * The last-error mechanism: a failing function stores a message and a
 * class in a per-thread slot, and returns a negative code. The caller (the
 * CLI) reads it with enf_error_last() and decides what to print.
 */
#ifndef ENFORCER_ERRORS_H
#define ENFORCER_ERRORS_H

#include "common.h"

typedef enum enf_error_class {
	ENF_ERRCLASS_NONE = 0,
	ENF_ERRCLASS_NOMEMORY,
	ENF_ERRCLASS_OS,       /* a system call or Win32 API failed */
	ENF_ERRCLASS_INVALID,  /* bad input */
	ENF_ERRCLASS_POLICY,   /* the policy is invalid */
	ENF_ERRCLASS_PROVIDER, /* the target could not be read or changed */
	ENF_ERRCLASS_CERT,     /* certificate parsing or analysis */
	ENF_ERRCLASS_STATE,    /* lock, journal, state directory */
	ENF_ERRCLASS_SOURCE,   /* git, files referenced by the policy */
	ENF_ERRCLASS_REPORT
} enf_error_class;

typedef struct enf_error {
	enf_error_class klass;
	char *message;
} enf_error;

/* Returns the last error of this thread, or NULL if none was set. */
const enf_error *enf_error_last(void);

/* Forgets the last error of this thread. */
void enf_error_clear(void);

/* Sets the last error from a printf-style format. */
void enf_error_set(enf_error_class klass, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(ENF_PRINTF_ARCHETYPE, 2, 3)))
#endif
    ;

/*
 * Sets the last error and appends the text of the given OS error code
 * (errno on POSIX, GetLastError() on Windows): "MESSAGE: OS TEXT".
 */
void enf_error_set_os(int os_error, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(ENF_PRINTF_ARCHETYPE, 2, 3)))
#endif
    ;

/* Sets "out of memory" and returns ENF_ENOMEM, for `return enf_error_oom();`. */
int enf_error_oom(void);

#endif
