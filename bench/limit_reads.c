/*
 * limit_reads: the floor for `enforcer plan` under Wine (or on Windows). It
 * makes only the reads a plan of the same policy needs, each the cheapest
 * way, and nothing else: no policy parsing, no OpenSSL, no report, no
 * journal. bench/run times it next to enforcer.exe and prints plan / limit.
 *
 *   limit_reads.exe READS-FILE
 *
 * READS-FILE has one read per line, fields separated by tabs:
 *   facts                  what the facts need: three CurrentVersion values, the host
 *                          name, the RtcSrv service (with its description) and the
 *                          installed products (the Uninstall key's DisplayName values)
 *   store NAME             open LocalMachine\NAME read-only, enumerate it, SHA-1 every
 *                          certificate and look for its private-key link; then the same
 *                          for the store's Group Policy copy (LocalMachine's group policy
 *                          location) for Root and CA: a plan tells a certificate Group
 *                          Policy put there from one it may change, so it reads both
 *                          (under Wine these are the physical stores it has)
 *   reg KEY NAME           one value under HKLM (KEY is "HKLM\..."); each key is opened
 *                          once and kept open
 *   svc NAME               a service's configuration, state, delayed-start flag (when
 *                          automatic) and whether a password is stored; one SCM handle
 *   file PATH              a file the policy names (an allow list's certificate): open,
 *                          read whole, close, as a plan must to know its thumbprint
 *   yaml PATH              not a read of the machine: parse the policy file PATH with
 *                          libyaml's event API, as enforcer's loader does, and drop the
 *                          events (no tree, no checks). bench/run times a second list
 *                          with this line as "limit + libyaml": the least any YAML policy
 *                          tool pays before it reads anything
 *
 * Prints what it read (counts and a checksum, so that nothing is skipped) and
 * its own peak working set (GetProcessMemoryInfo). Exits 0, or 1 when a line
 * cannot be read as a read.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <wincrypt.h>
#include <ntsecapi.h>
#include <psapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <yaml.h>

#define MAX_KEYS 4096

static unsigned long long checksum;
static unsigned long certs, values, services, missing, events;

static int parse_yaml(const char *path)
{
	FILE *in = fopen(path, "rb");
	yaml_parser_t parser;
	yaml_event_t ev;
	int done = 0, ok = 1;
	if (!in || !yaml_parser_initialize(&parser)) {
		fprintf(stderr, "limit_reads: cannot read %s\n", path);
		if (in)
			fclose(in);
		return 1;
	}
	yaml_parser_set_input_file(&parser, in);
	while (!done && (ok = yaml_parser_parse(&parser, &ev))) {
		done = ev.type == YAML_STREAM_END_EVENT;
		if (ev.type == YAML_SCALAR_EVENT)
			checksum += ev.data.scalar.length;
		events++;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	fclose(in);
	if (!ok)
		fprintf(stderr, "limit_reads: %s is not YAML\n", path);
	return !ok;
}

static SC_HANDLE scm;
static LSA_HANDLE lsa;

/* Keys opened so far: one RegOpenKeyEx per distinct key. */
static struct {
	wchar_t *path;
	HKEY key;
} keys[MAX_KEYS];
static size_t nkeys;

static wchar_t *wide(const char *s)
{
	int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
	wchar_t *w = n > 0 ? malloc((size_t)n * sizeof(wchar_t)) : NULL;
	if (w)
		MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
	return w;
}

static void mix(const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		checksum = checksum * 131 + b[i];
}

static void read_one_store(const wchar_t *w, DWORD location)
{
	HCERTSTORE h =
	    CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0,
	                  location | CERT_STORE_READONLY_FLAG | CERT_STORE_OPEN_EXISTING_FLAG, w);
	PCCERT_CONTEXT ctx = NULL;
	while (h && (ctx = CertEnumCertificatesInStore(h, ctx))) {
		BYTE sha1[20];
		DWORD n = sizeof(sha1), kn = 0;
		if (CryptHashCertificate(0, CALG_SHA1, 0, ctx->pbCertEncoded, ctx->cbCertEncoded,
		                         sha1, &n))
			mix(sha1, n);
		if (CertGetCertificateContextProperty(ctx, CERT_KEY_PROV_INFO_PROP_ID, NULL, &kn))
			checksum++;
		certs++;
	}
	if (h)
		CertCloseStore(h, 0);
}

