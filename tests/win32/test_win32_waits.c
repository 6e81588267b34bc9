/*
 * Service waits and the account of a running service's process, through the
 * provider, on a service the test creates itself (ENFTESTSLOW) running
 * tests/win32/testsvc.exe with its slow-service options: a start or stop that
 * takes seconds with an advancing checkpoint, or one whose checkpoint stalls.
 * Times are real here (this is the win32 provider on the monotonic clock), so
 * they are kept to a few seconds and checked with generous bounds; the
 * engine's tests of ten-minute waits run on the snapshot's simulated clock.
 */
#include "tw.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOW "ENFTESTSLOW"

static SC_HANDLE scm;
static wchar_t log_path[MAX_PATH];

static DWORD scm_state(void)
{
	SC_HANDLE s = OpenServiceW(scm, L"" SLOW, SERVICE_QUERY_STATUS);
	SERVICE_STATUS st = {0};
	if (s) {
		QueryServiceStatus(s, &st);
		CloseServiceHandle(s);
	}
	return st.dwCurrentState;
}

/* Waits (a real wait, outside the provider) until the service is in `state`. */
static int settle(DWORD state, unsigned ms)
{
	for (unsigned t = 0; t < ms; t += 100) {
		if (scm_state() == state)
			return 1;
		Sleep(100);
	}
	return scm_state() == state;
}

static void remove_slow(void)
{
	SC_HANDLE s = OpenServiceW(scm, L"" SLOW, SERVICE_ALL_ACCESS);
	if (!s)
		return;
	SERVICE_STATUS st;
	settle(SERVICE_RUNNING, 10000); /* a pending start cannot be stopped */
	ControlService(s, SERVICE_CONTROL_STOP, &st);
	settle(SERVICE_STOPPED, 15000);
	DeleteService(s);
	CloseServiceHandle(s);
}

/* Points ENFTESTSLOW at testsvc.exe with these slow-service options. */
static void configure(const wchar_t *options)
{
	wchar_t path[3 * MAX_PATH];
	_snwprintf(path, ENF_ARRAY_SIZE(path), L"\"%lstestsvc.exe\" \"%ls\" %ls", tw_exe_dir(),
	           log_path, options);
	SC_HANDLE s = OpenServiceW(scm, L"" SLOW, SERVICE_CHANGE_CONFIG);
	if (!s) {
		s = CreateServiceW(scm, L"" SLOW, L"Enforcer slow test service", SERVICE_ALL_ACCESS,
		                   SERVICE_WIN32_OWN_PROCESS, SERVICE_DEMAND_START,
		                   SERVICE_ERROR_NORMAL, path, NULL, NULL, NULL, NULL, NULL);
		CHECK(s != NULL, "CreateServiceW failed: error %lu", GetLastError());
	} else {
		CHECK(ChangeServiceConfigW(s, SERVICE_NO_CHANGE, SERVICE_NO_CHANGE,
		                           SERVICE_NO_CHANGE, path, NULL, NULL, NULL, NULL, NULL,
		                           NULL),
		      "ChangeServiceConfigW failed: error %lu", GetLastError());
	}
	if (s)
		CloseServiceHandle(s);
}

/* A start of 3 s, its checkpoint advancing every 300 ms within a 1 s hint: waited for. */
static void slow_start_within_ceiling(void)
{
	configure(L"--start-ms 3000 --checkpoint-ms 300 --hint-ms 1000");
	ULONGLONG t0 = GetTickCount64();
	CHECK_RC(tw_p->svc_start(tw_self, SLOW, 30000), 0);
	ULONGLONG took = GetTickCount64() - t0;
	CHECK(took >= 2500, "a 3 s start was over after %llu ms", took);
	CHECK(scm_state() == SERVICE_RUNNING, "not running after a slow start");
	tw_info("a 3 s start, hint 1 s, checkpoint every 300 ms: waited %llu ms", took);
}

/* A stop of 2.5 s with an advancing checkpoint: waited for too. */
static void slow_stop_within_ceiling(void)
{
	configure(L"--stop-ms 2500 --checkpoint-ms 250 --hint-ms 1000");
	/* The running process keeps its old options: restart it with the new ones. */
	CHECK_RC(tw_p->svc_stop(tw_self, SLOW, 30000), 0);
	CHECK_RC(tw_p->svc_start(tw_self, SLOW, 30000), 0);
	ULONGLONG t0 = GetTickCount64();
	CHECK_RC(tw_p->svc_stop(tw_self, SLOW, 30000), 0);
	ULONGLONG took = GetTickCount64() - t0;
	CHECK(took >= 2000, "a 2.5 s stop was over after %llu ms", took);
	CHECK(scm_state() == SERVICE_STOPPED, "not stopped after a slow stop");
}

/* Still advancing at the ceiling: ENF_ETIMEOUT, said so, and the service goes on starting. */
static void slow_start_beyond_ceiling(void)
{
	configure(L"--start-ms 4000 --checkpoint-ms 200 --hint-ms 1000");
	ULONGLONG t0 = GetTickCount64();
	CHECK_RC(tw_p->svc_start(tw_self, SLOW, 1500), ENF_ETIMEOUT);
	ULONGLONG took = GetTickCount64() - t0;
	CHECK(tw_error_has("service 'ENFTESTSLOW' did not start within 1.5 s: it is still "
	                   "start-pending, its checkpoint still advancing"),
	      "the ceiling's message");
	CHECK(took >= 1400 && took < 3500, "gave up after %llu ms, not at the 1.5 s ceiling", took);
	CHECK(settle(SERVICE_RUNNING, 10000), "the service did not go on to run");
	CHECK_RC(tw_p->svc_stop(tw_self, SLOW, 30000), 0);
}

