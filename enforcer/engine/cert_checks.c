/*
 * The checks of a certificate resource (`require:`), which never change
 * anything, and the permissions on its private key (`private-key-access:`),
 * which are enforced by adding what is missing and never removing.
 *
 * A failed check fails the resource with every failing check in the
 * message, so one run tells the admin everything that is wrong with it.
 */
#include "engine_int.h"

#include "enforcer/cert.h"
#include "enforcer/errors.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* The policy's words for the ENF_EKU_* bits, in bit order. */
static const char *const eku_words[] = {"server-auth",      "client-auth",   "code-signing",
                                        "email-protection", "time-stamping", "ocsp-signing"};

static int64_t now_of(const engine *e)
{
	return (int64_t)(e->opts->now ? e->opts->now : enf_now());
}

/* Appends "CHECK: REASON" to the list of failures and to the report's checks. */
static void finding(enf_buf *fails, json_t *checks, const char *check, char *reason)
{
	if (!reason) {
		fails->failed = 1;
		return;
	}
	enf_buf_printf(fails, "%s%s: %s", fails->len ? "; " : "", check, reason);
	json_array_append_new(
	    checks, json_pack("{s:s, s:b, s:s}", "check", check, "ok", 0, "detail", reason));
	free(reason);
}

static void passed(json_t *checks, const char *check, const char *detail)
{
	json_array_append_new(
	    checks, json_pack("{s:s, s:b, s:s}", "check", check, "ok", 1, "detail", detail));
}

/* The parsable certificates of a store; the ones OpenSSL cannot read are no issuers. */
static int read_set(engine *e, enf_store store, enf_cert_set *out)
{
	enf_cert *const *certs = NULL;
	size_t count = 0;
	int rc = enf_engine_cert_parsed(e, &certs, &count, store);
	for (size_t i = 0; rc == 0 && i < count; i++)
		if (certs[i])
			rc = enf_cert_set_add(out, enf_cert_ref(certs[i]));
	return rc;
}

/* True when `set` holds the certificate of this thumbprint (hex, any case). */
static int set_has(const enf_cert_set *set, const char *hex)
{
	for (size_t i = 0; hex && i < set->count; i++)
		if (enf_strcaseeq(enf_cert_info_get(set->items[i])->thumbprint, hex))
			return 1;
	return 0;
}

/*
 * The first intermediate of a trusted chain that was found in Root but not
 * in CA, or -1. The chain then passes only because Root holds it: Root is
 * for the anchors, CA for the intermediates, and one left in Root is
 * trusted as an anchor by Windows, which a removal of the real root would
 * not undo.
 */
static long intermediate_in_root(const enf_chain_verdict *v, const enf_cert_set *root,
                                 const enf_cert_set *ca)
{
	for (size_t i = 1; i + 1 < v->length; i++)
		if (set_has(root, v->thumbprints[i]) && !set_has(ca, v->thumbprints[i]))
			return (long)i;
	return -1;
}

/* A warning: the outcome stays as it is, the report and the console show it. */
static void warning(enf_buf *warns, json_t *checks, const char *check, int ok, char *why)
{
	if (!why) {
		warns->failed = 1;
		return;
	}
	enf_buf_printf(warns, "%s%s: %s", warns->len ? "; " : "", check, why);
	json_array_append_new(checks, json_pack("{s:s, s:b, s:b, s:s}", "check", check, "ok", ok,
	                                        "warning", 1, "detail", why));
	free(why);
}

/*
 * `chain: trusted`. A certificate about to be added to Root or CA is
 * counted as there, since the check describes the state after the run.
 */
