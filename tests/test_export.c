/*
 * enforcer export and enforcer facts on a snapshot: the exported policy is
 * valid (validate accepts it), says exactly what the target holds (a plan of
 * it against the same target changes nothing, and each value reads back
 * as it was), and never carries a password.
 */
#include "helpers.h"

#include "enforcer/policy.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

#define TRICKY_KEY "HKLM\\Software\\Contoso\\Tricky \"Key\" \\ no"

/* A self-signed EC certificate, CN=Enforcer Export Test Root "quoted", O=Contoso. */
static const char test_cert_b64[] =
    "MIIB1jCCAXugAwIBAgIUaIcee9WSB6SFkwFbb3I2vZYKbJkwCgYIKoZIzj0EAwIwPzErMCkGA1UEAwwiRW5mb3Jj"
    "ZXIgRXhwb3J0IFRlc3QgUm9vdCAicXVvdGVkIjEQMA4GA1UECgwHQ29udG9zbzAgFw0yNjExMjIwMzIzMDJaGA8y"
    "MTI2MTAyOTAzMjMwMlowPzErMCkGA1UEAwwiRW5mb3JjZXIgRXhwb3J0IFRlc3QgUm9vdCAicXVvdGVkIjEQMA4G"
    "A1UECgwHQ29udG9zbzBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABEYGoQxuN9IDl744cLj8zaS+mOH5BiOws05l"
    "yjYWJXdJJQXrM0zf9sf9CC3JqU1jsv8bA7oZHFT6sMiCuuagpS2jUzBRMB0GA1UdDgQWBBSAVMTIlQNanoBnaZIX"
    "3kLdHoXjpjAfBgNVHSMEGDAWgBSAVMTIlQNanoBnaZIX3kLdHoXjpjAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49"
    "BAMCA0kAMEYCIQCPishsTSORRT4sP4RrjoTPzp+yNhrbTtmalBqVpk1y5AIhAJFRrEjYIJGC2mGws9iMaOO9w3aL"
    "8pxjEfpN9V1j7NAE";
#define TEST_CERT_THUMBPRINT "69BE71C4DA2F54FC3C28F95B5E0F619CA41E414F"

/* Value name -> {kind, data}: the strings YAML would otherwise read as something else. */
static json_t *tricky_values(void)
{
	/* One value per line. */
	/* clang-format off */
	return json_pack(
		"{s:{s:s,s:s}, s:{s:s,s:s}, s:{s:s,s:s}, s:{s:s,s:s}, s:{s:s,s:s}, s:{s:s,s:s},"
		" s:{s:s,s:s}, s:{s:s,s:s}, s:{s:s,s:s}, s:{s:s,s:I}, s:{s:s,s:s}, s:{s:s,s:[sssss]},"
		" s:{s:s,s:[]}, s:{s:s,s:s}, s:{s:s,s:s}, s:{s:I,s:s}, s:{s:s,s:s}, s:{s:s,s:s}}",
		"", "kind", "sz", "data", "default \"value\"",
		"Quote\"Name", "kind", "sz", "data", "say \"hi\"",
		"Back\\slash", "kind", "sz", "data", "C:\\Program Files\\x\\",
		"no", "kind", "sz", "data", "no",
		"hex", "kind", "sz", "data", "0x10",
		"Yes", "kind", "expand-sz", "data", "%SystemRoot%\\yes: true",
		"Unicode", "kind", "sz", "data",
		"Gr\xc3\xbc\xc3\x9f" "e \xe2\x80\x93 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80",
		"Controls", "kind", "sz", "data", "tab\there\nnewline\xc2\x85nel\xe2\x80\xa8ls\x1b\x7f",
		"Empty", "kind", "sz", "data", "",
		"Max", "kind", "dword", "data", (json_int_t)4294967295LL,
		"Q", "kind", "qword", "data", "18446744073709551615",
		"Multi", "kind", "multi-sz", "data", "a", "no", "0x10", "\"q\"", "back\\",
		"EmptyMulti", "kind", "multi-sz", "data",
		"Bin", "kind", "binary", "data", "00ff10",
		"EmptyBin", "kind", "binary", "data", "",
		"Link", "type", (json_int_t)6, "hex", "0102",
		"#comment: not", "kind", "sz", "data", "- item",
		"  spaced  ", "kind", "sz", "data", " lead: and trail ");
	/* clang-format on */
}

