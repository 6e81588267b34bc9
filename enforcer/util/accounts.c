/*
 * Built-in service accounts and account classes. "NetworkService",
 * "NT AUTHORITY\NETWORK SERVICE" and "S-1-5-20" are one account; every
 * spelling below is one Windows itself uses or admins write (services.msc
 * shows "Network Service"), and docs/windows-semantics.md cites where each
 * comes from.
 */
#include "util/accounts.h"

#include "util/util.h"

#include <ctype.h>
#include <string.h>

static const enf_account_builtin builtins[] = {
    {"LocalSystem", "S-1-5-18", "LocalSystem"},
    {"LocalService", "S-1-5-19", "NT AUTHORITY\\LocalService"},
    {"NetworkService", "S-1-5-20", "NT AUTHORITY\\NetworkService"},
};

enum { LOCAL_SYSTEM, LOCAL_SERVICE, NETWORK_SERVICE };

static const struct {
	const char *spelling;
	unsigned char account; /* index into builtins[] */
} spellings[] = {
    {"LocalSystem", LOCAL_SYSTEM},
    {"SYSTEM", LOCAL_SYSTEM},
    {"NT AUTHORITY\\SYSTEM", LOCAL_SYSTEM},
    {"Local System", LOCAL_SYSTEM},
    {"LocalService", LOCAL_SERVICE},
    {"NT AUTHORITY\\LocalService", LOCAL_SERVICE},
    {"NT AUTHORITY\\LOCAL SERVICE", LOCAL_SERVICE},
    {"Local Service", LOCAL_SERVICE},
    {"NetworkService", NETWORK_SERVICE},
    {"NT AUTHORITY\\NetworkService", NETWORK_SERVICE},
    {"NT AUTHORITY\\NETWORK SERVICE", NETWORK_SERVICE},
    {"Network Service", NETWORK_SERVICE},
};

int enf_account_is_sid(const char *name)
{
	if (!enf_starts_with_nocase(name, "S-1-"))
		return 0;
	/* After "S-1-": the identifier authority, then at least one sub-authority. */
	int numbers = 0;
	for (const char *p = name + 4; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)p[1]))
			p++;
		numbers++;
		if (p[1] == '-') {
			if (!p[2])
				return 0;
			p++;
		}
	}
	return numbers >= 2;
}

const enf_account_builtin *enf_account_builtin_find(const char *name, const char *computer)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < ENF_ARRAY_SIZE(builtins); i++)
		if (enf_strcaseeq(name, builtins[i].sid))
			return &builtins[i];
	for (size_t i = 0; i < ENF_ARRAY_SIZE(spellings); i++)
		if (enf_strcaseeq(name, spellings[i].spelling))
			return &builtins[spellings[i].account];
	/*
	 * Only LocalSystem is documented with a machine prefix (".\LocalSystem",
	 * "COMPUTER\LocalSystem"); the other two must be written
	 * "NT AUTHORITY\...".
	 */
	const char *slash = strchr(name, '\\');
	if (!slash || !enf_strcaseeq(slash + 1, "LocalSystem"))
		return NULL;
	size_t n = (size_t)(slash - name);
	if ((n == 1 && name[0] == '.') ||
	    (computer && *computer && n == strlen(computer) && enf_strncaseeq(name, computer, n)))
		return &builtins[LOCAL_SYSTEM];
	return NULL;
}

/* "NT SERVICE\name", or a service SID under S-1-5-80 (S-1-5-80-0 is the group of all services). */
static int is_virtual(const char *name)
{
	if (enf_starts_with_nocase(name, "NT SERVICE\\"))
		return name[strlen("NT SERVICE\\")] != '\0';
	return enf_account_is_sid(name) && enf_starts_with_nocase(name, "S-1-5-80-") &&
	       strcmp(name + strlen("S-1-5-80-"), "0") != 0;
}

/* A managed account's name ends in '$', as a computer account's does: "CONTOSO\gmsa-lync$". */
static int is_managed(const char *name)
{
	const char *slash = strrchr(name, '\\');
	const char *user = slash ? slash + 1 : name;
	size_t n = strlen(user);
	return n > 1 && user[n - 1] == '$';
}

enf_account_class enf_account_classify(const char *name)
{
	if (enf_account_builtin_find(name, NULL))
		return ENF_ACCOUNT_BUILTIN;
	if (is_virtual(name))
		return ENF_ACCOUNT_VIRTUAL;
	if (enf_account_is_sid(name))
		return ENF_ACCOUNT_SID;
	if (is_managed(name))
		return ENF_ACCOUNT_MANAGED;
	return ENF_ACCOUNT_USER;
}

const char *enf_account_builtin_sid(const char *name)
{
	const enf_account_builtin *b = enf_account_builtin_find(name, NULL);
	return b ? b->sid : NULL;
}

const char *enf_account_scm_name(const char *name)
{
	const enf_account_builtin *b = enf_account_builtin_find(name, NULL);
	return b ? b->scm_name : NULL;
}

int enf_account_takes_password(const char *name)
{
	enf_account_class c = enf_account_classify(name);
	return c == ENF_ACCOUNT_USER || c == ENF_ACCOUNT_SID;
}
