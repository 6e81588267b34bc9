/*
 * The nightly task of `enforcer install` (util/install.h), through Task
 * Scheduler's COM interface (ITaskService): registered from the XML that
 * install.c builds, as SYSTEM with TASK_LOGON_SERVICE_ACCOUNT.
 *
 * A second install must change nothing: the registered task's action,
 * trigger and principal are read back and compared with what would be
 * registered. Wine's Task Scheduler keeps a task but not those parts of
 * its definition (their getters answer E_NOTIMPL), so under Wine a second
 * install registers the task again and says "updated"; Windows says
 * "unchanged" (docs/windows-semantics.md).
 */
#define COBJMACROS
#include "util/install.h"

#include "enforcer/errors.h"
#include "util/win32_util.h"

#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include <sddl.h>
#include <taskschd.h>

typedef struct task_session {
	int com_started;
	ITaskService *svc;
	ITaskFolder *root;
} task_session;

static int com_error(HRESULT hr, const char *what)
{
	if (hr == E_ACCESSDENIED) {
		enf_error_set(ENF_ERRCLASS_OS, "%s: access denied: run it as an administrator",
		              what);
		return ENF_EACCESS;
	}
	enf_error_set(ENF_ERRCLASS_OS, "%s (HRESULT 0x%08lx)", what, (unsigned long)hr);
	return ENF_ERROR;
}

static void session_end(task_session *s)
{
	if (s->root)
		ITaskFolder_Release(s->root);
	if (s->svc)
		ITaskService_Release(s->svc);
	if (s->com_started)
		CoUninitialize();
}

static int session_begin(task_session *s)
{
	VARIANT none;
	VariantInit(&none);
	HRESULT hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
	/* A caller that already chose another apartment model keeps it. */
	if (FAILED(hr) && hr != RPC_E_CHANGED_MODE)
		return com_error(hr, "cannot start COM for Task Scheduler");
	s->com_started = SUCCEEDED(hr);
	/* RPC_E_TOO_LATE: the process set its COM security already, which serves as well. */
	CoInitializeSecurity(NULL, -1, NULL, NULL, RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
	                     RPC_C_IMP_LEVEL_IMPERSONATE, NULL, EOAC_NONE, NULL);
	hr = CoCreateInstance(&CLSID_TaskScheduler, NULL, CLSCTX_INPROC_SERVER, &IID_ITaskService,
	                      (void **)&s->svc);
	if (SUCCEEDED(hr))
		hr = ITaskService_Connect(s->svc, none, none, none, none);
	BSTR root = SUCCEEDED(hr) ? SysAllocString(L"\\") : NULL;
	if (SUCCEEDED(hr))
		hr = root ? ITaskService_GetFolder(s->svc, root, &s->root) : E_OUTOFMEMORY;
	SysFreeString(root);
	if (FAILED(hr)) {
		session_end(s);
		return com_error(hr, "cannot connect to Task Scheduler");
	}
	return 0;
}

static BSTR bstr_of(const char *utf8)
{
	wchar_t *w = enf_utf8_to_wide(utf8);
	BSTR b = w ? SysAllocString(w) : NULL;
	free(w);
	return b;
}

/* 1 when a BSTR getter succeeded and returned `want` (case-insensitive if `nocase`). */
static int same_text(HRESULT hr, BSTR got, const char *want, int nocase)
{
	wchar_t *w = enf_utf8_to_wide(want);
	int same = SUCCEEDED(hr) && got && w &&
	           CompareStringOrdinal(got, -1, w, -1, nocase ? TRUE : FALSE) == CSTR_EQUAL;
	free(w);
	SysFreeString(got);
	return same;
}

/* 1 when the account name or SID string `id` is LocalSystem (S-1-5-18). */
static int is_local_system(BSTR id)
{
	BYTE want[SECURITY_MAX_SID_SIZE], sid[SECURITY_MAX_SID_SIZE];
	DWORD size = sizeof(want), sid_size = sizeof(sid), dom_size = 256;
	wchar_t domain[256];
	SID_NAME_USE use;
	PSID parsed = NULL;
	int same = 0;
	if (!id || !CreateWellKnownSid(WinLocalSystemSid, NULL, want, &size))
		return 0;
	if (ConvertStringSidToSidW(id, &parsed)) {
		same = EqualSid(parsed, want);
		LocalFree(parsed);
	} else if (LookupAccountNameW(NULL, id, sid, &sid_size, domain, &dom_size, &use)) {
		same = EqualSid(sid, want);
	}
	return same;
}

