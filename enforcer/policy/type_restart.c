/*
 * The restart resource type, loader side: a handler that stops and starts
 * services (or asks for a reboot) after the resources that notify it changed.
 */
#include "loader.h"
#include "restype.h"

#include "enforcer/errors.h"
#include "util/json_util.h"
#include "util/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const required[] = {"type", "id", NULL};
static const char *const optional[] = {"services", "reboot", "timeout", "defer", NULL};

typedef struct name_at {
	const char *name;
	size_t index;
} name_at;

/* Orders names as Windows compares service names (ASCII case-insensitive), then by place. */
static int cmp_name_at(const void *a, const void *b)
{
	const name_at *x = a, *y = b;
	const unsigned char *p = (const unsigned char *)x->name,
	                    *q = (const unsigned char *)y->name;
	for (; *p && tolower(*p) == tolower(*q); p++, q++)
		;
	if (tolower(*p) != tolower(*q))
		return tolower(*p) < tolower(*q) ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * Reports every service listed more than once, at each repeat. Sorted, not
 * compared pairwise: a list can hold a hundred thousand names in 1 MiB.
 */
static int check_unique_services(loader *ld, const ynode *list, const enf_res_restart *r)
{
	if (r->count < 2)
		return 0;
	name_at *names = malloc(r->count * sizeof(name_at));
	if (!names)
		return enf_ld_oom(ld);
	for (size_t i = 0; i < r->count; i++)
		names[i] = (name_at){r->services[i], i};
	qsort(names, r->count, sizeof(name_at), cmp_name_at);
	int rc = 0;
	for (size_t i = 1; i < r->count; i++) {
		if (enf_strcaseeq(names[i].name, names[i - 1].name)) {
			enf_ld_error(
			    ld, list->vals[names[i].index],
			    "service '%s' is listed more than once (service names ignore case)",
			    names[i].name);
			rc = ENF_EINVALID;
		}
	}
	free(names);
	return rc;
}

static int load_restart(loader *ld, const ynode *n, enf_resource *res)
{
	enf_res_restart *r = &res->u.restart;
	int rc = 0;
	const ynode *v;
	if ((v = enf_ytree_get(n, "reboot")) && enf_ld_bool(ld, v, "reboot", &r->reboot))
		rc = ENF_EINVALID;
	if ((v = enf_ytree_get(n, "services")) && v->kind != YNODE_INVALID) {
		if (v->kind != YNODE_SEQ) {
			enf_ld_error(
			    ld, v,
			    "'services' must be a list of service names, in the order they start");
			rc = ENF_EINVALID;
		} else if (enf_ld_string_list(ld, v, "services", 0, &r->services, &r->count)) {
			rc = ENF_EINVALID;
		} else {
			for (size_t i = 0; i < r->count; i++)
				if (enf_ld_service_name(ld, v->vals[i], r->services[i]))
					rc = ENF_EINVALID;
			if (check_unique_services(ld, v, r))
				rc = ENF_EINVALID;
		}
	}
	if ((v = enf_ytree_get(n, "defer")) && enf_ld_bool(ld, v, "defer", &r->defer))
		rc = ENF_EINVALID;
	if (!rc && r->defer && r->reboot) {
		enf_ld_error(ld, enf_ytree_get(n, "defer"),
		             "'defer' has no meaning with reboot: true: enforcer never reboots, it "
		             "only reports that a reboot is pending");
		rc = ENF_EINVALID;
	}
	if ((v = enf_ytree_get(n, "timeout")) && enf_ld_duration(ld, v, "timeout", &r->timeout_ms))
		rc = ENF_EINVALID;
	if (!rc && r->count == 0 && !r->reboot) {
		enf_ld_error(
		    ld, enf_ytree_get(n, "services") ? enf_ytree_get(n, "services") : n,
		    "a restart resource needs 'services' (a non-empty list) or reboot: true");
		rc = ENF_EINVALID;
	}
	if (enf_ytree_get(n, "notify")) {
		enf_ld_error(
		    ld, enf_ytree_key(n, "notify"),
		    "a restart resource cannot notify: handlers run once, after everything that notified them");
		rc = ENF_EINVALID;
	}
	return rc;
}

static void clear_restart(enf_resource *res)
{
	enf_ld_free_strings(res->u.restart.services, res->u.restart.count);
}

static void restart_json(json_t *o, const enf_resource *res)
{
	json_object_set_new(o, "services",
	                    enf_json_strings(res->u.restart.services, res->u.restart.count));
	json_object_set_new(o, "reboot", json_boolean(res->u.restart.reboot));
	if (res->u.restart.defer)
		json_object_set_new(o, "defer", json_true());
	if (res->u.restart.timeout_ms)
		json_object_set_new(o, "timeout", json_integer(res->u.restart.timeout_ms / 1000));
}

static const enf_keydoc keydocs[] = {
    {"services", ENF_KK_STRINGS, "stopped in reverse order, started in this order, each waited for",
     NULL, NULL, NULL, NULL},
    {"reboot", ENF_KK_BOOL,
     "true: report that a reboot is pending instead (enforcer never reboots)", NULL, NULL, NULL,
     NULL},
    {"timeout", ENF_KK_DURATION,
     "the longest wait for each stop and start: seconds, or 90s, 10m, 1h", NULL, NULL, NULL, NULL},
    {"defer", ENF_KK_BOOL,
     "true: apply leaves the restart pending for 'enforcer restart --pending'", NULL, NULL, NULL,
     NULL},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL},
};

const enf_restype enf_restype_restart = {
    .name = "restart",
    .flags = ENF_RESTYPE_HANDLER,
    .required = required,
    .optional = optional,
    .load = load_restart,
    .clear = clear_restart,
    .to_json = restart_json,
    .keydocs = keydocs,
};
