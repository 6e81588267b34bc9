/*
 * Hostile input: every input in tests/fuzz/hostile_inputs.h (deep nesting,
 * alias bombs and cycles, oversized files and scalars, NUL bytes, invalid
 * UTF-8, too many resources or keys, very long lines) is rejected with its
 * exact first error and never crashes; and the limits hold at their exact
 * boundaries. No timing is asserted here: bench/bench_loader.c measures.
 */
#include "helpers.h"

#include "fuzz/hostile_inputs.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The first line of `diags` that is an error, not a warning; "" if none. */
static char *first_error(const char *diags)
{
	for (const char *p = diags; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char *line = enf_strndup(p, n);
		if (!strstr(line, ": warning: "))
			return line;
		free(line);
		p = eol ? eol + 1 : NULL;
	}
	return enf_strdup("");
}

static char *load_input(const hostile_input *in, int *rc, enf_policy **out)
{
	enf_buf b = ENF_BUF_INIT;
	in->make(&b);
	cr_assert(!b.failed, "%s: out of memory building the input", in->name);
	char *diags = th_load_buffer(b.ptr, b.len, rc, out);
	enf_buf_clear(&b);
	return diags;
}

ParameterizedTestParameters(hostile, inputs)
{
	static size_t index[ENF_ARRAY_SIZE(hostile_inputs)];
	for (size_t i = 0; i < ENF_ARRAY_SIZE(index); i++)
		index[i] = i;
	return cr_make_param_array(size_t, index, ENF_ARRAY_SIZE(index));
}

ParameterizedTest(size_t *i, hostile, inputs)
{
	const hostile_input *in = &hostile_inputs[*i];
	int rc = 0;
	enf_policy *p = NULL;
	char *diags = load_input(in, &rc, &p);
	char *got = first_error(diags);
	if (in->first_error) {
		cr_expect_eq(rc, ENF_EINVALID, "%s: loader returned %d", in->name, rc);
		cr_expect_null(p, "%s: a model came back with the error", in->name);
		cr_expect_str_eq(got, in->first_error, "%s:\n got: %s\nwant: %s", in->name, got,
		                 in->first_error);
	} else {
		cr_expect_eq(rc, 0, "%s did not load: %s", in->name, got);
		cr_expect_str_empty(got, "%s: %s", in->name, got);
		cr_expect_not_null(p);
	}
	enf_policy_free(p);
	free(got);
	free(diags);
	th_expect_no_leaks();
}

/* A valid policy padded with a comment to exactly `size` bytes. */
static char *padded_policy(size_t size)
{
	static const char head[] = "enforcer: 1\nname: padded\nresources:\n"
	                           "  - {type: service, id: s, name: S, state: running}\n# ";
	char *data = malloc(size);
	cr_assert_not_null(data);
	memcpy(data, head, sizeof(head) - 1);
	memset(data + sizeof(head) - 1, 'x', size - sizeof(head));
	data[size - 1] = '\n';
	return data;
}

/* A test's temporary folders go when it ends. */
TestSuite(hostile, .fini = th_cleanup);

Test(hostile, file_size_limit_is_exact)
{
	int rc = 0;
	char *data = padded_policy(ENF_POLICY_MAX_BYTES);
	char *got = th_load_buffer(data, ENF_POLICY_MAX_BYTES, &rc, NULL);
	cr_expect_eq(rc, 0, "a file of exactly 1 MiB must load: %s", got);
	free(got);
	free(data);

	data = padded_policy(ENF_POLICY_MAX_BYTES + 1);
	got = th_load_buffer(data, ENF_POLICY_MAX_BYTES + 1, &rc, NULL);
	cr_expect_eq(rc, ENF_EINVALID);
	cr_expect_str_eq(got, "1:1: the file is 1048577 bytes; a policy may be at most 1048576 "
	                      "bytes (1 MiB): split it into several policy files");
	free(got);

	/* From disk, the file is not even read past the limit. */
	char *dir = th_tmpdir();
	char *path = enf_asprintf("%s/large.yaml", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, data, ENF_POLICY_MAX_BYTES + 1), ENF_POLICY_MAX_BYTES + 1);
	close(fd);
	enf_diag_list diags;
	cr_assert_eq(enf_diag_list_init(&diags, path), 0);
	enf_policy *p = NULL;
	cr_expect_eq(enf_policy_load_file(&p, &diags, path), ENF_EINVALID);
	cr_expect_null(p);
	cr_assert_eq(diags.count, 1);
	cr_expect_str_eq(diags.items[0].message,
	                 "the file is larger than 1048576 bytes (1 MiB), the limit for a policy: "
	                 "split it into several policy files");
	enf_diag_list_clear(&diags);
	unlink(path);
	free(path);
	free(dir);
	free(data);
	th_expect_no_leaks();
}

