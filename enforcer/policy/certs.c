/* The keys of the certificate and trust-store resources. */
#include "loader.h"

#include "../util/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const ensures[] = {"present", "absent", NULL};

static int load_store(loader *ld, const ynode *v, enf_store *out)
{
	char *s = NULL;
	if (ld_nonempty_string(ld, v, "store", &s))
		return ENF_EINVALID;
	/* The names the certificate console shows, for those who copy them from there. */
	static const struct {
		const char *shown, *store;
	} console[] = {{"Intermediate Certification Authorities", "CA"},
		       {"Intermediate", "CA"},
		       {"Trusted Root Certification Authorities", "Root"},
		       {"TrustedRoot", "Root"},
		       {"Personal", "My"},
		       {"Untrusted Certificates", "Disallowed"}};
	int rc = enf_store_parse(out, s);
	const char *hint = NULL;
	for (size_t i = 0; rc && i < ENF_ARRAY_SIZE(console); i++)
		if (enf_strcaseeq(s, console[i].shown))
			hint = console[i].store;
	if (rc)
		ld_error(ld, v, "'store' must be one of Root, CA, My, TrustedPeople, TrustedPublisher, Disallowed; got '%s'%s%s%s",
			 s, hint ? " (that store is called '" : "", hint ? hint : "", hint ? "' here)" : "");
	free(s);
	return rc ? ENF_EINVALID : 0;
}

static int load_path(loader *ld, const ynode *v, const char *key, char **out)
{
	if (ld_nonempty_string(ld, v, key, out))
		return ENF_EINVALID;
	const char *problem = enf_path_problem(*out);
	if (problem) {
		ld_error(ld, v, "'%s': %s ('%s')", key, problem, *out);
		free(*out);
		*out = NULL;
		return ENF_EINVALID;
	}
	return 0;
}

static int load_thumbprint(loader *ld, const ynode *v, unsigned char out[20])
{
	char *s = NULL;
	if (ld_nonempty_string(ld, v, "thumbprint", &s))
		return ENF_EINVALID;
	int rc = ld_parse_thumbprint(s, out);
	if (rc)
		ld_error(ld, v, "'thumbprint' must be 40 hex digits (the SHA-1 thumbprint as Windows shows it); got '%s'",
			 s);
	free(s);
	return rc ? ENF_EINVALID : 0;
}

