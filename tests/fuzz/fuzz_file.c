#include "fuzz_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The harness's input file, removed when libFuzzer exits. */
static char *path;

static void remove_input_file(void)
{
	if (path)
		unlink(path);
}

const char *fuzz_input_file(const char *name, const uint8_t *data, size_t size)
{
	if (!path) {
		const char *tmp = getenv("TMPDIR");
		char tmpl[4096];
		snprintf(tmpl, sizeof(tmpl), "%s/fuzz-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
		int fd = mkstemp(tmpl);
		if (fd < 0)
			return NULL;
		close(fd);
		if (!(path = strdup(tmpl)))
			return NULL;
		atexit(remove_input_file);
	}
	FILE *f = fopen(path, "wb");
	if (!f)
		return NULL;
	size_t written = fwrite(data, 1, size, f);
	if (fclose(f) != 0 || written != size)
		return NULL;
	return path;
}