static void check_chain(engine *e, const enf_res_certificate *c, enf_cert *cert, int adding,
                        int64_t now, enf_buf *fails, enf_buf *warns, json_t *checks)
{
	enf_cert_set root = {0}, ca = {0};
	enf_chain_verdict v = {0};
	int rc = read_set(e, ENF_STORE_ROOT, &root);
	const char *which = "Root";
	if (rc == 0) {
		which = "CA";
		rc = read_set(e, ENF_STORE_CA, &ca);
	}
	if (rc == 0 && adding && (c->store == ENF_STORE_ROOT || c->store == ENF_STORE_CA))
		rc = enf_cert_set_add(c->store == ENF_STORE_ROOT ? &root : &ca, enf_cert_ref(cert));
	if (rc == 0)
		rc = enf_chain_verify(&v, cert, &root, &ca, now);
	if (rc) {
		const enf_error *err = enf_error_last();
		finding(fails, checks, "chain",
		        enf_asprintf("cannot read the %s store: %s", which,
		                     err ? err->message : "unknown error"));
	} else if (!v.trusted) {
		finding(fails, checks, "chain", enf_strdup(v.reason));
	} else {
		enf_buf path = ENF_BUF_INIT;
		for (size_t i = 0; i < v.length; i++)
			enf_buf_printf(&path, "%s'%s'", i ? " -> " : "trusted: ", v.names[i]);
		char *text = enf_buf_detach(&path);
		long misplaced = intermediate_in_root(&v, &root, &ca);
		if (misplaced >= 0)
			warning(
			    warns, checks, "chain", 1,
			    text ? enf_asprintf("trusted, but '%s' is in Root: move it to CA (%s)",
			                        v.names[misplaced], text)
			         : NULL);
		else
			passed(checks, "chain", text ? text : "trusted");
		free(text);
	}
	enf_chain_verdict_clear(&v);
	enf_cert_set_clear(&root);
	enf_cert_set_clear(&ca);
}

/* `valid-for-days`; nonzero when it failed. */
static int check_validity(const enf_cert_info *i, long days, int64_t now, enf_buf *fails,
                          json_t *checks)
{
	char date[11];
	snprintf(date, sizeof(date), "%.10s", i->not_after_iso);
	int64_t left = i->not_after - now;
	if (i->not_before > now)
		finding(fails, checks, "valid-for-days",
		        enf_asprintf("not valid until %.10s", i->not_before_iso));
	else if (left < 0)
		finding(fails, checks, "valid-for-days", enf_asprintf("expired on %s", date));
	else if (left < (int64_t)days * 86400)
		finding(fails, checks, "valid-for-days",
		        enf_asprintf("expires on %s, in %lld days; at least %ld are required", date,
		                     (long long)(left / 86400), days));
	else {
		char *text = enf_asprintf("valid until %s", date);
		passed(checks, "valid-for-days", text ? text : date);
		free(text);
		return 0;
	}
	return 1;
}

/*
 * `warn-days`: a certificate that expires within N days is a warning, which
 * leaves the outcome alone (the report and the console show it); one that
 * has expired or is not valid yet fails, as it would with valid-for-days.
 */
static void check_warn_days(const enf_cert_info *i, long days, int64_t now, enf_buf *fails,
                            enf_buf *warns, json_t *checks)
{
	char date[11];
	snprintf(date, sizeof(date), "%.10s", i->not_after_iso);
	int64_t left = i->not_after - now;
	if (i->not_before > now) {
		finding(fails, checks, "warn-days",
		        enf_asprintf("not valid until %.10s", i->not_before_iso));
	} else if (left < 0) {
		finding(fails, checks, "warn-days", enf_asprintf("expired on %s", date));
	} else if (left < (int64_t)days * 86400) {
		char *why = enf_asprintf("expires on %s, in %lld days (a warning: the policy warns "
		                         "%ld days ahead)",
		                         date, (long long)(left / 86400), days);
		warning(warns, checks, "warn-days", 0, why);
	} else {
		char *text = enf_asprintf("valid until %s", date);
		passed(checks, "warn-days", text ? text : date);
		free(text);
	}
}

/*
 * `dns-names`: each name must be a dNSName of the subject alternative name,
 * compared as DNS compares names (any case). A SAN wildcard does not stand
 * for a name the policy lists (Microsoft supports no wildcard on the Edge
 * external interfaces, and federation partners check the name itself), and
 * the CN is not a SAN; the message says when either would have named it.
 */