static int load_require(loader *ld, const ynode *n, enf_cert_require *r)
{
	static const char *const opt[] = {"chain", "valid-for-days", "eku", "min-key-bits",
					  "private-key", "key-exportable", NULL};
	static const ld_keys keys = {NULL, opt, NULL};
	static const char *const chains[] = {"trusted", NULL};
	static const char *const ekus[] = {"server-auth", "client-auth", "code-signing",
					   "email-protection", "time-stamping", "ocsp-signing", NULL};
	r->valid_for_days = -1;
	r->min_key_bits = -1;
	r->private_key = ENF_UNKNOWN;
	r->exportable = ENF_UNKNOWN;
	if (ld_check_keys(ld, n, &keys, "'require'"))
		return ENF_EINVALID;
	int rc = 0, idx, b;
	uint64_t u;
	const ynode *v;
	if ((v = ytree_get(n, "chain"))) {
		if (ld_enum(ld, v, "chain", chains, &idx))
			rc = ENF_EINVALID;
		else
			r->chain_trusted = 1;
	}
	if ((v = ytree_get(n, "valid-for-days"))) {
		if (ld_uint(ld, v, "valid-for-days", 36500, &u))
			rc = ENF_EINVALID;
		else
			r->valid_for_days = (long)u;
	}
	if ((v = ytree_get(n, "min-key-bits"))) {
		if (ld_uint(ld, v, "min-key-bits", 16384, &u))
			rc = ENF_EINVALID;
		else
			r->min_key_bits = (long)u;
	}
	if ((v = ytree_get(n, "private-key"))) {
		if (ld_bool(ld, v, "private-key", &b))
			rc = ENF_EINVALID;
		else
			r->private_key = b ? ENF_YES : ENF_NO;
	}
	if ((v = ytree_get(n, "key-exportable"))) {
		if (ld_bool(ld, v, "key-exportable", &b))
			rc = ENF_EINVALID;
		else
			r->exportable = b ? ENF_YES : ENF_NO;
	}
	if ((v = ytree_get(n, "eku")) && v->kind != YNODE_INVALID) {
		if (v->kind != YNODE_SEQ || v->count == 0) {
			ld_error(ld, v, "'eku' must be a non-empty list, e.g. [server-auth, client-auth]");
			rc = ENF_EINVALID;
		} else {
			for (size_t i = 0; i < v->count; i++) {
				if (ld_enum(ld, v->vals[i], "eku", ekus, &idx))
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
			ld_error(ld, n, "'private-key-access' must be a list of {account: NAME, rights: read or full}");
		return ENF_EINVALID;
	}
	c->access = calloc(n->count ? n->count : 1, sizeof(enf_key_access));
	if (!c->access)
		return ld_oom(ld);
	int rc = 0;
	for (size_t i = 0; i < n->count; i++) {
		const ynode *e = n->vals[i], *v;
		enf_key_access *a = &c->access[c->access_count++];
		if (ld_check_keys(ld, e, &keys, "a private-key-access entry")) {
			rc = ENF_EINVALID;
			continue;
		}
		a->loc.line = e->line;
		a->loc.col = e->col;
		int idx = 0;
		if ((v = ytree_get(e, "account"))) {
			if (ld_nonempty_string(ld, v, "account", &a->account)) {
				rc = ENF_EINVALID;
			} else if (ld_account_problem(a->account)) {
				ld_error(ld, v, "account '%s' %s", a->account,
					 ld_account_problem(a->account));
				rc = ENF_EINVALID;
			}
		}
		if ((v = ytree_get(e, "rights")) && ld_enum(ld, v, "rights", rights, &idx))
			rc = ENF_EINVALID;
		a->rights = (enf_key_rights)idx;
	}
	return rc;
}

int ld_certificate(loader *ld, const ynode *n, enf_res_certificate *c)
{
	int rc = 0, idx = 0;
	const ynode *v;
	if ((v = ytree_get(n, "store")) && load_store(ld, v, &c->store))
		rc = ENF_EINVALID;
	if ((v = ytree_get(n, "file")) && load_path(ld, v, "file", &c->file))
		rc = ENF_EINVALID;
	if ((v = ytree_get(n, "thumbprint"))) {
		if (load_thumbprint(ld, v, c->thumbprint))
			rc = ENF_EINVALID;
		else
			c->has_thumbprint = 1;
	}
	if ((v = ytree_get(n, "ensure")) && ld_enum(ld, v, "ensure", ensures, &idx))
		rc = ENF_EINVALID;
	c->ensure = (enf_ensure)idx;
	if (!ytree_get(n, "file") && !ytree_get(n, "thumbprint")) {
		ld_error(ld, n, "a certificate resource needs 'file' or 'thumbprint' to say which certificate");
		rc = ENF_EINVALID;
	}
	if ((v = ytree_get(n, "require"))) {
		c->has_require = 1;
		if (load_require(ld, v, &c->require))
			rc = ENF_EINVALID;
		if (c->ensure == ENF_ENSURE_ABSENT) {
			ld_error(ld, ytree_key(n, "require"),
				 "'require' checks a certificate that is present; it cannot go with ensure: absent");
			rc = ENF_EINVALID;
		}
	}
	if ((v = ytree_get(n, "private-key-access"))) {
		if (load_access(ld, v, c))
			rc = ENF_EINVALID;
		if (c->ensure == ENF_ENSURE_ABSENT) {
			ld_error(ld, ytree_key(n, "private-key-access"),
				 "'private-key-access' needs the certificate present; it cannot go with ensure: absent");
			rc = ENF_EINVALID;
		}
	}
	return rc;
}

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
			ld_error(ld, n, "'allow' must be a list of certificate files or thumbprints");
		return ENF_EINVALID;
	}
	t->has_allow = 1;
	t->allow = calloc(n->count ? n->count : 1, sizeof(enf_allow));
	if (!t->allow)
		return ld_oom(ld);
	int rc = 0;
	for (size_t i = 0; i < n->count; i++) {
		const ynode *e = n->vals[i];
		enf_allow *a = &t->allow[t->allow_count++];
		a->loc.line = e->line;
		a->loc.col = e->col;
		/* A thumbprint is all hex: take it as one before the string checks. */
		int text = e->kind == YNODE_SCALAR && strlen(e->value) == e->len;
		if (text && ld_parse_thumbprint(e->value, a->thumbprint) == 0) {
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
			ld_error(ld, e, "this 'allow' entry looks like a thumbprint but has %ld hex digits; a SHA-1 thumbprint has 40",
				 digits);
			rc = ENF_EINVALID;
			continue;
		}
		if (e->kind == YNODE_MAP || e->kind == YNODE_SEQ) {
			ld_error(ld, e, "each 'allow' entry is one certificate file or thumbprint, not a %s",
				 e->kind == YNODE_MAP ? "mapping" : "list");
			rc = ENF_EINVALID;
		} else if (load_path(ld, e, "allow", &a->file)) {
			rc = ENF_EINVALID;
		}
	}
	return rc;
}

