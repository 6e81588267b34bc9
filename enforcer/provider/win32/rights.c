/*
 * User rights through the LSA (win32 provider): who holds a right
 * (LsaEnumerateAccountsWithUserRight), grant (LsaAddAccountRights) and
 * revoke (LsaRemoveAccountRights). Each call opens the local Policy object
 * with only the access that function's documentation asks for, and closes
 * it again. docs/windows-semantics.md cites the pages behind each step.
 */
#include "win32_int.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <ntsecapi.h>
#include <stdlib.h>
#include <string.h>

/* "There were no accounts with the specified privilege" (MS-LSAD 3.1.4.5.9). */
#define LSA_STATUS_NO_MORE_ENTRIES ((NTSTATUS)0x8000001AL)

/* An NTSTATUS as the Windows error LsaNtStatusToWinError gives, in the last error. */
static int lsa_fail(NTSTATUS st, const char *what)
{
	ULONG err = LsaNtStatusToWinError(st);
	enf_error_set_os((int)err, "%s (NTSTATUS 0x%08lx)", what, (unsigned long)(ULONG)st);
	return enf_w32_code(err);
}

/* The local Policy object; LsaOpenPolicy needs an administrator (or SYSTEM). */
static int lsa_open(LSA_HANDLE *out, ACCESS_MASK access, const char *right)
{
	LSA_OBJECT_ATTRIBUTES oa;
	memset(&oa, 0, sizeof(oa)); /* "not used; initialize them to NULL or zero" */
	NTSTATUS st = LsaOpenPolicy(NULL, &oa, access, out);
	if (st == 0)
		return 0;
	*out = NULL;
	char *what = enf_asprintf("cannot open the local security policy for %s (LsaOpenPolicy: "
	                          "run as an administrator or SYSTEM)",
	                          right);
	int rc = lsa_fail(st, what ? what : "cannot open the local security policy");
	free(what);
	return rc;
}

/* The right as an LSA_UNICODE_STRING: lengths in bytes, without the terminating NUL. */
static int lsa_string(LSA_UNICODE_STRING *out, wchar_t **buf, const char *right)
{
	int rc = enf_w32_wide(buf, right, "the right's name");
	if (rc)
		return rc;
	size_t n = wcslen(*buf);
	if (n > 1000) {
		free(*buf);
		*buf = NULL;
		enf_error_set(ENF_ERRCLASS_INVALID, "the right's name is too long");
		return ENF_EINVALID;
	}
	out->Buffer = *buf;
	out->Length = (USHORT)(n * sizeof(wchar_t));
	out->MaximumLength = (USHORT)((n + 1) * sizeof(wchar_t));
	return 0;
}

/* "DOMAIN\name" of a SID, or NULL when Windows cannot name it (a deleted account). */
static char *sid_name(PSID sid)
{
	wchar_t name[256], domain[256], both[514];
	DWORD n = ENF_ARRAY_SIZE(name), d = ENF_ARRAY_SIZE(domain);
	SID_NAME_USE use;
	if (!LookupAccountSidW(NULL, sid, name, &n, domain, &d, &use))
		return NULL;
	size_t dl = wcslen(domain), nl = wcslen(name), at = 0;
	if (dl + nl + 2 > ENF_ARRAY_SIZE(both))
		return NULL;
	if (dl) {
		memcpy(both, domain, dl * sizeof(wchar_t));
		both[dl] = L'\\';
		at = dl + 1;
	}
	memcpy(both + at, name, (nl + 1) * sizeof(wchar_t));
	char *out = NULL;
	if (enf_w32_utf8(&out, both)) {
		enf_error_clear();
		return NULL;
	}
	return out;
}

int enf_w32_right_holders(enf_right_holders *out, void *self, const char *right)
{
	(void)self;
	LSA_HANDLE policy = NULL;
	LSA_UNICODE_STRING us;
	wchar_t *w = NULL;
	PVOID buf = NULL;
	ULONG count = 0;
	enf_right_holders h = {0};
	int rc = lsa_string(&us, &w, right);
	if (rc == 0)
		rc = lsa_open(&policy, POLICY_LOOKUP_NAMES | POLICY_VIEW_LOCAL_INFORMATION, right);
	if (rc)
		goto done;
	NTSTATUS st = LsaEnumerateAccountsWithUserRight(policy, &us, &buf, &count);
	if (st == LSA_STATUS_NO_MORE_ENTRIES) {
		count = 0; /* nobody holds it: an answer, not a failure */
	} else if (st != 0) {
		char *what = enf_asprintf("cannot list who holds %s", right);
		rc = lsa_fail(st, what ? what : "cannot list who holds the right");
		free(what);
		goto done;
	}
	h.items = calloc(count ? count : 1, sizeof(enf_right_holder));
	if (!h.items) {
		rc = enf_error_oom();
		goto done;
	}
	const LSA_ENUMERATION_INFORMATION *info = buf;
	for (ULONG i = 0; i < count; i++) {
		enf_right_holder *e = &h.items[h.count++];
		if (!(e->sid = enf_w32_sid_string(info[i].Sid))) {
			rc = enf_error_oom();
			goto done;
		}
		e->name = sid_name(info[i].Sid);
	}
	*out = h;
	memset(&h, 0, sizeof(h));
done:
	enf_right_holders_clear(&h);
	if (buf)
		LsaFreeMemory(buf);
	if (policy)
		LsaClose(policy);
	free(w);
	return rc;
}

/* Grants (add) or revokes `right` for one account, by its SID. */
static int change_right(const char *right, const char *account, int add)
{
	LSA_HANDLE policy = NULL;
	LSA_UNICODE_STRING us;
	wchar_t *w = NULL;
	PSID sid = NULL;
	int rc = lsa_string(&us, &w, right);
	if (rc == 0)
		rc = enf_w32_account_psid(&sid, account);
	/* Adding may create the account's LSA entry: POLICY_CREATE_ACCOUNT too. */
	if (rc == 0)
		rc = lsa_open(
		    &policy,
		    add ? POLICY_LOOKUP_NAMES | POLICY_CREATE_ACCOUNT : POLICY_LOOKUP_NAMES, right);
	if (rc)
		goto done;
	NTSTATUS st = add ? LsaAddAccountRights(policy, sid, &us, 1)
	                  : LsaRemoveAccountRights(policy, sid, FALSE, &us, 1);
	if (st != 0) {
		char *what = add ? enf_asprintf("cannot grant '%s' %s", account, right)
		                 : enf_asprintf("cannot revoke %s from '%s'", right, account);
		rc = lsa_fail(st, what ? what : "cannot change who holds the right");
		free(what);
	}
done:
	if (policy)
		LsaClose(policy);
	free(sid);
	free(w);
	return rc;
}

int enf_w32_right_grant(void *self, const char *right, const char *account)
{
	(void)self;
	return change_right(right, account, 1);
}

int enf_w32_right_revoke(void *self, const char *right, const char *account)
{
	(void)self;
	return change_right(right, account, 0);
}
