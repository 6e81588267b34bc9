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
static const char *const optional[] = {"file",    "thumbprint",         "ensure", "match", "pick",
                                       "require", "private-key-access", NULL};
static const char *const match_opt[] = {"subject", "dns-names", "issuer", "template", NULL};
static const char *const picks[] = {"newest-valid", NULL};
static const char *const ensures[] = {"present", "absent", NULL};
static const char *const require_opt[] = {"chain",        "valid-for-days", "eku",
                                          "min-key-bits", "private-key",    "key-exportable",
                                          "warn-days",    "dns-names",      NULL};
static const char *const chains[] = {"trusted", NULL};
static const char *const ekus[] = {
    "server-auth",  "client-auth", "code-signing", "email-protection", "time-stamping",
    "ocsp-signing", NULL};
static const char *const access_req[] = {"account", "rights", NULL};
static const char *const rights[] = {"read", "full", NULL};

static const enf_keydoc require_docs[] = {
    {"chain", ENF_KK_ENUM,
     "trusted: a chain to a self-signed root in Root, every certificate valid", chains, NULL, NULL,
     NULL},
    {"valid-for-days", ENF_KK_COUNT, "still valid this many days from now, else the resource fails",
     NULL, NULL, NULL, NULL},
    {"eku", ENF_KK_ENUMS, "extended key usages the certificate must carry", ekus, NULL, NULL, NULL},
    {"min-key-bits", ENF_KK_COUNT, "the least key size (RSA bits; ECDSA counts its curve size)",
     NULL, NULL, NULL, NULL},
    {"private-key", ENF_KK_BOOL, "true: the private key must be present and usable", NULL, NULL,
     NULL, NULL},
    {"key-exportable", ENF_KK_BOOL, "whether the private key may be exportable", NULL, NULL, NULL,
     NULL},
    {"warn-days", ENF_KK_COUNT,
     "a warning (not a failure) when the certificate expires within this many days; more than "
     "valid-for-days",
     NULL, NULL, NULL, NULL},
    {"dns-names", ENF_KK_STRINGS,
     "DNS names the subject alternative name must hold, each as a DNS entry (a wildcard or the "
     "CN does not count)",
     NULL, NULL, NULL, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL},
};

static const enf_keydoc match_docs[] = {
    {"subject", ENF_KK_STRING,
     "the subject's CN (any case), or the whole subject as cert inspect shows it", NULL, NULL, NULL,
     NULL},
    {"dns-names", ENF_KK_STRINGS, "DNS names the subject alternative name must all hold", NULL,
     NULL, NULL, NULL},
    {"issuer", ENF_KK_STRING,
     "the issuer's CN (any case), or the whole issuer as cert inspect shows it", NULL, NULL, NULL,
     NULL},
    {"template", ENF_KK_STRING,
     "the certificate template: its name (any case) or its OID, as cert inspect shows them", NULL,
     NULL, NULL, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL},
};

static const enf_keydoc access_docs[] = {
    {"account", ENF_KK_STRING, "the account (name or SID)", NULL, NULL, NULL, NULL},
    {"rights", ENF_KK_ENUM, "read or full", rights, NULL, NULL, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL},
};

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
static int load_dns_names(loader *ld, const ynode *v, char ***list, size_t *count)
{
	if (v->kind == YNODE_INVALID)
		return ENF_EINVALID;
	if (v->kind != YNODE_SEQ || v->count == 0) {
		enf_ld_error(ld, v,
		             "'dns-names' must be a non-empty list, e.g. [sip.contoso.com, "
		             "sip.fabrikam.com]");
		return ENF_EINVALID;
	}
	*list = calloc(v->count, sizeof(char *));
	if (!*list)
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
		for (size_t k = 0; k < *count && !why; k++) {
			if (enf_strcaseeq((*list)[k], name)) {
				enf_ld_error(
				    ld, v->vals[i],
				    "'%s' is listed twice in 'dns-names' (DNS names ignore case)",
				    name);
				rc = ENF_EINVALID;
				break;
			}
		}
		(*list)[(*count)++] = name;
	}
	return rc;
}

