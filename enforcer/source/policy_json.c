/*
 * The policy model as JSON, keyed as a policy file writes it, for `policy
 * diff`. Built from the validated model rather than the YAML text, so that
 * two spellings of one meaning (`0x2` and `2`, `LocalMachine\Root` and
 * `Root`, a default written out or left out) compare equal. Keys that are
 * not set are left out.
 */
#include "diff_int.h"

#include "util/util.h"

#include <stdio.h>

static void set_str(json_t *o, const char *key, const char *value)
{
	if (value)
		json_object_set_new(o, key, json_string(value));
}

static json_t *strings(char *const *list, size_t count)
{
	json_t *a = json_array();
	for (size_t i = 0; i < count; i++)
		json_array_append_new(a, json_string(list[i]));
	return a;
}

/* A 64-bit unsigned number: a JSON integer where it fits, else its decimal text. */
static json_t *unsigned_json(uint64_t v)
{
	if (v <= (uint64_t)INT64_MAX)
		return json_integer((json_int_t)v);
	char buf[32];
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return json_string(buf);
}

static json_t *when_json(const enf_when *w)
{
	static const char *const ops[] = {"==", "!=", ">=", ">", "<=", "<"};
	json_t *o = json_object();
	for (size_t i = 0; i < w->count; i++) {
		const enf_condition *c = &w->items[i];
		if (c->op == ENF_CMP_IN) {
			json_object_set_new(o, c->fact, strings(c->values, c->count));
		} else {
			char *t = enf_asprintf("%s %s", ops[c->op], c->count ? c->values[0] : "");
			json_object_set_new(o, c->fact, json_string(t ? t : ""));
			free(t);
		}
	}
	return o;
}

static json_t *thumb_json(const unsigned char thumb[20])
{
	char *hex = enf_hex(thumb, 20, 1);
	json_t *j = json_string(hex ? hex : "");
	free(hex);
	return j;
}

static void add_certificate(json_t *o, const enf_res_certificate *c)
{
	static const char *const ekus[] = {"server-auth",      "client-auth",   "code-signing",
	                                   "email-protection", "time-stamping", "ocsp-signing"};
	set_str(o, "store", enf_store_name(c->store));
	set_str(o, "file", c->file);
	if (c->has_thumbprint)
		json_object_set_new(o, "thumbprint", thumb_json(c->thumbprint));
	set_str(o, "ensure", c->ensure == ENF_ENSURE_ABSENT ? "absent" : "present");
	if (c->has_require) {
		const enf_cert_require *r = &c->require;
		json_t *req = json_object();
		if (r->chain_trusted)
			set_str(req, "chain", "trusted");
		if (r->valid_for_days >= 0)
			json_object_set_new(req, "valid-for-days", json_integer(r->valid_for_days));
		if (r->eku) {
			json_t *list = json_array();
			for (size_t i = 0; i < ENF_ARRAY_SIZE(ekus); i++)
				if (r->eku & (1u << i))
					json_array_append_new(list, json_string(ekus[i]));
			json_object_set_new(req, "eku", list);
		}
		if (r->min_key_bits >= 0)
			json_object_set_new(req, "min-key-bits", json_integer(r->min_key_bits));
		if (r->private_key != ENF_UNKNOWN)
			json_object_set_new(req, "private-key",
			                    json_boolean(r->private_key == ENF_YES));
		if (r->exportable != ENF_UNKNOWN)
			json_object_set_new(req, "key-exportable",
			                    json_boolean(r->exportable == ENF_YES));
		json_object_set_new(o, "require", req);
	}
	if (c->access_count) {
		json_t *list = json_array();
		for (size_t i = 0; i < c->access_count; i++)
			json_array_append_new(
			    list,
			    json_pack("{s:s, s:s}", "account", c->access[i].account, "rights",
			              c->access[i].rights == ENF_RIGHTS_FULL ? "full" : "read"));
		json_object_set_new(o, "private-key-access", list);
	}
}

