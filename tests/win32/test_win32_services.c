/*
 * Services through the provider, on services the test creates itself
 * (ENFTESTSVC, ENFTESTDEP) running tests/win32/testsvc.exe, which logs a
 * line per start and stop. The SCM's own view is read back with
 * QueryServiceConfigW, QueryServiceConfig2W and QueryServiceStatusEx.
 */
#include "tw.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SVC     "ENFTESTSVC"
#define DEP     "ENFTESTDEP"
#define TIMEOUT 30000

static SC_HANDLE scm;
static wchar_t log_path[MAX_PATH];

static void remove_service(const wchar_t *name)
{
	SC_HANDLE s = OpenServiceW(scm, name, SERVICE_ALL_ACCESS);
	if (!s)
		return;
	SERVICE_STATUS st;
	ControlService(s, SERVICE_CONTROL_STOP, &st);
	for (int i = 0;
	     i < 100 && QueryServiceStatus(s, &st) && st.dwCurrentState != SERVICE_STOPPED; i++)
		Sleep(50);
	DeleteService(s);
	CloseServiceHandle(s);
}

static SC_HANDLE create_service(const wchar_t *name, const wchar_t *deps)
{
	wchar_t path[2 * MAX_PATH + 16];
	_snwprintf(path, ENF_ARRAY_SIZE(path), L"\"%lstestsvc.exe\" \"%ls\"", tw_exe_dir(),
	           log_path);
	/* Display names are unique too: the first service gets the plain one. */
	SC_HANDLE s =
	    CreateServiceW(scm, name, deps ? name : L"Enforcer test service", SERVICE_ALL_ACCESS,
	                   SERVICE_WIN32_OWN_PROCESS, SERVICE_DEMAND_START, SERVICE_ERROR_NORMAL,
	                   path, NULL, NULL, deps, NULL, NULL);
	CHECK(s != NULL, "CreateServiceW failed: error %lu", GetLastError());
	return s;
}

/* The SCM's configuration of a service, read independently; free() it. */
static QUERY_SERVICE_CONFIGW *scm_config(const wchar_t *name)
{
	static BYTE buf[8192];
	DWORD need = 0;
	SC_HANDLE s = OpenServiceW(scm, name, SERVICE_QUERY_CONFIG);
	int ok = s && QueryServiceConfigW(s, (QUERY_SERVICE_CONFIGW *)buf, sizeof(buf), &need);
	if (s)
		CloseServiceHandle(s);
	return ok ? (QUERY_SERVICE_CONFIGW *)buf : NULL;
}

static DWORD scm_state(const wchar_t *name)
{
	SC_HANDLE s = OpenServiceW(scm, name, SERVICE_QUERY_STATUS);
	SERVICE_STATUS st = {0};
	if (s) {
		QueryServiceStatus(s, &st);
		CloseServiceHandle(s);
	}
	return st.dwCurrentState;
}

/*
 * Whether the SCM has the service starting delayed: QueryServiceConfig2W, or
 * where an SCM lacks that level (Wine: ERROR_INVALID_LEVEL) the registry
 * value DelayedAutostart in which Windows keeps the flag.
 */
static int scm_delayed(const wchar_t *name)
{
	SERVICE_DELAYED_AUTO_START_INFO info = {FALSE};
	DWORD need = 0;
	SC_HANDLE s = OpenServiceW(scm, name, SERVICE_QUERY_CONFIG);
	BOOL ok = s && QueryServiceConfig2W(s, SERVICE_CONFIG_DELAYED_AUTO_START_INFO,
	                                    (BYTE *)&info, sizeof(info), &need);
	DWORD err = GetLastError();
	if (s)
		CloseServiceHandle(s);
	if (ok)
		return info.fDelayedAutostart != FALSE;
	static int said;
	if (!said++)
		tw_info(
		    "QueryServiceConfig2W(SERVICE_CONFIG_DELAYED_AUTO_START_INFO) fails with error %lu here; "
		    "the delayed flag is read from the registry value DelayedAutostart",
		    err);
	wchar_t sub[256];
	_snwprintf(sub, 256, L"SYSTEM\\CurrentControlSet\\Services\\%ls", name);
	DWORD v = 0, size = sizeof(v), type = 0;
	HKEY k;
	if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, sub, 0, KEY_QUERY_VALUE | KEY_WOW64_64KEY, &k) == 0) {
		RegQueryValueExW(k, L"DelayedAutostart", NULL, &type, (BYTE *)&v, &size);
		RegCloseKey(k);
	}
	return type == REG_DWORD && v != 0;
}

/* How many lines of testsvc's log start with `prefix`. */
static int log_lines(const char *prefix)
{
	FILE *f = _wfopen(log_path, L"rb");
	char line[128];
	int n = 0;
	while (f && fgets(line, sizeof(line), f))
		n += strncmp(line, prefix, strlen(prefix)) == 0;
	if (f)
		fclose(f);
	return n;
}

