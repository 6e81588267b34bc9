/*
 * Internal helpers shared by the library: formatted allocation, a growable
 * byte buffer, string utilities and the few OS calls that differ between
 * POSIX and Windows (implemented in os_posix.c and os_win32.c).
 */
#ifndef ENFORCER_UTIL_H
#define ENFORCER_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define ENF_PRINTF(a, b) __attribute__((format(printf, a, b)))
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

#define ENF_BUF_INIT {NULL, 0, 0, 0}

void enf_buf_put(enf_buf *b, const void *data, size_t len);
void enf_buf_puts(enf_buf *b, const char *s);
void enf_buf_printf(enf_buf *b, const char *fmt, ...) ENF_PRINTF(2, 3);
/* Takes the string out of the buffer (NULL if an allocation failed). */
char *enf_buf_detach(enf_buf *b);
void enf_buf_clear(enf_buf *b);

/* Lower-case hex of `len` bytes into a new string. */
char *enf_hex(const unsigned char *data, size_t len, int upper);
/* Parses hex digits (spaces ignored); ENF_EINVALID on odd length or bad digit. */
int enf_unhex(unsigned char **out, size_t *out_len, const char *hex);

/* The text of an OS error code (errno, or GetLastError()). */
char *enf_os_error_text(int code);

/* Reads a whole file of at most `max` bytes; ENF_ELIMIT past it. */
int enf_read_file(char **out, size_t *out_len, const char *path, size_t max);

/* SHA-256 of a buffer (OpenSSL). */
void enf_sha256(unsigned char out[32], const void *data, size_t len);

#endif
