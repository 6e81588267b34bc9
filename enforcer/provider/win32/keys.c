/*
 * Private keys of certificates (CAPI key containers) and accounts.
 *
 * A certificate names its key through CERT_KEY_PROV_INFO_PROP_ID: provider,
 * container, machine or user keyset. The key's permissions are the security
 * descriptor of its container, read and written with
 * CryptGetProvParam/CryptSetProvParam(PP_KEYSET_SEC_DESCR), which is what
 * "Manage Private Keys" in certlm.msc changes. Lync/SfB certificates use
 * CAPI keys; CNG keys (provider type 0) are reported as unsupported.
 */
#include "win32_int.h"

#include "enforcer/errors.h"
#include "util/accounts.h"
#include "util/util.h"

#include <aclapi.h>
#include <sddl.h>
#include <stdlib.h>
#include <string.h>

#define NTE_BAD_KEYSET_ ((DWORD)0x80090016L)

enf_tristate enf_w32_key_exportable(const CRYPT_KEY_PROV_INFO *info)
{
	HCRYPTPROV prov = 0;
	HCRYPTKEY key = 0;
	DWORD perms = 0, len = sizeof(perms);
	enf_tristate result = ENF_UNKNOWN;
	if (info->dwProvType == 0)
		return ENF_UNKNOWN; /* CNG: not read here */
	if (!CryptAcquireContextW(&prov, info->pwszContainerName, info->pwszProvName,
	                          info->dwProvType,
	                          (info->dwFlags & CRYPT_MACHINE_KEYSET) | CRYPT_SILENT))
		return ENF_UNKNOWN;
	if (CryptGetUserKey(prov, info->dwKeySpec, &key) &&
	    CryptGetKeyParam(key, KP_PERMISSIONS, (BYTE *)&perms, &len, 0))
		result = perms & CRYPT_EXPORT ? ENF_YES : ENF_NO;
	if (key)
		CryptDestroyKey(key);
	CryptReleaseContext(prov, 0);
	return result;
}

/* Opens the certificate's key container; `hex` and `store` name it in messages. */
static int acquire(HCRYPTPROV *out, const CRYPT_KEY_PROV_INFO *info, const char *hex,
                   enf_store store)
{
	if (info->dwProvType == 0) {
		char *prov = NULL;
		enf_w32_utf8(&prov, info->pwszProvName);
		enf_error_set(
		    ENF_ERRCLASS_PROVIDER,
		    "the private key of certificate %s in LocalMachine\\%s is a CNG key (%s): enforcer reads and sets the permissions of CAPI keys only; manage this one in certlm.msc (All Tasks, Manage Private Keys)",
		    hex, enf_store_name(store), prov && *prov ? prov : "key storage provider");
		free(prov);
		return ENF_EUNSUPPORTED;
	}
	if (CryptAcquireContextW(out, info->pwszContainerName, info->pwszProvName, info->dwProvType,
	                         (info->dwFlags & CRYPT_MACHINE_KEYSET) | CRYPT_SILENT))
		return 0;
	DWORD err = GetLastError();
	char *container = NULL;
	enf_w32_utf8(&container, info->pwszContainerName);
	if (err == NTE_BAD_KEYSET_) {
		enf_error_set(
		    ENF_ERRCLASS_PROVIDER,
		    "the key container '%s' of certificate %s in LocalMachine\\%s does not exist (the certificate's key link is stale)",
		    container ? container : "?", hex, enf_store_name(store));
		free(container);
		return ENF_ENOTFOUND;
	}
	enf_error_set_os((int)err, "cannot open the key container '%s' of certificate %s",
	                 container ? container : "?", hex);
	free(container);
	return err == ERROR_ACCESS_DENIED || err == (DWORD)NTE_PERM ? ENF_EACCESS : ENF_ERROR;
}

/* The container's security descriptor (DACL only), malloc'd. */
static int get_sd(BYTE **out, HCRYPTPROV prov, const char *hex)
{
	DWORD len = 0;
	BYTE *sd = NULL;
	if (CryptGetProvParam(prov, PP_KEYSET_SEC_DESCR, NULL, &len, DACL_SECURITY_INFORMATION) &&
	    len > 0 && (sd = malloc(len)) &&
	    CryptGetProvParam(prov, PP_KEYSET_SEC_DESCR, sd, &len, DACL_SECURITY_INFORMATION)) {
		*out = sd;
		return 0;
	}
	DWORD err = sd || len == 0 ? GetLastError() : ERROR_NOT_ENOUGH_MEMORY;
	free(sd);
	enf_error_set_os((int)err,
	                 "cannot read the permissions of the private key of certificate %s", hex);
	return err == ERROR_ACCESS_DENIED ? ENF_EACCESS : ENF_ERROR;
}