static void logons(void)
{
	static const char *const spellings[] = {"NetworkService", "NT AUTHORITY\\NETWORK SERVICE",
	                                        "NT AUTHORITY\\NetworkService"};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(spellings); i++) {
		enf_service_change c = {spellings[i], "", ENF_STARTUP_UNSET};
		CHECK_RC(tw_p->svc_configure(tw_self, SVC, &c), 0);
		QUERY_SERVICE_CONFIGW *cfg = scm_config(L"" SVC);
		/* The SCM is given the spelling CreateService documents, whatever the policy wrote.
		 */
		CHECK(cfg && wcscmp(cfg->lpServiceStartName, L"NT AUTHORITY\\NetworkService") == 0,
		      "%s stored as %ls", spellings[i], cfg ? cfg->lpServiceStartName : L"?");
		enf_service_info info = {0};
		CHECK_RC(tw_p->svc_get(&info, tw_self, SVC), 0);
		CHECK(info.logon && strcmp(info.logon, "NT AUTHORITY\\NetworkService") == 0,
		      "logon %s", info.logon);
		/* The password was cleared: the provider must not claim one is stored. */
		CHECK(info.password_stored != ENF_YES, "a password is reported after clearing it");
		enf_service_info_clear(&info);
	}
	enf_service_change c = {"LocalService", "", ENF_STARTUP_UNSET};
	CHECK_RC(tw_p->svc_configure(tw_self, SVC, &c), 0);
	QUERY_SERVICE_CONFIGW *cfg = scm_config(L"" SVC);
	CHECK(cfg && wcscmp(cfg->lpServiceStartName, L"NT AUTHORITY\\LocalService") == 0,
	      "LocalService stored as %ls", cfg ? cfg->lpServiceStartName : L"?");

	/* Every other spelling of the built-in accounts reaches the SCM as its own name too. */
	static const struct {
		const char *spelling;
		const wchar_t *stored;
	} more[] = {
	    {"Network Service", L"NT AUTHORITY\\NetworkService"},
	    {"S-1-5-20", L"NT AUTHORITY\\NetworkService"},
	    {"nt authority\\local service", L"NT AUTHORITY\\LocalService"},
	    {"Local Service", L"NT AUTHORITY\\LocalService"},
	    {"SYSTEM", L"LocalSystem"},
	    {"NT AUTHORITY\\SYSTEM", L"LocalSystem"},
	    {"Local System", L"LocalSystem"},
	    {"S-1-5-18", L"LocalSystem"},
	};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(more); i++) {
		c = (enf_service_change){more[i].spelling, "", ENF_STARTUP_UNSET};
		CHECK_RC(tw_p->svc_configure(tw_self, SVC, &c), 0);
		cfg = scm_config(L"" SVC);
		CHECK(cfg && wcscmp(cfg->lpServiceStartName, more[i].stored) == 0,
		      "%s stored as %ls", more[i].spelling, cfg ? cfg->lpServiceStartName : L"?");
	}

	/* A user account with a password; then the password left alone (NULL). */
	c = (enf_service_change){".\\enftest-user", "Secret-1", ENF_STARTUP_UNSET};
	CHECK_RC(tw_p->svc_configure(tw_self, SVC, &c), 0);
	cfg = scm_config(L"" SVC);
	CHECK(cfg && wcscmp(cfg->lpServiceStartName, L".\\enftest-user") == 0, "user stored as %ls",
	      cfg ? cfg->lpServiceStartName : L"?");
	enf_service_info info = {0};
	CHECK_RC(tw_p->svc_get(&info, tw_self, SVC), 0);
	tw_info("password_stored after setting a password: %s (the SCM's LSA secret _SC_" SVC
	        " %s)",
	        info.password_stored == ENF_YES  ? "yes"
	        : info.password_stored == ENF_NO ? "no"
	                                         : "unknown",
	        info.password_stored == ENF_NO
	            ? "does not exist: Wine's SCM does not store service passwords"
	            : "was read");
	enf_service_info_clear(&info);
	c = (enf_service_change){".\\enftest-other", NULL, ENF_STARTUP_UNSET};
	CHECK_RC(tw_p->svc_configure(tw_self, SVC, &c), 0);
	cfg = scm_config(L"" SVC);
	CHECK(cfg && wcscmp(cfg->lpServiceStartName, L".\\enftest-other") == 0, "stored as %ls",
	      cfg ? cfg->lpServiceStartName : L"?");
	c = (enf_service_change){"LocalSystem", "", ENF_STARTUP_UNSET};
	CHECK_RC(tw_p->svc_configure(tw_self, SVC, &c), 0);
	cfg = scm_config(L"" SVC);
	CHECK(cfg && wcscmp(cfg->lpServiceStartName, L"LocalSystem") == 0, "stored as %ls",
	      cfg ? cfg->lpServiceStartName : L"?");
}

