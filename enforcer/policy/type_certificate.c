/*
 * The certificate resource type, loader side: one certificate in a store,
 * its `require:` checks and who may read its private key.
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
static const char *const optional[] = {"file",    "thumbprint",         "ensure",
                                       "require", "private-key-access", NULL};
static const char *const ensures[] = {"present", "absent", NULL};

/*
 * Why `s` is not a DNS name a certificate's SAN can hold, or NULL: letters,
 * digits and '-' in labels of 1 to 63 characters that neither start nor end
 * with '-', at most 253 characters, optionally "*." first (a wildcard entry,
 * which then must be in the SAN as it is). No final dot: SAN entries have
 * none. Internationalised names are written as in the certificate (xn--).
 */
static const char *dns_name_problem(const char *s)
{
	const char *p = s;
	if (strlen(s) > 253)
		return "is longer than the 253 characters of a DNS name";
	if (p[0] == '*' && p[1] == '.')
		p += 2;
	if (s[strlen(s) - 1] == '.')
		return "ends with '.': write it without the final dot, as certificates do";
	for (;;) {
		size_t n = 0;
		for (; p[n] && p[n] != '.'; n++) {
			unsigned char c = (unsigned char)p[n];
			if (c == '*')
				return "has a '*' that is not the whole first label ('*.contoso.com')";
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-'))
				return "is not a DNS name: use letters, digits, '-' and '.' (an "
				       "internationalised name as its xn-- form)";
		}
		if (n == 0)
			return "has an empty label";
		if (n > 63)
			return "has a label longer than 63 characters";
		if (p[0] == '-' || p[n - 1] == '-')
			return "has a label that starts or ends with '-'";
		if (!p[n])
			return NULL;
		p += n + 1;
	}
}

/* `dns-names`: a non-empty list of DNS names, each once whatever its case. */
static int load_dns_names(loader *ld, const ynode *v, enf_cert_require *r)
{
	if (v->kind == YNODE_INVALID)
		return ENF_EINVALID;
	if (v->kind != YNODE_SEQ || v->count == 0) {
		enf_ld_error(ld, v,
		             "'dns-names' must be a non-empty list, e.g. [sip.contoso.com, "
		             "sip.fabrikam.com]");
		return ENF_EINVALID;
	}
	r->dns_names = calloc(v->count, sizeof(char *));
	if (!r->dns_names)
		return enf_ld_oom(ld);
	int rc = 0;
	for (size_t i = 0; i < v->count; i++) {
		char *name = NULL;
		const char *why = NULL;
		if (enf_ld_nonempty_string(ld, v->vals[i], "dns-names", &name)) {
			rc = ENF_EINVALID;
			continue;
		}
		if ((why = dns_name_problem(name))) {
			enf_ld_error(ld, v->vals[i], "'%s' %s", name, why);
			rc = ENF_EINVALID;
		}
		for (size_t k = 0; k < r->dns_name_count && !why; k++) {
			if (enf_strcaseeq(r->dns_names[k], name)) {
				enf_ld_error(
				    ld, v->vals[i],
				    "'%s' is listed twice in 'dns-names' (DNS names ignore case)",
				    name);
				rc = ENF_EINVALID;
				break;
			}
		}
		r->dns_names[r->dns_name_count++] = name;
	}
	return rc;
}