/* Enables SeSecurityPrivilege in the process token; 1 when it did (old state in `previous`). */
static int enable_security_privilege(HANDLE *token, TOKEN_PRIVILEGES *previous)
{
	TOKEN_PRIVILEGES tp;
	DWORD len = sizeof(*previous);
	if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, token))
		return 0;
	tp.PrivilegeCount = 1;
	tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
	if (!LookupPrivilegeValueW(NULL, SE_SECURITY_NAME, &tp.Privileges[0].Luid) ||
	    !AdjustTokenPrivileges(*token, FALSE, &tp, sizeof(*previous), previous, &len) ||
	    GetLastError() == ERROR_NOT_ALL_ASSIGNED) {
		CloseHandle(*token);
		return 0;
	}
	return 1;
}

static int set_sd(HCRYPTPROV prov, PSECURITY_DESCRIPTOR sd, const char *hex)
{
	if (CryptSetProvParam(prov, PP_KEYSET_SEC_DESCR, (const BYTE *)sd,
	                      DACL_SECURITY_INFORMATION))
		return 0;
	DWORD err = GetLastError();
	/*
	 * Wine's CSP opens the container's registry key with
	 * ACCESS_SYSTEM_SECURITY, which needs SeSecurityPrivilege as soon as the
	 * key has a descriptor of its own, i.e. from the second change on. An
	 * administrator's token holds that privilege, disabled: enable it for one
	 * retry and put it back. Windows does not fail this way.
	 */
	HANDLE token;
	TOKEN_PRIVILEGES previous;
	if (enable_security_privilege(&token, &previous)) {
		BOOL ok = CryptSetProvParam(prov, PP_KEYSET_SEC_DESCR, (const BYTE *)sd,
		                            DACL_SECURITY_INFORMATION);
		AdjustTokenPrivileges(token, FALSE, &previous, 0, NULL, NULL);
		CloseHandle(token);
		if (ok)
			return 0;
	}
	enf_error_set_os((int)err,
	                 "cannot change the permissions of the private key of certificate %s", hex);
	return err == ERROR_ACCESS_DENIED ? ENF_EACCESS : ENF_ERROR;
}

/* "DOMAIN\name" for a SID, or its SID string when it has no name here. */
static char *account_name(PSID sid)
{
	wchar_t name[256], domain[256];
	DWORD nn = ENF_ARRAY_SIZE(name), dn = ENF_ARRAY_SIZE(domain);
	SID_NAME_USE use;
	char *n = NULL, *d = NULL, *s = NULL;
	if (!LookupAccountSidW(NULL, sid, name, &nn, domain, &dn, &use))
		return enf_w32_sid_string(sid);
	if (enf_w32_utf8(&n, name) == 0 && enf_w32_utf8(&d, domain) == 0)
		s = *d ? enf_asprintf("%s\\%s", d, n) : enf_strdup(n);
	free(n);
	free(d);
	return s;
}

/* The entries of a DACL that apply to the key itself (inherit-only ones do not). */
static int acl_entries(enf_key_acl *a, PACL dacl)
{
	a->items = calloc(dacl && dacl->AceCount ? dacl->AceCount : 1, sizeof(enf_key_ace));
	if (!a->items)
		return enf_error_oom();
	if (!dacl) {
		/* A NULL DACL lets everyone do everything: say so, as one entry. */
		enf_key_ace *e = &a->items[a->count++];
		e->account = enf_strdup("Everyone");
		e->sid = enf_strdup("S-1-1-0");
		e->mask = GENERIC_ALL;
		e->allow = 1;
		return e->account && e->sid ? 0 : enf_error_oom();
	}
	for (DWORD i = 0; i < dacl->AceCount; i++) {
		ACE_HEADER *h = NULL;
		if (!GetAce(dacl, i, (void **)&h))
			continue;
		if ((h->AceType != ACCESS_ALLOWED_ACE_TYPE &&
		     h->AceType != ACCESS_DENIED_ACE_TYPE) ||
		    (h->AceFlags & INHERIT_ONLY_ACE))
			continue;
		ACCESS_ALLOWED_ACE *ace = (ACCESS_ALLOWED_ACE *)h;
		PSID sid = (PSID)&ace->SidStart;
		enf_key_ace *e = &a->items[a->count++];
		e->sid = enf_w32_sid_string(sid);
		e->account = account_name(sid);
		e->mask = ace->Mask;
		e->allow = h->AceType == ACCESS_ALLOWED_ACE_TYPE;
		if (!e->sid || !e->account)
			return enf_error_oom();
	}
	return 0;
}

