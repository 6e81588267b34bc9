/*
 * `match:` with `pick: newest-valid`: the certificate resource that selects
 * its certificate by what it says (subject, SAN, issuer, template) rather
 * than by thumbprint, so that the yearly renewal, which brings a new
 * thumbprint, needs no edit of the policy. It selects among the
 * certificates already in the store and never adds or removes one.
 */
#include "engine_int.h"

#include "enforcer/cert.h"
#include "enforcer/errors.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* Why candidates were passed over, for the message when none is left. */
typedef struct skipped {
	size_t matching, expired, not_yet, no_key, unreadable;
} skipped;

static int name_is(const char *cn, const char *whole, const char *want)
{
	return enf_strcaseeq(cn, want) || enf_strcaseeq(whole, want);
}

/* 1 when `cert` matches every key of `match:`, 0 when not, -1 when it cannot be read. */
static int matches(const enf_res_certificate *c, const enf_cert *cert)
{
	const enf_cert_info *i = enf_cert_info_get(cert);
	if (c->match_subject && !name_is(i->name, i->subject, c->match_subject))
		return 0;
	if (c->match_issuer && !name_is(i->issuer_name, i->issuer, c->match_issuer))
		return 0;
	if (c->match_dns_name_count) {
		enf_cert_dns dns;
		if (enf_cert_dns_get(&dns, cert))
			return -1;
		size_t found = 0;
		for (size_t k = 0; k < c->match_dns_name_count; k++)
			for (size_t s = 0; s < dns.san_count; s++)
				if (enf_dns_name_eq(dns.san[s], c->match_dns_names[k])) {
					found++;
					break;
				}
		enf_cert_dns_clear(&dns);
		if (found < c->match_dns_name_count)
			return 0;
	}
	if (c->match_template) {
		enf_cert_template t;
		if (enf_cert_template_get(&t, cert))
			return -1;
		int is = enf_cert_template_is(&t, c->match_template);
		enf_cert_template_clear(&t);
		if (!is)
			return 0;
	}
	return 1;
}

/* Newer: issued later; then valid longer; then the smaller thumbprint, so that a tie is stable. */
static int newer(const enf_cert *a, const enf_cert *b)
{
	const enf_cert_info *x = enf_cert_info_get(a), *y = enf_cert_info_get(b);
	if (x->not_before != y->not_before)
		return x->not_before > y->not_before;
	if (x->not_after != y->not_after)
		return x->not_after > y->not_after;
	return memcmp(x->sha1, y->sha1, 20) < 0;
}

/* What `match:` asked for, as the messages quote it. */
static char *criteria(const enf_res_certificate *c)
{
	enf_buf b = ENF_BUF_INIT;
	if (c->match_subject)
		enf_buf_printf(&b, "subject '%s'", c->match_subject);
	for (size_t k = 0; k < c->match_dns_name_count; k++)
		enf_buf_printf(&b, "%s%s",
		               k       ? ", "
		               : b.len ? ", dns-names "
		                       : "dns-names ",
		               c->match_dns_names[k]);
	if (c->match_issuer)
		enf_buf_printf(&b, "%sissuer '%s'", b.len ? ", " : "", c->match_issuer);
	if (c->match_template)
		enf_buf_printf(&b, "%stemplate '%s'", b.len ? ", " : "", c->match_template);
	return b.failed ? (enf_buf_clear(&b), NULL) : enf_buf_detach(&b);
}

