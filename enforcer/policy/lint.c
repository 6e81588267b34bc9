/*
 * `enforcer validate --lint`: what is valid but probably not meant, each a
 * warning at the resource it concerns (docs/CLI.md):
 *  - two resources that set the same registry value;
 *  - a registry value or a service's start mode or state that a shipped
 *    baseline sets differently;
 *  - a resource that notifies two restart handlers that restart the same
 *    service (it would restart twice in one run);
 *  - conditions (the policy's `when:` and the resource's) that can never
 *    hold together.
 * A user account without `password:` is already an error of the loader.
 */
#include "enforcer/diag.h"
#include "enforcer/policy.h"
#include "util/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static void warn(enf_diag_list *d, const enf_resource *r, const char *fmt, const char *a,
                 const char *b, const char *c)
{
	enf_diag_add(d, ENF_SEV_WARNING, r->loc.line, r->loc.col, fmt, a, b ? b : "", c ? c : "");
}

/* ---- the same registry value twice ---- */

/* Registry names compare as Windows compares them: ASCII case-insensitively. */
static int ci_cmp(const char *a, const char *b)
{
	for (; *a && tolower((unsigned char)*a) == tolower((unsigned char)*b); a++, b++)
		;
	return tolower((unsigned char)*a) - tolower((unsigned char)*b);
}

typedef struct reg_ref {
	const enf_resource *res;
} reg_ref;

static int cmp_reg(const void *x, const void *y)
{
	const enf_res_registry *a = &((const reg_ref *)x)->res->u.reg;
	const enf_res_registry *b = &((const reg_ref *)y)->res->u.reg;
	int c = ci_cmp(a->key, b->key);
	if (c == 0)
		c = ci_cmp(a->value, b->value);
	if (c == 0) /* in the policy's order */
		c = ((const reg_ref *)x)->res < ((const reg_ref *)y)->res ? -1 : 1;
	return c;
}

static int same_data(const enf_res_registry *a, const enf_res_registry *b)
{
	if (a->ensure != b->ensure)
		return 0;
	return a->ensure == ENF_ENSURE_ABSENT || enf_reg_value_equal(&a->data, &b->data);
}

static char *describe(const enf_res_registry *r)
{
	return r->ensure == ENF_ENSURE_ABSENT ? enf_strdup("absent")
	                                      : enf_reg_value_describe(&r->data);
}

/* Sorted, not compared pairwise: a policy may hold ten thousand values. */
static void same_value_twice(const enf_policy *p, enf_diag_list *d)
{
	reg_ref *refs = calloc(p->count ? p->count : 1, sizeof(reg_ref));
	size_t n = 0;
	if (!refs)
		return;
	for (size_t i = 0; i < p->count; i++)
		if (p->resources[i].type == ENF_RES_REGISTRY)
			refs[n++].res = &p->resources[i];
	qsort(refs, n, sizeof(reg_ref), cmp_reg);
	for (size_t i = 1; i < n; i++) {
		const enf_res_registry *a = &refs[i - 1].res->u.reg, *b = &refs[i].res->u.reg;
		if (ci_cmp(a->key, b->key) != 0 || ci_cmp(a->value, b->value) != 0)
			continue;
		char *line = enf_asprintf("%u", refs[i - 1].res->loc.line);
		warn(d, refs[i].res,
		     same_data(a, b)
		         ? "'%s' sets the same value as '%s' (line %s), to the same data: "
		           "one of them is enough"
		         : "'%s' sets the same value as '%s' (line %s), to other data: "
		           "each run would change it back and forth",
		     refs[i].res->id, refs[i - 1].res->id, line);
		free(line);
	}
	free(refs);
}

/* ---- what a shipped baseline sets differently ---- */

static void against_baseline(const enf_policy *p, const enf_policy *base, enf_diag_list *d)
{
	for (size_t i = 0; i < p->count; i++) {
		const enf_resource *r = &p->resources[i];
		for (size_t k = 0; k < base->count; k++) {
			const enf_resource *b = &base->resources[k];
			if (r->type != b->type)
				continue;
			char *what = NULL, *theirs = NULL;
			if (r->type == ENF_RES_REGISTRY &&
			    ci_cmp(r->u.reg.key, b->u.reg.key) == 0 &&
			    ci_cmp(r->u.reg.value, b->u.reg.value) == 0 &&
			    !same_data(&r->u.reg, &b->u.reg)) {
				char *mine = describe(&r->u.reg), *other = describe(&b->u.reg);
				what = enf_asprintf("%s\\%s to %s", r->u.reg.key, r->u.reg.value,
				                    mine ? mine : "?");
				theirs = enf_asprintf("'%s' sets %s", b->id, other ? other : "?");
				free(mine);
				free(other);
			} else if (r->type == ENF_RES_SERVICE &&
			           ci_cmp(r->u.svc.name, b->u.svc.name) == 0 &&
			           ((r->u.svc.startup && b->u.svc.startup &&
			             r->u.svc.startup != b->u.svc.startup) ||
			            (r->u.svc.state && b->u.svc.state &&
			             r->u.svc.state != b->u.svc.state))) {
				int startup = r->u.svc.startup && b->u.svc.startup &&
				              r->u.svc.startup != b->u.svc.startup;
				what = enf_asprintf("%s's %s to %s", r->u.svc.name,
				                    startup ? "start mode" : "state",
				                    startup ? enf_startup_name(r->u.svc.startup)
				                            : enf_svc_state_name(r->u.svc.state));
				theirs = enf_asprintf("'%s' sets %s", b->id,
				                      startup ? enf_startup_name(b->u.svc.startup)
				                              : enf_svc_state_name(b->u.svc.state));
			}
			if (what && theirs) {
				char *where =
				    enf_asprintf("%s; the shipped baseline %s", what, base->name);
				warn(
				    d, r,
				    "'%s' sets %s (%s): keep them apart with when: or follow the baseline",
				    r->id, where ? where : what, theirs);
				free(where);
			}
			free(what);
			free(theirs);
		}
	}
}