static PACL dacl_of(PSECURITY_DESCRIPTOR sd)
{
	BOOL present = FALSE, defaulted = FALSE;
	PACL dacl = NULL;
	if (!GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted) || !present)
		return NULL;
	return dacl;
}

/* Opens the key of a certificate: its provider info and an acquired context. */
static int open_key(HCRYPTPROV *prov, char **hex, enf_store store,
                    const unsigned char thumbprint[20])
{
	CRYPT_KEY_PROV_INFO *info = NULL;
	*hex = enf_hex(thumbprint, 20, 1);
	if (!*hex)
		return enf_error_oom();
	int rc = enf_w32_cert_key_info(&info, store, thumbprint);
	if (rc == 0)
		rc = acquire(prov, info, *hex, store);
	free(info);
	return rc;
}

int enf_w32_key_acl_get(enf_key_acl *out, void *self, enf_store store,
                        const unsigned char thumbprint[20])
{
	(void)self;
	HCRYPTPROV prov = 0;
	BYTE *sd = NULL;
	char *hex = NULL;
	wchar_t *wsddl = NULL;
	enf_key_acl a = {0};
	int rc = open_key(&prov, &hex, store, thumbprint);
	if (rc == 0)
		rc = get_sd(&sd, prov, hex);
	if (rc)
		goto done;
	if (!ConvertSecurityDescriptorToStringSecurityDescriptorW(
	        sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &wsddl, NULL)) {
		enf_error_set_os((int)GetLastError(),
		                 "cannot write the private key's permissions as SDDL");
		rc = ENF_ERROR;
		goto done;
	}
	if ((rc = enf_w32_utf8(&a.sddl, wsddl)) || (rc = acl_entries(&a, dacl_of(sd))))
		goto done;
	*out = a;
	memset(&a, 0, sizeof(a));
done:
	enf_key_acl_clear(&a);
	if (wsddl)
		LocalFree(wsddl);
	if (prov)
		CryptReleaseContext(prov, 0);
	free(sd);
	free(hex);
	return rc;
}

/* True when an allow entry that applies to the key already gives `sid` these rights. */
static int already_granted(PACL dacl, PSID sid, enf_key_rights rights)
{
	for (DWORD i = 0; dacl && i < dacl->AceCount; i++) {
		ACE_HEADER *h = NULL;
		if (!GetAce(dacl, i, (void **)&h) || h->AceType != ACCESS_ALLOWED_ACE_TYPE ||
		    (h->AceFlags & INHERIT_ONLY_ACE))
			continue;
		ACCESS_ALLOWED_ACE *ace = (ACCESS_ALLOWED_ACE *)h;
		if (EqualSid((PSID)&ace->SidStart, sid) && enf_key_mask_covers(ace->Mask, rights))
			return 1;
	}
	return 0;
}

