/*
 * enforcer export: the current state of what is selected, written as a v1
 * policy, to start a policy from a server that is known to be good.
 *
 * Every string is written double-quoted with YAML escapes, so that text such
 * as `no`, `0x10`, `"`, `\` or a line separator reads back as exactly that
 * text; the result is loaded with the real policy loader before it is
 * printed, so export never prints a policy that `enforcer validate` rejects.
 * Passwords are never read, so never written: a user account's password is
 * referred to as an environment variable the admin sets.
 */
#include "cli.h"

#include "enforcer/cert.h"
#include "enforcer/engine.h"
#include "enforcer/errors.h"
#include "enforcer/policy.h"
#include "enforcer/provider.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

const char cmd_export_usage[] =
    "usage: enforcer export [--target local|snapshot:FILE] [--store STORE]...\n"
    "                       [--key HKLM\\PATH]... [--service NAME]... [--name NAME]\n\n"
    "Writes the current state of what is selected as a v1 policy on standard\n"
    "output, to start a policy from a server that is right:\n"
    "  --store STORE     every certificate of a LocalMachine store (Root, CA, My,\n"
    "                    TrustedPeople, TrustedPublisher, Disallowed), by thumbprint\n"
    "  --key HKLM\\PATH   every value of that registry key (not its subkeys), with\n"
    "                    its kind and data\n"
    "  --service NAME    the service's log-on account, startup and state\n"
    "Each may be given several times. Passwords are never exported: a user\n"
    "account's password is written as password: env:VAR, a variable to set\n"
    "before apply. Review the result before committing it.\n\n"
    "Options:\n"
    "  --target local|snapshot:FILE  the machine itself (default), or a state file\n"
    "  --name NAME                   the policy's name (default: exported-HOST)\n\n"
    "Exit status: 0 written, 1 usage error or the target cannot be opened,\n"
    "4 something selected could not be read (nothing is written).\n";

#define MAX_SELECTED 1000

typedef struct exporter {
	enf_target *target;
	enf_buf out;
	char **ids; /* every id written, to keep them unique */
	size_t id_count, id_alloc;
} exporter;

/* Decodes one UTF-8 character; 0 on a malformed sequence. */
static size_t utf8_char(const unsigned char *p, uint32_t *cp)
{
	size_t n = p[0] < 0x80             ? 1
	           : (p[0] & 0xE0) == 0xC0 ? 2
	           : (p[0] & 0xF0) == 0xE0 ? 3
	           : (p[0] & 0xF8) == 0xF0 ? 4
	                                   : 0;
	if (n == 0)
		return 0;
	*cp = n == 1 ? p[0] : (uint32_t)(p[0] & (0x7F >> n));
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (p[i] & 0x3F);
	}
	return n;
}

/*
 * Appends `s` for a double-quoted YAML scalar (or, with quoted 0, for a
 * comment): backslash and quote escaped, and every character YAML would not
 * read back as itself written as an escape: controls, DEL, C1 controls (NEL
 * among them), the line and paragraph separators, the BOM and non-characters.
 * Returns -1 on bytes that are not UTF-8.
 */
static int put_text(enf_buf *b, const char *s, int quoted)
{
	if (quoted)
		enf_buf_puts(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		uint32_t cp = 0;
		size_t n = utf8_char(p, &cp);
		if (n == 0)
			return -1;
		if (quoted && (cp == '"' || cp == '\\'))
			enf_buf_printf(b, "\\%c", (char)cp);
		else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
			enf_buf_printf(b, "\\x%02X", (unsigned)cp);
		else if (cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF || cp == 0xFFFE ||
		         cp == 0xFFFF)
			enf_buf_printf(b, "\\u%04X", (unsigned)cp);
		else
			enf_buf_put(b, p, n);
		p += n;
	}
	if (quoted)
		enf_buf_puts(b, "\"");
	return 0;
}

