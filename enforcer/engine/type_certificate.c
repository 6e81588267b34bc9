/*
 * The certificate resource type, engine side: one certificate present in,
 * or absent from, one store; its checks and key permissions (cert_checks.c).
 * Its changes are cert_changes.c's.
 */
#include "engine_int.h"

#include "enforcer/cert.h"
#include "enforcer/errors.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static json_t *cert_json(const enf_res_certificate *c, const unsigned char *thumb, int present)
{
	char *hex = enf_hex(thumb, 20, 1);
	json_t *o = json_pack("{s:s, s:s, s:b}", "store", enf_store_name(c->store), "thumbprint",
	                      hex ? hex : "", "present", present);
	free(hex);
	return o;
}

/*
 * `ensure: absent` for a certificate that another physical store holds
 * (Group Policy, Active Directory...), which enforcer never changes: the
 * resource fails, naming where to remove it. With a .Default copy as well,
 * that copy's removal is still planned, and the verification after it
 * fails with this message.
 */
static int absent_elsewhere(const enf_res_certificate *c, const enf_cert_list *list,
                            const unsigned char thumb[20], const char *hex, res_plan *plan)
{
	enf_buf why = ENF_BUF_INIT;
	char *label = NULL;
	for (size_t i = 0; i < list->count; i++) {
		const enf_cert_entry *en = &list->items[i];
		if (en->physical == ENF_PHYS_DEFAULT || memcmp(en->thumbprint, thumb, 20) != 0)
			continue;
		/* Named as trust-store findings are: "'NAME' (THUMBPRINT)". */
		enf_cert *cert = NULL;
		if (!label && enf_cert_from_der(&cert, en->der, en->der_len) == 0)
			label = enf_asprintf("'%s' (%s)", enf_cert_info_get(cert)->name,
			                     hex ? hex : "?");
		else if (!label)
			label = enf_asprintf("certificate %s", hex ? hex : "?");
		enf_cert_free(cert);
		enf_error_clear();
		if (!label) {
			why.failed = 1;
			break;
		}
		char *text = enf_cert_managed_elsewhere(label, c->store, en->physical);
		enf_buf_printf(&why, "%s%s", why.len ? "; " : "", text ? text : "");
		why.failed |= !text;
		free(text);
	}
	int rc = why.failed ? enf_error_oom() : 0;
	free(label);
	if (rc == 0 && why.len) {
		if (plan->count) {
			plan->message = enf_strdup(why.ptr);
		} else {
			enf_plan_fail(plan, "%s", why.ptr);
			plan->finding = 1;
		}
	}
	enf_buf_clear(&why);
	return rc;
}

static int plan_certificate(engine *e, const enf_resource *res, res_plan *plan)
{
	const enf_res_certificate *c = &res->u.cert;
	unsigned char thumb[20];
	unsigned char *der = NULL;
	size_t der_len = 0;
	if (c->has_match)
		return enf_plan_cert_match(e, res, plan);
	if (c->file) {
		if (enf_policy_cert_der(e, c->file, &der, &der_len)) {
			enf_plan_fail_last(plan, "cannot load the certificate file");
			return 0;
		}
		enf_sha1(thumb, der, der_len);
		if (c->has_thumbprint && memcmp(thumb, c->thumbprint, 20) != 0) {
			char *want = enf_hex(c->thumbprint, 20, 1), *got = enf_hex(thumb, 20, 1);
			enf_plan_fail(plan, "'%s' has thumbprint %s, not %s as the policy says",
			              c->file, got ? got : "?", want ? want : "?");
			free(want);
			free(got);
			free(der);
			return 0;
		}
	} else {
		memcpy(thumb, c->thumbprint, 20);
	}
	enf_cert_list list = {0};
	if (enf_engine_cert_list(e, &list, c->store)) {
		enf_plan_fail_last(plan, "cannot read the store");
		free(der);
		return 0;
	}
	/* Present in any physical store; removed only from .Default (provider.h). */
	const enf_cert_entry *found = NULL, *own = NULL;
	for (size_t i = 0; i < list.count; i++) {
		if (memcmp(list.items[i].thumbprint, thumb, 20) != 0)
			continue;
		found = found ? found : &list.items[i];
		own = own || list.items[i].physical != ENF_PHYS_DEFAULT ? own : &list.items[i];
	}
	plan->before = cert_json(c, thumb, found != NULL);
	plan->after = cert_json(c, thumb, c->ensure == ENF_ENSURE_PRESENT);
	char *hex = enf_hex(thumb, 20, 1);
	change *ch = NULL;
	int rc = 0;
	if (c->ensure == ENF_ENSURE_PRESENT && !found) {
		if (!der) {
			enf_plan_fail(
			    plan,
			    "certificate %s is not in %s, and the policy gives no file to add it from",
			    hex ? hex : "?", enf_store_name(c->store));
		} else if ((ch =
		                enf_plan_add(plan, &enf_change_cert_add, "add %s (%s) to %s",
		                             c->file, hex ? hex : "?", enf_store_name(c->store)))) {
			ch->der = der;
			ch->der_len = der_len;
			der = NULL;
		} else {
			rc = enf_error_oom();
		}
	} else if (c->ensure == ENF_ENSURE_ABSENT && own) {
		/* The removed certificate's DER and element go into the journal, for rollback. */
		if ((ch = enf_plan_add(plan, &enf_change_cert_remove, "remove %s from %s",
		                       hex ? hex : "?", enf_store_name(c->store))) &&
		    (ch->der = malloc(own->der_len))) {
			memcpy(ch->der, own->der, own->der_len);
			ch->der_len = own->der_len;
		} else {
			rc = enf_error_oom();
		}
	}
	if (ch) {
		ch->store = c->store;
		memcpy(ch->thumbprint, thumb, 20);
		if (rc == 0 && ch->ops == &enf_change_cert_remove)
			rc = enf_change_cert_element(e, ch);
	}
	if (rc == 0 && c->ensure == ENF_ENSURE_ABSENT)
		rc = absent_elsewhere(c, &list, thumb, hex, plan);
	if (rc == 0 && !plan->failed && c->ensure == ENF_ENSURE_PRESENT)
		rc = enf_plan_cert_checks(e, res, thumb, found, plan);
	free(hex);
	free(der);
	enf_cert_list_clear(&list);
	return rc;
}

static const change_ops *const changes[] = {&enf_change_cert_add, &enf_change_cert_remove,
                                            &enf_change_key_grant, &enf_change_key_restore, NULL};

const engine_type enf_engine_type_certificate = {
    .caps = ENF_CAP_CERTS,
    .plan = plan_certificate,
    .changes = changes,
};
