/*
 * `enforcer export --store My` (export.h): a machine certificate is written
 * with what it passes now, so that a plan of the export on the same server
 * changes nothing and the server is told when that stops being so:
 * `require:` with `chain: trusted` when its chain builds and verifies now,
 * the EKU purposes a policy names that it has, `private-key: true` when it
 * has one, and `warn-days: 30` with its expiry and days left (a warning,
 * never a failure: a certificate must not start failing the night after
 * its export); and `private-key-access:` with the accounts that hold read
 * or full access to its key, other than SYSTEM and Administrators, which
 * hold it on every key.
 */
#include "export.h"

#include "enforcer/cert.h"
#include "enforcer/errors.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WARN_DAYS 30

/* Root and CA as certificate sets, for the chain check. */
static int load_set(enf_cert_set *set, cli_exporter *x, enf_store store)
{
	enf_cert_list list = {0};
	int rc = x->target->provider->cert_list(&list, x->target->self, store);
	for (size_t i = 0; rc == 0 && i < list.count; i++) {
		enf_cert *c = NULL;
		if (enf_cert_from_der(&c, list.items[i].der, list.items[i].der_len) == 0)
			rc = enf_cert_set_add(set, c);
		else
			enf_error_clear(); /* a certificate OpenSSL cannot read issues nothing */
	}
	enf_cert_list_clear(&list);
	return rc;
}

static void write_require(cli_exporter *x, const enf_cert_entry *e, const enf_cert *cert,
                          const enf_cert_set *root, const enf_cert_set *ca)
{
	const enf_cert_info *info = enf_cert_info_get(cert);
	time_t now = time(NULL);
	long days = (long)((info->not_after - (int64_t)now) / 86400);
	enf_chain_verdict v = {0};
	int trusted = enf_chain_verify(&v, cert, root, ca, (int64_t)now) == 0 && v.trusted;
	enf_buf *out = &x->w.out;
	if (!trusted) {
		char *why =
		    enf_asprintf("chain: trusted is left out: the chain is not trusted now (%s)",
		                 v.reason ? v.reason : "it could not be checked");
		cli_pw_comment(&x->w, "    ", why ? why : "chain: trusted is left out");
		free(why);
		enf_error_clear();
	}
	enf_chain_verdict_clear(&v);
	char *expiry = enf_asprintf("expires on %.10s: %ld days left", info->not_after_iso, days);
	cli_pw_comment(&x->w, "    ", expiry ? expiry : "expiry unknown");
	free(expiry);
	enf_buf_puts(out, "    require:\n");
	if (trusted)
		enf_buf_puts(out, "      chain: trusted\n");
	if (info->has_eku && (info->eku & (ENF_EKU_SERVER_AUTH | ENF_EKU_CLIENT_AUTH)))
		enf_buf_printf(
		    out, "      eku: [%s%s%s]\n",
		    info->eku & ENF_EKU_SERVER_AUTH ? "server-auth" : "",
		    (info->eku & ENF_EKU_SERVER_AUTH) && (info->eku & ENF_EKU_CLIENT_AUTH) ? ", "
		                                                                           : "",
		    info->eku & ENF_EKU_CLIENT_AUTH ? "client-auth" : "");
	if (e->has_private_key == ENF_YES)
		enf_buf_puts(out, "      private-key: true\n");
	enf_buf_printf(out, "      warn-days: %d\n", WARN_DAYS);
}

/* SYSTEM and Administrators, by SID or, where the target gives none, by name. */
static int on_every_key(const enf_key_ace *a)
{
	static const char *const names[] = {"NT AUTHORITY\\SYSTEM", "SYSTEM", "LocalSystem",
	                                    "BUILTIN\\Administrators", "Administrators"};
	if (a->sid)
		return strcmp(a->sid, "S-1-5-18") == 0 || strcmp(a->sid, "S-1-5-32-544") == 0;
	for (size_t i = 0; i < ENF_ARRAY_SIZE(names); i++)
		if (enf_strcaseeq(a->account, names[i]))
			return 1;
	return 0;
}

/* Read or full access to the key, by account: SYSTEM and Administrators left out. */
static int write_key_access(cli_exporter *x, const enf_cert_entry *e, enf_store store)
{
	if (e->has_private_key != ENF_YES || !x->target->provider->key_acl_get)
		return 0;
	enf_key_acl acl = {0};
	int rc = x->target->provider->key_acl_get(&acl, x->target->self, store, e->thumbprint);
	if (rc) {
		/* The permissions are an addition: say why they are missing, export the rest. */
		const enf_error *err = enf_error_last();
		char *why = enf_asprintf("private-key-access is left out: the key's permissions "
		                         "cannot be read (%s)",
		                         err && err->message ? err->message : "?");
		cli_pw_comment(&x->w, "    ", why ? why : "private-key-access is left out");
		free(why);
		enf_error_clear();
		return 0;
	}
	size_t written = 0;
	for (size_t i = 0; i < acl.count && rc == 0; i++) {
		const enf_key_ace *a = &acl.items[i];
		if (!a->allow || !a->account || on_every_key(a))
			continue;
		int full = enf_key_mask_covers(a->mask, ENF_RIGHTS_FULL);
		if (!full && !enf_key_mask_covers(a->mask, ENF_RIGHTS_READ))
			continue;
		if (written++ == 0)
			enf_buf_puts(&x->w.out, "    private-key-access:\n");
		enf_buf_puts(&x->w.out, "      - ");
		rc = cli_pw_key_string(&x->w, "", "account", a->account);
		if (rc == 0)
			enf_buf_printf(&x->w.out, "        rights: %s\n", full ? "full" : "read");
	}
	enf_key_acl_clear(&acl);
	return rc;
}

int cli_export_my_extras(cli_exporter *x, const enf_cert_entry *e, const enf_cert *cert,
                         enf_store store)
{
	enf_cert_set root = {0}, ca = {0};
	int rc = load_set(&root, x, ENF_STORE_ROOT);
	if (rc == 0)
		rc = load_set(&ca, x, ENF_STORE_CA);
	if (rc == 0) {
		write_require(x, e, cert, &root, &ca);
		rc = write_key_access(x, e, store);
	}
	enf_cert_set_clear(&root);
	enf_cert_set_clear(&ca);
	return rc;
}