static void read_store(const char *name)
{
	wchar_t *w = wide(name);
	if (!w)
		return;
	read_one_store(w, CERT_SYSTEM_STORE_LOCAL_MACHINE);
	/* Root and CA have physical stores besides .Default; the others have none. */
	if (_wcsicmp(w, L"Root") == 0 || _wcsicmp(w, L"CA") == 0)
		read_one_store(w, CERT_SYSTEM_STORE_LOCAL_MACHINE_GROUP_POLICY);
	free(w);
}

static HKEY open_key(const char *path)
{
	const char *sub = strncmp(path, "HKLM\\", 5) == 0 ? path + 5 : path;
	wchar_t *w = wide(sub);
	if (!w)
		return NULL;
	/* The last key first: reads come key by key. */
	for (size_t j = 0; j < nkeys; j++) {
		size_t i = nkeys - 1 - j;
		if (_wcsicmp(keys[i].path, w) == 0) {
			free(w);
			return keys[i].key;
		}
	}
	HKEY k = NULL;
	if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, w, 0, KEY_QUERY_VALUE | KEY_WOW64_64KEY, &k) !=
	    ERROR_SUCCESS)
		k = NULL;
	if (nkeys < MAX_KEYS) {
		keys[nkeys].path = w;
		keys[nkeys++].key = k;
	} else {
		free(w);
	}
	return k;
}

static void read_value(HKEY k, const wchar_t *name)
{
	BYTE data[4096];
	DWORD type = 0, size = sizeof(data);
	if (k && RegQueryValueExW(k, name, NULL, &type, data, &size) == ERROR_SUCCESS) {
		mix(&type, sizeof(type));
		mix(data, size);
		values++;
	} else {
		missing++;
	}
}

static void read_reg(const char *key, const char *name)
{
	wchar_t *w = wide(name);
	if (w)
		read_value(open_key(key), w);
	free(w);
}

static void read_service(const char *name, int description)
{
	wchar_t *w = wide(name);
	SC_HANDLE s =
	    scm && w ? OpenServiceW(scm, w, SERVICE_QUERY_CONFIG | SERVICE_QUERY_STATUS) : NULL;
	union {
		QUERY_SERVICE_CONFIGW cfg;
		BYTE b[8192];
	} buf;
	DWORD need = 0;
	if (!s) {
		missing++;
		free(w);
		return;
	}
	if (QueryServiceConfigW(s, &buf.cfg, sizeof(buf), &need)) {
		DWORD start = buf.cfg.dwStartType;
		mix(&start, sizeof(start));
		if (buf.cfg.lpServiceStartName)
			mix(buf.cfg.lpServiceStartName,
			    wcslen(buf.cfg.lpServiceStartName) * sizeof(wchar_t));
		if (start == SERVICE_AUTO_START)
			QueryServiceConfig2W(s, SERVICE_CONFIG_DELAYED_AUTO_START_INFO, buf.b,
			                     sizeof(buf), &need);
	}
	SERVICE_STATUS_PROCESS st;
	if (QueryServiceStatusEx(s, SC_STATUS_PROCESS_INFO, (BYTE *)&st, sizeof(st), &need))
		mix(&st.dwCurrentState, sizeof(st.dwCurrentState));
	if (description &&
	    QueryServiceConfig2W(s, SERVICE_CONFIG_DESCRIPTION, buf.b, sizeof(buf), &need))
		checksum++;
	if (lsa) {
		wchar_t secret[300];
		_snwprintf(secret, 300, L"_SC_%ls", w);
		secret[299] = L'\0';
		USHORT bytes = (USHORT)(wcslen(secret) * sizeof(wchar_t));
		LSA_UNICODE_STRING k = {bytes, bytes, secret};
		PLSA_UNICODE_STRING data = NULL;
		if (LsaRetrievePrivateData(lsa, &k, &data) == 0 && data)
			LsaFreeMemory(data);
	}
	CloseServiceHandle(s);
	services++;
	free(w);
}

