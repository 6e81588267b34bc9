/*
 * Services, through the Service Control Manager: configuration (log-on
 * account, password, start mode), state, and starting and stopping with
 * waits. The SCM's error codes are turned into messages that say what to do.
 */
#include "win32_int.h"

#include "enforcer/errors.h"
#include "provider/svc_wait.h"
#include "util/accounts.h"
#include "util/util.h"

#include <ntsecapi.h>
#include <stdlib.h>
#include <string.h>

#define STATUS_OBJECT_NAME_NOT_FOUND_ ((NTSTATUS)0xC0000034L)

typedef struct svc_handles {
	SC_HANDLE scm; /* borrowed: the run's connection */
	SC_HANDLE svc;
	wchar_t *wname;
} svc_handles;

/*
 * One connection to the Service Control Manager for the whole run, made on
 * first use. Under Wine, OpenSCManagerW and closing it again take ~3 ms (an
 * RPC binding to services.exe), ten times a service query, and a plan made
 * that round trip for every service it read (bench/run, docs/benchmarks.md).
 * The connection holds nothing another tool could trip over: it locks no
 * service and delays no deletion. Service handles are still opened and
 * closed per call. enf_w32_svc_release(), from the provider's close, ends it.
 */
static SC_HANDLE g_scm;

static SC_HANDLE scm_connect(int fresh)
{
	if (fresh && g_scm) {
		CloseServiceHandle(g_scm);
		g_scm = NULL;
	}
	if (!g_scm)
		g_scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
	return g_scm;
}

void enf_w32_svc_release(void)
{
	if (g_scm)
		CloseServiceHandle(g_scm);
	g_scm = NULL;
}

static void svc_close(svc_handles *h)
{
	if (h->svc)
		CloseServiceHandle(h->svc);
	free(h->wname);
	memset(h, 0, sizeof(*h));
}

static int svc_open(svc_handles *h, const char *name, DWORD access)
{
	memset(h, 0, sizeof(*h));
	int rc = enf_w32_wide(&h->wname, name, "the service name");
	if (rc)
		return rc;
	h->scm = scm_connect(0);
	if (!h->scm) {
		DWORD err = GetLastError();
		enf_error_set_os((int)err, "cannot connect to the Service Control Manager");
		svc_close(h);
		return enf_w32_code(err);
	}
	h->svc = OpenServiceW(h->scm, h->wname, access);
	/* A connection the SCM no longer knows (it was restarted): connect again, once. */
	if (!h->svc && GetLastError() == ERROR_INVALID_HANDLE && (h->scm = scm_connect(1)))
		h->svc = OpenServiceW(h->scm, h->wname, access);
	if (!h->svc) {
		DWORD err = GetLastError();
		if (err == ERROR_SERVICE_DOES_NOT_EXIST)
			enf_error_set(ENF_ERRCLASS_PROVIDER,
			              "service '%s' does not exist (OpenService: error 1060)",
			              name);
		else
			enf_error_set_os((int)err, "cannot open service '%s'", name);
		svc_close(h);
		return enf_w32_code(err);
	}
	return 0;
}

/*
 * Calls a QueryServiceConfig*W-style function into a malloc'd buffer that
 * grows until the answer fits. Returns 0 or the Win32 error.
 */
int enf_w32_svc_exists(const char *name)
{
	wchar_t *w = NULL;
	SC_HANDLE scm = scm_connect(0), svc = NULL;
	if (!scm || enf_w32_wide(&w, name, "the service name")) {
		enf_error_clear();
		return 0;
	}
	svc = OpenServiceW(scm, w, SERVICE_QUERY_STATUS);
	if (!svc && GetLastError() == ERROR_INVALID_HANDLE && (scm = scm_connect(1)))
		svc = OpenServiceW(scm, w, SERVICE_QUERY_STATUS);
	int exists = svc || GetLastError() != ERROR_SERVICE_DOES_NOT_EXIST;
	if (svc)
		CloseServiceHandle(svc);
	free(w);
	return exists;
}

