/* A test PKI made with OpenSSL at test time (see pki.h). */
#include "pki.h"
#include "helpers.h"

#include "util/util.h"

#include <criterion/criterion.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * An RSA key takes up to a second to make, and every test process would
 * make the same few. So the n-th RSA key of a size a process asks for is
 * made once, kept in the build folder (ENFORCER_TEST_KEYS, which meson test
 * sets; not the temporary folder, where the tests leave nothing) and reused
 * by later processes; the certificates themselves are made fresh by every
 * test. Without ENFORCER_TEST_KEYS every key is made afresh.
 */
static EVP_PKEY *rsa_key(int bits)
{
	static int made[2];
	int slot = made[bits > 1024]++;
	const char *cache = getenv("ENFORCER_TEST_KEYS");
	if (!cache || !*cache) {
		EVP_PKEY *fresh = EVP_RSA_gen((unsigned)bits);
		cr_assert(fresh != NULL, "cannot make a test key");
		return fresh;
	}
	cr_assert_eq(enf_mkdir_p(cache), 0, "cannot create %s", cache);
	char *path = enf_asprintf("%s/rsa%d-%d.pem", cache, bits, slot);
	cr_assert(path);
	EVP_PKEY *k = NULL;
	FILE *f = fopen(path, "r");
	if (f) {
		k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
		if (k &&
		    (EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA || EVP_PKEY_get_bits(k) != bits)) {
			EVP_PKEY_free(k);
			k = NULL;
		}
	}
	if (!k) {
		k = EVP_RSA_gen((unsigned)bits);
		cr_assert(k != NULL, "cannot make a test key");
		BIO *bio = BIO_new(BIO_s_mem());
		char *pem = NULL;
		cr_assert(bio && PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL) == 1);
		long len = BIO_get_mem_data(bio, &pem);
		/* Atomic: a parallel test reads the whole key or none. */
		enf_write_file_atomic(path, pem, (size_t)len);
		BIO_free(bio);
	}
	free(path);
	return k;
}

static EVP_PKEY *new_key(int rsa_bits)
{
	EVP_PKEY *k = rsa_bits ? rsa_key(rsa_bits) : EVP_EC_gen("P-256");
	cr_assert(k != NULL, "cannot make a test key");
	return k;
}

static void add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	cr_assert(ext != NULL, "bad test extension %d=%s", nid, value);
	cr_assert(X509_add_ext(x, ext, -1) == 1);
	X509_EXTENSION_free(ext);
}

static void set_name(X509_NAME *name, const pki_opts *o)
{
	if (!o->rdns) {
		cr_assert(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
		                                     (const unsigned char *)o->cn, -1, -1, 0) == 1);
		return;
	}
	for (const char *const *r = o->rdns; *r; r++) {
		const char *eq = strchr(*r, '=');
		cr_assert(eq != NULL, "RDN without '=': %s", *r);
		char field[32];
		snprintf(field, sizeof(field), "%.*s", (int)(eq - *r), *r);
		cr_assert(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
		                                     (const unsigned char *)eq + 1, -1, -1, 0) == 1,
		          "bad RDN %s", *r);
	}
}

static void set_serial(X509 *x, const char *hex)
{
	BIGNUM *bn = NULL;
	if (hex) {
		cr_assert(BN_hex2bn(&bn, hex) > 0);
	} else {
		bn = BN_new();
		cr_assert(bn && BN_rand(bn, 64, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) == 1);
	}
	cr_assert(BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL);
	BN_free(bn);
}

static void fill_der(pki_cert *c)
{
	unsigned char *der = NULL;
	int n = i2d_X509(c->x, &der);
	cr_assert(n > 0);
	c->der = malloc((size_t)n);
	cr_assert(c->der);
	memcpy(c->der, der, (size_t)n);
	c->der_len = (size_t)n;
	OPENSSL_free(der);
	unsigned char md[20];
	unsigned int len = 20;
	cr_assert(X509_digest(c->x, EVP_sha1(), md, &len) == 1);
	char *hex = enf_hex(md, 20, 1);
	snprintf(c->thumbprint, sizeof(c->thumbprint), "%s", hex);
	free(hex);
	X509_NAME_get_text_by_NID(X509_get_subject_name(c->x), NID_commonName, c->name,
	                          sizeof(c->name));
}

pki_cert *pki_issue(const pki_opts *o, EVP_PKEY *key, const pki_cert *issuer)
{
	pki_cert *c = calloc(1, sizeof(*c));
	cr_assert(c);
	if (key)
		EVP_PKEY_up_ref(key);
	c->key = key ? key : new_key(o->rsa_bits);
	X509 *x = c->x = X509_new();
	cr_assert(x);
	X509_set_version(x, X509_VERSION_3);
	set_serial(x, o->serial);
	time_t now = time(NULL);
	cr_assert(
	    ASN1_TIME_set(X509_getm_notBefore(x), o->not_before ? o->not_before : now - 86400));
	cr_assert(
	    ASN1_TIME_set(X509_getm_notAfter(x), o->not_after ? o->not_after : now + 365 * 86400L));
	set_name(X509_get_subject_name(x), o);
	X509_set_issuer_name(x, issuer && !o->fake_self_issued ? X509_get_subject_name(issuer->x)
	                                                       : X509_get_subject_name(x));
	X509_set_pubkey(x, c->key);
	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, issuer ? issuer->x : x, x, NULL, NULL, 0);
	add_ext(x, &ctx, NID_subject_key_identifier, "hash");
	if (issuer && !o->fake_self_issued)
		add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
	if (o->ca) {
		char bc[64];
		if (o->path_len >= 0)
			snprintf(bc, sizeof(bc), "critical,CA:TRUE,pathlen:%d", o->path_len);
		else
			snprintf(bc, sizeof(bc), "critical,CA:TRUE");
		add_ext(x, &ctx, NID_basic_constraints, bc);
		add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature,keyEncipherment");
	}
	if (o->eku)
		add_ext(x, &ctx, NID_ext_key_usage, o->eku);
	if (o->san)
		add_ext(x, &ctx, NID_subject_alt_name, o->san);
	cr_assert(X509_sign(x, issuer ? issuer->key : c->key, EVP_sha256()) > 0);
	fill_der(c);
	return c;
}

