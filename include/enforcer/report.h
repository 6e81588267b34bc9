/*
 * Reports that can be trusted after the run: a detached CMS signature over
 * report.json (report.json.p7s), and an audit log that commits every run's
 * report files to a git branch per host.
 *
 * The signature is DER, the usual form of a .p7s file, and OpenSSL checks it
 * too (docs/CLI.md gives the exact command):
 *
 *   openssl cms -verify -binary -inform DER -in report.json.p7s \
 *       -content report.json -CAfile trusted.pem -purpose any -out /dev/null
 */
#ifndef ENFORCER_REPORT_H
#define ENFORCER_REPORT_H

#include "common.h"
#include "engine.h"
#include "render.h"
#include "signature.h"

/* The signing key and certificate, loaded once before a run. */
typedef struct enf_report_signer enf_report_signer;

/*
 * Loads a private key (PEM or DER, unencrypted) and its certificate (PEM,
 * optionally followed by the chain to include in signatures; or DER).
 * Refuses a key protected by a passphrase: enforcer runs unattended, and a
 * scheduled task cannot type one. Checks that the key is the certificate's.
 */
int enf_report_signer_load(enf_report_signer **out, const char *key_path, const char *cert_path);

/*
 * As enf_report_signer_load, and refuses a certificate that may not sign
 * (ENF_EINVALID, naming its subject and what is wrong): it must have key
 * usage digitalSignature, must not be a CA, and must carry one of the
 * extended key usages `ekus` (dotted OIDs; `count` 0: code signing or
 * e-mail protection). enf_report_signer_load uses the default set.
 */
int enf_report_signer_load_ekus(enf_report_signer **out, const char *key_path,
                                const char *cert_path, const char *const *ekus, size_t count);

/* The signer certificate's subject (RFC 2253). */
const char *enf_report_signer_subject(const enf_report_signer *signer);

void enf_report_signer_free(enf_report_signer *signer);

/* Signs `data` (the exact bytes of report.json): a detached CMS signature, DER; free() it. */
int enf_report_sign(unsigned char **out, size_t *out_len, const enf_report_signer *signer,
                    const void *data, size_t len);

/*
 * Checks the signature file `sig_path` over the file `report_path`. With
 * `trusted_signers` (a PEM bundle of CA or signer certificates) the signer
 * must chain to one of them; without, only integrity is checked and an
 * intact signature is ENF_SIG_UNTRUSTED with trust_checked 0. Returns 0
 * with *out filled whatever the verdict; negative when a file cannot be
 * read.
 */
int enf_report_verify(enf_sig_check *out, const char *report_path, const char *sig_path,
                      const char *trusted_signers);

typedef struct enf_report_verify_options {
	unsigned version;
	const char *trusted_signers;    /* PEM bundle; NULL: integrity only */
	const char *tsa_certs;          /* time-stamping authorities (PEM); NULL: trusted_signers */
	const char *const *signer_ekus; /* allowed extended key usages; NULL: the default */
	size_t signer_eku_count;
} enf_report_verify_options;

#define ENF_REPORT_VERIFY_OPTIONS_VERSION 1
#define ENF_REPORT_VERIFY_OPTIONS_INIT                                                             \
	{                                                                                          \
		ENF_REPORT_VERIFY_OPTIONS_VERSION, NULL, NULL, NULL, 0                             \
	}

/*
 * enf_report_verify with options. With trusted signers the signer must meet
 * the signer rules (enf_report_signer_load_ekus) and chain to them at the
 * signing time: an attached RFC 3161 token's genTime when there is one (the
 * token must cover the signature value and come from a TSA that chains to
 * `tsa_certs`), else the signingTime attribute; *out says which
 * (time_source, checked_at, expired_since, tsa).
 */
int enf_report_verify_ext(enf_sig_check *out, const char *report_path, const char *sig_path,
                          const enf_report_verify_options *opts);

/*
 * The signature value of the signature file `sig_path` (malloc'd bytes):
 * the data an RFC 3161 time stamp of the report must cover, to give to
 * `openssl ts -query -data`.
 */
int enf_report_signature_value(unsigned char **out, size_t *out_len, const char *sig_path);

/*
 * Attaches the time-stamp token (or response) in `token_path` to the
 * signature file `sig_path`, as the unsigned attribute
 * id-aa-timeStampToken, rewriting the file atomically; report.json and the
 * signature value are unchanged. Refuses a token over other data and a
 * signature that already carries one, changing nothing.
 */
int enf_report_timestamp(const char *sig_path, const char *token_path);

/* One file of a run's report, as written. */
typedef struct enf_report_file {
	const char *name; /* "report.json": a plain file name */
	const void *data;
	size_t len;
} enf_report_file;

/* The signature's file name, beside report.json. */
#define ENF_REPORT_SIGNATURE_NAME "report.json.p7s"

/*
 * A run's report files, rendered once in memory (opaque). The report
 * folder, the signature and the audit commit all take these same bytes, so
 * what was signed is what was written and committed.
 */
typedef struct enf_report_files enf_report_files;

/* Renders report.json, report.txt, report.xml and report.html, in that order. */
int enf_report_files_render(enf_report_files **out, const enf_report *report);

/*
 * Adds report.json.p7s: the signature over the set's report.json. A set
 * holds one signature: signing it again is ENF_EEXISTS.
 */
int enf_report_files_sign(enf_report_files *files, const enf_report_signer *signer);

/* The files, in order, as one array (borrowed: valid until the set is freed). */
const enf_report_file *enf_report_files_items(const enf_report_files *files);
size_t enf_report_files_count(const enf_report_files *files);

/* The file called `name` ("report.json"), or NULL (borrowed). */
const enf_report_file *enf_report_files_find(const enf_report_files *files, const char *name);

/*
 * Writes every file of the set into `dir` (created if needed), each
 * atomically; other files there are left alone. On failure the last error
 * names the file.
 */
int enf_report_files_write(const enf_report_files *files, const char *dir);

void enf_report_files_free(enf_report_files *files);

/* An audit repository: runs are committed to branch audit/<host>. */
typedef struct enf_audit enf_audit;

/*
 * Opens the git repository `dir` (exactly there: parents are not searched),
 * or creates a bare one when `dir` does not exist or is an empty folder.
 */
int enf_audit_open(enf_audit **out, const char *dir);

/* "audit/edge01": the branch for a host name (lower-case, made a valid ref name). */
int enf_audit_branch(char **out, const char *host);

/*
 * Commits `files` as `<run-id>/<name>` on refs/heads/audit/<host>, on top of
 * what the branch holds, without touching HEAD, the index or a working
 * tree. The message names the run, mode, policy and its commit, and the
 * counts. *out (optional) receives the new commit's id in hex.
 */
int enf_audit_commit(char **out, enf_audit *audit, const enf_run *run, const enf_report_file *files,
                     size_t count);

void enf_audit_free(enf_audit *audit);

#endif
