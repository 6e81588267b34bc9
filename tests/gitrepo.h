/*
 * Git repositories and a signing PKI for tests, made in temporary folders
 * with the git and openssl command-line tools, as an administrator would.
 */
#ifndef ENFORCER_TEST_GITREPO_H
#define ENFORCER_TEST_GITREPO_H

#include "helpers.h"
#include "util/util.h"

/*
 * Runs `sh -c CMD` in `dir` with a fixed git identity and clock (author
 * "Alice Admin <alice@contoso.com>", 2026-03-01T14:05:09+01:00), no user or
 * system git configuration. Asserts exit status 0 and returns standard
 * output without its last newline; free() it.
 */
char *gr_sh(const char *dir, const char *fmt, ...) ENF_PRINTF(2, 3);

/* The same, returning the exit status; standard output is discarded. */
int gr_sh_status(const char *dir, const char *fmt, ...) ENF_PRINTF(2, 3);

/*
 * A PKI of EC P-256 keys (fast to make) in `dir`: ca.pem/ca.key ("Test Policy CA"),
 * signer.pem/signer.key
 * ("CN=Policy Signer,O=Contoso", issued by the CA), other-ca.pem and
 * rogue.pem/rogue.key ("CN=Rogue Signer,O=Elsewhere", by another CA), both
 * with key usage digitalSignature and extended key usage code signing, and
 * for each signer NAME a program sign-NAME.sh that git runs as
 * gpg.x509.program: a detached CMS signature in PEM ("SIGNED MESSAGE", as
 * smimesign writes it) made with openssl cms.
 */
void gr_pki(const char *dir);

/*
 * A signer NAME.pem/NAME.key with subject `subject` (openssl's /O=../CN=..
 * form), issued by CA.pem, with the extensions `exts` ("-addext ..."
 * options of openssl req), and its sign-NAME.sh.
 */
void gr_make_signer(const char *dir, const char *name, const char *subject, const char *ca,
                    const char *exts);

/*
 * Certificates that may not sign, beside gr_pki's: web.pem ("CN=web01...",
 * keyAgreement and keyEncipherment, serverAuth: a web server's), casigner.pem
 * (a CA with digitalSignature and codeSigning), noku.pem (code signing, no
 * key usage), noeku.pem (digitalSignature, no extended key usage),
 * private.pem (digitalSignature, a private EKU 1.3.6.1.4.1.311.99.1); and
 * two time-stamping authorities, tsa.pem (by the CA) and rogue-tsa.pem (by
 * the other CA). Each with its key and sign-NAME.sh.
 */
void gr_pki_more(const char *dir);

/* A new repository DIR/NAME; returns its path (free() it). */
char *gr_init(const char *dir, const char *name);

/* Writes REPO/PATH (folders created). */
void gr_write(const char *repo, const char *path, const char *text);

/*
 * Commits everything in the working tree; `signer` NULL for an unsigned
 * commit, else a signer of gr_pki(`pki`) ("signer", "rogue"). Returns the
 * commit id (free() it).
 */
char *gr_commit(const char *repo, const char *pki, const char *signer, const char *message);

/* What the enforcer binary did: exit code, standard output and error (helpers.h). */
typedef th_cli_result gr_run;

/* Runs the enforcer binary (ENFORCER_EXE) in `dir` with a NULL-terminated argv. */
gr_run gr_cli(const char *dir, const char *const *argv);
void gr_run_free(gr_run *r);

#define GR_ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

#endif
