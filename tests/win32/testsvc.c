/*
 * testsvc: a minimal Windows service for enforcer's service tests (run under
 * Wine or on real Windows).
 *
 * Every time the service starts it appends "start <pid>\r\n" to its log file,
 * and "stop\r\n" when it is stopped, so a test can count starts and stops and
 * tell restarts apart by pid.
 *
 * Log file, first match wins:
 *   1. the first service argument:   sc start testsvc C:\path\to\log.txt
 *   2. the first process argument:   sc create testsvc binPath= "C:\x\testsvc.exe C:\path\log.txt"
 *   3. next to the executable:       C:\x\testsvc.exe -> C:\x\testsvc.log
 *
 * A slow service, for the tests of service waits: process arguments after
 * the log file (binPath= "C:\x\testsvc.exe C:\log.txt --start-ms 3000 ..."):
 *   --start-ms N       take N ms to start, start-pending all the while
 *   --stop-ms N        take N ms to stop, stop-pending all the while
 *   --hint-ms N        the wait hint it reports while pending (default 3000)
 *   --checkpoint-ms N  advance the checkpoint every N ms while pending
 *                      (default 500); 0: never, the checkpoint stalls
 *
 * Build: x86_64-w64-mingw32-gcc -std=c11 -O2 -Wall -static -o testsvc.exe testsvc.c
 * (plain main() on purpose: no -municode needed; wide arguments are taken
 * from the Win32 API instead.)
 *
 * Run outside the service control manager it prints a hint and exits 2.
 */
#ifndef WIN32_LEAN_AND_MEAN /* meson.build defines it for the whole Windows build */
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <shellapi.h>
#include <stdio.h>
#include <wchar.h>

#define SERVICE_NAME L"testsvc"

static SERVICE_STATUS_HANDLE g_status_handle;
static SERVICE_STATUS g_status;
static HANDLE g_stop_event;
static wchar_t g_log_path[MAX_PATH + 1];
static DWORD g_start_ms, g_stop_ms, g_hint_ms = 3000, g_checkpoint_ms = 500;

/* Open, append, close on every line: the file is never held open, so a test
 * can read (or delete) it at any time, and nothing is lost if the process is
 * killed. */
