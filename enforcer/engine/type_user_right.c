/*
 * The user-right resource type, engine side: who holds one right, the
 * right-grant and right-revoke changes, and the grant of "Log on as a
 * service" that a service resource makes for the account it assigns
 * (enf_plan_logon_right, called from type_service.c).
 *
 * A right that Group Policy defines on the machine is never changed here:
 * the next Group Policy refresh would overwrite the local assignment, so
 * the resource fails and says where the change belongs.
 */
#include "engine_int.h"
#include "util/secret.h"

#include "enforcer/errors.h"
#include "util/accounts.h"
#include "util/json_util.h"
#include "util/rights.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

#define SERVICE_LOGON_RIGHT "SeServiceLogonRight"

/* "Log on as a service (SeServiceLogonRight)"; free() it. */
static char *right_label(const char *right)
{
	const enf_right_info *info = enf_right_find(right);
	if (info && info->display)
		return enf_asprintf("%s (%s)", info->display, right);
	return enf_strdup(right);
}

/* How a holder is shown: its name where the target knows one, else its SID. */
static const char *holder_label(const enf_right_holder *h)
{
	return h->name ? h->name : h->sid;
}

/* The index of the holder that is `account` (by SID where known, else by name), or -1. */
static long find_holder(engine *e, const enf_right_holders *holders, const char *account)
{
	for (size_t i = 0; i < holders->count; i++) {
		const enf_right_holder *h = &holders->items[i];
		if ((h->name && enf_accounts_same(e, h->name, account)) ||
		    (h->sid && enf_accounts_same(e, h->sid, account)))
			return (long)i;
	}
	return -1;
}

static json_t *labels_json(char *const *labels, size_t count)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < count; i++)
		json_array_append_new(a, json_string(labels[i]));
	return a;
}

static void labels_free(char **labels, size_t count)
{
	for (size_t i = 0; labels && i < count; i++)
		free(labels[i]);
	free(labels);
}

/*
 * How the plan shows the holders and the members (enf_account_shown): all
 * with their SIDs when any of them has a name that could pass for another
 * (enf_account_confusable), so that two that look alike are told apart.
 * 0, or ENF_ENOMEM.
 */
static int right_labels(char ***holder_out, char ***member_out, engine *e,
                        const enf_right_holders *holders, const enf_res_user_right *r)
{
	int with_sid = 0;
	for (size_t i = 0; i < holders->count; i++)
		with_sid |=
		    holders->items[i].name && enf_account_confusable(holders->items[i].name);
	for (size_t i = 0; r && i < r->count; i++)
		with_sid |= enf_account_confusable(r->members[i]);
	size_t members = r ? r->count : 0;
	char **hl = calloc(holders->count + 1, sizeof(char *));
	char **ml = calloc(members + 1, sizeof(char *));
	int failed = !hl || !ml;
	for (size_t i = 0; !failed && i < holders->count; i++) {
		const enf_right_holder *h = &holders->items[i];
		hl[i] = h->name ? enf_account_shown(e, h->name, h->sid, with_sid)
		                : enf_strdup(holder_label(h));
		failed = !hl[i];
	}
	for (size_t i = 0; !failed && i < members; i++)
		failed = !(ml[i] = enf_account_shown(e, r->members[i], NULL, with_sid));
	if (failed) {
		labels_free(hl, holders->count);
		labels_free(ml, members);
		return enf_error_oom();
	}
	*holder_out = hl;
	*member_out = ml;
	return 0;
}

static int read_holders(engine *e, const char *right, enf_right_holders *out)
{
	return e->p->right_holders(out, e->self, right);
}

/*
 * Whether the right may be changed locally. Fails the plan, and returns 1,
 * when Group Policy defines it (naming what to do there: `gpo_todo`) or
 * when that cannot be told.
 */
static int gpo_blocks(engine *e, const char *right, const char *gpo_todo, res_plan *plan)
{
	enf_tristate gpo = ENF_UNKNOWN;
	int rc = e->p->right_gpo(&gpo, e->self, right);
	if (rc == 0 && gpo == ENF_NO)
		return 0;
	if (rc == 0 && gpo == ENF_YES) {
		enf_plan_fail(plan, "%s is set by Group Policy: %s there", right, gpo_todo);
		return 1;
	}
	const enf_error *err = enf_error_last();
	enf_plan_fail(plan,
	              "cannot tell whether Group Policy defines %s on this machine (%s), so it "
	              "was not changed (needed: %s)",
	              right, err ? err->message : "no reason given", gpo_todo);
	return 1;
}

static change *add_right_change(res_plan *plan, const change_ops *ops, const char *right,
                                const char *account, const char *shown, const char *label)
{
	change *c = ops == &enf_change_right_grant
	                ? enf_plan_add(plan, ops, "grant %s %s", shown, label)
	                : enf_plan_add(plan, ops, "revoke %s from %s", label, shown);
	if (!c || !(c->name = enf_strdup(right)) || !(c->account = enf_strdup(account)) ||
	    !(c->key = enf_strdup(shown)))
		return NULL;
	return c;
}

