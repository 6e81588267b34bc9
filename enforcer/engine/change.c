/* Changes: making them, undoing them, and their journal records. */
#include "engine_int.h"

#include "enforcer/cert.h"
#include "enforcer/errors.h"
#include "provider/snapshot.h"
#include "util/util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

change *plan_add(res_plan *plan, change_kind kind, const char *fmt, ...)
{
	change *items = realloc(plan->changes, (plan->count + 1) * sizeof(change));
	if (!items)
		return NULL;
	plan->changes = items;
	change *c = &items[plan->count];
	memset(c, 0, sizeof(*c));
	va_list ap;
	va_start(ap, fmt);
	c->text = enf_vasprintf(fmt, ap);
	va_end(ap);
	if (!c->text)
		return NULL;
	c->kind = kind;
	plan->count++;
	return c;
}

void plan_fail(res_plan *plan, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = enf_vasprintf(fmt, ap);
	va_end(ap);
	free(plan->message);
	plan->message = msg;
	plan->failed = 1;
}

void plan_fail_last(res_plan *plan, const char *what)
{
	const enf_error *err = enf_error_last();
	plan_fail(plan, "%s: %s", what, err ? err->message : "unknown error");
}

void change_clear(change *c)
{
	free(c->text);
	free(c->key);
	free(c->name);
	enf_reg_value_clear(&c->old_value);
	enf_reg_value_clear(&c->new_value);
	free(c->service);
	free(c->old_logon);
	free(c->new_logon);
	free(c->der);
	free(c->account);
	free(c->old_sddl);
	free(c->new_sddl);
	memset(c, 0, sizeof(*c));
}

void res_plan_clear(res_plan *plan)
{
	json_decref(plan->before);
	json_decref(plan->after);
	for (size_t i = 0; i < plan->count; i++)
		change_clear(&plan->changes[i]);
	free(plan->changes);
	free(plan->message);
	memset(plan, 0, sizeof(*plan));
}

static int apply_service_config(engine *e, const change *c, const enf_resource *res)
{
	enf_service_change sc = {NULL, NULL, c->new_startup};
	char *secret = NULL;
	int rc = 0;
	if (c->new_logon) {
		sc.logon = c->new_logon;
		if (c->set_password && res) {
			if ((rc = secret_read(e, res, &secret)))
				return rc;
			sc.password = secret;
		} else if (c->set_password) {
			sc.password = ""; /* a rollback to a passwordless account */
		}
	}
	rc = e->p->svc_configure(e->self, c->service, &sc);
	secret_free(secret);
	return rc;
}

/*
 * A move adds to the destination and makes that durable before it removes
 * the source copy: a run killed in between leaves the certificate in both
 * stores, never in neither.
 */
static int apply_move(engine *e, const change *c)
{
	int rc = e->p->cert_add(e->self, c->dest, c->der, c->der_len);
	if (rc == 0 && e->p->commit)
		rc = e->p->commit(e->self);
	return rc ? rc : e->p->cert_remove(e->self, c->store, c->thumbprint);
}

static int load_store(engine *e, enf_store store)
{
	if (e->cert_cached[store])
		return 0;
	int rc = e->p->cert_list(&e->cert_cache[store], e->self, store);
	if (rc == 0)
		e->cert_cached[store] = 1;
	return rc;
}

int engine_cert_list(engine *e, enf_cert_list *out, enf_store store)
{
	int rc = load_store(e, store);
	if (rc)
		return rc;
	const enf_cert_list *src = &e->cert_cache[store];
	enf_cert_list copy = {0};
	copy.items = calloc(src->count ? src->count : 1, sizeof(enf_cert_entry));
	if (!copy.items)
		return enf_error_oom();
	for (size_t i = 0; i < src->count; i++) {
		copy.items[i] = src->items[i];
		copy.items[i].der = malloc(src->items[i].der_len ? src->items[i].der_len : 1);
		if (!copy.items[i].der) {
			enf_cert_list_clear(&copy);
			return enf_error_oom();
		}
		memcpy(copy.items[i].der, src->items[i].der, src->items[i].der_len);
		copy.count = i + 1;
	}
	*out = copy;
	return 0;
}

static void free_parsed(enf_cert **certs, size_t count)
{
	for (size_t i = 0; certs && i < count; i++)
		enf_cert_free(certs[i]);
	free(certs);
}

