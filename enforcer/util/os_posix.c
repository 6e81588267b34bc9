/* POSIX implementations of the OS helpers in util.h. */
#include "util.h"

#include "enforcer/common.h"
#include "enforcer/errors.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *enf_os_error_text(int code)
{
	char buf[256];
	const char *text = "unknown error";
	/* The XSI strerror_r fills buf; _POSIX_C_SOURCE selects it. */
	if (strerror_r(code, buf, sizeof(buf)) == 0)
		text = buf;
	return enf_strdup(text);
}

int enf_read_file(char **out, size_t *out_len, const char *path, size_t max)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer (a hang); it is refused below. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		enf_error_set_os(errno, "cannot open '%s'", path);
		return errno == ENOENT ? ENF_ENOTFOUND : ENF_ERROR;
	}
	int rc = ENF_ERROR;
	char *data = NULL;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		enf_error_set_os(errno, "cannot read '%s'", path);
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		enf_error_set(ENF_ERRCLASS_INVALID, "'%s' is not a regular file", path);
		rc = ENF_EINVALID;
		goto done;
	}
	if ((uintmax_t)st.st_size > max) {
		enf_error_set(ENF_ERRCLASS_INVALID, "'%s' is %jd bytes; the limit is %zu bytes",
		              path, (intmax_t)st.st_size, max);
		rc = ENF_ELIMIT;
		goto done;
	}
	/* Read up to max + 1 bytes: the file may grow while we read it. */
	size_t alloc = (size_t)st.st_size + 1, len = 0;
	data = malloc(alloc + 1);
	if (!data) {
		rc = enf_error_oom();
		goto done;
	}
	for (;;) {
		if (len == alloc) {
			if (len > max) {
				enf_error_set(ENF_ERRCLASS_INVALID,
				              "'%s' is larger than the limit of %zu bytes", path,
				              max);
				rc = ENF_ELIMIT;
				goto done;
			}
			char *p = realloc(data, alloc * 2 + 1);
			if (!p) {
				rc = enf_error_oom();
				goto done;
			}
			data = p;
			alloc *= 2;
		}
		ssize_t n = read(fd, data + len, alloc - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			enf_error_set_os(errno, "cannot read '%s'", path);
			goto done;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		enf_error_set(ENF_ERRCLASS_INVALID, "'%s' is larger than the limit of %zu bytes",
		              path, max);
		rc = ENF_ELIMIT;
		goto done;
	}
	data[len] = '\0';
	*out = data;
	*out_len = len;
	data = NULL;
	rc = 0;
done:
	free(data);
	close(fd);
	return rc;
}

int enf_write_file_atomic(const char *path, const void *data, size_t len)
{
	char *tmp = enf_temp_name(path);
	if (!tmp)
		return ENF_ERROR;
	int rc = ENF_ERROR;
	/* A new file of our own: never one someone made first, never through a link. */
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		enf_error_set_os(errno, "cannot create '%s'", tmp);
		goto done;
	}
	const char *p = data;
	size_t left = len;
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			enf_error_set_os(errno, "cannot write '%s'", tmp);
			close(fd);
			unlink(tmp);
			goto done;
		}
		p += n;
		left -= (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		enf_error_set_os(errno, "cannot flush '%s'", tmp);
		unlink(tmp);
		goto done;
	}
	if (rename(tmp, path) < 0) {
		enf_error_set_os(errno, "cannot replace '%s'", path);
		unlink(tmp);
		goto done;
	}
	rc = 0;
done:
	free(tmp);
	return rc;
}

struct enf_appender {
	int fd;
	char *path;
};

int enf_appender_open(enf_appender **out, const char *path)
{
	enf_appender *a = calloc(1, sizeof(*a));
	if (!a || !(a->path = enf_strdup(path))) {
		free(a);
		return enf_error_oom();
	}
	/* O_EXCL: a journal is never another run's, even if run ids ever collided. */
	a->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_APPEND | O_CLOEXEC, 0600);
	if (a->fd < 0) {
		enf_error_set_os(errno, "cannot open '%s'", path);
		free(a->path);
		free(a);
		return ENF_ERROR;
	}
	/*
	 * The new file's name must be on disk too, or a crash could lose the
	 * whole journal while the changes it describes were kept. Best effort:
	 * some file systems cannot flush a folder.
	 */
	const char *slash = strrchr(path, '/');
	char *folder = slash ? enf_strndup(path, (size_t)(slash - path)) : enf_strdup(".");
	int dfd = folder ? open(*folder ? folder : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	free(folder);
	*out = a;
	return 0;
}

int enf_appender_write(enf_appender *a, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(a->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			enf_error_set_os(errno, "cannot write '%s'", a->path);
			return ENF_ERROR;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fdatasync(a->fd) < 0) {
		enf_error_set_os(errno, "cannot flush '%s'", a->path);
		return ENF_ERROR;
	}
	return 0;
}

void enf_appender_close(enf_appender *a)
{
	if (!a)
		return;
	close(a->fd);
	free(a->path);
	free(a);
}

int enf_mkdir_p(const char *path)
{
	char *copy = enf_strdup(path);
	if (!copy)
		return enf_error_oom();
	int rc = 0;
	for (char *p = copy + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(copy, 0700) < 0 && errno != EEXIST) {
			enf_error_set_os(errno, "cannot create the folder '%s'", copy);
			rc = ENF_ERROR;
			break;
		}
		*p = saved;
		if (!saved)
			break;
	}
	free(copy);
	return rc;
}

int enf_path_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

struct enf_lock {
	int fd;
};

