/*
 * The Application event log entry of a run (docs/eventlog.md), under the
 * source "enforcer". No message file is registered: Event Viewer shows the
 * entry's text under "the following information was included with the
 * event", which is all a run's summary needs.
 */
#include "enforcer/render.h"

#include "enforcer/errors.h"
#include "util/util.h"
#include "util/win32_util.h"

#include <stdlib.h>
#include <windows.h>

int enf_event_write(const enf_event *ev)
{
	static const WORD types[] = {EVENTLOG_INFORMATION_TYPE, EVENTLOG_WARNING_TYPE,
	                             EVENTLOG_ERROR_TYPE};
	HANDLE h = RegisterEventSourceW(NULL, L"enforcer");
	if (!h) {
		enf_error_set_os((int)GetLastError(), "cannot open the Application event log");
		return ENF_ERROR;
	}
	wchar_t *text = enf_utf8_to_wide(ev->text);
	LPCWSTR strings[1] = {text ? text : L"enforcer run"};
	BOOL ok = ReportEventW(h, types[ev->type], 0, ev->id, NULL, 1, 0, strings, NULL);
	DWORD err = GetLastError();
	free(text);
	DeregisterEventSource(h);
	if (!ok) {
		enf_error_set_os((int)err, "cannot write to the Application event log");
		return ENF_ERROR;
	}
	return 0;
}