/*
 * Parsing is most of what a store costs (OpenSSL decodes every key and
 * verifies every self-signature), and every chain check looks at all of
 * Root and CA: each certificate is parsed once per cached list.
 */
int engine_cert_parsed(engine *e, enf_cert *const **out, size_t *count, enf_store store)
{
	int rc = load_store(e, store);
	const enf_cert_list *src = &e->cert_cache[store];
	enf_cert **certs = NULL;
	if (rc || e->cert_parsed[store])
		goto done;
	size_t n = src->count ? src->count : 1;
	const unsigned char **der = calloc(n, sizeof(*der));
	size_t *len = calloc(n, sizeof(*len));
	if (!(certs = calloc(n, sizeof(enf_cert *))) || !der || !len) {
		free(certs);
		free(der);
		free(len);
		rc = enf_error_oom();
		goto done;
	}
	for (size_t i = 0; i < src->count; i++) {
		der[i] = src->items[i].der;
		len[i] = src->items[i].der_len;
	}
	/* One OpenSSL cannot read stays NULL: it is reported, or is no issuer. */
	rc = enf_cert_from_der_list(certs, src->count, der, len);
	free(der);
	free(len);
	if (rc) {
		free_parsed(certs, src->count);
		goto done;
	}
	e->cert_parsed[store] = certs;
done:
	if (rc == 0) {
		*out = e->cert_parsed[store];
		*count = src->count;
	}
	return rc;
}

void engine_cert_cache_clear(engine *e)
{
	for (int s = 0; s < ENF_STORE__COUNT; s++) {
		free_parsed(e->cert_parsed[s], e->cert_cache[s].count);
		e->cert_parsed[s] = NULL;
		enf_cert_list_clear(&e->cert_cache[s]);
		e->cert_cached[s] = 0;
	}
}

int change_apply(engine *e, const change *c, const enf_resource *res)
{
	/* A certificate change (a grant changes no list, but is cheap to be safe about). */
	if (c->kind == CH_CERT_ADD || c->kind == CH_CERT_REMOVE || c->kind == CH_CERT_MOVE ||
	    c->kind == CH_KEY_GRANT || c->kind == CH_KEY_RESTORE)
		engine_cert_cache_clear(e);
	unsigned timeout = e->opts->service_timeout_ms ? e->opts->service_timeout_ms : 60000;
	switch (c->kind) {
	case CH_REG_SET:
		return e->p->reg_set(e->self, c->key, c->name, &c->new_value);
	case CH_REG_DELETE:
		return e->p->reg_delete(e->self, c->key, c->name);
	case CH_SVC_CONFIG:
		return apply_service_config(e, c, res);
	case CH_SVC_START:
		return e->p->svc_start(e->self, c->service, timeout);
	case CH_SVC_STOP:
		return e->p->svc_stop(e->self, c->service, timeout);
	case CH_CERT_ADD:
		return e->p->cert_add(e->self, c->store, c->der, c->der_len);
	case CH_CERT_REMOVE:
		return e->p->cert_remove(e->self, c->store, c->thumbprint);
	case CH_KEY_GRANT:
		return e->p->key_acl_grant(e->self, c->store, c->thumbprint, c->account, c->rights);
	case CH_KEY_RESTORE:
		return e->p->key_acl_restore(e->self, c->store, c->thumbprint, c->new_sddl);
	case CH_CERT_MOVE:
		return apply_move(e, c);
	}
	enf_error_set(ENF_ERRCLASS_STATE, "unknown change kind %d", (int)c->kind);
	return ENF_ERROR;
}

static int dup_or_null(char **out, const char *s)
{
	*out = NULL;
	if (s && !(*out = enf_strdup(s)))
		return ENF_ENOMEM;
	return 0;
}

