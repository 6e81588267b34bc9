/*
 * `enforcer export` without a selection (issue 16): the policy of what a
 * server is, by its role fact, on snapshots built from a PKI made at test
 * time. The policy is exactly the server's state (the whole text is
 * compared), validate accepts it, and a plan of it on the same server
 * changes nothing and leaves the snapshot as it was, byte for byte.
 */
#include "helpers.h"
#include "pki.h"

#include "enforcer/cert.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define SCHANNEL  "HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL"
/* The same as the export writes it, in a double-quoted YAML string. */
#define SCHANNEL_Y "HKLM\\\\System\\\\CurrentControlSet\\\\Control\\\\SecurityProviders\\\\SCHANNEL"

static pki_set *pki;

/* Each test's server: a folder, the snapshot as JSON, and once written, its file and --target. */
static struct {
	char *dir;
	json_t *snap;
	char *path, *target;
} sv;

static json_t *edge_server(void);

static void suite_init(void)
{
	pki = pki_standard();
	sv.dir = th_tmpdir();
	sv.snap = edge_server();
}

static void suite_fini(void)
{
	free(sv.dir);
	json_decref(sv.snap);
	free(sv.path);
	free(sv.target);
	memset(&sv, 0, sizeof(sv));
	pki_set_free(pki);
	pki = NULL;
	th_cleanup();
}

TestSuite(exportrole, .init = suite_init, .fini = suite_fini);

/* Writes sv.snap as the server's snapshot file (again). */
static void write_server(void)
{
	free(sv.path);
	free(sv.target);
	sv.path = pki_snapshot_write(sv.snap, sv.dir, "server.json");
	sv.target = enf_asprintf("snapshot:%s", sv.path);
}

/* An Edge Server of SfB 2019 on Windows Server 2019, with things a role export leaves out. */
static json_t *edge_server(void)
{
	json_t *snap = pki_snapshot();
	/* clang-format off */
	json_object_set_new(snap, "facts", json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
		"os.build", "17763", "os.version", "6.3", "os.product", "windows-server-2019",
		"host.name", "EDGE01", "role", "edge", "lync.version", "7.0.2046.404",
		"lync.product", "sfb-2019"));
	json_object_set_new(snap, "services", json_pack(
		"{s:{s:s, s:b, s:s, s:s, s:s, s:s}, s:{s:s, s:b, s:s, s:s, s:s},"
		" s:{s:s, s:b, s:s, s:s, s:s}, s:{s:s, s:b, s:s, s:s}}",
		"RTCSRV", "logon", ".\\svc-lync", "password_stored", 1, "startup", "automatic",
		"state", "running", "running_as", ".\\svc-lync",
		"display_name", "Skype for Business Server Access Edge",
		"RTCMEDIARELAY", "logon", "NT AUTHORITY\\NetworkService", "password_stored", 0, "startup",
		"delayed-automatic", "state", "running", "running_as", "NT AUTHORITY\\NetworkService",
		"REPLICA", "logon", "LocalSystem", "password_stored", 0, "startup", "automatic", "state", "stopped",
		"display_name", "REPLICA",
		"Spooler", "logon", "LocalSystem", "password_stored", 0, "startup", "automatic", "state", "running"));
	json_object_set_new(snap, "registry", json_pack(
		"{s:{s:{s:s, s:i}}, s:{s:{s:s, s:i}, s:{s:s, s:i}}, s:{s:{s:s, s:i}},"
		" s:{s:{s:s, s:i}}, s:{s:{s:s, s:[ss]}}, s:{s:{s:s, s:s}}}",
		SCHANNEL, "EnableSessionTicket", "kind", "dword", "data", 2,
		SCHANNEL "\\Protocols\\TLS 1.0\\Server", "Enabled", "kind", "dword", "data", 0,
		"DisabledByDefault", "kind", "dword", "data", 1,
		SCHANNEL "\\Ciphers\\RC4 128/128", "Enabled", "kind", "dword", "data", 0,
		"HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319", "SchUseStrongCrypto",
		"kind", "dword", "data", 1,
		"HKLM\\SYSTEM\\CurrentControlSet\\Control\\Cryptography\\Configuration\\Local\\SSL\\00010002",
		"Functions", "kind", "multi-sz", "data", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
		"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
		"HKLM\\Software\\Contoso", "Other", "kind", "sz", "data", "not exported"));
	/* clang-format on */
	pki_snapshot_add(snap, "Root", pki->root);
	pki_snapshot_add(snap, "Root", pki->selfsigned);
	pki_snapshot_add(snap, "CA", pki->inter);
	pki_snapshot_add(snap, "My", pki->leaf);
	return snap;
}

