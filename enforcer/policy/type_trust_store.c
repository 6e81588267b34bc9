/*
 * The trust-store resource type, loader side: what may be in Root or CA,
 * and what happens to what is misplaced or not allowed.
 */
#include "loader.h"
#include "restype.h"

#include "enforcer/errors.h"
#include "util/json_util.h"
#include "util/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const required[] = {"type", "id", "store", NULL};
static const char *const optional[] = {
    "misplaced", "allow", "extras", "max-certs", "duplicates", "managed-elsewhere", NULL};
static const char *const misplaced_actions[] = {"move", "remove", "report", NULL};
static const char *const extras_actions[] = {"report", "remove", NULL};
static const char *const duplicates_actions[] = {"report", NULL};
static const char *const managed_actions[] = {"report", NULL};

/* The number of hex digits if `s` is only hex digits and spaces, else -1. */
static long hex_digits_only(const char *s)
{
	long n = 0;
	for (; *s; s++) {
		if (isxdigit((unsigned char)*s))
			n++;
		else if (*s != ' ')
			return -1;
	}
	return n;
}

static int load_allow(loader *ld, const ynode *n, enf_res_trust_store *t)
{
	if (n->kind != YNODE_SEQ) {
		if (n->kind != YNODE_INVALID)
			enf_ld_error(ld, n,
			             "'allow' must be a list of certificate files or thumbprints");
		return ENF_EINVALID;
	}
	t->has_allow = 1;
	t->allow = calloc(n->count ? n->count : 1, sizeof(enf_allow));
	if (!t->allow)
		return enf_ld_oom(ld);
	int rc = 0;
	for (size_t i = 0; i < n->count; i++) {
		const ynode *e = n->vals[i];
		enf_allow *a = &t->allow[t->allow_count++];
		a->loc.line = e->line;
		a->loc.col = e->col;
		/* A thumbprint is all hex: take it as one before the string checks. */
		int text = e->kind == YNODE_SCALAR && strlen(e->value) == e->len;
		if (text && enf_ld_parse_thumbprint(e->value, a->thumbprint) == 0) {
			a->is_thumbprint = 1;
			continue;
		}
		/*
		 * A mistyped thumbprint would otherwise pass as a file name and
		 * only fail when the store is checked; no certificate file is
		 * named with 16 or more hex digits and nothing else.
		 */
		long digits = text ? hex_digits_only(e->value) : -1;
		if (digits >= 16) {
			enf_ld_error(
			    ld, e,
			    "this 'allow' entry looks like a thumbprint but has %ld hex digits; a SHA-1 thumbprint has 40",
			    digits);
			rc = ENF_EINVALID;
			continue;
		}
		if (e->kind == YNODE_MAP || e->kind == YNODE_SEQ) {
			enf_ld_error(
			    ld, e,
			    "each 'allow' entry is one certificate file or thumbprint, not a %s",
			    e->kind == YNODE_MAP ? "mapping" : "list");
			rc = ENF_EINVALID;
		} else if (enf_ld_path(ld, e, "allow", &a->file)) {
			rc = ENF_EINVALID;
		}
	}
	return rc;
}