/* The tricky server: a certificate, the key above, three services. */
static char *write_snapshot(const char *dir)
{
	/* clang-format off */
	json_t *doc = json_pack(
		"{s:s, s:{s:s, s:s, s:s, s:s}, s:{s:[{s:s}], s:[]}, s:{s:o},"
		" s:{s:{s:s, s:b, s:s, s:s, s:s}, s:{s:s, s:b, s:s, s:s}, s:{s:s, s:b, s:s, s:s}}}",
		"schema", "enforcer-snapshot/1",
		"facts", "os.build", "9600", "os.version", "6.3", "host.name", "EDGE01", "role", "edge",
		"stores", "Root", "der", test_cert_b64, "CA",
		"registry", TRICKY_KEY, tricky_values(),
		"services",
		"RTCSRV", "logon", ".\\svc-lync", "password_stored", 1, "startup", "automatic",
		"state", "stopped", "display_name", "Skype for Business Server Access Edge",
		"RTCMEDIARELAY", "logon", "NT AUTHORITY\\NETWORK SERVICE", "password_stored", 0,
		"startup", "delayed-automatic", "state", "running",
		"Odd", "logon", "LocalSystem", "password_stored", 0, "startup", "disabled",
		"state", "running");
	/* clang-format on */
	cr_assert(doc != NULL, "the test snapshot could not be built");
	char *text = json_dumps(doc, JSON_INDENT(1));
	json_decref(doc);
	char *path = th_write(dir, "server.json", text);
	free(text);
	return path;
}

/* The tricky server in a temporary folder, and its --target value. */
typedef struct server {
	char *dir, *snapshot, *target;
} server;

static server server_new(void)
{
	server sv;
	sv.dir = th_tmpdir();
	sv.snapshot = write_snapshot(sv.dir);
	sv.target = enf_asprintf("snapshot:%s", sv.snapshot);
	cr_assert(sv.target != NULL);
	return sv;
}

static void server_free(server *sv)
{
	free(sv->dir);
	free(sv->snapshot);
	free(sv->target);
}

static const enf_resource *find_value(const enf_policy *p, const char *name)
{
	for (size_t i = 0; i < p->count; i++)
		if (p->resources[i].type == ENF_RES_REGISTRY &&
		    strcmp(p->resources[i].u.reg.value, name) == 0)
			return &p->resources[i];
	cr_assert_fail("no registry resource for value '%s'", name);
	return NULL;
}

/* Each test's server (server_new), for the export and facts suites. */
static server sv;

static void server_init(void)
{
	sv = server_new();
}

static void server_fini(void)
{
	server_free(&sv);
	memset(&sv, 0, sizeof(sv));
	th_cleanup();
}

TestSuite(export, .init = server_init, .fini = server_fini);
TestSuite(facts, .init = server_init, .fini = server_fini);

