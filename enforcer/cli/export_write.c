/*
 * The resources `enforcer export` writes (export.h): every string is written
 * double-quoted with YAML escapes, so that text such as `no`, `0x10`, `"`,
 * `\` or a line separator reads back as exactly that text. Passwords are
 * never read, so never written: a user account's password is referred to as
 * an environment variable the admin sets.
 */
#include "export.h"

#include "enforcer/cert.h"
#include "enforcer/engine.h"
#include "enforcer/errors.h"
#include "enforcer/policy.h"

#include <stdlib.h>
#include <string.h>

void cli_exporter_clear(cli_exporter *x)
{
	for (size_t i = 0; i < x->id_count; i++)
		free(x->ids[i]);
	free(x->ids);
	x->ids = NULL;
	x->id_count = x->id_alloc = 0;
	enf_buf_clear(&x->out);
}

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
int cli_export_text(enf_buf *b, const char *s, int quoted)
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

int cli_export_string(cli_exporter *x, const char *indent, const char *key, const char *value)
{
	enf_buf_printf(&x->out, "%s%s: ", indent, key);
	if (cli_export_text(&x->out, value, 1)) {
		enf_error_set(ENF_ERRCLASS_INVALID, "the %s is not valid UTF-8 text", key);
		return ENF_EINVALID;
	}
	enf_buf_puts(&x->out, "\n");
	return 0;
}

void cli_export_comment(cli_exporter *x, const char *indent, const char *text)
{
	enf_buf_printf(&x->out, "%s# ", indent);
	if (cli_export_text(&x->out, text, 0))
		enf_buf_puts(&x->out, "(not UTF-8)");
	enf_buf_puts(&x->out, "\n");
}

/* [a-z0-9] runs of `s` joined by '-', at most `max` characters. */
void cli_export_slug(enf_buf *b, const char *s, size_t max)
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
int cli_export_head(cli_exporter *x, const char *type, const char *prefix, const char *name,
                    const char *fallback)
{
	enf_buf id = ENF_BUF_INIT;
	enf_buf_puts(&id, prefix);
	size_t before = id.len;
	cli_export_slug(&id, name, 96);
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

int cli_export_store(cli_exporter *x, enf_store store)
{
	enf_cert_list list = {0};
	int rc = x->target->provider->cert_list(&list, x->target->self, store);
	if (rc)
		return rc;
	const char *name = enf_store_name(store);
	enf_buf pb = ENF_BUF_INIT;
	cli_export_slug(&pb, name, 20);
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
			cli_export_comment(x, "  ", about ? about : info->subject);
			free(about);
			enf_cert_free(cert);
		} else {
			enf_error_clear();
			cli_export_comment(x, "  ", "not a certificate OpenSSL can parse");
		}
		rc = cli_export_head(x, "certificate", prefix, hex, "cert");
		if (rc == 0)
			enf_buf_printf(&x->out, "    store: %s\n    thumbprint: \"%s\"\n", name,
			               hex);
		free(hex);
	}
	free(prefix);
	enf_cert_list_clear(&list);
	return rc;
}