static int load_require(loader *ld, const ynode *n, enf_cert_require *r)
{
	static const char *const opt[] = {"chain",        "valid-for-days", "eku",
	                                  "min-key-bits", "private-key",    "key-exportable",
	                                  "warn-days",    "dns-names",      NULL};
	static const ld_keys keys = {NULL, opt, NULL};
	static const char *const chains[] = {"trusted", NULL};
	static const char *const ekus[] = {
	    "server-auth",  "client-auth", "code-signing", "email-protection", "time-stamping",
	    "ocsp-signing", NULL};
	r->valid_for_days = -1;
	r->warn_days = -1;
	r->min_key_bits = -1;
	r->private_key = ENF_UNKNOWN;
	r->exportable = ENF_UNKNOWN;
	if (enf_ld_check_keys(ld, n, &keys, "'require'"))
		return ENF_EINVALID;
	int rc = 0, idx, b;
	uint64_t u;
	const ynode *v;
	if ((v = enf_ytree_get(n, "chain"))) {
		if (enf_ld_enum(ld, v, "chain", chains, &idx))
			rc = ENF_EINVALID;
		else
			r->chain_trusted = 1;
	}
	if ((v = enf_ytree_get(n, "valid-for-days"))) {
		if (enf_ld_uint(ld, v, "valid-for-days", 36500, &u))
			rc = ENF_EINVALID;
		else
			r->valid_for_days = (long)u;
	}
	if ((v = enf_ytree_get(n, "min-key-bits"))) {
		if (enf_ld_uint(ld, v, "min-key-bits", 16384, &u))
			rc = ENF_EINVALID;
		else
			r->min_key_bits = (long)u;
	}
	if ((v = enf_ytree_get(n, "private-key"))) {
		if (enf_ld_bool(ld, v, "private-key", &b))
			rc = ENF_EINVALID;
		else
			r->private_key = b ? ENF_YES : ENF_NO;
	}
	if ((v = enf_ytree_get(n, "key-exportable"))) {
		if (enf_ld_bool(ld, v, "key-exportable", &b))
			rc = ENF_EINVALID;
		else
			r->exportable = b ? ENF_YES : ENF_NO;
	}
	if ((v = enf_ytree_get(n, "warn-days"))) {
		if (enf_ld_uint(ld, v, "warn-days", 36500, &u)) {
			rc = ENF_EINVALID;
		} else if (u == 0) {
			enf_ld_error(
			    ld, v,
			    "'warn-days' must be at least 1 (the number of days before expiry "
			    "to warn from)");
			rc = ENF_EINVALID;
		} else if (r->valid_for_days >= 0 && (long)u <= r->valid_for_days) {
			/* Within valid-for-days the resource fails already: a warning there is
			 * never seen. */
			enf_ld_error(
			    ld, v,
			    "'warn-days' (%llu) must be more than 'valid-for-days' (%ld): a "
			    "certificate with fewer than %ld days left fails already",
			    (unsigned long long)u, r->valid_for_days, r->valid_for_days);
			rc = ENF_EINVALID;
		} else {
			r->warn_days = (long)u;
		}
	}
	if ((v = enf_ytree_get(n, "dns-names")) && load_dns_names(ld, v, r))
		rc = ENF_EINVALID;
	if ((v = enf_ytree_get(n, "eku")) && v->kind != YNODE_INVALID) {
		if (v->kind != YNODE_SEQ || v->count == 0) {
			enf_ld_error(
			    ld, v,
			    "'eku' must be a non-empty list, e.g. [server-auth, client-auth]");
			rc = ENF_EINVALID;
		} else {
			for (size_t i = 0; i < v->count; i++) {
				if (enf_ld_enum(ld, v->vals[i], "eku", ekus, &idx))
					rc = ENF_EINVALID;
				else
					r->eku |= 1u << idx;
			}
		}
	}
	return rc;
}

static int load_access(loader *ld, const ynode *n, enf_res_certificate *c)
{
	static const char *const req[] = {"account", "rights", NULL};
	static const ld_keys keys = {req, NULL, NULL};
	static const char *const rights[] = {"read", "full", NULL};
	if (n->kind != YNODE_SEQ) {
		if (n->kind != YNODE_INVALID)
			enf_ld_error(
			    ld, n,
			    "'private-key-access' must be a list of {account: NAME, rights: read or full}");
		return ENF_EINVALID;
	}
	c->access = calloc(n->count ? n->count : 1, sizeof(enf_key_access));
	if (!c->access)
		return enf_ld_oom(ld);
	int rc = 0;
	for (size_t i = 0; i < n->count; i++) {
		const ynode *e = n->vals[i], *v;
		enf_key_access *a = &c->access[c->access_count++];
		if (enf_ld_check_keys(ld, e, &keys, "a private-key-access entry")) {
			rc = ENF_EINVALID;
			continue;
		}
		a->loc.line = e->line;
		a->loc.col = e->col;
		int idx = 0;
		if ((v = enf_ytree_get(e, "account"))) {
			if (enf_ld_nonempty_string(ld, v, "account", &a->account)) {
				rc = ENF_EINVALID;
			} else if (enf_ld_account_problem(a->account)) {
				enf_ld_error(ld, v, "account '%s' %s", a->account,
				             enf_ld_account_problem(a->account));
				rc = ENF_EINVALID;
			}
		}
		if ((v = enf_ytree_get(e, "rights")) && enf_ld_enum(ld, v, "rights", rights, &idx))
			rc = ENF_EINVALID;
		a->rights = (enf_key_rights)idx;
	}
	return rc;
}

