/* POSIX implementations of the OS helpers in util.h. */
#include "util.h"

#include "enforcer/common.h"
#include "enforcer/errors.h"

#include <errno.h>
#include <fcntl.h>
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
	int fd = open(path, O_RDONLY | O_CLOEXEC);
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
		enf_error_set(ENF_ERRCLASS_INVALID,
			      "'%s' is %jd bytes; the limit is %zu bytes", path,
			      (intmax_t)st.st_size, max);
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
					      "'%s' is larger than the limit of %zu bytes",
					      path, max);
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
		enf_error_set(ENF_ERRCLASS_INVALID,
			      "'%s' is larger than the limit of %zu bytes", path, max);
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
