/* Planning a registry resource: one value under HKLM. */
#include "engine_int.h"

#include "enforcer/errors.h"
#include "provider/snapshot.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* {"present": bool, "kind": ..., "data": ...} for reports. */
static json_t *state_json(const enf_reg_value *v)
{
	json_t *o = v ? snapshot_value_to_json(v) : json_object();
	if (o)
		json_object_set_new(o, "present", json_boolean(v != NULL));
	return o;
}

int plan_registry(engine *e, const enf_resource *res, res_plan *plan)
{
	const enf_res_registry *r = &res->u.reg;
	const char *shown = *r->value ? r->value : "(default)";
	enf_reg_value cur = {0};
	int rc = e->p->reg_get(&cur, e->self, r->key, r->value);
	if (rc && rc != ENF_ENOTFOUND) {
		plan_fail_last(plan, "cannot read the value");
		return 0;
	}
	int present = rc == 0;
	plan->before = state_json(present ? &cur : NULL);
	plan->after = state_json(r->ensure == ENF_ENSURE_PRESENT ? &r->data : NULL);
	change *c = NULL;
	/* Described only for a change's text: a compliant value needs neither. */
	char *want = NULL, *have = NULL;
	if (r->ensure == ENF_ENSURE_ABSENT) {
		have = present ? enf_reg_value_describe(&cur) : NULL;
		if (present)
			c = plan_add(plan, CH_REG_DELETE, "delete %s %s (was %s)", r->key, shown,
				     have ? have : "?");
	} else if (!present || !enf_reg_value_equal(&cur, &r->data)) {
		have = present ? enf_reg_value_describe(&cur) : NULL;
		want = enf_reg_value_describe(&r->data);
		if (!present)
			c = plan_add(plan, CH_REG_SET, "create %s = %s under %s", shown,
				     want ? want : "?", r->key);
		else if (cur.type == r->data.type && (cur.type == ENF_REG_DWORD || cur.type == ENF_REG_QWORD))
			c = plan_add(plan, CH_REG_SET, "set %s %s %llu -> %llu",
				     cur.type == ENF_REG_DWORD ? "DWORD" : "QWORD", shown,
				     (unsigned long long)cur.number, (unsigned long long)r->data.number);
		else
			c = plan_add(plan, CH_REG_SET, "set %s %s -> %s", shown, have ? have : "?",
				     want ? want : "?");
		if (c && enf_reg_value_copy(&c->new_value, &r->data))
			c = NULL;
	} else {
		enf_reg_value_clear(&cur);
		return 0;
	}
	free(want);
	free(have);
	if ((r->ensure == ENF_ENSURE_ABSENT && !present))
		return 0;
	if (!c || !(c->key = enf_strdup(r->key)) || !(c->name = enf_strdup(r->value))) {
		enf_reg_value_clear(&cur);
		return enf_error_oom();
	}
	c->had_old = present;
	c->old_value = cur;
	return 0;
}