Test(hostile, scalar_limit_is_exact)
{
	for (size_t size = ENF_POLICY_MAX_SCALAR; size <= ENF_POLICY_MAX_SCALAR + 1; size++) {
		enf_buf b = ENF_BUF_INIT;
		enf_buf_puts(&b, "enforcer: 1\nname: s\ndescription: ");
		for (size_t i = 0; i < size; i++)
			enf_buf_puts(&b, "x");
		enf_buf_puts(&b, "\nresources: [{type: restart, id: r, reboot: true}]\n");
		int rc = 0;
		char *got = th_load_buffer(b.ptr, b.len, &rc, NULL);
		char *err = first_error(got);
		if (size == ENF_POLICY_MAX_SCALAR)
			cr_expect_str_empty(err, "64 KiB is allowed: %s", err);
		else
			cr_expect_str_eq(err,
			                 "3:14: a value of 65537 bytes; the limit is 65536 bytes "
			                 "(64 KiB): put large data (a certificate) in a file the "
			                 "policy refers to");
		free(err);
		free(got);
		enf_buf_clear(&b);
	}
	th_expect_no_leaks();
}

Test(hostile, depth_limit_is_exact)
{
	/* The top-level mapping is level 1, so 31 brackets make 32 levels. */
	for (int brackets = 31; brackets <= 32; brackets++) {
		enf_buf b = ENF_BUF_INIT;
		enf_buf_puts(&b, "enforcer: 1\nname: d\nresources: []\ndescription: ");
		for (int i = 0; i < brackets; i++)
			enf_buf_puts(&b, "[");
		for (int i = 0; i < brackets; i++)
			enf_buf_puts(&b, "]");
		int rc = 0;
		char *got = th_load_buffer(b.ptr, b.len, &rc, NULL);
		cr_expect_eq(rc, ENF_EINVALID);
		if (brackets == 31)
			cr_expect_str_eq(got, "4:14: 'description' must be a string, not a list");
		else
			cr_expect_str_eq(got, "4:45: nesting deeper than 32 levels; a policy never "
			                      "needs that: check the indentation");
		free(got);
		enf_buf_clear(&b);
	}
	th_expect_no_leaks();
}

Test(hostile, key_limit_is_exact)
{
	for (int keys = 256; keys <= 257; keys++) {
		enf_buf b = ENF_BUF_INIT;
		enf_buf_puts(&b, "enforcer: 1\nname: k\nresources:\n  - type: restart\n    id: r\n"
		                 "    reboot: true\n");
		for (int i = 3; i < keys; i++)
			enf_buf_printf(&b, "    k%d: 1\n", i);
		int rc = 0;
		char *got = th_load_buffer(b.ptr, b.len, &rc, NULL);
		char *err = first_error(got);
		cr_expect_eq(rc, ENF_EINVALID);
		if (keys == 256)
			cr_expect_str_eq(
			    err,
			    "7:5: unknown key 'k3' in the restart resource 'r'; the "
			    "keys are: type, id, services, reboot, timeout, defer, when, after, "
			    "notify, mode, waiver");
		else
			cr_expect_str_eq(err, "260:5: more than 256 keys in one mapping");
		free(err);
		free(got);
		enf_buf_clear(&b);
	}
	th_expect_no_leaks();
}

Test(hostile, many_errors_are_counted_and_kept_bounded)
{
	enf_buf b = ENF_BUF_INIT;
	enf_buf_puts(&b, "enforcer: 1\nname: errors\nresources:\n");
	for (int i = 0; i < ENF_POLICY_MAX_RESOURCES; i++)
		enf_buf_printf(&b, "  - {type: service, id: S%d, name: S}\n", i);
	enf_diag_list diags;
	cr_assert_eq(enf_diag_list_init(&diags, "errors.yaml"), 0);
	enf_policy *p = NULL;
	cr_expect_eq(enf_policy_load_buffer(&p, &diags, "errors.yaml", b.ptr, b.len), ENF_EINVALID);
	cr_expect_null(p);
	cr_expect_eq(diags.errors, ENF_POLICY_MAX_RESOURCES);
	cr_expect_eq(diags.count, ENF_DIAG_MAX);
	cr_expect(diags.truncated);
	cr_expect_eq(diags.items[0].line, 4);
	cr_expect_str_eq(diags.items[0].message,
	                 "invalid id 'S0': use lower-case letters, digits, '.', '_' and '-', "
	                 "starting with a letter or digit (at most 128)");
	enf_diag_list_clear(&diags);
	enf_buf_clear(&b);
	th_expect_no_leaks();
}