static int load_trust_store(loader *ld, const ynode *n, enf_resource *res)
{
	enf_res_trust_store *t = &res->u.trust;
	int rc = 0, idx = 0;
	uint64_t u;
	const ynode *v;
	t->max_certs = -1;
	if ((v = enf_ytree_get(n, "store")) && enf_ld_store(ld, v, &t->store) == 0 &&
	    t->store != ENF_STORE_ROOT && t->store != ENF_STORE_CA) {
		enf_ld_error(ld, v, "a trust-store resource manages Root or CA; got '%s'",
		             enf_store_name(t->store));
		rc = ENF_EINVALID;
	}
	if ((v = enf_ytree_get(n, "misplaced"))) {
		if (enf_ld_enum(ld, v, "misplaced", misplaced_actions, &idx))
			rc = ENF_EINVALID;
		t->misplaced = (enf_misplaced)idx;
	}
	idx = 0;
	if ((v = enf_ytree_get(n, "extras"))) {
		if (enf_ld_enum(ld, v, "extras", extras_actions, &idx))
			rc = ENF_EINVALID;
		t->extras = (enf_extras)idx;
	}
	if ((v = enf_ytree_get(n, "duplicates")) &&
	    enf_ld_enum(ld, v, "duplicates", duplicates_actions, &idx))
		rc = ENF_EINVALID;
	if ((v = enf_ytree_get(n, "max-certs"))) {
		if (enf_ld_uint(ld, v, "max-certs", 1000000, &u))
			rc = ENF_EINVALID;
		else
			t->max_certs = (long)u;
	}
	/*
	 * Without the key a finding managed elsewhere fails the resource, so
	 * `report` is the only value there is to write.
	 */
	if ((v = enf_ytree_get(n, "managed-elsewhere"))) {
		if (v->kind == YNODE_SCALAR && strlen(v->value) == v->len &&
		    strcmp(v->value, "report") == 0) {
			t->managed_elsewhere_report = 1;
		} else {
			enf_ld_error(
			    ld, v,
			    "'managed-elsewhere' takes only 'report' (a certificate that Group Policy, Active Directory, automatic root updates or a smart card put in the store is then a note); leave the key out to fail the resource on one");
			rc = ENF_EINVALID;
		}
	}
	if ((v = enf_ytree_get(n, "allow")) && load_allow(ld, v, t))
		rc = ENF_EINVALID;
	if (t->extras == ENF_EXTRAS_REMOVE && !enf_ytree_get(n, "allow")) {
		enf_ld_error(
		    ld, enf_ytree_get(n, "extras"),
		    "'extras: remove' needs an 'allow' list: without one no certificate is an extra");
		rc = ENF_EINVALID;
	}
	/* An empty list left by commented-out entries would empty the whole store. */
	if (t->extras == ENF_EXTRAS_REMOVE && t->has_allow && t->allow_count == 0) {
		enf_ld_error(
		    ld, enf_ytree_get(n, "allow"),
		    "'allow' is empty, so 'extras: remove' would remove every certificate in %s; list the certificates to keep",
		    enf_store_name(t->store));
		rc = ENF_EINVALID;
	}
	return rc;
}
static void clear_trust_store(enf_resource *res)
{
	for (size_t i = 0; i < res->u.trust.allow_count; i++)
		free(res->u.trust.allow[i].file);
	free(res->u.trust.allow);
}

/* The certificate files of the allow list, each where it is written. */
static const char *trust_store_file(const enf_resource *res, size_t i, enf_loc *loc)
{
	*loc = res->loc;
	for (size_t k = 0; k < res->u.trust.allow_count; k++) {
		if (!res->u.trust.allow[k].is_thumbprint && i-- == 0) {
			*loc = res->u.trust.allow[k].loc;
			return res->u.trust.allow[k].file;
		}
	}
	return NULL;
}

static void trust_store_json(json_t *o, const enf_resource *res)
{
	const enf_res_trust_store *t = &res->u.trust;
	enf_json_set_str(o, "store", enf_store_name(t->store));
	enf_json_set_str(o, "misplaced",
	                 (unsigned)t->misplaced < 3 ? misplaced_actions[t->misplaced] : "?");
	if (t->has_allow) {
		json_t *list = json_array();
		for (size_t i = 0; i < t->allow_count; i++)
			json_array_append_new(list,
			                      t->allow[i].is_thumbprint
			                          ? enf_json_thumbprint(t->allow[i].thumbprint)
			                          : json_string(t->allow[i].file));
		json_object_set_new(o, "allow", list);
	}
	enf_json_set_str(o, "extras", t->extras == ENF_EXTRAS_REMOVE ? "remove" : "report");
	if (t->max_certs >= 0)
		json_object_set_new(o, "max-certs", json_integer(t->max_certs));
	if (t->managed_elsewhere_report)
		enf_json_set_str(o, "managed-elsewhere", "report");
}

static const enf_keydoc keydocs[] = {
    {"store", ENF_KK_STORE, "Root or CA", NULL, NULL, NULL, NULL},
    {"misplaced", ENF_KK_ENUM,
     "what to do with an intermediate in Root (or a root in CA): move (default), remove or report",
     misplaced_actions, NULL, NULL, NULL},
    {"allow", ENF_KK_STRINGS,
     "certificate files or thumbprints that belong in the store; others are extras", NULL, NULL,
     NULL, NULL},
    {"extras", ENF_KK_ENUM, "what to do with certificates not in allow: report (default) or remove",
     extras_actions, NULL, NULL, NULL},
    {"max-certs", ENF_KK_COUNT,
     "more certificates than this is a finding (Lync/SfB guidance: 100 in Root)", NULL, NULL, NULL,
     NULL},
    {"duplicates", ENF_KK_ENUM, "report: the same subject and key twice is a note",
     duplicates_actions, NULL, NULL, NULL},
    {"managed-elsewhere", ENF_KK_ENUM,
     "report: a certificate Group Policy, Active Directory, root updates or a smart card put in the "
     "store is a note; without the key it fails the resource",
     managed_actions, NULL, NULL, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL},
};

const enf_restype enf_restype_trust_store = {
    .name = "trust-store",
    .required = required,
    .optional = optional,
    .load = load_trust_store,
    .clear = clear_trust_store,
    .file = trust_store_file,
    .to_json = trust_store_json,
    .keydocs = keydocs,
};