static void fail_none(const enf_res_certificate *c, const skipped *s, size_t total, res_plan *plan)
{
	const char *store = enf_store_name(c->store);
	char *what = criteria(c);
	enf_buf why = ENF_BUF_INIT;
	if (s->expired)
		enf_buf_printf(&why, "; %zu matching %s expired", s->expired,
		               s->expired == 1 ? "has" : "have");
	if (s->not_yet)
		enf_buf_printf(&why, "; %zu matching %s not valid yet", s->not_yet,
		               s->not_yet == 1 ? "is" : "are");
	if (s->no_key)
		enf_buf_printf(&why,
		               "; %zu matching %s no private key (require: private-key: true)",
		               s->no_key, s->no_key == 1 ? "has" : "have");
	if (s->unreadable)
		enf_buf_printf(&why, "; %zu could not be read to compare", s->unreadable);
	if (s->matching == 0)
		enf_plan_fail(plan, "no certificate in %s matches %s (%zu in the store%s)", store,
		              what ? what : "?", total, why.len ? why.ptr : "");
	else
		enf_plan_fail(plan, "no valid certificate in %s matches %s%s", store,
		              what ? what : "?", why.len ? why.ptr : "");
	plan->finding = 1;
	free(what);
	enf_buf_clear(&why);
}

/*
 * The index in `list` of the certificate to enforce, or -1 (the plan then
 * fails, saying why no candidate was kept).
 */
static long pick(engine *e, const enf_res_certificate *c, const enf_cert_list *list,
                 enf_cert *const *certs, size_t *matching, res_plan *plan)
{
	int64_t now = (int64_t)(e->opts->now ? e->opts->now : enf_now());
	skipped s = {0};
	long best = -1;
	for (size_t i = 0; i < list->count; i++) {
		/* One certificate in two physical stores is one candidate. */
		size_t k = 0;
		while (k < i && memcmp(list->items[k].thumbprint, list->items[i].thumbprint, 20))
			k++;
		if (k < i)
			continue;
		int m = certs[i] ? matches(c, certs[i]) : -1;
		enf_error_clear();
		if (m < 0)
			s.unreadable++;
		if (m <= 0)
			continue;
		s.matching++;
		const enf_cert_info *info = enf_cert_info_get(certs[i]);
		if (info->not_before > now)
			s.not_yet++;
		else if (info->not_after < now)
			s.expired++;
		else if (c->require.private_key == ENF_YES &&
		         list->items[i].has_private_key != ENF_YES)
			s.no_key++;
		else if (best < 0 || newer(certs[i], certs[best]))
			best = (long)i;
	}
	*matching = s.matching;
	if (best < 0)
		fail_none(c, &s, list->count, plan);
	return best;
}

int enf_plan_cert_match(engine *e, const enf_resource *res, res_plan *plan)
{
	const enf_res_certificate *c = &res->u.cert;
	enf_cert_list list = {0};
	enf_cert *const *certs = NULL;
	size_t count = 0, matching = 0;
	if (enf_engine_cert_list(e, &list, c->store) ||
	    enf_engine_cert_parsed(e, &certs, &count, c->store)) {
		enf_plan_fail_last(plan, "cannot read the store");
		enf_cert_list_clear(&list);
		return 0;
	}
	int rc = 0;
	long at = count == list.count ? pick(e, c, &list, certs, &matching, plan) : -1;
	if (count != list.count)
		enf_plan_fail(plan, "the %s store changed while it was read",
		              enf_store_name(c->store));
	if (at >= 0) {
		const enf_cert_info *info = enf_cert_info_get(certs[at]);
		const enf_cert_entry *en = &list.items[at];
		json_t *o[2];
		for (int k = 0; k < 2; k++)
			o[k] = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:I}", "store",
			                 enf_store_name(c->store), "thumbprint", info->thumbprint,
			                 "name", info->name, "not_after", info->not_after_iso,
			                 "present", 1, "picked", "newest-valid", "matching",
			                 (json_int_t)matching);
		plan->before = o[0];
		plan->after = o[1];
		/* The note names the certificate picked: a renewal shows as a new thumbprint. */
		plan->message = enf_asprintf(
		    "picked '%s' (%s, valid until %.10s), the newest valid of %zu matching",
		    info->name, info->thumbprint, info->not_after_iso, matching);
		if (!plan->message || !o[0] || !o[1])
			rc = enf_error_oom();
		else
			rc = enf_plan_cert_checks(e, res, en->thumbprint, en, plan);
	}
	enf_cert_list_clear(&list);
	return rc;
}
