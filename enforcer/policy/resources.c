/* The type-specific keys of the five resource types. */
#include "loader.h"

#include "../util/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const cert_req[] = {"type", "id", "store", NULL};
static const char *const cert_opt[] = {"file", "thumbprint", "ensure", "require",
				       "private-key-access", NULL};
static const char *const trust_req[] = {"type", "id", "store", NULL};
static const char *const trust_opt[] = {"misplaced", "allow", "extras", "max-certs",
					"duplicates", NULL};
static const char *const reg_req[] = {"type", "id", "key", "value", NULL};
static const char *const reg_opt[] = {"ensure", "kind", "data", NULL};
static const char *const svc_req[] = {"type", "id", "name", NULL};
static const char *const svc_opt[] = {"logon", "password", "startup", "state", NULL};
static const char *const restart_req[] = {"type", "id", NULL};
static const char *const restart_opt[] = {"services", "reboot", NULL};

const ld_keys *ld_resource_keys(enf_resource_type type)
{
	static ld_keys keys[ENF_RES__COUNT];
	static const char *const *const req[] = {cert_req, trust_req, reg_req, svc_req, restart_req};
	static const char *const *const opt[] = {cert_opt, trust_opt, reg_opt, svc_opt, restart_opt};
	keys[type].required = req[type];
	keys[type].optional = opt[type];
	keys[type].optional2 = ld_common_keys();
	return &keys[type];
}

static const char *const ensures[] = {"present", "absent", NULL};

static int load_store(loader *ld, const ynode *v, enf_store *out)
{
	char *s = NULL;
	if (ld_nonempty_string(ld, v, "store", &s))
		return ENF_EINVALID;
	int rc = enf_store_parse(out, s);
	if (rc)
		ld_error(ld, v, "'store' must be one of Root, CA, My, TrustedPeople, TrustedPublisher, Disallowed; got '%s'",
			 s);
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

/* Why an account name cannot be right, or NULL. */
static const char *account_problem(const char *a)
{
	const char *slash = strchr(a, '\\');
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		if (*p < 0x20)
			return "has a control character";
	if (slash && strchr(slash + 1, '\\'))
		return "has more than one backslash; write DOMAIN\\name or .\\name";
	if (slash && (slash == a || !slash[1]))
		return "needs text on both sides of the backslash";
	if (strlen(a) > 256)
		return "is longer than 256 characters";
	return NULL;
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
			} else if (account_problem(a->account)) {
				ld_error(ld, v, "account '%s' %s", a->account,
					 account_problem(a->account));
				rc = ENF_EINVALID;
			}
		}
		if ((v = ytree_get(e, "rights")) && ld_enum(ld, v, "rights", rights, &idx))
			rc = ENF_EINVALID;
		a->rights = (enf_key_rights)idx;
	}
	return rc;
}

static int load_certificate(loader *ld, const ynode *n, enf_res_certificate *c)
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
		if (e->kind == YNODE_SCALAR && ld_parse_thumbprint(e->value, a->thumbprint) == 0) {
			a->is_thumbprint = 1;
			continue;
		}
		/*
		 * A mistyped thumbprint would otherwise pass as a file name and
		 * only fail when the store is checked; no certificate file is
		 * named with 16 or more hex digits and nothing else.
		 */
		long digits = e->kind == YNODE_SCALAR ? hex_digits_only(e->value) : -1;
		if (digits >= 16) {
			ld_error(ld, e, "this 'allow' entry looks like a thumbprint but has %ld hex digits; a SHA-1 thumbprint has 40",
				 digits);
			rc = ENF_EINVALID;
			continue;
		}
		if (load_path(ld, e, "allow", &a->file))
			rc = ENF_EINVALID;
	}
	return rc;
}

static int load_trust_store(loader *ld, const ynode *n, enf_res_trust_store *t)
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

/* "HKLM\A\B" from "HKLM\A\B" or "HKEY_LOCAL_MACHINE\A\B"; NULL with a reason. */
static char *normalise_key(const char *key, const char **problem)
{
	const char *rest = NULL;
	if (enf_strcaseeq(key, "HKLM") || enf_strcaseeq(key, "HKEY_LOCAL_MACHINE")) {
		*problem = "names no key under HKLM; the values of HKLM itself cannot be managed";
		return NULL;
	}
	if (enf_starts_with_nocase(key, "HKLM\\"))
		rest = key + 5;
	else if (enf_starts_with_nocase(key, "HKEY_LOCAL_MACHINE\\"))
		rest = key + 19;
	if (!rest) {
		*problem = "must start with HKLM\\ (HKEY_LOCAL_MACHINE): only machine settings are managed";
		return NULL;
	}
	if (!*rest) {
		*problem = "names no key under HKLM";
		return NULL;
	}
	size_t part = 0;
	for (const char *p = rest; *p; p++) {
		if (*p == '\\') {
			if (part == 0) {
				*problem = "has an empty part ('\\\\' or a trailing '\\')";
				return NULL;
			}
			part = 0;
			continue;
		}
		if ((unsigned char)*p < 0x20) {
			*problem = "has a control character";
			return NULL;
		}
		if (++part > 255) {
			*problem = "has a part longer than 255 characters, the Windows limit";
			return NULL;
		}
	}
	if (part == 0) {
		*problem = "has an empty part ('\\\\' or a trailing '\\')";
		return NULL;
	}
	return enf_asprintf("HKLM\\%s", rest); /* NULL without a problem: out of memory */
}

