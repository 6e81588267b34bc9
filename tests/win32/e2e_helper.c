/*
 * e2ehelper: what the Wine end-to-end tests (tests/win32/e2e-*.sh) need done
 * or read on the "server" without going through enforcer, so that the test
 * builds its drift and checks the outcome with independent calls.
 *
 *   e2ehelper.exe COMMAND ARG...       one command
 *   e2ehelper.exe -f FILE              one command per line of FILE, fields
 *                                      separated by tabs (one process for a
 *                                      whole seed: each Wine process costs)
 *
 * Commands:
 *   cert-add STORE DER                 add a certificate (DER file) to a LocalMachine store
 *   cert-add-key STORE DER BLOB NAME   the same, with its private key: BLOB is a PRIVATEKEYBLOB
 *                                      (`openssl rsa -outform MSBLOB`), imported into a new CAPI
 *                                      machine key container NAME and linked to the certificate
 *                                      with CERT_KEY_PROV_INFO_PROP_ID (PFX import into machine
 *                                      keysets is broken under Wine: see WINE-NOTES.md)
 *   cert-list STORE                    one line per certificate: SHA-1 thumbprint (upper case),
 *                                      then "key" or "nokey"
 *   svc-create NAME EXE LOG START ACCOUNT PASSWORD DISPLAY DESCRIPTION
 *                                      a service running EXE with LOG as its argument; START is
 *                                      auto, demand or disabled; PASSWORD "-" for none
 *   svc-start NAME...                  start services and wait until each is running
 *   console-run OUT EXE ARG...         run EXE with ARGs (UTF-8, as UTF-16 on its command
 *                                      line) with this process's console as its standard
 *                                      output and error, then write what it left on the
 *                                      console's screen to OUT (UTF-8, one line per row,
 *                                      trailing blanks dropped), then "exit N", EXE's code
 *                                      Needs a console: under Wine, run from a terminal
 *                                      (script(1) gives one)
 *   msg-text EXE ID TEXT               the description of message ID (decimal) in EXE's
 *                                      message table, with TEXT as %1 (FormatMessageW on
 *                                      EXE loaded as a data file, as Event Viewer does), in
 *                                      UTF-8; fails when EXE has no message ID
 *   task-show PATH                     "absent", or "registered" and one line per part of
 *                                      the task's definition ("description: ...", "path:",
 *                                      "arguments:", "directory:", "start:", "user:",
 *                                      "logon:", "runlevel:"; "xml-description:" from
 *                                      its XML), each "NAME: unavailable (HRESULT)" when
 *                                      Task Scheduler cannot say (or says nothing)
 *
 * Exits 0 when every command succeeded, 1 otherwise (with a message on stderr).
 * Build: tests/meson.build (plain mingw; no enforcer library, no OpenSSL).
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#define COBJMACROS
#include <windows.h>
#include <wincrypt.h>
#include <taskschd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define MAX_FIELDS   32
#define ENF_COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define ENC          (X509_ASN_ENCODING | PKCS_7_ASN_ENCODING)

static int fail(const char *what, const char *arg)
{
	fprintf(stderr, "e2ehelper: %s %s: error %lu (0x%08lx)\n", what, arg ? arg : "",
	        (unsigned long)GetLastError(), (unsigned long)GetLastError());
	return 1;
}

/* A UTF-8 argument as UTF-16, malloc'd. */
static wchar_t *wide(const char *s)
{
	int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
	wchar_t *w = n > 0 ? malloc((size_t)n * sizeof(wchar_t)) : NULL;
	if (w)
		MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
	return w;
}

static unsigned char *read_file(const char *path, DWORD *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && n < (1L << 24) &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n)) &&
	    fread(buf, 1, (size_t)n, f) == (size_t)n) {
		*len = (DWORD)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static HCERTSTORE open_store(const char *name)
{
	wchar_t *w = wide(name);
	HCERTSTORE h =
	    w ? CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_LOCAL_MACHINE, w)
	      : NULL;
	free(w);
	return h;
}

/* Adds the certificate; with a key container, linked to it (the property must come with the add).
 */
