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

static int plan_certificate(engine *e, const enf_resource *res, res_plan *plan)
{
	const enf_res_certificate *c = &res->u.cert;
	unsigned char thumb[20];
	unsigned char *der = NULL;
	size_t der_len = 0;
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
	const enf_cert_entry *found = NULL;
	for (size_t i = 0; i < list.count && !found; i++)
		if (memcmp(list.items[i].thumbprint, thumb, 20) == 0)
			found = &list.items[i];
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
	} else if (c->ensure == ENF_ENSURE_ABSENT && found) {
		/* The removed certificate's DER goes into the journal, for rollback. */
		if ((ch = enf_plan_add(plan, &enf_change_cert_remove, "remove %s from %s",
		                       hex ? hex : "?", enf_store_name(c->store))) &&
		    (ch->der = malloc(found->der_len))) {
			memcpy(ch->der, found->der, found->der_len);
			ch->der_len = found->der_len;
		} else {
			rc = enf_error_oom();
		}
	}
	if (ch) {
		ch->store = c->store;
		memcpy(ch->thumbprint, thumb, 20);
	}
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
