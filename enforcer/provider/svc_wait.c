/* Service waits (svc_wait.h): checkpoints, wait hints and a ceiling. */
#include "svc_wait.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <stdlib.h>

static uint64_t real_now(void *ctx)
{
	(void)ctx;
	return enf_monotonic_ms();
}

static void real_sleep(void *ctx, unsigned ms)
{
	(void)ctx;
	enf_sleep_ms(ms);
}

const enf_svc_clock enf_svc_real_clock = {real_now, real_sleep, NULL};

static int stalled(const char *name, const char *verb, const enf_svc_status *st)
{
	unsigned hint =
	    st->wait_hint_ms > ENF_SVC_MIN_STALL_MS ? st->wait_hint_ms : ENF_SVC_MIN_STALL_MS;
	char *h = enf_duration_text(hint);
	enf_error_set(
	    ENF_ERRCLASS_PROVIDER,
	    "service '%s' stopped making progress while %s: its checkpoint stayed at %lu for longer than its wait hint of %s (it is still %s)",
	    name, verb, (unsigned long)st->checkpoint, h ? h : "?", enf_svc_state_name(st->state));
	free(h);
	return ENF_ETIMEOUT;
}

static int ceiling_reached(const char *name, const char *verb, const enf_svc_status *st,
                           unsigned ceiling_ms)
{
	char *c = enf_duration_text(ceiling_ms);
	enf_error_set(
	    ENF_ERRCLASS_PROVIDER,
	    "service '%s' did not %s within %s: it is still %s, its checkpoint still advancing (at %lu); give it longer with timeout: on the resource or --service-timeout",
	    name, verb, c ? c : "?", enf_svc_state_name(st->state), (unsigned long)st->checkpoint);
	free(c);
	return ENF_ETIMEOUT;
}

int enf_svc_wait(enf_svc_status *last, enf_svc_query_fn query, void *query_ctx,
                 const enf_svc_clock *clock, const char *name, enf_svc_state target,
                 enf_svc_state pending, unsigned ceiling_ms)
{
	const char *verb = target == ENF_SVC_RUNNING ? "start" : "stop";
	const char *verbing = target == ENF_SVC_RUNNING ? "starting" : "stopping";
	uint64_t t0 = clock->now_ms(clock->ctx), progress_at = t0;
	enf_svc_status prev = {ENF_SVC_UNSET, 0, 0};
	unsigned early = 10;
	for (;;) {
		int rc = query(last, query_ctx);
		if (rc)
			return rc;
		if (last->state == target)
			return 0;
		if (last->state != pending)
			return ENF_ERROR;
		uint64_t now = clock->now_ms(clock->ctx);
		/*
		 * Progress is a checkpoint larger than the last one, or another
		 * state (SERVICE_STATUS: "an incremented dwCheckPoint value or a
		 * change in dwCurrentState").
		 */
		if (prev.state != last->state || last->checkpoint > prev.checkpoint) {
			progress_at = now;
			prev = *last;
		} else {
			uint64_t allowed = last->wait_hint_ms > ENF_SVC_MIN_STALL_MS
			                       ? last->wait_hint_ms
			                       : ENF_SVC_MIN_STALL_MS;
			if (now - progress_at > allowed)
				return stalled(name, verbing, last);
		}
		if (now - t0 >= ceiling_ms)
			return ceiling_reached(name, verb, last, ceiling_ms);
		/*
		 * A tenth of the wait hint, as the sample suggests, kept between
		 * 50 ms and 1 s; the first polls come sooner (10 ms, doubling),
		 * since most services get there well within their hint.
		 */
		unsigned ms = last->wait_hint_ms / 10;
		ms = ms < 50 ? 50 : ms > 1000 ? 1000 : ms;
		if (early < ms) {
			ms = early;
			early *= 2;
		}
		uint64_t left = t0 + ceiling_ms - now;
		if (ms > left)
			ms = (unsigned)left;
		clock->sleep_ms(clock->ctx, ms ? ms : 1);
	}
}
