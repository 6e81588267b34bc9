/*
 * Grouping a store's certificates without comparing every pair: a Root of
 * 10 000 certificates (10 000 allow-list files, or 10 000 CAs with one
 * subject) made the trust-store checks compare each certificate with every
 * other, and each pair again with every earlier certificate (is it a copy?),
 * which took minutes. Sorted once, each question is a look-up.
 */
#include "cert_int.h"

#include "enforcer/errors.h"

#include <openssl/x509.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int cmp_sha1(const void *a, const void *b)
{
	return memcmp(a, b, 20);
}

void enf_cert_thumbprints_sort(unsigned char *set, size_t n)
{
	if (n > 1)
		qsort(set, n, 20, cmp_sha1);
}

int enf_cert_thumbprints_has(const unsigned char *set, size_t n, const unsigned char sha1[20])
{
	return n && bsearch(sha1, set, n, 20, cmp_sha1) != NULL;
}

/* One certificate, by what makes two of them the same. */
typedef struct member {
	const unsigned char *sha1; /* thumbprint grouping */
	const X509_NAME *subject;  /* subject-and-key grouping */
	unsigned char *key;        /* its public key, DER */
	int key_len;
	size_t index;
} member;

static int cmp_by_sha1(const void *a, const void *b)
{
	const member *x = a, *y = b;
	int c = memcmp(x->sha1, y->sha1, 20);
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

static int cmp_by_subject_key(const void *a, const void *b)
{
	const member *x = a, *y = b;
	int c = X509_NAME_cmp(x->subject, y->subject);
	if (!c)
		c = (x->key_len > y->key_len) - (x->key_len < y->key_len);
	if (!c && x->key_len > 0)
		c = memcmp(x->key, y->key, (size_t)x->key_len);
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* next[i]: the next member of i's group in the order of the indices. */
static void link_groups(size_t *next, const member *m, size_t n,
                        int (*cmp)(const void *, const void *))
{
	for (size_t i = 0; i < n; i++)
		next[i] = SIZE_MAX;
	for (size_t k = 1; k < n; k++) {
		member a = m[k - 1], b = m[k];
		/* The same but for the index: one group. */
		b.index = a.index;
		if (cmp(&a, &b) == 0)
			next[m[k - 1].index] = m[k].index;
	}
}

int enf_cert_group_thumbprints(size_t *next, const unsigned char *const *sha1, size_t n)
{
	member *m = calloc(n ? n : 1, sizeof(*m));
	if (!m)
		return enf_error_oom();
	for (size_t i = 0; i < n; i++)
		m[i] = (member){.sha1 = sha1[i], .index = i};
	qsort(m, n, sizeof(*m), cmp_by_sha1);
	link_groups(next, m, n, cmp_by_sha1);
	free(m);
	return 0;
}

int enf_cert_group_subject_key(size_t *next, enf_cert *const *certs, size_t n)
{
	member *m = calloc(n ? n : 1, sizeof(*m));
	size_t k = 0;
	int rc = m ? 0 : enf_error_oom();
	for (size_t i = 0; rc == 0 && i < n; i++) {
		next[i] = SIZE_MAX;
		if (!certs[i])
			continue; /* unreadable: in no group */
		member *x = &m[k++];
		x->index = i;
		x->subject = X509_get_subject_name(certs[i]->x);
		x->key_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(certs[i]->x), &x->key);
		if (x->key_len <= 0)
			x->key_len =
			    0; /* no key to compare: alone, as enf_cert_same_subject_and_key */
	}
	if (rc == 0) {
		qsort(m, k, sizeof(*m), cmp_by_subject_key);
		for (size_t j = 1; j < k; j++)
			if (m[j - 1].key_len > 0 &&
			    X509_NAME_cmp(m[j - 1].subject, m[j].subject) == 0 &&
			    m[j - 1].key_len == m[j].key_len &&
			    memcmp(m[j - 1].key, m[j].key, (size_t)m[j].key_len) == 0)
				next[m[j - 1].index] = m[j].index;
	}
	for (size_t j = 0; m && j < k; j++)
		OPENSSL_free(m[j].key);
	free(m);
	return rc;
}