int enf_lock_acquire(enf_lock **out, const char *path, unsigned wait_ms)
{
	/* O_NOFOLLOW: a link planted as the lock would make us create or lock another file. */
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		enf_error_set_os(errno, "cannot open the lock file '%s'", path);
		return ENF_ERROR;
	}
	double deadline = enf_now() + wait_ms / 1000.0;
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			enf_error_set_os(errno, "cannot lock '%s'", path);
			close(fd);
			return ENF_ERROR;
		}
		if (enf_now() >= deadline) {
			enf_error_set(
			    ENF_ERRCLASS_STATE,
			    "another enforcer run holds the lock '%s'; wait for it to finish or use --wait SECONDS",
			    path);
			close(fd);
			return ENF_ELOCKED;
		}
		enf_sleep_ms(100);
	}
	enf_lock *lock = malloc(sizeof(*lock));
	if (!lock) {
		close(fd);
		return enf_error_oom();
	}
	lock->fd = fd;
	*out = lock;
	return 0;
}

void enf_lock_release(enf_lock *lock)
{
	if (!lock)
		return;
	close(lock->fd); /* closing releases the flock */
	free(lock);
}

char *enf_host_name(void)
{
	char buf[256] = "";
	if (gethostname(buf, sizeof(buf) - 1) < 0)
		return enf_strdup("unknown");
	return enf_strdup(buf);
}

char *enf_user_name(void)
{
	struct passwd *pw = getpwuid(geteuid());
	return enf_strdup(pw && pw->pw_name ? pw->pw_name : "unknown");
}

char *enf_default_state_dir(void)
{
	return enf_strdup("/var/lib/enforcer");
}

int enf_random_bytes(void *buf, size_t len)
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		enf_error_set_os(errno, "cannot open /dev/urandom");
		return ENF_ERROR;
	}
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n <= 0) {
			close(fd);
			enf_error_set(ENF_ERRCLASS_OS, "cannot read /dev/urandom");
			return ENF_ERROR;
		}
		got += (size_t)n;
	}
	close(fd);
	return 0;
}

double enf_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	double now = (double)ts.tv_sec + ts.tv_nsec / 1e9;
#ifdef ENF_TEST_HOOKS
	/* Test builds only: runs dated days ago, for the fleet report's tests (stale hosts,
	 * trends). */
	const char *shift = getenv("ENFORCER_TEST_CLOCK_SHIFT");
	if (shift && *shift)
		now += strtod(shift, NULL);
#endif
	return now;
}

uint64_t enf_monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void enf_sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

struct enf_thread {
	pthread_t id;
	void (*fn)(void *arg);
	void *arg;
};

static void *thread_main(void *p)
{
	enf_thread *t = p;
	t->fn(t->arg);
	return NULL;
}

enf_thread *enf_thread_run(void (*fn)(void *arg), void *arg)
{
	enf_thread *t = malloc(sizeof(*t));
	if (t) {
		t->fn = fn;
		t->arg = arg;
		if (pthread_create(&t->id, NULL, thread_main, t) == 0)
			return t;
		free(t);
	}
	fn(arg);
	return NULL;
}

void enf_thread_join(enf_thread *thread)
{
	if (!thread)
		return;
	pthread_join(thread->id, NULL);
	free(thread);
}

void enf_die_now(void)
{
	kill(getpid(), SIGKILL);
	_exit(137);
}

/* Folders and paths for the git source and the report writer (util.h). */

char *enf_path_absolute(const char *path)
{
	char *real = realpath(path, NULL);
	if (!real)
		return NULL;
	/* realpath's buffer comes from malloc, but keep ours from one allocator. */
	char *copy = enf_strdup(real);
	free(real);
	return copy;
}

int enf_temp_dir(char **out)
{
	const char *base = getenv("TMPDIR");
	char *tmpl = enf_asprintf("%s/enforcer-XXXXXX", base && *base ? base : "/tmp");
	if (!tmpl)
		return enf_error_oom();
	/* mkdtemp creates the folder with mode 0700. */
	if (!mkdtemp(tmpl)) {
		enf_error_set_os(errno, "cannot create a temporary folder in '%s'",
		                 base && *base ? base : "/tmp");
		free(tmpl);
		return ENF_ERROR;
	}
	*out = tmpl;
	return 0;
}

int enf_dir_entries(char ***out, size_t *count, const char *path)
{
	DIR *d = opendir(path);
	if (!d) {
		int err = errno;
		enf_error_set_os(err, "cannot read the folder '%s'", path);
		return err == ENOENT ? ENF_ENOTFOUND : ENF_ERROR;
	}
	char **names = NULL;
	size_t n = 0, alloc = 0;
	int rc = 0;
	struct dirent *ent;
	while ((ent = readdir(d)) != NULL) {
		if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
			continue;
		if (enf_grow((void **)&names, &alloc, n + 1, sizeof(char *)) ||
		    !(names[n] = enf_strdup(ent->d_name))) {
			rc = enf_error_oom();
			break;
		}
		n++;
	}
	closedir(d);
	return enf_dir_entries_finish(out, count, names, n, rc);
}

int enf_remove_file(const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT) {
		enf_error_set_os(errno, "cannot delete '%s'", path);
		return ENF_ERROR;
	}
	return 0;
}

int enf_remove_dir(const char *path)
{
	if (rmdir(path) < 0) {
		enf_error_set_os(errno, "cannot delete the folder '%s'", path);
		return ENF_ERROR;
	}
	return 0;
}

void enf_gmtime(struct tm *out, time_t t)
{
	gmtime_r(&t, out);
}

int enf_isatty_stdout(void)
{
	return isatty(STDOUT_FILENO);
}

int enf_isatty_stderr(void)
{
	return isatty(STDERR_FILENO);
}
