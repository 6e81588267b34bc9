/* Diagnostics lists. */
#include "enforcer/diag.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

int enf_diag_list_init(enf_diag_list *list, const char *file)
{
	memset(list, 0, sizeof(*list));
	list->file = enf_strdup(file ? file : "<input>");
	return list->file ? 0 : ENF_ENOMEM;
}

void enf_diag_add(enf_diag_list *list, enf_severity severity, unsigned line, unsigned col,
                  const char *fmt, ...)
{
	if (severity == ENF_SEV_ERROR)
		list->errors++;
	else
		list->warnings++;
	if (list->count >= ENF_DIAG_MAX) {
		list->truncated = 1;
		return;
	}
	if (enf_grow((void **)&list->items, &list->alloc, list->count + 1, sizeof(enf_diag)))
		return;
	va_list ap;
	va_start(ap, fmt);
	char *message = enf_vasprintf(fmt, ap);
	va_end(ap);
	if (!message)
		return;
	enf_diag *d = &list->items[list->count++];
	d->severity = severity;
	d->file = list->file;
	d->line = line;
	d->col = col;
	d->message = message;
}

void enf_diag_sort(enf_diag_list *list)
{
	/* Insertion sort: stable, and lists are short (at most ENF_DIAG_MAX). */
	for (size_t i = 1; i < list->count; i++) {
		enf_diag d = list->items[i];
		size_t j = i;
		while (j > 0 &&
		       (list->items[j - 1].line > d.line ||
		        (list->items[j - 1].line == d.line && list->items[j - 1].col > d.col))) {
			list->items[j] = list->items[j - 1];
			j--;
		}
		list->items[j] = d;
	}
}

char *enf_diag_format(const enf_diag_list *list, const enf_diag *d)
{
	const char *sev = d->severity == ENF_SEV_WARNING ? "warning: " : "";
	if (d->line == 0)
		return enf_asprintf("%s: %s%s", list->file, sev, d->message);
	return enf_asprintf("%s:%u:%u: %s%s", list->file, d->line, d->col, sev, d->message);
}

void enf_diag_list_clear(enf_diag_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->items[i].message);
	free(list->items);
	free(list->file);
	memset(list, 0, sizeof(*list));
}