static int put_key_string(exporter *x, const char *indent, const char *key, const char *value)
{
	enf_buf_printf(&x->out, "%s%s: ", indent, key);
	if (put_text(&x->out, value, 1)) {
		enf_error_set(ENF_ERRCLASS_INVALID, "the %s is not valid UTF-8 text", key);
		return ENF_EINVALID;
	}
	enf_buf_puts(&x->out, "\n");
	return 0;
}

static void put_comment(exporter *x, const char *indent, const char *text)
{
	enf_buf_printf(&x->out, "%s# ", indent);
	if (put_text(&x->out, text, 0))
		enf_buf_puts(&x->out, "(not UTF-8)");
	enf_buf_puts(&x->out, "\n");
}

/* [a-z0-9] runs of `s` joined by '-', at most `max` characters. */
static void slug(enf_buf *b, const char *s, size_t max)
{
	size_t start = b->len;
	int dash = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && b->len - start < max; p++) {
		unsigned char c = *p >= 'A' && *p <= 'Z' ? (unsigned char)(*p + 32) : *p;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (dash && b->len > start)
				enf_buf_puts(b, "-");
			enf_buf_put(b, &c, 1);
			dash = 0;
		} else {
			dash = 1;
		}
	}
}

/* Writes "  - type: TYPE\n    id: ID\n" with an id made unique from prefix and name. */
static int put_resource_head(exporter *x, const char *type, const char *prefix, const char *name,
                             const char *fallback)
{
	enf_buf id = ENF_BUF_INIT;
	enf_buf_puts(&id, prefix);
	size_t before = id.len;
	slug(&id, name, 96);
	if (id.len == before)
		enf_buf_puts(&id, fallback);
	char *base = enf_buf_detach(&id);
	char *unique = base ? enf_strdup(base) : NULL;
	for (unsigned n = 2; unique; n++) {
		int taken = 0;
		for (size_t i = 0; i < x->id_count && !taken; i++)
			taken = strcmp(x->ids[i], unique) == 0;
		if (!taken)
			break;
		free(unique);
		unique = enf_asprintf("%s-%u", base, n);
	}
	free(base);
	if (!unique || enf_grow((void **)&x->ids, &x->id_alloc, x->id_count + 1, sizeof(char *))) {
		free(unique);
		return enf_error_oom();
	}
	x->ids[x->id_count++] = unique;
	enf_buf_printf(&x->out, "  - type: %s\n    id: %s\n", type, unique);
	return 0;
}

static int export_store(exporter *x, enf_store store)
{
	enf_cert_list list = {0};
	int rc = x->target->provider->cert_list(&list, x->target->self, store);
	if (rc)
		return rc;
	const char *name = enf_store_name(store);
	enf_buf pb = ENF_BUF_INIT;
	slug(&pb, name, 20);
	enf_buf_puts(&pb, ".");
	char *prefix = enf_buf_detach(&pb); /* ids like root.3b1efd... */
	if (!prefix)
		rc = enf_error_oom();
	if (list.count == 0)
		enf_buf_printf(&x->out, "  # LocalMachine\\%s holds no certificates.\n", name);
	for (size_t i = 0; i < list.count && rc == 0; i++) {
		const enf_cert_entry *e = &list.items[i];
		/* A certificate in two physical stores of one system store is listed twice. */
		int seen = 0;
		for (size_t j = 0; j < i; j++)
			seen |= memcmp(list.items[j].thumbprint, e->thumbprint, 20) == 0;
		if (seen)
			continue;
		char *hex = enf_hex(e->thumbprint, 20, 1);
		if (!hex) {
			rc = enf_error_oom();
			break;
		}
		enf_cert *cert = NULL;
		if (enf_cert_from_der(&cert, e->der, e->der_len) == 0) {
			const enf_cert_info *info = enf_cert_info_get(cert);
			char *about =
			    enf_asprintf("%s, valid until %s", info->subject, info->not_after_iso);
			put_comment(x, "  ", about ? about : info->subject);
			free(about);
			enf_cert_free(cert);
		} else {
			enf_error_clear();
			put_comment(x, "  ", "not a certificate OpenSSL can parse");
		}
		rc = put_resource_head(x, "certificate", prefix, hex, "cert");
		if (rc == 0)
			enf_buf_printf(&x->out, "    store: %s\n    thumbprint: \"%s\"\n", name,
			               hex);
		free(hex);
	}
	free(prefix);
	enf_cert_list_clear(&list);
	return rc;
}