/* ---- one service restarted twice ---- */

static const enf_resource *handler(const enf_policy *p, const char *id)
{
	const enf_resource *h = enf_policy_find(p, id);
	return h && h->type == ENF_RES_RESTART && !h->u.restart.reboot ? h : NULL;
}

static void restarted_twice(const enf_policy *p, enf_diag_list *d)
{
	for (size_t i = 0; i < p->count; i++) {
		const enf_resource *r = &p->resources[i];
		int warned = 0;
		for (size_t a = 0; a < r->notify_count && !warned; a++) {
			const enf_resource *ha = handler(p, r->notify[a]);
			for (size_t b = a + 1; ha && b < r->notify_count && !warned; b++) {
				const enf_resource *hb = handler(p, r->notify[b]);
				for (size_t x = 0; hb && x < ha->u.restart.count && !warned; x++) {
					for (size_t y = 0; y < hb->u.restart.count && !warned;
					     y++) {
						if (!enf_strcaseeq(ha->u.restart.services[x],
						                   hb->u.restart.services[y]))
							continue;
						char *both =
						    enf_asprintf("'%s' and '%s'", ha->id, hb->id);
						warn(
						    d, r,
						    "'%s' notifies %s, which both restart %s: a change would "
						    "restart it twice in one run",
						    r->id, both, ha->u.restart.services[x]);
						free(both);
						warned = 1;
					}
				}
			}
		}
	}
}

/* ---- conditions that cannot hold together ---- */

/* Values at and beside `v` ("9600": 9599, 9600, 9601; "6.0.9319.548": ...547, ...548, ...549). */
static void candidates(const char *v, char **out, size_t *n)
{
	out[(*n)++] = enf_strdup(v);
	const char *last = strrchr(v, '.');
	last = last ? last + 1 : v;
	for (const char *q = last; *q; q++)
		if (!isdigit((unsigned char)*q))
			return;
	if (!*last || strlen(last) > 18)
		return;
	unsigned long long x = strtoull(last, NULL, 10);
	int prefix = (int)(last - v);
	out[(*n)++] = enf_asprintf("%.*s%llu", prefix, v, x + 1);
	if (x > 0)
		out[(*n)++] = enf_asprintf("%.*s%llu", prefix, v, x - 1);
	else /* below "6.0": "5.999999" is as close as the fact can come */
		out[(*n)++] = enf_asprintf("%.*s0.0", prefix, v);
}

/* True when some value of the fact passes both tests (tried at and beside every operand). */
static int satisfiable(const enf_condition *a, const enf_condition *b)
{
	size_t cap = 3 * (a->count + b->count) + 2, n = 0;
	char **vals = calloc(cap, sizeof(char *));
	if (!vals)
		return 1;
	for (size_t i = 0; i < a->count; i++)
		candidates(a->values[i], vals, &n);
	for (size_t i = 0; i < b->count; i++)
		candidates(b->values[i], vals, &n);
	vals[n++] = enf_strdup("\x01 a value no test names");
	int ok = enf_condition_holds(a, NULL) && enf_condition_holds(b, NULL);
	for (size_t i = 0; i < n && !ok; i++)
		ok = vals[i] && enf_condition_holds(a, vals[i]) && enf_condition_holds(b, vals[i]);
	for (size_t i = 0; i < n; i++)
		free(vals[i]);
	free(vals);
	return ok;
}

static void never_together(const enf_policy *p, enf_diag_list *d)
{
	for (size_t i = 0; i < p->count; i++) {
		const enf_resource *r = &p->resources[i];
		for (size_t x = 0; x < r->when.count; x++) {
			for (size_t y = 0; y < p->when.count; y++) {
				const enf_condition *a = &r->when.items[x], *b = &p->when.items[y];
				if (strcmp(a->fact, b->fact) != 0 || satisfiable(a, b))
					continue;
				char *line = enf_asprintf("%u", b->loc.line);
				warn(
				    d, r,
				    "'%s' can never apply: its condition on %s and the policy's (line %s) "
				    "exclude each other",
				    r->id, a->fact, line);
				free(line);
			}
		}
	}
}

void enf_policy_lint(const enf_policy *p, enf_diag_list *d, const enf_policy *const *baselines,
                     size_t count)
{
	same_value_twice(p, d);
	for (size_t i = 0; i < count; i++)
		if (baselines[i] && strcmp(baselines[i]->name, p->name) != 0)
			against_baseline(p, baselines[i], d);
	restarted_twice(p, d);
	never_together(p, d);
	enf_diag_sort(d);
}