static DWORD query_config(BYTE **out, SC_HANDLE svc, DWORD level, int level2)
{
	DWORD size = 1024, need = 0;
	*out = NULL;
	for (int tries = 0; tries < 4; tries++) {
		BYTE *buf = calloc(1, size);
		if (!buf)
			return ERROR_NOT_ENOUGH_MEMORY;
		BOOL ok = level2
		              ? QueryServiceConfig2W(svc, level, buf, size, &need)
		              : QueryServiceConfigW(svc, (QUERY_SERVICE_CONFIGW *)buf, size, &need);
		if (ok) {
			*out = buf;
			return 0;
		}
		DWORD err = GetLastError();
		free(buf);
		if (err != ERROR_INSUFFICIENT_BUFFER)
			return err;
		size = need > size ? need : size * 2;
	}
	return ERROR_INSUFFICIENT_BUFFER;
}

static DWORD query_config2(BYTE **out, SC_HANDLE svc, DWORD level)
{
	return query_config(out, svc, level, 1);
}

/* HKLM\SYSTEM\CurrentControlSet\Services\NAME, where the SCM keeps a service's settings. */
static char *service_key(const char *name)
{
	return enf_asprintf("HKLM\\SYSTEM\\CurrentControlSet\\Services\\%s", name);
}

/*
 * Whether an automatic service starts delayed. Windows answers through
 * QueryServiceConfig2W; an SCM without that level (Wine's: ERROR_INVALID_LEVEL)
 * keeps the flag only as the registry value DelayedAutostart, where Windows
 * itself stores it, so read that instead.
 */
static int delayed_start(int *out, const svc_handles *h, const char *name)
{
	BYTE *buf = NULL;
	DWORD err = query_config2(&buf, h->svc, SERVICE_CONFIG_DELAYED_AUTO_START_INFO);
	*out = 0;
	if (err == 0) {
		*out = ((SERVICE_DELAYED_AUTO_START_INFO *)buf)->fDelayedAutostart != FALSE;
		free(buf);
		return 0;
	}
	if (err != ERROR_INVALID_LEVEL) {
		enf_error_set_os((int)err, "cannot read the start mode of service '%s'", name);
		return enf_w32_code(err);
	}
	char *key = service_key(name);
	enf_reg_value v = {0};
	int rc = key ? enf_w32_reg_get(&v, NULL, key, "DelayedAutostart") : enf_error_oom();
	if (rc == 0) {
		*out = v.type == REG_DWORD && v.number != 0;
	} else if (rc == ENF_ENOTFOUND) {
		enf_error_clear(); /* no value: not delayed */
		rc = 0;
	}
	enf_reg_value_clear(&v);
	free(key);
	return rc;
}

static int set_delayed_start(const svc_handles *h, const char *name, int delayed)
{
	SERVICE_DELAYED_AUTO_START_INFO info = {delayed ? TRUE : FALSE};
	if (ChangeServiceConfig2W(h->svc, SERVICE_CONFIG_DELAYED_AUTO_START_INFO, &info))
		return 0;
	DWORD err = GetLastError();
	if (err != ERROR_INVALID_LEVEL) {
		enf_error_set_os((int)err, "cannot set the delayed start of service '%s'", name);
		return enf_w32_code(err);
	}
	/* The same fallback as delayed_start(), for an SCM without the level. */
	char *key = service_key(name);
	enf_reg_value v = {.type = REG_DWORD, .number = delayed ? 1 : 0};
	int rc = key ? enf_w32_reg_set(NULL, key, "DelayedAutostart", &v) : enf_error_oom();
	free(key);
	return rc;
}

/*
 * Whether the SCM holds a password for the service: it keeps one as the LSA
 * secret "_SC_<name>". Only SYSTEM may read those secrets; for anyone else
 * (and for any other failure) the answer is unknown, never a guess. The
 * secret's text is wiped unread.
 */
