/* Shared by the reliability tests: see reliability.h. */
#include "reliability.h"
#include "helpers.h"

#include "enforcer/errors.h"
#include "enforcer/provider.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t rl_spawn_cli(const char *dir, const char *tag, const char *const *argv, const char *env)
{
	const char *exe = getenv("ENFORCER_EXE");
	cr_assert(exe, "ENFORCER_EXE is not set; run the tests with meson test");
	char *out = enf_asprintf("%s/%s.out", dir, tag), *err = enf_asprintf("%s/%s.err", dir, tag);
	cr_assert(out && err);
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0 || chdir(dir) != 0)
			_exit(127);
		if (env)
			putenv((char *)env);
		const char *args[32] = {exe};
		for (int i = 0; argv[i] && i < 30; i++)
			args[i + 1] = argv[i];
		execv(exe, (char *const *)args);
		_exit(127);
	}
	free(out);
	free(err);
	return pid;
}

int rl_wait_cli(pid_t pid)
{
	int status = 0;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

char *rl_cli_text(const char *dir, const char *tag, const char *stream)
{
	char *path = enf_asprintf("%s/%s.%s", dir, tag, stream);
	char *text = th_read(path, NULL);
	free(path);
	return text;
}

size_t rl_journal_ids(const char *dir, char ***ids)
{
	char *jdir = enf_asprintf("%s/state/journal", dir);
	size_t n = 0;
	*ids = NULL;
	if (enf_dir_entries(ids, &n, jdir) == ENF_ENOTFOUND)
		enf_error_clear();
	for (size_t i = 0; i < n; i++)
		(*ids)[i][strlen((*ids)[i]) - strlen(".jsonl")] = '\0';
	free(jdir);
	return n;
}

void rl_free_ids(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

json_t *rl_journal_records(const char *dir, const char *id)
{
	char *path = enf_asprintf("%s/state/journal/%s.jsonl", dir, id);
	size_t len = 0;
	char *data = th_read(path, &len);
	json_t *records = json_array();
	for (char *p = data; p < data + len;) {
		char *eol = memchr(p, '\n', (size_t)(data + len - p));
		if (!eol)
			break;
		json_t *o = json_loadb(p, (size_t)(eol - p), JSON_REJECT_DUPLICATES, NULL);
		cr_assert(json_is_object(o), "%s: a damaged line before the last: %.*s", path,
		          (int)(eol - p), p);
		json_array_append_new(records, o);
		p = eol + 1;
	}
	cr_assert(json_array_size(records) > 0 || len == 0, "%s has no whole line", path);
	free(data);
	free(path);
	return records;
}

size_t rl_count_records(const json_t *records, const char *member)
{
	size_t i, n = 0;
	json_t *r;
	int of_seq = strcmp(member, "end") != 0;
	json_array_foreach(records, i, r)
	{
		n += json_object_get(r, member) && (!of_seq || json_object_get(r, "seq"));
	}
	return n;
}

json_t *rl_whole_snapshot(const char *dir, const char *label)
{
	char *path = enf_asprintf("%s/server.json", dir), *spec = enf_asprintf("snapshot:%s", path);
	json_error_t err;
	json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
	cr_assert(doc, "%s: the snapshot is not valid JSON: %s", label, err.text);
	enf_target *t = NULL;
	cr_assert_eq(enf_target_open(&t, spec), 0, "%s: %s", label, enf_error_last()->message);
	enf_target_close(t);
	free(path);
	free(spec);
	return doc;
}

/* A member found by name regardless of case, as Windows names are. */
static json_t *nocase(const json_t *object, const char *name)
{
	const char *key;
	json_t *v;
	if (!name)
		return NULL;
	json_object_foreach((json_t *)object, key, v)
	{
		if (enf_strcaseeq(key, name))
			return v;
	}
	return NULL;
}

/* The certificate object with this thumbprint in stores.STORE, or NULL. */
static json_t *cert_in(const json_t *snap, const char *store, const char *thumbprint)
{
	json_t *list = nocase(json_object_get(snap, "stores"), store);
	size_t i;
	json_t *c;
	json_array_foreach(list, i, c)
	{
		unsigned char *der = NULL, sha1[20];
		size_t len = 0;
		cr_assert_eq(
		    enf_base64_decode(&der, &len, json_string_value(json_object_get(c, "der"))), 0);
		enf_sha1(sha1, der, len);
		char *hex = enf_hex(sha1, 20, 1);
		int same = strcmp(hex, thumbprint) == 0;
		free(hex);
		free(der);
		if (same)
			return c;
	}
	return NULL;
}

static int same_member(const json_t *a, const json_t *b, const char *member)
{
	const json_t *va = json_object_get(a, member), *vb = json_object_get(b, member);
	return (!va && !vb) || (va && vb && json_equal(va, vb));
}

void rl_expect_restored(const json_t *orig, const json_t *now, const json_t *records,
                        const char *label)
{
	size_t i;
	json_t *rec;
	json_array_foreach(records, i, rec)
	{
		const json_t *c = json_object_get(rec, "change");
		const char *op = json_string_value(json_object_get(c, "op"));
		const char *store = json_string_value(json_object_get(c, "store"));
		const char *thumb = json_string_value(json_object_get(c, "thumbprint"));
		if (!op)
			continue;
		if (strncmp(op, "registry-", 9) == 0) {
			const char *key = json_string_value(json_object_get(c, "key"));
			const char *name = json_string_value(json_object_get(c, "name"));
			json_t *a = nocase(nocase(json_object_get(orig, "registry"), key), name);
			json_t *b = nocase(nocase(json_object_get(now, "registry"), key), name);
			cr_expect((!a && !b) || (a && b && json_equal(a, b)),
			          "%s: %s\\%s was not restored", label, key, name);
		} else if (strncmp(op, "service-", 8) == 0) {
			const char *name = json_string_value(json_object_get(c, "service"));
			json_t *a = nocase(json_object_get(orig, "services"), name);
			json_t *b = nocase(json_object_get(now, "services"), name);
			int config = strcmp(op, "service-config") == 0;
			cr_expect(config
			              ? same_member(a, b, "logon") && same_member(a, b, "startup")
			              : same_member(a, b, "state"),
			          "%s: service %s was not restored (%s)", label, name, op);
		} else if (strcmp(op, "key-grant") == 0) {
			json_t *a = json_object_get(cert_in(orig, store, thumb), "key_acl");
			json_t *b = json_object_get(cert_in(now, store, thumb), "key_acl");
			cr_expect(a && b && json_equal(a, b),
			          "%s: the key permissions of %s were not restored", label, thumb);
		} else {
			const char *to = json_string_value(json_object_get(c, "to"));
			cr_expect_eq(!cert_in(orig, store, thumb), !cert_in(now, store, thumb),
			             "%s: %s in %s was not restored (%s)", label, thumb, store, op);
			if (to)
				cr_expect_eq(!cert_in(orig, to, thumb), !cert_in(now, to, thumb),
				             "%s: %s in %s was not restored (%s)", label, thumb, to,
				             op);
		}
	}
}
