/*
 * The outcome of checking an x509 (CMS, PKCS #7) detached signature: on a
 * policy commit (source.h) or on a report (report.h).
 */
#ifndef ENFORCER_SIGNATURE_H
#define ENFORCER_SIGNATURE_H

#include "common.h"

typedef enum enf_sig_status {
	ENF_SIG_VALID = 0,  /* intact, and the signer chains to a trusted signer */
	ENF_SIG_INVALID,    /* the content or the signature was altered, or is malformed */
	ENF_SIG_UNSIGNED,   /* there is no signature */
	ENF_SIG_UNTRUSTED,  /* intact, but the signer is not (or was not checked as) trusted */
	ENF_SIG_UNSUPPORTED /* a GPG or SSH signature: only x509 (CMS) is checked */
} enf_sig_status;

/* "valid", "invalid", "unsigned", "untrusted", "unsupported": the report's words. */
const char *enf_sig_status_name(enf_sig_status status);

/* Where the time a signer's chain was checked at came from. */
typedef enum enf_sig_time {
	ENF_SIG_TIME_NOW = 0,  /* the current time */
	ENF_SIG_TIME_SIGNED,   /* the signingTime attribute, as the signer states it */
	ENF_SIG_TIME_TIMESTAMP /* an RFC 3161 time-stamp token's genTime, from a trusted TSA */
} enf_sig_time;

typedef struct enf_sig_check {
	enf_sig_status status;
	int trust_checked; /* the signer was checked against trusted signers */
	char *signer;      /* the signing certificate's subject (RFC 2253), or NULL */
	char *reason;      /* why the status is not `valid`, or NULL */
	/*
	 * When the signer's chain was checked (reports only, see
	 * ENF_TRUST_AT_SIGNING_TIME): the signing time the signature carries
	 * (Unix seconds, 0 when it carries none), the time the chain was checked
	 * at and where that time came from, whether the certificate has expired
	 * since, and the time-stamping authority that vouched for the time.
	 */
	long long signed_at;
	long long checked_at;
	enf_sig_time time_source;
	int expired_since; /* valid at checked_at, expired now */
	char *tsa;         /* the RFC 3161 token's signer (RFC 2253), or NULL */
} enf_sig_check;

/* Frees what the check owns and zeroes it; accepts NULL. */
void enf_sig_check_clear(enf_sig_check *check);

#endif
