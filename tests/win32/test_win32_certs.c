/*
 * Certificate stores and CAPI private keys through the provider, with the
 * test's own certificates, made here with OpenSSL: a private root, an
 * intermediate, and leaves whose keys are CAPI machine key containers the
 * test creates (CryptAcquireContext(CRYPT_MACHINE_KEYSET|CRYPT_NEWKEYSET))
 * and links with CERT_KEY_PROV_INFO_PROP_ID, as WINE-NOTES.md says (PFX
 * import into machine keysets is broken under Wine). Stores are checked with
 * freshly opened store handles, and persistence with a second process.
 */
#include "tw.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_EXPORTABLE L"ENFTEST-KEY-EXPORTABLE"
#define KEY_FIXED      L"ENFTEST-KEY-FIXED"

static test_cert root, inter, leaf, leaf2, cng_leaf, spare;
static EVP_PKEY *root_key, *inter_key;

void tw_keep_der(test_cert *c, X509 *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	CHECK(n > 0, "i2d_X509 failed");
	c->der = malloc((size_t)n);
	memcpy(c->der, der, (size_t)n);
	c->len = (size_t)n;
	OPENSSL_free(der);
	enf_sha1(c->sha1, c->der, c->len);
	X509_free(x);
}

X509 *tw_make_cert(const char *cn, EVP_PKEY *pub, EVP_PKEY *signer, X509 *issuer, int ca,
                   long serial)
{
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3650L * 86400);
	X509_set_pubkey(x, pub);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
	                           (const unsigned char *)"Enforcer Tests", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
	                                          ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	CHECK(X509_sign(x, signer, EVP_sha256()) > 0, "X509_sign failed for %s", cn);
	return x;
}

/* A new CAPI machine key container with an RSA key; its public key for OpenSSL. */
static EVP_PKEY *capi_key(const wchar_t *container, int exportable)
{
	HCRYPTPROV prov = 0;
	HCRYPTKEY key = 0;
	CryptAcquireContextW(&prov, container, MS_ENHANCED_PROV_W, PROV_RSA_FULL,
	                     CRYPT_MACHINE_KEYSET | CRYPT_DELETEKEYSET);
	CHECK(CryptAcquireContextW(&prov, container, MS_ENHANCED_PROV_W, PROV_RSA_FULL,
	                           CRYPT_MACHINE_KEYSET | CRYPT_NEWKEYSET),
	      "CryptAcquireContext(NEWKEYSET) failed: 0x%08lx", GetLastError());
	CHECK(CryptGenKey(prov, AT_KEYEXCHANGE, (2048u << 16) | (exportable ? CRYPT_EXPORTABLE : 0),
	                  &key),
	      "CryptGenKey failed: 0x%08lx", GetLastError());
	DWORD n = 0;
	CryptExportPublicKeyInfo(prov, AT_KEYEXCHANGE, X509_ASN_ENCODING, NULL, &n);
	CERT_PUBLIC_KEY_INFO *info = malloc(n);
	BYTE *spki = NULL;
	DWORD spki_len = 0;
	EVP_PKEY *pub = NULL;
	if (info && CryptExportPublicKeyInfo(prov, AT_KEYEXCHANGE, X509_ASN_ENCODING, info, &n) &&
	    CryptEncodeObjectEx(X509_ASN_ENCODING, X509_PUBLIC_KEY_INFO, info,
	                        CRYPT_ENCODE_ALLOC_FLAG, NULL, &spki, &spki_len)) {
		const unsigned char *p = spki;
		pub = d2i_PUBKEY(NULL, &p, (long)spki_len);
		LocalFree(spki);
	}
	CHECK(pub != NULL, "cannot read the container's public key");
	free(info);
	CryptDestroyKey(key);
	CryptReleaseContext(prov, 0);
	return pub;
}