static enf_tristate password_stored(const wchar_t *wname)
{
	LSA_OBJECT_ATTRIBUTES oa;
	LSA_HANDLE policy = NULL;
	memset(&oa, 0, sizeof(oa));
	if (LsaOpenPolicy(NULL, &oa, POLICY_GET_PRIVATE_INFORMATION, &policy) != 0)
		return ENF_UNKNOWN;
	size_t len = wcslen(wname) + 4;
	wchar_t *key = malloc((len + 1) * sizeof(wchar_t));
	enf_tristate result = ENF_UNKNOWN;
	if (key && len < 32000) {
		memcpy(key, L"_SC_", 4 * sizeof(wchar_t));
		memcpy(key + 4, wname, (len - 4 + 1) * sizeof(wchar_t));
		LSA_UNICODE_STRING k = {(USHORT)(len * sizeof(wchar_t)),
		                        (USHORT)(len * sizeof(wchar_t)), key};
		PLSA_UNICODE_STRING data = NULL;
		NTSTATUS st = LsaRetrievePrivateData(policy, &k, &data);
		if (st == 0) {
			result = data && data->Length > 0 ? ENF_YES : ENF_NO;
			if (data && data->Buffer)
				SecureZeroMemory(data->Buffer, data->Length);
		} else if (st == STATUS_OBJECT_NAME_NOT_FOUND_) {
			result = ENF_NO;
		}
		if (data)
			LsaFreeMemory(data);
	}
	free(key);
	LsaClose(policy);
	return result;
}

static enf_svc_state state_of(DWORD s)
{
	switch (s) {
	case SERVICE_STOPPED:
		return ENF_SVC_STOPPED;
	case SERVICE_RUNNING:
		return ENF_SVC_RUNNING;
	case SERVICE_START_PENDING:
		return ENF_SVC_START_PENDING;
	case SERVICE_STOP_PENDING:
		return ENF_SVC_STOP_PENDING;
	case SERVICE_PAUSED:
		return ENF_SVC_PAUSED;
	default:
		return ENF_SVC_OTHER;
	}
}

static int query_status(SERVICE_STATUS_PROCESS *out, SC_HANDLE svc, const char *name)
{
	DWORD need = 0;
	if (QueryServiceStatusEx(svc, SC_STATUS_PROCESS_INFO, (BYTE *)out, sizeof(*out), &need))
		return 0;
	DWORD err = GetLastError();
	enf_error_set_os((int)err, "cannot query the state of service '%s'", name);
	return enf_w32_code(err);
}

int enf_w32_svc_get(enf_service_info *out, void *self, const char *name)
{
	(void)self;
	svc_handles h;
	QUERY_SERVICE_CONFIGW *cfg = NULL;
	BYTE *desc = NULL;
	enf_service_info info = {0};
	SERVICE_STATUS_PROCESS st;
	int rc = svc_open(&h, name, SERVICE_QUERY_CONFIG | SERVICE_QUERY_STATUS);
	if (rc)
		return rc;
	DWORD err = query_config((BYTE **)&cfg, h.svc, 0, 0);
	if (err) {
		enf_error_set_os((int)err, "cannot read the configuration of service '%s'", name);
		rc = enf_w32_code(err);
		goto done;
	}
	if ((rc = query_status(&st, h.svc, name)))
		goto done;
	/* A description is optional: a service without one (or an SCM that cannot say) has none. */
	if (query_config2(&desc, h.svc, SERVICE_CONFIG_DESCRIPTION) == 0 &&
	    ((SERVICE_DESCRIPTIONW *)desc)->lpDescription &&
	    (rc = enf_w32_utf8(&info.description, ((SERVICE_DESCRIPTIONW *)desc)->lpDescription)))
		goto done;
	/* Drivers have no account: the SCM shows none, and they run as the system. */
	const wchar_t *logon = cfg->lpServiceStartName && *cfg->lpServiceStartName
	                           ? cfg->lpServiceStartName
	                           : L"LocalSystem";
	if ((rc = enf_w32_utf8(&info.logon, logon)) ||
	    (rc = enf_w32_utf8(&info.display_name, cfg->lpDisplayName)))
		goto done;
	if (!(info.name = enf_strdup(name))) {
		rc = enf_error_oom();
		goto done;
	}
	switch (cfg->dwStartType) {
	case SERVICE_AUTO_START: {
		int delayed = 0;
		if ((rc = delayed_start(&delayed, &h, name)))
			goto done;
		info.startup = delayed ? ENF_STARTUP_DELAYED_AUTOMATIC : ENF_STARTUP_AUTOMATIC;
		break;
	}
	case SERVICE_DEMAND_START:
		info.startup = ENF_STARTUP_MANUAL;
		break;
	case SERVICE_DISABLED:
		info.startup = ENF_STARTUP_DISABLED;
		break;
	case SERVICE_BOOT_START:
		info.startup = ENF_STARTUP_BOOT;
		break;
	default:
		info.startup = ENF_STARTUP_SYSTEM;
		break;
	}
	info.state = state_of(st.dwCurrentState);
	if ((rc = enf_w32_running_account(&info, &st)))
		goto done;
	info.password_stored = password_stored(h.wname);
	*out = info;
	memset(&info, 0, sizeof(info));
done:
	enf_service_info_clear(&info);
	free(cfg);
	free(desc);
	svc_close(&h);
	return rc;
}