/* "      # SUBJECT, valid until DATE\n      - \"THUMBPRINT\"\n" for an allow list. */
static char *allowed(const pki_cert *c)
{
	enf_cert *cert = NULL;
	cr_assert_eq(enf_cert_from_der(&cert, c->der, c->der_len), 0);
	const enf_cert_info *i = enf_cert_info_get(cert);
	char *s = enf_asprintf("      # %s, valid until %.10s\n      - \"%s\"\n", i->subject,
	                       i->not_after_iso, i->thumbprint);
	enf_cert_free(cert);
	return s;
}

/* export; validate; plan on the same snapshot. Returns the export's text (free() it). */
static char *round_trip(const char *dir, const char *snapshot, int plan_code,
                        const char *plan_summary_start)
{
	char *target = enf_asprintf("snapshot:%s", snapshot);
	char *before = th_read(snapshot, NULL);
	th_cli_result r = th_run_cli(sv.dir, ARGS("export", "--target", sv.target), NULL);
	cr_assert_eq(r.code, 0, "export failed: %s", r.err);
	cr_expect_str_empty(r.err);
	char *policy = th_write(dir, "exported.yaml", r.out);
	th_cli_result v = th_run_cli(dir, ARGS("validate", policy), NULL);
	cr_expect_eq(v.code, 0, "validate rejected the export:\n%s\n--- export ---\n%s", v.err,
	             r.out);
	char *state = enf_asprintf("%s/state", dir);
	th_cli_result p =
	    th_run_cli(dir, ARGS("plan", "--target", target, "--state-dir", state, policy), NULL);
	cr_expect_eq(p.code, plan_code, "plan exit %d:\n%s%s\n--- export ---\n%s", p.code, p.out,
	             p.err, r.out);
	cr_expect(strstr(p.out, plan_summary_start) != NULL, "plan said:\n%s", p.out);
	char *after = th_read(snapshot, NULL);
	cr_expect_str_eq(after, before, "the plan changed the snapshot");
	char *out = r.out;
	r.out = NULL;
	free(after);
	free(before);
	free(state);
	free(policy);
	free(target);
	th_cli_free(&p);
	th_cli_free(&v);
	th_cli_free(&r);
	return out;
}