static void check_dns_names(enf_cert *cert, const enf_cert_require *r, enf_buf *fails,
                            json_t *checks)
{
	enf_cert_dns dns;
	if (enf_cert_dns_get(&dns, cert)) {
		const enf_error *err = enf_error_last();
		finding(
		    fails, checks, "dns-names",
		    enf_strdup(err ? err->message : "its subject alternative name cannot be read"));
		return;
	}
	enf_buf missing = ENF_BUF_INIT, why = ENF_BUF_INIT;
	size_t lacking = 0;
	for (size_t k = 0; k < r->dns_name_count; k++) {
		const char *want = r->dns_names[k];
		int found = 0;
		const char *wildcard = NULL;
		for (size_t i = 0; i < dns.san_count && !found; i++) {
			found = enf_dns_name_eq(dns.san[i], want);
			if (!wildcard && enf_dns_wildcard_covers(dns.san[i], want))
				wildcard = dns.san[i];
		}
		if (found)
			continue;
		lacking++;
		enf_buf_printf(&missing, "%s%s", missing.len ? ", " : "", want);
		int in_cn = 0;
		for (size_t i = 0; i < dns.cn_count && !in_cn; i++)
			in_cn = enf_dns_name_eq(dns.cn[i], want);
		if (wildcard)
			enf_buf_printf(&why,
			               "; %s is covered only by the wildcard %s, which does not "
			               "count: list it by name",
			               want, wildcard);
		if (in_cn)
			enf_buf_printf(&why,
			               "; %s is only the subject's CN, which TLS does not check "
			               "when there is a SAN",
			               want);
	}
	if (lacking == 0) {
		enf_buf all = ENF_BUF_INIT;
		for (size_t k = 0; k < r->dns_name_count; k++)
			enf_buf_printf(&all, "%s%s", k ? ", " : "", r->dns_names[k]);
		char *text = enf_buf_detach(&all);
		passed(checks, "dns-names", text ? text : "every name is in the SAN");
		free(text);
	} else {
		/* Anyone can make a certificate with thousands of names: the message shows 20. */
		enf_buf has = ENF_BUF_INIT;
		for (size_t i = 0; i < dns.san_count && i < 20; i++)
			enf_buf_printf(&has, "%s%s", i ? ", " : "", dns.san[i]);
		if (dns.san_count > 20)
			enf_buf_printf(&has, " and %zu more", dns.san_count - 20);
		char *list = enf_buf_detach(&missing), *names = enf_buf_detach(&has);
		char *more = enf_buf_detach(&why);
		finding(fails, checks, "dns-names",
		        list && more && names
		            ? enf_asprintf("the subject alternative name lacks %s (%s%s)%s", list,
		                           dns.san_count ? "it has: " : "it has no DNS names",
		                           names ? names : "", more)
		            : NULL);
		free(list);
		free(names);
		free(more);
	}
	enf_buf_clear(&missing);
	enf_buf_clear(&why);
	enf_cert_dns_clear(&dns);
}

static void check_eku(const enf_cert_info *i, unsigned want, enf_buf *fails, json_t *checks)
{
	unsigned missing = i->eku_any ? 0 : want & ~i->eku;
	if (!missing) {
		passed(checks, "eku", i->eku_text);
		return;
	}
	enf_buf b = ENF_BUF_INIT;
	for (size_t k = 0; k < ENF_ARRAY_SIZE(eku_words); k++)
		if (missing & (1u << k))
			enf_buf_printf(&b, "%s%s", b.len ? ", " : "", eku_words[k]);
	char *list = enf_buf_detach(&b);
	finding(fails, checks, "eku",
	        list ? enf_asprintf("lacks %s (it has: %s)", list, i->eku_text) : NULL);
	free(list);
}

