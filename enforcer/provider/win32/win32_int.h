/*
 * Internal to the win32 provider: the functions of each area (certificate
 * stores, CAPI private keys, registry, services, facts) and the few helpers
 * they share. Windows build only.
 */
#ifndef ENFORCER_WIN32_INT_H
#define ENFORCER_WIN32_INT_H

#include "enforcer/provider.h"

#include <windows.h>
#include <wincrypt.h>

/*
 * Certificate stores (certs.c): every physical store is read, only .Default
 * is changed (provider.h); serialized elements keep a certificate's
 * properties.
 */
int enf_w32_cert_list(enf_cert_list *out, void *self, enf_store store);
/* The names of every Win32 service (svc_list.c). */
int enf_w32_svc_list(char ***out, size_t *count, void *self);
int enf_w32_cert_add(void *self, enf_store store, const unsigned char *der, size_t der_len);
int enf_w32_cert_remove(void *self, enf_store store, const unsigned char thumbprint[20]);
int enf_w32_cert_element(unsigned char **out, size_t *len, void *self, enf_store store,
                         const unsigned char thumbprint[20]);
int enf_w32_cert_add_element(void *self, enf_store store, const unsigned char thumbprint[20],
                             const unsigned char *element, size_t len);

/* Whether this is Wine rather than Windows (process.c): ntdll exports wine_get_version. */
int enf_w32_under_wine(void);

/*
 * Opens a LocalMachine system store. `writable` 0 opens it read-only and
 * existing only: *out is NULL (and 0 returned) for a store that was never
 * created, which reads as empty.
 */
int enf_w32_store_open(HCERTSTORE *out, enf_store store, int writable);

/*
 * The CAPI private key of a certificate (keys.c). The provider-info blob is
 * read from the certificate; ENF_ENOTFOUND when the certificate is not in
 * the store or has no private key, ENF_EUNSUPPORTED for a CNG key.
 */
int enf_w32_key_acl_get(enf_key_acl *out, void *self, enf_store store,
                        const unsigned char thumbprint[20]);
int enf_w32_key_acl_grant(void *self, enf_store store, const unsigned char thumbprint[20],
                          const char *account, enf_key_rights rights);
int enf_w32_key_acl_restore(void *self, enf_store store, const unsigned char thumbprint[20],
                            const char *sddl);

/* The key provider info of a certificate, malloc'd; ENF_ENOTFOUND without certificate or key. */
int enf_w32_cert_key_info(CRYPT_KEY_PROV_INFO **out, enf_store store,
                          const unsigned char thumbprint[20]);

/* Whether the certificate's CAPI key may be exported; ENF_UNKNOWN when it cannot be read. */
enf_tristate enf_w32_key_exportable(const CRYPT_KEY_PROV_INFO *info);

/* Registry values under HKLM, always in the 64-bit view (registry.c). */
int enf_w32_reg_get(enf_reg_value *out, void *self, const char *key, const char *name);
int enf_w32_reg_set(void *self, const char *key, const char *name, const enf_reg_value *value);
int enf_w32_reg_delete(void *self, const char *key, const char *name);
int enf_w32_reg_values(char ***out, size_t *count, void *self, const char *key);
int enf_w32_reg_key_info(size_t *values, size_t *subkeys, void *self, const char *key);
int enf_w32_reg_key_remove(void *self, const char *key);
/* Closes the key w32_reg_get keeps open between reads. */
void enf_w32_reg_release(void);

/*
 * Reads a value of the key `subkey` below `parent` (HKEY_LOCAL_MACHINE or an
 * open key), in the 64-bit view, for the provider's own lookups (facts).
 * Same results as w32_reg_get; `shown` names the key in messages.
 */
int enf_w32_reg_read(enf_reg_value *out, HKEY parent, const wchar_t *subkey, const wchar_t *name,
                     const char *shown);

/* Services (services.c). */
int enf_w32_svc_get(enf_service_info *out, void *self, const char *name);
/*
 * 1 when the service exists (one that cannot be opened for want of rights
 * does), through the run's SCM connection; 0 when it does not or the SCM
 * cannot be reached.
 */
int enf_w32_svc_exists(const char *name);
int enf_w32_svc_configure(void *self, const char *name, const enf_service_change *change);
int enf_w32_svc_start(void *self, const char *name, unsigned timeout_ms);
int enf_w32_svc_stop(void *self, const char *name, unsigned timeout_ms);
/* Closes the run's connection to the SCM (made again on the next service call). */
void enf_w32_svc_release(void);
/*
 * Sets info->running_as (the user SID of the process token) or
 * info->running_as_unknown (why not) for a running service, from the status
 * QueryServiceStatusEx gave (process.c). 0, or ENF_ENOMEM.
 */
int enf_w32_running_account(enf_service_info *info, const SERVICE_STATUS_PROCESS *st);

/* Accounts (keys.c): a name as policies write it to a SID. */
int enf_w32_account_sid(char **out, void *self, const char *account);
/* The same, as a SID the caller frees with free(). */
int enf_w32_account_psid(PSID *out, const char *account);

/* User rights through the LSA (rights.c). */
int enf_w32_right_holders(enf_right_holders *out, void *self, const char *right);
int enf_w32_right_grant(void *self, const char *right, const char *account);
int enf_w32_right_revoke(void *self, const char *right, const char *account);
/* Whether Group Policy defines a right, from the RSoP data in WMI (gpo.c). */
int enf_w32_right_gpo(enf_tristate *out, void *self, const char *right);
/* Forgets what w32_right_gpo read (the last close of the target). */
void enf_w32_gpo_release(void);

/* Facts (facts.c). */
int enf_w32_facts(enf_facts *out, void *self);

/* Shared helpers (win32.c). */

/* UTF-8 to UTF-16, setting "out of memory" or "not valid UTF-8 (what)" on failure. */
int enf_w32_wide(wchar_t **out, const char *s, const char *what);

/* UTF-16 to UTF-8; NULL input gives "". Sets the last error on failure. */
int enf_w32_utf8(char **out, const wchar_t *w);

/* The SDDL form of a SID ("S-1-5-20"), malloc'd; NULL on failure. */
char *enf_w32_sid_string(PSID sid);

/* ENF_EACCESS for ERROR_ACCESS_DENIED, ENF_ENOTFOUND for the not-found codes, else ENF_ERROR. */
int enf_w32_code(DWORD err);

#endif
