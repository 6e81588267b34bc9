/*
 * The snapshot provider: starting and stopping services, and the account a
 * running service's process runs as (docs/snapshot.md).
 *
 * A start or stop takes the service's "start_ms" or "stop_ms" of simulated
 * time, during which it is start-pending or stop-pending with a checkpoint
 * that advances every "checkpoint_ms" and a wait hint of "wait_hint_ms".
 * The provider waits for it through enf_svc_wait, exactly as the win32
 * provider waits for a real service, but on the snapshot's own clock:
 * sleeping only moves that clock on, so a test of a ten-minute start takes
 * no real time. A wait given up at the ceiling leaves the service pending,
 * with what is left of the operation as "pending_ms": the next run finds it
 * still pending (no time passes between runs).
 */
#include "snapshot.h"
#include "svc_wait.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* What a service does when it has no timing members: done at once, as before. */
#define DEFAULT_WAIT_HINT_MS 3000u

static uint64_t member_ms(const json_t *svc, const char *key, uint64_t dflt)
{
	const json_t *v = json_object_get(svc, key);
	return json_is_integer(v) ? (uint64_t)json_integer_value(v) : dflt;
}

static const char *state_of(const json_t *svc)
{
	return json_string_value(json_object_get(svc, "state"));
}

enf_svc_state enf_snapshot_svc_state(const json_t *svc)
{
	const char *st = state_of(svc);
	if (st && strcmp(st, "running") == 0)
		return ENF_SVC_RUNNING;
	if (st && strcmp(st, "start-pending") == 0)
		return ENF_SVC_START_PENDING;
	if (st && strcmp(st, "stop-pending") == 0)
		return ENF_SVC_STOP_PENDING;
	return ENF_SVC_STOPPED;
}

int enf_snapshot_svc_running_as(enf_service_info *info, const json_t *svc)
{
	info->state = enf_snapshot_svc_state(svc);
	if (info->state != ENF_SVC_RUNNING)
		return 0; /* pending: Windows gives no valid process id either */
	const char *as = json_string_value(json_object_get(svc, "running_as"));
	if (as)
		info->running_as = enf_strdup(as);
	else
		info->running_as_unknown = enf_strdup(
		    "the snapshot does not say which account its process runs as (no \"running_as\")");
	return info->running_as || info->running_as_unknown ? 0 : enf_error_oom();
}

/* One start or stop in progress, on the snapshot's clock. */
typedef struct operation {
	snapshot *s;
	json_t *svc;
	enf_svc_state pending, target;
	uint64_t began, duration;
	int stuck; /* a fault: it never finishes, and its checkpoint never moves */
} operation;

static int query(enf_svc_status *out, void *ctx)
{
	const operation *op = ctx;
	uint64_t elapsed = op->s->clock_ms - op->began;
	uint64_t hint = member_ms(op->svc, "wait_hint_ms", DEFAULT_WAIT_HINT_MS);
	uint64_t every = member_ms(op->svc, "checkpoint_ms", hint / 2);
	if (!op->stuck && elapsed >= op->duration) {
		*out = (enf_svc_status){op->target, 0, 0};
		return 0;
	}
	uint64_t checkpoint = op->stuck || every == 0 ? 1 : 1 + elapsed / every;
	*out = (enf_svc_status){op->pending, (uint32_t)checkpoint, (uint32_t)hint};
	return 0;
}

static uint64_t clock_now(void *ctx)
{
	return ((snapshot *)ctx)->clock_ms;
}

static void clock_sleep(void *ctx, unsigned ms)
{
	((snapshot *)ctx)->clock_ms += ms;
}

static void count(json_t *svc, const char *counter)
{
	json_int_t n = json_integer_value(json_object_get(svc, counter));
	json_object_set_new(svc, counter, json_integer(n + 1));
}

/*
 * Waits for the operation and records where it got: the target state, or
 * still pending with the time it has left.
 */
static int run(snapshot *s, json_t *svc, const char *name, enf_svc_state pending,
               enf_svc_state target, uint64_t duration, int stuck, unsigned ceiling_ms)
{
	operation op = {s, svc, pending, target, s->clock_ms, duration, stuck};
	enf_svc_clock clock = {clock_now, clock_sleep, s};
	enf_svc_status last;
	int rc = enf_svc_wait(&last, query, &op, &clock, name, target, pending, ceiling_ms);
	s->dirty = 1;
	if (rc == 0) {
		json_object_set_new(svc, "state",
		                    json_string(target == ENF_SVC_RUNNING ? "running" : "stopped"));
		json_object_del(svc, "pending_ms");
		/* The process is gone: so is the account it ran as. */
		if (target == ENF_SVC_STOPPED)
			json_object_del(svc, "running_as");
		return 0;
	}
	uint64_t elapsed = s->clock_ms - op.began;
	json_object_set_new(svc, "state", json_string(enf_svc_state_name(pending)));
	json_object_set_new(
	    svc, "pending_ms",
	    json_integer((json_int_t)(elapsed < duration ? duration - elapsed : 0)));
	return rc;
}

