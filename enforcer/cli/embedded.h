/* Text files built into the exe (scripts/embed-files): the shipped baselines. */
#ifndef ENFORCER_CLI_EMBEDDED_H
#define ENFORCER_CLI_EMBEDDED_H

#include <stddef.h>

typedef struct cli_embedded_file {
	const char *name; /* the file's base name: "lync-edge.yaml" */
	const char *data;
	size_t len;
} cli_embedded_file;

/* The .yaml files of policies/ as they were built; ends with a NULL name. */
extern const cli_embedded_file cli_baselines[];

#endif
