/*
 * Facts a policy's `when:` can test (docs/POLICY.md): the Windows version
 * from the registry (as winver and Lync's prerequisites name it) and the
 * Windows Server release it is, the host name, the installed Lync or Skype
 * for Business Server version and release from the installed-products
 * list, and the Lync/SfB role from the RtcSrv service, the services beside
 * it and those products.
 */
#include "win32_int.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CURRENT_VERSION       L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
#define CURRENT_VERSION_SHOWN "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
#define UNINSTALL             L"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall"

typedef LONG(WINAPI *rtl_get_version_fn)(OSVERSIONINFOW *);

/* The kernel's version record (RtlGetVersion is not version-lied to); 0 on success. */
static int kernel_version(OSVERSIONINFOEXW *vi)
{
	memset(vi, 0, sizeof(*vi));
	vi->dwOSVersionInfoSize = sizeof(*vi);
	HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
	rtl_get_version_fn get =
	    ntdll ? (rtl_get_version_fn)(void (*)(void))GetProcAddress(ntdll, "RtlGetVersion")
	          : NULL;
	return get && get((OSVERSIONINFOW *)vi) == 0 ? 0 : -1;
}

/*
 * The Windows Server release: a build number names one only on a server
 * (Windows 10 1607 has the build of Windows Server 2016), which the
 * kernel's product type tells (VER_NT_WORKSTATION on a client). Unknown
 * either way: no fact, so that a condition on it fails rather than guesses.
 */
static const char *os_product(const char *build, const OSVERSIONINFOEXW *vi, int have_vi)
{
	if (!build || !have_vi || vi->wProductType == VER_NT_WORKSTATION || vi->wProductType == 0)
		return NULL;
	char *end = NULL;
	unsigned long n = strtoul(build, &end, 10);
	return end && !*end && end != build ? enf_os_product_of_build(n) : NULL;
}

/* A string value under CurrentVersion, or NULL when absent or not text. */
static char *current_version_text(const wchar_t *name)
{
	enf_reg_value v = {0};
	char *s = NULL;
	if (enf_w32_reg_read(&v, HKEY_LOCAL_MACHINE, CURRENT_VERSION, name,
	                     CURRENT_VERSION_SHOWN) == 0 &&
	    (v.type == REG_SZ || v.type == REG_EXPAND_SZ) && v.text && *v.text) {
		s = v.text;
		v.text = NULL;
	}
	enf_reg_value_clear(&v);
	enf_error_clear();
	return s;
}

static int os_facts(enf_facts *f)
{
	char *build = current_version_text(L"CurrentBuildNumber");
	char *version = current_version_text(L"CurrentVersion");
	char *major = NULL;
	enf_reg_value v = {0};
	/* From Windows 10 / Server 2016 on, where CurrentVersion stays "6.3". */
	if (enf_w32_reg_read(&v, HKEY_LOCAL_MACHINE, CURRENT_VERSION, L"CurrentMajorVersionNumber",
	                     CURRENT_VERSION_SHOWN) == 0 &&
	    v.type == REG_DWORD)
		major = enf_asprintf("%llu", (unsigned long long)v.number);
	enf_reg_value_clear(&v);
	enf_error_clear();
	OSVERSIONINFOEXW vi;
	int have_vi = kernel_version(&vi) == 0;
	/* No registry answer: ask the kernel. */
	if (!build && have_vi)
		build = enf_asprintf("%lu", (unsigned long)vi.dwBuildNumber);
	if (!version && have_vi)
		version = enf_asprintf("%lu.%lu", (unsigned long)vi.dwMajorVersion,
		                       (unsigned long)vi.dwMinorVersion);
	if (!major && version) {
		size_t n = strspn(version, "0123456789");
		major = n ? enf_strndup(version, n) : NULL;
	}
	int rc = 0;
	const char *product = os_product(build, &vi, have_vi);
	if ((build && enf_facts_set(f, "os.build", build)) ||
	    (version && enf_facts_set(f, "os.version", version)) ||
	    (major && enf_facts_set(f, "os.major", major)) ||
	    (product && enf_facts_set(f, "os.product", product)))
		rc = ENF_ENOMEM;
	free(build);
	free(version);
	free(major);
	return rc;
}

/* Installed products' names, NULL-terminated for enf_role_evidence. */
typedef struct name_list {
	char **items;
	size_t count, alloc;
} name_list;

static int name_list_push(name_list *l, const char *name)
{
	char *copy = enf_strdup(name);
	if (!copy || enf_grow((void **)&l->items, &l->alloc, l->count + 2, sizeof(char *))) {
		free(copy);
		return ENF_ENOMEM;
	}
	l->items[l->count++] = copy;
	l->items[l->count] = NULL;
	return 0;
}

static void name_list_clear(name_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

/* Compares dotted versions numerically ("5.0.8308.577" < "5.0.8308.1001"). */
static int version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		unsigned long long x = 0, y = 0;
		for (; isdigit((unsigned char)*a); a++)
			x = x * 10 + (unsigned)(*a - '0');
		for (; isdigit((unsigned char)*b); b++)
			y = y * 10 + (unsigned)(*b - '0');
		if (x != y)
			return x < y ? -1 : 1;
		while (*a && !isdigit((unsigned char)*a))
			a++;
		while (*b && !isdigit((unsigned char)*b))
			b++;
	}
	return 0;
}