static void make_pki(void)
{
	root_key = EVP_EC_gen("P-256");
	inter_key = EVP_EC_gen("P-256");
	X509 *r = tw_make_cert("Enforcer Test Root", root_key, root_key, NULL, 1, 1);
	X509 *i = tw_make_cert("Enforcer Test Intermediate", inter_key, root_key, r, 1, 2);
	EVP_PKEY *k1 = capi_key(KEY_EXPORTABLE, 1), *k2 = capi_key(KEY_FIXED, 0),
	         *k3 = EVP_EC_gen("P-256");
	tw_keep_der(&leaf, tw_make_cert("edge.enforcer.test", k1, inter_key, i, 0, 3));
	tw_keep_der(&leaf2, tw_make_cert("edge2.enforcer.test", k2, inter_key, i, 0, 4));
	tw_keep_der(&cng_leaf, tw_make_cert("cng.enforcer.test", k3, inter_key, i, 0, 5));
	tw_keep_der(&spare, tw_make_cert("spare.enforcer.test", k3, inter_key, i, 0, 6));
	tw_keep_der(&inter, i);
	tw_keep_der(&root, r);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(k3);
}

static HCERTSTORE open_store(const wchar_t *name)
{
	return CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_LOCAL_MACHINE, name);
}

/* Is the certificate in the store, as a freshly opened handle sees it? */
static int in_store(const wchar_t *name, const unsigned char sha1[20])
{
	HCERTSTORE h = open_store(name);
	CRYPT_HASH_BLOB blob = {20, (BYTE *)sha1};
	PCCERT_CONTEXT c = h ? CertFindCertificateInStore(h, X509_ASN_ENCODING, 0,
	                                                  CERT_FIND_SHA1_HASH, &blob, NULL)
	                     : NULL;
	if (c)
		CertFreeCertificateContext(c);
	if (h)
		CertCloseStore(h, 0);
	return c != NULL;
}

static const enf_cert_entry *find_entry(const enf_cert_list *l, const unsigned char sha1[20],
                                        int *copies)
{
	const enf_cert_entry *found = NULL;
	*copies = 0;
	for (size_t i = 0; i < l->count; i++) {
		if (memcmp(l->items[i].thumbprint, sha1, 20) == 0) {
			found = &l->items[i];
			(*copies)++;
		}
	}
	return found;
}

/*
 * Links the certificate in LocalMachine\My to a key, as an enrolment does: it
 * is stored with the CERT_KEY_PROV_INFO_PROP_ID property. Under Wine the
 * property only sticks when the certificate is added with it (setting it on
 * a certificate already in the system store, or re-adding it with
 * REPLACE_EXISTING, is not saved), so the copy there is removed first.
 */
static void link_key(const test_cert *c, const wchar_t *container, const wchar_t *provider,
                     DWORD type, DWORD spec)
{
	HCERTSTORE h = open_store(L"My");
	CRYPT_HASH_BLOB blob = {20, (BYTE *)c->sha1};
	PCCERT_CONTEXT old;
	while (h && (old = CertFindCertificateInStore(h, X509_ASN_ENCODING, 0, CERT_FIND_SHA1_HASH,
	                                              &blob, NULL)))
		CertDeleteCertificateFromStore(old);
	PCCERT_CONTEXT ctx = CertCreateCertificateContext(X509_ASN_ENCODING, c->der, (DWORD)c->len);
	CRYPT_KEY_PROV_INFO info = {
	    (wchar_t *)container, (wchar_t *)provider, type, CRYPT_MACHINE_KEYSET, 0, NULL, spec};
	CHECK(h && ctx &&
	          CertSetCertificateContextProperty(ctx, CERT_KEY_PROV_INFO_PROP_ID, 0, &info) &&
	          CertAddCertificateContextToStore(h, ctx, CERT_STORE_ADD_NEW, NULL) &&
	          CertControlStore(h, 0, CERT_STORE_CTRL_COMMIT, NULL),
	      "cannot link the key: 0x%08lx", GetLastError());
	if (ctx)
		CertFreeCertificateContext(ctx);
	if (h)
		CertCloseStore(h, 0);
}

/* "--expect Root=+HEX CA=-HEX": run in a second process to prove the stores were saved. */
static int expect_in_child(const wchar_t *args)
{
	int code = tw_run_self(args);
	CHECK(code == 0, "the second process found the stores otherwise (exit %d): %ls", code,
	      args);
	return code;
}

static void hex_of(wchar_t out[41], const unsigned char sha1[20])
{
	for (int i = 0; i < 20; i++)
		_snwprintf(out + 2 * i, 3, L"%02X", sha1[i]);
	out[40] = L'\0';
}

