/*
 * The policy model as JSON, keyed as a policy file writes it, for `policy
 * diff`. Built from the validated model rather than the YAML text, so that
 * two spellings of one meaning (`0x2` and `2`, `LocalMachine\Root` and
 * `Root`, a default written out or left out) compare equal. Keys that are
 * not set are left out.
 */
#include "restype.h"

#include "util/json_util.h"
#include "util/util.h"

#include <stdio.h>

static json_t *when_json(const enf_when *w)
{
	static const char *const ops[] = {"==", "!=", ">=", ">", "<=", "<"};
	json_t *o = json_object();
	for (size_t i = 0; i < w->count; i++) {
		const enf_condition *c = &w->items[i];
		if (c->op == ENF_CMP_IN) {
			json_object_set_new(o, c->fact, enf_json_strings(c->values, c->count));
		} else {
			char *t = enf_asprintf("%s %s", ops[c->op], c->count ? c->values[0] : "");
			json_object_set_new(o, c->fact, json_string(t ? t : ""));
			free(t);
		}
	}
	return o;
}

json_t *enf_resource_to_json(const enf_resource *r)
{
	json_t *o = json_object();
	enf_json_set_str(o, "type", enf_resource_type_name(r->type));
	enf_json_set_str(o, "id", r->id);
	if (r->when.count)
		json_object_set_new(o, "when", when_json(&r->when));
	if (r->after_count)
		json_object_set_new(o, "after", enf_json_strings(r->after, r->after_count));
	if (r->notify_count)
		json_object_set_new(o, "notify", enf_json_strings(r->notify, r->notify_count));
	enf_json_set_str(o, "mode", r->mode == ENF_MODE_AUDIT ? "audit" : "enforce");
	if (r->waiver.present) {
		char date[16];
		snprintf(date, sizeof(date), "%04d-%02d-%02d", r->waiver.year, r->waiver.month,
		         r->waiver.day);
		json_t *w = json_pack("{s:s, s:s}", "reason", r->waiver.reason, "expires", date);
		enf_json_set_str(w, "ticket", r->waiver.ticket);
		json_object_set_new(o, "waiver", w);
	}
	const enf_restype *t = enf_restype_of(r->type);
	if (t && t->to_json)
		t->to_json(o, r);
	return o;
}

json_t *enf_policy_to_json(const enf_policy *p)
{
	json_t *o = json_object();
	enf_json_set_str(o, "name", p->name);
	enf_json_set_str(o, "description", p->description);
	if (p->when.count)
		json_object_set_new(o, "when", when_json(&p->when));
	return o;
}