void pki_free(pki_cert *c)
{
	if (!c)
		return;
	X509_free(c->x);
	EVP_PKEY_free(c->key);
	free(c->der);
	free(c);
}

time_t pki_date(int year, int month, int day)
{
	/* Days from civil, as the library computes them. */
	long y = year - (month <= 2);
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (time_t)(era * 146097 + doe - 719468) * 86400;
}

pki_set *pki_standard(void)
{
	pki_set *s = calloc(1, sizeof(*s));
	cr_assert(s);
	s->root = pki_issue(
	    &(pki_opts){.cn = "Contoso Root CA", .ca = 1, .path_len = -1, .rsa_bits = 2048}, NULL,
	    NULL);
	s->inter = pki_issue(&(pki_opts){.cn = "Contoso Issuing CA 01", .ca = 1, .path_len = 0},
	                     NULL, s->root);
	s->leaf = pki_issue(&(pki_opts){.cn = "edge.contoso.com",
	                                .eku = "serverAuth,clientAuth",
	                                .serial = "7841FC7ABF2025",
	                                .rsa_bits = 2048},
	                    NULL, s->inter);
	s->old_root = pki_issue(&(pki_opts){.cn = "Contoso Old Root CA", .ca = 1, .path_len = -1},
	                        NULL, NULL);
	s->cross = pki_issue(&(pki_opts){.cn = "Contoso Issuing CA 01", .ca = 1, .path_len = 0},
	                     s->inter->key, s->old_root);
	s->expired = pki_issue(&(pki_opts){.cn = "expired.contoso.com",
	                                   .eku = "serverAuth",
	                                   .not_before = pki_date(2024, 1, 1),
	                                   .not_after = pki_date(2025, 1, 1)},
	                       NULL, s->inter);
	s->client_only =
	    pki_issue(&(pki_opts){.cn = "client.contoso.com", .eku = "clientAuth"}, NULL, s->inter);
	s->weak =
	    pki_issue(&(pki_opts){.cn = "weak.contoso.com", .eku = "serverAuth", .rsa_bits = 1024},
	              NULL, s->inter);
	s->selfsigned =
	    pki_issue(&(pki_opts){.cn = "selfsigned.contoso.com", .eku = "serverAuth"}, NULL, NULL);
	return s;
}

void pki_set_free(pki_set *s)
{
	if (!s)
		return;
	pki_cert *all[] = {s->root,    s->inter,       s->leaf, s->old_root,  s->cross,
	                   s->expired, s->client_only, s->weak, s->selfsigned};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		pki_free(all[i]);
	free(s);
}

char *pki_pem(pki_cert *const *certs, size_t n)
{
	BIO *bio = BIO_new(BIO_s_mem());
	cr_assert(bio);
	for (size_t i = 0; i < n; i++)
		cr_assert(PEM_write_bio_X509(bio, certs[i]->x) == 1);
	char *data = NULL;
	long len = BIO_get_mem_data(bio, &data);
	char *out = enf_strndup(data, (size_t)len);
	BIO_free(bio);
	cr_assert(out);
	return out;
}

char *pki_write_pem(const char *dir, const char *name, pki_cert *const *certs, size_t n)
{
	char *pem = pki_pem(certs, n);
	char *path = th_write(dir, name, pem);
	free(pem);
	return path;
}

char *pki_write_der(const char *dir, const char *name, const pki_cert *c)
{
	char *path = enf_asprintf("%s/%s", dir, name);
	cr_assert(path && enf_write_file_atomic(path, c->der, c->der_len) == 0);
	return path;
}

char *pki_base64(const pki_cert *c)
{
	char *b64 = enf_base64_encode(c->der, c->der_len);
	cr_assert(b64);
	return b64;
}

json_t *pki_snapshot(void)
{
	json_t *j = json_pack("{s:s, s:{}}", "schema", "enforcer-snapshot/1", "stores");
	cr_assert(j);
	return j;
}

json_t *pki_snapshot_add(json_t *snap, const char *store, const pki_cert *c)
{
	json_t *stores = json_object_get(snap, "stores");
	json_t *list = json_object_get(stores, store);
	if (!list) {
		list = json_array();
		json_object_set_new(stores, store, list);
	}
	char *b64 = pki_base64(c);
	json_t *o = json_pack("{s:s}", "der", b64);
	free(b64);
	json_array_append_new(list, o);
	return o;
}

char *pki_snapshot_write(json_t *snap, const char *dir, const char *name)
{
	char *text = json_dumps(snap, JSON_INDENT(2));
	cr_assert(text);
	char *path = th_write(dir, name, text);
	free(text);
	return path;
}

int pki_snapshot_has(json_t *snap, const char *store, const pki_cert *c)
{
	json_t *list = json_object_get(json_object_get(snap, "stores"), store);
	char *b64 = pki_base64(c);
	int found = 0;
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
	{
		const char *der = json_string_value(json_object_get(e, "der"));
		found |= der && strcmp(der, b64) == 0;
	}
	free(b64);
	return found;
}

size_t pki_snapshot_count(json_t *snap, const char *store)
{
	return json_array_size(json_object_get(json_object_get(snap, "stores"), store));
}