static int put_reg_data(exporter *x, const enf_reg_value *v)
{
	switch (v->type) {
	case ENF_REG_DWORD:
	case ENF_REG_QWORD:
		/* Unsigned decimal: 0xFFFFFFFF is 4294967295, never -1. */
		enf_buf_printf(&x->out, "    data: %llu\n", (unsigned long long)v->number);
		return 0;
	case ENF_REG_SZ:
	case ENF_REG_EXPAND_SZ:
		return put_key_string(x, "    ", "data", v->text ? v->text : "");
	case ENF_REG_MULTI_SZ:
		if (v->count == 0) {
			enf_buf_puts(&x->out, "    data: []\n");
			return 0;
		}
		enf_buf_puts(&x->out, "    data:\n");
		for (size_t i = 0; i < v->count; i++) {
			enf_buf_puts(&x->out, "      - ");
			if (put_text(&x->out, v->list[i], 1)) {
				enf_error_set(ENF_ERRCLASS_INVALID,
				              "a multi-sz string is not valid UTF-8 text");
				return ENF_EINVALID;
			}
			enf_buf_puts(&x->out, "\n");
		}
		return 0;
	default: {
		char *hex = enf_hex(v->bytes, v->size, 0);
		if (!hex)
			return enf_error_oom();
		enf_buf_printf(&x->out, "    data: \"%s\"\n", hex);
		free(hex);
		return 0;
	}
	}
}

static int cmp_nocase(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	for (;; x++, y++) {
		int cx = (unsigned char)*x, cy = (unsigned char)*y;
		cx = cx >= 'A' && cx <= 'Z' ? cx + 32 : cx;
		cy = cy >= 'A' && cy <= 'Z' ? cy + 32 : cy;
		if (cx != cy || !cx)
			return cx - cy;
	}
}

static int export_value(exporter *x, const char *key, const char *name)
{
	enf_reg_value v = {0};
	int rc = x->target->provider->reg_get(&v, x->target->self, key, name);
	if (rc)
		return rc;
	const char *kind = enf_reg_kind_name(v.type);
	const char *last = strrchr(key, '\\');
	/* A type with no kind, or bytes that hold more than their text: no policy writes them. */
	if (!kind || enf_reg_value_hides_bytes(&v)) {
		char *why =
		    !kind
		        ? enf_asprintf(
		              "value \"%s\" has registry type %lu, which a v1 policy has no kind for: not exported",
		              name, (unsigned long)v.type)
		        : enf_asprintf(
		              "value \"%s\" is stored as %zu bytes that its %s reading does not show (an embedded NUL, an empty string inside a list, extra bytes): not exported",
		              name, v.size, kind);
		put_comment(x, "  ", why ? why : "a value of another type: not exported");
		free(why);
	} else {
		/* The id: the key's last part and the value name, e.g.
		 * reg.schannel-enablesessionticket. */
		char *idname =
		    enf_asprintf("%s %s", last ? last + 1 : key, *name ? name : "default");
		rc = idname ? put_resource_head(x, "registry", "reg.", idname, "value")
		            : enf_error_oom();
		free(idname);
		if (rc == 0 && (rc = put_key_string(x, "    ", "key", key)) == 0 &&
		    (rc = put_key_string(x, "    ", "value", name)) == 0) {
			enf_buf_printf(&x->out, "    kind: %s\n", kind);
			rc = put_reg_data(x, &v);
		}
	}
	enf_reg_value_clear(&v);
	return rc;
}