static int cert_add(const char *store, const char *file, const char *blob_file,
                    const char *container)
{
	DWORD len = 0, blob_len = 0;
	unsigned char *der = read_file(file, &len), *blob = NULL;
	HCERTSTORE h = open_store(store);
	PCCERT_CONTEXT ctx = der ? CertCreateCertificateContext(ENC, der, len) : NULL;
	HCRYPTPROV prov = 0;
	HCRYPTKEY key = 0;
	wchar_t *wcont = container ? wide(container) : NULL;
	int rc = 1;
	if (!der || !ctx)
		goto done;
	if (!h) {
		fail("cannot open store", store);
		goto done;
	}
	if (container) {
		if (!(blob = read_file(blob_file, &blob_len)) || !wcont)
			goto done;
		/* A container left by an earlier seed is replaced. */
		CryptAcquireContextW(&prov, wcont, MS_ENHANCED_PROV_W, PROV_RSA_FULL,
		                     CRYPT_MACHINE_KEYSET | CRYPT_DELETEKEYSET);
		if (!CryptAcquireContextW(&prov, wcont, MS_ENHANCED_PROV_W, PROV_RSA_FULL,
		                          CRYPT_MACHINE_KEYSET | CRYPT_NEWKEYSET)) {
			fail("cannot create key container", container);
			goto done;
		}
		if (!CryptImportKey(prov, blob, blob_len, 0, 0, &key)) {
			fail("cannot import the private key of", file);
			goto done;
		}
		CRYPT_KEY_PROV_INFO info = {wcont,
		                            (wchar_t *)MS_ENHANCED_PROV_W,
		                            PROV_RSA_FULL,
		                            CRYPT_MACHINE_KEYSET,
		                            0,
		                            NULL,
		                            AT_KEYEXCHANGE};
		if (!CertSetCertificateContextProperty(ctx, CERT_KEY_PROV_INFO_PROP_ID, 0, &info)) {
			fail("cannot link the key to", file);
			goto done;
		}
	}
	if (!CertAddCertificateContextToStore(h, ctx, CERT_STORE_ADD_REPLACE_EXISTING, NULL) ||
	    !CertControlStore(h, 0, CERT_STORE_CTRL_COMMIT, NULL)) {
		fail("cannot add", file);
		goto done;
	}
	rc = 0;
done:
	if (rc && (!der || !ctx))
		fprintf(stderr, "e2ehelper: %s is not a readable DER certificate\n", file);
	if (rc && container && !blob)
		fprintf(stderr, "e2ehelper: cannot read the key blob %s\n", blob_file);
	if (key)
		CryptDestroyKey(key);
	if (prov)
		CryptReleaseContext(prov, 0);
	if (ctx)
		CertFreeCertificateContext(ctx);
	if (h)
		CertCloseStore(h, 0);
	free(wcont);
	free(blob);
	free(der);
	return rc;
}

static int cert_list(const char *store)
{
	HCERTSTORE h = open_store(store);
	PCCERT_CONTEXT ctx = NULL;
	if (!h)
		return fail("cannot open store", store);
	while ((ctx = CertEnumCertificatesInStore(h, ctx))) {
		BYTE sha1[20];
		DWORD n = sizeof(sha1), kn = 0;
		if (!CryptHashCertificate(0, CALG_SHA1, 0, ctx->pbCertEncoded, ctx->cbCertEncoded,
		                          sha1, &n))
			return fail("cannot hash a certificate of", store);
		for (int i = 0; i < 20; i++)
			printf("%02X", sha1[i]);
		int key =
		    CertGetCertificateContextProperty(ctx, CERT_KEY_PROV_INFO_PROP_ID, NULL, &kn);
		printf(" %s\n", key ? "key" : "nokey");
	}
	CertCloseStore(h, 0);
	return 0;
}

static int svc_create(char **f)
{
	/* f: NAME EXE LOG START ACCOUNT PASSWORD DISPLAY DESCRIPTION */
	DWORD start = !strcmp(f[3], "auto")       ? SERVICE_AUTO_START
	              : !strcmp(f[3], "disabled") ? SERVICE_DISABLED
	                                          : SERVICE_DEMAND_START;
	char cmd[2 * MAX_PATH + 8];
	snprintf(cmd, sizeof(cmd), "\"%s\" \"%s\"", f[1], f[2]);
	wchar_t *name = wide(f[0]), *wcmd = wide(cmd), *account = wide(f[4]),
	        *password = strcmp(f[5], "-") ? wide(f[5]) : NULL, *display = wide(f[6]),
	        *desc = wide(f[7]);
	SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS), svc = NULL;
	int rc = 1;
	if (!scm) {
		fail("cannot open the SCM", NULL);
		goto done;
	}
	svc =
	    CreateServiceW(scm, name, display, SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS, start,
	                   SERVICE_ERROR_NORMAL, wcmd, NULL, NULL, NULL, account, password);
	if (!svc) {
		fail("cannot create service", f[0]);
		goto done;
	}
	SERVICE_DESCRIPTIONW d = {desc};
	if (!ChangeServiceConfig2W(svc, SERVICE_CONFIG_DESCRIPTION, &d)) {
		fail("cannot describe service", f[0]);
		goto done;
	}
	rc = 0;