static int load_reg_data(loader *ld, const ynode *v, enf_reg_value *d)
{
	uint64_t u;
	switch (d->type) {
	case ENF_REG_DWORD:
	case ENF_REG_QWORD:
		if (ld_uint(ld, v, "data", d->type == ENF_REG_DWORD ? UINT32_MAX : UINT64_MAX, &u))
			return ENF_EINVALID;
		d->number = u;
		return 0;
	case ENF_REG_SZ:
	case ENF_REG_EXPAND_SZ:
		return ld_string(ld, v, "data", &d->text);
	case ENF_REG_MULTI_SZ:
		if (v->kind != YNODE_SEQ && v->kind != YNODE_INVALID) {
			ld_error(ld, v, "'data' for kind multi-sz must be a list of strings");
			return ENF_EINVALID;
		}
		if (ld_string_list(ld, v, "data", 0, &d->list, &d->count))
			return ENF_EINVALID;
		return 0;
	default: {
		char *hex = NULL;
		if (ld_string(ld, v, "data", &hex))
			return ENF_EINVALID;
		int rc = enf_unhex(&d->bytes, &d->size, hex);
		if (rc == ENF_ENOMEM)
			ld_oom(ld);
		else if (rc)
			ld_error(ld, v, "'data' for kind binary must be pairs of hex digits, e.g. \"01 ff 00\"; got '%s'",
				 hex);
		free(hex);
		return rc ? ENF_EINVALID : 0;
	}
	}
}

static int load_registry(loader *ld, const ynode *n, enf_res_registry *r)
{
	int rc = 0, idx = 0;
	const ynode *v;
	if ((v = ytree_get(n, "key"))) {
		char *key = NULL;
		if (ld_nonempty_string(ld, v, "key", &key)) {
			rc = ENF_EINVALID;
		} else {
			const char *problem = NULL;
			r->key = normalise_key(key, &problem);
			if (!r->key && !problem) {
				rc = ld_oom(ld);
			} else if (!r->key) {
				ld_error(ld, v, "registry key '%s' %s", key, problem);
				rc = ENF_EINVALID;
			}
			free(key);
		}
	}
	if ((v = ytree_get(n, "value"))) {
		if (v->kind == YNODE_SCALAR && v->plain && v->len == 0) {
			/* An empty plain value is null in YAML, not the empty name. */
			ld_error(ld, v, "'value' has no value; for the key's default value write value: \"\"");
			rc = ENF_EINVALID;
		} else if (ld_string(ld, v, "value", &r->value)) {
			rc = ENF_EINVALID;
		} else if (strlen(r->value) > 16383) {
			ld_error(ld, v, "'value' is longer than 16383 characters, the Windows limit");
			rc = ENF_EINVALID;
		}
	}
	if ((v = ytree_get(n, "ensure")) && ld_enum(ld, v, "ensure", ensures, &idx))
		rc = ENF_EINVALID;
	r->ensure = (enf_ensure)idx;
	const ynode *kind = ytree_get(n, "kind"), *data = ytree_get(n, "data");
	if (r->ensure == ENF_ENSURE_ABSENT) {
		if (kind)
			ld_error(ld, ytree_key(n, "kind"),
				 "'kind' does not go with ensure: absent (the value is deleted whatever its kind)");
		if (data)
			ld_error(ld, ytree_key(n, "data"), "'data' does not go with ensure: absent");
		return kind || data ? ENF_EINVALID : rc;
	}
	if (!kind || !data) {
		ld_error(ld, n, "a registry value with ensure: present needs %s",
			 !kind && !data ? "'kind' and 'data'" : !kind ? "'kind'" : "'data'");
		rc = ENF_EINVALID;
	}
	if (kind) {
		char *name = NULL;
		if (ld_nonempty_string(ld, kind, "kind", &name)) {
			return ENF_EINVALID;
		}
		if (enf_reg_kind_parse(&r->data.type, name)) {
			ld_error(ld, kind, "'kind' must be one of dword, qword, sz, expand-sz, multi-sz, binary; got '%s'",
				 name);
			free(name);
			return ENF_EINVALID;
		}
		free(name);
		if (data && load_reg_data(ld, data, &r->data))
			rc = ENF_EINVALID;
	}
	return rc;
}

