/*
 * The Windows provider tests (run under Wine by `meson test` in the Windows
 * build, or on a Windows machine): a tiny assertion helper and what the test
 * files share. Every check of the machine's state after a provider call is
 * made with an independent Win32 call, never through the provider itself.
 */
#ifndef ENFORCER_TW_H
#define ENFORCER_TW_H

#include "enforcer/provider.h"

#include <windows.h>
#include <wincrypt.h>

/* The provider under test and its instance (the "local" target). */
extern const enf_provider *tw_p;
extern void *tw_self;

/* Records one check; prints a failure with the provider's last error. */
void tw_check(int ok, const char *file, int line, const char *expr, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(ENF_PRINTF_ARCHETYPE, 5, 6)))
#endif
    ;

#define CHECK(cond, ...) tw_check((cond) != 0, __FILE__, __LINE__, #cond, __VA_ARGS__)
/* A provider call that must return `want` (0, ENF_ENOTFOUND, ...). */
#define CHECK_RC(call, want)                                                                       \
	do {                                                                                       \
		int tw_rc_ = (call);                                                               \
		tw_check(tw_rc_ == (want), __FILE__, __LINE__, #call, "returned %d, want %d",      \
		         tw_rc_, (int)(want));                                                     \
	} while (0)

/* A path in the temporary folder, UTF-8; free() it. */
char *tw_temp_path(const char *name);
/* A file's owner and DACL as SDDL, read independently of enforcer; NULL if unreadable. */
char *tw_file_sddl(const char *path);
/* The same, "?" when unreadable (for messages). */
char *tw_file_sddl_or(const char *path);

/* Prints an informational line (what Wine did differently, and so on). */
void tw_info(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(ENF_PRINTF_ARCHETYPE, 1, 2)))
#endif
    ;

/* The raw type and bytes of a value under HKLM, read with RegQueryValueExW (64-bit view). */
int tw_raw_value(const wchar_t *sub, const wchar_t *name, DWORD *type, BYTE *data, DWORD *size);
/* True when the last error's message contains `text`. */
int tw_error_has(const char *text);

/* The folder of this exe, with a trailing backslash (testsvc.exe is built next to it). */
const wchar_t *tw_exe_dir(void);

/* The test areas. */
void tw_registry(void);
void tw_registry_bytes(void); /* test_win32_registry.c: stored bytes, created keys */
void tw_services(void);
void tw_waits(void); /* test_win32_waits.c: slow services, the process account */
void tw_certs(void);
void tw_keys(void);
void tw_facts(void);
void tw_accounts(void);
void tw_rights(void);
void tw_secrets(void);
void tw_guard(void); /* test_win32_guard.c: the state folder, reparse points, DLL search */

/* A test certificate (test_win32_certs.c): its DER and thumbprint. */
typedef struct test_cert {
	unsigned char *der;
	size_t len;
	unsigned char sha1[20];
} test_cert;
struct x509_st;
struct evp_pkey_st;
/* A certificate for `pub` (O=Enforcer Tests, CN=cn), issued by (issuer, signer) or self-signed. */
struct x509_st *tw_make_cert(const char *cn, struct evp_pkey_st *pub, struct evp_pkey_st *signer,
                             struct x509_st *issuer, int ca, long serial);
/* Keeps the DER and thumbprint of `x` in `c`, and frees `x`. */
void tw_keep_der(test_cert *c, struct x509_st *x);

/* Physical stores, serialized elements and properties (test_win32_stores.c). */
void tw_phys_stores(void);

/* The child process of the persistence check: "--expect STORE=+HEX STORE=-HEX ...". */
int tw_expect_main(int argc, char **argv);

/* Runs this exe again with `args` and returns its exit code (-1 if it did not run). */
int tw_run_self(const wchar_t *args);

#endif
