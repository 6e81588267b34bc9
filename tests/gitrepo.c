/* Git repositories and a signing PKI for tests (see gitrepo.h). */
#include "gitrepo.h"
#include "helpers.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Nothing from the machine's or the user's git configuration, and a fixed clock. */
static const char git_env[] =
    "export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME=/nonexistent "
    "GIT_AUTHOR_NAME='Alice Admin' GIT_AUTHOR_EMAIL=alice@contoso.com "
    "GIT_COMMITTER_NAME='Alice Admin' GIT_COMMITTER_EMAIL=alice@contoso.com "
    "GIT_AUTHOR_DATE='2026-03-01T14:05:09+01:00' "
    "GIT_COMMITTER_DATE='2026-03-01T14:05:09+01:00'; ";

static char *command(const char *dir, const char *fmt, va_list ap)
{
	char *cmd = enf_vasprintf(fmt, ap);
	char *full = cmd ? enf_asprintf("cd '%s' && %s%s", dir, git_env, cmd) : NULL;
	cr_assert(full != NULL);
	free(cmd);
	return full;
}

char *gr_sh(const char *dir, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *cmd = command(dir, fmt, ap);
	va_end(ap);
	FILE *p = popen(cmd, "r");
	cr_assert(p != NULL, "cannot run %s", cmd);
	enf_buf out = ENF_BUF_INIT;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		enf_buf_put(&out, buf, n);
	int status = pclose(p);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "failed (%d): %s", status, cmd);
	free(cmd);
	char *text = enf_buf_detach(&out);
	if (!text)
		text = enf_strdup("");
	size_t len = strlen(text);
	if (len && text[len - 1] == '\n')
		text[len - 1] = '\0';
	return text;
}

int gr_sh_status(const char *dir, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *cmd = command(dir, fmt, ap);
	va_end(ap);
	char *quiet = enf_asprintf("(%s) >/dev/null 2>&1", cmd);
	int status = system(quiet);
	free(cmd);
	free(quiet);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* A signer's usages: digitalSignature, and code signing as smimesign's certificates carry. */
#define SIGNER_EXTS                                                                                \
	"-addext keyUsage=critical,digitalSignature -addext extendedKeyUsage=codeSigning"

void gr_make_signer(const char *dir, const char *name, const char *subject, const char *ca,
                    const char *exts)
{
	free(
	    gr_sh(dir,
	          "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout %s.key "
	          "-out %s.csr -subj '%s' %s 2>/dev/null && "
	          "openssl x509 -req -in %s.csr -CA %s.pem -CAkey %s.key -set_serial 0x%x -days 30 "
	          "-copy_extensions copyall -out %s.pem 2>/dev/null && rm %s.csr",
	          name, name, subject, exts, name, ca, ca, (unsigned)strlen(name), name, name));
	/* git runs it as: PROGRAM --status-fd=2 -bsau KEY, the commit on stdin. */
	char *script = enf_asprintf(
	    "#!/bin/sh\n"
	    "openssl cms -sign -binary -nosmimecap -signer '%s/%s.pem' -inkey '%s/%s.key' -outform "
	    "PEM |\n"
	    "  sed -e 's/BEGIN CMS/BEGIN SIGNED MESSAGE/' -e 's/END CMS/END SIGNED MESSAGE/'\n"
	    "printf '\\n[GNUPG:] SIG_CREATED D 1 8 00 0 0\\n' >&2\n",
	    dir, name, dir, name);
	char *file = enf_asprintf("sign-%s.sh", name);
	gr_write(dir, file, script);
	free(gr_sh(dir, "chmod +x '%s'", file));
	free(script);
	free(file);
}

void gr_pki(const char *dir)
{
	static const char ca[] = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
	                         "-nodes -keyout %s.key -out %s.pem -subj '%s' "
	                         "-days 30 -addext basicConstraints=critical,CA:TRUE "
	                         "-addext keyUsage=critical,keyCertSign 2>/dev/null";
	free(gr_sh(dir, ca, "ca", "ca", "/CN=Test Policy CA"));
	free(gr_sh(dir, ca, "other-ca", "other-ca", "/CN=Other CA"));
	gr_make_signer(dir, "signer", "/O=Contoso/CN=Policy Signer", "ca", SIGNER_EXTS);
	gr_make_signer(dir, "rogue", "/O=Elsewhere/CN=Rogue Signer", "other-ca", SIGNER_EXTS);
}

void gr_pki_more(const char *dir)
{
	gr_make_signer(dir, "web", "/O=Contoso/CN=web01.contoso.com", "ca",
	               "-addext keyUsage=critical,keyAgreement,keyEncipherment "
	               "-addext extendedKeyUsage=serverAuth");
	gr_make_signer(dir, "casigner", "/O=Contoso/CN=Contoso Signing CA", "ca",
	               "-addext basicConstraints=critical,CA:TRUE "
	               "-addext keyUsage=critical,digitalSignature,keyCertSign "
	               "-addext extendedKeyUsage=codeSigning");
	gr_make_signer(dir, "noku", "/O=Contoso/CN=No Key Usage", "ca",
	               "-addext extendedKeyUsage=codeSigning");
	gr_make_signer(dir, "noeku", "/O=Contoso/CN=No Extended Key Usage", "ca",
	               "-addext keyUsage=critical,digitalSignature");
	gr_make_signer(dir, "private", "/O=Contoso/CN=Private Purpose Signer", "ca",
	               "-addext keyUsage=critical,digitalSignature "
	               "-addext extendedKeyUsage=1.3.6.1.4.1.311.99.1");
	/* Time-stamping authorities: OpenSSL requires a critical timeStamping usage. */
	static const char tsa[] = "-addext keyUsage=critical,digitalSignature "
	                          "-addext extendedKeyUsage=critical,timeStamping";
	gr_make_signer(dir, "tsa", "/O=Contoso/CN=Contoso TSA", "ca", tsa);
	gr_make_signer(dir, "rogue-tsa", "/O=Elsewhere/CN=Rogue TSA", "other-ca", tsa);
}

char *gr_init(const char *dir, const char *name)
{
	free(gr_sh(dir, "git init -q -b main '%s'", name));
	char *path = enf_asprintf("%s/%s", dir, name);
	cr_assert(path != NULL);
	return path;
}

void gr_write(const char *repo, const char *path, const char *text)
{
	char *full = enf_asprintf("%s/%s", repo, path);
	cr_assert(full != NULL);
	char *slash = strrchr(full, '/');
	*slash = '\0';
	cr_assert_eq(enf_mkdir_p(full), 0);
	*slash = '/';
	cr_assert_eq(enf_write_file_atomic(full, text, strlen(text)), 0, "cannot write %s", full);
	free(full);
}

char *gr_commit(const char *repo, const char *pki, const char *signer, const char *message)
{
	if (signer)
		free(gr_sh(
		    repo,
		    "git add -A && git -c gpg.format=x509 -c gpg.x509.program='%s/sign-%s.sh' "
		    "-c user.signingkey=%s commit -q -S -m '%s'",
		    pki, signer, signer, message));
	else
		free(gr_sh(repo, "git add -A && git commit -q -m '%s'", message));
	return gr_sh(repo, "git rev-parse HEAD");
}

gr_run gr_cli(const char *dir, const char *const *argv)
{
	return th_run_cli(dir, argv, NULL);
}

void gr_run_free(gr_run *r)
{
	th_cli_free(r);
}
