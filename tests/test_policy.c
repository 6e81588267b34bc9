/*
 * The policy loader: the invalid corpus (each file states the exact errors
 * it must produce in "# expect: LINE:COL: message" lines), the valid corpus,
 * and checks of the model the loader builds.
 */
#include "helpers.h"

#include "util/util.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The text of a corpus file for reading its comments. A UTF-16 file (with a
 * byte order mark, or ASCII with every other byte zero) keeps its comments
 * readable by dropping the zero bytes; any other file is read up to its first
 * NUL byte, so that the comments come before the binary content it tests.
 */
static char *comment_text(const char *data, size_t len)
{
	const unsigned char *u = (const unsigned char *)data;
	int utf16 = len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF));
	if (len >= 4 && ((u[0] && !u[1] && u[2] && !u[3]) || (!u[0] && u[1] && !u[2] && u[3])))
		utf16 = 1;
	if (utf16) {
		enf_buf b = ENF_BUF_INIT;
		for (size_t i = 0; i < len; i++)
			if (u[i] != 0 && u[i] < 0x80)
				enf_buf_put(&b, &data[i], 1);
		return enf_buf_detach(&b);
	}
	return enf_strndup(data, strnlen(data, len));
}

/* The "# expect: " lines of a corpus file, joined by '\n'. */
static char *expected_of(const char *data, size_t len)
{
	char *text = comment_text(data, len);
	enf_buf b = ENF_BUF_INIT;
	const char *tag = "# expect: ";
	for (const char *p = text; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n >= strlen(tag) && strncmp(p, tag, strlen(tag)) == 0) {
			if (b.len)
				enf_buf_puts(&b, "\n");
			enf_buf_put(&b, p + strlen(tag), n - strlen(tag));
		}
		p = eol ? eol + 1 : NULL;
	}
	free(text);
	return enf_buf_detach(&b);
}

static int is_yaml(const char *name)
{
	size_t n = strlen(name);
	return n > 5 && strcmp(name + n - 5, ".yaml") == 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The .yaml files of tests/resources/FOLDER, sorted by name: their count,
 * and in *out their names (free_names() them). Without the resources folder
 * (ENFORCER_TEST_RESOURCES) none: this also runs outside a test, where
 * Criterion's assertions cannot.
 */
static size_t corpus_names(const char *folder, char ***out)
{
	*out = NULL;
	const char *resources = getenv("ENFORCER_TEST_RESOURCES");
	char *dir = resources ? enf_asprintf("%s/%s", resources, folder) : NULL;
	DIR *d = dir ? opendir(dir) : NULL;
	free(dir);
	if (!d)
		return 0;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!is_yaml(e->d_name))
			continue;
		char **grown = realloc(*out, (n + 1) * sizeof(char *));
		char *name = enf_strdup(e->d_name);
		if (!grown || !name) {
			free(name);
			*out = grown ? grown : *out;
			break;
		}
		*out = grown;
		(*out)[n++] = name;
	}
	closedir(d);
	if (n)
		qsort(*out, n, sizeof(char *), by_name);
	return n;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/*
 * One test per corpus file: the parameters are the files' names, in memory
 * that Criterion shares with the process that runs each test (cr_malloc).
 */
typedef struct corpus_file {
	char *name; /* the file's name in its folder */
} corpus_file;

static void corpus_free(struct criterion_test_params *params)
{
	corpus_file *files = params->params;
	for (size_t i = 0; i < params->length; i++)
		cr_free(files[i].name);
	cr_free(files);
}

static struct criterion_test_params corpus_params(const char *folder)
{
	char **names = NULL;
	size_t n = corpus_names(folder, &names);
	corpus_file *files = n ? cr_malloc(n * sizeof(*files)) : NULL;
	size_t made = 0;
	for (; files && made < n; made++) {
		size_t len = strlen(names[made]) + 1;
		files[made].name = cr_malloc(len);
		if (!files[made].name)
			break;
		memcpy(files[made].name, names[made], len);
	}
	free_names(names, n);
	return cr_make_param_array(corpus_file, files, made, corpus_free);
}