static int read_file(const char *path)
{
	wchar_t *w = wide(path);
	HANDLE h = w ? CreateFileW(w, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
	                           FILE_ATTRIBUTE_NORMAL, NULL)
	             : INVALID_HANDLE_VALUE;
	free(w);
	if (h == INVALID_HANDLE_VALUE) {
		fprintf(stderr, "limit_reads: cannot read %s\n", path);
		return 1;
	}
	unsigned char buf[16384];
	DWORD got = 0;
	while (ReadFile(h, buf, sizeof(buf), &got, NULL) && got > 0)
		mix(buf, got);
	CloseHandle(h);
	return 0;
}

static void read_facts(void)
{
	static const char cv[] = "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion";
	read_reg(cv, "CurrentBuildNumber");
	read_reg(cv, "CurrentVersion");
	read_reg(cv, "CurrentMajorVersionNumber");
	wchar_t host[256];
	DWORD n = 256;
	if (GetComputerNameExW(ComputerNameDnsHostname, host, &n))
		mix(host, n * sizeof(wchar_t));
	read_service("RtcSrv", 1);
	HKEY list;
	if (RegOpenKeyExW(HKEY_LOCAL_MACHINE,
	                  L"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall", 0,
	                  KEY_ENUMERATE_SUB_KEYS | KEY_WOW64_64KEY, &list) != ERROR_SUCCESS)
		return;
	wchar_t sub[256];
	for (DWORD i = 0;; i++) {
		DWORD len = 256;
		if (RegEnumKeyExW(list, i, sub, &len, NULL, NULL, NULL, NULL) != ERROR_SUCCESS)
			break;
		HKEY k;
		if (RegOpenKeyExW(list, sub, 0, KEY_QUERY_VALUE | KEY_WOW64_64KEY, &k) ==
		    ERROR_SUCCESS) {
			read_value(k, L"DisplayName");
			RegCloseKey(k);
		}
	}
	RegCloseKey(list);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: limit_reads READS-FILE\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "r");
	if (!f) {
		fprintf(stderr, "limit_reads: cannot read %s\n", argv[1]);
		return 1;
	}
	scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
	LSA_OBJECT_ATTRIBUTES oa;
	memset(&oa, 0, sizeof(oa));
	if (LsaOpenPolicy(NULL, &oa, POLICY_GET_PRIVATE_INFORMATION, &lsa) != 0)
		lsa = NULL;
	char line[4096];
	int rc = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		char *a = strchr(line, '\t'), *b = a ? strchr(a + 1, '\t') : NULL;
		if (a)
			*a++ = '\0';
		if (b)
			*b++ = '\0';
		if (!strcmp(line, "facts") && !a)
			read_facts();
		else if (!strcmp(line, "store") && a && !b)
			read_store(a);
		else if (!strcmp(line, "reg") && a && b)
			read_reg(a, b);
		else if (!strcmp(line, "svc") && a && !b)
			read_service(a, 0);
		else if (!strcmp(line, "file") && a && !b) {
			if ((rc = read_file(a)) != 0)
				break;
		} else if (!strcmp(line, "yaml") && a && !b) {
			if ((rc = parse_yaml(a)) != 0)
				break;
		} else if (line[0]) {
			fprintf(stderr, "limit_reads: not a read: '%s'\n", line);
			rc = 1;
			break;
		}
	}
	fclose(f);
	for (size_t i = 0; i < nkeys; i++) {
		if (keys[i].key)
			RegCloseKey(keys[i].key);
		free(keys[i].path);
	}
	if (lsa)
		LsaClose(lsa);
	if (scm)
		CloseServiceHandle(scm);
	PROCESS_MEMORY_COUNTERS pmc = {.cb = sizeof(pmc)};
	GetProcessMemoryInfo(GetCurrentProcess(), &pmc, sizeof(pmc));
	printf("limit_reads: %lu certificates, %lu values (%lu missing), %lu services, %lu YAML "
	       "events; checksum %016llx; peak working set %.1f MiB\n",
	       certs, values, missing, services, events, checksum,
	       (double)pmc.PeakWorkingSetSize / (1024.0 * 1024.0));
	return rc;
}
