/* The per-thread last error. */
#include "enforcer/errors.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local enf_error last_error;
static _Thread_local int has_error;

/* Used when even the message cannot be allocated. */
static char oom_message[] = "out of memory";

const enf_error *enf_error_last(void)
{
	return has_error ? &last_error : NULL;
}

void enf_error_clear(void)
{
	if (last_error.message != oom_message)
		free(last_error.message);
	last_error.message = NULL;
	last_error.klass = ENF_ERRCLASS_NONE;
	has_error = 0;
}

static void set_message(enf_error_class klass, char *message)
{
	enf_error_clear();
	if (!message) {
		klass = ENF_ERRCLASS_NOMEMORY;
		message = oom_message;
	}
	last_error.klass = klass;
	last_error.message = message;
	has_error = 1;
}

void enf_error_set(enf_error_class klass, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *message = enf_vasprintf(fmt, ap);
	va_end(ap);
	set_message(klass, message);
}

void enf_error_set_os(int os_error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *message = enf_vasprintf(fmt, ap);
	va_end(ap);
	char *os_text = enf_os_error_text(os_error);
	char *full = NULL;
	if (message && os_text)
		full = enf_asprintf("%s: %s", message, os_text);
	free(message);
	free(os_text);
	set_message(ENF_ERRCLASS_OS, full);
}

int enf_error_oom(void)
{
	set_message(ENF_ERRCLASS_NOMEMORY, NULL);
	return ENF_ENOMEM;
}
