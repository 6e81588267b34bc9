/*
 * The type-specific keys of the resource types: the key lists of all five,
 * registry, service and restart here; certificate and trust-store in certs.c.
 */
#include "loader.h"

#include "../util/accounts.h"
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

/* The kind meant by Windows' spelling ("REG_DWORD", "REG_EXPAND_SZ", "DWORD"), or NULL. */
static const char *reg_kind_hint(const char *name)
{
	char want[16];
	size_t n = 0;
	if (enf_starts_with_nocase(name, "REG_"))
		name += 4;
	for (; *name && n + 1 < sizeof(want); name++)
		want[n++] = *name == '_' ? '-' : (char)tolower((unsigned char)*name);
	want[n] = '\0';
	uint32_t type;
	if (*name || enf_reg_kind_parse(&type, want))
		return NULL;
	return enf_reg_kind_name(type);
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
		for (size_t i = 0; i < v->count; i++) {
			const ynode *e = v->vals[i];
			if (e->kind == YNODE_SCALAR && e->len == 0 && !e->plain) {
				ld_error(ld, e, "a multi-sz entry cannot be empty: Windows reads an empty string as the end of the list");
				return ENF_EINVALID;
			}
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
			const char *hint = reg_kind_hint(name);
			ld_error(ld, kind, "'kind' must be one of dword, qword, sz, expand-sz, multi-sz, binary; got '%s'%s%s%s",
				 name, hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
			free(name);
			return ENF_EINVALID;
		}
		free(name);
		if (data && load_reg_data(ld, data, &r->data))
			rc = ENF_EINVALID;
	}
	return rc;
}

/* Why an account name cannot be right, or NULL. */
const char *ld_account_problem(const char *a)
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

/* The Service Control Manager's rule for a service name. */
static int check_service_name(loader *ld, const ynode *at, const char *name)
{
	if (strlen(name) <= 256 && !strpbrk(name, "/\\"))
		return 0;
	ld_error(ld, at, "service name '%s' is not valid: at most 256 characters, no '/' or '\\'",
		 name);
	return ENF_EINVALID;
}

/* Accounts that have no password the enforcer could set. */
static int account_is_passwordless(const char *a)
{
	return !enf_account_takes_password(a);
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
	if (strncmp(text, "file:", 5) == 0 && !text[5]) {
		ld_error(ld, v, "'password: file:PATH' needs the path of the file that holds the password");
		return ENF_EINVALID;
	}
	if (strncmp(text, "file:", 5) == 0) {
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
		} else if (check_service_name(ld, v, s->name)) {
			rc = ENF_EINVALID;
		}
	}
	const ynode *logon = ytree_get(n, "logon"), *password = ytree_get(n, "password");
	int logon_ok = 0, password_ok = 1;
	if (logon) {
		if (ld_nonempty_string(ld, logon, "logon", &s->logon)) {
			rc = ENF_EINVALID;
		} else if (ld_account_problem(s->logon)) {
			ld_error(ld, logon, "logon account '%s' %s", s->logon, ld_account_problem(s->logon));
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

typedef struct name_at {
	const char *name;
	size_t index;
} name_at;

/* Orders names as Windows compares service names (ASCII case-insensitive), then by place. */
static int cmp_name_at(const void *a, const void *b)
{
	const name_at *x = a, *y = b;
	const unsigned char *p = (const unsigned char *)x->name, *q = (const unsigned char *)y->name;
	for (; *p && tolower(*p) == tolower(*q); p++, q++)
		;
	if (tolower(*p) != tolower(*q))
		return tolower(*p) < tolower(*q) ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * Reports every service listed more than once, at each repeat. Sorted, not
 * compared pairwise: a list can hold a hundred thousand names in 1 MiB.
 */
static int check_unique_services(loader *ld, const ynode *list, const enf_res_restart *r)
{
	if (r->count < 2)
		return 0;
	name_at *names = malloc(r->count * sizeof(name_at));
	if (!names)
		return ld_oom(ld);
	for (size_t i = 0; i < r->count; i++)
		names[i] = (name_at){r->services[i], i};
	qsort(names, r->count, sizeof(name_at), cmp_name_at);
	int rc = 0;
	for (size_t i = 1; i < r->count; i++) {
		if (enf_strcaseeq(names[i].name, names[i - 1].name)) {
			ld_error(ld, list->vals[names[i].index], "service '%s' is listed more than once (service names ignore case)",
				 names[i].name);
			rc = ENF_EINVALID;
		}
	}
	free(names);
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
				if (check_service_name(ld, v->vals[i], r->services[i]))
					rc = ENF_EINVALID;
			if (check_unique_services(ld, v, r))
				rc = ENF_EINVALID;
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
		return ld_certificate(ld, map, &res->u.cert);
	case ENF_RES_TRUST_STORE:
		return ld_trust_store(ld, map, &res->u.trust);
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
