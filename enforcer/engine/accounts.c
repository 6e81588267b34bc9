/*
 * Account identity. "NetworkService", "NT AUTHORITY\NetworkService" and
 * "NT AUTHORITY\NETWORK SERVICE" are one account: compare by SID where it
 * is known, never by spelling.
 */
#include "engine_int.h"

#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	const char *sid;
} well_known[] = {
	{"LocalSystem", "S-1-5-18"},
	{".\\LocalSystem", "S-1-5-18"},
	{"SYSTEM", "S-1-5-18"},
	{"NT AUTHORITY\\SYSTEM", "S-1-5-18"},
	{"LocalService", "S-1-5-19"},
	{"NT AUTHORITY\\LocalService", "S-1-5-19"},
	{"NT AUTHORITY\\LOCAL SERVICE", "S-1-5-19"},
	{"NetworkService", "S-1-5-20"},
	{"NT AUTHORITY\\NetworkService", "S-1-5-20"},
	{"NT AUTHORITY\\NETWORK SERVICE", "S-1-5-20"},
};

static const char *well_known_sid(const char *account)
{
	for (size_t i = 0; i < ENF_ARRAY_SIZE(well_known); i++)
		if (enf_strcaseeq(account, well_known[i].name))
			return well_known[i].sid;
	if (enf_strncaseeq(account, "S-1-", 4))
		return account; /* already a SID */
	return NULL;
}

int account_is_builtin(const char *account)
{
	size_t len = strlen(account);
	return well_known_sid(account) != NULL || (len > 1 && account[len - 1] == '$') ||
	       enf_starts_with_nocase(account, "NT SERVICE\\");
}

int enf_account_is_builtin(const char *account)
{
	return account_is_builtin(account);
}

/* The SID of an account, or NULL when neither we nor the target know it. */
static char *sid_of(engine *e, const char *account)
{
	const char *sid = well_known_sid(account);
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

int accounts_same(engine *e, const char *a, const char *b)
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
