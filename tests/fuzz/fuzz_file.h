/*
 * For the harnesses whose code under test reads a file (the snapshot
 * provider, the journal reader): each input is written to one temporary
 * file, made on the first call and reused for every input.
 */
#ifndef ENFORCER_FUZZ_FILE_H
#define ENFORCER_FUZZ_FILE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Writes `data` to the harness's file (named after `name` under $TMPDIR or
 * /tmp) and returns its path, or NULL when it could not be written (the
 * input is then skipped). The path lives as long as the process.
 */
const char *fuzz_input_file(const char *name, const uint8_t *data, size_t size);

#endif
