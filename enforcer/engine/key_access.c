/*
 * Whether an account may use a private key, from the key's DACL, in the
 * order Windows evaluates it (AccessCheck, docs/windows-semantics.md): entry
 * by entry, an access-denied entry for the account or a group of its token
 * refuses the rights it names that no earlier entry allowed, and the rights
 * allowed once are kept. Tools write DACLs in canonical order, explicit deny
 * entries before allow entries, so one deny entry for the account is enough
 * to refuse it whatever the allow entries say.
 */
#include "engine_int.h"

#include "enforcer/errors.h"
#include "util/accounts.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* The rights of an access mask, generic rights mapped as for the key's file. */
static uint32_t key_rights(uint32_t mask)
{
	uint32_t r = mask & 0x001F01FFu;
	if (mask & 0x10000000u) /* GENERIC_ALL */
		r |= 0x001F01FFu;
	if (mask & 0x80000000u) /* GENERIC_READ */
		r |= 0x00120089u;
	if (mask & 0x40000000u) /* GENERIC_WRITE */
		r |= 0x00120116u;
	if (mask & 0x20000000u) /* GENERIC_EXECUTE */
		r |= 0x001200A0u;
	return r;
}

typedef enum principal {
	P_ACCOUNT, /* the account itself, by any spelling or SID */
	P_ALL,     /* Everyone or Authenticated Users: in every account's token */
	P_OTHER,   /* another account that is no group (a built-in or virtual account) */
	P_MAYBE    /* anything else: a group the account may be in, which the check cannot tell */
} principal;

static principal principal_of(engine *e, const enf_key_ace *ace, const char *account)
{
	if ((ace->account && enf_accounts_same(e, ace->account, account)) ||
	    (ace->sid && enf_accounts_same(e, ace->sid, account)))
		return P_ACCOUNT;
	const char *sid = ace->sid;
	if (!sid && ace->account && enf_account_lookup(e, ace->account, &sid))
		sid = NULL;
	enf_error_clear();
	const char *name = ace->account ? ace->account : "";
	if ((sid && (strcmp(sid, "S-1-1-0") == 0 || strcmp(sid, "S-1-5-11") == 0)) ||
	    enf_strcaseeq(name, "Everyone") || enf_strcaseeq(name, "Authenticated Users") ||
	    enf_strcaseeq(name, "NT AUTHORITY\\Authenticated Users"))
		return P_ALL;
	if ((sid && !enf_account_takes_password(sid)) ||
	    (ace->account && !enf_account_takes_password(ace->account)))
		return P_OTHER;
	return P_MAYBE;
}

int enf_key_access_check(key_verdict *out, char **why, engine *e, const enf_key_acl *acl,
                         const char *account, enf_key_rights rights)
{
	const uint32_t want = rights == ENF_RIGHTS_FULL ? 0x001F01FFu : 0x00120089u;
	const char *word = rights == ENF_RIGHTS_FULL ? "full control of" : "read";
	/* `effective`: what Windows has allowed so far; `named`: by entries naming the account. */
	uint32_t effective = 0, named = 0;
	*why = NULL;
	*out = KEY_NOT_GRANTED;
	for (size_t i = 0; i < acl->count; i++) {
		const enf_key_ace *ace = &acl->items[i];
		uint32_t r = key_rights(ace->mask) & want;
		if (!r)
			continue;
		principal p = principal_of(e, ace, account);
		const char *who = ace->account ? ace->account : ace->sid ? ace->sid : "?";
		/* Windows stops at the first entry that denies a right not yet allowed. */
		if (!ace->allow && (r & ~effective) && p != P_OTHER) {
			*out = p == P_MAYBE ? KEY_UNKNOWN : KEY_DENIED;
			*why =
			    p == P_MAYBE
			        ? enf_asprintf(
			              "whether %s may %s the private key is unknown: a deny entry for '%s' comes first, and the check cannot tell whether %s is in that group; remove the entry, or check it by hand",
			              account, word, who, account)
			    : p == P_ALL
			        ? enf_asprintf(
			              "%s cannot %s the private key: a deny entry for '%s', which includes every account, comes before any allow entry; remove that deny entry (enforcer adds allow entries, it never removes deny entries)",
			              account, word, who)
			        : enf_asprintf(
			              "%s cannot %s the private key: a deny entry for '%s' comes before any allow entry; remove that deny entry (enforcer adds allow entries, it never removes deny entries)",
			              account, word, who);
			return *why ? 0 : enf_error_oom();
		}
		if (ace->allow && p != P_OTHER && p != P_MAYBE)
			effective |= r;
		/* The policy asks for an entry for the account itself, as a grant writes it. */
		if (ace->allow && p == P_ACCOUNT)
			named |= r;
	}
	if ((named & want) == want)
		*out = KEY_GRANTED;
	return 0;
}