/* Accounts that have no password the enforcer could set. */
static int account_is_passwordless(const char *a)
{
	static const char *const builtin[] = {
		"LocalSystem", "NT AUTHORITY\\SYSTEM", ".\\LocalSystem",
		"NetworkService", "NT AUTHORITY\\NetworkService", "NT AUTHORITY\\NETWORK SERVICE",
		"LocalService", "NT AUTHORITY\\LocalService", "NT AUTHORITY\\LOCAL SERVICE", NULL};
	for (size_t i = 0; builtin[i]; i++)
		if (enf_strcaseeq(a, builtin[i]))
			return 1;
	size_t len = strlen(a);
	if (len > 1 && a[len - 1] == '$')
		return 1; /* a (group) managed service account */
	return enf_starts_with_nocase(a, "NT SERVICE\\"); /* a virtual account */
}

static int load_password(loader *ld, const ynode *v, enf_res_service *s)
{
	/*
	 * What was written may be the secret itself, so no message here quotes
	 * the value, and it does not go through ld_string(), whose messages do
	 * ("123456 would be read as a number...").
	 */
	static const char usage[] =
		"'password' must be none, env:VARNAME or file:PATH; a password is never written in a policy";
	if (v->kind == YNODE_INVALID)
		return ENF_EINVALID;
	if (v->kind != YNODE_SCALAR || strlen(v->value) != v->len) {
		ld_error(ld, v, "%s", usage);
		return ENF_EINVALID;
	}
	const char *text = v->value;
	if (strcmp(text, "none") == 0) {
		s->password = ENF_PASSWORD_NONE;
		return 0;
	}
	if (strncmp(text, "env:", 4) == 0) {
		const char *name = text + 4;
		int ok = isalpha((unsigned char)*name) || *name == '_';
		for (const char *p = name; ok && *p; p++)
			ok = isalnum((unsigned char)*p) || *p == '_';
		if (!ok) {
			ld_error(ld, v, "'password: env:NAME' needs a variable name of letters, digits and '_', not starting with a digit");
			return ENF_EINVALID;
		}
		s->password = ENF_PASSWORD_ENV;
		s->password_ref = enf_strdup(name);
		return s->password_ref ? 0 : ld_oom(ld);
	}
	if (strncmp(text, "file:", 5) == 0 && text[5]) {
		s->password = ENF_PASSWORD_FILE;
		s->password_ref = enf_strdup(text + 5);
		return s->password_ref ? 0 : ld_oom(ld);
	}
	ld_error(ld, v, "%s", usage);
	return ENF_EINVALID;
}

/* Checks that the password setting fits the kind of account. */
static int check_logon_password(loader *ld, const ynode *logon, const ynode *password,
				const enf_res_service *s)
{
	int passwordless = account_is_passwordless(s->logon);
	if (passwordless && s->password != ENF_PASSWORD_NONE) {
		ld_error(ld, password,
			 "'%s' has no password the enforcer could set (a built-in or managed service account); write password: none or leave it out",
			 s->logon);
		return ENF_EINVALID;
	}
	if (!passwordless && !password) {
		ld_error(ld, logon,
			 "'%s' is a user account: add password: env:VARNAME or password: file:PATH to say where its password comes from",
			 s->logon);
		return ENF_EINVALID;
	}
	if (!passwordless && s->password == ENF_PASSWORD_NONE) {
		ld_error(ld, password,
			 "'%s' is a user account: password: none would clear its password and the service could not log on; use env:VARNAME or file:PATH",
			 s->logon);
		return ENF_EINVALID;
	}
	return 0;
}