/* `private-key` and `key-exportable`, from what the store says about the key. */
static void check_key(const enf_res_certificate *c, const enf_cert_entry *found, enf_buf *fails,
                      json_t *checks)
{
	const enf_cert_require *r = &c->require;
	const char *store = enf_store_name(c->store);
	/* A certificate added from a file never comes with a private key. */
	enf_tristate has = found ? found->has_private_key : ENF_NO;
	enf_tristate exp = found && has == ENF_YES ? found->exportable : ENF_NO;
	if (r->private_key != ENF_UNKNOWN) {
		if (has == ENF_UNKNOWN)
			finding(fails, checks, "private-key",
			        enf_asprintf(
			            "the target cannot tell whether it has a private key in %s",
			            store));
		else if (r->private_key == ENF_YES && has == ENF_NO)
			finding(fails, checks, "private-key",
			        enf_asprintf("it has no private key in %s", store));
		else if (r->private_key == ENF_NO && has == ENF_YES)
			finding(fails, checks, "private-key",
			        enf_asprintf(
			            "it has a private key in %s, and the policy says it must not",
			            store));
		else
			passed(checks, "private-key", has == ENF_YES ? "present" : "absent");
	}
	if (r->exportable != ENF_UNKNOWN) {
		if (has == ENF_UNKNOWN || (has == ENF_YES && exp == ENF_UNKNOWN))
			finding(
			    fails, checks, "key-exportable",
			    enf_strdup(
			        "the target cannot tell whether the private key is exportable"));
		else if (r->exportable == ENF_YES && has == ENF_NO)
			finding(fails, checks, "key-exportable",
			        enf_asprintf("it has no private key in %s to export", store));
		else if (r->exportable == ENF_YES && exp == ENF_NO)
			finding(fails, checks, "key-exportable",
			        enf_strdup("the private key is not exportable"));
		else if (r->exportable == ENF_NO && exp == ENF_YES)
			finding(
			    fails, checks, "key-exportable",
			    enf_strdup(
			        "the private key is exportable, and the policy says it must not be"));
		else
			passed(checks, "key-exportable",
			       exp == ENF_YES ? "exportable" : "not exportable");
	}
}

static void run_require(engine *e, const enf_res_certificate *c, enf_cert *cert,
                        const enf_cert_entry *found, enf_buf *fails, enf_buf *warns, json_t *checks)
{
	const enf_cert_require *r = &c->require;
	const enf_cert_info *i = enf_cert_info_get(cert);
	int64_t now = now_of(e);
	int expiring = 0;
	if (r->chain_trusted)
		check_chain(e, c, cert, found == NULL, now, fails, warns, checks);
	if (r->valid_for_days >= 0)
		expiring = check_validity(i, r->valid_for_days, now, fails, checks);
	/* Where valid-for-days failed, warn-days (always longer) has nothing to add. */
	if (r->warn_days >= 0 && !expiring)
		check_warn_days(i, r->warn_days, now, fails, warns, checks);
	if (r->dns_name_count)
		check_dns_names(cert, r, fails, checks);
	if (r->eku)
		check_eku(i, r->eku, fails, checks);
	if (r->min_key_bits >= 0) {
		if (i->key_bits < r->min_key_bits)
			finding(fails, checks, "min-key-bits",
			        enf_asprintf("the key is %s, fewer than %ld bits", i->key_text,
			                     r->min_key_bits));
		else
			passed(checks, "min-key-bits", i->key_text);
	}
	check_key(c, found, fails, checks);
}

static const char *rights_word(uint32_t mask)
{
	if (enf_key_mask_covers(mask, ENF_RIGHTS_FULL))
		return "full";
	return enf_key_mask_covers(mask, ENF_RIGHTS_READ) ? "read" : "other";
}

/* The allow entries, for the report. */
static json_t *acl_json(const enf_key_acl *acl)
{
	json_t *a = json_array();
	for (size_t i = 0; i < acl->count; i++) {
		const enf_key_ace *ace = &acl->items[i];
		if (ace->allow)
			json_array_append_new(a, json_pack("{s:s, s:s}", "account",
			                                   ace->account ? ace->account : "",
			                                   "rights", rights_word(ace->mask)));
	}
	return a;
}

