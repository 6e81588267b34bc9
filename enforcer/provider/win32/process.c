/*
 * The account a running service's process runs as, from its process token
 * (docs/windows-semantics.md, "Service waits, log-on changes and the account
 * of a running service"). Windows build only.
 */
#include "win32_int.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/*
 * Wine runs every service as the prefix's one user, whatever account the
 * service is configured with (docs/windows-semantics.md): there the
 * account of a service's process says nothing about its log-on. Wine's
 * ntdll exports wine_get_version; Windows' does not.
 */
int enf_w32_under_wine(void)
{
	static int known = -1;
	if (known < 0) {
		HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
		known = ntdll && GetProcAddress(ntdll, "wine_get_version") != NULL;
	}
	return known;
}

/* Why the account could not be read: the step that failed and the OS's words. */
static int account_unknown(enf_service_info *info, const char *step, DWORD pid, DWORD err)
{
	char *os = enf_os_error_text((int)err);
	info->running_as_unknown =
	    enf_asprintf("%s failed for its process %lu: %s (error %lu)%s", step,
	                 (unsigned long)pid, os ? os : "?", (unsigned long)err,
	                 err == ERROR_ACCESS_DENIED ? "; run as SYSTEM to read it" : "");
	free(os);
	return info->running_as_unknown ? 0 : enf_error_oom();
}

/*
 * OpenProcessToken's remarks: opening the token of a process that another
 * account started needs SE_DEBUG_NAME enabled in the caller. SYSTEM and
 * elevated administrators hold it, not necessarily enabled. It is enabled
 * once, the first time a service's process or token is refused, and never
 * for anything else; AdjustTokenPrivileges cannot add a privilege the
 * token lacks (ERROR_NOT_ALL_ASSIGNED). Nonzero when it was enabled now.
 */
static int enable_debug_privilege(void)
{
	static int tried;
	if (tried)
		return 0;
	tried = 1;
	HANDLE self = NULL;
	TOKEN_PRIVILEGES tp;
	memset(&tp, 0, sizeof(tp));
	tp.PrivilegeCount = 1;
	tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
	int ok = OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES, &self) &&
	         LookupPrivilegeValueW(NULL, L"SeDebugPrivilege", &tp.Privileges[0].Luid) &&
	         AdjustTokenPrivileges(self, FALSE, &tp, 0, NULL, NULL) &&
	         GetLastError() == ERROR_SUCCESS;
	if (self)
		CloseHandle(self);
	return ok;
}

/*
 * The account a running service's process runs as: the user SID of its
 * process token (QueryServiceStatusEx's dwProcessId, OpenProcess with
 * PROCESS_QUERY_LIMITED_INFORMATION, OpenProcessToken with TOKEN_QUERY,
 * GetTokenInformation(TokenUser)). Services that share a process (svchost)
 * all show that process's account. The process id is valid only while the
 * service is running, so a pending service has none.
 */
int enf_w32_running_account(enf_service_info *info, const SERVICE_STATUS_PROCESS *st)
{
	DWORD pid = st->dwProcessId;
	if (st->dwCurrentState != SERVICE_RUNNING)
		return 0;
	if (pid == 0) {
		info->running_as_unknown =
		    enf_strdup("the Service Control Manager gives no process id for it");
		return info->running_as_unknown ? 0 : enf_error_oom();
	}
	HANDLE proc = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
	DWORD err = proc ? 0 : GetLastError();
	if (!proc && err == ERROR_ACCESS_DENIED && enable_debug_privilege())
		err = (proc = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid))
		          ? 0
		          : GetLastError();
	if (!proc)
		return account_unknown(info, "OpenProcess", pid, err);
	HANDLE token = NULL;
	TOKEN_USER *user = NULL;
	DWORD need = 0;
	int rc = 0;
	if (!OpenProcessToken(proc, TOKEN_QUERY, &token)) {
		err = GetLastError();
		if (err == ERROR_ACCESS_DENIED && enable_debug_privilege())
			err = OpenProcessToken(proc, TOKEN_QUERY, &token) ? 0 : GetLastError();
		if (err) {
			rc = account_unknown(info, "OpenProcessToken", pid, err);
			goto done;
		}
	}
	if (!GetTokenInformation(token, TokenUser, NULL, 0, &need) &&
	    GetLastError() != ERROR_INSUFFICIENT_BUFFER) {
		rc = account_unknown(info, "GetTokenInformation", pid, GetLastError());
		goto done;
	}
	if (!(user = malloc(need ? need : 1))) {
		rc = enf_error_oom();
		goto done;
	}
	if (!GetTokenInformation(token, TokenUser, user, need, &need)) {
		rc = account_unknown(info, "GetTokenInformation", pid, GetLastError());
		goto done;
	}
	char *sid = enf_w32_sid_string(user->User.Sid);
	if (!sid) {
		rc = enf_error_oom();
		goto done;
	}
	if (enf_w32_under_wine()) {
		info->running_as_unknown = enf_asprintf(
		    "under Wine every service runs as the prefix's user (its process runs as %s), so the account of the process says nothing about the service's log-on",
		    sid);
		free(sid);
		rc = info->running_as_unknown ? 0 : enf_error_oom();
	} else {
		info->running_as = sid;
	}
done:
	free(user);
	if (token)
		CloseHandle(token);
	CloseHandle(proc);
	return rc;
}
