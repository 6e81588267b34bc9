/*
 * Internal helpers shared by the library: formatted allocation, a growable
 * byte buffer, string utilities and the few OS calls that differ between
 * POSIX and Windows (implemented in os_posix.c and os_win32.c).
 */
#ifndef ENFORCER_UTIL_H
#define ENFORCER_UTIL_H

#include "enforcer/common.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#if defined(__GNUC__)
#define ENF_PRINTF(a, b) __attribute__((format(ENF_PRINTF_ARCHETYPE, a, b)))
#else
#define ENF_PRINTF(a, b)
#endif

#define ENF_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* malloc'd printf; NULL on allocation failure. */
char *enf_asprintf(const char *fmt, ...) ENF_PRINTF(1, 2);
char *enf_vasprintf(const char *fmt, va_list ap);

/* strdup / strndup that work the same on every platform; NULL-safe. */
char *enf_strdup(const char *s);
char *enf_strndup(const char *s, size_t n);

/* ASCII case-insensitive comparisons (Windows names are compared so). */
int enf_strcaseeq(const char *a, const char *b);
int enf_strncaseeq(const char *a, const char *b, size_t n);
int enf_starts_with_nocase(const char *s, const char *prefix);
/* Does hay (NULL: no) hold needle anywhere? */
int enf_contains_nocase(const char *hay, const char *needle);

/* Levenshtein distance, capped at `cap` (returns cap when larger). */
size_t enf_edit_distance(const char *a, const char *b, size_t cap);

/* Grows *items to hold at least `need` elements of `size` bytes. */
int enf_grow(void **items, size_t *alloc, size_t need, size_t size);

/* A growable, always NUL-terminated byte buffer. */
typedef struct enf_buf {
	char *ptr;
	size_t len;
	size_t alloc;
	int failed; /* an allocation failed; ptr stays valid */
} enf_buf;

#define ENF_BUF_INIT                                                                               \
	{                                                                                          \
		NULL, 0, 0, 0                                                                      \
	}

void enf_buf_put(enf_buf *b, const void *data, size_t len);
void enf_buf_puts(enf_buf *b, const char *s);
void enf_buf_printf(enf_buf *b, const char *fmt, ...) ENF_PRINTF(2, 3);
/* Takes the string out of the buffer (NULL if an allocation failed). */
char *enf_buf_detach(enf_buf *b);
void enf_buf_clear(enf_buf *b);
/*
 * Appends `s` as XML or HTML text (character data or an attribute value):
 * & < > " escaped, ' as `apos` ("&apos;" in XML, "&#39;" for HTML), and
 * control characters other than tab, LF and CR left out (XML 1.0 cannot hold them).
 */
void enf_buf_put_xml(enf_buf *b, const char *s, const char *apos);

/*
 * Appends `n` bytes of `s` as text safe on a terminal (shown.c): C0
 * controls, DEL and bytes of invalid UTF-8 as \xHH, C1 and bidi controls
 * as \uHHHH, backslashes before an escape doubled. Without flags, for a
 * value, which must stay on its line, newline and tab are escaped too;
 * ENF_SHOWN_LAYOUT keeps them (text whose lines the program laid out);
 * ENF_SHOWN_JSON (layout kept) writes JSON text as JSON with the same meaning.
 */
enum { ENF_SHOWN_LAYOUT = 1, ENF_SHOWN_JSON = 2 };
void enf_buf_put_shown(enf_buf *b, const char *s, size_t n, int flags);

/* Lower-case hex of `len` bytes into a new string. */
char *enf_hex(const unsigned char *data, size_t len, int upper);
/* Parses hex digits (spaces ignored); ENF_EINVALID on odd length or bad digit. */
int enf_unhex(unsigned char **out, size_t *out_len, const char *hex);

/*
 * UTF-16 (`big` endian or little) to a new NUL-terminated UTF-8 string of
 * *out_len bytes; ENF_EINVALID (last error set) for a surrogate without its
 * pair or an odd length. Password files (secret.c) and registry text
 * (reg_bytes.c) share it.
 */
int enf_utf16_to_utf8(unsigned char **out, size_t *out_len, const unsigned char *p, size_t len,
                      int big);

/* The text of an OS error code (errno, or GetLastError()). */
char *enf_os_error_text(int code);

/* Reads a whole file of at most `max` bytes; ENF_ELIMIT past it. */
int enf_read_file(char **out, size_t *out_len, const char *path, size_t max);

/*
 * Writes a file so that it is either wholly the old or wholly the new
 * content, even if the process or the machine dies: a temporary file in the
 * same folder, flushed to disk, then renamed over the old one.
 */
int enf_write_file_atomic(const char *path, const void *data, size_t len);

/*
 * The name of the temporary file that replaces `path`: in its folder, with
 * 16 hex digits from the system's random generator, so that nobody can
 * guess it and create it first (it is created exclusively: O_EXCL,
 * CREATE_NEW). malloc'd; NULL with the last error set.
 */
char *enf_temp_name(const char *path);

/* An append-only file whose every record is flushed to disk when written. */
typedef struct enf_appender enf_appender;
int enf_appender_open(enf_appender **out, const char *path);
/* Appends and flushes to stable storage before returning. */
int enf_appender_write(enf_appender *a, const void *data, size_t len);
void enf_appender_close(enf_appender *a);

/* The separator paths are shown and built with: '\\' on Windows, '/' elsewhere. */
#ifdef _WIN32
#define ENF_PATH_SEP '\\'
#else
#define ENF_PATH_SEP '/'
#endif