int ld_trust_store(loader *ld, const ynode *n, enf_res_trust_store *t)
{
	static const char *const misplaced[] = {"move", "remove", "report", NULL};
	static const char *const extras[] = {"report", "remove", NULL};
	static const char *const duplicates[] = {"report", NULL};
	int rc = 0, idx = 0;
	uint64_t u;
	const ynode *v;
	t->max_certs = -1;
	if ((v = ytree_get(n, "store")) && load_store(ld, v, &t->store) == 0 &&
	    t->store != ENF_STORE_ROOT && t->store != ENF_STORE_CA) {
		ld_error(ld, v, "a trust-store resource manages Root or CA; got '%s'",
			 enf_store_name(t->store));
		rc = ENF_EINVALID;
	}
	if ((v = ytree_get(n, "misplaced"))) {
		if (ld_enum(ld, v, "misplaced", misplaced, &idx))
			rc = ENF_EINVALID;
		t->misplaced = (enf_misplaced)idx;
	}
	idx = 0;
	if ((v = ytree_get(n, "extras"))) {
		if (ld_enum(ld, v, "extras", extras, &idx))
			rc = ENF_EINVALID;
		t->extras = (enf_extras)idx;
	}
	if ((v = ytree_get(n, "duplicates")) && ld_enum(ld, v, "duplicates", duplicates, &idx))
		rc = ENF_EINVALID;
	if ((v = ytree_get(n, "max-certs"))) {
		if (ld_uint(ld, v, "max-certs", 1000000, &u))
			rc = ENF_EINVALID;
		else
			t->max_certs = (long)u;
	}
	if ((v = ytree_get(n, "allow")) && load_allow(ld, v, t))
		rc = ENF_EINVALID;
	if (t->extras == ENF_EXTRAS_REMOVE && !ytree_get(n, "allow")) {
		ld_error(ld, ytree_get(n, "extras"),
			 "'extras: remove' needs an 'allow' list: without one no certificate is an extra");
		rc = ENF_EINVALID;
	}
	/* An empty list left by commented-out entries would empty the whole store. */
	if (t->extras == ENF_EXTRAS_REMOVE && t->has_allow && t->allow_count == 0) {
		ld_error(ld, ytree_get(n, "allow"),
			 "'allow' is empty, so 'extras: remove' would remove every certificate in %s; list the certificates to keep",
			 enf_store_name(t->store));
		rc = ENF_EINVALID;
	}
	return rc;
}
