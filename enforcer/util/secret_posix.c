/*
 * Secrets on POSIX: the environment through getenv, password files that
 * only their owner may open, and no DPAPI (a Windows API).
 */
#include "util/secret.h"

#include "enforcer/errors.h"
#include "enforcer/guard.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

int enf_secret_env(char **out, const char *name)
{
	const char *v = getenv(name);
	if (!v)
		return ENF_ENOTFOUND;
	*out = enf_strdup(v);
	return *out ? 0 : enf_error_oom();
}

/*
 * Who besides the owner may read or write, from the mode: "its group can
 * read it, every other user can read and write it". Empty when nobody.
 */
static void others_text(enf_buf *b, mode_t mode)
{
	static const struct {
		mode_t r, w;
		const char *who;
	} classes[] = {{S_IRGRP, S_IWGRP, "its group"}, {S_IROTH, S_IWOTH, "every other user"}};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(classes); i++) {
		int r = (mode & classes[i].r) != 0, w = (mode & classes[i].w) != 0;
		if (!r && !w)
			continue;
		enf_buf_printf(b, "%s%s can %s it", b->len ? ", " : "", classes[i].who,
		               r && w ? "read and write"
		               : r    ? "read"
		                      : "write");
	}
}

/* The check on the open file: the rule is in secret.h. */
static int check_access(int fd, const char *path)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		enf_error_set_os(errno, "cannot read '%s'", path);
		return ENF_ERROR;
	}
	if (!S_ISREG(st.st_mode)) {
		enf_error_set(ENF_ERRCLASS_INVALID, "'%s' is not a regular file", path);
		return ENF_EINVALID;
	}
	if (st.st_uid != geteuid()) {
		enf_error_set(
		    ENF_ERRCLASS_INVALID,
		    "'%s' belongs to uid %lu, not to the user running enforcer (uid %lu), so that user can read and change it: give it to uid %lu (chown) and chmod 600 it",
		    path, (unsigned long)st.st_uid, (unsigned long)geteuid(),
		    (unsigned long)geteuid());
		return ENF_EACCESS;
	}
	if (st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) {
		enf_buf who = ENF_BUF_INIT;
		others_text(&who, st.st_mode);
		enf_error_set(ENF_ERRCLASS_INVALID,
		              "'%s' is open to others than its owner (mode %04o: %s): chmod 600 it",
		              path, (unsigned)(st.st_mode & 07777), who.ptr ? who.ptr : "?");
		enf_buf_clear(&who);
		return ENF_EACCESS;
	}
	return 0;
}

int enf_secret_file_read(unsigned char **out, size_t *len, const char *path)
{
	/*
	 * O_NONBLOCK: a FIFO must not hang the run; check_access refuses it.
	 * O_NOFOLLOW: a password file that is a link is not even opened (what
	 * it points to might be another user's secret, or a device), and the
	 * refusal names the link rather than its target's mode or owner.
	 */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0 && errno == ELOOP) {
		int rc = enf_guard_check(path, ENF_GUARD_FILE);
		if (rc == 0) { /* replaced by a file since: refuse all the same */
			enf_error_set(ENF_ERRCLASS_INVALID, "'%s' was a symbolic link when opened",
			              path);
			rc = ENF_EACCESS;
		}
		return rc;
	}
	if (fd < 0) {
		enf_error_set_os(errno, "cannot open '%s'", path);
		return errno == ENOENT ? ENF_ENOTFOUND : ENF_ERROR;
	}
	unsigned char *data = NULL;
	size_t n = 0;
	int rc = check_access(fd, path);
	/* Not through a link, nor in a folder another user could swap (include/enforcer/guard.h).
	 */
	if (rc == 0)
		rc = enf_guard_check(path, ENF_GUARD_FILE | ENF_GUARD_PARENTS);
	if (rc)
		goto done;
	if (!(data = malloc(ENF_SECRET_FILE_MAX + 1))) {
		rc = enf_error_oom();
		goto done;
	}
	for (;;) {
		ssize_t got = read(fd, data + n, ENF_SECRET_FILE_MAX + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			enf_error_set_os(errno, "cannot read '%s'", path);
			rc = ENF_ERROR;
			goto done;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > ENF_SECRET_FILE_MAX) {
			enf_error_set(ENF_ERRCLASS_INVALID, "'%s' is larger than %u bytes", path,
			              ENF_SECRET_FILE_MAX);
			rc = ENF_ELIMIT;
			goto done;
		}
	}
	*out = data;
	*len = n;
	data = NULL;
done:
	if (data) {
		enf_secret_wipe(data, n);
		free(data);
	}
	close(fd);
	return rc;
}

int enf_secret_file_write(const char *path, const void *data, size_t len)
{
	/* Not over a link, nor in a folder others could swap: what the read will require. */
	int rc =
	    enf_guard_check(path, ENF_GUARD_FILE | ENF_GUARD_PARENTS | ENF_GUARD_MAY_BE_MISSING);
	/* enf_write_file_atomic creates its temporary file 0600: the rule holds from the start. */
	return rc ? rc : enf_write_file_atomic(path, data, len);
}

int enf_secret_dpapi_available(void)
{
	return 0;
}

static int no_dpapi(void)
{
	enf_error_set(
	    ENF_ERRCLASS_INVALID,
	    "dpapi: files are encrypted with Windows' DPAPI for one machine; only enforcer.exe on that machine can read them");
	return ENF_EUNSUPPORTED;
}

int enf_secret_dpapi_protect(unsigned char **out, size_t *len, const char *secret)
{
	(void)out, (void)len, (void)secret;
	return no_dpapi();
}

int enf_secret_dpapi_unprotect(char **out, const unsigned char *blob, size_t len)
{
	(void)out, (void)blob, (void)len;
	return no_dpapi();
}

int enf_secret_read_stdin(char **out, const char *prompt, int *typed)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	*typed = tty;
	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		if (prompt)
			(void)!write(STDERR_FILENO, prompt, strlen(prompt));
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	unsigned char buf[4096];
	size_t n = 0;
	int rc = 0;
	while (n < sizeof(buf)) {
		ssize_t got = read(STDIN_FILENO, buf + n, sizeof(buf) - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
		/* From a terminal, one line is the answer. */
		if (tty && memchr(buf + n - (size_t)got, '\n', (size_t)got))
			break;
	}
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		(void)!write(STDERR_FILENO, "\n", 1);
	}
	if (n == sizeof(buf)) {
		enf_error_set(ENF_ERRCLASS_INVALID, "the password is longer than %zu bytes",
		              sizeof(buf) - 1);
		rc = ENF_ELIMIT;
	} else {
		/* A line from a terminal: what follows its newline is not part of it. */
		unsigned char *nl = tty ? memchr(buf, '\n', n) : NULL;
		rc = enf_secret_decode(out, buf, nl ? (size_t)(nl - buf) + 1 : n);
	}
	enf_secret_wipe(buf, sizeof(buf));
	return rc;
}
