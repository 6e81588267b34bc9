/*
 * The registry resource type, engine side: planning one value under HKLM,
 * and the registry-set and registry-delete changes.
 */
#include "engine_int.h"

#include "enforcer/errors.h"
#include "util/json_util.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* {"present": bool, "kind": ..., "data": ...} for reports. */
static json_t *state_json(const enf_reg_value *v)
{
	json_t *o = v ? enf_reg_value_to_json(v) : json_object();
	if (o)
		json_object_set_new(o, "present", json_boolean(v != NULL));
	return o;
}

static int plan_registry(engine *e, const enf_resource *res, res_plan *plan)
{
	const enf_res_registry *r = &res->u.reg;
	const char *shown = *r->value ? r->value : "(default)";
	enf_reg_value cur = {0};
	int rc = e->p->reg_get(&cur, e->self, r->key, r->value);
	if (rc && rc != ENF_ENOTFOUND) {
		enf_plan_fail_last(plan, "cannot read the value");
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
			c = enf_plan_add(plan, &enf_change_reg_delete, "delete %s %s (was %s)",
			                 r->key, shown, have ? have : "?");
	} else if (!present || !enf_reg_value_equal(&cur, &r->data)) {
		have = present ? enf_reg_value_describe(&cur) : NULL;
		want = enf_reg_value_describe(&r->data);
		if (!present)
			c = enf_plan_add(plan, &enf_change_reg_set, "create %s = %s under %s",
			                 shown, want ? want : "?", r->key);
		else if (cur.type == r->data.type &&
		         (cur.type == ENF_REG_DWORD || cur.type == ENF_REG_QWORD))
			c = enf_plan_add(plan, &enf_change_reg_set, "set %s %s %llu -> %llu",
			                 cur.type == ENF_REG_DWORD ? "DWORD" : "QWORD", shown,
			                 (unsigned long long)cur.number,
			                 (unsigned long long)r->data.number);
		else
			c = enf_plan_add(plan, &enf_change_reg_set, "set %s %s -> %s", shown,
			                 have ? have : "?", want ? want : "?");
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

static int apply_set(engine *e, const change *c, const enf_resource *res)
{
	(void)res;
	return e->p->reg_set(e->self, c->key, c->name, &c->new_value);
}

static int apply_delete(engine *e, const change *c, const enf_resource *res)
{
	(void)res;
	return e->p->reg_delete(e->self, c->key, c->name);
}

static int invert_registry(engine *e, const change *c, change *out)
{
	enf_reg_value cur = {0};
	int rc = e->p->reg_get(&cur, e->self, c->key, c->name);
	int present = rc == 0;
	if (rc && rc != ENF_ENOTFOUND)
		return rc;
	const char *shown = *c->name ? c->name : "(default)";
	if (!c->had_old) {
		if (!present)
			return 0;
		out->ops = &enf_change_reg_delete;
		out->text =
		    enf_asprintf("delete %s\\%s (restoring: it did not exist)", c->key, shown);
	} else {
		if (present && enf_reg_value_equal(&cur, &c->old_value)) {
			enf_reg_value_clear(&cur);
			return 0;
		}
		char *old = enf_reg_value_describe(&c->old_value);
		out->ops = &enf_change_reg_set;
		out->text = enf_asprintf("restore %s\\%s = %s", c->key, shown, old ? old : "?");
		free(old);
		if (enf_reg_value_copy(&out->new_value, &c->old_value))
			rc = ENF_ENOMEM;
	}
	out->had_old = present;
	if (present)
		out->old_value = cur;
	else
		enf_reg_value_clear(&cur);
	if (enf_change_dup_str(&out->key, c->key) || enf_change_dup_str(&out->name, c->name) ||
	    !out->text)
		return ENF_ENOMEM;
	return rc == ENF_ENOTFOUND ? 0 : rc;
}

/* {"key", "name", "old": value or null, "new": value (registry-set)}. */
static int encode(json_t *o, const change *c)
{
	enf_json_set_str(o, "key", c->key);
	enf_json_set_str(o, "name", c->name);
	json_object_set_new(o, "old",
	                    c->had_old ? enf_reg_value_to_json(&c->old_value) : json_null());
	if (c->ops == &enf_change_reg_set)
		json_object_set_new(o, "new", enf_reg_value_to_json(&c->new_value));
	return 0;
}

static int decode(change *c, const json_t *o)
{
	const json_t *old = json_object_get(o, "old");
	if (enf_json_get_str(&c->key, o, "key") || enf_json_get_str(&c->name, o, "name") ||
	    !c->key || !c->name)
		return ENF_EINVALID;
	c->had_old = old && !json_is_null(old);
	if (c->had_old && enf_reg_value_from_json(&c->old_value, old))
		return ENF_EINVALID;
	if (c->ops == &enf_change_reg_set &&
	    enf_reg_value_from_json(&c->new_value, json_object_get(o, "new")))
		return ENF_EINVALID;
	return 0;
}

/* "old": null says the value did not exist; a missing "old" says nothing. */
static const char *problem(const json_t *o)
{
	return json_object_get(o, "old") ? NULL : "no \"old\" value";
}

const change_ops enf_change_reg_set = {
    .op = "registry-set",
    .apply = apply_set,
    .inverse = invert_registry,
    .encode = encode,
    .decode = decode,
    .problem = problem,
};

const change_ops enf_change_reg_delete = {
    .op = "registry-delete",
    .apply = apply_delete,
    .inverse = invert_registry,
    .encode = encode,
    .decode = decode,
    .problem = problem,
};

static const change_ops *const changes[] = {&enf_change_reg_set, &enf_change_reg_delete, NULL};

const engine_type enf_engine_type_registry = {
    .caps = ENF_CAP_REGISTRY,
    .plan = plan_registry,
    .changes = changes,
};
