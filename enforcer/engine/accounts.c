/*
 * Account identity. "NetworkService", "NT AUTHORITY\NetworkService" and
 * "NT AUTHORITY\NETWORK SERVICE" are one account: compare by SID where it
 * is known, never by spelling.
 */
#include "engine_int.h"

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

/* The SID of an account, or NULL when neither we nor the target know it. */
static char *sid_of(engine *e, const char *account)
{
	const char *sid = well_known_sid(e, account);
	if (sid)
		return enf_strdup(sid);
	char *out = NULL;
	if (e->p->account_sid && e->p->account_sid(&out, e->self, account) == 0)
		return out;
	return NULL;
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

int enf_accounts_same(engine *e, const char *a, const char *b)
{
	if (enf_strcaseeq(a, b))
		return 1;
	char *sa = sid_of(e, a), *sb = sid_of(e, b);
	int same;
	if (sa && sb) {
		same = enf_strcaseeq(sa, sb);
	} else {
		const char *la = local_part(e, a), *lb = local_part(e, b);
		same = la && lb && enf_strcaseeq(la, lb);
	}
	free(sa);
	free(sb);
	return same;
}