int enf_w32_key_acl_grant(void *self, enf_store store, const unsigned char thumbprint[20],
                          const char *account, enf_key_rights rights)
{
	(void)self;
	HCRYPTPROV prov = 0;
	BYTE *sd = NULL, *relative = NULL;
	char *hex = NULL;
	PSID sid = NULL;
	PACL grown = NULL;
	int rc = enf_w32_account_psid(&sid, account);
	if (rc == 0)
		rc = open_key(&prov, &hex, store, thumbprint);
	if (rc == 0)
		rc = get_sd(&sd, prov, hex);
	if (rc)
		goto done;
	PACL dacl = dacl_of(sd);
	if (!dacl || already_granted(dacl, sid, rights))
		goto done; /* a NULL DACL already allows everything */
	/*
	 * SetEntriesInAcl keeps the entries in canonical order (deny before
	 * allow, explicit before inherited) and merges with an existing allow
	 * entry for the same account.
	 */
	EXPLICIT_ACCESS_W ea;
	memset(&ea, 0, sizeof(ea));
	ea.grfAccessPermissions = rights == ENF_RIGHTS_FULL ? GENERIC_ALL : GENERIC_READ;
	ea.grfAccessMode = GRANT_ACCESS;
	ea.grfInheritance = NO_INHERITANCE;
	ea.Trustee.TrusteeForm = TRUSTEE_IS_SID;
	ea.Trustee.TrusteeType = TRUSTEE_IS_UNKNOWN;
	ea.Trustee.ptstrName = (LPWSTR)sid;
	DWORD err = SetEntriesInAclW(1, &ea, dacl, &grown);
	if (err != ERROR_SUCCESS) {
		enf_error_set_os(
		    (int)err,
		    "cannot add '%s' to the permissions of the private key of certificate %s",
		    account, hex);
		rc = ENF_ERROR;
		goto done;
	}
	SECURITY_DESCRIPTOR abs;
	SECURITY_DESCRIPTOR_CONTROL control = 0;
	DWORD revision = 0, len = 0;
	GetSecurityDescriptorControl(sd, &control, &revision);
	InitializeSecurityDescriptor(&abs, SECURITY_DESCRIPTOR_REVISION);
	SetSecurityDescriptorDacl(&abs, TRUE, grown, FALSE);
	/* Keep "protected" (no inheritance from the folder) as it was. */
	SetSecurityDescriptorControl(&abs, SE_DACL_PROTECTED, control & SE_DACL_PROTECTED);
	MakeSelfRelativeSD(&abs, NULL, &len);
	if (!len || !(relative = malloc(len)) || !MakeSelfRelativeSD(&abs, relative, &len)) {
		rc = relative ? ENF_ERROR : enf_error_oom();
		if (relative)
			enf_error_set_os((int)GetLastError(),
			                 "cannot build the new permissions of the private key");
		goto done;
	}
	rc = set_sd(prov, relative, hex);
done:
	if (grown)
		LocalFree(grown);
	if (prov)
		CryptReleaseContext(prov, 0);
	free(relative);
	free(sd);
	free(hex);
	free(sid);
	return rc;
}

int enf_w32_key_acl_restore(void *self, enf_store store, const unsigned char thumbprint[20],
                            const char *sddl)
{
	(void)self;
	HCRYPTPROV prov = 0;
	PSECURITY_DESCRIPTOR sd = NULL;
	wchar_t *w = NULL;
	char *hex = NULL;
	int rc = enf_w32_wide(&w, sddl, "the saved key permissions");
	if (rc)
		return rc;
	if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(w, SDDL_REVISION_1, &sd, NULL)) {
		enf_error_set_os((int)GetLastError(),
		                 "the saved key permissions are not a valid SDDL string ('%s')",
		                 sddl);
		rc = ENF_EINVALID;
		goto done;
	}
	if ((rc = open_key(&prov, &hex, store, thumbprint)) == 0)
		rc = set_sd(prov, sd, hex);
done:
	if (sd)
		LocalFree(sd);
	if (prov)
		CryptReleaseContext(prov, 0);
	free(w);
	free(hex);
	return rc;
}

/* A copy of a SID in memory the caller frees with free(). */
static int copy_sid(PSID *out, PSID sid)
{
	DWORD len = GetLengthSid(sid);
	PSID copy = malloc(len);
	if (!copy)
		return enf_error_oom();
	CopySid(len, copy, sid);
	*out = copy;
	return 0;
}

/* The computer's NetBIOS name in UTF-8, malloc'd; NULL when it cannot be read. */
static char *computer_name(void)
{
	wchar_t host[MAX_COMPUTERNAME_LENGTH + 1];
	DWORD n = ENF_ARRAY_SIZE(host);
	char *h = NULL;
	if (GetComputerNameW(host, &n) && enf_w32_utf8(&h, host) == 0)
		return h;
	return NULL;
}

/*
 * Why LookupAccountName could not answer, when the answer is not "no such
 * account" (1332): these codes say the domain, not the account, is out of
 * reach, so whether the account exists is unknown. The codes are those
 * Microsoft's system error list gives for domain controllers and trusts
 * (docs/windows-semantics.md).
 */