done:
	if (svc)
		CloseServiceHandle(svc);
	if (scm)
		CloseServiceHandle(scm);
	free(name);
	free(wcmd);
	free(account);
	free(password);
	free(display);
	free(desc);
	return rc;
}

static int svc_start(const char *name)
{
	wchar_t *w = wide(name);
	SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT), svc = NULL;
	SERVICE_STATUS st;
	int rc = 1;
	if (!scm || !w || !(svc = OpenServiceW(scm, w, SERVICE_START | SERVICE_QUERY_STATUS))) {
		fail("cannot open service", name);
		goto done;
	}
	if (!StartServiceW(svc, 0, NULL) && GetLastError() != ERROR_SERVICE_ALREADY_RUNNING) {
		fail("cannot start service", name);
		goto done;
	}
	for (int i = 0; i < 200; i++) { /* 10 s */
		if (!QueryServiceStatus(svc, &st)) {
			fail("cannot query service", name);
			goto done;
		}
		if (st.dwCurrentState == SERVICE_RUNNING) {
			rc = 0;
			goto done;
		}
		Sleep(50);
	}
	fprintf(stderr, "e2ehelper: service %s did not start\n", name);
done:
	if (svc)
		CloseServiceHandle(svc);
	if (scm)
		CloseServiceHandle(scm);
	free(w);
	return rc;
}

/* Appends `s` to the command line in w, quoted (no argument here holds a quote). */
static void append_arg(wchar_t *cmd, size_t size, const char *s)
{
	wchar_t *w = wide(s);
	size_t n = wcslen(cmd);
	if (w)
		_snwprintf(cmd + n, size - n - 1, L"%s\"%s\"", n ? L" " : L"", w);
	free(w);
}

static int console_run(int argc, char **argv)
{
	SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
	HANDLE con = CreateFileW(L"CONOUT$", GENERIC_READ | GENERIC_WRITE,
	                         FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0, NULL);
	CONSOLE_SCREEN_BUFFER_INFO before, after;
	if (con == INVALID_HANDLE_VALUE || !GetConsoleScreenBufferInfo(con, &before))
		return fail("no console to run on (under Wine, run from a terminal)", NULL);
	static wchar_t cmd[8192];
	cmd[0] = L'\0';
	for (int i = 2; i < argc; i++)
		append_arg(cmd, ENF_COUNT(cmd), argv[i]);
	STARTUPINFOW si;
	PROCESS_INFORMATION pi;
	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	si.dwFlags = STARTF_USESTDHANDLES;
	si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
	si.hStdOutput = con;
	si.hStdError = con;
	if (!CreateProcessW(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi))
		return fail("cannot run", argv[2]);
	DWORD code = 1;
	WaitForSingleObject(pi.hProcess, 60000);
	GetExitCodeProcess(pi.hProcess, &code);
	CloseHandle(pi.hProcess);
	CloseHandle(pi.hThread);
	GetConsoleScreenBufferInfo(con, &after);
	FILE *out = fopen(argv[1], "wb");
	if (!out)
		return fail("cannot write", argv[1]);
	for (SHORT y = before.dwCursorPosition.Y; y <= after.dwCursorPosition.Y; y++) {
		wchar_t row[512];
		DWORD n = 0, width = (DWORD)after.dwSize.X < 512 ? (DWORD)after.dwSize.X : 512;
		COORD at = {0, y};
		if (!ReadConsoleOutputCharacterW(con, row, width, at, &n))
			break;
		while (n > 0 && row[n - 1] == L' ')
			n--;
		char line[2048];
		int len =
		    n ? WideCharToMultiByte(CP_UTF8, 0, row, (int)n, line, sizeof(line), NULL, NULL)
		      : 0;
		fwrite(line, 1, len > 0 ? (size_t)len : 0, out);
		fputc('\n', out);
	}
	fprintf(out, "exit %lu\n", (unsigned long)code);
	fclose(out);
	CloseHandle(con);
	return 0;
}

