/*
 * Physical stores and a certificate's properties through the provider
 * (docs/windows-semantics.md, "Certificate stores").
 *
 * What Wine lacks, and so what this cannot show: Wine implements no physical
 * stores (its CERT_STORE_PROV_PHYSICAL is a stub), so the provider reads
 * .Default through the system store and .GroupPolicy through the Group
 * Policy location there, and .Enterprise, .AuthRoot and .SmartCard are
 * empty; Wine does not merge Group Policy into the LocalMachine Root view
 * either. What Windows does with them (Group Policy copies in the merged
 * view, AuthRoot, Enterprise) is carried by the snapshot tests
 * (tests/test_stores.c). Here: a certificate the Group Policy location holds
 * is listed as .GroupPolicy and never removed, and a serialized element
 * brings a certificate back with its friendly name and EKU property.
 */
#include "tw.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

static HCERTSTORE open_location(DWORD location, const wchar_t *name)
{
	return CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, location, name);
}

/* The certificate in a freshly opened store of `location`, or NULL; free it. */
static PCCERT_CONTEXT find_in(DWORD location, const wchar_t *name, const unsigned char sha1[20])
{
	HCERTSTORE h = open_location(location, name);
	CRYPT_HASH_BLOB blob = {20, (BYTE *)sha1};
	PCCERT_CONTEXT c = h ? CertFindCertificateInStore(h, X509_ASN_ENCODING, 0,
	                                                  CERT_FIND_SHA1_HASH, &blob, NULL)
	                     : NULL;
	if (h)
		CertCloseStore(h, 0);
	return c;
}

static void remove_from(DWORD location, const wchar_t *name, const unsigned char sha1[20])
{
	HCERTSTORE h = open_location(location, name);
	CRYPT_HASH_BLOB blob = {20, (BYTE *)sha1};
	PCCERT_CONTEXT c;
	while (h && (c = CertFindCertificateInStore(h, X509_ASN_ENCODING, 0, CERT_FIND_SHA1_HASH,
	                                            &blob, NULL)))
		CertDeleteCertificateFromStore(c);
	if (h) {
		CertControlStore(h, 0, CERT_STORE_CTRL_COMMIT, NULL);
		CertCloseStore(h, 0);
	}
}

/* Adds `c` to a store of `location`, with a friendly name and an EKU property when given. */
static int add_with(DWORD location, const wchar_t *name, const test_cert *c,
                    const wchar_t *friendly, const CRYPT_DATA_BLOB *eku)
{
	HCERTSTORE h = open_location(location, name);
	PCCERT_CONTEXT ctx = CertCreateCertificateContext(X509_ASN_ENCODING, c->der, (DWORD)c->len);
	CRYPT_DATA_BLOB fn = {friendly ? (DWORD)((wcslen(friendly) + 1) * sizeof(wchar_t)) : 0,
	                      (BYTE *)friendly};
	int ok =
	    h && ctx &&
	    (!friendly ||
	     CertSetCertificateContextProperty(ctx, CERT_FRIENDLY_NAME_PROP_ID, 0, &fn)) &&
	    (!eku || CertSetCertificateContextProperty(ctx, CERT_ENHKEY_USAGE_PROP_ID, 0, eku)) &&
	    CertAddCertificateContextToStore(h, ctx, CERT_STORE_ADD_REPLACE_EXISTING, NULL) &&
	    CertControlStore(h, 0, CERT_STORE_CTRL_COMMIT, NULL);
	if (ctx)
		CertFreeCertificateContext(ctx);
	if (h)
		CertCloseStore(h, 0);
	return ok;
}

/* A property of a certificate, malloc'd, or NULL when it has none. */
static BYTE *prop(PCCERT_CONTEXT c, DWORD id, DWORD *n)
{
	*n = 0;
	BYTE *buf = NULL;
	if (c && CertGetCertificateContextProperty(c, id, NULL, n) && *n && (buf = malloc(*n)) &&
	    !CertGetCertificateContextProperty(c, id, buf, n)) {
		free(buf);
		buf = NULL;
	}
	return buf;
}

/* Whether the store's copy has exactly this friendly name and EKU property. */
static int has_props(const wchar_t *name, const test_cert *c, const wchar_t *friendly,
                     const CRYPT_DATA_BLOB *eku)
{
	PCCERT_CONTEXT ctx = find_in(CERT_SYSTEM_STORE_LOCAL_MACHINE, name, c->sha1);
	DWORD fn_len = 0, eku_len = 0;
	BYTE *fn = prop(ctx, CERT_FRIENDLY_NAME_PROP_ID, &fn_len);
	BYTE *e = prop(ctx, CERT_ENHKEY_USAGE_PROP_ID, &eku_len);
	int ok = ctx && fn && fn_len == (wcslen(friendly) + 1) * sizeof(wchar_t) &&
	         memcmp(fn, friendly, fn_len) == 0 && e && eku_len == eku->cbData &&
	         memcmp(e, eku->pbData, eku_len) == 0;
	free(fn);
	free(e);
	if (ctx)
		CertFreeCertificateContext(ctx);
	return ok;
}

static const enf_cert_entry *listed(const enf_cert_list *l, const unsigned char sha1[20],
                                    enf_phys_store phys)
{
	for (size_t i = 0; i < l->count; i++)
		if (l->items[i].physical == phys && memcmp(l->items[i].thumbprint, sha1, 20) == 0)
			return &l->items[i];
	return NULL;
}