static int load_certificate(loader *ld, const ynode *n, enf_resource *res)
{
	enf_res_certificate *c = &res->u.cert;
	int rc = 0, idx = 0;
	const ynode *v;
	if ((v = enf_ytree_get(n, "store")) && enf_ld_store(ld, v, &c->store))
		rc = ENF_EINVALID;
	if ((v = enf_ytree_get(n, "file")) && enf_ld_path(ld, v, "file", &c->file))
		rc = ENF_EINVALID;
	if ((v = enf_ytree_get(n, "thumbprint"))) {
		if (enf_ld_thumbprint(ld, v, c->thumbprint))
			rc = ENF_EINVALID;
		else
			c->has_thumbprint = 1;
	}
	if ((v = enf_ytree_get(n, "ensure")) && enf_ld_enum(ld, v, "ensure", ensures, &idx))
		rc = ENF_EINVALID;
	c->ensure = (enf_ensure)idx;
	if (!enf_ytree_get(n, "file") && !enf_ytree_get(n, "thumbprint")) {
		enf_ld_error(
		    ld, n,
		    "a certificate resource needs 'file' or 'thumbprint' to say which certificate");
		rc = ENF_EINVALID;
	}
	if ((v = enf_ytree_get(n, "require"))) {
		c->has_require = 1;
		if (load_require(ld, v, &c->require))
			rc = ENF_EINVALID;
		if (c->ensure == ENF_ENSURE_ABSENT) {
			enf_ld_error(
			    ld, enf_ytree_key(n, "require"),
			    "'require' checks a certificate that is present; it cannot go with ensure: absent");
			rc = ENF_EINVALID;
		}
	}
	if ((v = enf_ytree_get(n, "private-key-access"))) {
		if (load_access(ld, v, c))
			rc = ENF_EINVALID;
		if (c->ensure == ENF_ENSURE_ABSENT) {
			enf_ld_error(
			    ld, enf_ytree_key(n, "private-key-access"),
			    "'private-key-access' needs the certificate present; it cannot go with ensure: absent");
			rc = ENF_EINVALID;
		}
	}
	return rc;
}

static void clear_certificate(enf_resource *res)
{
	free(res->u.cert.file);
	for (size_t i = 0; i < res->u.cert.access_count; i++)
		free(res->u.cert.access[i].account);
	free(res->u.cert.access);
	enf_ld_free_strings(res->u.cert.require.dns_names, res->u.cert.require.dns_name_count);
}

static const char *certificate_file(const enf_resource *res, size_t i, enf_loc *loc)
{
	*loc = res->loc;
	return i == 0 ? res->u.cert.file : NULL;
}

static void certificate_json(json_t *o, const enf_resource *res)
{
	const enf_res_certificate *c = &res->u.cert;
	static const char *const ekus[] = {"server-auth",      "client-auth",   "code-signing",
	                                   "email-protection", "time-stamping", "ocsp-signing"};
	enf_json_set_str(o, "store", enf_store_name(c->store));
	enf_json_set_str(o, "file", c->file);
	if (c->has_thumbprint)
		json_object_set_new(o, "thumbprint", enf_json_thumbprint(c->thumbprint));
	enf_json_set_str(o, "ensure", c->ensure == ENF_ENSURE_ABSENT ? "absent" : "present");
	if (c->has_require) {
		const enf_cert_require *r = &c->require;
		json_t *req = json_object();
		if (r->chain_trusted)
			enf_json_set_str(req, "chain", "trusted");
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
		if (r->warn_days >= 0)
			json_object_set_new(req, "warn-days", json_integer(r->warn_days));
		if (r->dns_name_count) {
			json_t *names = json_array();
			for (size_t i = 0; i < r->dns_name_count; i++)
				json_array_append_new(names, json_string(r->dns_names[i]));
			json_object_set_new(req, "dns-names", names);
		}
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

const enf_restype enf_restype_certificate = {
    .name = "certificate",
    .required = required,
    .optional = optional,
    .load = load_certificate,
    .clear = clear_certificate,
    .file = certificate_file,
    .to_json = certificate_json,
};
