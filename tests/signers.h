/*
 * Helpers for the signer and report-time tests (test_signers.c,
 * test_report_time.c): reports signed at a chosen signing time, signers
 * with chosen validity under the gr_pki CA, and RFC 3161 tokens from a test
 * time-stamping authority run with `openssl ts -reply`.
 */
#ifndef ENFORCER_TEST_SIGNERS_H
#define ENFORCER_TEST_SIGNERS_H

#include <time.h>

/* A report.json with a fixed run, host, mode, time and policy commit. */
extern const char sg_report_json[];

/*
 * Signs DIR/REPORT with DIR/SIGNER.pem and .key into DIR/REPORT.p7s (DER,
 * detached, as enforcer signs), stating the signing time `at` (0: now):
 * what anyone holding the key can make, outside enforcer.
 */
void sg_sign_at(const char *dir, const char *report, const char *signer, time_t at);

/*
 * Issues DIR/NAME.pem and .key, CN=CN, valid from `not_before` to
 * `not_after`: with `issuer` (DIR/ISSUER.pem and .key) a signer with a
 * report signer's usages (digitalSignature, code signing); without, a
 * self-signed CA.
 */
void sg_issue(const char *dir, const char *name, const char *cn, const char *issuer,
              time_t not_before, time_t not_after);

/*
 * The time-stamping authority TSA (gr_pki_more: "tsa" or "rogue-tsa")
 * answers a query over DIR/DATA with DIR/OUT, a TimeStampResp, through
 * `openssl ts -query` and `openssl ts -reply` with a configuration file
 * written here.
 */
void sg_timestamp(const char *dir, const char *tsa, const char *data, const char *out);

/* The genTime of the response DIR/TOKEN, "2026-12-06T11:50:00Z". free() it. */
char *sg_gen_time(const char *dir, const char *token);

/* Adds the token of DIR/TOKEN to DIR/P7S unchecked, as a forger could. */
void sg_attach_raw(const char *dir, const char *p7s, const char *token);

#endif