static void print_utf8(const wchar_t *w)
{
	char buf[8192];
	int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, (int)sizeof(buf), NULL, NULL);
	fputs(n > 0 ? buf : "?", stdout);
}

static int msg_text(const char *exe, const char *id, const char *text)
{
	wchar_t *wexe = wide(exe), *wtext = wide(text), *msg = NULL;
	HMODULE mod =
	    LoadLibraryExW(wexe, NULL, LOAD_LIBRARY_AS_DATAFILE | LOAD_LIBRARY_AS_IMAGE_RESOURCE);
	DWORD_PTR args[1] = {(DWORD_PTR)wtext};
	int rc = 0;
	if (!mod)
		rc = fail("cannot load", exe);
	else if (!FormatMessageW(FORMAT_MESSAGE_FROM_HMODULE | FORMAT_MESSAGE_ALLOCATE_BUFFER |
	                             FORMAT_MESSAGE_ARGUMENT_ARRAY,
	                         mod, (DWORD)strtoul(id, NULL, 10), 0, (LPWSTR)&msg, 0,
	                         (va_list *)args))
		rc = fail("no message", id);
	else
		print_utf8(msg);
	LocalFree(msg);
	if (mod)
		FreeLibrary(mod);
	free(wexe);
	free(wtext);
	return rc;
}

/* One "NAME: VALUE" line of task-show, or "NAME: unavailable (HRESULT)". */
static void show_text(const char *name, HRESULT hr, BSTR value)
{
	printf("%s: ", name);
	if (SUCCEEDED(hr) && value && *value)
		print_utf8(value);
	else
		printf("unavailable (0x%08lx)", (unsigned long)hr);
	putchar('\n');
	SysFreeString(value);
}

static void show_number(const char *name, HRESULT hr, long value)
{
	if (SUCCEEDED(hr))
		printf("%s: %ld\n", name, value);
	else
		printf("%s: unavailable (0x%08lx)\n", name, (unsigned long)hr);
}

static void show_definition(ITaskDefinition *def)
{
	IRegistrationInfo *info = NULL;
	IActionCollection *actions = NULL;
	IAction *action = NULL;
	IExecAction *exec = NULL;
	ITriggerCollection *triggers = NULL;
	ITrigger *trigger = NULL;
	IPrincipal *principal = NULL;
	BSTR s = NULL;
	HRESULT hr = ITaskDefinition_get_RegistrationInfo(def, &info);
	show_text("description", SUCCEEDED(hr) ? IRegistrationInfo_get_Description(info, &s) : hr,
	          s);
	hr = ITaskDefinition_get_Actions(def, &actions);
	if (SUCCEEDED(hr))
		hr = IActionCollection_get_Item(actions, 1, &action);
	if (SUCCEEDED(hr))
		hr = IAction_QueryInterface(action, &IID_IExecAction, (void **)&exec);
	s = NULL;
	show_text("path", SUCCEEDED(hr) ? IExecAction_get_Path(exec, &s) : hr, s);
	s = NULL;
	show_text("arguments", SUCCEEDED(hr) ? IExecAction_get_Arguments(exec, &s) : hr, s);
	s = NULL;
	show_text("directory", SUCCEEDED(hr) ? IExecAction_get_WorkingDirectory(exec, &s) : hr, s);
	hr = ITaskDefinition_get_Triggers(def, &triggers);
	if (SUCCEEDED(hr))
		hr = ITriggerCollection_get_Item(triggers, 1, &trigger);
	s = NULL;
	show_text("start", SUCCEEDED(hr) ? ITrigger_get_StartBoundary(trigger, &s) : hr, s);
	hr = ITaskDefinition_get_Principal(def, &principal);
	s = NULL;
	show_text("user", SUCCEEDED(hr) ? IPrincipal_get_UserId(principal, &s) : hr, s);
	TASK_LOGON_TYPE logon = TASK_LOGON_NONE;
	TASK_RUNLEVEL_TYPE level = TASK_RUNLEVEL_LUA;
	show_number("logon", SUCCEEDED(hr) ? IPrincipal_get_LogonType(principal, &logon) : hr,
	            logon);
	show_number("runlevel", SUCCEEDED(hr) ? IPrincipal_get_RunLevel(principal, &level) : hr,
	            level);
	if (principal)
		IPrincipal_Release(principal);
	if (trigger)
		ITrigger_Release(trigger);
	if (triggers)
		ITriggerCollection_Release(triggers);
	if (exec)
		IExecAction_Release(exec);
	if (action)
		IAction_Release(action);
	if (actions)
		IActionCollection_Release(actions);
	if (info)
		IRegistrationInfo_Release(info);
}

