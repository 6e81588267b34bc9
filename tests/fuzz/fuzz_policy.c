/*
 * libFuzzer harness for the policy loader. Besides crashes, leaks and
 * undefined behaviour (the build adds ASan and UBSan), it aborts when the
 * loader breaks its own contract, so that the fuzzer reports that too:
 * success means a model and no error; failure means no model and at least
 * one error; every position lies inside the input; the order is a
 * permutation of the resources.
 *
 * Build and run: see docs/benchmarks.md, section "Fuzzing".
 */
#include "enforcer/policy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Lines as libyaml counts them: CR LF, CR, LF, NEL, LS and PS each end one. */
static unsigned count_lines(const uint8_t *d, size_t size)
{
	unsigned lines = 1;
	for (size_t i = 0; i < size; i++) {
		if (d[i] == '\r' && i + 1 < size && d[i + 1] == '\n')
			continue;
		if (d[i] == '\n' || d[i] == '\r' ||
		    (d[i] == 0xC2 && i + 1 < size && d[i + 1] == 0x85) ||
		    (d[i] == 0xE2 && i + 2 < size && d[i + 1] == 0x80 &&
		     (d[i + 2] == 0xA8 || d[i + 2] == 0xA9)))
			lines++;
	}
	return lines;
}

static void check_model(const enf_policy *p)
{
	if (!p->name || p->count > ENF_POLICY_MAX_RESOURCES)
		abort();
	unsigned char *seen = calloc(p->count ? p->count : 1, 1);
	if (!seen)
		return;
	for (size_t i = 0; i < p->count; i++) {
		size_t r = p->order[i];
		if (r >= p->count || seen[r]++)
			abort();
		const enf_resource *res = &p->resources[r];
		if (!res->id || enf_policy_find(p, res->id) != res)
			abort();
	}
	free(seen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enf_diag_list diags;
	if (enf_diag_list_init(&diags, "fuzz.yaml"))
		return 0;
	enf_policy *p = NULL;
	int rc = enf_policy_load_buffer(&p, &diags, "fuzz.yaml", (const char *)data, size);
	if (rc == 0 && (!p || diags.errors != 0))
		abort();
	if (rc != 0 && (p || (rc == ENF_EINVALID && diags.errors == 0)))
		abort();
	if (p)
		check_model(p);
	unsigned lines = count_lines(data, size);
	for (size_t i = 0; i < diags.count; i++) {
		const enf_diag *d = &diags.items[i];
		if (d->line == 0 || d->col == 0 || d->line > lines || !d->message || !*d->message)
			abort();
		char *text = enf_diag_format(&diags, d);
		free(text);
	}
	enf_policy_free(p);
	enf_diag_list_clear(&diags);
	return 0;
}
