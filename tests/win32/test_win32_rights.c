/*
 * User rights through the win32 provider, under Wine or on Windows. The LSA
 * calls are made directly first, to record what this Windows (or Wine)
 * really does, then through the provider. Wine stubs the LSA account
 * rights: where it differs from Windows, the Windows behaviour is the one
 * the provider is written for, and this test says which one it saw.
 */
#include "tw.h"

#include "enforcer/engine.h"
#include "enforcer/errors.h"
#include "enforcer/policy.h"
#include "util/util.h"

#include <ntsecapi.h>
#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Backup Operators: a built-in group every Windows (and Wine) has, harmless to grant to. */
#define TEST_SID   "S-1-5-32-551"
#define TEST_RIGHT "SeBatchLogonRight"

static int under_wine(void)
{
	HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
	return ntdll && GetProcAddress(ntdll, "wine_get_version") != NULL;
}

static void init_us(LSA_UNICODE_STRING *us, wchar_t *w)
{
	us->Buffer = w;
	us->Length = (USHORT)(wcslen(w) * sizeof(wchar_t));
	us->MaximumLength = (USHORT)(us->Length + sizeof(wchar_t));
}

/* How many accounts hold the right, by a direct call; -1 on failure. `st` gets the status. */
static long raw_count(LSA_HANDLE h, wchar_t *right, NTSTATUS *st, int *has_test_sid)
{
	LSA_UNICODE_STRING us;
	PVOID buf = NULL;
	ULONG n = 0;
	init_us(&us, right);
	*st = LsaEnumerateAccountsWithUserRight(h, &us, &buf, &n);
	*has_test_sid = 0;
	if (*st == 0) {
		PSID want = NULL;
		ConvertStringSidToSidW(L"" TEST_SID, &want);
		for (ULONG i = 0; want && i < n; i++)
			if (EqualSid(((LSA_ENUMERATION_INFORMATION *)buf)[i].Sid, want))
				*has_test_sid = 1;
		LocalFree(want);
		LsaFreeMemory(buf);
	}
	return *st == 0 ? (long)n : ((ULONG)*st == 0x8000001AUL ? 0 : -1);
}

/* What the LSA does here, straight from advapi32. */
static void raw_lsa(int wine)
{
	LSA_OBJECT_ATTRIBUTES oa;
	LSA_HANDLE h = NULL;
	memset(&oa, 0, sizeof(oa));
	NTSTATUS st = LsaOpenPolicy(
	    NULL, &oa, POLICY_LOOKUP_NAMES | POLICY_VIEW_LOCAL_INFORMATION | POLICY_CREATE_ACCOUNT,
	    &h);
	tw_info("LsaOpenPolicy: NTSTATUS 0x%08lx", (unsigned long)st);
	CHECK(st == 0, "LsaOpenPolicy as an administrator succeeds");
	if (st != 0)
		return;
	int has = 0;
	long n = raw_count(h, L"SeServiceLogonRight", &st, &has);
	tw_info("LsaEnumerateAccountsWithUserRight(SeServiceLogonRight): NTSTATUS 0x%08lx, %ld "
	        "accounts",
	        (unsigned long)st, n);
	/* Windows lists at least NT SERVICE\ALL SERVICES or NETWORK SERVICE; Wine's stub, nobody.
	 */
	CHECK(wine ? (ULONG)st == 0x8000001AUL && n == 0 : st == 0 && n > 0,
	      "%s: who holds SeServiceLogonRight", wine ? "Wine (stub)" : "Windows");
	PSID sid = NULL;
	ConvertStringSidToSidW(L"" TEST_SID, &sid);
	LSA_UNICODE_STRING us;
	init_us(&us, L"" TEST_RIGHT);
	NTSTATUS added = st = LsaAddAccountRights(h, sid, &us, 1);
	tw_info("LsaAddAccountRights(" TEST_SID ", " TEST_RIGHT "): NTSTATUS 0x%08lx, Windows "
	        "error %lu",
	        (unsigned long)st, (unsigned long)LsaNtStatusToWinError(st));
	n = raw_count(h, L"" TEST_RIGHT, &st, &has);
	CHECK(added == 0 && (wine ? !has : has), "%s: the grant is %s", wine ? "Wine" : "Windows",
	      wine ? "accepted and not stored (a stub)" : "listed");
	tw_info("then LsaEnumerateAccountsWithUserRight(" TEST_RIGHT "): NTSTATUS 0x%08lx, %ld "
	        "accounts, " TEST_SID " %s",
	        (unsigned long)st, n, has ? "among them" : "not among them");
	PLSA_UNICODE_STRING rights = NULL;
	ULONG count = 0;
	st = LsaEnumerateAccountRights(h, sid, &rights, &count);
	/* Wine: STATUS_OBJECT_NAME_NOT_FOUND, as if the account held no right at all. */
	CHECK(wine ? (ULONG)st == 0xC0000034UL : st == 0 && count >= 1,
	      "LsaEnumerateAccountRights after the grant");
	tw_info("LsaEnumerateAccountRights(" TEST_SID "): NTSTATUS 0x%08lx, %lu rights",
	        (unsigned long)st, (unsigned long)count);
	if (rights)
		LsaFreeMemory(rights);
	st = LsaRemoveAccountRights(h, sid, FALSE, &us, 1);
	CHECK(st == 0, "LsaRemoveAccountRights");
	tw_info("LsaRemoveAccountRights(" TEST_SID ", " TEST_RIGHT "): NTSTATUS 0x%08lx",
	        (unsigned long)st);
	init_us(&us, L"SeNoSuchRight");
	PVOID buf = NULL;
	ULONG got = 0;
	st = LsaEnumerateAccountsWithUserRight(h, &us, &buf, &got);
	/* Windows: STATUS_NO_SUCH_PRIVILEGE; Wine's stub does not check the name. */
	CHECK(wine ? (ULONG)st == 0x8000001AUL : (ULONG)st == 0xC0000060UL,
	      "an unknown right name");
	tw_info("LsaEnumerateAccountsWithUserRight(SeNoSuchRight): NTSTATUS 0x%08lx",
	        (unsigned long)st);
	if (buf)
		LsaFreeMemory(buf);
	LocalFree(sid);
	LsaClose(h);
}

