/* Shared helpers for the Criterion tests. */
#include "helpers.h"

#include "util/util.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

char *th_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *tmpl = enf_asprintf("%s/enforcer-test-XXXXXX", base && *base ? base : "/tmp");
	cr_assert(tmpl && mkdtemp(tmpl), "cannot create a temporary folder");
	return tmpl;
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