static int task_show(const char *path)
{
	ITaskService *svc = NULL;
	ITaskFolder *root = NULL;
	IRegisteredTask *task = NULL;
	ITaskDefinition *def = NULL;
	VARIANT none;
	VariantInit(&none);
	wchar_t *wpath = wide(path);
	BSTR bpath = SysAllocString(wpath), broot = SysAllocString(L"\\");
	HRESULT hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
	if (SUCCEEDED(hr))
		hr = CoCreateInstance(&CLSID_TaskScheduler, NULL, CLSCTX_INPROC_SERVER,
		                      &IID_ITaskService, (void **)&svc);
	if (SUCCEEDED(hr))
		hr = ITaskService_Connect(svc, none, none, none, none);
	if (SUCCEEDED(hr))
		hr = ITaskService_GetFolder(svc, broot, &root);
	int rc = 0;
	if (FAILED(hr)) {
		fprintf(stderr, "e2ehelper: Task Scheduler: HRESULT 0x%08lx\n", (unsigned long)hr);
		rc = 1;
	} else if (FAILED(ITaskFolder_GetTask(root, bpath, &task))) {
		printf("absent\n");
	} else {
		printf("registered\n");
		BSTR xml = NULL;
		HRESULT x = IRegisteredTask_get_Xml(task, &xml);
		wchar_t *from = SUCCEEDED(x) && xml ? wcsstr(xml, L"<Description>") : NULL;
		wchar_t *to = from ? wcsstr(from, L"</Description>") : NULL;
		if (to) {
			*to = L'\0';
			from += wcslen(L"<Description>");
		}
		show_text("xml-description", to ? x : E_FAIL, to ? SysAllocString(from) : NULL);
		SysFreeString(xml);
		if (SUCCEEDED(IRegisteredTask_get_Definition(task, &def))) {
			show_definition(def);
			ITaskDefinition_Release(def);
		}
		IRegisteredTask_Release(task);
	}
	if (root)
		ITaskFolder_Release(root);
	if (svc)
		ITaskService_Release(svc);
	SysFreeString(bpath);
	SysFreeString(broot);
	free(wpath);
	return rc;
}

static int run(int argc, char **argv)
{
	const char *c = argc > 0 ? argv[0] : "";
	if (!strcmp(c, "cert-add") && argc == 3)
		return cert_add(argv[1], argv[2], NULL, NULL);
	if (!strcmp(c, "cert-add-key") && argc == 5)
		return cert_add(argv[1], argv[2], argv[3], argv[4]);
	if (!strcmp(c, "cert-list") && argc == 2)
		return cert_list(argv[1]);
	if (!strcmp(c, "svc-create") && argc == 9)
		return svc_create(argv + 1);
	if (!strcmp(c, "msg-text") && argc == 4)
		return msg_text(argv[1], argv[2], argv[3]);
	if (!strcmp(c, "task-show") && argc == 2)
		return task_show(argv[1]);
	if (!strcmp(c, "console-run") && argc >= 3)
		return console_run(argc, argv);
	if (!strcmp(c, "svc-start") && argc >= 2) {
		int rc = 0;
		for (int i = 1; i < argc; i++)
			rc |= svc_start(argv[i]);
		return rc;
	}
	fprintf(stderr, "e2ehelper: unknown command or wrong arguments: '%s' (%d)\n", c, argc - 1);
	return 2;
}

/* Runs each line of FILE as a command; fields are separated by tabs. */
static int run_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int rc = 0;
	if (!f)
		return fail("cannot read", path);
	while (fgets(line, sizeof(line), f)) {
		char *fields[MAX_FIELDS];
		int n = 0;
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		for (char *p = line; p;) {
			if (n == MAX_FIELDS) {
				fprintf(stderr, "e2ehelper: more than %d fields in a line of %s\n",
				        MAX_FIELDS, path);
				fclose(f);
				return 2;
			}
			fields[n++] = p;
			if ((p = strchr(p, '\t')))
				*p++ = '\0';
		}
		if (run(n, fields)) {
			rc = 1;
			break;
		}
	}
	fclose(f);
	return rc;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (argc == 3 && !strcmp(argv[1], "-f"))
		return run_file(argv[2]);
	return run(argc - 1, argv + 1);
}