static void wipe_wide(wchar_t *w)
{
	if (w) {
		SecureZeroMemory(w, wcslen(w) * sizeof(wchar_t));
		free(w);
	}
}

typedef NTSTATUS(WINAPI *is_service_account_fn)(LPWSTR, LPWSTR, BOOL *);

/*
 * For a managed account the SCM refused: whether this server knows it as
 * one (NetIsServiceAccount, which Microsoft documents only through
 * LoadLibrary on logoncli.dll). "" when that cannot be asked (Wine has no
 * logoncli.dll) or says nothing more.
 */
static const char *managed_hint(const char *account)
{
	if (enf_account_classify(account) != ENF_ACCOUNT_MANAGED)
		return "";
	HMODULE dll = LoadLibraryW(L"logoncli.dll");
	is_service_account_fn fn =
	    dll ? (is_service_account_fn)(void (*)(void))GetProcAddress(dll, "NetIsServiceAccount")
	        : NULL;
	wchar_t *w = NULL;
	BOOL is = TRUE;
	if (fn && enf_w32_wide(&w, account, "the account name") == 0 && fn(NULL, w, &is) != 0)
		is = TRUE; /* the question failed: no claim either way */
	free(w);
	if (dll)
		FreeLibrary(dll);
	enf_error_clear();
	return is ? ""
	          : "; NetIsServiceAccount: this server does not know it as a managed service account (install it with Install-ADServiceAccount)";
}

int enf_w32_svc_configure(void *self, const char *name, const enf_service_change *change)
{
	(void)self;
	svc_handles h;
	wchar_t *wlogon = NULL, *wpassword = NULL;
	DWORD start = SERVICE_NO_CHANGE;
	switch (change->startup) {
	case ENF_STARTUP_UNSET:
		break;
	case ENF_STARTUP_AUTOMATIC:
	case ENF_STARTUP_DELAYED_AUTOMATIC:
		start = SERVICE_AUTO_START;
		break;
	case ENF_STARTUP_MANUAL:
		start = SERVICE_DEMAND_START;
		break;
	case ENF_STARTUP_DISABLED:
		start = SERVICE_DISABLED;
		break;
	default:
		enf_error_set(ENF_ERRCLASS_INVALID, "start mode %s is for drivers and is never set",
		              enf_startup_name(change->startup));
		return ENF_EINVALID;
	}
	int rc = svc_open(&h, name, SERVICE_CHANGE_CONFIG | SERVICE_QUERY_CONFIG);
	if (rc)
		return rc;
	/*
	 * The SCM wants the built-in accounts under one name each
	 * ("NT AUTHORITY\NetworkService", not "Network Service" or "S-1-5-20"),
	 * whatever spelling the policy used.
	 */
	if (change->logon && (rc = enf_w32_wide(&wlogon,
	                                        enf_account_scm_name(change->logon)
	                                            ? enf_account_scm_name(change->logon)
	                                            : change->logon,
	                                        "the account name")))
		goto done;
	/*
	 * NULL leaves the stored password alone, and is what managed and
	 * virtual accounts must be given; "" clears it (built-in accounts, the
	 * seed's Log On tab fix). The engine decides which (engine/secret.c).
	 */
	if (change->logon && change->password &&
	    (rc = enf_w32_wide(&wpassword, change->password, "the password")))
		goto done;
	if ((wlogon || start != SERVICE_NO_CHANGE) &&
	    !ChangeServiceConfigW(h.svc, SERVICE_NO_CHANGE, start, SERVICE_NO_CHANGE, NULL, NULL,
	                          NULL, NULL, wlogon, wpassword, NULL)) {
		DWORD err = GetLastError();
		if (err == ERROR_INVALID_SERVICE_ACCOUNT)
			enf_error_set(
			    ENF_ERRCLASS_PROVIDER,
			    "cannot change service '%s': the account '%s' does not exist (error 1057)%s",
			    name, change->logon, managed_hint(change->logon));
		else
			enf_error_set_os((int)err, "cannot change service '%s'", name);
		rc = enf_w32_code(err);
		goto done;
	}
	if (start == SERVICE_AUTO_START)
		rc = set_delayed_start(&h, name, change->startup == ENF_STARTUP_DELAYED_AUTOMATIC);
done:
	free(wlogon);
	wipe_wide(wpassword);
	svc_close(&h);
	return rc;
}

