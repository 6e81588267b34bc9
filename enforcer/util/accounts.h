/*
 * The one table of Windows' built-in service accounts and the classes of
 * the other account names a service can log on as. The policy loader, the
 * engine and both providers ask here, so that they agree on which names are
 * the same account and which take a password. docs/windows-semantics.md
 * gives the Microsoft documentation behind each rule.
 */
#ifndef ENFORCER_UTIL_ACCOUNTS_H
#define ENFORCER_UTIL_ACCOUNTS_H

/* What kind of account a name spells. */
typedef enum enf_account_class {
	ENF_ACCOUNT_USER = 0, /* an ordinary account: "DOMAIN\name", ".\name", "name" */
	ENF_ACCOUNT_BUILTIN,  /* LocalSystem, LocalService or NetworkService, any spelling or SID */
	ENF_ACCOUNT_VIRTUAL,  /* "NT SERVICE\name", or its SID "S-1-5-80-..." */
	ENF_ACCOUNT_MANAGED,  /* a (group) managed service account: "DOMAIN\name$" */
	ENF_ACCOUNT_SID,      /* any other SID string ("S-1-5-21-..."): whose, the target knows */
} enf_account_class;

/* One built-in account: its SID and the name the Service Control Manager takes. */
typedef struct enf_account_builtin {
	const char *name;     /* "LocalSystem", "LocalService", "NetworkService" */
	const char *sid;      /* "S-1-5-18", "S-1-5-19", "S-1-5-20" */
	const char *scm_name; /* for ChangeServiceConfigW: "NT AUTHORITY\LocalService"... */
} enf_account_builtin;

/*
 * The built-in account that `name` spells (any case), or NULL. `computer`
 * is the machine's own name, or NULL when it is not known: Windows accepts
 * "COMPUTER\LocalSystem" as well as ".\LocalSystem" and "LocalSystem".
 */
const enf_account_builtin *enf_account_builtin_find(const char *name, const char *computer);

/* The class of an account name, as far as the name alone tells. */
enf_account_class enf_account_classify(const char *name);

/* The SID of a built-in account in any spelling ("S-1-5-20"), or NULL for any other name. */
const char *enf_account_builtin_sid(const char *name);

/*
 * What ChangeServiceConfigW must receive as lpServiceStartName for a
 * built-in account ("LocalSystem", "NT AUTHORITY\LocalService",
 * "NT AUTHORITY\NetworkService"), or NULL for any other name, which the SCM
 * takes as it is.
 */
const char *enf_account_scm_name(const char *name);

/*
 * True when the account has a password that must come from somewhere: an
 * ordinary user, or a SID that may be one. The built-in accounts have none
 * (the SCM wants "" for them), nor do managed and virtual accounts (the SCM
 * wants NULL for them).
 */
int enf_account_takes_password(const char *name);

/* True for the text form of a SID: "S-1-" then numbers joined by '-' (any case of 'S'). */
int enf_account_is_sid(const char *name);

#endif