static int put_reg_data(cli_exporter *x, const enf_reg_value *v)
{
	switch (v->type) {
	case ENF_REG_DWORD:
	case ENF_REG_QWORD:
		/* Unsigned decimal: 0xFFFFFFFF is 4294967295, never -1. */
		enf_buf_printf(&x->out, "    data: %llu\n", (unsigned long long)v->number);
		return 0;
	case ENF_REG_SZ:
	case ENF_REG_EXPAND_SZ:
		return cli_export_string(x, "    ", "data", v->text ? v->text : "");
	case ENF_REG_MULTI_SZ:
		if (v->count == 0) {
			enf_buf_puts(&x->out, "    data: []\n");
			return 0;
		}
		enf_buf_puts(&x->out, "    data:\n");
		for (size_t i = 0; i < v->count; i++) {
			enf_buf_puts(&x->out, "      - ");
			if (cli_export_text(&x->out, v->list[i], 1)) {
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

/* The start of the key's last `parts` parts, for ids: "TLS 1.0\\Server" of ...\\TLS 1.0\\Server. */
static const char *key_tail(const char *key, int parts)
{
	const char *tail = key + strlen(key);
	while (parts-- > 0) {
		while (tail > key && tail[-1] != '\\')
			tail--;
		if (parts > 0 && tail > key)
			tail--;
	}
	return tail;
}

static int export_value(cli_exporter *x, const char *key, int id_parts, const char *name)
{
	enf_reg_value v = {0};
	int rc = x->target->provider->reg_get(&v, x->target->self, key, name);
	if (rc)
		return rc;
	const char *kind = enf_reg_kind_name(v.type);
	if (!kind) {
		char *why = enf_asprintf(
		    "value \"%s\" has registry type %lu, which a v1 policy has no kind for: not exported",
		    name, (unsigned long)v.type);
		cli_export_comment(x, "  ", why ? why : "a value of another type: not exported");
		free(why);
	} else {
		/* The id: the key's last part (or two) and the value name, e.g.
		 * reg.schannel-enablesessionticket. */
		char *idname =
		    enf_asprintf("%s %s", key_tail(key, id_parts), *name ? name : "default");
		rc = idname ? cli_export_head(x, "registry", "reg.", idname, "value")
		            : enf_error_oom();
		free(idname);
		if (rc == 0 && (rc = cli_export_string(x, "    ", "key", key)) == 0 &&
		    (rc = cli_export_string(x, "    ", "value", name)) == 0) {
			enf_buf_printf(&x->out, "    kind: %s\n", kind);
			rc = put_reg_data(x, &v);
		}
	}
	enf_reg_value_clear(&v);
	return rc;
}

int cli_export_key(cli_exporter *x, const char *key, int id_parts, int missing_ok)
{
	char **names = NULL;
	size_t count = 0;
	if (!x->target->provider->reg_values) {
		enf_error_set(ENF_ERRCLASS_INVALID, "the %s target cannot list registry values",
		              x->target->provider->name);
		return ENF_EUNSUPPORTED;
	}
	int rc = x->target->provider->reg_values(&names, &count, x->target->self, key);
	if (rc == ENF_ENOTFOUND && missing_ok) {
		enf_error_clear();
		return 0;
	}
	if (rc)
		return rc;
	/* Sorted, case-insensitively as the registry compares names, for a stable file. */
	qsort(names, count, sizeof(char *), cmp_nocase);
	if (count == 0) {
		char *note = enf_asprintf("%s has no values", key);
		cli_export_comment(x, "  ", note ? note : "the key has no values");
		free(note);
	}
	for (size_t i = 0; i < count && rc == 0; i++)
		rc = export_value(x, key, id_parts, names[i]);
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

int cli_export_service(cli_exporter *x, const char *name)
{
	enf_service_info info = {0};
	int rc = x->target->provider->svc_get(&info, x->target->self, name);
	if (rc)
		return rc;
	if (info.display_name && *info.display_name && strcmp(info.display_name, info.name) != 0)
		cli_export_comment(x, "  ", info.display_name);
	if ((rc = cli_export_head(x, "service", "svc.", info.name, "service")) ||
	    (rc = cli_export_string(x, "    ", "name", info.name)) ||
	    (rc = cli_export_string(x, "    ", "logon", info.logon)))
		goto done;
	if (enf_account_is_builtin(info.logon)) {
		/* What a plan of `none` will say, so that the admin is not surprised. */
		if (info.password_stored == ENF_YES)
			enf_buf_puts(&x->out,
			             "    # a password is stored for this account, which has "
			             "none: password: none clears it (a plan shows that change)\n");
		else if (info.password_stored == ENF_UNKNOWN)
			enf_buf_puts(
			    &x->out,
			    "    # whether a password is stored for this account "
			    "cannot be read here: plan and apply need SYSTEM to check it\n");
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
