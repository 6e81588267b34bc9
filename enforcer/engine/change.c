/* Changes: making them, undoing them, and their journal records. */
#include "engine_int.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

change *enf_plan_add(res_plan *plan, const change_ops *ops, const char *fmt, ...)
{
	change *items = realloc(plan->changes, (plan->count + 1) * sizeof(change));
	if (!items)
		return NULL;
	plan->changes = items;
	change *c = &items[plan->count];
	memset(c, 0, sizeof(*c));
	va_list ap;
	va_start(ap, fmt);
	c->text = enf_vasprintf(fmt, ap);
	va_end(ap);
	if (!c->text)
		return NULL;
	c->ops = ops;
	plan->count++;
	return c;
}

void enf_plan_fail(res_plan *plan, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = enf_vasprintf(fmt, ap);
	va_end(ap);
	free(plan->message);
	plan->message = msg;
	plan->failed = 1;
}

void enf_plan_fail_last(res_plan *plan, const char *what)
{
	const enf_error *err = enf_error_last();
	enf_plan_fail(plan, "%s: %s", what, err ? err->message : "unknown error");
}

void enf_change_clear(change *c)
{
	free(c->text);
	free(c->key);
	free(c->name);
	enf_reg_value_clear(&c->old_value);
	enf_reg_value_clear(&c->new_value);
	free(c->service);
	free(c->old_logon);
	free(c->new_logon);
	free(c->der);
	free(c->element);
	free(c->account);
	free(c->old_sddl);
	free(c->new_sddl);
	for (size_t i = 0; i < c->key_count; i++)
		free(c->keys[i]);
	free(c->keys);
	memset(c, 0, sizeof(*c));
}

void enf_res_plan_clear(res_plan *plan)
{
	json_decref(plan->before);
	json_decref(plan->after);
	for (size_t i = 0; i < plan->count; i++)
		enf_change_clear(&plan->changes[i]);
	free(plan->changes);
	free(plan->message);
	memset(plan, 0, sizeof(*plan));
}

int enf_change_apply(engine *e, const change *c, const enf_resource *res)
{
	/* A certificate change (a grant changes no list, but is cheap to be safe about). */
	if (c->ops->flags & CHANGE_CERTS)
		enf_engine_cert_cache_clear(e);
	return c->ops->apply(e, c, res);
}

int enf_change_inverse(engine *e, const change *c, change *out)
{
	memset(out, 0, sizeof(*out));
	return c->ops->inverse(e, c, out);
}

/* The `dup_or_null` of the kinds' inverses. */
int enf_change_dup_str(char **out, const char *s)
{
	*out = NULL;
	if (s && !(*out = enf_strdup(s)))
		return ENF_ENOMEM;
	return 0;
}