static void start_modes(void)
{
	static const struct {
		enf_startup mode;
		DWORD start;
		int delayed;
	} modes[] = {
	    {ENF_STARTUP_AUTOMATIC, SERVICE_AUTO_START, 0},
	    {ENF_STARTUP_DELAYED_AUTOMATIC, SERVICE_AUTO_START, 1},
	    {ENF_STARTUP_AUTOMATIC, SERVICE_AUTO_START, 0},
	    {ENF_STARTUP_DISABLED, SERVICE_DISABLED, -1},
	    {ENF_STARTUP_MANUAL, SERVICE_DEMAND_START, -1},
	};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(modes); i++) {
		enf_service_change c = {NULL, NULL, modes[i].mode};
		CHECK_RC(tw_p->svc_configure(tw_self, SVC, &c), 0);
		QUERY_SERVICE_CONFIGW *cfg = scm_config(L"" SVC);
		CHECK(cfg && cfg->dwStartType == modes[i].start, "%s: start type %lu",
		      enf_startup_name(modes[i].mode),
		      cfg ? (unsigned long)cfg->dwStartType : 99ul);
		if (modes[i].delayed >= 0)
			CHECK(scm_delayed(L"" SVC) == modes[i].delayed, "%s: delayed flag",
			      enf_startup_name(modes[i].mode));
		enf_service_info info = {0};
		CHECK_RC(tw_p->svc_get(&info, tw_self, SVC), 0);
		CHECK(info.startup == modes[i].mode, "read back as %s, want %s",
		      enf_startup_name(info.startup), enf_startup_name(modes[i].mode));
		enf_service_info_clear(&info);
		if (modes[i].mode == ENF_STARTUP_DISABLED) {
			/* Error 1058, said so. */
			CHECK_RC(tw_p->svc_start(tw_self, SVC, TIMEOUT), ENF_ERROR);
			CHECK(tw_error_has("disabled (error 1058)"),
			      "the message says disabled and 1058");
			CHECK(scm_state(L"" SVC) == SERVICE_STOPPED, "a disabled service started");
		}
	}
}

static void start_stop(void)
{
	DeleteFileW(log_path);
	CHECK_RC(tw_p->svc_start(tw_self, SVC, TIMEOUT), 0);
	CHECK(scm_state(L"" SVC) == SERVICE_RUNNING, "not running after svc_start");
	CHECK(log_lines("start ") == 1, "%d start lines", log_lines("start "));
	enf_service_info info = {0};
	CHECK_RC(tw_p->svc_get(&info, tw_self, SVC), 0);
	CHECK(info.state == ENF_SVC_RUNNING, "svc_get says %s", enf_svc_state_name(info.state));
	enf_service_info_clear(&info);
	/* Already running: nothing to do, and no second start. */
	CHECK_RC(tw_p->svc_start(tw_self, SVC, TIMEOUT), 0);
	CHECK(log_lines("start ") == 1, "started twice");

	CHECK_RC(tw_p->svc_stop(tw_self, SVC, TIMEOUT), 0);
	CHECK(scm_state(L"" SVC) == SERVICE_STOPPED, "not stopped after svc_stop");
	CHECK(log_lines("stop") == 1, "%d stop lines", log_lines("stop"));
	/* Already stopped (error 1062 from the SCM): nothing to do. */
	CHECK_RC(tw_p->svc_stop(tw_self, SVC, TIMEOUT), 0);

	/* Started behind our back just before: error 1056 or start-pending, both mean "wait for
	 * it". */
	SC_HANDLE s = OpenServiceW(scm, L"" SVC, SERVICE_START);
	CHECK(s && StartServiceW(s, 0, NULL), "StartServiceW failed: %lu", GetLastError());
	if (s)
		CloseServiceHandle(s);
	CHECK_RC(tw_p->svc_start(tw_self, SVC, TIMEOUT), 0);
	CHECK(scm_state(L"" SVC) == SERVICE_RUNNING && log_lines("start ") == 2, "%d start lines",
	      log_lines("start "));
	CHECK_RC(tw_p->svc_stop(tw_self, SVC, TIMEOUT), 0);
	CHECK(scm_state(L"" SVC) == SERVICE_STOPPED && log_lines("stop") == 2, "%d stop lines",
	      log_lines("stop"));
}

