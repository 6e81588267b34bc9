/*
 * Secrets at the operating system: service passwords read from the
 * environment, from a file only the right accounts can open, or from a file
 * encrypted with DPAPI. The portable parts are in secret.c; what differs
 * between POSIX and Windows in secret_posix.c and secret_win32.c. Every
 * buffer that held a secret is wiped before it is freed, and no message
 * here ever quotes one.
 */
#ifndef ENFORCER_UTIL_SECRET_H
#define ENFORCER_UTIL_SECRET_H

#include <stddef.h>

/* The largest password file (or DPAPI file) read: a password is short. */
#define ENF_SECRET_FILE_MAX 65536u

/* Overwrites `len` bytes with zeros in a way the compiler keeps. NULL is fine. */
void enf_secret_wipe(void *p, size_t len);

/* Wipes a NUL-terminated secret and frees it. NULL is fine. */
void enf_secret_free(char *secret);

/*
 * Decodes the bytes of a password file into a UTF-8 password: UTF-8 with or
 * without a byte-order mark, or UTF-16 little- or big-endian with one
 * (Windows PowerShell's `Out-File` and `>` write UTF-16 LE with a mark).
 * A trailing CR/LF is not part of the password. ENF_EINVALID, with a
 * message that never quotes the content, for an empty password, a NUL,
 * invalid UTF-8 or UTF-16, or what looks like UTF-16 without a mark.
 */
int enf_secret_decode(char **out, const unsigned char *data, size_t len);

/*
 * The value of environment variable `name` as UTF-8, malloc'd
 * (Windows: GetEnvironmentVariableW, so characters outside the ANSI code
 * page arrive intact; POSIX: getenv). ENF_ENOTFOUND when it is not set.
 */
int enf_secret_env(char **out, const char *name);

/*
 * Reads a password file of at most ENF_SECRET_FILE_MAX bytes after checking,
 * on the open file, that nobody else can read or change it. POSIX: the file
 * must belong to the user running enforcer and give its group and others
 * neither read nor write. Windows: its owner must be SYSTEM or
 * Administrators, and every allow entry that applies to the file and grants
 * reading, writing or a change of its permissions must be for SYSTEM or
 * Administrators. ENF_EACCESS with a message naming the file and who can
 * access it. The caller wipes and frees *out.
 */
int enf_secret_file_read(unsigned char **out, size_t *len, const char *path);

/*
 * Creates or replaces `path` with `data`, readable and writable only as
 * enf_secret_file_read requires (POSIX: mode 0600; Windows: a protected
 * DACL for SYSTEM and Administrators, owner Administrators).
 */
int enf_secret_file_write(const char *path, const void *data, size_t len);

/*
 * DPAPI at machine scope (CryptProtectData with CRYPTPROTECT_LOCAL_MACHINE):
 * only this machine can decrypt the blob, and any account on it can, so the
 * file that holds it is protected like a password file. The POSIX build
 * has no DPAPI: ENF_EUNSUPPORTED with a message saying so, and
 * enf_secret_dpapi_available() is 0 there.
 */
int enf_secret_dpapi_available(void);
int enf_secret_dpapi_protect(unsigned char **out, size_t *len, const char *secret);
int enf_secret_dpapi_unprotect(char **out, const unsigned char *blob, size_t len);

/*
 * Reads one line from standard input as UTF-8, without echo when it is a
 * console or terminal (`prompt` is then written to it first); from a pipe
 * or file, the whole input. A trailing CR/LF is dropped. *typed says
 * which (1: a console or terminal).
 */
int enf_secret_read_stdin(char **out, const char *prompt, int *typed);

#endif