/* A checkpoint that stalls: given up after the wait hint, long before the ceiling. */
static void stalled_start(void)
{
	configure(L"--start-ms 5000 --checkpoint-ms 0 --hint-ms 1000");
	ULONGLONG t0 = GetTickCount64();
	CHECK_RC(tw_p->svc_start(tw_self, SLOW, 60000), ENF_ETIMEOUT);
	ULONGLONG took = GetTickCount64() - t0;
	CHECK(tw_error_has("service 'ENFTESTSLOW' stopped making progress while starting: its "
	                   "checkpoint stayed at "),
	      "the stall's message");
	CHECK(tw_error_has("longer than its wait hint of 1 s (it is still start-pending)"),
	      "the stall's message names the hint");
	CHECK(took >= 900 && took < 4500, "gave up after %llu ms, not after the 1 s hint", took);
	tw_info("a stalled start (hint 1 s) was given up after %llu ms", took);
	CHECK(settle(SERVICE_RUNNING, 10000), "the stalled service did not go on to run");
	CHECK_RC(tw_p->svc_stop(tw_self, SLOW, 30000), 0);
}

/* The user SID of process `pid`'s token, read here without the provider; free() it. */
static char *token_sid(DWORD pid)
{
	HANDLE proc = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid), token = NULL;
	BYTE buf[256];
	DWORD need = 0;
	char *text = NULL, *out = NULL;
	if (proc && OpenProcessToken(proc, TOKEN_QUERY, &token) &&
	    GetTokenInformation(token, TokenUser, buf, sizeof(buf), &need) &&
	    ConvertSidToStringSidA(((TOKEN_USER *)buf)->User.Sid, &text)) {
		out = enf_strdup(text);
		LocalFree(text);
	}
	if (token)
		CloseHandle(token);
	if (proc)
		CloseHandle(proc);
	return out;
}

/*
 * The account of the running process. On Windows a LocalSystem service's
 * token is S-1-5-18. Wine runs every service as the prefix's user: the
 * provider reads that token and says the account is unknown there, naming
 * what it read; the test reads the same SID itself.
 */
static void process_account(void)
{
	configure(L"");
	enf_service_info info = {0};
	CHECK_RC(tw_p->svc_get(&info, tw_self, SLOW), 0);
	CHECK(info.state == ENF_SVC_STOPPED && !info.running_as && !info.running_as_unknown,
	      "a stopped service has no process account (%s, %s)",
	      info.running_as ? info.running_as : "-",
	      info.running_as_unknown ? info.running_as_unknown : "-");
	enf_service_info_clear(&info);
	CHECK_RC(tw_p->svc_start(tw_self, SLOW, 30000), 0);
	SERVICE_STATUS_PROCESS st = {0};
	DWORD need = 0;
	SC_HANDLE s = OpenServiceW(scm, L"" SLOW, SERVICE_QUERY_STATUS);
	CHECK(s && QueryServiceStatusEx(s, SC_STATUS_PROCESS_INFO, (BYTE *)&st, sizeof(st), &need),
	      "QueryServiceStatusEx failed: %lu", GetLastError());
	if (s)
		CloseServiceHandle(s);
	char *sid = token_sid(st.dwProcessId);
	CHECK(sid != NULL, "the test could not read the token of process %lu",
	      (unsigned long)st.dwProcessId);
	CHECK_RC(tw_p->svc_get(&info, tw_self, SLOW), 0);
	HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
	if (ntdll && GetProcAddress(ntdll, "wine_get_version")) {
		tw_info("Wine: the process of LocalSystem service " SLOW
		        " (pid %lu) has token user %s; the provider says: %s",
		        (unsigned long)st.dwProcessId, sid ? sid : "?",
		        info.running_as_unknown ? info.running_as_unknown : "(nothing)");
		CHECK(!info.running_as && info.running_as_unknown && sid &&
		          strstr(info.running_as_unknown, sid) &&
		          strstr(info.running_as_unknown, "under Wine every service runs as"),
		      "under Wine the account is unknown, naming the token's SID");
	} else {
		CHECK(info.running_as && strcmp(info.running_as, "S-1-5-18") == 0,
		      "a LocalSystem service runs as S-1-5-18, not %s",
		      info.running_as ? info.running_as : info.running_as_unknown);
	}
	enf_service_info_clear(&info);
	free(sid);
	CHECK_RC(tw_p->svc_stop(tw_self, SLOW, 30000), 0);
}

void tw_waits(void)
{
	scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
	CHECK(scm != NULL, "OpenSCManagerW failed: %lu", GetLastError());
	if (!scm)
		return;
	GetTempPathW(MAX_PATH - 32, log_path);
	wcscat(log_path, L"enftestslow.log");
	remove_slow();
	slow_start_within_ceiling();
	slow_stop_within_ceiling();
	slow_start_beyond_ceiling();
	stalled_start();
	process_account();
	remove_slow();
	CHECK(OpenServiceW(scm, L"" SLOW, SERVICE_QUERY_STATUS) == NULL, "cannot clean up " SLOW);
	DeleteFileW(log_path);
	CloseServiceHandle(scm);
}