Test(exportrole, an_edge_server_is_exported_exactly_and_plans_with_zero_changes)
{
	write_server();
	char *out = round_trip(sv.dir, sv.path, 0, "Plan: 0 to change, 0 failed, 11 compliant,");
	char *root = allowed(pki->root), *self = allowed(pki->selfsigned),
	     *inter = allowed(pki->inter);
	char *want = enf_asprintf(
	    "# Exported by enforcer %s from snapshot:%s (host EDGE01).\n"
	    "# Review it before use. Passwords are never exported.\n"
	    "enforcer: 1\n"
	    "name: \"exported-edge01\"\n"
	    "description: \"The state of snapshot:%s (host EDGE01) when it was exported: an Edge "
	    "Server (Skype for Business Server 2019 on Windows Server 2019)\"\n"
	    "when:\n"
	    "  role: \"edge\"\n"
	    "resources:\n"
	    "  # The services of an Edge Server that are on this server.\n"
	    "  # Skype for Business Server Access Edge\n"
	    "  - type: service\n"
	    "    id: svc.rtcsrv\n"
	    "    name: \"RTCSRV\"\n"
	    "    logon: \".\\\\svc-lync\"\n"
	    "    # set ENFORCER_PASSWORD_RTCSRV to the account's password before apply\n"
	    "    password: \"env:ENFORCER_PASSWORD_RTCSRV\"\n"
	    "    startup: automatic\n"
	    "    state: running\n"
	    "  - type: service\n"
	    "    id: svc.rtcmediarelay\n"
	    "    name: \"RTCMEDIARELAY\"\n"
	    "    logon: \"NT AUTHORITY\\\\NetworkService\"\n"
	    "    password: none\n"
	    "    startup: delayed-automatic\n"
	    "    state: running\n"
	    "  - type: service\n"
	    "    id: svc.replica\n"
	    "    name: \"REPLICA\"\n"
	    "    logon: \"LocalSystem\"\n"
	    "    password: none\n"
	    "    startup: automatic\n"
	    "    state: stopped\n"
	    "  # Schannel and TLS: every value of the keys that exist.\n"
	    "  - type: registry\n"
	    "    id: reg.securityproviders-schannel-enablesessionticket\n"
	    "    key: \"" SCHANNEL_Y "\"\n"
	    "    value: \"EnableSessionTicket\"\n"
	    "    kind: dword\n"
	    "    data: 2\n"
	    "  - type: registry\n"
	    "    id: reg.tls-1-0-server-disabledbydefault\n"
	    "    key: \"" SCHANNEL_Y "\\\\Protocols\\\\TLS 1.0\\\\Server\"\n"
	    "    value: \"DisabledByDefault\"\n"
	    "    kind: dword\n"
	    "    data: 1\n"
	    "  - type: registry\n"
	    "    id: reg.tls-1-0-server-enabled\n"
	    "    key: \"" SCHANNEL_Y "\\\\Protocols\\\\TLS 1.0\\\\Server\"\n"
	    "    value: \"Enabled\"\n"
	    "    kind: dword\n"
	    "    data: 0\n"
	    "  - type: registry\n"
	    "    id: reg.ciphers-rc4-128-128-enabled\n"
	    "    key: \"" SCHANNEL_Y "\\\\Ciphers\\\\RC4 128/128\"\n"
	    "    value: \"Enabled\"\n"
	    "    kind: dword\n"
	    "    data: 0\n"
	    "  - type: registry\n"
	    "    id: reg.ssl-00010002-functions\n"
	    "    key: "
	    "\"HKLM\\\\SYSTEM\\\\CurrentControlSet\\\\Control\\\\Cryptography\\\\Configuration\\\\Local\\\\SSL\\\\00010002\"\n"
	    "    value: \"Functions\"\n"
	    "    kind: multi-sz\n"
	    "    data:\n"
	    "      - \"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\"\n"
	    "      - \"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\"\n"
	    "  - type: registry\n"
	    "    id: reg.netframework-v4-0-30319-schusestrongcrypto\n"
	    "    key: \"HKLM\\\\SOFTWARE\\\\Microsoft\\\\.NETFramework\\\\v4.0.30319\"\n"
	    "    value: \"SchUseStrongCrypto\"\n"
	    "    kind: dword\n"
	    "    data: 1\n"
	    "  # LocalMachine\\Root allows the 2 certificates it holds now.\n"
	    "  - type: trust-store\n"
	    "    id: trust.root\n"
	    "    store: Root\n"
	    "    allow:\n"
	    "%s%s"
	    "  # LocalMachine\\CA allows the 1 certificate it holds now.\n"
	    "  - type: trust-store\n"
	    "    id: trust.ca\n"
	    "    store: CA\n"
	    "    allow:\n"
	    "%s",
	    ENF_VERSION, sv.path, sv.path, root, self, inter);
	cr_expect_str_eq(out, want);
	free(want);
	free(root);
	free(self);
	free(inter);
	free(out);
}

Test(exportrole, intermediates_in_root_are_reported_not_moved)
{
	pki_snapshot_add(sv.snap, "Root", pki->inter);
	write_server();
	char *out = round_trip(sv.dir, sv.path, 4, "Plan: 0 to change, 1 failed, 10 compliant,");
	cr_expect(strstr(out, "    store: Root\n"
	                      "    # Root holds 1 certificate that is not self-signed (an "
	                      "intermediate belongs in CA): 'Contoso Issuing CA 01'. misplaced: "
	                      "report keeps this policy from changing the server, and its plan "
	                      "names them; write move (the default) to move them to CA.\n"
	                      "    misplaced: report\n"
	                      "    allow:\n") != NULL,
	          "%s", out);
	/* CA keeps the default: a self-signed certificate there is a note, never a change. */
	cr_expect(strstr(out, "    store: CA\n    allow:\n") != NULL, "%s", out);
	free(out);
}

Test(exportrole, a_front_end_exports_its_own_services)
{
	json_t *facts = json_object_get(sv.snap, "facts");
	json_object_set_new(facts, "role", json_string("front-end"));
	json_object_set_new(json_object_get(sv.snap, "services"), "RTCAVMCU",
	                    json_pack("{s:s, s:b, s:s, s:s}", "logon",
	                              "NT AUTHORITY\\NetworkService", "password_stored", 0,
	                              "startup", "automatic", "state", "running"));
	write_server();
	char *out = round_trip(sv.dir, sv.path, 0, "Plan: 0 to change, 0 failed, 11 compliant,");
	cr_expect(strstr(out, "when:\n  role: \"front-end\"\n") != NULL, "%s", out);
	cr_expect(strstr(out, "a Front End Server (Skype for Business Server 2019 on Windows "
	                      "Server 2019)") != NULL,
	          "%s", out);
	cr_expect(
	    strstr(out, "  # The services of a Front End Server that are on this server.\n") !=
	        NULL,
	    "%s", out);
	/* RTCAVMCU is a Front End's, RTCMEDIARELAY an Edge's, Spooler nobody's. */
	cr_expect(strstr(out, "name: \"RTCAVMCU\"") != NULL);
	cr_expect(strstr(out, "RTCMEDIARELAY") == NULL);
	cr_expect(strstr(out, "Spooler") == NULL);
	free(out);
}