Test(export, round_trip_validates_and_plans_compliant)
{
	const char *dir = sv.dir, *target = sv.target;
	th_cli_result r =
	    th_run_cli(dir,
	               ARGS("export", "--target", target, "--store", "Root", "--store", "ca",
	                    "--key", TRICKY_KEY, "--service", "RTCSRV", "--service",
	                    "rtcmediarelay", "--service", "Odd", "--name", "edge-baseline"),
	               NULL);
	cr_assert_eq(r.code, 0, "export failed: %s", r.err);
	char *policy = th_write(dir, "exported.yaml", r.out);

	/* The proof the brief asks for: enforcer validate accepts what export wrote. */
	th_cli_result v = th_run_cli(dir, ARGS("validate", policy), NULL);
	cr_assert_eq(v.code, 0, "validate rejected the export:\n%s\n--- export ---\n%s", v.err,
	             r.out);
	/* And it describes the target exactly: planning it there finds nothing to change. */
	th_cli_result p = th_run_cli(dir, ARGS("plan", "--target", target, policy), NULL);
	cr_assert_eq(p.code, 0, "plan of the export found drift:\n%s%s\n--- export ---\n%s", p.out,
	             p.err, r.out);

	int rc;
	enf_policy *pol = NULL;
	char *diags = th_load_buffer(r.out, strlen(r.out), &rc, &pol);
	cr_assert_eq(rc, 0, "%s", diags);
	cr_assert_str_eq(pol->name, "edge-baseline");
	json_t *want = tricky_values();
	const char *name;
	json_t *spec;
	json_object_foreach(want, name, spec)
	{
		if (json_object_get(spec, "type")) {
			/* REG_LINK has no kind in a v1 policy: a comment says so, no resource. */
			for (size_t i = 0; i < pol->count; i++)
				cr_assert(pol->resources[i].type != ENF_RES_REGISTRY ||
				          strcmp(pol->resources[i].u.reg.value, name) != 0);
			continue;
		}
		const enf_res_registry *reg = &find_value(pol, name)->u.reg;
		cr_assert_str_eq(reg->key, TRICKY_KEY);
		const char *kind = json_string_value(json_object_get(spec, "kind"));
		cr_assert_str_eq(enf_reg_kind_name(reg->data.type), kind, "value '%s'", name);
		json_t *data = json_object_get(spec, "data");
		if (strcmp(kind, "sz") == 0 || strcmp(kind, "expand-sz") == 0)
			cr_assert_str_eq(reg->data.text, json_string_value(data), "value '%s'",
			                 name);
		else if (strcmp(kind, "multi-sz") == 0) {
			cr_assert_eq(reg->data.count, json_array_size(data));
			for (size_t i = 0; i < reg->data.count; i++)
				cr_assert_str_eq(reg->data.list[i],
				                 json_string_value(json_array_get(data, i)));
		}
	}
	cr_assert_eq(find_value(pol, "Max")->u.reg.data.number, 4294967295ull);
	cr_assert_eq(find_value(pol, "Q")->u.reg.data.number, 18446744073709551615ull);
	cr_assert_eq(find_value(pol, "Bin")->u.reg.data.size, 3);
	cr_assert_eq(find_value(pol, "EmptyBin")->u.reg.data.size, 0);
	/* Root is one trust-store resource allowing what it holds (issue 19). */
	cr_assert(strstr(r.out, "  - type: trust-store\n    id: trust.root\n    store: Root\n"
	                        "    allow:\n") != NULL,
	          "%s", r.out);
	cr_assert(strstr(r.out, "      - \"" TEST_CERT_THUMBPRINT "\"\n") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "type: certificate") == NULL, "%s", r.out);
	cr_assert(strstr(r.out, "CA holds no certificates") != NULL);

	json_decref(want);
	enf_policy_free(pol);
	free(diags);
	th_cli_free(&r);
	th_cli_free(&v);
	th_cli_free(&p);
	free(policy);
}

