/* Shared helpers for the Criterion tests. */
#include "helpers.h"

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#ifdef TEST_ASAN
#include <sanitizer/lsan_interface.h>
#endif

#include "util/util.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *th_resources(void)
{
	const char *dir = getenv("ENFORCER_TEST_RESOURCES");
	cr_assert(dir != NULL, "ENFORCER_TEST_RESOURCES is not set; run the tests with meson test");
	return dir;
}

char *th_resource_path(const char *relative)
{
	char *p = enf_asprintf("%s/%s", th_resources(), relative);
	cr_assert(p != NULL);
	return p;
}

static char *format_diags(const enf_diag_list *diags)
{
	enf_buf b = ENF_BUF_INIT;
	for (size_t i = 0; i < diags->count; i++) {
		const enf_diag *d = &diags->items[i];
		enf_buf_printf(&b, "%s%u:%u: %s%s", i ? "\n" : "", d->line, d->col,
		               d->severity == ENF_SEV_WARNING ? "warning: " : "", d->message);
	}
	return enf_buf_detach(&b);
}

char *th_load_buffer(const char *data, size_t len, int *rc, enf_policy **out)
{
	enf_diag_list diags;
	enf_policy *policy = NULL;
	cr_assert(enf_diag_list_init(&diags, "test.yaml") == 0);
	*rc = enf_policy_load_buffer(&policy, &diags, "test.yaml", data, len);
	char *text = format_diags(&diags);
	enf_diag_list_clear(&diags);
	if (out)
		*out = policy;
	else
		enf_policy_free(policy);
	return text;
}

char *th_read(const char *path, size_t *len)
{
	char *data = NULL;
	size_t n = 0;
	cr_assert(enf_read_file(&data, &n, path, 64 * 1024 * 1024) == 0, "cannot read %s", path);
	if (len)
		*len = n;
	return data;
}

char *th_load_resource(const char *relative, int *rc, enf_policy **out)
{
	char *path = th_resource_path(relative);
	size_t len = 0;
	char *data = th_read(path, &len);
	char *text = th_load_buffer(data, len, rc, out);
	free(data);
	free(path);
	return text;
}

/*
 * The folders th_tmpdir() made, for th_cleanup(); each with the process that
 * made it, so that a forked child never removes its parent's folders.
 */
static struct {
	char *path;
	pid_t pid;
} * tmp_made;
static size_t tmp_count;

char *th_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *tmpl = enf_asprintf("%s/enforcer-test-XXXXXX", base && *base ? base : "/tmp");
	cr_assert(tmpl && mkdtemp(tmpl), "cannot create a temporary folder");
	void *grown = realloc(tmp_made, (tmp_count + 1) * sizeof(*tmp_made));
	cr_assert(grown);
	tmp_made = grown;
	tmp_made[tmp_count].path = enf_strdup(tmpl);
	tmp_made[tmp_count].pid = getpid();
	cr_assert(tmp_made[tmp_count++].path);
	return tmpl;
}

void th_remove_tree(const char *dir)
{
	if (!dir || access(dir, F_OK) != 0)
		return;
	char *cmd = enf_asprintf("rm -rf '%s'", dir);
	cr_assert(cmd && system(cmd) == 0, "cannot remove %s", dir);
	free(cmd);
}

void th_cleanup(void)
{
	for (size_t i = 0; i < tmp_count; i++) {
		if (tmp_made[i].pid == getpid())
			th_remove_tree(tmp_made[i].path);
		free(tmp_made[i].path);
	}
	free(tmp_made);
	tmp_made = NULL;
	tmp_count = 0;
}

char *th_write(const char *dir, const char *name, const char *text)
{
	char *path = enf_asprintf("%s/%s", dir, name);
	cr_assert(path);
	cr_assert_eq(enf_write_file_atomic(path, text, strlen(text)), 0, "cannot write %s", path);
	return path;
}

json_t *th_json_file(const char *path)
{
	json_error_t err;
	json_t *j = json_load_file(path, 0, &err);
	cr_assert(j != NULL, "%s: %s", path, err.text);
	return j;
}

th_cli_result th_run_cli(const char *dir, const char *const *argv, const char *env)
{
	const char *exe = getenv("ENFORCER_EXE");
	cr_assert(exe, "ENFORCER_EXE is not set; run the tests with meson test");
	/* Hidden, and removed after: `dir` may be a git working tree whose dirty state a test
	 * checks. */
	char *out_path = enf_asprintf("%s/.stdout", dir),
	     *err_path = enf_asprintf("%s/.stderr", dir);
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(o, 1);
		dup2(e, 2);
		if (env)
			putenv((char *)env);
		if (chdir(dir) != 0)
			_exit(127);
		const char *args[40] = {exe};
		for (int i = 0; argv[i] && i < 38; i++)
			args[i + 1] = argv[i];
		execv(exe, (char *const *)args);
		_exit(127);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	th_cli_result r = {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
	                   th_read(out_path, NULL), th_read(err_path, NULL)};
	unlink(out_path);
	unlink(err_path);
	free(out_path);
	free(err_path);
	return r;
}

void th_cli_free(th_cli_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

void th_expect_no_leaks(void)
{
#ifdef TEST_ASAN
	cr_expect_eq(__lsan_do_recoverable_leak_check(), 0,
	             "memory leaked: see the LeakSanitizer report above");
#endif
}

char *th_dir;

void th_dir_init(void)
{
	th_dir = th_tmpdir();
}

void th_dir_fini(void)
{
	free(th_dir);
	th_dir = NULL;
	th_cleanup();
}
