/*
 * Shared by the trust-store and certificate tests (test_trust.c and
 * test_trust_checks.c): a fixture whose snapshot is built in memory, a run
 * of its policy, and expectations on one resource's result.
 */
#ifndef ENFORCER_TEST_TRUST_H
#define ENFORCER_TEST_TRUST_H

#include "engine_fixture.h"
#include "pki.h"

#include <jansson.h>

/*
 * What every test of the trust and certcheck suites starts from: the
 * standard PKI (s), an empty snapshot (snap) that the test adds
 * certificates to, and the fixture (f) that it gives to tt_init.
 */
typedef struct tt_state {
	pki_set *s;
	json_t *snap;
	fixture f;
} tt_state;
extern tt_state tt;

/* The suites' .init and .fini: make tt; free it and remove the test's folders. */
void tt_suite_init(void);
void tt_suite_fini(void);

/* A fixture whose snapshot comes from `snap`; the policy is loaded from a buffer. */
void tt_init(fixture *f, json_t *snap, const char *policy);

/* Plans or applies the policy text, loaded with enf_policy_load_buffer under the fixture's path. */
enf_run *tt_run(fixture *f, enf_run_mode mode);

/* The actions of resource ID in the last run, joined by "; ", must be WANT. */
void tt_expect_actions(const fixture *f, const char *id, const char *want);

/* The outcome of resource ID in the last run must be WANT. */
void tt_expect_outcome(const fixture *f, const char *id, enf_outcome want);

/* The message of resource ID in the last run must be WANT; "(none)" for none. */
void tt_expect_message(const fixture *f, const char *id, const char *want);

#endif