static int invert_registry(engine *e, const change *c, change *out)
{
	enf_reg_value cur = {0};
	int rc = e->p->reg_get(&cur, e->self, c->key, c->name);
	int present = rc == 0;
	if (rc && rc != ENF_ENOTFOUND)
		return rc;
	const char *shown = *c->name ? c->name : "(default)";
	if (!c->had_old) {
		if (!present)
			return 0;
		out->kind = CH_REG_DELETE;
		out->text = enf_asprintf("delete %s\\%s (restoring: it did not exist)", c->key, shown);
	} else {
		if (present && enf_reg_value_equal(&cur, &c->old_value)) {
			enf_reg_value_clear(&cur);
			return 0;
		}
		char *old = enf_reg_value_describe(&c->old_value);
		out->kind = CH_REG_SET;
		out->text = enf_asprintf("restore %s\\%s = %s", c->key, shown, old ? old : "?");
		free(old);
		if (enf_reg_value_copy(&out->new_value, &c->old_value))
			rc = ENF_ENOMEM;
	}
	out->had_old = present;
	if (present)
		out->old_value = cur;
	else
		enf_reg_value_clear(&cur);
	if (dup_or_null(&out->key, c->key) || dup_or_null(&out->name, c->name) || !out->text)
		return ENF_ENOMEM;
	return rc == ENF_ENOTFOUND ? 0 : rc;
}

static int invert_service(engine *e, const change *c, change *out)
{
	enf_service_info cur = {0};
	int rc = e->p->svc_get(&cur, e->self, c->service);
	if (rc)
		return rc;
	out->new_startup = ENF_STARTUP_UNSET;
	out->old_startup = cur.startup;
	if (dup_or_null(&out->service, c->service)) {
		enf_service_info_clear(&cur);
		return ENF_ENOMEM;
	}
	if (c->kind == CH_SVC_START || c->kind == CH_SVC_STOP) {
		int running = cur.state == ENF_SVC_RUNNING;
		if (c->kind == CH_SVC_START && running) {
			out->kind = CH_SVC_STOP;
			out->text = enf_asprintf("stop %s (it was stopped)", c->service);
		} else if (c->kind == CH_SVC_STOP && !running) {
			out->kind = CH_SVC_START;
			out->text = enf_asprintf("start %s (it was running)", c->service);
		}
		enf_service_info_clear(&cur);
		return 0;
	}
	enf_buf b = ENF_BUF_INIT;
	out->kind = CH_SVC_CONFIG;
	/*
	 * The account as it was written, not only the same identity: an apply
	 * that re-applied "NetworkService" as "NT AUTHORITY\NETWORK SERVICE"
	 * changed what the service stores, and a rollback puts that back.
	 */
	if (c->old_logon && !enf_strcaseeq(cur.logon, c->old_logon)) {
		out->new_logon = enf_strdup(c->old_logon);
		out->old_logon = enf_strdup(cur.logon);
		/* Passwords are never journaled: a user account's must be entered again. */
		out->set_password = account_is_builtin(c->old_logon);
		enf_buf_printf(&b, "restore %s log-on %s -> %s%s", c->service, cur.logon,
			       c->old_logon,
			       out->set_password ? "" : " (its password was not journaled: enter it again in services.msc)");
	}
	if (c->old_startup != ENF_STARTUP_UNSET && c->new_startup != ENF_STARTUP_UNSET &&
	    cur.startup != c->old_startup) {
		out->new_startup = c->old_startup;
		enf_buf_printf(&b, "%srestore %s start mode %s -> %s", b.len ? ", " : "", c->service,
			       enf_startup_name(cur.startup), enf_startup_name(c->old_startup));
	}
	enf_service_info_clear(&cur);
	if (b.len)
		out->text = enf_buf_detach(&b);
	else
		enf_buf_clear(&b);
	return 0;
}

static int invert_cert(engine *e, const change *c, change *out)
{
	enf_cert_list list = {0};
	int rc = engine_cert_list(e, &list, c->store);
	if (rc)
		return rc;
	int present = 0;
	for (size_t i = 0; i < list.count; i++)
		present |= memcmp(list.items[i].thumbprint, c->thumbprint, 20) == 0;
	enf_cert_list_clear(&list);
	out->store = c->store;
	memcpy(out->thumbprint, c->thumbprint, 20);
	char *hex = enf_hex(c->thumbprint, 20, 1);
	if (c->kind == CH_CERT_ADD && present) {
		out->kind = CH_CERT_REMOVE;
		out->text = enf_asprintf("remove %s from %s (it was added)", hex ? hex : "?",
					 enf_store_name(c->store));
	} else if (c->kind == CH_CERT_REMOVE && !present) {
		out->kind = CH_CERT_ADD;
		out->text = enf_asprintf("add %s back to %s", hex ? hex : "?", enf_store_name(c->store));
	}
	free(hex);
	if (out->text && c->der) {
		out->der = malloc(c->der_len);
		if (!out->der)
			return ENF_ENOMEM;
		memcpy(out->der, c->der, c->der_len);
		out->der_len = c->der_len;
	}
	return 0;
}

