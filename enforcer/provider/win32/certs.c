/*
 * The LocalMachine certificate stores, one physical store at a time
 * (docs/windows-semantics.md, "Certificate stores"): Root is .Default,
 * .GroupPolicy, .Enterprise, .AuthRoot and .SmartCard, CA the first three;
 * each is read through crypt32's physical store provider, and only .Default
 * is changed. Thumbprints are computed here from the DER (SHA-1), the same
 * way the snapshot provider and Windows' own CERT_SHA1_HASH_PROP_ID do.
 *
 * Wine implements no physical stores (its CERT_STORE_PROV_PHYSICAL is a
 * stub that opens nothing): under Wine .Default is the system store, which
 * Wine builds from the registry alone, .GroupPolicy the Group Policy
 * location's store, and the others are empty.
 */
#include "win32_int.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/*
 * CertFindCertificateInStore stops at the first match, and the same
 * certificate may sit in several physical stores of one system store.
 */
#define MAX_COPIES 16

static const wchar_t *store_wname(enf_store store)
{
	static const wchar_t *const names[ENF_STORE__COUNT] = {
	    L"Root", L"CA", L"My", L"TrustedPeople", L"TrustedPublisher", L"Disallowed",
	};
	return (unsigned)store < ENF_STORE__COUNT ? names[store] : L"";
}

int enf_w32_store_open(HCERTSTORE *out, enf_store store, int writable)
{
	DWORD flags = CERT_SYSTEM_STORE_LOCAL_MACHINE;
	if (!writable)
		flags |= CERT_STORE_READONLY_FLAG | CERT_STORE_OPEN_EXISTING_FLAG;
	*out = NULL;
	if ((unsigned)store >= ENF_STORE__COUNT) {
		enf_error_set(ENF_ERRCLASS_INVALID, "unknown certificate store %d", (int)store);
		return ENF_EINVALID;
	}
	HCERTSTORE h = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, flags, store_wname(store));
	if (h) {
		*out = h;
		return 0;
	}
	DWORD err = GetLastError();
	/* A store nobody ever wrote to (TrustedPeople on a fresh machine) is simply empty. */
	if (!writable && (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND))
		return 0;
	enf_error_set_os((int)err, "cannot open the LocalMachine\\%s store%s",
	                 enf_store_name(store), writable ? " for writing" : "");
	return err == ERROR_ACCESS_DENIED ? ENF_EACCESS : ENF_ERROR;
}

/*
 * Saves the store's changes. Wine keeps them in memory until the store is
 * committed (and loses deletions otherwise); on Windows the system store
 * writes through and the call is a harmless no-op. A provider that has
 * nothing to commit may say it does not support the call: that is success.
 */
static int store_commit(HCERTSTORE h, enf_store store)
{
	if (CertControlStore(h, 0, CERT_STORE_CTRL_COMMIT, NULL))
		return 0;
	DWORD err = GetLastError();
	if (err == ERROR_CALL_NOT_IMPLEMENTED || err == ERROR_NOT_SUPPORTED)
		return 0;
	enf_error_set_os((int)err, "cannot save the LocalMachine\\%s store", enf_store_name(store));
	return err == ERROR_ACCESS_DENIED ? ENF_EACCESS : ENF_ERROR;
}

static const wchar_t *phys_wname(enf_phys_store phys)
{
	static const wchar_t *const names[ENF_PHYS__COUNT] = {
	    L".Default", L".GroupPolicy", L".Enterprise", L".AuthRoot", L".SmartCard",
	};
	return (unsigned)phys < ENF_PHYS__COUNT ? names[phys] : L"";
}

/*
 * A smart card store on a machine without the smart card service or a
 * reader holds nothing; what crypt32 says then is not in the pages read,
 * so these SCARD_E_* codes (no service, service stopped, no readers) are
 * taken as an empty .SmartCard and every other failure fails the read.
 */
static int no_smart_card(DWORD err)
{
	return err == 0x8010001Du || err == 0x8010001Eu || err == 0x8010002Eu;
}

/* Under Wine: the system store for .Default, the Group Policy location's for .GroupPolicy. */
static int wine_phys_open(HCERTSTORE *out, enf_store store, enf_phys_store phys, int writable)
{
	if (phys == ENF_PHYS_DEFAULT)
		return enf_w32_store_open(out, store, writable);
	if (phys != ENF_PHYS_GROUP_POLICY || writable)
		return 0;
	*out = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0,
	                     CERT_SYSTEM_STORE_LOCAL_MACHINE_GROUP_POLICY |
	                         CERT_STORE_READONLY_FLAG | CERT_STORE_OPEN_EXISTING_FLAG,
	                     store_wname(store));
	return 0; /* a Group Policy store Wine cannot open holds nothing it would merge */
}