static int load_require(loader *ld, const ynode *n, enf_cert_require *r)
{
	static const ld_keys keys = {NULL, require_opt, NULL};
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
	if ((v = enf_ytree_get(n, "dns-names")) &&
	    load_dns_names(ld, v, &r->dns_names, &r->dns_name_count))
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
	static const ld_keys keys = {access_req, NULL, NULL};
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

/* `match:` and `pick:`, which select the certificate instead of file/thumbprint. */
static int load_match(loader *ld, const ynode *n, enf_res_certificate *c)
{
	static const ld_keys keys = {NULL, match_opt, NULL};
	const ynode *m = enf_ytree_get(n, "match"), *v;
	int rc = 0, idx = 0;
	if ((v = enf_ytree_get(n, "pick")) && enf_ld_enum(ld, v, "pick", picks, &idx))
		rc = ENF_EINVALID;
	if (!m) {
		if (v) {
			enf_ld_error(
			    ld, enf_ytree_key(n, "pick"),
			    "'pick' chooses among the certificates 'match' selects: add 'match'");
			rc = ENF_EINVALID;
		}
		return rc;
	}
	c->has_match = 1;
	const ynode *key = enf_ytree_key(n, "match");
	if (enf_ytree_get(n, "file") || enf_ytree_get(n, "thumbprint")) {
		enf_ld_error(
		    ld, key,
		    "'match' selects a certificate already in the store; it cannot go with "
		    "'file' or 'thumbprint', which name one certificate");
		rc = ENF_EINVALID;
	}
	if (c->ensure == ENF_ENSURE_ABSENT) {
		/* Removing whatever matches could remove the certificate in use. */
		enf_ld_error(
		    ld, key,
		    "'match' cannot go with ensure: absent: name the certificate to remove "
		    "by its 'thumbprint'");
		rc = ENF_EINVALID;
	}
	if (enf_ld_check_keys(ld, m, &keys, "'match'"))
		return ENF_EINVALID;
	if (m->count == 0) {
		enf_ld_error(
		    ld, m, "'match' needs at least one of subject, dns-names, issuer or template");
		return ENF_EINVALID;
	}
	if ((v = enf_ytree_get(m, "subject")) &&
	    enf_ld_nonempty_string(ld, v, "subject", &c->match_subject))
		rc = ENF_EINVALID;
	if ((v = enf_ytree_get(m, "issuer")) &&
	    enf_ld_nonempty_string(ld, v, "issuer", &c->match_issuer))
		rc = ENF_EINVALID;
	if ((v = enf_ytree_get(m, "template")) &&
	    enf_ld_nonempty_string(ld, v, "template", &c->match_template))
		rc = ENF_EINVALID;
	if ((v = enf_ytree_get(m, "dns-names")) &&
	    load_dns_names(ld, v, &c->match_dns_names, &c->match_dns_name_count))
		rc = ENF_EINVALID;
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
	if (load_match(ld, n, c))
		rc = ENF_EINVALID;
	if (!enf_ytree_get(n, "file") && !enf_ytree_get(n, "thumbprint") && !c->has_match) {
		enf_ld_error(ld, n,
		             "a certificate resource needs 'file', 'thumbprint' or 'match' to say "
		             "which certificate");
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
	free(res->u.cert.match_subject);
	free(res->u.cert.match_issuer);
	free(res->u.cert.match_template);
	enf_ld_free_strings(res->u.cert.match_dns_names, res->u.cert.match_dns_name_count);
}

static const char *certificate_file(const enf_resource *res, size_t i, enf_loc *loc)
{
	*loc = res->loc;
	return i == 0 ? res->u.cert.file : NULL;
}

static void certificate_json(json_t *o, const enf_resource *res)
{
	const enf_res_certificate *c = &res->u.cert;
	enf_json_set_str(o, "store", enf_store_name(c->store));
	enf_json_set_str(o, "file", c->file);
	if (c->has_thumbprint)
		json_object_set_new(o, "thumbprint", enf_json_thumbprint(c->thumbprint));
	enf_json_set_str(o, "ensure", c->ensure == ENF_ENSURE_ABSENT ? "absent" : "present");
	if (c->has_match) {
		json_t *m = json_object();
		enf_json_set_str(m, "subject", c->match_subject);
		enf_json_set_str(m, "issuer", c->match_issuer);
		enf_json_set_str(m, "template", c->match_template);
		if (c->match_dns_name_count) {
			json_t *names = json_array();
			for (size_t i = 0; i < c->match_dns_name_count; i++)
				json_array_append_new(names, json_string(c->match_dns_names[i]));
			json_object_set_new(m, "dns-names", names);
		}
		json_object_set_new(o, "match", m);
		enf_json_set_str(o, "pick", "newest-valid");
	}
	if (c->has_require) {
		const enf_cert_require *r = &c->require;
		json_t *req = json_object();
		if (r->chain_trusted)
			enf_json_set_str(req, "chain", "trusted");
		if (r->valid_for_days >= 0)
			json_object_set_new(req, "valid-for-days", json_integer(r->valid_for_days));
		if (r->eku) {
			json_t *list = json_array();
			for (size_t i = 0; ekus[i]; i++)
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

static const enf_keydoc keydocs[] = {
    {"store", ENF_KK_STORE,
     "the LocalMachine store: Root, CA, My, TrustedPeople, TrustedPublisher or Disallowed", NULL,
     NULL, NULL, NULL},
    {"file", ENF_KK_STRING, "the certificate file (DER or PEM), relative to the policy", NULL, NULL,
     NULL, NULL},
    {"thumbprint", ENF_KK_STRING,
     "the certificate's SHA-1 thumbprint, 40 hex digits (spaces allowed)", NULL, NULL, NULL, NULL},
    {"ensure", ENF_KK_ENUM, "present (default) or absent", ensures, NULL, NULL, NULL},
    {"match", ENF_KK_MAP,
     "selects the certificate instead of file/thumbprint, so that a renewal needs no edit: every "
     "key given must hold; not with file, thumbprint or ensure: absent",
     NULL, NULL, match_opt, match_docs},
    {"pick", ENF_KK_ENUM,
     "newest-valid (the default): of the certificates match selects, the valid one issued last "
     "(with its private key when require says private-key: true)",
     picks, NULL, NULL, NULL},
    {"require", ENF_KK_MAP, "checks the certificate must pass", NULL, NULL, require_opt,
     require_docs},
    {"private-key-access", ENF_KK_MAPS,
     "who may read the private key: {account: NAME, rights: read or full}", NULL, access_req, NULL,
     access_docs},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL},
};

const enf_restype enf_restype_certificate = {
    .name = "certificate",
    .required = required,
    .optional = optional,
    .load = load_certificate,
    .clear = clear_certificate,
    .file = certificate_file,
    .to_json = certificate_json,
    .keydocs = keydocs,
};