ParameterizedTestParameters(policy, invalid_corpus_gives_exact_errors)
{
	return corpus_params("invalid");
}

ParameterizedTest(corpus_file *file, policy, invalid_corpus_gives_exact_errors)
{
	const char *name = file->name;
	char *rel = enf_asprintf("invalid/%s", name);
	char *path = th_resource_path(rel);
	size_t len = 0;
	char *data = th_read(path, &len);
	char *want = expected_of(data, len);
	int rc = 0;
	char *got = th_load_resource(rel, &rc, NULL);
	cr_expect(want && *want, "%s has no '# expect:' line", name);
	cr_expect_eq(rc, ENF_EINVALID, "%s: loader returned %d", name, rc);
	cr_expect_str_eq(got, want, "%s:\n got:\n%s\n want:\n%s", name, got, want);
	free(got);
	free(want);
	free(data);
	free(path);
	free(rel);
	th_expect_no_leaks();
}

Test(policy, invalid_corpus_has_enough_files)
{
	char **names = NULL;
	int files = (int)corpus_names("invalid", &names);
	free_names(names, (size_t)files);
	cr_expect_geq(files, 45, "the invalid corpus has %d files; keep at least 45", files);
	th_expect_no_leaks();
}

ParameterizedTestParameters(policy, valid_corpus_loads_without_errors)
{
	return corpus_params("valid");
}

ParameterizedTest(corpus_file *file, policy, valid_corpus_loads_without_errors)
{
	const char *name = file->name;
	char *rel = enf_asprintf("valid/%s", name);
	int rc = 0;
	enf_policy *p = NULL;
	char *got = th_load_resource(rel, &rc, &p);
	cr_expect_eq(rc, 0, "%s did not load:\n%s", name, got);
	cr_expect_str_empty(got, "%s has diagnostics:\n%s", name, got);
	cr_expect(p != NULL && p->count > 0, "%s has no resources", name);
	enf_policy_free(p);
	free(got);
	free(rel);
	th_expect_no_leaks();
}

Test(policy, valid_corpus_has_enough_files)
{
	char **names = NULL;
	int files = (int)corpus_names("valid", &names);
	free_names(names, (size_t)files);
	cr_expect_geq(files, 12, "the valid corpus has %d files; keep at least 12", files);
	th_expect_no_leaks();
}

/* Loads a valid corpus file and returns its model; aborts the test on errors. */
static enf_policy *load_valid(const char *name)
{
	char *rel = enf_asprintf("valid/%s", name);
	int rc = 0;
	enf_policy *p = NULL;
	char *diags = th_load_resource(rel, &rc, &p);
	cr_assert_eq(rc, 0, "%s did not load:\n%s", name, diags);
	cr_assert_not_null(p);
	free(diags);
	free(rel);
	return p;
}

static const enf_resource *res(const enf_policy *p, const char *id)
{
	const enf_resource *r = enf_policy_find(p, id);
	cr_assert_not_null(r, "no resource '%s'", id);
	return r;
}

static const enf_reg_value *reg_data(const enf_policy *p, const char *id)
{
	const enf_resource *r = res(p, id);
	cr_assert_eq(r->type, ENF_RES_REGISTRY, "'%s' is not a registry resource", id);
	return &r->u.reg.data;
}

Test(policy, registry_numbers_are_unsigned_and_exact)
{
	enf_policy *p = load_valid("registry-kinds.yaml");
	const enf_reg_value *v = reg_data(p, "dword.max");
	cr_expect_eq(v->type, ENF_REG_DWORD);
	cr_expect_eq(v->number, 4294967295u);
	cr_expect_eq(reg_data(p, "dword.max-decimal")->number, 0xFFFFFFFFu);
	cr_expect_eq(reg_data(p, "dword.zero")->number, 0);
	v = reg_data(p, "qword.max");
	cr_expect_eq(v->type, ENF_REG_QWORD);
	cr_expect_eq(v->number, UINT64_MAX);
	cr_expect_eq(reg_data(p, "qword.max-hex")->number, UINT64_MAX);
	enf_policy_free(p);
	th_expect_no_leaks();
}

