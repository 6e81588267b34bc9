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

/* Appends a copy of `key` to the change's keys, first when `first` is set. */
static int add_key(change *c, const char *key, int first)
{
	char **more = realloc(c->keys, (c->key_count + 1) * sizeof(char *));
	char *copy = enf_strdup(key);
	if (more)
		c->keys = more;
	if (!more || !copy) {
		free(copy);
		return enf_error_oom();
	}
	if (first)
		memmove(c->keys + 1, c->keys, c->key_count * sizeof(char *));
	c->keys[first ? 0 : c->key_count] = copy;
	c->key_count++;
	return 0;
}

/*
 * The keys missing on the way to `key`, outermost first: the ones a
 * registry-set is about to create (RegCreateKeyExW creates every missing key
 * of the path), journaled with it so that a rollback removes them. Told
 * before the change, as everything journaled is; a key that cannot be read
 * counts as existing, so a rollback never removes a key the run did not
 * make. Keys right below the hive (HKLM\SOFTWARE) are never counted.
 */
static int missing_keys(engine *e, const char *key, change *c)
{
	if (!e->p->reg_key_info || !e->p->reg_key_remove)
		return 0;
	char *k = enf_strdup(key), *last = NULL;
	size_t values = 0, subkeys = 0;
	int rc = k ? 0 : enf_error_oom();
	while (rc == 0 && (last = strrchr(k, '\\')) && memchr(k, '\\', (size_t)(last - k)) &&
	       e->p->reg_key_info(&values, &subkeys, e->self, k) == ENF_ENOTFOUND) {
		rc = add_key(c, k, 1);
		*last = '\0';
	}
	free(k);
	return rc;
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
		if (c && !present && missing_keys(e, r->key, c))
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
	/* A rollback's delete may only remove keys: the value was gone already. */
	int rc = c->had_old ? e->p->reg_delete(e->self, c->key, c->name) : 0;
	for (size_t i = 0; rc == 0 && i < c->key_count && e->p->reg_key_remove; i++) {
		rc = e->p->reg_key_remove(e->self, c->keys[i]);
		if (rc == ENF_ENOTFOUND)
			rc = 0;
	}
	return rc;
}

/*
 * The undo of a registry-set that created keys: the value deleted again
 * when it is there, and the keys it created removed, deepest first, when
 * nothing else is in them. A key with other values or subkeys is kept, with
 * every key above it, and the text says so.
 */
static int undo_created_keys(engine *e, const change *c, change *out, int present)
{
	enf_buf text = ENF_BUF_INIT, removed = ENF_BUF_INIT, kept = ENF_BUF_INIT;
	int rc = 0, child_removed = 0;
	const char *shown = *c->name ? c->name : "(default)";
	if (present)
		enf_buf_printf(&text, "delete %s\\%s (restoring: it did not exist)", c->key, shown);
	for (size_t i = c->key_count; i > 0 && rc == 0; i--) {
		const char *k = c->keys[i - 1];
		size_t values = 0, subkeys = 0;
		rc = e->p->reg_key_info(&values, &subkeys, e->self, k);
		if (rc == ENF_ENOTFOUND) {
			rc = 0;
			child_removed = 0;
			continue;
		}
		if (present && values && enf_strcaseeq(k, c->key))
			values--;
		if (child_removed && subkeys)
			subkeys--;
		if (rc == 0 && (values || subkeys)) {
			enf_buf_printf(
			    &kept,
			    "keep key %s, which the run created: it holds %zu other value%s and %zu subkey%s",
			    k, values, values == 1 ? "" : "s", subkeys, subkeys == 1 ? "" : "s");
			break;
		}
		if (rc == 0 && (rc = add_key(out, k, 0)) == 0) {
			enf_buf_printf(&removed, "%s%s", removed.len ? ", " : "", k);
			child_removed = 1;
		}
	}
	if (rc == 0 && removed.len)
		enf_buf_printf(&text, "%sremove the keys the run created, now empty: %s",
		               text.len ? "; " : "", removed.ptr);
	if (rc == 0 && kept.len)
		enf_buf_printf(&text, "%s%s", text.len ? "; " : "", kept.ptr);
	if (rc == 0 && (text.failed || removed.failed || kept.failed))
		rc = ENF_ENOMEM;
	if (rc == 0 && (present || out->key_count)) {
		out->ops = &enf_change_reg_delete;
		out->text = enf_buf_detach(&text);
		rc = out->text ? 0 : ENF_ENOMEM;
	}
	enf_buf_clear(&text);
	enf_buf_clear(&removed);
	enf_buf_clear(&kept);
	return rc;
}

static int invert_registry(engine *e, const change *c, change *out)
{
	enf_reg_value cur = {0};
	int rc = e->p->reg_get(&cur, e->self, c->key, c->name);
	int present = rc == 0;
	if (rc && rc != ENF_ENOTFOUND)
		return rc;
	const char *shown = *c->name ? c->name : "(default)";
	if (!c->had_old && c->key_count && c->ops == &enf_change_reg_set && e->p->reg_key_info) {
		rc = undo_created_keys(e, c, out, present);
		if (rc || !out->text) {
			enf_reg_value_clear(&cur);
			return rc;
		}
	} else if (!c->had_old) {
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
		/* Restoring may create keys again: journaled, so that this too can be undone. */
		if (!present && rc == ENF_ENOTFOUND)
			rc = missing_keys(e, c->key, out);
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
	if (c->key_count)
		json_object_set_new(o,
		                    c->ops == &enf_change_reg_set ? "created_keys" : "remove_keys",
		                    enf_json_strings(c->keys, c->key_count));
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
	/* Journals of earlier versions name no keys: none are removed. */
	const json_t *keys =
	    json_object_get(o, c->ops == &enf_change_reg_set ? "created_keys" : "remove_keys");
	if (keys && !json_is_array(keys))
		return ENF_EINVALID;
	for (size_t i = 0; i < json_array_size(keys); i++) {
		const char *k = json_string_value(json_array_get(keys, i));
		if (!k || !enf_starts_with_nocase(k, "HKLM\\"))
			return ENF_EINVALID;
		if (add_key(c, k, 0))
			return ENF_ENOMEM;
	}
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
