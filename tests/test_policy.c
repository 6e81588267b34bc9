/*
 * The policy loader: the invalid corpus (each file states the exact errors
 * it must produce in "# expect: LINE:COL: message" lines), the valid corpus,
 * and checks of the model the loader builds.
 */
#include "helpers.h"

#include "util/util.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

/* The "# expect: " lines of a corpus file, joined by '\n'. */
static char *expected_of(const char *data)
{
	enf_buf b = ENF_BUF_INIT;
	const char *tag = "# expect: ";
	for (const char *p = data; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len >= strlen(tag) && strncmp(p, tag, strlen(tag)) == 0) {
			if (b.len)
				enf_buf_puts(&b, "\n");
			enf_buf_put(&b, p + strlen(tag), len - strlen(tag));
		}
		p = eol ? eol + 1 : NULL;
	}
	return enf_buf_detach(&b);
}

static int is_yaml(const char *name)
{
	size_t n = strlen(name);
	return n > 5 && strcmp(name + n - 5, ".yaml") == 0;
}

Test(policy, invalid_corpus_gives_exact_errors)
{
	char *dir = th_resource_path("invalid");
	DIR *d = opendir(dir);
	cr_assert(d != NULL, "cannot open %s", dir);
	struct dirent *e;
	int files = 0;
	while ((e = readdir(d))) {
		if (!is_yaml(e->d_name))
			continue;
		char *rel = enf_asprintf("invalid/%s", e->d_name);
		char *path = th_resource_path(rel);
		char *data = th_read(path, NULL);
		char *want = expected_of(data);
		int rc = 0;
		char *got = th_load_resource(rel, &rc, NULL);
		cr_expect(want && *want, "%s has no '# expect:' line", e->d_name);
		cr_expect_eq(rc, ENF_EINVALID, "%s: loader returned %d", e->d_name, rc);
		cr_expect_str_eq(got, want, "%s:\n got:\n%s\n want:\n%s", e->d_name, got, want);
		free(got);
		free(want);
		free(data);
		free(path);
		free(rel);
		files++;
	}
	closedir(d);
	free(dir);
	cr_expect_geq(files, 40, "the invalid corpus has %d files; keep at least 40", files);
}

Test(policy, valid_corpus_loads_without_errors)
{
	char *dir = th_resource_path("valid");
	DIR *d = opendir(dir);
	cr_assert(d != NULL, "cannot open %s", dir);
	struct dirent *e;
	int files = 0;
	while ((e = readdir(d))) {
		if (!is_yaml(e->d_name))
			continue;
		char *rel = enf_asprintf("valid/%s", e->d_name);
		int rc = 0;
		enf_policy *p = NULL;
		char *got = th_load_resource(rel, &rc, &p);
		cr_expect_eq(rc, 0, "%s did not load:\n%s", e->d_name, got);
		cr_expect(p != NULL && p->count > 0, "%s has no resources", e->d_name);
		enf_policy_free(p);
		free(got);
		free(rel);
		files++;
	}
	closedir(d);
	free(dir);
	cr_expect_geq(files, 10, "the valid corpus has %d files; keep at least 10", files);
}