int tw_expect_main(int argc, char **argv)
{
	int bad = 0;
	for (int i = 2; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		unsigned char *sha1 = NULL;
		size_t len = 0;
		if (!eq || (eq[1] != '+' && eq[1] != '-') || enf_unhex(&sha1, &len, eq + 2) ||
		    len != 20) {
			printf("bad expectation '%s'\n", argv[i]);
			return 2;
		}
		*eq = '\0';
		wchar_t store[64];
		_snwprintf(store, 64, L"%hs", argv[i]);
		store[63] = L'\0';
		int want = eq[1] == '+', have = in_store(store, sha1);
		if (want != have) {
			printf("%s: %s is %s\n", argv[i], eq + 2, have ? "present" : "missing");
			bad = 1;
		}
		free(sha1);
	}
	return bad;
}

static void stores(void)
{
	CHECK_RC(tw_p->cert_add(tw_self, ENF_STORE_ROOT, root.der, root.len), 0);
	CHECK_RC(tw_p->cert_add(tw_self, ENF_STORE_CA, inter.der, inter.len), 0);
	CHECK_RC(tw_p->cert_add(tw_self, ENF_STORE_CA, spare.der, spare.len), 0);
	CHECK_RC(tw_p->cert_add(tw_self, ENF_STORE_MY, leaf.der, leaf.len), 0);
	CHECK_RC(tw_p->cert_add(tw_self, ENF_STORE_MY, leaf2.der, leaf2.len), 0);
	CHECK_RC(tw_p->cert_add(tw_self, ENF_STORE_MY, cng_leaf.der, cng_leaf.len), 0);
	CHECK(in_store(L"Root", root.sha1) && in_store(L"CA", inter.sha1) &&
	          in_store(L"My", leaf.sha1),
	      "an added certificate is not in its store");
	/* USE_EXISTING: adding again keeps one copy. */
	CHECK_RC(tw_p->cert_add(tw_self, ENF_STORE_ROOT, root.der, root.len), 0);
	enf_cert_list l = {0};
	int copies = 0;
	CHECK_RC(tw_p->cert_list(&l, tw_self, ENF_STORE_ROOT), 0);
	const enf_cert_entry *e = find_entry(&l, root.sha1, &copies);
	CHECK(e && copies == 1, "the root is listed %d times", copies);
	CHECK(e && e->der_len == root.len && memcmp(e->der, root.der, root.len) == 0,
	      "the DER differs");
	CHECK(e && e->has_private_key == ENF_NO, "the root has no private key");
	enf_cert_list_clear(&l);

	/* Not a certificate. */
	static const unsigned char junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	CHECK_RC(tw_p->cert_add(tw_self, ENF_STORE_CA, junk, sizeof(junk)), ENF_EINVALID);

	/* Remove, then remove again. */
	CHECK_RC(tw_p->cert_remove(tw_self, ENF_STORE_CA, spare.sha1), 0);
	CHECK(!in_store(L"CA", spare.sha1), "the removed certificate is still in CA");
	CHECK_RC(tw_p->cert_remove(tw_self, ENF_STORE_CA, spare.sha1), ENF_ENOTFOUND);
	CHECK(tw_error_has("is not in LocalMachine\\CA"), "message");

	/* Every store the policy format names. */
	static const struct {
		enf_store store;
		const wchar_t *name;
	} others[] = {{ENF_STORE_TRUSTED_PEOPLE, L"TrustedPeople"},
	              {ENF_STORE_TRUSTED_PUBLISHER, L"TrustedPublisher"},
	              {ENF_STORE_DISALLOWED, L"Disallowed"}};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(others); i++) {
		CHECK_RC(tw_p->cert_add(tw_self, others[i].store, spare.der, spare.len), 0);
		CHECK(in_store(others[i].name, spare.sha1), "%ls: not added", others[i].name);
		CHECK_RC(tw_p->cert_list(&l, tw_self, others[i].store), 0);
		CHECK(find_entry(&l, spare.sha1, &copies) != NULL, "%ls: not listed",
		      others[i].name);
		enf_cert_list_clear(&l);
		CHECK_RC(tw_p->cert_remove(tw_self, others[i].store, spare.sha1), 0);
		CHECK(!in_store(others[i].name, spare.sha1), "%ls: not removed", others[i].name);
	}

	/* Saved, not just in this process's memory: a second process sees the same. */
	wchar_t r[41], in[41], sp[41], args[512];
	hex_of(r, root.sha1);
	hex_of(in, inter.sha1);
	hex_of(sp, spare.sha1);
	_snwprintf(args, 512, L"--expect Root=+%ls CA=+%ls CA=-%ls Disallowed=-%ls", r, in, sp, sp);
	expect_in_child(args);
}