/*
 * With exclusive: true, a member whose SID cannot be found (an unreachable
 * domain controller, a misspelt name) cannot be told apart from the holders,
 * which are listed by SID: revoking "everyone else" then could revoke the
 * member itself. Such a plan fails instead. Returns 1 when it failed.
 */
static int members_unresolved(engine *e, const enf_res_user_right *r, res_plan *plan)
{
	for (size_t i = 0; i < r->count; i++) {
		const char *m = r->members[i];
		char *sid = NULL;
		if (enf_account_builtin_sid(m) || enf_account_is_sid(m))
			continue;
		if (e->p->account_sid && e->p->account_sid(&sid, e->self, m) == 0) {
			free(sid);
			continue;
		}
		const enf_error *err = enf_error_last();
		enf_plan_fail(
		    plan,
		    "member '%s' cannot be resolved to a SID (%s), so with exclusive: true "
		    "nobody is revoked: it could be one of the holders",
		    m, err ? err->message : "unknown reason");
		return 1;
	}
	return 0;
}

static int plan_user_right(engine *e, const enf_resource *res, res_plan *plan)
{
	const enf_res_user_right *r = &res->u.right;
	enf_right_holders holders = {0};
	enf_buf grants = ENF_BUF_INIT, revokes = ENF_BUF_INIT, todo = ENF_BUF_INIT;
	unsigned char *keep = NULL;
	char **hl = NULL, **ml = NULL;
	char *label = right_label(r->right);
	int rc = 0;
	if (!label)
		return enf_error_oom();
	if (read_holders(e, r->right, &holders)) {
		plan->before = json_pack("{s:s, s:n}", "right", r->right, "holders");
		enf_plan_fail_last(plan, "cannot read who holds the right");
		goto done;
	}
	if ((rc = right_labels(&hl, &ml, e, &holders, r)))
		goto done;
	plan->before =
	    json_pack("{s:s, s:o}", "right", r->right, "holders", labels_json(hl, holders.count));
	if (r->exclusive && members_unresolved(e, r, plan))
		goto done;
	keep = calloc(holders.count ? holders.count : 1, 1);
	json_t *want = json_array();
	if (!keep || !want) {
		json_decref(want);
		rc = enf_error_oom();
		goto done;
	}
	for (size_t i = 0; i < r->count; i++) {
		long at = find_holder(e, &holders, r->members[i]);
		if (at >= 0) {
			keep[at] = 1;
			continue;
		}
		if (!add_right_change(plan, &enf_change_right_grant, r->right, r->members[i], ml[i],
		                      label)) {
			json_decref(want);
			rc = enf_error_oom();
			goto done;
		}
		enf_buf_printf(&grants, "%s%s", grants.len ? ", " : "", ml[i]);
	}
	for (size_t i = 0; i < holders.count; i++) {
		const enf_right_holder *h = &holders.items[i];
		if (keep[i] || !r->exclusive) {
			json_array_append_new(want, json_string(hl[i]));
			continue;
		}
		/* The SID says exactly whom to re-grant in a rollback. */
		if (!add_right_change(plan, &enf_change_right_revoke, r->right,
		                      h->sid ? h->sid : h->name, hl[i], label)) {
			json_decref(want);
			rc = enf_error_oom();
			goto done;
		}
		enf_buf_printf(&revokes, "%s%s", revokes.len ? ", " : "", hl[i]);
	}
	for (size_t i = 0; i < r->count; i++)
		if (find_holder(e, &holders, r->members[i]) < 0)
			json_array_append_new(want, json_string(ml[i]));
	plan->after = json_pack("{s:s, s:o}", "right", r->right, "holders", want);
	if (plan->count == 0)
		goto done;
	if (grants.len)
		enf_buf_printf(&todo, "grant %s", grants.ptr);
	if (revokes.len)
		enf_buf_printf(&todo, "%srevoke it from %s", todo.len ? " and " : "", revokes.ptr);
	gpo_blocks(e, r->right, todo.ptr ? todo.ptr : "change it", plan);
done:
	enf_buf_clear(&grants);
	enf_buf_clear(&revokes);
	enf_buf_clear(&todo);
	labels_free(hl, holders.count);
	labels_free(ml, r->count);
	enf_right_holders_clear(&holders);
	free(keep);
	free(label);
	return rc;
}

/* Accounts that log on with the service logon type and need the right for it. */
static int needs_service_logon_right(const char *account)
{
	enf_account_class c = enf_account_classify(account);
	return c == ENF_ACCOUNT_USER || c == ENF_ACCOUNT_SID || c == ENF_ACCOUNT_MANAGED;
}

