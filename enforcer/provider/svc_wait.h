/*
 * Waiting for a service to start or stop, as Microsoft's "Starting a
 * Service" sample and the SERVICE_STATUS documentation describe it: while
 * the service is pending and its checkpoint keeps advancing within its wait
 * hint, wait on, up to a ceiling; a checkpoint that does not advance within
 * the wait hint means the service stopped making progress. Both providers
 * wait through this one function: the win32 provider on the monotonic
 * clock, the snapshot on a simulated one, so that the engine's tests of long
 * waits take no real time.
 */
#ifndef ENFORCER_PROVIDER_SVC_WAIT_H
#define ENFORCER_PROVIDER_SVC_WAIT_H

#include "enforcer/types.h"

#include <stdint.h>

/* What the Service Control Manager says about a pending service (SERVICE_STATUS). */
typedef struct enf_svc_status {
	enf_svc_state state;
	uint32_t checkpoint;   /* dwCheckPoint */
	uint32_t wait_hint_ms; /* dwWaitHint */
} enf_svc_status;

/* Reads the service's status; 0, or a negative code with the last error set. */
typedef int (*enf_svc_query_fn)(enf_svc_status *out, void *ctx);

/* The clock a wait is measured on, and how it sleeps. */
typedef struct enf_svc_clock {
	uint64_t (*now_ms)(void *ctx);
	void (*sleep_ms)(void *ctx, unsigned ms);
	void *ctx;
} enf_svc_clock;

/* The real one: enf_monotonic_ms and enf_sleep_ms. */
extern const enf_svc_clock enf_svc_real_clock;

/*
 * Waits while the service is in `pending` until it is in `target`
 * (ENF_SVC_RUNNING: "start"; ENF_SVC_STOPPED: "stop"), for at most
 * `ceiling_ms`. Returns 0 once it is there; ENF_ETIMEOUT when its checkpoint
 * did not advance within its wait hint, or it was still pending at the
 * ceiling (the last error says which); ENF_ERROR, with no message set, when
 * it went into another state (the caller says why: an exit code); or the
 * query's error. *last holds the last status read.
 */
int enf_svc_wait(enf_svc_status *last, enf_svc_query_fn query, void *query_ctx,
                 const enf_svc_clock *clock, const char *name, enf_svc_state target,
                 enf_svc_state pending, unsigned ceiling_ms);

/*
 * The least time a checkpoint may stand still before the service counts as
 * stalled, whatever smaller wait hint it gives: the sample never checks
 * sooner than after a one-second sleep.
 */
#define ENF_SVC_MIN_STALL_MS 1000u

#endif