/*
 * Opens one physical store, "Root\.GroupPolicy", of the LocalMachine
 * location. Read-only, a physical store that does not exist is empty: *out
 * is NULL and 0 is returned. Writable is only ever .Default.
 */
static int phys_open(HCERTSTORE *out, enf_store store, enf_phys_store phys, int writable)
{
	*out = NULL;
	if (!enf_phys_store_in(store, phys)) {
		enf_error_set(ENF_ERRCLASS_INVALID, "LocalMachine\\%s has no physical store %s",
		              enf_store_name(store), enf_phys_store_name(phys));
		return ENF_EINVALID;
	}
	if (enf_w32_under_wine())
		return wine_phys_open(out, store, phys, writable);
	/* "The system and physical store names cannot contain any backslashes": joined by one. */
	wchar_t name[64];
	size_t a = wcslen(store_wname(store)), b = wcslen(phys_wname(phys));
	memcpy(name, store_wname(store), a * sizeof(wchar_t));
	name[a] = L'\\';
	memcpy(name + a + 1, phys_wname(phys), (b + 1) * sizeof(wchar_t));
	DWORD flags = CERT_SYSTEM_STORE_LOCAL_MACHINE;
	if (!writable)
		flags |= CERT_STORE_READONLY_FLAG | CERT_STORE_OPEN_EXISTING_FLAG;
	HCERTSTORE h = CertOpenStore(CERT_STORE_PROV_PHYSICAL_W, 0, 0, flags, name);
	if (h) {
		*out = h;
		return 0;
	}
	DWORD err = GetLastError();
	if (!writable && (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND ||
	                  (phys == ENF_PHYS_SMARTCARD && no_smart_card(err))))
		return 0;
	enf_error_set_os((int)err, "cannot open LocalMachine\\%s\\%s%s", enf_store_name(store),
	                 enf_phys_store_name(phys), writable ? " for writing" : "");
	return err == ERROR_ACCESS_DENIED ? ENF_EACCESS : ENF_ERROR;
}

/* The certificate's CERT_KEY_PROV_INFO_PROP_ID, malloc'd, or NULL when it has no private key. */
static CRYPT_KEY_PROV_INFO *prov_info(PCCERT_CONTEXT ctx)
{
	DWORD n = 0;
	if (!CertGetCertificateContextProperty(ctx, CERT_KEY_PROV_INFO_PROP_ID, NULL, &n) || n == 0)
		return NULL;
	CRYPT_KEY_PROV_INFO *info = malloc(n);
	if (info && !CertGetCertificateContextProperty(ctx, CERT_KEY_PROV_INFO_PROP_ID, info, &n)) {
		free(info);
		info = NULL;
	}
	return info;
}

/* Appends the certificates of one open physical store to `l`. */
static int list_phys(enf_cert_list *l, size_t *alloc, HCERTSTORE h, enf_phys_store phys)
{
	int rc = 0;
	PCCERT_CONTEXT ctx = NULL;
	while (h && (ctx = CertEnumCertificatesInStore(h, ctx))) {
		if (enf_grow((void **)&l->items, alloc, l->count + 1, sizeof(enf_cert_entry))) {
			rc = enf_error_oom();
			break;
		}
		enf_cert_entry *e = &l->items[l->count];
		memset(e, 0, sizeof(*e));
		e->der = malloc(ctx->cbCertEncoded ? ctx->cbCertEncoded : 1);
		if (!e->der) {
			rc = enf_error_oom();
			break;
		}
		memcpy(e->der, ctx->pbCertEncoded, ctx->cbCertEncoded);
		e->der_len = ctx->cbCertEncoded;
		enf_sha1(e->thumbprint, e->der, e->der_len);
		CRYPT_KEY_PROV_INFO *info = prov_info(ctx);
		e->has_private_key = info ? ENF_YES : ENF_NO;
		e->exportable = info ? enf_w32_key_exportable(info) : ENF_NO;
		e->physical = phys;
		free(info);
		l->count++;
	}
	if (ctx)
		CertFreeCertificateContext(ctx);
	return rc;
}

int enf_w32_cert_list(enf_cert_list *out, void *self, enf_store store)
{
	(void)self;
	enf_cert_list l = {0};
	size_t alloc = 0;
	int rc = 0;
	if ((unsigned)store >= ENF_STORE__COUNT) {
		enf_error_set(ENF_ERRCLASS_INVALID, "unknown certificate store %d", (int)store);
		return ENF_EINVALID;
	}
	for (int p = 0; rc == 0 && p < ENF_PHYS__COUNT; p++) {
		HCERTSTORE h = NULL;
		if (!enf_phys_store_in(store, (enf_phys_store)p))
			continue;
		if ((rc = phys_open(&h, store, (enf_phys_store)p, 0)) == 0)
			rc = list_phys(&l, &alloc, h, (enf_phys_store)p);
		if (h)
			CertCloseStore(h, 0);
	}
	if (rc) {
		enf_cert_list_clear(&l);
		return rc;
	}
	if (!l.items && !(l.items = calloc(1, sizeof(enf_cert_entry))))
		return enf_error_oom();
	*out = l;
	return 0;
}