int enf_plan_logon_right(engine *e, const char *account, res_plan *plan)
{
	if (!needs_service_logon_right(account))
		return 0;
	if (!(e->p->caps & ENF_CAP_RIGHTS)) {
		enf_plan_fail(
		    plan,
		    "the %s target cannot read or grant user rights, and %s needs " SERVICE_LOGON_RIGHT
		    " to log on as a service",
		    e->p->name, account);
		return 0;
	}
	enf_right_holders holders = {0};
	if (read_holders(e, SERVICE_LOGON_RIGHT, &holders)) {
		enf_plan_fail_last(plan, "cannot read who holds " SERVICE_LOGON_RIGHT);
		return 0;
	}
	long at = find_holder(e, &holders, account);
	/* With its SID when it, or a holder it could be taken for, has a confusable name. */
	int with_sid = enf_account_confusable(account);
	for (size_t i = 0; i < holders.count; i++)
		with_sid |= holders.items[i].name && enf_account_confusable(holders.items[i].name);
	enf_right_holders_clear(&holders);
	if (at >= 0)
		return 0;
	char *shown = enf_account_shown(e, account, NULL, with_sid);
	char *todo = shown ? enf_asprintf("grant %s", shown) : NULL;
	char *label = right_label(SERVICE_LOGON_RIGHT);
	int rc = 0;
	if (!todo || !label)
		rc = enf_error_oom();
	else if (!gpo_blocks(e, SERVICE_LOGON_RIGHT, todo, plan) &&
	         !add_right_change(plan, &enf_change_right_grant, SERVICE_LOGON_RIGHT, account,
	                           shown, label))
		rc = enf_error_oom();
	free(shown);
	free(todo);
	free(label);
	return rc;
}

static int apply_grant(engine *e, const change *c, const enf_resource *res)
{
	/*
	 * A service's grant comes right before its log-on change: when that
	 * change cannot be made (its password cannot be read), the right is not
	 * granted either, so that the resource fails having changed nothing.
	 */
	if (res && res->type == ENF_RES_SERVICE && res->u.svc.password != ENF_PASSWORD_NONE) {
		char *secret = NULL;
		int rc = enf_secret_read(e, res, &secret);
		enf_secret_free(secret);
		if (rc)
			return rc;
	}
	return e->p->right_grant(e->self, c->name, c->account);
}

static int apply_revoke(engine *e, const change *c, const enf_resource *res)
{
	(void)res;
	return e->p->right_revoke(e->self, c->name, c->account);
}

/* Undoes exactly what the run did: a grant is revoked, a revocation granted again. */
static int invert_right(engine *e, const change *c, change *out)
{
	enf_right_holders holders = {0};
	int rc = read_holders(e, c->name, &holders);
	if (rc)
		return rc;
	int held = find_holder(e, &holders, c->account) >= 0;
	enf_right_holders_clear(&holders);
	int granted = c->ops == &enf_change_right_grant;
	if (granted != held)
		return 0; /* already as it was */
	char *label = right_label(c->name);
	const char *shown = c->key ? c->key : c->account;
	out->ops = granted ? &enf_change_right_revoke : &enf_change_right_grant;
	out->text = !label    ? NULL
	            : granted ? enf_asprintf("revoke %s from %s (the run granted it)", label, shown)
	                      : enf_asprintf("grant %s %s (the run revoked it)", shown, label);
	free(label);
	if (!out->text || enf_change_dup_str(&out->name, c->name) ||
	    enf_change_dup_str(&out->account, c->account) || enf_change_dup_str(&out->key, c->key))
		return ENF_ENOMEM;
	return 0;
}

/* {"right", "account" (a name or SID), "shown" (how plans name the account)}. */
static int encode(json_t *o, const change *c)
{
	enf_json_set_str(o, "right", c->name);
	enf_json_set_str(o, "account", c->account);
	enf_json_set_str(o, "shown", c->key);
	return 0;
}

static int decode(change *c, const json_t *o)
{
	if (enf_json_get_str(&c->name, o, "right") || !c->name || !enf_right_find(c->name) ||
	    enf_json_get_str(&c->account, o, "account") || !c->account ||
	    enf_json_get_str(&c->key, o, "shown"))
		return ENF_EINVALID;
	return 0;
}

const change_ops enf_change_right_grant = {
    .op = "right-grant",
    .apply = apply_grant,
    .inverse = invert_right,
    .encode = encode,
    .decode = decode,
};

const change_ops enf_change_right_revoke = {
    .op = "right-revoke",
    .apply = apply_revoke,
    .inverse = invert_right,
    .encode = encode,
    .decode = decode,
};

static const change_ops *const changes[] = {&enf_change_right_grant, &enf_change_right_revoke,
                                            NULL};

const engine_type enf_engine_type_user_right = {
    .caps = ENF_CAP_RIGHTS,
    .plan = plan_user_right,
    .changes = changes,
};
