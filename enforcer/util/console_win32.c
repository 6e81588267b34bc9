/*
 * Text for a person at a Windows console. The library and the CLI write
 * UTF-8 through the C runtime; a console would show those bytes in its
 * code page (850 or 1252: "Ã©" for "é"). So when standard output or error
 * is a console, enf_console_begin() points the runtime's descriptors at a
 * pipe, and a thread turns what arrives into UTF-16 for WriteConsoleW,
 * which Microsoft's console documentation gives for exactly this: text to a
 * console through the W functions, bytes to a redirected handle. Output
 * that is redirected (a file, a pipe a scheduler reads) is left alone and
 * stays UTF-8.
 */
#include "util/console.h"
#include "util/util.h"

#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

static struct {
	HANDLE console; /* our own copy of the console handle: _dup2 closes the runtime's */
	HANDLE pipe;    /* the read end */
	HANDLE thread;
	int is_console[3]; /* per descriptor, as it was before: for enf_isatty_* */
} g;

/* Writes complete UTF-8 sequences; keeps an unfinished one for the next read. */
static DWORD WINAPI relay(void *arg)
{
	(void)arg;
	char buf[4096 + 4];
	wchar_t wide[4096 + 4];
	DWORD kept = 0, got = 0;
	while (ReadFile(g.pipe, buf + kept, 4096, &got, NULL) && got > 0) {
		DWORD n = kept + got, whole = n;
		/* Back up over a sequence cut by the read: at most 3 continuation bytes. */
		for (DWORD back = 1; back <= 3 && back <= n; back++) {
			unsigned char c = (unsigned char)buf[n - back];
			if ((c & 0xC0) == 0x80)
				continue;
			int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
			if ((DWORD)len > back)
				whole = n - back;
			break;
		}
		int w =
		    whole ? MultiByteToWideChar(CP_UTF8, 0, buf, (int)whole, wide, 4096 + 4) : 0;
		if (w > 0)
			WriteConsoleW(g.console, wide, (DWORD)w, NULL, NULL);
		kept = n - whole;
		memmove(buf, buf + whole, kept);
	}
	/* An unfinished sequence at the very end shows as U+FFFD, as invalid UTF-8 does. */
	int w = kept ? MultiByteToWideChar(CP_UTF8, 0, buf, (int)kept, wide, 4096 + 4) : 0;
	if (w > 0)
		WriteConsoleW(g.console, wide, (DWORD)w, NULL, NULL);
	return 0;
}

static int console_fd(int fd)
{
	DWORD mode;
	HANDLE h = (HANDLE)_get_osfhandle(fd);
	return h != INVALID_HANDLE_VALUE && h && GetConsoleMode(h, &mode);
}

int enf_console_begin(void)
{
	g.is_console[1] = console_fd(1);
	g.is_console[2] = console_fd(2);
	if (!g.is_console[1] && !g.is_console[2])
		return 0;
	HANDLE con = (HANDLE)_get_osfhandle(g.is_console[1] ? 1 : 2), w = NULL;
	if (!DuplicateHandle(GetCurrentProcess(), con, GetCurrentProcess(), &g.console, 0, FALSE,
	                     DUPLICATE_SAME_ACCESS))
		return 0; /* the console keeps its code page: worse text, no lost output */
	if (!CreatePipe(&g.pipe, &w, NULL, 0)) {
		CloseHandle(g.console);
		return 0;
	}
	int fd = _open_osfhandle((intptr_t)w, _O_TEXT | _O_WRONLY);
	if (fd < 0 || !(g.thread = CreateThread(NULL, 0, relay, NULL, 0, NULL))) {
		if (fd >= 0)
			_close(fd);
		else
			CloseHandle(w);
		CloseHandle(g.pipe);
		CloseHandle(g.console);
		return 0;
	}
	fflush(stdout);
	fflush(stderr);
	/*
	 * Both streams into the one pipe, unbuffered, as a console has them:
	 * what the program writes to either appears in the order it wrote it.
	 */
	for (int i = 1; i <= 2; i++)
		if (g.is_console[i])
			_dup2(fd, i);
	_close(fd);
	setvbuf(stdout, NULL, _IONBF, 0);
	setvbuf(stderr, NULL, _IONBF, 0);
	return 0;
}

void enf_console_end(void)
{
	if (!g.thread)
		return;
	fflush(stdout);
	fflush(stderr);
	/* Closing every write end ends the relay once it has written the rest. */
	for (int i = 1; i <= 2; i++)
		if (g.is_console[i])
			_close(i);
	WaitForSingleObject(g.thread, 10000);
	CloseHandle(g.thread);
	CloseHandle(g.pipe);
	CloseHandle(g.console);
	g.thread = NULL;
}

int enf_isatty_stdout(void)
{
	/* A console handle, not a file or a pipe a scheduler reads (ours counts as the console). */
	return g.thread ? g.is_console[1] : console_fd(1);
}

int enf_isatty_stderr(void)
{
	return g.thread ? g.is_console[2] : console_fd(2);
}