static int principal_as_asked(ITaskDefinition *def)
{
	IPrincipal *p = NULL;
	BSTR user = NULL;
	TASK_LOGON_TYPE logon = TASK_LOGON_NONE;
	TASK_RUNLEVEL_TYPE level = TASK_RUNLEVEL_LUA;
	int same = SUCCEEDED(ITaskDefinition_get_Principal(def, &p)) &&
	           SUCCEEDED(IPrincipal_get_UserId(p, &user)) && is_local_system(user) &&
	           SUCCEEDED(IPrincipal_get_LogonType(p, &logon)) &&
	           logon == TASK_LOGON_SERVICE_ACCOUNT &&
	           SUCCEEDED(IPrincipal_get_RunLevel(p, &level)) && level == TASK_RUNLEVEL_HIGHEST;
	SysFreeString(user);
	if (p)
		IPrincipal_Release(p);
	return same;
}

/* 1 when action `index` of `actions` runs `command` with `args` (and in `dir`, if given). */
static int exec_as_asked(IActionCollection *actions, LONG index, const char *command,
                         const char *args, const char *dir)
{
	IAction *action = NULL;
	IExecAction *exec = NULL;
	BSTR text = NULL;
	int same = command && args &&
	           SUCCEEDED(IActionCollection_get_Item(actions, index, &action)) &&
	           SUCCEEDED(IAction_QueryInterface(action, &IID_IExecAction, (void **)&exec));
	if (same) {
		HRESULT hr = IExecAction_get_Path(exec, &text);
		same = same_text(hr, text, command, 1);
	}
	if (same) {
		HRESULT hr = IExecAction_get_Arguments(exec, &text);
		same = same_text(hr, text, args, 0);
	}
	if (same && dir) {
		HRESULT hr = IExecAction_get_WorkingDirectory(exec, &text);
		same = same_text(hr, text, dir, 1);
	}
	if (exec)
		IExecAction_Release(exec);
	if (action)
		IAction_Release(action);
	return same;
}

/* 1 when the task's actions are the fetch (with a repository and git.exe) and the apply. */
static int action_as_asked(ITaskDefinition *def, const enf_task_spec *spec)
{
	IActionCollection *actions = NULL;
	LONG count = 0;
	int fetch = spec->repo && spec->git;
	char *args = enf_task_arguments(spec);
	char *command = enf_task_command(spec->exe);
	char *git = fetch ? enf_task_command(spec->git) : NULL;
	char *fetch_args = fetch ? enf_task_fetch_arguments(spec) : NULL;
	int same = SUCCEEDED(ITaskDefinition_get_Actions(def, &actions)) &&
	           SUCCEEDED(IActionCollection_get_Count(actions, &count)) && count == 1 + fetch &&
	           (!fetch || exec_as_asked(actions, 1, git, fetch_args, NULL)) &&
	           exec_as_asked(actions, 1 + fetch, command, args, spec->state_dir);
	if (actions)
		IActionCollection_Release(actions);
	free(args);
	free(command);
	free(git);
	free(fetch_args);
	return same;
}

static int trigger_as_asked(ITaskDefinition *def, const enf_task_spec *spec)
{
	ITriggerCollection *triggers = NULL;
	ITrigger *trigger = NULL;
	LONG count = 0;
	TASK_TRIGGER_TYPE2 type = TASK_TRIGGER_EVENT;
	char *start = enf_task_start_boundary(&spec->at);
	int same = start && SUCCEEDED(ITaskDefinition_get_Triggers(def, &triggers)) &&
	           SUCCEEDED(ITriggerCollection_get_Count(triggers, &count)) && count == 1 &&
	           SUCCEEDED(ITriggerCollection_get_Item(triggers, 1, &trigger)) &&
	           SUCCEEDED(ITrigger_get_Type(trigger, &type)) && type == TASK_TRIGGER_DAILY;
	if (same) {
		BSTR text = NULL;
		HRESULT hr = ITrigger_get_StartBoundary(trigger, &text);
		same = same_text(hr, text, start, 0);
	}
	if (trigger)
		ITrigger_Release(trigger);
	if (triggers)
		ITriggerCollection_Release(triggers);
	free(start);
	return same;
}

/* 1 when the registered task runs what spec says, when and as whom it says. */
static int task_as_asked(IRegisteredTask *task, const enf_task_spec *spec)
{
	ITaskDefinition *def = NULL;
	if (FAILED(IRegisteredTask_get_Definition(task, &def)))
		return 0;
	int same =
	    action_as_asked(def, spec) && trigger_as_asked(def, spec) && principal_as_asked(def);
	ITaskDefinition_Release(def);
	return same;
}

/* "NT AUTHORITY\SYSTEM" as this Windows spells it (the names are localized; the SID is not). */
static BSTR local_system_name(void)
{
	BYTE sid[SECURITY_MAX_SID_SIZE];
	wchar_t name[256], domain[256], both[520];
	DWORD size = sizeof(sid), n = 256, d = 256;
	SID_NAME_USE use;
	if (!CreateWellKnownSid(WinLocalSystemSid, NULL, sid, &size) ||
	    !LookupAccountSidW(NULL, sid, name, &n, domain, &d, &use))
		return SysAllocString(L"S-1-5-18");
	swprintf(both, 520, L"%ls\\%ls", domain, name);
	return SysAllocString(both);
}