Test(export, services_keep_their_settings_and_never_a_password)
{
	const char *dir = sv.dir, *target = sv.target;
	th_cli_result r = th_run_cli(dir,
	                             ARGS("export", "--target", target, "--service", "RTCSRV",
	                                  "--service", "RTCMEDIARELAY", "--service", "Odd"),
	                             NULL);
	cr_assert_eq(r.code, 0, "%s", r.err);
	int rc;
	enf_policy *pol = NULL;
	char *diags = th_load_buffer(r.out, strlen(r.out), &rc, &pol);
	cr_assert_eq(rc, 0, "%s", diags);
	cr_assert_str_eq(pol->name, "exported-edge01");
	cr_assert_eq(pol->count, 3);
	const enf_res_service *edge = &pol->resources[0].u.svc;
	cr_assert_str_eq(edge->name, "RTCSRV");
	cr_assert_str_eq(edge->logon, ".\\svc-lync");
	/* A user account's password is never read: the policy names a variable to set. */
	cr_assert_eq(edge->password, ENF_PASSWORD_ENV);
	cr_assert_str_eq(edge->password_ref, "ENFORCER_PASSWORD_RTCSRV");
	cr_assert_eq(edge->startup, ENF_STARTUP_AUTOMATIC);
	cr_assert_eq(edge->state, ENF_SVC_STOPPED);
	const enf_res_service *relay = &pol->resources[1].u.svc;
	cr_assert_str_eq(relay->logon, "NT AUTHORITY\\NETWORK SERVICE");
	cr_assert_eq(relay->password, ENF_PASSWORD_NONE);
	cr_assert_eq(relay->startup, ENF_STARTUP_DELAYED_AUTOMATIC);
	cr_assert_eq(relay->state, ENF_SVC_RUNNING);
	/* Disabled but running cannot be a policy: the state is left out, with a comment. */
	const enf_res_service *odd = &pol->resources[2].u.svc;
	cr_assert_eq(odd->startup, ENF_STARTUP_DISABLED);
	cr_assert_eq(odd->state, ENF_SVC_UNSET);
	cr_assert(strstr(r.out, "# state: running (left out") != NULL);
	enf_policy_free(pol);
	free(diags);
	th_cli_free(&r);
}

Test(export, errors_write_nothing_and_say_why)
{
	const char *dir = sv.dir, *target = sv.target;
	th_cli_result r =
	    th_run_cli(dir, ARGS("export", "--target", target, "--service", "NOSUCH"), NULL);
	cr_assert_eq(r.code, 4);
	cr_assert_str_empty(r.out);
	cr_assert(strstr(r.err, "service 'NOSUCH' does not exist") != NULL, "%s", r.err);
	th_cli_free(&r);

	r = th_run_cli(dir, ARGS("export", "--target", target, "--key", "HKLM\\Software\\Missing"),
	               NULL);
	cr_assert_eq(r.code, 4);
	cr_assert_str_empty(r.out);
	cr_assert(strstr(r.err, "registry key 'HKLM\\Software\\Missing' does not exist") != NULL,
	          "%s", r.err);
	th_cli_free(&r);

	const char *const *bad[] = {
	    ARGS("export", "--target", "snapshot:x", "stray"),       /* not an option */
	    ARGS("export", "--store", "Trusted Root"),               /* not a store */
	    ARGS("export", "--key", "HKCU\\Software\\Contoso"),      /* not HKLM */
	    ARGS("export", "--key", "HKLM\\Software\\"),             /* trailing backslash */
	    ARGS("export", "--service", "RTCSRV", "--name", "Edge"), /* not a policy name */
	    ARGS("export", "--service"),                             /* no value */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = th_run_cli(dir, bad[i], NULL);
		cr_assert_eq(r.code, 1, "case %zu: exit %d: %s", i, r.code, r.err);
		cr_assert_str_empty(r.out);
		cr_assert(strstr(r.err, "enforcer export: ") != NULL, "case %zu: %s", i, r.err);
		th_cli_free(&r);
	}
}

Test(export, an_empty_store_is_an_empty_valid_policy)
{
	const char *dir = sv.dir, *target = sv.target;
	th_cli_result r =
	    th_run_cli(dir, ARGS("export", "--target", target, "--store", "CA"), NULL);
	cr_assert_eq(r.code, 0, "%s", r.err);
	int rc;
	enf_policy *pol = NULL;
	char *diags = th_load_buffer(r.out, strlen(r.out), &rc, &pol);
	cr_assert_eq(rc, 0, "%s\n%s", diags, r.out);
	cr_assert_eq(pol->count, 0);
	enf_policy_free(pol);
	free(diags);
	th_cli_free(&r);
}

