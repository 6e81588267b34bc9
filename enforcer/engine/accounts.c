/*
 * Account identity. "NetworkService", "NT AUTHORITY\NetworkService" and
 * "NT AUTHORITY\NETWORK SERVICE" are one account: compare by SID where it
 * is known, never by spelling.
 */
#include "engine_int.h"

#include "enforcer/errors.h"
#include "util/accounts.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/*
 * The SID of a well-known account, or the account itself when it is written
 * as a SID; NULL otherwise. The host's own name counts for
 * "HOST\LocalSystem", which Windows accepts as well as ".\LocalSystem".
 */
static const char *well_known_sid(engine *e, const char *account)
{
	const enf_account_builtin *b =
	    enf_account_builtin_find(account, enf_facts_get(&e->run->facts, "host.name"));
	if (b)
		return b->sid;
	if (enf_account_is_sid(account))
		return account;
	return NULL;
}

int enf_account_is_builtin(const char *account)
{
	return !enf_account_takes_password(account);
}

int enf_account_lookup(engine *e, const char *account, const char **sid)
{
	*sid = well_known_sid(e, account);
	if (*sid)
		return 0;
	if (!e->p->account_sid) {
		enf_error_set(ENF_ERRCLASS_PROVIDER, "the %s target cannot look up accounts",
		              e->p->name);
		return ENF_EUNSUPPORTED;
	}
	if (!e->accounts && !(e->accounts = json_object()))
		return enf_error_oom();
	/* Names as written: "CONTOSO\a" and "contoso\A" may cost two lookups, never more. */
	json_t *known = json_object_get(e->accounts, account);
	if (!known) {
		char *out = NULL;
		int rc = e->p->account_sid(&out, e->self, account);
		const enf_error *err = enf_error_last();
		known = rc == 0 ? json_pack("{s:s}", "sid", out)
		                : json_pack("{s:i, s:s}", "rc", rc, "error",
		                            err && err->message ? err->message : "?");
		free(out);
		if (!known || json_object_set_new(e->accounts, account, known))
			return enf_error_oom();
	}
	*sid = json_string_value(json_object_get(known, "sid"));
	if (*sid)
		return 0;
	/* The same answer again, with the same message. */
	enf_error_set(ENF_ERRCLASS_PROVIDER, "%s",
	              json_string_value(json_object_get(known, "error")));
	return (int)json_integer_value(json_object_get(known, "rc"));
}

void enf_account_cache_clear(engine *e)
{
	json_decref(e->accounts);
	e->accounts = NULL;
}

/* ".\name" and "HOST\name" are the same local account. */
static const char *local_part(engine *e, const char *account)
{
	if (strncmp(account, ".\\", 2) == 0)
		return account + 2;
	const char *host = enf_facts_get(&e->run->facts, "host.name");
	size_t n = host ? strlen(host) : 0;
	if (n && enf_strncaseeq(account, host, n) && account[n] == '\\')
		return account + n + 1;
	return NULL;
}

int enf_accounts_compare(int *same, engine *e, const char *a, const char *b)
{
	*same = 1;
	if (enf_strcaseeq(a, b))
		return 0;
	const char *sa = NULL, *sb = NULL;
	int ra = enf_account_lookup(e, a, &sa);
	/* The message of the first failure is the one kept. */
	if (ra && ra != ENF_ENOTFOUND && ra != ENF_EUNSUPPORTED)
		return ra;
	int rb = enf_account_lookup(e, b, &sb);
	if (rb && rb != ENF_ENOTFOUND && rb != ENF_EUNSUPPORTED)
		return rb;
	enf_error_clear();
	if (sa && sb) {
		*same = enf_strcaseeq(sa, sb);
	} else {
		const char *la = local_part(e, a), *lb = local_part(e, b);
		*same = la && lb && enf_strcaseeq(la, lb);
	}
	return 0;
}

int enf_accounts_same(engine *e, const char *a, const char *b)
{
	int same = 0;
	if (enf_accounts_compare(&same, e, a, b)) {
		enf_error_clear();
		return 0;
	}
	return same;
}

int enf_account_confusable(const char *name)
{
	for (const unsigned char *p = (const unsigned char *)name; p && *p; p++)
		if (*p < 0x20 || *p >= 0x7F)
			return 1;
	return 0;
}

char *enf_account_shown(engine *e, const char *name, const char *sid, int with_sid)
{
	if (!with_sid || enf_account_is_sid(name))
		return enf_strdup(name);
	int rc = sid ? 0 : enf_account_lookup(e, name, &sid);
	enf_error_clear();
	/* Said, not guessed: a name without a SID is shown as one. */
	if (rc)
		return enf_asprintf("%s (SID unknown: %s)", name,
		                    rc == ENF_ENOTFOUND ? "no such account"
		                                        : "cannot be looked up");
	return enf_asprintf("%s (%s)", name, sid);
}