/* Adds a key-grant change for every entry the key's ACL lacks. */
static int plan_access(engine *e, const enf_resource *res, const unsigned char thumbprint[20],
                       const enf_cert_info *info, const enf_cert_entry *found, res_plan *plan,
                       enf_buf *fails, json_t *checks)
{
	const enf_res_certificate *c = &res->u.cert;
	const char *store = enf_store_name(c->store);
	enf_key_acl acl = {0};
	int rc = 0;
	if (!found) {
		finding(
		    fails, checks, "private-key-access",
		    enf_asprintf(
		        "the certificate is not in %s yet, and one added from a file has no private key whose permissions could be set",
		        store));
		return 0;
	}
	if (!(e->p->caps & ENF_CAP_KEYS)) {
		finding(
		    fails, checks, "private-key-access",
		    enf_asprintf("the %s target cannot read private-key permissions", e->p->name));
		return 0;
	}
	rc = e->p->key_acl_get(&acl, e->self, c->store, thumbprint);
	if (rc == ENF_ENOTFOUND) {
		finding(fails, checks, "private-key-access",
		        enf_asprintf("it has no private key in %s", store));
		return 0;
	}
	if (rc) {
		const enf_error *err = enf_error_last();
		finding(fails, checks, "private-key-access",
		        enf_asprintf("cannot read the private key's permissions: %s",
		                     err ? err->message : "unknown error"));
		return 0;
	}
	json_t *after = acl_json(&acl);
	json_object_set_new(plan->before, "key_access", acl_json(&acl));
	for (size_t i = 0; i < c->access_count && rc == 0; i++) {
		const enf_key_access *a = &c->access[i];
		key_verdict verdict = KEY_NOT_GRANTED;
		char *why = NULL;
		if ((rc = enf_key_access_check(&verdict, &why, e, &acl, a->account, a->rights)))
			break;
		/* A grant cannot help against a deny entry that comes first. */
		if (why)
			finding(fails, checks, "private-key-access", why);
		if (verdict != KEY_NOT_GRANTED)
			continue;
		const char *rights = a->rights == ENF_RIGHTS_FULL ? "full" : "read";
		change *ch = enf_plan_add(plan, &enf_change_key_grant,
		                          "grant %s on the private key of '%s' (%s) in %s to %s",
		                          rights, info->name, info->thumbprint, store, a->account);
		if (!ch || !(ch->account = enf_strdup(a->account)) ||
		    !(ch->old_sddl = enf_strdup(acl.sddl))) {
			rc = enf_error_oom();
			break;
		}
		ch->store = c->store;
		memcpy(ch->thumbprint, thumbprint, 20);
		ch->rights = a->rights;
		json_array_append_new(
		    after, json_pack("{s:s, s:s}", "account", a->account, "rights", rights));
	}
	json_object_set_new(plan->after, "key_access", after);
	enf_key_acl_clear(&acl);
	return rc;
}

int enf_plan_cert_checks(engine *e, const enf_resource *res, const unsigned char thumbprint[20],
                         const enf_cert_entry *found, res_plan *plan)
{
	const enf_res_certificate *c = &res->u.cert;
	if (!c->has_require && c->access_count == 0)
		return 0;
	enf_cert *cert = NULL;
	unsigned char *der = NULL;
	size_t der_len = 0;
	int rc = 0;
	/* Checked as the certificate is, or, about to be added, as the file has it. */
	if (found)
		rc = enf_cert_from_der(&cert, found->der, found->der_len);
	else if ((rc = enf_policy_cert_der(e, c->file, &der, &der_len)) == 0)
		rc = enf_cert_from_der(&cert, der, der_len);
	free(der);
	if (rc) {
		enf_plan_fail_last(plan, "the certificate cannot be checked");
		return 0;
	}
	const enf_cert_info *info = enf_cert_info_get(cert);
	enf_buf fails = ENF_BUF_INIT, warns = ENF_BUF_INIT;
	json_t *checks = json_array();
	json_object_set_new(plan->before, "subject", json_string(info->subject));
	json_object_set_new(plan->before, "not_after", json_string(info->not_after_iso));
	if (c->has_require)
		run_require(e, c, cert, found, &fails, &warns, checks);
	if (c->access_count)
		rc = plan_access(e, res, thumbprint, info, found, plan, &fails, checks);
	json_object_set_new(plan->before, "checks", checks);
	if (rc == 0 && (fails.failed || warns.failed))
		rc = enf_error_oom();
	/*
	 * A warning goes with the failures' message, or is the message of its
	 * own; after the note of `match:` that names the certificate picked.
	 */
	const char *note = c->has_match ? plan->message : NULL;
	if (rc == 0 && fails.len) {
		enf_plan_fail(plan, "%s%s%s%s%s", note ? note : "", note ? ": " : "", fails.ptr,
		              warns.len ? "; " : "", warns.len ? warns.ptr : "");
		plan->finding = 1;
	} else if (rc == 0 && warns.len) {
		char *text = enf_asprintf("%s%s%s", note ? note : "", note ? "; " : "", warns.ptr);
		free(plan->message);
		plan->message = text;
		if (!plan->message)
			rc = enf_error_oom();
	}
	plan->warning = rc == 0 && warns.len;
	enf_buf_clear(&fails);
	enf_buf_clear(&warns);
	enf_cert_free(cert);
	return rc;
}