static void private_keys(void)
{
	link_key(&leaf, KEY_EXPORTABLE, MS_ENHANCED_PROV_W, PROV_RSA_FULL, AT_KEYEXCHANGE);
	link_key(&leaf2, KEY_FIXED, MS_ENHANCED_PROV_W, PROV_RSA_FULL, AT_KEYEXCHANGE);
	/* A CNG key: provider type 0 and a key storage provider. */
	link_key(&cng_leaf, L"ENFTEST-CNG", L"Microsoft Software Key Storage Provider", 0, 0);
	/* Adding a certificate that is there keeps it, key link and all (USE_EXISTING). */
	CHECK_RC(tw_p->cert_add(tw_self, ENF_STORE_MY, leaf.der, leaf.len), 0);
	enf_cert_list l = {0};
	int copies;
	CHECK_RC(tw_p->cert_list(&l, tw_self, ENF_STORE_MY), 0);
	const enf_cert_entry *e1 = find_entry(&l, leaf.sha1, &copies),
	                     *e2 = find_entry(&l, leaf2.sha1, &copies),
	                     *e3 = find_entry(&l, cng_leaf.sha1, &copies);
	CHECK(e1 && e1->has_private_key == ENF_YES && e1->exportable == ENF_YES,
	      "exportable CAPI key: %d/%d", e1 ? e1->has_private_key : -9,
	      e1 ? e1->exportable : -9);
	CHECK(e2 && e2->has_private_key == ENF_YES && e2->exportable == ENF_NO,
	      "non-exportable CAPI key: %d/%d", e2 ? e2->has_private_key : -9,
	      e2 ? e2->exportable : -9);
	CHECK(e3 && e3->has_private_key == ENF_YES && e3->exportable == ENF_UNKNOWN,
	      "CNG key: %d/%d", e3 ? e3->has_private_key : -9, e3 ? e3->exportable : -9);
	enf_cert_list_clear(&l);
}

void tw_certs(void)
{
	make_pki();
	stores();
	private_keys();
}

/* The key container's DACL as SDDL, read independently of the provider; free() it. */
static char *container_sddl(const wchar_t *container)
{
	HCRYPTPROV prov = 0;
	BYTE sd[4096];
	DWORD len = sizeof(sd);
	char *sddl = NULL, *copy = NULL;
	if (CryptAcquireContextW(&prov, container, MS_ENHANCED_PROV_W, PROV_RSA_FULL,
	                         CRYPT_MACHINE_KEYSET | CRYPT_SILENT)) {
		if (CryptGetProvParam(prov, PP_KEYSET_SEC_DESCR, sd, &len,
		                      DACL_SECURITY_INFORMATION) &&
		    ConvertSecurityDescriptorToStringSecurityDescriptorA(
		        sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &sddl, NULL)) {
			copy = enf_strdup(sddl);
			LocalFree(sddl);
		}
		CryptReleaseContext(prov, 0);
	}
	return copy;
}

/* Does an allow entry of the container's DACL give the SID at least `mask`? */
static int container_allows(const wchar_t *container, const char *sid_text, DWORD mask)
{
	HCRYPTPROV prov = 0;
	BYTE sd[4096];
	DWORD len = sizeof(sd);
	PSID want = NULL;
	int found = 0;
	ConvertStringSidToSidA(sid_text, &want);
	if (want && CryptAcquireContextW(&prov, container, MS_ENHANCED_PROV_W, PROV_RSA_FULL,
	                                 CRYPT_MACHINE_KEYSET | CRYPT_SILENT)) {
		BOOL present = FALSE, defaulted = FALSE;
		PACL dacl = NULL;
		if (CryptGetProvParam(prov, PP_KEYSET_SEC_DESCR, sd, &len,
		                      DACL_SECURITY_INFORMATION) &&
		    GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted) && dacl) {
			for (DWORD i = 0; i < dacl->AceCount; i++) {
				ACCESS_ALLOWED_ACE *ace = NULL;
				if (GetAce(dacl, i, (void **)&ace) &&
				    ace->Header.AceType == ACCESS_ALLOWED_ACE_TYPE &&
				    EqualSid((PSID)&ace->SidStart, want) &&
				    (ace->Mask & mask) == mask)
					found = 1;
			}
		}
		CryptReleaseContext(prov, 0);
	}
	if (want)
		LocalFree(want);
	return found;
}