static void lookup_failed(const char *account, DWORD err)
{
	static const struct {
		DWORD code;
		const char *why;
	} unreachable[] = {
	    {ERROR_NO_LOGON_SERVERS, "no domain controller is available"},
	    {ERROR_CANT_ACCESS_DOMAIN_INFO, "the domain controller cannot be read"},
	    {ERROR_NO_SUCH_DOMAIN, "the domain does not exist or cannot be contacted"},
	    {RPC_S_SERVER_UNAVAILABLE, "the domain controller cannot be reached"},
	    {RPC_S_CALL_FAILED, "the call to the domain controller failed"},
	    {RPC_S_CALL_FAILED_DNE, "the call to the domain controller failed"},
	    {ERROR_NO_TRUST_LSA_SECRET, "the trust relationship with the domain failed"},
	    {ERROR_NO_TRUST_SAM_ACCOUNT, "the trust relationship with the domain failed"},
	    {ERROR_TRUSTED_DOMAIN_FAILURE, "the trust relationship with the domain failed"},
	    {ERROR_TRUSTED_RELATIONSHIP_FAILURE, "the trust relationship with the domain failed"},
	    {ERROR_DOMAIN_CONTROLLER_NOT_FOUND, "no domain controller was found"},
	};
	char *text = enf_os_error_text((int)err);
	for (size_t i = 0; i < ENF_ARRAY_SIZE(unreachable); i++) {
		if (unreachable[i].code != err)
			continue;
		enf_error_set(
		    ENF_ERRCLASS_PROVIDER,
		    "cannot look up account '%s': %s, so whether the account exists is unknown (LookupAccountName: %s)",
		    account, unreachable[i].why, text ? text : "?");
		free(text);
		return;
	}
	enf_error_set(ENF_ERRCLASS_PROVIDER, "cannot look up account '%s' (LookupAccountName: %s)",
	              account, text ? text : "?");
	free(text);
}

int enf_w32_account_psid(PSID *out, const char *account)
{
	/*
	 * LookupAccountName does not know LocalSystem or NetworkService by
	 * those names (their Microsoft pages say so): the one table answers
	 * for every spelling of the built-in accounts, "HOST\LocalSystem" too.
	 */
	char *computer = computer_name();
	const enf_account_builtin *builtin = enf_account_builtin_find(account, computer);
	const char *sid_text = builtin ? builtin->sid : NULL;
	if (sid_text || enf_starts_with_nocase(account, "S-1-")) {
		free(computer);
		wchar_t *w = NULL;
		PSID sid = NULL;
		int rc = enf_w32_wide(&w, sid_text ? sid_text : account, "the SID");
		if (rc == 0 && !ConvertStringSidToSidW(w, &sid)) {
			enf_error_set(ENF_ERRCLASS_INVALID, "'%s' is not a valid SID", account);
			rc = ENF_EINVALID;
		}
		if (rc == 0) {
			rc = copy_sid(out, sid);
			LocalFree(sid);
		}
		free(w);
		return rc;
	}
	/* ".\name" is a local account: LookupAccountName wants "COMPUTER\name". */
	char *name = NULL;
	if (strncmp(account, ".\\", 2) == 0) {
		if (computer)
			name = enf_asprintf("%s\\%s", computer, account + 2);
		else
			name = enf_strdup(account + 2);
	} else {
		name = enf_strdup(account);
	}
	wchar_t *w = NULL, *domain = NULL;
	BYTE *sid = NULL;
	DWORD sid_len = 0, dom_len = 0;
	SID_NAME_USE use;
	int rc = name ? enf_w32_wide(&w, name, "the account name") : enf_error_oom();
	if (rc)
		goto done;
	DWORD err = 0;
	if (!LookupAccountNameW(NULL, w, NULL, &sid_len, NULL, &dom_len, &use))
		err = GetLastError();
	if (err == ERROR_INSUFFICIENT_BUFFER) {
		err = 0;
		sid = malloc(sid_len);
		domain = malloc((dom_len + 1) * sizeof(wchar_t));
		if (!sid || !domain) {
			rc = enf_error_oom();
			goto done;
		}
		if (!LookupAccountNameW(NULL, w, sid, &sid_len, domain, &dom_len, &use))
			err = GetLastError();
	} else if (err == 0) {
		err = ERROR_NONE_MAPPED; /* "found" without a SID */
	}
	if (err == 0) {
		*out = sid;
		sid = NULL;
	} else if (err == ERROR_NONE_MAPPED) {
		enf_error_set(ENF_ERRCLASS_PROVIDER,
		              "account '%s' does not exist (LookupAccountName: error 1332)",
		              account);
		rc = ENF_ENOTFOUND;
	} else {
		lookup_failed(account, err);
		rc = ENF_ERROR;
	}
done:
	free(sid);
	free(domain);
	free(w);
	free(name);
	free(computer);
	return rc;
}

int enf_w32_account_sid(char **out, void *self, const char *account)
{
	(void)self;
	PSID sid = NULL;
	int rc = enf_w32_account_psid(&sid, account);
	if (rc)
		return rc;
	*out = enf_w32_sid_string(sid);
	free(sid);
	return *out ? 0 : enf_error_oom();
}