static int holds(const char *right, const char *sid)
{
	enf_right_holders h = {0};
	if (tw_p->right_holders(&h, tw_self, right) != 0)
		return -1;
	int found = 0;
	for (size_t i = 0; i < h.count; i++)
		found |= h.items[i].sid && strcmp(h.items[i].sid, sid) == 0;
	enf_right_holders_clear(&h);
	return found;
}

/*
 * The engine on this machine, planning only: a grant is needed, and whether
 * Group Policy defines the right decides between drift and a refusal.
 */
static void plan_a_grant(int wine)
{
	static const char yaml[] =
	    "enforcer: 1\nname: wine-rights\nresources:\n"
	    "  - {type: user-right, id: batch, right: " TEST_RIGHT ", members: ['" TEST_SID "']}\n";
	enf_diag_list diags;
	enf_policy *policy = NULL;
	enf_target *target = NULL;
	enf_run *run = NULL;
	enf_diag_list_init(&diags, "wine-rights.yaml");
	CHECK_RC(enf_policy_load_buffer(&policy, &diags, "wine-rights.yaml", yaml, strlen(yaml)),
	         0);
	CHECK_RC(enf_target_open(&target, "local"), 0);
	enf_run_options opts = ENF_RUN_OPTIONS_INIT;
	opts.mode = ENF_RUN_PLAN;
	if (policy && target)
		CHECK_RC(enf_run_policy(&run, policy, target, &opts), 0);
	if (run && run->count == 1) {
		const enf_result *r = &run->results[0];
		if (wine)
			/* Wine lists no holder and cannot tell about Group Policy: refused,
			 * unchanged. */
			CHECK(r->outcome == ENF_OUTCOME_FAILED && r->message &&
			          strncmp(
			              r->message,
			              "cannot tell whether Group Policy defines " TEST_RIGHT
			              " on this machine (",
			              strlen("cannot tell whether Group Policy defines " TEST_RIGHT
			                     " on this machine (")) == 0,
			      "Wine: the grant is refused: %s", r->message ? r->message : "?");
		else
			CHECK(r->outcome == ENF_OUTCOME_DRIFT || r->outcome == ENF_OUTCOME_FAILED,
			      "Windows: drift, or refused by Group Policy: %s",
			      r->message ? r->message : "(no message)");
		tw_info("engine plan: %s", r->message ? r->message : "(drift)");
	}
	enf_run_free(run);
	enf_target_close(target);
	enf_policy_free(policy);
	enf_diag_list_clear(&diags);
}

void tw_rights(void)
{
	int wine = under_wine();
	raw_lsa(wine);
	CHECK(tw_p->caps & ENF_CAP_RIGHTS, "the win32 provider reads and changes user rights");
	enf_right_holders h = {0};
	CHECK_RC(tw_p->right_holders(&h, tw_self, "SeServiceLogonRight"), 0);
	tw_info("provider: %zu accounts hold SeServiceLogonRight", h.count);
	enf_right_holders_clear(&h);
	CHECK(holds(TEST_RIGHT, TEST_SID) == 0, TEST_SID " does not hold " TEST_RIGHT " yet");
	CHECK_RC(tw_p->right_grant(tw_self, TEST_RIGHT, TEST_SID), 0);
	int after_grant = holds(TEST_RIGHT, TEST_SID);
	if (wine)
		tw_info("Wine: after a grant, " TEST_SID " is %s the holders of " TEST_RIGHT
		        " (Windows lists it)",
		        after_grant == 1 ? "among" : "not among");
	else
		CHECK(after_grant == 1, "a granted right is listed");
	CHECK_RC(tw_p->right_revoke(tw_self, TEST_RIGHT, TEST_SID), 0);
	CHECK(holds(TEST_RIGHT, TEST_SID) == 0, "a revoked right is not listed");
	/* An account that cannot be resolved is refused before the LSA is asked. */
	CHECK_RC(tw_p->right_grant(tw_self, TEST_RIGHT, "NOSUCHDOMAIN\\nosuchuser-enftest"),
	         ENF_ENOTFOUND);
	plan_a_grant(wine);
	enf_tristate gpo = ENF_YES;
	CHECK_RC(tw_p->right_gpo(&gpo, tw_self, "SeServiceLogonRight"), 0);
	if (wine) {
		/* Wine has no RSoP WMI namespace: the provider says it cannot tell, and why. */
		CHECK(gpo == ENF_UNKNOWN, "Wine: whether Group Policy defines a right is unknown");
		tw_info("Wine: right_gpo is unknown: %s",
		        enf_error_last() ? enf_error_last()->message : "?");
		CHECK(tw_error_has("root\\RSOP\\Computer"), "the reason names the RSoP namespace");
	} else {
		tw_info("Windows: Group Policy %s SeServiceLogonRight", gpo == ENF_YES ? "defines"
		                                                        : gpo == ENF_NO
		                                                            ? "does not define"
		                                                            : "may define");
	}
}
