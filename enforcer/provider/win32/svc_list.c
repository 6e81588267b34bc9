/*
 * The names of the machine's services, for `export --service RTC*`
 * (docs/windows-semantics.md): EnumServicesStatusExW with
 * SC_ENUM_PROCESS_INFO over a handle opened with
 * SC_MANAGER_ENUMERATE_SERVICE (the one the provider keeps has only
 * SC_MANAGER_CONNECT), Win32 services (own and shared process) in every
 * state. A buffer too small says ERROR_MORE_DATA and how much it needs;
 * the resume handle carries on from where the last call stopped.
 */
#include "win32_int.h"

#include "enforcer/errors.h"
#include "util/util.h"
#include "util/win32_util.h"

#include <stdlib.h>
#include <windows.h>

#define ENUM_BUF_START (64u * 1024)
#define ENUM_BUF_MAX   (4u * 1024 * 1024) /* ours: far beyond any real service list */

int enf_w32_svc_list(char ***out, size_t *count, void *self)
{
	(void)self;
	*out = NULL;
	*count = 0;
	SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ENUMERATE_SERVICE);
	if (!scm) {
		enf_error_set_os((int)GetLastError(), "cannot list the services");
		return ENF_ERROR;
	}
	DWORD size = ENUM_BUF_START, resume = 0, needed = 0, returned = 0;
	BYTE *buf = malloc(size);
	char **names = NULL;
	size_t n = 0, alloc = 0;
	int rc = buf ? 0 : enf_error_oom();
	for (int more = 1; rc == 0 && more;) {
		BOOL ok = EnumServicesStatusExW(scm, SC_ENUM_PROCESS_INFO, SERVICE_WIN32,
		                                SERVICE_STATE_ALL, buf, size, &needed, &returned,
		                                &resume, NULL);
		DWORD err = ok ? 0 : GetLastError();
		if (!ok && err != ERROR_MORE_DATA) {
			enf_error_set_os((int)err, "cannot list the services");
			rc = ENF_ERROR;
			break;
		}
		const ENUM_SERVICE_STATUS_PROCESSW *e = (const ENUM_SERVICE_STATUS_PROCESSW *)buf;
		for (DWORD i = 0; i < returned && rc == 0; i++) {
			if (enf_grow((void **)&names, &alloc, n + 1, sizeof(char *)))
				rc = enf_error_oom();
			else if (!(names[n] = enf_wide_to_utf8(e[i].lpServiceName)))
				rc = enf_error_oom();
			else
				n++;
		}
		more = !ok;
		/* Nothing fitted: a bigger buffer, up to our limit. */
		if (rc == 0 && more && returned == 0) {
			if (needed <= size || size >= ENUM_BUF_MAX) {
				enf_error_set(ENF_ERRCLASS_PROVIDER,
				              "cannot list the services: no progress with a buffer "
				              "of %lu bytes",
				              (unsigned long)size);
				rc = ENF_ERROR;
			} else {
				size = needed < ENUM_BUF_MAX ? needed : ENUM_BUF_MAX;
				BYTE *bigger = realloc(buf, size);
				rc = bigger ? 0 : enf_error_oom();
				if (bigger)
					buf = bigger;
			}
		}
	}
	free(buf);
	CloseServiceHandle(scm);
	return enf_dir_entries_finish(out, count, names, n, rc);
}