/* -o: the same bytes as standard output, UTF-8 without a byte-order mark (issue 19). */
Test(export, output_file_holds_exactly_the_policy)
{
	const char *dir = sv.dir, *target = sv.target;
	th_cli_result r =
	    th_run_cli(dir, ARGS("export", "--target", target, "--store", "Root"), NULL);
	cr_assert_eq(r.code, 0, "%s", r.err);
	th_cli_result o = th_run_cli(
	    dir, ARGS("export", "--target", target, "--store", "Root", "-o", "root.yaml"), NULL);
	cr_assert_eq(o.code, 0, "%s", o.err);
	cr_expect_str_eq(o.out, "");
	cr_expect_str_eq(o.err, "");
	char *path = enf_asprintf("%s/root.yaml", dir);
	size_t len = 0;
	char *text = th_read(path, &len);
	cr_expect_eq(len, strlen(r.out));
	cr_expect_str_eq(text, r.out);
	cr_expect_neq((unsigned char)text[0], 0xEF, "a byte-order mark");
	th_cli_result v = th_run_cli(dir, ARGS("validate", "root.yaml"), NULL);
	cr_expect_eq(v.code, 0, "%s", v.err);
	th_cli_result p = th_run_cli(dir, ARGS("plan", "--target", target, "root.yaml"), NULL);
	cr_expect_eq(p.code, 0, "%s%s", p.out, p.err);
	/* A folder that does not exist: nothing written, and said why. */
	th_cli_result bad = th_run_cli(
	    dir, ARGS("export", "--target", target, "--store", "Root", "-o", "no/such/x.yaml"),
	    NULL);
	cr_expect_eq(bad.code, 1);
	cr_expect(strstr(bad.err, "enforcer: cannot create 'no/such/x.yaml.") == bad.err, "%s",
	          bad.err);
	free(text);
	free(path);
	th_cli_free(&r);
	th_cli_free(&o);
	th_cli_free(&v);
	th_cli_free(&p);
	th_cli_free(&bad);
}

/* --store My: require: with what the certificate passes now, and who may read its key (issue 19).
 */
Test(export, my_certificates_keep_their_checks_and_key_permissions)
{
	const char *dir = sv.dir, *target = sv.target;
	json_t *snap = th_json_file(sv.snapshot);
	json_object_set_new(json_object_get(snap, "stores"), "My",
	                    json_pack("[{s:s, s:b, s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}]}]", "der",
	                              test_cert_b64, "private_key", 1, "key_acl", "account",
	                              "NT AUTHORITY\\SYSTEM", "rights", "full", "account",
	                              "NT AUTHORITY\\NETWORK SERVICE", "rights", "read", "account",
	                              "BUILTIN\\Administrators", "rights", "full"));
	char *text = json_dumps(snap, JSON_INDENT(1));
	cr_assert(text != NULL);
	json_decref(snap);
	free(th_write(dir, "server.json", text));
	free(text);
	th_cli_result r = th_run_cli(
	    dir, ARGS("export", "--target", target, "--store", "My", "-o", "my.yaml"), NULL);
	cr_assert_eq(r.code, 0, "%s", r.err);
	char *path = enf_asprintf("%s/my.yaml", dir);
	char *out = th_read(path, NULL);
	/* Self-signed and in Root: trusted; the key: NetworkService may read it. */
	const char *want = "    store: My\n    thumbprint: \"" TEST_CERT_THUMBPRINT "\"\n"
	                   "    # expires on ";
	cr_expect(strstr(out, want) != NULL, "%s", out);
	cr_expect(strstr(out, "    require:\n      chain: trusted\n") != NULL, "%s", out);
	cr_expect(strstr(out, "      private-key: true\n      warn-days: 30\n"
	                      "    private-key-access:\n"
	                      "      - account: \"NT AUTHORITY\\\\NETWORK SERVICE\"\n"
	                      "        rights: read\n") != NULL,
	          "%s", out);
	cr_expect(strstr(out, "SYSTEM") == NULL && strstr(out, "Administrators") == NULL,
	          "SYSTEM and Administrators hold every key: not listed\n%s", out);
	th_cli_result v = th_run_cli(dir, ARGS("validate", "my.yaml"), NULL);
	cr_expect_eq(v.code, 0, "%s", v.err);
	th_cli_result p = th_run_cli(dir, ARGS("plan", "--target", target, "my.yaml"), NULL);
	cr_expect_eq(p.code, 0, "%s%s\n%s", p.out, p.err, out);
	/* Without the root in Root, the chain is not trusted now: left out, and said why. */
	snap = th_json_file(sv.snapshot);
	json_object_set_new(json_object_get(snap, "stores"), "Root", json_array());
	text = json_dumps(snap, JSON_INDENT(1));
	json_decref(snap);
	free(th_write(dir, "server.json", text));
	free(text);
	th_cli_result o =
	    th_run_cli(dir, ARGS("export", "--target", target, "--store", "My"), NULL);
	cr_expect_eq(o.code, 0, "%s", o.err);
	cr_expect(
	    strstr(o.out, "    # chain: trusted is left out: the chain is not trusted now (") !=
	        NULL,
	    "%s", o.out);
	cr_expect(strstr(o.out, "    require:\n      private-key: true\n") != NULL, "%s", o.out);
	free(out);
	free(path);
	th_cli_free(&r);
	th_cli_free(&v);
	th_cli_free(&p);
	th_cli_free(&o);
}