static int load_service(loader *ld, const ynode *n, enf_res_service *s)
{
	static const char *const states[] = {"running", "stopped", NULL};
	int rc = 0, idx;
	const ynode *v;
	if ((v = ytree_get(n, "name"))) {
		if (ld_nonempty_string(ld, v, "name", &s->name)) {
			rc = ENF_EINVALID;
		} else if (strlen(s->name) > 256 || strpbrk(s->name, "/\\")) {
			ld_error(ld, v, "service name '%s' is not valid: at most 256 characters, no '/' or '\\'",
				 s->name);
			rc = ENF_EINVALID;
		}
	}
	const ynode *logon = ytree_get(n, "logon"), *password = ytree_get(n, "password");
	int logon_ok = 0, password_ok = 1;
	if (logon) {
		if (ld_nonempty_string(ld, logon, "logon", &s->logon)) {
			rc = ENF_EINVALID;
		} else if (account_problem(s->logon)) {
			ld_error(ld, logon, "logon account '%s' %s", s->logon, account_problem(s->logon));
			rc = ENF_EINVALID;
		} else {
			logon_ok = 1;
		}
	}
	if (password && load_password(ld, password, s)) {
		password_ok = 0;
		rc = ENF_EINVALID;
	}
	if (password && !logon) {
		ld_error(ld, ytree_key(n, "password"), "'password' goes with 'logon': name the account too");
		rc = ENF_EINVALID;
	}
	/* Independent of the checks above, so that every mistake is reported at once. */
	if (logon_ok && password_ok && check_logon_password(ld, logon, password, s))
		rc = ENF_EINVALID;
	if ((v = ytree_get(n, "startup"))) {
		static const char *const modes[] = {"automatic", "delayed-automatic", "manual",
						    "disabled", NULL};
		if (ld_enum(ld, v, "startup", modes, &idx))
			rc = ENF_EINVALID;
		else
			s->startup = (enf_startup)(ENF_STARTUP_AUTOMATIC + idx);
	}
	if ((v = ytree_get(n, "state"))) {
		if (ld_enum(ld, v, "state", states, &idx))
			rc = ENF_EINVALID;
		else
			s->state = idx == 0 ? ENF_SVC_RUNNING : ENF_SVC_STOPPED;
	}
	if (s->startup == ENF_STARTUP_DISABLED && s->state == ENF_SVC_RUNNING) {
		ld_error(ld, ytree_get(n, "state"), "a service with startup: disabled cannot be running");
		rc = ENF_EINVALID;
	}
	return rc;
}

static int load_restart(loader *ld, const ynode *n, enf_resource *res)
{
	enf_res_restart *r = &res->u.restart;
	int rc = 0;
	const ynode *v;
	if ((v = ytree_get(n, "reboot")) && ld_bool(ld, v, "reboot", &r->reboot))
		rc = ENF_EINVALID;
	if ((v = ytree_get(n, "services")) && v->kind != YNODE_INVALID) {
		if (v->kind != YNODE_SEQ) {
			ld_error(ld, v, "'services' must be a list of service names, in the order they start");
			rc = ENF_EINVALID;
		} else if (ld_string_list(ld, v, "services", 0, &r->services, &r->count)) {
			rc = ENF_EINVALID;
		} else {
			for (size_t i = 0; i < r->count; i++)
				for (size_t j = 0; j < i; j++)
					if (enf_strcaseeq(r->services[i], r->services[j])) {
						ld_error(ld, v->vals[i], "service '%s' is listed twice",
							 r->services[i]);
						rc = ENF_EINVALID;
					}
		}
	}
	if (!rc && r->count == 0 && !r->reboot) {
		ld_error(ld, ytree_get(n, "services") ? ytree_get(n, "services") : n,
			 "a restart resource needs 'services' (a non-empty list) or reboot: true");
		rc = ENF_EINVALID;
	}
	if (ytree_get(n, "notify")) {
		ld_error(ld, ytree_key(n, "notify"),
			 "a restart resource cannot notify: handlers run once, after everything that notified them");
		rc = ENF_EINVALID;
	}
	return rc;
}

int ld_resource_body(loader *ld, const ynode *map, enf_resource *res)
{
	switch (res->type) {
	case ENF_RES_CERTIFICATE:
		return load_certificate(ld, map, &res->u.cert);
	case ENF_RES_TRUST_STORE:
		return load_trust_store(ld, map, &res->u.trust);
	case ENF_RES_REGISTRY:
		return load_registry(ld, map, &res->u.reg);
	case ENF_RES_SERVICE:
		return load_service(ld, map, &res->u.svc);
	case ENF_RES_RESTART:
		return load_restart(ld, map, res);
	default:
		return ENF_EINVALID;
	}
}

void ld_resource_body_clear(enf_resource *res)
{
	switch (res->type) {
	case ENF_RES_CERTIFICATE:
		free(res->u.cert.file);
		for (size_t i = 0; i < res->u.cert.access_count; i++)
			free(res->u.cert.access[i].account);
		free(res->u.cert.access);
		break;
	case ENF_RES_TRUST_STORE:
		for (size_t i = 0; i < res->u.trust.allow_count; i++)
			free(res->u.trust.allow[i].file);
		free(res->u.trust.allow);
		break;
	case ENF_RES_REGISTRY:
		free(res->u.reg.key);
		free(res->u.reg.value);
		enf_reg_value_clear(&res->u.reg.data);
		break;
	case ENF_RES_SERVICE:
		free(res->u.svc.name);
		free(res->u.svc.logon);
		free(res->u.svc.password_ref);
		break;
	case ENF_RES_RESTART:
		ld_free_strings(res->u.restart.services, res->u.restart.count);
		break;
	default:
		break;
	}
}
