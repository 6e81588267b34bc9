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

int cli_export_store(cli_exporter *x, enf_store store)
{
	enf_cert_list list = {0};
	int rc = x->target->provider->cert_list(&list, x->target->self, store);
	if (rc)
		return rc;
	const char *name = enf_store_name(store);
	enf_buf pb = ENF_BUF_INIT;
	cli_pw_slug(&pb, name, 20);
	enf_buf_puts(&pb, ".");
	char *prefix = enf_buf_detach(&pb); /* ids like root.3b1efd... */
	if (!prefix)
		rc = enf_error_oom();
	if (list.count == 0)
		enf_buf_printf(&x->w.out, "  # LocalMachine\\%s holds no certificates.\n", name);
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
			cli_pw_comment(&x->w, "  ", about ? about : info->subject);
			free(about);
		} else {
			enf_error_clear();
			cli_pw_comment(&x->w, "  ", "not a certificate OpenSSL can parse");
		}
		rc = cli_pw_resource_head(&x->w, "certificate", prefix, hex, "cert");
		if (rc == 0)
			enf_buf_printf(&x->w.out, "    store: %s\n    thumbprint: \"%s\"\n", name,
			               hex);
		/* A machine certificate: what it passes now, and who may use its key. */
		if (rc == 0 && cert && store == ENF_STORE_MY)
			rc = cli_export_my_extras(x, e, cert, store);
		enf_cert_free(cert);
		free(hex);
	}
	free(prefix);
	enf_cert_list_clear(&list);
	return rc;
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
		cli_pw_comment(&x->w, "  ", why ? why : "a value of another type: not exported");
		free(why);
	} else {
		/* The id: the key's last part (or two) and the value name, e.g.
		 * reg.schannel-enablesessionticket. */
		char *idname =
		    enf_asprintf("%s %s", key_tail(key, id_parts), *name ? name : "default");
		rc = idname ? cli_pw_resource_head(&x->w, "registry", "reg.", idname, "value")
		            : enf_error_oom();
		free(idname);
		if (rc == 0 && (rc = cli_pw_key_string(&x->w, "    ", "key", key)) == 0 &&
		    (rc = cli_pw_key_string(&x->w, "    ", "value", name)) == 0) {
			rc = cli_pw_reg_value(&x->w, &v);
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
		cli_pw_comment(&x->w, "  ", note ? note : "the key has no values");
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
		cli_pw_comment(&x->w, "  ", info.display_name);
	if ((rc = cli_pw_resource_head(&x->w, "service", "svc.", info.name, "service")) ||
	    (rc = cli_pw_key_string(&x->w, "    ", "name", info.name)) ||
	    (rc = cli_pw_key_string(&x->w, "    ", "logon", info.logon)))
		goto done;
	if (enf_account_is_builtin(info.logon)) {
		/* What a plan of `none` will say, so that the admin is not surprised. */
		if (info.password_stored == ENF_YES)
			enf_buf_puts(&x->w.out,
			             "    # a password is stored for this account, which has "
			             "none: password: none clears it (a plan shows that change)\n");
		else if (info.password_stored == ENF_UNKNOWN)
			enf_buf_puts(
			    &x->w.out,
			    "    # whether a password is stored for this account "
			    "cannot be read here: plan and apply need SYSTEM to check it\n");
		enf_buf_puts(&x->w.out, "    password: none\n");
	} else {
		char *var = password_variable(info.name);
		if (!var) {
			rc = enf_error_oom();
			goto done;
		}
		enf_buf_printf(&x->w.out,
		               "    # set %s to the account's password before apply\n"
		               "    password: \"env:%s\"\n",
		               var, var);
		free(var);
	}
	if (info.startup >= ENF_STARTUP_AUTOMATIC && info.startup <= ENF_STARTUP_DISABLED)
		enf_buf_printf(&x->w.out, "    startup: %s\n", enf_startup_name(info.startup));
	else
		enf_buf_printf(
		    &x->w.out,
		    "    # startup: %s is a driver's start mode, which a policy does not set\n",
		    enf_startup_name(info.startup));
	int running = info.state == ENF_SVC_RUNNING || info.state == ENF_SVC_START_PENDING;
	int stopped = info.state == ENF_SVC_STOPPED || info.state == ENF_SVC_STOP_PENDING;
	if (running && info.startup == ENF_STARTUP_DISABLED)
		enf_buf_puts(
		    &x->w.out,
		    "    # state: running (left out: a disabled service cannot be required to run)\n");
	else if (running || stopped)
		enf_buf_printf(&x->w.out, "    state: %s\n", running ? "running" : "stopped");
	else
		enf_buf_printf(&x->w.out,
		               "    # state: %s (left out: a policy says running or stopped)\n",
		               enf_svc_state_name(info.state));
done:
	enf_service_info_clear(&info);
	return rc;
}