static int cert_present(engine *e, enf_store store, const unsigned char thumbprint[20],
			int *present)
{
	enf_cert_list list = {0};
	int rc = engine_cert_list(e, &list, store);
	*present = 0;
	for (size_t i = 0; rc == 0 && i < list.count; i++)
		*present |= memcmp(list.items[i].thumbprint, thumbprint, 20) == 0;
	enf_cert_list_clear(&list);
	return rc;
}

/*
 * Undoing a move: the certificate goes back where it was, and leaves the
 * destination unless it was there before the move.
 */
static int invert_move(engine *e, const change *c, change *out)
{
	int in_src = 0, in_dest = 0;
	int rc = cert_present(e, c->store, c->thumbprint, &in_src);
	if (rc == 0)
		rc = cert_present(e, c->dest, c->thumbprint, &in_dest);
	if (rc)
		return rc;
	int added = in_dest && !c->dest_had;
	const char *src = enf_store_name(c->store), *dest = enf_store_name(c->dest);
	/* Named as the move was, so the rollback report reads against the apply's. */
	enf_cert *cert = NULL;
	char *hex = enf_hex(c->thumbprint, 20, 1);
	char *label = c->der && enf_cert_from_der(&cert, c->der, c->der_len) == 0
			      ? enf_asprintf("'%s' (%s)", enf_cert_info_get(cert)->name, hex ? hex : "?")
			      : enf_strdup(hex ? hex : "?");
	enf_cert_free(cert);
	enf_error_clear();
	memcpy(out->thumbprint, c->thumbprint, 20);
	if (!in_src && added) {
		out->kind = CH_CERT_MOVE;
		out->store = c->dest;
		out->dest = c->store;
		out->text = enf_asprintf("move %s back %s -> %s", label ? label : "?", dest, src);
	} else if (!in_src) {
		out->kind = CH_CERT_ADD;
		out->store = c->store;
		out->text = enf_asprintf("add %s back to %s", label ? label : "?", src);
	} else if (added) {
		out->kind = CH_CERT_REMOVE;
		out->store = c->dest;
		out->text = enf_asprintf("remove %s from %s (the move put it there)",
					 label ? label : "?", dest);
	}
	free(label);
	free(hex);
	if (out->text && c->der) {
		if (!(out->der = malloc(c->der_len)))
			return ENF_ENOMEM;
		memcpy(out->der, c->der, c->der_len);
		out->der_len = c->der_len;
	}
	return 0;
}

int change_inverse(engine *e, const change *c, change *out)
{
	memset(out, 0, sizeof(*out));
	switch (c->kind) {
	case CH_REG_SET:
	case CH_REG_DELETE:
		return invert_registry(e, c, out);
	case CH_SVC_CONFIG:
	case CH_SVC_START:
	case CH_SVC_STOP:
		return invert_service(e, c, out);
	case CH_CERT_ADD:
	case CH_CERT_REMOVE:
		return invert_cert(e, c, out);
	case CH_CERT_MOVE:
		return invert_move(e, c, out);
	case CH_KEY_GRANT:
	case CH_KEY_RESTORE:
		if (!c->old_sddl)
			return 0;
		out->kind = CH_KEY_RESTORE;
		out->store = c->store;
		memcpy(out->thumbprint, c->thumbprint, 20);
		out->new_sddl = enf_strdup(c->old_sddl);
		{
			enf_key_acl cur = {0};
			if (e->p->key_acl_get(&cur, e->self, c->store, c->thumbprint) == 0) {
				out->old_sddl = cur.sddl;
				cur.sddl = NULL;
			}
			enf_key_acl_clear(&cur);
		}
		/* Already as before the run: nothing to undo, so a second rollback changes nothing. */
		if (out->old_sddl && strcmp(out->old_sddl, c->old_sddl) == 0) {
			change_clear(out);
			return 0;
		}
		out->text = enf_asprintf("restore the private key's permissions in %s",
					 enf_store_name(c->store));
		return out->new_sddl && out->text ? 0 : ENF_ENOMEM;
	}
	return 0;
}