static void acl_reads(const char *original)
{
	enf_key_acl acl = {0};
	CHECK_RC(tw_p->key_acl_get(&acl, tw_self, ENF_STORE_MY, leaf.sha1), 0);
	CHECK(acl.sddl && original && strcmp(acl.sddl, original) == 0,
	      "SDDL %s, the container says %s", acl.sddl ? acl.sddl : "?",
	      original ? original : "?");
	CHECK(acl.count > 0, "no entries");
	for (size_t i = 0; i < acl.count; i++)
		CHECK(acl.items[i].sid && strncmp(acl.items[i].sid, "S-1-", 4) == 0 &&
		          acl.items[i].account && *acl.items[i].account,
		      "entry %zu has no SID or account", i);
	enf_key_acl_clear(&acl);

	/* Keys the provider cannot manage say why. */
	CHECK_RC(tw_p->key_acl_get(&acl, tw_self, ENF_STORE_ROOT, root.sha1), ENF_ENOTFOUND);
	CHECK(tw_error_has("has no private key"), "message");
	CHECK_RC(tw_p->key_acl_get(&acl, tw_self, ENF_STORE_MY, spare.sha1), ENF_ENOTFOUND);
	CHECK(tw_error_has("is not in LocalMachine\\My"), "message");
	CHECK_RC(tw_p->key_acl_get(&acl, tw_self, ENF_STORE_MY, cng_leaf.sha1), ENF_EUNSUPPORTED);
	CHECK(tw_error_has("CNG key") && tw_error_has("Microsoft Software Key Storage Provider"),
	      "message");
	CHECK_RC(tw_p->key_acl_grant(tw_self, ENF_STORE_MY, cng_leaf.sha1, "NetworkService",
	                             ENF_RIGHTS_READ),
	         ENF_EUNSUPPORTED);
}