static PCCERT_CONTEXT find_cert(HCERTSTORE h, const unsigned char thumbprint[20])
{
	CRYPT_HASH_BLOB blob = {20, (BYTE *)thumbprint};
	return CertFindCertificateInStore(h, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0,
	                                  CERT_FIND_SHA1_HASH, &blob, NULL);
}

int enf_w32_cert_add(void *self, enf_store store, const unsigned char *der, size_t der_len)
{
	(void)self;
	HCERTSTORE h = NULL;
	unsigned char thumb[20];
	enf_sha1(thumb, der, der_len);
	char *hex = enf_hex(thumb, 20, 1);
	int rc = hex ? phys_open(&h, store, ENF_PHYS_DEFAULT, 1) : enf_error_oom();
	if (rc)
		goto done;
	/* USE_EXISTING: a certificate already there is kept as is, with its key link and
	 * properties. */
	if (!CertAddEncodedCertificateToStore(h, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, der,
	                                      (DWORD)der_len, CERT_STORE_ADD_USE_EXISTING, NULL)) {
		DWORD err = GetLastError();
		if ((err & 0xFFFFFF00u) == 0x80093100u) { /* CRYPT_E_ASN1_*: not a certificate */
			enf_error_set(ENF_ERRCLASS_CERT,
			              "certificate %s is not valid DER (error 0x%08lx)", hex,
			              (unsigned long)err);
			rc = ENF_EINVALID;
		} else {
			enf_error_set_os((int)err, "cannot add certificate %s to LocalMachine\\%s",
			                 hex, enf_store_name(store));
			rc = err == ERROR_ACCESS_DENIED ? ENF_EACCESS : ENF_ERROR;
		}
		goto done;
	}
	rc = store_commit(h, store);
done:
	if (h)
		CertCloseStore(h, 0);
	free(hex);
	return rc;
}

int enf_w32_cert_remove(void *self, enf_store store, const unsigned char thumbprint[20])
{
	(void)self;
	HCERTSTORE h = NULL;
	char *hex = enf_hex(thumbprint, 20, 1);
	int rc = hex ? phys_open(&h, store, ENF_PHYS_DEFAULT, 1) : enf_error_oom();
	int removed = 0;
	if (rc)
		goto done;
	PCCERT_CONTEXT ctx;
	while (removed < MAX_COPIES && (ctx = find_cert(h, thumbprint))) {
		/* CertDeleteCertificateFromStore frees the context, even when it fails. */
		if (!CertDeleteCertificateFromStore(ctx)) {
			DWORD err = GetLastError();
			enf_error_set_os((int)err,
			                 "cannot remove certificate %s from LocalMachine\\%s", hex,
			                 enf_store_name(store));
			rc = err == ERROR_ACCESS_DENIED ? ENF_EACCESS : ENF_ERROR;
			break;
		}
		removed++;
	}
	if (rc == 0 && removed == 0) {
		enf_error_set(ENF_ERRCLASS_PROVIDER,
		              "certificate %s is not in LocalMachine\\%s\\.Default", hex,
		              enf_store_name(store));
		rc = ENF_ENOTFOUND;
	}
	/* Commit what was removed even after a failure, so the store matches what we report. */
	if (removed > 0) {
		int crc = store_commit(h, store);
		rc = rc ? rc : crc;
	}
done:
	if (h)
		CertCloseStore(h, 0);
	free(hex);
	return rc;
}

/* The one way out of the functions below: frees what they hold and returns `rc`. */
static int release(PCCERT_CONTEXT ctx, HCERTSTORE h, char *hex, int rc)
{
	if (ctx)
		CertFreeCertificateContext(ctx);
	if (h)
		CertCloseStore(h, 0);
	free(hex);
	return rc;
}

/* The certificate's key provider info (keys.c); ENF_ENOTFOUND without certificate or key. */
int enf_w32_cert_key_info(CRYPT_KEY_PROV_INFO **out, enf_store store,
                          const unsigned char thumbprint[20])
{
	HCERTSTORE h = NULL;
	PCCERT_CONTEXT ctx = NULL;
	char *hex = enf_hex(thumbprint, 20, 1);
	int rc = hex ? enf_w32_store_open(&h, store, 0) : enf_error_oom();
	if (rc)
		goto done;
	if (!h || !(ctx = find_cert(h, thumbprint))) {
		enf_error_set(ENF_ERRCLASS_PROVIDER, "certificate %s is not in LocalMachine\\%s",
		              hex, enf_store_name(store));
		rc = ENF_ENOTFOUND;
		goto done;
	}
	if (!(*out = prov_info(ctx))) {
		enf_error_set(ENF_ERRCLASS_PROVIDER,
		              "certificate %s in LocalMachine\\%s has no private key", hex,
		              enf_store_name(store));
		rc = ENF_ENOTFOUND;
	}
done:
	return release(ctx, h, hex, rc);
}

