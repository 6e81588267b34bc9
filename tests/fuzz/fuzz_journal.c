/*
 * libFuzzer harness for reading journals back (journal_load), which a
 * rollback trusts to say what a run changed. Each input is written to one
 * temporary file (made once per process) and loaded. Besides crashes, leaks
 * and undefined behaviour it aborts when the loader breaks its contract: a
 * journal it accepts has a run id, and every change in it names its resource
 * and describes itself, a certificate's DER is the certificate its thumbprint
 * names, and the change written back as the journal writes it reads back the
 * same (so a rollback's own journal can be rolled back).
 *
 * Build and run: see docs/benchmarks.md, section "Fuzzing".
 */
#include "engine/engine_int.h"
#include "enforcer/errors.h"
#include "fuzz_file.h"
#include "util/util.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_entry(const journal_entry *e)
{
	const change *c = &e->c;
	if (!e->resource || !c->text)
		abort();
	if (c->der) {
		unsigned char sha1[20];
		enf_sha1(sha1, c->der, c->der_len);
		if (c->der_len == 0 || memcmp(sha1, c->thumbprint, 20) != 0)
			abort();
	}
	json_t *j = enf_change_to_json(c);
	change back;
	if (!j || enf_change_from_json(&back, j) != 0)
		abort();
	json_t *j2 = enf_change_to_json(&back);
	if (!j2 || !json_equal(j, j2))
		abort();
	json_decref(j);
	json_decref(j2);
	enf_change_clear(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_input_file("journal", data, size);
	if (!path)
		return 0;
	journal_read jr = {0};
	if (enf_journal_load(&jr, path) == 0) {
		if (!jr.run_id)
			abort();
		for (size_t i = 0; i < jr.count; i++)
			check_entry(&jr.entries[i]);
		enf_journal_read_clear(&jr);
	} else {
		const enf_error *err = enf_error_last();
		if (!err || !err->message || !*err->message)
			abort();
	}
	enf_error_clear();
	return 0;
}