Test(exportrole, a_server_without_a_role_gets_no_services_and_no_condition)
{
	static const char *const roles[] = {"none", NULL};
	for (size_t k = 0; k < 2; k++) {
		json_decref(sv.snap);
		sv.snap = edge_server();
		json_t *facts = json_object_get(sv.snap, "facts");
		if (roles[k])
			json_object_set_new(facts, "role", json_string(roles[k]));
		else
			json_object_del(facts, "role");
		write_server();
		char *out =
		    round_trip(sv.dir, sv.path, 0, "Plan: 0 to change, 0 failed, 8 compliant,");
		cr_expect(strstr(out, "when:") == NULL, "%s", out);
		cr_expect(strstr(out, "type: service") == NULL, "%s", out);
		cr_expect(strstr(out, roles[k]
		                          ? "  # No Lync or Skype for Business role (role: "
		                            "none): no services.\n"
		                          : "  # The role is unknown (RtcSrv says neither Edge "
		                            "nor Front End): no services.\n") != NULL,
		          "%s", out);
		cr_expect(strstr(out, roles[k]
		                          ? "exported: a server with no Lync role (Skype"
		                          : "exported: a server whose role is unknown (Skype") !=
		              NULL,
		          "%s", out);
		free(out);
	}
}

Test(exportrole, passwords_never_leave_and_the_name_option_still_applies)
{
	write_server();
	th_cli_result r =
	    th_run_cli(sv.dir, ARGS("export", "--target", sv.target, "--name", "contoso-edge"),
	               "ENFORCER_PASSWORD_RTCSRV=Sup3r-Secret!");
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_expect(strstr(r.out, "name: \"contoso-edge\"\n") != NULL);
	cr_expect(strstr(r.out, "Sup3r-Secret") == NULL, "a password reached the export");
	th_cli_free(&r);
}

Test(exportrole, a_password_stored_for_a_builtin_account_is_the_one_change_and_is_said)
{
	json_t *replica = json_object_get(json_object_get(sv.snap, "services"), "REPLICA");
	json_object_set_new(replica, "password_stored", json_true());
	write_server();
	th_cli_result r = th_run_cli(sv.dir, ARGS("export", "--target", sv.target), NULL);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_expect(strstr(r.out, "    name: \"REPLICA\"\n"
	                        "    logon: \"LocalSystem\"\n"
	                        "    # a password is stored for this account, which has none: "
	                        "password: none clears it (a plan shows that change)\n"
	                        "    password: none\n") != NULL,
	          "%s", r.out);
	char *policy = th_write(sv.dir, "exported.yaml", r.out);
	char *state = enf_asprintf("%s/state", sv.dir);
	th_cli_result p = th_run_cli(
	    sv.dir, ARGS("plan", "--target", sv.target, "--state-dir", state, policy), NULL);
	cr_expect_eq(p.code, 2, "%s%s", p.out, p.err);
	static const char want_plan[] =
	    "drift       svc.replica: clear the password stored for REPLICA (log-on LocalSystem)\n"
	    "Plan: 1 to change, 0 failed, 10 compliant, 0 skipped, 0 waived, 0 audit drift; run ";
	cr_expect(strncmp(p.out, want_plan, strlen(want_plan)) == 0, "%s", p.out);
	/* Unknown (a run that is not SYSTEM): the export says so, and the plan fails it. */
	json_object_del(replica, "password_stored");
	write_server();
	th_cli_free(&r);
	r = th_run_cli(sv.dir, ARGS("export", "--target", sv.target), NULL);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_expect(strstr(r.out, "    # whether a password is stored for this account cannot be "
	                        "read here: plan and apply need SYSTEM to check it\n") != NULL,
	          "%s", r.out);
	th_cli_free(&p);
	th_cli_free(&r);
	free(state);
	free(policy);
}