/*
 * The version of the installed "Lync Server 2013, Core Components" or
 * "Skype for Business Server 2015/2019, Core Components" (and Subscription
 * Edition's): every server role has that product, and its DisplayVersion
 * moves with each cumulative update. The highest one wins when several are
 * listed, and its DisplayName gives lync.product (util/products.c): 2019
 * and Subscription Edition share one version line, so only the name tells
 * them apart. Every Lync or Skype for Business product's name is kept in
 * `names` for the role fact.
 */
static int lync_version_fact(enf_facts *f, name_list *names)
{
	HKEY list;
	char *best = NULL;
	const char *product = NULL;
	int rc = 0;
	if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, UNINSTALL, 0,
	                  KEY_ENUMERATE_SUB_KEYS | KEY_WOW64_64KEY, &list) != ERROR_SUCCESS)
		return 0;
	wchar_t sub[256];
	for (DWORD i = 0; rc == 0; i++) {
		DWORD n = ENF_ARRAY_SIZE(sub);
		LONG err = RegEnumKeyExW(list, i, sub, &n, NULL, NULL, NULL, NULL);
		if (err == ERROR_MORE_DATA)
			continue; /* a name longer than any product code */
		if (err != ERROR_SUCCESS)
			break;
		enf_reg_value name = {0}, version = {0};
		int lync = enf_w32_reg_read(&name, list, sub, L"DisplayName", "Uninstall") == 0 &&
		           name.text &&
		           (enf_contains_nocase(name.text, "Lync Server") ||
		            enf_contains_nocase(name.text, "Skype for Business Server"));
		if (lync)
			rc = name_list_push(names, name.text);
		if (rc == 0 && lync && enf_contains_nocase(name.text, "Core Components") &&
		    enf_w32_reg_read(&version, list, sub, L"DisplayVersion", "Uninstall") == 0 &&
		    version.text && *version.text &&
		    (!best || version_cmp(version.text, best) > 0)) {
			free(best);
			best = version.text;
			version.text = NULL;
			product = enf_lync_product_of(name.text, best);
		}
		enf_reg_value_clear(&name);
		enf_reg_value_clear(&version);
	}
	RegCloseKey(list);
	enf_error_clear();
	if (rc == 0 && best)
		rc = enf_facts_set(f, "lync.version", best);
	if (rc == 0 && product)
		rc = enf_facts_set(f, "lync.product", product);
	free(best);
	return rc;
}

/*
 * role, role.edition and role.description (util/roles.c decides): from
 * the RtcSrv service's display name and description, the Mediation
 * service RTCMEDSRV, the SQL Server instances RTC (Standard Edition's
 * back end) and RTCLOCAL, and the installed products' names. Those
 * services are asked only when enf_role_questions says they could change
 * the verdict: each is an RPC to the Service Control Manager (over the run's
 * one connection, services.c), and a plan of a server that runs no Lync
 * pays for none.
 */
static int role_facts(enf_facts *f, const name_list *products)
{
	enf_service_info info = {0};
	enf_role_evidence e = {0};
	enf_role role = {0};
	int rc = enf_w32_svc_get(&info, NULL, "RtcSrv");
	e.rtcsrv = rc == 0;
	/* RtcSrv there but unreadable: its texts are unknown, and so the role may be. */
	if (rc != 0 && rc != ENF_ENOTFOUND)
		e.rtcsrv = enf_w32_svc_exists("RtcSrv");
	enf_error_clear();
	e.rtcsrv_display_name = info.display_name;
	e.rtcsrv_description = info.description;
	e.products = (const char *const *)products->items;
	rc = enf_role_of(&role, &e);
	unsigned ask = rc == 0 ? enf_role_questions(&role, &e) : 0;
	int again = 0;
	if (ask & ENF_ROLE_ASK_MEDSRV)
		again = (e.medsrv = enf_w32_svc_exists("RTCMEDSRV"));
	if (ask & ENF_ROLE_ASK_SQL)
		again = (e.sql_rtc = enf_w32_svc_exists("MSSQL$RTC")) ||
		        (e.sql_rtclocal = enf_w32_svc_exists("MSSQL$RTCLOCAL"));
	if (again) {
		enf_role_clear(&role);
		rc = enf_role_of(&role, &e);
	}
	if (rc == 0)
		rc = enf_facts_set(f, "role", role.role);
	if (rc == 0 && role.edition)
		rc = enf_facts_set(f, "role.edition", role.edition);
	if (rc == 0 && role.description)
		rc = enf_facts_set(f, "role.description", role.description);
	enf_role_clear(&role);
	enf_service_info_clear(&info);
	return rc;
}

int enf_w32_facts(enf_facts *out, void *self)
{
	(void)self;
	enf_facts f = {0};
	char *host = enf_host_name();
	int rc = host ? os_facts(&f) : ENF_ENOMEM;
	if (rc == 0)
		rc = enf_facts_set(&f, "host.name", host);
	name_list products = {0};
	if (rc == 0)
		rc = lync_version_fact(&f, &products);
	if (rc == 0)
		rc = role_facts(&f, &products);
	name_list_clear(&products);
	free(host);
	if (rc) {
		enf_facts_clear(&f);
		return enf_error_oom();
	}
	*out = f;
	return 0;
}
