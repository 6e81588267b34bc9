/*
 * Which user rights Group Policy defines on this machine (win32 provider).
 *
 * When Group Policy applies security settings it logs each one, with its
 * precedence, as an instance of a WMI class in the RSoP namespace
 * root\RSOP\Computer: a user right as RSOP_UserPrivilegeRight (UserRight,
 * AccountList), the one that won with precedence 1. The namespace holds
 * what the last refresh applied, as SYSTEM reads it without PowerShell, and
 * RSOP_Session says that a refresh was logged at all. When the namespace
 * cannot be opened or holds no session (RSoP logging turned off, Group
 * Policy never ran), the answer is unknown and the rights are left alone.
 * docs/windows-semantics.md explains the choice.
 *
 * The answer is read once per open target (one WMI connection per run).
 */
#define COBJMACROS
#include "win32_int.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <objbase.h>
#include <oleauto.h>
#include <stdlib.h>
#include <string.h>
#include <wbemcli.h>

static int g_loaded;
static int g_known;     /* the namespace could be read */
static char **g_rights; /* the rights it defines */
static size_t g_count;
static char *g_why; /* why it could not be read */

void enf_w32_gpo_release(void)
{
	for (size_t i = 0; i < g_count; i++)
		free(g_rights[i]);
	free(g_rights);
	free(g_why);
	g_rights = NULL;
	g_why = NULL;
	g_count = 0;
	g_loaded = g_known = 0;
}

static void set_why(const char *what, HRESULT hr)
{
	free(g_why);
	g_why = enf_asprintf("%s (HRESULT 0x%08lx)", what, (unsigned long)hr);
}

/* Runs a WQL query; *out is the enumerator. */
static HRESULT query(IWbemServices *svc, const wchar_t *wql, IEnumWbemClassObject **out)
{
	BSTR lang = SysAllocString(L"WQL"), text = SysAllocString(wql);
	HRESULT hr = lang && text
	                 ? IWbemServices_ExecQuery(
	                       svc, lang, text,
	                       WBEM_FLAG_FORWARD_ONLY | WBEM_FLAG_RETURN_IMMEDIATELY, NULL, out)
	                 : E_OUTOFMEMORY;
	SysFreeString(lang);
	SysFreeString(text);
	return hr;
}

/* The next object of a query, waiting at most 30 s; S_FALSE past the last. */
static HRESULT next(IEnumWbemClassObject *en, IWbemClassObject **obj)
{
	ULONG got = 0;
	HRESULT hr = IEnumWbemClassObject_Next(en, 30000, 1, obj, &got);
	if (hr == WBEM_S_TIMEDOUT)
		return WBEM_E_TIMED_OUT;
	return SUCCEEDED(hr) && got == 1 ? S_OK : (FAILED(hr) ? hr : S_FALSE);
}

static int add_right(const wchar_t *w)
{
	char *name = NULL;
	if (enf_w32_utf8(&name, w))
		return ENF_EINVALID;
	char **grown = realloc(g_rights, (g_count + 1) * sizeof(char *));
	if (!grown) {
		free(name);
		return enf_error_oom();
	}
	g_rights = grown;
	g_rights[g_count++] = name;
	return 0;
}

static void load(void)
{
	IWbemLocator *loc = NULL;
	IWbemServices *svc = NULL;
	IEnumWbemClassObject *en = NULL;
	IWbemClassObject *obj = NULL;
	BSTR ns = NULL;
	g_loaded = 1;
	HRESULT init = CoInitializeEx(NULL, COINIT_MULTITHREADED);
	/* A caller that already chose another apartment model keeps it. */
	if (FAILED(init) && init != RPC_E_CHANGED_MODE) {
		set_why("cannot start COM to read the Group Policy results", init);
		return;
	}
	/* RPC_E_TOO_LATE: the process set its COM security already, which serves as well. */
	CoInitializeSecurity(NULL, -1, NULL, NULL, RPC_C_AUTHN_LEVEL_DEFAULT,
	                     RPC_C_IMP_LEVEL_IMPERSONATE, NULL, EOAC_NONE, NULL);
	HRESULT hr = CoCreateInstance(&CLSID_WbemLocator, NULL, CLSCTX_INPROC_SERVER,
	                              &IID_IWbemLocator, (void **)&loc);
	if (FAILED(hr)) {
		set_why("WMI is not available to read the Group Policy results", hr);
		goto done;
	}
	if (!(ns = SysAllocString(L"ROOT\\RSOP\\Computer"))) {
		set_why("out of memory", E_OUTOFMEMORY);
		goto done;
	}
	hr = IWbemLocator_ConnectServer(loc, ns, NULL, NULL, NULL, 0, NULL, NULL, &svc);
	if (FAILED(hr)) {
		set_why(
		    "the Group Policy results (WMI namespace root\\RSOP\\Computer) cannot be read",
		    hr);
		goto done;
	}
	CoSetProxyBlanket((IUnknown *)svc, RPC_C_AUTHN_WINNT, RPC_C_AUTHZ_NONE, NULL,
	                  RPC_C_AUTHN_LEVEL_CALL, RPC_C_IMP_LEVEL_IMPERSONATE, NULL, EOAC_NONE);
	/* No session: Group Policy logged nothing (RSoP logging off), so silence says nothing. */
	if (FAILED(hr = query(svc, L"SELECT id FROM RSOP_Session", &en)) ||
	    (hr = next(en, &obj)) != S_OK) {
		set_why("Group Policy has logged no result on this machine (no RSOP_Session in "
		        "root\\RSOP\\Computer: is RSoP logging turned off?)",
		        hr);
		goto done;
	}
	IWbemClassObject_Release(obj);
	obj = NULL;
	IEnumWbemClassObject_Release(en);
	en = NULL;
	if (FAILED(hr = query(svc,
	                      L"SELECT UserRight FROM RSOP_UserPrivilegeRight WHERE precedence = 1",
	                      &en))) {
		set_why("the user rights Group Policy applied cannot be read", hr);
		goto done;
	}
	while ((hr = next(en, &obj)) == S_OK) {
		VARIANT v;
		VariantInit(&v);
		if (SUCCEEDED(IWbemClassObject_Get(obj, L"UserRight", 0, &v, NULL, NULL)) &&
		    V_VT(&v) == VT_BSTR && V_BSTR(&v) && add_right(V_BSTR(&v)))
			enf_error_clear();
		VariantClear(&v);
		IWbemClassObject_Release(obj);
		obj = NULL;
	}
	if (FAILED(hr)) {
		set_why("the user rights Group Policy applied cannot be read", hr);
		goto done;
	}
	g_known = 1;
done:
	if (obj)
		IWbemClassObject_Release(obj);
	if (en)
		IEnumWbemClassObject_Release(en);
	if (svc)
		IWbemServices_Release(svc);
	if (loc)
		IWbemLocator_Release(loc);
	SysFreeString(ns);
	if (SUCCEEDED(init))
		CoUninitialize();
}

int enf_w32_right_gpo(enf_tristate *out, void *self, const char *right)
{
	(void)self;
	if (!g_loaded)
		load();
	if (!g_known) {
		*out = ENF_UNKNOWN;
		enf_error_set(ENF_ERRCLASS_PROVIDER, "%s", g_why ? g_why : "unknown reason");
		return 0;
	}
	*out = ENF_NO;
	for (size_t i = 0; i < g_count; i++)
		if (enf_strcaseeq(g_rights[i], right))
			*out = ENF_YES;
	return 0;
}