/* Lets a start or stop already in progress finish, as the SCM makes callers do. */
static int finish_pending(snapshot *s, json_t *svc, const char *name, unsigned ceiling_ms)
{
	enf_svc_state st = enf_snapshot_svc_state(svc);
	uint64_t left = member_ms(svc, "pending_ms", 0);
	if (st == ENF_SVC_START_PENDING)
		return run(s, svc, name, st, ENF_SVC_RUNNING, left,
		           enf_snapshot_fault(s, "stall_start", name, 0), ceiling_ms);
	if (st == ENF_SVC_STOP_PENDING)
		return run(s, svc, name, st, ENF_SVC_STOPPED, left,
		           enf_snapshot_fault(s, "fail_stop", name, 0), ceiling_ms);
	return 0;
}

int enf_snap_svc_start(void *self, const char *name, unsigned timeout_ms)
{
	snapshot *s = self;
	json_t *svc = enf_snapshot_service(s, name);
	if (!svc)
		return ENF_ENOTFOUND;
	enf_svc_state st = enf_snapshot_svc_state(svc);
	if (st == ENF_SVC_RUNNING)
		return 0;
	if (st == ENF_SVC_START_PENDING)
		return finish_pending(s, svc, name, timeout_ms);
	int rc = st == ENF_SVC_STOP_PENDING ? finish_pending(s, svc, name, timeout_ms) : 0;
	if (rc)
		return rc;
	if (strcmp(json_string_value(json_object_get(svc, "startup")), "disabled") == 0) {
		enf_error_set(ENF_ERRCLASS_PROVIDER,
		              "cannot start service '%s': it is disabled (error 1058)", name);
		return ENF_ERROR;
	}
	if (enf_snapshot_fault(s, "fail_start", name, 0)) {
		enf_error_set(ENF_ERRCLASS_PROVIDER,
		              "service '%s' did not start: the service process exited (error 1067)",
		              name);
		return ENF_ERROR;
	}
	/*
	 * The process is created with the account configured now; a later
	 * change of the configuration does not change what it runs as.
	 */
	json_object_set(svc, "running_as", json_object_get(svc, "logon"));
	count(svc, "starts");
	return run(s, svc, name, ENF_SVC_START_PENDING, ENF_SVC_RUNNING,
	           member_ms(svc, "start_ms", 0), enf_snapshot_fault(s, "stall_start", name, 0),
	           timeout_ms);
}

int enf_snap_svc_stop(void *self, const char *name, unsigned timeout_ms)
{
	snapshot *s = self;
	json_t *svc = enf_snapshot_service(s, name);
	if (!svc)
		return ENF_ENOTFOUND;
	enf_svc_state st = enf_snapshot_svc_state(svc);
	if (st == ENF_SVC_STOPPED)
		return 0;
	if (st == ENF_SVC_STOP_PENDING)
		return finish_pending(s, svc, name, timeout_ms);
	/* A stop cannot be sent while the service is starting (error 1061): let it finish. */
	int rc = st == ENF_SVC_START_PENDING ? finish_pending(s, svc, name, timeout_ms) : 0;
	if (rc)
		return rc;
	count(svc, "stops");
	return run(s, svc, name, ENF_SVC_STOP_PENDING, ENF_SVC_STOPPED,
	           member_ms(svc, "stop_ms", 0), enf_snapshot_fault(s, "fail_stop", name, 0),
	           timeout_ms);
}

int enf_snap_svc_list(char ***out, size_t *count, void *self)
{
	snapshot *s = self;
	const json_t *all = json_object_get(s->doc, "services");
	const char *name;
	json_t *v;
	char **names = calloc(json_object_size(all) + 1, sizeof(char *));
	size_t n = 0;
	int rc = names ? 0 : enf_error_oom();
	json_object_foreach((json_t *)all, name, v)
	{
		if (rc == 0 && !(names[n] = enf_strdup(name)))
			rc = enf_error_oom();
		else if (rc == 0)
			n++;
	}
	/* Sorted, as the other lists are, so that an export is stable. */
	return enf_dir_entries_finish(out, count, names, n, rc);
}