/* The exit code a stopped service reported, as text for a message. */
static char *exit_text(const SERVICE_STATUS_PROCESS *st)
{
	if (st->dwWin32ExitCode == ERROR_SERVICE_SPECIFIC_ERROR)
		return enf_asprintf("service-specific exit code %lu",
		                    (unsigned long)st->dwServiceSpecificExitCode);
	if (st->dwWin32ExitCode == 0)
		return enf_strdup("exit code 0");
	return enf_os_error_text((int)st->dwWin32ExitCode);
}

/* The status read for enf_svc_wait, kept whole for the exit code. */
typedef struct status_query {
	SC_HANDLE svc;
	const char *name;
	SERVICE_STATUS_PROCESS st;
	int failed; /* QueryServiceStatusEx failed: its message is set */
} status_query;

static int query_fn(enf_svc_status *out, void *ctx)
{
	status_query *q = ctx;
	int rc = query_status(&q->st, q->svc, q->name);
	if (rc) {
		q->failed = 1;
		return rc;
	}
	out->state = state_of(q->st.dwCurrentState);
	out->checkpoint = q->st.dwCheckPoint;
	out->wait_hint_ms = q->st.dwWaitHint;
	return 0;
}

/*
 * Waits while the service is in `pending` until it reaches `target`, as
 * provider/svc_wait.h describes: while its checkpoint advances within its
 * wait hint, for at most timeout_ms, on the monotonic clock.
 */
static int wait_state(SC_HANDLE svc, const char *name, DWORD target, DWORD pending,
                      unsigned timeout_ms, const char *verb)
{
	status_query q = {svc, name, {0}, 0};
	enf_svc_status last;
	int rc = enf_svc_wait(&last, query_fn, &q, &enf_svc_real_clock, name, state_of(target),
	                      state_of(pending), timeout_ms);
	if (rc == ENF_ERROR && !q.failed) {
		/* It left the pending state for another than the one waited for: say why. */
		char *why = exit_text(&q.st);
		enf_error_set(ENF_ERRCLASS_PROVIDER, "service '%s' did not %s: it is %s (%s)", name,
		              verb, enf_svc_state_name(state_of(q.st.dwCurrentState)),
		              why ? why : "?");
		free(why);
	}
	return rc;
}

