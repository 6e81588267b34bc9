/*
 * Diagnostics: the list of errors and warnings found in an input file, each
 * with the place it refers to. Printed as "FILE:LINE:COL: message".
 */
#ifndef ENFORCER_DIAG_H
#define ENFORCER_DIAG_H

#include "common.h"

typedef enum enf_severity { ENF_SEV_ERROR = 0, ENF_SEV_WARNING } enf_severity;

typedef struct enf_diag {
	enf_severity severity;
	const char *file; /* borrowed from the list */
	unsigned line;    /* 1-based; 0 when the whole file is meant */
	unsigned col;     /* 1-based; 0 when the whole file is meant */
	char *message;
} enf_diag;

typedef struct enf_diag_list {
	enf_diag *items;
	size_t count;
	size_t alloc;
	size_t errors;
	size_t warnings;
	char *file;    /* the file name every item refers to */
	int truncated; /* more were found than ENF_DIAG_MAX */
} enf_diag_list;

/* At most this many diagnostics are kept per file. */
#define ENF_DIAG_MAX 100

/* Initialises an empty list for the given file name (copied). */
int enf_diag_list_init(enf_diag_list *list, const char *file);

/* Adds one diagnostic; never fails loudly (an allocation failure drops it). */
void enf_diag_add(enf_diag_list *list, enf_severity severity, unsigned line, unsigned col,
                  const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(ENF_PRINTF_ARCHETYPE, 5, 6)))
#endif
    ;

/* Sorts by position, keeping the order of items at the same position. */
void enf_diag_sort(enf_diag_list *list);

/* Formats one item as "FILE:LINE:COL: [warning: ]message"; free() it. */
char *enf_diag_format(const enf_diag_list *list, const enf_diag *d);

void enf_diag_list_clear(enf_diag_list *list);

#endif