static void acl_changes(const char *original)
{
	/* Grant read to NETWORK SERVICE, in the short spelling. */
	CHECK_RC(tw_p->key_acl_grant(tw_self, ENF_STORE_MY, leaf.sha1, "NetworkService",
	                             ENF_RIGHTS_READ),
	         0);
	CHECK(container_allows(KEY_EXPORTABLE, "S-1-5-20", GENERIC_READ),
	      "NETWORK SERVICE cannot read the key");
	enf_key_acl acl = {0};
	CHECK_RC(tw_p->key_acl_get(&acl, tw_self, ENF_STORE_MY, leaf.sha1), 0);
	int seen = 0;
	for (size_t i = 0; i < acl.count; i++)
		seen |= strcmp(acl.items[i].sid, "S-1-5-20") == 0 && acl.items[i].allow &&
		        enf_key_mask_covers(acl.items[i].mask, ENF_RIGHTS_READ);
	CHECK(seen, "key_acl_get does not show the grant");
	enf_key_acl_clear(&acl);

	/* Granting what is there already changes nothing. */
	char *before = container_sddl(KEY_EXPORTABLE);
	CHECK_RC(tw_p->key_acl_grant(tw_self, ENF_STORE_MY, leaf.sha1,
	                             "NT AUTHORITY\\NETWORK SERVICE", ENF_RIGHTS_READ),
	         0);
	char *after = container_sddl(KEY_EXPORTABLE);
	CHECK(before && after && strcmp(before, after) == 0, "a second grant changed %s into %s",
	      before, after);
	free(after);

	/* Full control, to another spelling; an unknown account is refused and changes nothing. */
	CHECK_RC(tw_p->key_acl_grant(tw_self, ENF_STORE_MY, leaf.sha1, "BUILTIN\\Users",
	                             ENF_RIGHTS_FULL),
	         0);
	CHECK(container_allows(KEY_EXPORTABLE, "S-1-5-32-545", GENERIC_ALL),
	      "Users have no full control");
	free(before);
	before = container_sddl(KEY_EXPORTABLE);
	CHECK_RC(tw_p->key_acl_grant(tw_self, ENF_STORE_MY, leaf.sha1, "ENFTEST\\nosuchuser",
	                             ENF_RIGHTS_READ),
	         ENF_ENOTFOUND);
	after = container_sddl(KEY_EXPORTABLE);
	CHECK(before && after && strcmp(before, after) == 0, "a failed grant changed the key");
	free(before);
	free(after);

	/*
	 * Deny entries are read as deny, in the order the DACL has them
	 * (engine/key_access.c). Wine enforces the key's DACL: Administrators
	 * keep full control, or the test could not open the key again.
	 */
	CHECK_RC(tw_p->key_acl_restore(tw_self, ENF_STORE_MY, leaf.sha1,
	                               "D:(D;;GR;;;NS)(A;;GA;;;BA)(A;;GR;;;NS)"),
	         0);
	CHECK_RC(tw_p->key_acl_get(&acl, tw_self, ENF_STORE_MY, leaf.sha1), 0);
	CHECK(acl.count == 3 && !acl.items[0].allow && strcmp(acl.items[0].sid, "S-1-5-20") == 0 &&
	          acl.items[0].mask == GENERIC_READ && acl.items[1].allow &&
	          strcmp(acl.items[1].sid, "S-1-5-32-544") == 0 && acl.items[2].allow,
	      "the deny entry was not read first, as a deny (%zu entries)", acl.count);
	enf_key_acl_clear(&acl);

	/* Restore the descriptor as it was: exactly the original SDDL. */
	CHECK_RC(tw_p->key_acl_restore(tw_self, ENF_STORE_MY, leaf.sha1, original), 0);
	after = container_sddl(KEY_EXPORTABLE);
	CHECK(after && strcmp(after, original) == 0, "restored %s, want %s", after ? after : "?",
	      original);
	CHECK(!container_allows(KEY_EXPORTABLE, "S-1-5-20", GENERIC_READ),
	      "the grant survived the restore");
	free(after);
	CHECK_RC(tw_p->key_acl_restore(tw_self, ENF_STORE_MY, leaf.sha1, "not SDDL"), ENF_EINVALID);
}

void tw_keys(void)
{
	char *original = container_sddl(KEY_EXPORTABLE);
	CHECK(original != NULL, "cannot read the test container's DACL");
	if (original) {
		acl_reads(original);
		acl_changes(original);
	}
	free(original);

	/* Clean up, and prove in a second process that the removals were saved too. */
	const struct {
		enf_store store;
		test_cert *c;
	} added[] = {{ENF_STORE_ROOT, &root},
	             {ENF_STORE_CA, &inter},
	             {ENF_STORE_MY, &leaf},
	             {ENF_STORE_MY, &leaf2},
	             {ENF_STORE_MY, &cng_leaf}};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(added); i++)
		CHECK_RC(tw_p->cert_remove(tw_self, added[i].store, added[i].c->sha1), 0);
	wchar_t r[41], in[41], l1[41], args[512];
	hex_of(r, root.sha1);
	hex_of(in, inter.sha1);
	hex_of(l1, leaf.sha1);
	_snwprintf(args, 512, L"--expect Root=-%ls CA=-%ls My=-%ls", r, in, l1);
	expect_in_child(args);
	HCRYPTPROV prov;
	CHECK(CryptAcquireContextW(&prov, KEY_EXPORTABLE, MS_ENHANCED_PROV_W, PROV_RSA_FULL,
	                           CRYPT_MACHINE_KEYSET | CRYPT_DELETEKEYSET),
	      "cannot delete the test container");
	CryptAcquireContextW(&prov, KEY_FIXED, MS_ENHANCED_PROV_W, PROV_RSA_FULL,
	                     CRYPT_MACHINE_KEYSET | CRYPT_DELETEKEYSET);
	test_cert *all[] = {&root, &inter, &leaf, &leaf2, &cng_leaf, &spare};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(all); i++)
		free(all[i]->der);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(inter_key);
}