int enf_w32_svc_start(void *self, const char *name, unsigned timeout_ms)
{
	(void)self;
	svc_handles h;
	SERVICE_STATUS_PROCESS st;
	int rc = svc_open(&h, name, SERVICE_START | SERVICE_QUERY_STATUS);
	if (rc)
		return rc;
	if ((rc = query_status(&st, h.svc, name)))
		goto done;
	if (st.dwCurrentState == SERVICE_RUNNING)
		goto done;
	/* A service still stopping cannot be started yet: let it finish first. */
	if (st.dwCurrentState == SERVICE_STOP_PENDING &&
	    (rc = wait_state(h.svc, name, SERVICE_STOPPED, SERVICE_STOP_PENDING, timeout_ms,
	                     "stop")))
		goto done;
	if (st.dwCurrentState != SERVICE_START_PENDING && !StartServiceW(h.svc, 0, NULL)) {
		DWORD err = GetLastError();
		if (err == ERROR_SERVICE_DISABLED) {
			enf_error_set(
			    ENF_ERRCLASS_PROVIDER,
			    "cannot start service '%s': it is disabled (error 1058); set its startup to manual or automatic first",
			    name);
			rc = ENF_ERROR;
			goto done;
		}
		if (err != ERROR_SERVICE_ALREADY_RUNNING) {
			enf_error_set_os((int)err, "cannot start service '%s'", name);
			rc = enf_w32_code(err);
			goto done;
		}
	}
	rc = wait_state(h.svc, name, SERVICE_RUNNING, SERVICE_START_PENDING, timeout_ms, "start");
done:
	svc_close(&h);
	return rc;
}

/* "A, B": the running services that depend on this one, for error 1051. */
static char *active_dependents(SC_HANDLE svc)
{
	DWORD need = 0, count = 0;
	EnumDependentServicesW(svc, SERVICE_ACTIVE, NULL, 0, &need, &count);
	ENUM_SERVICE_STATUSW *deps = need ? malloc(need) : NULL;
	enf_buf b = ENF_BUF_INIT;
	if (deps && EnumDependentServicesW(svc, SERVICE_ACTIVE, deps, need, &need, &count)) {
		for (DWORD i = 0; i < count; i++) {
			char *n = NULL;
			if (enf_w32_utf8(&n, deps[i].lpServiceName) == 0)
				enf_buf_printf(&b, "%s%s", b.len ? ", " : "", n);
			free(n);
		}
	}
	free(deps);
	return enf_buf_detach(&b);
}

int enf_w32_svc_stop(void *self, const char *name, unsigned timeout_ms)
{
	(void)self;
	svc_handles h;
	SERVICE_STATUS_PROCESS st;
	int rc =
	    svc_open(&h, name, SERVICE_STOP | SERVICE_QUERY_STATUS | SERVICE_ENUMERATE_DEPENDENTS);
	if (rc)
		return rc;
	if ((rc = query_status(&st, h.svc, name)) || st.dwCurrentState == SERVICE_STOPPED)
		goto done;
	/* A stop cannot be sent while the service is starting (error 1061): let it finish. */
	if (st.dwCurrentState == SERVICE_START_PENDING &&
	    (rc = wait_state(h.svc, name, SERVICE_RUNNING, SERVICE_START_PENDING, timeout_ms,
	                     "start")))
		goto done;
	SERVICE_STATUS ss;
	if (st.dwCurrentState != SERVICE_STOP_PENDING &&
	    !ControlService(h.svc, SERVICE_CONTROL_STOP, &ss)) {
		DWORD err = GetLastError();
		if (err == ERROR_SERVICE_NOT_ACTIVE)
			goto done; /* stopped meanwhile (error 1062): what was asked */
		if (err == ERROR_DEPENDENT_SERVICES_RUNNING) {
			/* Never stop other services behind the policy's back: say which ones. */
			char *deps = active_dependents(h.svc);
			enf_error_set(
			    ENF_ERRCLASS_PROVIDER,
			    "cannot stop service '%s': running services depend on it (%s) (error 1051); stop them first, or list them after it in the restart handler's services",
			    name, deps && *deps ? deps : "unknown");
			free(deps);
			rc = ENF_ERROR;
			goto done;
		}
		enf_error_set_os((int)err, "cannot stop service '%s'", name);
		rc = enf_w32_code(err);
		goto done;
	}
	rc = wait_state(h.svc, name, SERVICE_STOPPED, SERVICE_STOP_PENDING, timeout_ms, "stop");
done:
	svc_close(&h);
	return rc;
}