Test(policy, registry_text_lists_and_bytes)
{
	enf_policy *p = load_valid("registry-kinds.yaml");
	const enf_reg_value *v = reg_data(p, "sz.empty");
	cr_expect_eq(v->type, ENF_REG_SZ);
	cr_expect_str_eq(v->text, "");
	v = reg_data(p, "expand-sz.path");
	cr_expect_eq(v->type, ENF_REG_EXPAND_SZ);
	cr_expect_str_eq(v->text, "%ProgramData%\\Contoso\\Logs");
	v = reg_data(p, "multi-sz.ciphers");
	cr_expect_eq(v->type, ENF_REG_MULTI_SZ);
	cr_assert_eq(v->count, 3);
	cr_expect_str_eq(v->list[0], "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
	cr_expect_str_eq(v->list[2], "0755");
	cr_expect_eq(reg_data(p, "multi-sz.empty")->count, 0);
	static const unsigned char spaced[] = {0x01, 0xff, 0x00, 0x7f};
	static const unsigned char solid[] = {0xde, 0xad, 0xbe, 0xef};
	v = reg_data(p, "binary.spaced");
	cr_expect_eq(v->type, ENF_REG_BINARY);
	cr_assert_eq(v->size, sizeof(spaced));
	cr_expect_arr_eq(v->bytes, spaced, sizeof(spaced));
	v = reg_data(p, "binary.solid");
	cr_assert_eq(v->size, sizeof(solid));
	cr_expect_arr_eq(v->bytes, solid, sizeof(solid));
	cr_expect_eq(reg_data(p, "binary.empty")->size, 0);
	enf_policy_free(p);
	th_expect_no_leaks();
}

Test(policy, registry_keys_are_normalised_and_values_kept)
{
	enf_policy *p = load_valid("registry-kinds.yaml");
	const enf_res_registry *r = &res(p, "sz.default-value")->u.reg;
	cr_expect_str_eq(r->key, "HKLM\\Software\\Contoso\\Lync");
	cr_expect_str_eq(r->value, "");
	cr_expect_str_eq(r->data.text, "Edge pool 1");
	r = &res(p, "dword.zero")->u.reg;
	cr_expect_str_eq(r->key, "HKLM\\Software\\Contoso\\Lync");
	cr_expect_eq(r->ensure, ENF_ENSURE_PRESENT);
	r = &res(p, "sz.backslashes")->u.reg;
	cr_expect_str_eq(r->key, "HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\"
	                         "Schannel\\Ciphers\\RC4 128/128");
	cr_expect_str_eq(r->value, "C:\\Program Files\\Contoso\\value name");
	cr_expect_str_eq(r->data.text, "no");
	r = &res(p, "rc4.absent")->u.reg;
	cr_expect_eq(r->ensure, ENF_ENSURE_ABSENT);
	cr_expect_eq(r->data.type, 0, "an absent value has no kind");
	enf_policy_free(p);
	th_expect_no_leaks();
}

Test(policy, certificate_thumbprints_stores_and_checks)
{
	static const unsigned char tp[20] = {0x3b, 0x1e, 0xfd, 0x3a, 0x66, 0xea, 0x28,
	                                     0xb1, 0x66, 0x97, 0x39, 0x47, 0x03, 0xa7,
	                                     0x2c, 0xa3, 0x40, 0xa0, 0x5b, 0xd5};
	enf_policy *p = load_valid("certificates.yaml");
	const enf_res_certificate *c = &res(p, "edge-external")->u.cert;
	cr_expect_eq(c->store, ENF_STORE_MY);
	cr_assert(c->has_thumbprint);
	cr_expect_arr_eq(c->thumbprint, tp, sizeof(tp));
	cr_expect_null(c->file);
	cr_assert(c->has_require);
	cr_expect_eq(c->require.chain_trusted, 1);
	cr_expect_eq(c->require.valid_for_days, 36500);
	cr_expect_eq(c->require.eku, ENF_EKU_SERVER_AUTH | ENF_EKU_CLIENT_AUTH |
	                                 ENF_EKU_CODE_SIGNING | ENF_EKU_EMAIL_PROTECTION |
	                                 ENF_EKU_TIME_STAMPING | ENF_EKU_OCSP_SIGNING);
	cr_expect_eq(c->require.min_key_bits, 16384);
	cr_expect_eq(c->require.private_key, ENF_YES);
	cr_expect_eq(c->require.exportable, ENF_YES);
	cr_assert_eq(c->access_count, 2);
	cr_expect_str_eq(c->access[0].account, "NT AUTHORITY\\NetworkService");
	cr_expect_eq(c->access[0].rights, ENF_RIGHTS_READ);
	cr_expect_str_eq(c->access[1].account, "CONTOSO\\RTCUniversalServerAdmins");
	cr_expect_eq(c->access[1].rights, ENF_RIGHTS_FULL);

	c = &res(p, "code-signer")->u.cert;
	cr_expect_eq(c->store, ENF_STORE_TRUSTED_PUBLISHER);
	cr_expect_str_eq(c->file, "certs/contoso-code-signing.der");
	cr_expect_eq(c->require.private_key, ENF_NO);
	cr_expect_eq(c->require.exportable, ENF_UNKNOWN);
	cr_expect_eq(c->require.valid_for_days, 0);
	cr_expect_eq(c->require.min_key_bits, -1);
	cr_expect_eq(c->require.chain_trusted, 0);
	cr_expect_eq(c->require.eku, 0);

	cr_expect_eq(res(p, "contoso-root-long-store")->u.cert.store, ENF_STORE_ROOT);
	cr_expect_eq(res(p, "contoso-issuing")->u.cert.store, ENF_STORE_CA);
	cr_expect_eq(res(p, "partner-federation")->u.cert.store, ENF_STORE_TRUSTED_PEOPLE);
	cr_expect_eq(res(p, "revoked-intermediate")->u.cert.store, ENF_STORE_DISALLOWED);
	cr_expect_eq(res(p, "lower-case-store-name")->u.cert.store, ENF_STORE_MY);
	cr_expect_eq(res(p, "old-root-gone")->u.cert.ensure, ENF_ENSURE_ABSENT);
	cr_expect_eq(res(p, "contoso-root")->u.cert.ensure, ENF_ENSURE_PRESENT);
	cr_expect_eq(res(p, "contoso-root")->u.cert.has_require, 0);
	enf_policy_free(p);
	th_expect_no_leaks();
}

Test(policy, trust_store_allow_and_defaults)
{
	static const unsigned char lower[20] = {0x4c, 0x2e, 0xfd, 0x3a, 0x66, 0xea, 0x28,
	                                        0xb1, 0x66, 0x97, 0x39, 0x47, 0x03, 0xa7,
	                                        0x2c, 0xa3, 0x40, 0xa0, 0x5b, 0xd5};
	enf_policy *p = load_valid("trust-stores.yaml");
	const enf_res_trust_store *t = &res(p, "root-move")->u.trust;
	cr_expect_eq(t->store, ENF_STORE_ROOT);
	cr_expect_eq(t->misplaced, ENF_MISPLACED_MOVE);
	cr_expect_eq(t->extras, ENF_EXTRAS_REMOVE);
	cr_expect_eq(t->max_certs, 100);
	cr_assert(t->has_allow);
	cr_assert_eq(t->allow_count, 4);
	cr_expect_str_eq(t->allow[0].file, "certs/contoso-root.cer");
	cr_expect_eq(t->allow[0].is_thumbprint, 0);
	cr_expect_eq(t->allow[1].is_thumbprint, 1);
	cr_expect_eq(t->allow[1].thumbprint[0], 0x3b);
	cr_expect_eq(t->allow[2].is_thumbprint, 1);
	cr_expect_arr_eq(t->allow[2].thumbprint, lower, sizeof(lower));
	cr_expect_null(t->allow[2].file);
	cr_expect_str_eq(t->allow[3].file, "certs/microsoft/root-2011.crt");

	t = &res(p, "ca-report")->u.trust;
	cr_expect_eq(t->misplaced, ENF_MISPLACED_REPORT);
	cr_expect_eq(t->extras, ENF_EXTRAS_REPORT);
	t = &res(p, "root-remove")->u.trust;
	cr_expect_eq(t->store, ENF_STORE_ROOT);
	cr_expect_eq(t->misplaced, ENF_MISPLACED_REMOVE);
	cr_expect_eq(t->max_certs, 0);
	t = &res(p, "ca-defaults")->u.trust;
	cr_expect_eq(t->store, ENF_STORE_CA);
	cr_expect_eq(t->misplaced, ENF_MISPLACED_MOVE);
	cr_expect_eq(t->extras, ENF_EXTRAS_REPORT);
	cr_expect_eq(t->max_certs, -1);
	cr_expect_eq(t->has_allow, 0);
	enf_policy_free(p);
	th_expect_no_leaks();
}

Test(policy, order_honours_after)
{
	enf_policy *p = load_valid("ordering.yaml");
	cr_assert_eq(p->count, 4);
	/* List: rtcsrv, edge-external, schannel.session-ticket, contoso-root. */
	static const char *const want[] = {"contoso-root", "edge-external",
	                                   "schannel.session-ticket", "rtcsrv"};
	for (size_t i = 0; i < p->count; i++)
		cr_expect_str_eq(p->resources[p->order[i]].id, want[i], "order[%zu]", i);
	const enf_resource *r = res(p, "rtcsrv");
	cr_assert_eq(r->after_count, 2);
	cr_expect_str_eq(r->after[1], "schannel.session-ticket");
	r = res(p, "edge-external");
	cr_assert_eq(r->after_count, 1, "a single id is a list of one");
	cr_expect_str_eq(r->after[0], "contoso-root");
	enf_policy_free(p);

	/* Without 'after', the list order stands. */
	p = load_valid("registry-kinds.yaml");
	for (size_t i = 0; i < p->count; i++)
		cr_expect_eq(p->order[i], i);
	enf_policy_free(p);
	th_expect_no_leaks();
}

static void expect_condition(const enf_condition *c, const char *fact, enf_cmp op,
                             const char *first, size_t count)
{
	cr_expect_str_eq(c->fact, fact);
	cr_expect_eq(c->op, op, "%s: op %d, want %d", fact, c->op, op);
	cr_assert_eq(c->count, count, "%s: %zu values", fact, c->count);
	cr_expect_str_eq(c->values[0], first);
}

Test(policy, conditions_keep_operator_and_operand)
{
	enf_policy *p = load_valid("conditions.yaml");
	cr_assert_eq(p->when.count, 3);
	expect_condition(&p->when.items[0], "os.build", ENF_CMP_GE, "9600", 1);
	expect_condition(&p->when.items[1], "os.major", ENF_CMP_LT, "11", 1);
	expect_condition(&p->when.items[2], "lync.version", ENF_CMP_NE, "5.0.8308.0", 1);
	cr_expect_eq(p->when.items[0].loc.line, 7);
	cr_expect_eq(p->when.items[0].loc.col, 3);

	const enf_when *w = &res(p, "eq")->when;
	cr_assert_eq(w->count, 3);
	expect_condition(&w->items[0], "os.build", ENF_CMP_EQ, "9600", 1);
	expect_condition(&w->items[1], "os.version", ENF_CMP_EQ, "6.3", 1);
	expect_condition(&w->items[2], "host.name", ENF_CMP_EQ, "lync-edge-01", 1);
	w = &res(p, "gt-le")->when;
	expect_condition(&w->items[0], "os.build", ENF_CMP_GT, "9200", 1);
	expect_condition(&w->items[1], "lync.version", ENF_CMP_LE, "6.0.9319.0", 1);
	w = &res(p, "lt-ge")->when;
	expect_condition(&w->items[0], "os.version", ENF_CMP_LT, "10.0", 1);
	expect_condition(&w->items[1], "os.major", ENF_CMP_GE, "6", 1);
	expect_condition(&w->items[2], "role", ENF_CMP_NE, "none", 1);
	w = &res(p, "lists")->when;
	expect_condition(&w->items[0], "role", ENF_CMP_IN, "edge", 2);
	cr_expect_str_eq(w->items[0].values[1], "front-end");
	expect_condition(&w->items[1], "host.name", ENF_CMP_IN, "lync-edge-01", 3);
	cr_expect_str_eq(w->items[1].values[2], "12345");
	expect_condition(&w->items[2], "os.build", ENF_CMP_IN, "9600", 3);
	cr_expect_str_eq(w->items[2].values[2], "17763");
	expect_condition(&w->items[3], "lync.version", ENF_CMP_IN, "5.0.8308.577", 2);
	w = &res(p, "role-equals")->when;
	expect_condition(&w->items[0], "role", ENF_CMP_EQ, "edge", 1);
	cr_expect_eq(res(p, "role-equals")->mode, ENF_MODE_ENFORCE);
	enf_policy_free(p);
	th_expect_no_leaks();
}

Test(policy, modes_and_waivers)
{
	enf_policy *p = load_valid("modes-and-waivers.yaml");
	cr_expect_eq(res(p, "enforce-explicit")->mode, ENF_MODE_ENFORCE);
	cr_expect_eq(res(p, "audit-only")->mode, ENF_MODE_AUDIT);
	cr_expect_eq(res(p, "audit-only")->waiver.present, 0);
	const enf_waiver *w = &res(p, "waived-with-ticket")->waiver;
	cr_assert(w->present);
	cr_expect_str_eq(w->reason,
	                 "Vendor case 12345 open; the change breaks the federation partner");
	cr_expect_str_eq(w->ticket, "CHG0012345");
	cr_expect_eq(w->year, 2028);
	cr_expect_eq(w->month, 2);
	cr_expect_eq(w->day, 29);
	w = &res(p, "waived-without-ticket")->waiver;
	cr_assert(w->present);
	cr_expect_null(w->ticket);
	cr_expect_eq(w->year, 2027);
	cr_expect_eq(w->month, 1);
	cr_expect_eq(w->day, 31);
	const enf_resource *r = res(p, "audit-and-waived");
	cr_expect_eq(r->mode, ENF_MODE_AUDIT);
	cr_expect_str_eq(r->waiver.reason, "Data proxy: decommissioned next quarter");
	enf_policy_free(p);
	th_expect_no_leaks();
}

Test(policy, services_accounts_passwords_and_states)
{
	enf_policy *p = load_valid("services.yaml");
	const enf_res_service *s = &res(p, "localsystem")->u.svc;
	cr_expect_str_eq(s->name, "RTCSRV");
	cr_expect_str_eq(s->logon, "LocalSystem");
	cr_expect_eq(s->password, ENF_PASSWORD_NONE);
	cr_expect_null(s->password_ref);
	cr_expect_eq(s->startup, ENF_STARTUP_AUTOMATIC);
	cr_expect_eq(s->state, ENF_SVC_RUNNING);
	s = &res(p, "network-service-long")->u.svc;
	cr_expect_eq(s->startup, ENF_STARTUP_DELAYED_AUTOMATIC);
	s = &res(p, "network-service-short")->u.svc;
	cr_expect_eq(s->startup, ENF_STARTUP_MANUAL);
	cr_expect_eq(s->state, ENF_SVC_STOPPED);
	s = &res(p, "local-service")->u.svc;
	cr_expect_eq(s->startup, ENF_STARTUP_DISABLED);
	cr_expect_eq(s->state, ENF_SVC_UNSET);
	s = &res(p, "gmsa")->u.svc;
	cr_expect_str_eq(s->logon, "CONTOSO\\svc-lync$");
	cr_expect_eq(s->password, ENF_PASSWORD_NONE);
	s = &res(p, "local-user")->u.svc;
	cr_expect_str_eq(s->logon, ".\\lyncsvc");
	cr_expect_eq(s->password, ENF_PASSWORD_ENV);
	cr_expect_str_eq(s->password_ref, "LYNC_SVC_PASSWORD");
	s = &res(p, "domain-user")->u.svc;
	cr_expect_eq(s->password, ENF_PASSWORD_FILE);
	cr_expect_str_eq(s->password_ref, "secrets/svc-lync.txt");
	s = &res(p, "state-only")->u.svc;
	cr_expect_null(s->logon);
	cr_expect_eq(s->startup, ENF_STARTUP_UNSET);
	enf_policy_free(p);
	th_expect_no_leaks();
}

/* Every string the model of services.yaml holds, one per line. */
static char *model_strings(const enf_policy *p)
{
	enf_buf b = ENF_BUF_INIT;
	enf_buf_printf(&b, "%s\n%s\n%s\n", p->path, p->name, p->description ? p->description : "");
	for (size_t i = 0; i < p->count; i++) {
		const enf_resource *r = &p->resources[i];
		const enf_res_service *s = &r->u.svc;
		enf_buf_printf(&b, "%s\n", r->id);
		if (r->type != ENF_RES_SERVICE)
			continue;
		enf_buf_printf(&b, "%s\n%s\n%s\n", s->name, s->logon ? s->logon : "",
		               s->password_ref ? s->password_ref : "");
	}
	return enf_buf_detach(&b);
}

/*
 * Every spelling of the built-in accounts is one of them, needs no password
 * and is kept as written (the engine compares by SID, the win32 provider
 * gives the SCM its own name).
 */
Test(policy, builtin_account_spellings_need_no_password)
{
	static const struct {
		const char *id, *logon;
	} want[] = {
	    {"system", "SYSTEM"},
	    {"localsystem", "LocalSystem"},
	    {"dot-localsystem", ".\\LocalSystem"},
	    {"nt-authority-system", "NT AUTHORITY\\SYSTEM"},
	    {"sid-18", "S-1-5-18"},
	    {"local-system-spaced", "Local System"},
	    {"network-service-spaced", "Network Service"},
	    {"network-service-lower", "nt authority\\network service"},
	    {"sid-20", "s-1-5-20"},
	    {"local-service-spaced", "Local Service"},
	    {"local-service-upper", "NT AUTHORITY\\LOCAL SERVICE"},
	    {"sid-19", "S-1-5-19"},
	    {"virtual", "NT SERVICE\\SVC13"},
	};
	enf_policy *p = load_valid("account-spellings.yaml");
	cr_expect_eq(p->count, ENF_ARRAY_SIZE(want));
	for (size_t i = 0; i < ENF_ARRAY_SIZE(want); i++) {
		const enf_res_service *s = &res(p, want[i].id)->u.svc;
		cr_expect_str_eq(s->logon, want[i].logon);
		cr_expect_eq(s->password, ENF_PASSWORD_NONE, "%s", want[i].id);
		cr_expect_null(s->password_ref, "%s", want[i].id);
	}
	enf_policy_free(p);
	th_expect_no_leaks();
}

Test(policy, secrets_are_never_read_into_the_model)
{
	/* The loader names where a password comes from; it never fetches it. */
	const char *secret = "Tr0ub4dor&3-not-in-any-model";
	cr_assert_eq(setenv("LYNC_SVC_PASSWORD", secret, 1), 0);
	enf_policy *p = load_valid("services.yaml");
	char *all = model_strings(p);
	cr_assert_not_null(all);
	cr_expect_null(strstr(all, secret), "the secret is in the model:\n%s", all);
	cr_expect_not_null(strstr(all, "LYNC_SVC_PASSWORD"));
	free(all);
	enf_policy_free(p);
	unsetenv("LYNC_SVC_PASSWORD");

	/* Nor is a password written in a policy ever repeated in a message. */
	int rc = 0;
	char *diags = th_load_resource("invalid/service-password-literal.yaml", &rc, NULL);
	cr_expect_eq(rc, ENF_EINVALID);
	cr_expect_null(strstr(diags, "Summer2024"), "%s", diags);
	cr_expect_null(strstr(diags, "12345678"), "%s", diags);
	cr_expect_null(strstr(diags, "yes"), "%s", diags);
	free(diags);
	th_expect_no_leaks();
}

Test(policy, restarts_and_notify)
{
	enf_policy *p = load_valid("restarts.yaml");
	const enf_res_restart *r = &res(p, "restart-edge")->u.restart;
	cr_assert_eq(r->count, 3);
	cr_expect_str_eq(r->services[0], "RTCSRV");
	cr_expect_str_eq(r->services[2], "RTCDATAPROXY");
	cr_expect_eq(r->reboot, 0);
	r = &res(p, "reboot-required")->u.restart;
	cr_expect_eq(r->count, 0);
	cr_expect_eq(r->reboot, 1);
	const enf_resource *x = res(p, "schannel.session-ticket");
	cr_assert_eq(x->notify_count, 2);
	cr_expect_str_eq(x->notify[1], "reboot-required");
	x = res(p, "rtcsrv");
	cr_assert_eq(x->notify_count, 1);
	cr_expect_str_eq(x->notify[0], "restart-edge");
	enf_policy_free(p);
	th_expect_no_leaks();
}

Test(policy, top_level_fields_and_positions)
{
	enf_policy *p = load_valid("policy-md-example.yaml");
	cr_expect_str_eq(p->name, "lync-edge");
	cr_expect_str_eq(p->description, "Lync 2013 Edge baseline");
	cr_expect_str_eq(p->path, "test.yaml");
	cr_assert_eq(p->count, 8);
	const enf_resource *r = &p->resources[0];
	cr_expect_eq(r->type, ENF_RES_CERTIFICATE);
	cr_expect_str_eq(r->id, "edge-external");
	cr_expect_eq(r->loc.line, 10);
	cr_expect_eq(r->loc.col, 5);
	cr_expect_eq(r->waiver.year, 2027);
	cr_expect_str_eq(r->waiver.ticket, "text");
	const enf_reg_value *v = reg_data(p, "schannel.session-ticket");
	cr_expect_eq(v->number, 4294967295u);
	cr_expect_str_eq(res(p, "schannel.long-form")->u.reg.key,
	                 "HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\Schannel");
	static const unsigned char zero[32] = {0};
	cr_expect(memcmp(p->sha256, zero, sizeof(zero)) != 0, "the file's digest is set");
	enf_policy_free(p);
	th_expect_no_leaks();
}

Test(policy, notepad_files_load_and_keep_columns)
{
	enf_policy *p = load_valid("notepad-bom-crlf.yaml");
	cr_expect_str_eq(p->name, "notepad-saved");
	cr_expect_str_eq(p->description, "Edited on the server itself");
	cr_expect_eq(p->resources[0].loc.line, 6);
	enf_policy_free(p);

	/* The byte order mark is not a column: a key on the first line is at 1. */
	static const char bom[] = "\xef\xbb\xbfnmae: x\r\nenforcer: 1\r\nresources: []\r\n";
	int rc = 0;
	char *got = th_load_buffer(bom, sizeof(bom) - 1, &rc, NULL);
	cr_expect_eq(rc, ENF_EINVALID);
	cr_expect_str_eq(got, "1:1: unknown key 'nmae' in the policy; did you mean 'name'?\n"
	                      "1:1: the policy is missing the required key 'name'");
	free(got);
	th_expect_no_leaks();
}

Test(policy, ten_thousand_resources_load_and_one_more_does_not)
{
	enf_buf b = ENF_BUF_INIT;
	enf_buf_puts(&b, "enforcer: 1\nname: big\nresources:\n");
	for (int i = 0; i < ENF_POLICY_MAX_RESOURCES; i++)
		enf_buf_printf(&b, "  - {type: service, id: s%d, name: S%d, state: running}\n", i,
		               i);
	int rc = 0;
	enf_policy *p = NULL;
	char *got = th_load_buffer(b.ptr, b.len, &rc, &p);
	cr_expect_eq(rc, 0, "%s", got);
	cr_expect_eq(p ? p->count : 0, ENF_POLICY_MAX_RESOURCES);
	enf_policy_free(p);
	free(got);

	enf_buf_printf(&b, "  - {type: service, id: one-more, name: X, state: running}\n");
	got = th_load_buffer(b.ptr, b.len, &rc, NULL);
	cr_expect_eq(rc, ENF_EINVALID);
	cr_expect_str_eq(got,
	                 "10004:5: more than 10000 resources; split the policy into several files");
	free(got);
	enf_buf_clear(&b);
	th_expect_no_leaks();
}