static void add_trust_store(json_t *o, const enf_res_trust_store *t)
{
	static const char *const misplaced[] = {"move", "remove", "report"};
	set_str(o, "store", enf_store_name(t->store));
	set_str(o, "misplaced", (unsigned)t->misplaced < 3 ? misplaced[t->misplaced] : "?");
	if (t->has_allow) {
		json_t *list = json_array();
		for (size_t i = 0; i < t->allow_count; i++)
			json_array_append_new(list, t->allow[i].is_thumbprint
			                                ? thumb_json(t->allow[i].thumbprint)
			                                : json_string(t->allow[i].file));
		json_object_set_new(o, "allow", list);
	}
	set_str(o, "extras", t->extras == ENF_EXTRAS_REMOVE ? "remove" : "report");
	if (t->max_certs >= 0)
		json_object_set_new(o, "max-certs", json_integer(t->max_certs));
}

static void add_registry(json_t *o, const enf_res_registry *r)
{
	set_str(o, "key", r->key);
	set_str(o, "value", r->value);
	set_str(o, "ensure", r->ensure == ENF_ENSURE_ABSENT ? "absent" : "present");
	if (r->ensure == ENF_ENSURE_ABSENT)
		return;
	const enf_reg_value *v = &r->data;
	set_str(o, "kind", enf_reg_kind_name(v->type));
	json_t *data = NULL;
	switch (v->type) {
	case ENF_REG_DWORD:
	case ENF_REG_QWORD:
		data = unsigned_json(v->number);
		break;
	case ENF_REG_SZ:
	case ENF_REG_EXPAND_SZ:
		data = json_string(v->text ? v->text : "");
		break;
	case ENF_REG_MULTI_SZ:
		data = strings(v->list, v->count);
		break;
	default: {
		char *hex = enf_hex(v->bytes, v->size, 0);
		data = json_string(hex ? hex : "");
		free(hex);
	}
	}
	json_object_set_new(o, "data", data);
}

static void add_service(json_t *o, const enf_res_service *s)
{
	set_str(o, "name", s->name);
	set_str(o, "logon", s->logon);
	if (s->password == ENF_PASSWORD_NONE) {
		if (s->logon)
			set_str(o, "password", "none");
	} else {
		/* The reference only: the policy never holds the secret itself. */
		char *ref = enf_asprintf("%s:%s", s->password == ENF_PASSWORD_ENV ? "env" : "file",
		                         s->password_ref);
		set_str(o, "password", ref ? ref : "");
		free(ref);
	}
	if (s->startup != ENF_STARTUP_UNSET)
		set_str(o, "startup", enf_startup_name(s->startup));
	if (s->state != ENF_SVC_UNSET)
		set_str(o, "state", enf_svc_state_name(s->state));
}

json_t *diff_resource_json(const enf_resource *r)
{
	json_t *o = json_object();
	set_str(o, "type", enf_resource_type_name(r->type));
	set_str(o, "id", r->id);
	if (r->when.count)
		json_object_set_new(o, "when", when_json(&r->when));
	if (r->after_count)
		json_object_set_new(o, "after", strings(r->after, r->after_count));
	if (r->notify_count)
		json_object_set_new(o, "notify", strings(r->notify, r->notify_count));
	set_str(o, "mode", r->mode == ENF_MODE_AUDIT ? "audit" : "enforce");
	if (r->waiver.present) {
		char date[16];
		snprintf(date, sizeof(date), "%04d-%02d-%02d", r->waiver.year, r->waiver.month,
		         r->waiver.day);
		json_t *w = json_pack("{s:s, s:s}", "reason", r->waiver.reason, "expires", date);
		set_str(w, "ticket", r->waiver.ticket);
		json_object_set_new(o, "waiver", w);
	}
	switch (r->type) {
	case ENF_RES_CERTIFICATE:
		add_certificate(o, &r->u.cert);
		break;
	case ENF_RES_TRUST_STORE:
		add_trust_store(o, &r->u.trust);
		break;
	case ENF_RES_REGISTRY:
		add_registry(o, &r->u.reg);
		break;
	case ENF_RES_SERVICE:
		add_service(o, &r->u.svc);
		break;
	case ENF_RES_RESTART:
		json_object_set_new(o, "services",
		                    strings(r->u.restart.services, r->u.restart.count));
		json_object_set_new(o, "reboot", json_boolean(r->u.restart.reboot));
		break;
	default:
		break;
	}
	return o;
}

json_t *diff_policy_json(const enf_policy *p)
{
	json_t *o = json_object();
	set_str(o, "name", p->name);
	set_str(o, "description", p->description);
	if (p->when.count)
		json_object_set_new(o, "when", when_json(&p->when));
	return o;
}
