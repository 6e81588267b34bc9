/* Helpers the service tests share (test_services.c, test_services_waits.c). */
#ifndef ENFORCER_TEST_SERVICES_H
#define ENFORCER_TEST_SERVICES_H

#include "engine_fixture.h"

#include <jansson.h>

/* A service of a snapshot document, and one of its string or integer members. */
json_t *ts_service_of(json_t *state, const char *name);
const char *ts_svc_str(json_t *state, const char *name, const char *key);
json_int_t ts_svc_int(json_t *state, const char *name, const char *key);
/* Expects the result of `id` in the last run to have exactly these actions ("; "-joined). */
void ts_expect_actions(const fixture *f, const char *id, const char *want);
/* Expects a member of a result's before or after state to be `want`, as compact JSON. */
void ts_expect_member(const enf_state *state, const char *key, const char *want);
/* Runs the fixture's policy with --service-timeout (0: none); asserts it ran. */
enf_run *ts_run_with(fixture *f, enf_run_mode mode, unsigned service_timeout_ms);
/* Rewrites one member of a service in the snapshot file (NULL value: removes it). */
void ts_set_service_member(const fixture *f, const char *name, const char *key, json_t *value);
/* A monotonic clock in seconds, to show that simulated waits take no real time. */
double ts_monotonic_seconds(void);

#endif
