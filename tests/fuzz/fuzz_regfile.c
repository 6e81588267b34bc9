/*
 * libFuzzer harness for .reg files (enf_regfile_parse), which `enforcer
 * import-reg` reads from wherever an admin found them. Besides crashes, leaks
 * and undefined behaviour it aborts when the parser breaks its contract: every
 * entry it returns is under HKLM, has a name, a line, and (unless deleted) a
 * kind a policy holds with its data, and no key and name come twice.
 *
 * Build and run: see docs/benchmarks.md, section "Fuzzing".
 */
#include "enforcer/errors.h"
#include "enforcer/policy.h"
#include "util/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enf_regfile *rf = NULL;
	if (enf_regfile_parse(&rf, data, size, "fuzz.reg") != 0) {
		const enf_error *e = enf_error_last();
		if (!e || !e->message || strncmp(e->message, "fuzz.reg:", 9) != 0)
			abort(); /* every refusal names the file */
		return 0;
	}
	if (rf->version != 4 && rf->version != 5)
		abort();
	for (size_t i = 0; i < rf->count; i++) {
		const enf_regfile_entry *e = &rf->entries[i];
		if (!e->key || strncmp(e->key, "HKLM\\", 5) != 0 || !e->key[5] || !e->name ||
		    e->line == 0)
			abort();
		if (!e->remove && !enf_reg_kind_name(e->value.type))
			abort();
		if (!e->remove && (e->value.type == 1 || e->value.type == 2) && !e->value.text)
			abort();
		for (size_t k = 0; k < i; k++)
			if (enf_strcaseeq(rf->entries[k].key, e->key) &&
			    enf_strcaseeq(rf->entries[k].name, e->name))
				abort();
	}
	enf_regfile_free(rf);
	return 0;
}