static HRESULT register_task(task_session *s, BSTR path, const enf_task_spec *spec)
{
	char *xml = NULL;
	if (enf_task_xml(&xml, spec))
		return E_OUTOFMEMORY;
	BSTR text = bstr_of(xml);
	free(xml);
	VARIANT user, none;
	VariantInit(&none);
	VariantInit(&user);
	user.vt = VT_BSTR;
	user.bstrVal = local_system_name();
	IRegisteredTask *task = NULL;
	HRESULT hr =
	    text && user.bstrVal
	        ? ITaskFolder_RegisterTask(s->root, path, text, TASK_CREATE_OR_UPDATE, user, none,
	                                   TASK_LOGON_SERVICE_ACCOUNT, none, &task)
	        : E_OUTOFMEMORY;
	if (task)
		IRegisteredTask_Release(task);
	VariantClear(&user);
	SysFreeString(text);
	return hr;
}

int enf_task_install(enf_install_step *out, const enf_task_spec *spec)
{
	task_session s = {0};
	int rc = session_begin(&s);
	if (rc)
		return rc;
	BSTR path = SysAllocString(L"" ENF_TASK_PATH);
	BSTR folder_name = SysAllocString(L"" ENF_TASK_FOLDER);
	IRegisteredTask *old = NULL;
	ITaskFolder *folder = NULL;
	VARIANT none;
	VariantInit(&none);
	if (!path || !folder_name) {
		rc = enf_error_oom();
		goto done;
	}
	HRESULT hr = ITaskFolder_GetTask(s.root, path, &old);
	if (SUCCEEDED(hr) && task_as_asked(old, spec)) {
		*out = ENF_STEP_UNCHANGED;
		goto done;
	}
	/* The folder first: registering a task does not promise to create its folder. */
	hr = ITaskFolder_CreateFolder(s.root, folder_name, none, &folder);
	if (FAILED(hr) && hr != HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS)) {
		rc = com_error(hr, "cannot create the Task Scheduler folder " ENF_TASK_FOLDER);
		goto done;
	}
	hr = register_task(&s, path, spec);
	if (FAILED(hr)) {
		rc = com_error(hr, "cannot register the scheduled task " ENF_TASK_PATH);
		goto done;
	}
	*out = old ? ENF_STEP_UPDATED : ENF_STEP_CREATED;
done:
	if (folder)
		ITaskFolder_Release(folder);
	if (old)
		IRegisteredTask_Release(old);
	SysFreeString(path);
	SysFreeString(folder_name);
	session_end(&s);
	return rc;
}

/*
 * 1 when the folder holds no task (hidden ones included) and no folder: the
 * documentation does not say what DeleteFolder does with a folder that
 * still holds tasks, and an administrator's own tasks there must stay.
 */
static int folder_is_empty(ITaskFolder *root, BSTR name)
{
	ITaskFolder *folder = NULL;
	IRegisteredTaskCollection *tasks = NULL;
	ITaskFolderCollection *folders = NULL;
	LONG ntasks = -1, nfolders = -1;
	if (SUCCEEDED(ITaskFolder_GetFolder(root, name, &folder))) {
		if (SUCCEEDED(ITaskFolder_GetTasks(folder, TASK_ENUM_HIDDEN, &tasks)))
			IRegisteredTaskCollection_get_Count(tasks, &ntasks);
		if (SUCCEEDED(ITaskFolder_GetFolders(folder, 0, &folders)))
			ITaskFolderCollection_get_Count(folders, &nfolders);
	}
	if (folders)
		ITaskFolderCollection_Release(folders);
	if (tasks)
		IRegisteredTaskCollection_Release(tasks);
	if (folder)
		ITaskFolder_Release(folder);
	return ntasks == 0 && nfolders == 0;
}

int enf_task_uninstall(enf_install_step *out)
{
	task_session s = {0};
	int rc = session_begin(&s);
	if (rc)
		return rc;
	BSTR path = SysAllocString(L"" ENF_TASK_PATH);
	BSTR folder = SysAllocString(L"" ENF_TASK_FOLDER);
	HRESULT hr = path && folder ? ITaskFolder_DeleteTask(s.root, path, 0) : E_OUTOFMEMORY;
	if (hr == HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND) ||
	    hr == HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND)) {
		*out = ENF_STEP_ABSENT;
	} else if (FAILED(hr)) {
		rc = com_error(hr, "cannot delete the scheduled task " ENF_TASK_PATH);
	} else {
		*out = ENF_STEP_REMOVED;
	}
	/* The folder goes too when nothing else is in it; otherwise it stays, as it is. */
	if (rc == 0 && folder && folder_is_empty(s.root, folder))
		ITaskFolder_DeleteFolder(s.root, folder, 0);
	SysFreeString(path);
	SysFreeString(folder);
	session_end(&s);
	return rc;
}