static int export_key(exporter *x, const char *key)
{
	char **names = NULL;
	size_t count = 0;
	if (!x->target->provider->reg_values) {
		enf_error_set(ENF_ERRCLASS_INVALID, "the %s target cannot list registry values",
		              x->target->provider->name);
		return ENF_EUNSUPPORTED;
	}
	int rc = x->target->provider->reg_values(&names, &count, x->target->self, key);
	if (rc)
		return rc;
	/* Sorted, case-insensitively as the registry compares names, for a stable file. */
	qsort(names, count, sizeof(char *), cmp_nocase);
	if (count == 0) {
		char *note = enf_asprintf("%s has no values", key);
		put_comment(x, "  ", note ? note : "the key has no values");
		free(note);
	}
	for (size_t i = 0; i < count && rc == 0; i++)
		rc = export_value(x, key, names[i]);
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* "RTCSRV" -> "ENFORCER_PASSWORD_RTCSRV": a variable name for env:. */
static char *password_variable(const char *service)
{
	enf_buf b = ENF_BUF_INIT;
	enf_buf_puts(&b, "ENFORCER_PASSWORD_");
	for (const unsigned char *p = (const unsigned char *)service; *p && b.len < 120; p++) {
		char c = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		enf_buf_put(&b, (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? &c : "_", 1);
	}
	return enf_buf_detach(&b);
}

static int export_service(exporter *x, const char *name)
{
	enf_service_info info = {0};
	int rc = x->target->provider->svc_get(&info, x->target->self, name);
	if (rc)
		return rc;
	if (info.display_name && *info.display_name && strcmp(info.display_name, info.name) != 0)
		put_comment(x, "  ", info.display_name);
	if ((rc = put_resource_head(x, "service", "svc.", info.name, "service")) ||
	    (rc = put_key_string(x, "    ", "name", info.name)) ||
	    (rc = put_key_string(x, "    ", "logon", info.logon)))
		goto done;
	if (enf_account_is_builtin(info.logon)) {
		enf_buf_puts(&x->out, "    password: none\n");
	} else {
		char *var = password_variable(info.name);
		if (!var) {
			rc = enf_error_oom();
			goto done;
		}
		enf_buf_printf(&x->out,
		               "    # set %s to the account's password before apply\n"
		               "    password: \"env:%s\"\n",
		               var, var);
		free(var);
	}
	if (info.startup >= ENF_STARTUP_AUTOMATIC && info.startup <= ENF_STARTUP_DISABLED)
		enf_buf_printf(&x->out, "    startup: %s\n", enf_startup_name(info.startup));
	else
		enf_buf_printf(
		    &x->out,
		    "    # startup: %s is a driver's start mode, which a policy does not set\n",
		    enf_startup_name(info.startup));
	int running = info.state == ENF_SVC_RUNNING || info.state == ENF_SVC_START_PENDING;
	int stopped = info.state == ENF_SVC_STOPPED || info.state == ENF_SVC_STOP_PENDING;
	if (running && info.startup == ENF_STARTUP_DISABLED)
		enf_buf_puts(
		    &x->out,
		    "    # state: running (left out: a disabled service cannot be required to run)\n");
	else if (running || stopped)
		enf_buf_printf(&x->out, "    state: %s\n", running ? "running" : "stopped");
	else
		enf_buf_printf(&x->out,
		               "    # state: %s (left out: a policy says running or stopped)\n",
		               enf_svc_state_name(info.state));
done:
	enf_service_info_clear(&info);
	return rc;
}

/* "HKLM\A\B" from "HKLM\A\B" or "HKEY_LOCAL_MACHINE\A\B"; NULL when a policy could not name it. */
static char *normal_key(const char *key)
{
	const char *rest = enf_starts_with_nocase(key, "HKLM\\")                 ? key + 5
	                   : enf_starts_with_nocase(key, "HKEY_LOCAL_MACHINE\\") ? key + 19
	                                                                         : NULL;
	if (!rest || !*rest || rest[strlen(rest) - 1] == '\\' || strstr(rest, "\\\\") ||
	    *rest == '\\')
		return NULL;
	for (const unsigned char *p = (const unsigned char *)rest; *p; p++)
		if (*p < 0x20)
			return NULL;
	return enf_asprintf("HKLM\\%s", rest);
}

/* A policy name: [a-z0-9][a-z0-9-]*, as the loader wants it. */
static int valid_name(const char *n)
{
	if (!*n || strlen(n) > 64 || *n == '-')
		return 0;
	for (; *n; n++)
		if (!((*n >= 'a' && *n <= 'z') || (*n >= '0' && *n <= '9') || *n == '-'))
			return 0;
	return 1;
}

/* The policy name for a host: "exported-edge01". */
static char *default_name(const char *host)
{
	enf_buf b = ENF_BUF_INIT;
	enf_buf_puts(&b, "exported");
	size_t before = b.len;
	enf_buf_puts(&b, "-");
	slug(&b, host ? host : "", 40);
	if (b.len == before + 1)
		b.len = before; /* a host name without a usable character */
	b.ptr[b.len] = '\0';
	return enf_buf_detach(&b);
}

/* Loads the written policy with the real loader: export never prints what validate rejects. */
static int check_policy(const char *text, size_t len)
{
	enf_diag_list diags;
	enf_policy *policy = NULL;
	if (enf_diag_list_init(&diags, "(export)"))
		return enf_error_oom();
	int rc = enf_policy_load_buffer(&policy, &diags, "(export)", text, len);
	for (size_t i = 0; rc && i < diags.count; i++) {
		char *line = enf_diag_format(&diags, &diags.items[i]);
		fprintf(stderr, "%s\n", line ? line : diags.items[i].message);
		free(line);
	}
	enf_policy_free(policy);
	enf_diag_list_clear(&diags);
	if (rc)
		enf_error_set(
		    ENF_ERRCLASS_POLICY,
		    "internal error: the exported policy does not validate (a bug: please report it with the lines above)");
	return rc;
}

typedef struct selection {
	const char *target;
	const char *name;
	enf_store stores[MAX_SELECTED];
	size_t store_count;
	char *keys[MAX_SELECTED];
	size_t key_count;
	const char *services[MAX_SELECTED];
	size_t service_count;
} selection;

static int parse_args(selection *sel, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int takes = strcmp(a, "--target") == 0 || strcmp(a, "--store") == 0 ||
		            strcmp(a, "--key") == 0 || strcmp(a, "--service") == 0 ||
		            strcmp(a, "--name") == 0;
		if (!takes) {
			cli_usage_error("export", "unexpected argument '%s'", a);
			return -1;
		}
		if (i + 1 >= argc) {
			cli_usage_error("export", "%s needs a value", a);
			return -1;
		}
		const char *v = argv[++i];
		if (sel->store_count + sel->key_count + sel->service_count >= MAX_SELECTED) {
			cli_usage_error("export", "at most %d selections at once", MAX_SELECTED);
			return -1;
		}
		if (strcmp(a, "--target") == 0) {
			sel->target = v;
		} else if (strcmp(a, "--name") == 0) {
			if (!valid_name(v)) {
				cli_usage_error(
				    "export",
				    "invalid policy name '%s': use lower-case letters, digits and '-', starting with a letter or digit",
				    v);
				return -1;
			}
			sel->name = v;
		} else if (strcmp(a, "--store") == 0) {
			if (enf_store_parse(&sel->stores[sel->store_count], v)) {
				cli_usage_error(
				    "export",
				    "'%s' is not a store: use Root, CA, My, TrustedPeople, TrustedPublisher or Disallowed",
				    v);
				return -1;
			}
			sel->store_count++;
		} else if (strcmp(a, "--key") == 0) {
			if (!(sel->keys[sel->key_count] = normal_key(v))) {
				cli_usage_error(
				    "export",
				    "'%s' is not a registry key under HKLM\\ (no empty parts, no trailing '\\')",
				    v);
				return -1;
			}
			sel->key_count++;
		} else {
			sel->services[sel->service_count++] = v;
		}
	}
	if (sel->store_count + sel->key_count + sel->service_count == 0) {
		cli_usage_error(
		    "export",
		    "name what to export: --store STORE, --key HKLM\\PATH or --service NAME");
		return -1;
	}
	return 0;
}

int cmd_export(int argc, char **argv)
{
	selection sel;
	exporter x = {NULL, ENF_BUF_INIT, NULL, 0, 0};
	enf_facts facts = {0};
	char *name = NULL;
	int exit_code = CLI_EXIT_ERROR, rc = 0;
	memset(&sel, 0, sizeof(sel));
	sel.target = "local";
	if (parse_args(&sel, argc, argv))
		goto done;
	if (enf_target_open(&x.target, sel.target)) {
		cli_print_last_error(NULL);
		goto done;
	}
	if (x.target->provider->facts && x.target->provider->facts(&facts, x.target->self))
		enf_error_clear(); /* the host name is only for the header */
	const char *host = enf_facts_get(&facts, "host.name");
	name = sel.name ? enf_strdup(sel.name) : default_name(host);
	char *origin = enf_asprintf("%s (host %s)", sel.target, host ? host : "unknown");
	if (!name || !origin) {
		free(origin);
		fprintf(stderr, "enforcer: out of memory\n");
		goto done;
	}
	enf_buf_printf(&x.out, "# Exported by enforcer %s from ", ENF_VERSION);
	put_text(&x.out, origin, 0);
	enf_buf_puts(&x.out,
	             ".\n# Review it before use. Passwords are never exported.\nenforcer: 1\n");
	enf_buf_printf(&x.out, "name: \"%s\"\n", name);
	char *description = enf_asprintf("The state of %s when it was exported", origin);
	free(origin);
	rc = description ? put_key_string(&x, "", "description", description) : enf_error_oom();
	free(description);
	enf_buf_puts(&x.out, "resources:\n");
	for (size_t i = 0; rc == 0 && i < sel.store_count; i++)
		rc = export_store(&x, sel.stores[i]);
	for (size_t i = 0; rc == 0 && i < sel.key_count; i++)
		rc = export_key(&x, sel.keys[i]);
	for (size_t i = 0; rc == 0 && i < sel.service_count; i++)
		rc = export_service(&x, sel.services[i]);
	if (rc == 0 && x.id_count == 0)
		enf_buf_puts(&x.out, "  []\n"); /* only comments so far: an empty list, not null */
	if (rc == 0 && x.out.failed)
		rc = enf_error_oom();
	if (rc) {
		cli_print_last_error("cannot export");
		exit_code = rc == ENF_ENOMEM ? CLI_EXIT_ERROR : CLI_EXIT_FAILURES;
		goto done;
	}
	if (check_policy(x.out.ptr, x.out.len)) {
		cli_print_last_error(NULL);
		goto done;
	}
	fputs(x.out.ptr, stdout);
	fflush(stdout);
	exit_code = CLI_EXIT_OK;
done:
	for (size_t i = 0; i < x.id_count; i++)
		free(x.ids[i]);
	free(x.ids);
	for (size_t i = 0; i < sel.key_count; i++)
		free(sel.keys[i]);
	enf_buf_clear(&x.out);
	enf_facts_clear(&facts);
	enf_target_close(x.target);
	free(name);
	return exit_code;
}
