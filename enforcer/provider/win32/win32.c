/*
 * The win32 provider: "--target local" in the Windows build. Certificate
 * stores through crypt32, the registry and the Service Control Manager
 * through advapi32, private-key permissions through CAPI. Each area lives in
 * its own file; this one holds the vtable and the helpers they share.
 */
#include "win32_int.h"
#include "provider/providers.h"

#include "enforcer/errors.h"
#include "util/util.h"
#include "util/win32_util.h"

#include <sddl.h>
#include <stdlib.h>

/*
 * The machine has little per-run state worth keeping: every call opens what
 * it needs and closes it again, so a long run never holds a store, a private
 * key or a service handle that another tool (or a later step) would trip
 * over. Two read-only handles are kept because they lock nothing and are
 * costly to make again and again: the connection to the Service Control
 * Manager (services.c) and the registry key of the last read (registry.c).
 * The last close lets them go.
 */
static int w32_instance;
static int w32_opens;

static int w32_open(void **out, const char *arg)
{
	if (arg && *arg) {
		enf_error_set(ENF_ERRCLASS_INVALID, "the local target takes no argument ('%s')",
		              arg);
		return ENF_EINVALID;
	}
	*out = &w32_instance;
	w32_opens++;
	return 0;
}

/* Every change is durable when its call returns (stores are committed as they change). */
static int w32_commit(void *self)
{
	(void)self;
	return 0;
}

static void w32_close(void *self)
{
	(void)self;
	if (w32_opens > 0 && --w32_opens == 0) {
		enf_w32_svc_release();
		enf_w32_reg_release();
		enf_w32_gpo_release();
	}
}

int enf_w32_wide(wchar_t **out, const char *s, const char *what)
{
	wchar_t *w = enf_utf8_to_wide(s);
	if (!w) {
		/* enf_utf8_to_wide fails on bad UTF-8 and on no memory alike; tell them apart. */
		if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0) > 0)
			return enf_error_oom();
		enf_error_set(ENF_ERRCLASS_INVALID, "%s is not valid UTF-8", what);
		return ENF_EINVALID;
	}
	*out = w;
	return 0;
}

int enf_w32_utf8(char **out, const wchar_t *w)
{
	if (!w || !*w) {
		*out = enf_strdup("");
		return *out ? 0 : enf_error_oom();
	}
	/* Strict: a lone surrogate would otherwise become U+FFFD and not read back equal. */
	int n = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, -1, NULL, 0, NULL, NULL);
	if (n <= 0) {
		enf_error_set(ENF_ERRCLASS_PROVIDER,
		              "the text is not valid UTF-16 (it holds a lone surrogate)");
		return ENF_EINVALID;
	}
	char *s = malloc((size_t)n);
	if (!s)
		return enf_error_oom();
	WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, -1, s, n, NULL, NULL);
	*out = s;
	return 0;
}

char *enf_w32_sid_string(PSID sid)
{
	wchar_t *w = NULL;
	char *s = NULL;
	if (ConvertSidToStringSidW(sid, &w)) {
		s = enf_wide_to_utf8(w);
		LocalFree(w);
	}
	return s;
}

int enf_w32_code(DWORD err)
{
	switch (err) {
	case ERROR_ACCESS_DENIED:
		return ENF_EACCESS;
	case ERROR_FILE_NOT_FOUND:
	case ERROR_PATH_NOT_FOUND:
	case ERROR_SERVICE_DOES_NOT_EXIST:
	case ERROR_NONE_MAPPED:
		return ENF_ENOTFOUND;
	default:
		return ENF_ERROR;
	}
}

static const enf_provider w32_provider = {
    .version = ENF_PROVIDER_VERSION,
    .name = "win32",
    .caps = ENF_CAP_CERTS | ENF_CAP_REGISTRY | ENF_CAP_SERVICES | ENF_CAP_KEYS | ENF_CAP_FACTS |
            ENF_CAP_RIGHTS,
    .open = w32_open,
    .commit = w32_commit,
    .close = w32_close,
    .facts = enf_w32_facts,
    .cert_list = enf_w32_cert_list,
    .cert_add = enf_w32_cert_add,
    .cert_remove = enf_w32_cert_remove,
    .key_acl_get = enf_w32_key_acl_get,
    .key_acl_grant = enf_w32_key_acl_grant,
    .key_acl_restore = enf_w32_key_acl_restore,
    .reg_get = enf_w32_reg_get,
    .reg_set = enf_w32_reg_set,
    .reg_delete = enf_w32_reg_delete,
    .svc_get = enf_w32_svc_get,
    .svc_list = enf_w32_svc_list,
    .svc_configure = enf_w32_svc_configure,
    .svc_start = enf_w32_svc_start,
    .svc_stop = enf_w32_svc_stop,
    .account_sid = enf_w32_account_sid,
    .reg_values = enf_w32_reg_values,
    .reg_key_info = enf_w32_reg_key_info,
    .reg_key_remove = enf_w32_reg_key_remove,
    .right_holders = enf_w32_right_holders,
    .right_grant = enf_w32_right_grant,
    .right_revoke = enf_w32_right_revoke,
    .right_gpo = enf_w32_right_gpo,
    .cert_element = enf_w32_cert_element,
    .cert_add_element = enf_w32_cert_add_element,
};

const enf_provider *enf_provider_local(void)
{
	return &w32_provider;
}