/*
 * The certificate as CertSerializeCertificateStoreElement writes it: its
 * DER and its properties (friendly name, EKU restriction, key link...).
 */
int enf_w32_cert_element(unsigned char **out, size_t *len, void *self, enf_store store,
                         const unsigned char thumbprint[20])
{
	(void)self;
	HCERTSTORE h = NULL;
	PCCERT_CONTEXT ctx = NULL;
	unsigned char *buf = NULL;
	DWORD n = 0;
	char *hex = enf_hex(thumbprint, 20, 1);
	int rc = hex ? phys_open(&h, store, ENF_PHYS_DEFAULT, 0) : enf_error_oom();
	if (rc)
		goto done;
	if (!h || !(ctx = find_cert(h, thumbprint))) {
		enf_error_set(ENF_ERRCLASS_PROVIDER,
		              "certificate %s is not in LocalMachine\\%s\\.Default", hex,
		              enf_store_name(store));
		rc = ENF_ENOTFOUND;
		goto done;
	}
	/* The size first, then the bytes ("Retrieving Data of Unknown Length"). */
	if (!CertSerializeCertificateStoreElement(ctx, 0, NULL, &n) || n == 0 ||
	    !(buf = malloc(n)) || !CertSerializeCertificateStoreElement(ctx, 0, buf, &n)) {
		DWORD err = GetLastError();
		if (n && !buf) {
			rc = enf_error_oom();
			goto done;
		}
		enf_error_set_os((int)err, "cannot serialize certificate %s of LocalMachine\\%s",
		                 hex, enf_store_name(store));
		rc = ENF_ERROR;
		goto done;
	}
	*out = buf;
	*len = n;
	buf = NULL;
done:
	free(buf);
	return release(ctx, h, hex, rc);
}

/*
 * Adds a serialized element back to .Default. It is first read into a
 * context of no store (CertAddSerializedElementToStore with a NULL store
 * persists nothing), so that a journal naming another certificate is
 * refused before the store is touched; then the context is added with
 * CertAddCertificateContextToStore, which copies its properties.
 */
int enf_w32_cert_add_element(void *self, enf_store store, const unsigned char thumbprint[20],
                             const unsigned char *element, size_t len)
{
	(void)self;
	HCERTSTORE h = NULL;
	PCCERT_CONTEXT ctx = NULL;
	unsigned char sha1[20];
	char *hex = enf_hex(thumbprint, 20, 1);
	int rc = hex ? 0 : enf_error_oom();
	if (rc)
		goto done;
	if (len == 0 || len > 0x7FFFFFFFu ||
	    !CertAddSerializedElementToStore(NULL, element, (DWORD)len, CERT_STORE_ADD_ALWAYS, 0,
	                                     CERT_STORE_CERTIFICATE_CONTEXT_FLAG, NULL,
	                                     (const void **)&ctx) ||
	    !ctx) {
		enf_error_set(ENF_ERRCLASS_PROVIDER,
		              "the saved copy of certificate %s cannot be read (error %lu)", hex,
		              (unsigned long)GetLastError());
		rc = ENF_EINVALID;
		goto done;
	}
	enf_sha1(sha1, ctx->pbCertEncoded, ctx->cbCertEncoded);
	if (memcmp(sha1, thumbprint, 20) != 0) {
		enf_error_set(ENF_ERRCLASS_PROVIDER,
		              "the saved copy of certificate %s holds another certificate", hex);
		rc = ENF_EINVALID;
		goto done;
	}
	if ((rc = phys_open(&h, store, ENF_PHYS_DEFAULT, 1)))
		goto done;
	/* USE_EXISTING: a copy already there is kept, and gains the properties it lacks. */
	if (!CertAddCertificateContextToStore(h, ctx, CERT_STORE_ADD_USE_EXISTING, NULL)) {
		DWORD err = GetLastError();
		enf_error_set_os((int)err, "cannot add certificate %s to LocalMachine\\%s", hex,
		                 enf_store_name(store));
		rc = err == ERROR_ACCESS_DENIED ? ENF_EACCESS : ENF_ERROR;
		goto done;
	}
	rc = store_commit(h, store);
done:
	return release(ctx, h, hex, rc);
}
