/*
 * Why a chain is not trusted, in words that name the certificate to fix and
 * the rule it breaks. OpenSSL's error codes say what failed but not always
 * why: while it builds the chain it passes over an intermediate whose key
 * cannot be decoded or does not match, and then reports the issuer missing;
 * its "invalid CA" covers both basicConstraints cA=false and a keyUsage
 * without keyCertSign. So every would-be issuer is examined here again, with
 * the checks of RFC 5280 section 6.1.4, and the first one it fails is named.
 */
#include "cert_int.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

int enf_cert_set_has_x509(const enf_cert_set *set, X509 *x)
{
	for (size_t i = 0; set && i < set->count; i++)
		if (X509_cmp(set->items[i]->x, x) == 0)
			return 1;
	return 0;
}

int enf_chain_is_anchor(X509 *x, const enf_cert_set *root)
{
	return (X509_get_extension_flags(x) & EXFLAG_SS) && enf_cert_set_has_x509(root, x);
}

static char *name_of(X509 *x)
{
	return enf_cert_display_name(X509_get_subject_name(x));
}

static char *date_of(const ASN1_TIME *t)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return enf_strdup("an unreadable date");
	return enf_asprintf("%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* The rules an issuer can break, in the order they are checked. */
enum fault { FAULT_NONE, FAULT_KEY, FAULT_SIGNATURE, FAULT_CA_FALSE, FAULT_NO_CA, FAULT_USAGE };

/* The words for each fault but FAULT_SIGNATURE, which names the subject. */
static const char *const fault_words[] = {
    [FAULT_KEY] = "its public key cannot be decoded",
    [FAULT_CA_FALSE] = "it is not a CA (basicConstraints cA=false)",
    [FAULT_NO_CA] = "it is not a CA (it has no basicConstraints extension)",
    [FAULT_USAGE] = "its keyUsage does not include keyCertSign",
};

/*
 * The rule `issuer` breaks as the issuer of `subject`. An anchor (a
 * self-signed certificate in Root) without basicConstraints is taken as a
 * CA, as RFC 5280 section 6.1 does not process the anchor's extensions;
 * with cA=false it is not one.
 */
static enum fault fault_of(X509 *issuer, X509 *subject, int anchor)
{
	EVP_PKEY *key = X509_get0_pubkey(issuer);
	uint32_t flags = X509_get_extension_flags(issuer);
	enum fault f = FAULT_NONE;
	if (!key)
		f = FAULT_KEY;
	else if (X509_verify(subject, key) != 1)
		f = FAULT_SIGNATURE;
	else if ((flags & EXFLAG_BCONS) && !(flags & EXFLAG_CA))
		f = FAULT_CA_FALSE;
	else if (!(flags & EXFLAG_BCONS) && !anchor)
		f = FAULT_NO_CA;
	else if ((flags & EXFLAG_KUSAGE) && !(X509_get_key_usage(issuer) & KU_KEY_CERT_SIGN))
		f = FAULT_USAGE;
	ERR_clear_error();
	return f;
}

/*
 * "intermediate 'X' is in CA but cannot issue 'Y': WHY", or NULL when X
 * may issue Y. *oom is set when the sentence could not be made.
 */
static char *cannot_issue(X509 *issuer, X509 *subject, const enf_cert_set *root, int *oom)
{
	int in_root = enf_cert_set_has_x509(root, issuer);
	enum fault f = fault_of(issuer, subject, in_root && enf_chain_is_anchor(issuer, root));
	if (f == FAULT_NONE)
		return NULL;
	char *x = name_of(issuer), *y = name_of(subject), *why = NULL, *text = NULL;
	if (y)
		why = f == FAULT_SIGNATURE
		          ? enf_asprintf("its signature on '%s' does not verify", y)
		          : enf_strdup(fault_words[f]);
	if (x && why)
		text = enf_asprintf("%s'%s' is in %s but cannot issue '%s': %s",
		                    in_root ? "" : "intermediate ", x, in_root ? "Root" : "CA", y,
		                    why);
	free(x);
	free(y);
	free(why);
	*oom |= text == NULL;
	return text;
}

/* Every certificate of `set` named as the issuer of `last` that cannot be it, joined. */
static void candidates(enf_buf *b, X509 *last, const enf_cert_set *set, const enf_cert_set *root,
                       int *oom)
{
	for (size_t i = 0; set && i < set->count; i++) {
		X509 *c = set->items[i]->x;
		if (X509_cmp(c, last) == 0 ||
		    X509_NAME_cmp(X509_get_subject_name(c), X509_get_issuer_name(last)) != 0)
			continue;
		char *text = cannot_issue(c, last, root, oom);
		if (text)
			enf_buf_printf(b, "%s%s", b->len ? "; " : "", text);
		free(text);
	}
}

/* The reason for an issuer that was not found, from where the chain stops. */
static char *missing_issuer(X509 *last, size_t length, const enf_cert_set *root,
                            const enf_cert_set *ca)
{
	enf_buf found = ENF_BUF_INIT;
	int oom = 0;
	candidates(&found, last, ca, root, &oom);
	candidates(&found, last, root, root, &oom);
	if (found.len || oom) {
		char *text = enf_buf_detach(&found);
		if (oom) {
			free(text);
			text = NULL;
		}
		return text;
	}
	enf_buf_clear(&found);
	char *issuer = enf_cert_display_name(X509_get_issuer_name(last));
	char *name = name_of(last);
	char *why = NULL;
	if (issuer && name) {
		if (enf_cert_set_has_x509(root, last))
			why = enf_asprintf(
			    "'%s' is in Root but is not self-signed (an intermediate); its issuer '%s' is not in Root",
			    name, issuer);
		else if (length <= 1)
			why = enf_asprintf(
			    "intermediate '%s' not found in CA; the chain stops at the leaf",
			    issuer);
		else
			why = enf_asprintf(
			    "'%s', the issuer of '%s', is in neither CA nor Root; the chain stops there",
			    issuer, name);
	}
	free(issuer);
	free(name);
	return why;
}

/* The first link of the chain, from the leaf up, whose issuer cannot issue it; NULL if none. */
static char *broken_link(STACK_OF(X509) * chain, const enf_cert_set *root, int *oom)
{
	int n = sk_X509_num(chain);
	char *text = NULL;
	for (int i = 0; i + 1 < n && !text && !*oom; i++)
		text =
		    cannot_issue(sk_X509_value(chain, i + 1), sk_X509_value(chain, i), root, oom);
	return text;
}

/* The name constraints above depth `depth` that the certificate there breaks with `err`. */
static X509 *constrainer(STACK_OF(X509) * chain, int depth, X509 *bad, int err)
{
	for (int j = depth + 1; j < sk_X509_num(chain); j++) {
		X509 *ca = sk_X509_value(chain, j);
		NAME_CONSTRAINTS *nc = X509_get_ext_d2i(ca, NID_name_constraints, NULL, NULL);
		int r = X509_V_OK;
		if (nc) {
			r = NAME_CONSTRAINTS_check(bad, nc);
			/* OpenSSL also holds a leaf's host-name-like CN to the DNS constraints. */
			if (r == X509_V_OK && depth == 0)
				r = NAME_CONSTRAINTS_check_CN(bad, nc);
		}
		NAME_CONSTRAINTS_free(nc);
		if (r == err)
			return ca;
	}
	return NULL;
}

static char *name_constraints(STACK_OF(X509) * chain, int depth, X509 *bad, int err)
{
	X509 *ca = constrainer(chain, depth, bad, err);
	char *who = ca ? name_of(ca) : enf_strdup("a CA above it");
	char *name = name_of(bad);
	char *why = NULL;
	if (who && name && ca)
		why = err == X509_V_ERR_PERMITTED_VIOLATION
		          ? enf_asprintf(
		                "the name constraints of '%s' do not permit the names of '%s'", who,
		                name)
		          : enf_asprintf("the name constraints of '%s' exclude a name of '%s'", who,
		                         name);
	else if (who && name)
		why = enf_asprintf("the names of '%s' break the name constraints of %s", name, who);
	free(who);
	free(name);
	return why;
}

static char *path_length(int depth, X509 *bad)
{
	char *name = name_of(bad);
	long allowed = X509_get_pathlen(bad);
	/* The CA certificates between it and the leaf (a self-issued one would not count). */
	int below = depth - 1;
	char *why = name ? enf_asprintf("'%s' allows %ld CA certificate%s below it "
	                                "(pathLenConstraint %ld); the chain has %d",
	                                name, allowed, allowed == 1 ? "" : "s", allowed, below)
	                 : NULL;
	free(name);
	return why;
}

char *enf_chain_reason(X509_STORE_CTX *ctx, STACK_OF(X509) * chain, const enf_cert_set *root,
                       const enf_cert_set *ca)
{
	int err = X509_STORE_CTX_get_error(ctx);
	int depth = X509_STORE_CTX_get_error_depth(ctx);
	int n = sk_X509_num(chain), oom = 0;
	X509 *last = n > 0 ? sk_X509_value(chain, n - 1) : NULL;
	X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
	if (!bad)
		bad = last;
	if (!bad)
		return enf_strdup(X509_verify_cert_error_string(err));
	char *name = name_of(bad);
	char *why = NULL;
	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		why = missing_issuer(last ? last : bad, (size_t)n, root, ca);
		break;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN: {
		char *top = name_of(last ? last : bad);
		why = top ? enf_asprintf("the chain ends at '%s' which is not in Root", top) : NULL;
		free(top);
		break;
	}
	case X509_V_ERR_CERT_HAS_EXPIRED: {
		char *date = date_of(X509_get0_notAfter(bad));
		why = date ? enf_asprintf("'%s' expired on %s", name, date) : NULL;
		free(date);
		break;
	}
	case X509_V_ERR_CERT_NOT_YET_VALID: {
		char *date = date_of(X509_get0_notBefore(bad));
		why = date ? enf_asprintf("'%s' is not valid until %s", name, date) : NULL;
		free(date);
		break;
	}
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
	case X509_V_ERR_INVALID_CA:
	case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
	case X509_V_ERR_NO_ISSUER_PUBLIC_KEY:
	case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
		why = broken_link(chain, root, &oom);
		if (why || oom)
			break;
		/* Only the anchor's signature on itself is left to fail. */
		why = enf_asprintf("'%s': %s", name, X509_verify_cert_error_string(err));
		break;
	case X509_V_ERR_PERMITTED_VIOLATION:
	case X509_V_ERR_EXCLUDED_VIOLATION:
		why = name_constraints(chain, depth, bad, err);
		break;
	case X509_V_ERR_PATH_LENGTH_EXCEEDED:
		why = path_length(depth, bad);
		break;
	default:
		why = enf_asprintf("'%s': %s", name, X509_verify_cert_error_string(err));
		break;
	}
	free(name);
	return why;
}