/*
 * The line ends of the text files enforcer writes for people to open
 * (report.txt, fleet.txt): CRLF on Windows, where Notepad before Windows 10
 * 1809 shows a file with bare LFs as one long line; LF elsewhere. JSON and
 * XML files keep LF (their parsers take either), and so does the console.
 */
#ifdef _WIN32
#define ENF_TEXT_FILE_CRLF 1
#else
#define ENF_TEXT_FILE_CRLF 0
#endif

/*
 * `text` (malloc'd, taken) with each LF not already after a CR turned into
 * CRLF when `crlf` is nonzero, or as it is otherwise; NULL when `text` is
 * NULL or memory ran out (`text` is freed then).
 */
char *enf_text_crlf(char *text, int crlf);

/* Creates a folder and its parents; an existing folder is fine. */
int enf_mkdir_p(const char *path);

/* True if the path exists (file or folder). */
int enf_path_exists(const char *path);

/*
 * The run lock: an exclusive lock on a file that the operating system
 * releases when the process dies (flock / LockFileEx), never a PID file.
 * Waits up to wait_ms milliseconds; ENF_ELOCKED when another run holds it.
 */
typedef struct enf_lock enf_lock;
int enf_lock_acquire(enf_lock **out, const char *path, unsigned wait_ms);
void enf_lock_release(enf_lock *lock);

/* The machine's name and the user running us; malloc'd. */
char *enf_host_name(void);
char *enf_user_name(void);

/* The default state folder: %ProgramData%\enforcer or /var/lib/enforcer. */
char *enf_default_state_dir(void);

/* Fills buf with random bytes from the OS. */
int enf_random_bytes(void *buf, size_t len);

/* Wall-clock time in seconds since the epoch, with sub-second precision. */
double enf_now(void);

/* Broken-down UTC time of t (gmtime_r / gmtime_s). */
void enf_gmtime(struct tm *out, time_t t);

/* True when standard output is a terminal (for colour and progress). */
int enf_isatty_stdout(void);
int enf_isatty_stderr(void);

/* Sleeps for ms milliseconds. */
void enf_sleep_ms(unsigned ms);

/*
 * Milliseconds on a monotonic clock (CLOCK_MONOTONIC, GetTickCount64):
 * only differences mean anything. Waits are measured with it, so that a
 * change of the wall clock (NTP, an administrator) neither cuts a wait
 * short nor makes it endless.
 */
uint64_t enf_monotonic_ms(void);

/*
 * Durations as policies and the command line write them (duration.c):
 * whole seconds ("600"), or a number with the unit s, m or h ("90s",
 * "10m", "1h"); from 1 second to 24 hours. ENF_EINVALID with the last
 * error saying what is accepted.
 */
#define ENF_DURATION_MAX_MS (24u * 3600u * 1000u)
int enf_duration_parse(unsigned *out_ms, const char *text);
/* A duration for a message: "10 min", "90 s", "1 h 30 min", "2.5 s"; malloc'd. */
char *enf_duration_text(unsigned ms);

/*
 * A second thread for work that waits on the OS while this one computes.
 * enf_thread_run starts fn(arg) on a new thread, or, when none can be
 * started, runs it before returning and returns NULL; enf_thread_join waits
 * for it to finish (NULL: nothing to wait for) and frees it. fn sets no
 * last error for the caller: the last error is per thread.
 */
typedef struct enf_thread enf_thread;
enf_thread *enf_thread_run(void (*fn)(void *arg), void *arg);
void enf_thread_join(enf_thread *thread);

/* Ends the process at once, as a crash would (for fault-injection tests). */
void enf_die_now(void);

/* Base64 (RFC 4648, no line breaks). */
char *enf_base64_encode(const unsigned char *data, size_t len);
int enf_base64_decode(unsigned char **out, size_t *out_len, const char *text);

/*
 * Checks a path a policy refers to (policy/getters.c): relative,
 * '/'-separated, no '..', ':', backslash or device name. NULL when fine.
 */
const char *enf_path_problem(const char *path);

/* SHA-256 of a buffer (OpenSSL). */
void enf_sha256(unsigned char out[32], const void *data, size_t len);

/* SHA-1 of a buffer (OpenSSL): certificate thumbprints. */
void enf_sha1(unsigned char out[20], const void *data, size_t len);

/*
 * Folders and paths for the git source and the report writer (issue 6).
 * POSIX and Windows implementations are in os_posix.c and os_win32.c.
 */

/*
 * The absolute form of an existing path, with '/' between folders (on
 * POSIX, symbolic links resolved), so that it can be compared with a git
 * working tree's path. NULL when the path does not exist.
 */
char *enf_path_absolute(const char *path);

/* Creates a new folder only this user can read, under $TMPDIR or %TEMP%. */
int enf_temp_dir(char **out);

/*
 * The names in a folder, without "." and "..", sorted bytewise; free each
 * and the list. ENF_ENOTFOUND when the folder does not exist.
 */
int enf_dir_entries(char ***out, size_t *count, const char *path);

/*
 * The platform-neutral end of enf_dir_entries: with rc 0, sorts the `n`
 * names bytewise and hands them over; else frees them and returns rc.
 */
int enf_dir_entries_finish(char ***out, size_t *count, char **names, size_t n, int rc);

/* Deletes a file; one that does not exist is fine. */
int enf_remove_file(const char *path);

/* Deletes an empty folder. */
int enf_remove_dir(const char *path);

#endif