static void log_line(const char *line)
{
	HANDLE h = CreateFileW(g_log_path, FILE_APPEND_DATA,
	                       FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
	                       OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	if (h == INVALID_HANDLE_VALUE)
		return;
	DWORD written;
	WriteFile(h, line, (DWORD)strlen(line), &written, NULL);
	CloseHandle(h);
}

static void report(DWORD state, DWORD exit_code, DWORD wait_hint)
{
	static DWORD checkpoint = 1;

	g_status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
	g_status.dwCurrentState = state;
	g_status.dwWin32ExitCode = exit_code;
	g_status.dwWaitHint = wait_hint;
	/* Accept STOP only once running, as the SCM documentation asks. */
	g_status.dwControlsAccepted =
	    state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
	g_status.dwCheckPoint =
	    (state == SERVICE_RUNNING || state == SERVICE_STOPPED) ? 0 : checkpoint++;
	SetServiceStatus(g_status_handle, &g_status);
}

static DWORD WINAPI control_handler(DWORD control, DWORD event_type, LPVOID event_data,
                                    LPVOID context)
{
	(void)event_type;
	(void)event_data;
	(void)context;
	switch (control) {
	case SERVICE_CONTROL_STOP:
	case SERVICE_CONTROL_SHUTDOWN:
		report(SERVICE_STOP_PENDING, NO_ERROR, g_hint_ms);
		SetEvent(g_stop_event);
		return NO_ERROR;
	case SERVICE_CONTROL_INTERROGATE:
		return NO_ERROR;
	default:
		return ERROR_CALL_NOT_IMPLEMENTED;
	}
}

/* The slow-service options among the process arguments (see the header comment). */
static void read_options(int argc, LPWSTR *argv)
{
	for (int i = 1; i + 1 < argc; i++) {
		DWORD *to = wcscmp(argv[i], L"--start-ms") == 0        ? &g_start_ms
		            : wcscmp(argv[i], L"--stop-ms") == 0       ? &g_stop_ms
		            : wcscmp(argv[i], L"--hint-ms") == 0       ? &g_hint_ms
		            : wcscmp(argv[i], L"--checkpoint-ms") == 0 ? &g_checkpoint_ms
		                                                       : NULL;
		if (to)
			*to = (DWORD)wcstoul(argv[++i], NULL, 10);
	}
}

/*
 * Stays in `state` for `ms`, reporting an advancing checkpoint every
 * g_checkpoint_ms, or, with 0, no progress at all (a stalled service).
 */
static void slow_phase(DWORD state, DWORD ms)
{
	if (ms == 0)
		return;
	if (g_checkpoint_ms == 0) {
		Sleep(ms);
		return;
	}
	for (DWORD done = 0; done < ms;) {
		DWORD step = ms - done < g_checkpoint_ms ? ms - done : g_checkpoint_ms;
		Sleep(step);
		done += step;
		if (done < ms)
			report(state, NO_ERROR, g_hint_ms);
	}
}

/* Pick the log path (see the header comment). */
static void choose_log_path(DWORD argc, LPWSTR *argv)
{
	if (argc > 1 && argv[1][0] != L'\0') { /* argv[0] is the service name */
		wcsncpy(g_log_path, argv[1], MAX_PATH);
		return;
	}

	int pargc = 0;
	LPWSTR *pargv = CommandLineToArgvW(GetCommandLineW(), &pargc);
	if (pargv != NULL) {
		int found = pargc > 1 && pargv[1][0] != L'\0' && wcsncmp(pargv[1], L"--", 2) != 0;
		if (found)
			wcsncpy(g_log_path, pargv[1], MAX_PATH);
		LocalFree(pargv);
		if (found)
			return;
	}

	DWORD n = GetModuleFileNameW(NULL, g_log_path, MAX_PATH);
	if (n == 0 || n >= MAX_PATH - 4) {
		wcscpy(g_log_path, L"C:\\testsvc.log");
		return;
	}
	wchar_t *dot = wcsrchr(g_log_path, L'.');
	wchar_t *sep = wcsrchr(g_log_path, L'\\');
	if (dot != NULL && (sep == NULL || dot > sep))
		*dot = L'\0';
	wcscat(g_log_path, L".log");
}

static void WINAPI service_main(DWORD argc, LPWSTR *argv)
{
	g_status_handle = RegisterServiceCtrlHandlerExW(SERVICE_NAME, control_handler, NULL);
	if (g_status_handle == NULL)
		return;
	report(SERVICE_START_PENDING, NO_ERROR, g_hint_ms);

	choose_log_path(argc, argv);
	slow_phase(SERVICE_START_PENDING, g_start_ms);
	g_stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
	if (g_stop_event == NULL) {
		report(SERVICE_STOPPED, GetLastError(), 0);
		return;
	}

	char line[64];
	snprintf(line, sizeof line, "start %lu\r\n", (unsigned long)GetCurrentProcessId());
	log_line(line);
	report(SERVICE_RUNNING, NO_ERROR, 0);

	WaitForSingleObject(g_stop_event, INFINITE);
	slow_phase(SERVICE_STOP_PENDING, g_stop_ms);

	/* Log before reporting STOPPED: once a test sees STOPPED, the line is
	 * already in the file. */
	log_line("stop\r\n");
	CloseHandle(g_stop_event);
	report(SERVICE_STOPPED, NO_ERROR, 0);
}

int main(void)
{
	/* With SERVICE_WIN32_OWN_PROCESS the name in the table is ignored, so the
	 * same exe works whatever name it was registered under. */
	static SERVICE_TABLE_ENTRYW table[] = {
	    {SERVICE_NAME, service_main},
	    {NULL, NULL},
	};
	int pargc = 0;
	LPWSTR *pargv = CommandLineToArgvW(GetCommandLineW(), &pargc);
	if (pargv != NULL) {
		read_options(pargc, pargv);
		LocalFree(pargv);
	}
	if (!StartServiceCtrlDispatcherW(table)) {
		DWORD err = GetLastError();
		if (err == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT)
			fprintf(stderr, "testsvc: this is a service; register it with "
			                "'sc create NAME binPath= PATH' and use 'sc start NAME'\n");
		else
			fprintf(stderr, "testsvc: StartServiceCtrlDispatcherW failed: %lu\n",
			        (unsigned long)err);
		return 2;
	}
	return 0;
}