/* A certificate of the Group Policy location: listed as .GroupPolicy, never removed. */
static void group_policy(const test_cert *gp)
{
	const DWORD gpo = CERT_SYSTEM_STORE_LOCAL_MACHINE_GROUP_POLICY;
	CHECK(add_with(gpo, L"Root", gp, NULL, NULL),
	      "cannot add to the Group Policy Root store: 0x%08lx", GetLastError());
	enf_cert_list l = {0};
	CHECK_RC(tw_p->cert_list(&l, tw_self, ENF_STORE_ROOT), 0);
	CHECK(listed(&l, gp->sha1, ENF_PHYS_GROUP_POLICY) != NULL, "not listed as .GroupPolicy");
	CHECK(listed(&l, gp->sha1, ENF_PHYS_DEFAULT) == NULL, "listed as .Default too");
	enf_cert_list_clear(&l);
	/* Only .Default is changed: there is nothing there to remove or serialize. */
	CHECK_RC(tw_p->cert_remove(tw_self, ENF_STORE_ROOT, gp->sha1), ENF_ENOTFOUND);
	CHECK(tw_error_has("is not in LocalMachine\\Root\\.Default"), "message");
	unsigned char *el = NULL;
	size_t n = 0;
	CHECK_RC(tw_p->cert_element(&el, &n, tw_self, ENF_STORE_ROOT, gp->sha1), ENF_ENOTFOUND);
	PCCERT_CONTEXT still = find_in(gpo, L"Root", gp->sha1);
	CHECK(still != NULL, "the Group Policy copy is gone");
	if (still)
		CertFreeCertificateContext(still);
	remove_from(gpo, L"Root", gp->sha1);
}

/* Moved and put back as the engine does it: the element keeps the properties. */
static void properties(const test_cert *c, const test_cert *other)
{
	/* An EKU restriction of server authentication alone, encoded as Windows stores it. */
	LPSTR usages[] = {szOID_PKIX_KP_SERVER_AUTH};
	CERT_ENHKEY_USAGE usage = {1, usages};
	BYTE enc[64];
	DWORD enc_len = sizeof(enc);
	CHECK(CryptEncodeObject(X509_ASN_ENCODING, X509_ENHANCED_KEY_USAGE, &usage, enc, &enc_len),
	      "cannot encode the EKU property");
	CRYPT_DATA_BLOB eku = {enc_len, enc};
	const wchar_t *friendly = L"Enforcer pinned intermediate";
	CHECK(add_with(CERT_SYSTEM_STORE_LOCAL_MACHINE, L"Root", c, friendly, &eku),
	      "cannot add with properties: 0x%08lx", GetLastError());
	CHECK(has_props(L"Root", c, friendly, &eku), "the properties were not saved");

	unsigned char *el = NULL;
	size_t n = 0;
	CHECK_RC(tw_p->cert_element(&el, &n, tw_self, ENF_STORE_ROOT, c->sha1), 0);
	/* An element is never added under another certificate's thumbprint. */
	CHECK_RC(tw_p->cert_add_element(tw_self, ENF_STORE_CA, other->sha1, el, n), ENF_EINVALID);
	PCCERT_CONTEXT wrong = find_in(CERT_SYSTEM_STORE_LOCAL_MACHINE, L"CA", c->sha1);
	CHECK(wrong == NULL, "a refused element was added");
	if (wrong)
		CertFreeCertificateContext(wrong);

	/* The move: to CA with its properties, then out of Root. */
	CHECK_RC(tw_p->cert_add_element(tw_self, ENF_STORE_CA, c->sha1, el, n), 0);
	CHECK_RC(tw_p->cert_remove(tw_self, ENF_STORE_ROOT, c->sha1), 0);
	CHECK(has_props(L"CA", c, friendly, &eku), "the move lost the properties");
	/* The rollback: back to Root from the journal's element, properties and all. */
	CHECK_RC(tw_p->cert_add_element(tw_self, ENF_STORE_ROOT, c->sha1, el, n), 0);
	CHECK_RC(tw_p->cert_remove(tw_self, ENF_STORE_CA, c->sha1), 0);
	CHECK(has_props(L"Root", c, friendly, &eku), "the rollback lost the properties");
	enf_cert_list l = {0};
	CHECK_RC(tw_p->cert_list(&l, tw_self, ENF_STORE_ROOT), 0);
	CHECK(listed(&l, c->sha1, ENF_PHYS_DEFAULT) != NULL, "not listed as .Default");
	enf_cert_list_clear(&l);
	free(el);

	/* Damaged bytes are refused, and change nothing. */
	static const unsigned char junk[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	CHECK_RC(tw_p->cert_add_element(tw_self, ENF_STORE_CA, c->sha1, junk, sizeof(junk)),
	         ENF_EINVALID);
	remove_from(CERT_SYSTEM_STORE_LOCAL_MACHINE, L"Root", c->sha1);
}

void tw_phys_stores(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	struct x509_st *r = tw_make_cert("Enforcer Phys Root", key, key, NULL, 1, 11);
	test_cert gp, moved;
	tw_keep_der(&gp, tw_make_cert("Enforcer Phys Group Policy CA", key, key, r, 1, 12));
	tw_keep_der(&moved, r);
	group_policy(&gp);
	properties(&moved, &gp);
	EVP_PKEY_free(key);
	free(gp.der);
	free(moved.der);
}