static void missing_service(void)
{
	enf_service_info info = {0};
	enf_service_change c = {NULL, NULL, ENF_STARTUP_MANUAL};
	CHECK_RC(tw_p->svc_get(&info, tw_self, "ENFTESTNOSUCH"), ENF_ENOTFOUND);
	CHECK(tw_error_has("service 'ENFTESTNOSUCH' does not exist (OpenService: error 1060)"),
	      "message");
	CHECK_RC(tw_p->svc_configure(tw_self, "ENFTESTNOSUCH", &c), ENF_ENOTFOUND);
	CHECK_RC(tw_p->svc_start(tw_self, "ENFTESTNOSUCH", TIMEOUT), ENF_ENOTFOUND);
	CHECK_RC(tw_p->svc_stop(tw_self, "ENFTESTNOSUCH", TIMEOUT), ENF_ENOTFOUND);
	CHECK(tw_error_has("1060"), "message");
}

/* A service other running services depend on is not stopped behind the policy's back. */
static void dependents(void)
{
	SC_HANDLE dep = create_service(L"" DEP, L"" SVC L"\0");
	if (dep)
		CloseServiceHandle(dep);
	CHECK_RC(tw_p->svc_start(tw_self, SVC, TIMEOUT), 0);
	CHECK_RC(tw_p->svc_start(tw_self, DEP, TIMEOUT), 0);
	int rc = tw_p->svc_stop(tw_self, SVC, TIMEOUT);
	if (rc != 0) {
		CHECK(tw_error_has("error 1051") && tw_error_has(DEP),
		      "the message names 1051 and " DEP);
		CHECK(scm_state(L"" SVC) == SERVICE_RUNNING, SVC " was stopped anyway");
	} else {
		tw_info("the SCM stopped " SVC " although running " DEP
		        " depends on it (no error 1051); "
		        "the 1051 message is not exercised here");
	}
	CHECK_RC(tw_p->svc_stop(tw_self, DEP, TIMEOUT), 0);
	CHECK_RC(tw_p->svc_stop(tw_self, SVC, TIMEOUT), 0);
}

/*
 * svc_list (export --service PATTERN): every Win32 service once, in any
 * state, the two the test made among them. Under Wine the SCM holds a few
 * dozen; a buffer too small for them all is grown, which this exercises
 * only when the list outgrows the first 64 KiB.
 */
static void service_list(void)
{
	char **names = NULL;
	size_t n = 0, svc = 0, dep = 0, sorted = 1;
	CHECK_RC(tw_p->svc_list(&names, &n, tw_self), 0);
	for (size_t i = 0; i < n; i++) {
		svc += strcmp(names[i], SVC) == 0;
		dep += strcmp(names[i], DEP) == 0;
		if (i > 0 && strcmp(names[i - 1], names[i]) >= 0)
			sorted = 0;
	}
	CHECK(svc == 1 && dep == 1, "%s listed %zu times, %s %zu times, of %zu", SVC, svc, DEP, dep,
	      n);
	CHECK(sorted, "the names are not sorted and unique");
	CHECK(n > 2, "only %zu services listed", n);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

void tw_services(void)
{
	scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
	CHECK(scm != NULL, "OpenSCManagerW failed: %lu", GetLastError());
	if (!scm)
		return;
	GetTempPathW(MAX_PATH - 32, log_path);
	wcscat(log_path, L"enftestsvc.log");
	remove_service(L"" DEP);
	remove_service(L"" SVC);
	SC_HANDLE s = create_service(L"" SVC, NULL);
	if (s) {
		SERVICE_DESCRIPTIONW d = {L"Enforcer test service: safe to delete"};
		ChangeServiceConfig2W(s, SERVICE_CONFIG_DESCRIPTION, &d);
		CloseServiceHandle(s);
		enf_service_info info = {0};
		CHECK_RC(tw_p->svc_get(&info, tw_self, SVC), 0);
		CHECK(info.name && strcmp(info.name, SVC) == 0, "name %s", info.name);
		CHECK(info.display_name && strcmp(info.display_name, "Enforcer test service") == 0,
		      "display %s", info.display_name);
		CHECK(info.description &&
		          strcmp(info.description, "Enforcer test service: safe to delete") == 0,
		      "description %s", info.description ? info.description : "(none)");
		CHECK(info.logon && strcmp(info.logon, "LocalSystem") == 0, "logon %s", info.logon);
		CHECK(info.startup == ENF_STARTUP_MANUAL && info.state == ENF_SVC_STOPPED, "%s, %s",
		      enf_startup_name(info.startup), enf_svc_state_name(info.state));
		enf_service_info_clear(&info);
		logons();
		start_modes();
		start_stop();
		dependents();
		service_list();
	}
	missing_service();
	remove_service(L"" DEP);
	remove_service(L"" SVC);
	CHECK(OpenServiceW(scm, L"" SVC, SERVICE_QUERY_STATUS) == NULL, "cannot clean up " SVC);
	DeleteFileW(log_path);
	CloseServiceHandle(scm);
}