/* --service with * and ?: every service whose name matches, in any case (issue 19). */
Test(export, service_patterns_select_every_matching_service)
{
	const char *dir = sv.dir, *target = sv.target;
	th_cli_result r =
	    th_run_cli(dir, ARGS("export", "--target", target, "--service", "rtc*"), NULL);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_expect(strstr(r.out, "id: svc.rtcmediarelay\n") != NULL, "%s", r.out);
	cr_expect(strstr(r.out, "id: svc.rtcsrv\n") != NULL, "%s", r.out);
	cr_expect(strstr(r.out, "Odd") == NULL, "%s", r.out);
	th_cli_result q =
	    th_run_cli(dir, ARGS("export", "--target", target, "--service", "O?D"), NULL);
	cr_expect_eq(q.code, 0, "%s", q.err);
	cr_expect(strstr(q.out, "name: \"Odd\"\n") != NULL, "%s", q.out);
	cr_expect(strstr(q.out, "RTC") == NULL, "%s", q.out);
	th_cli_result n =
	    th_run_cli(dir, ARGS("export", "--target", target, "--service", "SQL*"), NULL);
	cr_expect_eq(n.code, 4);
	cr_expect_str_eq(n.out, "");
	cr_expect_str_eq(n.err, "enforcer: cannot export: no service name matches 'SQL*'\n");
	th_cli_free(&r);
	th_cli_free(&q);
	th_cli_free(&n);
}

Test(facts, text_and_json_show_the_targets_facts)
{
	const char *dir = sv.dir, *target = sv.target;
	th_cli_result r = th_run_cli(dir, ARGS("facts", "--target", target), NULL);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "os.build      9600\n"
	                        "os.version    6.3\n"
	                        "os.major      (absent)\n"
	                        "os.product    (absent)\n"
	                        "host.name     EDGE01\n"
	                        "role          edge\n"
	                        "lync.version  (absent)\n"
	                        "lync.product  (absent)\n");
	th_cli_free(&r);
	r = th_run_cli(dir, ARGS("facts", "--format", "json", "--target", target), NULL);
	cr_assert_eq(r.code, 0, "%s", r.err);
	json_t *doc = json_loads(r.out, 0, NULL);
	cr_assert(doc != NULL, "%s", r.out);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "schema")), "enforcer-facts/1");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(doc, "facts"), "role")),
	                 "edge");
	cr_assert_null(json_object_get(json_object_get(doc, "facts"), "lync.version"));
	json_decref(doc);
	th_cli_free(&r);
	r = th_run_cli(dir, ARGS("facts", "--target", "local"), NULL);
	cr_assert_eq(r.code, 1);
	cr_assert(strstr(r.err, "needs the Windows build") != NULL, "%s", r.err);
	th_cli_free(&r);
}
